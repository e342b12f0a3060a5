// Floats print as C++ iostreams print a double by default: printf's %g with six
// significant digits (`0.333333`, `1e+20`, `1.5e-07`).

export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
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

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** A float as C's `%f` prints it (`toString 1.5` is "1.500000"). */
export function formatFixed(x: number): string {
  if (!Number.isFinite(x)) return formatFloat(x);
  return x.toFixed(6);
}
