// The service's configuration in one place: every setting of `nixeval serve` and `nixeval
// worker` as one TypeBox schema, with its flag, its environment variable, the commands that take
// it, its default and what it means. From it come the parsing of flags and variables (a flag
// wins over its variable), the validation (one line naming what the user set and what was
// expected), each command's `--help`, and the table in README.md (test/service/serve.test.ts
// checks that the README shows this table). A command refuses the flags it does not take and
// ignores the variables it does not use, so that the API and its workers may share one
// environment.
//
//   node dist/routes/config.js      # print the README table

import { fileURLToPath } from 'node:url';
import { type TSchema, Type, type Static, Kind } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ServerOptions } from './server.js';

/** The commands that read the service's settings: the API, and a worker taking jobs from Redis. */
export type ServiceCommand = 'serve' | 'worker';

/** Where each command listens: the API, and a worker's /health and /metrics (apart, so that both may run on one host). */
export const DEFAULT_PORT: Record<ServiceCommand, number> = { serve: 8080, worker: 8081 };

const BOTH: readonly ServiceCommand[] = ['serve', 'worker'];
const SERVE: readonly ServiceCommand[] = ['serve'];
const WORKER: readonly ServiceCommand[] = ['worker'];

/** Where a setting comes from on the command line and in the environment. */
interface Source {
  flag: string;
  env: string;
  /** The commands that take it. */
  commands: readonly ServiceCommand[];
  /** The default as the table shows it, when it is computed at start (CPUs, ...). */
  defaultText?: string;
  /** A list: the variable is `:`-separated, the flag repeatable. */
  list?: boolean;
  /** How the flag's value is shown (default N for a number, V otherwise). */
  arg?: string;
}

const setting = <T extends TSchema>(schema: T, source: Source): T & { 'x-source': Source } => Object.assign(schema, { 'x-source': source });

const int = (minimum: number, def: number | undefined, description: string, source: Source, maximum?: number) =>
  setting(Type.Integer({ minimum, ...(maximum === undefined ? {} : { maximum }), ...(def === undefined ? {} : { default: def }), description }), source);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ServiceConfig = Type.Object({
  port: int(0, DEFAULT_PORT.serve, 'port to listen on', { flag: '--port', commands: BOTH, env: 'PORT', defaultText: `${DEFAULT_PORT.serve} (worker: ${DEFAULT_PORT.worker})` }, 65535),
  host: setting(Type.String({ minLength: 1, default: '127.0.0.1', description: 'address to listen on' }), { flag: '--host', commands: BOTH, env: 'HOST', arg: 'H' }),
  workers: int(1, undefined, 'evaluation worker threads', { flag: '--workers', commands: BOTH, env: 'NIXEVAL_WORKERS', defaultText: 'CPUs' }),
  jobWorkers: int(1, undefined, 'workers jobs may hold at once; the others are kept for `/v1/eval`', { flag: '--job-workers', commands: SERVE, env: 'NIXEVAL_JOB_WORKERS', defaultText: 'workers − 1 (at least 1)' }),
  allowedRoots: setting(Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'directories evaluations may read (repeatable); with none, only posted `files`. A worker reads its own, not the API\'s' }), { flag: '--allowed-root', commands: BOTH, env: 'NIXEVAL_ALLOWED_ROOTS', list: true, defaultText: 'none', arg: 'DIR' }),
  timeoutMs: int(1, 10_000, 'most (and default) time of a `/v1/eval` evaluation, ms; also the most it may wait for a worker', { flag: '--timeout-ms', commands: SERVE, env: 'NIXEVAL_TIMEOUT_MS' }),
  jobTimeoutMs: int(1, 300_000, 'most (and default) time of a job, ms; also the most it may wait for a worker', { flag: '--job-timeout-ms', commands: BOTH, env: 'NIXEVAL_JOB_TIMEOUT_MS' }),
  maxMemoryMb: int(16, 512, 'most (and default) heap an evaluation may use, MiB', { flag: '--max-memory-mb', commands: BOTH, env: 'NIXEVAL_MAX_MEMORY_MB' }),
  workerYoungGenerationMb: int(0, 96, 'V8\'s young generation of each evaluation worker, MiB (semi-spaces of a third of it, rounded up to a power of two): larger, fewer collections for evaluations that keep what they build for a while, and more memory per busy worker (BENCHMARKS.md); 0: V8\'s default (48)', { flag: '--worker-young-generation-mb', commands: BOTH, env: 'NIXEVAL_WORKER_YOUNG_GENERATION_MB' }, 1024),
  maxOutputBytes: int(0, 16 * 1024 * 1024, 'most (and default) size of an answer: value, warnings, traces, error texts (bytes)', { flag: '--max-output-bytes', commands: BOTH, env: 'NIXEVAL_MAX_OUTPUT_BYTES' }),
  maxQueue: int(0, undefined, 'evaluations (and, apart, jobs) that may wait for a worker before requests get 503', { flag: '--max-queue', commands: SERVE, env: 'NIXEVAL_MAX_QUEUE', defaultText: 'workers × 64' }),
  bodyLimit: int(1, 1024 * 1024, 'largest request body, bytes (larger is 413)', { flag: '--body-limit', commands: SERVE, env: 'NIXEVAL_BODY_LIMIT' }),
  rateLimit: int(0, 6000, 'requests per minute per client to `/v1` routes (429 beyond); 0 turns it off', { flag: '--rate-limit', commands: SERVE, env: 'NIXEVAL_RATE_LIMIT' }),
  trustProxy: setting(Type.String({ default: 'false', description: 'trust `X-Forwarded-For` from: `true` (any proxy), `false`, a number of hops, or comma-separated proxy addresses/CIDRs; rate limits and logs then see the real client' }), { flag: '--trust-proxy', commands: SERVE, env: 'NIXEVAL_TRUST_PROXY', arg: 'P' }),
  corsOrigins: setting(Type.String({ default: '', description: 'origins browsers may call the API from (comma-separated, or `*`); empty: no CORS headers' }), { flag: '--cors-origins', commands: SERVE, env: 'NIXEVAL_CORS_ORIGINS', defaultText: 'none', arg: 'O' }),
  batchMax: int(1, 100, 'evaluations in one batch', { flag: '--batch-max', commands: SERVE, env: 'NIXEVAL_BATCH_MAX' }),
  jobTtlMs: int(1, 600_000, 'how long a finished job\'s result is kept, ms', { flag: '--job-ttl-ms', commands: SERVE, env: 'NIXEVAL_JOB_TTL_MS' }),
  maxJobs: int(1, 10_000, 'jobs held at once (finished ones included; with Redis, in Redis); more get 503', { flag: '--max-jobs', commands: SERVE, env: 'NIXEVAL_MAX_JOBS' }),
  maxJobResultBytes: int(0, 256 * 1024 * 1024, 'bytes of job results held; past it, finished jobs are forgotten (in memory the largest first, running jobsets\' lines counted as they come; with Redis those nearest expiry, a jobset\'s lines counted when it ends and bounded by this alone)', { flag: '--max-job-result-bytes', commands: SERVE, env: 'NIXEVAL_MAX_JOB_RESULT_BYTES' }),
  resultCacheBytes: int(0, 64 * 1024 * 1024, 'bytes of answers to pure evaluations (and of jobset attributes\' results) kept to answer the same request again without evaluating; 0 turns the cache off', { flag: '--result-cache-bytes', commands: SERVE, env: 'NIXEVAL_RESULT_CACHE_BYTES' }),
  resultCacheTtlMs: int(1, 60_000, 'how long the result cache keeps an answer, ms', { flag: '--result-cache-ttl-ms', commands: SERVE, env: 'NIXEVAL_RESULT_CACHE_TTL_MS' }),
  maxEventLoopDelayMs: int(0, 1000, 'shed `/v1` requests (503) while the event loop lags more than this (mean over a second, measured from when the server is ready), ms; 0 never', { flag: '--max-event-loop-delay-ms', commands: SERVE, env: 'NIXEVAL_MAX_EVENT_LOOP_DELAY_MS' }),
  redisUrl: setting(Type.String({ minLength: 1, description: 'Redis (redis://host:port[/db]) holding the job queue; serve: none runs jobs in this process; worker: required' }), { flag: '--redis-url', commands: BOTH, env: 'REDIS_URL', defaultText: 'none', arg: 'URL' }),
  queueLockMs: int(100, 30_000, 'how long a worker may go silent (dead) before its jobs are given to another, ms', { flag: '--queue-lock-ms', commands: WORKER, env: 'NIXEVAL_QUEUE_LOCK_MS' }),
  shutdownGraceMs: int(0, 30_000, 'on SIGTERM/SIGINT, how long in-flight work may finish, ms', { flag: '--shutdown-grace-ms', commands: BOTH, env: 'NIXEVAL_SHUTDOWN_GRACE_MS' }),
  logLevel: setting(Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), { default: 'info', description: 'pino log level (`silent` for none)' }), { flag: '--log-level', commands: BOTH, env: 'LOG_LEVEL', arg: 'L' }),
}, { additionalProperties: false });

export type ServiceConfig = Static<typeof ServiceConfig>;

type Key = keyof ServiceConfig;
const KEYS = Object.keys(ServiceConfig.properties) as Key[];
const schemaOf = (k: Key): TSchema & { 'x-source': Source } => ServiceConfig.properties[k] as unknown as TSchema & { 'x-source': Source };
const keysOf = (command: ServiceCommand): Key[] => KEYS.filter((k) => schemaOf(k)['x-source'].commands.includes(command));

/** A setting the user gave that is not valid: one line naming it, for stderr (exit 2). */
export class ConfigError extends Error {}

/** What a schema accepts, in words. */
function expected(s: TSchema): string {
  if (s[Kind] === 'Integer') {
    if (s.maximum !== undefined) return `an integer from ${s.minimum} to ${s.maximum}`;
    return s.minimum > 0 ? `an integer ≥ ${s.minimum}` : 'a non-negative integer';
  }
  if (s[Kind] === 'Union') return `one of ${(s.anyOf as TSchema[]).map((l) => l.const).join(', ')}`;
  if (s[Kind] === 'Array') return 'a list of non-empty paths';
  return s.minLength ? 'a non-empty string' : 'a string';
}

/** A value given as text, as the schema's type (still to be validated). */
function convert(s: TSchema, text: string): unknown {
  if (s[Kind] === 'Integer') return /^-?[0-9]+$/.test(text.trim()) ? Number(text.trim()) : text;
  return text;
}

/** The settings of `command` given by flags and environment variables (a flag wins), validated. */
export function parseConfig(command: ServiceCommand, args: string[], env: Readonly<Record<string, string | undefined>>): Partial<ServiceConfig> {
  const keys = keysOf(command);
  const values: Record<string, unknown> = {};
  const given: Record<string, string> = {};
  const set = (k: Key, text: string | string[], shown: string): void => {
    const s = schemaOf(k);
    values[k] = Array.isArray(text) ? text : convert(s, text);
    given[k] = shown;
    if (!Value.Check(s, values[k])) throw new ConfigError(`${shown}: expected ${expected(s)}`);
  };
  for (const k of keys) {
    const { env: name, list } = schemaOf(k)['x-source'];
    const v = env[name];
    if (v === undefined || v === '') continue;
    set(k, list ? v.split(':').filter((p) => p !== '') : v, `${name}=${v}`);
  }
  const byFlag = new Map(keys.map((k) => [schemaOf(k)['x-source'].flag, k]));
  const lists = new Map<Key, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const k = byFlag.get(flag);
    if (k === undefined) throw new ConfigError(`unknown flag '${a}' for nixeval ${command} (see nixeval ${command} --help)`);
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    if (schemaOf(k)['x-source'].list) {
      // Repeated flags add up, and replace what the variable said.
      const l = [...(lists.get(k) ?? []), value];
      lists.set(k, l);
      set(k, l, `${flag} ${value}`);
    } else {
      set(k, value, `${flag} ${value}`);
    }
  }
  return values as Partial<ServiceConfig>;
}

/** The options of buildServer for a configuration (defaults left to buildServer). */
export function serverOptions(config: Partial<ServiceConfig>): ServerOptions {
  const { port: _port, host: _host, rateLimit, maxEventLoopDelayMs, trustProxy, corsOrigins, ...rest } = config;
  const o: ServerOptions = { ...rest, logger: true };
  if (rateLimit !== undefined) o.rateLimit = rateLimit === 0 ? false : { max: rateLimit, timeWindowMs: 60_000 };
  if (maxEventLoopDelayMs !== undefined) o.maxEventLoopDelayMs = maxEventLoopDelayMs === 0 ? false : maxEventLoopDelayMs;
  if (trustProxy !== undefined) o.trustProxy = parseTrustProxy(trustProxy);
  if (corsOrigins !== undefined && corsOrigins !== '') o.corsOrigins = corsOrigins.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return o;
}

/** `true`/`false`, a hop count, or proxy addresses, as Fastify's trustProxy takes them. */
export function parseTrustProxy(text: string): boolean | number | string[] {
  if (text === 'true') return true;
  if (text === 'false' || text === '') return false;
  if (/^[0-9]+$/.test(text)) return Number(text);
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function defaultText(k: Key, command?: ServiceCommand): string {
  const s = schemaOf(k);
  if (k === 'port' && command !== undefined) return String(DEFAULT_PORT[command]);
  if (s['x-source'].defaultText !== undefined) return s['x-source'].defaultText;
  return String(s.default);
}

/** `nixeval serve --help`, `nixeval worker --help`. */
export function configHelp(command: ServiceCommand): string {
  const rows = keysOf(command).map((k) => {
    const s = schemaOf(k);
    const { flag, env } = s['x-source'];
    return `  ${flag.padEnd(26)} ${env.padEnd(32)} ${String(s.description).replace(/`/g, '')} (default ${defaultText(k, command)})`;
  });
  return `usage: nixeval ${command} [flags]\n\nEvery flag has an environment variable; a flag wins over its variable.\n\n  ${'flag'.padEnd(26)} ${'environment variable'.padEnd(32)} meaning\n${rows.join('\n')}\n`;
}

/** The table of README.md's Service section. */
export function configTable(): string {
  const rows = KEYS.map((k) => {
    const s = schemaOf(k);
    const { flag, env, list, arg, commands } = s['x-source'];
    return `| \`${flag} ${arg ?? (s[Kind] === 'Integer' ? 'N' : 'V')}\` | \`${env}\`${list ? ' (`:`-separated)' : ''} | ${commands.join(', ')} | ${defaultText(k)} | ${s.description} |`;
  });
  return ['| flag | variable | commands | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(configTable());
}
