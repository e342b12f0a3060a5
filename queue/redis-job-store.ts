// The API's side of the job queue (queue.ts): the job store behind /v1/jobs when REDIS_URL is
// set. It enqueues, and answers polls and cancellations from Redis; it runs nothing itself.

import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EvalJob } from '../workers/evaluate-json.js';
import { OverloadedError, type TaskOutcome } from '../workers/pool.js';
import { failedOutcome, type JobState, type JobStore, type JobView, jobJson, type QueueStatus } from '../routes/jobs-store.js';
import { HttpError } from '../routes/service.js';
import {
  CANCEL_CHANNEL, CANCELLED_REASON, type CancelledMark, cancelledKey, connect, QUEUE_NAME, type QueuedJob, STALLED_REASON,
} from './queue.js';

export interface RedisJobStoreOptions {
  url: string;
  /** How long a finished job is kept (ms). */
  ttlMs: number;
}

/** How long a readiness or metrics answer about the queue is reused (ms). */
const STATUS_REUSE_MS = 250;
/** How long Redis may take to answer the readiness probe (ms). */
const STATUS_TIMEOUT_MS = 1000;

const UNREACHABLE: QueueStatus = { reachable: false, waiting: 0, active: 0, failed: 0, workers: 0 };

export class RedisJobStore implements JobStore {
  private readonly redis: Redis;
  private readonly queue: Queue<QueuedJob, TaskOutcome>;
  private readonly ttlMs: number;
  private readonly sweeper: NodeJS.Timeout;
  private status?: { at: number; value: Promise<QueueStatus> };
  private closing = false;
  private readonly underWay = new Set<Promise<unknown>>();

  constructor(options: RedisJobStoreOptions) {
    this.ttlMs = options.ttlMs;
    // Commands fail at once while Redis is away (503) rather than wait for it.
    this.redis = connect(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.queue = new Queue<QueuedJob, TaskOutcome>(QUEUE_NAME, { connection: this.redis });
    this.queue.on('error', () => { /* Redis errors: reported by readiness and by the requests they fail */ });
    this.sweeper = setInterval(() => void this.sweep(), Math.max(1000, Math.min(this.ttlMs, 60_000)));
    this.sweeper.unref();
  }

  /** Runs a request's Redis operations, answering 503 when Redis is not there. Closing waits
   * for the operations under way, so that requests in flight at shutdown are answered. */
  private withRedis<T>(f: () => Promise<T>): Promise<T> {
    const unavailable = (): HttpError => new HttpError(503, 'overloaded', 'the job queue (Redis) does not answer; try again later');
    if (this.redis.status !== 'ready') return Promise.reject(unavailable());
    const op = f().catch((e: unknown) => {
      if (this.redis.status !== 'ready' || /Connection is closed|Stream isn't writeable|ECONNREFUSED|ETIMEDOUT/i.test(String((e as Error)?.message))) throw unavailable();
      throw e;
    });
    this.underWay.add(op);
    const forget = (): void => { this.underWay.delete(op); };
    op.then(forget, forget);
    return op;
  }

  async submit(job: EvalJob, reqId: string): Promise<{ id: string; state: JobState }> {
    if (this.closing) throw new OverloadedError('the server is shutting down');
    const id = randomUUID();
    const keep = { age: Math.ceil(this.ttlMs / 1000) };
    await this.withRedis(() => this.queue.add('eval', { job, reqId: `${reqId}/job:${id}` }, { jobId: id, removeOnComplete: keep, removeOnFail: keep }));
    return { id, state: 'queued' };
  }

  /** The job as the routes show it; undefined when unknown or expired. */
  private async view(id: string): Promise<{ view: JobView; job?: Job<QueuedJob, TaskOutcome> } | undefined> {
    // The state before the job's hash: a job read as finished then has its result (completing
    // writes both at once), whereas a hash read first may predate the completion.
    const [markText, bullState] = await Promise.all([this.redis.get(cancelledKey(id)), this.queue.getJobState(id)]);
    const job = await Job.fromId<QueuedJob, TaskOutcome>(this.queue, id);
    if (markText) {
      const mark = JSON.parse(markText) as CancelledMark;
      return {
        view: { id, state: 'cancelled', ...mark, expiresAt: mark.finishedAt + this.ttlMs, outcome: failedOutcome('cancelled', 'the job was cancelled') },
        job,
      };
    }
    if (!job) return undefined;
    const view: JobView = { id, state: 'queued', createdAt: job.timestamp, startedAt: job.processedOn, worker: job.processedBy };
    if (bullState === 'active') view.state = 'running';
    else if (bullState === 'completed' || bullState === 'failed') {
      view.finishedAt = job.finishedOn ?? Date.now();
      view.expiresAt = view.finishedAt + this.ttlMs;
      if (view.expiresAt <= Date.now()) {
        await job.remove().catch(() => {});
        return undefined;
      }
      if (bullState === 'completed') {
        view.outcome = job.returnvalue;
        view.state = job.returnvalue.ok ? 'succeeded' : 'failed';
      } else if (job.failedReason === CANCELLED_REASON) {
        view.state = 'cancelled';
        view.outcome = failedOutcome('cancelled', 'the job was cancelled');
      } else {
        view.state = 'failed';
        view.outcome = failedOutcome('internal', job.failedReason === STALLED_REASON
          ? 'the worker running the job stopped (it died or lost Redis), and so did the worker it was retried on; the job was given up'
          : `the worker running the job failed: ${job.failedReason}`);
      }
    } else if (bullState === 'unknown') {
      return undefined;
    }
    return { view, job };
  }

  async getJson(id: string): Promise<string | undefined> {
    const found = await this.withRedis(() => this.view(id));
    return found && jobJson(found.view);
  }

  async cancel(id: string): Promise<string | undefined> {
    return this.withRedis(async () => {
      const found = await this.view(id);
      if (!found) return undefined;
      const { view, job } = found;
      if (view.finishedAt !== undefined) {
        // Finished (cancelled included): forget it.
        await Promise.all([this.redis.del(cancelledKey(id)), job?.remove().catch(() => {})]);
        return jobJson(view);
      }
      const mark: CancelledMark = { createdAt: view.createdAt, startedAt: view.startedAt, finishedAt: Date.now() };
      await this.redis.set(cancelledKey(id), JSON.stringify(mark), 'PX', this.ttlMs);
      await this.redis.publish(CANCEL_CHANNEL, id);
      // A waiting job leaves the queue; a running one is locked by its worker, which the
      // message above reaches.
      await job?.remove().catch(() => {});
      return jobJson({ id, state: 'cancelled', ...mark, expiresAt: mark.finishedAt + this.ttlMs, outcome: failedOutcome('cancelled', 'the job was cancelled') });
    });
  }

  counts(): Record<string, number> {
    // The queue's own gauges (queueStatus) describe the jobs held in Redis.
    return {};
  }

  queueStatus(): Promise<QueueStatus> {
    const now = Date.now();
    if (this.status && now - this.status.at < STATUS_REUSE_MS) return this.status.value;
    const value = this.readStatus();
    this.status = { at: now, value };
    return value;
  }

  private async readStatus(): Promise<QueueStatus> {
    if (this.redis.status !== 'ready') return UNREACHABLE;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), STATUS_TIMEOUT_MS); });
    const read = Promise.all([
      this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed'),
      this.queue.getWorkersCount(),
    ]).catch(() => undefined);
    const got = await Promise.race([read, timeout]);
    clearTimeout(timer);
    if (!got) return UNREACHABLE;
    const [c, workers] = got;
    return { reachable: true, waiting: c.waiting + c.prioritized + c.delayed, active: c.active, failed: c.failed, workers };
  }

  /** Deletes finished jobs past their TTL that nobody read. */
  private async sweep(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    await Promise.all([
      this.queue.clean(this.ttlMs, 1000, 'completed'),
      this.queue.clean(this.ttlMs, 1000, 'failed'),
    ]).catch(() => {});
  }

  /** Jobs run on the workers, not here: closing answers the requests under way and lets go of Redis. */
  async close(_graceMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.underWay]);
    await this.queue.close().catch(() => {});
    this.redis.disconnect();
  }
}
