// Hashes as C++ Nix parses and prints them (libutil hash.cc, base-n.cc, base-nix-32.cc), for
// `builtins.hashString` and `builtins.convertHash`. Strings are byte strings.

import { createHash } from 'node:crypto';
import { NixError } from '../errors/errors.js';

export type HashAlgo = 'md5' | 'sha1' | 'sha256' | 'sha512';
export type HashFormat = 'base16' | 'nix32' | 'base64' | 'sri';

const HASH_SIZE: Record<HashAlgo, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

/**
 * A usage error: C++ Nix throws `UsageError` here, which `nix-instantiate` prints with a hint
 * after the whole error. The hint is part of the message so that it comes out last.
 */
function usageError(message: string): NixError {
  const e = new NixError('eval', message);
  e.footer = "Try 'nix-instantiate --help' for more information.";
  return e;
}

/** `parseHashAlgo`: blake3 needs an experimental feature that is never enabled here. */
export function parseHashAlgo(s: string): HashAlgo {
  if (s === 'md5' || s === 'sha1' || s === 'sha256' || s === 'sha512') return s;
  if (s === 'blake3') {
    throw new NixError('eval', "experimental Nix feature 'blake3-hashes' is disabled; add '--extra-experimental-features blake3-hashes' to enable it");
  }
  throw usageError(`unknown hash algorithm '${s}', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'`);
}

/** `parseHashFormat`; `base32` is accepted with a warning. */
export function parseHashFormat(s: string, warn: (message: string) => void): HashFormat {
  switch (s) {
    case 'base16': case 'nix32': case 'base64': case 'sri': return s;
    case 'base32':
      warn('"base32" is a deprecated alias for hash format "nix32".');
      return 'nix32';
  }
  throw usageError(`unknown hash format '${s}', expect 'base16', 'base32', 'base64', or 'sri'`);
}

export interface Hash {
  algo: HashAlgo;
  bytes: Uint8Array;
}

/** The hash of a byte string. */
export function hashString(algo: HashAlgo, s: string): Hash {
  return { algo, bytes: new Uint8Array(createHash(algo).update(Buffer.from(s, 'latin1')).digest()) };
}

// ---- encodings

const BASE16 = '0123456789abcdef';
export const NIX32_CHARS = '0123456789abcdfghijklmnpqrsvwxyz';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

class FormatError extends Error {}

function base16Encode(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += BASE16[x >> 4] + BASE16[x & 15];
  return s;
}

function base16Decode(s: string): Uint8Array {
  const digit = (c: number): number => {
    if (c >= 48 && c <= 57) return c - 48;
    if (c >= 65 && c <= 70) return c - 55;
    if (c >= 97 && c <= 102) return c - 87;
    throw new FormatError();
  };
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (digit(s.charCodeAt(2 * i)) << 4) | digit(s.charCodeAt(2 * i + 1));
  return out;
}

function nix32Length(size: number): number {
  return size === 0 ? 0 : Math.floor((size * 8 - 1) / 5) + 1;
}

/** Nix's base-32: its own alphabet, and the bytes taken from the end. */
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

function nix32Decode(s: string): Uint8Array {
  const out: number[] = [];
  for (let n = 0; n < s.length; n++) {
    const digit = NIX32_CHARS.indexOf(s[s.length - n - 1]);
    if (digit < 0) throw new FormatError();
    const bit = n * 5;
    const i = bit >> 3;
    const j = bit & 7;
    while (out.length < i + 1) out.push(0);
    out[i] |= (digit << j) & 0xff;
    const carry = digit >> (8 - j);
    if (carry) {
      while (out.length < i + 2) out.push(0);
      out[i + 1] |= carry;
    }
  }
  return new Uint8Array(out);
}

function base64Encode(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}

function base64Decode(s: string): Uint8Array {
  const out: number[] = [];
  let d = 0;
  let bits = 0;
  for (const c of s) {
    if (c === '=') break;
    if (c === '\n') continue;
    const digit = BASE64.indexOf(c);
    if (digit < 0) throw new FormatError();
    bits += 6;
    d = ((d << 6) | digit) & 0xffff;
    if (bits >= 8) {
      out.push((d >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

// ---- parsing and printing

function badHash(message: string): NixError {
  return new NixError('eval', message);
}

/** `Hash::parseAny`: `algo:body`, `algo-base64` (SRI) or a bare body with the algorithm given. */
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
    throw badHash(`hash '${original}' does not include a type, nor is the type otherwise known from context`);
  }
  if (parsedAlgo !== undefined && optAlgo !== undefined && parsedAlgo !== optAlgo) {
    throw badHash(`hash '${original}' should have type '${optAlgo}'`);
  }
  const algo = parsedAlgo ?? optAlgo!;
  const size = HASH_SIZE[algo];
  let decode: (s: string) => Uint8Array;
  let name: string;
  if (isSRI) {
    decode = base64Decode;
    name = 'SRI';
  } else if (rest.length === 2 * size) {
    decode = base16Decode;
    name = 'base16';
  } else if (rest.length === nix32Length(size)) {
    decode = nix32Decode;
    name = 'nix32';
  } else if (rest.length === Math.floor((size + 2) / 3) * 4) {
    decode = base64Decode;
    name = 'Base64';
  } else {
    throw badHash(`hash '${rest}' has wrong length for hash algorithm '${algo}'`);
  }
  let bytes: Uint8Array;
  try {
    bytes = decode(rest);
  } catch (e) {
    // C++ Nix notes the decoding error on a trace and then carries on with nothing decoded.
    if (!(e instanceof FormatError)) throw e;
    bytes = new Uint8Array(0);
  }
  if (bytes.length !== size) {
    throw badHash(`invalid ${name} hash '${rest}', length ${bytes.length} != expected length ${size}`);
  }
  return { algo, bytes };
}

/** `Hash::to_string`. */
export function printHash(h: Hash, format: HashFormat, includeAlgo: boolean): string {
  let s = '';
  if (format === 'sri' || includeAlgo) s += h.algo + (format === 'sri' ? '-' : ':');
  switch (format) {
    case 'base16': return s + base16Encode(h.bytes);
    case 'nix32': return s + nix32Encode(h.bytes);
    case 'base64': case 'sri': return s + base64Encode(h.bytes);
  }
}
