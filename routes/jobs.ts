// Asynchronous jobs for long evaluations: POST /v1/jobs, GET /v1/jobs/:id, DELETE /v1/jobs/:id.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponse, EvalRequest, Job, JobCreated, JobParams } from './schemas.js';
import { type Service, sendError, sendJson, toEvalJob } from './service.js';
import { OverloadedError } from '../workers/pool.js';

export async function jobRoutes(app: FastifyInstance, opts: { service: Service }): Promise<void> {
  const svc = opts.service;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const notFound = Type.Ref(ErrorResponse, { description: 'No such job (or it has expired).' });

  r.post('/v1/jobs', {
    schema: {
      summary: 'Submit an evaluation as a job',
      description: 'Queues the evaluation and answers at once with the job\'s id. The job\'s timeout may be as long as the server\'s job maximum. '
        + 'The result is kept for the server\'s TTL after the job finishes.',
      tags: ['jobs'],
      body: Type.Ref(EvalRequest),
      response: {
        202: Type.Ref(JobCreated, { description: 'The job is queued; poll its location.' }),
        400: Type.Ref(ErrorResponse, { description: 'Malformed request.' }),
        429: Type.Ref(ErrorResponse, { description: 'Too many requests from this client; see Retry-After.' }),
        503: Type.Ref(ErrorResponse, { description: 'The queue (or the job store) is full, or the server is shutting down; see Retry-After.' }),
      },
    },
  }, async (req, reply) => {
    const job = toEvalJob(req.body, svc.config, svc.config.limits.jobTimeoutMs);
    try {
      const { id, state } = await svc.jobs.submit(job, String(req.id));
      req.outcome = 'queued';
      const location = `/v1/jobs/${id}`;
      return reply.code(202).header('location', location).send({ id, state, location });
    } catch (e) {
      if (e instanceof OverloadedError) {
        svc.metrics.shed.inc({ reason: 'queue-full' });
        return sendError(reply, 503, 'overloaded', e.message, svc.config.retryAfterSeconds);
      }
      throw e;
    }
  });

  r.get('/v1/jobs/:id', {
    schema: {
      summary: 'Poll a job',
      description: 'The job\'s state (queued, running, succeeded, failed, cancelled) and, once finished, its result or error.',
      tags: ['jobs'],
      params: JobParams,
      response: { 200: Type.Ref(Job, { description: 'The job.' }), 404: notFound },
    },
  }, async (req, reply) => {
    const json = await svc.jobs.getJson(req.params.id);
    if (json === undefined) return sendError(reply, 404, 'not-found', `no job '${req.params.id}' (unknown, or expired)`);
    return sendJson(reply, 200, json);
  });

  r.delete('/v1/jobs/:id', {
    schema: {
      summary: 'Cancel (or forget) a job',
      description: 'An unfinished job is cancelled and its evaluation stopped (taken off the queue, or its worker stopped and replaced); it is then kept as `cancelled` for the TTL. '
        + 'A finished job is forgotten. Answers with the job as it is then.',
      tags: ['jobs'],
      params: JobParams,
      response: { 200: Type.Ref(Job, { description: 'The job, cancelled (or as it was when forgotten).' }), 404: notFound },
    },
  }, async (req, reply) => {
    const json = await svc.jobs.cancel(req.params.id);
    if (json === undefined) return sendError(reply, 404, 'not-found', `no job '${req.params.id}' (unknown, or expired)`);
    req.outcome = 'cancelled';
    return sendJson(reply, 200, json);
  });
}
