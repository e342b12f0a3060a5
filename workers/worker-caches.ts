// What a worker thread keeps between tasks, and the bound on it. The caches that live as long
// as the worker (compiled files, compiled regexes, the sandboxed filesystems) each have a byte
// budget; after every task the worker measures its heap: when the task left much garbage it
// collects it (so that the next evaluation's budget counts from what is live, not from the last
// one's leftovers), and when what is live is over its bound (a cache estimate gone wrong,
// something else retained) it drops every cache. So whatever earlier requests did, the next one
// finds the worker with its whole memory budget available under V8's heap limit (pool.ts).

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

/**
 * Garbage tasks may leave behind before the worker collects it. Not less: a forced collection
 * also throws away the optimised code that embedded objects of past evaluations (V8 deopts it,
 * "weak objects"), and the worker then compiles the evaluator's hot functions again. At 32 MiB
 * small evaluations crossed it every ~2,000 tasks, and the recompiling cost more CPU per task
 * than the evaluation itself. V8 collects this garbage on its own schedule anyway; what the
 * next evaluation may use is counted from the heap it starts with, and its budget collects
 * before it fails (src/limits), so leftovers never cut its memory short.
 */
const SLACK_BYTES = 128 * MiB;
/** The heap in use after the last collection. */
let settled = 0;

/** After a task: collects what it left behind, and brings what stays under its bound. */
export function trimWorkerHeap(): void {
  if (getHeapStatistics().used_heap_size <= settled + SLACK_BYTES) return;
  const collect = garbageCollector();
  collect();
  trims.collected++;
  settled = getHeapStatistics().used_heap_size;
  if (settled <= WORKER_CACHE_MB * MiB) return;
  for (const clear of clearers) clear();
  collect();
  trims.cleared++;
  settled = getHeapStatistics().used_heap_size;
}
