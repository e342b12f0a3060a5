// String concatenation (src/vm/ops.ts joinStrings and flattenShort, used by `+` and interpolation): a short
// result is made flat in place, a long one left as V8's concatenation; the text is a + b either way.

import fc from 'fast-check';
import { flattenShort, joinStrings } from '../../src/vm/ops.js';
import { run } from '../builtins/helpers.js';

test('joinStrings gives a + b, at every length around its limits', () => {
  const pieces = ['', 'a', 'é', '€', 'x'.repeat(5), 'y'.repeat(12), 'z'.repeat(13), 'w'.repeat(128), 'v'.repeat(255), 'u'.repeat(256), 'é'.repeat(200)];
  for (const a of pieces) for (const b of pieces) expect(joinStrings(a, b)).toBe(a + b);
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), (a, b) => joinStrings(a, b) === a + b), { numRuns: 3000 });
});

test('flattenShort gives back the string it is given', () => {
  for (const n of [0, 1, 12, 13, 100, 256, 257, 5000]) {
    const s = 'q'.repeat(n >> 1) + 'é'.repeat(n - (n >> 1));
    expect(flattenShort(s)).toBe(s);
  }
});

test('joinStrings of an empty part is the other part', () => {
  const s = 'p'.repeat(40);
  expect(joinStrings('', s)).toBe(s);
  expect(joinStrings(s, '')).toBe(s);
});

test('`+` and interpolation of strings, short and long', () => {
  expect(run('"<item " + toString 12345 + ": " + toString (12345 * 12345) + ">"')).toBe('"<item 12345: 152399025>"');
  expect(run('let s = n: "${toString n}:${if n == 0 then "" else s (n - 1)}"; in s 60')).toBe(`"${Array.from({ length: 61 }, (_, i) => `${60 - i}:`).join('')}"`);
  expect(run('builtins.stringLength (builtins.foldl\' (a: b: a + b) "" (builtins.genList (i: "ab") 300))')).toBe('600');
  expect(run('let x = "a" + builtins.substring 0 20 "0123456789abcdefghijklmnop"; in [ x (x + x) (x == "a0123456789abcdefghij") ]')).toBe('[ "a0123456789abcdefghij" "a0123456789abcdefghija0123456789abcdefghij" true ]');
});
