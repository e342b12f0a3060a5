// What the job routes need of a job store: submit an evaluation, read a job (as the JSON text
// the API answers with), cancel or forget it, count jobs by state, and close. The embedded
// default keeps jobs in memory (memory-job-store.ts); a store shared by several processes
// (Redis) implements the same interface. Every method may be asynchronous for that reason.

import type { EvalJob } from '../workers/evaluate-json.js';
import type { JobsetRequest } from './schemas.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** A jobset job's lines, in order, as they come (jobset-job.ts). */
export interface JobsetLines {
  /** The lines from `offset` on. */
  linesFrom(offset: number): string[];
  /** Calls `f` when lines are added or the jobset finishes; returns how to stop. */
  subscribe(f: () => void): () => void;
  /** Set once the jobset has finished. */
  readonly summary: unknown;
}

export interface JobStore {
  /** Accepts an evaluation; throws OverloadedError (503) when it cannot take more now. */
  submit(job: EvalJob, reqId: string): Promise<{ id: string; state: JobState }>;
  /** Accepts a jobset (POST /v1/jobs with `"kind": "jobset"`); throws as `submit`. */
  submitJobset(body: JobsetRequest, reqId: string): Promise<{ id: string; state: JobState }>;
  /** A jobset job's lines, or undefined when the job is unknown, expired, or an evaluation. */
  jobsetOf(id: string): Promise<JobsetLines | undefined>;
  /** The job as JSON text (routes/schemas.ts `Job`), or undefined when unknown or expired. */
  get(id: string): Promise<string | undefined>;
  /**
   * Cancels an unfinished job (its evaluation is stopped, or taken off the queue), or forgets
   * a finished one. The job as it is then, or undefined when unknown.
   */
  cancel(id: string): Promise<string | undefined>;
  /** Jobs held, by state (metrics). */
  counts(): Promise<Record<JobState, number>>;
  /** Refuses new jobs and waits (at most `graceMs`) for the unfinished ones. */
  close(graceMs: number): Promise<void>;
}
