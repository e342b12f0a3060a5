// Jobsets as a service: lines streamed as they are produced (NDJSON and server-sent events with
// progress), jobs of kind jobset (progress, results read from an offset, cancel), a client that
// goes away stopping its jobset, workers replaced past a heap threshold, and an attribute that
// costs its worker reported as that attribute's error.

import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep, startServer, type TestServer, waitFor } from '../service/helpers.js';
import { parseLines } from './fixture.js';
import { DRV, jobset } from './synthetic.js';

let s: TestServer;

beforeAll(async () => {
  // A server given to jobsets: both workers may run them (by default one is kept for /v1/eval).
  // No result cache: these tests run the same jobsets again to see how they run, not to get
  // their lines (test/service/result-cache.test.ts tests jobsets answered from the cache).
  s = await startServer({ workers: 2, jobWorkers: 2, timeoutMs: 10_000, jobTimeoutMs: 120_000, jobTtlMs: 60_000, jobsetProgressMs: 200, resultCacheBytes: 0 });
});

afterAll(async () => {
  await s.app.close();
});


interface Chunk { at: number; text: string }

/** POSTs a jobset over a raw connection; resolves with each chunk and when it came. */
function stream(body: unknown, accept = 'application/x-ndjson', onChunk?: (c: Chunk, abort: () => void) => void): Promise<{ status: number; chunks: Chunk[]; end: number }> {
  const { port } = s.app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const chunks: Chunk[] = [];
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/jobsets', headers: { 'content-type': 'application/json', accept } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        const c = { at: Date.now(), text };
        chunks.push(c);
        onChunk?.(c, () => {
          req.destroy();
          resolve({ status: res.statusCode!, chunks, end: Date.now() });
        });
      });
      res.on('end', () => resolve({ status: res.statusCode!, chunks, end: Date.now() }));
      res.on('error', () => resolve({ status: res.statusCode!, chunks, end: Date.now() }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function busyWorkers(): Promise<number> {
  return (await s.http().get('/ready')).body.busyWorkers as number;
}

test('NDJSON: the first line arrives long before the jobset ends', async () => {
  const t0 = Date.now();
  const r = await stream({ expr: jobset(1, 1), limits: { timeoutMs: 1500 } });
  expect(r.status).toBe(200);
  const first = r.chunks[0];
  expect(parseLines(first.text)[0].attr).toBe('q01');
  expect(r.end - first.at).toBeGreaterThan(1000);
  expect(r.end - t0).toBeGreaterThanOrEqual(1500);
  const lines = parseLines(r.chunks.map((c) => c.text).join(''));
  expect(lines.map((l) => l.attr)).toEqual(['q01', 's01']);
  expect(lines[1].error!.kind).toBe('timeout');
});

test('a jobset waiting for a worker behind another answers at once: NDJSON its status and headers, events its progress', async () => {
  const { port } = s.app.server.address() as AddressInfo;
  // Two slow attributes hold both job workers for 6 s.
  const holding = stream({ expr: jobset(0, 2), limits: { timeoutMs: 6000 } });
  expect(await waitFor(async () => (await busyWorkers()) === 2, 3000)).toBe(true);
  const t0 = Date.now();
  const head = await new Promise<{ status: number; type: string; at: number }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/jobsets', headers: { 'content-type': 'application/json' } }, (res) => {
      resolve({ status: res.statusCode!, type: String(res.headers['content-type']), at: Date.now() });
      req.destroy();
    });
    req.on('error', reject);
    req.end(JSON.stringify({ expr: jobset(1, 0) }));
  });
  expect(head.status).toBe(200);
  expect(head.type).toMatch(/^application\/x-ndjson/);
  expect(head.at - t0).toBeLessThan(2000);
  const events = await stream({ expr: jobset(1, 0) }, 'text/event-stream', (c, abort) => abort());
  const first = events.chunks[0];
  // Nothing of it has begun on a worker: it is queued, not running.
  expect(first.text).toMatch(/^event: progress\ndata: \{"state":"queued","done":0,/);
  expect(first.at - t0).toBeLessThan(4000);
  await holding;
});

test('a jobset job waiting for a worker is queued, with its place in the queue, until its first batch begins', async () => {
  // Two slow attributes hold both job workers for 2 s.
  const holding = stream({ expr: jobset(0, 2), limits: { timeoutMs: 2000 } });
  expect(await waitFor(async () => (await busyWorkers()) === 2, 3000)).toBe(true);
  const first = (await s.post('/v1/jobs', { kind: 'jobset', expr: jobset(2, 0) })).body.id as string;
  const second = (await s.post('/v1/jobs', { kind: 'jobset', expr: jobset(1, 0) })).body.id as string;
  const get = async (id: string): Promise<any> => (await s.http().get(`/v1/jobs/${id}`)).body;
  // Each hands its first batch (the root) to the pool, where it waits behind the slow ones.
  expect(await waitFor(async () => (await get(second)).progress.position !== undefined, 2000)).toBe(true);
  const a = await get(first);
  const b = await get(second);
  expect(a).toMatchObject({ state: 'queued', progress: { done: 0, position: 1 } });
  expect(b).toMatchObject({ state: 'queued', progress: { done: 0, position: 2 } });
  expect(a.startedAt).toBeUndefined();
  await holding;
  expect(await waitFor(async () => (await get(first)).state === 'succeeded' && (await get(second)).state === 'succeeded', 10_000)).toBe(true);
  const done = await get(first);
  expect(done).toMatchObject({ state: 'succeeded', progress: { done: 2 } });
  expect(done.progress.position).toBeUndefined();
  // It began when a worker was free: after it was created, and not before the slow ones ended.
  expect(Date.parse(done.startedAt)).toBeGreaterThan(Date.parse(done.createdAt) + 1000);
});

test('server-sent events: attributes, progress every interval, and the end', async () => {
  const r = await stream({ expr: jobset(3, 1), limits: { timeoutMs: 1200 } }, 'text/event-stream');
  expect(r.status).toBe(200);
  const events = r.chunks.map((c) => c.text).join('').split('\n\n').filter((e) => e !== '').map((e) => {
    const [, name] = /^event: (.*)$/m.exec(e)!;
    const [, data] = /^data: (.*)$/m.exec(e)!;
    return { name, data: JSON.parse(data) };
  });
  const attributes = events.filter((e) => e.name === 'attribute').map((e) => e.data.attr);
  expect(attributes.sort()).toEqual(['q01', 'q02', 'q03', 's01']);
  const progress = events.filter((e) => e.name === 'progress').map((e) => e.data);
  expect(progress.length).toBeGreaterThanOrEqual(3);
  // While the slow attribute runs: three done, one running.
  expect(progress.some((p) => p.state === 'running' && p.done === 3 && p.running === 1 && p.queued === 0)).toBe(true);
  for (let i = 1; i < progress.length; i++) expect(progress[i].done).toBeGreaterThanOrEqual(progress[i - 1].done);
  const end = events[events.length - 1];
  expect(end.name).toBe('end');
  expect(end.data).toMatchObject({ state: 'succeeded', done: 4, failed: 1 });
});

test('a client that goes away stops its jobset: the workers are free again at once', async () => {
  const t0 = Date.now();
  await stream({ expr: jobset(1, 6), limits: { timeoutMs: 30_000 } }, undefined, (c, abort) => {
    if (c.text.includes('"q01"')) setTimeout(abort, 300);
  });
  // The slow attributes would hold both workers for 30 s each.
  expect(await waitFor(async () => (await busyWorkers()) === 0, 5000)).toBe(true);
  expect(Date.now() - t0).toBeLessThan(10_000);
  const next = await s.post('/v1/eval', { expr: '1 + 1' });
  expect(next.body.value).toBe(2);
});

test('a jobset job: progress, lines read from an offset (and followed), and cancel, which stops the work', async () => {
  const created = await s.post('/v1/jobs', { kind: 'jobset', expr: jobset(4, 4), limits: { timeoutMs: 30_000 } });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  let job: any;
  await waitFor(async () => {
    job = (await s.http().get(`/v1/jobs/${id}`)).body;
    return job.progress.done === 4 && job.progress.running === 2;
  }, 10_000);
  expect(job).toMatchObject({ kind: 'jobset', state: 'running', results: `/v1/jobs/${id}/results` });
  expect(job.progress).toMatchObject({ done: 4, failed: 0, running: 2, queued: 2 });

  const all = await s.http().get(`/v1/jobs/${id}/results`);
  expect(all.headers['content-type']).toMatch(/^application\/x-ndjson/);
  expect(all.headers['x-next-offset']).toBe('4');
  const attrs = parseLines(all.text).map((l) => l.attr);
  expect(attrs.sort()).toEqual(['q01', 'q02', 'q03', 'q04']);
  const rest = await s.http().get(`/v1/jobs/${id}/results?offset=3`);
  expect(parseLines(rest.text).map((l) => l.attr)).toEqual(parseLines(all.text).slice(3).map((l) => l.attr));
  expect(rest.headers['x-next-offset']).toBe('4');

  // Following: the stream stays open until the job ends (here: is cancelled).
  const followed = s.http().get(`/v1/jobs/${id}/results?offset=4&follow=true`).then((r) => r);
  await sleep(300);
  const del = await s.http().delete(`/v1/jobs/${id}`);
  expect(del.status).toBe(200);
  expect(del.body.state).toBe('cancelled');
  expect((await followed).text).toBe('');
  expect(await waitFor(async () => (await busyWorkers()) === 0, 5000)).toBe(true);
  await sleep(300);
  const after = (await s.http().get(`/v1/jobs/${id}`)).body;
  expect(after.state).toBe('cancelled');
  expect(after.progress.done).toBe(4);
});

test('a job\'s results: an evaluation job has none, an unknown job is 404', async () => {
  const created = await s.post('/v1/jobs', { expr: '1' });
  expect((await s.http().get(`/v1/jobs/${created.body.id}/results`)).status).toBe(404);
  expect((await s.http().get('/v1/jobs/nope/results')).status).toBe(404);
  expect((await s.http().get(`/v1/jobs/${created.body.id}/results?offset=x`)).status).toBe(400);
});

test('workers whose heap is past the threshold are replaced between attributes, and the lines are the same', async () => {
  // A worker keeps a list of 200,000 strings once it has evaluated an attribute: its heap is
  // well past 16 MiB (a fresh worker's is about 9; 30,000 strings, about 3 MiB kept, left it
  // near the threshold, past it or not as the collector happened to run).
  const expr = jobset(4, 0).replace('builder = "/bin/sh";', 'builder = "/bin/sh"; big = builtins.deepSeq big 1;')
    .replace('let ', 'let big = builtins.genList (i: "x${toString i}") 200000; ');
  const plain = parseLines((await s.post('/v1/jobsets', { expr })).text);
  const before = Number(/nixeval_pool_workers_retired_total (\d+)/.exec((await s.http().get('/metrics')).text)![1]);
  const replaced = parseLines((await s.post('/v1/jobsets', { expr, limits: { maxWorkerMemoryMb: 16 } })).text);
  const strip = (ls: typeof plain) => ls.map(({ stats: _stats, ...rest }) => rest).sort((a, b) => (a.attr < b.attr ? -1 : 1));
  expect(strip(replaced)).toEqual(strip(plain));
  expect(replaced.length).toBe(4);
  // Every worker is past 16 MiB after its first attribute, so each attribute runs on a new one.
  expect(new Set(replaced.map((l) => l.stats!.worker)).size).toBe(4);
  const after = Number(/nixeval_pool_workers_retired_total (\d+)/.exec((await s.http().get('/metrics')).text)![1]);
  expect(after).toBeGreaterThan(before);
});

test('an attribute that costs its worker is that attribute\'s error; the others (in its batch too) are reported once', async () => {
  // replaceStrings here runs for tens of seconds inside one builtin call, where the VM cannot
  // stop it: the pool's backstop terminates the worker.
  const patterns = 'builtins.genList (i: "a${toString i}") 5000';
  const killer = `builtins.replaceStrings (${patterns}) (builtins.genList (i: "") 5000) "${'a'.repeat(100000)}"`;
  const attrs: string[] = [];
  for (let i = 1; i <= 40; i++) attrs.push(`p${String(i).padStart(2, '0')} = d "p${i}";`);
  const expr = `let ${DRV} in { ${attrs.join(' ')} p20x = ${killer}; }`;
  const r = await s.post('/v1/jobsets', { expr, limits: { timeoutMs: 1500 } });
  const lines = parseLines(r.text);
  const failed = lines.filter((l) => l.error !== undefined);
  expect(failed.map((l) => l.attr)).toEqual(['p20x']);
  expect(failed[0].error!.kind).toBe('timeout');
  expect(failed[0].error!.message).toMatch(/the worker did not stop and was replaced/);
  const ok = lines.filter((l) => l.error === undefined).map((l) => l.attr).sort();
  expect(ok).toEqual(attrs.map((a) => a.slice(0, 3)).sort());
});

test('the root\'s error is the one line (attr ""); a root that is no set gives no line', async () => {
  const bad = parseLines((await s.post('/v1/jobsets', { expr: '{ a = 1' })).text);
  expect(bad.length).toBe(1);
  expect(bad[0]).toMatchObject({ attr: '', attrPath: [], error: { kind: 'parse' } });
  const none = await s.post('/v1/jobsets', { expr: '[ 1 2 ]' });
  expect(none.status).toBe(200);
  expect(none.text).toBe('');
  const both = await s.post('/v1/jobsets', { expr: '1', file: 'x.nix' });
  expect(both.status).toBe(400);
});

test('a jobset that takes longer than its whole time limit stops, and says so in its last line', async () => {
  const r = await s.post('/v1/jobsets', { expr: jobset(0, 2), limits: { timeoutMs: 20_000, totalTimeoutMs: 500 } });
  const lines = r.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  expect(lines).toEqual([{ error: { kind: 'timeout', message: 'the jobset took longer than its time limit of 500 ms' } }]);
  expect(await waitFor(async () => (await busyWorkers()) === 0, 5000)).toBe(true);
});

test('running jobset jobs together hold no more lines than the job store\'s budget: the one whose lines do not fit stops with output-limit', async () => {
  // Each line of a quick attribute is about 250 bytes: 8 of them fit in 3,000 bytes, 16 do not.
  const small = await startServer({ workers: 2, jobWorkers: 2, maxJobResultBytes: 3000, timeoutMs: 10_000 });
  try {
    const job = (expr: string) => small.post('/v1/jobs', { kind: 'jobset', expr, limits: { timeoutMs: 20_000 } }).then((r) => r.body.id as string);
    const get = async (id: string) => (await small.http().get(`/v1/jobs/${id}`)).body;
    // The first keeps running (its slow attribute) while holding its 8 lines.
    const first = await job(jobset(8, 1));
    expect(await waitFor(async () => (await get(first)).progress.done === 8, 10_000)).toBe(true);
    const second = await job(jobset(8, 0).replace(/"q/g, '"r'));
    // One read per test: the job may go from queued to running between two reads.
    const ended = async () => { const { state } = await get(second); return state !== 'running' && state !== 'queued'; };
    expect(await waitFor(ended, 10_000)).toBe(true);
    const stopped = await get(second);
    expect(stopped.error).toMatchObject({ kind: 'output-limit' });
    expect(stopped.progress.done).toBeLessThan(8);
    const lines = (await small.http().get(`/v1/jobs/${second}/results`)).text.split('\n').filter((l) => l !== '');
    expect(JSON.parse(lines.at(-1)!).error.kind).toBe('output-limit');
    // What both hold is within the budget, and the first is still running, its lines all there.
    const firstLines = (await small.http().get(`/v1/jobs/${first}/results`)).text;
    const secondLines = lines.slice(0, -1).join('\n');
    expect(firstLines.length + secondLines.length).toBeLessThanOrEqual(3000);
    expect(parseLines(firstLines)).toHaveLength(8);
    expect((await get(first)).state).toBe('running');
    await small.http().delete(`/v1/jobs/${first}`);
  } finally {
    await small.app.close();
  }
});
