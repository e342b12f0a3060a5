// The worker pool's backstops: an evaluation the memory budget stops costs no worker; one the
// VM cannot stop (stuck inside one native call) has its worker replaced; a crash does not
// affect other requests.

import { startServer } from './helpers.js';

test('a builtin that would allocate past the worker\'s heap limit in one go is refused by the memory budget: memory-limit, and no worker is lost', async () => {
  // A 16 MiB maximum gives workers an old generation of 16 MiB plus the worker's caches plus
  // 256 MiB (workers/pool.ts, workerHeapMb: about 420 MiB); 4 million thunks need about
  // 500 MiB, asked for in one builtin call.
  const s = await startServer({ workers: 1, maxMemoryMb: 16, timeoutMs: 20_000 });
  try {
    const r = await s.post('/v1/eval', { expr: 'builtins.length (builtins.genList (x: x) 4000000)' });
    expect(r.status).toBe(422);
    expect(r.body.error.kind).toBe('memory-limit');
    expect(r.body.error.message).toMatch(/memory limit of 16 MiB/);
    const next = await s.post('/v1/eval', { expr: '"next"' });
    expect(next.status).toBe(200);
    expect(next.body.value).toBe('next');
    const metrics = (await s.http().get('/metrics')).text;
    expect(metrics).toMatch(/nixeval_pool_workers_replaced_total 0/);
    expect(metrics).toMatch(/nixeval_evaluation_errors_total\{kind="memory-limit"\} 1/);
  } finally {
    await s.app.close();
  }
});

test('an evaluation stuck where the VM cannot stop it (inside one builtin call) is stopped by the backstop: timeout, and the worker is replaced', async () => {
  // A short grace: the parse below must still be running when the backstop looks (on a fast,
  // quiet machine it took 0.8 s, past the default grace's 400 + 500 ms only on slower ones).
  const s = await startServer({ workers: 1, timeoutMs: 400, abortGraceMs: 50 });
  try {
    // The worker is up and warm: what is timed is the evaluation.
    expect((await s.post('/v1/eval', { expr: '1' })).status).toBe(200);
    // The TOML library parses a 4 MiB document in one call of about a second, which looks at no deadline.
    const expr = 'let d = s: n: if n == 0 then s else d (s + s) (n - 1); in builtins.fromTOML "a = [${d "1," 21}1]"';
    const r = await s.post('/v1/eval', { expr });
    expect(r.status).toBe(422);
    // No wall-clock bound (a loaded machine stretches any): `timeout` from an evaluation that
    // does not look at its deadline, and the worker replaced below, are what the backstop does.
    expect(r.body.error.kind).toBe('timeout');
    const next = await s.post('/v1/eval', { expr: '"next"' });
    expect(next.body.value).toBe('next');
    expect((await s.http().get('/metrics')).text).toMatch(/nixeval_pool_workers_replaced_total 1/);
  } finally {
    await s.app.close();
  }
});
