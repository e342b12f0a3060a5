// Coercion to string, as C++ Nix's coerceToString: strings as they are, paths as their text
// (or copied to the store when interpolated: the store path is computed through the
// evaluation's EvalIO, see store/add-path.ts), sets through `__toString` or `outPath`, and
// with `coerceMore` (toString) also numbers, Booleans, null and lists.

import { NixError, type SourcePos } from '../errors/errors.js';
import { formatFixed } from './float.js';
import {
  Builtin, type BuiltinSpec, CallRequest, Closure, force, NixAttrs, NixFloat, NixPath, NixString, type Request, showType, type Value,
} from './values.js';
import { copyPathToStore as storeCopyPathToStore } from '../store/add-path.js';
import { printForError } from './print.js';
import { intToString } from './int.js';
import { pathAbs } from '../io/corepkgs.js';
import { reserveString, tick } from '../limits/limits.js';
import { MAX_CALL_DEPTH, stackOverflow } from './depth.js';

export interface CoerceOptions {
  coerceMore: boolean;
  copyToStore: boolean;
  /**
   * C++ Nix's errorCtx: a frame ("while evaluating a path segment", with the segment's
   * position) added to a "cannot coerce" error, also when it is about what `__toString` gave.
   */
  errorCtx?: { message: string; pos?: SourcePos };
}

export interface Coerced {
  s: string;
  context: ReadonlySet<string> | undefined;
}

/**
 * What a failed copy hands back to the generator that asked for it, so that the error is
 * raised there, as part of the coercion, and not as an error of a builtin call.
 */
class CopyFailure {
  constructor(readonly error: unknown) {}
}

/**
 * The VM runs this builtin for a coercion that copies a path to the store: a builtin call is
 * how a generator reaches the evaluation's state (its EvalIO, its store), so the files are
 * read through the evaluation's sandbox. It is not bound to any name.
 */
const COPY_PATH_SPEC: BuiltinSpec = {
  name: 'copyPathToStore',
  arity: 1,
  impl: ([p], ctx) => {
    try {
      const storePath = storeCopyPathToStore(ctx.state, (p as NixPath).path);
      return new NixString(storePath, new Set([storePath]));
    } catch (e) {
      return new CopyFailure(e) as unknown as Value;
    }
  },
};
const COPY_PATH = new Builtin(COPY_PATH_SPEC);

/**
 * A path as it is interpolated into a string: "copied" to the store (its store path is
 * computed; nothing is written), the string's context being that store path.
 */
export function* copyPathToStore(path: string): Generator<Request, Coerced, Value> {
  const r = yield new CallRequest(COPY_PATH, [new NixPath(path)]);
  if (r instanceof CopyFailure) throw r.error;
  const s = r as NixString;
  return { s: s.s, context: s.context };
}

/**
 * Calls a set's `__toString` on the set, as C++ Nix does before coercing the result: errors
 * of the call are "while calling the `__toString` attribute", at the attribute. `depth`: the
 * calls in progress it is made with, when a deep walker counts them (value/depth.ts; else the
 * caller's).
 */
export function* callToString(set: NixAttrs, toString: Value, depth?: number): Generator<Request, Value, Value> {
  const pos = set.positions?.get('__toString');
  try {
    const f = yield* force(toString);
    if (!(f instanceof Closure || f instanceof Builtin || (f instanceof NixAttrs && f.has('__functor')))) {
      throw new NixError('type', `attempt to call something which is not a function but ${showType(f)}: ${printForError(f)}`, pos);
    }
    return yield* force(yield new CallRequest(f, [set], false, undefined, depth));
  } catch (e) {
    if (e instanceof NixError) e.addTrace('while calling the `__toString` attribute', pos);
    throw e;
  }
}

/** Forces a set's `outPath`: its errors are "while evaluating the `outPath` attribute", at the attribute. */
function* forceOutPath(set: NixAttrs, outPath: Value): Generator<Request, Value, Value> {
  try {
    return yield* force(outPath);
  } catch (e) {
    if (e instanceof NixError) e.addTrace('while evaluating the `outPath` attribute', set.positions?.get('outPath'));
    throw e;
  }
}

/** What a set stands for when coerced, and the attribute it came from. */
interface StandsFor {
  attr: '__toString' | 'outPath';
  value: Value;
}

/**
 * What a set stands for when coerced: the result of its `__toString` (called with the set) or
 * its `outPath`, with the attribute it came from; undefined for a set with neither.
 */
export function* coercibleAttr(set: NixAttrs): Generator<Request, StandsFor | undefined, Value> {
  const toString = set.get('__toString');
  if (toString !== undefined) return { attr: '__toString', value: yield* callToString(set, toString) };
  const outPath = set.get('outPath');
  if (outPath !== undefined) return { attr: 'outPath', value: yield* forceOutPath(set, outPath) };
  return undefined;
}

/**
 * C++ Nix's forceStringNoCtx refusing a string with a context: it names the first element
 * of the context (a set ordered by kind, plain paths first, then `=drv` deep references,
 * then `!out!drv` outputs, each by store path), shown as a derived path.
 */
export function contextNotAllowed(s: string, context: ReadonlySet<string>): NixError {
  const key = (c: string): string => {
    if (c[0] === '=') return '1' + baseName(c.slice(1));
    if (c[0] === '!') {
      const i = c.indexOf('!', 1);
      return '2' + baseName(c.slice(i + 1)) + '\0' + c.slice(1, i);
    }
    return '0' + baseName(c);
  };
  let first: string | undefined;
  for (const c of context) if (first === undefined || key(c) < key(first)) first = c;
  let shown = first ?? '';
  if (shown[0] === '=') shown = `${shown.slice(1)} (deep)`;
  else if (shown[0] === '!') {
    const i = shown.indexOf('!', 1);
    shown = `${shown.slice(i + 1)}^${shown.slice(1, i)}`;
  }
  return new NixError('eval', `the string '${s}' is not allowed to refer to a store path (such as '${shown}')`);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function cannotCoerce(v: Value, opts: CoerceOptions): NixError {
  const e = new NixError('type', `cannot coerce ${showType(v)} to a string: ${printForError(v)}`);
  if (opts.errorCtx) e.addTrace(opts.errorCtx.message, opts.errorCtx.pos);
  return e;
}

export function* coerceToString(v0: Value, opts: CoerceOptions): Generator<Request, Coerced, Value> {
  const v = yield* force(v0);
  if (typeof v === 'string') return { s: v, context: undefined };
  if (v instanceof NixString) return { s: v.s, context: v.context };
  if (v instanceof NixPath) return opts.copyToStore ? yield* copyPathToStore(v.path) : { s: pathAbs(v.path), context: undefined };
  if (v instanceof NixAttrs) {
    // What the set stands for is coerced in turn, with the same options (a path from
    // `__toString` is copied to the store by interpolation, and stays a path string for toString).
    const peeled = yield* coercePeeled(v, (u) => coerceToString(u, opts));
    if (peeled !== undefined) return peeled;
  }
  if (opts.coerceMore) {
    if (v === true) return { s: '1', context: undefined };
    if (v === false || v === null) return { s: '', context: undefined };
    if (typeof v === 'number' || typeof v === 'bigint') return { s: intToString(v), context: undefined };
    if (v instanceof NixFloat) return { s: formatFixed(v.value), context: undefined };
    if (Array.isArray(v)) {
      // Each element is coerced as "one element of the list"; whatever goes wrong with it,
      // its forcing included, is also an error of the list's coercion (C++ Nix's errorCtx).
      const elementOpts: CoerceOptions = { ...opts, errorCtx: { message: 'while evaluating one element of the list', pos: opts.errorCtx?.pos } };
      let s = '';
      let context: Set<string> | undefined;
      for (let i = 0; i < v.length; i++) {
        let e: Value;
        let r: Coerced;
        try {
          e = yield* force(v[i]);
          r = yield* coerceToString(e, elementOpts);
        } catch (err) {
          if (err instanceof NixError && opts.errorCtx) err.addTrace(opts.errorCtx.message, opts.errorCtx.pos);
          throw err;
        }
        tick();
        reserveString(s.length + r.s.length + 1, r.s.length + 1);
        s += r.s;
        if (r.context && r.context.size > 0) {
          context ??= new Set();
          for (const c of r.context) context.add(c);
        }
        // C++ Nix adds no separator after an empty list element.
        if (i < v.length - 1 && !(Array.isArray(e) && e.length === 0)) s += ' ';
      }
      return { s, context };
    }
  }
  throw cannotCoerce(v, opts);
}

/**
 * A set that stands for something when coerced (its `__toString`'s result or its `outPath`)
 * coerced as that, by `coerce` (coerceToString or a builtin's coerceToPath, with the same
 * options); undefined for a set that stands for nothing. A chain of such sets is followed in a
 * loop, not by nesting generators (whose every step would pass through all the levels above
 * it); each level counts against max-call-depth as in C++ Nix's peelToStringOutPath, so a set
 * whose `__toString` gives the set itself ends with its stack overflow error. An error gets each
 * level's "while using" line, innermost first.
 */
export function* coercePeeled<T>(
  set: NixAttrs, coerce: (v: Value) => Generator<Request, T, Value>,
): Generator<Request, T | undefined, Value> {
  const levels: { set: NixAttrs; attr: '__toString' | 'outPath' }[] = [];
  try {
    let v: Value = set;
    while (v instanceof NixAttrs) {
      const inner: StandsFor | undefined = yield* coercibleAttr(v);
      if (inner === undefined) break;
      if (levels.length >= MAX_CALL_DEPTH) throw stackOverflow(v.positions?.get(inner.attr));
      levels.push({ set: v, attr: inner.attr });
      v = inner.value;
    }
    // The last value (a set standing for nothing among them) is coerced as any other.
    return levels.length === 0 ? undefined : yield* coerce(v);
  } catch (e) {
    if (e instanceof NixError) for (let i = levels.length - 1; i >= 0; i--) usingLine(e, levels[i].set, levels[i].attr);
    throw e;
  }
}

function usingLine(e: NixError, set: NixAttrs, attr: '__toString' | 'outPath'): void {
  e.addTrace(attr === 'outPath' ? 'while using the `outPath` attribute' : 'while using the result of the `__toString` attribute', set.positions?.get(attr));
}
