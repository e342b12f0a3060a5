// The command line's cache of compiled files on disk: each file the compiler made chunks for
// is written (io/compiled-file.ts's format) under the cache directory, named by a hash of the
// compile cache's key (path, content hash, compilation variant) and of the nixeval build, so a
// cold `nixeval instantiate` reads compiled code back instead of lexing, parsing and compiling
// each file it imports again. Only the command line turns it on (src/cli/instantiate.ts): the
// service keeps its workers' in-memory cache and never reads or writes a user's directory.
//
// Where: $NIXEVAL_CACHE_DIR, else $XDG_CACHE_HOME/nixeval, else ~/.cache/nixeval; off with
// NIXEVAL_CACHE=0. Nothing here is ever an error to the user: a directory that cannot be made
// or written turns the cache off for the process, and a file that cannot be read, or fails a
// check, is a miss (and is written again after the file is compiled).
//
// Each file is its header (one line of JSON: a magic string, the format, the build, the full
// key, the lengths of the parts), the compiled file's strings as a JSON array, and from the
// next multiple of four bytes its integers (io/compiled-file.ts). It is written to a temporary
// file renamed into place, so a reader never sees half of one, whatever runs at the same time.
// The directory is kept under a size (DEFAULT_MAX_BYTES): after a process writes, it lists the
// directory once and removes the least recently used files past the size (a file read is marked
// used, at most once an hour).
//
// Beside each file, a record (the same name and `.hot`) of which of its chunks were translated
// to JS (codegen/runtime.ts, compiledCode: those that ran often enough) in the last process that
// wrote it or read it back: the next process that reads the file translates those at their
// first run, instead of running each in the VM up to the threshold first. It is written as
// the process ends (recordTranslated), only when it changed, the same way (a temporary file
// renamed), and read only with its compiled file; its first line is checked as a compiled
// file's is, with the count of chunks, which are numbered in the order they are read
// (decodeCompiledFile; the writer numbers them in the same order).

import { closeSync, fstatSync, futimesSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { translateAtNextRun } from '../codegen/runtime.js';
import type { Chunk } from '../compiler/chunk.js';
import { createHash } from '../store/hash.js';
import type { Source } from '../syntax/source.js';
import { STATS_ON } from '../value/stats.js';
import { COMPILED_FILE_FORMAT, type CompiledFileData, decodeCompiledFile, encodeCompiledFile } from './compiled-file.js';

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** Sources shorter than this are not worth a file: reading it would cost about as much as compiling. */
export const MIN_SOURCE_BYTES = 512;

const MAGIC = 'nixeval-compiled';
const RECORD_MAGIC = 'nixeval-translated';
const HOUR_MS = 60 * 60 * 1000;

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * The disk cache the environment asks for (NIXEVAL_CACHE, NIXEVAL_CACHE_DIR, XDG_CACHE_HOME,
 * HOME; NIXEVAL_CACHE_MAX_MB and NIXEVAL_CACHE_MIN_BYTES for its size and the smallest source
 * kept), for this build, or undefined when it is off.
 */
export function diskCacheFromEnv(env: Readonly<Record<string, string | undefined>>, build: () => string): DiskCache | undefined {
  const dir = diskCacheDir(env);
  if (dir === undefined) return undefined;
  const number = (v: string | undefined, otherwise: number): number => {
    const n = v === undefined || v === '' ? NaN : Number(v);
    return Number.isFinite(n) && n >= 0 ? n : otherwise;
  };
  return new DiskCache(dir, build(), number(env.NIXEVAL_CACHE_MAX_MB, DEFAULT_MAX_BYTES / 2 ** 20) * 2 ** 20, number(env.NIXEVAL_CACHE_MIN_BYTES, MIN_SOURCE_BYTES));
}

/** The cache directory the environment asks for, or undefined when the cache is off. */
export function diskCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.NIXEVAL_CACHE === '0') return undefined;
  if (env.NIXEVAL_CACHE_DIR) return env.NIXEVAL_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'nixeval');
  if (env.HOME) return join(env.HOME, '.cache', 'nixeval');
  return undefined;
}

export interface DiskCacheCounters {
  hits: number;
  misses: number;
  writes: number;
  /** Files that were there but failed a check (another build's name collision, a damaged file). */
  rejected: number;
  /** Records of translated chunks read back (and their chunks marked), and written. */
  recordsRead: number;
  recordsWritten: number;
}

/** A compiled file this process wrote or read back: its chunks (numbered as read), and its record as read. */
interface UsedFile {
  chunks: Chunk[];
  /** The numbers of the chunks in the record read, as written (undefined: none read). */
  recorded: string | undefined;
}

/** Compiled files in one directory, for one build of nixeval. */
export class DiskCache {
  readonly counters: DiskCacheCounters = { hits: 0, misses: 0, writes: 0, rejected: 0, recordsRead: 0, recordsWritten: 0 };
  private readonly dir: string;
  private usable = true;
  private trimmed = false;
  /** The files written or read back, by key (recordTranslated). */
  private readonly used = new Map<string, UsedFile>();

  /**
   * `dir`: the cache directory (this build's files go in a folder of it per format);
   * `build`: what identifies the evaluator that compiles (a file written by another build is
   * never read); `maxBytes`: the size the directory is kept under.
   */
  constructor(
    dir: string, private readonly build: string,
    private readonly maxBytes = DEFAULT_MAX_BYTES, private readonly minSourceBytes = MIN_SOURCE_BYTES,
  ) {
    this.dir = join(dir, `compiled-${COMPILED_FILE_FORMAT}`);
  }

  private fileOf(key: string): string {
    const name = createHash('sha256').update(`${this.build}\0${STATS_ON ? 'stats' : ''}\0${key}`).digest('hex').slice(0, 40);
    return join(this.dir, name);
  }

  /** The first line of a file: what it is, for which build and key, and the lengths of its parts. */
  private header(key: string, stringsLength: number, intsCount: number): string {
    return JSON.stringify([MAGIC, COMPILED_FILE_FORMAT, this.build, STATS_ON, key, stringsLength, intsCount]);
  }

  /** The first line of a record of translated chunks, of a file of `chunkCount` chunks. */
  private recordHeader(key: string, chunkCount: number): string {
    return JSON.stringify([RECORD_MAGIC, COMPILED_FILE_FORMAT, this.build, STATS_ON, key, chunkCount]);
  }

  /** The compiled file kept under `key`, read back with `source`, or undefined. */
  read(key: string, source: Source): Chunk | undefined {
    if (!this.usable || source.text.length < this.minSourceBytes) return undefined;
    let buffer: Buffer;
    try {
      const fd = openSync(this.fileOf(key), 'r');
      try {
        const st = fstatSync(fd);
        // Its own memory (not the pool's), so the integers are aligned where the file has them.
        buffer = Buffer.from(new ArrayBuffer(st.size));
        let read = 0;
        while (read < st.size) {
          const n = readSync(fd, buffer, read, st.size - read, read);
          if (n === 0) break;
          read += n;
        }
        if (read !== st.size) throw new Error('short read');
        // Marked used for the size limit's order (not at every read: a write each time).
        const now = Date.now();
        if (now - st.mtimeMs > HOUR_MS) futimesSync(fd, now / 1000, now / 1000);
      } finally {
        closeSync(fd);
      }
    } catch {
      this.counters.misses++;
      return undefined;
    }
    try {
      const newline = buffer.indexOf(10);
      const header = JSON.parse(buffer.toString('latin1', 0, newline)) as unknown[];
      const stringsLength = header[5] as number;
      const intsCount = header[6] as number;
      if (newline < 0 || buffer.toString('latin1', 0, newline) !== this.header(key, stringsLength, intsCount)) throw new Error('header');
      const intsAt = align4(newline + 1 + stringsLength);
      if (intsAt + 4 * intsCount !== buffer.length) throw new Error('length');
      const strings = JSON.parse(buffer.toString('latin1', newline + 1, newline + 1 + stringsLength)) as string[];
      const ints = new Int32Array(buffer.buffer, intsAt, intsCount);
      const chunks: Chunk[] = [];
      const chunk = decodeCompiledFile({ strings, ints }, source, chunks);
      this.counters.hits++;
      this.used.set(key, { chunks, recorded: this.readRecord(key, chunks) });
      return chunk;
    } catch {
      this.counters.rejected++;
      return undefined;
    }
  }

  /**
   * Marks the chunks of a file read back that its record says were translated, to be
   * translated at their first run; returns the record's list (undefined: no record, or one
   * that fails a check).
   */
  private readRecord(key: string, chunks: readonly Chunk[]): string | undefined {
    let text: string;
    try {
      text = readFileSync(`${this.fileOf(key)}.hot`, 'latin1');
    } catch {
      return undefined;
    }
    const newline = text.indexOf('\n');
    const list = text.slice(newline + 1);
    if (newline < 0 || text.slice(0, newline) !== this.recordHeader(key, chunks.length) || !/^\d+(,\d+)*$/.test(list)) return undefined;
    const numbers = list.split(',').map(Number);
    for (let i = 0; i < numbers.length; i++) {
      // Increasing, each a chunk of the file.
      if (numbers[i] >= chunks.length || (i > 0 && numbers[i] <= numbers[i - 1])) return undefined;
    }
    for (const n of numbers) translateAtNextRun(chunks[n]);
    this.counters.recordsRead++;
    return list;
  }

  /** Keeps a freshly compiled file (never one that failed: only compiled code comes here). */
  write(key: string, chunk: Chunk): void {
    if (!this.usable || chunk.source.text.length < this.minSourceBytes) return;
    let data: CompiledFileData;
    const chunks: Chunk[] = [];
    try {
      data = encodeCompiledFile(chunk, chunks);
    } catch {
      // Something the format does not write (NotEncodable), or a stack too small for it.
      return;
    }
    const strings = JSON.stringify(data.strings);
    // Written as latin1, which keeps each character's low byte only: the strings must have no
    // other (the evaluator's strings are bytes, so this holds but for a bug elsewhere).
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\xff]/.test(strings)) return;
    const header = this.header(key, strings.length, data.ints.length);
    const intsAt = align4(header.length + 1 + strings.length);
    const size = intsAt + data.ints.byteLength;
    if (size > this.maxBytes / 4) return;
    const buffer = Buffer.alloc(size, 0x20);
    buffer.write(`${header}\n${strings}`, 0, 'latin1');
    // Little-endian, as every machine Node runs on for this; a file from a big-endian one would
    // fail its checks and be written again.
    Buffer.from(data.ints.buffer, data.ints.byteOffset, data.ints.byteLength).copy(buffer, intsAt);
    // The user's own directory: what is read back is trusted as compiled code.
    if (!this.writeWhole(this.fileOf(key), buffer)) return;
    this.counters.writes++;
    // Its chunks run in this process: the record of those translated is written as it ends.
    this.used.set(key, { chunks, recorded: undefined });
    if (!this.trimmed) {
      this.trimmed = true;
      this.trim();
    }
  }

  /**
   * As the process ends: for each compiled file it wrote or read back, records which of its
   * chunks were translated, where that changed (a file none of whose chunks were translated
   * keeps its record: those did not run, or the VM alone ran them, NIXEVAL_TIER=vm). Never fails.
   */
  recordTranslated(): void {
    for (const [key, file] of this.used) {
      if (!this.usable) return;
      const chunks = file.chunks;
      let list = '';
      for (let i = 0; i < chunks.length; i++) {
        if (typeof chunks[i].compiled === 'function') list += list === '' ? `${i}` : `,${i}`;
      }
      if (list === '' || list === file.recorded) continue;
      if (!this.writeWhole(`${this.fileOf(key)}.hot`, Buffer.from(`${this.recordHeader(key, chunks.length)}\n${list}`, 'latin1'))) return;
      file.recorded = list;
      this.counters.recordsWritten++;
    }
  }

  /**
   * Writes `path` whole or not at all (a temporary file renamed over it, so a reader never sees
   * half a file), in the directory made first if need be (private to the user). A failure makes
   * the cache unusable for the rest of the process (a full disk, a read-only directory).
   */
  private writeWhole(path: string, data: Buffer): boolean {
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(temporary, data);
      renameSync(temporary, path);
      return true;
    } catch {
      this.usable = false;
      try {
        unlinkSync(temporary);
      } catch {
        // Never made.
      }
      return false;
    }
  }

  /**
   * Removes the least recently used files while the directory holds more than `maxBytes`
   * (down to three quarters of it, so that the next writes do not each trim again), and
   * temporary files a process left more than an hour ago.
   */
  trim(): void {
    try {
      const now = Date.now();
      const files: { path: string; size: number; mtimeMs: number }[] = [];
      let total = 0;
      for (const name of readdirSync(this.dir)) {
        const path = join(this.dir, name);
        const st = statSync(path, { throwIfNoEntry: false });
        if (st === undefined || !st.isFile()) continue;
        if (name.endsWith('.tmp')) {
          if (now - st.mtimeMs > HOUR_MS) unlinkSync(path);
          continue;
        }
        files.push({ path, size: st.size, mtimeMs: st.mtimeMs });
        total += st.size;
      }
      if (total <= this.maxBytes) return;
      files.sort((a, b) => a.mtimeMs - b.mtimeMs);
      for (const f of files) {
        if (total <= this.maxBytes * 0.75) break;
        try {
          unlinkSync(f.path);
        } catch {
          // Removed by another process meanwhile.
        }
        total -= f.size;
      }
    } catch {
      // A directory that cannot be listed is left as it is.
    }
  }
}
