// Floats print as C++ iostreams print a double by default: printf's %g with six
// significant digits (`0.333333`, `1e+20`, `1.5e-07`).

export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return signBit(x) ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const precision = 6;
  const [mantissa, expStr] = x.toExponential(precision - 1).split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= precision) {
    const m = stripZeros(mantissa);
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  return stripZeros(x.toFixed(Math.max(0, precision - 1 - exp)));
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
  return x.toFixed(6);
}
