// Forcing a builtin's arguments as C++ Nix's EvalState::forceX do, with their context line
// ("while evaluating the first argument passed to builtins.map"). Two rules (eval.cc,
// eval-inline.hh):
// - forceInt, forceFloat, forceBool, forceFunction and forceString (forceStringNoCtx and
//   forceString with a context call it) force the value inside a try: the line goes on ANY
//   error raised while forcing it (a `throw` in it, an assertion, an infinite recursion), as
//   on their own type error. forceStringNoCtx's "not allowed to refer to a store path" error,
//   raised after forceString returned, gets it from its own withTrace (once).
// - forceAttrs and forceList add the line to their own type error only: an error raised while
//   forcing the value passes through without it. So does coerceToString (forceValue outside
//   any try), whose context goes on its own "cannot coerce" errors (value/coerce.ts).
// `forceTraced` (generator bodies) and `forceTracedDirect` (the compiled tier's direct
// versions) are the first rule's forcing; the type checks after it add the line to the type
// error. Arguments the VM and the compiled tier force before the call (those not in
// BuiltinSpec.lazy) get the line BuiltinSpec.forceCtx declares for them (vm/op-semantics.ts's
// argumentForceFailed).

import { NixError, type SourcePos } from '../errors/errors.js';
import { type NixInt } from '../value/int.js';
import {
  Builtin, Closure, type DirectEval, force, NixAttrs, NixString, type Request, showType, Thunk, type Value,
} from '../value/values.js';
import { type Coerced, contextNotAllowed } from '../value/coerce.js';
import { printForError } from '../value/print.js';
import { typeError } from './util.js';

export type Gen<T = Value> = Generator<Request, T, Value>;

/** Adds the context line (an empty one adds none) to a NixError on its way out. */
export function withFrame<E>(e: E, frame: string, pos?: SourcePos): E {
  if (e instanceof NixError && frame !== '') e.addTrace(frame, pos);
  return e;
}

export function typeMismatch(expected: string, v: Value, frame: string, pos?: SourcePos): NixError {
  return withFrame(new NixError('type', `expected ${expected} but found ${showType(v)}: ${printForError(v)}`), frame, pos);
}

/**
 * The type error of C++ Nix's forceInt, forceFloat, forceBool, forceFunction and forceString:
 * `.atPos(pos)` puts the error itself at the position they are given (an attribute's, for
 * builtins.path's and appendContext's attributes), as well as its line (forceAttrs and
 * forceList give the line only: typeMismatch).
 */
function typeMismatchAt(expected: string, v: Value, frame: string, pos: SourcePos | undefined): NixError {
  const e = typeMismatch(expected, v, frame, pos);
  if (pos !== undefined) e.pos = pos;
  return e;
}

/** The value in WHNF, an error raised while forcing it getting the line `frame` (the first rule above). */
export function* forceTraced(v: Value, frame: string, pos?: SourcePos): Gen {
  if (!(v instanceof Thunk)) return v;
  if (v.code === null) return v.value!;
  try {
    return yield v;
  } catch (e) {
    throw withFrame(e, frame, pos);
  }
}

/** forceTraced for a direct version (BuiltinSpec.direct). */
export function forceTracedDirect(ev: DirectEval, v: Value, frame: string, pos?: SourcePos): Value {
  if (!(v instanceof Thunk)) return v;
  if (v.code === null) return v.value!;
  try {
    return ev.force(v);
  } catch (e) {
    throw withFrame(e, frame, pos);
  }
}

// ---------------------------------------------------------------------------------------------
// C++ Nix's forceX, for generator bodies. Each takes the position C++ Nix gives the frame (its
// `pos` argument), when there is one; forceString, forceBool and forceFunction put their own
// type error there too (typeMismatchAt).

/** `forceString`: a string (no coercion), its bytes and context. */
export function* forceString(v0: Value, frame: string, pos?: SourcePos): Gen<Coerced> {
  const v = yield* forceTraced(v0, frame, pos);
  if (typeof v === 'string') return { s: v, context: undefined };
  if (v instanceof NixString) return { s: v.s, context: v.context };
  throw typeMismatchAt('a string', v, frame, pos);
}

/** `forceStringNoCtx`: a string that must not refer to store paths. */
export function* forceStringNoCtx(v0: Value, frame: string, pos?: SourcePos): Gen<string> {
  const r = yield* forceString(v0, frame, pos);
  if (r.context !== undefined && r.context.size > 0) {
    throw withFrame(contextNotAllowed(r.s, r.context), frame, pos);
  }
  return r.s;
}

export function* forceInt(v0: Value, frame: string): Gen<NixInt> {
  const v = yield* forceTraced(v0, frame);
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  throw typeMismatch('an integer', v, frame);
}

export function* forceBool(v0: Value, frame: string, pos?: SourcePos): Gen<boolean> {
  const v = yield* forceTraced(v0, frame, pos);
  if (typeof v === 'boolean') return v;
  throw typeMismatchAt('a Boolean', v, frame, pos);
}

export function* forceFunction(v0: Value, frame: string, pos?: SourcePos): Gen {
  const v = yield* forceTraced(v0, frame, pos);
  if (v instanceof Closure || v instanceof Builtin || (v instanceof NixAttrs && v.has('__functor'))) return v;
  throw typeMismatchAt('a function', v, frame, pos);
}

/** forceFunction for a direct version (BuiltinSpec.direct). */
export function forceFunctionDirect(ev: DirectEval, v0: Value, frame: string): Value {
  return functionCtx(forceTracedDirect(ev, v0, frame), frame);
}

/** forceInt for a direct version (BuiltinSpec.direct). */
export function forceIntDirect(ev: DirectEval, v0: Value, frame: string): NixInt {
  return intCtx(forceTracedDirect(ev, v0, frame), frame);
}

/** forceList: the line on its own type error only. */
export function* forceList(v0: Value, frame: string, pos?: SourcePos): Gen<Value[]> {
  const v = yield* force(v0);
  if (Array.isArray(v)) return v;
  throw typeMismatch('a list', v, frame, pos);
}

/** forceAttrs: the line on its own type error only. */
export function* forceAttrs(v0: Value, frame: string, pos?: SourcePos): Gen<NixAttrs> {
  const v = yield* force(v0);
  if (v instanceof NixAttrs) return v;
  throw typeMismatch('a set', v, frame, pos);
}

// ---------------------------------------------------------------------------------------------
// Checks of a value already forced, the line on the type error (C++ Nix's forceX after their
// forceValue), and forceStringNoCtxAt, which forces first.

export function listCtx(v: Value, ctx: string, pos?: SourcePos): Value[] {
  if (Array.isArray(v)) return v;
  throw typeError('a list', v).addTrace(ctx, pos);
}

export function attrsCtx(v: Value, ctx: string): NixAttrs {
  if (v instanceof NixAttrs) return v;
  throw typeError('a set', v).addTrace(ctx);
}

export function functionCtx(v: Value, ctx: string): Value {
  if (v instanceof Closure || v instanceof Builtin || (v instanceof NixAttrs && v.has('__functor'))) return v;
  throw typeError('a function', v).addTrace(ctx);
}

export function boolCtx(v: Value, ctx: string): boolean {
  if (typeof v === 'boolean') return v;
  throw typeError('a Boolean', v).addTrace(ctx);
}

export function intCtx(v: Value, ctx: string): NixInt {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  throw typeError('an integer', v).addTrace(ctx);
}

/**
 * C++ Nix's forceStringNoCtx: a string without context (attribute names and the like).
 * `pos`, where the value was defined (an attribute's position), goes to the context line
 * and, for a value of the wrong type, to the error itself, as forceStringNoCtx given a
 * position does (primops themselves are called without one).
 */
export function stringNoCtx(v: Value, ctx: string, pos?: SourcePos): string {
  if (typeof v === 'string') return v;
  if (v instanceof NixString) {
    if (v.context.size === 0) return v.s;
    throw contextNotAllowed(v.s, v.context).addTrace(ctx, pos);
  }
  const e = typeError('a string', v).addTrace(ctx, pos);
  e.pos = pos;
  throw e;
}

/**
 * forceStringNoCtx as stringNoCtx checks the value (its type error at `pos` too, as C++ Nix's
 * atPos(pos), as forceStringNoCtx above).
 */
export function* forceStringNoCtxAt(v: Value, ctx: string, pos?: SourcePos): Gen<string> {
  return stringNoCtx(yield* forceTraced(v, ctx, pos), ctx, pos);
}

/** forceStringNoCtxAt for a direct version (BuiltinSpec.direct). */
export function forceStringNoCtxDirect(ev: DirectEval, v: Value, ctx: string): string {
  return stringNoCtx(forceTracedDirect(ev, v, ctx), ctx);
}
