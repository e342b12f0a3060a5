// The in-memory job store of the embedded default (job-store.ts): evaluations and jobsets
// (jobset-job.ts, whose lines are kept as they come) submitted, run on the pool as jobs (their
// own share of the workers), polled and cancelled; a finished job is kept for a TTL and then
// forgotten.
//
// What it holds is bounded: at most `maxJobs` jobs, and results of at most `maxResultBytes` in
// all, the lines of running jobsets included (counted as they come). Each result is already
// bounded by its job's output limit (the worker cuts it); when a new result would pass the
// store's budget, the largest finished results held are forgotten first, so one client's huge
// results cannot push out everyone else's small ones before their TTL. A running jobset whose
// next line finds no room even then stops with `output-limit`.

import { randomUUID } from 'node:crypto';
import type { EvalJob } from '../workers/evaluate-json.js';
import { CancelledError, type EvalPool, OverloadedError, TASK_CELL_BYTES, type TaskOutcome } from '../workers/pool.js';
import type { JobsetJobSpec } from '../workers/jobset-runner.js';
import type { JobsetJob } from './jobset-job.js';
import { failedOutcome, type JobsetLines, type JobState, type JobStore, jobJson } from './job-store.js';
import { outcomeBytes } from './outcome.js';

interface JobRecord {
  id: string;
  finalState?: Exclude<JobState, 'queued' | 'running'>;
  createdAt: number;
  /** Set by the worker (ms since epoch) when the evaluation starts. */
  started: Float64Array;
  finishedAt?: number;
  outcome?: TaskOutcome;
  /** What the outcome counts against the store's budget. */
  bytes: number;
  controller: AbortController;
  done: Promise<void>;
  /** For a jobset job: the run and its lines. */
  jobset?: JobsetJob;
}

export interface MemoryJobStoreOptions {
  /** How long a finished job is kept (ms). */
  ttlMs: number;
  /** Most jobs held (finished ones included); more are refused. */
  maxJobs: number;
  /** Most bytes of results held; past it, the largest finished results are forgotten first. */
  maxResultBytes?: number;
  /** Called with each finished evaluation (metrics). */
  onOutcome?: (out: TaskOutcome) => void;
  /** Starts a jobset; `hold(bytes)` counts each line against the store's budget (jobset-job.ts). */
  startJobset?: (spec: JobsetJobSpec, reqId: string, hold: (bytes: number) => number) => JobsetJob;
}

const DEFAULT_MAX_RESULT_BYTES = 256 * 1024 * 1024;
/** What a finished evaluation's record holds besides its texts (its object, stats, times). */
const RECORD_BYTES = 256;

export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, JobRecord>();
  /** Bytes of the results held. */
  private resultBytes = 0;
  private readonly sweeper: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly pool: EvalPool, private readonly options: MemoryJobStoreOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(options.ttlMs, 60_000)));
    this.sweeper.unref();
  }

  /** Throws OverloadedError when no job can be taken now. */
  private checkRoom(): void {
    if (this.closing) throw new OverloadedError('the server is shutting down', 'shutdown');
    this.sweep();
    if (this.jobs.size >= this.options.maxJobs) throw new OverloadedError('too many jobs are held; try again later');
    if (this.pool.saturated('job')) throw new OverloadedError('too many jobs are waiting for a worker; try again later');
  }

  async submitJobset(spec: JobsetJobSpec, reqId: string): Promise<{ id: string; state: JobState }> {
    this.checkRoom();
    const id = randomUUID();
    const rec: JobRecord = {
      id, createdAt: Date.now(), started: new Float64Array(1), bytes: 0, controller: new AbortController(), done: Promise.resolve(),
    };
    const jobset = this.options.startJobset!(spec, `${reqId}/job:${id}`, (bytes) => this.hold(rec, bytes));
    rec.jobset = jobset;
    rec.done = jobset.run.done.then((summary) => {
      // A cancelled jobset's lines stay readable, so they count too.
      this.finish(rec, rec.finalState ?? summary.state, undefined);
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

  async submit(job: EvalJob, reqId: string): Promise<{ id: string; state: JobState }> {
    this.checkRoom();
    const id = randomUUID();
    const started = new SharedArrayBuffer(TASK_CELL_BYTES);
    const controller = new AbortController();
    const rec: JobRecord = {
      id, createdAt: Date.now(), started: new Float64Array(started), bytes: 0, controller, done: Promise.resolve(),
    };
    rec.done = this.pool.run(job, { reqId: `${reqId}/job:${id}`, kind: 'job', signal: controller.signal, started }).then(
      (out) => {
        this.options.onOutcome?.(out);
        this.finish(rec, out.ok ? 'succeeded' : 'failed', out);
      },
      (e) => {
        if (e instanceof CancelledError) this.finish(rec, 'cancelled', failedOutcome('cancelled', 'the job was cancelled'));
        else if (e instanceof OverloadedError) this.finish(rec, 'failed', failedOutcome('overloaded', e.message));
        else this.finish(rec, 'failed', failedOutcome('internal', (e as Error).message));
      },
    );
    this.jobs.set(id, rec);
    return { id, state: 'queued' };
  }

  /**
   * Records a job's end (once: a cancelled job keeps its state) and counts its result: an
   * evaluation's outcome, or a jobset's lines once it has stopped.
   */
  private finish(rec: JobRecord, state: Exclude<JobState, 'queued' | 'running'>, out: TaskOutcome | undefined): void {
    if (rec.finalState === undefined) {
      rec.finalState = state;
      rec.outcome = out;
      rec.finishedAt = Date.now();
    }
    // A jobset's lines were counted as they came.
    if (this.jobs.get(rec.id) !== rec || rec.bytes !== 0 || rec.jobset !== undefined) return;
    rec.bytes = out === undefined ? 0 : RECORD_BYTES + outcomeBytes(out);
    this.resultBytes += rec.bytes;
    this.makeRoom(rec);
  }

  /** Counts a running jobset's line; answers with the bytes no room could be made for (0: it fits). */
  private hold(rec: JobRecord, bytes: number): number {
    if (this.jobs.get(rec.id) !== rec) return bytes;
    this.resultBytes += bytes;
    rec.bytes += bytes;
    this.makeRoom(rec);
    const over = this.resultBytes - this.budget;
    if (over <= 0) return 0;
    this.resultBytes -= bytes;
    rec.bytes -= bytes;
    return over;
  }

  private get budget(): number {
    return this.options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
  }

  /** While over budget, forgets the finished jobs with the largest results (oldest first among equals). */
  private makeRoom(keep: JobRecord): void {
    if (this.resultBytes <= this.budget) return;
    const finished = [...this.jobs.values()].filter((r) => r.finalState !== undefined && r !== keep);
    finished.sort((a, b) => b.bytes - a.bytes || (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
    for (const r of finished) {
      if (this.resultBytes <= this.budget) break;
      this.forget(r);
    }
  }

  private forget(rec: JobRecord): void {
    if (this.jobs.get(rec.id) !== rec) return;
    this.jobs.delete(rec.id);
    this.resultBytes -= rec.bytes;
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
      this.forget(rec);
      return undefined;
    }
    return rec;
  }

  async getJson(id: string): Promise<string | undefined> {
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

  async cancel(id: string): Promise<string | undefined> {
    const rec = this.live(id);
    if (!rec) return undefined;
    if (rec.finalState === undefined && rec.jobset !== undefined) {
      rec.finalState = 'cancelled';
      rec.finishedAt = Date.now();
      rec.jobset.run.cancel();
      return this.toJson(rec);
    }
    if (rec.finalState === undefined) {
      this.finish(rec, 'cancelled', failedOutcome('cancelled', 'the job was cancelled'));
      rec.controller.abort();
      return this.toJson(rec);
    }
    const json = this.toJson(rec);
    this.forget(rec);
    return json;
  }

  async counts(): Promise<Record<JobState, number>> {
    const c: Record<JobState, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const rec of this.jobs.values()) c[this.stateOf(rec)]++;
    return c;
  }

  /** Forgets finished jobs past their TTL. */
  sweep(): void {
    const now = Date.now();
    for (const rec of this.jobs.values()) {
      const exp = this.expiresAt(rec);
      if (exp !== undefined && exp <= now) this.forget(rec);
    }
  }

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
