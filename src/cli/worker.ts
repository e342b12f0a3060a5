// `nixeval worker`: takes jobs from the Redis queue (REDIS_URL) and runs them on its own pool of
// evaluation threads (queue/worker.ts); serves /health and /metrics on HOST:PORT (default 8081,
// beside an API's 8080). Its flags (service-flags.ts) are those of what it does: the queue, its
// pool, the limits of a job, and its own endpoint. On SIGTERM or SIGINT it takes no more jobs
// and lets the running ones finish within the shutdown grace (past it, they stall and other
// workers take them, a jobset going on from where it was).

import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { buildWorkerServer } from '../../routes/worker-server.js';
import { ServiceMetrics } from '../../routes/metrics.js';
import { serverLimits } from '../../routes/server.js';
import { QueueWorker } from '../../queue/worker.js';
import { EvalPool } from '../../workers/pool.js';
import { ConfigError } from '../../routes/config.js';
import { parseServiceArgs, type ServiceArgs, serviceUsage } from './service-flags.js';

export async function runWorker(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(serviceUsage('worker'));
    return 0;
  }
  let parsed: ServiceArgs;
  try {
    parsed = parseServiceArgs('worker', args, process.env);
    if (!parsed.server.redisUrl) throw new ConfigError('needs REDIS_URL (or --redis-url): the queue it takes jobs from');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`nixeval worker: ${e.message}\n`);
    return 2;
  }
  const { port, host, server: s } = parsed;
  const redisUrl = s.redisUrl!;
  const logLevel = s.logLevel ?? 'info';
  const limits = serverLimits(s);
  const pool = new EvalPool({ workers: s.workers, maxMemoryMb: limits.maxMemoryMb, youngGenerationMb: s.workerYoungGenerationMb, logLevel });
  const metrics = new ServiceMetrics({ pool, jobs: () => ({}) });
  const app = await buildWorkerServer(metrics, logLevel);
  const name = `${hostname()}:${process.pid}`;
  const worker = new QueueWorker({
    url: redisUrl,
    pool,
    name,
    allowedRoots: (s.allowedRoots ?? []).map((r) => resolvePath(r)),
    limits,
    lockMs: s.queueLockMs ?? 30_000,
    onOutcome: (out) => metrics.recordOutcome(out),
    onJobsetLine: (failed) => metrics.jobsetAttributes.inc({ outcome: failed ? 'error' : 'derivation' }),
    onProblem: (jobId, err) => app.log.warn({ jobId, err }, 'job did not finish'),
  });
  const graceMs = s.shutdownGraceMs ?? 30_000;
  let closing = false;
  const close = async (signal: string): Promise<void> => {
    if (closing) process.exit(1);
    closing = true;
    app.log.info({ signal }, 'shutting down: taking no more jobs, letting running ones finish');
    const t0 = Date.now();
    await worker.close(graceMs);
    await pool.close(Math.max(0, graceMs - (Date.now() - t0)));
    await app.close();
    app.log.info('shut down');
    process.exit(0);
  };
  process.on('SIGINT', () => void close('SIGINT'));
  process.on('SIGTERM', () => void close('SIGTERM'));
  await app.listen({ port, host });
  await worker.ready();
  app.log.info({ worker: name, threads: pool.workers }, 'taking jobs from the queue');
  return new Promise<number>(() => {});
}
