// Item 8 of issue 11: on SIGTERM the server drains. It keeps listening and answers new work
// with 503 and `Connection: close`, closes idle keep-alive connections, lets in-flight work
// finish, and exits within its grace period, however many clients hold connections open.

import { Agent } from 'node:http';
import { connect } from 'node:net';
import { LOOP, sleep, startServerProcess } from './server-process.js';

const GRACE_MS = 10_000;

test('SIGTERM drains: in-flight work finishes, new work gets 503 with Connection: close, the process exits within the grace', async () => {
  const s = await startServerProcess({ NIXEVAL_SHUTDOWN_GRACE_MS: String(GRACE_MS), NIXEVAL_TIMEOUT_MS: '10000' });
  // Clients holding keep-alive connections, idle after one request each.
  const agents = Array.from({ length: 20 }, () => new Agent({ keepAlive: true, keepAliveMsecs: 60_000 }));
  for (const a of agents) expect((await s.request('GET', '/health', undefined, {}, a)).status).toBe(200);
  // A connection that sends nothing at all.
  const silent = connect(s.port, '127.0.0.1');
  await new Promise((r) => silent.once('connect', r));
  // In-flight work: a synchronous evaluation that still runs while the checks below are made
  // (about 2 s of CPU on a quiet machine; a faster evaluator let the server finish it and exit
  // first), and a job. 25 million calls at a constant depth (a tail loop as long would end at
  // max-call-depth).
  const slow = "let l = builtins.genList (x: x) 5000; in builtins.foldl' (a: i: builtins.foldl' (b: j: b + 1) a l) 0 l";
  const inFlight = s.post('/v1/eval', { expr: `builtins.seq (${slow}) "done"` });
  const job = await s.post('/v1/jobs', { expr: slow });
  expect(job.status).toBe(202);
  await sleep(100);

  const t0 = Date.now();
  s.child.kill('SIGTERM');
  await sleep(200);
  // Still listening: new work is refused with 503 and the connection closed after it. (A fresh
  // connection each: the server has closed the idle ones, which a pooled client would reuse.)
  const fresh = (): Agent => new Agent({ keepAlive: false });
  const refused = await s.request('POST', '/v1/eval', { expr: '1' }, {}, fresh());
  expect(refused.status).toBe(503);
  expect(refused.body.error.kind).toBe('overloaded');
  expect(refused.headers.connection).toBe('close');
  expect(refused.headers['retry-after']).toBeDefined();
  // Readiness says so; liveness still answers; a job can still be polled.
  expect((await s.request('GET', '/ready', undefined, {}, fresh())).status).toBe(503);
  expect((await s.request('GET', '/health', undefined, {}, fresh())).status).toBe(200);
  expect((await s.request('GET', `/v1/jobs/${job.body.id}`, undefined, {}, fresh())).status).toBe(200);

  const done = await inFlight;
  expect(done.status).toBe(200);
  expect(done.body.value).toBe('done');
  const exit = await s.exited;
  expect(exit.code).toBe(0);
  expect(exit.at - t0).toBeLessThan(GRACE_MS + 1000);
  silent.destroy();
  for (const a of agents) a.destroy();
});

test('work that outlasts the grace does not hold the process: it exits at the end of the grace', async () => {
  const s = await startServerProcess({ NIXEVAL_SHUTDOWN_GRACE_MS: '1000', NIXEVAL_TIMEOUT_MS: '30000' });
  const stuck = s.post('/v1/eval', { expr: LOOP }).catch(() => undefined);
  await sleep(300);
  const t0 = Date.now();
  s.child.kill('SIGTERM');
  const exit = await s.exited;
  expect(exit.at - t0).toBeLessThan(1000 + 1500);
  await stuck;
});
