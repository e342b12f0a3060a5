// Builds the Fastify application with all route plugins. Used by `nixeval serve` and by the
// service tests (supertest against `app.server`).
//
// The embedded default: one process, a Piscina pool of evaluation workers, an in-memory job
// store. Every option has a default, so `buildServer()` alone gives a working service.
//
// Shutdown (`app.shutdown()`, which `nixeval serve` calls on SIGTERM/SIGINT) drains: the
// listener stays open and new work is answered 503 with `Connection: close`, idle keep-alive
// connections are closed, in-flight evaluations and jobs may finish within the grace period,
// and then the server closes, whatever is still running or connected.

import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type { Server } from 'node:http';
import Fastify, { type FastifyError, type FastifyHttpOptions, type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import cors from '@fastify/cors';
import { healthRoutes } from './health.js';
import { evalRoutes } from './eval.js';
import { jobRoutes } from './jobs.js';
import { jobsetRoutes } from './jobsets.js';
import { opsRoutes } from './ops.js';
import { ServiceMetrics } from './metrics.js';
import type { JobStore } from './job-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import { JobsetJob } from './jobset-job.js';
import { HttpError, type Service, type ServiceLimits, sendError } from './service.js';
import { errorJson } from './outcome.js';
import { ResultCache } from './result-cache.js';
import { EventLoopPressure } from './pressure.js';
import { type RequestLogger, requestLogger } from './request-logger.js';
import { type OpenApiDocument, withExamples } from './examples.js';
import { EvalPool } from '../workers/pool.js';
import { sharedSchemas } from './schemas.js';

export interface ServerOptions {
  /** Log requests (pino, one line per request) and worker events. Default: off. */
  logger?: boolean;
  /** pino level (default 'info'); also the workers' level. */
  logLevel?: string;
  /** Worker threads (default: the number of CPUs). */
  workers?: number;
  /** Workers jobs may hold at once (default: all but one, at least one). */
  jobWorkers?: number;
  /** Trust X-Forwarded-For from these proxies (Fastify's trustProxy; default false). */
  trustProxy?: boolean | number | string[];
  /** Origins browsers may call the API from ('*' for any); default none (no CORS headers). */
  corsOrigins?: string[];
  /** /ready is not ready while the oldest waiting evaluation has waited longer (ms, default 1000). */
  readyMaxWaitMs?: number;
  /** Evaluations that may wait for a worker before requests are shed with 503 (default workers × 64). */
  maxQueue?: number;
  /** Directories evaluations may read (default: none, so only posted `files`). */
  allowedRoots?: string[];
  /** Server maximum (and default) time of a synchronous evaluation (ms, default 10 000). */
  timeoutMs?: number;
  /** Server maximum (and default) time of a job (ms, default 300 000). */
  jobTimeoutMs?: number;
  /** Server maximum (and default) heap one evaluation may use (MiB, default 512). */
  maxMemoryMb?: number;
  /** V8's young generation of each worker (MiB; workers/pool.ts's default; 0: V8's). */
  workerYoungGenerationMb?: number;
  /** Server maximum (and default) size of a result (bytes, default 16 MiB). */
  maxOutputBytes?: number;
  /** Largest request body (bytes, default 1 MiB). */
  bodyLimit?: number;
  /** Requests per client (IP) and window to the /v1 routes; false turns rate limiting off.
   * Default: 6000 per minute. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /** Shed load (503) when the event loop lags more than this (ms); false: never. Default 1000. */
  maxEventLoopDelayMs?: number | false;
  /** Evaluations in one batch (default 100). */
  batchMax?: number;
  /** Redis (redis://host:port/db): jobs go to a BullMQ queue there, run by `nixeval worker`
   * processes. Default: none, jobs run on this process's pool. */
  redisUrl?: string;
  /** `nixeval worker`: how long a job's lock lasts without renewal (ms, default 30 000). */
  queueLockMs?: number;
  /** How long finished jobs are kept (ms, default 10 minutes). */
  jobTtlMs?: number;
  /** Jobs held at most (default 10 000). */
  maxJobs?: number;
  /** Bytes of job results held at most; past it the largest finished results are forgotten early (default 256 MiB). */
  maxJobResultBytes?: number;
  /** Bytes of answers the result cache holds (0: no cache). */
  resultCacheBytes?: number;
  /** How long the result cache keeps an answer (ms). */
  resultCacheTtlMs?: number;
  /** On close, how long in-flight work may take to finish (ms, default 30 000). */
  shutdownGraceMs?: number;
  /** After its deadline, how long a task that has not stopped gets before its worker is stopped (ms, default 500). */
  abortGraceMs?: number;
  /** Seconds clients are told to wait (Retry-After) when load is shed (default 1). */
  retryAfterSeconds?: number;
  /** Register prom-client's process metrics (default true). */
  processMetrics?: boolean;
  /** How often a jobset streamed as server-sent events reports its progress (ms, default 1000). */
  jobsetProgressMs?: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:/-]{1,128}$/;

declare module 'fastify' {
  interface FastifyInstance {
    /** Drains and closes the server (see the top of server.ts); resolves when it is closed. */
    shutdown(): Promise<void>;
  }
}

/** A socket-level error (headers too large, a malformed request) answered in the service's error shape. */
function answerClientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, text, kind, message] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large', 'bad-request', 'the request\'s headers are too large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'bad-request', 'the request took too long to arrive']
      : [400, 'Bad Request', 'bad-request', 'malformed HTTP request'];
  const body = errorJson(kind, message);
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${text}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/** The server's maximums (and defaults) of a request's limits. */
export function serverLimits(opts: ServerOptions): ServiceLimits {
  return {
    timeoutMs: opts.timeoutMs ?? 10_000,
    jobTimeoutMs: opts.jobTimeoutMs ?? 300_000,
    maxMemoryMb: opts.maxMemoryMb ?? 512,
    maxOutputBytes: opts.maxOutputBytes ?? 16 * 1024 * 1024,
  };
}

export async function buildServer(opts: ServerOptions = {}): Promise<FastifyInstance> {
  const logLevel = opts.logLevel ?? 'info';
  const loggerOption: FastifyServerOptions['logger'] = opts.logger ? { level: logLevel } : false;
  const trust = opts.trustProxy ?? false;
  const fastifyOptions: FastifyHttpOptions<Server> = {
    logger: loggerOption,
    // One line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: requestLogger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
    return503OnClosing: true,
    // A hop count: the address that many proxies back from the socket is the client's.
    trustProxy: typeof trust === 'number' ? (_addr: string, i: number) => i < trust : trust,
    clientErrorHandler: answerClientError,
    // Errors the router raises before any route runs, in the service's error shape.
    frameworkErrors: (err, _req, reply) => {
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(reply, 414, 'bad-request', 'a path parameter of the URL is too long');
      return sendError(reply, 400, 'bad-request', err.message);
    },
  };
  const app = Fastify(fastifyOptions);

  const limits = serverLimits(opts);
  const workers = opts.workers ?? availableParallelism();
  const pool = new EvalPool({
    workers,
    maxQueue: opts.maxQueue,
    maxJobWorkers: opts.jobWorkers,
    maxMemoryMb: limits.maxMemoryMb,
    youngGenerationMb: opts.workerYoungGenerationMb,
    graceMs: opts.abortGraceMs,
    readyMaxWaitMs: opts.readyMaxWaitMs,
    logLevel: opts.logger ? logLevel : 'silent',
  });
  let metricsRef: ServiceMetrics | undefined;
  const jobTtlMs = opts.jobTtlMs ?? 10 * 60_000;
  const maxJobs = opts.maxJobs ?? 10_000;
  const maxJobResultBytes = opts.maxJobResultBytes ?? 256 * 1024 * 1024;
  // With Redis, jobs go to the shared queue (and its workers); otherwise they run on this pool.
  const jobs: JobStore = opts.redisUrl
    ? new (await import('../queue/redis-job-store.js')).RedisJobStore({ url: opts.redisUrl, ttlMs: jobTtlMs, maxJobs, maxResultBytes: maxJobResultBytes })
    : new MemoryJobStore(pool, {
      ttlMs: jobTtlMs,
      maxJobs,
      maxResultBytes: maxJobResultBytes,
      onOutcome: (out) => metricsRef?.recordOutcome(out),
      startJobset: (spec, reqId, hold) => new JobsetJob(service, spec, reqId, hold),
    });
  const allowedRoots = (opts.allowedRoots ?? []).map((r) => resolvePath(r));
  const results = new ResultCache({ maxBytes: opts.resultCacheBytes ?? 64 * 1024 * 1024, ttlMs: opts.resultCacheTtlMs ?? 60_000 }, allowedRoots);
  const metrics = new ServiceMetrics({ pool, jobs: () => jobs.counts(), results, queue: jobs.queueStatus?.bind(jobs) }, { defaultMetrics: opts.processMetrics });
  metricsRef = metrics;
  const service: Service = {
    config: {
      limits,
      allowedRoots,
      batchMax: opts.batchMax ?? 100,
      retryAfterSeconds: opts.retryAfterSeconds ?? 1,
      progressIntervalMs: opts.jobsetProgressMs ?? 1000,
    },
    pool,
    jobs,
    metrics,
    results,
  };
  let closing = false;
  const shutdownGraceMs = opts.shutdownGraceMs ?? 30_000;

  app.decorateRequest('outcome', undefined);

  const maxLag = opts.maxEventLoopDelayMs ?? 1000;
  const pressure = maxLag === false || maxLag <= 0 ? undefined : new EventLoopPressure(maxLag);

  // Callback-style hooks: no promise per request.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    // Under pressure only the work is shed; health, readiness and metrics keep answering.
    const lag = pressure?.reason;
    if (lag !== undefined && !closing && req.url.startsWith('/v1/')) {
      metrics.shed.inc({ reason: 'pressure' });
      sendError(reply, 503, 'overloaded', `the server is under pressure (${lag}); try again later`, service.config.retryAfterSeconds);
      return;
    }
    if (closing) {
      // Draining: every answer ends its connection, and no new work is taken (polling a
      // job, health and readiness still answer).
      reply.header('connection', 'close');
      if (req.method === 'POST' && req.url.startsWith('/v1/')) {
        metrics.shed.inc({ reason: 'shutdown' });
        sendError(reply, 503, 'overloaded', 'the server is shutting down', service.config.retryAfterSeconds);
        return;
      }
    }
    done();
  });

  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.recordRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    // The line's fields are only gathered when it is written.
    if ((req.log as RequestLogger).isLevelEnabled('info')) req.log.info({
      method: req.method, url: req.url, route, statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
      outcome: req.outcome ?? (reply.statusCode < 400 ? 'ok' : 'error'),
    }, 'request');
    done();
  });

  // While shutting down, each response closes its connection: a client's keep-alive
  // connection would otherwise hold the server open (and a container's stop waiting) until
  // its idle timeout, long after the in-flight work is done.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  app.setNotFoundHandler((req, reply) => {
    sendError(reply, 404, 'not-found', `no route ${req.method} ${req.url}`);
  });

  app.setErrorHandler((err: FastifyError & { kind?: string }, req, reply) => {
    if (err instanceof HttpError) return sendError(reply, err.statusCode, err.kind, err.message);
    if (err.validation) return sendError(reply, 400, 'bad-request', err.message);
    if (err.statusCode === 429) {
      metrics.shed.inc({ reason: 'rate-limit' });
      return sendError(reply, 429, 'rate-limited', err.message, reply.getHeader('retry-after') as number | undefined);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 413, 'body-too-large', err.message);
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      // Unparseable JSON, a wrong content type, an empty body, ...
      return sendError(reply, err.statusCode === 415 ? 415 : 400, 'bad-request', err.message);
    }
    req.log.error({ err }, 'internal error');
    return sendError(reply, 500, 'internal', 'internal server error');
  });

  for (const schema of sharedSchemas) app.addSchema(schema);
  await app.register(swagger, {
    // Every request and response gets its examples (examples.ts), looked up by operationId.
    transformObject: (doc) => withExamples(('openapiObject' in doc ? doc.openapiObject : doc.swaggerObject) as OpenApiDocument) as never,
    // Shared schemas appear as components named by their $id.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'nixeval',
        description: 'Evaluates Nix expressions and answers with JSON, as `nix-instantiate --eval --strict --json` would.',
        version: '0.1.0',
      },
      tags: [
        { name: 'evaluation', description: 'Synchronous evaluation' },
        { name: 'jobs', description: 'Asynchronous evaluation' },
        { name: 'jobsets', description: 'Jobsets for CI: the derivations of a package set, one line each' },
        { name: 'operations', description: 'Health, readiness, metrics' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/documentation' });
  if (opts.corsOrigins && opts.corsOrigins.length > 0) {
    const any = opts.corsOrigins.includes('*');
    await app.register(cors, {
      origin: any ? '*' : opts.corsOrigins,
      methods: ['GET', 'POST', 'DELETE'],
      exposedHeaders: ['x-request-id', 'retry-after', 'location'],
      maxAge: 600,
    });
  }

  if (opts.rateLimit !== false) {
    const rl = opts.rateLimit ?? { max: 6000, timeWindowMs: 60_000 };
    await app.register(rateLimit, {
      global: true,
      max: rl.max,
      timeWindow: rl.timeWindowMs,
      allowList: (req) => !req.url.startsWith('/v1/'),
      errorResponseBuilder: (_req, ctx) => Object.assign(
        new Error(`rate limit exceeded: at most ${ctx.max} requests per ${ctx.after}`), { statusCode: 429 },
      ),
    });
  }

  await app.register(healthRoutes);
  await app.register(opsRoutes, { service, closing: () => closing, pressure: () => pressure?.reason });
  await app.register(evalRoutes, { service });
  await app.register(jobRoutes, { service });
  await app.register(jobsetRoutes, { service });

  app.addHook('preClose', async () => {
    closing = true;
  });

  let shuttingDown: Promise<void> | undefined;
  app.decorate('shutdown', function shutdown(): Promise<void> {
    shuttingDown ??= (async () => {
      closing = true;
      graceLeft();
      // Idle keep-alive connections would otherwise hold the server open until they time out.
      app.server.closeIdleConnections();
      const idle = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await Promise.all([jobs.close(graceLeft()), pool.drain(graceLeft())]);
      } finally {
        clearInterval(idle);
      }
      // What is still connected when the grace period ends is cut off.
      const cutoff = setTimeout(() => app.server.closeAllConnections(), graceLeft());
      await app.close();
      clearTimeout(cutoff);
    })();
    return shuttingDown;
  });
  /** When the grace period ends (set when closing starts). */
  let graceEnds: number | undefined;
  const graceLeft = (): number => Math.max(0, (graceEnds ??= Date.now() + shutdownGraceMs) - Date.now());
  app.addHook('onClose', async () => {
    pressure?.stop();
    // In-flight work finishes (within what is left of the grace period); new work is refused.
    await jobs.close(graceLeft());
    await pool.close(graceLeft());
  });

  await app.ready();
  // Lag is measured from now: starting up is not pressure (pressure.ts).
  pressure?.start();
  return app;
}
