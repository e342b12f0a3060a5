// Attribute sets. A set is its shape, shared, and its values, its own:
//
// - AttrShape: the names, sorted by bytes (Nix's order), where they were defined, and an index
//   for sets too large to scan. Every set a literal builds shares the literal's shape (made
//   once, at compile time), and so does every set `a // b` makes from sets of the same shapes
//   (the result shape and the plan of the merge are cached on the left shape), and every set
//   one dynamic attribute extends from the same shape with the same name. Positions live in
//   the shape, not in each set.
// - NixAttrs: a shape and a parallel array of values.
//
// Lookup is a scan of the names for small sets; for large ones a binary search, or an index once
// the shape has been looked up often; generated code keeps an inline cache of (shape, index) at
// each select of a constant name (src/codegen/).

import type { Source } from '../syntax/source.js';
import type { Value } from './values.js';
import { symbolTable } from './symbols.js';
import { count, Counter, STATS_ON } from './stats.js';

/** Where the attributes of a set were defined, for traces and unsafeGetAttrPos. */
export interface AttrPositions {
  get(name: string): AttrPosition | undefined;
}

export interface AttrPosition {
  source: Source;
  offset: number;
}

/**
 * The positions of names sorted by bytes (a set literal's, a lambda's formals), as two
 * parallel arrays: a file has thousands of these, and a Map each weighed more than its code.
 */
export class SortedPositions implements AttrPositions {
  constructor(readonly source: Source, private readonly names: readonly string[], private readonly offsets: readonly number[]) {}
  get(name: string): AttrPosition | undefined {
    const i = indexInSorted(this.names, name);
    return i < 0 ? undefined : { source: this.source, offset: this.offsets[i] };
  }
}

/** Where `name` is in `names` (sorted by compareBytes), by binary search, or -1. */
function indexInSorted(names: readonly string[], name: string): number {
  let lo = 0;
  let hi = names.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const n = names[mid];
    if (n === name) return mid;
    if (n < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Where one attribute was defined: a dynamic attribute's (`{ ${n} = ...; }` makes one for each
 * set it builds, so it is three fields, not a map).
 */
export class NamedPosition implements AttrPositions {
  constructor(readonly name: string, readonly source: Source, readonly offset: number) {}
  get(name: string): AttrPosition | undefined {
    return name === this.name ? { source: this.source, offset: this.offset } : undefined;
  }
}

/**
 * Positions of `a // b` or of a set extended by one attribute: the later one wins. `aboveNames`
 * says which names the later one has: its shape, or its one name (no closure per shape).
 */
export class LayeredPositions implements AttrPositions {
  constructor(readonly below: AttrPositions | undefined, readonly above: AttrPositions | undefined, readonly aboveNames: AttrShape | string) {}
  get(name: string): AttrPosition | undefined {
    const names = this.aboveNames;
    const aboveHas = typeof names === 'string' ? names === name : names.indexOf(name) >= 0;
    return aboveHas ? this.above?.get(name) : this.below?.get(name);
  }
}

export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A new array of `n` names (each '' until filled): every shape's names are one elements kind,
 * PACKED_ELEMENTS, as the literals', `slice`'s, `sort`'s and `push`'s are. The functions that
 * read them (lookups, mapAttrs, zipAttrsWith, ...) are optimised for the maps of the arrays met
 * so far and deoptimised at the `.length` of the first other one: a `new Array(n)` is holey,
 * another map. V8 has no constructor for a packed array of n elements, so one is a copy of an
 * array of blanks: of one of n blanks for a small n (`slice()` without arguments, which
 * TurboFan inlines: as fast as `new Array(n)`), else a `slice(0, n)` of a longer one (a call,
 * 20-30 ns more, but one allocation and a copy, as `new Array(n)` is one allocation and a fill
 * of holes). Above BLANKS_MAX names, pushed (so as not to keep a large array of blanks).
 */
export function newNames(n: number): string[] {
  // (Small, to be inlined where it is called: the larger sizes in a function of their own.)
  return n <= SMALL_NAMES ? smallBlanks[n].slice() : largeNames(n);
}

function largeNames(n: number): string[] {
  if (n <= BLANKS_MAX) {
    if (n > blanks.length) {
      const more = Math.min(BLANKS_MAX, Math.max(n, 2 * blanks.length));
      while (blanks.length < more) blanks.push('');
    }
    return blanks.slice(0, n);
  }
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push('');
  return names;
}

const SMALL_NAMES = 64;
const BLANKS_MAX = 1 << 16;
/** For each n up to SMALL_NAMES, an array of n blanks. */
const smallBlanks: string[][] = [];
for (let n = 0; n <= SMALL_NAMES; n++) {
  // (A string from the start, and popped for 0: an empty `[]` has small-integer elements.)
  const a = [''];
  while (a.length < n) a.push('');
  if (n === 0) a.pop();
  smallBlanks.push(a);
}
const blanks: string[] = smallBlanks[SMALL_NAMES].slice();

/** Sets with at most this many names are scanned; larger ones get an index. */
const SCAN_LIMIT = 8;
/** A large shape builds its index after (its number of names >> INDEX_AFTER) lookups. */
const INDEX_AFTER = 2;

/**
 * A name's hash for a shape's index: FNV-1a over its UTF-16 units (of a name longer than 127,
 * about 64 of them, evenly spaced: it is not kept with the string as V8's is) and its length,
 * from a basis chosen per process, then mixed so that the low bits depend on all of them. Not
 * V8's own (a Map's): the names looked up in large shapes are mostly new strings
 * (`self.${name}`), which a Map hashes in the runtime at their first use, and reaching a Map's
 * entry costs more loads.
 */
const HASH_BASIS = (Math.random() * 0x100000000) | 0;
function hashName(name: string): number {
  const n = name.length;
  const step = n < 128 ? 1 : n >> 6;
  let h = HASH_BASIS;
  for (let i = 0; i < n; i += step) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ n, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** The most slots a name of an index may be from its hash's (see buildIndex). */
const MAX_PROBES = 64;

/**
 * The index of a large shape's names: an open-addressing table of (hash, position + 1) pairs,
 * at most half full, probed linearly (one typed array: no Map of every name to survive
 * scavenges). null if a name lands too far from its slot (names made to collide): the shape
 * then stays with binary search.
 */
function buildIndex(names: readonly string[]): Int32Array | null {
  let slots = 16;
  while (slots < 2 * names.length) slots <<= 1;
  const index = new Int32Array(2 * slots);
  const mask = slots - 1;
  for (let i = 0; i < names.length; i++) {
    const hash = hashName(names[i]);
    let j = hash & mask;
    for (let probes = 0; index[2 * j + 1] !== 0; j = (j + 1) & mask) if (++probes > MAX_PROBES) return null;
    index[2 * j] = hash;
    index[2 * j + 1] = i + 1;
  }
  return index;
}

/**
 * Results of `//` and of dynamic attributes kept per shape: enough for a loop that adds one of
 * a few dozen names at each step (`acc // { ${name} = ...; }`) to find its shapes again.
 */
const CACHED_RESULTS = 64;
/** Places one name is cached as defined at, per shape (the latest kept). */
const CACHED_PLACES = 4;

/**
 * The shapes of dynamic attributes added to a shape, by name, each name at up to
 * CACHED_PLACES places. Many sites share the shape they extend (every literal without static
 * names starts from EMPTY), and a package set's sites add thousands of names each, again for
 * every system and overlay (overlays: 5,000 names from 3 sites): what a few dozen names would
 * never find again. But keeping thousands of shapes when no name comes back (40,000 distinct
 * keys) only makes them survive scavenges: so a cache holds `room` names, 64 at first, and
 * grows to 8,192 once a name it has dropped comes back. Which names come back is told by a
 * sample of them (`seen`: every SAMPLE_EVERY-th name of the last MAX_ROOM), not all: a set of
 * every new name cost attrs (60,000 names, none back) 6 % of its time in hashing and growing
 * it, and names that come back do so by the hundred (every package of a set again), so one of
 * them is in the sample within a few dozen.
 */
class Extensions {
  static readonly FIRST_ROOM = 64;
  static readonly MAX_ROOM = 8192;
  static readonly SAMPLE_EVERY = 16;
  /**
   * By name, its places and shapes, flat: (offset, source, shape) for each, so that finding
   * one reads this array only, not the shapes and their positions.
   */
  readonly byName = new Map<string, (AttrShape | Source | number)[]>();
  room = Extensions.FIRST_ROOM;
  seen: Set<string> | null = new Set();
  /** Names added since the last one sampled. */
  private sinceSample = 0;

  /** Caches `shape`, the first for its name, defined at `offset` in `source`. */
  add(name: string, source: Source, offset: number, shape: AttrShape): void {
    const seen = this.seen;
    if (seen !== null) {
      if (seen.has(name)) {
        this.room = Extensions.MAX_ROOM;
        this.seen = null;
      } else if (++this.sinceSample === Extensions.SAMPLE_EVERY) {
        this.sinceSample = 0;
        if (seen.size >= Extensions.MAX_ROOM / Extensions.SAMPLE_EVERY) seen.clear();
        seen.add(name);
      }
    }
    if (this.byName.size >= this.room) this.byName.clear();
    this.byName.set(name, [offset, source, shape]);
  }
}

/**
 * The evaluation epoch (startShapeEpoch). A shape's caches hold the shapes its results have,
 * and through their positions every shape merged into them: a literal's shape, kept with its
 * chunk in the compile cache, or EMPTY, would keep the shapes of an evaluation long after it
 * (overlays, evaluated again in one worker: 57 MB more live heap each time). So a shape made in
 * an earlier epoch that caches a result is listed, and the next epoch empties its caches.
 */
let shapeEpoch = 0;
let cachingFromEarlier: AttrShape[] = [];

/**
 * Starts an evaluation's epoch: the caches that shapes of earlier epochs filled in the last
 * one are emptied (they are only caches: a shape is made again when next needed).
 */
export function startShapeEpoch(): void {
  for (const shape of cachingFromEarlier) shape.clearCaches();
  cachingFromEarlier = [];
  shapeEpoch++;
}

interface MergeResult {
  right: AttrShape;
  shape: AttrShape;
  /** For each name of the result: its index in the left values (>= 0) or ~index in the right ones. */
  plan: readonly number[];
}

/** The layout of a set: its names in Nix's order and where they were defined. */
export class AttrShape {
  /** For large shapes looked up often: see buildIndex (null: binary search for good). */
  private index: Int32Array | null | undefined = undefined;
  /** The result of the first `//` with this shape on the left, and (in `merges`) of the others. */
  private lastMerge: MergeResult | undefined = undefined;
  private merges: Map<AttrShape, MergeResult> | undefined = undefined;
  /** Shapes with one more name, by the name: each defined at another place. */
  private extensions: Extensions | undefined = undefined;
  private withoutPositions: AttrShape | undefined = undefined;
  private bySymbol: { generation: number; names: readonly string[] } | undefined = undefined;
  /** Lookups by name before the index is built (see indexOf). */
  private lookups = 0;
  /** The epoch it was made in, or last listed in (see startShapeEpoch). */
  private epoch = shapeEpoch;

  /** `names` must be sorted by bytes, without repeats. */
  constructor(readonly names: readonly string[], readonly positions: AttrPositions | undefined) {}

  /** (Its names packed elements too: an empty literal `[]` has small-integer elements, another map.) */
  static readonly EMPTY = new AttrShape(newNames(0), undefined);

  /**
   * The shape of a set literal, made by the compiler: it lives as long as its chunk, in the
   * compile cache, so what it caches is listed from its first epoch on.
   */
  static literal(names: readonly string[], positions: AttrPositions | undefined): AttrShape {
    const shape = new AttrShape(names, positions);
    shape.epoch = -1;
    return shape;
  }

  /**
   * The names in the order C++ Nix keeps them: by symbol, in the table of the evaluation that
   * runs (see symbols.ts). Deep forcing and `==` walk a set in this order.
   */
  symbolOrder(): readonly string[] {
    if (this.names.length < 2) return this.names;
    const table = symbolTable();
    if (this.bySymbol?.generation !== table.generation) this.bySymbol = { generation: table.generation, names: table.order(this.names) };
    return this.bySymbol.names;
  }

  /** Where the name is in the values of a set of this shape, or -1. */
  indexOf(name: string): number {
    const names = this.names;
    if (names.length <= SCAN_LIMIT) {
      for (let i = 0; i < names.length; i++) if (names[i] === name) return i;
      return -1;
    }
    const index = this.index;
    if (index !== undefined && index !== null) {
      const hash = hashName(name);
      const mask = (index.length >> 1) - 1;
      for (let j = hash & mask; ; j = (j + 1) & mask) {
        const entry = index[2 * j + 1];
        if (entry === 0) return -1;
        if (index[2 * j] === hash && names[entry - 1] === name) return entry - 1;
      }
    }
    // A binary search of the sorted names until the shape has been looked up often enough to
    // pay for an index: most large shapes are intermediate results of `//` looked up a few
    // times, if at all (the fixed point of a package set).
    if (index === undefined && ++this.lookups > names.length >> INDEX_AFTER) this.index = buildIndex(names);
    return indexInSorted(names, name);
  }

  /** The shape of `a // b` for a of this shape and b of `right`, with how to fill its values. */
  merge(right: AttrShape): MergeResult {
    const last = this.lastMerge;
    if (last !== undefined && last.right === right) return last;
    const cached = this.merges?.get(right);
    if (cached !== undefined) return cached;
    const a = this.names;
    const b = right.names;
    // The names of the result counted first, so that its names and plan are made at their
    // size: most merges make a new shape (sets of dynamic names, package sets), and arrays
    // grown by push or cut to size cost as much again.
    let size = a.length + b.length;
    for (let i = 0, j = 0; i < a.length && j < b.length;) {
      if (a[i] < b[j]) i++;
      else if (a[i] > b[j]) j++;
      else { size--; i++; j++; }
    }
    const names = newNames(size);
    const plan: number[] = new Array(size);
    let k = 0;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] < b[j]) { names[k] = a[i]; plan[k++] = i++; }
      else if (a[i] > b[j]) { names[k] = b[j]; plan[k++] = ~j++; }
      else { names[k] = b[j]; plan[k++] = ~j++; i++; }
    }
    while (i < a.length) { names[k] = a[i]; plan[k++] = i++; }
    while (j < b.length) { names[k] = b[j]; plan[k++] = ~j++; }
    const result = { right, shape: this.overriddenBy(right, names), plan };
    this.caching();
    // Most shapes are the left side of one merge only (the halves of a large set merged by
    // divide and conquer): the map of results is made for a shape's second right side.
    if (last === undefined) {
      this.lastMerge = result;
    } else {
      const cache = this.merges ?? (this.merges = new Map());
      if (cache.size >= CACHED_RESULTS) cache.clear();
      cache.set(right, result);
    }
    return result;
  }

  /**
   * The shape of this one overridden by `right`, with `names` (both's, merged). This shape
   * itself when right adds no name and defines each of its names where this one does (a loop
   * updating a set with sets of one literal): the set's shape then stays the same at each step.
   */
  private overriddenBy(right: AttrShape, names: string[]): AttrShape {
    if (names.length === this.names.length && right.names.every((n) => sameDefinition(this.positions, right.positions, n))) return this;
    const positions = this.positions === undefined && right.positions === undefined
      ? undefined
      : new LayeredPositions(this.positions, right.positions, right);
    return new AttrShape(names, positions);
  }

  /** Before a result is cached: a shape of an earlier epoch is listed, once an epoch. */
  private caching(): void {
    if (this.epoch !== shapeEpoch) {
      this.epoch = shapeEpoch;
      cachingFromEarlier.push(this);
    }
  }

  /** Forgets the results of `//` and of dynamic attributes it holds. */
  clearCaches(): void {
    this.lastMerge = undefined;
    this.merges = undefined;
    this.extensions = undefined;
  }

  /** The same names, without positions (as builtins that make a set from another's names give). */
  unpositioned(): AttrShape {
    if (this.positions === undefined) return this;
    return (this.withoutPositions ??= new AttrShape(this.names, undefined));
  }

  /**
   * The shape with one more name (not in this one), defined at `offset` in `source` (its
   * NamedPosition is made only for a new shape).
   */
  extend(name: string, source: Source, offset: number): AttrShape {
    const places = this.extensions?.byName.get(name);
    if (places !== undefined) {
      for (let p = 0; p < places.length; p += 3) {
        if (places[p] === offset && places[p + 1] === source) return places[p + 2] as AttrShape;
      }
    }
    const n = this.names.length;
    const names = newNames(n + 1);
    let i = n;
    for (; i > 0 && this.names[i - 1] > name; i--) names[i] = this.names[i - 1];
    names[i] = name;
    for (let j = 0; j < i; j++) names[j] = this.names[j];
    const shape = new AttrShape(names, new LayeredPositions(this.positions, new NamedPosition(name, source, offset), name));
    this.caching();
    if (places !== undefined) {
      if (places.length >= 3 * CACHED_PLACES) places.splice(0, 3);
      places.push(offset, source, shape);
    } else {
      (this.extensions ??= new Extensions()).add(name, source, offset, shape);
    }
    return shape;
  }
}

/** Whether both define the name at the same place (or neither has a position for it). */
function sameDefinition(a: AttrPositions | undefined, b: AttrPositions | undefined, name: string): boolean {
  const pa = a?.get(name);
  const pb = b?.get(name);
  return pa === undefined ? pb === undefined : pb !== undefined && pa.source === pb.source && pa.offset === pb.offset;
}

export class NixAttrs {
  constructor(readonly shape: AttrShape, readonly values: Value[]) {
    if (STATS_ON) { count(Counter.Sets); count(Counter.SetElements, values.length); }
  }

  static readonly EMPTY = new NixAttrs(AttrShape.EMPTY, []);

  /** A set of the entries of a map (in any order), with the given positions. */
  static fromMap(map: ReadonlyMap<string, Value>, positions?: AttrPositions): NixAttrs {
    if (map.size === 0 && positions === undefined) return NixAttrs.EMPTY;
    const names = [...map.keys()].sort(compareBytes);
    const values: Value[] = new Array(names.length);
    for (let i = 0; i < names.length; i++) values[i] = map.get(names[i])!;
    return new NixAttrs(new AttrShape(names, positions), values);
  }

  /** A set of names already sorted by bytes (without repeats) and their values. */
  static fromSorted(names: readonly string[], values: Value[], positions?: AttrPositions): NixAttrs {
    if (names.length === 0 && positions === undefined) return NixAttrs.EMPTY;
    return new NixAttrs(new AttrShape(names, positions), values);
  }

  get size(): number {
    return this.values.length;
  }

  get positions(): AttrPositions | undefined {
    return this.shape.positions;
  }

  get(name: string): Value | undefined {
    const i = this.shape.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  has(name: string): boolean {
    return this.shape.indexOf(name) >= 0;
  }

  /** Names in Nix's order: sorted by bytes. Shared with other sets: never to be changed. */
  keys(): readonly string[] {
    return this.shape.names;
  }

  /** Names in C++ Nix's symbol order (see AttrShape.symbolOrder). */
  symbolKeys(): readonly string[] {
    return this.shape.symbolOrder();
  }

  /**
   * The set with one more attribute (whose name it does not have yet), defined at `offset` in
   * `source`.
   */
  extend(name: string, value: Value, source: Source, offset: number): NixAttrs {
    const shape = this.shape.extend(name, source, offset);
    const old = this.values;
    if (old.length === 0) return new NixAttrs(shape, [value]);
    // The values moved up by one from the new name's place (one copy, no splice).
    const values = old.slice();
    values.push(value);
    const at = shape.indexOf(name);
    for (let i = values.length - 1; i > at; i--) values[i] = values[i - 1];
    values[at] = value;
    return new NixAttrs(shape, values);
  }
}

/** `a // b`: b's attributes override a's. */
export function updateAttrs(a: NixAttrs, b: NixAttrs): NixAttrs {
  if (b.values.length === 0) return a;
  if (a.values.length === 0) return b;
  const { shape, plan } = a.shape.merge(b.shape);
  const av = a.values;
  const bv = b.values;
  const values: Value[] = new Array(plan.length);
  for (let k = 0; k < plan.length; k++) {
    const p = plan[k];
    values[k] = p >= 0 ? av[p] : bv[~p];
  }
  return new NixAttrs(shape, values);
}
