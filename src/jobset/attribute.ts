// Jobsets, the evaluator's side: what CI systems (Hydra, buildbot-nix) ask of a package set
// through nix-eval-jobs. The attribute tree under a root is walked one attribute at a time,
// and each attribute is one of:
// - a derivation: one line with its name, system, drvPath, outputs (and meta, input
//   derivations, Hydra constituents when asked); or
// - a set to walk further: the root always, a nested set when its `recurseForDerivations`
//   is true (every set with forceRecurse); its attribute names, in sorted order, are the next
//   attributes; or
// - anything else (including a set not walked): nothing;
// - or its own error, which stops nothing else.
// Each attribute is looked up from the root again (the way nix-eval-jobs' workers do), so that
// attributes can be evaluated in any order, on any worker, each with its own limits.
//
// This file evaluates one attribute; constituents.ts resolves Hydra's named constituents once
// every attribute is known; line.ts prints a line. Which attribute runs where is the runner's
// business (workers/jobset-runner.ts); nothing here knows about threads.

import { NixError } from '../errors/errors.js';
import { coerceToString } from '../value/coerce.js';
import { autoCallFunction, findAlongAttrNames, findAlongAttrPath } from '../value/auto-call.js';
import { getDerivation, type PackageInfo } from '../value/get-derivations.js';
import { jsonString, toJSON } from '../value/json.js';
import { CallRequest, force, isString, NixAttrs, type Request, stringOf, type Value } from '../value/values.js';
import { forceAttrs, forceBool, forceList } from '../builtins/strings-args.js';
import type { StoreState } from '../store/state.js';
import { base16Encode } from '../store/hash.js';
import type { Derivation } from '../store/derivation.js';

type Gen<T> = Generator<Request, T, Value>;

/** What to report of each derivation, and how far to walk: nix-eval-jobs' flags of the same names. */
export interface JobsetFlags {
  /** Walk every set, not only those with `recurseForDerivations = true`. */
  forceRecurse?: boolean;
  /** Report each derivation's `meta`. */
  meta?: boolean;
  /** Report each derivation's input derivations. */
  showInputDrvs?: boolean;
  /** Report Hydra's aggregate jobs' constituents (and resolve named ones at the end). */
  constituents?: boolean;
  /**
   * nix-eval-jobs' --no-instantiate: the derivation is not read back, so `system` is the
   * derivation's `system` attribute and there are no `requiredSystemFeatures`.
   */
  noInstantiate?: boolean;
}

/** A Hydra aggregate's members: by drvPath (string context) and by job name. */
export interface ConstituentsInfo {
  constituents: string[];
  namedConstituents: string[];
  globConstituents: boolean;
}

/** What the rewriting of an aggregate job (constituents.ts) needs to know of a derivation. */
export interface DerivationStoreInfo {
  /** hashDerivationModulo of each output (hex). */
  drvHashes: Record<string, string>;
  /** For an aggregate with named constituents: the derivation itself and its inputs' hashes. */
  aggregate?: { derivation: PlainDerivation; inputHashes: Record<string, Record<string, string>> };
}

/** An input-addressed derivation as plain data (for the main thread to rewrite). */
export interface PlainDerivation {
  name: string;
  outputs: Record<string, string>;
  inputDrvs: Record<string, string[]>;
  inputSrcs: string[];
  platform: string;
  builder: string;
  args: string[];
  env: Record<string, string>;
}

/** The fields of a derivation's line. Strings are the evaluator's byte strings. */
export interface DerivationFields {
  name: string;
  system: string;
  drvPath: string;
  outputs: Record<string, string>;
  /** JSON text: the showable meta attributes, or null when there are none. */
  meta?: string;
  inputDrvs?: Record<string, string[]>;
  requiredSystemFeatures?: string[];
  constituents?: ConstituentsInfo;
  /** JSON text of what `apply` gave. */
  extraValue?: string;
  /** With constituents: for aggregate rewriting, not printed. */
  store?: DerivationStoreInfo;
}

export type AttributeOutcome =
  | { kind: 'derivation'; fields: DerivationFields }
  /** The attributes to walk next (none for a value that is not walked). */
  | { kind: 'attrs'; names: readonly string[] };

/**
 * An attribute path as nix-eval-jobs prints it in `attr`: the names joined with dots, a name
 * that holds a dot in double quotes.
 */
export function attrPathText(path: readonly string[]): string {
  return path.map((n) => (n.includes('.') ? `"${n}"` : n)).join('.');
}

/**
 * The root of the walk: the evaluated file or expression auto-called, then the value at
 * `attrPath` auto-called, then `select` (nix-eval-jobs' --select) applied to it, which must
 * give a set.
 */
export function* jobsetRoot(top: Value, autoArgs: NixAttrs, attrPath: string | undefined, select: Value | undefined): Gen<Value> {
  let v = yield* autoCallFunction(top, autoArgs);
  if (attrPath !== undefined && attrPath !== '') v = yield* autoCallFunction(yield* findAlongAttrPath(v, attrPath, autoArgs), autoArgs);
  if (select !== undefined) {
    v = yield* forceAttrs(yield new CallRequest(yield* force(select), [v]), "'--select' must evaluate to an attrset (the traversal root)");
  }
  return v;
}

export interface AttributeContext {
  root: Value;
  autoArgs: NixAttrs;
  store: StoreState;
  flags: JobsetFlags;
  /** nix-eval-jobs' --apply: a function of each derivation, whose result (a set) is reported as extraValue. */
  apply?: Value;
}

/** Evaluates the attribute at `path` (attribute names from the root). Errors are thrown. */
export function* evaluateAttribute(ctx: AttributeContext, path: readonly string[]): Gen<AttributeOutcome> {
  const attr = attrPathText(path);
  const v = yield* autoCallFunction(yield* findAlongAttrNames(ctx.root, path, ctx.autoArgs, attr), ctx.autoArgs);
  if (!(v instanceof NixAttrs)) return { kind: 'attrs', names: [] };
  const drv = yield* getDerivation(v, ctx.store.storeDir);
  if (drv === undefined) return { kind: 'attrs', names: yield* attributesToWalk(v, path.length === 0, ctx.flags.forceRecurse === true) };
  return { kind: 'derivation', fields: yield* derivationFields(ctx, drv, attr) };
}

/**
 * The names of a set to walk next: all of them (sorted) when the set is walked, none
 * otherwise. The root is walked unless its `recurseForDerivations` says false; a nested set
 * only when it says true; any set with forceRecurse.
 */
function* attributesToWalk(v: NixAttrs, isRoot: boolean, forceRecurse: boolean): Gen<readonly string[]> {
  let walk = forceRecurse || isRoot;
  const flag = v.get('recurseForDerivations');
  if (!forceRecurse && flag !== undefined) walk = yield* forceBool(flag, 'while evaluating recurseForDerivations');
  return walk ? v.keys() : [];
}

/** The fields of a derivation's line, read in nix-eval-jobs' order (which decides which error shows first). */
function* derivationFields(ctx: AttributeContext, drv: PackageInfo, attr: string): Gen<DerivationFields> {
  const constituents = ctx.flags.constituents ? yield* queryConstituents(drv.attrs) : undefined;
  let extraValue: string | undefined;
  if (ctx.apply !== undefined) {
    const result = yield* forceAttrs(yield new CallRequest(yield* force(ctx.apply), [drv.attrs]), 'apply needs to evaluate to an attrset');
    extraValue = yield* toJSON(result, new Set());
  }
  const name = yield* drv.queryName();
  let outputs: Map<string, string>;
  try {
    outputs = yield* drv.queryOutputs();
  } catch (e) {
    if (!(e instanceof NixError)) throw e;
    const wrapped = new NixError('eval', `derivation '${attr}' does not have valid outputs: ${e.message}`, e.pos);
    wrapped.trace.push(...e.trace);
    throw wrapped;
  }
  const drvPath = yield* drv.requireDrvPath();
  const fields: DerivationFields = { name, system: '', drvPath, outputs: Object.fromEntries(outputs) };
  if (extraValue !== undefined) fields.extraValue = extraValue;
  if (ctx.flags.noInstantiate) {
    fields.system = yield* drv.querySystem();
  } else {
    // The derivation as it was "written": every derivation made by this evaluation is known.
    const derivation = ctx.store.readDerivation(drvPath);
    fields.system = derivation.platform;
    if (ctx.flags.showInputDrvs) fields.inputDrvs = plainInputs(derivation);
    fields.requiredSystemFeatures = requiredSystemFeatures(derivation);
    if (constituents !== undefined) fields.store = storeInfo(ctx.store, drvPath, derivation, constituents);
  }
  if (ctx.flags.meta) fields.meta = yield* metaJson(drv);
  if (constituents !== undefined) fields.constituents = constituents;
  return fields;
}

/** The showable meta attributes as a JSON object, or `null` when there are none (or no meta). */
function* metaJson(drv: PackageInfo): Gen<string> {
  const meta = yield* drv.queryMeta();
  if (meta.size === 0) return 'null';
  const members: string[] = [];
  for (const [name, v] of meta) members.push(`${jsonString(name)}:${yield* toJSON(v, new Set())}`);
  return `{${members.join(',')}}`;
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plainInputs(derivation: Derivation): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of [...derivation.inputDrvs.keys()].sort(byString)) out[p] = [...derivation.inputDrvs.get(p)!].sort(byString);
  return out;
}

/**
 * The system features a builder must have: the `requiredSystemFeatures` attribute, a
 * whitespace-separated list (or, with structured attributes, a JSON list), sorted.
 */
function requiredSystemFeatures(derivation: Derivation): string[] {
  const features = new Set<string>();
  const json = derivation.env.get('__json');
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(json, 'latin1').toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const list = (parsed as { requiredSystemFeatures?: unknown } | undefined)?.requiredSystemFeatures;
    if (Array.isArray(list)) {
      for (const f of list) {
        if (typeof f !== 'string') throw new NixError('eval', "attribute 'requiredSystemFeatures' must be a list of strings");
        features.add(Buffer.from(f, 'utf8').toString('latin1'));
      }
    }
  } else {
    for (const f of (derivation.env.get('requiredSystemFeatures') ?? '').split(/[ \t\n\r]+/)) if (f !== '') features.add(f);
  }
  return [...features].sort(byString);
}

/**
 * Hydra's aggregate jobs: a derivation with `_hydraAggregate = true` lists its members in
 * `constituents`, as derivations (found in the list's string context) or as job names
 * (strings); `_hydraGlobConstituents = true` makes the names glob patterns.
 */
function* queryConstituents(attrs: NixAttrs): Gen<ConstituentsInfo> {
  const info: ConstituentsInfo = { constituents: [], namedConstituents: [], globConstituents: false };
  const aggregate = attrs.get('_hydraAggregate');
  if (aggregate === undefined || !(yield* forceBool(aggregate, 'while evaluating the `_hydraAggregate` attribute'))) return info;
  const list = attrs.get('constituents');
  if (list === undefined) throw new NixError('eval', "derivation must have a 'constituents' attribute");
  const { context } = yield* coerceToString(list, {
    coerceMore: true, copyToStore: false, errorCtx: { message: 'while evaluating the `constituents` attribute' },
  });
  // Outputs of derivations (`!out!/nix/store/…drv`), in C++ Nix's order of the context set.
  const built: { drvPath: string; output: string }[] = [];
  for (const c of context ?? []) {
    if (!c.startsWith('!')) continue;
    const bang = c.indexOf('!', 1);
    built.push({ drvPath: c.slice(bang + 1), output: c.slice(1, bang) });
  }
  built.sort((a, b) => byString(a.drvPath, b.drvPath) || byString(a.output, b.output));
  info.constituents = built.map((b) => b.drvPath);
  for (const elem of yield* forceList(list, 'while evaluating the `constituents` attribute')) {
    const v = yield* force(elem);
    if (isString(v)) info.namedConstituents.push(stringOf(v));
  }
  const glob = attrs.get('_hydraGlobConstituents');
  info.globConstituents = glob !== undefined && (yield* forceBool(glob, 'while evaluating the `_hydraGlobConstituents` attribute'));
  return info;
}

function hexHashes(hashes: ReadonlyMap<string, { bytes: Uint8Array }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, h] of hashes ?? []) out[name] = base16Encode(h.bytes);
  return out;
}

/** What constituents.ts needs to rewrite an aggregate, or to add this derivation to one. */
function storeInfo(store: StoreState, drvPath: string, derivation: Derivation, constituents: ConstituentsInfo): DerivationStoreInfo {
  const info: DerivationStoreInfo = { drvHashes: hexHashes(store.drvHashes.get(drvPath)) };
  if (constituents.namedConstituents.length === 0) return info;
  const outputs: Record<string, string> = {};
  for (const [name, o] of derivation.outputs) if (o.kind === 'inputAddressed') outputs[name] = o.path;
  // Only an input-addressed derivation is rewritten (as nix-eval-jobs does).
  if (Object.keys(outputs).length !== derivation.outputs.size) return info;
  const inputHashes: Record<string, Record<string, string>> = {};
  for (const p of derivation.inputDrvs.keys()) inputHashes[p] = hexHashes(store.drvHashes.get(p));
  info.aggregate = {
    derivation: {
      name: derivation.name,
      outputs,
      inputDrvs: plainInputs(derivation),
      inputSrcs: [...derivation.inputSrcs],
      platform: derivation.platform,
      builder: derivation.builder,
      args: [...derivation.args],
      env: Object.fromEntries(derivation.env),
    },
    inputHashes,
  };
  return info;
}
