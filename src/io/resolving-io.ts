// What the filesystem-like EvalIOs share: lstat, stat, pathExists and readLink follow from
// resolving a path (symlinks and roots checked component by component, see resolve.ts).

import { ioError, notExist, type FileType } from './io.js';
import type { Resolved } from './resolve.js';

export abstract class ResolvingIO {
  /** Resolves `path`, following a symlink in the last component when `followFinal`. */
  protected abstract resolve(path: string, followFinal: boolean): Resolved & { given: string };
  /** The target of the symlink at a resolved path. */
  protected abstract linkTarget(resolvedPath: string): string;

  lstat(path: string): FileType | undefined {
    return this.resolve(path, false).type;
  }

  stat(path: string): FileType | undefined {
    return this.resolve(path, true).type;
  }

  pathExists(path: string): boolean {
    return this.lstat(path) !== undefined;
  }

  readLink(path: string): string {
    const r = this.resolve(path, false);
    if (r.type === undefined) throw notExist(r.given);
    if (r.type !== 'symlink') throw ioError(`file '${r.given}' is not a symbolic link`);
    return this.linkTarget(r.path);
  }
}
