// Symlink resolution one component at a time, shared by the filesystem and in-memory IO.
//
// Unlike realpath(3), the walk asks before it looks at each component (`mayLook`), so a
// restricted filesystem never so much as lstat()s a path outside its roots: a symlink that
// points out of a root is refused when the walk reaches its target, before the target is
// touched, and the answer does not depend on whether the target exists.

import { type FileType, ioError } from './io.js';

/** How many symlinks one resolution may follow (C++ Nix's limit is 1024; Linux's is 40). */
export const MAX_SYMLINKS = 40;

export interface WalkOps {
  /** The type of a path without following it, undefined if missing (ENOENT, ENOTDIR). */
  lstat(path: string): FileType | undefined;
  readLink(path: string): string;
  /** Throws if the component `next` may not be looked at; `shown` is the whole path being reached. */
  mayLook(next: string, shown: () => string): void;
}

export interface Resolved {
  /** The physical path (no symlinks in it, bar a final one when not followed), or what it would be. */
  path: string;
  /** Its type; undefined when it does not exist (or a dangling symlink was followed). */
  type: FileType | undefined;
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Resolves a canonical absolute path; follows a final symlink only when `followFinal`. */
export function walkPath(path: string, followFinal: boolean, ops: WalkOps): Resolved {
  // A stack of the components still to visit, the next one last.
  const todo = path.split('/').filter((s) => s !== '').reverse();
  let cur = '/';
  let type: FileType | undefined = 'directory';
  let links = 0;
  const rest = (next: string): string => {
    let s = next;
    for (let i = todo.length - 1; i >= 0; i--) {
      const c = todo[i];
      if (c === '' || c === '.') continue;
      s = c === '..' ? parentOf(s) : join(s, c);
    }
    return s;
  };
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (name === '' || name === '.') continue;
    if (name === '..') { cur = parentOf(cur); continue; }
    const next = join(cur, name);
    ops.mayLook(next, () => rest(next));
    const t = ops.lstat(next);
    if (t === undefined) return { path: rest(next), type: undefined };
    if (t === 'symlink' && (todo.length > 0 || followFinal)) {
      if (++links > MAX_SYMLINKS) {
        throw ioError(`too many symbolic links encountered while traversing the path '${path}'`);
      }
      const target = ops.readLink(next);
      if (target.includes('\0')) throw ioError(`symlink '${next}' has a target with a NUL byte`);
      if (target.startsWith('/')) cur = '/';
      const parts = target.split('/');
      for (let i = parts.length - 1; i >= 0; i--) if (parts[i] !== '') todo.push(parts[i]);
      continue;
    }
    if (todo.length > 0 && t !== 'directory') {
      // `file/x`: nothing lies below a non-directory.
      return { path: rest(next), type: undefined };
    }
    cur = next;
    type = t;
  }
  return { path: cur, type };
}
