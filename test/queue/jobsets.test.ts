// Jobset jobs through Redis (BullMQ) with `nixeval worker` processes: run on a worker, progress,
// lines read from an offset and followed, cancel reaching the worker, a worker killed
// mid-jobset (the next one goes on: no line lost or repeated, offsets already read still
// valid), the lines' byte bound and the jobs' count bound, and the lines expiring with the job.
// POST /v1/jobsets stays on the API's own pool.

import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { sleep, type TestServer, waitFor } from '../service/helpers.js';
import { compareWithFixture, fixture, JOBSETS_DIR, parseLines } from '../jobsets/fixture.js';
import { jobset } from '../jobsets/synthetic.js';
import { freePort, RedisServer, startApi, WorkerProcess } from './redis.js';

const FINAL = ['succeeded', 'failed', 'cancelled'];

let redis: RedisServer;
let api: TestServer;
let client: Redis;
const workers: WorkerProcess[] = [];

function worker(env: Record<string, string> = {}): WorkerProcess {
  const w = new WorkerProcess(redis.url, { NIXEVAL_ALLOWED_ROOTS: JOBSETS_DIR, ...env });
  workers.push(w);
  return w;
}

async function stopWorkers(): Promise<void> {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
}

async function job(id: string, on = api): Promise<any> {
  return (await on.http().get(`/v1/jobs/${id}`)).body;
}

async function poll(id: string, until: (body: any) => boolean, ms = 60_000, on = api): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = await job(id, on);
    return last === undefined || until(last);
  }, ms, 50);
  return last;
}

async function submit(body: object, on = api): Promise<string> {
  const r = await on.post('/v1/jobs', { kind: 'jobset', ...body });
  expect(r.status).toBe(202);
  return r.body.id;
}

/** GETs a job's lines with follow=true; resolves with the text once the stream ends. */
function follow(id: string, offset = 0, on = api): Promise<{ status: number; text: string }> {
  const { port } = on.app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/v1/jobs/${id}/results?offset=${offset}&follow=true` }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (t: string) => { text += t; });
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  redis = new RedisServer(await freePort());
  await redis.start();
  api = await startApi(redis.url, { jobTtlMs: 60_000, jobTimeoutMs: 120_000 });
  client = new Redis(redis.url);
});

afterAll(async () => {
  client?.disconnect();
  await stopWorkers();
  await api?.app.close();
  await redis?.stop();
});

test('a jobset job waits in Redis, runs on a worker, shows its progress, and its lines are read from an offset and followed to the end', async () => {
  const id = await submit({ expr: jobset(6, 1), limits: { timeoutMs: 1500 } });
  await sleep(300);
  expect(await job(id)).toMatchObject({ kind: 'jobset', state: 'queued', progress: { done: 0 }, results: `/v1/jobs/${id}/results` });
  // A follower from the start, before any line exists.
  const followed = follow(id);
  const w = worker();
  await w.ready();
  const running = await poll(id, (b) => b.state === 'running' && b.progress.done === 6 && b.progress.running === 1);
  expect(running).toMatchObject({ worker: w.name, progress: { done: 6, failed: 0, running: 1, queued: 0 } });
  const some = await api.http().get(`/v1/jobs/${id}/results?offset=2`);
  expect(some.headers['x-next-offset']).toBe('6');
  expect(parseLines(some.text)).toHaveLength(4);

  const done = await poll(id, (b) => FINAL.includes(b.state));
  expect(done).toMatchObject({ state: 'succeeded', worker: w.name, progress: { done: 7, failed: 1, running: 0, queued: 0 } });
  expect(done.progress.elapsedMs).toBeGreaterThanOrEqual(1500);
  const all = await api.http().get(`/v1/jobs/${id}/results`);
  const lines = parseLines(all.text);
  expect(lines.map((l) => l.attr).sort()).toEqual(['q01', 'q02', 'q03', 'q04', 'q05', 'q06', 's01']);
  expect(lines.find((l) => l.attr === 's01')!.error!.kind).toBe('timeout');
  expect(parseLines(some.text)).toEqual(lines.slice(2, 6));
  // The follower got every line, in the same order, and its stream ended with the jobset.
  expect((await followed).text).toBe(all.text);
  expect((await follow(id, 7)).text).toBe('');

  // The same jobset streamed by POST /v1/jobsets runs on the API's own pool, with the same lines.
  const before = (await api.http().get('/metrics')).text;
  expect(before).not.toMatch(/nixeval_jobset_attributes_total\{outcome="derivation"\}/);
  const streamed = parseLines((await api.post('/v1/jobsets', { expr: jobset(6, 1), limits: { timeoutMs: 300 } })).text);
  const strip = (ls: typeof lines) => ls.map(({ stats: _stats, error, ...rest }) => ({ ...rest, error: error?.kind })).sort((a, b) => (a.attr < b.attr ? -1 : 1));
  expect(strip(streamed)).toEqual(strip(lines));
  expect((await api.http().get('/metrics')).text).toMatch(/nixeval_jobset_attributes_total\{outcome="derivation"\} 6/);
}, 90_000);

test('cancelling a running jobset job stops it on its worker; its lines so far stay readable and a follower\'s stream ends', async () => {
  const id = await submit({ expr: jobset(3, 2), limits: { timeoutMs: 60_000 } });
  const running = await poll(id, (b) => b.progress.done === 3 && b.progress.running > 0, 30_000);
  expect(running.state).toBe('running');
  const followed = follow(id, 3);
  await sleep(200);
  const del = await api.http().delete(`/v1/jobs/${id}`);
  expect(del.status).toBe(200);
  expect(del.body).toMatchObject({ kind: 'jobset', state: 'cancelled', progress: { done: 3 } });
  expect((await followed).text).toBe('');
  // The worker's one thread is free again (the attribute would spin for a minute).
  const next = (await api.post('/v1/jobs', { expr: '40 + 2' })).body.id as string;
  expect(await poll(next, (b) => FINAL.includes(b.state), 20_000)).toMatchObject({ state: 'succeeded', result: { value: 42 } });
  expect(await job(id)).toMatchObject({ state: 'cancelled', progress: { done: 3, running: 0 } });
  const lines = parseLines((await api.http().get(`/v1/jobs/${id}/results`)).text);
  expect(lines.map((l) => l.attr).sort()).toEqual(['q01', 'q02', 'q03']);
}, 60_000);

test('an API that shuts down ends its followers\' streams at once; the jobset goes on on its worker', async () => {
  const other = await startApi(redis.url, { jobTtlMs: 60_000 });
  const id = await submit({ expr: jobset(1, 1), limits: { timeoutMs: 60_000 } }, other);
  await poll(id, (b) => b.progress.done === 1 && b.state === 'running', 30_000);
  const followed = follow(id, 0, other);
  await sleep(300);
  const t0 = Date.now();
  await other.app.close();
  expect((await followed).text).toMatch(/"attr":"q01"/);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect((await job(id)).state).toBe('running');
  expect((await api.http().delete(`/v1/jobs/${id}`)).body.state).toBe('cancelled');
}, 60_000);

test('a worker killed mid-jobset: the next worker goes on, and the lines are C++ Nix\'s, each once, the ones read before still at their offsets', async () => {
  await stopWorkers();
  const lock = { NIXEVAL_QUEUE_LOCK_MS: '500' };
  const first = worker(lock);
  await first.ready();
  // The package set of test/jobsets (about 2,000 derivations), as the pkgset test runs it.
  const id = await submit({ file: 'pkgset/default.nix', meta: true, limits: { timeoutMs: 3000 } });
  const partway = await poll(id, (b) => b.progress.done >= 200, 60_000);
  expect(partway.worker).toBe(first.name);
  await first.stop('SIGKILL');
  const readBefore = parseLines((await api.http().get(`/v1/jobs/${id}/results`)).text);
  expect(readBefore.length).toBeGreaterThanOrEqual(200);
  expect(readBefore.length).toBeLessThan(fixture.attributes.length);

  const second = worker(lock);
  await second.ready();
  const done = await poll(id, (b) => FINAL.includes(b.state), 120_000);
  expect(done).toMatchObject({ state: 'succeeded', worker: second.name });
  const lines = parseLines((await api.http().get(`/v1/jobs/${id}/results`)).text);
  expect(compareWithFixture(lines, fixture.attributes, true)).toEqual([]);
  expect(done.progress.done).toBe(lines.length);
  expect(lines.slice(0, readBefore.length)).toEqual(readBefore);
  // The second worker made only the lines the first had not: the attributes reported before
  // were not evaluated again.
  const made = [...(await second.metrics()).matchAll(/nixeval_jobset_attributes_total\{outcome="\w+"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  expect(made).toBe(lines.length - readBefore.length);
  // The jobset keeps its first start (its time limit counts from there).
  expect(done.startedAt).toBe(partway.startedAt);
}, 240_000);

test('a jobset whose worker dies twice is given up: failed, its lines ending with a line that says so', async () => {
  await stopWorkers();
  const lock = { NIXEVAL_QUEUE_LOCK_MS: '500' };
  const first = worker(lock);
  await first.ready();
  const id = await submit({ expr: jobset(1, 1), limits: { timeoutMs: 60_000 } });
  expect((await poll(id, (b) => b.progress.done === 1 && b.progress.running === 1, 30_000)).worker).toBe(first.name);
  await first.stop('SIGKILL');
  const second = worker(lock);
  await second.ready();
  expect((await poll(id, (b) => b.worker === second.name, 30_000)).state).toBe('running');
  await second.stop('SIGKILL');
  const third = worker(lock);
  await third.ready();
  const failed = await poll(id, (b) => FINAL.includes(b.state), 30_000);
  expect(failed).toMatchObject({ state: 'failed', progress: { done: 1, running: 0 }, error: { kind: 'internal' } });
  expect(failed.error.message).toMatch(/stopped .*retried on; the job was given up/);
  const lines = (await api.http().get(`/v1/jobs/${id}/results`)).text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  expect(lines.map((l) => l.attr)).toEqual(['q01', undefined]);
  expect(lines[1]).toEqual({ error: failed.error });
  // A follower is told the jobset is over.
  expect((await follow(id, 1)).text).toBe(`${JSON.stringify({ error: failed.error })}\n`);
}, 120_000);

test('bounds: the jobs Redis holds (--max-jobs), and the bytes of a jobset job\'s lines and of all results (--max-job-result-bytes)', async () => {
  await stopWorkers();
  // A second API on the same Redis with small bounds; it counts the jobs the first one put there too.
  await client.flushall();
  const small = await startApi(redis.url, { jobTtlMs: 60_000, maxJobs: 3, maxJobResultBytes: 700 });
  try {
    // Run in this order by the one worker below (one thread): the large jobset last.
    const ids = [await submit({ expr: jobset(2, 0) }, small), (await small.post('/v1/jobs', { expr: '1' })).body.id, await submit({ expr: jobset(10, 0) }, small)];
    const refused = await small.post('/v1/jobs', { expr: '2' });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ kind: 'overloaded', message: 'too many jobs are held; try again later' });

    const w = worker();
    await w.ready();
    const big = await poll(ids[2], (b) => FINAL.includes(b.state), 30_000, small);
    expect(big).toMatchObject({ state: 'failed', error: { kind: 'output-limit' } });
    const text = (await small.http().get(`/v1/jobs/${ids[2]}/results`)).text;
    const lines = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    // The attributes' lines stay within the bound; the last line says why the jobset stopped.
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.length).toBeLessThan(11);
    const attributeBytes = lines.slice(0, -1).reduce((n, l) => n + JSON.stringify(l).length + 1, 0);
    expect(attributeBytes).toBeLessThanOrEqual(700);
    expect(lines[lines.length - 1]).toEqual({ error: { kind: 'output-limit', message: 'the jobset\'s lines take more than the limit of 700 bytes' } });
    expect(big.progress.done).toBe(lines.length - 1);
    // Its lines put the results held over the bound: the oldest finished job was forgotten, its
    // lines deleted, which was enough (the next one stays), and that made room for more jobs.
    expect((await small.http().get(`/v1/jobs/${ids[0]}`)).status).toBe(404);
    expect(await client.exists(`nixeval:jobset:${ids[0]}:lines`)).toBe(0);
    expect((await small.http().get(`/v1/jobs/${ids[1]}`)).body).toMatchObject({ state: 'succeeded', result: { value: 1 } });
    expect((await small.post('/v1/jobs', { expr: '2' })).status).toBe(202);
  } finally {
    await small.app.close();
  }
}, 90_000);

test('a finished jobset job\'s lines expire with it (TTL), and deleting it removes them from Redis', async () => {
  const short = await startApi(redis.url, { jobTtlMs: 1500 });
  try {
    const a = await submit({ expr: jobset(2, 0) }, short);
    const b = await submit({ expr: jobset(2, 0) }, short);
    await poll(a, (x) => FINAL.includes(x.state), 30_000, short);
    await poll(b, (x) => FINAL.includes(x.state), 30_000, short);
    expect(await client.exists(`nixeval:jobset:${a}:lines`, `nixeval:jobset:${b}:lines`)).toBe(2);
    expect((await short.http().delete(`/v1/jobs/${b}`)).body.state).toBe('succeeded');
    expect(await client.exists(`nixeval:jobset:${b}`, `nixeval:jobset:${b}:lines`, `nixeval:jobset:${b}:keys`)).toBe(0);
    expect((await short.http().get(`/v1/jobs/${b}/results`)).status).toBe(404);
    await sleep(1600);
    expect((await short.http().get(`/v1/jobs/${a}/results`)).status).toBe(404);
    expect(await client.exists(`nixeval:jobset:${a}`, `nixeval:jobset:${a}:lines`, `nixeval:jobset:${a}:keys`)).toBe(0);
  } finally {
    await short.app.close();
  }
}, 60_000);
