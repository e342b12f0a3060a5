// What the opcodes do beyond moving values, shared by the two tiers (the frame-stack VM and
// the compiled tier in src/codegen/): the errors they raise and where, binding a lambda's
// formals, dynamic attributes, the trace lines a frame adds to an error passing through it,
// how a builtin is called, and the small generators some opcodes run. Keeping one copy is
// what makes both tiers give the same values, errors and traces.

import type { Chunk, FormalsInfo, LambdaInfo } from '../compiler/chunk.js';
import { bestMatches, NixError, noteJsStackOverflow, type SourcePos } from '../errors/errors.js';
import { utf8ToBytes } from '../syntax/source.js';
import { showIdentifier } from '../syntax/show.js';
import { NO_POS } from '../syntax/ast.js';
import { IntegerOverflow } from '../value/int.js';
import {
  type Builtin, CallRequest, type Env, force, getSlot, setSlot, NixAttrs, NixString, updateAttrs, type Request, showType, Thunk,
  type Value,
} from '../value/values.js';
import { printForError } from '../value/print.js';
import { positionValue } from '../value/position.js';
import { internName, symbolTable } from '../value/symbols.js';
import { contextNotAllowed } from '../value/coerce.js';
import { callFrames, type TailCallLog } from './tail-calls.js';
import { engineLimitError, reserveList } from '../limits/limits.js';
import { explainInequality } from './explain-equal.js';
import { stack } from '../codegen/crossing.js';
import { count, Counter, STATS_ON } from '../value/stats.js';
import * as ops from './ops.js';

type Gen<T = Value> = Generator<Request, T, Value>;

export const INFINITE_RECURSION = 'infinite recursion encountered';
export const STACK_OVERFLOW = 'stack overflow; max-call-depth exceeded';

/**
 * Marks a call whose trace shows the callee's own position as the call site: a lazy
 * application of a lambda (see applyGen).
 */
export const AT_CALLEE: SourcePos = { source: null as unknown as SourcePos['source'], offset: -1 };

/** Where the instruction at code index `at` of a chunk comes from. */
export function posOf(chunk: Chunk, at: number): SourcePos | undefined {
  const off = chunk.positions[Math.max(0, at)];
  return off === undefined || off < 0 ? undefined : { source: chunk.source, offset: off };
}

export function showSourcePos(p: SourcePos): string {
  const lc = p.source.lineCol(p.offset);
  return `${p.source.origin}:${lc.line}:${lc.column}`;
}

export function typeError(expected: string, v: Value, pos: SourcePos | undefined): NixError {
  return new NixError('type', `expected ${expected} but found ${showType(v)}: ${printForError(v)}`, pos);
}

export function typeErrorAt(expected: string, v: Value, chunk: Chunk, at: number): NixError {
  return typeError(expected, v, posOf(chunk, at));
}

/**
 * A select of a name from a value that is no set (C++ Nix's ExprSelect: forceAttrs with
 * "while selecting an attribute"): the error has no position, its first frame has the select's.
 */
export function selectTypeError(v: Value, chunk: Chunk, at: number): NixError {
  return typeError('a set', v, undefined).addTrace('while selecting an attribute', posOf(chunk, at));
}

/**
 * Op.CheckAttrName: an attribute name is a string that refers to no store path (C++ Nix's
 * forceStringNoCtx), or null where that means "no attribute" (`nullable`: dynamic attributes).
 */
export function checkAttrName(v: Value, nullable: boolean, chunk: Chunk, at: number): void {
  if (typeof v === 'string' || (v === null && nullable)) return;
  if (v instanceof NixString) {
    if (v.context.size === 0) return;
    throw contextNotAllowed(v.s, v.context);
  }
  throw typeErrorAt('a string', v, chunk, at);
}

export function notAFunction(fn: Value, pos: SourcePos | undefined): NixError {
  return new NixError('type', `attempt to call something which is not a function but ${showType(fn)}: ${printForError(fn)}`, pos);
}

export function missingAttr(name: string, set: NixAttrs): NixError {
  // No position of its own: the select's "while evaluating the attribute" line has it (C++ Nix 2.36).
  const e = new NixError('eval', `attribute '${showIdentifier(name)}' missing`);
  e.suggestions = bestMatches(set.keys(), name);
  return e;
}

/** What JS throws that is a Nix error in disguise (integer overflow, a JS stack overflow). */
export function toNixError(err: unknown): unknown {
  if (err instanceof NixError) return err;
  if (err instanceof IntegerOverflow) return new NixError('eval', err.message);
  // (No regular expression here: this may run with the JS stack all but used up.)
  if (err instanceof RangeError && err.message.includes('call stack')) {
    noteJsStackOverflow();
    return new NixError('eval', STACK_OVERFLOW);
  }
  return engineLimitError(err) ?? err;
}

export function infiniteRecursion(t: Thunk, pos: SourcePos | undefined): NixError {
  const e = new NixError('infinite-recursion', INFINITE_RECURSION, pos);
  e.blackhole = t;
  return e;
}

/**
 * A thunk whose evaluation raised `e`: errors are memoised (as since Nix 2.34), so forcing it
 * again rethrows a copy of this very error, with the trace lines the rest of the unwinding
 * adds to it; a timeout (or a JS error) leaves it to be evaluated again.
 */
export function thunkFailed(t: Thunk, e: unknown): void {
  if (e instanceof NixError && e.kind !== 'timeout') t.fail(e);
  else t.reset();
}

/** The trace lines of a frame's error regions around code index `at`, innermost first. */
export function traceRegions(
  e: NixError, chunk: Chunk, at: number, selSet: NixAttrs | null, selName: string, selDynamic: readonly string[] | null,
): void {
  const explanation = e.explainsAssertion;
  for (const r of chunk.regions) {
    if (r.start > at || at >= r.end) continue;
    if (r.assertion !== undefined && r.assertion !== explanation) continue;
    if (r.argument) {
      e.inFormals = 'value';
      continue;
    }
    const pos = r.pos === NO_POS ? undefined : { source: chunk.source, offset: r.pos };
    if (r.select) {
      // C++ Nix's ExprSelect: where the last attribute found was defined, named by the path up
      // to it, then the whole path (computed names by their values where known).
      const found = r.select.found(at);
      const def = found > 0 ? selSet?.positions?.get(selName) : undefined;
      if (def) e.addTrace(`from the definition of '${r.select.show(found, selDynamic)}'`, def);
      e.addTrace(`while evaluating the attribute '${r.select.show(r.select.length, selDynamic)}'`, pos);
      continue;
    }
    e.addTrace(r.message, pos);
  }
  // The assert that failed explained itself; outer ones see an error in their condition.
  if (explanation && chunk.regions.some((r) => r.assertion === true && r.start <= at && at < r.end)) e.explainsAssertion = false;
}

/** The trace lines of a lambda's call: "while calling" and "from call site", then the calls its frame replaced. */
export function traceCall(e: NixError, lambda: LambdaInfo, callPos: SourcePos | undefined, tailCalls: TailCallLog | null): void {
  if (!e.inFormals) {
    for (const f of callFrames(lambda, callPos)) e.addFrame(f);
  } else if (callPos || e.inFormals === 'names') {
    // The argument was not a set, or its names did not match: C++ Nix reports the call site
    // whether or not it shows traces; for a mismatch, even a call without a position.
    e.addTrace('from call site', callPos);
  }
  e.inFormals = false;
  tailCalls?.addFramesTo(e.trace);
}

export function bindFormals(info: FormalsInfo, arg: Value, env: Env, lambda: LambdaInfo, chunk: Chunk, at: number): void {
  if (!(arg instanceof NixAttrs)) {
    // C++ Nix's forceAttrs before the call proper: the error has no position of its own, its
    // line is at the lambda, and the call shows only as "from call site".
    const e = typeError('a set', arg, undefined).addTrace('while evaluating the value passed for the lambda argument', posOf(chunk, at));
    e.inFormals = 'value';
    throw e;
  }
  // Most call sites pass sets of one literal, so of one shape: where each formal is in it,
  // and that no formal is missing and no name unexpected, hold for every set of that shape.
  if (arg.shape === info.boundShape) {
    const indexes = info.boundIndexes!;
    const values = arg.values;
    const entries = info.entries;
    for (let j = 0; j < entries.length; j++) {
      const i = indexes[j];
      if (i >= 0) setSlot(env, entries[j].slot, values[i]);
      else bindDefault(entries[j], env);
    }
    return;
  }
  const entries = info.entries;
  // A plain array of small integers: a typed array costs a buffer and a slower allocation.
  const indexes: number[] = [];
  let used = 0;
  let missing: string[] | undefined;
  for (let j = 0; j < entries.length; j++) {
    const f = entries[j];
    const i = arg.shape.indexOf(f.name);
    indexes.push(i);
    if (i >= 0) {
      setSlot(env, f.slot, arg.values[i]);
      used++;
    } else if (f.def !== null) {
      bindDefault(f, env);
    } else {
      (missing ??= []).push(f.name);
    }
  }
  // C++ Nix checks formals, and then the argument's names, in symbol order (value/symbols.ts).
  if (missing !== undefined) {
    const name = symbolTable().first(missing)!;
    const e = new NixError('eval', `function ${lambdaName(lambda)} called without required argument '${showIdentifier(name)}'`, { source: lambda.source, offset: lambda.pos });
    e.inFormals = 'names';
    throw e;
  }
  if (!info.ellipsis && used < arg.size) {
    const name = symbolTable().first(arg.keys().filter((k) => !info.names.has(k)))!;
    const e = new NixError('eval', `function ${lambdaName(lambda)} called with unexpected argument '${showIdentifier(name)}'`, { source: lambda.source, offset: lambda.pos });
    e.inFormals = 'names';
    e.suggestions = bestMatches(info.names, name);
    throw e;
  }
  info.boundShape = arg.shape;
  info.boundIndexes = indexes;
  // Slot 1 keeps the argument as passed (`args@{ ... }` is the same place as the caller's).
}

function lambdaName(lambda: LambdaInfo): string {
  return `'${lambda.name ?? 'anonymous lambda'}'`;
}

/** A formal the argument does not have, which has a default: binds the default. */
function bindDefault(f: FormalsInfo['entries'][number], env: Env): void {
  setSlot(env, f.slot, formalDefault(f, env));
}

/** The value a formal the argument does not have takes: its default's. */
export function formalDefault(f: FormalsInfo['entries'][number], env: Env): Value {
  const alias = f.alias !== undefined ? aliasOf(env, f.alias) : undefined;
  // `{ x ? y, y }`: x is y's value itself, as C++ Nix binds a default that is a variable.
  if (alias !== undefined) return alias;
  if (f.literal !== undefined) return f.literal;
  // `{ f ? map }`: the global's value itself, as C++ Nix binds a default that is a variable.
  const global = f.global !== undefined ? stack.session?.globals.get(f.global) : undefined;
  return global !== undefined ? global : new Thunk(f.def!, env);
}

/** The binding a formal's default names, or undefined while its scope is being filled. */
function aliasOf(env: Env, alias: { depth: number; slot: number }): Value | undefined {
  let e = env;
  for (let d = alias.depth; d > 0; d--) e = e.up!;
  return getSlot(e, alias.slot);
}

/**
 * `{ ${name} = value; }` on a set this very expression built and nobody shares yet: the set
 * with the attribute added (a null name adds nothing).
 */
export function addDynamicAttr(set: NixAttrs, name: Value, value: Value, chunk: Chunk, at: number): NixAttrs {
  if (name === null) return set;
  const key = ops.attrName(name, 'while evaluating the name of a dynamic attribute');
  if (set.has(key)) {
    const prev = set.positions?.get(key);
    const here = posOf(chunk, at);
    const where = prev ? showSourcePos(prev) : here ? showSourcePos(here) : utf8ToBytes('«unknown»');
    throw new NixError('eval', `dynamic attribute '${showIdentifier(key)}' already defined at ${where}`, here);
  }
  return set.extend(internName(key), value, chunk.source, chunk.positions[at]);
}

/** `__curPos`: the position of the code index as a set { file, line, column }, or null outside a file (C++ Nix's mkPos). */
export function currentPosition(chunk: Chunk, at: number): NixAttrs | null {
  const p = posOf(chunk, at)!;
  return positionValue(p.source, p.offset);
}

// ---- calling builtins

export function isGenerator(r: unknown): r is Gen {
  return typeof r === 'object' && r !== null && typeof (r as Generator).next === 'function' && typeof (r as Generator).throw === 'function';
}

/**
 * Replaces evaluated thunks by their values (copying only when there is one). Lazy
 * arguments stay as they are: a builtin that takes one may store it or compare it as a
 * place (`elem`), and an evaluated thunk is not the same place as its value.
 */
export function unwrapDone(args: Value[], lazy: readonly number[] | undefined): Value[] {
  let out = args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Thunk && a.code === null && !(lazy && lazy.includes(i))) {
      if (out === args) out = args.slice();
      out[i] = a.value!;
    }
  }
  return out;
}

/** Whether some argument the builtin wants forced is still a thunk. */
export function needsForcing(args: readonly Value[], lazy: readonly number[] | undefined): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Thunk && a.code !== null && !(lazy && lazy.includes(i))) return true;
  }
  return false;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

function argumentContext(spec: Builtin['spec'], i: number): string {
  return `while evaluating the ${ORDINALS[i] ?? `${i + 1}th`} argument passed to builtins.${spec.name}`;
}

/**
 * A type error about one of the arguments gets the line saying which argument it was: the
 * one BuiltinSpec.forceCtx declares for it, if any.
 */
export function traceArgument(e: NixError, spec: Builtin['spec'], args: Value[]): void {
  if (e.kind !== 'type' || e.value === undefined || e.trace.length > 0) return;
  const i = args.indexOf(e.value as Value);
  if (i >= 0) e.addTrace(spec.forceCtx?.[i] ?? argumentContext(spec, i));
}

/**
 * An error raised while forcing argument `i` before the call (one not in spec.lazy): the line
 * spec.forceCtx gives it, if any (C++ Nix's forceX that force inside their try: see
 * builtins/force-args.ts). Only on this error path, so forcing that succeeds costs nothing.
 */
export function argumentForceFailed(err: unknown, spec: Builtin['spec'], i: number): unknown {
  const frame = spec.forceCtx?.[i];
  if (frame !== undefined && err instanceof NixError) err.addTrace(frame);
  return err;
}

export function* argTraced(gen: Gen, spec: Builtin['spec'], args: Value[]): Gen {
  try {
    return yield* gen;
  } catch (e) {
    if (e instanceof NixError) traceArgument(e, spec, args);
    throw e;
  }
}

// ---- generators some opcodes run

/**
 * A lazy application `fn args` (the elements of `map`, ...). C++ Nix takes the call site of a
 * lazy application from the function as it is when the application is forced
 * (Value::determinePos): an evaluated lambda stands for its own call site, a function still
 * unevaluated (mapAttrs never forces it) gives none.
 */
export function* applyGen(fn: Value, args: Value[]): Gen {
  const evaluated = !(fn instanceof Thunk) || fn.code === null;
  const f = yield* force(fn);
  return yield new CallRequest(f, args, evaluated);
}

/**
 * Calling a set with `__functor` at `pos`, as C++ Nix's callFunction: the functor with the set
 * and the first argument, called from where `__functor` is defined (its lambdas' "from call
 * site"), an error of which gets the functor's line at `pos`; then the result with the rest.
 */
export function* functorGen(set: NixAttrs, args: Value[], pos: SourcePos | undefined): Gen {
  let g: Value;
  try {
    const functor = yield* force(set.get('__functor')!);
    g = yield new CallRequest(functor, [set, args[0]], false, set.positions?.get('__functor'));
  } catch (err) {
    throw functorFailed(err, pos);
  }
  return args.length === 1 ? g : yield new CallRequest(g, args.slice(1), false, pos);
}

/** An error calling a set's `__functor`: the line C++ Nix adds (shown without --show-trace too). */
export function functorFailed(err: unknown, pos: SourcePos | undefined): unknown {
  if (err instanceof NixError) err.addTrace("while calling a functor (an attribute set with a '__functor' attribute)", pos);
  return err;
}

export function* notGen(g: Gen<boolean>): Gen {
  return !(yield* g);
}

/**
 * `rec { __overrides = { a = ...; }; ... }`: the overriding values replace the attributes
 * both in the resulting set and in the environment the other attributes see. Each attribute
 * keeps its position, an overriding one the position it has in the overrides' set (as C++
 * Nix copies the whole attribute), which unsafeGetAttrPos and traces show.
 */
export function* recOverridesGen(set: NixAttrs, env: Env, names: string[]): Gen {
  // C++ Nix's forceAttrs: an error forcing the value gets no frame here, a value that is no set
  // is an error with this one (at the position of the value, which is still a thunk: none).
  // While `__overrides` is evaluated, the compiled tier computes no thunk's value at once
  // (codegen/eager.ts): a function of the set may read a binding that is about to be replaced.
  let overrides: Value;
  stack.overriding++;
  try {
    overrides = yield* force(set.get('__overrides')!);
  } finally {
    stack.overriding--;
  }
  if (!(overrides instanceof NixAttrs)) {
    throw new NixError('type', `expected a set but found ${showType(overrides)}: ${printForError(overrides)}`)
      .addTrace('while evaluating the `__overrides` attribute');
  }
  const keys = overrides.keys();
  for (let j = 0; j < keys.length; j++) {
    const i = names.indexOf(keys[j]);
    if (i >= 0) setSlot(env, i + 1, overrides.values[j]);
  }
  return updateAttrs(set, overrides);
}

export function* assertEqualGen(a: Value, b: Value, pos: SourcePos | undefined): Gen {
  if (yield* ops.equalGen(a, b)) return true;
  return yield* explainInequality(a, b, pos);
}

/**
 * A variable found only through `with`: the innermost `with` whose set has it. `withAt`: where
 * each `with` is, for the line C++ Nix's forceAttrs gives a `with` whose value is no set; `at`:
 * the variable, where it is undefined if no set has it.
 */
export function* withLookupGen(env: Env, name: string, depths: number[], withAt: readonly SourcePos[], at: SourcePos): Gen {
  if (STATS_ON) count(Counter.WithLookups);
  for (let k = 0; k < depths.length; k++) {
    const d = depths[k];
    let e = env;
    for (let i = 0; i < d; i++) e = e.up!;
    const set = yield* force(e.s1);
    // Keep the forced set so later lookups need not force it again.
    e.s1 = set;
    if (!(set instanceof NixAttrs)) {
      throw new NixError('type', `expected a set but found ${showType(set)}: ${printForError(set)}`)
        .addTrace('while evaluating the first subexpression of a with expression', withAt[k]);
    }
    const v = set.get(name);
    if (v !== undefined) return yield* force(v);
  }
  throw new NixError('undefined-variable', `undefined variable '${name}'`, at);
}

/** `a ++ b` with an operand that is not a list (the operator's trace line comes with it). */
export function concatTypeError(l: Value): NixError {
  return new NixError('type', `expected a list but found ${showType(l)}: ${printForError(l)}`);
}

/**
 * `a ++ b` for both tiers: a list of both lists' elements, charged to the memory budget before
 * it is made (a chain of `++` doubles its size at each step).
 */
export function concatLists(a: Value, b: Value, pos: SourcePos | undefined): Value {
  for (const l of [a, b]) {
    if (!Array.isArray(l)) throw concatTypeError(l).addTrace('while evaluating one of the elements to concatenate', pos);
  }
  const la = a as Value[];
  const lb = b as Value[];
  if (STATS_ON) { count(Counter.ListConcats); count(Counter.ListElements, la.length + lb.length); }
  if (la.length === 0) return lb;
  if (lb.length === 0) return la;
  const n = la.length;
  const m = lb.length;
  reserveList(n + m);
  // Copied by hand: Array.prototype.concat took 1.4-1.9 times as long on lists of thunks
  // (lists-concat's `++` by halves of 100,000 elements).
  const r: Value[] = new Array(n + m);
  for (let i = 0; i < n; i++) r[i] = la[i];
  for (let j = 0; j < m; j++) r[n + j] = lb[j];
  return r;
}
