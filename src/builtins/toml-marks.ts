// What smol-toml loses of a TOML document that toml11 (C++ Nix's fromTOML) keeps, recovered by
// reading the document a second time with marks in it:
// - the sign of `-nan` (a NaN's sign bit, which C++ Nix prints as `-nan`): each `-nan` value
//   becomes a string holding NEGATIVE_NAN_MARK;
// - the order in which a table's keys were written, which decides the order toml11's
//   std::unordered_map hands them out (unordered-map-order.ts): a JS object lists keys that are
//   array indices ("1", "10") first, in numeric order, whatever the order of insertion. Each
//   such key becomes a quoted key with INDEX_KEY_MARK in front, taken off again by unmarkKey.
// The marks hold a NUL (no Nix string can) and a per-process nonce (no TOML text has it).
// Only a document that parsed already is marked, so errors and their offsets are the
// original's. A quoted key written with escapes is left as it is.

import { randomUUID } from 'node:crypto';

const NONCE = randomUUID();
export const NEGATIVE_NAN_MARK = `\0-nan ${NONCE}`;
const INDEX_KEY_MARK = `\0key ${NONCE} `;

/** A key name without the mark markedToml may have put on it. */
export function unmarkKey(key: string): string {
  return key.startsWith(INDEX_KEY_MARK) ? key.slice(INDEX_KEY_MARK.length) : key;
}

/** A name a JS object would list before its other keys: a canonical array index. */
function isArrayIndex(key: string): boolean {
  return /^(0|[1-9][0-9]{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1;
}

function isBareKeyByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d;
}

function isValueWordByte(c: number): boolean {
  return isBareKeyByte(c) || c === 0x2b || c === 0x2e || c === 0x3a;
}

/**
 * The document (a byte string) with its marks, or undefined when it needs none. Scans tokens
 * as TOML's grammar places them: keys at the start of a line, in `[table]` headers, after a
 * `.` in a dotted key and after `{` or `,` in an inline table; values elsewhere.
 */
export function markedToml(text: string): string | undefined {
  const edits: { start: number; end: number; text: string }[] = [];
  const n = text.length;
  const nesting: number[] = []; // 0x5b array, 0x7b inline table, 0x48 header
  let expectKey = true;
  let afterKey = false;
  let i = 0;
  const keyDone = (start: number, end: number, name: string | undefined): void => {
    if (name !== undefined && isArrayIndex(name)) edits.push({ start, end, text: JSON.stringify(INDEX_KEY_MARK + name) });
    expectKey = false;
    afterKey = true;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d) { i++; continue; }
    if (c === 0x0a) {
      if (nesting.length === 0) { expectKey = true; afterKey = false; }
      i++;
      continue;
    }
    if (c === 0x23) { // comment
      while (i < n && text.charCodeAt(i) !== 0x0a) i++;
      continue;
    }
    if (c === 0x22 || c === 0x27) { // strings
      const start = i;
      const triple = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
      const delim = triple ? String.fromCharCode(c).repeat(3) : String.fromCharCode(c);
      i += delim.length;
      let escaped = false;
      for (;;) {
        if (i >= n) return undefined;
        if (c === 0x22 && text.charCodeAt(i) === 0x5c) { escaped = true; i += 2; continue; }
        if (text.startsWith(delim, i)) {
          i += delim.length;
          while (triple && text.charCodeAt(i) === c) i++;
          break;
        }
        i++;
      }
      if (expectKey) keyDone(start, i, triple || escaped ? undefined : text.slice(start + 1, i - 1));
      else afterKey = false;
      continue;
    }
    const top = nesting[nesting.length - 1];
    if (c === 0x3d) { expectKey = false; afterKey = false; i++; continue; } // =
    if (c === 0x2e && afterKey) { expectKey = true; afterKey = false; i++; continue; } // . in a dotted key
    if (c === 0x5b) { // [
      if (nesting.length === 0 && expectKey) {
        if (text.charCodeAt(i + 1) === 0x5b) i++;
        nesting.push(0x48);
        expectKey = true;
      } else {
        nesting.push(0x5b);
        expectKey = false;
      }
      afterKey = false;
      i++;
      continue;
    }
    if (c === 0x5d) { // ]
      if (nesting.pop() === 0x48 && text.charCodeAt(i + 1) === 0x5d) i++;
      expectKey = false;
      afterKey = false;
      i++;
      continue;
    }
    if (c === 0x7b) { nesting.push(0x7b); expectKey = true; afterKey = false; i++; continue; } // {
    if (c === 0x7d) { nesting.pop(); expectKey = false; afterKey = false; i++; continue; } // }
    if (c === 0x2c) { expectKey = top === 0x7b; afterKey = false; i++; continue; } // ,
    const start = i;
    if (expectKey) {
      while (i < n && isBareKeyByte(text.charCodeAt(i))) i++;
      if (i === start) { i++; continue; }
      keyDone(start, i, text.slice(start, i));
      continue;
    }
    while (i < n && isValueWordByte(text.charCodeAt(i))) i++;
    if (i === start) { i++; continue; }
    if (text.slice(start, i) === '-nan') edits.push({ start, end: i, text: JSON.stringify(NEGATIVE_NAN_MARK) });
    afterKey = false;
  }
  if (edits.length === 0) return undefined;
  let out = '';
  let from = 0;
  for (const e of edits) {
    out += text.slice(from, e.start) + e.text;
    from = e.end;
  }
  return out + text.slice(from);
}
