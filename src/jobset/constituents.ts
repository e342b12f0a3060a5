// Hydra's aggregate jobs with named constituents, resolved once every attribute of the jobset
// is known (as nix-eval-jobs --constituents does at the end):
// - each name in an aggregate's `namedConstituents` must be a job of the jobset (with
//   `globConstituents`, a glob pattern matching job names, the aggregate itself excepted);
//   a missing or failed one makes the aggregate fail with the list of broken members;
// - aggregates are handled members first; two aggregates naming each other fail with
//   "Dependency cycle", and every other aggregate is then skipped;
// - a resolved aggregate gets each member's drvPath among its `constituents` and, in its
//   derivation, each member (its first output) as an input: the derivation changes, so its
//   out path and drvPath are computed again (nothing is written).
// The derivations travel as plain data (attribute.ts's DerivationStoreInfo), so this runs
// wherever the lines are collected.

import { type Derivation, derivationPath, hashDerivationModulo, type DrvHashes } from '../store/derivation.js';
import { base16Decode, base16Encode } from '../store/hash.js';
import { makeOutputPath } from '../store/store-path.js';
import type { DerivationFields, PlainDerivation } from './attribute.js';

/** A finished job, by its `attr`: its fields, or its error message. */
export interface FinishedJob {
  fields?: DerivationFields;
  error?: string;
}

/** An aggregate as it is finally reported: its fields (updated), and its error if it failed. */
export interface ResolvedAggregate {
  attr: string;
  fields: DerivationFields;
  error?: string;
  /** Whether `namedConstituents` stays in the line (it does only when a cycle stopped everything). */
  keepNamed: boolean;
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** fnmatch(3) without flags: `*`, `?` and bracket expressions; `/` and dots are ordinary. */
export function globMatches(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRegExp(pattern[++i]);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) { re += '\\['; continue; }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`).test(name);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

interface Aggregate {
  name: string;
  members: Set<string>;
  broken: Map<string, string>;
}

/** Each aggregate's members (job names) and broken members (with why). */
function membersOf(jobs: ReadonlyMap<string, FinishedJob>): Aggregate[] {
  const aggregates: Aggregate[] = [];
  for (const [name, job] of [...jobs].sort(([a], [b]) => byString(a, b))) {
    const named = job.fields?.constituents?.namedConstituents ?? [];
    if (named.length === 0) continue;
    const glob = job.fields!.constituents!.globConstituents;
    const agg: Aggregate = { name, members: new Set(), broken: new Map() };
    const take = (member: string, j: FinishedJob): boolean => {
      if (j.error !== undefined) {
        agg.broken.set(member, j.error);
        return false;
      }
      agg.members.add(member);
      return true;
    };
    for (const member of named) {
      const j = jobs.get(member);
      if (j !== undefined) {
        take(member, j);
      } else if (!glob) {
        agg.broken.set(member, 'does not exist');
      } else {
        let matched = false;
        for (const [other, oj] of jobs) {
          if (other !== name && globMatches(member, other) && take(other, oj)) matched = true;
        }
        if (!matched) agg.broken.set(member, 'constituent glob pattern had no matches');
      }
    }
    aggregates.push(agg);
  }
  return aggregates;
}

/**
 * The aggregates in an order where each comes after the aggregates it names, or the two
 * aggregates of the first cycle found (depth first, by name).
 */
function orderAggregates(aggregates: Aggregate[]): { order: Aggregate[] } | { cycle: [string, string] } {
  const byName = new Map(aggregates.map((a) => [a.name, a]));
  const order: Aggregate[] = [];
  const visited = new Set<string>();
  const onPath = new Set<string>();
  for (const start of aggregates) {
    if (visited.has(start.name)) continue;
    // Depth first over an explicit stack: [aggregate, its members still to look at].
    const stack: [Aggregate, string[]][] = [[start, [...start.members].sort(byString)]];
    visited.add(start.name);
    onPath.add(start.name);
    while (stack.length > 0) {
      const [agg, todo] = stack[stack.length - 1];
      const next = todo.shift();
      if (next === undefined) {
        stack.pop();
        onPath.delete(agg.name);
        order.push(agg);
        continue;
      }
      const dep = byName.get(next);
      if (dep === undefined || next === agg.name) continue;
      if (onPath.has(next)) return { cycle: [next, agg.name] };
      if (visited.has(next)) continue;
      visited.add(next);
      onPath.add(next);
      stack.push([dep, [...dep.members].sort(byString)]);
    }
  }
  return { order };
}

function toDerivation(p: PlainDerivation): Derivation {
  return {
    name: p.name,
    outputs: new Map(Object.entries(p.outputs).map(([k, path]) => [k, { kind: 'inputAddressed', path }])),
    inputDrvs: new Map(Object.entries(p.inputDrvs).map(([k, outs]) => [k, new Set(outs)])),
    inputSrcs: new Set(p.inputSrcs),
    platform: p.platform,
    builder: p.builder,
    args: [...p.args],
    env: new Map(Object.entries(p.env)),
  };
}

function fromHex(hashes: Record<string, string>): DrvHashes {
  return new Map(Object.entries(hashes).map(([k, hex]) => [k, { algo: 'sha256', bytes: base16Decode(hex)! }]));
}

/**
 * Resolves the aggregates among `jobs` (every finished job, by attr). Returns them in the
 * order to report them, each with its final fields and error.
 */
export function resolveAggregates(jobs: ReadonlyMap<string, FinishedJob>, storeDir: string): ResolvedAggregate[] {
  const aggregates = membersOf(jobs);
  if (aggregates.length === 0) return [];
  const fieldsOf = (name: string): DerivationFields => structuredClone(jobs.get(name)!.fields!);
  const ordered = orderAggregates(aggregates);
  if ('cycle' in ordered) {
    const [a, b] = ordered.cycle;
    const message = `Dependency cycle: ${a} <-> ${b}`;
    const out: ResolvedAggregate[] = [
      { attr: a, fields: fieldsOf(a), error: message, keepNamed: true },
      { attr: b, fields: fieldsOf(b), error: message, keepNamed: true },
    ];
    for (const agg of aggregates) {
      if (agg.name === a || agg.name === b) continue;
      out.push({ attr: agg.name, fields: fieldsOf(agg.name), error: 'Skipping aggregate because of a dependency cycle', keepNamed: true });
    }
    return out;
  }
  // Rewritten aggregates, for the aggregates that name them.
  const current = new Map<string, DerivationFields>();
  const out: ResolvedAggregate[] = [];
  for (const agg of ordered.order) {
    const fields = fieldsOf(agg.name);
    if (agg.broken.size > 0) {
      const error = [...agg.broken].map(([m, why]) => `${m}: ${why}\n`).join('');
      out.push({ attr: agg.name, fields, error, keepNamed: false });
      continue;
    }
    rewrite(fields, [...agg.members].sort(byString).map((m) => current.get(m) ?? jobs.get(m)!.fields!), storeDir);
    current.set(agg.name, fields);
    out.push({ attr: agg.name, fields, keepNamed: false });
  }
  return out;
}

/**
 * Adds the members to an aggregate: their drvPaths to `constituents`, and each (its first
 * output) to the derivation's inputs, whose out path and drvPath are then computed again.
 */
function rewrite(fields: DerivationFields, members: DerivationFields[], storeDir: string): void {
  const constituents = fields.constituents!;
  const aggregate = fields.store?.aggregate;
  const drv = aggregate && toDerivation(aggregate.derivation);
  const hashes = new Map<string, DrvHashes>(Object.entries(aggregate?.inputHashes ?? {}).map(([p, h]) => [p, fromHex(h)]));
  for (const m of members) {
    constituents.constituents.push(m.drvPath);
    const memberHashes = m.store?.drvHashes ?? {};
    const firstOutput = Object.keys(memberHashes).sort(byString)[0] ?? Object.keys(m.outputs).sort(byString)[0];
    if (drv !== undefined && firstOutput !== undefined) {
      drv.inputDrvs.set(m.drvPath, new Set([firstOutput]));
      hashes.set(m.drvPath, fromHex(memberHashes));
    }
  }
  if (drv === undefined) return;
  const masked = hashDerivationModulo(drv, true, (p) => hashes.get(p));
  const outHash = masked.get('out');
  if (outHash === undefined) return;
  const outPath = makeOutputPath('out', outHash, drv.name, storeDir);
  drv.env.set('out', outPath);
  drv.outputs.set('out', { kind: 'inputAddressed', path: outPath });
  fields.drvPath = derivationPath(drv, storeDir);
  fields.outputs = { ...fields.outputs, out: outPath };
  // What an aggregate naming this one needs: the new derivation's hashes.
  fields.store = { drvHashes: Object.fromEntries([...hashDerivationModulo(drv, false, (p) => hashes.get(p))].map(([k, h]) => [k, base16Encode(h.bytes)])) };
}
