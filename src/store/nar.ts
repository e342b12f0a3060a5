// NAR serialisation (C++ Nix libutil archive.cc), hashed as it is produced, never written:
//
//   "nix-archive-1" node
//   node      = "(" "type" ( "regular" ["executable" ""] "contents" BYTES
//                         | "symlink" "target" TARGET
//                         | "directory" ( "entry" "(" "name" NAME "node" node ")" )* ) ")"
//
// Every string is its length as a little-endian u64, its bytes, and zeros up to a multiple
// of 8. Directory entries come sorted by name (bytes). Files are read through the
// evaluation's EvalIO, so the sandbox applies.
//
// A filter (builtins.path, filterSource) is asked about every entry below the root, in the
// order of the serialisation, before the entry is read; excluding a directory excludes all
// of it. It is a generator so that it can call back into Nix code through the VM.

import { NixError } from '../errors/errors.js';
import { tick } from '../limits/limits.js';
import type { EvalIO } from '../io/io.js';
import type { Request, Value } from '../value/values.js';
import { type Hash, type HashAlgo, HashSink } from './hash.js';

export type NarFilter = (path: string, type: 'regular' | 'directory' | 'symlink' | 'unknown') => Generator<Request, boolean, Value>;

const ZEROS = new Uint8Array(8);

class NarWriter {
  constructor(private readonly sink: HashSink) {}

  str(s: string): void {
    const n = s.length;
    const len = new Uint8Array(8);
    // Lengths of what is read into memory fit in 53 bits.
    let x = n;
    for (let i = 0; i < 8; i++) {
      len[i] = x & 0xff;
      x = Math.floor(x / 256);
    }
    this.sink.update(len);
    this.sink.update(s);
    const pad = (8 - (n % 8)) % 8;
    if (pad > 0) this.sink.update(ZEROS.subarray(0, pad));
  }
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Serialises the file system object at `path` (not following a final symlink) into `sink`. */
export function* dumpPath(io: EvalIO, path: string, sink: HashSink, filter?: NarFilter): Generator<Request, void, Value> {
  const w = new NarWriter(sink);
  w.str('nix-archive-1');
  // An explicit stack: nesting depth is that of the file tree, but keep to the VM's style.
  type Item = { kind: 'node'; path: string } | { kind: 'str'; s: string } | { kind: 'entries'; dir: string; names: string[]; i: number };
  const work: Item[] = [{ kind: 'node', path }];
  while (work.length > 0) {
    const item = work.pop()!;
    if (item.kind === 'str') { w.str(item.s); continue; }
    if (item.kind === 'entries') {
      // The next entry the filter accepts.
      while (item.i < item.names.length) {
        const name = item.names[item.i++];
        const child = join(item.dir, name);
        if (filter) {
          const t = io.lstat(child) ?? 'unknown';
          if (!(yield* filter(child, t))) continue;
        }
        work.push(item);
        work.push({ kind: 'str', s: ')' });
        w.str('entry');
        w.str('(');
        w.str('name');
        w.str(name);
        w.str('node');
        work.push({ kind: 'node', path: child });
        break;
      }
      continue;
    }
    const p = item.path;
    // A large tree (an unpacked archive, a fetched repository) stops at the deadline.
    tick();
    const type = io.lstat(p);
    if (type === undefined) throw new NixError('io', `path '${p}' does not exist`);
    w.str('(');
    w.str('type');
    if (type === 'regular') {
      w.str('regular');
      if (io.isExecutable?.(p)) {
        w.str('executable');
        w.str('');
      }
      w.str('contents');
      w.str(io.readFile(p));
      w.str(')');
    } else if (type === 'symlink') {
      w.str('symlink');
      w.str('target');
      w.str(io.readLink(p));
      w.str(')');
    } else if (type === 'directory') {
      w.str('directory');
      const names = [...io.readDir(p).keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      work.push({ kind: 'str', s: ')' });
      work.push({ kind: 'entries', dir: p, names, i: 0 });
    } else {
      throw new NixError('io', `file '${p}' has an unsupported type`);
    }
  }
}

/** The hash of the NAR serialisation of a path. */
export function* hashPath(io: EvalIO, path: string, algo: HashAlgo = 'sha256', filter?: NarFilter): Generator<Request, Hash, Value> {
  const sink = new HashSink(algo);
  yield* dumpPath(io, path, sink, filter);
  return sink.finish();
}

/** Runs a generator that is known not to yield (no filter). */
export function runSync<T>(g: Generator<Request, T, Value>): T {
  const r = g.next();
  if (!r.done) throw new Error('NAR serialisation without a filter asked the VM for something');
  return r.value;
}

/** The NAR hash of a path without a filter. */
export function hashPathSync(io: EvalIO, path: string, algo: HashAlgo = 'sha256'): Hash {
  return runSync(hashPath(io, path, algo));
}

/** The NAR serialisation itself, for tests (small trees only). */
export function narBytes(io: EvalIO, path: string): Buffer {
  const chunks: Buffer[] = [];
  const sink = { update: (s: string | Uint8Array) => chunks.push(typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s)) } as unknown as HashSink;
  runSync(dumpPath(io, path, sink));
  return Buffer.concat(chunks);
}
