// The operators' semantics: equality, ordering, `+` and interpolation, `//`. Each has a
// fast path for already-forced simple values and a generator for the general case, which
// forces what it needs through the VM and walks nested data with an explicit stack.

import { NixError, type SourcePos } from '../errors/errors.js';
import { addInt, compareInt, IntegerOverflow, type NixInt } from '../value/int.js';
import {
  Builtin, Closure, force, LayeredPositions, NixAttrs, NixFloat, NixPath, NixString, type Request, showType,
  type Value, isString, stringOf, makeString,
} from '../value/values.js';
import { printForError } from '../value/print.js';
import { type Coerced, coerceToString } from '../value/coerce.js';
import { canonicalisePath } from '../syntax/paths.js';
import { OBJECT_BYTES, reserveAttrs, reserveList, reserveString, tick } from '../limits/limits.js';

type Gen<T = Value> = Generator<Request, T, Value>;

function isInt(v: Value): v is NixInt {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** The name of a dynamic attribute: a string (context is dropped). */
export function attrName(v: Value, _context: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof NixString) return v.s;
  throw new NixError('type', `expected a string but found ${showType(v)}: ${printForError(v)}`);
}

/** Equality of forced simple values; undefined when it needs the general algorithm. */
export function quickEqual(a: Value, b: Value): boolean | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  return undefined;
}

function numericValue(v: Value): number | bigint | undefined {
  if (isInt(v)) return v;
  if (v instanceof NixFloat) return v.value;
  return undefined;
}

function isDerivation(v: NixAttrs): Gen<boolean> {
  return (function* () {
    const t = v.get('type');
    if (t === undefined) return false;
    const tv = yield* force(t);
    return isString(tv) && stringOf(tv) === 'derivation';
  })();
}

/**
 * Deep equality with Nix's rules: ints and floats compare numerically, strings ignore their
 * context, functions are never equal, derivations compare by outPath, and two references to
 * the very same element of a list or set are equal without being forced.
 */
export function* equalGen(a0: Value, b0: Value): Gen<boolean> {
  // The operands themselves are compared by value (so `f == f` is false for a function);
  // elements of lists and sets are first compared by identity, as C++ Nix compares the
  // pointers to them.
  const work: [Value, Value][] = [];
  let ra: Value = a0;
  let rb: Value = b0;
  for (let first = true; ; first = false) {
    if (!first) {
      if (work.length === 0) break;
      [ra, rb] = work.pop()!;
      tick();
      if (ra === rb && typeof ra === 'object' && ra !== null) continue;
    }
    const a = yield* force(ra);
    const b = yield* force(rb);
    const q = quickEqual(a, b);
    if (q !== undefined) { if (!q) return false; continue; }
    const na = numericValue(a);
    const nb = numericValue(b);
    if (na !== undefined && nb !== undefined) {
      if (typeof na === 'bigint' || typeof nb === 'bigint') {
        if (!(isInt(a) && isInt(b) ? compareInt(a, b) === 0 : Number(na) === Number(nb))) return false;
      } else if (na !== nb) return false;
      continue;
    }
    if (isString(a) && isString(b)) { if (stringOf(a) !== stringOf(b)) return false; continue; }
    if (a instanceof NixPath && b instanceof NixPath) { if (a.path !== b.path) return false; continue; }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) return false;
      reserveList(a.length, OBJECT_BYTES);
      for (let i = a.length - 1; i >= 0; i--) work.push([a[i], b[i]]);
      continue;
    }
    if (a instanceof NixAttrs && b instanceof NixAttrs) {
      if (a === b) continue;
      if ((yield* isDerivation(a)) && (yield* isDerivation(b))) {
        const oa = a.get('outPath');
        const ob = b.get('outPath');
        if (oa !== undefined && ob !== undefined) { work.push([oa, ob]); continue; }
      }
      if (a.size !== b.size) return false;
      const ka = a.keys();
      const kb = b.keys();
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return false;
      reserveList(ka.length, OBJECT_BYTES);
      for (let i = ka.length - 1; i >= 0; i--) work.push([a.get(ka[i])!, b.get(ka[i])!]);
      continue;
    }
    if (a instanceof Closure || a instanceof Builtin || b instanceof Closure || b instanceof Builtin) return false;
    return false;
  }
  return true;
}

/** `a < b` for numbers, strings, paths and lists (lexicographically). */
export function* lessThanGen(a0: Value, b0: Value): Gen<boolean> {
  let a = a0;
  let b = b0;
  for (;;) {
    a = yield* force(a);
    b = yield* force(b);
    const na = numericValue(a);
    const nb = numericValue(b);
    if (na !== undefined && nb !== undefined) {
      if (isInt(a) && isInt(b)) return compareInt(a, b) < 0;
      return Number(na) < Number(nb);
    }
    if (isString(a) && isString(b)) return stringOf(a) < stringOf(b);
    if (a instanceof NixPath && b instanceof NixPath) return a.path < b.path;
    if (Array.isArray(a) && Array.isArray(b)) {
      // Lexicographic: the first pair of elements that differ decides.
      let i = 0;
      for (; i < a.length && i < b.length; i++) {
        if (!(yield* equalGen(a[i], b[i]))) break;
      }
      if (i === a.length) return i < b.length;
      if (i === b.length) return false;
      try {
        return yield* lessThanGen(a[i], b[i]);
      } catch (e) {
        if (e instanceof NixError) e.addTrace('while comparing two list elements');
        throw e;
      }
    }
    if (showType(a) === showType(b)) {
      throw new NixError('type', `cannot compare ${showType(a)} with ${showType(b)}; values of that type are incomparable (values are ${printForError(a)} and ${printForError(b)})`);
    }
    throw new NixError('type', `cannot compare ${showType(a)} with ${showType(b)}; values are ${printForError(a)} and ${printForError(b)}`);
  }
}

/** `+` of two forced values when no coercion is involved. */
export function quickAdd(a: Value, b: Value): Value | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    return Number.isSafeInteger(r) ? r : addInt(a, b);
  }
  if (typeof a === 'string' && typeof b === 'string') {
    reserveString(a.length + b.length);
    return a + b;
  }
  if (isInt(a) && isInt(b)) return addInt(a, b);
  if (a instanceof NixFloat && b instanceof NixFloat) return new NixFloat(a.value + b.value);
  if (a instanceof NixFloat && isInt(b)) return new NixFloat(a.value + Number(b));
  if (isInt(a) && b instanceof NixFloat) return new NixFloat(Number(a) + b.value);
  return undefined;
}

/**
 * `a + b` in general and string interpolation (`forceString`): the first operand decides
 * whether this is arithmetic, path concatenation or string concatenation. `positions` are
 * where the operands start and `pos` where the whole expression is: as in C++ Nix, an
 * operand that cannot be added is an error at that operand, one that cannot be coerced is
 * "while evaluating a path segment" at that operand (the error itself has no position).
 */
export function* concatGen(parts: Value[], forceString: boolean, positions?: SourcePos[], pos?: SourcePos): Gen {
  const first = yield* force(parts[0]);
  if (!forceString && (isInt(first) || first instanceof NixFloat)) {
    let acc: Value = first;
    for (let i = 1; i < parts.length; i++) {
      const p = yield* force(parts[i]);
      let r: Value | undefined;
      try {
        r = quickAdd(acc, p);
      } catch (e) {
        if (e instanceof IntegerOverflow) throw new NixError('eval', e.message, positions?.[i]);
        throw e;
      }
      if (r === undefined) {
        throw new NixError('type', `cannot add ${showType(p)} to ${acc instanceof NixFloat ? 'a float' : 'an integer'}`, positions?.[i]);
      }
      acc = r;
    }
    return acc;
  }
  // A path stays a path: its parts are not copied to the store, and the result is canonical.
  const toPath = !forceString && first instanceof NixPath;
  let s = '';
  let context: Set<string> | undefined;
  for (let i = 0; i < parts.length; i++) {
    const p = i === 0 ? first : yield* force(parts[i]);
    if (typeof p === 'string') { reserveString(s.length + p.length); s += p; continue; }
    // Only the coercion's own failure is "while evaluating a path segment" (C++ Nix's errorCtx);
    // errors from `__toString` or `outPath` carry their own frames.
    const r: Coerced = yield* coerceToString(p, {
      coerceMore: false, copyToStore: !toPath,
      errorCtx: { message: 'while evaluating a path segment', pos: positions?.[i] },
    });
    reserveString(s.length + r.s.length);
    s += r.s;
    if (r.context && r.context.size > 0) {
      context ??= new Set();
      for (const c of r.context) context.add(c);
    }
  }
  if (toPath) {
    if (context) throw new NixError('eval', 'a string that refers to a store path cannot be appended to a path', pos);
    return new NixPath(canonicalisePath(s));
  }
  return makeString(s, context);
}

/** `a // b`: b's attributes override a's. */
export function update(a: NixAttrs, b: NixAttrs): NixAttrs {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  reserveAttrs(a.size + b.size);
  const map = new Map(a.map);
  for (const [k, v] of b.map) map.set(k, v);
  const positions = a.positions || b.positions ? new LayeredPositions(a.positions, b.positions, (n) => b.has(n)) : undefined;
  return new NixAttrs(map, positions);
}

