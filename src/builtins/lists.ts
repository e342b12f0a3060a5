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
  Builtin, type BuiltinContext, type BuiltinSpec, CallRequest, Closure, type DirectEval, evaluatedValue, force, NixAttrs, NixFloat, NixPath, NixString, type Request, Thunk,
  type Value,
} from '../value/values.js';
import { printForError } from '../value/print.js';
import { internName } from '../value/symbols.js';
import { showIdentifier } from '../syntax/show.js';
import { equalPlacesGen, equalValues, lessThanGen, quickEqual } from '../vm/ops.js';
import { defineBuiltin, typeError } from './util.js';
import { builtinDepth } from '../value/depth.js';
import {
  attrsCtx, boolCtx, forceFunction, forceFunctionDirect, forceInt, forceIntDirect, listCtx, stringNoCtx, withFrame,
} from './force-args.js';
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
  if (v.code === null) return v.value!;
  return force(v);
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

// Each builtin that forces or calls has two versions: a generator for the VM (`fooGen`) and
// a plain function for the compiled tier (`fooDirect`, BuiltinSpec.direct), which forces and
// calls through a DirectEval. They differ only there: the messages, the checks and the work
// between the forces are the shared constants and functions beside them, so the two cannot
// drift apart (and test/codegen's fuzzer compares them).

// ---- map, filter, folds

const MAP_FN = 'while evaluating the first argument passed to builtins.map';
const MAP_LIST = 'while evaluating the second argument passed to builtins.map';

/** `map f list`: the lazy applications. */
function mapped(f: Value, list: Value[]): Value[] {
  reserveList(list.length, THUNK_BYTES);
  const out: Value[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    tick();
    out[i] = Thunk.apply1(f, list[i]);
  }
  return out;
}

function* mapGen(args: Value[]): Gen {
  const list = listCtx(yield* force(args[1]), MAP_LIST);
  if (list.length === 0) return list;
  return mapped(yield* forceFunction(args[0], MAP_FN), list);
}

function mapDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const list = listCtx(ev.force(args[1]), MAP_LIST);
  if (list.length === 0) return list;
  return mapped(forceFunctionDirect(ev, args[0], MAP_FN), list);
}

const FILTER_FN = 'while evaluating the first argument passed to builtins.filter';
const FILTER_LIST = 'while evaluating the second argument passed to builtins.filter';
const FILTER_RESULT = 'while evaluating the return value of the filtering function passed to builtins.filter';

function* filterGen(args: Value[]): Gen {
  const list = listCtx(yield* force(args[1]), FILTER_LIST);
  if (list.length === 0) return list;
  const f = yield* forceFunction(args[0], FILTER_FN);
  reserveList(list.length);
  const out: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    if (boolCtx(yield* callFn(f, [list[i]]), FILTER_RESULT)) out.push(list[i]);
  }
  return out.length === list.length ? list : out;
}

function filterDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const list = listCtx(ev.force(args[1]), FILTER_LIST);
  if (list.length === 0) return list;
  const f = forceFunctionDirect(ev, args[0], FILTER_FN);
  reserveList(list.length);
  const out: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    if (boolCtx(ev.call1(f, list[i]), FILTER_RESULT)) out.push(list[i]);
  }
  return out.length === list.length ? list : out;
}

const FOLDL_FN = 'while evaluating the first argument passed to builtins.foldlStrict';
const FOLDL_LIST = 'while evaluating the third argument passed to builtins.foldlStrict';

/** Each result is a new place, not the place it was taken from (`elem` tells them apart). */
function accumulator(acc: Value, i: number): Value {
  return i > 0 && typeof acc === 'object' && acc !== null ? Thunk.evaluated(acc) : acc;
}

function* foldlGen(args: Value[]): Gen {
  const f = yield* forceFunction(args[0], FOLDL_FN);
  const list = listCtx(yield* force(args[2]), FOLDL_LIST);
  // The initial value is passed on unevaluated; only an empty list returns (and forces) it.
  if (list.length === 0) return yield* force(args[1]);
  let acc = args[1];
  for (let i = 0; i < list.length; i++) acc = yield* callFn(f, [accumulator(acc, i), list[i]]);
  return acc;
}

function foldlDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const f = forceFunctionDirect(ev, args[0], FOLDL_FN);
  const list = listCtx(ev.force(args[2]), FOLDL_LIST);
  if (list.length === 0) return ev.force(args[1]);
  let acc = args[1];
  for (let i = 0; i < list.length; i++) acc = ev.call2(f, accumulator(acc, i), list[i]);
  return acc;
}

/** The messages of `any` (any = true) or `all`. */
function anyAllContexts(any: boolean): { fn: string; list: string; result: string } {
  const name = any ? 'any' : 'all';
  return {
    fn: `while evaluating the first argument passed to builtins.${name}`,
    list: `while evaluating the second argument passed to builtins.${name}`,
    result: `while evaluating the return value of the function passed to builtins.${name}`,
  };
}
const ANY = anyAllContexts(true);
const ALL = anyAllContexts(false);

function* anyAllGen(args: Value[], any: boolean): Gen {
  const ctx = any ? ANY : ALL;
  const f = yield* forceFunction(args[0], ctx.fn);
  const list = listCtx(yield* force(args[1]), ctx.list);
  for (let i = 0; i < list.length; i++) {
    if (boolCtx(yield* callFn(f, [list[i]]), ctx.result) === any) return any;
  }
  return !any;
}

function anyAllDirect(args: Value[], ev: DirectEval, any: boolean): Value {
  const ctx = any ? ANY : ALL;
  const f = forceFunctionDirect(ev, args[0], ctx.fn);
  const list = listCtx(ev.force(args[1]), ctx.list);
  for (let i = 0; i < list.length; i++) {
    if (boolCtx(ev.call1(f, list[i]), ctx.result) === any) return any;
  }
  return !any;
}

const GENLIST_FN = 'while evaluating the first argument passed to builtins.genList';
const GENLIST_LENGTH = 'while evaluating the second argument passed to builtins.genList';

/** The length asked of genList, checked. */
function listLength(n: NixInt): number {
  // JS arrays stop at 2^32 - 1 elements; C++ Nix would run out of memory long before.
  if (n < 0 || n > 0xffffffff) throw new NixError('eval', `cannot create list of size ${n}`);
  return Number(n);
}

/** `genList f len`: the lazy applications. */
function generated(f: Value, len: number): Value[] {
  reserveList(len, THUNK_BYTES);
  const out: Value[] = new Array(len);
  for (let i = 0; i < len; i++) {
    tick();
    out[i] = Thunk.apply1(f, i);
  }
  return out;
}

function* genListGen(args: Value[]): Gen {
  const len = listLength(yield* forceInt(args[1], GENLIST_LENGTH));
  // C++ Nix checks the function even for an empty list.
  return generated(yield* forceFunction(args[0], GENLIST_FN), len);
}

function genListDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const len = listLength(forceIntDirect(ev, args[1], GENLIST_LENGTH));
  return generated(forceFunctionDirect(ev, args[0], GENLIST_FN), len);
}

// ---- element access

/** The first element, unforced. */
function first(l: Value): Value {
  const list = listCtx(l, "while evaluating the first argument passed to 'builtins.head'");
  if (list.length === 0) throw new NixError('eval', "'builtins.head' called on an empty list");
  return list[0];
}

function headImpl([l]: Value[]): Value | Gen {
  return forced(first(l));
}

function headDirect([l]: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  return ev.force(first(l));
}

function tailImpl([l]: Value[]): Value {
  const list = listCtx(l, "while evaluating the first argument passed to 'builtins.tail'");
  if (list.length === 0) throw new NixError('eval', "'builtins.tail' called on an empty list");
  reserveList(list.length - 1);
  return list.slice(1);
}

const ELEMAT_LIST = "while evaluating the first argument passed to 'builtins.elemAt'";
const ELEMAT_INDEX = "while evaluating the second argument passed to 'builtins.elemAt'";

/** The element at n, unforced, or the error of an index out of bounds. */
function elementAt(list: Value[], n: NixInt): Value {
  if (n < 0 || n >= list.length) {
    throw new NixError('eval', `'builtins.elemAt' called with index ${n} on a list of size ${list.length}`);
  }
  return list[Number(n)];
}

function* elemAtGen(args: Value[]): Gen {
  const n = yield* forceInt(args[1], ELEMAT_INDEX);
  return yield* force(elementAt(listCtx(yield* force(args[0]), ELEMAT_LIST), n));
}

function elemAtDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const n = forceIntDirect(ev, args[1], ELEMAT_INDEX);
  return ev.force(elementAt(listCtx(ev.force(args[0]), ELEMAT_LIST), n));
}

/** elemAt of a list and an index in it whose element is evaluated already (see BuiltinSpec.quick2). */
function elemAtQuick(list: Value, n: Value): Value | undefined {
  if (!Array.isArray(list) || typeof n !== 'number' || !(n >= 0 && n < list.length)) return undefined;
  return evaluatedValue(list[n]);
}

const ELEM_LIST = 'while evaluating the second argument passed to builtins.elem';

function* elemGen(args: Value[], ctx: BuiltinContext): Gen {
  const list = listCtx(yield* force(args[1]), ELEM_LIST);
  // With an explicit max-call-depth, each comparison counts from this call's depth (C++ Nix's eqValues).
  const count = builtinDepth(ctx);
  // The needle and each element are places: `elem f [ f ]` is true for a function f.
  for (let i = 0; i < list.length; i++) {
    tick();
    if (yield* equalPlacesGen(args[0], list[i], count)) return true;
  }
  return false;
}

function elemDirect(args: Value[], ctx: BuiltinContext, ev: DirectEval): Value {
  // Forcing at a call depth is the generator's (ForceAtDepth requests).
  if (ctx.state.settings.maxCallDepth !== undefined) return ev.drive(elemGen(args, ctx));
  const list = listCtx(ev.force(args[1]), ELEM_LIST);
  if (list.length === 0) return false;
  const needle = ev.force(args[0]);
  if (typeof needle === 'number' || typeof needle === 'string') {
    // (lib's unique.) A number or a string without context equals an element of the same
    // type by ===; quickEqual decides every other forced element against it.
    for (let i = 0; i < list.length; i++) {
      if ((i & 63) === 0) tick(64);
      let e = list[i];
      if (e instanceof Thunk) e = e.code === null ? e.value! : ev.force(e);
      if (e === needle || (typeof e !== typeof needle && quickEqual(needle, e))) return true;
    }
    return false;
  }
  for (let i = 0; i < list.length; i++) {
    tick();
    // equalPlacesGen's first step (force both, the same place, simple values) inline; lists,
    // sets and the rest go to its version without a generator.
    const a = ev.force(args[0]);
    const b = ev.force(list[i]);
    if (args[0] === list[i]) return true;
    const quick = quickEqual(a, b);
    if (quick !== undefined ? quick : equalValues(args[0], list[i], true, ev.force)) return true;
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

const CONCATLISTS_LIST = 'while evaluating the first argument passed to builtins.concatLists';
const CONCATLISTS_ELEMENT = 'while evaluating a value of the list passed to builtins.concatLists';

function* concatListsGen(args: Value[]): Gen {
  const outer = listCtx(args[0], CONCATLISTS_LIST);
  const lists: Value[][] = new Array(outer.length);
  for (let i = 0; i < outer.length; i++) lists[i] = listCtx(yield* force(outer[i]), CONCATLISTS_ELEMENT);
  return concatForced(lists);
}

function concatListsDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const outer = listCtx(args[0], CONCATLISTS_LIST);
  const lists: Value[][] = new Array(outer.length);
  for (let i = 0; i < outer.length; i++) lists[i] = listCtx(ev.force(outer[i]), CONCATLISTS_ELEMENT);
  return concatForced(lists);
}

const CONCATMAP_FN = 'while evaluating the first argument passed to builtins.concatMap';
const CONCATMAP_LIST = 'while evaluating the second argument passed to builtins.concatMap';
const CONCATMAP_RESULT = 'while evaluating the return value of the function passed to builtins.concatMap';

/** The lists concatMap's function returned, joined (always a new list). */
function joined(lists: Value[][]): Value[] {
  let len = 0;
  for (const l of lists) len += l.length;
  reserveList(len);
  const out: Value[] = new Array(len);
  let k = 0;
  for (const l of lists) for (let i = 0; i < l.length; i++) out[k++] = l[i];
  return out;
}

function* concatMapGen(args: Value[]): Gen {
  const f = yield* forceFunction(args[0], CONCATMAP_FN);
  const list = listCtx(yield* force(args[1]), CONCATMAP_LIST);
  const lists: Value[][] = new Array(list.length);
  for (let i = 0; i < list.length; i++) lists[i] = listCtx(yield* callFn(f, [list[i]]), CONCATMAP_RESULT, lambdaPos(f));
  return joined(lists);
}

function concatMapDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const f = forceFunctionDirect(ev, args[0], CONCATMAP_FN);
  const list = listCtx(ev.force(args[1]), CONCATMAP_LIST);
  const lists: Value[][] = new Array(list.length);
  for (let i = 0; i < list.length; i++) lists[i] = listCtx(ev.call1(f, list[i]), CONCATMAP_RESULT, lambdaPos(f));
  return joined(lists);
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

const SORT_FN = 'while evaluating the first argument passed to builtins.sort';
const SORT_LIST = 'while evaluating the second argument passed to builtins.sort';
const SORT_ORDER = 'while evaluating the ordering function passed to builtins.sort';
const SORT_RESULT = 'while evaluating the return value of the sorting function passed to builtins.sort';

/**
 * `sort lessThan` compares directly, without calling the primop, as C++ Nix does (list
 * elements' eqValues counted from sort's own call depth, with an explicit max-call-depth).
 */
function primopLess(ctx: BuiltinContext): Less {
  const count = builtinDepth(ctx);
  return function* (x, y) {
    try {
      return yield* lessThanGen(x, y, count);
    } catch (e) {
      throw withFrame(e, SORT_ORDER);
    }
  };
}

/** A forced element's value. */
function forcedValue(v: Value): Value {
  return v instanceof Thunk ? v.value! : v;
}

/**
 * `sort lessThan` of integers, or of strings without context, sorted in place without the
 * comparator: none of its comparisons can fail or be seen, so any stable sort gives C++
 * Nix's order (byte order for strings: one JS char is one byte). False, untouched, otherwise.
 */
function sortedPlainly(a: Value[]): boolean {
  const kind = typeof forcedValue(a[0]);
  if (kind !== 'number' && kind !== 'string') return false;
  for (let i = 1; i < a.length; i++) if (typeof forcedValue(a[i]) !== kind) return false;
  a.sort((x, y) => {
    const p = forcedValue(x) as number | string;
    const q = forcedValue(y) as number | string;
    return p < q ? -1 : q < p ? 1 : 0;
  });
  return true;
}

/** The sorted copy of `list` (whose elements are forced) with `less`. */
function* sorted(list: Value[], less: Less): Gen {
  yield* peeksort(list, less);
  return list;
}

/** The copy to sort, its elements forced first with `forceAll` (the sorted list holds the elements themselves). */
function sortCopy(list: Value[]): Value[] {
  // The sorted copy and the merge buffer.
  reserveList(2 * list.length);
  return list.slice();
}

function* sortGen(args: Value[], ctx: BuiltinContext): Gen {
  const list = listCtx(yield* force(args[1]), SORT_LIST);
  if (list.length === 0) return list;
  const f = yield* forceFunction(args[0], SORT_FN);
  const a = sortCopy(list);
  for (let i = 0; i < list.length; i++) yield* force(list[i]);
  if (isLessThanPrimop(f) && sortedPlainly(a)) return a;
  const less: Less = isLessThanPrimop(f) ? primopLess(ctx) : function* (x, y) {
    return boolCtx(yield* callFn(f, [x, y]), SORT_RESULT);
  };
  return yield* sorted(a, less);
}

function sortDirect(args: Value[], ctx: BuiltinContext, ev: DirectEval): Value {
  const list = listCtx(ev.force(args[1]), SORT_LIST);
  if (list.length === 0) return list;
  const f = forceFunctionDirect(ev, args[0], SORT_FN);
  const a = sortCopy(list);
  for (let i = 0; i < list.length; i++) ev.force(list[i]);
  if (isLessThanPrimop(f) && sortedPlainly(a)) return a;
  // The sort itself is the VM's generator, its comparisons made here: it never yields.
  const less: Less = isLessThanPrimop(f) ? primopLess(ctx) : function* (x, y) {
    return boolCtx(ev.call2(f, x, y), SORT_RESULT);
  };
  return ev.drive(sorted(a, less));
}

// ---- partition, groupBy

const PARTITION_FN = 'while evaluating the first argument passed to builtins.partition';
const PARTITION_LIST = 'while evaluating the second argument passed to builtins.partition';
const PARTITION_RESULT = 'while evaluating the return value of the partition function passed to builtins.partition';

function partitioned(right: Value[], wrong: Value[]): NixAttrs {
  return NixAttrs.fromMap(new Map<string, Value>([['right', right], ['wrong', wrong]]));
}

function* partitionGen(args: Value[]): Gen {
  const f = yield* forceFunction(args[0], PARTITION_FN);
  const list = listCtx(yield* force(args[1]), PARTITION_LIST);
  reserveList(list.length);
  const right: Value[] = [];
  const wrong: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    // Forced first, as C++ Nix does; the lists hold the elements themselves (the same places).
    yield* force(list[i]);
    if (boolCtx(yield* callFn(f, [list[i]]), PARTITION_RESULT)) right.push(list[i]);
    else wrong.push(list[i]);
  }
  return partitioned(right, wrong);
}

function partitionDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const f = forceFunctionDirect(ev, args[0], PARTITION_FN);
  const list = listCtx(ev.force(args[1]), PARTITION_LIST);
  reserveList(list.length);
  const right: Value[] = [];
  const wrong: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    ev.force(list[i]);
    if (boolCtx(ev.call1(f, list[i]), PARTITION_RESULT)) right.push(list[i]);
    else wrong.push(list[i]);
  }
  return partitioned(right, wrong);
}

const GROUPBY_FN = 'while evaluating the first argument passed to builtins.groupBy';
const GROUPBY_LIST = 'while evaluating the second argument passed to builtins.groupBy';
const GROUPBY_RESULT = 'while evaluating the return value of the grouping function passed to builtins.groupBy';

function addToGroup(groups: Map<string, Value>, name: string, v: Value): void {
  const g = groups.get(name) as Value[] | undefined;
  if (g) g.push(v);
  else groups.set(name, [v]);
}

function grouped(groups: Map<string, Value>): NixAttrs {
  return groups.size === 0 ? NixAttrs.EMPTY : NixAttrs.fromMap(groups);
}

function* groupByGen(args: Value[]): Gen {
  const f = yield* forceFunction(args[0], GROUPBY_FN);
  const list = listCtx(yield* force(args[1]), GROUPBY_LIST);
  reserveList(list.length);
  const groups = new Map<string, Value>();
  for (let i = 0; i < list.length; i++) addToGroup(groups, internName(stringNoCtx(yield* callFn(f, [list[i]]), GROUPBY_RESULT)), list[i]);
  return grouped(groups);
}

function groupByDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const f = forceFunctionDirect(ev, args[0], GROUPBY_FN);
  const list = listCtx(ev.force(args[1]), GROUPBY_LIST);
  reserveList(list.length);
  const groups = new Map<string, Value>();
  for (let i = 0; i < list.length; i++) addToGroup(groups, internName(stringNoCtx(ev.call1(f, list[i]), GROUPBY_RESULT)), list[i]);
  return grouped(groups);
}
// ---- genericClosure

/**
 * The keys seen by genericClosure, as C++ Nix's GenericClosureKeyTracker: the first key's
 * type picks a hash set for strings, paths or integers; other keys (and integers mixed
 * with floats) go to an ordered set compared like `<`. A key of another type than a hashed
 * set's is compared with the first key, which fails with C++ Nix's error.
 */
function keyKind(key: Value): 'string' | 'path' | 'int' | 'other' {
  return typeof key === 'string' || key instanceof NixString ? 'string'
    : key instanceof NixPath ? 'path'
      : typeof key === 'number' || typeof key === 'bigint' ? 'int' : 'other';
}

class KeyTracker {
  private mode: 'none' | 'string' | 'path' | 'int' | 'fallback' = 'none';
  private readonly strings = new Set<string>();
  private readonly ints = new Map<NixInt, Value>();
  /** Ordered set: keys sorted by `<`, with the element each came from. */
  private sorted: { key: Value; elem: Value }[] = [];
  private firstKey: Value = null;
  private firstElem: Value = null;

  /**
   * Records the key when that needs no comparison (the first key, or a key of a hashed set's
   * type): whether it is new. Undefined when only insert() can tell.
   */
  tryInsert(key: Value, elem: Value): boolean | undefined {
    const kind = keyKind(key);
    if (this.mode === 'none') {
      this.firstKey = key;
      this.firstElem = elem;
      this.mode = kind === 'other' ? 'fallback' : kind;
    }
    if (kind !== this.mode) return undefined;
    if (kind === 'int') {
      const n = key as NixInt;
      if (this.ints.has(n)) return false;
      this.ints.set(n, elem);
      return true;
    }
    const s = key instanceof NixPath ? key.path : typeof key === 'string' ? key : (key as NixString).s;
    if (this.strings.has(s)) return false;
    this.strings.add(s);
    return true;
  }

  /** Whether the key is new (and now recorded). */
  *insert(key: Value, elem: Value): Gen<boolean> {
    const known = this.tryInsert(key, elem);
    if (known !== undefined) return known;
    if (this.mode === 'fallback') return yield* this.insertFallback(key, elem);
    if (this.mode === 'int' && key instanceof NixFloat) {
      // Integers and floats compare with each other: move to the ordered set.
      const entries = [...this.ints.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      this.sorted = entries.map(([k, e]) => ({ key: k, elem: e }));
      this.ints.clear();
      this.mode = 'fallback';
      return yield* this.insertFallback(key, elem);
    }
    return yield* this.compareError(key, elem);
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

const CLOSURE_ARG = 'while evaluating the first argument passed to builtins.genericClosure';
const CLOSURE_ATTR = 'in the attrset passed as argument to builtins.genericClosure';
const CLOSURE_START = "while evaluating the 'startSet' attribute passed as argument to builtins.genericClosure";
const CLOSURE_OP = "while evaluating the 'operator' attribute passed as argument to builtins.genericClosure";
const CLOSURE_RESULT = 'while evaluating the return value of the `operator` passed to builtins.genericClosure';

/** The work list of genericClosure: the elements still to visit, and those kept. */
class ClosureWalk {
  readonly queue: Value[];
  readonly result: Value[] = [];
  readonly keys = new KeyTracker();
  head = 0;
  constructor(startSet: Value[]) {
    this.queue = startSet.slice();
  }

  /** The next element to visit (unforced), or undefined at the end. */
  next(): Value | undefined {
    // Let processed entries be collected on long runs.
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.head === this.queue.length) return undefined;
    const e0 = this.queue[this.head];
    this.queue[this.head++] = null;
    return e0;
  }

  /** The forced element as a set, and its key (unforced). */
  element(e0: Value, forced: Value): { e: NixAttrs; keyV: Value } {
    try {
      if (!(forced instanceof NixAttrs)) throw typeError('a set', forced);
      const keyV = forced.get('key');
      if (keyV === undefined) throw new NixError('type', "attribute 'key' missing");
      return { e: forced, keyV };
    } catch (err) {
      throw elementFailed(err, e0);
    }
  }

  /** The operator's result: its elements go to the queue once forced (by the caller). */
  successors(r: Value): Value[] {
    const next = listCtx(r, CLOSURE_RESULT);
    // Each new element costs a queue slot, and when its key is new a result slot and a key.
    reserveList(next.length, 3 * SLOT_BYTES);
    return next;
  }
}

function elementFailed(err: unknown, e0: Value): unknown {
  return withFrame(err, `in genericClosure element ${printForError(e0)}`);
}

function operatorFailed(err: unknown, e: NixAttrs): unknown {
  return withFrame(err, `while calling operator on genericClosure element ${printForError(e)}`);
}

// The result holds the elements themselves (the same places), as the operator gets them.

function* genericClosureGen(args: Value[]): Gen {
  const arg = attrsCtx(args[0], CLOSURE_ARG);
  const startSet = listCtx(yield* force(getAttrCtx(arg, 'startSet', CLOSURE_ATTR)), CLOSURE_START);
  if (startSet.length === 0) return startSet;
  const op = yield* forceFunction(getAttrCtx(arg, 'operator', CLOSURE_ATTR), CLOSURE_OP);
  const c = new ClosureWalk(startSet);
  for (let e0 = c.next(); e0 !== undefined; e0 = c.next()) {
    let forced: Value;
    try {
      forced = yield* force(e0);
    } catch (err) {
      throw elementFailed(err, e0);
    }
    const { e, keyV } = c.element(e0, forced);
    const key = yield* force(keyV);
    if (!(c.keys.tryInsert(key, e) ?? (yield* c.keys.insert(key, e)))) continue;
    c.result.push(e0);
    try {
      const next = c.successors(yield* callFn(op, [e0]));
      for (let i = 0; i < next.length; i++) {
        yield* force(next[i]);
        c.queue.push(next[i]);
      }
    } catch (err) {
      throw operatorFailed(err, e);
    }
  }
  return c.result;
}

function genericClosureDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const arg = attrsCtx(args[0], CLOSURE_ARG);
  const startSet = listCtx(ev.force(getAttrCtx(arg, 'startSet', CLOSURE_ATTR)), CLOSURE_START);
  if (startSet.length === 0) return startSet;
  const op = forceFunctionDirect(ev, getAttrCtx(arg, 'operator', CLOSURE_ATTR), CLOSURE_OP);
  const c = new ClosureWalk(startSet);
  for (let e0 = c.next(); e0 !== undefined; e0 = c.next()) {
    let forced: Value;
    try {
      forced = ev.force(e0);
    } catch (err) {
      throw elementFailed(err, e0);
    }
    const { e, keyV } = c.element(e0, forced);
    const key = ev.force(keyV);
    if (!(c.keys.tryInsert(key, e) ?? ev.drive(c.keys.insert(key, e)))) continue;
    c.result.push(e0);
    try {
      const next = c.successors(ev.call1(op, e0));
      for (let i = 0; i < next.length; i++) {
        ev.force(next[i]);
        c.queue.push(next[i]);
      }
    } catch (err) {
      throw operatorFailed(err, e);
    }
  }
  return c.result;
}

// ---- the registry

export const listsBuiltins: BuiltinSpec[] = [
  defineBuiltin('map', 2, (args) => drive(mapGen(args)), { lazy: [0, 1], direct: mapDirect }),
  defineBuiltin('filter', 2, (args) => drive(filterGen(args)), { lazy: [0, 1], direct: filterDirect }),
  defineBuiltin("foldl'", 3, (args) => drive(foldlGen(args)), { lazy: [0, 1, 2], direct: foldlDirect }),
  defineBuiltin('genList', 2, (args) => drive(genListGen(args)), { lazy: [0, 1], direct: genListDirect }),
  defineBuiltin('length', 1, ([l]) => listCtx(l, 'while evaluating the first argument passed to builtins.length').length, {
    quick1: (l) => (Array.isArray(l) ? l.length : undefined),
  }),
  defineBuiltin('head', 1, headImpl, { direct: headDirect }),
  defineBuiltin('tail', 1, tailImpl),
  defineBuiltin('elem', 2, (args, ctx) => drive(elemGen(args, ctx)), { lazy: [0, 1], direct: elemDirect }),
  defineBuiltin('elemAt', 2, (args) => drive(elemAtGen(args)), { lazy: [0, 1], direct: elemAtDirect, quick2: elemAtQuick }),
  defineBuiltin('concatLists', 1, (args) => drive(concatListsGen(args)), { direct: concatListsDirect }),
  defineBuiltin('concatMap', 2, (args) => drive(concatMapGen(args)), { lazy: [0, 1], direct: concatMapDirect }),
  defineBuiltin('sort', 2, (args, ctx) => drive(sortGen(args, ctx)), { lazy: [0, 1], direct: sortDirect }),
  defineBuiltin('partition', 2, (args) => drive(partitionGen(args)), { lazy: [0, 1], direct: partitionDirect }),
  defineBuiltin('groupBy', 2, (args) => drive(groupByGen(args)), { lazy: [0, 1], direct: groupByDirect }),
  defineBuiltin('all', 2, (args) => drive(anyAllGen(args, false)), { lazy: [0, 1], direct: (args, _ctx, ev) => anyAllDirect(args, ev, false) }),
  defineBuiltin('any', 2, (args) => drive(anyAllGen(args, true)), { lazy: [0, 1], direct: (args, _ctx, ev) => anyAllDirect(args, ev, true) }),
  defineBuiltin('genericClosure', 1, (args) => drive(genericClosureGen(args)), { direct: genericClosureDirect }),
];
