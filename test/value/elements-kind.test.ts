// Every attribute shape's names are one elements kind, PACKED_ELEMENTS (src/value/attrs.ts,
// newNames): the functions that read them are optimised for the array maps met so far, and an
// array of another kind (a holey `new Array(n)`, an empty literal's small integers) deoptimises
// them. V8's own test of an array's elements kind (%HasHoleyElements, ...) is natives syntax,
// allowed here from inside (it applies to functions compiled after).

import { setFlagsFromString } from 'node:v8';
import { evaluate } from '../../src/eval.js';
import { AttrShape, NixAttrs, Thunk, type Value } from '../../src/value/values.js';
import { newNames, updateAttrs } from '../../src/value/attrs.js';
import { Source } from '../../src/syntax/source.js';

setFlagsFromString('--allow-natives-syntax');
const kindOf = new Function('a', `
  return (%HasSmiElements(a) ? 'smi' : %HasDoubleElements(a) ? 'double' : 'object') + (%HasHoleyElements(a) ? ' holey' : ' packed');
`) as (a: readonly unknown[]) => string;

/** The sets a list evaluates to. */
function elements(expr: string): NixAttrs[] {
  const r = evaluate({ expr, strict: true });
  if (!r.ok) throw new Error(r.rendered);
  return (r.value as Value[]).map((v) => (v instanceof Thunk ? v.value : v) as NixAttrs);
}

test('natives syntax is in effect (else the tests below test nothing)', () => {
  expect(kindOf(['a'])).toBe('object packed');
  expect(kindOf(new Array(1))).toBe('smi holey');
});

test('newNames gives packed arrays of blanks, of any size', () => {
  for (const n of [0, 1, 5, 63, 64, 65, 1000, 70_000]) {
    const names = newNames(n);
    expect(names.length).toBe(n);
    expect(kindOf(names)).toBe('object packed');
    expect(names.every((s) => s === '')).toBe(true);
  }
  // Many of them, of sizes the longer array of blanks holds (it grows only to the largest).
  for (let i = 0; i < 1000; i++) expect(newNames(65 + (i % 2000)).length).toBe(65 + (i % 2000));
  // Each a new array: writing one does not write another.
  const a = newNames(3);
  a[0] = 'x';
  expect(newNames(3)[0]).toBe('');
});

test('the shapes of EMPTY, //, dynamic attributes, removeAttrs and the builtins have packed names', () => {
  expect(kindOf(AttrShape.EMPTY.names)).toBe('object packed');
  const source = new Source('/t.nix', 'x', '/');
  const a = NixAttrs.fromSorted(['a', 'c'], [1n, 2n]);
  const b = NixAttrs.fromSorted(['b', 'd'], [3n, 4n]);
  expect(kindOf(updateAttrs(a, b).keys())).toBe('object packed');
  const extended = a.extend('b', 5n, source, 0);
  expect(extended.keys()).toEqual(['a', 'b', 'c']);
  expect(kindOf(extended.keys())).toBe('object packed');
  const sets = elements(`let s = { a = 1; b = 2; c = 3; }; n = "x"; in [
    (s // { d = 4; }) { ${'${n}'} = 1; a = 2; } (removeAttrs s [ "b" ]) (builtins.mapAttrs (k: v: v) s)
    (builtins.zipAttrsWith (k: v: v) [ s { e = 1; } ]) (builtins.listToAttrs [ { name = "q"; value = 1; } ])
    (builtins.intersectAttrs { a = 1; } s) {}
  ]`);
  for (const set of sets) expect(kindOf(set.keys())).toBe('object packed');
  expect(sets[2].keys()).toEqual(['a', 'c']);
});
