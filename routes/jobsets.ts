// POST /v1/jobsets: a jobset evaluated on the worker pool and streamed as its lines are produced,
// as NDJSON (one line per attribute, nix-eval-jobs' format) or, for `Accept: text/event-stream`,
// as server-sent events: `attribute` (a line), `progress` (every second), and `end`.
// The jobset lives as long as its response: a client that goes away stops it.

import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponse, JobsetLine, JobsetRequest } from './schemas.js';
import { type Service, sendError, toJobsetSpec, wantsFresh } from './service.js';
import { type JobsetJobSpec, JobsetRun, stoppedLine } from '../workers/jobset-runner.js';

/**
 * Starts a jobset on the service's pool, its attributes looked up in the result cache (unless
 * `noCache`) and kept there.
 */
export function startJobset(svc: Service, spec: JobsetJobSpec, reqId: string, sink: { onLine(line: string, failed: boolean): void; ready?(): Promise<void> | undefined }, noCache = false): JobsetRun {
  return JobsetRun.onPool(svc.pool, spec, reqId, {
    onLine: (line, failed) => {
      svc.metrics.jobsetAttributes.inc({ outcome: failed ? 'error' : 'derivation' });
      sink.onLine(line, failed);
    },
    ready: sink.ready,
  }, svc.results.attributes(spec, !noCache));
}

export async function jobsetRoutes(app: FastifyInstance, opts: { service: Service }): Promise<void> {
  const svc = opts.service;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post('/v1/jobsets', {
    schema: {
      summary: 'Evaluate a jobset, streamed',
      description: 'Walks the attribute tree under the value (sets with `recurseForDerivations = true`, or every set with `forceRecurse`) on the worker pool, '
        + 'and streams one line per derivation or failed attribute as it is produced: NDJSON (`application/x-ndjson`), or with `Accept: text/event-stream` '
        + 'server-sent events `attribute` (a line), `progress` (every second: attributes done, failed, queued, running) and `end` (the summary). '
        + 'A failed attribute is its own line and stops nothing else. If the jobset stops before its end (its time limit, a shutdown), '
        + 'the NDJSON stream ends with a line `{"error": {...}}` without `attr`. Closing the connection stops the jobset.',
      tags: ['jobsets'],
      operationId: 'evaluateJobset',
      body: Type.Ref(JobsetRequest),
      produces: ['application/x-ndjson', 'text/event-stream'],
      response: {
        200: {
          description: 'The lines, as they are produced.',
          content: {
            'application/x-ndjson': { schema: Type.Ref(JobsetLine) },
            'text/event-stream': { schema: Type.String({ description: 'Events `attribute` (data: a line), `progress` (data: JobsetProgress) and `end` (data: the summary: state, done, failed, elapsedMs, and error when the jobset stopped before its end).' }) },
          },
        },
        400: Type.Ref(ErrorResponse, { description: 'Malformed request.' }),
        413: Type.Ref(ErrorResponse, { description: 'The request body is larger than the server takes.' }),
        429: Type.Ref(ErrorResponse, { description: 'Too many requests from this client; see Retry-After.' }),
        503: Type.Ref(ErrorResponse, { description: 'The pool\'s queue is full, or the server is shutting down; see Retry-After.' }),
      },
    },
  }, async (req, reply) => {
    if (svc.pool.saturated('job')) {
      svc.metrics.shed.inc({ reason: svc.pool.isClosed ? 'shutdown' : 'queue-full' });
      return sendError(reply, 503, 'overloaded', svc.pool.isClosed ? 'the server is shutting down' : 'the evaluation queue is full; try again later', svc.config.retryAfterSeconds);
    }
    const sse = /\btext\/event-stream\b/.test(req.headers.accept ?? '');
    const out = new PassThrough();
    const write = (text: string): void => {
      if (!out.destroyed && !out.writableEnded) out.write(text);
    };
    const run = startJobset(svc, toJobsetSpec(req.body, svc.config, svc.pool.workerHeapMb), String(req.id), {
      onLine: (line) => write(sse ? `event: attribute\ndata: ${line}\n\n` : `${line}\n`),
      // A client that reads slowly holds the walk back instead of the lines piling up here.
      ready: () => (out.writableNeedDrain ? once(out, 'drain').then(() => undefined, () => undefined) : undefined),
    }, wantsFresh(req));
    const progress = (): void => write(`event: progress\ndata: ${JSON.stringify(run.progress())}\n\n`);
    const timer = sse ? setInterval(progress, svc.config.progressIntervalMs) : undefined;
    // The answer starts at once, whether or not a worker is free: a jobset that waits behind
    // others is seen to be taken (events: its progress, `queued`), not a silent connection.
    if (sse) progress();
    let finished = false;
    reply.raw.on('close', () => {
      if (!finished) run.cancel();
    });
    void run.done.then((summary) => {
      finished = true;
      if (timer !== undefined) clearInterval(timer);
      req.outcome = summary.state === 'succeeded' ? 'ok' : summary.error?.kind ?? summary.state;
      if (sse) {
        progress();
        write(`event: end\ndata: ${JSON.stringify(summary)}\n\n`);
      } else {
        const stopped = stoppedLine(summary);
        if (stopped !== undefined) write(`${stopped}\n`);
      }
      out.end();
    });
    // A stream is sent as it is, not serialised by the response schema. Node sends a stream's
    // status and headers with its first bytes; NDJSON has none until a line is done, so they
    // are sent once Fastify has set them.
    setImmediate(() => {
      if (!reply.raw.headersSent && !reply.raw.destroyed && reply.raw.hasHeader('content-type')) reply.raw.flushHeaders();
    });
    return (reply as FastifyReply)
      .header('cache-control', 'no-cache')
      .header('x-accel-buffering', 'no')
      .type(sse ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .send(out);
  });
}
