// The real filesystem, read-only. With `roots`, only paths inside those directories, and the
// directories on the way to them, may be looked at (C++ Nix's restricted and pure modes, its
// AllowListSourceAccessor): a path is checked lexically first (after `.` and `..` are
// resolved as text), then symlinks are resolved one component at a time, each component
// checked before it is touched (resolve.ts). A directory on the way to a root lists only the
// entries on the way to a root. Without `roots` it is unrestricted, for the command line.
//
// Whatever the roots, only regular files are ever read: FIFOs, devices and sockets are
// refused before they are opened for reading (opened with O_NONBLOCK and checked with fstat,
// so a FIFO cannot block), and so are files on kernel pseudo-filesystems (/proc, /sys),
// whose contents are not files' contents. Files larger than `maxFileSize` are refused before
// they are read.
//
// The walk checks a path before it is opened, but the path is opened by name: a directory on
// it swapped for a symlink in between (by whoever else may write under a root) would lead the
// open out of the roots. So a restricted FsIO asks the kernel where the descriptor it opened
// is (its /proc/self/fd link) and refuses it when that is outside the roots, and lists a
// directory through that descriptor, never by its name again.

import {
  closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, realpathSync, statfsSync,
  type Stats,
} from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { NixError } from '../errors/errors.js';
import {
  canonical, type EvalIO, type FileType, forbidden, ioError, isUnder, notExist, notRegularFile,
} from './io.js';
import { walkPath, type Resolved } from './resolve.js';
import { reserveString } from '../limits/limits.js';
import { ResolvingIO } from './resolving-io.js';

export const DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024;

export interface FsIOOptions {
  /** Directories that may be read (and everything below them); absent: no restriction. */
  roots?: readonly string[];
  /** Largest file readFile returns, in bytes (default 64 MiB). */
  maxFileSize?: number;
  /** Environment variables getEnv may return: names, or '*' for all. Default: all when
   * unrestricted, none when restricted. */
  allowedEnv?: readonly string[] | '*';
  /** The environment (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** How the mode is named in "forbidden" errors (default 'restricted mode'). */
  modeName?: string;
  /** Called before every filesystem call with what it does and to which path (for tests and audits). */
  audit?: (operation: 'lstat' | 'readlink' | 'open' | 'readdir' | 'statfs', path: string) => void;
}

/** Magic numbers (statfs f_type) of Linux pseudo-filesystems whose files are not data. */
const PSEUDO_FS = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x64626720, // debugfs
  0x74726163, // tracefs
  0x73636673, // securityfs
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x1cd1, // devpts
  0xcafe4a11, // bpf
  0x62656570, // configfs
  0xde5e81e4, // efivarfs
  0x6165676c, // pstore
  0x65735543, // fusectl
  0x42494e4d, // binfmt_misc
]);

/** Characters other than ASCII: a path holding one is passed to the system as its bytes. */
// eslint-disable-next-line no-control-regex
const NOT_ASCII = /[^\x00-\x7f]/;

/**
 * A path as the system calls take it: its bytes (a Nix path is bytes, held one per character).
 * An ASCII path is passed as it is, which Node encodes to the same bytes without a Buffer of
 * our own: resolving a path lstat()s each of its components, and making a Buffer for each
 * was a tenth of a cold haumea run (BENCHMARKS.md, "Cold lib-fix and real projects").
 */
function enc(path: string): Buffer | string {
  return NOT_ASCII.test(path) ? Buffer.from(path, 'latin1') : path;
}

function typeOfStats(st: Stats | { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): FileType {
  if (st.isFile()) return 'regular';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  return 'unknown';
}

function describeSpecial(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

export class FsIO extends ResolvingIO implements EvalIO {
  readonly description: string;
  readonly restricted: boolean;
  readonly maxFileSize: number;
  /** The roots as given (canonical), and as they resolve (symlinks followed). */
  private readonly lexRoots: string[];
  private readonly realRoots: string[];
  private readonly allowedEnv: ReadonlySet<string> | '*';
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly modeName: string;
  private readonly audit: FsIOOptions['audit'];

  constructor(options: FsIOOptions = {}) {
    super();
    this.restricted = options.roots !== undefined;
    this.maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    this.modeName = options.modeName ?? 'restricted mode';
    this.lexRoots = (options.roots ?? []).map((r) => canonical(resolvePath(r)));
    this.realRoots = [];
    for (const r of this.lexRoots) {
      try {
        this.realRoots.push(realpathSync.native(enc(r), { encoding: 'buffer' }).toString('latin1'));
      } catch {
        // A root that does not exist allows nothing.
      }
    }
    const allowed = options.allowedEnv ?? (this.restricted ? [] : '*');
    this.allowedEnv = allowed === '*' || (Array.isArray(allowed) && allowed.includes('*')) ? '*' : new Set(allowed);
    this.env = options.env ?? process.env;
    this.audit = options.audit;
    this.description = this.restricted ? `fs (restricted to ${this.lexRoots.join(', ') || 'nothing'})` : 'fs';
  }

  /** The roots, as given and resolved (for logs and tests). */
  get roots(): readonly string[] {
    return this.lexRoots;
  }

  // ---- checks

  /** Lexical check, before anything is touched. Returns the canonical path. */
  private check(path: string): string {
    const p = canonical(path);
    if (!this.allowed(p)) throw forbidden(p, this.modeName);
    return p;
  }

  /**
   * Whether a path may be looked at: inside a root, or a directory on the way to one (C++ Nix's
   * CanonPath::isAllowed, so that `readDir` of a root's parent lists the way to the root).
   */
  private allowed(path: string): boolean {
    if (!this.restricted) return true;
    for (const r of this.lexRoots) if (isUnder(path, r) || isUnder(r, path)) return true;
    for (const r of this.realRoots) if (isUnder(path, r) || isUnder(r, path)) return true;
    return false;
  }

  /** Whether a physical path may be looked at while walking: inside a root or on the way to one. */
  private mayLook(next: string): boolean {
    if (!this.restricted) return true;
    for (const r of this.realRoots) if (isUnder(next, r) || isUnder(r, next)) return true;
    for (const r of this.lexRoots) if (isUnder(r, next)) return true;
    return false;
  }

  protected resolve(path: string, followFinal: boolean): Resolved & { given: string } {
    const given = this.check(path);
    const r = walkPath(given, followFinal, {
      lstat: (p) => this.lstatRaw(p),
      readLink: (p) => this.readLinkRaw(p),
      mayLook: (next, shown) => {
        if (!this.mayLook(next)) throw forbidden(shown(), this.modeName);
      },
    });
    if (!this.allowed(r.path)) throw forbidden(r.path, this.modeName);
    return { ...r, given };
  }

  private lstatRaw(path: string): FileType | undefined {
    this.audit?.('lstat', path);
    try {
      const st = lstatSync(enc(path), { throwIfNoEntry: false });
      return st === undefined ? undefined : typeOfStats(st);
    } catch (e) {
      const code = errCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw this.sysError('getting status of', path, e);
    }
  }

  private readLinkRaw(path: string): string {
    this.audit?.('readlink', path);
    try {
      return readlinkSync(enc(path), { encoding: 'buffer' }).toString('latin1');
    } catch (e) {
      throw this.sysError('reading symbolic link', path, e);
    }
  }

  private sysError(what: string, path: string, e: unknown): Error {
    const code = errCode(e);
    const reason = code === 'EACCES' || code === 'EPERM' ? 'Permission denied'
      : code === 'ELOOP' ? 'Too many levels of symbolic links'
      : code === 'EISDIR' ? 'Is a directory'
      : code === 'ENAMETOOLONG' ? 'File name too long'
      : code ?? String(e);
    return ioError(`${what} '${path}': ${reason}`);
  }

  // ---- EvalIO

  readFile(path: string): string {
    const r = this.resolve(path, true);
    if (r.type === undefined) throw notExist(r.given);
    // On the path realisePath resolved, as current C++ Nix's PosixDirectorySourceAccessor::readFile.
    if (r.type === 'directory') throw notRegularFile(r.path);
    // Special files are refused on their type, before they are opened; fstat below checks
    // again on the open descriptor in case the file was swapped meanwhile.
    if (r.type !== 'regular') throw this.special(r.given, r.path);
    this.refusePseudoFs(r.path, r.given);
    let fd: number;
    this.audit?.('open', r.path);
    try {
      fd = openSync(enc(r.path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (e) {
      if (errCode(e) === 'ENOENT') throw notExist(r.given);
      throw this.sysError('opening file', r.given, e);
    }
    try {
      this.checkOpened(fd, r.path);
      const st = fstatSync(fd);
      if (!st.isFile()) throw this.special(r.given, r.path, st);
      if (st.size > this.maxFileSize) throw this.tooLarge(r.given, st.size);
      reserveString(st.size);
      // Read what is there, up to one byte past the cap to notice a file that grew.
      const chunks: Buffer[] = [];
      let total = 0;
      const buf = Buffer.allocUnsafe(Math.min(Math.max(st.size, 4096), this.maxFileSize) + 1);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        total += n;
        if (total > this.maxFileSize) throw this.tooLarge(r.given, total);
        chunks.push(Buffer.from(buf.subarray(0, n)));
      }
      return Buffer.concat(chunks, total).toString('latin1');
    } catch (e) {
      if (e instanceof NixError) throw e;
      throw this.sysError('reading file', r.given, e);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Refuses a descriptor a restricted FsIO opened when it is not inside a root (a directory on
   * its path was swapped for a symlink after the walk checked it). Returns whether the kernel
   * said where it is: false where there is no /proc, and then the walk's check is all there is.
   * (Not audited: it looks at nixeval's own descriptor, not at a path the evaluation names.)
   */
  private checkOpened(fd: number, resolved: string): boolean {
    if (!this.restricted) return false;
    let opened;
    try {
      opened = readlinkSync(`/proc/self/fd/${fd}`, { encoding: 'buffer' }).toString('latin1');
    } catch {
      return false;
    }
    if (!opened.startsWith('/')) return false;
    // Inside a root; or the very directory the walk resolved when that is one on the way to a
    // root (readDir then lists only the way, by the resolved path's names).
    if (!this.inRoot(opened) && !(opened === resolved && this.allowed(opened))) throw forbidden(opened, this.modeName);
    return true;
  }

  /** Whether a physical path is inside a root (not merely on the way to one). */
  private inRoot(path: string): boolean {
    if (!this.restricted) return true;
    return this.realRoots.some((r) => isUnder(path, r)) || this.lexRoots.some((r) => isUnder(path, r));
  }

  private special(given: string, real: string, st?: Stats): Error {
    let what = 'not a regular file';
    if (!st) this.audit?.('lstat', real);
    try {
      what = describeSpecial(st ?? lstatSync(enc(real)));
    } catch {
      // keep the generic description
    }
    return ioError(`refusing to read '${given}': it is ${what}, and only regular files are read`);
  }

  private tooLarge(path: string, size: number): Error {
    return ioError(`file '${path}' is too large (${size} bytes; the limit is ${this.maxFileSize} bytes)`);
  }

  private refusePseudoFs(real: string, given: string): void {
    let type: number | undefined;
    this.audit?.('statfs', real);
    try {
      type = Number(statfsSync(enc(real)).type);
    } catch {
      type = undefined;
    }
    const pseudo = type !== undefined ? PSEUDO_FS.has(type) : /^\/(proc|sys)(\/|$)/.test(real);
    if (pseudo) throw ioError(`refusing to read '${given}': it is on a kernel pseudo-filesystem such as /proc or /sys, and only regular files are read`);
  }

  readDir(path: string): Map<string, FileType> {
    const r = this.resolve(path, true);
    if (r.type === undefined) throw notExist(r.given);
    if (r.type !== 'directory') throw ioError(`'${r.path}' is not a directory`);
    let entries;
    this.audit?.('readdir', r.path);
    let fd: number | undefined;
    try {
      let listed: Buffer | string = enc(r.path);
      if (this.restricted) {
        // Opened and checked, then listed through the descriptor (see the top of the file).
        fd = openSync(listed, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
        if (this.checkOpened(fd, r.path)) listed = `/proc/self/fd/${fd}`;
      }
      entries = readdirSync(listed, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      if (e instanceof NixError) throw e;
      throw this.sysError('reading directory', r.given, e);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const out = new Map<string, FileType>();
    for (const d of entries) {
      const name = (d.name as unknown as Buffer).toString('latin1');
      // In a directory on the way to a root, only what leads to a root is listed.
      if (this.restricted && !this.allowed(r.path === '/' ? `/${name}` : `${r.path}/${name}`)) continue;
      out.set(name, typeOfStats(d));
    }
    return out;
  }

  protected linkTarget(resolvedPath: string): string {
    return this.readLinkRaw(resolvedPath);
  }

  isExecutable(path: string): boolean {
    const r = this.resolve(path, true);
    if (r.type === undefined) throw notExist(r.given);
    this.audit?.('lstat', r.path);
    try {
      return (lstatSync(enc(r.path)).mode & 0o100) !== 0;
    } catch (e) {
      throw this.sysError('getting status of', r.given, e);
    }
  }

  realpath(path: string): string {
    const r = this.resolve(path, true);
    if (r.type === undefined) throw notExist(r.given);
    return r.path;
  }

  physicalPath(path: string): string {
    return this.realpath(path);
  }

  getEnv(name: string): string | undefined {
    if (this.allowedEnv !== '*' && !this.allowedEnv.has(name)) return undefined;
    const v = this.env[name];
    return v === undefined ? undefined : Buffer.from(v, 'utf8').toString('latin1');
  }

  currentTime(): number {
    return Math.floor(Date.now() / 1000);
  }
}
