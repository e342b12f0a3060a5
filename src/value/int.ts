// Nix integers are signed 64-bit. They are JS numbers while they are safe integers (the
// common case, and fast) and bigints beyond; every operation normalises its result back to a
// number when it fits, so the two forms of one value never coexist.

export type NixInt = number | bigint;

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);

export class IntegerOverflow extends Error {}

export function normaliseInt(v: bigint, what?: () => string): NixInt {
  if (v > MAX || v < MIN) throw new IntegerOverflow(what ? `integer overflow in ${what()}` : 'integer overflow');
  return v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v;
}

export function isNixInt(v: unknown): v is NixInt {
  return typeof v === 'bigint' || (typeof v === 'number');
}

export function toBig(v: NixInt): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

export function addInt(a: NixInt, b: NixInt): NixInt {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normaliseInt(toBig(a) + toBig(b), () => `adding ${a} + ${b}`);
}

export function subInt(a: NixInt, b: NixInt): NixInt {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normaliseInt(toBig(a) - toBig(b), () => `subtracting ${a} - ${b}`);
}

export function mulInt(a: NixInt, b: NixInt): NixInt {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  return normaliseInt(toBig(a) * toBig(b), () => `multiplying ${a} * ${b}`);
}

/** Truncating division; the caller checks for division by zero. */
export function divInt(a: NixInt, b: NixInt): NixInt {
  // Float division is exact enough to truncate only while the dividend is small.
  if (typeof a === 'number' && typeof b === 'number' && Math.abs(a) < 2 ** 31) return Math.trunc(a / b) || 0;
  return normaliseInt(toBig(a) / toBig(b), () => `dividing ${a} / ${b}`);
}

export function intToNumber(v: NixInt): number {
  return typeof v === 'bigint' ? Number(v) : v;
}

export function compareInt(a: NixInt, b: NixInt): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = toBig(a);
  const y = toBig(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

// Decimal text of integers by groups of four digits: the text of each group kept in tables
// ("0".."9999" and "0000".."9999", filled as they are met) and groups joined by string
// additions (each result short enough to be one flat string). V8's own conversion misses its
// number-to-string cache for nearly every new number (100,000s of them a run in `toString i`
// loops) and then calls into the runtime (for integers past 2^31, heap numbers, its
// shortest-double printer); a table hit allocates nothing, as V8's cache hit does not.
let groups: (string | undefined)[] | undefined;
let paddedGroups: (string | undefined)[] | undefined;

function group(g: number): string {
  const t = groups ??= new Array<string | undefined>(10000).fill(undefined);
  return t[g] ?? (t[g] = String(g));
}

function paddedGroup(g: number): string {
  const t = paddedGroups ??= new Array<string | undefined>(10000).fill(undefined);
  return t[g] ?? (t[g] = String(g + 10000).slice(1));
}

/** The decimal text of an integer, as String(v) (and C++ Nix's std::to_string) gives it. */
export function intToString(v: NixInt): string {
  // Integers from 0 to 10^12 - 1: at most 12 digits, so every join below is a flat string.
  if (typeof v !== 'number' || !(v >= 0 && v < 1e12)) return String(v);
  if (v < 1e4) return group(v);
  if (v < 1e8) {
    const hi = Math.floor(v / 1e4);
    return group(hi) + paddedGroup(v - hi * 1e4);
  }
  const hi = Math.floor(v / 1e8);
  const r = v - hi * 1e8;
  const mid = Math.floor(r / 1e4);
  return group(hi) + paddedGroup(mid) + paddedGroup(r - mid * 1e4);
}
