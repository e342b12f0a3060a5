// Attribute-set builtins: attrNames, attrValues, getAttr, hasAttr, removeAttrs,
// intersectAttrs, listToAttrs, mapAttrs, catAttrs, zipAttrsWith, functionArgs,
// unsafeGetAttrPos.
//
// Semantics follow C++ Nix 2.36 (src/libexpr/primops.cc), including the order in which
// arguments are forced and checked and the "while evaluating ..." context of type errors;
// see lists.ts for the shared helpers.

import { NixError } from '../errors/errors.js';
import {
  type AttrPosition, AttrShape, Builtin, type BuiltinContext, type BuiltinSpec, Closure, type DirectEval, evaluatedValue, force, NixAttrs, Thunk, type Value,
} from '../value/values.js';
import { defineBuiltin } from './util.js';
import { OBJECT_BYTES, reserve, reserveAttrs, reserveList, THUNK_BYTES, tick } from '../limits/limits.js';
import { internName, missedName, symbolTable } from '../value/symbols.js';
import { drive, type Gen, getAttrCtx } from './lists.js';
import { positionValue } from '../value/position.js';
import { compareBytes, newNames } from '../value/attrs.js';
import type { FormalsInfo } from '../compiler/chunk.js';
import {
  attrsCtx, forceFunction, forceFunctionDirect, forceStringNoCtxAt, forceStringNoCtxDirect, forceTraced, forceTracedDirect, listCtx,
  stringNoCtx,
} from './force-args.js';

function attrNamesImpl([s]: Value[]): Value {
  return namesOf(attrsCtx(s, 'while evaluating the argument passed to builtins.attrNames'));
}

function namesOf(set: NixAttrs): Value {
  // The sorted names the set keeps are the list: no value is ever changed in place, and a
  // list is a value like a set's names (lib's matchAttrs asks for a pattern's names each time).
  reserveList(set.size);
  return set.keys() as Value[];
}

/** attrNames of a set (anything else is left to attrNamesImpl's error). */
function attrNamesQuick(s: Value): Value | undefined {
  return s instanceof NixAttrs ? namesOf(s) : undefined;
}

function attrValuesImpl([s]: Value[]): Value {
  const set = attrsCtx(s, 'while evaluating the argument passed to builtins.attrValues');
  reserveList(set.size);
  // The values are in the order of the sorted names (copied: the set's array is its own).
  return set.values.slice();
}

// As in lists.ts, a builtin that forces has a generator (`fooGen`, for the VM) and a plain
// function (`fooDirect`, for the compiled tier) that differ only in how they force and call.

const GETATTR_NAME = 'while evaluating the first argument passed to builtins.getAttr';
const GETATTR_SET = 'while evaluating the second argument passed to builtins.getAttr';
const GETATTR_MISSING = 'in the attribute set under consideration';

function* getAttrGen(args: Value[]): Gen {
  const name = yield* forceStringNoCtxAt(args[0], GETATTR_NAME);
  const set = attrsCtx(yield* force(args[1]), GETATTR_SET);
  return yield* force(getAttrCtx(set, name, GETATTR_MISSING));
}

function getAttrDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const name = forceStringNoCtxDirect(ev, args[0], GETATTR_NAME);
  const set = attrsCtx(ev.force(args[1]), GETATTR_SET);
  return ev.force(getAttrCtx(set, name, GETATTR_MISSING));
}

const HASATTR_NAME = 'while evaluating the first argument passed to builtins.hasAttr';
const HASATTR_SET = 'while evaluating the second argument passed to builtins.hasAttr';

function* hasAttrGen(args: Value[]): Gen {
  const name = yield* forceStringNoCtxAt(args[0], HASATTR_NAME);
  const set = attrsCtx(yield* force(args[1]), HASATTR_SET);
  return set.has(name) || missedName(name);
}

function hasAttrDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const name = forceStringNoCtxDirect(ev, args[0], HASATTR_NAME);
  return attrsCtx(ev.force(args[1]), HASATTR_SET).has(name) || missedName(name);
}

// The quick answers (BuiltinSpec.quick2) for a name without context and a set, evaluated.

function getAttrQuick(name: Value, set: Value): Value | undefined {
  if (typeof name !== 'string' || !(set instanceof NixAttrs)) return undefined;
  const i = set.shape.indexOf(name);
  if (i < 0) return undefined;
  return evaluatedValue(set.values[i]);
}

function hasAttrQuick(name: Value, set: Value): Value | undefined {
  return typeof name === 'string' && set instanceof NixAttrs ? set.has(name) || missedName(name) : undefined;
}

function* unsafeGetAttrPosGen(args: Value[]): Gen {
  const name = yield* forceStringNoCtxAt(args[0], 'while evaluating the first argument passed to builtins.unsafeGetAttrPos');
  const set = attrsCtx(yield* force(args[1]), 'while evaluating the second argument passed to builtins.unsafeGetAttrPos');
  const pos = set.has(name) || missedName(name) ? set.positions?.get(name) : undefined;
  return pos ? positionValue(pos.source, pos.offset) : null;
}

const REMOVEATTRS_SET = 'while evaluating the first argument passed to builtins.removeAttrs';
const REMOVEATTRS_LIST = 'while evaluating the second argument passed to builtins.removeAttrs';
const REMOVEATTRS_NAME = 'while evaluating the values of the second argument passed to builtins.removeAttrs';

function* removeAttrsGen(args: Value[]): Gen {
  const set = attrsCtx(yield* force(args[0]), REMOVEATTRS_SET);
  const list = listCtx(yield* force(args[1]), REMOVEATTRS_LIST);
  const names: string[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) names[i] = internName(yield* forceStringNoCtxAt(list[i], REMOVEATTRS_NAME));
  return withoutNames(set, names);
}

function removeAttrsDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const set = attrsCtx(ev.force(args[0]), REMOVEATTRS_SET);
  const list = listCtx(ev.force(args[1]), REMOVEATTRS_LIST);
  const names: string[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) names[i] = internName(forceStringNoCtxDirect(ev, list[i], REMOVEATTRS_NAME));
  return withoutNames(set, names);
}

/**
 * The set without the names (which may repeat, or not be in it). Each name is looked up in the
 * set's shape (a scan, a binary search or its index) rather than gathered into a Set: the
 * module system's calls remove up to nine names from sets of a few (lib-modules: 4,800 a run,
 * a quarter of them removing none).
 */
function withoutNames(set: NixAttrs, names: readonly string[]): NixAttrs {
  // Always a new set, as in C++ Nix (it is a different set for «repeated» in output); the
  // attributes keep their positions.
  reserveAttrs(set.size);
  const keys = set.keys();
  const n = keys.length;
  // The places of the names found: a bit each in `mask` for a set of up to 31 names, else a flag each.
  let mask = 0;
  let flags: Uint8Array | null = null;
  let found = 0;
  for (let i = 0; i < names.length; i++) {
    const at = set.shape.indexOf(names[i]);
    if (at < 0) continue;
    if (n <= 31) {
      if ((mask & (1 << at)) === 0) { mask |= 1 << at; found++; }
    } else {
      flags ??= new Uint8Array(n);
      if (flags[at] === 0) { flags[at] = 1; found++; }
    }
  }
  if (found === n) return NixAttrs.EMPTY;
  // None found: the same names at the same places, so the same shape.
  if (found === 0) return new NixAttrs(set.shape, set.values.slice());
  const kept = newNames(n - found);
  const values: Value[] = new Array(n - found);
  const from = set.values;
  for (let i = 0, k = 0; i < n; i++) {
    if (flags === null ? (mask & (1 << i)) === 0 : flags[i] === 0) { kept[k] = keys[i]; values[k++] = from[i]; }
  }
  return NixAttrs.fromSorted(kept, values, set.positions);
}

const LISTTOATTRS_LIST = 'while evaluating the argument passed to builtins.listToAttrs';
const LISTTOATTRS_ELEMENT = 'while evaluating an element of the list passed to builtins.listToAttrs';
const LISTTOATTRS_PAIR = 'in a {name=...; value=...;} pair';
const LISTTOATTRS_NAME = 'while evaluating the `name` attribute of an element of the list passed to builtins.listToAttrs';

interface NamedPair { name: string; id: number; set: NixAttrs }

/** The list, with room reserved for what listToAttrs builds of it. */
function pairList(v: Value): Value[] {
  const list = listCtx(v, LISTTOATTRS_LIST);
  reserveList(list.length, OBJECT_BYTES);
  reserveAttrs(list.length);
  return list;
}

// First every element and its name (interned as it is met), then (in symbol order, the
// first occurrence of each name) the values: the order in which C++ Nix reports errors.

function* listToAttrsGen(args: Value[]): Gen {
  const list = pairList(args[0]);
  const entries: NamedPair[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const set = attrsCtx(yield* force(list[i]), LISTTOATTRS_ELEMENT);
    const name = yield* forceTraced(getAttrCtx(set, 'name', LISTTOATTRS_PAIR), LISTTOATTRS_NAME, set.positions?.get('name'));
    entries[i] = namedPair(set, name);
  }
  return attrsOfPairs(entries);
}

function listToAttrsDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const list = pairList(args[0]);
  const entries: NamedPair[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const set = attrsCtx(ev.force(list[i]), LISTTOATTRS_ELEMENT);
    const name = forceTracedDirect(ev, getAttrCtx(set, 'name', LISTTOATTRS_PAIR), LISTTOATTRS_NAME, set.positions?.get('name'));
    entries[i] = namedPair(set, name);
  }
  return attrsOfPairs(entries);
}

function namedPair(set: NixAttrs, nameV: Value): NamedPair {
  const name = stringNoCtx(nameV, LISTTOATTRS_NAME, set.positions?.get('name'));
  return { name, id: symbolTable().id(name), set };
}

function attrsOfPairs(entries: NamedPair[]): NixAttrs {
  if (entries.length === 0) return NixAttrs.EMPTY;
  // Stable: among equal names the earliest element stays first.
  entries.sort((a, b) => a.id - b.id);
  const map = new Map<string, Value>();
  // Each attribute is where its pair's `value` is (for unsafeGetAttrPos and traces).
  const positions = new Map<string, AttrPosition | undefined>();
  let prev: string | undefined;
  for (const { name, set } of entries) {
    if (name === prev) continue;
    prev = name;
    map.set(name, getAttrCtx(set, 'value', LISTTOATTRS_PAIR));
    positions.set(name, set.positions?.get('value'));
  }
  return NixAttrs.fromMap(map, { get: (name) => positions.get(name) });
}

const INTERSECTATTRS_LEFT = 'while evaluating the first argument passed to builtins.intersectAttrs';
const INTERSECTATTRS_RIGHT = 'while evaluating the second argument passed to builtins.intersectAttrs';

function* intersectAttrsGen(args: Value[]): Gen {
  const left = attrsCtx(yield* force(args[0]), INTERSECTATTRS_LEFT);
  return intersection(left, attrsCtx(yield* force(args[1]), INTERSECTATTRS_RIGHT));
}

function intersectAttrsDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const left = attrsCtx(ev.force(args[0]), INTERSECTATTRS_LEFT);
  return intersection(left, attrsCtx(ev.force(args[1]), INTERSECTATTRS_RIGHT));
}

function intersection(left: NixAttrs, right: NixAttrs): NixAttrs {
  reserveAttrs(Math.min(left.size, right.size));
  // Whichever set is smaller is walked (in order, so the names stay sorted).
  const names: string[] = [];
  const values: Value[] = [];
  if (left.size < right.size) {
    for (const k of left.keys()) {
      const i = right.shape.indexOf(k);
      if (i >= 0) { names.push(k); values.push(right.values[i]); }
    }
  } else {
    const keys = right.keys();
    for (let i = 0; i < keys.length; i++) if (left.has(keys[i])) { names.push(keys[i]); values.push(right.values[i]); }
  }
  // The attributes are those of the second set, positions included.
  return names.length === 0 ? NixAttrs.EMPTY : NixAttrs.fromSorted(names, values, right.positions);
}

const CATATTRS_NAME = 'while evaluating the first argument passed to builtins.catAttrs';
const CATATTRS_LIST = 'while evaluating the second argument passed to builtins.catAttrs';
const CATATTRS_ELEMENT = 'while evaluating an element in the list passed as second argument to builtins.catAttrs';

function* catAttrsGen(args: Value[]): Gen {
  const name = internName(yield* forceStringNoCtxAt(args[0], CATATTRS_NAME));
  const list = listCtx(yield* force(args[1]), CATATTRS_LIST);
  reserveList(list.length);
  const out: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    const v = attrsCtx(yield* force(list[i]), CATATTRS_ELEMENT).get(name);
    if (v !== undefined) out.push(v);
  }
  return out;
}

function catAttrsDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const name = internName(forceStringNoCtxDirect(ev, args[0], CATATTRS_NAME));
  const list = listCtx(ev.force(args[1]), CATATTRS_LIST);
  reserveList(list.length);
  const out: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    const v = attrsCtx(ev.force(list[i]), CATATTRS_ELEMENT).get(name);
    if (v !== undefined) out.push(v);
  }
  return out;
}

function functionArgsImpl([f]: Value[]): Value {
  const r = functionArgsQuick(f);
  if (r === undefined) throw new NixError('type', "'functionArgs' requires a function");
  return r;
}

/**
 * The set functionArgs gives for a lambda's formals, made at its first call: a set is a value
 * that nothing changes, and lib.callPackageWith asks for it at every call of a package
 * function (building it each time was a twentieth of a package set's fixed point).
 */
const formalsSets = new WeakMap<FormalsInfo, NixAttrs>();

/** functionArgs of a function (never fails), or undefined for a value that is not one. */
function functionArgsQuick(f: Value): Value | undefined {
  if (f instanceof Builtin) return NixAttrs.EMPTY;
  if (!(f instanceof Closure)) return undefined;
  const formals = f.lambda.formals;
  if (!formals || formals.entries.length === 0) return NixAttrs.EMPTY;
  let set = formalsSets.get(formals);
  if (set === undefined) {
    const entries = formals.entries.slice().sort((x, y) => compareBytes(x.name, y.name));
    // Each attribute is at its formal, as C++ Nix's functionArgs (for unsafeGetAttrPos). The
    // shape lives as long as the lambda's chunk, as a literal's does: what it caches in one
    // evaluation is let go of at the next (AttrShape.literal).
    const names = newNames(entries.length);
    const values: Value[] = new Array(entries.length);
    entries.forEach((e, i) => { names[i] = e.name; values[i] = e.def !== null; });
    set = new NixAttrs(AttrShape.literal(names, formals.positions), values);
    formalsSets.set(formals, set);
  }
  return set;
}

/** Gives back its argument unforced: `Thunk.apply(IDENTITY, [v])` is v held in a pending thunk. */
const IDENTITY = new Builtin(defineBuiltin('identity', 1, ([v]) => v, { lazy: [0], noCallTrace: true }));

const MAPATTRS_SET = 'while evaluating the second argument passed to builtins.mapAttrs';

function* mapAttrsGen(args: Value[]): Gen {
  return mappedAttrs(args[0], attrsCtx(yield* force(args[1]), MAPATTRS_SET));
}

function mapAttrsDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  return mappedAttrs(args[0], attrsCtx(ev.force(args[1]), MAPATTRS_SET));
}

/** `mapAttrs fn set`: the lazy applications. */
function mappedAttrs(fn: Value, set: NixAttrs): NixAttrs {
  if (set.size === 0) return NixAttrs.EMPTY;
  // The function is not forced: each attribute is the lazy application `f name value`.
  // In C++ Nix the function is then still the unevaluated argument thunk when the first
  // attribute is forced, so that call has no call site in traces (only later ones, once the
  // thunk holds a lambda, do). nixeval passes a lambda literal unthunked: hold it in a
  // pending thunk, shared by all attributes, to keep that difference.
  const f = fn instanceof Thunk ? fn : Thunk.apply1(IDENTITY, fn);
  reserveAttrs(set.size);
  reserve(set.size * THUNK_BYTES);
  const keys = set.keys();
  const values: Value[] = new Array(keys.length);
  const applications = Thunk.applications2(f);
  for (let i = 0; i < keys.length; i++) {
    tick();
    values[i] = Thunk.apply2(applications, keys[i], set.values[i]);
  }
  return new NixAttrs(set.shape.unpositioned(), values);
}

const ZIPATTRSWITH_FN = 'while evaluating the first argument passed to builtins.zipAttrsWith';
const ZIPATTRSWITH_LIST = 'while evaluating the second argument passed to builtins.zipAttrsWith';
const ZIPATTRSWITH_ELEMENT = 'while evaluating a value of the list passed as second argument to builtins.zipAttrsWith';

function* zipAttrsWithGen(args: Value[]): Gen {
  const f = yield* forceFunction(args[0], ZIPATTRSWITH_FN);
  const list = listCtx(yield* force(args[1]), ZIPATTRSWITH_LIST);
  if (list.length === 1) return zippedOne(f, attrsCtx(yield* force(list[0]), ZIPATTRSWITH_ELEMENT));
  const groups = new Map<string, Value[]>();
  for (let i = 0; i < list.length; i++) addGroups(groups, attrsCtx(yield* force(list[i]), ZIPATTRSWITH_ELEMENT));
  return zipped(f, groups);
}

function zipAttrsWithDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const f = forceFunctionDirect(ev, args[0], ZIPATTRSWITH_FN);
  const list = listCtx(ev.force(args[1]), ZIPATTRSWITH_LIST);
  if (list.length === 1) return zippedOne(f, attrsCtx(ev.force(list[0]), ZIPATTRSWITH_ELEMENT));
  const groups = new Map<string, Value[]>();
  for (let i = 0; i < list.length; i++) addGroups(groups, attrsCtx(ev.force(list[i]), ZIPATTRSWITH_ELEMENT));
  return zipped(f, groups);
}

/** Adds each attribute's value to the group of its name. */
function addGroups(groups: Map<string, Value[]>, set: NixAttrs): void {
  reserveAttrs(set.size);
  const keys = set.keys();
  for (let j = 0; j < keys.length; j++) {
    const g = groups.get(keys[j]);
    if (g) g.push(set.values[j]);
    else groups.set(keys[j], [set.values[j]]);
  }
}

/**
 * `zipAttrsWith f`'s result: the lazy application of f to each name and its group. The names
 * are the groups' in the order first met, sorted only if that order is not (it is when the
 * first set has every name, or later ones add names after the earlier ones').
 */
function zipped(f: Value, groups: Map<string, Value[]>): NixAttrs {
  if (groups.size === 0) return NixAttrs.EMPTY;
  const names = [...groups.keys()];
  for (let i = 1; i < names.length; i++) {
    if (!(names[i - 1] < names[i])) { sortNames(names, i); break; }
  }
  const values: Value[] = new Array(names.length);
  const applications = Thunk.applications2(f);
  for (let i = 0; i < names.length; i++) values[i] = Thunk.apply2(applications, names[i], groups.get(names[i])!);
  return NixAttrs.fromSorted(names, values);
}

/**
 * Sorts distinct names by bytes, the first `sorted` of them already in order: by insertion
 * when they are few (no work array, no comparator calls), else by Array.prototype.sort.
 */
function sortNames(names: string[], sorted: number): void {
  if (names.length > 32) { names.sort(compareBytes); return; }
  for (let i = sorted; i < names.length; i++) {
    const name = names[i];
    let j = i;
    for (; j > 0 && names[j - 1] > name; j--) names[j] = names[j - 1];
    names[j] = name;
  }
}

/** `zipAttrsWith f [ set ]`: each name's group is its one value; the names are the set's. */
function zippedOne(f: Value, set: NixAttrs): NixAttrs {
  reserveAttrs(set.size);
  if (set.size === 0) return NixAttrs.EMPTY;
  const keys = set.keys();
  const values: Value[] = new Array(keys.length);
  const applications = Thunk.applications2(f);
  for (let i = 0; i < keys.length; i++) values[i] = Thunk.apply2(applications, keys[i], [set.values[i]]);
  return new NixAttrs(set.shape.unpositioned(), values);
}

export const attrsBuiltins: BuiltinSpec[] = [
  defineBuiltin('attrNames', 1, attrNamesImpl, { quick1: attrNamesQuick }),
  defineBuiltin('attrValues', 1, attrValuesImpl),
  defineBuiltin('getAttr', 2, (args) => drive(getAttrGen(args)), { lazy: [0, 1], direct: getAttrDirect, quick2: getAttrQuick }),
  defineBuiltin('hasAttr', 2, (args) => drive(hasAttrGen(args)), { lazy: [0, 1], direct: hasAttrDirect, quick2: hasAttrQuick }),
  defineBuiltin('unsafeGetAttrPos', 2, (args) => drive(unsafeGetAttrPosGen(args)), { lazy: [0, 1] }),
  defineBuiltin('removeAttrs', 2, (args) => drive(removeAttrsGen(args)), { lazy: [0, 1], direct: removeAttrsDirect }),
  defineBuiltin('listToAttrs', 1, (args) => drive(listToAttrsGen(args)), { direct: listToAttrsDirect }),
  defineBuiltin('intersectAttrs', 2, (args) => drive(intersectAttrsGen(args)), { lazy: [0, 1], direct: intersectAttrsDirect }),
  defineBuiltin('catAttrs', 2, (args) => drive(catAttrsGen(args)), { lazy: [0, 1], direct: catAttrsDirect }),
  defineBuiltin('functionArgs', 1, functionArgsImpl, { quick1: functionArgsQuick }),
  defineBuiltin('mapAttrs', 2, (args) => drive(mapAttrsGen(args)), { lazy: [0, 1], direct: mapAttrsDirect }),
  defineBuiltin('zipAttrsWith', 2, (args) => drive(zipAttrsWithGen(args)), { lazy: [0, 1], direct: zipAttrsWithDirect }),
];
