// Adding source files to the store, without writing anything: the store path a file or
// directory would get (C++ Nix's copyPathToStore, fetchToStore in dry-run mode, addPath).
//
// - Coercing a path to a string (`"${./dir}"`) hashes its NAR serialisation (a final
//   symlink is not followed) and gives a `source` path named after the path's base name.
// - builtins.path and filterSource may filter, rename, hash flat, and check an expected hash.
//
// Files are read through the evaluation's EvalIO (so the sandbox applies), once per path per
// evaluation.

import { NixError } from '../errors/errors.js';
import { type EvalIO, ioState, notExist } from '../io/io.js';
import type { EvalState, Request, Value } from '../value/values.js';
import { type Hash, sha256 } from './hash.js';
import { hashPath, type NarFilter, runSync } from './nar.js';
import { storeState } from './state.js';
import { DRV_EXTENSION, type FileIngestionMethod, isDerivationPath, makeFixedOutputPath } from './store-path.js';

function baseNameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The store path of a path value that is interpolated into a string, and the context it
 * gives the string (the store path itself).
 */
export function copyPathToStore(state: EvalState, path: string): string {
  if (isDerivationPath(path)) throw new NixError('eval', `file names are not allowed to end in '${DRV_EXTENSION}'`);
  const store = storeState(state);
  const cached = store.srcToStore.get(path);
  if (cached !== undefined) return cached;
  const dst = runSync(addToStore(state, path, baseNameOf(path), 'recursive', undefined, false));
  store.srcToStore.set(path, dst);
  return dst;
}

/**
 * The store path of a file or directory added with `method` (NAR or flat), under `name`,
 * filtered by `filter`. With `followRoot`, a final symlink is followed (as builtins.path
 * and filterSource do).
 */
export function* addToStore(
  state: EvalState, path: string, name: string, method: FileIngestionMethod, filter: NarFilter | undefined, followRoot: boolean,
): Generator<Request, string, Value> {
  return (yield* addToStoreWithHash(state, path, name, method, filter, followRoot)).path;
}

/**
 * addToStore, with the hash the path was made from (the NAR hash for `recursive`). `through`:
 * the IO to read it with, when not the evaluation's own (a fetcher's, src/fetchers/url.ts
 * fetchIOFor); the copy is then read back through it.
 */
export function* addToStoreWithHash(
  state: EvalState, path: string, name: string, method: FileIngestionMethod, filter: NarFilter | undefined, followRoot: boolean,
  through?: EvalIO,
): Generator<Request, { path: string; hash: Hash }, Value> {
  const own = ioState(state).io;
  const io = through ?? own;
  const store = storeState(state);
  let root = path;
  if (io.lstat(root) === undefined) throw notExist(path);
  if (followRoot) root = io.realpath(root);
  let hash: Hash;
  let included: Set<string> | undefined;
  if (method === 'recursive') {
    let recording = filter;
    if (filter !== undefined) {
      // What the filter keeps is what the copy holds: remembered so the copy can be read back.
      const kept = new Set<string>();
      included = kept;
      recording = function* (p, type) {
        const keep = yield* filter(p, type);
        if (keep) kept.add(p.slice(root === '/' ? 1 : root.length + 1));
        return keep;
      };
    }
    hash = yield* hashPath(io, root, 'sha256', recording);
  } else {
    const type = io.stat(root);
    if (type !== 'regular') throw new NixError('eval', `file '${path}' has an unsupported type`);
    hash = sha256(io.readFile(root));
  }
  const dst = makeFixedOutputPath(name, method, hash, store.storeDir);
  store.addObject(dst, new Set(), io === own ? { kind: 'copy', source: root, included } : { kind: 'io', io, path: root, included });
  return { path: dst, hash };
}
