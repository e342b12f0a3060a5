// Jobs through Redis (BullMQ) with `nixeval worker` processes: enqueue, run elsewhere, poll,
// cancel, expire, survive an API restart and a worker killed mid-job; readiness and metrics
// report the queue, and /ready is 503 while Redis is away. /v1/eval stays on the API's pool.

import { LOOP, sleep, type TestServer, waitFor } from '../service/helpers.js';
import { freePort, RedisServer, startApi, WorkerProcess } from './redis.js';
import { SLOW_EXPR, SLOW_VALUE } from '../service/slow-evaluation.js';

const FINAL = ['succeeded', 'failed', 'cancelled'];

let redis: RedisServer;
let api: TestServer;
const workers: WorkerProcess[] = [];

function worker(env: Record<string, string> = {}): WorkerProcess {
  const w = new WorkerProcess(redis.url, env);
  workers.push(w);
  return w;
}

async function poll(id: string, until: (body: any) => boolean, ms = 30_000): Promise<{ status: number; body: any }> {
  let last = { status: 0, body: undefined as any };
  await waitFor(async () => {
    const r = await api.http().get(`/v1/jobs/${id}`);
    last = { status: r.status, body: r.body };
    return r.status !== 200 || until(r.body);
  }, ms, 50);
  return last;
}

async function submit(body: object): Promise<string> {
  const r = await api.post('/v1/jobs', body);
  expect(r.status).toBe(202);
  return r.body.id;
}

beforeAll(async () => {
  redis = new RedisServer(await freePort());
  await redis.start();
  api = await startApi(redis.url, { jobTtlMs: 3000 });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await api?.app.close();
  await redis?.stop();
});

test('a job waits in Redis until a worker process takes it, runs there, and is polled to its result', async () => {
  const id = await submit({ expr: 'builtins.map (x: x * 2) [ 1 2 3 ]' });
  await sleep(300);
  expect((await api.http().get(`/v1/jobs/${id}`)).body.state).toBe('queued');
  const ready = await api.http().get('/ready');
  expect(ready.body.jobQueue).toMatchObject({ reachable: true, waiting: 1, workers: 0 });

  const w = worker();
  await w.ready();
  const done = await poll(id, (b) => FINAL.includes(b.state));
  expect(done.body).toMatchObject({ state: 'succeeded', worker: w.name, result: { value: [2, 4, 6] } });
  expect(w.name).toMatch(new RegExp(`:${w.child.pid}$`));
  // The API's own pool ran nothing: synchronous evaluations only.
  const metrics = (await api.http().get('/metrics')).text;
  expect(metrics).toMatch(/nixeval_queue_workers 1/);
  expect(metrics).toMatch(/nixeval_queue_up 1/);
  expect(metrics).not.toMatch(/nixeval_evaluations_total\{outcome="ok"\}/);
  expect((await api.post('/v1/eval', { expr: '1 + 1' })).body.value).toBe(2);

  const failed = await submit({ expr: 'throw "nope"' });
  expect((await poll(failed, (b) => FINAL.includes(b.state))).body).toMatchObject({ state: 'failed', error: { kind: 'throw', message: 'nope' } });
});

test('cancelling a running job stops it on its worker; a cancelled queued job never runs', async () => {
  const running = await submit({ expr: LOOP });
  expect((await poll(running, (b) => b.state === 'running')).body.state).toBe('running');
  const queued = await submit({ expr: '"never"' }); // the only worker thread is busy
  const del = await api.http().delete(`/v1/jobs/${queued}`);
  expect(del.body.state).toBe('cancelled');
  const stop = await api.http().delete(`/v1/jobs/${running}`);
  expect(stop.status).toBe(200);
  expect(stop.body).toMatchObject({ state: 'cancelled', error: { kind: 'cancelled' } });
  // The worker's one thread is free again (the loop would hold it for a minute).
  const next = await submit({ expr: '40 + 2' });
  expect((await poll(next, (b) => FINAL.includes(b.state), 20_000)).body).toMatchObject({ state: 'succeeded', result: { value: 42 } });
  const after = await api.http().get(`/v1/jobs/${queued}`);
  expect(after.body).toMatchObject({ state: 'cancelled' });
  expect(after.body.startedAt).toBeUndefined();
  expect((await api.http().get(`/v1/jobs/${running}`)).body.state).toBe('cancelled');
});

test('finished jobs expire after the TTL; deleting a finished job forgets it', async () => {
  const a = await submit({ expr: '1' });
  const b = await submit({ expr: '2' });
  await poll(a, (x) => x.state === 'succeeded');
  await poll(b, (x) => x.state === 'succeeded');
  expect((await api.http().delete(`/v1/jobs/${b}`)).body.state).toBe('succeeded');
  expect((await api.http().get(`/v1/jobs/${b}`)).status).toBe(404);
  expect((await api.http().get(`/v1/jobs/${a}`)).status).toBe(200);
  await sleep(3100);
  expect((await api.http().get(`/v1/jobs/${a}`)).status).toBe(404);
});

test('jobs survive a restart of the API: a new API process answers for them', async () => {
  const ids = await Promise.all([1, 2, 3].map((k) => submit({ expr: `${k} * 100` })));
  await api.app.close();
  api = await startApi(redis.url, { jobTtlMs: 3000 });
  for (const [i, id] of ids.entries()) {
    expect((await poll(id, (b) => FINAL.includes(b.state))).body).toMatchObject({ state: 'succeeded', result: { value: (i + 1) * 100 } });
  }
});

test('a job whose worker dies is retried once on another worker, then failed with a clear error', async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('SIGTERM')));
  const lock = { NIXEVAL_QUEUE_LOCK_MS: '500' };
  // Retried once: the job finishes on the second worker.
  const first = worker(lock);
  await first.ready();
  const id = await submit({ expr: SLOW_EXPR, limits: { timeoutMs: 60_000 } });
  expect((await poll(id, (b) => b.state === 'running')).body.worker).toBe(first.name);
  await first.stop('SIGKILL');
  const second = worker(lock);
  await second.ready();
  expect((await poll(id, (b) => FINAL.includes(b.state), 60_000)).body).toMatchObject({ state: 'succeeded', worker: second.name, result: { value: SLOW_VALUE } });

  // Its worker dies twice: failed.
  const again = await submit({ expr: SLOW_EXPR, limits: { timeoutMs: 60_000 } });
  expect((await poll(again, (b) => b.state === 'running')).body.worker).toBe(second.name);
  await second.stop('SIGKILL');
  const third = worker(lock);
  await third.ready();
  expect(await waitFor(async () => (await api.http().get(`/v1/jobs/${again}`)).body.worker === third.name, 30_000, 50)).toBe(true);
  await third.stop('SIGKILL');
  const fourth = worker(lock);
  await fourth.ready();
  const failed = await poll(again, (b) => FINAL.includes(b.state), 30_000);
  expect(failed.body).toMatchObject({ state: 'failed', error: { kind: 'internal' } });
  expect(failed.body.error.message).toMatch(/stopped .*retried on; the job was given up/);
}, 180_000);

test('/ready is 503 while Redis does not answer, and jobs are refused with 503; both recover', async () => {
  await redis.stop();
  expect(await waitFor(async () => (await api.http().get('/ready')).status === 503, 10_000, 50)).toBe(true);
  const ready = await api.http().get('/ready');
  expect(ready.body.reason).toMatch(/Redis/);
  expect(ready.body.jobQueue.reachable).toBe(false);
  const refused = await api.post('/v1/jobs', { expr: '1' });
  expect(refused.status).toBe(503);
  expect(refused.body.error.kind).toBe('overloaded');
  expect(refused.headers['retry-after']).toBeDefined();
  // Synchronous evaluations do not need Redis.
  expect((await api.post('/v1/eval', { expr: '1 + 1' })).body.value).toBe(2);
  await redis.start();
  expect(await waitFor(async () => (await api.http().get('/ready')).status === 200, 20_000, 100)).toBe(true);
  expect((await api.post('/v1/jobs', { expr: '1' })).status).toBe(202);
});
