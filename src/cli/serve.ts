// `nixeval serve`: the HTTP service (embedded default: one process, a Piscina pool of
// evaluation workers, an in-memory job store). Every flag has an environment variable; a
// flag wins over its variable.

import { buildServer, type ServerOptions } from '../../routes/server.js';

export interface ServeOptions {
  port: number;
  host: string;
  server: ServerOptions;
}

interface Flag {
  env: string;
  help: string;
  apply(o: ServeOptions, value: string): void;
}

function int(name: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`invalid value '${value}' for ${name} (an integer >= ${min})`);
  return n;
}

/** The flags, their variables and meaning (README's Service section lists the same). */
export const FLAGS: Record<string, Flag> = {
  '--port': { env: 'PORT', help: 'port to listen on (default 8080)', apply: (o, v) => { o.port = int('--port', v); } },
  '--host': { env: 'HOST', help: 'address to listen on (default 127.0.0.1)', apply: (o, v) => { o.host = v; } },
  '--workers': { env: 'NIXEVAL_WORKERS', help: 'evaluation worker threads (default: number of CPUs)', apply: (o, v) => { o.server.workers = int('--workers', v, 1); } },
  '--allowed-root': {
    env: 'NIXEVAL_ALLOWED_ROOTS',
    help: 'directory evaluations may read (repeatable; the variable is a colon-separated list; default none)',
    apply: (o, v) => { o.server.allowedRoots = [...(o.server.allowedRoots ?? []), ...v.split(':').filter((s) => s !== '')]; },
  },
  '--timeout-ms': { env: 'NIXEVAL_TIMEOUT_MS', help: 'most (and default) time of an evaluation, ms (default 10000)', apply: (o, v) => { o.server.timeoutMs = int('--timeout-ms', v, 1); } },
  '--job-timeout-ms': { env: 'NIXEVAL_JOB_TIMEOUT_MS', help: 'most (and default) time of a job, ms (default 300000)', apply: (o, v) => { o.server.jobTimeoutMs = int('--job-timeout-ms', v, 1); } },
  '--max-memory-mb': { env: 'NIXEVAL_MAX_MEMORY_MB', help: 'most (and default) heap of an evaluation, MiB (default 512)', apply: (o, v) => { o.server.maxMemoryMb = int('--max-memory-mb', v, 16); } },
  '--max-output-bytes': { env: 'NIXEVAL_MAX_OUTPUT_BYTES', help: 'most (and default) size of a result, bytes (default 16777216)', apply: (o, v) => { o.server.maxOutputBytes = int('--max-output-bytes', v); } },
  '--max-queue': { env: 'NIXEVAL_MAX_QUEUE', help: 'evaluations that may wait for a worker before requests get 503 (default workers x 64)', apply: (o, v) => { o.server.maxQueue = int('--max-queue', v); } },
  '--body-limit': { env: 'NIXEVAL_BODY_LIMIT', help: 'largest request body, bytes (default 1048576)', apply: (o, v) => { o.server.bodyLimit = int('--body-limit', v, 1); } },
  '--rate-limit': {
    env: 'NIXEVAL_RATE_LIMIT',
    help: 'requests per minute per client to /v1 routes, 0 for no limit (default 6000)',
    apply: (o, v) => {
      const n = int('--rate-limit', v);
      o.server.rateLimit = n === 0 ? false : { max: n, timeWindowMs: 60_000 };
    },
  },
  '--batch-max': { env: 'NIXEVAL_BATCH_MAX', help: 'evaluations in one batch (default 100)', apply: (o, v) => { o.server.batchMax = int('--batch-max', v, 1); } },
  '--redis-url': {
    env: 'REDIS_URL',
    help: 'Redis (redis://host:port[/db]): jobs go to a queue there, run by `nixeval worker` processes (default: none, jobs run in this process)',
    apply: (o, v) => { o.server.redisUrl = v; },
  },
  '--queue-lock-ms': {
    env: 'NIXEVAL_QUEUE_LOCK_MS',
    help: 'worker: how long a job\'s worker may go silent (dead) before the job is given to another, ms (default 30000)',
    apply: (o, v) => { o.server.queueLockMs = int('--queue-lock-ms', v, 100); },
  },
  '--job-ttl-ms': { env: 'NIXEVAL_JOB_TTL_MS', help: 'how long finished jobs are kept, ms (default 600000)', apply: (o, v) => { o.server.jobTtlMs = int('--job-ttl-ms', v, 1); } },
  '--shutdown-grace-ms': { env: 'NIXEVAL_SHUTDOWN_GRACE_MS', help: 'on SIGTERM/SIGINT, how long in-flight work may finish, ms (default 30000)', apply: (o, v) => { o.server.shutdownGraceMs = int('--shutdown-grace-ms', v); } },
  '--log-level': { env: 'LOG_LEVEL', help: 'pino log level: fatal, error, warn, info, debug, trace, silent (default info)', apply: (o, v) => { o.server.logLevel = v; } },
};

export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv): ServeOptions {
  const o: ServeOptions = { port: 8080, host: '127.0.0.1', server: { logger: true } };
  for (const [flag, f] of Object.entries(FLAGS)) {
    const v = env[f.env];
    if (v !== undefined && v !== '') f.apply(o, v);
  }
  // Flags replace what the environment said (--allowed-root accumulates over flags only).
  let rootsFromFlags: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const f = FLAGS[name];
    if (!f) throw new Error(`unknown flag '${a}' (flags: ${Object.keys(FLAGS).join(' ')})`);
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

export function serveUsage(): string {
  const lines = Object.entries(FLAGS).map(([flag, f]) => `  ${flag.padEnd(20)} ${f.env.padEnd(26)} ${f.help}`);
  return `usage: nixeval serve [flags]\n  flag                 environment variable       meaning\n${lines.join('\n')}\n`;
}

export async function serve(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(serveUsage());
    return 0;
  }
  const opts = parseServeArgs(args, process.env);
  const app = await buildServer(opts.server);
  let closing = false;
  const close = async (signal: string): Promise<void> => {
    if (closing) {
      // A second signal: stop now.
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down: refusing new work, letting in-flight work finish');
    try {
      await app.close();
      app.log.info('shut down');
      process.exit(0);
    } catch (e) {
      app.log.error({ err: e }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void close('SIGINT'));
  process.on('SIGTERM', () => void close('SIGTERM'));
  await app.listen({ port: opts.port, host: opts.host });
  return new Promise<number>(() => {});
}
