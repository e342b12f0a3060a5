// What the routes share: the server's configuration, the worker pool, the job store and the
// metrics; and the translation of a request into an evaluation task and of its outcome into
// a response.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EvalJob, ErrorBody } from '../workers/evaluate-json.js';
import { CancelledError, type EvalPool, OverloadedError, type TaskOutcome } from '../workers/pool.js';
import type { ServiceMetrics } from './metrics.js';
import type { EvalRequest, JobsetRequest } from './schemas.js';
import type { JobsetJobSpec } from '../workers/jobset-runner.js';
import type { JobStore } from './job-store.js';

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
}

/** An error the routes answer with a status and an error body. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly kind: ErrorBody['kind'] | 'bad-request' | 'not-found' | 'overloaded', message: string) {
    super(message);
  }
}

/** The evaluation task for a request, with its limits capped by the server's. */
export function toEvalJob(body: EvalRequest, config: ServiceConfig, timeoutMax: number): EvalJob {
  const hasExpr = body.expr !== undefined;
  const hasFile = body.file !== undefined;
  if (hasExpr === hasFile) throw new HttpError(400, 'bad-request', 'give exactly one of `expr` and `file`');
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

/** The HTTP status of an evaluation outcome. */
export function outcomeStatus(out: TaskOutcome): number {
  if (out.ok) return 200;
  return out.error.kind === 'internal' ? 500 : 422;
}

function statsOf(out: TaskOutcome, durationMs: number): Record<string, number> {
  const s: Record<string, number> = {
    durationMs: Math.round(durationMs * 1000) / 1000,
    queueMs: out.queueMs,
    ...out.stats,
  };
  if (out.worker !== undefined) s.worker = out.worker;
  return s;
}

/**
 * The members of a response for an outcome, as JSON text without the braces. The value is
 * spliced in as the evaluator printed it (not parsed and printed again), so integers keep
 * all their 64 bits and large results are not copied twice.
 */
export function outcomeMembers(out: TaskOutcome, durationMs: number): string {
  if (out.ok) {
    return `"value":${out.json},"warnings":${JSON.stringify(out.warnings)},"traces":${JSON.stringify(out.traces)},"stats":${JSON.stringify(statsOf(out, durationMs))}`;
  }
  return `"error":${JSON.stringify(out.error)},"warnings":${JSON.stringify(out.warnings)},"traces":${JSON.stringify(out.traces)},"stats":${JSON.stringify(statsOf(out, durationMs))}`;
}

export function errorJson(kind: string, message: string): string {
  return JSON.stringify({ error: { kind, message } });
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

/** Runs one request's evaluation and answers it. */
export async function evaluateAndReply(svc: Service, req: FastifyRequest, reply: FastifyReply, body: EvalRequest): Promise<FastifyReply> {
  const t0 = performance.now();
  const job = toEvalJob(body, svc.config, svc.config.limits.timeoutMs);
  let out: TaskOutcome;
  try {
    out = await svc.pool.run(job, { reqId: String(req.id) });
  } catch (e) {
    if (e instanceof OverloadedError) {
      svc.metrics.shed.inc({ reason: 'queue-full' });
      return sendError(reply, 503, 'overloaded', e.message, svc.config.retryAfterSeconds);
    }
    if (e instanceof CancelledError) return sendError(reply, 500, 'cancelled', e.message);
    throw e;
  }
  svc.metrics.recordOutcome(out);
  req.outcome = out.ok ? 'ok' : out.error.kind;
  const status = outcomeStatus(out);
  return sendJson(reply, status, `{${outcomeMembers(out, performance.now() - t0)}}`);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** How the request ended (ok, or an error kind), for the request's log line. */
    outcome?: string;
  }
}
