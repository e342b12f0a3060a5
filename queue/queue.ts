// The job queue of the scaled-out deployment. With REDIS_URL, `nixeval serve` puts jobs on a
// BullMQ queue in Redis (redis-job-store.ts) instead of its own pool, and `nixeval worker`
// processes, any number on any machine, take them and run them on their own Piscina pools
// (worker.ts). Redis holds every job, its state and its result, so the API keeps nothing:
// it may restart, or run as several replicas, without losing a job.
//
// - A finished job is kept `--job-ttl-ms` after it finished: a read past that forgets it, and
//   BullMQ (on later completions) and the API's sweeper delete what nobody reads.
// - Cancelling: the API writes a cancellation mark (kept for the TTL, and what a read then
//   reports), takes a waiting job off the queue, and publishes the id; the worker running it
//   aborts it (its pool thread is stopped), and a worker that takes a marked job drops it.
// - A worker that dies (or loses Redis) stops renewing its job's lock; another worker's stall
//   check puts the job back on the queue once, and fails it on a second stall (STALLED_REASON).
// - A jobset job runs on one worker (on its pool's threads, as the embedded default runs one on
//   its own); its lines go to Redis as they come (jobset-lines.ts), where the API reads them from
//   any offset. A jobset given to another worker after its first died goes on from where it was.
// - The API's bounds hold as in the embedded default: the jobs held (queued, running and
//   finished ones) by `--max-jobs`; a request's limits by the API's maximums (and a worker's
//   own); the results held, in all, by `--max-job-result-bytes`, past which the oldest finished
//   jobs are forgotten (held-results.ts), a jobset's lines by the same figure.
// Evaluation errors are results (a BullMQ job that completed with a failed outcome); BullMQ's
// failed state is for jobs that did not run to their end.

import { Redis, type RedisOptions } from 'ioredis';
import type { EvalJob } from '../workers/evaluate-json.js';
import type { JobsetJobSpec, JobsetSummary } from '../workers/jobset-runner.js';
import type { TaskOutcome } from '../workers/pool.js';
import type { JobKind } from '../routes/job-store.js';

export const QUEUE_NAME = 'nixeval-jobs';
/** Where the API publishes the ids of the jobs it cancels. */
export const CANCEL_CHANNEL = 'nixeval:cancel';
/** The failed reason of a cancelled job. */
export const CANCELLED_REASON = 'cancelled';
/** BullMQ's failed reason for a job that stalled more often than `maxStalledCount` (1). */
export const STALLED_REASON = 'job stalled more than allowable limit';

/** The key of a job's cancellation mark (a CancelledMark as JSON). */
export function cancelledKey(id: string): string {
  return `nixeval:cancelled:${id}`;
}

export interface CancelledMark {
  kind: JobKind;
  createdAt: number;
  startedAt?: number;
  finishedAt: number;
}

/** A job's data on the queue: the job, and the API's bounds of what it leaves in Redis. */
export type QueuedJob = {
  /** The submitting request's id and the job's, for log lines. */
  reqId: string;
  /** How long the job is kept after it finished (ms). */
  ttlMs: number;
  /** Most bytes the results of finished jobs take in all (held-results.ts); also the most a
   * jobset's lines may take. */
  maxResultBytes: number;
} & (
  | { kind: 'eval'; job: EvalJob }
  | { kind: 'jobset'; spec: JobsetJobSpec }
);

/** What a job leaves as its result: an evaluation's outcome, or a jobset's summary. */
export type JobResult = TaskOutcome | JobsetSummary;

/** A connection to the Redis at `url` (redis://[user:password@]host:port[/db]). It reconnects by
 * itself; its errors are reported through readiness, not thrown. */
export function connect(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, options);
  redis.on('error', () => { /* reconnecting; readiness and failed commands report it */ });
  return redis;
}
