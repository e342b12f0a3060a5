// Unpacking a tarball in memory, as C++ Nix's unpackTarfileToSink (libutil/tarfile.cc) does
// into its Git cache (GitFileSystemObjectSink, git-utils.cc): every member under its name
// canonicalised as a CanonPath (`..` never goes above the root, a leading `/` is dropped),
// directories, regular files (executable when the owner may execute), symlinks (kept as they
// are, never followed while unpacking) and hard links (made last, a copy of what the tree holds
// at the target); any other type is an error. `lastModified` is the newest modification time of
// any member.
//
// Nothing is written to disk: the members go into a MemoryIO, so no name or link in an archive
// can reach a file outside it. The unpacked bytes are taken from the evaluation's memory budget
// before they are allocated, and long archives tick its deadline, so a bomb stops with a
// memory-limit (or timeout) error, not with the worker.
//
// Compression: gzip (node's zlib) or none. bzip2, xz and zstd, which libarchive reads as well,
// are refused with an error that says so (Node 20's zlib has none of them).

import { NixError } from '../errors/errors.js';
import { reserve, reserveExternal, tick } from '../limits/limits.js';
import { MemoryIO } from '../io/memory-io.js';
import { canonicalisePath } from '../syntax/paths.js';

export interface UnpackedTree {
  /** The members, under `root`. */
  files: MemoryIO;
  /** The tree's root in `files` (after a single top-level directory is taken as the root). */
  root: string;
  /** The newest modification time of any member (seconds since the epoch). */
  lastModified: number;
}

/** Where the members go in the MemoryIO. */
const TREE = '/tree';

/** The largest unpacked archive: beyond it the memory budget has long been the limit. */
const MAX_UNPACKED = 1024 * 1024 * 1024;

/** From this length on, Node makes a latin1 string of a buffer outside V8's heap (EXTERN_APEX). */
const EXTERNAL_STRING_BYTES = 0xfbee9;

/** Linux's PATH_MAX: the longest member name unpacked. */
const MAX_PATH = 4096;

/** What a compressed stream's first bytes say it is. */
function compressionOf(b: Buffer): string | undefined {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 3 && b.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (b.length >= 6 && b.toString('latin1', 0, 6) === '\xfd7zXZ\0') return 'xz';
  if (b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x9d) return 'compress';
  if (b.length >= 4 && b.toString('latin1', 0, 4) === 'PK\x03\x04') return 'zip';
  return undefined;
}

/**
 * gunzip within the budget: the output is bounded by what has been reserved for it, and a
 * larger one is tried (reserving more first) only while the budget allows.
 */
function gunzip(data: Buffer, what: string): Buffer {
  const { gunzipSync } = process.getBuiltinModule('node:zlib');
  let bound = Math.max(1 << 20, data.length * 4);
  let reserved = 0;
  for (;;) {
    bound = Math.min(bound, MAX_UNPACKED);
    reserve(bound - reserved);
    reserved = bound;
    tick(Math.ceil(bound / 65536));
    try {
      return gunzipSync(data, { maxOutputLength: bound });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ERR_BUFFER_TOO_LARGE') throw new NixError('eval', `cannot decompress ${what}: ${(e as Error).message}`);
      if (bound >= MAX_UNPACKED) throw new NixError('memory-limit', `${what} unpacks to more than ${MAX_UNPACKED} bytes, more than nixeval can hold`);
      bound *= 4;
    }
  }
}

/** A NUL-terminated field of a header, as bytes (one char per byte). */
function field(b: Buffer, at: number, len: number): string {
  const end = b.indexOf(0, at);
  return b.toString('latin1', at, end < 0 || end > at + len ? at + len : end);
}

/** A numeric field: octal digits (space or NUL padded), or base-256 when its first byte has the top bit set. */
function numeric(b: Buffer, at: number, len: number): number {
  if (b[at] & 0x80) {
    let n = b[at] & 0x3f;
    for (let i = 1; i < len; i++) n = n * 256 + b[at + i];
    return n;
  }
  const s = field(b, at, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`bad number '${s}'`);
  return parseInt(s, 8);
}

function checksumOk(b: Buffer, at: number): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[at + i];
  try {
    return numeric(b, at + 148, 8) === sum;
  } catch {
    return false;
  }
}

/** pax extended header records: `len key=value\n`. */
function paxRecords(s: string): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < s.length) {
    const sp = s.indexOf(' ', pos);
    if (sp < 0) break;
    const len = Number(s.slice(pos, sp));
    if (!Number.isInteger(len) || len <= 0 || pos + len > s.length) break;
    const rec = s.slice(sp + 1, pos + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    pos += len;
  }
  return out;
}

type TreeNode =
  | { kind: 'directory'; children: Map<string, TreeNode> }
  | { kind: 'file'; bytes: Uint8Array; executable: boolean }
  | { kind: 'symlink'; target: string };

/** C++ Nix's `path.rel()`: a canonical path without its leading `/`. */
const rel = (path: string): string => path.slice(1);

/**
 * The tree the members make, as C++ Nix's GitFileSystemObjectSink builds it (git-utils.cc):
 * parents made as needed (a file or symlink in the way is an error, so nothing is written
 * through a symlink), a member replacing an earlier one except a non-empty directory (a
 * directory over a directory keeps it), hard links made last from what the tree holds.
 */
class TreeSink {
  readonly root: TreeNode & { kind: 'directory' } = { kind: 'directory', children: new Map() };
  /** By link path, its target (both canonical), as C++ Nix's std::map: the last one wins. */
  readonly hardLinks = new Map<string, string>();

  createDirectory(path: string): void {
    if (path === '/') return;
    this.add(path, { kind: 'directory', children: new Map() });
  }

  add(path: string, child: TreeNode): void {
    if (path === '/') throw new NixError('eval', 'cannot create a file at the root of the git repository');
    const parts = path.split('/');
    let cur = this.root;
    for (let i = 1; i < parts.length - 1; i++) {
      let next = cur.children.get(parts[i]);
      if (next === undefined) cur.children.set(parts[i], (next = { kind: 'directory', children: new Map() }));
      if (next.kind !== 'directory') throw new NixError('eval', `parent of '${rel(path)}' is not a directory`);
      cur = next;
    }
    const name = parts[parts.length - 1];
    const prev = cur.children.get(name);
    if (prev !== undefined && prev.kind === 'directory') {
      if (child.kind === 'directory') return;
      if (prev.children.size > 0) throw new NixError('eval', `cannot create '${rel(path)}', conflicting non-empty directory`);
    }
    cur.children.set(name, child);
  }

  private lookup(path: string): TreeNode {
    const parts = path.split('/');
    let cur = this.root;
    for (let i = 1; i < parts.length - 1; i++) {
      const next = cur.children.get(parts[i]);
      if (next === undefined) throw new NixError('eval', `path '${path}' does not exist`);
      if (next.kind !== 'directory') throw new NixError('eval', `path '${path}' has a non-directory parent`);
      cur = next;
    }
    const node = cur.children.get(parts[parts.length - 1]);
    if (node === undefined) throw new NixError('eval', `path '${path}' does not exist`);
    return node;
  }

  /** The hard links, in the order of their paths, each a copy of what its target is by then. */
  linkHardLinks(): void {
    for (const [path, target] of [...this.hardLinks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (target === '/') continue;
      try {
        const node = this.lookup(target);
        if (node.kind === 'directory') throw new NixError('eval', 'cannot create a hard link to a directory');
        this.add(path, node);
      } catch (e) {
        if (e instanceof NixError) e.addTrace(`while creating a hard link from '${path}' to '${target}'`);
        throw e;
      }
    }
  }
}

/** libarchive's AE_IF* numbers of the types C++ Nix refuses, for its message. */
const UNSUPPORTED_TYPES: Record<string, number> = { 3: 0o020000, 4: 0o060000, 6: 0o010000 };

/**
 * Unpacks the archive `data` (compressed or not) named `what` in errors (the tarball's URL) into
 * memory. A single top-level directory becomes the root (C++ Nix's
 * dereferenceSingletonDirectory).
 */
export function unpackTarball(data: Buffer, what: string): UnpackedTree {
  const compression = compressionOf(data);
  if (compression !== undefined && compression !== 'gzip') {
    throw new NixError('eval', `cannot unpack ${what}: ${compression} archives are not supported by nixeval (only tar, plain or gzip-compressed)`);
  }
  const tar = compression === 'gzip' ? gunzip(data, what) : data;
  const sink = new TreeSink();
  let lastModified = 0;
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  // libarchive's words, in C++ Nix's TarArchive::check.
  const damaged = (_why: string): NixError => new NixError('eval', pos === 0 ? 'failed to extract archive (Unrecognized archive format)' : 'failed to extract archive (Damaged tar archive)');
  // Less than a header, and not empty (libarchive's empty format): no archive it knows.
  if (tar.length > 0 && tar.length < 512) throw damaged('short');
  while (pos + 512 <= tar.length) {
    tick();
    // The end: a block of zeros.
    if (tar.subarray(pos, pos + 512).every((x) => x === 0)) break;
    if (!checksumOk(tar, pos)) throw damaged(`bad header checksum at offset ${pos}`);
    let size: number;
    let mtime: number;
    let mode: number;
    try {
      size = numeric(tar, pos + 124, 12);
      mtime = numeric(tar, pos + 136, 12);
      mode = numeric(tar, pos + 100, 8);
    } catch (e) {
      throw damaged((e as Error).message);
    }
    const type = String.fromCharCode(tar[pos + 156] || 0x30);
    const ustar = tar.toString('latin1', pos + 257, pos + 262) === 'ustar';
    const prefix = ustar ? field(tar, pos + 345, 155) : '';
    let name = field(tar, pos, 100);
    if (prefix !== '') name = `${prefix}/${name}`;
    let link = field(tar, pos + 157, 100);
    const start = pos + 512;
    if (pax.has('size')) size = Number(pax.get('size'));
    if (!Number.isSafeInteger(size) || size < 0 || start + size > tar.length) throw damaged(`truncated member '${name}'`);
    pos = start + Math.ceil(size / 512) * 512;
    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      reserve(size);
      const text = tar.toString('latin1', start, start + size);
      if (type === 'L') longName = text.replace(/\0.*$/s, '');
      else if (type === 'K') longLink = text.replace(/\0.*$/s, '');
      // A global header's path and linkpath mean nothing for one member: only its other keys would.
      else if (type === 'x') pax = paxRecords(text);
      continue;
    }
    name = pax.get('path') ?? longName ?? name;
    link = pax.get('linkpath') ?? longLink ?? link;
    if (pax.has('mtime')) mtime = Math.floor(Number(pax.get('mtime'))) || 0;
    longName = undefined;
    longLink = undefined;
    pax = new Map();
    lastModified = Math.max(lastModified, mtime);
    // CanonPath: relative to the root, `.`/`..`/`//` resolved without leaving it.
    const rel = canonicalisePath(`/${name}`);
    // Past PATH_MAX no filesystem holds it, and every look at a path that deep walks all of it.
    if (rel.length > MAX_PATH) throw new NixError('eval', `cannot unpack ${what}: member name longer than ${MAX_PATH} bytes`);
    if (type === '1') {
      sink.hardLinks.set(rel, canonicalisePath(`/${link}`));
    } else if (type === '5') {
      sink.createDirectory(rel);
    } else if (type === '0' || type === '7') {
      sink.add(rel, { kind: 'file', bytes: tar.subarray(start, start + size), executable: (mode & 0o100) !== 0 });
    } else if (type === '2') {
      sink.add(rel, { kind: 'symlink', target: link });
    } else {
      throw new NixError('eval', `file '${name}' in tarball has unsupported file type ${UNSUPPORTED_TYPES[type] ?? `'${type}'`}`);
    }
  }
  sink.linkHardLinks();
  // dereferenceSingletonDirectory: one top-level directory is the tree.
  let top = sink.root;
  if (top.children.size === 1) {
    const [only] = top.children.values();
    if (only.kind === 'directory') top = only;
  }
  const files = new MemoryIO();
  files.addDirectory(TREE);
  const pending: [string, TreeNode][] = [[TREE, top]];
  while (pending.length > 0) {
    const [path, node] = pending.pop()!;
    if (node.kind === 'directory') {
      files.addDirectory(path);
      for (const [name, child] of node.children) pending.push([`${path}/${name}`, child]);
    } else if (node.kind === 'file') {
      // Each copy is paid for here (a hard link's too), where it is made.
      // Kept as long as the evaluation: a large one outside V8's heap, where its measure does not see it.
      if (node.bytes.length >= EXTERNAL_STRING_BYTES) reserveExternal(node.bytes.length);
      else reserve(node.bytes.length);
      tick(1 + Math.ceil(node.bytes.length / 1024));
      files.add(path, node.executable ? { executable: node.bytes } : node.bytes);
    } else {
      files.add(path, { symlink: node.target });
    }
  }
  const root = TREE;
  return { files, root, lastModified };
}
