// Request and response schemas of the API, in TypeBox: Fastify validates requests with them,
// TypeScript gets the types from them, and the OpenAPI document is generated from them.

import { Type, type Static } from '@sinclair/typebox';

export const Limits = Type.Object({
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Wall-clock time the evaluation may take (capped by the server\'s maximum).' })),
  maxMemoryMb: Type.Optional(Type.Integer({ minimum: 1, description: 'Heap the evaluation may use, in MiB (capped by the server\'s maximum).' })),
  maxOutputBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'Size of the JSON result plus warnings and traces (capped by the server\'s maximum).' })),
  maxCallDepth: Type.Optional(Type.Integer({ minimum: 0, description: 'C++ Nix\'s max-call-depth: a function call made while this many calls are in progress fails with "stack overflow; max-call-depth exceeded" (C++ Nix\'s default is 10000). Default: 5000000 (calls in progress, tail calls included); the time and memory limits still apply. When set, deep forcing (strict, deepSeq, ==, toJSON, toXML, the JSON value) also counts each level of nesting against it, as C++ Nix does; when not, the JSON value has no such limit and a cyclic value fails at once with this error.' })),
}, { $id: 'Limits', additionalProperties: false, description: 'Limits of one evaluation; each is capped by the server\'s maximum, which is also the default.' });

const StringMap = (description: string) => Type.Record(Type.String(), Type.String(), { description });

/** What an evaluation evaluates: shared by evaluations, jobs and jobsets. */
const evalInput = {
  expr: Type.Optional(Type.String({ description: 'A Nix expression. Exactly one of `expr` and `file` is given.' })),
  file: Type.Optional(Type.String({ minLength: 1, description: 'A Nix file to evaluate: one of the posted `files`, or a path under the server\'s allowed roots.' })),
  attrPath: Type.Optional(Type.String({ description: 'Attribute path to select, as nix-instantiate -A.' })),
  args: Type.Optional(StringMap('Arguments for a top-level function, as Nix expressions (nix-instantiate --arg).')),
  argstrs: Type.Optional(StringMap('Arguments for a top-level function, as strings (nix-instantiate --argstr).')),
  searchPath: Type.Optional(Type.Array(Type.String(), { description: 'Search path entries (`prefix=path` or `path`) for `<name>` lookups, in lookup order.' })),
  files: Type.Optional(StringMap('In-memory files the evaluation sees instead of the server\'s filesystem: path (absolute, or relative to /) to UTF-8 content.')),
};

const evalOptions = {
  ...evalInput,
  strict: Type.Optional(Type.Boolean({ default: true, description: 'Deep-force the result (nix-instantiate --strict). The JSON output forces what it prints in any case.' })),
  limits: Type.Optional(Type.Ref(Limits)),
};

export const EvalRequest = Type.Object(evalOptions, { $id: 'EvalRequest', additionalProperties: false, description: 'An evaluation: exactly one of `expr` and `file`, with its options.' });
export type EvalRequest = Static<typeof EvalRequest>;

export const JobsetLimits = Type.Object({
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Time each attribute may take (default the server\'s evaluation maximum; capped by its job maximum).' })),
  maxMemoryMb: Type.Optional(Type.Integer({ minimum: 1, description: 'Heap each attribute may grow its worker\'s by, in MiB (capped by the server\'s maximum).' })),
  maxOutputBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'Size of each attribute\'s line (capped by the server\'s maximum).' })),
  maxCallDepth: Type.Optional(Type.Integer({ minimum: 0, description: 'C++ Nix\'s max-call-depth, for each attribute. Default: 5000000.' })),
  totalTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Time the whole jobset may take (default and maximum: the server\'s job maximum).' })),
  maxWorkerMemoryMb: Type.Optional(Type.Integer({ minimum: 16, description: 'A worker whose heap is past this (MiB) after an attribute is replaced before the next (nix-eval-jobs\' --max-memory-size). Default and maximum: what leaves room for one attribute under the worker\'s heap limit.' })),
}, { $id: 'JobsetLimits', additionalProperties: false, description: 'Limits of a jobset: of each attribute, of the whole, and of a worker\'s heap between attributes.' });

const jobsetOptions = {
  ...evalInput,
  forceRecurse: Type.Optional(Type.Boolean({ description: 'Walk every set, not only those with `recurseForDerivations = true` (nix-eval-jobs --force-recurse).' })),
  meta: Type.Optional(Type.Boolean({ description: 'Report each derivation\'s `meta` (nix-eval-jobs --meta).' })),
  showInputDrvs: Type.Optional(Type.Boolean({ description: 'Report each derivation\'s input derivations (nix-eval-jobs --show-input-drvs).' })),
  constituents: Type.Optional(Type.Boolean({ description: 'Report Hydra aggregate jobs\' constituents, named ones resolved at the end (nix-eval-jobs --constituents).' })),
  select: Type.Optional(Type.String({ description: 'A Nix function applied to the root; it gives the set to walk (nix-eval-jobs --select).' })),
  apply: Type.Optional(Type.String({ description: 'A Nix function applied to each derivation; its result (a set) is reported as `extraValue` (nix-eval-jobs --apply).' })),
  limits: Type.Optional(Type.Ref(JobsetLimits)),
};

export const JobsetRequest = Type.Object(jobsetOptions, {
  $id: 'JobsetRequest', additionalProperties: false,
  description: 'A jobset: the derivations under the value of `expr` or `file` (exactly one), with what to report of each.',
});
export type JobsetRequest = Static<typeof JobsetRequest>;

export const EvalJobRequest = Type.Object({
  kind: Type.Optional(Type.Literal('eval', { description: 'An evaluation (the default).' })),
  ...evalOptions,
}, { $id: 'EvalJobRequest', additionalProperties: false, description: 'An evaluation run as a job.' });

export const JobsetJobRequest = Type.Object({
  kind: Type.Literal('jobset'),
  ...jobsetOptions,
}, { $id: 'JobsetJobRequest', additionalProperties: false, description: 'A jobset run as a job: its lines are kept and read with GET /v1/jobs/:id/results.' });

// The jobset comes first: validating against the evaluation fills in its defaults (`strict`),
// which the jobset would then refuse as unknown.
export const JobRequest = Type.Union([Type.Ref(JobsetJobRequest), Type.Ref(EvalJobRequest)], { description: 'An evaluation, or (with `"kind": "jobset"`) a jobset.' });
export type JobRequest = Static<typeof EvalJobRequest> | Static<typeof JobsetJobRequest>;

export const Position = Type.Union([
  Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer() }),
  Type.Null(),
], { $id: 'Position', description: 'A source position (1-based line and column, in bytes), or null.' });

export const ERROR_KINDS = [
  'parse', 'eval', 'throw', 'assert', 'abort', 'infinite-recursion', 'type', 'undefined-variable', 'io',
  'timeout', 'memory-limit', 'output-limit', 'cancelled', 'internal',
  'bad-request', 'not-found', 'body-too-large', 'rate-limited', 'overloaded',
] as const;

/** A string enum (not a union of constants), so that the OpenAPI document lists the kinds as one `enum`. */
export const ErrorKind = Type.Unsafe<(typeof ERROR_KINDS)[number]>({
  $id: 'ErrorKind', type: 'string', enum: [...ERROR_KINDS],
  description: 'Evaluation errors (parse … io), limits (timeout, memory-limit, output-limit), a cancelled job, an internal failure, and request errors (bad-request … overloaded).',
});

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
  cached: Type.Optional(Type.Boolean({ description: 'The answer came from the result cache: nothing was evaluated for it (timings are the lookup\'s).' })),
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
}, { $id: 'BatchRequest', additionalProperties: false });
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

export const JobsetProgress = Type.Object({
  done: Type.Integer({ description: 'Lines out: derivations and errors.' }),
  failed: Type.Integer({ description: 'Error lines out.' }),
  queued: Type.Integer({ description: 'Attributes waiting to be evaluated.' }),
  running: Type.Integer({ description: 'Attributes being evaluated, or waiting in batches for a worker.' }),
  elapsedMs: Type.Number(),
  position: Type.Optional(Type.Integer({ minimum: 1, description: 'While the jobset is queued (no batch of it has begun on a worker): the place of its first batch in the queue of jobs waiting for a worker, 1 being the next.' })),
}, { $id: 'JobsetProgress', description: 'How far a jobset is. The counts are of one moment: an attribute is counted in at most one of done, queued and running.' });

export const JobsetLine = Type.Object({
  attr: Type.String({ description: 'The attribute path, names joined with dots (a name holding a dot in double quotes).' }),
  attrPath: Type.Array(Type.String()),
  drvPath: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  system: Type.Optional(Type.String()),
  outputs: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Output paths by output name.' })),
  meta: Type.Optional(Type.Unknown({ description: 'With `meta`: the showable meta attributes, or null.' })),
  inputDrvs: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'With `showInputDrvs`: input derivations and the outputs used.' })),
  requiredSystemFeatures: Type.Optional(Type.Array(Type.String())),
  constituents: Type.Optional(Type.Array(Type.String())),
  namedConstituents: Type.Optional(Type.Array(Type.String())),
  globConstituents: Type.Optional(Type.Boolean()),
  extraValue: Type.Optional(Type.Unknown({ description: 'With `apply`: what the function gave.' })),
  error: Type.Optional(Type.Ref(ErrorDetail)),
  stats: Type.Optional(Type.Object({
    evalMs: Type.Number({ description: 'Time the attribute took in its worker (the first attribute of a worker includes evaluating the root).' }),
    heapGrowthMb: Type.Number({ description: 'How far it grew the worker\'s heap (sampled).' }),
    worker: Type.Optional(Type.Integer({ description: 'Thread id of the worker.' })),
    cached: Type.Optional(Type.Boolean({ description: 'The line came from the result cache (an earlier run of the same pure jobset): nothing was evaluated for it.' })),
  })),
}, { $id: 'JobsetLine', description: 'One line of a jobset (application/x-ndjson): a derivation, or an attribute\'s error, in nix-eval-jobs\' shape.' });

export const JobState = Type.Unsafe<'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'>({
  $id: 'JobState', type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'],
});

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
  kind: Type.Union([Type.Literal('eval'), Type.Literal('jobset')]),
  worker: Type.Optional(Type.String({ description: 'With Redis: the worker process (host:pid) that ran the job.' })),
  result: Type.Optional(Type.Ref(EvalResult)),
  error: Type.Optional(Type.Ref(ErrorDetail, { description: 'An evaluation job\'s error; for a jobset, why it stopped before its end (its attributes\' errors are lines).' })),
  progress: Type.Optional(Type.Ref(JobsetProgress)),
  results: Type.Optional(Type.String({ description: 'A jobset\'s lines: GET it (with `offset` to resume).' })),
}, { $id: 'Job' });

export const JobParams = Type.Object({ id: Type.String({ description: 'The job\'s id, as POST /v1/jobs gave it.' }) });

/** Every schema with an $id, registered with Fastify (app.addSchema) so that routes refer to
 * them and the OpenAPI document lists them as components. Order: dependencies first. */
export const sharedSchemas = [
  Limits, EvalRequest, Position, ErrorKind, ErrorDetail, ErrorResponse, EvalStats, EvalResult, EvalFailure,
  BatchRequest, BatchItem, BatchResponse, JobsetLimits, JobsetRequest, EvalJobRequest, JobsetJobRequest, JobsetProgress, JobsetLine,
  JobState, JobCreated, Job,
];
