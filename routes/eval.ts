// POST /v1/eval and POST /v1/eval/batch: synchronous evaluations on the worker pool.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { BatchRequest, BatchResponse, ErrorResponse, EvalFailure, EvalRequest, EvalResult } from './schemas.js';
import {
  answerGone, clientGone, evaluateAndReply, HttpError, keepAnswer, lookUpAnswer, type Service, sendError, sendJson, toEvalJob,
} from './service.js';
import { cachedStats, errorJson, outcomeMembers, outcomeStatus } from './outcome.js';
import { CancelledError, OverloadedError, type TaskOutcome } from '../workers/pool.js';

const busy = Type.Ref(ErrorResponse, { description: 'The queue of evaluations is full, no worker was free within the request\'s time limit, the server is under pressure, or it is shutting down; see Retry-After.' });
const tooLarge = Type.Ref(ErrorResponse, { description: 'The request body is larger than the server takes.' });
const bad = Type.Ref(ErrorResponse, { description: 'Malformed request.' });
const tooMany = Type.Ref(ErrorResponse, { description: 'Too many requests from this client; see Retry-After.' });

export async function evalRoutes(app: FastifyInstance, opts: { service: Service }): Promise<void> {
  const svc = opts.service;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post('/v1/eval', {
    schema: {
      summary: 'Evaluate an expression or a file',
      description: 'Evaluates on the worker pool and answers with the value as `nix-instantiate --eval --json` prints it. '
        + 'An evaluation error, or a limit exceeded (`timeout`, `memory-limit`, `output-limit`), is a 422 with the error\'s kind, message, position and trace. '
        + 'The answer of a pure evaluation (no clock, no file of the server\'s) is kept in the result cache and given again without evaluating (`stats.cached`); '
        + 'every 200 and 422 carries an `ETag`, the hash of the answer without its `stats`.',
      tags: ['evaluation'],
      operationId: 'evaluate',
      headers: Type.Object({
        'if-none-match': Type.Optional(Type.String({ description: 'An ETag of an earlier answer: 304 without a body when the answer has that tag (from the cache, without evaluating).' })),
        'cache-control': Type.Optional(Type.String({ description: '`no-cache`: evaluate again rather than answer from the result cache.' })),
      }),
      body: Type.Ref(EvalRequest),
      response: {
        200: Type.Ref(EvalResult, { description: 'The value, with warnings, traces and timings.' }),
        304: { description: 'Not modified: the answer has the tag `If-None-Match` named.', type: 'null' },
        400: bad,
        413: tooLarge,
        422: Type.Ref(EvalFailure, { description: 'The evaluation failed or exceeded a limit.' }),
        429: tooMany,
        500: Type.Ref(EvalFailure, { description: 'The worker failed.' }),
        503: busy,
      },
    },
  }, async (req, reply) => evaluateAndReply(svc, req, reply, req.body));

  r.post('/v1/eval/batch', {
    schema: {
      summary: 'Evaluate many expressions in one request',
      description: 'Runs the evaluations in parallel on the pool and answers with one result per request, in order, each with the status it would have had on its own. '
        + 'The items share the server\'s output limit: each may produce at most its share of it.',
      tags: ['evaluation'],
      operationId: 'evaluateBatch',
      body: Type.Ref(BatchRequest),
      response: {
        200: Type.Ref(BatchResponse, { description: 'One result per request, in order.' }),
        400: bad,
        413: tooLarge,
        429: tooMany,
        503: busy,
      },
    },
  }, async (req, reply) => {
    const t0 = performance.now();
    const items = req.body.requests;
    if (items.length > svc.config.batchMax) {
      return sendError(reply, 400, 'bad-request', `a batch holds at most ${svc.config.batchMax} requests (got ${items.length})`);
    }
    // The batch's output is bounded like one result's: the items share the server's maximum.
    const share = Math.ceil(svc.config.limits.maxOutputBytes / items.length);
    const jobs = items.map((body) => {
      try {
        const job = toEvalJob(body, svc.config, svc.config.limits.timeoutMs);
        job.maxOutputBytes = Math.min(job.maxOutputBytes, share);
        return job;
      } catch (e) {
        if (e instanceof HttpError) return e;
        throw e;
      }
    });
    const runnable = jobs.filter((j) => !(j instanceof HttpError)).length;
    if (svc.pool.isClosed || svc.pool.wouldOverflow(runnable)) {
      svc.metrics.shed.inc({ reason: svc.pool.isClosed ? 'shutdown' : 'queue-full' });
      return sendError(reply, 503, 'overloaded', svc.pool.isClosed ? 'the server is shutting down' : 'the evaluation queue cannot take this batch now; try again later', svc.config.retryAfterSeconds);
    }
    const signal = clientGone(reply);
    const results = await Promise.all(jobs.map(async (job, i): Promise<string> => {
      if (job instanceof HttpError) return `{"status":${job.statusCode},"error":${JSON.stringify({ kind: job.kind, message: job.message })}}`;
      // Each item is looked up in the result cache (and kept there) as a request of its own.
      const { key, hit } = lookUpAnswer(svc, job, req);
      if (hit !== undefined) return `{"status":${hit.status},${hit.members},"stats":${cachedStats(performance.now() - t0)}}`;
      let out: TaskOutcome;
      try {
        out = await svc.pool.run(job, { reqId: `${req.id}/${i}`, signal });
      } catch (e) {
        if (e instanceof OverloadedError) return `{"status":503,${errorJson('overloaded', e.message).slice(1)}`;
        if (e instanceof CancelledError) return '';
        throw e;
      }
      svc.metrics.recordOutcome(out);
      const { members } = keepAnswer(svc, key, out);
      return `{"status":${outcomeStatus(out)},${outcomeMembers(out, performance.now() - t0, members)}}`;
    }));
    if (signal.aborted) return answerGone(reply);
    req.outcome = 'ok';
    return sendJson(reply, 200, `{"results":[${results.join(',')}]}`);
  });
}
