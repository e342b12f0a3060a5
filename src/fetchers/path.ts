// fetchTree { type = "path"; } of a local file system tree, as C++ Nix's path input scheme
// (libfetchers/path.cc) gives it: the tree copied into the store as "source" (kept in the
// evaluation's store view, nothing written), its NAR hash, and as lastModified the newest
// modification time of anything in it, unless the input says otherwise.

import { lstatSync, readdirSync } from 'node:fs';
import type { EvalIO } from '../io/io.js';
import type { Hash } from '../store/hash.js';
import { addToStoreWithHash } from '../store/add-path.js';
import type { EvalState, Request, Value } from '../value/values.js';

export interface PathTree {
  storePath: string;
  narHash: Hash;
  /** Seconds since the epoch; 0 when the tree is not on the machine's own filesystem. */
  lastModified: number;
}

export function* fetchLocalPath(state: EvalState, io: EvalIO, path: string): Generator<Request, PathTree, Value> {
  const tree = yield* addToStoreWithHash(state, path, 'source', 'recursive', undefined, false, io);
  return { storePath: tree.path, narHash: tree.hash, lastModified: newestModification(io, path) };
}

/** The newest modification time (of the entry itself, links not followed) in the tree at `path`. */
function newestModification(io: EvalIO, path: string): number {
  const physical = io.physicalPath?.(path);
  if (physical === undefined) return 0;
  let newest = 0;
  const pending = [physical];
  while (pending.length > 0) {
    const p = pending.pop()!;
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (st === undefined) continue;
    newest = Math.max(newest, Math.floor(st.mtimeMs / 1000));
    if (st.isDirectory()) for (const name of readdirSync(p)) pending.push(p === '/' ? `/${name}` : `${p}/${name}`);
  }
  return newest;
}
