// Job stores: what the job routes need from one (JobStore), the JSON of a job whichever store
// holds it, and the in-memory store of the embedded default (MemoryJobStore): asynchronous
// evaluations submitted, run on the pool, polled and cancelled; a finished job is kept for a
// TTL and then forgotten. With REDIS_URL, queue/redis-job-store.ts takes its place.

import { randomUUID } from 'node:crypto';
import type { EvalJob } from '../workers/evaluate-json.js';
import { CancelledError, type EvalPool, OverloadedError, TASK_CELL_BYTES, type TaskOutcome } from '../workers/pool.js';
import { outcomeMembers } from './service.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

type Awaitable<T> = T | Promise<T>;

/** A job store as the routes use it. */
export interface JobStore {
  /** Submits an evaluation; throws OverloadedError when no more can be taken now. */
  submit(job: EvalJob, reqId: string): Awaitable<{ id: string; state: JobState }>;
  /** The job as JSON text, or undefined when unknown or expired. */
  getJson(id: string): Awaitable<string | undefined>;
  /** Cancels an unfinished job or forgets a finished one; the job as it is then, or undefined when unknown. */
  cancel(id: string): Awaitable<string | undefined>;
  /** Jobs by state (metrics). */
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
  state: JobState;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  expiresAt?: number;
  /** The worker process that ran it (Redis-backed store). */
  worker?: string;
  outcome?: TaskOutcome;
}

/** A job as JSON text: the value of a result is spliced in as the evaluator printed it. */
export function jobJson(v: JobView): string {
  const iso = (t: number | undefined): string | undefined => (t === undefined || t === 0 ? undefined : new Date(t).toISOString());
  const head = JSON.stringify({
    id: v.id,
    state: v.state,
    createdAt: iso(v.createdAt),
    startedAt: iso(v.startedAt),
    finishedAt: iso(v.finishedAt),
    expiresAt: iso(v.expiresAt),
    worker: v.worker,
  });
  const out = v.outcome;
  if (!out) return head;
  const durationMs = (v.finishedAt ?? Date.now()) - v.createdAt;
  const body = out.ok ? `"result":{${outcomeMembers(out, durationMs)}}` : `"error":${JSON.stringify(out.error)}`;
  return `${head.slice(0, -1)},${body}}`;
}

/** The outcome of a job that did not run to its end (cancelled, or its worker failed). */
export function failedOutcome(kind: 'cancelled' | 'overloaded' | 'internal', message: string): TaskOutcome {
  return {
    ok: false, error: { kind: kind as 'cancelled', message, position: null, trace: [] },
    warnings: [], traces: [], stats: { evalMs: 0, heapGrowthMb: 0, importCacheHits: 0, importCacheMisses: 0 }, queueMs: 0,
  };
}

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
}

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

  /** Submits an evaluation; throws OverloadedError when the pool or the store is full. */
  submit(job: EvalJob, reqId: string): { id: string; state: JobState } {
    if (this.closing) throw new OverloadedError('the server is shutting down');
    this.sweep();
    if (this.jobs.size >= this.options.maxJobs) throw new OverloadedError('too many jobs are held; try again later');
    if (this.pool.saturated) throw new OverloadedError();
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
    const out = rec.outcome;
    if (!out) return 0;
    let n = out.ok ? out.json.length : out.error.message.length + (out.error.rendered?.length ?? 0);
    for (const m of out.warnings) n += m.length;
    for (const m of out.traces) n += m.length;
    return n;
  }

  /** Counts a finished job's result, forgetting the oldest finished jobs while over budget. */
  private account(rec: JobRecord): void {
    this.resultBytes += MemoryJobStore.sizeOf(rec);
    const budget = this.options.maxResultBytes ?? 256 * 1024 * 1024;
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
    return rec.finalState ?? (rec.started[0] !== 0 ? 'running' : 'queued');
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
    return jobJson({
      id: rec.id, state: this.stateOf(rec), createdAt: rec.createdAt, startedAt: rec.started[0],
      finishedAt: rec.finishedAt, expiresAt: this.expiresAt(rec), outcome: rec.outcome,
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
