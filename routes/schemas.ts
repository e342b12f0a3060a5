// Request and response schemas of the API, in TypeBox: Fastify validates requests with them,
// TypeScript gets the types from them, and the OpenAPI document is generated from them.

import { Type, type Static } from '@sinclair/typebox';

export const Limits = Type.Object({
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Wall-clock time the evaluation may take (capped by the server\'s maximum).' })),
  maxMemoryMb: Type.Optional(Type.Integer({ minimum: 1, description: 'Heap the evaluation may use, in MiB (capped by the server\'s maximum).' })),
  maxOutputBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'Size of the JSON result plus warnings and traces (capped by the server\'s maximum).' })),
  maxCallDepth: Type.Optional(Type.Integer({ minimum: 0, description: 'C++ Nix\'s max-call-depth: a function call made while this many calls are in progress fails with "stack overflow; max-call-depth exceeded" (C++ Nix\'s default is 10000). Default: none; the time and memory limits still apply.' })),
}, { $id: 'Limits', additionalProperties: false, description: 'Limits of one evaluation; each is capped by the server\'s maximum, which is also the default.' });

const StringMap = (description: string) => Type.Record(Type.String(), Type.String(), { description });

export const EvalRequest = Type.Object({
  expr: Type.Optional(Type.String({ description: 'A Nix expression. Exactly one of `expr` and `file` is given.' })),
  file: Type.Optional(Type.String({ minLength: 1, description: 'A Nix file to evaluate: one of the posted `files`, or a path under the server\'s allowed roots.' })),
  attrPath: Type.Optional(Type.String({ description: 'Attribute path to select, as nix-instantiate -A.' })),
  args: Type.Optional(StringMap('Arguments for a top-level function, as Nix expressions (nix-instantiate --arg).')),
  argstrs: Type.Optional(StringMap('Arguments for a top-level function, as strings (nix-instantiate --argstr).')),
  strict: Type.Optional(Type.Boolean({ default: true, description: 'Deep-force the result (nix-instantiate --strict). The JSON output forces what it prints in any case.' })),
  searchPath: Type.Optional(Type.Array(Type.String(), { description: 'Search path entries (`prefix=path` or `path`) for `<name>` lookups, in lookup order.' })),
  files: Type.Optional(StringMap('In-memory files the evaluation sees instead of the server\'s filesystem: path (absolute, or relative to /) to UTF-8 content.')),
  limits: Type.Optional(Type.Ref(Limits)),
}, { $id: 'EvalRequest', additionalProperties: false, description: 'An evaluation: exactly one of `expr` and `file`, with its options.' });
export type EvalRequest = Static<typeof EvalRequest>;

export const Position = Type.Union([
  Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer() }),
  Type.Null(),
], { $id: 'Position', description: 'A source position (1-based line and column, in bytes), or null.' });

export const ErrorKind = Type.Union([
  'parse', 'eval', 'throw', 'assert', 'abort', 'infinite-recursion', 'type', 'undefined-variable', 'io',
  'timeout', 'memory-limit', 'output-limit', 'cancelled', 'internal',
  'bad-request', 'not-found', 'body-too-large', 'rate-limited', 'overloaded',
].map((k) => Type.Literal(k)), { $id: 'ErrorKind', description: 'Evaluation errors (parse … io), limits (timeout, memory-limit, output-limit), and request errors.' });

export const ErrorDetail = Type.Object({
  kind: Type.Ref(ErrorKind),
  message: Type.String({ description: 'The error message as Nix words it.' }),
  rendered: Type.Optional(Type.String({ description: 'The whole error as nix-instantiate prints it: message, position with source excerpt, trace.' })),
  position: Type.Optional(Type.Ref(Position)),
  trace: Type.Optional(Type.Array(Type.Object({ message: Type.String(), position: Type.Ref(Position) }), { description: 'Frames that led to the error, innermost first, as `rendered` shows them: a run of more than five frames identical to earlier ones is one frame with the message "(N duplicate frames omitted)" and no position.' })),
}, { $id: 'ErrorDetail' });

export const ErrorResponse = Type.Object({ error: Type.Ref(ErrorDetail) }, { $id: 'ErrorResponse' });

export const EvalStats = Type.Object({
  durationMs: Type.Number({ description: 'Time from receiving the request to having the result.' }),
  queueMs: Type.Number({ description: 'Time waiting for a worker.' }),
  evalMs: Type.Number({ description: 'Time evaluating and serialising in the worker.' }),
  heapGrowthMb: Type.Number({ description: 'How far the evaluation grew the worker\'s heap (sampled).' }),
  importCacheHits: Type.Integer(),
  importCacheMisses: Type.Integer(),
  worker: Type.Optional(Type.Integer({ description: 'Thread id of the worker.' })),
}, { $id: 'EvalStats' });

export const EvalResult = Type.Object({
  value: Type.Unknown({ description: 'The value as `nix-instantiate --eval --json` prints it (integers keep all 64 bits).' }),
  warnings: Type.Array(Type.String()),
  traces: Type.Array(Type.String(), { description: 'Messages of builtins.trace, in order.' }),
  stats: Type.Ref(EvalStats),
}, { $id: 'EvalResult' });

export const EvalFailure = Type.Object({
  error: Type.Ref(ErrorDetail),
  warnings: Type.Optional(Type.Array(Type.String())),
  traces: Type.Optional(Type.Array(Type.String())),
  stats: Type.Optional(Type.Ref(EvalStats)),
}, { $id: 'EvalFailure' });

export const BatchRequest = Type.Object({
  requests: Type.Array(Type.Ref(EvalRequest), { minItems: 1, description: 'Evaluations, run in parallel on the pool.' }),
}, { additionalProperties: false });
export type BatchRequest = Static<typeof BatchRequest>;

export const BatchItem = Type.Object({
  status: Type.Integer({ description: 'The status the item would have had as its own request (200, 400, 422, 500, 503).' }),
  value: Type.Optional(Type.Unknown()),
  warnings: Type.Optional(Type.Array(Type.String())),
  traces: Type.Optional(Type.Array(Type.String())),
  stats: Type.Optional(Type.Ref(EvalStats)),
  error: Type.Optional(Type.Ref(ErrorDetail)),
}, { $id: 'BatchItem' });

export const BatchResponse = Type.Object({ results: Type.Array(Type.Ref(BatchItem)) }, { $id: 'BatchResponse' });

export const JobState = Type.Union(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s)), { $id: 'JobState' });

export const JobCreated = Type.Object({
  id: Type.String(),
  state: Type.Ref(JobState),
  location: Type.String({ description: 'Where to poll the job.' }),
}, { $id: 'JobCreated' });

export const Job = Type.Object({
  id: Type.String(),
  state: Type.Ref(JobState),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Optional(Type.String({ format: 'date-time' })),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'When a finished job is forgotten.' })),
  worker: Type.Optional(Type.String({ description: 'With Redis: the worker process (host:pid) that ran the job.' })),
  result: Type.Optional(Type.Ref(EvalResult)),
  error: Type.Optional(Type.Ref(ErrorDetail)),
}, { $id: 'Job' });

export const JobParams = Type.Object({ id: Type.String({ description: 'The job\'s id, as POST /v1/jobs gave it.' }) });

/** Every schema with an $id, registered with Fastify (app.addSchema) so that routes refer to
 * them and the OpenAPI document lists them as components. Order: dependencies first. */
export const sharedSchemas = [
  Limits, EvalRequest, Position, ErrorKind, ErrorDetail, ErrorResponse, EvalStats, EvalResult, EvalFailure,
  BatchItem, BatchResponse, JobState, JobCreated, Job,
];
