// What the routes share: the server's configuration, the worker pool, the job store and the
// metrics; and the translation of a request into an evaluation task and of its outcome into
// a response.

import { posix } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EvalJob, ErrorBody } from '../workers/evaluate-json.js';
import { type CancelSignal, CancelledError, type EvalPool, OverloadedError, type TaskOutcome } from '../workers/pool.js';
import type { ServiceMetrics } from './metrics.js';
import type { EvalRequest, JobsetRequest } from './schemas.js';
import type { JobsetJobSpec } from '../workers/jobset-runner.js';
import type { JobStore } from './job-store.js';
import { answerMembers, answerTag, cachedStats, errorJson, outcomeMembers, outcomeStatus } from './outcome.js';
import { type CachedAnswer, matchesTag, type ResultCache } from './result-cache.js';

/** Server maximums (and defaults) of the limits a request may ask for. */
export interface ServiceLimits {
  /** Synchronous evaluations (`/v1/eval`, `/v1/eval/batch`). */
  timeoutMs: number;
  /** Asynchronous jobs. */
  jobTimeoutMs: number;
  maxMemoryMb: number;
  maxOutputBytes: number;
}

export interface ServiceConfig {
  limits: ServiceLimits;
  /** Directories of the server's filesystem an evaluation may read. */
  allowedRoots: string[];
  /** Most evaluations in one batch. */
  batchMax: number;
  /** Seconds a client is told to wait when the service sheds load. */
  retryAfterSeconds: number;
  /** How often a streamed jobset reports its progress (ms). */
  progressIntervalMs: number;
}

export interface Service {
  config: ServiceConfig;
  pool: EvalPool;
  jobs: JobStore;
  metrics: ServiceMetrics;
  /** Answers of pure evaluations (result-cache.ts). */
  results: ResultCache;
}

/** An error the routes answer with a status and an error body. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly kind: ErrorBody['kind'] | 'bad-request' | 'not-found' | 'overloaded', message: string) {
    super(message);
  }
}

/**
 * The posted files must make a tree, as the worker resolves their names (from /): each names a
 * file (not / itself, as the empty name does), no two the same one, and none is the directory
 * of another (`/a` and `/a/b`), which would silently have made one of them something else.
 */
export function checkFiles(files: Readonly<Record<string, string>> | undefined): void {
  if (files === undefined) return;
  const given = new Map<string, string>();
  for (const name of Object.keys(files)) {
    const path = posix.resolve('/', name);
    if (path === '/') throw new HttpError(400, 'bad-request', `\`files\`: ${JSON.stringify(name)} names the root directory, not a file`);
    const other = given.get(path);
    if (other !== undefined) throw new HttpError(400, 'bad-request', `\`files\`: ${JSON.stringify(other)} and ${JSON.stringify(name)} name the same file, ${path}`);
    given.set(path, name);
  }
  for (const [path, name] of given) {
    for (let dir = posix.dirname(path); dir !== '/'; dir = posix.dirname(dir)) {
      const file = given.get(dir);
      if (file !== undefined) throw new HttpError(400, 'bad-request', `\`files\`: ${JSON.stringify(file)} is a file, so ${JSON.stringify(name)} cannot be in it`);
    }
  }
}

/** The evaluation task for a request, with its limits capped by the server's. */
export function toEvalJob(body: EvalRequest, config: ServiceConfig, timeoutMax: number): EvalJob {
  const hasExpr = body.expr !== undefined;
  const hasFile = body.file !== undefined;
  if (hasExpr === hasFile) throw new HttpError(400, 'bad-request', 'give exactly one of `expr` and `file`');
  checkFiles(body.files);
  const l = body.limits ?? {};
  const cap = (v: number | undefined, max: number): number => (v === undefined ? max : Math.min(v, max));
  return {
    expr: body.expr,
    file: body.file,
    attrPath: body.attrPath,
    args: body.args,
    argstrs: body.argstrs,
    strict: body.strict ?? true,
    searchPath: body.searchPath,
    files: body.files,
    allowedRoots: config.allowedRoots,
    timeoutMs: cap(l.timeoutMs, timeoutMax),
    maxMemoryMb: cap(l.maxMemoryMb, config.limits.maxMemoryMb),
    maxOutputBytes: cap(l.maxOutputBytes, config.limits.maxOutputBytes),
    maxCallDepth: l.maxCallDepth,
  };
}

/**
 * The jobset for a request: what to evaluate and report, each attribute's limits capped by the
 * server's (an attribute may take as long as a job), the whole jobset's time by the server's
 * job maximum, and the worker heap past which workers are replaced by what leaves room for one
 * more attribute under the worker's heap limit.
 */
export function toJobsetSpec(body: JobsetRequest, config: ServiceConfig, workerHeapMb: number): JobsetJobSpec {
  if ((body.expr !== undefined) === (body.file !== undefined)) throw new HttpError(400, 'bad-request', 'give exactly one of `expr` and `file`');
  checkFiles(body.files);
  const l = body.limits ?? {};
  const cap = (v: number | undefined, dflt: number, max: number): number => Math.min(v ?? dflt, max);
  const maxMemoryMb = cap(l.maxMemoryMb, config.limits.maxMemoryMb, config.limits.maxMemoryMb);
  const workerRoom = jobsetWorkerRoom(workerHeapMb, maxMemoryMb);
  return {
    expr: body.expr,
    file: body.file,
    attrPath: body.attrPath,
    select: body.select,
    apply: body.apply,
    args: body.args,
    argstrs: body.argstrs,
    searchPath: body.searchPath,
    files: body.files,
    allowedRoots: config.allowedRoots,
    flags: {
      forceRecurse: body.forceRecurse, meta: body.meta, showInputDrvs: body.showInputDrvs, constituents: body.constituents,
    },
    timeoutMs: cap(l.timeoutMs, config.limits.timeoutMs, config.limits.jobTimeoutMs),
    maxMemoryMb,
    maxOutputBytes: cap(l.maxOutputBytes, config.limits.maxOutputBytes, config.limits.maxOutputBytes),
    maxCallDepth: l.maxCallDepth,
    maxWorkerMemoryMb: cap(l.maxWorkerMemoryMb, workerRoom, workerRoom),
    totalTimeoutMs: cap(l.totalTimeoutMs, config.limits.jobTimeoutMs, config.limits.jobTimeoutMs),
  };
}

/** The most heap (MiB) a jobset's worker may keep between attributes: room for one more under its limit. */
export function jobsetWorkerRoom(workerHeapMb: number, maxMemoryMb: number): number {
  return Math.max(16, workerHeapMb - maxMemoryMb);
}

/** Answers with JSON text that is already serialised. */
export function sendJson(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(text);
}

/** Answers with an error body; 503s carry Retry-After. */
export function sendError(reply: FastifyReply, status: number, kind: string, message: string, retryAfter?: number): FastifyReply {
  reply.request.outcome = kind;
  if (status === 503 || status === 429) reply.header('retry-after', String(retryAfter ?? 1));
  return reply.code(status).type('application/json; charset=utf-8').send(errorJson(kind, message));
}

/**
 * Aborted when the client goes away before its answer is sent (the connection closes):
 * its evaluation is then dropped from the queue, or stopped. Not an AbortController: one per
 * request, with its EventTarget, cost the main thread more than the rest of the hop.
 */
export function clientGone(reply: FastifyReply): CancelSignal {
  return new ClientGone(reply.raw);
}

class ClientGone implements CancelSignal {
  aborted = false;
  private listeners: (() => void)[] = [];

  constructor(res: FastifyReply['raw']) {
    res.once('close', () => {
      if (res.writableFinished) return;
      this.aborted = true;
      for (const l of this.listeners.splice(0)) l();
    });
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }
}

/** The answer to a request whose client has gone: not delivered, but logged as such. */
export function answerGone(reply: FastifyReply): FastifyReply {
  reply.request.outcome = 'client-gone';
  return reply.code(499).send();
}

/** The answer with its ETag; 304 (no body) when the client's `If-None-Match` names that tag. */
function sendTagged(req: FastifyRequest, reply: FastifyReply, status: number, etag: string, text: () => string): FastifyReply {
  reply.header('etag', etag);
  if (matchesTag(req.headers['if-none-match'], etag)) return reply.code(304).send();
  return sendJson(reply, status, text());
}

/**
 * Runs one request's evaluation and answers it, from the result cache when it holds the
 * answer (unless the request says `Cache-Control: no-cache`), keeping it there when it may.
 */
export async function evaluateAndReply(svc: Service, req: FastifyRequest, reply: FastifyReply, body: EvalRequest): Promise<FastifyReply> {
  const t0 = performance.now();
  const job = toEvalJob(body, svc.config, svc.config.limits.timeoutMs);
  const { key, hit } = lookUpAnswer(svc, job, req);
  if (hit !== undefined) {
    req.outcome = hit.outcome;
    return sendTagged(req, reply, hit.status, hit.etag, () => `{${hit.members},"stats":${cachedStats(performance.now() - t0)}}`);
  }
  let out: TaskOutcome;
  try {
    out = await svc.pool.run(job, { reqId: String(req.id), signal: clientGone(reply) });
  } catch (e) {
    if (e instanceof OverloadedError) {
      svc.metrics.shed.inc({ reason: e.reason });
      return sendError(reply, 503, 'overloaded', e.message, svc.config.retryAfterSeconds);
    }
    if (e instanceof CancelledError) return answerGone(reply);
    throw e;
  }
  svc.metrics.recordOutcome(out);
  req.outcome = out.ok ? 'ok' : out.error.kind;
  const status = outcomeStatus(out);
  const { members, etag } = keepAnswer(svc, key, out);
  return sendTagged(req, reply, status, etag, () => `{${outcomeMembers(out, performance.now() - t0, members)}}`);
}

/**
 * The result cache's key for a job and the answer it holds, if any; a request with
 * `Cache-Control: no-cache` gets none (its answer is evaluated, and kept, anew).
 */
export function lookUpAnswer(svc: Service, job: EvalJob, req: FastifyRequest): { key?: string; hit?: CachedAnswer } {
  if (!svc.results.enabled) return {};
  const key = svc.results.keyOf(job);
  if (wantsFresh(req)) return { key };
  return { key, hit: svc.results.get(key) };
}

/** Whether the request says `Cache-Control: no-cache`: evaluate, rather than answer from the result cache. */
export function wantsFresh(req: FastifyRequest): boolean {
  return /\bno-cache\b/i.test(String(req.headers['cache-control'] ?? ''));
}

/** An outcome's answer (but its stats) and its tag, kept in the result cache when it may be. */
export function keepAnswer(svc: Service, key: string | undefined, out: TaskOutcome): { members: string; etag: string } {
  const members = answerMembers(out);
  const etag = answerTag(out, members);
  if (key !== undefined) svc.results.offer(key, out, { status: outcomeStatus(out), members, etag, outcome: out.ok ? 'ok' : out.error.kind });
  return { members, etag };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** How the request ended (ok, or an error kind), for the request's log line. */
    outcome?: string;
  }
}
