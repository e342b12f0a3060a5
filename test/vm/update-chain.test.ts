// A chain of `//` (src/vm/ops.ts updateChain) makes one set: the same set, shape and values as
// `update` applied operator by operator, left to right.

import fc from 'fast-check';
import { evaluate } from '../../src/eval.js';
import { update, update3, updateChain } from '../../src/vm/ops.js';
import { NixAttrs, type Value } from '../../src/value/values.js';
import { printValue } from '../../src/value/print.js';
import { bytesToUtf8 } from '../../src/syntax/source.js';

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

/** A set of some of NAMES, each value a fresh object (so that where it came from shows). */
const set = fc.subarray(NAMES).map((names) => NixAttrs.fromSorted(names, names.map((n) => [n] as Value)));

test('updateChain gives what update gives operator by operator', () => {
  fc.assert(fc.property(fc.array(set, { minLength: 2, maxLength: 6 }), (sets) => {
    let expected = sets[0];
    for (let i = 1; i < sets.length; i++) expected = update(expected, sets[i]);
    const got = updateChain(sets);
    if (expected === sets.find((s) => s === expected)) {
      // An operand itself (the others were empty).
      expect(got).toBe(expected);
      return;
    }
    expect(got.shape).toBe(expected.shape);
    expect(got.values.length).toBe(expected.values.length);
    got.values.forEach((v, i) => expect(v).toBe(expected.values[i]));
  }), { numRuns: 500 });
});

test('a chain keeps where each attribute was defined, and its errors', () => {
  const r = evaluate({
    // A file: positions as values exist only in files (C++ Nix's mkPos gives null for -E).
    source: { origin: '/test.nix', baseDir: '/', text: `let a = { x = 1; y = 2; }; b = { }; c = { y = 3; z = 4; }; d = { z = 5; };
      s = a // b // c // d;
    in [ s.x s.y s.z (builtins.unsafeGetAttrPos "y" s).column (builtins.unsafeGetAttrPos "x" s).column (builtins.attrNames s) ]`,
    },
    strict: true,
  });
  if (!r.ok) throw new Error(r.rendered);
  // y from c, x from a (the columns C++ Nix gives).
  expect(bytesToUtf8(printValue(r.value))).toBe('[ 1 3 5 43 11 [ "x" "y" "z" ] ]');
  const bad = evaluate({ expr: '{ a = 1; } // { } // 3 // { b = 2; }' });
  expect(bad.ok).toBe(false);
  if (!bad.ok) expect(bad.rendered).toMatch(/expected a set but found an integer/);
});

test('update3 and update give the same set whether their merges were met before or not', () => {
  // Fresh shapes (fromSorted makes one per set): the first `//` of two shapes makes the merge
  // (its shape and plan), the next ones find it cached on the left shape; update3 meets its two
  // merges in either state (a way of making a set only on shapes never merged, or only on
  // shapes merged before, must give the same names, values and shapes as the other).
  const expectedOf = (sets: NixAttrs[]): Map<string, Value> => {
    const m = new Map<string, Value>();
    for (const s of sets) for (const n of s.keys()) m.set(n, s.get(n)!);
    return m;
  };
  const check = (got: NixAttrs, expected: Map<string, Value>): void => {
    expect([...got.keys()]).toEqual([...expected.keys()].sort());
    for (const n of got.keys()) expect(got.get(n)).toBe(expected.get(n));
  };
  fc.assert(fc.property(set, set, set, fc.nat(2), (a, b, c, order) => {
    const expected = expectedOf([a, b, c]);
    let first: NixAttrs;
    // Which way meets the merges first: the chain, a // b first, or both merges first.
    if (order === 0) {
      first = update3(a, b, c);
    } else if (order === 1) {
      update(a, b);
      first = update3(a, b, c);
    } else {
      first = update(update(a, b), c);
    }
    check(first, expected);
    const again = update3(a, b, c);
    const pairwise = update(update(a, b), c);
    check(again, expected);
    check(pairwise, expected);
    if (first.values.length > 0 && a.size > 0 && b.size > 0 && c.size > 0) {
      expect(again.shape).toBe(first.shape);
      expect(pairwise.shape).toBe(first.shape);
    }
    // And the plans made for merges met before (merge) give the same shapes.
    if (a.size > 0 && b.size > 0) {
      const ab = a.shape.merge(b.shape);
      expect(ab.shape).toBe(update(a, b).shape);
      expect(ab.plan.map((p) => (p >= 0 ? a.values[p] : b.values[~p]))).toEqual(update(a, b).values);
    }
  }), { numRuns: 500 });
});
