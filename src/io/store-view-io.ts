// The store as an evaluation sees it. Nothing is ever written to a store, so a store path the
// evaluation made (a source copied by interpolation, builtins.path or filterSource, a file
// made by toFile, a derivation, a fetchGit tree) does not exist on disk; this EvalIO answers
// for it from what the evaluation knows it holds (StoreState.contentsOf), so that
// `import "${./.}/file.nix"`, readFile, readDir, pathExists and the rest read it as if it had
// been copied. Every other path goes to the IO underneath.
//
// A copy is read from its source through this view, so the sandbox applies as it did when the
// source was copied (only what the evaluation could already read can be read again), and a copy
// of another object the evaluation made (`builtins.path { path = "${./dir}"; }`) reads that
// object. A copy's source existed before the copy, so following sources always ends.
// Within a store object, paths are resolved one component at a time (symlinks as they were
// copied, resolved in the store's own namespace), as they would be in a real store.

import { canonical, type EvalIO, type FileType, ioError, isUnder, notExist, notRegularFile } from './io.js';
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
  readonly restricted: boolean | undefined;

  constructor(
    private readonly base: EvalIO,
    private readonly storeDir: string,
    /** What a store path (storeDir/name) holds, if this evaluation made it. */
    private readonly contentsOf: (storePath: string) => StoreContents | undefined,
  ) {
    this.description = base.description;
    this.restricted = base.restricted;
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
        if (o.rel !== '' && c.included !== undefined && !c.included.has(o.rel)) return undefined;
        return c.io.lstat(sourcePath(c.path, o.rel));
      case 'copy':
        if (o.rel !== '' && c.included !== undefined && !c.included.has(o.rel)) return undefined;
        return this.lstat(sourcePath(c.source, o.rel));
    }
  }

  private readLinkIn(o: InObject): string {
    const c = o.contents;
    if (c.kind === 'copy') return this.readLink(sourcePath(c.source, o.rel));
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

  /**
   * Where a path leads: into a store object the evaluation made (`at`, with its type there,
   * undefined when it is not there), or elsewhere (`base`: the path for the IO underneath).
   */
  private locate(path: string, followFinal: boolean): { base: string } | { at: InObject; type: FileType | undefined; given: string; resolved: string } {
    const p = canonical(path);
    if (!this.touchesStore(p)) return { base: p };
    const r = this.resolve(p, followFinal);
    if (!r.inside) return { base: r.path };
    return { at: this.inObject(r.path)!, type: r.type, given: p, resolved: r.path };
  }

  // ---- EvalIO

  readFile(path: string): string {
    const l = this.locate(path, true);
    if ('base' in l) return this.base.readFile(l.base);
    if (l.type === undefined) throw notExist(l.given);
    if (l.type === 'directory') throw notRegularFile(l.given);
    const c = l.at.contents;
    if (c.kind === 'text') return c.text;
    if (c.kind === 'io') return c.io.readFile(sourcePath(c.path, l.at.rel));
    return this.readFile(sourcePath(c.source, l.at.rel));
  }

  readDir(path: string): Map<string, FileType> {
    const l = this.locate(path, true);
    if ('base' in l) return this.base.readDir(l.base);
    if (l.type === undefined) throw notExist(l.given);
    if (l.type !== 'directory') throw ioError(`'${l.given}' is not a directory`);
    const { contents: c, rel } = l.at;
    if (c.kind === 'io' && c.included === undefined) return c.io.readDir(sourcePath(c.path, rel));
    const out = new Map<string, FileType>();
    if (c.kind !== 'text') {
      const listed = c.kind === 'io' ? c.io.readDir(sourcePath(c.path, rel)) : this.readDir(sourcePath(c.source, rel));
      for (const [name, t] of listed) {
        if (c.included === undefined || c.included.has(rel === '' ? name : `${rel}/${name}`)) out.set(name, t);
      }
    }
    return out;
  }

  lstat(path: string): FileType | undefined {
    const l = this.locate(path, false);
    return 'base' in l ? this.base.lstat(l.base) : l.type;
  }

  stat(path: string): FileType | undefined {
    const l = this.locate(path, true);
    return 'base' in l ? this.base.stat(l.base) : l.type;
  }

  pathExists(path: string): boolean {
    return this.lstat(path) !== undefined;
  }

  readLink(path: string): string {
    const l = this.locate(path, false);
    if ('base' in l) return this.base.readLink(l.base);
    if (l.type === undefined) throw notExist(l.given);
    if (l.type !== 'symlink') throw ioError(`file '${l.given}' is not a symbolic link`);
    return this.readLinkIn(l.at);
  }

  isExecutable(path: string): boolean {
    const l = this.locate(path, true);
    if ('base' in l) return this.base.isExecutable?.(l.base) ?? false;
    if (l.type === undefined) throw notExist(l.given);
    const c = l.at.contents;
    if (c.kind === 'text') return false;
    if (c.kind === 'io') return c.io.isExecutable?.(sourcePath(c.path, l.at.rel)) ?? false;
    return this.isExecutable(sourcePath(c.source, l.at.rel));
  }

  realpath(path: string): string {
    const l = this.locate(path, true);
    if ('base' in l) return this.base.realpath(l.base);
    if (l.type === undefined) throw notExist(l.given);
    return l.resolved;
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
