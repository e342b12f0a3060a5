// A jobset's output line: one JSON object per attribute, in nix-eval-jobs' shape (its keys in
// sorted order, as nix-eval-jobs prints them):
//
//   {"attr":"a.b","attrPath":["a","b"],"drvPath":…,"inputDrvs":…,"meta":…,"name":…,
//    "outputs":{"out":…},"requiredSystemFeatures":[…],"stats":{…},"system":…}
//   {"attr":"a.c","attrPath":["a","c"],"error":{"kind":…,"message":…,…},"stats":{…}}
//
// `attr` is the path with dots (a name holding a dot in double quotes), `attrPath` its names.
// nixeval adds `stats` (what the attribute cost and where it ran), and its `error` is the
// structured error of `/v1/eval` (kind, message, rendered, position, trace) rather than
// nix-eval-jobs' rendered text.

import { attrPathText, type DerivationFields } from './attribute.js';

/** What evaluating one attribute cost. */
export interface AttributeStats {
  /** Time in the worker, in ms. */
  evalMs: number;
  /** How far the attribute grew the worker's heap (MiB, sampled). */
  heapGrowthMb: number;
  /** Thread id of the worker that evaluated it. */
  worker?: number;
  /** The result came from the service's result cache: nothing was evaluated for it. */
  cached?: boolean;
}

export interface AttributeLine {
  attrPath: string[];
  /** A derivation's fields (UTF-8 strings). */
  fields?: DerivationFields;
  /** The attribute's error (a JSON-able error body). */
  error?: unknown;
  stats?: AttributeStats;
  /** Print `namedConstituents` (an aggregate's are dropped once resolved). */
  keepNamedConstituents?: boolean;
}

/** The line's JSON text (no newline). */
export function formatLine(line: AttributeLine): string {
  const parts: string[] = [
    `"attr":${JSON.stringify(attrPathText(line.attrPath))}`,
    `"attrPath":${JSON.stringify(line.attrPath)}`,
  ];
  const f = line.fields;
  const member = (key: string, json: string | undefined): void => {
    if (json !== undefined) parts.push(`${JSON.stringify(key)}:${json}`);
  };
  const named = f?.constituents !== undefined && (line.keepNamedConstituents || f.constituents.namedConstituents.length === 0);
  member('constituents', f?.constituents && JSON.stringify(f.constituents.constituents));
  member('drvPath', f && JSON.stringify(f.drvPath));
  member('error', line.error === undefined ? undefined : JSON.stringify(line.error));
  member('extraValue', f?.extraValue);
  member('globConstituents', f?.constituents && JSON.stringify(f.constituents.globConstituents));
  member('inputDrvs', f?.inputDrvs && JSON.stringify(f.inputDrvs));
  member('meta', f?.meta);
  member('name', f && JSON.stringify(f.name));
  member('namedConstituents', named ? JSON.stringify(f!.constituents!.namedConstituents) : undefined);
  member('outputs', f && JSON.stringify(f.outputs));
  member('requiredSystemFeatures', f?.requiredSystemFeatures && JSON.stringify(f.requiredSystemFeatures));
  member('stats', line.stats && JSON.stringify(line.stats));
  member('system', f && JSON.stringify(f.system));
  return `{${parts.join(',')}}`;
}
