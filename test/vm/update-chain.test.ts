// A chain of `//` (src/vm/ops.ts updateChain) makes one set: the same set, shape and values as
// `update` applied operator by operator, left to right.

import fc from 'fast-check';
import { evaluate } from '../../src/eval.js';
import { update, updateChain } from '../../src/vm/ops.js';
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
