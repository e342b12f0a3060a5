// An in-memory filesystem: files given as a map from absolute path to content, for tests and
// for the files posted with a request. Directories are implied by the files' paths; a file may
// also be given as `{ symlink: target }`. Nothing outside the map exists, so nothing outside
// it can be read.

import { canonical, type EvalIO, type FileType, ioError, notExist, notRegularFile } from './io.js';
import { walkPath, type Resolved } from './resolve.js';
import { ResolvingIO } from './resolving-io.js';

/** A file's content: text (stored as its UTF-8 bytes), raw bytes, an executable file, or a symlink. */
export type MemoryFile = string | Uint8Array | { symlink: string } | { executable: string | Uint8Array };

export interface MemoryIOOptions {
  /** The environment getEnv sees (all of it; the evaluation's allow-list still applies). */
  env?: Readonly<Record<string, string>>;
  /** What currentTime returns (seconds); default: the clock. */
  time?: number;
}

type Node = { kind: 'file'; bytes: string; executable?: boolean } | { kind: 'dir'; entries: Map<string, Node> } | { kind: 'symlink'; target: string };

export class MemoryIO extends ResolvingIO implements EvalIO {
  readonly description = 'memory';
  private readonly root: Node & { kind: 'dir' } = { kind: 'dir', entries: new Map() };

  constructor(files: Readonly<Record<string, MemoryFile>> | ReadonlyMap<string, MemoryFile> = {}, private readonly options: MemoryIOOptions = {}) {
    super();
    const list = files instanceof Map ? [...files] : Object.entries(files as Record<string, MemoryFile>);
    for (const [path, content] of list) this.add(path, content);
  }

  /** Adds a directory (and the directories above it), empty unless it is there already. */
  addDirectory(path: string): void {
    this.parentOf(path, true);
  }

  /** The directory a path is in, made with its parents as needed; with `self`, the path itself. */
  private parentOf(path: string, self = false): { dir: Node & { kind: 'dir' }; name: string; p: string } {
    const p = canonical(path);
    const parts = p.split('/').filter((s) => s !== '');
    if (parts.length === 0 && !self) throw ioError('cannot add a file at /');
    let dir = this.root;
    for (const name of self ? parts : parts.slice(0, -1)) {
      let next = dir.entries.get(name);
      if (next === undefined) {
        next = { kind: 'dir', entries: new Map() };
        dir.entries.set(name, next);
      }
      if (next.kind !== 'dir') throw ioError(`cannot add '${p}': '${name}' is not a directory`);
      dir = next;
    }
    return { dir, name: parts[parts.length - 1] ?? '', p };
  }

  /** Adds a file (and the directories above it). Text is stored as UTF-8. */
  add(path: string, content: MemoryFile): void {
    const { dir, name } = this.parentOf(path);
    const bytesOf = (c: string | Uint8Array): string => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c)).toString('latin1');
    const node: Node = typeof content === 'string' || content instanceof Uint8Array
      ? { kind: 'file', bytes: bytesOf(content) }
      : 'executable' in content
        ? { kind: 'file', bytes: bytesOf(content.executable), executable: true }
        : { kind: 'symlink', target: content.symlink };
    dir.entries.set(name, node);
  }

  /** The node at a physical path (no symlinks followed). */
  private node(path: string): Node | undefined {
    let n: Node = this.root;
    for (const name of path.split('/')) {
      if (name === '') continue;
      if (n.kind !== 'dir') return undefined;
      const next = n.entries.get(name);
      if (next === undefined) return undefined;
      n = next;
    }
    return n;
  }

  private static typeOf(n: Node): FileType {
    return n.kind === 'file' ? 'regular' : n.kind === 'dir' ? 'directory' : 'symlink';
  }

  protected resolve(path: string, followFinal: boolean): Resolved & { given: string } {
    const given = canonical(path);
    const r = walkPath(given, followFinal, {
      lstat: (p) => {
        const n = this.node(p);
        return n === undefined ? undefined : MemoryIO.typeOf(n);
      },
      readLink: (p) => (this.node(p) as { target: string }).target,
      mayLook: () => {},
    });
    return { ...r, given };
  }

  readFile(path: string): string {
    const r = this.resolve(path, true);
    if (r.type === undefined) throw notExist(r.given);
    if (r.type === 'directory') throw notRegularFile(r.given);
    return (this.node(r.path) as { bytes: string }).bytes;
  }

  readDir(path: string): Map<string, FileType> {
    const r = this.resolve(path, true);
    if (r.type === undefined) throw notExist(r.given);
    if (r.type !== 'directory') throw ioError(`'${r.path}' is not a directory`);
    const dir = this.node(r.path) as { entries: Map<string, Node> };
    const out = new Map<string, FileType>();
    for (const [name, n] of dir.entries) out.set(name, MemoryIO.typeOf(n));
    return out;
  }

  protected linkTarget(resolvedPath: string): string {
    return (this.node(resolvedPath) as { target: string }).target;
  }

  isExecutable(path: string): boolean {
    const r = this.resolve(path, true);
    if (r.type === undefined) throw notExist(r.given);
    const n = this.node(r.path);
    return n !== undefined && n.kind === 'file' && n.executable === true;
  }

  realpath(path: string): string {
    const r = this.resolve(path, true);
    if (r.type === undefined) throw notExist(r.given);
    return r.path;
  }

  getEnv(name: string): string | undefined {
    const v = this.options.env?.[name];
    return v === undefined ? undefined : Buffer.from(v, 'utf8').toString('latin1');
  }

  currentTime(): number {
    return this.options.time ?? Math.floor(Date.now() / 1000);
  }
}
