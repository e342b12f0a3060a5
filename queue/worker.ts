// A worker's side of the job queue (queue.ts): takes jobs from Redis, as many at a time as its
// pool has threads, runs them on the pool and leaves their outcomes in Redis. Used by
// `nixeval worker` (src/cli/worker.ts).

import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EvalJob } from '../workers/evaluate-json.js';
import { CancelledError, type EvalPool, type TaskOutcome } from '../workers/pool.js';
import { CANCEL_CHANNEL, CANCELLED_REASON, cancelledKey, connect, QUEUE_NAME, type QueuedJob } from './queue.js';

export interface QueueWorkerOptions {
  url: string;
  pool: EvalPool;
  /** This worker's name (host:pid): what a job's `worker` says. */
  name: string;
  /** Directories evaluations may read here (a job's own list is the API's, not this machine's). */
  allowedRoots: string[];
  /** This worker's maximums: a job asking more gets these. */
  limits: { jobTimeoutMs: number; maxOutputBytes: number };
  /** How long a job's lock lasts without renewal: after that, a silent (dead) worker's job is
   * given to another. Renewed every half of it; stalls are looked for as often. */
  lockMs: number;
  /** Called with each outcome (metrics). */
  onOutcome?: (out: TaskOutcome) => void;
  /** Told about jobs that did not run to their end. */
  onProblem?: (jobId: string, message: string) => void;
}

export class QueueWorker {
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly worker: Worker<QueuedJob, TaskOutcome>;

  constructor(private readonly options: QueueWorkerOptions) {
    this.redis = connect(options.url, { maxRetriesPerRequest: null });
    this.worker = new Worker<QueuedJob, TaskOutcome>(QUEUE_NAME, (job, _token, signal) => this.process(job, signal), {
      connection: this.redis,
      name: options.name,
      concurrency: options.pool.workers,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      maxStalledCount: 1,
    });
    this.worker.on('error', () => { /* Redis errors: BullMQ reconnects */ });
    this.worker.on('failed', (job, err) => {
      if (job && err.message !== CANCELLED_REASON) options.onProblem?.(String(job.id), err.message);
    });
    this.subscriber = connect(options.url, { maxRetriesPerRequest: null });
    this.subscriber.on('message', (_channel, id: string) => { this.worker.cancelJob(id, CANCELLED_REASON); });
    void this.subscriber.subscribe(CANCEL_CHANNEL).catch(() => {});
  }

  /** Resolves once the worker is connected and taking jobs. */
  async ready(): Promise<void> {
    await this.worker.waitUntilReady();
    while (this.subscriber.status !== 'ready') await new Promise((r) => setTimeout(r, 20));
  }

  private async process(job: Job<QueuedJob, TaskOutcome>, signal?: AbortSignal): Promise<TaskOutcome> {
    // Cancelled while it waited (and taken before the API could remove it).
    if (await this.redis.exists(cancelledKey(String(job.id)))) throw new UnrecoverableError(CANCELLED_REASON);
    try {
      const out = await this.options.pool.run(this.onThisMachine(job.data.job), { reqId: job.data.reqId, signal });
      this.options.onOutcome?.(out);
      return out;
    } catch (e) {
      if (e instanceof CancelledError) throw new UnrecoverableError(CANCELLED_REASON);
      throw e;
    }
  }

  /** The job with this machine's allowed roots and maximums. */
  private onThisMachine(job: EvalJob): EvalJob {
    const { limits, pool } = this.options;
    return {
      ...job,
      allowedRoots: this.options.allowedRoots,
      timeoutMs: Math.min(job.timeoutMs, limits.jobTimeoutMs),
      maxMemoryMb: Math.min(job.maxMemoryMb, pool.maxMemoryMb),
      maxOutputBytes: Math.min(job.maxOutputBytes, limits.maxOutputBytes),
    };
  }

  /** Takes no more jobs and lets the running ones finish within `graceMs`; past it, they are
   * left to stall, and other workers take them. */
  async close(graceMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.worker.close().then(() => true, () => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), graceMs); }),
    ]);
    clearTimeout(timer);
    if (!finished) await this.worker.close(true).catch(() => {});
    this.subscriber.disconnect();
    this.redis.disconnect();
  }
}
