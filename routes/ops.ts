// Operations: GET /ready (the pool is up and its queue has room; with Redis, Redis answers)
// and GET /metrics (Prometheus).

import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Service } from './service.js';

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not-ready')]),
  reason: Type.Optional(Type.String()),
  workers: Type.Integer({ description: 'Worker threads alive.' }),
  busyWorkers: Type.Integer(),
  queued: Type.Integer({ description: 'Evaluations waiting for a worker.' }),
  queueCapacity: Type.Integer(),
  jobQueue: Type.Optional(Type.Object({
    reachable: Type.Boolean({ description: 'Whether Redis answers.' }),
    waiting: Type.Integer(),
    active: Type.Integer(),
    failed: Type.Integer(),
    workers: Type.Integer({ description: 'Worker processes connected.' }),
  }, { description: 'With Redis: the shared job queue.' })),
});

export async function opsRoutes(app: FastifyInstance, opts: { service: Service; closing: () => boolean }): Promise<void> {
  const svc = opts.service;

  app.get('/ready', {
    schema: {
      summary: 'Readiness',
      description: 'Ready when the worker pool is up and its queue is not full (and, with Redis, Redis answers); 503 otherwise (also while shutting down).',
      tags: ['operations'],
      response: { 200: Readiness, 503: Readiness },
    },
  }, async (_req, reply) => {
    const pool = svc.pool;
    const jobQueue = await svc.jobs.queueStatus?.();
    const base = { workers: pool.threads, busyWorkers: pool.busy, queued: pool.queued, queueCapacity: pool.maxQueue, jobQueue };
    let reason: string | undefined;
    if (opts.closing() || pool.isClosed) reason = 'shutting down';
    else if (pool.threads === 0) reason = 'no worker is up';
    else if (pool.saturated) reason = 'the evaluation queue is full';
    else if (jobQueue && !jobQueue.reachable) reason = 'Redis (the job queue) does not answer';
    if (reason !== undefined) {
      reply.header('retry-after', String(svc.config.retryAfterSeconds));
      return reply.code(503).send({ status: 'not-ready', reason, ...base });
    }
    return { status: 'ready', ...base };
  });

  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics',
      description: 'Request counts and latencies, queue depth, busy workers, evaluations and their errors by kind, import-cache lookups, jobs (with Redis: the job queue).',
      tags: ['operations'],
      produces: ['text/plain'],
      response: { 200: { description: 'Prometheus text exposition format.', type: 'string' } },
    },
  }, async (_req, reply) => {
    const text = await svc.metrics.registry.metrics();
    return reply.type(svc.metrics.registry.contentType).send(text);
  });
}
