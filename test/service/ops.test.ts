// Readiness, metrics, documentation (and the checked-in OpenAPI document), load shedding,
// rate limiting, graceful shutdown.

import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOP, nextRequest, send, sleep, startServer, type TestServer, waitFor } from './helpers.js';
import { SLOW_EXPR } from './slow-evaluation.js';
import { OPENAPI_FILE } from '../../routes/openapi.js';

describe('with a default server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ processMetrics: true });
  });
  afterAll(async () => {
    await s.app.close();
  });

  test('GET /ready: the pool is up and its queue has room', async () => {
    const r = await s.http().get('/ready');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ready', workers: 2, busyWorkers: 0, jobWorkers: 0, queued: 0, queuedJobs: 0, queueCapacity: 128 });
  });

  test('GET /metrics: requests, latencies, pool, evaluations and errors by kind', async () => {
    await s.post('/v1/eval', { expr: '1' });
    await s.post('/v1/eval', { expr: 'throw "m"' });
    await s.post('/v1/eval', { file: 'x.nix', files: { 'x.nix': 'import ./y.nix', 'y.nix': '2' } });
    const r = await s.http().get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/plain/);
    const text = r.text;
    expect(text).toMatch(/nixeval_http_requests_total\{method="POST",route="\/v1\/eval",status="200"\} \d+/);
    expect(text).toMatch(/nixeval_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/v1\/eval",status="422"\} \d+/);
    expect(text).toMatch(/nixeval_evaluation_errors_total\{kind="throw"\} 1/);
    expect(text).toMatch(/nixeval_evaluations_total\{outcome="ok"\} 2/);
    expect(text).toMatch(/nixeval_import_cache_lookups_total\{result="miss"\} \d+/);
    for (const name of ['nixeval_pool_queue_depth{kind="sync"} 0', 'nixeval_pool_busy_workers{kind="job"} 0', 'nixeval_pool_workers 2', 'nixeval_jobs{state="running"} 0', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes']) {
      expect(text).toContain(name);
    }
  });

  test('GET /documentation serves the UI, and the document is the checked-in openapi/openapi.json', async () => {
    const ui = await s.http().get('/documentation/').redirects(2);
    expect(ui.status).toBe(200);
    expect(ui.text).toMatch(/swagger/i);
    const doc = await s.http().get('/documentation/json');
    expect(doc.status).toBe(200);
    const checkedIn = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
    // When this fails, the routes changed: run `node dist/routes/openapi.js` and check in the result.
    expect(doc.body).toEqual(checkedIn);
    for (const path of ['/v1/eval', '/v1/eval/batch', '/v1/jobs', '/v1/jobs/{id}', '/health', '/ready', '/metrics']) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
  });
});

test('a full queue sheds load with 503 and Retry-After; /ready says not ready; jobs have a queue of their own', async () => {
  const s = await startServer({ workers: 1, maxQueue: 1, timeoutMs: 10_000, retryAfterSeconds: 2 });
  try {
    // Long enough that the queue is still full when the last request below is sent on a busy machine.
    const running = send(s.post('/v1/eval', { expr: LOOP, limits: { timeoutMs: 3000 } }));
    await waitFor(async () => (await s.http().get('/ready')).body.busyWorkers === 1);
    const queued = send(s.post('/v1/eval', { expr: '"queued"' }));
    await waitFor(async () => (await s.http().get('/ready')).status === 503);
    const ready = await s.http().get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toMatch(/queue is full/);

    const shed = await s.post('/v1/eval', { expr: '1' });
    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('2');
    expect(shed.body.error.kind).toBe('overloaded');
    expect((await s.post('/v1/eval/batch', { requests: [{ expr: '1' }] })).status).toBe(503);
    const job = await s.post('/v1/jobs', { expr: '1' });
    expect(job.status).toBe(202);
    // Health stays up.
    expect((await s.http().get('/health')).status).toBe(200);

    expect((await running).body.error.kind).toBe('timeout');
    expect((await queued).body.value).toBe('queued');
    // The job ran after them (on one worker, while it runs /ready says every worker runs a job).
    expect(await waitFor(async () => (await s.http().get(`/v1/jobs/${job.body.id}`)).body.state === 'succeeded')).toBe(true);
    expect((await s.http().get('/ready')).status).toBe(200);
    const metrics = (await s.http().get('/metrics')).text;
    expect(metrics).toMatch(/nixeval_requests_shed_total\{reason="queue-full"\} 2/);
  } finally {
    await s.app.close();
  }
});

test('rate limiting per client answers 429 with Retry-After, on /v1 routes only', async () => {
  const s = await startServer({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
  try {
    for (let i = 0; i < 3; i++) expect((await s.post('/v1/eval', { expr: '1' })).status).toBe(200);
    const limited = await s.post('/v1/eval', { expr: '1' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.kind).toBe('rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await s.http().get('/health')).status).toBe(200);
    expect((await s.http().get('/ready')).status).toBe(200);
  } finally {
    await s.app.close();
  }
});

test('graceful shutdown: in-flight work finishes, new work is refused', async () => {
  const s = await startServer({ workers: 1, timeoutMs: 60_000 });
  const received = nextRequest(s);
  const inFlight = send(s.post('/v1/eval', { expr: `builtins.seq (${SLOW_EXPR}) "done"`, limits: { timeoutMs: 60_000 } }));
  await received;
  const job = await s.post('/v1/jobs', { expr: SLOW_EXPR });
  expect(job.status).toBe(202);
  const closed = s.app.close();
  await sleep(10);
  // New requests are refused once closing starts.
  const refused = await send(s.post('/v1/eval', { expr: '1' }));
  expect(refused.status).toBe(503);
  const r = await inFlight;
  expect(r.status).toBe(200);
  expect(r.body.value).toBe('done');
  await closed;
});

test('graceful shutdown: a keep-alive connection is closed once its in-flight request is answered', async () => {
  const s = await startServer({ workers: 1, timeoutMs: 60_000 });
  const { port } = s.app.server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true });
  const received = nextRequest(s);
  const answered = new Promise<{ status: number; connection: string | undefined; socketClosed: Promise<void> }>((resolve, reject) => {
    const req = httpRequest({ port, host: '127.0.0.1', path: '/v1/eval', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const socketClosed = new Promise<void>((done) => res.socket.once('close', () => done()));
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, socketClosed }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ expr: SLOW_EXPR, limits: { timeoutMs: 60_000 } }));
  });
  await received;
  const closed = s.app.close();
  const r = await answered;
  expect(r.status).toBe(200);
  expect(r.connection).toBe('close');
  await r.socketClosed;
  await closed;
  agent.destroy();
});

test('an overloaded process (event loop lagging) sheds /v1 work with 503 and Retry-After, and keeps answering /health', async () => {
  const s = await startServer({ maxEventLoopDelayMs: 20 });
  try {
    // Block the event loop (the server runs in this process), as a flood of work would.
    const end = Date.now() + 1200;
    while (Date.now() < end) { /* busy */ }
    let shed: { status: number; headers: Record<string, string>; body: any } | undefined;
    await waitFor(async () => {
      const r = await s.post('/v1/eval', { expr: '1' });
      if (r.status === 503) shed = r;
      return r.status === 503;
    }, 3000, 10);
    expect(shed?.body.error.kind).toBe('overloaded');
    expect(shed?.headers['retry-after']).toBe('1');
    expect((await s.http().get('/health')).status).toBe(200);
    // Readiness says so (a balancer stops sending work), with the reason.
    const ready = await s.http().get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toMatch(/event loop lags/);
    // Once the lag is gone, work is accepted again.
    expect(await waitFor(async () => (await s.post('/v1/eval', { expr: '1' })).status === 200, 5000, 50)).toBe(true);
  } finally {
    await s.app.close();
  }
});
