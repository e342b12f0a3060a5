// Decimal text of integers (src/value/int.ts intToString): the tables of four-digit groups must
// give what String() gives, at every boundary of a group and past the range they serve.

import fc from 'fast-check';
import { intToString } from '../../src/value/int.js';
import { run } from '../builtins/helpers.js';

describe('intToString', () => {
  const edges: number[] = [];
  for (const p of [1, 1e3, 1e4, 1e6, 1e8, 1e9, 1e12]) edges.push(p - 1, p, p + 1, 2 * p - 1, 10 * p - 1, 10 * p, 100 * p, 100 * p - 1);
  edges.push(0, 7, 10, 99, 100, 1001, 1000001, 1000000001, 999999999999, 1e12, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -1, -999, -1000, -(2 ** 53) + 1);

  test.each(edges)('%p as String() writes it', (v) => {
    expect(intToString(v)).toBe(String(v));
  });

  test('bigints (past 2^53) as String() writes them', () => {
    for (const v of [2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 60n) - 7n]) expect(intToString(v)).toBe(String(v));
  });

  test('any safe integer as String() writes it', () => {
    fc.assert(fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (v) => intToString(v) === String(v)), { numRuns: 20000 });
    fc.assert(fc.property(fc.nat({ max: 1e12 + 5 }), (v) => intToString(v) === String(v)), { numRuns: 20000 });
  });

  test('toString of integers in Nix', () => {
    expect(run('builtins.toString 0')).toBe('"0"');
    expect(run('builtins.toString (-5)')).toBe('"-5"');
    expect(run('map toString [ 999 1000 1001 999999 1000000 1000000000 999999999999 1000000000000 9007199254740993 ]'))
      .toBe('[ "999" "1000" "1001" "999999" "1000000" "1000000000" "999999999999" "1000000000000" "9007199254740993" ]');
    expect(run('"${toString 123456789}-${toString (1000 * 1000)}"')).toBe('"123456789-1000000"');
  });
});
