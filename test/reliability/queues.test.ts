// Items 5 and 6 of issue 11: jobs cannot starve synchronous evaluations, nothing waits longer
// than its own time limit, /ready says whether a new /v1/eval can start soon; and work whose
// client has gone is dropped from the queue, or stopped.

import { request as httpRequest } from 'node:http';
import { LOOP, type ServerProcess, sleep, startServerProcess } from './server-process.js';

async function until(f: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return true;
    await sleep(25);
  }
  return false;
}

describe('two workers, two looping jobs', () => {
  let s: ServerProcess;
  beforeAll(async () => {
    s = await startServerProcess({ NIXEVAL_WORKERS: '2', NIXEVAL_JOB_TIMEOUT_MS: '60000', NIXEVAL_TIMEOUT_MS: '5000' });
  });
  afterAll(async () => {
    await s.stop();
  });

  test('a synchronous evaluation still gets a worker at once, and /ready says ready', async () => {
    const jobs = [await s.post('/v1/jobs', { expr: LOOP }), await s.post('/v1/jobs', { expr: LOOP })];
    expect(await until(async () => (await s.get('/ready')).body.jobWorkers === 1)).toBe(true);
    const ready = await s.get('/ready');
    expect(ready.status).toBe(200);
    // The second job waits: jobs hold at most all workers but one.
    expect(ready.body.queuedJobs).toBe(1);
    for (let i = 0; i < 5; i++) {
      const r = await s.post('/v1/eval', { expr: `${i} + 1`, limits: { timeoutMs: 1000 } });
      expect(r.body.value).toBe(i + 1);
      expect(r.ms).toBeLessThan(1000);
    }
    for (const j of jobs) await s.request('DELETE', `/v1/jobs/${j.body.id}`);
    // Cancelled: the running one stops (cooperatively), the queued one never starts.
    expect(await until(async () => (await s.get('/ready')).body.busyWorkers === 0)).toBe(true);
    expect(await s.metric('nixeval_pool_workers_replaced_total')).toBe(0);
  });
});

describe('one worker', () => {
  let s: ServerProcess;
  beforeAll(async () => {
    s = await startServerProcess({ NIXEVAL_WORKERS: '1', NIXEVAL_JOB_TIMEOUT_MS: '60000', NIXEVAL_TIMEOUT_MS: '5000' });
  });
  afterAll(async () => {
    await s.stop();
  });

  test('behind a looping job, a request waits no longer than its own time limit; /ready says why it is not ready', async () => {
    const job = await s.post('/v1/jobs', { expr: LOOP });
    expect(await until(async () => (await s.get('/ready')).body.jobWorkers === 1)).toBe(true);
    const ready = await s.get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toBe('every worker is running a job');
    const r = await s.post('/v1/eval', { expr: '1', limits: { timeoutMs: 1000 } });
    expect(r.status).toBe(503);
    expect(r.body.error.kind).toBe('overloaded');
    expect(r.body.error.message).toMatch(/could not start within its time limit of 1000 ms/);
    expect(r.headers['retry-after']).toBeDefined();
    expect(r.ms).toBeLessThan(1000 + 500);
    await s.request('DELETE', `/v1/jobs/${job.body.id}`);
    expect(await until(async () => (await s.get('/ready')).status === 200)).toBe(true);
    expect((await s.post('/v1/eval', { expr: '2' })).body.value).toBe(2);
  });

  test('requests whose clients disconnect while queued are not evaluated', async () => {
    const dropped = await s.metric('nixeval_evaluations_cancelled_total{when="queued"}') ?? 0;
    const before = await s.metric('nixeval_evaluations_total{outcome="ok"}') ?? 0;
    const blocker = s.post('/v1/eval', { expr: LOOP, limits: { timeoutMs: 2000 } });
    expect(await until(async () => (await s.get('/ready')).body.busyWorkers === 1)).toBe(true);
    // 30 clients send a request and go away while it waits behind the blocker.
    await Promise.all(Array.from({ length: 30 }, (_, i) => new Promise<void>((resolve) => {
      const body = JSON.stringify({ expr: `builtins.seq (builtins.length (builtins.genList (x: x) 100000)) ${i}` });
      const req = httpRequest({ host: '127.0.0.1', port: s.port, path: '/v1/eval', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
      req.on('error', () => resolve());
      req.write(body);
      req.end();
      setTimeout(() => { req.destroy(); resolve(); }, 300);
    })));
    expect(await until(async () => (await s.metric('nixeval_evaluations_cancelled_total{when="queued"}')) === dropped + 30, 5000)).toBe(true);
    expect((await blocker).body.error.kind).toBe('timeout');
    await sleep(200);
    // Only the blocker ended (as a timeout): none of the 30 ran.
    expect(await s.metric('nixeval_evaluations_total{outcome="ok"}') ?? 0).toBe(before);
  });

  test('a running evaluation whose client disconnects is stopped, and the worker serves the next request at once', async () => {
    const stopped = await s.metric('nixeval_evaluations_cancelled_total{when="running"}') ?? 0;
    await new Promise<void>((resolve) => {
      const body = JSON.stringify({ expr: LOOP, limits: { timeoutMs: 4000 } });
      const req = httpRequest({ host: '127.0.0.1', port: s.port, path: '/v1/eval', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
      req.on('error', () => resolve());
      req.write(body);
      req.end();
      setTimeout(() => { req.destroy(); resolve(); }, 500);
    });
    const t0 = Date.now();
    expect(await until(async () => (await s.get('/ready')).body.busyWorkers === 0, 3000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await s.metric('nixeval_evaluations_cancelled_total{when="running"}')).toBe(stopped + 1);
    expect((await s.post('/v1/eval', { expr: '3' })).body.value).toBe(3);
    expect(await s.metric('nixeval_pool_workers_replaced_total')).toBe(0);
  });
});
