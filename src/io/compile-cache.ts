// The worker-lifetime cache of compiled files (DESIGN.md, "IO and imports"): parsed and
// compiled chunks, keyed by the file's absolute path and the sha256 of its content (plus what
// else changes the compiled code: the names in scope and `~`), held in an LRU with a byte
// budget. A file imported by every request is then parsed once per worker, not once per
// request; a file that changed on disk has a new hash and is compiled afresh.
//
// The command line adds a second level (useDiskCache): compiled files kept on disk, read
// back by a cold process (io/disk-cache.ts). The service never turns it on.
//
// Chunks are immutable once compiled (code, positions and constants are only read by the VM),
// so evaluations share them freely. Evaluated values are not cached here: each evaluation
// has its own import cache of values (eval.ts), as C++ Nix has.

import { createHash } from '../store/hash.js';
import { LRUCache } from 'lru-cache';
import { type Chunk, ownBytes, sourceBytes } from '../compiler/chunk.js';
import type { Source } from '../syntax/source.js';
import type { DiskCache } from './disk-cache.js';

export const DEFAULT_COMPILE_CACHE_BYTES = 64 * 1024 * 1024;

/** Counters for tests, benchmarks and the service's metrics. */
export interface CompileCacheStats {
  /** Calls of the parser for files, expressions and arguments, cached or not. */
  parses: number;
  hits: number;
  misses: number;
  /** Estimated bytes held, and the entries. */
  bytes: number;
  entries: number;
  maxBytes: number;
}

const counters = { parses: 0, hits: 0, misses: 0 };

function budgetFromEnv(): number {
  const v = Number(process.env.NIXEVAL_COMPILE_CACHE_BYTES);
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_COMPILE_CACHE_BYTES;
}

function makeCache(maxBytes: number): LRUCache<string, Chunk> | undefined {
  if (maxBytes <= 0) return undefined;
  return new LRUCache<string, Chunk>({ maxSize: maxBytes });
}

let maxBytes = budgetFromEnv();
let cache = makeCache(maxBytes);

/** Sets the byte budget (0 disables the cache) and empties it. */
export function configureCompileCache(options: { maxBytes: number }): void {
  maxBytes = options.maxBytes;
  cache = makeCache(maxBytes);
}

export function clearCompileCache(): void {
  cache?.clear();
}

export function resetCompileCacheCounters(): void {
  counters.parses = 0;
  counters.hits = 0;
  counters.misses = 0;
}

/** The counters alone, live (no copy): what an evaluation reads before and after it runs. */
export const compileCacheCounters: Readonly<typeof counters> = counters;

export function compileCacheStats(): CompileCacheStats {
  return { ...counters, bytes: cache?.calculatedSize ?? 0, entries: cache?.size ?? 0, maxBytes };
}

/** Counts one parser call (eval.ts calls this wherever it parses). */
export function countParse(): void {
  counters.parses++;
}

/** The key of a file's compiled code: path, content hash, and the compilation variant. */
export function compileKey(path: string, text: string, variant: string): string {
  const hash = createHash('sha256').update(Buffer.from(text, 'latin1')).digest('hex');
  return `${path}\0${hash}\0${variant}`;
}

export function getCompiled(key: string): Chunk | undefined {
  const c = cache?.get(key);
  if (c === undefined) counters.misses++;
  else counters.hits++;
  return c;
}

export function putCompiled(key: string, chunk: Chunk): void {
  if (!cache) return;
  const size = estimateChunkBytes(chunk) + key.length;
  if (size > maxBytes) return;
  cache.set(key, chunk, { size });
}

let disk: DiskCache | undefined;

/** Keeps compiled files on disk too (the command line's cache), or stops (undefined). */
export function useDiskCache(cache: DiskCache | undefined): void {
  disk = cache;
}

/** The disk cache in use, if any. */
export function diskCacheInUse(): DiskCache | undefined {
  return disk;
}

/**
 * The compiled file kept on disk under `key` (`diskKey`: what else the code depends on in
 * this evaluation), read back with `source`; kept in memory too if found.
 */
export function getCompiledFromDisk(key: string, diskKey: string, source: Source): Chunk | undefined {
  const chunk = disk?.read(diskKey, source);
  if (chunk !== undefined) putCompiled(key, chunk);
  return chunk;
}

/** Writes a freshly compiled file to the disk cache, if one is in use. */
export function putCompiledOnDisk(diskKey: string, chunk: Chunk): void {
  disk?.write(diskKey, chunk);
}

/**
 * A rough estimate of the memory a compiled file holds: its source text (kept for error
 * positions) and, for every chunk in it, the code and position arrays and the constants.
 * The compiler counts it as it goes (Chunk.estimatedBytes); this walk gives the same for code
 * compiled without it.
 */
export function estimateChunkBytes(root: Chunk): number {
  if (root.estimatedBytes !== undefined) return root.estimatedBytes;
  let bytes = sourceBytes(root.source.text);
  const chunks: Chunk[] = [root];
  const seen = new Set<Chunk>();
  const addChunk = (c: unknown): void => {
    if (c && typeof c === 'object' && 'code' in c && 'positions' in c && !seen.has(c as Chunk)) chunks.push(c as Chunk);
  };
  while (chunks.length > 0) {
    const c = chunks.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    bytes += ownBytes(c);
    for (const k of c.consts) {
      if (typeof k !== 'object' || k === null || Array.isArray(k)) continue;
      addChunk(k);
      // A lambda's code, and its formals' default values.
      const lambda = k as { chunk?: unknown; formals?: { entries?: { def?: unknown }[] } | null; entries?: { def?: unknown }[] };
      addChunk(lambda.chunk);
      for (const e of lambda.formals?.entries ?? lambda.entries ?? []) addChunk(e.def);
    }
  }
  return bytes;
}
