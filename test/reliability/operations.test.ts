// Item 10 of issue 11: operating the service. `npm start` stops on SIGTERM; bad settings are
// one line naming what was set (exit 2); answers at the HTTP level (414, 431) have the
// service's error shape; metrics keep standard names; behind a proxy, rate limits are per
// real client; CORS when asked for; the OpenAPI document has an example for every request and
// response, and its request examples are requests the service accepts.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CLI, type ServerProcess, sleep, startServerProcess } from './server-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let s: ServerProcess;
beforeAll(async () => {
  s = await startServerProcess({
    NIXEVAL_TRUST_PROXY: 'true', NIXEVAL_RATE_LIMIT: '3', NIXEVAL_CORS_ORIGINS: 'https://dash.example',
  });
});
afterAll(async () => {
  await s.stop();
});

test('npm start runs node in place of the shell, so SIGTERM reaches the server and it exits', async () => {
  expect(JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).scripts.start).toMatch(/^exec node /);
  const npm = spawn('npm', ['start', '--silent'], { cwd: ROOT, env: { ...process.env, PORT: '0', NIXEVAL_WORKERS: '1', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  npm.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => npm.on('exit', (code) => r(code)));
  for (let i = 0; i < 300 && !/Server listening/.test(out); i++) await sleep(100);
  expect(out).toMatch(/Server listening/);
  npm.kill('SIGTERM');
  const t0 = Date.now();
  await exited;
  // The server itself (npm's child) is gone too: its port no longer answers.
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(out)![1]);
  const refused = await new Promise<boolean>((r) => {
    const c = connect(port, '127.0.0.1');
    c.on('connect', () => { c.destroy(); r(false); });
    c.on('error', () => r(true));
  });
  expect(refused).toBe(true);
  expect(Date.now() - t0).toBeLessThan(10_000);
});

test('a bad setting is one line naming the variable or flag, and exit status 2', () => {
  for (const [env, args, line] of [
    [{ PORT: 'abc' }, [], 'nixeval serve: PORT=abc: expected an integer from 0 to 65535'],
    [{ LOG_LEVEL: 'verbose' }, [], 'nixeval serve: LOG_LEVEL=verbose: expected one of fatal, error, warn, info, debug, trace, silent'],
    [{}, ['--workers', 'two'], 'nixeval serve: --workers two: expected an integer ≥ 1'],
  ] as [Record<string, string>, string[], string][]) {
    const r = spawnSync(process.execPath, [CLI, 'serve', ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${line}\n`);
  }
});

test('a URL parameter too long is 414, headers too large are 431, both in the error shape', async () => {
  const long = await s.get(`/v1/jobs/${'x'.repeat(500)}`);
  expect(long.status).toBe(414);
  expect(long.body).toEqual({ error: { kind: 'bad-request', message: expect.any(String) } });
  const headers = await s.get('/health', { 'x-big': 'y'.repeat(20_000) });
  expect(headers.status).toBe(431);
  expect(headers.body).toEqual({ error: { kind: 'bad-request', message: 'the request\'s headers are too large' } });
});

test('metrics: replaced workers is a counter, process metrics keep their standard names', async () => {
  const text = (await s.get('/metrics')).text;
  expect(text).toMatch(/# TYPE nixeval_pool_workers_replaced_total counter/);
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    expect(text).toMatch(new RegExp(`^${name} `, 'm'));
  }
  expect(text).not.toMatch(/nixeval_process_|nixeval_nodejs_/);
});

test('behind a trusted proxy, the rate limit is per real client (X-Forwarded-For)', async () => {
  const as = (client: string) => s.post('/v1/eval', { expr: '1' }, { 'x-forwarded-for': client });
  for (let i = 0; i < 3; i++) expect((await as('203.0.113.1')).status).toBe(200);
  expect((await as('203.0.113.1')).status).toBe(429);
  expect((await as('203.0.113.2')).status).toBe(200);
});

test('CORS: an allowed origin gets the headers (and a preflight its answer), another does not', async () => {
  const pre = await s.request('OPTIONS', '/v1/eval', undefined, {
    origin: 'https://dash.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type',
  });
  expect(pre.status).toBe(204);
  expect(pre.headers['access-control-allow-origin']).toBe('https://dash.example');
  const other = await s.get('/health', { origin: 'https://elsewhere.example' });
  expect(other.headers['access-control-allow-origin']).toBeUndefined();
});

describe('the OpenAPI document', () => {
  let doc: any;
  beforeAll(async () => {
    doc = (await s.get('/documentation/json')).body;
  });

  test('every operation has an operationId, and every request and response an example', () => {
    for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        expect(`${method} ${path} ${op.operationId}`).toMatch(/ \w+$/);
        for (const media of Object.values<any>(op.requestBody?.content ?? {})) expect(Object.keys(media.examples ?? {}).length).toBeGreaterThan(0);
        for (const [status, response] of Object.entries<any>(op.responses)) {
          for (const media of Object.values<any>(response.content ?? {})) {
            expect([`${method} ${path} ${status}`, Object.keys(media.examples ?? {}).length > 0]).toEqual([`${method} ${path} ${status}`, true]);
          }
        }
      }
    }
  });

  test('error kinds are one enum', () => {
    expect(doc.components.schemas.ErrorKind.type).toBe('string');
    expect(doc.components.schemas.ErrorKind.enum).toEqual(expect.arrayContaining(['memory-limit', 'output-limit', 'overloaded', 'timeout']));
  });

  test('the request examples (what "Try it out" sends first) are accepted', async () => {
    // A server of its own: the one above rate-limits at 3 a minute.
    const plain = await startServerProcess();
    try {
      for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
        const op = ops.post;
        if (!op?.requestBody) continue;
        for (const [name, example] of Object.entries<any>(op.requestBody.content['application/json'].examples)) {
          const r = await plain.post(path, example.value);
          expect([path, name, r.status]).toEqual([path, name, path === '/v1/jobs' ? 202 : 200]);
        }
      }
    } finally {
      await plain.stop();
    }
  });
});
