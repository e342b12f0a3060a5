// Hashes as the store uses them (C++ Nix libutil hash.cc): md5, sha1, sha256 and sha512 via
// node:crypto, Nix's base-32, base-16, base-64 and SRI encodings, parsing a hash given in
// any of those forms (`Hash::parseAny`, `newHashAllowEmpty`), and `compressHash`.
//
// Byte strings (one JS char per byte) are what the evaluator hands around; hashing one
// hashes its bytes.

import type { Hash as NodeHash } from 'node:crypto';
import { NixError } from '../errors/errors.js';

let crypto: typeof import('node:crypto') | undefined;

/**
 * node:crypto's createHash. The module is loaded on first use, not when the evaluator is:
 * loading it costs a short command line more than the evaluation of a small expression.
 */
export function createHash(algo: string): NodeHash {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto.createHash(algo);
}

export type HashAlgo = 'md5' | 'sha1' | 'sha256' | 'sha512';

export const HASH_SIZE: Record<HashAlgo, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

export interface Hash {
  readonly algo: HashAlgo;
  readonly bytes: Uint8Array;
}

export function isHashAlgo(s: string): s is HashAlgo {
  return s === 'md5' || s === 'sha1' || s === 'sha256' || s === 'sha512';
}

const NOT_ASCII = /[^\x00-\x7f]/;

/** The hash of a byte string. */
export function hashBytes(algo: HashAlgo, s: string | Uint8Array): Hash {
  crypto ??= process.getBuiltinModule('node:crypto');
  // The one-shot crypto.hash (Node 20.12) skips the Hash object that createHash makes; every
  // derivation hashes its ATerm three times and its store path strings twice. It encodes a
  // string as UTF-8, which is its bytes when it is ASCII (as ATerms and store paths mostly
  // are): then no Buffer is made here.
  if (typeof crypto.hash === 'function') {
    const data = typeof s !== 'string' ? s : NOT_ASCII.test(s) ? Buffer.from(s, 'latin1') : s;
    return { algo, bytes: new Uint8Array(crypto.hash(algo, data, 'buffer')) };
  }
  const data = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  const h = crypto.createHash(algo);
  h.update(data);
  return { algo, bytes: new Uint8Array(h.digest()) };
}

export function sha256(s: string | Uint8Array): Hash {
  return hashBytes('sha256', s);
}

/** An incremental hash (for NAR serialisations). */
export class HashSink {
  private readonly h: NodeHash;
  constructor(readonly algo: HashAlgo) {
    this.h = createHash(algo);
  }

  update(s: string | Uint8Array): void {
    this.h.update(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  }

  finish(): Hash {
    return { algo: this.algo, bytes: new Uint8Array(this.h.digest()) };
  }
}

/** `compressHash`: XOR-folds a hash to `size` bytes (store paths use 20). */
export function compressHash(h: Hash | Uint8Array, size: number): Uint8Array {
  const bytes = h instanceof Uint8Array ? h : h.bytes;
  const out = new Uint8Array(size);
  for (let i = 0; i < bytes.length; i++) out[i % size] ^= bytes[i];
  return out;
}

// ---- encodings

export const NIX32_CHARS = '0123456789abcdfghijklmnpqrsvwxyz';
const BASE16 = '0123456789abcdef';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const NIX32_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < NIX32_CHARS.length; i++) NIX32_VALUE[NIX32_CHARS.charCodeAt(i)] = i;

/** Length of the base-32 text of `size` bytes. */
export function nix32Length(size: number): number {
  return size === 0 ? 0 : Math.floor((size * 8 - 1) / 5) + 1;
}

/** Nix's base-32: its own alphabet (no e, o, u, t), bytes taken from the end. */
export function nix32Encode(b: Uint8Array): string {
  const len = nix32Length(b.length);
  let s = '';
  for (let n = len - 1; n >= 0; n--) {
    const bit = n * 5;
    const i = bit >> 3;
    const j = bit & 7;
    const c = (b[i] >> j) | (i >= b.length - 1 ? 0 : (b[i + 1] << (8 - j)) & 0xff);
    s += NIX32_CHARS[c & 0x1f];
  }
  return s;
}

/** Decodes Nix base-32; undefined if a character is not in the alphabet or bits overflow. */
export function nix32Decode(s: string): Uint8Array | undefined {
  const size = Math.floor((s.length * 5) / 8);
  const out = new Uint8Array(size);
  for (let n = 0; n < s.length; n++) {
    const c = s.charCodeAt(s.length - n - 1);
    const digit = c < 256 ? NIX32_VALUE[c] : -1;
    if (digit < 0) return undefined;
    const bit = n * 5;
    const i = bit >> 3;
    const j = bit & 7;
    if (i < size) out[i] |= (digit << j) & 0xff;
    const carry = digit >> (8 - j);
    if (carry) {
      if (i + 1 >= size) return undefined;
      out[i + 1] |= carry;
    }
  }
  return out;
}

export function base16Encode(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += BASE16[x >> 4] + BASE16[x & 15];
  return s;
}

export function base16Decode(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0) return undefined;
  const digit = (c: number): number => {
    if (c >= 48 && c <= 57) return c - 48;
    if (c >= 65 && c <= 70) return c - 55;
    if (c >= 97 && c <= 102) return c - 87;
    return -1;
  };
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const hi = digit(s.charCodeAt(2 * i));
    const lo = digit(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function base64Encode(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}

export function base64Decode(s: string): Uint8Array | undefined {
  const out: number[] = [];
  let d = 0;
  let bits = 0;
  for (const c of s) {
    if (c === '=') break;
    if (c === '\n') continue;
    const digit = BASE64.indexOf(c);
    if (digit < 0) return undefined;
    bits += 6;
    d = ((d << 6) | digit) & 0xffff;
    if (bits >= 8) {
      out.push((d >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

export type HashFormat = 'base16' | 'nix32' | 'base64' | 'sri';

/** `Hash::to_string`. */
export function printHash(h: Hash, format: HashFormat, includeAlgo = false): string {
  let s = '';
  if (format === 'sri' || includeAlgo) s += h.algo + (format === 'sri' ? '-' : ':');
  switch (format) {
    case 'base16': return s + base16Encode(h.bytes);
    case 'nix32': return s + nix32Encode(h.bytes);
    case 'base64': case 'sri': return s + base64Encode(h.bytes);
  }
}

// ---- parsing

function hashError(message: string): NixError {
  return new NixError('eval', message);
}

/** `parseHashAlgoOpt`: undefined for anything that is not a known algorithm. */
export function parseHashAlgoOpt(s: string): HashAlgo | undefined {
  return isHashAlgo(s) ? s : undefined;
}

/**
 * `parseHashAlgo`: blake3 needs an experimental feature that is never enabled here. An
 * unknown name is a usage error in C++ Nix, which nix-instantiate follows with a hint.
 */
export function parseHashAlgo(s: string): HashAlgo {
  if (isHashAlgo(s)) return s;
  if (s === 'blake3') {
    throw hashError("experimental Nix feature 'blake3-hashes' is disabled; add '--extra-experimental-features blake3-hashes' to enable it");
  }
  throw usageError(`unknown hash algorithm '${s}', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'`);
}

/** A usage error: C++ Nix prints a hint after the whole error. */
export function usageError(message: string): NixError {
  const e = new NixError('eval', message);
  e.footer = "Try 'nix-instantiate --help' for more information.";
  return e;
}

/**
 * `Hash::parseAny`: `algo:body` (body in base-16, Nix base-32 or base-64, told apart by its
 * length), SRI `algo-base64`, or a bare body when the algorithm is known from elsewhere.
 */
export function parseAnyHash(original: string, optAlgo: HashAlgo | undefined): Hash {
  let rest = original;
  let isSRI = false;
  let parsedAlgo: HashAlgo | undefined;
  let sep = rest.indexOf(':');
  if (sep < 0) {
    sep = rest.indexOf('-');
    if (sep >= 0) isSRI = true;
  }
  if (sep >= 0) {
    parsedAlgo = parseHashAlgo(rest.slice(0, sep));
    rest = rest.slice(sep + 1);
  }
  if (parsedAlgo === undefined && optAlgo === undefined) {
    throw hashError(`hash '${original}' does not include a type, nor is the type otherwise known from context`);
  }
  if (parsedAlgo !== undefined && optAlgo !== undefined && parsedAlgo !== optAlgo) {
    throw hashError(`hash '${original}' should have type '${optAlgo}'`);
  }
  const algo = parsedAlgo ?? optAlgo!;
  const size = HASH_SIZE[algo];
  let bytes: Uint8Array | undefined;
  let name: string;
  if (isSRI) {
    name = 'SRI';
    bytes = base64Decode(rest);
  } else if (rest.length === 2 * size) {
    name = 'base16';
    bytes = base16Decode(rest);
  } else if (rest.length === nix32Length(size)) {
    name = 'nix32';
    bytes = nix32Decode(rest);
  } else if (rest.length === Math.floor((size + 2) / 3) * 4) {
    name = 'Base64';
    bytes = base64Decode(rest);
  } else {
    throw hashError(`hash '${rest}' has wrong length for hash algorithm '${algo}'`);
  }
  bytes ??= new Uint8Array(0);
  if (bytes.length !== size) {
    throw hashError(`invalid ${name} hash '${rest}', length ${bytes.length} != expected length ${size}`);
  }
  return { algo, bytes };
}

/**
 * `newHashAllowEmpty`: as parseAnyHash, but an empty string means the all-zero hash of the
 * given algorithm (with a warning), as fixed-output derivations being prototyped use.
 */
export function newHashAllowEmpty(s: string, algo: HashAlgo | undefined, warn: (message: string) => void): Hash {
  if (s === '') {
    if (algo === undefined) throw hashError('empty hash requires explicit hash algorithm');
    const h: Hash = { algo, bytes: new Uint8Array(HASH_SIZE[algo]) };
    warn(`found empty hash, assuming '${printHash(h, 'sri')}'`);
    return h;
  }
  return parseAnyHash(s, algo);
}
