// What a worker thread keeps between tasks, and the bound on it. The caches that live as long
// as the worker (compiled files, compiled regexes, the sandboxed filesystems) each have a byte
// budget; after every task the worker measures the heap it keeps, and when that is over its
// bound (a cache estimate gone wrong, something else retained) it collects garbage and, if
// that is not enough, drops every cache. So whatever earlier requests did, the next one finds
// the worker with its whole memory budget available under V8's heap limit (pool.ts).

import { getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { clearCompileCache, DEFAULT_COMPILE_CACHE_BYTES } from '../src/io/compile-cache.js';
import { clearRegexCache, REGEX_CACHE_BYTES } from '../src/builtins/regex.js';

const MiB = 1024 * 1024;

/** The code, the evaluator's tables and the module graph: what an idle worker holds. */
const BASE_BYTES = 48 * MiB;

/** The most heap a worker keeps between tasks (MiB): its base and its caches' budgets. */
export const WORKER_CACHE_MB = Math.ceil((BASE_BYTES + DEFAULT_COMPILE_CACHE_BYTES + REGEX_CACHE_BYTES) / MiB);

/** What else clears a cache of the worker (evaluate-json.ts registers its filesystems). */
const clearers: (() => void)[] = [clearCompileCache, clearRegexCache];

export function onTrim(clear: () => void): void {
  clearers.push(clear);
}

let gc: (() => void) | undefined;

/**
 * A full garbage collection, for the worker thread: V8's `gc` exposed at run time. Called
 * only where measuring must not count garbage (at the memory limit, when trimming).
 */
export function garbageCollector(): () => void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  return gc;
}

/** Counts of trims, for the worker's log. */
export const trims = { collected: 0, cleared: 0 };

/** After a task: brings the heap the worker keeps back under its bound. */
export function trimWorkerHeap(): void {
  const bound = WORKER_CACHE_MB * MiB;
  if (getHeapStatistics().used_heap_size <= bound) return;
  const collect = garbageCollector();
  collect();
  trims.collected++;
  if (getHeapStatistics().used_heap_size <= bound) return;
  for (const clear of clearers) clear();
  collect();
  trims.cleared++;
}
