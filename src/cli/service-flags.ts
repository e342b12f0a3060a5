// The flags of `nixeval serve` and `nixeval worker` in one table: each with its environment
// variable, the commands that take it, and its meaning (README's Service section shows the
// same). A flag wins over its variable. A command refuses the flags it does not take, and
// ignores the variables it does not use, so that the API and its workers may share one
// environment.

import type { ServerOptions } from '../../routes/server.js';

export type ServiceCommand = 'serve' | 'worker';

export interface ServiceArgs {
  port: number;
  host: string;
  server: ServerOptions;
}

interface Flag {
  env: string;
  /** What it means; `{default}` stands for the command's default where it differs. */
  help: string;
  commands: readonly ServiceCommand[];
  apply(o: ServiceArgs, value: string): void;
}

/** Where each command listens: the API, and a worker's /health and /metrics (apart, so that both may run on one host). */
export const DEFAULT_PORT: Record<ServiceCommand, number> = { serve: 8080, worker: 8081 };

const BOTH: readonly ServiceCommand[] = ['serve', 'worker'];
const SERVE: readonly ServiceCommand[] = ['serve'];
const WORKER: readonly ServiceCommand[] = ['worker'];

function int(name: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`invalid value '${value}' for ${name} (an integer >= ${min})`);
  return n;
}

export const FLAGS: Record<string, Flag> = {
  '--port': { env: 'PORT', commands: BOTH, help: 'port to listen on (default {default})', apply: (o, v) => { o.port = int('--port', v); } },
  '--host': { env: 'HOST', commands: BOTH, help: 'address to listen on (default 127.0.0.1)', apply: (o, v) => { o.host = v; } },
  '--workers': { env: 'NIXEVAL_WORKERS', commands: BOTH, help: 'evaluation worker threads (default: number of CPUs)', apply: (o, v) => { o.server.workers = int('--workers', v, 1); } },
  '--allowed-root': {
    env: 'NIXEVAL_ALLOWED_ROOTS',
    commands: BOTH,
    help: 'directory evaluations may read (repeatable; the variable is a colon-separated list; default none)',
    apply: (o, v) => { o.server.allowedRoots = [...(o.server.allowedRoots ?? []), ...v.split(':').filter((s) => s !== '')]; },
  },
  '--timeout-ms': { env: 'NIXEVAL_TIMEOUT_MS', commands: SERVE, help: 'most (and default) time of an evaluation, ms (default 10000)', apply: (o, v) => { o.server.timeoutMs = int('--timeout-ms', v, 1); } },
  '--job-timeout-ms': { env: 'NIXEVAL_JOB_TIMEOUT_MS', commands: BOTH, help: 'most (and default) time of a job, ms (default 300000)', apply: (o, v) => { o.server.jobTimeoutMs = int('--job-timeout-ms', v, 1); } },
  '--max-memory-mb': { env: 'NIXEVAL_MAX_MEMORY_MB', commands: BOTH, help: 'most (and default) heap of an evaluation, MiB (default 512)', apply: (o, v) => { o.server.maxMemoryMb = int('--max-memory-mb', v, 16); } },
  '--max-output-bytes': { env: 'NIXEVAL_MAX_OUTPUT_BYTES', commands: BOTH, help: 'most (and default) size of a result, bytes (default 16777216)', apply: (o, v) => { o.server.maxOutputBytes = int('--max-output-bytes', v); } },
  '--max-queue': { env: 'NIXEVAL_MAX_QUEUE', commands: SERVE, help: 'evaluations that may wait for a worker before requests get 503 (default workers x 64)', apply: (o, v) => { o.server.maxQueue = int('--max-queue', v); } },
  '--body-limit': { env: 'NIXEVAL_BODY_LIMIT', commands: SERVE, help: 'largest request body, bytes (default 1048576)', apply: (o, v) => { o.server.bodyLimit = int('--body-limit', v, 1); } },
  '--rate-limit': {
    env: 'NIXEVAL_RATE_LIMIT',
    commands: SERVE,
    help: 'requests per minute per client to /v1 routes, 0 for no limit (default 6000)',
    apply: (o, v) => {
      const n = int('--rate-limit', v);
      o.server.rateLimit = n === 0 ? false : { max: n, timeWindowMs: 60_000 };
    },
  },
  '--batch-max': { env: 'NIXEVAL_BATCH_MAX', commands: SERVE, help: 'evaluations in one batch (default 100)', apply: (o, v) => { o.server.batchMax = int('--batch-max', v, 1); } },
  '--redis-url': {
    env: 'REDIS_URL',
    commands: BOTH,
    help: 'Redis (redis://host:port[/db]) holding the job queue; serve: none (the default) runs jobs in this process; worker: required',
    apply: (o, v) => { o.server.redisUrl = v; },
  },
  '--job-ttl-ms': { env: 'NIXEVAL_JOB_TTL_MS', commands: SERVE, help: 'how long finished jobs are kept, ms (default 600000)', apply: (o, v) => { o.server.jobTtlMs = int('--job-ttl-ms', v, 1); } },
  '--max-jobs': { env: 'NIXEVAL_MAX_JOBS', commands: SERVE, help: 'jobs held at once, finished ones included (with Redis: in Redis); more get 503 (default 10000)', apply: (o, v) => { o.server.maxJobs = int('--max-jobs', v, 1); } },
  '--max-job-result-bytes': {
    env: 'NIXEVAL_MAX_JOB_RESULT_BYTES',
    commands: SERVE,
    help: 'bytes of job results held (past it the oldest finished jobs are forgotten); also the most a jobset job\'s lines may take (default 268435456)',
    apply: (o, v) => { o.server.maxJobResultBytes = int('--max-job-result-bytes', v); },
  },
  '--queue-lock-ms': {
    env: 'NIXEVAL_QUEUE_LOCK_MS',
    commands: WORKER,
    help: 'how long this worker may go silent (dead) before its jobs are given to another, ms (default 30000)',
    apply: (o, v) => { o.server.queueLockMs = int('--queue-lock-ms', v, 100); },
  },
  '--shutdown-grace-ms': { env: 'NIXEVAL_SHUTDOWN_GRACE_MS', commands: BOTH, help: 'on SIGTERM/SIGINT, how long in-flight work may finish, ms (default 30000)', apply: (o, v) => { o.server.shutdownGraceMs = int('--shutdown-grace-ms', v); } },
  '--log-level': { env: 'LOG_LEVEL', commands: BOTH, help: 'pino log level: fatal, error, warn, info, debug, trace, silent (default info)', apply: (o, v) => { o.server.logLevel = v; } },
};

function flagsOf(command: ServiceCommand): [string, Flag][] {
  return Object.entries(FLAGS).filter(([, f]) => f.commands.includes(command));
}

export function parseServiceArgs(command: ServiceCommand, args: string[], env: NodeJS.ProcessEnv): ServiceArgs {
  const o: ServiceArgs = { port: DEFAULT_PORT[command], host: '127.0.0.1', server: { logger: true } };
  const flags = new Map(flagsOf(command));
  for (const f of flags.values()) {
    const v = env[f.env];
    if (v !== undefined && v !== '') f.apply(o, v);
  }
  // Flags replace what the environment said (--allowed-root accumulates over flags only).
  let rootsFromFlags: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const f = flags.get(name);
    if (!f) throw new Error(`unknown flag '${a}' for nixeval ${command} (flags: ${[...flags.keys()].join(' ')})`);
    const value = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--allowed-root') {
      rootsFromFlags = [...(rootsFromFlags ?? []), value];
      continue;
    }
    f.apply(o, value);
  }
  if (rootsFromFlags) o.server.allowedRoots = rootsFromFlags;
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`invalid port '${o.port}'`);
  return o;
}

export function serviceUsage(command: ServiceCommand): string {
  const lines = flagsOf(command).map(([flag, f]) => `  ${flag.padEnd(24)} ${f.env.padEnd(30)} ${f.help.replace('{default}', String(DEFAULT_PORT[command]))}`);
  return `usage: nixeval ${command} [flags]\n  ${'flag'.padEnd(24)} ${'environment variable'.padEnd(30)} meaning\n${lines.join('\n')}\n`;
}
