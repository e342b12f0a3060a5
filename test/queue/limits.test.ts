// The service's bounds on jobs hold the same with Redis as in the embedded default: each case
// runs against an embedded server and against an API on Redis with a `nixeval worker` (started
// with its own, larger, default maximums: the API's bounds travel with the job). A request's
// limits (an evaluation's, a jobset's) are capped by the server's maximums, finished jobs are kept for the TTL, the results
// held are bounded in bytes (the oldest finished jobs forgotten first, a jobset's lines counting
// too), and the jobs held in number.

import { LOOP, sleep, startServer, type TestServer, waitFor } from '../service/helpers.js';
import type { ServerOptions } from '../../routes/server.js';
import { DRV, jobset } from '../jobsets/synthetic.js';
import { freePort, RedisServer, startApi, WorkerProcess } from './redis.js';

const FINAL = ['succeeded', 'failed', 'cancelled'];
/** 300 bytes of JSON. */
const RESULT_300 = 'builtins.genList (x: 1000 + x) 60';

let redis: RedisServer;
/** Each Redis-mode case uses a database of its own, so that no job of another case counts. */
let nextDb = 1;

beforeAll(async () => {
  redis = new RedisServer(await freePort());
  await redis.start();
});

afterAll(async () => {
  await redis?.stop();
});

interface Mode {
  server: TestServer;
  close(): Promise<void>;
}

type StartMode = (opts: ServerOptions) => Promise<Mode>;

const embedded: StartMode = async (opts) => {
  const server = await startServer({ workers: 1, ...opts });
  return { server, close: () => server.app.close() };
};

const withRedis: StartMode = async (opts) => {
  const url = `${redis.url}/${nextDb++}`;
  const worker = new WorkerProcess(url);
  const server = await startApi(url, { workers: 1, ...opts });
  await worker.ready();
  return {
    server,
    close: async () => {
      await server.app.close();
      await worker.stop();
    },
  };
};

describe.each([['embedded', embedded], ['Redis', withRedis]] as const)('%s', (_name, start) => {
  let mode: Mode | undefined;

  afterEach(async () => {
    await mode?.close();
    mode = undefined;
  });

  async function begin(opts: ServerOptions): Promise<TestServer> {
    mode = await start(opts);
    return mode.server;
  }

  async function submit(s: TestServer, body: object): Promise<string> {
    const r = await s.post('/v1/jobs', body);
    expect(r.status).toBe(202);
    return r.body.id;
  }

  async function finished(s: TestServer, id: string, ms = 30_000): Promise<any> {
    let last: any;
    await waitFor(async () => {
      last = (await s.http().get(`/v1/jobs/${id}`)).body;
      return FINAL.includes(last?.state);
    }, ms, 50);
    expect(FINAL).toContain(last?.state);
    return last;
  }

  test('a job\'s limits are capped by the server\'s maximums, and a smaller one asked for is kept', async () => {
    const s = await begin({ jobTimeoutMs: 1500, maxOutputBytes: 1000 });
    const [loop, spinning, large, smaller, deep, plain] = await Promise.all([
      submit(s, { expr: LOOP, limits: { timeoutMs: 600_000 } }),
      submit(s, { kind: 'jobset', expr: jobset(0, 1), limits: { timeoutMs: 600_000, totalTimeoutMs: 600_000 } }),
      submit(s, { expr: 'builtins.genList (x: x) 1000', limits: { maxOutputBytes: 1_000_000 } }),
      submit(s, { expr: 'builtins.genList (x: x) 20', limits: { maxOutputBytes: 10 } }),
      submit(s, { expr: 'let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 1000', limits: { maxCallDepth: 50 } }),
      submit(s, { expr: 'builtins.genList (x: x) 20' }),
    ]);
    const timedOut = await finished(s, loop);
    expect(timedOut.error.kind).toBe('timeout');
    expect(Date.parse(timedOut.finishedAt) - Date.parse(timedOut.startedAt)).toBeLessThan(15_000);
    // A jobset's attribute and whole time alike (whichever of the two stops it first).
    const stopped = await finished(s, spinning);
    expect(Date.parse(stopped.finishedAt) - Date.parse(stopped.startedAt)).toBeLessThan(15_000);
    expect((await s.http().get(`/v1/jobs/${spinning}/results`)).text).toMatch(/"kind":"timeout"/);
    expect((await finished(s, large)).error.kind).toBe('output-limit');
    expect((await finished(s, smaller)).error.kind).toBe('output-limit');
    expect((await finished(s, deep)).error.message).toMatch(/max-call-depth exceeded/);
    expect((await finished(s, plain)).result.value).toHaveLength(20);
  }, 60_000);

  test('a finished job is kept for the TTL, then forgotten', async () => {
    const s = await begin({ jobTtlMs: 1500 });
    const id = await submit(s, { expr: '2' });
    const done = await finished(s, id);
    expect(Date.parse(done.expiresAt) - Date.parse(done.finishedAt)).toBe(1500);
    expect((await s.http().get(`/v1/jobs/${id}`)).status).toBe(200);
    await sleep(Date.parse(done.expiresAt) - Date.now() + 100);
    expect((await s.http().get(`/v1/jobs/${id}`)).status).toBe(404);
  }, 60_000);

  test('past the byte bound of the results held, the oldest finished jobs are forgotten, and a jobset\'s lines count', async () => {
    const s = await begin({ maxJobResultBytes: 500 });
    const a = await submit(s, { expr: RESULT_300 });
    await finished(s, a);
    const b = await submit(s, { expr: RESULT_300 });
    await finished(s, b);
    expect((await s.http().get(`/v1/jobs/${a}`)).status).toBe(404);
    expect((await s.http().get(`/v1/jobs/${b}`)).body.result.value).toHaveLength(60);
    // One derivation's line: about 250 bytes, so with b's result over the bound.
    const c = await submit(s, { kind: 'jobset', expr: `let ${DRV} in { held = d "held"; }` });
    expect((await finished(s, c)).state).toBe('succeeded');
    const lines = await s.http().get(`/v1/jobs/${c}/results`);
    expect(lines.status).toBe(200);
    expect(lines.text.length).toBeGreaterThan(200);
    expect(lines.text.length).toBeLessThan(500);
    expect((await s.http().get(`/v1/jobs/${b}`)).status).toBe(404);
    // And the jobset is pushed out by the next result as an evaluation is.
    const d = await submit(s, { expr: RESULT_300 });
    await finished(s, d);
    expect((await s.http().get(`/v1/jobs/${c}`)).status).toBe(404);
    expect((await s.http().get(`/v1/jobs/${c}/results`)).status).toBe(404);
    expect((await s.http().get(`/v1/jobs/${d}`)).body.result.value).toHaveLength(60);
  }, 60_000);

  test('the jobs held, finished ones included, are bounded in number', async () => {
    const s = await begin({ maxJobs: 2 });
    await finished(s, await submit(s, { expr: '1' }));
    const second = await submit(s, { expr: '2' });
    await finished(s, second);
    const refused = await s.post('/v1/jobs', { expr: '3' });
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toMatch(/too many jobs/);
    expect((await s.http().delete(`/v1/jobs/${second}`)).status).toBe(200);
    expect((await s.post('/v1/jobs', { expr: '3' })).status).toBe(202);
  }, 60_000);
});
