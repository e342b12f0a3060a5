// Floats print as C++ iostreams print a double by default: printf's %g with six
// significant digits (`0.333333`, `1e+20`, `1.5e-07`); toString prints them as `%f`.
//
// glibc's printf rounds the exact binary value of the double, a tie to even (0.0078125 is
// "0.007812" with %f, 1234565.0 is 1.23456e+06 with %g), and %f writes every integer digit
// (1e22 is "10000000000000000000000.000000"). JS's toFixed and toExponential round a tie
// away from zero and switch to exponents past 1e21, so the digits are computed here, exactly,
// on BigInts.

export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return signBit(x) ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const precision = 6;
  if (!mayTie(x, 1024) && Math.abs(x) < 2 ** 53) {
    // Not a tie (see mayTie): JS rounds the exact value as printf does.
    const [mantissa, expStr] = x.toExponential(precision - 1).split('e');
    const exp = Number(expStr);
    if (exp < -4 || exp >= precision) {
      return `${stripZeros(mantissa)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    }
    return stripZeros(x.toFixed(Math.max(0, precision - 1 - exp)));
  }
  const sign = x < 0 ? '-' : '';
  const { num, den } = exactRatio(Math.abs(x));
  // The decimal exponent after rounding to `precision` significant digits.
  let exp = decimalExponent(num, den);
  let digits = roundHalfEven(num * pow10(Math.max(0, precision - 1 - exp)), den * pow10(Math.max(0, exp - precision + 1)));
  if (digits === pow10(precision)) {
    exp++;
    digits /= 10n;
  }
  if (exp < -4 || exp >= precision) {
    const d = digits.toString();
    const m = stripZeros(`${d[0]}.${d.slice(1)}`);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return sign + stripZeros(fixed(num, den, precision - 1 - exp));
}

/**
 * Whether rounding x may meet an exact tie. A tie at the last digit kept means x is an odd
 * multiple of half a unit of that digit; x being a binary fraction, that unit's power of 5 must
 * divide the odd multiple, so x times a small power of two (2^7 for %f's six decimals; 2^10 for
 * six significant digits, ties below 1e-4 being impossible) is an integer. Scaling by a power of
 * two is exact.
 */
function mayTie(x: number, scale: number): boolean {
  return Number.isInteger(x * scale);
}

/** A finite non-negative double as the exact fraction num / den (den a power of two). */
function exactRatio(x: number): { num: bigint; den: bigint } {
  bits[0] = x;
  const view = new DataView(bits.buffer);
  const word = view.getBigUint64(0, true);
  const biased = Number((word >> 52n) & 0x7ffn);
  let mantissa = word & ((1n << 52n) - 1n);
  if (biased !== 0) mantissa |= 1n << 52n;
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  return exp2 >= 0 ? { num: mantissa << BigInt(exp2), den: 1n } : { num: mantissa, den: 1n << BigInt(-exp2) };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** The k with 10^k <= num / den < 10^(k+1) (num > 0). */
function decimalExponent(num: bigint, den: bigint): number {
  // An estimate from the bit lengths, then corrected.
  let k = Math.floor((num.toString(2).length - den.toString(2).length) * Math.log10(2));
  while (k > 0 ? num < den * pow10(k) : num * pow10(-k) < den) k--;
  while (k >= 0 ? num >= den * pow10(k + 1) : num * pow10(-k - 1) >= den) k++;
  return k;
}

/** num / den rounded to an integer, a tie to even (printf in the default rounding mode). */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = 2n * (num % den);
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

/** num / den with `decimals` digits after the point, as %.Nf (decimals >= 0). */
function fixed(num: bigint, den: bigint, decimals: number): string {
  const scaled = roundHalfEven(num * pow10(decimals), den).toString();
  if (decimals === 0) return scaled;
  const whole = scaled.length > decimals ? scaled.slice(0, scaled.length - decimals) : '0';
  return `${whole}.${scaled.slice(-decimals).padStart(decimals, '0')}`;
}

const bits = new Float64Array(1);
const bitBytes = new Uint8Array(bits.buffer);
/** Which byte of a float holds its sign bit (the last one on a little-endian machine). */
const SIGN_BYTE = new Uint8Array(new Float64Array([-0]).buffer).findIndex((b) => b !== 0);

/** The sign bit of a float: printf shows it on a NaN too (`-nan`). */
export function signBit(x: number): boolean {
  bits[0] = x;
  return (bitBytes[SIGN_BYTE] & 0x80) !== 0;
}

/** A NaN with its sign bit set, as C++ Nix's fromTOML reads `-nan`. */
export const NEGATIVE_NAN: number = (() => {
  const f = new Float64Array([NaN]);
  new Uint8Array(f.buffer)[SIGN_BYTE] |= 0x80;
  return f[0];
})();

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** A float as C's `%f` prints it (`toString 1.5` is "1.500000"). */
export function formatFixed(x: number): string {
  if (!Number.isFinite(x)) return formatFloat(x);
  if (Math.abs(x) < 1e21 && !mayTie(x, 128)) return x.toFixed(6);
  const { num, den } = exactRatio(Math.abs(x));
  return (x < 0 || Object.is(x, -0) ? '-' : '') + fixed(num, den, 6);
}
