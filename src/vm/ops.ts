// The operators' semantics: equality, ordering, `+` and interpolation, `//`. Each has a
// fast path for already-forced simple values and a generator for the general case, which
// forces what it needs through the VM and walks nested data with an explicit stack.

import { NixError, type SourcePos } from '../errors/errors.js';
import { addInt, compareInt, IntegerOverflow, type NixInt } from '../value/int.js';
import {
  type AttrShape, force, NixAttrs, Thunk, updateAttrs, NixFloat, NixPath, NixString, type Request, showType, typeOf,
  type Value, isString, stringOf, makeString,
} from '../value/values.js';
import { printForError } from '../value/print.js';
import { type Coerced, coerceToString } from '../value/coerce.js';
import { canonicalisePath } from '../syntax/paths.js';
import { reserveAttrs, reserveString, tick } from '../limits/limits.js';
import type { ConcatLayout } from '../compiler/chunk.js';
import { count, Counter, STATS_ON } from '../value/stats.js';
import { checkDeferredCall, type DepthCount, forceAtDepth, MAX_NESTING, stackOverflow } from '../value/depth.js';

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
  | { kind: 'list'; a: Value[]; b: Value[]; i: number; level: number }
  | { kind: 'attrs'; a: NixAttrs; b: NixAttrs; keysA: readonly string[]; keysB: readonly string[]; i: number; level: number };

/**
 * `a == b` with Nix's rules: ints and floats compare numerically, strings ignore their
 * context, functions are never equal, derivations compare by outPath. The operands
 * themselves are compared by value (so `f == f` is false for a function).
 */
export function equalGen(a: Value, b: Value, count?: DepthCount, pos?: SourcePos): Gen<boolean> {
  return equalValuesGen(a, b, false, count, pos);
}

/**
 * C++ Nix's eqValues on two places holding values (list elements, attribute values, the
 * arguments of `elem`): both are forced, then one and the same place is equal to itself
 * without looking at its value (so `[ f ] == [ f ]` is true for a function f, and a
 * derivation compared with itself is not asked for its outPath). A place is a thunk, or a
 * value stored directly (a closure, set, list...): the same thunk, or the same object, is
 * the same place. With `count`, C++ Nix's callDepth where the builtin calls eqValues
 * (`elem`'s, `lessThan`'s: its own call's) and the max-call-depth, as in equalValuesGen; a
 * stack overflow there has no position (C++ Nix's noPos).
 */
export function equalPlacesGen(a: Value, b: Value, count?: DepthCount): Gen<boolean> {
  return equalValuesGen(a, b, true, count);
}

/**
 * With `count` (an explicit max-call-depth: value/depth.ts), each pair compared counts one
 * level against it, as C++ Nix's recursive eqValues does, and thunks are forced at its depth.
 */
function* equalValuesGen(a0: Value, b0: Value, placesAtTop: boolean, count?: DepthCount, pos?: SourcePos): Gen<boolean> {
  const walk = new EqualityWalk(a0, b0, placesAtTop, count, pos);
  for (;;) {
    const r = walk.step();
    if (typeof r === 'boolean') return r;
    // Without a count, the thunk itself is the request (no generator per thunk forced).
    if (count === undefined) yield r;
    else yield* forceAtDepth(r, walk.level + 1, count, pos);
  }
}

/**
 * equalGen or equalPlacesGen without a generator: `forceThunk` forces each thunk the
 * comparison needs (and throws what forcing it throws); with `count`, at the call depth given.
 */
export function equalValues(
  a: Value, b: Value, places: boolean, forceThunk: (t: Thunk, depth?: number) => unknown, count?: DepthCount, pos?: SourcePos,
): boolean {
  const walk = new EqualityWalk(a, b, places, count, pos);
  for (;;) {
    const r = walk.step();
    if (typeof r === 'boolean') return r;
    if (count === undefined) forceThunk(r);
    else {
      checkDeferredCall(r, walk.level + 1, count, pos);
      forceThunk(r, walk.level + 1);
    }
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
  /** C++ Nix's callDepth at the pair being compared (counted against `count`, if any). */
  level: number;

  /** The level past which the comparison fails: the max-call-depth, or MAX_NESTING without one. */
  private readonly limit: number;

  /** `pos`: the comparison's (`==`), where a stack overflow is reported as C++ Nix's eqValues does. */
  constructor(private ra: Value, private rb: Value, private places: boolean, count?: DepthCount, private readonly pos?: SourcePos) {
    this.level = count === undefined ? 0 : count.start;
    this.limit = count === undefined ? MAX_NESTING : count.limit;
  }

  step(): boolean | Thunk {
    for (;;) {
      tick();
      if (this.level > this.limit) throw stackOverflow(this.pos);
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
            if (a.length > 0) this.frames.push({ kind: 'list', a, b, i: 0, level: this.level });
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
                this.level++;
                continue;
              }
            }
            if (a.size !== b.size) return false;
            if (a.size > 0) this.frames.push({ kind: 'attrs', a, b, keysA: a.symbolKeys(), keysB: b.symbolKeys(), i: 0, level: this.level });
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
        this.level = f.level + 1;
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

/**
 * `a < b` for numbers, strings, paths and lists (lexicographically). With `count`, list
 * elements are compared by eqValues counted from C++ Nix's callDepth of the builtin doing the
 * comparison (CompareValues adds no depth of its own, nested lists included).
 */
export function* lessThanGen(a0: Value, b0: Value, count?: DepthCount): Gen<boolean> {
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
        if (!(yield* equalPlacesGen(a[i], b[i], count))) break;
      }
      if (i === a.length) return i < b.length;
      if (i === b.length) return false;
      try {
        return yield* lessThanGen(a[i], b[i], count);
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

/** Strings up to this length are made flat when built by concatenation (see flattenShort). */
const FLAT_MAX = 256;

/** Where flattenShort's read goes: a store, so that the read is not optimised away. */
let flatRead = 0;

/**
 * Makes a string built by concatenation one flat string while it is short, in place. For a
 * result of 13 characters or more V8 makes a cons string (a node pointing at both parts), so
 * a string built by a few concatenations (`"<item " + toString i + ": " + ...`, an
 * interpolation's parts) is a tree of nodes and parts, each an object the collector copies
 * when it survives a scavenge: 3-4 objects for what C++ Nix keeps as one. Reading a character
 * of a cons string makes V8 flatten it (the node then points at one flat copy, and the
 * collector drops the node), which costs less than building the string flat. Past FLAT_MAX
 * characters the copy would cost more than the nodes: long strings stay trees (flattened when
 * first read whole).
 */
export function flattenShort(s: string): string {
  const n = s.length;
  if (n > 12 && n <= FLAT_MAX) flatRead = s.charCodeAt(0);
  return s;
}

/** `a + b` of strings: see flattenShort. */
export function joinStrings(a: string, b: string): string {
  return a.length === 0 ? b : b.length === 0 ? a : flattenShort(a + b);
}

/** `+` of two forced values when no coercion is involved. */
export function quickAdd(a: Value, b: Value): Value | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    return Number.isSafeInteger(r) ? r : addInt(a, b);
  }
  if (typeof a === 'string' && typeof b === 'string') {
    reserveString(a.length + b.length);
    return joinStrings(a, b);
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

  /**
   * An interpolation whose first parts were joined as plain strings (`text`, charged to the
   * memory budget already): as if they had been added here. See the compiled tier's stringPart.
   */
  static interpolatedFrom(text: string, positions: readonly SourcePos[] | undefined, pos: SourcePos | undefined): Concatenation {
    const c = new Concatenation(true, positions, pos);
    c.s = text;
    return c;
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
        return makeString(flattenShort(this.s), this.context);
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
  if (STATS_ON) countUpdate(a, b);
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  reserveAttrs(a.size + b.size);
  return updateAttrs(a, b);
}

/**
 * A chain `s0 // s1 // ... // sn` (`sets` leftmost first, each a set): the same set as `update`
 * applied left to right, but made once, as C++ Nix's update queue merges a chain, instead of
 * one set (and a copy of all that came before) per operator. The shapes are merged pairwise as
 * `update` merges them (AttrShape.merge caches them), so the result has the very shape the
 * pairwise merges give; only the values arrays in between are not made. Each step is charged to
 * the memory budget as `update` charges it, so limits fail where they did.
 */
export function updateChain(sets: readonly NixAttrs[]): NixAttrs {
  if (sets.length === 3) return update3(sets[0], sets[1], sets[2]);
  if (STATS_ON) countChain(sets);
  // Empty operands change nothing: with fewer than two others, the result is one of them.
  let first = -1;
  let others = 0;
  for (let i = 0; i < sets.length; i++) {
    if (sets[i].size === 0) continue;
    if (first < 0) first = i;
    else others++;
  }
  if (first < 0) return sets[0];
  if (others === 0) return sets[first];
  let shape = sets[first].shape;
  // For each merge, its plan (where each value of its result comes from) and its right side's values.
  const plans: (readonly number[])[] = [];
  const rights: Value[][] = [];
  for (let i = first + 1; i < sets.length; i++) {
    const b = sets[i];
    if (b.size === 0) continue;
    reserveAttrs(shape.names.length + b.size);
    const merged = shape.merge(b.shape);
    plans.push(merged.plan);
    rights.push(b.values);
    shape = merged.shape;
  }
  const base = sets[first].values;
  const n = shape.names.length;
  const values: Value[] = new Array(n);
  for (let k = 0; k < n; k++) {
    // Back through the merges to the operand that gave the value.
    let p = k;
    let level = plans.length - 1;
    for (; level >= 0; level--) {
      const q = plans[level][p];
      if (q < 0) { p = ~q; break; }
      p = q;
    }
    values[k] = level < 0 ? base[p] : rights[level][p];
  }
  return new NixAttrs(shape, values);
}

/**
 * `a // b // c` as updateChain makes it, without its arrays (the most common chain: small sets,
 * where an array of operands and one of plans would cost more than the set they save).
 */
export function update3(a: NixAttrs, b: NixAttrs, c: NixAttrs): NixAttrs {
  if (a.size === 0 || b.size === 0 || c.size === 0) {
    if (STATS_ON) count(Counter.OpUpdates);
    return a.size === 0 ? update(b, c) : b.size === 0 ? update(a, c) : update(a, b);
  }
  if (STATS_ON) countChain([a, b, c]);
  reserveAttrs(a.size + b.size);
  const ab = a.shape.merge(b.shape);
  reserveAttrs(ab.shape.names.length + c.size);
  const abc = ab.shape.merge(c.shape);
  const first = ab.plan;
  const second = abc.plan;
  const av = a.values;
  const bv = b.values;
  const cv = c.values;
  const values: Value[] = new Array(second.length);
  for (let k = 0; k < second.length; k++) {
    const q = second[k];
    if (q < 0) { values[k] = cv[~q]; continue; }
    const p = first[q];
    values[k] = p >= 0 ? av[p] : bv[~p];
  }
  return new NixAttrs(abc.shape, values);
}

/** A `//` for the statistics: C++ Nix copies nothing when either side is empty, else the merged set's values. */
function countUpdate(a: NixAttrs, b: NixAttrs): void {
  count(Counter.OpUpdates);
  if (a.size > 0 && b.size > 0) count(Counter.OpUpdateValuesCopied, a.shape.merge(b.shape).shape.names.length);
}

/** A chain of `//` for the statistics: each operator, and the values of the one set made. */
function countChain(sets: readonly NixAttrs[]): void {
  count(Counter.OpUpdates, sets.length - 1);
  let shape: AttrShape | null = null;
  let nonEmpty = 0;
  for (const s of sets) {
    if (s.size === 0) continue;
    nonEmpty++;
    shape = shape === null ? s.shape : shape.merge(s.shape).shape;
  }
  if (nonEmpty > 1) count(Counter.OpUpdateValuesCopied, shape!.names.length);
}
