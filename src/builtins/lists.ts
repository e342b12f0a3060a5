// List builtins: map, filter, foldl', genList, length, head, tail, elem, elemAt,
// concatLists, concatMap, sort, partition, groupBy, all, any, genericClosure.
//
// Semantics follow C++ Nix 2.36 (src/libexpr/primops.cc): the order in which arguments are
// forced and checked, what is left unevaluated, and the error messages with their
// "while evaluating ..." context lines. Builtins whose arguments C++ Nix forces in an order
// other than left to right (or not at all) declare them lazy and force them here.
//
// This file also holds the small helpers the attribute-set builtins (attrs.ts) share.

import { NixError, type SourcePos } from '../errors/errors.js';
import type { NixInt } from '../value/int.js';
import {
  Builtin, type BuiltinSpec, CallRequest, Closure, force, NixAttrs, NixFloat, NixPath, NixString, type Request, Thunk,
  ThunkState, type Value,
} from '../value/values.js';
import { printForError } from '../value/print.js';
import { contextNotAllowed } from '../value/coerce.js';
import { showIdentifier } from '../syntax/show.js';
import { equalPlacesGen, lessThanGen } from '../vm/ops.js';
import { defineBuiltin, typeError } from './util.js';
import { reserveList, SLOT_BYTES, THUNK_BYTES, tick } from '../limits/limits.js';

export type Gen<T = Value> = Generator<Request, T, Value>;

// ---- shared helpers

/**
 * Runs a builtin's generator as far as it goes without the VM: when every value it forces
 * is already evaluated it finishes here and its result is returned directly; otherwise the
 * rest of it is handed to the VM as a generator frame.
 */
export function drive(gen: Gen): Value | Gen {
  const r = gen.next(undefined as unknown as Value);
  return r.done ? r.value : resume(gen, r.value);
}

function* resume(gen: Gen, first: Request): Gen {
  let req = first;
  for (;;) {
    let input: Value = null;
    let failed = false;
    let err: unknown;
    try {
      input = yield req;
    } catch (e) {
      failed = true;
      err = e;
    }
    const r = failed ? gen.throw(err) : gen.next(input);
    if (r.done) return r.value;
    req = r.value;
  }
}

/** Calls a Nix function from a generator and returns its result in WHNF. */
export function* callFn(fn: Value, args: Value[]): Gen {
  const r = yield new CallRequest(fn, args);
  return r instanceof Thunk ? yield* force(r) : r;
}

/** A value in WHNF, from a builtin that is not a generator: a generator only if forcing is needed. */
export function forced(v: Value): Value | Gen {
  if (!(v instanceof Thunk)) return v;
  if (v.state === ThunkState.Done) return v.value!;
  return force(v);
}

/** Adds an error-context line ("while evaluating ...") to a NixError on its way out. */
export function withContext(e: unknown, ctx: string, pos?: SourcePos): unknown {
  if (e instanceof NixError && ctx !== '') e.addTrace(ctx, pos);
  return e;
}

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

/** `attribute 'x' missing` with its context line, as C++ Nix's EvalState::getAttr. */
export function getAttrCtx(set: NixAttrs, name: string, ctx: string): Value {
  const v = set.get(name);
  if (v === undefined) throw new NixError('type', `attribute '${showIdentifier(name)}' missing`).addTrace(ctx);
  return v;
}

function lambdaPos(f: Value): SourcePos | undefined {
  return f instanceof Closure ? { source: f.lambda.source, offset: f.lambda.pos } : undefined;
}

// ---- map, filter, folds

function* mapGen(args: Value[]): Gen {
  const list = listCtx(yield* force(args[1]), 'while evaluating the second argument passed to builtins.map');
  if (list.length === 0) return list;
  const f = functionCtx(yield* force(args[0]), 'while evaluating the first argument passed to builtins.map');
  reserveList(list.length, THUNK_BYTES);
  const out: Value[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    tick();
    out[i] = Thunk.apply(f, [list[i]]);
  }
  return out;
}

function* filterGen(args: Value[]): Gen {
  const list = listCtx(yield* force(args[1]), 'while evaluating the second argument passed to builtins.filter');
  if (list.length === 0) return list;
  const f = functionCtx(yield* force(args[0]), 'while evaluating the first argument passed to builtins.filter');
  reserveList(list.length);
  const out: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = yield* callFn(f, [list[i]]);
    if (boolCtx(r, 'while evaluating the return value of the filtering function passed to builtins.filter')) out.push(list[i]);
  }
  return out.length === list.length ? list : out;
}

function* foldlGen(args: Value[]): Gen {
  const f = functionCtx(yield* force(args[0]), 'while evaluating the first argument passed to builtins.foldlStrict');
  const list = listCtx(yield* force(args[2]), 'while evaluating the third argument passed to builtins.foldlStrict');
  // The initial value is passed on unevaluated; only an empty list returns (and forces) it.
  if (list.length === 0) return yield* force(args[1]);
  let acc = args[1];
  for (let i = 0; i < list.length; i++) {
    // Each result is a new place, not the place it was taken from (`elem` tells them apart).
    if (i > 0 && typeof acc === 'object' && acc !== null) acc = Thunk.evaluated(acc);
    acc = yield* callFn(f, [acc, list[i]]);
  }
  return acc;
}

function* anyAllGen(args: Value[], any: boolean): Gen {
  const name = any ? 'any' : 'all';
  const f = functionCtx(yield* force(args[0]), `while evaluating the first argument passed to builtins.${name}`);
  const list = listCtx(yield* force(args[1]), `while evaluating the second argument passed to builtins.${name}`);
  const ctx = `while evaluating the return value of the function passed to builtins.${name}`;
  for (let i = 0; i < list.length; i++) {
    if (boolCtx(yield* callFn(f, [list[i]]), ctx) === any) return any;
  }
  return !any;
}

function* genListGen(args: Value[]): Gen {
  const n = intCtx(yield* force(args[1]), 'while evaluating the second argument passed to builtins.genList');
  // JS arrays stop at 2^32 - 1 elements; C++ Nix would run out of memory long before.
  if (n < 0 || n > 0xffffffff) throw new NixError('eval', `cannot create list of size ${n}`);
  // C++ Nix checks the function even for an empty list.
  const f = functionCtx(yield* force(args[0]), 'while evaluating the first argument passed to builtins.genList');
  const len = Number(n);
  reserveList(len, THUNK_BYTES);
  const out: Value[] = new Array(len);
  for (let i = 0; i < len; i++) {
    tick();
    out[i] = Thunk.apply(f, [i]);
  }
  return out;
}

// ---- element access

function headImpl([l]: Value[]): Value | Gen {
  const list = listCtx(l, "while evaluating the first argument passed to 'builtins.head'");
  if (list.length === 0) throw new NixError('eval', "'builtins.head' called on an empty list");
  return forced(list[0]);
}

function tailImpl([l]: Value[]): Value {
  const list = listCtx(l, "while evaluating the first argument passed to 'builtins.tail'");
  if (list.length === 0) throw new NixError('eval', "'builtins.tail' called on an empty list");
  reserveList(list.length - 1);
  return list.slice(1);
}

function* elemAtGen(args: Value[]): Gen {
  const n = intCtx(yield* force(args[1]), "while evaluating the second argument passed to 'builtins.elemAt'");
  const list = listCtx(yield* force(args[0]), "while evaluating the first argument passed to 'builtins.elemAt'");
  if (n < 0 || n >= list.length) {
    throw new NixError('eval', `'builtins.elemAt' called with index ${n} on a list of size ${list.length}`);
  }
  return yield* force(list[Number(n)]);
}

function* elemGen(args: Value[]): Gen {
  const list = listCtx(yield* force(args[1]), 'while evaluating the second argument passed to builtins.elem');
  // The needle and each element are places: `elem f [ f ]` is true for a function f.
  for (let i = 0; i < list.length; i++) {
    tick();
    if (yield* equalPlacesGen(args[0], list[i])) return true;
  }
  return false;
}

// ---- concatenation

/** EvalState::concatLists: when only one list is non-empty, the result is that list. */
function concatForced(lists: Value[][]): Value[] {
  let len = 0;
  let nonEmpty: Value[] | undefined;
  for (const l of lists) {
    len += l.length;
    if (l.length > 0) nonEmpty = l;
  }
  if (nonEmpty && len === nonEmpty.length) return nonEmpty;
  reserveList(len);
  const out: Value[] = new Array(len);
  let k = 0;
  for (const l of lists) for (let i = 0; i < l.length; i++) out[k++] = l[i];
  return out;
}

function* concatListsGen(args: Value[]): Gen {
  const outer = listCtx(args[0], 'while evaluating the first argument passed to builtins.concatLists');
  const lists: Value[][] = new Array(outer.length);
  for (let i = 0; i < outer.length; i++) {
    lists[i] = listCtx(yield* force(outer[i]), 'while evaluating a value of the list passed to builtins.concatLists');
  }
  return concatForced(lists);
}

function* concatMapGen(args: Value[]): Gen {
  const f = functionCtx(yield* force(args[0]), 'while evaluating the first argument passed to builtins.concatMap');
  const list = listCtx(yield* force(args[1]), 'while evaluating the second argument passed to builtins.concatMap');
  const lists: Value[][] = new Array(list.length);
  let len = 0;
  for (let i = 0; i < list.length; i++) {
    const r = yield* callFn(f, [list[i]]);
    lists[i] = listCtx(r, 'while evaluating the return value of the function passed to builtins.concatMap', lambdaPos(f));
    len += lists[i].length;
  }
  reserveList(len);
  const out: Value[] = new Array(len);
  let k = 0;
  for (const l of lists) for (let i = 0; i < l.length; i++) out[k++] = l[i];
  return out;
}

// ---- sort: C++ Nix's peeksort (src/libutil/include/nix/util/sort.hh), so that the
// comparator sees the same calls in the same order (traces, errors) as in C++ Nix.

type Less = (a: Value, b: Value) => Gen<boolean>;

const INSERTION_SORT_THRESHOLD = 16;

function* insertionSort(a: Value[], begin: number, end: number, less: Less): Gen<void> {
  for (let cur = begin + 1; cur < end; cur++) {
    for (let p = cur; p !== begin && (yield* less(a[p], a[p - 1])); p--) {
      const t = a[p]; a[p] = a[p - 1]; a[p - 1] = t;
    }
  }
}

/** Maximal i <= end such that [begin, i) is strictly decreasing (weakly increasing if `weak`). */
function* decreasingPrefix(a: Value[], begin: number, end: number, less: Less, weak: boolean): Gen<number> {
  if (begin === end) return begin;
  while (begin + 1 !== end && (yield* less(a[begin + 1], a[begin])) !== weak) begin++;
  return begin + 1;
}

/** Minimal i >= begin such that [i, end) is strictly decreasing (weakly increasing if `weak`). */
function* decreasingSuffix(a: Value[], begin: number, end: number, less: Less, weak: boolean): Gen<number> {
  if (begin === end) return end;
  while (end - 1 > begin && (yield* less(a[end - 1], a[end - 2])) !== weak) end--;
  return end - 1;
}

function* mergeRuns(a: Value[], begin: number, middle: number, end: number, buf: Value[], less: Less): Gen<void> {
  const n = end - begin;
  for (let i = 0; i < n; i++) buf[i] = a[begin + i];
  const mid = middle - begin;
  let left = 0;
  let right = mid;
  let out = begin;
  while (left !== mid && right !== n) {
    // Stable: on equality the element of the left run goes first.
    a[out++] = !(yield* less(buf[right], buf[left])) ? buf[left++] : buf[right++];
  }
  while (left !== mid) a[out++] = buf[left++];
  while (right !== n) a[out++] = buf[right++];
}

type SortTask =
  | { merge: false; begin: number; end: number; leftRunEnd: number; rightRunBegin: number }
  | { merge: true; begin: number; middle: number; end: number };

/** Peeksort with an explicit task stack instead of recursion. */
function* peeksort(a: Value[], less: Less): Gen<void> {
  const length = a.length;
  if (length < 2) return;
  if (length === 2) {
    if (yield* less(a[1], a[0])) { const t = a[0]; a[0] = a[1]; a[1] = t; }
    return;
  }
  const buf: Value[] = new Array(length);
  const tasks: SortTask[] = [{ merge: false, begin: 0, end: length, leftRunEnd: 0, rightRunBegin: length }];
  while (tasks.length > 0) {
    const t = tasks.pop()!;
    if (t.merge) {
      yield* mergeRuns(a, t.begin, t.middle, t.end, buf, less);
      continue;
    }
    const { begin, end, leftRunEnd, rightRunBegin } = t;
    if (leftRunEnd === end || rightRunBegin === begin) continue;
    const len = end - begin;
    if (len <= INSERTION_SORT_THRESHOLD) {
      yield* insertionSort(a, begin, end, less);
      continue;
    }
    const middle = begin + Math.floor(len / 2);
    // Subtasks run in the order they would be called: pushed in reverse.
    if (middle <= leftRunEnd) {
      tasks.push({ merge: true, begin, middle: leftRunEnd, end });
      tasks.push({ merge: false, begin: leftRunEnd, end, leftRunEnd: leftRunEnd + 1, rightRunBegin });
      continue;
    }
    if (middle >= rightRunBegin) {
      tasks.push({ merge: true, begin, middle: rightRunBegin, end });
      tasks.push({ merge: false, begin, end: rightRunBegin, leftRunEnd, rightRunBegin: rightRunBegin - 1 });
      continue;
    }
    let i: number;
    let j: number;
    if (!(yield* less(a[middle], a[middle - 1]))) {
      i = yield* decreasingSuffix(a, leftRunEnd, middle, less, true);
      j = yield* decreasingPrefix(a, middle - 1, rightRunBegin, less, true);
    } else {
      i = yield* decreasingSuffix(a, leftRunEnd, middle, less, false);
      j = yield* decreasingPrefix(a, middle - 1, rightRunBegin, less, false);
      for (let x = i, y = j - 1; x < y; x++, y--) { const tmp = a[x]; a[x] = a[y]; a[y] = tmp; }
    }
    if (i === begin && j === end) continue;
    if (middle - i < j - middle) {
      tasks.push({ merge: true, begin, middle: i, end });
      tasks.push({ merge: false, begin: i, end, leftRunEnd: j, rightRunBegin });
      tasks.push({ merge: false, begin, end: i, leftRunEnd, rightRunBegin: i - 1 });
    } else {
      tasks.push({ merge: true, begin, middle: j, end });
      tasks.push({ merge: false, begin: j, end, leftRunEnd: j + 1, rightRunBegin });
      tasks.push({ merge: false, begin, end: j, leftRunEnd, rightRunBegin: i });
    }
  }
}

function isLessThanPrimop(f: Value): boolean {
  return f instanceof Builtin && f.spec.name === 'lessThan' && f.args.length === 0;
}

function* sortGen(args: Value[]): Gen {
  const list = listCtx(yield* force(args[1]), 'while evaluating the second argument passed to builtins.sort');
  if (list.length === 0) return list;
  const f = functionCtx(yield* force(args[0]), 'while evaluating the first argument passed to builtins.sort');
  // The sorted copy and the merge buffer.
  reserveList(2 * list.length);
  // Every element is forced first; the sorted list holds the elements themselves.
  const a: Value[] = list.slice();
  for (let i = 0; i < list.length; i++) yield* force(list[i]);
  let less: Less;
  if (isLessThanPrimop(f)) {
    // As C++ Nix: `sort lessThan` compares directly, without calling the primop.
    less = function* (x, y) {
      try {
        return yield* lessThanGen(x, y);
      } catch (e) {
        throw withContext(e, 'while evaluating the ordering function passed to builtins.sort');
      }
    };
  } else {
    less = function* (x, y) {
      const r = yield* callFn(f, [x, y]);
      return boolCtx(r, 'while evaluating the return value of the sorting function passed to builtins.sort');
    };
  }
  yield* peeksort(a, less);
  return a;
}

// ---- partition, groupBy

function* partitionGen(args: Value[]): Gen {
  const f = functionCtx(yield* force(args[0]), 'while evaluating the first argument passed to builtins.partition');
  const list = listCtx(yield* force(args[1]), 'while evaluating the second argument passed to builtins.partition');
  reserveList(list.length);
  const right: Value[] = [];
  const wrong: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    // Forced first, as C++ Nix does; the lists hold the elements themselves (the same places).
    yield* force(list[i]);
    const r = yield* callFn(f, [list[i]]);
    if (boolCtx(r, 'while evaluating the return value of the partition function passed to builtins.partition')) right.push(list[i]);
    else wrong.push(list[i]);
  }
  return NixAttrs.fromMap(new Map<string, Value>([['right', right], ['wrong', wrong]]));
}

function* groupByGen(args: Value[]): Gen {
  const f = functionCtx(yield* force(args[0]), 'while evaluating the first argument passed to builtins.groupBy');
  const list = listCtx(yield* force(args[1]), 'while evaluating the second argument passed to builtins.groupBy');
  reserveList(list.length);
  const groups = new Map<string, Value>();
  for (let i = 0; i < list.length; i++) {
    const r = yield* callFn(f, [list[i]]);
    const name = stringNoCtx(r, 'while evaluating the return value of the grouping function passed to builtins.groupBy');
    const g = groups.get(name) as Value[] | undefined;
    if (g) g.push(list[i]);
    else groups.set(name, [list[i]]);
  }
  return groups.size === 0 ? NixAttrs.EMPTY : NixAttrs.fromMap(groups);
}

// ---- genericClosure

/**
 * The keys seen by genericClosure, as C++ Nix's GenericClosureKeyTracker: the first key's
 * type picks a hash set for strings, paths or integers; other keys (and integers mixed
 * with floats) go to an ordered set compared like `<`. A key of another type than a hashed
 * set's is compared with the first key, which fails with C++ Nix's error.
 */
class KeyTracker {
  private mode: 'none' | 'string' | 'path' | 'int' | 'fallback' = 'none';
  private readonly strings = new Set<string>();
  private readonly ints = new Map<NixInt, Value>();
  /** Ordered set: keys sorted by `<`, with the element each came from. */
  private sorted: { key: Value; elem: Value }[] = [];
  private firstKey: Value = null;
  private firstElem: Value = null;

  /** Whether the key is new (and now recorded). */
  *insert(key: Value, elem: Value): Gen<boolean> {
    const kind = typeof key === 'string' || key instanceof NixString ? 'string'
      : key instanceof NixPath ? 'path'
        : typeof key === 'number' || typeof key === 'bigint' ? 'int' : 'other';
    switch (this.mode) {
      case 'none':
        this.firstKey = key;
        this.firstElem = elem;
        if (kind === 'string' || kind === 'path' || kind === 'int') this.mode = kind;
        else this.mode = 'fallback';
        return yield* this.insert(key, elem);
      case 'string':
      case 'path': {
        if (kind !== this.mode) return yield* this.compareError(key, elem);
        const s = key instanceof NixPath ? key.path : typeof key === 'string' ? key : (key as NixString).s;
        if (this.strings.has(s)) return false;
        this.strings.add(s);
        return true;
      }
      case 'int': {
        if (kind === 'int') {
          const n = key as NixInt;
          if (this.ints.has(n)) return false;
          this.ints.set(n, elem);
          return true;
        }
        if (key instanceof NixFloat) {
          // Integers and floats compare with each other: move to the ordered set.
          const entries = [...this.ints.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
          this.sorted = entries.map(([k, e]) => ({ key: k, elem: e }));
          this.ints.clear();
          this.mode = 'fallback';
          return yield* this.insertFallback(key, elem);
        }
        return yield* this.compareError(key, elem);
      }
      case 'fallback':
        return yield* this.insertFallback(key, elem);
    }
  }

  private *compareError(key: Value, elem: Value): Gen<boolean> {
    try {
      yield* lessThanGen(key, this.firstKey);
    } catch (e) {
      throw this.compareTraces(e, elem, this.firstElem);
    }
    throw new Error('genericClosure: keys of different types compared without error');
  }

  private compareTraces(e: unknown, elem: Value, other: Value): unknown {
    if (e instanceof NixError) {
      // Innermost first: printed as "while comparing element A" then "with element B".
      e.addTrace(`with element ${printForError(other)}`);
      e.addTrace(`while comparing element ${printForError(elem)}`);
    }
    return e;
  }

  private *insertFallback(key: Value, elem: Value): Gen<boolean> {
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    try {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (yield* lessThanGen(key, s[mid].key)) hi = mid;
        else if (yield* lessThanGen(s[mid].key, key)) lo = mid + 1;
        else return false;
      }
    } catch (e) {
      if (!(e instanceof NixError)) throw e;
      // As C++ Nix: name the first key (in order) that the new one cannot be compared with.
      let other: Value | undefined;
      for (const entry of s) {
        try {
          yield* lessThanGen(key, entry.key);
        } catch (e2) {
          // Only an error of the comparison itself names the other key; limits are not.
          if (!(e2 instanceof NixError) || e2.kind === 'memory-limit') throw e2;
          other = entry.elem;
          break;
        }
      }
      if (other !== undefined) throw this.compareTraces(e, elem, other);
      throw e.addTrace(`while checking key of element ${printForError(elem)}`);
    }
    s.splice(lo, 0, { key, elem });
    return true;
  }
}

function* genericClosureGen(args: Value[]): Gen {
  const arg = attrsCtx(args[0], 'while evaluating the first argument passed to builtins.genericClosure');
  const startSetV = getAttrCtx(arg, 'startSet', 'in the attrset passed as argument to builtins.genericClosure');
  const startSet = listCtx(
    yield* force(startSetV),
    "while evaluating the 'startSet' attribute passed as argument to builtins.genericClosure",
  );
  if (startSet.length === 0) return startSet;
  const opV = getAttrCtx(arg, 'operator', 'in the attrset passed as argument to builtins.genericClosure');
  const op = functionCtx(
    yield* force(opV),
    "while evaluating the 'operator' attribute passed as argument to builtins.genericClosure",
  );

  const queue: Value[] = startSet.slice();
  const result: Value[] = [];
  const keys = new KeyTracker();
  for (let head = 0; head < queue.length; head++) {
    // The result holds the elements themselves (the same places), as the operator gets them.
    const e0 = queue[head];
    queue[head] = null;
    let e: NixAttrs;
    let keyV: Value;
    try {
      const ev = yield* force(e0);
      if (!(ev instanceof NixAttrs)) throw typeError('a set', ev);
      e = ev;
      const k = e.get('key');
      if (k === undefined) throw new NixError('type', "attribute 'key' missing");
      keyV = k;
    } catch (err) {
      throw withContext(err, `in genericClosure element ${printForError(e0)}`);
    }
    const key = yield* force(keyV);
    if (!(yield* keys.insert(key, e))) continue;
    result.push(e0);

    try {
      const r = yield* callFn(op, [e0]);
      const next = listCtx(r, 'while evaluating the return value of the `operator` passed to builtins.genericClosure');
      // Each new element costs a queue slot, and when its key is new a result slot and a key.
      reserveList(next.length, 3 * SLOT_BYTES);
      for (let i = 0; i < next.length; i++) {
        yield* force(next[i]);
        queue.push(next[i]);
      }
    } catch (err) {
      throw withContext(err, `while calling operator on genericClosure element ${printForError(e)}`);
    }
    // Let processed entries be collected on long runs.
    if (head > 4096 && head * 2 > queue.length) {
      queue.splice(0, head + 1);
      head = -1;
    }
  }
  return result;
}

// ---- the registry

export const listsBuiltins: BuiltinSpec[] = [
  defineBuiltin('map', 2, (args) => drive(mapGen(args)), { lazy: [0, 1] }),
  defineBuiltin('filter', 2, (args) => drive(filterGen(args)), { lazy: [0, 1] }),
  defineBuiltin("foldl'", 3, (args) => drive(foldlGen(args)), { lazy: [0, 1, 2] }),
  defineBuiltin('genList', 2, (args) => drive(genListGen(args)), { lazy: [0, 1] }),
  defineBuiltin('length', 1, ([l]) => listCtx(l, 'while evaluating the first argument passed to builtins.length').length),
  defineBuiltin('head', 1, headImpl),
  defineBuiltin('tail', 1, tailImpl),
  defineBuiltin('elem', 2, (args) => drive(elemGen(args)), { lazy: [0, 1] }),
  defineBuiltin('elemAt', 2, (args) => drive(elemAtGen(args)), { lazy: [0, 1] }),
  defineBuiltin('concatLists', 1, (args) => drive(concatListsGen(args))),
  defineBuiltin('concatMap', 2, (args) => drive(concatMapGen(args)), { lazy: [0, 1] }),
  defineBuiltin('sort', 2, (args) => drive(sortGen(args)), { lazy: [0, 1] }),
  defineBuiltin('partition', 2, (args) => drive(partitionGen(args)), { lazy: [0, 1] }),
  defineBuiltin('groupBy', 2, (args) => drive(groupByGen(args)), { lazy: [0, 1] }),
  defineBuiltin('all', 2, (args) => drive(anyAllGen(args, false)), { lazy: [0, 1] }),
  defineBuiltin('any', 2, (args) => drive(anyAllGen(args, true)), { lazy: [0, 1] }),
  defineBuiltin('genericClosure', 1, (args) => drive(genericClosureGen(args))),
];
