// Argument handling shared by the string builtins: bodies written as generators that force
// their lazy arguments in C++ Nix's order, and the coercion helpers that add C++ Nix's
// "while evaluating the first argument passed to builtins.x" frames (the forcing helpers are
// force-args.ts's).

import { NixError } from '../errors/errors.js';
import { type NixInt } from '../value/int.js';
import { type BuiltinSpec, type DirectImpl, NixString, type Request, Thunk, type Value } from '../value/values.js';
import { coerceToString, type Coerced, type CoerceOptions } from '../value/coerce.js';
import { defineBuiltin } from './util.js';
import { forceTracedDirect, type Gen } from './force-args.js';

export type { Gen } from './force-args.js';

// ---------------------------------------------------------------------------------------------
// Running generator bodies

/**
 * Runs a builtin body. If it needs nothing from the VM it finishes here and its value is
 * returned; otherwise the VM gets a generator that carries on where it stopped.
 */
export function run(g: Gen): Value | Gen {
  const r = g.next();
  return r.done ? r.value : resume(g, r.value);
}

function* resume(g: Gen, first: Request): Gen {
  let req = first;
  for (;;) {
    let v: Value = null;
    let failed = false;
    let err: unknown;
    try {
      v = yield req;
    } catch (e) {
      failed = true;
      err = e;
    }
    const r = failed ? g.throw(err) : g.next(v);
    if (r.done) return r.value;
    req = r.value;
  }
}

/**
 * A builtin whose arguments are all lazy and whose body is a generator. `fast`, if given,
 * handles the common case (arguments already values of the right types) without a generator,
 * and returns undefined to leave the rest to `body`. In the compiled tier the body is driven
 * there and then (the requests answered directly), without the generator that hands the
 * rest of it to the VM. `direct`, if given, is the compiled tier's version instead (forcing as
 * `body` does); a body of one argument must force it before anything else, and `argFrame` is
 * the line its forceX (force-args.ts) gives an error raised while forcing it, if any.
 */
export function lazyBuiltin(
  name: string, arity: number, body: (args: Value[]) => Gen, fast?: (args: Value[]) => Value | undefined,
  direct?: DirectImpl, argFrame?: string,
): BuiltinSpec {
  const lazy = Array.from({ length: arity }, (_, i) => i);
  const impl = fast === undefined
    ? (args: Value[]) => run(body(args))
    : (args: Value[]) => {
      const r = fast(args);
      return r !== undefined ? r : run(body(args));
    };
  if (direct === undefined && arity === 1) {
    // Every body of one argument forces it first, and most need nothing more: no generator
    // when the forced value is what the common case takes.
    direct = (args, _ctx, ev) => {
      const forced = [argFrame === undefined ? ev.force(args[0]) : forceTracedDirect(ev, args[0], argFrame)];
      const r = fast?.(forced);
      return r !== undefined ? r : ev.drive(body(forced));
    };
  }
  direct ??= fast === undefined
    ? (args, _ctx, ev) => ev.drive(body(args))
    : (args, _ctx, ev) => {
      const r = fast(args);
      return r !== undefined ? r : ev.drive(body(args));
    };
  return defineBuiltin(name, arity, impl, { lazy, direct });
}

// ---------------------------------------------------------------------------------------------
// Arguments that are already values: checked without a generator. Each returns undefined
// when the argument still has to be forced, or is not of the type (the generator version
// then forces it and reports the error).

/** A thunk not yet evaluated: `isPending(x) ? yield x : x` forces it without a generator. */
export function isPending(v: Value): v is Thunk {
  return v instanceof Thunk && v.code !== null;
}

export function asString(v: Value): Coerced | undefined {
  if (typeof v === 'string') return { s: v, context: undefined };
  if (v instanceof NixString) return { s: v.s, context: v.context };
  if (v instanceof Thunk && v.code === null) return asString(v.value!);
  return undefined;
}

export function asInt(v: Value): NixInt | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof Thunk && v.code === null) return asInt(v.value!);
  return undefined;
}

/** A string without context. */
export function asPlainString(v: Value): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof NixString && v.context.size === 0) return v.s;
  if (v instanceof Thunk && v.code === null) return asPlainString(v.value!);
  return undefined;
}

export function asList(v: Value): Value[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof Thunk && v.code === null) return asList(v.value!);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Forcing arguments, with C++ Nix's error frames

// The forcing helpers are C++ Nix's forceX, shared by every builtin family (force-args.ts).
export {
  forceAttrs, forceBool, forceFunction, forceInt, forceList, forceString, forceStringNoCtx, forceTraced, forceTracedDirect,
  typeMismatch, withFrame,
} from './force-args.js';

export const COERCE: CoerceOptions = { coerceMore: false, copyToStore: true };
export const COERCE_NO_COPY: CoerceOptions = { coerceMore: false, copyToStore: false };

/**
 * `coerceToString` with an error frame: C++ Nix's errorCtx, added to the coercion's own
 * failures ("cannot coerce ..."), not to errors from evaluating what is coerced.
 */
export function* coerceArg(v: Value, frame: string, opts: CoerceOptions = COERCE): Gen<Coerced> {
  return yield* coerceToString(v, { ...opts, errorCtx: { message: frame } });
}

export function evalError(message: string): NixError {
  return new NixError('eval', message);
}

export function unionContext(into: Set<string> | undefined, add: ReadonlySet<string> | undefined): Set<string> | undefined {
  if (add === undefined || add.size === 0) return into;
  into ??= new Set();
  for (const c of add) into.add(c);
  return into;
}

