// Float printing (src/value/float.ts) as C++ Nix prints through glibc: %g with six significant
// digits for values, %f for toString. printf rounds the exact binary value, a tie to even, and
// %f writes every integer digit; JS's toFixed and toExponential do neither.

import fc from 'fast-check';
import { formatFixed, formatFloat } from '../../src/value/float.js';
import { run } from '../builtins/helpers.js';

describe('as glibc printf prints them', () => {
  // Expected strings are printf("%g") and printf("%f") of the same doubles.
  test.each([
    [0.0078125, '0.0078125', '0.007812'],
    [-0.0078125, '-0.0078125', '-0.007812'],
    [0.0234375, '0.0234375', '0.023438'],
    [1234565, '1.23456e+06', '1234565.000000'],
    [1234575, '1.23458e+06', '1234575.000000'],
    [12345650, '1.23456e+07', '12345650.000000'],
    [2.5, '2.5', '2.500000'],
    [999999.5, '1e+06', '999999.500000'],
    [1e21, '1e+21', '1000000000000000000000.000000'],
    [1e22, '1e+22', '10000000000000000000000.000000'],
    [123456789012345678901234, '1.23457e+23', '123456789012345685803008.000000'],
    [-7.119e28, '-7.119e+28', '-71189999999999998617725173760.000000'],
    [0.1, '0.1', '0.100000'],
    [1 / 3, '0.333333', '0.333333'],
    [1e-7, '1e-07', '0.000000'],
    [-0, '-0', '-0.000000'],
    [5e-324, '4.94066e-324', '0.000000'],
  ])('%p', (x, g, f) => {
    expect(formatFloat(x)).toBe(g);
    expect(formatFixed(x)).toBe(f);
  });

  test('in Nix: toString, output and interpolation', () => {
    expect(run('toString 0.0078125')).toBe('"0.007812"');
    expect(run('"${toString 1.0e22}"')).toBe('"10000000000000000000000.000000"');
    expect(run('[ 1234565.0 0.0078125 ]')).toBe('[ 1.23456e+06 0.0078125 ]');
  });
});

/** The exact value of a finite double as num / den. */
function exact(x: number): { num: bigint; den: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const word = view.getBigUint64(0);
  const biased = Number(word >> 52n);
  const mantissa = (word & ((1n << 52n) - 1n)) | (biased === 0 ? 0n : 1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  const sign = x < 0 ? -1n : 1n;
  return e >= 0 ? { num: sign * (mantissa << BigInt(e)), den: 1n } : { num: sign * mantissa, den: 1n << BigInt(-e) };
}

/**
 * Whether digits * 10^unitExp is the multiple of 10^unitExp nearest to x, a tie going to the even
 * one: |digits * 10^unitExp - x| <= 10^unitExp / 2, with equality only for even digits.
 */
function isNearest(x: number, digits: bigint, unitExp: number): boolean {
  const { num, den } = exact(x);
  const up = 10n ** BigInt(Math.max(unitExp, 0));
  const down = 10n ** BigInt(Math.max(-unitExp, 0));
  // Both sides times den * down: digits * up * den versus num * down.
  const diff = digits * up * den - num * down;
  const twice = 2n * (diff < 0n ? -diff : diff);
  const unit = up * den;
  return twice < unit || (twice === unit && digits % 2n === 0n);
}

describe('rounding, on random doubles', () => {
  const doubles = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    // Binary fractions with few digits: where exact ties are.
    fc.tuple(fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), fc.integer({ min: 0, max: 12 })).map(([n, k]) => n / 2 ** k),
    fc.integer({ min: -(10 ** 9), max: 10 ** 9 }).map((n) => n * 5),
  );

  test('%f is the nearest six-decimal number, a tie to even, with every integer digit', () => {
    fc.assert(fc.property(doubles, (x) => {
      const text = formatFixed(x);
      expect(text).toMatch(/^-?\d+\.\d{6}$/);
      expect(isNearest(x, BigInt(text.replace('.', '')), -6)).toBe(true);
    }), { numRuns: 1000 });
  });

  test('%g is the nearest number of six significant digits, a tie to even, trailing zeros dropped', () => {
    fc.assert(fc.property(doubles.filter((x) => x !== 0), (x) => {
      const text = formatFloat(x);
      const m = /^(-?)(\d+)(?:\.(\d*[1-9]))?(?:e([+-]\d\d+))?$/.exec(text);
      expect(m).not.toBeNull();
      const [, sign, whole, frac = '', exp = '0'] = m!;
      // As an integer of digits times a power of ten, then padded to six significant digits.
      let digits = (whole + frac).replace(/^0+/, '');
      let unitExp = Number(exp) - frac.length;
      expect(digits.length).toBeLessThanOrEqual(6);
      while (digits.length < 6) { digits += '0'; unitExp--; }
      expect(isNearest(x, BigInt(sign + digits), unitExp)).toBe(true);
    }), { numRuns: 1000 });
  });
});
