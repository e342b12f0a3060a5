// The in-memory job store of the embedded default (job-store.ts says what a store does):
// asynchronous evaluations submitted, run on the server's pool, polled and cancelled; a finished
// job is kept for a TTL and then forgotten. A job is an evaluation, or a jobset (jobset-job.ts)
// whose lines are kept as they come.

import { randomUUID } from 'node:crypto';
import type { EvalJob } from '../workers/evaluate-json.js';
import { CancelledError, type EvalPool, OverloadedError, TASK_CELL_BYTES, type TaskOutcome } from '../workers/pool.js';
import type { JobsetJobSpec } from '../workers/jobset-runner.js';
import type { JobsetJob } from './jobset-job.js';
import { failedOutcome, type JobsetLines, type JobState, type JobStore, jobJson, outcomeBytes } from './job-store.js';

interface JobRecord {
  id: string;
  finalState?: Exclude<JobState, 'queued' | 'running'>;
  createdAt: number;
  /** Set by the worker (ms since epoch) when the evaluation starts. */
  started: Float64Array;
  finishedAt?: number;
  outcome?: TaskOutcome;
  controller: AbortController;
  done: Promise<void>;
  /** For a jobset job: the run and its lines. */
  jobset?: JobsetJob;
}

export interface JobStoreOptions {
  /** How long a finished job is kept (ms). */
  ttlMs: number;
  /** Most jobs held (finished ones included); more are refused. */
  maxJobs: number;
  /** Most bytes of results held; past it, the oldest finished jobs are forgotten early. */
  maxResultBytes?: number;
  /** Called with each finished evaluation (metrics). */
  onOutcome?: (out: TaskOutcome) => void;
  /** Starts a jobset whose lines may take at most `maxBytes`. */
  startJobset?: (spec: JobsetJobSpec, reqId: string, maxBytes: number) => JobsetJob;
}

const DEFAULT_MAX_RESULT_BYTES = 256 * 1024 * 1024;

export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, JobRecord>();
  /** Bytes of the results held. */
  private resultBytes = 0;
  private readonly sweeper: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly pool: EvalPool, private readonly options: JobStoreOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(options.ttlMs, 60_000)));
    this.sweeper.unref();
  }

  /** Throws OverloadedError when no job can be taken now. */
  private checkRoom(): void {
    if (this.closing) throw new OverloadedError('the server is shutting down');
    this.sweep();
    if (this.jobs.size >= this.options.maxJobs) throw new OverloadedError('too many jobs are held; try again later');
    if (this.pool.saturated) throw new OverloadedError();
  }

  /** Submits a jobset; throws OverloadedError when the pool or the store is full. */
  submitJobset(spec: JobsetJobSpec, reqId: string): { id: string; state: JobState } {
    this.checkRoom();
    const id = randomUUID();
    const createdAt = Date.now();
    const jobset = this.options.startJobset!(spec, `${reqId}/job:${id}`, this.options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES);
    const rec: JobRecord = {
      id, createdAt, started: new Float64Array(1), controller: new AbortController(), done: Promise.resolve(), jobset,
    };
    rec.done = jobset.run.done.then((summary) => {
      if (rec.finalState !== 'cancelled') {
        rec.finalState = summary.state;
        rec.finishedAt = Date.now();
      }
      // A cancelled jobset's lines stay readable, so they count too.
      this.account(rec);
    });
    this.jobs.set(id, rec);
    return { id, state: 'queued' };
  }

  jobsetLines(id: string, offset: number): JobsetLines | undefined {
    const jobset = this.live(id)?.jobset;
    return jobset && { lines: jobset.linesFrom(offset), finished: jobset.summary !== undefined };
  }

  watchJobset(id: string, onChange: () => void): () => void {
    return this.live(id)?.jobset?.subscribe(onChange) ?? (() => {});
  }

  /** Submits an evaluation; throws OverloadedError when the pool or the store is full. */
  submit(job: EvalJob, reqId: string): { id: string; state: JobState } {
    this.checkRoom();
    const id = randomUUID();
    const started = new SharedArrayBuffer(TASK_CELL_BYTES);
    const controller = new AbortController();
    const rec: JobRecord = {
      id, createdAt: Date.now(), started: new Float64Array(started), controller, done: Promise.resolve(),
    };
    rec.done = this.pool.run(job, { reqId: `${reqId}/job:${id}`, signal: controller.signal, started }).then(
      (out) => {
        if (rec.finalState === 'cancelled') return;
        rec.outcome = out;
        rec.finalState = out.ok ? 'succeeded' : 'failed';
        rec.finishedAt = Date.now();
        this.options.onOutcome?.(out);
        this.account(rec);
      },
      (e) => {
        if (rec.finalState === 'cancelled') return;
        rec.finalState = e instanceof CancelledError ? 'cancelled' : 'failed';
        rec.finishedAt = Date.now();
        const kind = e instanceof CancelledError ? 'cancelled' : e instanceof OverloadedError ? 'overloaded' : 'internal';
        rec.outcome = failedOutcome(kind, (e as Error).message);
      },
    );
    this.jobs.set(id, rec);
    return { id, state: 'queued' };
  }

  private static sizeOf(rec: JobRecord): number {
    if (rec.jobset !== undefined) return rec.jobset.bytes;
    return rec.outcome === undefined ? 0 : outcomeBytes(rec.outcome);
  }

  /** Counts a finished job's result, forgetting the oldest finished jobs while over budget. */
  private account(rec: JobRecord): void {
    this.resultBytes += MemoryJobStore.sizeOf(rec);
    const budget = this.options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
    if (this.resultBytes <= budget) return;
    for (const [id, r] of this.jobs) {
      if (this.resultBytes <= budget) break;
      if (r.finalState !== undefined && r !== rec) this.forget(id, r);
    }
  }

  private forget(id: string, rec: JobRecord): void {
    this.jobs.delete(id);
    this.resultBytes -= MemoryJobStore.sizeOf(rec);
  }

  private stateOf(rec: JobRecord): JobState {
    if (rec.finalState !== undefined) return rec.finalState;
    if (rec.jobset !== undefined) return rec.jobset.run.progress().state === 'queued' ? 'queued' : 'running';
    return rec.started[0] !== 0 ? 'running' : 'queued';
  }

  private expiresAt(rec: JobRecord): number | undefined {
    return rec.finishedAt === undefined ? undefined : rec.finishedAt + this.options.ttlMs;
  }

  private live(id: string): JobRecord | undefined {
    const rec = this.jobs.get(id);
    if (!rec) return undefined;
    const exp = this.expiresAt(rec);
    if (exp !== undefined && exp <= Date.now()) {
      this.forget(id, rec);
      return undefined;
    }
    return rec;
  }

  /** The job as JSON text, or undefined when unknown or expired. */
  getJson(id: string): string | undefined {
    const rec = this.live(id);
    return rec && this.toJson(rec);
  }

  private toJson(rec: JobRecord): string {
    const jobset = rec.jobset;
    if (jobset === undefined) {
      return jobJson({
        id: rec.id, kind: 'eval', state: this.stateOf(rec), createdAt: rec.createdAt, startedAt: rec.started[0],
        finishedAt: rec.finishedAt, expiresAt: this.expiresAt(rec), outcome: rec.outcome,
      });
    }
    const { state: _state, ...progress } = jobset.run.progress();
    return jobJson({
      id: rec.id, kind: 'jobset', state: this.stateOf(rec), createdAt: rec.createdAt, startedAt: jobset.run.startedAt,
      finishedAt: rec.finishedAt, expiresAt: this.expiresAt(rec), progress, jobsetError: jobset.summary?.error,
    });
  }

  /**
   * Cancels an unfinished job (its evaluation is stopped: removed from the queue, or its
   * worker terminated and replaced), or forgets a finished one. Returns the job as it is
   * then, or undefined when unknown.
   */
  cancel(id: string): string | undefined {
    const rec = this.live(id);
    if (!rec) return undefined;
    if (rec.finalState === undefined && rec.jobset !== undefined) {
      rec.finalState = 'cancelled';
      rec.finishedAt = Date.now();
      rec.jobset.run.cancel();
      return this.toJson(rec);
    }
    if (rec.finalState === undefined) {
      rec.finalState = 'cancelled';
      rec.finishedAt = Date.now();
      rec.outcome = failedOutcome('cancelled', 'the job was cancelled');
      rec.controller.abort();
      return this.toJson(rec);
    }
    const json = this.toJson(rec);
    this.forget(id, rec);
    return json;
  }

  /** Jobs held, by state (metrics). */
  counts(): Record<JobState, number> {
    const c: Record<JobState, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const rec of this.jobs.values()) c[this.stateOf(rec)]++;
    return c;
  }

  /** Forgets finished jobs past their TTL. */
  sweep(): void {
    const now = Date.now();
    for (const [id, rec] of this.jobs) {
      const exp = this.expiresAt(rec);
      if (exp !== undefined && exp <= now) this.forget(id, rec);
    }
  }

  /** Refuses new jobs and waits (at most `graceMs`) for the unfinished ones. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    const pending = [...this.jobs.values()].filter((r) => r.finalState === undefined).map((r) => r.done);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(pending),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); }),
    ]);
    if (timer) clearTimeout(timer);
  }
}
