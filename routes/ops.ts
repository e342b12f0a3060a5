// Operations: GET /ready (the pool is up and its queue has room; with Redis, Redis answers)
// and GET /metrics (Prometheus).

import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Service } from './service.js';

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not-ready')]),
  reason: Type.Optional(Type.String()),
  workers: Type.Integer({ description: 'Worker threads alive.' }),
  busyWorkers: Type.Integer({ description: 'Workers running an evaluation (jobs included).' }),
  jobWorkers: Type.Integer({ description: 'Workers running a job (at most all workers but one).' }),
  queued: Type.Integer({ description: 'Synchronous evaluations waiting for a worker.' }),
  queuedJobs: Type.Integer({ description: 'Jobs waiting for a worker.' }),
  queueCapacity: Type.Integer({ description: 'Evaluations of each kind that may wait.' }),
  jobQueue: Type.Optional(Type.Object({
    reachable: Type.Boolean({ description: 'Whether Redis answers.' }),
    waiting: Type.Integer(),
    active: Type.Integer(),
    failed: Type.Integer(),
    workers: Type.Integer({ description: 'Worker processes connected.' }),
  }, { description: 'With Redis: the shared job queue.' })),
});

export async function opsRoutes(app: FastifyInstance, opts: { service: Service; closing: () => boolean; pressure?: () => string | undefined }): Promise<void> {
  const svc = opts.service;

  app.get('/ready', {
    schema: {
      summary: 'Readiness',
      description: 'Ready when a new `/v1/eval` can start soon: the workers are up, not all of them run jobs, the queue has room, its oldest evaluation has not waited long and the event loop does not lag (and, with Redis, Redis answers). 503 otherwise (also while shutting down).',
      tags: ['operations'],
      operationId: 'ready',
      response: { 200: { ...Readiness, description: 'Ready.' }, 503: { ...Readiness, description: 'Not ready; see Retry-After.' } },
    },
  }, async (_req, reply) => {
    const pool = svc.pool;
    const jobQueue = await svc.jobs.queueStatus?.();
    const base = {
      workers: pool.threads, busyWorkers: pool.busy, jobWorkers: pool.busyWithJobs,
      queued: pool.queuedOf('sync'), queuedJobs: pool.queuedOf('job'), queueCapacity: pool.maxQueue, jobQueue,
    };
    let r = opts.closing() ? { ready: false, reason: 'shutting down' } : pool.readiness();
    if (r.ready && jobQueue && !jobQueue.reachable) r = { ready: false, reason: 'Redis (the job queue) does not answer' };
    const lag = r.ready ? opts.pressure?.() : undefined;
    if (lag !== undefined) r = { ready: false, reason: `${lag}: /v1 work is shed` };
    if (!r.ready) {
      reply.header('retry-after', String(svc.config.retryAfterSeconds));
      return reply.code(503).send({ status: 'not-ready', reason: r.reason, ...base });
    }
    return { status: 'ready', ...base };
  });

  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics',
      description: 'Request counts and latencies, queue depth, busy workers, evaluations and their errors by kind, import-cache lookups, jobs (with Redis: the job queue).',
      tags: ['operations'],
      operationId: 'metrics',
      produces: ['text/plain'],
      response: { 200: { description: 'Prometheus text exposition format.', type: 'string' } },
    },
  }, async (_req, reply) => {
    const text = await svc.metrics.registry.metrics();
    return reply.type(svc.metrics.registry.contentType).send(text);
  });
}
