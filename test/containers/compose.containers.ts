// The compose stack: redis, the API and two workers (docker-compose.yml, unchanged). 200 jobs
// through the API all reach their final state with the right result, both workers take some,
// and restarting the API container in the middle loses none.

import { composeDown, freePort, http, podman, run, sleep, submitJob, waitFor } from './podman.js';
import { jobOf, type MixJob } from './job-mix.js';

const PROJECT = `nixevalctest${process.pid}`;
let base: string;
let env: NodeJS.ProcessEnv;

function compose(args: string[], timeoutMs = 300_000): ReturnType<typeof run> {
  return run('podman-compose', ['-p', PROJECT, ...args], { env, timeoutMs });
}

/** One request, retried while the API is away (restarting). */
async function retrying(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  for (let i = 0; ; i++) {
    try {
      const r = await http(base, path, init);
      if (r.status !== 503 || i > 600) return r;
    } catch (e) {
      if (i > 600) throw e;
    }
    await sleep(100);
  }
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = { NIXEVAL_PORT: String(port) };
  const up = await compose(['up', '-d']);
  if (up.code !== 0) throw new Error(`podman-compose up failed:\n${up.stderr}`);
  const ready = await waitFor(async () => {
    const r = await http(base, '/ready');
    return r.status === 200 && r.body.jobQueue?.workers === 2;
  }, 120_000, 500);
  if (!ready) throw new Error(`the stack did not become ready:\n${(await compose(['logs'])).stdout.slice(-5000)}`);
});

afterAll(async () => {
  // Errors the API logged (level 50 and up), to tell what went wrong when a test failed.
  const logs = await run('podman', ['logs', `${PROJECT}_api_1`]);
  const errors = (logs.stdout + logs.stderr).split('\n').filter((l) => /"level":[56]0/.test(l));
  if (errors.length > 0) process.stdout.write(`API errors:\n${errors.slice(0, 5).join('\n')}\n`);
  await composeDown(PROJECT, env);
});

interface Submitted {
  id: string;
  expect: MixJob['expect'];
}

test('200 jobs through the API reach their final state on both workers, across a restart of the API', async () => {
  const t0 = Date.now();
  const submitted: Submitted[] = [];
  for (let start = 0; start < 200; start += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, async (_, k) => {
      const { body, expect: want } = jobOf(start + k);
      return { id: await submitJob(base, body), expect: want };
    }));
    submitted.push(...batch);
  }

  // Restart the API once some jobs are done and many still wait.
  expect(await waitFor(async () => (await http(base, '/ready')).body.jobQueue.waiting <= 170, 120_000, 100)).toBe(true);
  const before = (await http(base, '/ready')).body.jobQueue;
  expect(before.waiting).toBeGreaterThan(0);
  await podman(['restart', '-t', '30', `${PROJECT}_api_1`], 120_000);

  const workersSeen = new Set<string>();
  for (const job of submitted) {
    let r = await retrying(`/v1/jobs/${job.id}`);
    while (r.status === 200 && (r.body.state === 'queued' || r.body.state === 'running')) {
      await sleep(200);
      r = await retrying(`/v1/jobs/${job.id}`);
    }
    expect(r).toMatchObject({ status: 200, body: { state: job.expect.state } });
    if (job.expect.state === 'succeeded') expect(r.body.result.value).toEqual(job.expect.value);
    else expect(r.body.error.message).toBe(job.expect.message);
    workersSeen.add(r.body.worker);
  }
  expect(workersSeen.size).toBe(2);
  process.stdout.write(`200 jobs finished in ${((Date.now() - t0) / 1000).toFixed(1)} s (API restarted with ${before.waiting} waiting)\n`);
});
