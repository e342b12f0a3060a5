// The operators' semantics: equality, ordering, `+` and interpolation, `//`. Each has a
// fast path for already-forced simple values and a generator for the general case, which
// forces what it needs through the VM and walks nested data with an explicit stack.

import { NixError, type SourcePos } from '../errors/errors.js';
import { addInt, compareInt, IntegerOverflow, type NixInt } from '../value/int.js';
import {
  force, LayeredPositions, NixAttrs, NixFloat, NixPath, NixString, type Request, showType, typeOf,
  type Value, isString, stringOf, makeString,
} from '../value/values.js';
import { printForError } from '../value/print.js';
import { type Coerced, coerceToString } from '../value/coerce.js';
import { canonicalisePath } from '../syntax/paths.js';

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

/** A list or set whose elements are being compared pairwise. */
type EqFrame =
  | { kind: 'list'; a: Value[]; b: Value[]; i: number }
  | { kind: 'attrs'; a: NixAttrs; b: NixAttrs; keysA: string[]; keysB: string[]; i: number };

/**
 * `a == b` with Nix's rules: ints and floats compare numerically, strings ignore their
 * context, functions are never equal, derivations compare by outPath. The operands
 * themselves are compared by value (so `f == f` is false for a function).
 */
export function equalGen(a: Value, b: Value): Gen<boolean> {
  return equalValuesGen(a, b, false);
}

/**
 * C++ Nix's eqValues on two places holding values (list elements, attribute values, the
 * arguments of `elem`): both are forced, then one and the same place is equal to itself
 * without looking at its value (so `[ f ] == [ f ]` is true for a function f, and a
 * derivation compared with itself is not asked for its outPath). A place is a thunk, or a
 * value stored directly (a closure, set, list...): the same thunk, or the same object, is
 * the same place.
 */
export function equalPlacesGen(a: Value, b: Value): Gen<boolean> {
  return equalValuesGen(a, b, true);
}

function* equalValuesGen(a0: Value, b0: Value, placesAtTop: boolean): Gen<boolean> {
  // Nested lists and sets are walked with an explicit stack, element by element in C++
  // Nix's order (for sets: name, then value, attribute after attribute), stopping at the
  // first difference.
  const frames: EqFrame[] = [];
  let ra = a0;
  let rb = b0;
  let places = placesAtTop;
  for (;;) {
    const a = yield* force(ra);
    const b = yield* force(rb);
    if (!(places && ra === rb)) {
      const q = quickEqual(a, b);
      if (q === false) return false;
      if (q === undefined) {
        if (Array.isArray(a) && Array.isArray(b)) {
          if (a.length !== b.length) return false;
          if (a.length > 0) frames.push({ kind: 'list', a, b, i: 0 });
        } else if (a instanceof NixAttrs && b instanceof NixAttrs) {
          if ((yield* isDerivation(a)) && (yield* isDerivation(b))) {
            const oa = a.get('outPath');
            const ob = b.get('outPath');
            if (oa !== undefined && ob !== undefined) {
              ra = oa;
              rb = ob;
              places = true;
              continue;
            }
          }
          if (a.size !== b.size) return false;
          if (a.size > 0) frames.push({ kind: 'attrs', a, b, keysA: a.keys(), keysB: b.keys(), i: 0 });
        } else if (!equalScalars(a, b)) {
          return false;
        }
      }
    }
    // The next pair of elements, if any.
    for (;;) {
      const f = frames[frames.length - 1];
      if (f === undefined) return true;
      if (f.kind === 'list') {
        if (f.i === f.a.length) { frames.pop(); continue; }
        ra = f.a[f.i];
        rb = f.b[f.i];
      } else {
        if (f.i === f.keysA.length) { frames.pop(); continue; }
        const name = f.keysA[f.i];
        if (name !== f.keysB[f.i]) return false;
        ra = f.a.get(name)!;
        rb = f.b.get(name)!;
      }
      f.i++;
      places = true;
      break;
    }
  }
}

/** Equality of forced values that are neither lists nor sets (functions are never equal). */
function equalScalars(a: Value, b: Value): boolean {
  const na = numericValue(a);
  const nb = numericValue(b);
  if (na !== undefined && nb !== undefined) {
    if (typeof na === 'bigint' || typeof nb === 'bigint') {
      return isInt(a) && isInt(b) ? compareInt(a, b) === 0 : Number(na) === Number(nb);
    }
    return na === nb;
  }
  if (isString(a) && isString(b)) return stringOf(a) === stringOf(b);
  if (a instanceof NixPath && b instanceof NixPath) return a.path === b.path;
  return false;
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
        if (!(yield* equalPlacesGen(a[i], b[i]))) break;
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
    // Same type (all functions are one type), or ints and floats: "incomparable".
    if (typeOf(a) === typeOf(b)) {
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
  if (typeof a === 'string' && typeof b === 'string') return a + b;
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
    if (typeof p === 'string') { s += p; continue; }
    // Only the coercion's own failure is "while evaluating a path segment" (C++ Nix's errorCtx);
    // errors from `__toString` or `outPath` carry their own frames.
    const r: Coerced = yield* coerceToString(p, {
      coerceMore: false, copyToStore: !toPath,
      errorCtx: { message: 'while evaluating a path segment', pos: positions?.[i] },
    });
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
  const map = new Map(a.map);
  for (const [k, v] of b.map) map.set(k, v);
  const positions = a.positions || b.positions ? new LayeredPositions(a.positions, b.positions, (n) => b.has(n)) : undefined;
  return new NixAttrs(map, positions);
}

