// A worker's side of the job queue (queue.ts): takes jobs from Redis, as many at a time as its
// pool has threads, runs them on the pool and leaves their outcomes in Redis. Used by
// `nixeval worker` (src/cli/worker.ts).
//
// A jobset job runs here as the embedded default runs one: its attributes spread over this
// pool's threads, its lines going to Redis as they come (jobset-lines.ts). When it is resumed
// after its first worker was lost, the lines already in Redis stay as they are: the attributes
// they are of are not evaluated again (unless `constituents`, whose aggregates need every
// member: those are evaluated again, and their lines, being there already, are not added).
// The resumed jobset keeps its first start, so its time limit counts from there.

import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EvalJob } from '../workers/evaluate-json.js';
import { type JobsetJobSpec, JobsetRun, type JobsetSummary, stoppedLine } from '../workers/jobset-runner.js';
import { CancelledError, type EvalPool, type TaskOutcome } from '../workers/pool.js';
import { jobsetWorkerRoom } from '../routes/service.js';
import { outcomeBytes } from '../routes/outcome.js';
import { HeldResults } from './held-results.js';
import { END_KEY, JobsetLinesStore, LINES_CHANNEL } from './jobset-lines.js';
import { CANCEL_CHANNEL, CANCELLED_REASON, cancelledKey, connect, type JobResult, QUEUE_NAME, type QueuedJob } from './queue.js';

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
  /** Called with each jobset line an attribute gave (metrics). */
  onJobsetLine?: (failed: boolean) => void;
  /** Told about jobs that did not run to their end. */
  onProblem?: (jobId: string, message: string) => void;
}

type JobsetData = Extract<QueuedJob, { kind: 'jobset' }>;

/** How often a running jobset's attributes waiting and being evaluated are written to Redis (ms). */
const ACTIVITY_MS = 500;
/** Lines sent to Redis and not yet answered past which the jobset's walk waits. */
const MAX_LINES_IN_FLIGHT = 1000;

export class QueueWorker {
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly worker: Worker<QueuedJob, JobResult>;
  private readonly lines: JobsetLinesStore;
  /** For forgetting the finished jobs that results coming in push out (held-results.ts). */
  private readonly queue: Queue<QueuedJob, JobResult>;
  private readonly held: HeldResults;

  constructor(private readonly options: QueueWorkerOptions) {
    this.redis = connect(options.url, { maxRetriesPerRequest: null });
    this.lines = new JobsetLinesStore(this.redis);
    this.queue = new Queue<QueuedJob, JobResult>(QUEUE_NAME, { connection: this.redis });
    this.queue.on('error', () => { /* Redis errors: BullMQ reconnects */ });
    this.held = new HeldResults(this.redis, this.queue, this.lines);
    this.worker = new Worker<QueuedJob, JobResult>(QUEUE_NAME, (job, _token, signal) => this.process(job, signal), {
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
      if (job?.data.kind === 'jobset') this.announce(String(job.id));
    });
    // A jobset's followers learn at once that it is over.
    this.worker.on('completed', (job) => {
      if (job.data.kind === 'jobset') this.announce(String(job.id));
    });
    this.subscriber = connect(options.url, { maxRetriesPerRequest: null });
    this.subscriber.on('message', (_channel, id: string) => { this.worker.cancelJob(id, CANCELLED_REASON); });
    void this.subscriber.subscribe(CANCEL_CHANNEL).catch(() => {});
  }

  private announce(id: string): void {
    void this.redis.publish(LINES_CHANNEL, id).catch(() => {});
  }

  /**
   * Counts a job's result among those held, as the job ends (before it shows as finished, so
   * that the jobs it pushes out are gone by then). A jobset's lines (`bytes` undefined: as
   * stored) count, a cancelled one's too: they stay readable.
   */
  private async countResult(id: string, data: QueuedJob, bytes?: number): Promise<void> {
    try {
      const size = bytes ?? (await this.lines.progress(id))?.bytes ?? 0;
      await this.held.count(id, size, Date.now() + data.ttlMs, data.maxResultBytes);
    } catch (e) {
      this.options.onProblem?.(id, `its result could not be counted among those held: ${(e as Error).message}`);
    }
  }

  /** Resolves once the worker is connected and taking jobs. */
  async ready(): Promise<void> {
    await this.worker.waitUntilReady();
    while (this.subscriber.status !== 'ready') await new Promise((r) => setTimeout(r, 20));
  }

  private async process(job: Job<QueuedJob, JobResult>, signal?: AbortSignal): Promise<JobResult> {
    // Cancelled while it waited (and taken before the API could remove it).
    if (await this.redis.exists(cancelledKey(String(job.id)))) throw new UnrecoverableError(CANCELLED_REASON);
    const data = job.data;
    if (data.kind === 'jobset') return this.runJobset(String(job.id), data, signal);
    try {
      const out = await this.options.pool.run(this.onThisMachine(data.job), { reqId: data.reqId, signal });
      this.options.onOutcome?.(out);
      await this.countResult(String(job.id), data, outcomeBytes(out));
      return out;
    } catch (e) {
      if (e instanceof CancelledError) throw new UnrecoverableError(CANCELLED_REASON);
      throw e;
    }
  }

  /** The job with this machine's allowed roots and maximums. */
  private onThisMachine<T extends EvalJob | JobsetJobSpec>(job: T): T {
    const { limits, pool } = this.options;
    return {
      ...job,
      allowedRoots: this.options.allowedRoots,
      timeoutMs: Math.min(job.timeoutMs, limits.jobTimeoutMs),
      maxMemoryMb: Math.min(job.maxMemoryMb, pool.maxMemoryMb),
      maxOutputBytes: Math.min(job.maxOutputBytes, limits.maxOutputBytes),
    };
  }

  private jobsetOnThisMachine(spec: JobsetJobSpec): JobsetJobSpec {
    const s = this.onThisMachine(spec);
    const room = jobsetWorkerRoom(this.options.pool.workerHeapMb, s.maxMemoryMb);
    // `host` (the whole filesystem) is the command line's alone, never a queued job's.
    return { ...s, host: undefined, maxWorkerMemoryMb: Math.min(s.maxWorkerMemoryMb ?? room, room), totalTimeoutMs: Math.min(s.totalTimeoutMs, this.options.limits.jobTimeoutMs) };
  }

  /** Runs (or resumes) a jobset, its lines going to Redis. */
  private async runJobset(id: string, data: JobsetData, signal?: AbortSignal): Promise<JobsetSummary> {
    const spec = this.jobsetOnThisMachine(data.spec);
    const { firstStartedAt, keys, summary: before } = await this.lines.begin(id, Date.now());
    // An earlier attempt ran it to its end, and was lost before saying so.
    if (before !== undefined) return this.finishJobset(id, data, before);
    const expireAt = firstStartedAt + spec.totalTimeoutMs + data.ttlMs;
    const inFlight = new Set<Promise<void>>();
    const run = JobsetRun.onPool(this.options.pool, spec, data.reqId, {
      firstStartedAt,
      skip: spec.flags.constituents || keys.size === 0 ? undefined : (path) => keys.has(JSON.stringify(path)),
      onLine: (line, failed, path) => {
        this.options.onJobsetLine?.(failed);
        // The activity as this line comes out is recorded with it (queue/jobset-lines.ts).
        const { queued, running } = run.progress();
        const added = this.lines.add(id, JSON.stringify(path), line, failed ? 'error' : 'derivation', data.maxResultBytes, expireAt, { queued, running }).then((r) => {
          if (r === 'over-limit') run.fail({ kind: 'output-limit', message: `the jobset's lines take more than the limit of ${data.maxResultBytes} bytes` });
          else if (r === 'cancelled') run.cancel();
        }, (e: unknown) => run.fail({ kind: 'internal', message: `internal error: a line could not be written to Redis: ${(e as Error).message}` }));
        inFlight.add(added);
        void added.finally(() => inFlight.delete(added));
      },
      // Lines written slowly (Redis far away or busy) hold the walk back.
      ready: () => (inFlight.size > MAX_LINES_IN_FLIGHT ? Promise.race(inFlight) : undefined),
    });
    const cancel = (): void => run.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    // Between lines (an attribute handed out, a set walked), the activity is recorded every
    // ACTIVITY_MS. It goes on the lines' connection, so Redis counts every line the run had
    // counted before it is applied, and the counts read together still add up.
    const activity = setInterval(() => {
      const p = run.progress();
      void this.lines.setActivity(id, p.queued, p.running, expireAt).catch(() => {});
    }, ACTIVITY_MS);
    let summary: JobsetSummary;
    try {
      summary = await run.done;
      await Promise.all(inFlight);
    } finally {
      clearInterval(activity);
      signal?.removeEventListener('abort', cancel);
    }
    if (summary.state === 'cancelled') {
      await this.countResult(id, data);
      throw new UnrecoverableError(CANCELLED_REASON);
    }
    return this.finishJobset(id, data, summary);
  }

  /** Records a jobset's end: its summary (with the counts of all its attempts), its end line, and its lines among the results held. */
  private async finishJobset(id: string, data: JobsetData, summary: JobsetSummary): Promise<JobsetSummary> {
    const stored = await this.lines.progress(id);
    const final = { ...summary, done: stored?.done ?? summary.done, failed: stored?.failed ?? summary.failed };
    const finishedAt = Date.now();
    await this.lines.finish(id, finishedAt, data.ttlMs, final);
    const stopped = stoppedLine(final);
    if (stopped !== undefined) await this.lines.add(id, END_KEY, stopped, 'end', undefined, finishedAt + data.ttlMs);
    await this.countResult(id, data);
    return final;
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
    await this.queue.close().catch(() => {});
    this.redis.disconnect();
  }
}
