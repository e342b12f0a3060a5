// The value types of the evaluator.
//
//   null, boolean            JS null and booleans
//   int                      JS number (safe integers) or bigint (beyond), see int.ts
//   float                    NixFloat, so that 1 and 1.0 never look alike
//   string                   a JS byte string when it has no context (the common case),
//                            NixString when it carries a context
//   path                     NixPath
//   list                     a JS array of values (elements may be thunks)
//   attribute set            NixAttrs
//   function                 Closure (a lambda and its environment) or Builtin
//   thunk                    Thunk: a suspended computation; see vm/ for forcing

import type { NixInt } from './int.js';
import type { Chunk, LambdaInfo } from '../compiler/chunk.js';
import type { Source } from '../syntax/source.js';
import type { SourcePos } from '../errors/errors.js';
import { symbolTable } from './symbols.js';

export class NixFloat {
  constructor(readonly value: number) {}
}

/** A string with a context: the store paths it refers to, in C++ Nix's encoding. */
export class NixString {
  constructor(readonly s: string, readonly context: ReadonlySet<string>) {}
}

export class NixPath {
  constructor(readonly path: string) {}
}

export type NixList = Value[];

export { type Env, getSlot, newEnv, rootEnv, setSlot, slotValues } from './env.js';
import type { Env } from './env.js';

export {
  AttrShape, type AttrPosition, type AttrPositions, compareBytes, LayeredPositions, NixAttrs, updateAttrs,
} from './attrs.js';
import { NixAttrs } from './attrs.js';

export class Closure {
  constructor(readonly lambda: LambdaInfo, readonly env: Env) {}
}

/**
 * A builtin's implementation receives its arguments (forced unless the builtin declares
 * them lazy) and returns a value, or a generator that yields requests to the VM.
 */
export type BuiltinImpl = (args: Value[], ctx: BuiltinContext) => Value | Generator<Request, Value, Value>;

/**
 * How a builtin's direct implementation (BuiltinSpec.direct) forces and calls: the compiled
 * tier's own force and call, which run the callee in the VM past the depth budget, so a
 * direct builtin never overflows the JS stack.
 */
export interface DirectEval {
  /** The value in WHNF. */
  force(v: Value): Value;
  /** `fn a`, in WHNF (as a generator's CallRequest, then forced). */
  call1(fn: Value, a: Value): Value;
  /** `fn a b`, in WHNF. */
  call2(fn: Value, a: Value, b: Value): Value;
  /** Runs a generator to its end, answering its requests (for the parts both versions share). */
  drive<T>(gen: Generator<Request, T, Value>): T;
}

/** A builtin as a plain function: its arguments as `impl` gets them, forcing and calling through `ev`. */
export type DirectImpl = (args: Value[], ctx: BuiltinContext, ev: DirectEval) => Value;

export interface BuiltinContext {
  /** The evaluation the call belongs to: its IO, settings and output. */
  readonly state: EvalState;
  /** Calls in progress, this one included (C++ Nix's callDepth, for max-call-depth). */
  readonly callDepth?: number;
}

/** What builtins may ask of the evaluation they run in (implemented in eval.ts). */
export interface EvalState {
  /** Prints a `trace:` line (the message is already rendered). */
  trace(message: string): void;
  /** Prints a `warning:` line. */
  warn(message: string): void;
  /** Prints a line on the message stream as it is. */
  emitLine(line: string): void;
  /** The value of the Nix file at an absolute path, evaluated once per evaluation. */
  importFile(path: string): Value;
  /** The file importFile evaluates for a path (a directory's default.nix, a final symlink followed). */
  resolveExprPath(path: string): string;
  /** Evaluates source text as a file at `path` would be, with extra bindings in scope. */
  readonly settings: EvalSettings;
}

export interface EvalSettings {
  currentSystem: string;
  storeDir: string;
  nixVersion: string;
  langVersion: number;
  pure: boolean;
  /** Experimental features turned on (`--extra-experimental-features`), e.g. parse-toml-timestamps. */
  experimentalFeatures?: ReadonlySet<string>;
  /** C++ Nix's max-call-depth, when one is set (see EvaluateOptions.maxCallDepth). */
  maxCallDepth?: number;
  /** C++ Nix's abort-on-warn: `builtins.warn` fails (uncatchably) after printing its warning. */
  abortOnWarn?: boolean;
  /** C++ Nix's trace-verbose: `builtins.traceVerbose` prints as `builtins.trace` does. */
  traceVerbose?: boolean;
  /**
   * A store that refuses writes, by C++ Nix's name for it ('dummy://': nix-instantiate without
   * --eval on a read-only dummy store): writing a derivation fails as C++ Nix's does there.
   */
  unwritableStore?: string;
  /** C++ Nix's allow-dirty and warn-dirty (both default true): fetchGit of a dirty working tree. */
  allowDirty?: boolean;
  warnDirty?: boolean;
  /** C++ Nix's restrict-eval: fetched URLs are checked (checkURI, src/fetchers/url.ts). */
  restrictEval?: boolean;
  /** C++ Nix's allowed-uris: URL prefixes restricted mode lets fetchers read. */
  allowedUris?: readonly string[];
}

export interface BuiltinSpec {
  name: string;
  arity: number;
  /** Arguments forced before the call (by index). Default: all. */
  lazy?: readonly number[];
  /**
   * For an argument forced before the call: the line C++ Nix's forceInt, forceFloat, forceBool,
   * forceFunction or forceString (builtins/force-args.ts) gives any error raised while forcing
   * it, by index; none for the others (forceAttrs, forceList, forceValue, coerceToString).
   */
  forceCtx?: readonly (string | undefined)[];
  impl: BuiltinImpl;
  /** Documentation shown by the service, one line. */
  doc?: string;
  /** Errors leaving it get no "while calling the '...' builtin" line (addErrorContext). */
  noCallTrace?: boolean;
  /**
   * The same builtin without a generator, for the compiled tier: the same forcing order,
   * errors and traces as `impl` (the fuzzer of test/codegen compares them).
   */
  direct?: DirectImpl;
  /**
   * A one-argument builtin's answer for an argument already evaluated, in plain JS, or
   * undefined to leave the call to `impl` (its errors included): what the compiled tier's
   * one-argument calls use without an array of arguments (isAttrs, attrNames, length,
   * toString: lib's matchAttrs makes 870,000 such calls in lib-systems). Never fails, never
   * forces.
   */
  quick1?: (arg: Value) => Value | undefined;
  /**
   * The same for a two-argument builtin and two arguments already evaluated (elemAt, hasAttr,
   * getAttr, div: lib's strings and lists make 300,000 such calls in lib-strings-lists), for
   * the compiled tier's calls of a builtin with both arguments, or with the second after the
   * first was applied. Never fails, never forces.
   */
  quick2?: (a: Value, b: Value) => Value | undefined;
  /** The experimental feature without which C++ Nix does not register it (`fetch-tree`). */
  experimentalFeature?: string;
}

export class Builtin {
  constructor(readonly spec: BuiltinSpec, readonly args: readonly Value[] = []) {}
}

/** A thunk is pending (code + env, or a deferred call), under evaluation, or done. */
export const enum ThunkState { Pending, Blackhole, Done, Failed, Unforced }

/** How a deferred application holds its function and arguments (see Thunk). */
const enum Applied { None, Args, One, Two }

/**
 * What a thunk's `code` holds when it is not a chunk: its state, for a deferred application
 * how it holds its function and arguments (and the function itself where many applications
 * share it), and the mark of the same kind in the other of the two states Pending and
 * Blackhole (see Thunk.start and Thunk.reset).
 */
export class ThunkMark {
  other: ThunkMark = this;
  constructor(readonly state: ThunkState, readonly applied: Applied, readonly fn: Value) {}
}

function markPair(applied: Applied, fn: Value): ThunkMark {
  const pending = new ThunkMark(ThunkState.Pending, applied, fn);
  const running = new ThunkMark(ThunkState.Blackhole, applied, fn);
  pending.other = running;
  running.other = pending;
  return pending;
}

/** A deferred application: `value` is the function, `env` the array of arguments. */
const APPLY = markPair(Applied.Args, null);
/** A deferred application to one argument: `value` is the function, `env` the argument itself. */
const APPLY1 = markPair(Applied.One, null);
/**
 * A chunk's code under evaluation: the chunk is kept in `value` meanwhile (the compiled tier's
 * forceThunk keeps it itself, and puts it there before its error path looks at the thunk).
 */
export const CODE_RUNNING = new ThunkMark(ThunkState.Blackhole, Applied.None, null);
const UNFORCED = new ThunkMark(ThunkState.Unforced, Applied.None, null);
const FAILED = new ThunkMark(ThunkState.Failed, Applied.None, null);

/** What a failed thunk keeps: the error, and what it held under evaluation (see Thunk.restart). */
class Failure {
  constructor(readonly error: unknown, readonly code: Chunk | ThunkMark, readonly value: unknown) {}
}

/**
 * Three fields, as thunks are the most numerous objects (48 bytes with V8's header, where a
 * field for the state would make 56): the state is told by what `code` holds.
 * - Done: `code` is null and `value` the value; this is the test on every hot path
 *   (`t.code === null ? t.value : force...`).
 * - Pending: `code` is the chunk to run in `env`; or a mark for a deferred application
 *   `fn args`: the function in `value` and the arguments in `env` (an array, or the one
 *   argument itself), or the function in the mark (shared by many thunks, see apply2) and
 *   the two arguments in `value` and `env`.
 * - Blackhole (under evaluation): `code` is a running mark; a chunk's thunk keeps its chunk in
 *   `value` meanwhile, so that reset() can make it pending again.
 * - Failed: the error its evaluation raised (see failure()), rethrown as a copy when it is
 *   forced again.
 * - Unforced: a value built at once from a literal (list, set, function) where C++ Nix would
 *   have made a thunk; forcing it only makes it Done, so that printing shows it unevaluated
 *   (<CODE>) until something has forced it, as C++ Nix's does.
 */
export class Thunk {
  code: Chunk | ThunkMark | null;
  value: Value | undefined;
  env: Env | Value | null;
  constructor(chunk: Chunk | null, env: Env | Value[] | null) {
    this.code = chunk;
    this.value = undefined;
    this.env = env;
  }

  /** The state, told by the fields (hot paths test `code === null` for Done themselves). */
  get state(): ThunkState {
    const c = this.code;
    if (c === null) return ThunkState.Done;
    return c instanceof ThunkMark ? c.state : ThunkState.Pending;
  }

  /** The chunk of a pending thunk of code, or null (a deferred application, or not pending). */
  pendingChunk(): Chunk | null {
    const c = this.code;
    return c === null || c instanceof ThunkMark ? null : c;
  }

  /** Pending to Blackhole: it is under evaluation from now on (what to run was read before). */
  start(): void {
    const c = this.code!;
    if (c instanceof ThunkMark) {
      this.code = c.other;
    } else {
      this.value = c as unknown as Value;
      this.code = CODE_RUNNING;
    }
  }

  /** Blackhole to Pending: its evaluation was abandoned (a timeout, a JS error), to be run again. */
  reset(): void {
    const c = this.code;
    if (c === CODE_RUNNING) {
      this.code = this.value as unknown as Chunk;
      this.value = undefined;
    } else if (c instanceof ThunkMark && c.state === ThunkState.Blackhole) {
      this.code = c.other;
    }
  }

  /** Records the value and lets go of what computed it. */
  complete(value: Value): void {
    this.code = null;
    this.value = value;
    this.env = null;
  }

  /**
   * Records the error (memoised: forcing the thunk again rethrows it). What it ran stays: a
   * frame that catches the error (tryEval) puts the thunk back under evaluation (restart).
   */
  fail(error: unknown): void {
    this.value = new Failure(error, this.code!, this.value) as unknown as Value;
    this.code = FAILED;
  }

  /** Failed to Blackhole: the frame evaluating it caught its error and goes on. */
  restart(): void {
    const f = this.value as unknown as Failure;
    this.code = f.code;
    this.value = f.value as Value;
  }

  /** The error of a Failed thunk. */
  failure(): unknown {
    return (this.value as unknown as Failure).error;
  }

  /** A literal's value, built at once, that counts as not yet forced (see ThunkState.Unforced). */
  static unforced(value: Value): Thunk {
    const t = new Thunk(null, null);
    t.code = UNFORCED;
    t.value = value;
    return t;
  }

  /** A deferred application `fn args`. */
  static apply(fn: Value, args: Value[]): Thunk {
    if (args.length === 1) return Thunk.apply1(fn, args[0]);
    const t = new Thunk(null, args);
    t.code = APPLY;
    t.value = fn;
    return t;
  }

  /** A deferred application `fn arg`, without an array for the argument. */
  static apply1(fn: Value, arg: Value): Thunk {
    const t = new Thunk(null, null);
    t.code = APPLY1;
    t.value = fn;
    t.env = arg;
    return t;
  }

  /**
   * The mark for deferred applications of `fn` to two arguments each (apply2), holding the
   * function once for all of them (mapAttrs' `f name value`).
   */
  static applications2(fn: Value): ThunkMark {
    return markPair(Applied.Two, fn);
  }

  /** A deferred application `fn a b`, of the function of `of` (see applications2). */
  static apply2(of: ThunkMark, a: Value, b: Value): Thunk {
    const t = new Thunk(null, null);
    t.code = of;
    t.value = a;
    t.env = b;
    return t;
  }

  /** Whether it is a deferred application still pending (forcing it is a call). */
  isPendingApplication(): boolean {
    const c = this.code;
    return c instanceof ThunkMark && c.state === ThunkState.Pending && c.applied !== Applied.None;
  }

  /** The function of a deferred application (pending or under evaluation). */
  applied(): Value {
    const c = this.code as ThunkMark;
    return c.applied === Applied.Two ? c.fn : this.value!;
  }

  /** The one argument of a deferred application to one argument, else undefined. */
  appliedArg(): Value | undefined {
    return (this.code as ThunkMark).applied === Applied.One ? this.env as Value : undefined;
  }

  /** The first of the two arguments of a deferred application of apply2 (the second is `env`), else undefined. */
  appliedTwo(): Value | undefined {
    return (this.code as ThunkMark).applied === Applied.Two ? this.value! : undefined;
  }

  /** The arguments of a deferred application (pending or under evaluation). */
  appliedArgs(): Value[] {
    switch ((this.code as ThunkMark).applied) {
      case Applied.One: return [this.env as Value];
      case Applied.Two: return [this.value!, this.env as Value];
      default: return this.env as Value[];
    }
  }

  /**
   * A new place holding an evaluated value, as C++ Nix stores a call's result in a new
   * Value: equality does not take it for any other place holding the same value.
   */
  static evaluated(value: Value): Thunk {
    const t = new Thunk(null, null);
    t.complete(value);
    return t;
  }
}

/** A request from a generator builtin: call `fn` with `args` and send back the result. */
export class CallRequest {
  constructor(
    readonly fn: Value,
    readonly args: Value[],
    /** Show the callee's own position as the call site (for lazily applied functions). */
    readonly atCallee = false,
    /** The call site otherwise (builtins call without one; a set's `__functor` at its definition). */
    readonly pos: SourcePos | undefined = undefined,
    /**
     * Made with `depth` calls in progress (a deep walker's level, as ForceAtDepth: see
     * value/depth.ts), rather than those of the generator asking.
     */
    readonly depth: number | undefined = undefined,
  ) {}
}

/**
 * A request from a walker that counts nesting against an explicit max-call-depth (deepSeq,
 * toJSON, toXML, ...; see value/depth.ts): force `thunk` as if `depth` calls were in
 * progress, so the calls its evaluation makes count from there, as in C++ Nix, whose walkers
 * recurse and add to callDepth at each level.
 */
export class ForceAtDepth {
  constructor(readonly thunk: Thunk, readonly depth: number) {}
}

/** What a generator may yield: a thunk to force, a call, or a thunk to force at a call depth. */
export type Request = Thunk | CallRequest | ForceAtDepth;

export type Value =
  | null | boolean | NixInt | string
  | NixFloat | NixString | NixPath | NixList | NixAttrs | Closure | Builtin | Thunk;

/** A value already evaluated: itself, or an evaluated thunk's value; undefined for a thunk not evaluated yet. */
export function evaluatedValue(v: Value): Value | undefined {
  return !(v instanceof Thunk) ? v : v.code === null ? v.value : undefined;
}

/** Forces a thunk in state Unforced: its value was built already. */
export function forceUnforced(t: Thunk): Value {
  t.code = null;
  return t.value!;
}

/** Forces a value from inside a generator: `const v = yield* force(x)`. */
export function* force(v: Value): Generator<Request, Value, Value> {
  if (v instanceof Thunk) {
    if (v.code === null) return v.value!;
    return yield v;
  }
  return v;
}

export function typeOf(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': case 'bigint': return 'int';
    case 'string': return 'string';
  }
  if (v instanceof NixString) return 'string';
  if (v instanceof NixFloat) return 'float';
  if (v instanceof NixPath) return 'path';
  if (Array.isArray(v)) return 'list';
  if (v instanceof NixAttrs) return 'set';
  if (v instanceof Closure || v instanceof Builtin) return 'lambda';
  return 'thunk';
}

/**
 * The phrase C++ Nix uses in type errors: "an integer", "a string with context", "the
 * built-in function 'map'", ...
 */
export function showType(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return 'a Boolean';
    case 'number': case 'bigint': return 'an integer';
    case 'string': return 'a string';
  }
  if (v instanceof NixString) return v.context.size > 0 ? 'a string with context' : 'a string';
  if (v instanceof NixFloat) return 'a float';
  if (v instanceof NixPath) return 'a path';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof NixAttrs) return 'a set';
  if (v instanceof Closure) return 'a function';
  if (v instanceof Builtin) {
    return v.args.length > 0 ? `the partially applied built-in function '${v.spec.name}'` : `the built-in function '${v.spec.name}'`;
  }
  return 'a thunk';
}

export function isString(v: Value): v is string | NixString {
  return typeof v === 'string' || v instanceof NixString;
}

export function stringOf(v: string | NixString): string {
  return typeof v === 'string' ? v : v.s;
}

export function contextOf(v: string | NixString): ReadonlySet<string> | undefined {
  return typeof v === 'string' ? undefined : v.context;
}

/** A string value with the given context, plain when the context is empty. */
export function makeString(s: string, context?: ReadonlySet<string>): string | NixString {
  return context && context.size > 0 ? new NixString(s, context) : s;
}
