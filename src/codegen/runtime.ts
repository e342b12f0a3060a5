// What generated code calls: forcing thunks, calling lambdas, builtins and functors, driving a
// builtin's generator without the VM, and the helpers of the opcodes that do more than move
// values. Each mirrors what the VM does for the same opcode or request (src/vm/vm.ts), with
// the shared parts in src/vm/op-semantics.ts, so both tiers give the same values, errors and
// traces. Trace lines are added on the error path only: a generated function catches what
// leaves it and adds its error regions (fail); callLambda adds the lines of the call;
// forceThunk memoises the error in the thunk.

import { type Chunk, type CompiledCode, type ConcatLayout, type LambdaInfo, Op } from '../compiler/chunk.js';
import { NixError, type SourcePos } from '../errors/errors.js';
import {
  AttrShape, Builtin, CallRequest, Closure, ForceAtDepth, type DirectEval, type Env, NixAttrs, newEnv, type Request,
  CODE_RUNNING, evaluatedValue, Thunk, ThunkMark, ThunkState, forceUnforced, type Value,
} from '../value/values.js';
import { Env0, Env1, Env2, Env3, Env4, Env5, Env6, Env7, Env8, Env9, Env10, Env11, Env12, Env13, Env14, Env15, Env16, slotValues } from '../value/env.js';
import * as ops from '../vm/ops.js';
import { TailCallLog } from '../vm/tail-calls.js';
import {
  addDynamicAttr, assertEqualGen, AT_CALLEE, bindFormals, formalDefault, checkAttrName, concatLists, currentPosition, functorFailed, functorGen, infiniteRecursion,
  isGenerator, missingAttr, notAFunction, posOf, recOverridesGen, thunkFailed, toNixError, argumentForceFailed, traceArgument, traceCall,
  traceRegions, typeError, typeErrorAt, selectTypeError, withLookupGen,
} from '../vm/op-semantics.js';
import { stack, tick, vmCall, vmForce } from './crossing.js';
import { count, Counter, counts, STATS_ON } from '../value/stats.js';
import { missedName } from '../value/symbols.js';
import { explicitDepth } from '../value/depth.js';
import { instantiate } from './codegen.js';
import { reserveString, reserveWithin } from '../limits/limits.js';

type Gen<T = Value> = Generator<Request, T, Value>;

// ---- the compiled code of a chunk

/** Runs of a chunk before it is translated (NIXEVAL_JIT_THRESHOLD; 0 or 1: at its first run). */
let hotRuns = defaultHotRuns();

/**
 * Runs of a translated chunk's cold function before it is replaced by its hot version
 * (NIXEVAL_HOT_CALLS; 0: the hot version at once). See codegen.ts's `instantiate`.
 */
let coldRuns = defaultColdRuns();

/** Which chunks may be translated at all (tests: a mix of tiers). */
let translatable: (chunk: Chunk) => boolean = () => true;

/**
 * For tests and benchmarks: how soon chunks are translated (see NIXEVAL_JIT_THRESHOLD), and
 * optionally which ones may be (the others always run in the VM); `cold`: how long their
 * cold version runs (see NIXEVAL_HOT_CALLS).
 */
export function setHotRuns(runs: number, only: (chunk: Chunk) => boolean = () => true, cold = defaultColdRuns()): void {
  hotRuns = runs;
  translatable = only;
  coldRuns = cold;
}

/** The threshold: NIXEVAL_JIT_THRESHOLD, or 16. */
export function defaultHotRuns(): number {
  const v = Number(process.env.NIXEVAL_JIT_THRESHOLD);
  // Translating a chunk costs about what running it a hundred times in the VM does; most
  // chunks that run a few times run many more (bench/eval.ts, real-code workloads).
  return Number.isFinite(v) && v >= 0 ? v : 16;
}

/** NIXEVAL_HOT_CALLS, or 5,000 (measured in BENCHMARKS.md, "Cold runs (coldjit helper)"). */
export function defaultColdRuns(): number {
  const v = Number(process.env.NIXEVAL_HOT_CALLS);
  return Number.isFinite(v) && v >= 0 ? v : 5000;
}

/**
 * Evaluations started in this thread so far. A service's worker runs evaluation after evaluation
 * over the same compiled files: a chunk that ran in an earlier one is translated at its next run
 * instead of after `hotRuns` more, so later evaluations reach their steady state at once (run
 * counts add up over evaluations anyway: each chunk that runs once an evaluation would reach the
 * threshold in its 16th). A cold command line runs one evaluation, where nothing changes.
 */
let evaluationEpoch = 0;

/** Called as an evaluation starts (src/eval.ts). */
export function startEvaluationEpoch(): void {
  evaluationEpoch++;
}

/** The chunk's JS function, translating it once it has run often enough; null meanwhile. */
export function compiledCode(chunk: Chunk): CompiledCode | null {
  const c = chunk.compiled;
  if (c !== undefined) return c;
  const runs = ++chunk.runs;
  if (runs === 1) chunk.firstEpoch = evaluationEpoch;
  if (runs < hotRuns && chunk.firstEpoch === evaluationEpoch) return null;
  return (chunk.compiled = translatable(chunk) ? instantiate(chunk, helpers, coldRuns > 0 ? chunk.runs + coldRuns : null) : null);
}

/**
 * A chunk translated in an earlier process (the command line's disk cache records which, see
 * io/disk-cache.ts): translated at its next run, as one that ran in an earlier evaluation is
 * (that run is counted as its second, and the first belongs to no evaluation).
 */
export function translateAtNextRun(chunk: Chunk): void {
  if (chunk.runs !== 0) return;
  chunk.runs = 1;
  chunk.firstEpoch = -1;
}

/**
 * What a cold function calls at its last counted run: the chunk's hot version replaces it for
 * the calls to come (the runs in progress finish in the cold one, which computes the same).
 */
function promote(chunk: Chunk): void {
  chunk.compiled = instantiate(chunk, helpers, null) ?? chunk.compiled;
}

// ---- tail calls

/** What generated code returns after leaving a tail call in `tailCall` for its invoker. */
export const TAIL_CALL: object = Object.freeze({ tailCall: true });

/** The tail call left by generated code: a lambda called with one argument. */
export const tailCall = { fn: null as unknown as Closure, arg: null as Value, pos: undefined as SourcePos | undefined };

/** A call in tail position: a lambda is left to the invoker (so loops of tail calls do not grow the JS stack). */
function tail1(fn: Value, arg: Value, pos: SourcePos | undefined): Value | object {
  if (fn instanceof Closure) {
    tailCall.fn = fn;
    tailCall.arg = arg;
    tailCall.pos = pos;
    return TAIL_CALL;
  }
  if (fn instanceof Builtin) return applyBuiltin1(fn, arg, pos);
  return callValue(fn, [arg], pos);
}

// ---- calling and forcing

/**
 * Calls a lambda with one argument, in compiled code while there is room and it has some,
 * else in the VM. `tailCalls`: the calls the activation stands for before it (as a VM frame's
 * record, see tail-calls.ts). A tail call its code leaves is made by tailCallsAfter.
 */
export function callLambda(fn: Closure, arg: Value, pos: SourcePos | undefined, tailCalls: TailCallLog | null): Value {
  return enterLambda(fn.lambda, fn.env, arg, pos, tailCalls, fn);
}

/**
 * callLambda of the closure of `lambda` in `up`; `fn`: that closure if there is one (a call
 * that needs it, in the VM, makes it otherwise). The call is one more in progress (stack.calls)
 * while it runs; one whose body would run past max-call-depth, where any call it makes fails
 * (the arithmetic it does inline included), runs in the VM.
 */
function enterLambda(lambda: LambdaInfo, up: Env, arg: Value, pos: SourcePos | undefined, tailCalls: TailCallLog | null, fn: Closure | null): Value {
  const chunk = lambda.chunk;
  const code = chunk.compiled !== undefined ? chunk.compiled : compiledCode(chunk);
  const calls = stack.calls;
  if (code === null || stack.depth >= stack.budget || calls >= stack.maxCalls) return vmCall(fn ?? new Closure(lambda, up), [arg], pos, tailCalls);
  const units = code.units;
  stack.depth += units;
  stack.calls = calls + 1;
  let r: Value | object;
  try {
    tick();
    r = code.envless ? code(up, arg) : code(newEnv(up, arg, lambda.slots));
  } catch (e) {
    throw lambdaFailed(e, lambda, pos === AT_CALLEE ? lambda.at : pos, tailCalls);
  } finally {
    stack.depth -= units;
    stack.calls = calls;
  }
  return r !== TAIL_CALL ? r as Value : tailCallsAfter(lambda, pos === AT_CALLEE ? lambda.at : pos, tailCalls);
}

/**
 * The tail calls left by a call of `first` (at `firstPos`, after the calls `tailCalls`), made
 * one after another in a loop, each replacing the one before as a VM frame's record says.
 * Each is one call deeper than the one before for max-call-depth, as in C++ Nix, where the
 * call that made it is still in progress.
 */
function tailCallsAfter(first: LambdaInfo, firstPos: SourcePos | undefined, tailCalls: TailCallLog | null): Value {
  const base = stack.calls;
  try {
    return tailCallLoop(first, firstPos, tailCalls, base + 1);
  } finally {
    stack.calls = base;
  }
}

/** tailCallsAfter's loop; `calls`: those in progress in the call of `first`. */
function tailCallLoop(first: LambdaInfo, firstPos: SourcePos | undefined, tailCalls: TailCallLog | null, calls: number): Value {
  let log = tailCalls;
  // The first call a tail call replaced, kept here until a record is needed (most chains of
  // tail calls are one call long, and most end without an error).
  let replaced: LambdaInfo | null = null;
  let replacedPos: SourcePos | undefined;
  let lambda = first;
  let callPos = firstPos;
  for (;;) {
    // The call of `lambda` left a tail call: it is replaced.
    if (log === null && replaced === null) {
      replaced = lambda;
      replacedPos = callPos;
    } else {
      if (replaced !== null) { log = recordCall(log, replaced, replacedPos); replaced = null; }
      log = recordCall(log, lambda, callPos);
    }
    const next = tailCall.fn;
    const nextArg = tailCall.arg;
    callPos = tailCall.pos;
    tailCall.arg = null;
    lambda = next.lambda;
    const code = compiledCode(lambda.chunk);
    if (code === null || calls >= stack.maxCalls) {
      if (replaced !== null) log = recordCall(log, replaced, replacedPos);
      stack.calls = calls;
      return vmCall(next, [nextArg], callPos, log);
    }
    const units = code.units;
    stack.depth += units;
    stack.calls = ++calls;
    let r: Value | object;
    try {
      tick();
      r = code.envless ? code(next.env, nextArg) : code(newEnv(next.env, nextArg, lambda.slots));
    } catch (e) {
      if (replaced !== null) log = recordCall(log, replaced, replacedPos);
      throw lambdaFailed(e, lambda, callPos, log);
    } finally {
      stack.depth -= units;
    }
    if (r !== TAIL_CALL) return r as Value;
  }
}

function recordCall(log: TailCallLog | null, lambda: LambdaInfo, callPos: SourcePos | undefined): TailCallLog {
  const l = log ?? new TailCallLog();
  l.add(lambda, callPos);
  return l;
}

function lambdaFailed(err: unknown, lambda: LambdaInfo, callPos: SourcePos | undefined, log: TailCallLog | null): unknown {
  const e = toNixError(err);
  if (e instanceof NixError) traceCall(e, lambda, callPos, log);
  return e;
}

/** Forces a thunk that is not evaluated yet; `pos`: where (for infinite recursion). */
export function forceThunk(t: Thunk, pos: SourcePos | undefined): Value {
  const chunk = t.code;
  // Done: a caller that did not test it first (generated code of another build).
  if (chunk === null) return t.value!;
  if (chunk instanceof ThunkMark) return forceMarked(t, chunk, pos);
  if (stack.depth >= stack.budget) return vmForce(t);
  const code = chunk.compiled !== undefined ? chunk.compiled : compiledCode(chunk);
  if (code === null) return vmForce(t);
  // Under evaluation (Thunk.start without keeping the chunk in the thunk: it is kept here,
  // and put back before anything that looks at it, on the error path).
  t.code = CODE_RUNNING;
  const units = code.units;
  stack.depth += units;
  try {
    tick();
    const r = code(t.env as Env);
    // A tail call of the thunk's code: its frame stood for no call.
    const v = r === TAIL_CALL ? callLambda(tailCall.fn, takeTailArg(), tailCall.pos, null) : r as Value;
    t.complete(v);
    return v;
  } catch (err) {
    t.value = chunk as unknown as Value;
    throw thunkError(t, err);
  } finally {
    stack.depth -= units;
  }
}

/** forceThunk of a thunk whose `code` is a mark: a deferred application, or not pending. */
function forceMarked(t: Thunk, mark: ThunkMark, pos: SourcePos | undefined): Value {
  if (mark.state !== ThunkState.Pending) {
    if (mark.state === ThunkState.Unforced) return forceUnforced(t);
    if (mark.state === ThunkState.Failed) throw (t.failure() as NixError).copy();
    throw infiniteRecursion(t, pos);
  }
  if (stack.depth >= stack.budget) return vmForce(t);
  t.start();
  stack.depth++;
  try {
    tick();
    const v = applyLazily(t);
    t.complete(v);
    return v;
  } catch (err) {
    throw thunkError(t, err);
  } finally {
    stack.depth--;
  }
}

/** The error leaving a thunk under evaluation, which is memoised in it (or the thunk made pending again). */
function thunkError(t: Thunk, err: unknown): unknown {
  const e = toNixError(err);
  thunkFailed(t, e);
  if (e instanceof NixError && e.blackhole === t) e.addTrace('entering the infinite recursion');
  return e;
}

function takeTailArg(): Value {
  const a = tailCall.arg;
  tailCall.arg = null;
  return a;
}

/** A value in WHNF. */
export function force(v: Value, pos: SourcePos | undefined): Value {
  if (!(v instanceof Thunk)) return v;
  return v.code === null ? v.value! : forceThunk(v, pos);
}

/** The deferred application of a thunk under evaluation, as the VM's applyGen. */
function applyLazily(t: Thunk): Value {
  const fn = t.applied();
  const evaluated = !(fn instanceof Thunk) || fn.code === null;
  const f = force(fn, undefined);
  const pos = evaluated ? AT_CALLEE : undefined;
  if (f instanceof Closure) {
    // Without an array of arguments: as callValue makes these calls.
    const arg = t.appliedArg();
    if (arg !== undefined) return callLambda(f, arg, pos, null);
    const two = t.appliedTwo();
    if (two !== undefined) return call2(f, two, t.env as Value, pos);
  }
  return callValue(f, t.appliedArgs(), pos);
}

/** Calls fn with one argument. */
export function call1(fn: Value, arg: Value, pos: SourcePos | undefined): Value {
  if (fn instanceof Closure) return enterLambda(fn.lambda, fn.env, arg, pos, null, fn);
  if (fn instanceof Builtin) return applyBuiltin1(fn, arg, pos);
  return callValue(fn, [arg], pos);
}

/** Calls fn with two arguments (as callValue does, without an array for a lambda). */
export function call2(fn: Value, a: Value, b: Value, pos: SourcePos | undefined): Value {
  if (!(fn instanceof Closure)) {
    if (fn instanceof Builtin && fn.args.length + 2 <= fn.spec.arity) {
      if (fn.args.length === 0 && fn.spec.quick2 !== undefined && fn.spec.arity === 2) {
        const r = quick2(fn.spec.quick2, a, b);
        if (r !== undefined) return r;
      }
      return applyBuiltin(fn, [a, b], pos);
    }
    return callValue(fn, [a, b], pos);
  }
  const lambda = fn.lambda;
  const inner = curriedBody(lambda);
  if (inner !== null) return enterLambda(inner, newEnv(fn.env, a, lambda.slots), b, pos === AT_CALLEE ? lambda.at : pos, null, null);
  const v = enterLambda(lambda, fn.env, a, pos, null, fn);
  return call1(v, b, pos === AT_CALLEE ? lambda.at : pos);
}

/**
 * The inner lambda of `x: y: ...` (a lambda without formals whose body is a lambda), or null.
 * Called with two arguments, the outer one's call can only make the inner closure: the
 * inner lambda is entered at once in the outer one's environment, without that closure or
 * a call of the outer one's code (which cannot fail, nor appear in a trace once returned).
 */
function curriedBody(lambda: LambdaInfo): LambdaInfo | null {
  const code = lambda.chunk.code;
  return code.length === 3 && code[0] === Op.Closure && code[2] === Op.Return && lambda.formals === null
    ? lambda.chunk.consts[code[1]] as LambdaInfo
    : null;
}

/** Calls fn with args (the VM's callValue): arguments a lambda does not take are applied to its result. */
export function callValue(fn: Value, args: Value[], pos: SourcePos | undefined): Value {
  // args[first..] are the arguments still to apply.
  let first = 0;
  for (;;) {
    if (fn instanceof Closure) {
      const inner = first + 1 < args.length ? curriedBody(fn.lambda) : null;
      if (inner !== null) {
        // Two arguments to a curried lambda: as call2 makes that call.
        if (pos === AT_CALLEE) pos = fn.lambda.at;
        const v = enterLambda(inner, newEnv(fn.env, args[first], fn.lambda.slots), args[first + 1], pos, null, null);
        if ((first += 2) === args.length) return v;
        fn = v;
        continue;
      }
      const v = enterLambda(fn.lambda, fn.env, args[first], pos, null, fn);
      if (++first === args.length) return v;
      // The rest are applied at the call site, outside the call of fn.
      if (pos === AT_CALLEE) pos = fn.lambda.at;
      fn = v;
      continue;
    }
    // Only a lambda can stand for its own call site.
    if (pos === AT_CALLEE) pos = undefined;
    if (first > 0) {
      args = args.slice(first);
      first = 0;
    }
    if (fn instanceof Builtin) {
      const spec = fn.spec;
      const all = fn.args.length === 0 ? args : fn.args.concat(args);
      if (all.length < spec.arity) return new Builtin(spec, all);
      // The arguments are forced in an array of the call's own: `args` may be the caller's
      // (a lazy application's, a generator's request).
      const own = all.length > spec.arity ? all.slice(0, spec.arity) : all !== args || !hasThunkToForce(args, spec.lazy) ? all : args.slice();
      const r = callBuiltinOwned(spec, own, pos);
      if (all.length === spec.arity) return r;
      fn = r;
      args = all.slice(spec.arity);
      continue;
    }
    if (fn instanceof NixAttrs && fn.has('__functor')) return callFunctor(fn, args, pos);
    throw notAFunction(fn, pos);
  }
}

/**
 * Calls a set with `__functor`: what driving functorGen (op-semantics.ts) does, without its
 * generator. One call more in progress while it runs; past max-call-depth, in the VM.
 */
function callFunctor(set: NixAttrs, args: Value[], pos: SourcePos | undefined): Value {
  const calls = stack.calls;
  if (calls >= stack.maxCalls) return vmCall(set, args, pos, null);
  let r: Value;
  // Counted as the driven generator's frames would be.
  stack.depth++;
  stack.calls = calls + 1;
  try {
    const functor = force(set.get('__functor')!, undefined);
    r = callValue(functor, [set, args[0]], set.positions?.get('__functor'));
  } catch (err) {
    throw functorFailed(toNixError(err), pos);
  } finally {
    stack.depth--;
    stack.calls = calls;
  }
  if (args.length === 1) return r;
  // The arguments after the first are applied to the result in this call, as C++ Nix's
  // callFunction applies them in its loop (not one call deeper).
  try {
    return callValue(r, args.slice(1), pos);
  } catch (err) {
    throw toNixError(err);
  }
}

/**
 * `fn ...given` for a builtin value that takes them all (its own arguments, if partly applied,
 * before them): callValue's case without its copies. `given` is the caller's new array.
 */
function applyBuiltin(fn: Builtin, given: Value[], pos: SourcePos | undefined): Value {
  const spec = fn.spec;
  const held = fn.args;
  const args = held.length === 0 ? given : held.concat(given);
  // Only a lambda can stand for its own call site.
  return args.length < spec.arity ? new Builtin(spec, args) : callBuiltinOwned(spec, args, pos === AT_CALLEE ? undefined : pos);
}

/**
 * `fn arg` for a builtin value: applyBuiltin, or without an array of arguments when the
 * builtin has a quick answer (BuiltinSpec.quick1) for the forced argument. Counted, forced and
 * traced as callBuiltinOwned does.
 */
function applyBuiltin1(fn: Builtin, arg: Value, pos: SourcePos | undefined): Value {
  const spec = fn.spec;
  if (spec.quick2 !== undefined && fn.args.length === 1 && spec.arity === 2) {
    const r = quick2(spec.quick2, fn.args[0], arg);
    if (r !== undefined) return r;
  }
  const quick = spec.quick1;
  if (quick === undefined || fn.args.length !== 0) return applyBuiltin(fn, [arg], pos);
  let v = arg;
  if (v instanceof Thunk) {
    if (v.code === null) {
      v = v.value!;
    } else {
      // Forced within the builtin's call (one more in progress), as callBuiltinOwned forces.
      const calls = stack.calls;
      if (calls >= stack.maxCalls) return applyBuiltin(fn, [arg], pos);
      stack.calls = calls + 1;
      try {
        v = forceThunk(v, undefined);
      } catch (err) {
        if (STATS_ON) count(Counter.PrimOpCalls);
        throw builtinFailed(argumentForceFailed(toNixError(err), spec, 0), spec, pos === AT_CALLEE ? undefined : pos);
      } finally {
        stack.calls = calls;
      }
    }
  }
  const r = quick(v);
  if (r === undefined) return callBuiltinOwned(spec, [v], pos === AT_CALLEE ? undefined : pos);
  if (STATS_ON) count(Counter.PrimOpCalls);
  return r;
}

/**
 * A two-argument builtin's quick answer (BuiltinSpec.quick2) when both arguments are evaluated
 * already, else undefined (the call is then made as any other, forcing them in the builtin's
 * order). Counted as applyBuiltin1 counts quick1's.
 */
function quick2(quick: (a: Value, b: Value) => Value | undefined, a: Value, b: Value): Value | undefined {
  const x = evaluatedValue(a);
  const y = evaluatedValue(b);
  if (x === undefined || y === undefined) return undefined;
  const r = quick(x, y);
  if (STATS_ON && r !== undefined) count(Counter.PrimOpCalls);
  return r;
}

/** Whether an argument the builtin wants forced is a thunk (pending or evaluated). */
function hasThunkToForce(args: readonly Value[], lazy: readonly number[] | undefined): boolean {
  for (let i = 0; i < args.length; i++) if (args[i] instanceof Thunk && !(lazy && lazy.includes(i))) return true;
  return false;
}

/**
 * A builtin with all its arguments, as the VM calls one (callValue and strictCallGen); the
 * VM calls builtins that have a direct version here too, while there is room. `args` stays
 * as it is (the caller's).
 */
export function callBuiltin(spec: Builtin['spec'], args: Value[], pos: SourcePos | undefined): Value {
  return callBuiltinOwned(spec, hasThunkToForce(args, spec.lazy) ? args.slice() : args, pos);
}

/**
 * callBuiltin with an array of the call's own, whose thunks it replaces by their values: the
 * arguments the builtin does not take lazily, forced in order (an evaluated thunk is replaced
 * without a call).
 */
function callBuiltinOwned(spec: Builtin['spec'], args: Value[], pos: SourcePos | undefined): Value {
  // One call more in progress while it runs (its arguments are forced in it); past
  // max-call-depth, in the VM.
  const calls = stack.calls;
  if (calls >= stack.maxCalls) return vmCall(new Builtin(spec, []), args, pos, null);
  stack.calls = calls + 1;
  if (STATS_ON) count(Counter.PrimOpCalls);
  // The argument being forced, for the line an error raised meanwhile may get (BuiltinSpec.forceCtx).
  let forcing = -1;
  try {
    const lazy = spec.lazy;
    if (lazy === undefined || lazy.length < args.length) {
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (a instanceof Thunk && !(lazy && lazy.includes(i))) {
          if (a.code === null) {
            args[i] = a.value!;
          } else {
            forcing = i;
            args[i] = forceThunk(a, undefined);
          }
        }
      }
      forcing = -1;
    }
    let r: ReturnType<typeof spec.impl>;
    try {
      if (spec.direct !== undefined) {
        // The builtin's own JS frames count as one activation, as a driven generator's do.
        stack.depth++;
        try {
          r = spec.direct(args, stack.session!.builtinContext, directEval);
        } finally {
          stack.depth--;
        }
      } else {
        r = spec.impl(args, stack.session!.builtinContext);
        if (isGenerator(r)) r = drive(r);
      }
    } catch (err) {
      const e = toNixError(err);
      if (e instanceof NixError) traceArgument(e, spec, args);
      throw e;
    }
    return r;
  } catch (err) {
    throw builtinFailed(forcing < 0 ? err : argumentForceFailed(toNixError(err), spec, forcing), spec, pos);
  } finally {
    stack.calls = calls;
  }
}

/** An error leaving a builtin's call, with the call's trace line. */
function builtinFailed(err: unknown, spec: Builtin['spec'], pos: SourcePos | undefined): unknown {
  const e = toNixError(err);
  if (e instanceof NixError && !spec.noCallTrace) e.addTrace(`while calling the '${spec.name}' builtin`, pos);
  return e;
}

/** What direct builtins force and call with (BuiltinSpec.direct): what a driven generator's requests get. */
const directEval: DirectEval = {
  force(v) {
    if (!(v instanceof Thunk)) return v;
    try {
      return force(v, undefined);
    } catch (err) {
      throw toNixError(err);
    }
  },
  call1(fn, a) {
    try {
      return force(call1(fn, a, undefined), undefined);
    } catch (err) {
      throw toNixError(err);
    }
  },
  call2(fn, a, b) {
    try {
      return force(call2(fn, a, b, undefined), undefined);
    } catch (err) {
      throw toNixError(err);
    }
  },
  drive,
};

/**
 * Runs a generator (a builtin's, or one of the opcodes') to its end without the VM: each
 * thunk it yields is forced and each call made here, and the result or the error sent back.
 */
export function drive<T>(gen: Gen<T>): T {
  // The generator and this loop are JS frames between the activations they lead to: they count as one.
  stack.depth++;
  try {
    let r = gen.next(undefined as unknown as Value);
    for (;;) {
      if (r.done) return r.value;
      const req = r.value;
      let v: Value;
      try {
        if (req instanceof Thunk) v = req.code === null ? req.value! : forceThunk(req, undefined);
        else if (req instanceof CallRequest) v = req.depth === undefined ? callValue(req.fn, req.args, req.atCallee ? AT_CALLEE : req.pos) : callAtDepth(req);
        else if (req instanceof ForceAtDepth) v = forceAtDepth(req.thunk, req.depth);
        else throw new Error('generator yielded something that is not a request');
      } catch (err) {
        r = gen.throw(toNixError(err));
        continue;
      }
      r = gen.next(v);
    }
  } finally {
    stack.depth--;
  }
}

/** A CallRequest with a depth: the call made with `depth` calls in progress (value/depth.ts). */
function callAtDepth(req: CallRequest): Value {
  const calls = stack.calls;
  stack.calls = req.depth!;
  try {
    return callValue(req.fn, req.args, req.atCallee ? AT_CALLEE : req.pos);
  } finally {
    stack.calls = calls;
  }
}

/** A ForceAtDepth request: the thunk forced with `depth` calls in progress (value/depth.ts). */
function forceAtDepth(t: Thunk, depth: number): Value {
  if (t.code === null) return t.value!;
  const calls = stack.calls;
  stack.calls = depth;
  try {
    return forceThunk(t, undefined);
  } finally {
    stack.calls = calls;
  }
}

// ---- the error path of generated code

/** An error leaving a generated function: the trace lines of its regions around code index `at`. */
/**
 * `selDynamic`: the dynamic names of the select under way, as generated code keeps them: one
 * name as itself (no array for each `s.${n}` that succeeds, which is nearly all), more in an
 * array.
 */
function fail(err: unknown, chunk: Chunk, at: number, selSet: NixAttrs | null, selName: string, selDynamic: string | string[] | null): unknown {
  const e = toNixError(err);
  if (e instanceof NixError) traceRegions(e, chunk, at, selSet, selName, typeof selDynamic === 'string' ? [selDynamic] : selDynamic);
  return e;
}

// ---- opcodes

function global(name: string): Value {
  const v = stack.session!.globals.get(name);
  if (v === undefined) throw new NixError('undefined-variable', `undefined variable '${name}'`);
  return v;
}

function withVar(env: Env, info: { name: string; depths: number[]; withAt: SourcePos[]; at: SourcePos }): Value {
  return drive(withLookupGen(env, info.name, info.depths, info.withAt, info.at));
}

function attrsFromEnv(shape: AttrShape, env: Env): NixAttrs {
  return new NixAttrs(shape, slotValues(env, shape.names.length));
}

function recOverrides(set: NixAttrs, env: Env, names: string[]): Value {
  return drive(recOverridesGen(set, env, names));
}

function attrName(v: Value): string {
  return ops.attrName(v, 'while evaluating an attribute name');
}

function equal(a: Value, b: Value, pos: SourcePos | undefined): boolean {
  const quick = ops.quickEqual(a, b);
  return quick !== undefined ? quick : equalValues(a, b, false, pos);
}

/** ops.equalGen (places: equalPlacesGen) as driven, without its generator. */
export function equalValues(a: Value, b: Value, places: boolean, pos?: SourcePos): boolean {
  // Counted as the driven generator's frames would be.
  stack.depth++;
  try {
    const count = places ? undefined : explicitDepth(stack.session!.state.settings, stack.calls);
    return ops.equalValues(a, b, places, forceForEquality, count, pos);
  } catch (err) {
    throw toNixError(err);
  } finally {
    stack.depth--;
  }
}

function forceForEquality(t: Thunk, depth?: number): unknown {
  return depth === undefined ? forceThunk(t, undefined) : forceAtDepth(t, depth);
}

/** Op.AddPrepare for a first operand that is coerced before the second is evaluated: the concatenation it starts. */
function addPrepare(a: Value, layout: ConcatLayout): ops.Concatenation {
  return drive(ops.concatPartGen(new ops.Concatenation(false, layout.positions, layout.pos), a, 0, false)) as unknown as ops.Concatenation;
}

/** `a + b` where the inline number case does not apply; `a` may be the concatenation addPrepare started. */
function add(a: Value | ops.Concatenation, b: Value, layout: ConcatLayout): Value {
  const r = ops.addOperands(a, b, layout);
  return r instanceof ops.Concatenation ? drive(ops.concatPartGen(r, b, 1, true)) : r;
}

/** Part i of an interpolation, added to the concatenation of the parts before it (null for the first). */
function concatPart(joined: ops.Concatenation | string | null, v: Value, i: number, layout: ConcatLayout): Value | ops.Concatenation {
  const c = joined === null
    ? new ops.Concatenation(layout.forceString, layout.positions, layout.pos)
    : typeof joined === 'string' ? ops.Concatenation.interpolatedFrom(joined, layout.positions, layout.pos) : joined;
  const last = i === layout.positions.length - 1;
  if (c.tryAdd(v, i)) return last ? c.result() : c;
  return drive(ops.concatPartGen(c, v, i, last));
}

/**
 * An interpolation's next part while every part so far is a string without context: the text
 * so far as a string (no Concatenation made), charged and finished as Concatenation's append
 * and result would (see Op.ConcatPart in codegen.ts); `joined` is '' at the first part.
 */
function stringPart(joined: string, part: string, last: boolean): string {
  reserveString(joined.length + part.length, part.length);
  const s = joined + part;
  return last ? ops.flattenShort(s) : s;
}

function update(a: NixAttrs, b: NixAttrs): NixAttrs {
  return ops.update(a, b);
}

/** `a - b`, `a * b`, `a / b`, `a < b` where the inline number case does not apply: the builtin. */
function arith(builtin: string, a: Value, b: Value, pos: SourcePos | undefined): Value {
  return callValue(global(builtin), [a, b], pos);
}

function assertEqual(a: Value, b: Value, pos: SourcePos | undefined): Value {
  return drive(assertEqualGen(a, b, pos));
}

function assertFailed(shown: string, pos: SourcePos | undefined): NixError {
  return new NixError('assert', `assertion '${shown}' failed`, pos);
}

/** What a generated function receives: these, by name (see codegen.ts). */
export const helpers = {
  Thunk, Closure, NixAttrs, TAIL_CALL, Env0, Env1, Env2, Env3, Env4, Env5, Env6, Env7, Env8, Env9, Env10, Env11, Env12, Env13, Env14, Env15, Env16, newEnv,
  forceThunk, call1, call2, callValue, tail1, fail, posOf,
  global, withVar, attrsFromEnv, recOverrides, addDynamicAttr, attrName, missedName, missingAttr, typeError, typeErrorAt, selectTypeError,
  equal, addsAsIs: ops.addsAsIs, addPrepare, add, concatPart, stringPart, concatLists, update, update3: ops.update3, updateChain: ops.updateChain, arith, bindFormals, formalDefault, assertEqual,
  assertFailed, checkAttrName,
  currentPosition, counts, promote, stack, reserveWithin,
};

export type Helpers = typeof helpers;
