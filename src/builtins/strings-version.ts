// Package names and versions as C++ Nix reads them (libstore names.cc): `parseDrvName`,
// `splitVersion` and `compareVersions`. Strings are byte strings; "C" locale classification.

import { MAX_LIST_LENGTH, OBJECT_BYTES, reserve, reserveList, SLOT_BYTES, tick } from '../limits/limits.js';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** `DrvName`: the name ends at the first dash that is not followed by a letter. */
export function parseDrvName(s: string): { name: string; version: string } {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 45 && i + 1 < s.length && !isAlpha(s.charCodeAt(i + 1))) {
      return { name: s.slice(0, i), version: s.slice(i + 1) };
    }
  }
  return { name: s, version: '' };
}

/** `nextComponent`: the component starting at `p` (after separators) and where it ends. */
function nextComponent(s: string, p: number): [string, number] {
  // A long version counts a step of a long loop for every kilobyte (each index is passed once,
  // in one of these loops); a short one none.
  while (p < s.length && (s[p] === '.' || s[p] === '-')) if ((++p & 1023) === 0) tick();
  if (p >= s.length) return ['', p];
  const start = p;
  if (isDigit(s.charCodeAt(p))) {
    while (p < s.length && isDigit(s.charCodeAt(p))) if ((++p & 1023) === 0) tick();
  } else {
    while (p < s.length && !isDigit(s.charCodeAt(p)) && s[p] !== '.' && s[p] !== '-') if ((++p & 1023) === 0) tick();
  }
  return [s.slice(start, p), p];
}

export function splitVersion(s: string): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < s.length) {
    const [c, q] = nextComponent(s, p);
    p = q;
    if (c === '') break;
    // Each component is a list element and a string, and a step of a long loop: asked of the
    // budget and counted a thousand at a time, and never past the longest list (`"a." * 2^27` grew an array until V8 aborted the whole
    // process). Once per component cost short versions a fifth more.
    if ((out.length & 1023) === 1023) {
      if (out.length >= MAX_LIST_LENGTH) reserveList(out.length + 1);
      reserve(1024 * (SLOT_BYTES + OBJECT_BYTES));
      tick(1024);
    }
    out.push(c);
  }
  return out;
}

/** `string2Int<int>`: digits only (components are), and within a C int. */
function toInt(c: string): number | undefined {
  if (c === '' || !isDigit(c.charCodeAt(0))) return undefined;
  const n = Number(c);
  return n <= 2147483647 ? n : undefined;
}

function componentsLT(c1: string, c2: string): boolean {
  const n1 = toInt(c1);
  const n2 = toInt(c2);
  if (n1 !== undefined && n2 !== undefined) return n1 < n2;
  if (c1 === '' && n2 !== undefined) return true;
  if (c1 === 'pre' && c2 !== 'pre') return true;
  if (c2 === 'pre') return false;
  // Assume that `2.3a' < `2.3.1'.
  if (n2 !== undefined) return true;
  if (n1 !== undefined) return false;
  return c1 < c2;
}

export function compareVersions(v1: string, v2: string): number {
  let p1 = 0;
  let p2 = 0;
  while (p1 < v1.length || p2 < v2.length) {
    const [c1, q1] = nextComponent(v1, p1);
    const [c2, q2] = nextComponent(v2, p2);
    p1 = q1;
    p2 = q2;
    if (componentsLT(c1, c2)) return -1;
    if (componentsLT(c2, c1)) return 1;
  }
  return 0;
}
