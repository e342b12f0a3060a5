// V8's heap settings of the pool's workers: the young generation the pool asks for is the one a
// worker gets, and the evaluation's memory ceiling (src/limits) does not grow with it: a larger
// young generation leaves the old generation's limit, and so what an evaluation may hold, as
// it was.

import { Worker } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { DEFAULT_YOUNG_GENERATION_MB, EvalPool } from '../../workers/pool.js';

const MiB = 1024 * 1024;
const LIMITS = new URL('../../src/limits/limits.js', import.meta.url).href;

interface Seen {
  heapSizeLimit: number;
  young: number;
  ceiling: number;
}

/** What a worker thread under these limits sees: V8's heap limit, the young generation src/limits counts, its ceiling. */
function inWorker(resourceLimits: { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb?: number }): Promise<Seen> {
  const code = `
    const { parentPort, resourceLimits } = require('node:worker_threads');
    const { getHeapStatistics } = require('node:v8');
    import(${JSON.stringify(LIMITS)}).then(({ EvalLimits, useWorkerHeapLimits, youngGenerationBytes }) => {
      // As the pool's worker entry (workers/eval-worker.ts) does.
      useWorkerHeapLimits(resourceLimits.maxOldGenerationSizeMb);
      const heapSizeLimit = getHeapStatistics().heap_size_limit;
      const l = new EvalLimits();
      parentPort.postMessage({ heapSizeLimit, young: youngGenerationBytes(heapSizeLimit), ceiling: l.baseHeapBytes + l.headroom });
    });`;
  const w = new Worker(code, { eval: true, resourceLimits });
  return new Promise((resolve, reject) => {
    w.once('message', (m: Seen) => {
      void w.terminate();
      resolve(m);
    });
    w.once('error', reject);
  });
}

test('the evaluation\'s ceiling in a worker is a share of its old generation, whatever the young generation', async () => {
  const old = 400;
  const byV8 = await inWorker({ maxOldGenerationSizeMb: old });
  expect(byV8.heapSizeLimit).toBe((old + 48) * MiB);
  for (const young of [64, 96, 128, 256]) {
    const seen = await inWorker({ maxOldGenerationSizeMb: old, maxYoungGenerationSizeMb: young });
    // V8's heap limit holds the larger young generation ...
    expect(seen.heapSizeLimit).toBeGreaterThan(byV8.heapSizeLimit);
    expect(seen.young).toBe(seen.heapSizeLimit - old * MiB);
    // ... and the ceiling stays where it is with V8's default.
    expect(seen.ceiling).toBe(byV8.ceiling);
  }
  expect(byV8.ceiling).toBe(old * MiB * 0.75);
});

test('a pool\'s workers get the young generation it is given (by default DEFAULT_YOUNG_GENERATION_MB; 0: V8\'s)', async () => {
  for (const [asked, expected] of [[undefined, DEFAULT_YOUNG_GENERATION_MB], [128, 128], [0, 48]] as const) {
    const pool = new EvalPool({ workers: 1, logLevel: 'silent', ...(asked === undefined ? {} : { youngGenerationMb: asked }) });
    try {
      // A first task: the worker is then up.
      const r = await pool.run({ expr: '1 + 1', strict: true, allowedRoots: [], timeoutMs: 10_000, maxMemoryMb: 64, maxOutputBytes: 1024 }, { reqId: 't' });
      expect(r.ok).toBe(true);
      const threads = (pool as unknown as { piscina: Piscina }).piscina.threads;
      expect(threads.length).toBe(1);
      expect(threads[0].resourceLimits?.maxYoungGenerationSizeMb).toBe(expected);
      expect(threads[0].resourceLimits?.maxOldGenerationSizeMb).toBe(pool.workerHeapMb);
    } finally {
      await pool.close();
    }
  }
});
