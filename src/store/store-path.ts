// Store paths as C++ Nix computes them (libstore store-api.cc, path.cc, content-address.cc):
//
//   makeStorePath(type, hash, name) = storeDir/nix32(compress20(sha256(
//       "<type>:sha256:<hex of hash>:<storeDir>:<name>")))-<name>
//
// with `type` one of
//   "text[:ref...]"          builtins.toFile and .drv files (sha256 of the contents)
//   "source[:ref...]"        recursive (NAR) sha256 content addressing: path coercion, builtins.path
//   "output:out"             other fixed outputs, over sha256("fixed:out:<r:|>algo:hex:")
//   "output:<id>"            input-addressed derivation outputs, over hashDerivationModulo
//
// Nothing is written anywhere: these are pure functions of their inputs.

import { NixError } from '../errors/errors.js';
import { base16Encode, compressHash, type Hash, HASH_SIZE, NIX32_CHARS, nix32Encode, printHash, sha256 } from './hash.js';

/** The longest name a store path may have (C++ Nix's StorePath::MaxPathLen). */
export const MAX_NAME_LENGTH = 211;
/** Length of the hash part of a store path's base name. */
export const HASH_PART_LENGTH = 32;

export const DRV_EXTENSION = '.drv';

/**
 * C++ Nix's checkName: the reason a store path name is invalid, or undefined if it is valid.
 * (The messages are those of BadStorePathName.)
 */
export function badNameReason(name: string): string | undefined {
  if (name.length === 0) return 'name must not be empty';
  if (name.length > MAX_NAME_LENGTH) return `name '${name}' must be no longer than ${MAX_NAME_LENGTH} characters`;
  if (name[0] === '.') {
    if (name.length === 1) return `name '${name}' is not valid`;
    if (name[1] === '-') return `name '${name}' is not valid: first dash-separated component must not be '.'`;
    if (name[1] === '.') {
      if (name.length === 2) return `name '${name}' is not valid`;
      if (name[2] === '-') return `name '${name}' is not valid: first dash-separated component must not be '..'`;
    }
  }
  for (const c of name) {
    const ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
      || c === '+' || c === '-' || c === '.' || c === '_' || c === '?' || c === '=';
    if (!ok) return `name '${name}' contains illegal character '${c}'`;
  }
  return undefined;
}

/** Throws C++ Nix's error for a name that cannot be a store path's name. */
export function checkName(name: string): void {
  const reason = badNameReason(name);
  if (reason !== undefined) throw new NixError('eval', reason);
}

export function isDerivationPath(path: string): boolean {
  return path.endsWith(DRV_EXTENSION);
}

/** The base name `hash-name` of a store path. */
export function storePathBaseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The name part of a store path (after `hash-`). */
export function storePathName(path: string): string {
  return storePathBaseName(path).slice(HASH_PART_LENGTH + 1);
}

/** The hash part of a store path. */
export function storePathHashPart(path: string): string {
  return storePathBaseName(path).slice(0, HASH_PART_LENGTH);
}

/** `Store::isStorePath`: directly in the store directory, with a valid hash part and name. */
export function isStorePath(path: string, storeDir: string): boolean {
  if (!path.startsWith(storeDir + '/')) return false;
  const base = path.slice(storeDir.length + 1);
  if (base.includes('/')) return false;
  return isStorePathBaseName(base);
}

export function isStorePathBaseName(base: string): boolean {
  if (base.length < HASH_PART_LENGTH + 1 || base[HASH_PART_LENGTH] !== '-') return false;
  for (let i = 0; i < HASH_PART_LENGTH; i++) if (!NIX32_CHARS.includes(base[i])) return false;
  return badNameReason(base.slice(HASH_PART_LENGTH + 1)) === undefined;
}

/**
 * Why a base name is no store path, as C++ Nix's StorePath constructor says it (its checks in
 * order: length, the '-', the hash part's characters, the name); undefined if it is one.
 */
export function storePathBaseNameError(base: string): string | undefined {
  if (base.length < HASH_PART_LENGTH + 1) return `'${base}' is too short to be a valid store path`;
  if (base[HASH_PART_LENGTH] !== '-') return `'${base}' can't name a store path because the hash part is not followed by a '-'`;
  for (let i = 0; i < HASH_PART_LENGTH; i++) {
    if (!NIX32_CHARS.includes(base[i])) return `store path '${base}' contains illegal base-32 character '${base[i]}'`;
  }
  const reason = badNameReason(base.slice(HASH_PART_LENGTH + 1));
  return reason === undefined ? undefined : `path '${base}' is not a valid store path: ${reason}`;
}

/** `Store::isInStore`: the path is the store directory's child or below it. */
export function isInStore(path: string, storeDir: string): boolean {
  return path.startsWith(storeDir + '/') && path.length > storeDir.length + 1;
}

/**
 * `Store::toStorePath`: the store path a path in the store belongs to, and the rest.
 * Undefined if the path is not in the store.
 */
export function toStorePath(path: string, storeDir: string): { storePath: string; subPath: string } | undefined {
  if (!isInStore(path, storeDir)) return undefined;
  const slash = path.indexOf('/', storeDir.length + 1);
  if (slash < 0) return { storePath: path, subPath: '' };
  return { storePath: path.slice(0, slash), subPath: path.slice(slash) };
}

/**
 * `Store::makeStorePath`. Throws (as C++ Nix's StorePath constructor) when the name is not
 * a valid store path name.
 */
export function makeStorePath(type: string, hash: Hash, name: string, storeDir: string): string {
  const s = `${type}:${printHash(hash, 'base16', true)}:${storeDir}:${name}`;
  const digest = compressHash(sha256(s), 20);
  // As C++ Nix's StorePath constructor: the name must be valid (BadStorePathName's message).
  checkName(name);
  return `${storeDir}/${nix32Encode(digest)}-${name}`;
}

/** `makeType`: the type with its references (sorted) and `:self`. */
export function makeType(type: string, references: Iterable<string>, hasSelfReference = false): string {
  let res = type;
  for (const r of [...references].sort()) res += ':' + r;
  if (hasSelfReference) res += ':self';
  return res;
}

/** A text file in the store (toFile, .drv files): sha256 of the contents, with references. */
export function makeTextPath(name: string, contentHash: Hash, references: Iterable<string>, storeDir: string): string {
  return makeStorePath(makeType('text', references), contentHash, name, storeDir);
}

export type FileIngestionMethod = 'flat' | 'recursive';

/** `Store::makeFixedOutputPath`. */
export function makeFixedOutputPath(
  name: string, method: FileIngestionMethod, hash: Hash, storeDir: string, references: Iterable<string> = [], hasSelfReference = false,
): string {
  if (hash.algo === 'sha256' && method === 'recursive') {
    return makeStorePath(makeType('source', references, hasSelfReference), hash, name, storeDir);
  }
  const inner = sha256(`fixed:out:${method === 'recursive' ? 'r:' : ''}${printHash(hash, 'base16', true)}:`);
  return makeStorePath('output:out', inner, name, storeDir);
}

/** The name of a derivation output's path: the derivation's name, `-id` unless `out`. */
export function outputPathName(drvName: string, outputName: string): string {
  return outputName === 'out' ? drvName : `${drvName}-${outputName}`;
}

/** `Store::makeOutputPath` for input-addressed outputs. */
export function makeOutputPath(outputName: string, hash: Hash, drvName: string, storeDir: string): string {
  return makeStorePath(`output:${outputName}`, hash, outputPathName(drvName, outputName), storeDir);
}

/** `hashPlaceholder`: what `builtins.placeholder` returns for an output. */
export function hashPlaceholder(outputName: string): string {
  return '/' + nix32Encode(sha256(`nix-output:${outputName}`).bytes);
}

/** The zero-filled hash, for tests and empty hashes. */
export function zeroHash(algo: Hash['algo']): Hash {
  return { algo, bytes: new Uint8Array(HASH_SIZE[algo]) };
}

export { base16Encode };
