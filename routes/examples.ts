// Examples of every request and response of the API, for the OpenAPI document: the UI shows
// them and fills "Try it out" with the first request example of a route (which must be a
// request the service accepts: test/reliability/operations.test.ts posts every one).
// They are answers the service gives (only timings and ids differ). `withExamples` puts them
// into the document @fastify/swagger generates, by operationId and status.

/** Named examples of a media type (OpenAPI's `examples`, given to @fastify/swagger as `x-examples`). */
type Named = Record<string, { summary: string; value: unknown }>;

const stats = { durationMs: 3.1, queueMs: 0, evalMs: 1.2, heapGrowthMb: 0.27, importCacheHits: 0, importCacheMisses: 0, worker: 1 };
const error = (kind: string, message: string) => ({ error: { kind, message } });
const one = (summary: string, value: unknown): Named => ({ [summary.replace(/[^a-z0-9]+/gi, '-').toLowerCase()]: { summary, value } });

export const evalRequestExamples: Named = {
  expression: { summary: 'An expression', value: { expr: '{ a = 1; b = [ 2 3 ]; }' } },
  arguments: {
    summary: 'A function called with arguments, then an attribute selected',
    value: { expr: '{ a, b ? 2 }: { sum = a + b; }', args: { a: '40' }, attrPath: 'sum' },
  },
  files: {
    summary: 'Posted files (the evaluation sees only these)',
    value: { file: 'default.nix', files: { 'default.nix': 'import ./lib.nix { x = 41; }', 'lib.nix': '{ x }: x + 1' } },
  },
  limits: {
    summary: 'Smaller limits than the server\'s',
    value: { expr: 'builtins.genList (i: i * i) 10', limits: { timeoutMs: 1000, maxMemoryMb: 64, maxOutputBytes: 4096 } },
  },
};

export const evalResultExamples: Named = one('The value, as nix-instantiate --eval --strict --json prints it', {
  value: { a: 1, b: [2, 3] }, warnings: [], traces: [], stats,
});

export const evalFailureExamples: Named = {
  throw: {
    summary: 'An evaluation error',
    value: {
      error: {
        kind: 'throw', message: 'no',
        rendered: "error:\n       … while calling the 'throw' builtin\n         at «string»:1:1:\n            1| throw \"no\"\n             | ^\n\n       error: no\n",
        position: null,
        trace: [{ message: "while calling the 'throw' builtin", position: { file: '«string»', line: 1, column: 1 } }],
      },
      warnings: [], traces: [], stats,
    },
  },
  memory: {
    summary: 'A limit exceeded',
    value: {
      error: { kind: 'memory-limit', message: 'evaluation used more than its memory limit of 64 MiB (it asked for 1024 MiB more at once)', position: null, trace: [] },
      warnings: [], traces: [], stats,
    },
  },
};

export const internalExamples: Named = one('The worker running the evaluation failed', {
  error: { kind: 'internal', message: 'the worker running the evaluation failed: ...', position: null, trace: [] }, warnings: [], traces: [], stats,
});

export const badRequestExamples: Named = one('Malformed request', error('bad-request', 'give exactly one of `expr` and `file`'));
export const tooManyExamples: Named = one('Rate limited', error('rate-limited', 'rate limit exceeded: at most 6000 requests per 1 minute'));
export const busyExamples: Named = {
  full: { summary: 'The queue is full', value: error('overloaded', 'the evaluation queue is full; try again later') },
  waited: {
    summary: 'No worker within the request\'s time limit',
    value: error('overloaded', 'the evaluation could not start within its time limit of 1000 ms: every worker was busy; try again later'),
  },
  shutdown: { summary: 'Shutting down', value: error('overloaded', 'the server is shutting down') },
};
export const tooLargeExamples: Named = one('Body too large', error('body-too-large', 'Request body is too large'));
export const notFoundExamples: Named = one('No such job', error('not-found', "no job '00000000-0000-0000-0000-000000000000' (unknown, expired, or forgotten to make room)"));

export const batchRequestExamples: Named = one('Two evaluations', { requests: [{ expr: '1 + 1' }, { expr: 'throw "no"' }] });
export const batchResponseExamples: Named = one('One result per request, in order', {
  results: [
    { status: 200, value: 2, warnings: [], traces: [], stats },
    { status: 422, error: { kind: 'throw', message: 'no', position: null, trace: [] }, warnings: [], traces: [], stats },
  ],
});

const jobsetExpr = '{ hello = derivation { name = "hello-2.12"; system = "x86_64-linux"; builder = "/bin/sh"; }; broken = throw "broken: no source"; }';
export const jobsetRequestExamples: Named = {
  expression: { summary: 'Two attributes: a derivation and one that fails', value: { expr: jobsetExpr } },
  limits: { summary: 'With meta, and a time limit for each attribute', value: { expr: jobsetExpr, meta: true, limits: { timeoutMs: 5000 } } },
};
const jobsetStats = { evalMs: 5.1, heapGrowthMb: 0.02, worker: 1 };
const jobsetLines = [
  { attr: 'broken', attrPath: ['broken'], error: { kind: 'throw', message: 'broken: no source', position: null, trace: [] }, stats: jobsetStats },
  {
    attr: 'hello', attrPath: ['hello'], drvPath: '/nix/store/h3gyh7xkby88jsfkw0g0jgppcfxdl7ly-hello-2.12.drv', name: 'hello-2.12',
    outputs: { out: '/nix/store/p2826wkf96dwvf98pvi506wa0ifvdjbs-hello-2.12' }, requiredSystemFeatures: [], stats: { ...jobsetStats, evalMs: 29.0 }, system: 'x86_64-linux',
  },
];
export const jobsetLineExamples: Named = one('A failed attribute and a derivation, one JSON document a line', jobsetLines.map((l) => JSON.stringify(l)).join('\n') + '\n');
export const jobsetEventExamples: Named = one('Server-sent events', [
  ...jobsetLines.map((l) => `event: attribute\ndata: ${JSON.stringify(l)}\n\n`),
  'event: progress\ndata: {"done":2,"failed":1,"queued":0,"running":0,"elapsedMs":41}\n\n',
  'event: end\ndata: {"state":"succeeded","done":2,"failed":1,"elapsedMs":41}\n\n',
].join(''));

const id = '421b7191-3d3b-4ea4-b174-3743c26374d6';
export const jobRequestExamples: Named = {
  expression: { summary: 'A long evaluation', value: { expr: 'builtins.foldl\' (a: b: a + b) 0 (builtins.genList (x: x) 1000000)' } },
  limits: { summary: 'With its own time limit', value: { expr: 'builtins.length (builtins.genList (x: x) 1000)', limits: { timeoutMs: 60000 } } },
  jobset: { summary: 'A jobset, its lines read from /v1/jobs/{id}/results', value: { kind: 'jobset', expr: jobsetExpr } },
};
export const jobCreatedExamples: Named = one('Queued', { id, state: 'queued', location: `/v1/jobs/${id}` });
export const jobExamples: Named = {
  running: { summary: 'Running', value: { id, state: 'running', kind: 'eval', createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:00.006Z' } },
  jobset: {
    summary: 'A jobset, running',
    value: {
      id, state: 'running', kind: 'jobset', createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:00.006Z',
      progress: { done: 1, failed: 1, queued: 0, running: 1, elapsedMs: 12 }, results: `/v1/jobs/${id}/results`,
    },
  },
  succeeded: {
    summary: 'Succeeded',
    value: {
      id, state: 'succeeded', kind: 'eval', createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:00.006Z',
      finishedAt: '2026-01-01T00:00:00.021Z', expiresAt: '2026-01-01T00:10:00.021Z',
      result: { value: 499999500000, warnings: [], traces: [], stats },
    },
  },
  cancelled: {
    summary: 'Cancelled',
    value: {
      id, state: 'cancelled', kind: 'eval', createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:00.006Z',
      finishedAt: '2026-01-01T00:00:01.000Z', expiresAt: '2026-01-01T00:10:01.000Z',
      error: { kind: 'cancelled', message: 'the job was cancelled', position: null, trace: [] },
    },
  },
};

const readyBase = { workers: 2, busyWorkers: 1, jobWorkers: 1, queued: 0, queuedJobs: 0, queueCapacity: 128 };
export const readyExamples: Named = one('Ready', { status: 'ready', ...readyBase });
export const notReadyExamples: Named = one('Not ready', { status: 'not-ready', reason: 'evaluations have waited more than 1000 ms for a worker', ...readyBase, busyWorkers: 2, queued: 9 });
export const healthExamples: Named = one('Up', { status: 'ok' });
export const metricsExamples: Named = one('Prometheus text', '# HELP nixeval_evaluations_total Evaluations finished, by outcome (ok or the error kind).\n# TYPE nixeval_evaluations_total counter\nnixeval_evaluations_total{outcome="ok"} 42\n');

/** What each operation's request and responses (by status) show; `byMedia`, for a status whose
 * media types differ (a stream as NDJSON or server-sent events), by status and media type. */
export const OPERATION_EXAMPLES: Record<string, { request?: Named; responses: Record<string, Named>; byMedia?: Record<string, Record<string, Named>> }> = {
  evaluate: {
    request: evalRequestExamples,
    responses: {
      200: evalResultExamples, 400: badRequestExamples, 413: tooLargeExamples, 422: evalFailureExamples,
      429: tooManyExamples, 500: internalExamples, 503: busyExamples,
    },
  },
  evaluateBatch: {
    request: batchRequestExamples,
    responses: { 200: batchResponseExamples, 400: badRequestExamples, 413: tooLargeExamples, 429: tooManyExamples, 503: busyExamples },
  },
  submitJob: {
    request: jobRequestExamples,
    responses: { 202: jobCreatedExamples, 400: badRequestExamples, 413: tooLargeExamples, 429: tooManyExamples, 503: busyExamples },
  },
  getJob: { responses: { 200: jobExamples, 404: notFoundExamples } },
  getJobResults: { responses: { 200: jobsetLineExamples, 400: badRequestExamples, 404: notFoundExamples } },
  evaluateJobset: {
    request: jobsetRequestExamples,
    byMedia: { 200: { 'application/x-ndjson': jobsetLineExamples, 'text/event-stream': jobsetEventExamples } },
    responses: { 400: badRequestExamples, 413: tooLargeExamples, 429: tooManyExamples, 503: busyExamples },
  },
  cancelJob: { responses: { 200: jobExamples, 404: notFoundExamples } },
  health: { responses: { 200: healthExamples } },
  ready: { responses: { 200: readyExamples, 503: notReadyExamples } },
  metrics: { responses: { 200: metricsExamples } },
};

interface Media { schema?: unknown; examples?: Named }
interface Operation {
  operationId?: string;
  requestBody?: { content: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
}
export interface OpenApiDocument { paths?: Record<string, Record<string, Operation>> }

/** The document with every operation's examples in its media types. */
export function withExamples<T extends OpenApiDocument>(doc: T): T {
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops)) {
      const ex = op.operationId === undefined ? undefined : OPERATION_EXAMPLES[op.operationId];
      if (!ex) continue;
      if (ex.request && op.requestBody) for (const media of Object.values(op.requestBody.content)) media.examples = ex.request;
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          const named = ex.byMedia?.[status]?.[type] ?? ex.responses[status];
          if (named) media.examples = named;
        }
      }
    }
  }
  return doc;
}
