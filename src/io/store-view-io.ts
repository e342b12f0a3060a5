// The store as an evaluation sees it. Nothing is ever written to a store, so a store path the
// evaluation made (a source copied by interpolation, builtins.path or filterSource, a file
// made by toFile, a derivation, a fetchGit tree) does not exist on disk; this EvalIO answers
// for it from what the evaluation knows it holds (StoreState.contentsOf), so that
// `import "${./.}/file.nix"`, readFile, readDir, pathExists and the rest read it as if it had
// been copied. Every other path goes to the IO underneath.
//
// A copy is read from its source through the IO underneath, so the sandbox applies as it did
// when the source was copied: only what the evaluation could already read can be read again.
// Within a store object, paths are resolved one component at a time (symlinks as they were
// copied, resolved in the store's own namespace), as they would be in a real store.

import { canonical, type EvalIO, type FileType, ioError, isUnder, notExist } from './io.js';
import { MAX_SYMLINKS } from './resolve.js';
import { canonicalisePath } from '../syntax/paths.js';
import type { StoreContents } from '../store/state.js';

/** Where a path lies inside a store object this evaluation made. */
interface InObject {
  contents: StoreContents;
  /** The path below the object's root, `a/b`, or '' for the root itself. */
  rel: string;
}

export class StoreViewIO implements EvalIO {
  readonly description: string;

  constructor(
    private readonly base: EvalIO,
    private readonly storeDir: string,
    /** What a store path (storeDir/name) holds, if this evaluation made it. */
    private readonly contentsOf: (storePath: string) => StoreContents | undefined,
  ) {
    this.description = base.description;
  }

  /** The store object a (canonical) path is in, if the evaluation made it. */
  private inObject(path: string): InObject | undefined {
    if (!isUnder(path, this.storeDir) || path === this.storeDir) return undefined;
    const start = this.storeDir === '/' ? 1 : this.storeDir.length + 1;
    const slash = path.indexOf('/', start);
    const object = slash < 0 ? path : path.slice(0, slash);
    const contents = this.contentsOf(object);
    if (contents === undefined) return undefined;
    return { contents, rel: slash < 0 ? '' : path.slice(slash + 1) };
  }

  /** Whether a path needs this view: it is in, or may lead through, an object the evaluation made. */
  private touchesStore(path: string): boolean {
    return this.inObject(path) !== undefined;
  }

  // ---- one component at a time, inside an object

  private lstatIn(o: InObject): FileType | undefined {
    const c = o.contents;
    switch (c.kind) {
      case 'text':
        return o.rel === '' ? 'regular' : undefined;
      case 'io':
        return c.io.lstat(sourcePath(c.path, o.rel));
      case 'copy':
        if (o.rel !== '' && c.included !== undefined && !c.included.has(o.rel)) return undefined;
        return this.base.lstat(sourcePath(c.source, o.rel));
    }
  }

  private readLinkIn(o: InObject): string {
    const c = o.contents;
    if (c.kind === 'copy') return this.base.readLink(sourcePath(c.source, o.rel));
    if (c.kind === 'io') return c.io.readLink(sourcePath(c.path, o.rel));
    throw ioError(`file '${o.rel}' is not a symbolic link`);
  }

  /**
   * Resolves a path in a store object: each component below the object's root in turn, a
   * symlink replaced by its target (resolved against its directory, as in a real store). Once
   * the path leaves the objects the evaluation made, the rest is the IO underneath's to
   * resolve (`inside` false), with its own checks.
   */
  private resolve(path: string, followFinal: boolean): { path: string; type: FileType | undefined; inside: boolean } {
    let p = path;
    for (let links = 0; ;) {
      const o = this.inObject(p);
      if (o === undefined) return { path: p, type: undefined, inside: false };
      const parts = o.rel === '' ? [] : o.rel.split('/');
      const root = o.rel === '' ? p : p.slice(0, p.length - o.rel.length - 1);
      let next: string | undefined;
      let type: FileType | undefined;
      for (let i = 0; i <= parts.length; i++) {
        const rel = parts.slice(0, i).join('/');
        type = this.lstatIn({ contents: o.contents, rel });
        if (type === undefined) return { path: p, type, inside: true };
        if (type === 'symlink' && (i < parts.length || followFinal)) {
          if (++links > MAX_SYMLINKS) throw ioError(`too many symbolic links encountered while traversing the path '${path}'`);
          const at = rel === '' ? root : `${root}/${rel}`;
          const target = this.readLinkIn({ contents: o.contents, rel });
          const base = target.startsWith('/') ? target : `${at.slice(0, at.lastIndexOf('/')) || '/'}/${target}`;
          const rest = parts.slice(i + 1).join('/');
          next = canonicalisePath(rest === '' ? base : `${base}/${rest}`);
          break;
        }
        if (i < parts.length && type !== 'directory') return { path: p, type: undefined, inside: true };
      }
      if (next === undefined) return { path: p, type, inside: true };
      p = next;
    }
  }

  // ---- EvalIO

  readFile(path: string): string {
    const p = canonical(path);
    if (!this.touchesStore(p)) return this.base.readFile(p);
    const r = this.resolve(p, true);
    if (!r.inside) return this.base.readFile(r.path);
    const o = this.inObject(r.path)!;
    if (r.type === undefined) throw notExist(p);
    if (r.type === 'directory') throw ioError(`reading file '${p}': Is a directory`);
    const c = o.contents;
    if (c.kind === 'text') return c.text;
    if (c.kind === 'io') return c.io.readFile(sourcePath(c.path, o.rel));
    return this.base.readFile(sourcePath(c.source, o.rel));
  }

  readDir(path: string): Map<string, FileType> {
    const p = canonical(path);
    if (!this.touchesStore(p)) return this.base.readDir(p);
    const r = this.resolve(p, true);
    if (!r.inside) return this.base.readDir(r.path);
    const o = this.inObject(r.path)!;
    if (r.type === undefined) throw notExist(p);
    if (r.type !== 'directory') throw ioError(`'${r.path}' is not a directory`);
    const c = o.contents;
    const out = new Map<string, FileType>();
    if (c.kind === 'io') {
      return c.io.readDir(sourcePath(c.path, o.rel));
    } else if (c.kind === 'copy') {
      for (const [name, t] of this.base.readDir(sourcePath(c.source, o.rel))) {
        const rel = o.rel === '' ? name : `${o.rel}/${name}`;
        if (c.included === undefined || c.included.has(rel)) out.set(name, t);
      }
    }
    return out;
  }

  lstat(path: string): FileType | undefined {
    const p = canonical(path);
    if (!this.touchesStore(p)) return this.base.lstat(p);
    const r = this.resolve(p, false);
    return r.inside ? r.type : this.base.lstat(r.path);
  }

  stat(path: string): FileType | undefined {
    const p = canonical(path);
    if (!this.touchesStore(p)) return this.base.stat(p);
    const r = this.resolve(p, true);
    return r.inside ? r.type : this.base.stat(r.path);
  }

  pathExists(path: string): boolean {
    return this.lstat(path) !== undefined;
  }

  readLink(path: string): string {
    const p = canonical(path);
    if (!this.touchesStore(p)) return this.base.readLink(p);
    const r = this.resolve(p, false);
    if (!r.inside) return this.base.readLink(r.path);
    if (r.type === undefined) throw notExist(p);
    if (r.type !== 'symlink') throw ioError(`file '${p}' is not a symbolic link`);
    return this.readLinkIn(this.inObject(r.path)!);
  }

  isExecutable(path: string): boolean {
    const p = canonical(path);
    if (!this.touchesStore(p)) return this.base.isExecutable?.(p) ?? false;
    const r = this.resolve(p, true);
    if (!r.inside) return this.base.isExecutable?.(r.path) ?? false;
    if (r.type === undefined) throw notExist(p);
    const o = this.inObject(r.path)!;
    const c = o.contents;
    if (c.kind === 'text') return false;
    if (c.kind === 'io') return c.io.isExecutable?.(sourcePath(c.path, o.rel)) ?? false;
    return this.base.isExecutable?.(sourcePath(c.source, o.rel)) ?? false;
  }

  realpath(path: string): string {
    const p = canonical(path);
    if (!this.touchesStore(p)) return this.base.realpath(p);
    const r = this.resolve(p, true);
    if (!r.inside) return this.base.realpath(r.path);
    if (r.type === undefined) throw notExist(p);
    return r.path;
  }

  physicalPath(path: string): string | undefined {
    const p = canonical(path);
    // A store object the evaluation made is not on disk.
    return this.touchesStore(p) ? undefined : this.base.physicalPath?.(p);
  }

  getEnv(name: string): string | undefined {
    return this.base.getEnv(name);
  }

  currentTime(): number {
    return this.base.currentTime();
  }
}

function sourcePath(source: string, rel: string): string {
  if (rel === '') return source;
  return source === '/' ? `/${rel}` : `${source}/${rel}`;
}
