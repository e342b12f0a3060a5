// Items 2 and 3 of issue 11: what an answer carries is bounded by the output limit, errors
// included, and a batch's items share it; a job store holds bounded results and forgets the
// largest first, so one client's huge results do not push out everyone else's.

import { DOUBLE, type ServerProcess, startServerProcess } from './server-process.js';

const SERVER_MAX_OUTPUT = 1 << 20;

let s: ServerProcess;
beforeAll(async () => {
  s = await startServerProcess({
    NIXEVAL_MAX_OUTPUT_BYTES: String(SERVER_MAX_OUTPUT), NIXEVAL_MAX_MEMORY_MB: '256', NIXEVAL_TIMEOUT_MS: '20000',
    NIXEVAL_MAX_JOB_RESULT_BYTES: String(4 * SERVER_MAX_OUTPUT), NIXEVAL_JOB_TTL_MS: '600000', NIXEVAL_MAX_QUEUE: '1000',
  });
});
afterAll(async () => {
  await s.stop();
});

/** 128 MiB of x (as the example). */
const HUGE = `(${DOUBLE} d "x" 27)`;
/** Slack for the fixed members of an answer (stats, keys, positions) and the cut markers. */
const OVERHEAD = 4096;

describe('an error\'s message, rendering and trace count against the output limit', () => {
  const cases: Record<string, string> = {
    throw: `throw ${HUGE}`,
    abort: `abort ${HUGE}`,
    'assert with a message': `assert (builtins.trace ${HUGE} false); 1`,
    'a type error showing a value': `${DOUBLE} 1 + (d "x" 24)`,
    'a missing attribute named by the program': `let n = ${DOUBLE} d "a" 20; in { }.\${n}`,
    'a deep trace': 'let f = n: if n == 0 then throw "bottom" else 1 + f (n - 1); in f 200000',
  };
  for (const [name, expr] of Object.entries(cases)) {
    test(name, async () => {
      const r = await s.post('/v1/eval', { expr, limits: { maxOutputBytes: 1000 } });
      expect(r.status).toBe(422);
      expect(r.bytes).toBeLessThan(1000 + OVERHEAD);
      expect(r.body.error.message.length).toBeGreaterThan(0);
    });
  }

  test('what is cut is marked', async () => {
    const r = await s.post('/v1/eval', { expr: `throw ${HUGE}`, limits: { maxOutputBytes: 1000 } });
    expect(r.body.error.kind).toBe('throw');
    expect(r.body.error.message).toMatch(/^x+ … \[\d+ more bytes cut: output limit\]$/);
  });
});

test('warnings and traces are cut at the limit, and what was dropped is counted', async () => {
  const traced = await s.post('/v1/eval', {
    expr: 'builtins.foldl\' (a: i: builtins.trace "tracing along, step by step" a) 0 (builtins.genList (i: i) 100000)',
    limits: { maxOutputBytes: 2000 },
  });
  expect(traced.status).toBe(200);
  expect(traced.body.value).toBe(0);
  expect(traced.bytes).toBeLessThan(2000 + OVERHEAD);
  expect(traced.body.traces.at(-1)).toMatch(/^… \d+ more traces omitted: output limit$/);
  const one = await s.post('/v1/eval', { expr: `builtins.trace ${HUGE} 1`, limits: { maxOutputBytes: 1000 } });
  expect(one.body.value).toBe(1);
  expect(one.bytes).toBeLessThan(1000 + OVERHEAD);
  expect(one.body.traces[0]).toMatch(/cut: output limit\]$/);
});

test('a batch of 40 errors of 128 MiB each answers within the server\'s output limit, and the process lives', async () => {
  const requests = Array.from({ length: 40 }, () => ({ expr: `throw ${HUGE}` }));
  const r = await s.post('/v1/eval/batch', { requests });
  expect(r.status).toBe(200);
  expect(r.body.results).toHaveLength(40);
  for (const item of r.body.results) expect(item.error.kind).toBe('throw');
  expect(r.bytes).toBeLessThan(SERVER_MAX_OUTPUT + 40 * OVERHEAD);
  expect(s.alive()).toBe(true);
  expect((await s.post('/v1/eval', { expr: '"after"' })).body.value).toBe('after');
});

test('concurrent requests are answered while huge errors are cut', async () => {
  const bombs = Array.from({ length: 4 }, () => s.post('/v1/eval', { expr: `throw ${HUGE}`, limits: { maxOutputBytes: 1000 } }));
  const small = await s.post('/v1/eval', { expr: '40 + 2', limits: { timeoutMs: 10_000 } });
  expect(small.body.value).toBe(42);
  for (const b of await Promise.all(bombs)) expect(b.bytes).toBeLessThan(1000 + OVERHEAD);
});

async function finished(id: string): Promise<{ status: number; body: any }> {
  for (;;) {
    const r = await s.get(`/v1/jobs/${id}`);
    if (r.status !== 200 || (r.body.state !== 'queued' && r.body.state !== 'running')) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
}

test('jobs with huge results or errors do not push out other clients\' jobs', async () => {
  const small = await Promise.all(Array.from({ length: 20 }, (_, i) => s.post('/v1/jobs', { expr: `${i} * 2` })));
  for (const c of small) expect(c.status).toBe(202);
  for (const c of small) expect((await finished(c.body.id)).body.state).toBe('succeeded');
  // Each at the server's output limit: together far past the store's budget of 4 of them.
  const huge = [];
  for (let i = 0; i < 6; i++) huge.push(await s.post('/v1/jobs', { expr: `throw ${HUGE}` }));
  for (let i = 0; i < 6; i++) huge.push(await s.post('/v1/jobs', { expr: `builtins.genList (i: "${'y'.repeat(100)}") 9000` }));
  const ends = await Promise.all(huge.map((c) => finished(c.body.id)));
  for (const e of ends) expect([200, 404]).toContain(e.status);
  // Every small job is still there, with its result.
  for (const [i, c] of small.entries()) {
    const r = await s.get(`/v1/jobs/${c.body.id}`);
    expect(r.status).toBe(200);
    expect(r.body.result.value).toBe(i * 2);
  }
  // And a stored error is as bounded as an answer.
  const kept = ends.filter((e) => e.status === 200 && e.body.error);
  for (const e of kept) expect(JSON.stringify(e.body).length).toBeLessThan(SERVER_MAX_OUTPUT + OVERHEAD);
  expect(s.alive()).toBe(true);
});

test('the process stayed within its memory', () => {
  expect(s.peakRssMb()).toBeLessThan(2048);
  expect(s.stderr()).not.toMatch(/Fatal|heap out of memory|Aborted/);
});
