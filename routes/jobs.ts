// Asynchronous jobs for long evaluations and jobsets: POST /v1/jobs, GET /v1/jobs/:id,
// GET /v1/jobs/:id/results (a jobset's lines), DELETE /v1/jobs/:id.

import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponse, Job, JobCreated, JobParams, JobRequest, JobsetLine } from './schemas.js';
import { type Service, sendError, sendJson, toEvalJob, toJobsetSpec } from './service.js';
import { OverloadedError } from '../workers/pool.js';

export async function jobRoutes(app: FastifyInstance, opts: { service: Service }): Promise<void> {
  const svc = opts.service;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const notFound = Type.Ref(ErrorResponse, { description: 'No such job (or it has expired).' });
  // Streams following a jobset's lines: ended when the server closes (the jobset may go on
  // elsewhere, on Redis's workers; its follower resumes from the lines it has).
  const following = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of following) end();
    done();
  });

  r.post('/v1/jobs', {
    schema: {
      summary: 'Submit an evaluation or a jobset as a job',
      description: 'Queues the evaluation and answers at once with the job\'s id. The job\'s timeout may be as long as the server\'s job maximum. '
        + 'The result is kept for the server\'s TTL after the job finishes. With `"kind": "jobset"`, the job is a jobset (as POST /v1/jobsets takes it): '
        + 'its progress shows in the job, and its lines are read, as they come, from GET /v1/jobs/:id/results.',
      tags: ['jobs'],
      body: JobRequest,
      response: {
        202: Type.Ref(JobCreated, { description: 'The job is queued; poll its location.' }),
        400: Type.Ref(ErrorResponse, { description: 'Malformed request.' }),
        429: Type.Ref(ErrorResponse, { description: 'Too many requests from this client; see Retry-After.' }),
        503: Type.Ref(ErrorResponse, { description: 'The queue (or the job store) is full, or the server is shutting down; see Retry-After.' }),
      },
    },
  }, async (req, reply) => {
    const { kind, ...body } = req.body;
    try {
      const { id, state } = kind === 'jobset'
        ? await svc.jobs.submitJobset(toJobsetSpec(body, svc.config, svc.pool.workerHeapMb), String(req.id))
        : await svc.jobs.submit(toEvalJob(body, svc.config, svc.config.limits.jobTimeoutMs), String(req.id));
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

  r.get('/v1/jobs/:id/results', {
    schema: {
      summary: 'Read a jobset job\'s lines',
      description: 'The lines of a jobset job (`application/x-ndjson`, one per attribute, as POST /v1/jobsets streams them) from `offset` (the number of lines already read) on. '
        + 'Without `follow`, the lines there are now, and the header `x-next-offset` says where to resume; with `follow=true`, the stream stays open and gives each line as it comes, until the jobset ends. '
        + 'A jobset that stopped before its end (its time limit, its size limit, a shutdown) ends with a line `{"error": {...}}` without `attr`.',
      tags: ['jobs'],
      params: JobParams,
      // Query strings are not coerced (the server validates without coercion): digits, and true/false.
      querystring: Type.Object({
        offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Lines to skip: those already read (default 0).' })),
        follow: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'Keep the stream open for the lines still to come (default false).' })),
      }),
      produces: ['application/x-ndjson'],
      response: {
        200: { description: 'The lines from the offset on.', content: { 'application/x-ndjson': { schema: Type.Ref(JobsetLine) } } },
        404: Type.Ref(ErrorResponse, { description: 'No such jobset job (or it has expired, or it is an evaluation).' }),
      },
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const offset = Number(req.query.offset ?? '0');
    const first = await svc.jobs.jobsetLines(id, offset);
    if (first === undefined) return sendError(reply, 404, 'not-found', `no jobset job '${id}' (unknown, expired, or not a jobset)`);
    const typed = (reply as FastifyReply).type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-cache');
    const text = (lines: string[]): string => lines.map((l) => `${l}\n`).join('');
    if (req.query.follow !== 'true') {
      typed.header('x-next-offset', String(offset + first.lines.length));
      return typed.send(text(first.lines));
    }
    // Following: what is there, then the lines as they come, until the jobset is over. Reads do
    // not overlap: a change during a read makes another read after it.
    const out = new PassThrough();
    let next = offset + first.lines.length;
    let reading = false;
    let changed = false;
    const finish = (): void => {
      stopWatching();
      following.delete(finish);
      out.end();
    };
    const read = async (): Promise<void> => {
      if (reading) {
        changed = true;
        return;
      }
      reading = true;
      try {
        do {
          changed = false;
          const got = await svc.jobs.jobsetLines(id, next);
          if (out.destroyed) return;
          if (got === undefined) return finish();
          next += got.lines.length;
          if (got.lines.length > 0) out.write(text(got.lines));
          if (got.finished) return finish();
        } while (changed);
      } catch (e) {
        // The store stopped answering (Redis went away): the client resumes from what it has.
        req.log.warn({ err: e }, 'following a jobset\'s lines stopped');
        finish();
      } finally {
        reading = false;
      }
    };
    const stopWatching = svc.jobs.watchJobset(id, () => void read());
    following.add(finish);
    reply.raw.on('close', () => {
      stopWatching();
      following.delete(finish);
    });
    if (first.lines.length > 0) out.write(text(first.lines));
    if (first.finished) finish();
    else void read();
    return typed.send(out);
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
