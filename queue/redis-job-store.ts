// The API's side of the job queue (queue.ts): the job store behind /v1/jobs when REDIS_URL is
// set. It enqueues, and answers polls, jobset lines and cancellations from Redis; it runs
// nothing itself.

import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EvalJob } from '../workers/evaluate-json.js';
import type { JobsetJobSpec, JobsetSummary } from '../workers/jobset-runner.js';
import { OverloadedError, type TaskOutcome } from '../workers/pool.js';
import {
  failedOutcome, type JobsetLines, type JobState, type JobStore, type JobView, jobJson, type QueueStatus,
} from '../routes/job-store.js';
import { HttpError } from '../routes/service.js';
import { HeldResults } from './held-results.js';
import { END_KEY, JobsetLinesStore, LINES_CHANNEL } from './jobset-lines.js';
import {
  CANCEL_CHANNEL, CANCELLED_REASON, type CancelledMark, cancelledKey, connect, type JobResult, QUEUE_NAME, type QueuedJob, STALLED_REASON,
} from './queue.js';

export interface RedisJobStoreOptions {
  url: string;
  /** How long a finished job is kept (ms). */
  ttlMs: number;
  /** Most jobs held in Redis (waiting, running and finished); more are refused. */
  maxJobs: number;
  /** Most bytes the finished jobs' results take in all (held-results.ts), and a jobset job's lines. */
  maxResultBytes: number;
}

/** How long a readiness or metrics answer about the queue is reused (ms). */
const STATUS_REUSE_MS = 250;
/** How long Redis may take to answer the readiness probe (ms). */
const STATUS_TIMEOUT_MS = 1000;
/** How often a follower of a jobset's lines looks again without being told (ms): it learns so
 * that a jobset was given up, and catches up after Redis was away. */
const FOLLOW_POLL_MS = 1000;

const UNREACHABLE: QueueStatus = { reachable: false, waiting: 0, active: 0, failed: 0, workers: 0 };
const GIVEN_UP = 'the worker running the job stopped (it died or lost Redis), and so did the worker it was retried on; the job was given up';

type QueueJob = Job<QueuedJob, JobResult>;

export class RedisJobStore implements JobStore {
  private readonly redis: Redis;
  private readonly queue: Queue<QueuedJob, JobResult>;
  private readonly lines: JobsetLinesStore;
  private readonly held: HeldResults;
  private readonly sweeper: NodeJS.Timeout;
  private status?: { at: number; value: Promise<QueueStatus> };
  private closing = false;
  private readonly underWay = new Set<Promise<unknown>>();
  /** Followers of jobsets' lines, by job id, told by one subscription (made on first need). */
  private readonly followers = new Map<string, Set<() => void>>();
  private subscriber?: Redis;

  constructor(private readonly options: RedisJobStoreOptions) {
    // Commands fail at once while Redis is away (503) rather than wait for it.
    this.redis = connect(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.queue = new Queue<QueuedJob, JobResult>(QUEUE_NAME, { connection: this.redis });
    this.queue.on('error', () => { /* Redis errors: reported by readiness and by the requests they fail */ });
    this.lines = new JobsetLinesStore(this.redis);
    this.held = new HeldResults(this.redis, this.queue, this.lines);
    this.sweeper = setInterval(() => void this.sweep(), Math.max(1000, Math.min(options.ttlMs, 60_000)));
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

  /** Jobs held in Redis, whatever their state. */
  private async jobsHeld(): Promise<number> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'paused', 'active', 'completed', 'failed');
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  private enqueue(data: QueuedJob, id: string): Promise<{ id: string; state: JobState }> {
    if (this.closing) return Promise.reject(new OverloadedError('the server is shutting down'));
    return this.withRedis(async () => {
      if (await this.jobsHeld() >= this.options.maxJobs) {
        // Finished jobs past their TTL may not have been swept yet.
        await this.sweep();
        if (await this.jobsHeld() >= this.options.maxJobs) throw new OverloadedError('too many jobs are held; try again later');
      }
      const keep = { age: Math.ceil(this.options.ttlMs / 1000) };
      await this.queue.add(data.kind, data, { jobId: id, removeOnComplete: keep, removeOnFail: keep });
      return { id, state: 'queued' as const };
    });
  }

  submit(job: EvalJob, reqId: string): Promise<{ id: string; state: JobState }> {
    const id = randomUUID();
    return this.enqueue({ kind: 'eval', job, ...this.bounds(reqId, id) }, id);
  }

  submitJobset(spec: JobsetJobSpec, reqId: string): Promise<{ id: string; state: JobState }> {
    const id = randomUUID();
    return this.enqueue({ kind: 'jobset', spec, ...this.bounds(reqId, id) }, id);
  }

  /** What a queued job carries besides itself: its log id, and this API's bounds of what it leaves. */
  private bounds(reqId: string, id: string): { reqId: string; ttlMs: number; maxResultBytes: number } {
    return { reqId: `${reqId}/job:${id}`, ttlMs: this.options.ttlMs, maxResultBytes: this.options.maxResultBytes };
  }

  /** The job as the routes show it; undefined when unknown or expired. */
  private async view(id: string): Promise<{ view: JobView; job?: QueueJob } | undefined> {
    // The state before the job's hash: a job read as finished then has its result (completing
    // writes both at once), whereas a hash read first may predate the completion.
    const [markText, bullState] = await Promise.all([this.redis.get(cancelledKey(id)), this.queue.getJobState(id)]);
    const job = await Job.fromId<QueuedJob, JobResult>(this.queue, id);
    let view: JobView;
    if (markText) {
      const mark = JSON.parse(markText) as CancelledMark;
      view = { id, kind: mark.kind, state: 'cancelled', createdAt: mark.createdAt, startedAt: mark.startedAt, finishedAt: mark.finishedAt };
      if (mark.kind === 'eval') view.outcome = failedOutcome('cancelled', 'the job was cancelled');
    } else {
      if (!job || bullState === 'unknown') return undefined;
      view = { id, kind: job.data.kind === 'jobset' ? 'jobset' : 'eval', state: 'queued', createdAt: job.timestamp, startedAt: job.processedOn, worker: job.processedBy };
      if (bullState === 'active') view.state = 'running';
      else if (bullState === 'completed' || bullState === 'failed') {
        view.finishedAt = job.finishedOn ?? Date.now();
        this.finished(view, bullState, job);
      }
    }
    if (view.finishedAt !== undefined) {
      view.expiresAt = view.finishedAt + this.options.ttlMs;
      if (view.expiresAt <= Date.now()) {
        await this.held.forget(id);
        return undefined;
      }
    }
    if (view.kind === 'jobset') await this.jobsetProgress(view);
    return { view, job };
  }

  /** A finished job's state and outcome (or a jobset's error). */
  private finished(view: JobView, bullState: 'completed' | 'failed', job: QueueJob): void {
    if (bullState === 'completed') {
      if (view.kind === 'jobset') {
        const summary = job.returnvalue as JobsetSummary;
        view.state = summary.state;
        view.jobsetError = summary.error;
      } else {
        view.outcome = job.returnvalue as TaskOutcome;
        view.state = view.outcome.ok ? 'succeeded' : 'failed';
      }
      return;
    }
    if (job.failedReason === CANCELLED_REASON) {
      view.state = 'cancelled';
      if (view.kind === 'eval') view.outcome = failedOutcome('cancelled', 'the job was cancelled');
      return;
    }
    view.state = 'failed';
    const message = job.failedReason === STALLED_REASON ? GIVEN_UP : `the worker running the job failed: ${job.failedReason}`;
    if (view.kind === 'jobset') view.jobsetError = { kind: 'internal', message };
    else view.outcome = failedOutcome('internal', message);
  }

  /** A jobset's progress and first start, as its workers left them in Redis. */
  private async jobsetProgress(view: JobView): Promise<void> {
    const stored = await this.lines.progress(view.id);
    const over = view.finishedAt !== undefined;
    if (stored?.startedAt !== undefined) view.startedAt = stored.startedAt;
    const end = stored?.finishedAt ?? view.finishedAt ?? Date.now();
    view.progress = {
      done: stored?.done ?? 0,
      failed: stored?.failed ?? 0,
      queued: over ? 0 : stored?.queued ?? 0,
      running: over ? 0 : stored?.running ?? 0,
      elapsedMs: stored?.startedAt === undefined ? 0 : Math.max(0, end - stored.startedAt),
    };
  }

  async getJson(id: string): Promise<string | undefined> {
    const found = await this.withRedis(() => this.view(id));
    return found && jobJson(found.view);
  }

  async jobsetLines(id: string, offset: number): Promise<JobsetLines | undefined> {
    return this.withRedis(async () => {
      // The job's state before its lines: a jobset read as finished has all its lines.
      const found = await this.view(id);
      if (!found || found.view.kind !== 'jobset') return undefined;
      const { view } = found;
      const finished = view.finishedAt !== undefined;
      // A jobset its workers gave up on ends with a line saying so, as one that stopped does
      // (written here, once: no worker is left to write it).
      if (view.state === 'failed' && view.jobsetError !== undefined && view.jobsetError.message === GIVEN_UP) {
        await this.lines.add(id, END_KEY, JSON.stringify({ error: view.jobsetError }), 'end', undefined, view.expiresAt!);
      }
      return { lines: await this.lines.lines(id, offset), finished };
    });
  }

  watchJobset(id: string, onChange: () => void): () => void {
    let set = this.followers.get(id);
    if (set === undefined) this.followers.set(id, set = new Set());
    set.add(onChange);
    this.subscribe();
    const timer = setInterval(onChange, FOLLOW_POLL_MS);
    return () => {
      clearInterval(timer);
      const s = this.followers.get(id);
      s?.delete(onChange);
      if (s?.size === 0) this.followers.delete(id);
    };
  }

  /** The subscription that tells followers about new lines and finished jobsets. */
  private subscribe(): void {
    if (this.subscriber !== undefined) return;
    const sub = connect(this.options.url, { maxRetriesPerRequest: null });
    this.subscriber = sub;
    sub.on('message', (_channel, id: string) => {
      for (const f of this.followers.get(id) ?? []) f();
    });
    void sub.subscribe(LINES_CHANNEL).catch(() => {});
  }

  async cancel(id: string): Promise<string | undefined> {
    return this.withRedis(async () => {
      const found = await this.view(id);
      if (!found) return undefined;
      const { view, job } = found;
      if (view.finishedAt !== undefined) {
        // Finished (cancelled included): forget it.
        await this.held.forget(id);
        return jobJson(view);
      }
      const mark: CancelledMark = { kind: view.kind, createdAt: view.createdAt, startedAt: view.startedAt, finishedAt: Date.now() };
      await this.redis.set(cancelledKey(id), JSON.stringify(mark), 'PX', this.options.ttlMs);
      await this.redis.publish(CANCEL_CHANNEL, id);
      // A waiting job leaves the queue; a running one is locked by its worker, which the
      // message above reaches. A jobset's lines so far stay readable for the TTL.
      await job?.remove().catch(() => {});
      if (view.kind === 'jobset') {
        await this.lines.expireIn(id, this.options.ttlMs);
        await this.redis.publish(LINES_CHANNEL, id);
      }
      const cancelled: JobView = { ...view, state: 'cancelled', finishedAt: mark.finishedAt, expiresAt: mark.finishedAt + this.options.ttlMs };
      if (view.kind === 'eval') cancelled.outcome = failedOutcome('cancelled', 'the job was cancelled');
      else await this.jobsetProgress(cancelled);
      return jobJson(cancelled);
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

  /** Deletes finished jobs past their TTL that nobody read (a jobset's lines expire by themselves). */
  private async sweep(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    await Promise.all([
      this.queue.clean(this.options.ttlMs, 1000, 'completed'),
      this.queue.clean(this.options.ttlMs, 1000, 'failed'),
    ]).catch(() => {});
  }

  /** Jobs run on the workers, not here: closing answers the requests under way and lets go of Redis. */
  async close(_graceMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.underWay]);
    await this.queue.close().catch(() => {});
    this.redis.disconnect();
    this.subscriber?.disconnect();
  }
}
