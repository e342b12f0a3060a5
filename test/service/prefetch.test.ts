// Evaluations prefetched by a busy worker (workers/pool.ts): one that waits behind a long
// evaluation is taken back and run elsewhere when another worker is free, when its worker is
// lost, or not at all when it is cancelled or waits past its start limit; none is answered
// with its worker's failure; /ready counts the time it waits.

import { CancelledError, EvalPool, OverloadedError } from '../../workers/pool.js';
import type { EvalJob } from '../../workers/evaluate-json.js';
import { SLOW_EXPR } from './slow-evaluation.js';

const job = (expr: string, timeoutMs = 20_000): EvalJob => ({ expr, strict: true, allowedRoots: [], timeoutMs, maxMemoryMb: 256, maxOutputBytes: 1 << 20 });

/**
 * Resolves once the workers are warm (the first evaluations load the evaluator), with the pool's
 * prefetch counters then (warming up may prefetch too).
 */
async function warm(pool: EvalPool): Promise<{ given: number; takenBack: number }> {
  await Promise.all(Array.from({ length: pool.workers * 2 }, (_, i) => pool.run(job(String(i)), { reqId: `warm${i}` })));
  return { ...pool.prefetches };
}

/** Waits until the pool has given `n` evaluations to busy workers. */
async function prefetched(pool: EvalPool, n: number): Promise<void> {
  const end = Date.now() + 5000;
  while (pool.prefetches.given < n && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  expect(pool.prefetches.given).toBe(n);
}

test('an evaluation prefetched behind a long one runs on the worker that becomes free first', async () => {
  const pool = new EvalPool({ workers: 2, logLevel: 'silent' });
  try {
    const base = await warm(pool);
    const long = pool.run(job(SLOW_EXPR), { reqId: 'long' });
    const short = pool.run(job("builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 20000)"), { reqId: 'short' });
    let longEnded = 0;
    void long.then(() => { longEnded = Date.now(); });
    // Both workers are busy: the next evaluation is given to one of them.
    const next = pool.run(job('"next"'), { reqId: 'next' });
    await prefetched(pool, base.given + 1);
    const r = await next;
    expect(r).toMatchObject({ ok: true, json: '"next"' });
    // It did not wait for the long evaluation.
    expect(longEnded).toBe(0);
    expect((await short).ok).toBe(true);
    const l = await long;
    expect(l.ok).toBe(true);
    expect(r.worker).not.toBe(l.worker);
  } finally {
    await pool.close();
  }
});

test('an evaluation prefetched by a worker that is lost runs on another one, not failed with it', async () => {
  const pool = new EvalPool({ workers: 1, graceMs: 100, logLevel: 'silent' });
  try {
    const base = await warm(pool);
    // Stuck inside one builtin call of a few seconds: the backstop replaces the worker.
    const stuck = pool.run(job('let d = s: n: if n == 0 then s else d (s + s) (n - 1); in builtins.fromTOML "a = [${d "1," 21}1]"', 300), { reqId: 'stuck' });
    const next = pool.run(job('"next"'), { reqId: 'next' });
    await prefetched(pool, base.given + 1);
    const s = await stuck;
    expect(s.ok ? 'ok' : s.error.kind).toBe('timeout');
    const r = await next;
    expect(r).toMatchObject({ ok: true, json: '"next"' });
    expect(pool.workersReplaced).toBe(1);
    expect(pool.prefetches.takenBack).toBe(base.takenBack + 1);
  } finally {
    await pool.close();
  }
});

test('a prefetched evaluation that is cancelled, or waits past its start limit, ends at once without running', async () => {
  const pool = new EvalPool({ workers: 1, logLevel: 'silent' });
  try {
    const base = await warm(pool);
    const long = pool.run(job(SLOW_EXPR), { reqId: 'long' });
    let longEnded = 0;
    void long.then(() => { longEnded = Date.now(); });
    const controller = new AbortController();
    const cancelled = pool.run(job('"cancelled"'), { reqId: 'cancelled', signal: controller.signal });
    await prefetched(pool, base.given + 1);
    controller.abort();
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    expect(pool.cancelled.queued).toBe(1);
    const late = pool.run(job('"late"', 300), { reqId: 'late' });
    await prefetched(pool, base.given + 2);
    const refused = await late.catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OverloadedError);
    expect((refused as OverloadedError).reason).toBe('queue-timeout');
    expect(pool.prefetches.takenBack).toBe(base.takenBack + 2);
    // Both ended while the long evaluation still ran, in front of them on their worker.
    expect(longEnded).toBe(0);
    expect((await long).ok).toBe(true);
  } finally {
    await pool.close();
  }
});

test('readiness sees an evaluation prefetched by a busy worker that has waited too long', async () => {
  const pool = new EvalPool({ workers: 1, readyMaxWaitMs: 200, logLevel: 'silent' });
  try {
    const base = await warm(pool);
    const long = pool.run(job(SLOW_EXPR), { reqId: 'long' });
    const next = pool.run(job('"next"'), { reqId: 'next' });
    await prefetched(pool, base.given + 1);
    // Nothing waits in the queue: the evaluation behind the long one waits on its worker.
    expect(pool.queuedOf('sync')).toBe(1);
    expect(pool.readiness().ready).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(pool.readiness()).toEqual({ ready: false, reason: 'evaluations have waited more than 200 ms for a worker' });
    expect((await long).ok).toBe(true);
    expect((await next).ok).toBe(true);
    expect(pool.readiness()).toEqual({ ready: true });
  } finally {
    await pool.close();
  }
});
