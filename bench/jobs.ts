// Jobs per second through Redis with one and two worker containers, against the embedded
// default (one container, no Redis, the same number of evaluation threads as two workers), on
// the same job mix (test/containers/job-mix.ts). Needs podman set up as .ci/run does; builds
// the image if it is missing. Writes the "## Jobs through Redis" section of BENCHMARKS.md.
//
//   node dist/bench/jobs.js [--jobs N]     # default 300

import { availableParallelism, loadavg } from 'node:os';
import { writeBenchmarkSection } from './report.js';
import { composeDown, freePort, http, IMAGE, podman, ROOT, run, sleep, submitJob, waitFor } from '../test/containers/podman.js';
import { isRight, jobOf } from '../test/containers/job-mix.js';

interface Result {
  setup: string;
  jobs: number;
  seconds: number;
  wrong: number;
}

/** Submits `n` jobs of the mix, then waits for each in turn; the time from the first submission to the last final state. */
async function runMix(base: string, n: number): Promise<{ seconds: number; wrong: number }> {
  const t0 = performance.now();
  const ids: string[] = [];
  for (let start = 0; start < n; start += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - start) }, async (_, k) => {
      return submitJob(base, jobOf(start + k).body);
    }));
    ids.push(...batch);
  }
  let wrong = 0;
  for (const [i, id] of ids.entries()) {
    let r = await http(base, `/v1/jobs/${id}`);
    while (r.body.state === 'queued' || r.body.state === 'running') {
      await sleep(20);
      r = await http(base, `/v1/jobs/${id}`);
    }
    if (!isRight(r.body, jobOf(i).expect)) wrong++;
  }
  return { seconds: (performance.now() - t0) / 1000, wrong };
}

async function main(args: string[]): Promise<void> {
  const i = args.indexOf('--jobs');
  const n = i >= 0 ? Number(args[i + 1]) : 300;
  if ((await run('podman', ['image', 'exists', IMAGE])).code !== 0) {
    await podman(['build', '--format', 'docker', '--network', 'host', '-t', IMAGE, '.'], 30 * 60_000);
  }
  const results: Result[] = [];
  const load0 = loadavg()[0];
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const ready = (workers?: number) => waitFor(async () => {
    const r = await http(base, '/ready');
    return r.status === 200 && (workers === undefined || r.body.jobQueue?.workers === workers);
  }, 120_000, 250);

  // Embedded default: jobs on the API's own pool of two threads.
  const name = `nixeval-bench-${process.pid}`;
  await podman(['run', '-d', '--name', name, '--health-interval', 'disable', '-p', `127.0.0.1:${port}:8080`, '-v', `${ROOT}/examples/nix:/srv/nix:ro`,
    '-e', 'NIXEVAL_ALLOWED_ROOTS=/srv/nix', '-e', 'NIXEVAL_WORKERS=2', '-e', 'LOG_LEVEL=warn', '-e', 'NIXEVAL_RATE_LIMIT=0', IMAGE]);
  try {
    await ready();
    await runMix(base, 20); // warm-up
    results.push({ setup: 'embedded default (1 container, 2 threads, no Redis)', jobs: n, ...(await runMix(base, n)) });
  } finally {
    await run('podman', ['rm', '-f', name]);
  }

  // The compose stack: two workers of one thread each, then one.
  const project = `nixevalbench${process.pid}`;
  const env = { NIXEVAL_PORT: String(port) };
  const up = await run('podman-compose', ['-p', project, 'up', '-d'], { env, timeoutMs: 300_000 });
  if (up.code !== 0) throw new Error(up.stderr);
  try {
    if (!(await ready(2))) throw new Error('the stack did not become ready');
    await runMix(base, 20);
    results.push({ setup: 'Redis + 2 worker containers (1 thread each)', jobs: n, ...(await runMix(base, n)) });
    await podman(['stop', '-t', '30', `${project}_worker_2`], 60_000);
    if (!(await ready(1))) throw new Error('the second worker did not leave');
    results.push({ setup: 'Redis + 1 worker container (1 thread)', jobs: n, ...(await runMix(base, n)) });
  } finally {
    await composeDown(project, env);
  }

  const rows = results.map((r) => `| ${r.setup} | ${r.jobs} | ${r.seconds.toFixed(1)} | ${(r.jobs / r.seconds).toFixed(1)} | ${r.wrong} |`);
  const section = [
    '## Jobs through Redis',
    '',
    `\`npm run bench:jobs\` (bench/jobs.ts), ${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores, load average ${load0.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after.`,
    `Each setup runs the image built from the Dockerfile under podman: ${n} jobs of the compose test's mix (sums over 20,000 to 60,000`,
    'numbers, a file under the mounted allowed root, and failing evaluations) submitted through `POST /v1/jobs` in batches of 50, then each polled',
    'to its final state; jobs/s counts from the first submission to the last final state. The API container (with Redis, and the embedded',
    'default) has two evaluation threads; each worker container one. Everything shares the same two cores, so a second worker container',
    'adds threads, not cores: the gain from it is what the queue costs and hides, not what a second machine would bring.',
    '',
    '| setup | jobs | seconds | jobs/s | wrong results |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  writeBenchmarkSection('## Jobs through Redis', section);
  process.stdout.write(section);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
