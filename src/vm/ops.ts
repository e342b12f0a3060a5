// The operators' semantics: equality, ordering, `+` and interpolation, `//`. Each has a
// fast path for already-forced simple values and a generator for the general case, which
// forces what it needs through the VM and walks nested data with an explicit stack.

import { NixError, type SourcePos } from '../errors/errors.js';
import { addInt, compareInt, IntegerOverflow, type NixInt } from '../value/int.js';
import {
  force, NixAttrs, Thunk, updateAttrs, NixFloat, NixPath, NixString, type Request, showType, typeOf,
  type Value, isString, stringOf, makeString,
} from '../value/values.js';
import { printForError } from '../value/print.js';
import { type Coerced, coerceToString } from '../value/coerce.js';
import { canonicalisePath } from '../syntax/paths.js';
import { reserveAttrs, reserveString, tick } from '../limits/limits.js';
import type { ConcatLayout } from '../compiler/chunk.js';

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

/**
 * Equality of forced values where nothing more needs forcing: scalars of any types, and lists
 * or sets that their kinds or sizes tell apart (or both empty); undefined when it needs the
 * general algorithm (equalValuesGen), whose answer this must always be.
 */
export function quickEqual(a: Value, b: Value): boolean | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (a instanceof Thunk || b instanceof Thunk) return undefined;
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return false;
    return a.length !== b.length ? false : a.length === 0 ? true : undefined;
  }
  if (a instanceof NixAttrs) {
    if (!(b instanceof NixAttrs)) return false;
    if (a.size === 0 && b.size === 0) return true;
    // A set without `type` is no derivation, so no outPath is compared: the sizes decide
    // first. (With one, `type` must be forced first, as C++ Nix does, even if that fails.)
    if (a.size !== b.size && !a.has('type')) return false;
    return undefined;
  }
  if (Array.isArray(b) || b instanceof NixAttrs) return false;
  // Numbers (ints and floats compare by value), strings (context aside), paths, functions (never equal).
  return equalScalars(a, b);
}

function numericValue(v: Value): number | bigint | undefined {
  if (isInt(v)) return v;
  if (v instanceof NixFloat) return v.value;
  return undefined;
}

/** A list or set whose elements are being compared pairwise. */
type EqFrame =
  | { kind: 'list'; a: Value[]; b: Value[]; i: number }
  | { kind: 'attrs'; a: NixAttrs; b: NixAttrs; keysA: readonly string[]; keysB: readonly string[]; i: number };

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
  const walk = new EqualityWalk(a0, b0, placesAtTop);
  for (;;) {
    const r = walk.step();
    if (typeof r === 'boolean') return r;
    yield r;
  }
}

/**
 * equalGen or equalPlacesGen without a generator: `forceThunk` forces each thunk the
 * comparison needs (and throws what forcing it throws).
 */
export function equalValues(a: Value, b: Value, places: boolean, forceThunk: (t: Thunk) => unknown): boolean {
  const walk = new EqualityWalk(a, b, places);
  for (;;) {
    const r = walk.step();
    if (typeof r === 'boolean') return r;
    forceThunk(r);
  }
}

/** The value of a place, or the thunk still to force for it (pending, under evaluation or failed). */
function whnf(v: Value): Value {
  return v instanceof Thunk && v.code === null ? v.value! : v;
}

/**
 * The comparison of equalValuesGen as steps: each step goes on until it has the answer or
 * meets a thunk to force, which it returns; once that thunk is forced, the next step takes
 * up where this one stopped (the same pair, now with its value). So the generator version
 * and the direct one force the same thunks in the same order.
 */
class EqualityWalk {
  // Nested lists and sets are walked with an explicit stack, element by element in C++
  // Nix's order (for sets: name, then value, attribute after attribute), stopping at the
  // first difference.
  private readonly frames: EqFrame[] = [];

  constructor(private ra: Value, private rb: Value, private places: boolean) {}

  step(): boolean | Thunk {
    for (;;) {
      tick();
      const a = whnf(this.ra);
      if (a instanceof Thunk) return a;
      const b = whnf(this.rb);
      if (b instanceof Thunk) return b;
      if (!(this.places && this.ra === this.rb)) {
        const q = quickEqual(a, b);
        if (q === false) return false;
        if (q === undefined) {
          if (Array.isArray(a) && Array.isArray(b)) {
            if (a.length !== b.length) return false;
            if (a.length > 0) this.frames.push({ kind: 'list', a, b, i: 0 });
          } else if (a instanceof NixAttrs && b instanceof NixAttrs) {
            // Derivations compare by outPath: `type` is forced on the left, then (if that is
            // a derivation) on the right.
            const da = isDerivation(a);
            if (da instanceof Thunk) return da;
            const db = da ? isDerivation(b) : false;
            if (db instanceof Thunk) return db;
            if (da && db) {
              const oa = a.get('outPath');
              const ob = b.get('outPath');
              if (oa !== undefined && ob !== undefined) {
                this.ra = oa;
                this.rb = ob;
                this.places = true;
                continue;
              }
            }
            if (a.size !== b.size) return false;
            if (a.size > 0) this.frames.push({ kind: 'attrs', a, b, keysA: a.symbolKeys(), keysB: b.symbolKeys(), i: 0 });
          } else if (!equalScalars(a, b)) {
            return false;
          }
        }
      }
      // The next pair of elements, if any.
      for (;;) {
        const f = this.frames[this.frames.length - 1];
        if (f === undefined) return true;
        if (f.kind === 'list') {
          if (f.i === f.a.length) { this.frames.pop(); continue; }
          this.ra = f.a[f.i];
          this.rb = f.b[f.i];
        } else {
          if (f.i === f.keysA.length) { this.frames.pop(); continue; }
          const name = f.keysA[f.i];
          if (name !== f.keysB[f.i]) return false;
          this.ra = f.a.get(name)!;
          this.rb = f.b.get(name)!;
        }
        f.i++;
        this.places = true;
        break;
      }
    }
  }
}

/** Whether the set is a derivation (its `type` is "derivation"), or the thunk of `type` to force first. */
function isDerivation(v: NixAttrs): boolean | Thunk {
  const t = v.get('type');
  if (t === undefined) return false;
  const tv = whnf(t);
  if (tv instanceof Thunk) return tv;
  return isString(tv) && stringOf(tv) === 'derivation';
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
 * `a + b` and string interpolation, part by part as C++ Nix's ExprConcatStrings: the first
 * part decides whether this is arithmetic, path concatenation or string concatenation, and
 * each part is added (coerced, when it is not already a string) as soon as it is evaluated,
 * before the next one is. `positions` are where the parts start and `pos` where the whole
 * expression is: as in C++ Nix, a part that cannot be added is an error at that part, one
 * that cannot be coerced is "while evaluating a path segment" there (the error itself has no
 * position). Lives on the VM's value stack between the parts (see Op.ConcatPart).
 */
/** Whether `+` takes its first operand as it is (a string, number or path) rather than coercing it at once (Op.AddPrepare). */
export function addsAsIs(a: Value): boolean {
  return typeof a === 'string' || typeof a === 'number' || typeof a === 'bigint' || a instanceof NixString || a instanceof NixFloat || a instanceof NixPath;
}

export class Concatenation {
  private kind: 'int' | 'float' | 'path' | 'string' | undefined;
  private int: NixInt = 0;
  private float = 0;
  private s = '';
  private context: Set<string> | undefined;
  /** Paths are copied to the store only when the first part is a string (C++ Nix's firstType). */
  private copyToStore: boolean;

  constructor(forceString: boolean, private readonly positions: readonly SourcePos[] | undefined, private readonly pos: SourcePos | undefined) {
    this.kind = forceString ? 'string' : undefined;
    this.copyToStore = forceString;
  }

  /** Adds part i if that needs no evaluation; false if it must be coerced (see `add`). */
  tryAdd(v: Value, i: number): boolean {
    if (this.kind === undefined) {
      this.kind = isInt(v) ? 'int' : v instanceof NixFloat ? 'float' : v instanceof NixPath ? 'path' : 'string';
      this.copyToStore = isString(v);
    }
    switch (this.kind) {
      case 'int':
        if (isInt(v)) {
          try {
            this.int = addInt(this.int, v);
          } catch (e) {
            if (e instanceof IntegerOverflow) throw new NixError('eval', e.message, this.positions?.[i]);
            throw e;
          }
          return true;
        }
        if (v instanceof NixFloat) {
          this.kind = 'float';
          this.float = Number(this.int) + v.value;
          return true;
        }
        throw new NixError('type', `cannot add ${showType(v)} to an integer`, this.positions?.[i]);
      case 'float':
        if (isInt(v)) { this.float += Number(v); return true; }
        if (v instanceof NixFloat) { this.float += v.value; return true; }
        throw new NixError('type', `cannot add ${showType(v)} to a float`, this.positions?.[i]);
      default:
        if (typeof v === 'string') { this.append(v); return true; }
        if (v instanceof NixString) { this.append(v.s); this.addContext(v.context); return true; }
        if (v instanceof NixPath && !this.copyToStore) { this.append(v.path); return true; }
        return false;
    }
  }

  /** Adds part i, coercing it to a string if need be. */
  *add(v: Value, i: number): Gen<Concatenation> {
    if (this.tryAdd(v, i)) return this;
    // Only the coercion's own failure is "while evaluating a path segment" (C++ Nix's errorCtx);
    // errors from `__toString` or `outPath` carry their own frames.
    const r: Coerced = yield* coerceToString(v, {
      coerceMore: false, copyToStore: this.copyToStore,
      errorCtx: { message: 'while evaluating a path segment', pos: this.positions?.[i] },
    });
    this.append(r.s);
    this.addContext(r.context);
    return this;
  }

  /** Appends text, within the evaluation's memory budget. */
  private append(text: string): void {
    reserveString(this.s.length + text.length, text.length);
    this.s += text;
  }

  private addContext(context: ReadonlySet<string> | undefined): void {
    if (context === undefined || context.size === 0) return;
    this.context ??= new Set();
    for (const c of context) this.context.add(c);
  }

  /** The value once every part is added. A path stays a path, canonical, and without context. */
  result(): Value {
    switch (this.kind) {
      case 'int': return this.int;
      case 'float': return new NixFloat(this.float);
      case 'path':
        if (this.context) throw new NixError('eval', 'a string that refers to a store path cannot be appended to a path', this.pos);
        return new NixPath(canonicalisePath(this.s));
      default:
        return makeString(this.s, this.context);
    }
  }
}

/**
 * Op.Add as far as it goes without evaluation: `a` is the first operand, or the concatenation
 * Op.AddPrepare started with it. Returns the sum, or the concatenation `b` is still to be
 * added to by coercing it (`concatPartGen(c, b, 1, true)`).
 */
export function addOperands(a: Value | Concatenation, b: Value, layout: ConcatLayout): Value | Concatenation {
  let c: Concatenation;
  if (a instanceof Concatenation) {
    c = a;
  } else {
    let quick: Value | undefined;
    try {
      quick = quickAdd(a, b);
    } catch (e) {
      if (e instanceof IntegerOverflow) throw new NixError('eval', e.message, layout.pos);
      throw e;
    }
    if (quick !== undefined) return quick;
    c = new Concatenation(false, layout.positions, layout.pos);
    c.tryAdd(a, 0);
  }
  return c.tryAdd(b, 1) ? c.result() : c;
}

/**
 * Adds part i to a concatenation through the VM (when it needs coercing), then finishes it if
 * `last`; otherwise the concatenation itself goes back on the value stack for the next part.
 */
export function* concatPartGen(c: Concatenation, v: Value, i: number, last: boolean): Gen {
  yield* c.add(v, i);
  return last ? c.result() : c as unknown as Value;
}

/** `a // b`: b's attributes override a's. */
export function update(a: NixAttrs, b: NixAttrs): NixAttrs {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  reserveAttrs(a.size + b.size);
  return updateAttrs(a, b);
}

