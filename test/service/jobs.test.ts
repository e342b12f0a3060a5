// Asynchronous jobs: submit, poll, cancel (which stops the work), forget, expire.

import { LOOP, sleep, startServer, type TestServer, waitFor } from './helpers.js';

let s: TestServer;

beforeAll(async () => {
  s = await startServer({ timeoutMs: 1000, jobTimeoutMs: 60_000, jobTtlMs: 1500 });
});

afterAll(async () => {
  await s.app.close();
});

async function poll(id: string, until: (state: string) => boolean, ms = 5000): Promise<{ status: number; body: any }> {
  let last: { status: number; body: any } = { status: 0, body: undefined };
  await waitFor(async () => {
    const r = await s.http().get(`/v1/jobs/${id}`);
    last = { status: r.status, body: r.body };
    return r.status !== 200 || until(r.body.state);
  }, ms);
  return last;
}

test('a job is accepted at once, then polled to its result', async () => {
  const created = await s.post('/v1/jobs', { expr: 'builtins.foldl\' (a: b: a + b) 0 (builtins.genList (x: x) 1000)' });
  expect(created.status).toBe(202);
  expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(created.body.location).toBe(`/v1/jobs/${created.body.id}`);
  expect(created.headers.location).toBe(created.body.location);
  const done = await poll(created.body.id, (st) => st === 'succeeded' || st === 'failed');
  expect(done.body.state).toBe('succeeded');
  expect(done.body.result.value).toBe(499500);
  expect(done.body.result.stats.evalMs).toBeGreaterThan(0);
  expect(Date.parse(done.body.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.body.createdAt));
  expect(done.body.expiresAt).toBeDefined();
});

test('a failed job carries its error', async () => {
  const created = await s.post('/v1/jobs', { expr: 'throw "nope"' });
  const done = await poll(created.body.id, (st) => st !== 'queued' && st !== 'running');
  expect(done.body.state).toBe('failed');
  expect(done.body.error.kind).toBe('throw');
  expect(done.body.error.message).toBe('nope');
});

test('a job may run longer than a synchronous request; cancelling it stops its work', async () => {
  const created = await s.post('/v1/jobs', { expr: LOOP });
  const id = created.body.id;
  const running = await poll(id, (st) => st === 'running');
  expect(running.body.state).toBe('running');
  // Past the synchronous timeout, the job is still running.
  await sleep(1200);
  expect((await s.http().get(`/v1/jobs/${id}`)).body.state).toBe('running');
  const ready = await s.http().get('/ready');
  expect(ready.body.busyWorkers).toBe(1);

  const del = await s.http().delete(`/v1/jobs/${id}`);
  expect(del.status).toBe(200);
  expect(del.body.state).toBe('cancelled');
  expect(del.body.error.kind).toBe('cancelled');
  // The worker running it was stopped (and replaced): no worker is busy any more.
  expect(await waitFor(async () => (await s.http().get('/ready')).body.busyWorkers === 0, 3000)).toBe(true);
  expect(await waitFor(async () => (await s.http().get('/ready')).body.workers === 2, 5000)).toBe(true);
  const after = await s.http().get(`/v1/jobs/${id}`);
  expect(after.body.state).toBe('cancelled');
  // And the pool serves the next request.
  const next = await s.post('/v1/eval', { expr: '1 + 1' });
  expect(next.body.value).toBe(2);
});

test('a queued job can be cancelled before it runs', async () => {
  const a = await s.post('/v1/jobs', { expr: LOOP });
  const b = await s.post('/v1/jobs', { expr: LOOP });
  const c = await s.post('/v1/jobs', { expr: '"never"' });
  expect((await s.http().get(`/v1/jobs/${c.body.id}`)).body.state).toBe('queued');
  const del = await s.http().delete(`/v1/jobs/${c.body.id}`);
  expect(del.body.state).toBe('cancelled');
  await s.http().delete(`/v1/jobs/${a.body.id}`);
  await s.http().delete(`/v1/jobs/${b.body.id}`);
  await sleep(100);
  expect((await s.http().get(`/v1/jobs/${c.body.id}`)).body.state).toBe('cancelled');
  expect((await s.http().get(`/v1/jobs/${c.body.id}`)).body.startedAt).toBeUndefined();
});

test('deleting a finished job forgets it; unknown jobs are 404', async () => {
  const created = await s.post('/v1/jobs', { expr: '1' });
  await poll(created.body.id, (st) => st === 'succeeded');
  const del = await s.http().delete(`/v1/jobs/${created.body.id}`);
  expect(del.status).toBe(200);
  expect(del.body.state).toBe('succeeded');
  expect((await s.http().get(`/v1/jobs/${created.body.id}`)).status).toBe(404);
  const unknown = await s.http().get('/v1/jobs/nope');
  expect(unknown.status).toBe(404);
  expect(unknown.body.error.kind).toBe('not-found');
  expect((await s.http().delete('/v1/jobs/nope')).status).toBe(404);
});

test('finished jobs expire after the TTL', async () => {
  const created = await s.post('/v1/jobs', { expr: '2' });
  await poll(created.body.id, (st) => st === 'succeeded');
  expect((await s.http().get(`/v1/jobs/${created.body.id}`)).status).toBe(200);
  await sleep(1600);
  expect((await s.http().get(`/v1/jobs/${created.body.id}`)).status).toBe(404);
});

test('a malformed job is 400', async () => {
  const r = await s.post('/v1/jobs', { expression: '1' });
  expect(r.status).toBe(400);
  expect(r.body.error.kind).toBe('bad-request');
});

test('past the byte budget for results, the oldest finished jobs are forgotten early', async () => {
  const small = await startServer({ workers: 1, maxJobResultBytes: 500 });
  try {
    const big = 'builtins.genList (x: 1000 + x) 60'; // 300 bytes of JSON
    const a = await small.post('/v1/jobs', { expr: big });
    await waitFor(async () => (await small.http().get(`/v1/jobs/${a.body.id}`)).body.state === 'succeeded');
    const b = await small.post('/v1/jobs', { expr: big });
    await waitFor(async () => (await small.http().get(`/v1/jobs/${b.body.id}`)).body.state === 'succeeded');
    expect((await small.http().get(`/v1/jobs/${a.body.id}`)).status).toBe(404);
    expect((await small.http().get(`/v1/jobs/${b.body.id}`)).body.result.value).toHaveLength(60);
  } finally {
    await small.app.close();
  }
});
