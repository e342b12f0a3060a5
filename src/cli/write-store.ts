// `nixeval instantiate --write-store`: the store objects an evaluation made (sources it
// copied, files from toFile, derivations, fetchGit trees) written into the store directory,
// so that other programs can read the store paths nixeval prints, as they can after C++ Nix
// ran in read-write mode. Each is read through the evaluation's own view of the store
// (src/io/store-view-io.ts), so what is written is what the evaluation read.
//
// Only into a store directory nixeval may own: never /nix/store, where a Nix installation
// keeps a database of valid paths that nixeval does not update. An object already there is
// left alone; a new one is made in a temporary directory and renamed into place, read-only
// as C++ Nix leaves store objects.

import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { EvalIO } from '../io/io.js';
import { CliError } from './errors.js';

/** The store directory nixeval refuses to write into. */
export const NIX_OWNED_STORE = '/nix/store';

/** Writes each store path (storeDir/name) that is not in the store directory yet. */
export function writeStoreObjects(io: EvalIO, storeDir: string, paths: Iterable<string>): void {
  if (storeDir === NIX_OWNED_STORE) {
    throw new CliError(`nixeval does not write to ${NIX_OWNED_STORE}, which belongs to Nix; set NIX_STORE_DIR to a directory of its own for --write-store`);
  }
  mkdirSync(storeDir, { recursive: true });
  for (const storePath of paths) {
    if (existsSync(storePath)) continue;
    const tmp = mkdtempSync(join(storeDir, '.nixeval-tmp-'));
    try {
      const dst = join(tmp, 'object');
      const dirs = copyFromView(io, storePath, dst);
      renameSync(dst, storePath);
      // Directories become read-only once in place (moving one needs it writable), deepest first.
      for (let i = dirs.length - 1; i >= 0; i--) chmodSync(storePath + dirs[i], 0o555);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

/**
 * Copies what the view has at `src` to the real path `dst`, with an explicit stack. Returns
 * the directories made, as paths below `dst` ('' for itself), parents first.
 */
function copyFromView(io: EvalIO, src: string, dst: string): string[] {
  const dirs: string[] = [];
  const todo: [string, string][] = [[src, '']];
  while (todo.length > 0) {
    const [s, rel] = todo.pop()!;
    const d = dst + rel;
    const type = io.lstat(s);
    if (type === 'regular') {
      writeFileSync(d, Buffer.from(io.readFile(s), 'latin1'));
      chmodSync(d, io.isExecutable?.(s) ? 0o555 : 0o444);
    } else if (type === 'symlink') {
      symlinkSync(Buffer.from(io.readLink(s), 'latin1'), d);
    } else if (type === 'directory') {
      mkdirSync(d);
      dirs.push(rel);
      for (const name of io.readDir(s).keys()) todo.push([`${s}/${name}`, `${rel}/${Buffer.from(name, 'latin1').toString()}`]);
    } else {
      throw new CliError(`cannot write '${s}' to the store: it is not a regular file, a directory or a symlink`);
    }
  }
  return dirs;
}

/**
 * `--add-root` with `--write-store`: current C++ Nix's addPermRoot for each derivation printed,
 * a symlink to it at the root's path (the first at `base`, the next at `base-2`, ...), its
 * directory made if need be; a symlink into the store already there is replaced, anything
 * else there is an error. nix-instantiate then prints the root's path instead of the
 * derivation's. (No indirect root is registered: nixeval keeps no garbage collector state.)
 */
export class GcRoots {
  private n = 0;

  constructor(private readonly base: string, private readonly storeDir: string) {}

  add(storePath: string): string {
    const root = ++this.n > 1 ? `${this.base}-${this.n}` : this.base;
    const inStore = (p: string): boolean => p.startsWith(this.storeDir + '/');
    if (inStore(root)) {
      throw new CliError(`creating a garbage collector root ("${root}") in the Nix store is forbidden (are you running nix-build inside the store?)`);
    }
    const st = lstatSync(root, { throwIfNoEntry: false });
    if (st !== undefined && (!st.isSymbolicLink() || !inStore(readlinkSync(root)))) {
      throw new CliError(`cannot create symlink "${root}"; already exists`);
    }
    mkdirSync(dirname(root), { recursive: true });
    // A new link under a temporary name, renamed over the old one.
    const tmp = `${root}.tmp-${process.pid}-${Math.floor(Math.random() * 0x7fffffff)}`;
    symlinkSync(storePath, tmp);
    renameSync(tmp, root);
    return root;
  }
}
