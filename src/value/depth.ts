// Nesting counted against max-call-depth, as C++ Nix's recursive walkers count it: deepSeq
// and `--strict` (forceValueDeep), `==` (eqValues), toJSON and `--json`, toXML and `--xml`,
// structured attributes, the printer. Each level of C++ Nix's recursion checks
// `callDepth > max-call-depth` ("stack overflow; max-call-depth exceeded") and then adds one
// to callDepth, so what forcing a value calls runs that many calls deeper.
//
// nixeval's walkers are iterative and count the level themselves. With an explicit
// max-call-depth (`--max-call-depth`, `--option max-call-depth`, the service's maxCallDepth)
// they count as C++ Nix does: from the calls in progress, against the setting, forcing each
// value at its level's depth (a ForceAtDepth request), so the calls made there count too.
// Without one (nixeval's default) deepSeq, `--strict`, `==` and `--json` do not count calls:
// data nested 100,000 deep or more must evaluate, and nothing costs JS stack. They stop at
// MAX_NESTING levels instead, so that infinitely deep data (`let f = n: { inner = f (n + 1); };
// in f 0` under `--strict`) ends with C++ Nix's error in seconds, not at the heap's limit.

import { NixError, type SourcePos } from '../errors/errors.js';
import { type BuiltinContext, CallRequest, Closure, type EvalSettings, ForceAtDepth, type Request, Thunk, type Value } from './values.js';

/** C++ Nix's default `max-call-depth`. */
export const MAX_CALL_DEPTH = 10000;

/**
 * How deep deepSeq, `--strict`, `==` and `--json` go without an explicit max-call-depth: ten
 * times the 100,000 levels that must evaluate, 100 times C++ Nix's default limit. Deep-forcing
 * takes about 0.3 KB and 3 µs a level (a million levels: 330 MB, 3 s), so infinitely deep data
 * ends there rather than after 11 million levels, 3.3 GB and 25 s at the heap's limit.
 */
export const MAX_NESTING = 1_000_000;

/** Where a walk counts nesting from, and against what. */
export interface DepthCount {
  /** C++ Nix's callDepth at the walk's first level (the calls in progress): checked there first. */
  readonly start: number;
  /** The max-call-depth. */
  readonly limit: number;
  /**
   * Whether values are forced at their level's depth (ForceAtDepth), so the calls forcing
   * makes count from there: with an explicit max-call-depth. (toJSON's default count, against
   * C++ Nix's default, does not: see jsonCallDepth.)
   */
  readonly exact: boolean;
}

/** The count of a walk begun with `calls` calls in progress, or undefined without an explicit max-call-depth. */
export function explicitDepth(settings: EvalSettings, calls: number): DepthCount | undefined {
  const limit = settings.maxCallDepth;
  return limit === undefined ? undefined : { start: calls, limit, exact: true };
}

/** explicitDepth from a builtin's own call (its calls in progress, itself included). */
export function builtinDepth(ctx: BuiltinContext): DepthCount | undefined {
  return explicitDepth(ctx.state.settings, ctx.callDepth ?? 1);
}

/** C++ Nix's StackOverflowError: past max-call-depth. */
export function stackOverflow(pos: SourcePos | undefined): NixError {
  return new NixError('eval', 'stack overflow; max-call-depth exceeded', pos);
}

/**
 * C++ Nix's `v.determinePos(noPos)`, where its walkers report a stack overflow: a lambda's
 * position, a deferred application's function's; none for the rest (sets keep no position
 * here, unlike C++ Nix's Bindings).
 */
export function determinePos(v: Value): SourcePos | undefined {
  for (;;) {
    if (v instanceof Closure) return { source: v.lambda.source, offset: v.lambda.pos };
    if (!(v instanceof Thunk)) return undefined;
    if (v.code === null) v = v.value!;
    else if (v.isPendingApplication()) v = v.applied();
    else return undefined;
  }
}

/**
 * Forces a value at a walk's level, `depth` being C++ Nix's callDepth there (already
 * counting the level), when `count` is exact (else as any force): a deferred application is a call at once, failing at `pos` past the
 * limit, as C++ Nix's forceValue of an application (callFunction at `pos`); other thunks run
 * with `depth` calls in progress.
 */
export function* forceAtDepth(v: Value, depth: number, count: DepthCount | undefined, pos: SourcePos | undefined): Generator<Request, Value, Value> {
  if (!(v instanceof Thunk)) return v;
  if (v.code === null) return v.value!;
  if (count === undefined || !count.exact) return yield v;
  checkDeferredCall(v, depth, count, pos);
  return yield new ForceAtDepth(v, depth);
}

/**
 * The calls in progress a call made at a walk's level runs with (C++ Nix's callDepth there,
 * `depth`), when `count` is exact; else undefined: the walker's own (CallRequest's depth).
 */
export function callDepthAt(depth: number, count: DepthCount | undefined): number | undefined {
  return count !== undefined && count.exact ? depth : undefined;
}

/**
 * Runs `gen` at a walk's level, when `count` is exact (else as it is): the thunks it forces
 * and the calls it makes are made with `depth` calls in progress (C++ Nix's callDepth there),
 * as if each went through forceAtDepth or callDepthAt. For walkers whose level forces through
 * helpers shared with the rest (getDerivations: auto-calling, a derivation's `type` and `name`).
 */
export function* atDepth<T>(gen: Generator<Request, T, Value>, depth: number, count: DepthCount | undefined): Generator<Request, T, Value> {
  if (count === undefined || !count.exact) return yield* gen;
  let r = gen.next(undefined as unknown as Value);
  for (;;) {
    if (r.done) return r.value;
    let req = r.value;
    if (req instanceof Thunk) {
      if (req.code === null) { r = gen.next(req.value!); continue; }
      req = new ForceAtDepth(req, depth);
    } else if (req instanceof CallRequest && req.depth === undefined) {
      req = new CallRequest(req.fn, req.args, req.atCallee, req.pos, depth);
    }
    let v: Value;
    try {
      v = yield req;
    } catch (e) {
      r = gen.throw(e);
      continue;
    }
    r = gen.next(v);
  }
}

/** A deferred application forced past the limit: the call fails at once, at `pos`. */
export function checkDeferredCall(t: Thunk, depth: number, count: DepthCount, pos: SourcePos | undefined): void {
  if (depth > count.limit && t.isPendingApplication()) throw stackOverflow(pos);
}
