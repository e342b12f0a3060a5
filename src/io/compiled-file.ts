// The on-disk form of a compiled file (the command line's disk cache, io/disk-cache.ts): the
// chunks the compiler made for one source as a table of strings and a stream of 32-bit
// integers, read back into the same objects. A cold process then parses one small JSON array
// of strings (native code) and runs one loop over integers, instead of lexing, parsing and
// compiling the file (JS that V8 runs cold, with TurboFan optimising it on its own threads).
// BENCHMARKS.md ("Compiled files on disk") measures it against the alternatives (the whole
// graph as JSON, or through v8.serialize, cost as much to read as compiling saved).
//
// The stream is the format number, the root chunk, then its names, symbol-order facts and size
// estimate. A chunk is its name, its code, its positions (as runs of one value: operands share
// their instruction's), its constants and error regions (values, below; the chunks among its
// constants are written there, inside it) and, for a lambda's body, the lambda. A value is a `Tag` and
// what that kind needs. What the compiler shares is shared again when read: a lambda's
// formals are written as a mark that they are the formals among its body's constants, an array of strings met before (a set literal's names,
// in its shape and its positions) as its number among them; every other object is made for one place (the round-trip test checks that
// no other sharing is lost).
//
// Only what the compiler makes is written, each kind with exactly the fields it has; anything
// else (a kind or a field this file does not know) throws NotEncodable and the file is simply
// not cached: a change to the compiler's output that is not mirrored here costs speed, never
// correctness (test/io/compiled-file.test.ts round-trips every file of the corpus and nixpkgs
// lib, so such a change shows there). State the evaluator adds later (the compiled tier's
// functions and run counts, AttrShape's and formals' caches) is never written: chunks are
// written as compiled, and read back fresh.

import type { Chunk, ConcatLayout, ErrorRegion, FormalsInfo, LambdaInfo } from '../compiler/chunk.js';
import { SelectRegion, type SelectPathName } from '../compiler/compiler.js';
import type { SourcePos } from '../errors/errors.js';
import type { Source } from '../syntax/source.js';
import { showExpr } from '../syntax/show.js';
import { SortedPositions } from '../value/attrs.js';
import { AttrShape, NixFloat, NixPath } from '../value/values.js';

/** Bumped whenever what is written changes (the build's identity is in the cache key too). */
export const COMPILED_FILE_FORMAT = 2;

/** The compiled code holds something this format does not write: the file is not cached. */
export class NotEncodable extends Error {}

/** A compiled file as written: its strings, and the integers that say what to make of them. */
export interface CompiledFileData {
  strings: string[];
  ints: Int32Array;
}

const enum Tag {
  Undefined,
  Null,
  False,
  True,
  /** A number that fits in 32 bits. */
  Int,
  /** Another safe integer, as its decimal text in the strings. */
  Number,
  String,
  /** n, then n values. */
  Array,
  /** n, then n numbers of 32 bits. */
  IntArray,
  /** n, then n strings. */
  StringArray,
  /** An array of strings written before (the same array), by its number among them. */
  SameStringArray,
  /** A chunk of the file, by its index in the stream. */
  Chunk,
  /** The lambda of a chunk of the file, by the chunk's index. */
  Lambda,
  BigInt,
  Float,
  Path,
  Pos,
  Shape,
  SortedPositions,
  WithVar,
  Concat,
  Formals,
  FormalEntry,
  Alias,
  Region,
  ArgumentRegion,
  AssertionRegion,
  SelectRegion,
  Set,
}

/** The fields of the SortedPositions class, which keeps them private. */
interface SortedPositionsFields { source: Source; names: readonly string[]; offsets: readonly number[] }

function fail(what: string): never {
  throw new NotEncodable(what);
}

/** Whether the object's own fields are exactly these, in this order (the compiler's literal). */
function keysAre(o: object, expected: readonly string[]): boolean {
  // for-in (own fields only: the objects checked have no enumerable inherited ones) makes no
  // array of the keys, which a file's 100,000 objects would each cost.
  let i = 0;
  for (const k in o) if (k !== expected[i++]) return false;
  return i === expected.length;
}

const POS_KEYS = ['source', 'offset'];
const LAMBDA_KEYS = ['chunk', 'name', 'pos', 'source', 'at', 'slots', 'formals', 'arg'];
const WITH_KEYS = ['name', 'depths', 'withAt', 'at'];
const ENTRY_KEYS = ['name', 'slot', 'def', 'literal', 'alias', 'global'];
const CONCAT_KEYS = ['forceString', 'positions', 'pos'];
const FORMALS_KEYS = ['ellipsis', 'names', 'positions', 'entries', 'boundShape', 'boundIndexes'];
const ALIAS_KEYS = ['depth', 'slot'];
const REGION_KEYS = ['start', 'end', 'message', 'pos'];
const ARGUMENT_REGION_KEYS = [...REGION_KEYS, 'argument'];
const ASSERTION_REGION_KEYS = [...REGION_KEYS, 'assertion'];
const SELECT_REGION_KEYS = ['start', 'end', 'pos', 'path', 'ends', 'select'];
const SORTED_POSITIONS_KEYS = ['source', 'names', 'offsets'];
const ATTR_SHAPE_KEYS = ['names', 'positions', 'index', 'lastMerge', 'merges', 'extensions', 'withoutPositions', 'bySymbol', 'lookups', 'epoch'];

function isInt32(x: unknown): x is number {
  return typeof x === 'number' && (x | 0) === x && !Object.is(x, -0);
}

function isString(x: unknown): boolean {
  return typeof x === 'string';
}

/**
 * The strings and integers of a compiled file, or throws NotEncodable. `chunks`, if given, gets
 * every chunk of the file in the order decodeCompiledFile reads them back.
 */
export function encodeCompiledFile(root: Chunk, chunks: Chunk[] | null = null): CompiledFileData {
  return new Writer(root, chunks).write();
}

/** How many of the last arrays of strings written a later one may be the same as (Tag.SameStringArray). */
const RECENT_STRING_ARRAYS = 8;

class Writer {
  private readonly source: Source;
  private ints = new Int32Array(1 << 14);
  private length = 0;
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  /** The last arrays of strings written, the latest last (Tag.SameStringArray). */
  private readonly recentStringArrays: unknown[][] = [];
  /** The formals written among the constants of the chunk being written (its lambda's). */
  private formals: FormalsInfo | null = null;

  constructor(private readonly root: Chunk, private readonly chunks: Chunk[] | null) {
    this.source = root.source;
  }

  private push(n: number): void {
    if (this.length === this.ints.length) this.reserve(1);
    this.ints[this.length++] = n;
  }

  /** Room for n more integers. */
  private reserve(n: number): void {
    if (this.length + n <= this.ints.length) return;
    const grown = new Int32Array(Math.max(this.ints.length * 2, this.length + n));
    grown.set(this.ints.subarray(0, this.length));
    this.ints = grown;
  }

  private str(s: unknown): void {
    if (typeof s !== 'string') fail('a string');
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    this.push(i);
  }

  private int(n: unknown): void {
    if (!isInt32(n)) fail('an integer');
    this.push(n);
  }

  private bool(b: unknown): void {
    if (typeof b !== 'boolean') fail('a Boolean');
    this.push(b ? 1 : 0);
  }

  private offset(p: unknown): void {
    if (typeof p !== 'object' || p === null || !keysAre(p, POS_KEYS) || (p as SourcePos).source !== this.source) fail('position');
    this.int((p as SourcePos).offset);
  }

  write(): CompiledFileData {
    const root = this.root;
    this.push(COMPILED_FILE_FORMAT);
    this.chunk(root);
    if (root.names === undefined) fail('names');
    this.value(root.names);
    this.value(root.symbolOrderFacts);
    this.value(root.estimatedBytes);
    return { strings: this.strings, ints: this.ints.slice(0, this.length) };
  }

  /**
   * A chunk, where it is referred to: the compiler's chunks form a tree (each is a constant of
   * one other, or the default of one formal), so each is written once, inside its parent.
   */
  private chunk(c: Chunk): void {
    const outerFormals = this.formals;
    this.formals = null;
    if (!keysAre(c, chunkKeys(c, c === this.root))) fail(`chunk {${Object.keys(c).join(',')}}`);
    this.str(c.name);
    const code = c.code;
    const positions = c.positions;
    if (positions.length !== code.length) fail('positions');
    this.push(code.length);
    // The code as it is (integers, as the compiler emits them; the round-trip test checks that
    // they come back), and the positions as runs (value, length) after their count: at most
    // two integers for each position.
    this.reserve(2 * code.length + 1);
    const ints = this.ints;
    let at = this.length;
    for (let i = 0; i < code.length; i++) ints[at++] = code[i];
    const countAt = at++;
    let runs = 0;
    for (let i = 0; i < positions.length;) {
      const p = positions[i];
      let j = i + 1;
      while (j < positions.length && positions[j] === p) j++;
      if (!isInt32(p)) fail('positions');
      ints[at++] = p;
      ints[at++] = j - i;
      runs++;
      i = j;
    }
    this.length = at;
    this.ints[countAt] = runs;
    this.push(c.consts.length);
    for (const k of c.consts) this.value(k);
    this.push(c.regions.length);
    for (const r of c.regions) this.value(r);
    // Numbered where the reader makes it (after its constants and regions, before its lambda).
    this.chunks?.push(c);
    const l = c.lambda;
    if (l === null) {
      this.push(0);
    } else {
      if (!keysAre(l, LAMBDA_KEYS) || l.chunk !== c || l.source !== this.source) fail('lambda');
      this.push(1);
      this.value(l.name);
      this.int(l.pos);
      this.offset(l.at);
      this.int(l.slots);
      if (l.formals !== this.formals) fail('formals');
      this.push(l.formals === null ? 0 : 1);
      this.value(l.arg);
    }
    this.formals = outerFormals;
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        if (isInt32(v)) {
          this.push(Tag.Int);
          this.push(v);
        } else {
          if (!Number.isSafeInteger(v) || Object.is(v, -0)) fail('number');
          this.push(Tag.Number);
          this.str(String(v));
        }
        return;
      case 'string': this.push(Tag.String); this.str(v); return;
      case 'boolean': this.push(v ? Tag.True : Tag.False); return;
      case 'undefined': this.push(Tag.Undefined); return;
      case 'bigint': this.push(Tag.BigInt); this.str(v.toString()); return;
      case 'object': break;
      default: fail(typeof v);
    }
    if (v === null) {
      this.push(Tag.Null);
      return;
    }
    if (Object.getPrototypeOf(v) === Object.prototype) this.plainObject(v);
    else this.instance(v);
  }

  private instance(v: object): void {
    if (Array.isArray(v)) {
      this.array(v);
    } else if (v instanceof AttrShape) {
      // A set literal's shape, as AttrShape.literal makes it (read back the same way).
      if (!keysAre(v, ATTR_SHAPE_KEYS) || (v as unknown as { epoch: number }).epoch !== -1) fail('AttrShape');
      this.push(Tag.Shape);
      this.value(v.names);
      this.value(v.positions);
    } else if (v instanceof SortedPositions) {
      const p = v as unknown as SortedPositionsFields;
      if (!keysAre(v, SORTED_POSITIONS_KEYS) || p.source !== this.source) fail('SortedPositions');
      this.push(Tag.SortedPositions);
      this.value(p.names);
      this.value(p.offsets);
    } else if (v instanceof SelectRegion) {
      if (!keysAre(v, SELECT_REGION_KEYS)) fail('SelectRegion');
      this.push(Tag.SelectRegion);
      this.int(v.start);
      this.int(v.end);
      this.int(v.pos);
      this.push(v.path.length);
      for (const n of v.path) {
        this.push('name' in n ? 0 : 1);
        this.str('name' in n ? n.name : 'shown' in n ? n.shown : showExpr(n.expr));
      }
      this.value(v.ends);
    } else if (v instanceof NixFloat) {
      this.push(Tag.Float);
      this.str(String(v.value));
    } else if (v instanceof NixPath) {
      this.push(Tag.Path);
      this.str(v.path);
    } else if (v instanceof Set) {
      this.push(Tag.Set);
      this.value([...v]);
    } else {
      fail(v.constructor?.name ?? 'object');
    }
  }

  private array(v: unknown[]): void {
    // (An empty array is taken as one of strings, to keep the compiler's shared empty array one.)
    if (v.length > 0 && v.every(isInt32)) {
      this.push(Tag.IntArray);
      this.push(v.length);
      for (const x of v) this.push(x as number);
    } else if (v.every(isString)) {
      // Arrays of names are shared by a set literal's shape, its positions and its
      // `__overrides`, written one after the other.
      const recent = this.recentStringArrays;
      const back = recent.lastIndexOf(v);
      if (back >= 0) {
        this.push(Tag.SameStringArray);
        this.push(recent.length - back);
        return;
      }
      recent.push(v);
      if (recent.length > RECENT_STRING_ARRAYS) recent.shift();
      this.push(Tag.StringArray);
      this.push(v.length);
      for (const x of v) this.str(x);
    } else {
      this.push(Tag.Array);
      this.push(v.length);
      for (const x of v) this.value(x);
    }
  }

  private plainObject(v: object): void {
    const o = v as Record<string, unknown>;
    if (o.code !== undefined) {
      this.push(Tag.Chunk);
      this.chunk(v as Chunk);
    } else if ('start' in o) {
      if (keysAre(o, REGION_KEYS)) this.push(Tag.Region);
      else if (keysAre(o, ARGUMENT_REGION_KEYS)) this.push(Tag.ArgumentRegion);
      else if (keysAre(o, ASSERTION_REGION_KEYS)) this.push(Tag.AssertionRegion);
      else fail('region');
      this.int(o.start);
      this.int(o.end);
      this.str(o.message);
      this.int(o.pos);
      if ('argument' in o) this.bool(o.argument);
      if ('assertion' in o) this.bool(o.assertion);
    } else if (keysAre(o, POS_KEYS)) {
      this.push(Tag.Pos);
      this.offset(o);
    } else if (keysAre(o, ENTRY_KEYS)) {
      this.push(Tag.FormalEntry);
      this.value(o.name);
      this.value(o.slot);
      this.value(o.def);
      this.value(o.literal);
      this.value(o.alias);
      this.value(o.global);
    } else if (keysAre(o, LAMBDA_KEYS)) {
      const lambda = v as LambdaInfo;
      if (lambda.chunk.lambda !== lambda) fail('lambda');
      this.push(Tag.Lambda);
      this.chunk(lambda.chunk);
    } else if (keysAre(o, CONCAT_KEYS)) {
      this.push(Tag.Concat);
      this.bool(o.forceString);
      this.value(o.positions);
      this.offset(o.pos);
    } else if (keysAre(o, FORMALS_KEYS)) {
      const f = v as FormalsInfo;
      // A lambda's formals are a constant of its body (its Op.Formals), read by the lambda too.
      if (this.formals !== null) fail('formals twice');
      this.formals = f;
      this.push(Tag.Formals);
      this.bool(f.ellipsis);
      this.value(f.names);
      this.value(f.positions);
      this.value(f.entries);
    } else if (keysAre(o, WITH_KEYS)) {
      this.push(Tag.WithVar);
      this.value(o.name);
      this.value(o.depths);
      this.value(o.withAt);
      this.offset(o.at);
    } else if (keysAre(o, ALIAS_KEYS)) {
      this.push(Tag.Alias);
      this.int(o.depth);
      this.int(o.slot);
    } else {
      fail(`object {${Object.keys(o).join(',')}}`);
    }
  }
}

/** The fields a chunk has as the compiler leaves it (the root has some of its own). */
const CHUNK_KEYS = ['code', 'consts', 'positions', 'regions', 'source', 'name', 'lambda', 'compiled', 'runs', 'firstEpoch'];

function chunkKeys(c: Chunk, isRoot: boolean): readonly string[] {
  if (!isRoot) return CHUNK_KEYS;
  const keys = [...CHUNK_KEYS];
  if (c.symbolOrderFacts !== undefined) keys.push('symbolOrderFacts');
  if (c.estimatedBytes !== undefined) keys.push('estimatedBytes');
  if (c.names !== undefined) keys.push('names');
  return keys;
}

/** Shared by the chunks with no constants or regions, as the compiler's are. */
const NONE: never[] = [];

/**
 * A name of a selected path read back: one small function for both kinds, each made once as
 * the module loads. V8 optimises the reader once it is hot, and an object literal it has never
 * seen made (a computed name first comes late in most files) would deoptimise it there; made
 * here, the literal's feedback is this function's, whether or not it is inlined.
 */
function pathName(isName: boolean, text: string): SelectPathName {
  return isName ? { name: text } : { shown: text };
}
pathName(true, '');
pathName(false, '');

/**
 * The chunks of a compiled file, with `source` (the file as read now, whose content hash the
 * cache key holds). Throws on data that is not a compiled file of this format (the caller
 * treats that as a miss). `chunks`, if given, gets every chunk of the file, in the order they
 * are read (the same for the same file: the disk cache's records number them so).
 */
export function decodeCompiledFile(data: CompiledFileData, source: Source, chunks: Chunk[] | null = null): Chunk {
  return new Reader(data, source, chunks).read();
}

/**
 * Reads one compiled file. A class, not closures made for each file: V8 optimises calls to the
 * one function it has seen called, and each file's own closures were other functions to it (a
 * deoptimisation of the reader at the second file a process read).
 */
class Reader {
  private readonly strings: string[];
  private readonly ints: Int32Array;
  private at = 0;
  /**
   * The last RECENT_STRING_ARRAYS arrays of strings read (Tag.SameStringArray), as a ring: the
   * array read as the n-th is at n % RECENT_STRING_ARRAYS.
   */
  private readonly recentStringArrays: string[][] = Array.from({ length: RECENT_STRING_ARRAYS }, () => NONE);
  private stringArraysRead = 0;
  /** The formals among the constants of the chunk being read (its lambda's). */
  private formals: FormalsInfo | null = null;
  // Arrays are filled by push and copied to their length: packed, with no spare room, as the
  // compiler leaves them (a file's chunks are many and small).
  private readonly scratch: number[] = [];

  constructor(data: CompiledFileData, private readonly source: Source, private readonly chunks: Chunk[] | null) {
    this.strings = data.strings;
    this.ints = data.ints;
  }

  read(): Chunk {
    if (this.ints[this.at++] !== COMPILED_FILE_FORMAT) throw new Error('another format');
    const root = this.chunk();
    // Set in the order the compiler sets them, so the root has the same hidden class as a compiled one.
    const names = this.value() as string[];
    const facts = this.value() as string[] | undefined;
    const estimatedBytes = this.value() as number | undefined;
    if (this.at !== this.ints.length) throw new Error('not a whole compiled file');
    if (facts !== undefined) root.symbolOrderFacts = facts;
    if (estimatedBytes !== undefined) root.estimatedBytes = estimatedBytes;
    root.names = names;
    return root;
  }

  private string(): string {
    const s = this.strings[this.ints[this.at++]];
    if (s === undefined) throw new Error('no such string');
    return s;
  }

  private pos(): SourcePos {
    return { source: this.source, offset: this.ints[this.at++] };
  }

  /** A count of items that take at least one integer each: more than are left is damage. */
  private count(): number {
    const n = this.ints[this.at++];
    if (!(n >= 0 && this.at + n <= this.ints.length)) throw new Error('a count past the end');
    return n;
  }

  private intArray(n: number): number[] {
    const scratch = this.scratch;
    const ints = this.ints;
    let at = this.at;
    scratch.length = 0;
    for (let i = 0; i < n; i++) scratch.push(ints[at++]);
    this.at = at;
    return scratch.slice();
  }

  private value(): unknown {
    const ints = this.ints;
    const tag = ints[this.at++] as Tag;
    switch (tag) {
      case Tag.Undefined: return undefined;
      case Tag.Null: return null;
      case Tag.False: return false;
      case Tag.True: return true;
      case Tag.Int: return ints[this.at++];
      case Tag.Number: return Number(this.string());
      case Tag.String: return this.string();
      case Tag.BigInt: return BigInt(this.string());
      case Tag.Chunk: return this.chunk();
      case Tag.Lambda: {
        const lambda = this.chunk().lambda;
        if (lambda === null) throw new Error('not a lambda');
        return lambda;
      }
      case Tag.IntArray: return this.intArray(this.count());
      case Tag.StringArray: {
        const n = this.count();
        const items: string[] = [];
        for (let i = 0; i < n; i++) items.push(this.string());
        const exact = items.slice();
        this.recentStringArrays[this.stringArraysRead++ % RECENT_STRING_ARRAYS] = exact;
        return exact;
      }
      case Tag.SameStringArray: {
        const back = ints[this.at++];
        if (!(back >= 1 && back <= RECENT_STRING_ARRAYS && back <= this.stringArraysRead)) throw new Error('no such array');
        return this.recentStringArrays[(this.stringArraysRead - back) % RECENT_STRING_ARRAYS];
      }
      case Tag.Array: {
        const n = this.count();
        const items: unknown[] = [];
        for (let i = 0; i < n; i++) items.push(this.value());
        return items.slice();
      }
      case Tag.Float: return new NixFloat(Number(this.string()));
      case Tag.Path: return new NixPath(this.string());
      case Tag.Pos: return this.pos();
      case Tag.Shape: {
        const names = this.value() as string[];
        return AttrShape.literal(names, this.value() as SortedPositions | undefined);
      }
      case Tag.SortedPositions: {
        const names = this.value() as string[];
        return new SortedPositions(this.source, names, this.value() as number[]);
      }
      case Tag.SelectRegion: {
        const start = ints[this.at++];
        const end = ints[this.at++];
        const p = ints[this.at++];
        const n = this.count();
        const path: SelectPathName[] = [];
        for (let i = 0; i < n; i++) {
          const isName = ints[this.at++] === 0;
          path.push(pathName(isName, this.string()));
        }
        return new SelectRegion(start, end, p, path, this.value() as number[]);
      }
      case Tag.Set: return new Set(this.value() as string[]);
      case Tag.WithVar: {
        const name = this.value();
        const depths = this.value();
        const withAt = this.value();
        return { name, depths, withAt, at: this.pos() };
      }
      case Tag.Concat: {
        const forceString = ints[this.at++] === 1;
        const positions = this.value() as SourcePos[];
        return { forceString, positions, pos: this.pos() } satisfies ConcatLayout;
      }
      case Tag.Formals: {
        const ellipsis = ints[this.at++] === 1;
        const names = this.value() as Set<string>;
        const positions = this.value() as SortedPositions;
        const entries = this.value() as FormalsInfo['entries'];
        const formals: FormalsInfo = { ellipsis, names, positions, entries, boundShape: null, boundIndexes: null };
        this.formals = formals;
        return formals;
      }
      case Tag.FormalEntry: {
        const name = this.value() as string;
        const slot = this.value() as number;
        const def = this.value() as Chunk | null;
        const literal = this.value() as FormalsInfo['entries'][number]['literal'];
        const alias = this.value() as FormalsInfo['entries'][number]['alias'];
        const global = this.value() as string | undefined;
        return { name, slot, def, literal, alias, global };
      }
      case Tag.Alias: {
        const depth = ints[this.at++];
        return { depth, slot: ints[this.at++] };
      }
      case Tag.Region: {
        const start = ints[this.at++];
        const end = ints[this.at++];
        const message = this.string();
        return { start, end, message, pos: ints[this.at++] } satisfies ErrorRegion;
      }
      case Tag.ArgumentRegion: {
        const start = ints[this.at++];
        const end = ints[this.at++];
        const message = this.string();
        const p = ints[this.at++];
        return { start, end, message, pos: p, argument: ints[this.at++] === 1 } satisfies ErrorRegion;
      }
      case Tag.AssertionRegion: {
        const start = ints[this.at++];
        const end = ints[this.at++];
        const message = this.string();
        const p = ints[this.at++];
        return { start, end, message, pos: p, assertion: ints[this.at++] === 1 } satisfies ErrorRegion;
      }
      default: throw new Error(`unknown tag ${String(tag)}`);
    }
  }

  /** A chunk (see Writer.chunk), with the chunks inside it. */
  private chunk(): Chunk {
    const outerFormals = this.formals;
    this.formals = null;
    const source = this.source;
    const name = this.string();
    const code = this.intArray(this.count());
    const runs = this.count();
    const ints = this.ints;
    const scratch = this.scratch;
    let at = this.at;
    scratch.length = 0;
    for (let r = 0; r < runs; r++) {
      const p = ints[at++];
      const n = ints[at++];
      if (!(n > 0 && scratch.length + n <= code.length)) throw new Error('positions');
      for (let i = 0; i < n; i++) scratch.push(p);
    }
    this.at = at;
    const positions = scratch.slice();
    if (positions.length !== code.length) throw new Error('positions');
    const constCount = this.count();
    let consts: unknown[] = NONE;
    if (constCount > 0) {
      const items: unknown[] = [];
      for (let i = 0; i < constCount; i++) items.push(this.value());
      consts = items.slice();
    }
    const regionCount = this.count();
    let regions: ErrorRegion[] = NONE;
    if (regionCount > 0) {
      const items: ErrorRegion[] = [];
      for (let i = 0; i < regionCount; i++) items.push(this.value() as ErrorRegion);
      regions = items.slice();
    }
    const c: Chunk = { code, consts, positions, regions, source, name, lambda: null, compiled: undefined, runs: 0, firstEpoch: 0 };
    this.chunks?.push(c);
    if (ints[this.at++] === 1) {
      const lambdaName = this.value() as string | undefined;
      const lambdaPos = ints[this.at++];
      const lambdaAt = this.pos();
      const slots = ints[this.at++];
      const lambdaFormals = ints[this.at++] === 1 ? this.formals : null;
      c.lambda = { chunk: c, name: lambdaName, pos: lambdaPos, source, at: lambdaAt, slots, formals: lambdaFormals, arg: this.value() as string | undefined };
    }
    this.formals = outerFormals;
    return c;
  }
}
