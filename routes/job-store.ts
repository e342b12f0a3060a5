// What the job routes need of a job store, and the JSON of a job whichever store holds it. The
// embedded default keeps jobs in memory and runs them on the server's pool
// (memory-job-store.ts); with REDIS_URL, jobs go through a queue in Redis to `nixeval worker`
// processes (queue/redis-job-store.ts). A job is an evaluation, or a jobset whose lines are kept
// as they come, to be read from any offset. Every method may be asynchronous for Redis's sake.

import type { EvalJob } from '../workers/evaluate-json.js';
import type { TaskOutcome } from '../workers/pool.js';
import type { JobsetError, JobsetJobSpec, JobsetProgress } from '../workers/jobset-runner.js';
import { outcomeMembers } from './service.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type JobKind = 'eval' | 'jobset';

type Awaitable<T> = T | Promise<T>;

/** A jobset job's lines from an offset, and whether more may come. */
export interface JobsetLines {
  lines: string[];
  /** The jobset is over: no line will follow these. */
  finished: boolean;
}

export interface JobStore {
  /** Accepts an evaluation; throws OverloadedError (503) when it cannot take more now. */
  submit(job: EvalJob, reqId: string): Awaitable<{ id: string; state: JobState }>;
  /** Accepts a jobset, as submit does. */
  submitJobset(spec: JobsetJobSpec, reqId: string): Awaitable<{ id: string; state: JobState }>;
  /** The job as JSON text (routes/schemas.ts `Job`), or undefined when unknown or expired. */
  getJson(id: string): Awaitable<string | undefined>;
  /** A jobset job's lines from `offset` on; undefined when unknown, expired, or not a jobset. */
  jobsetLines(id: string, offset: number): Awaitable<JobsetLines | undefined>;
  /** Calls `onChange` when a jobset job may have new lines or have finished; returns how to stop. */
  watchJobset(id: string, onChange: () => void): () => void;
  /**
   * Cancels an unfinished job (its evaluation is stopped, or taken off the queue), or forgets
   * a finished one. The job as it is then, or undefined when unknown.
   */
  cancel(id: string): Awaitable<string | undefined>;
  /** Jobs held, by state (metrics). */
  counts(): Awaitable<Record<string, number>>;
  /** A store shared through a queue says how the queue is (readiness, metrics). */
  queueStatus?(): Promise<QueueStatus>;
  /** Refuses new jobs and lets the unfinished ones finish within `graceMs` where this process runs them. */
  close(graceMs: number): Promise<void>;
}

/** The shared queue of a Redis-backed store. */
export interface QueueStatus {
  /** Whether Redis answers; when not, the other counts are 0. */
  reachable: boolean;
  waiting: number;
  active: number;
  failed: number;
  /** Worker processes connected to the queue. */
  workers: number;
}

/** What a job's JSON says, whichever store holds it. Times are ms since the epoch. */
export interface JobView {
  id: string;
  kind: JobKind;
  state: JobState;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  expiresAt?: number;
  /** The worker process that ran it (Redis-backed store). */
  worker?: string;
  /** An evaluation's outcome, once finished. */
  outcome?: TaskOutcome;
  /** A jobset's progress. */
  progress?: Omit<JobsetProgress, 'state'>;
  /** Why a jobset stopped before its end. */
  jobsetError?: JobsetError;
}

/** A job as JSON text: the value of a result is spliced in as the evaluator printed it. */
export function jobJson(v: JobView): string {
  const iso = (t: number | undefined): string | undefined => (t === undefined || t === 0 ? undefined : new Date(t).toISOString());
  const head = JSON.stringify({
    id: v.id,
    kind: v.kind,
    state: v.state,
    createdAt: iso(v.createdAt),
    startedAt: iso(v.startedAt),
    finishedAt: iso(v.finishedAt),
    expiresAt: iso(v.expiresAt),
    worker: v.worker,
  });
  if (v.kind === 'jobset') {
    const error = v.jobsetError === undefined ? '' : `,"error":${JSON.stringify(v.jobsetError)}`;
    return `${head.slice(0, -1)},"progress":${JSON.stringify(v.progress)},"results":${JSON.stringify(`/v1/jobs/${v.id}/results`)}${error}}`;
  }
  const out = v.outcome;
  if (!out) return head;
  const durationMs = (v.finishedAt ?? Date.now()) - v.createdAt;
  const body = out.ok ? `"result":{${outcomeMembers(out, durationMs)}}` : `"error":${JSON.stringify(out.error)}`;
  return `${head.slice(0, -1)},${body}}`;
}

/** What an evaluation's outcome counts for in a store's bound of the results it holds. */
export function outcomeBytes(out: TaskOutcome): number {
  let n = out.ok ? out.json.length : out.error.message.length + (out.error.rendered?.length ?? 0);
  for (const m of out.warnings) n += m.length;
  for (const m of out.traces) n += m.length;
  return n;
}

/** The outcome of a job that did not run to its end (cancelled, or its worker failed). */
export function failedOutcome(kind: 'cancelled' | 'overloaded' | 'internal', message: string): TaskOutcome {
  return {
    ok: false, error: { kind: kind as 'cancelled', message, position: null, trace: [] },
    warnings: [], traces: [], stats: { evalMs: 0, heapGrowthMb: 0, importCacheHits: 0, importCacheMisses: 0 }, queueMs: 0,
  };
}
