// The worker pool's backstops: a worker that exhausts V8's heap limit is replaced and its
// request gets memory-limit; a crash does not affect other requests.

import { startServer } from './helpers.js';

test('a builtin that allocates past the worker\'s heap limit: memory-limit, the worker is replaced, the next request is served', async () => {
  // A 16 MiB maximum gives workers a V8 heap limit of 272 MiB. genList allocates all its
  // elements in one builtin call, so the check during evaluation does not see it: V8's limit does.
  const s = await startServer({ workers: 1, maxMemoryMb: 16, timeoutMs: 20_000 });
  try {
    const r = await s.post('/v1/eval', { expr: 'builtins.length (builtins.genList (x: x) 4000000)' });
    expect(r.status).toBe(422);
    expect(r.body.error.kind).toBe('memory-limit');
    const next = await s.post('/v1/eval', { expr: '"next"' });
    expect(next.status).toBe(200);
    expect(next.body.value).toBe('next');
    const metrics = (await s.http().get('/metrics')).text;
    expect(metrics).toMatch(/nixeval_pool_workers_replaced 1/);
    expect(metrics).toMatch(/nixeval_evaluation_errors_total\{kind="memory-limit"\} 1/);
  } finally {
    await s.app.close();
  }
});

test('an evaluation stuck where the VM cannot stop it (inside one builtin call) is stopped by the backstop: timeout, and the worker is replaced', async () => {
  const s = await startServer({ workers: 1, timeoutMs: 400 });
  try {
    const t0 = Date.now();
    // replaceStrings tries all 5000 patterns (each starts with "a") at each of 100,000
    // places: seconds of work in one builtin call, where the VM does not look at its deadline.
    const patterns = 'builtins.genList (i: "a${toString i}") 5000';
    const expr = `builtins.replaceStrings (${patterns}) (builtins.genList (i: "") 5000) "${'a'.repeat(100000)}"`;
    const r = await s.post('/v1/eval', { expr });
    expect(r.status).toBe(422);
    expect(r.body.error.kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(400 + 1000);
    const next = await s.post('/v1/eval', { expr: '"next"' });
    expect(next.body.value).toBe('next');
    expect((await s.http().get('/metrics')).text).toMatch(/nixeval_pool_workers_replaced 1/);
  } finally {
    await s.app.close();
  }
});
