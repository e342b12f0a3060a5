// Shared helpers for builtins: argument type checks with C++ Nix's messages, and small
// constructors. Every builtin family uses these rather than checking types itself.

import { NixError } from '../errors/errors.js';
import type { NixInt } from '../value/int.js';
import {
  Builtin, type BuiltinImpl, type BuiltinSpec, Closure, type DirectImpl, NixAttrs, NixFloat, NixPath, NixString, showType, type Value,
} from '../value/values.js';
import { printForError } from '../value/print.js';

export interface BuiltinOptions {
  /** Arguments the builtin forces itself (see BuiltinSpec.lazy). */
  lazy?: number[];
  /** See BuiltinSpec.forceCtx. */
  forceCtx?: (string | undefined)[];
  doc?: string;
  noCallTrace?: boolean;
  /** Its plain-function version for the compiled tier (see BuiltinSpec.direct). */
  direct?: DirectImpl;
  /** See BuiltinSpec.quick1. */
  quick1?: (arg: Value) => Value | undefined;
  /** See BuiltinSpec.quick2. */
  quick2?: (a: Value, b: Value) => Value | undefined;
  /** See BuiltinSpec.experimentalFeature. */
  experimentalFeature?: string;
}

export function defineBuiltin(name: string, arity: number, impl: BuiltinImpl, opts: BuiltinOptions = {}): BuiltinSpec {
  return {
    name, arity, impl, lazy: opts.lazy, forceCtx: opts.forceCtx, doc: opts.doc, noCallTrace: opts.noCallTrace, direct: opts.direct,
    quick1: opts.quick1, quick2: opts.quick2, experimentalFeature: opts.experimentalFeature,
  };
}

export function typeError(expected: string, v: Value): NixError {
  const e = new NixError('type', `expected ${expected} but found ${showType(v)}: ${printForError(v)}`);
  e.value = v;
  return e;
}

export function expectInt(v: Value): NixInt {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  throw typeError('an integer', v);
}

export function expectBool(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  throw typeError('a Boolean', v);
}

export function expectList(v: Value): Value[] {
  if (Array.isArray(v)) return v;
  throw typeError('a list', v);
}

export function expectAttrs(v: Value): NixAttrs {
  if (v instanceof NixAttrs) return v;
  throw typeError('a set', v);
}

export function expectFunction(v: Value): Value {
  if (v instanceof Closure || v instanceof Builtin || (v instanceof NixAttrs && v.has('__functor'))) return v;
  throw typeError('a function', v);
}

/** A string value (no coercion): its bytes and context. */
export function expectString(v: Value): { s: string; context: ReadonlySet<string> | undefined } {
  if (typeof v === 'string') return { s: v, context: undefined };
  if (v instanceof NixString) return { s: v.s, context: v.context };
  throw typeError('a string', v);
}

export function expectNumber(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof NixFloat) return v.value;
  throw typeError('a float', v);
}

export function isFloat(v: Value): v is NixFloat {
  return v instanceof NixFloat;
}

export function isPath(v: Value): v is NixPath {
  return v instanceof NixPath;
}

export function attrsOf(entries: [string, Value][]): NixAttrs {
  return NixAttrs.fromMap(new Map(entries));
}

export function evalError(message: string): NixError {
  return new NixError('eval', message);
}
