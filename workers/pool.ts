// The main thread's side of the worker pool: a Piscina pool of eval-worker.ts, with the limits
// of each task enforced from outside as well as inside.
//
// - Time: the VM stops at its deadline with a `timeout` error. As a backstop, a sweeper
//   terminates the worker of a task still running `graceMs` after its deadline (counted from
//   the moment the task started, which the worker writes into a shared cell); Piscina then
//   starts a new worker, and the task is answered with `timeout`.
// - Memory: the evaluation checks the heap as it runs (evaluate-json.ts) and stops at its
//   limit with `memory-limit`. Behind that, every worker runs under V8 resource limits
//   (maxOldGenerationSizeMb, twice the server's maximum and at least 256 MiB more): a worker
//   that reaches them is terminated and replaced by Piscina, and its task is answered with
//   `memory-limit`. (V8 can still abort the whole process when one single allocation jumps
//   past its limit — a builtin allocating a huge array at once — which is why the check
//   during evaluation keeps well below it.)
// - A worker that dies for any other reason fails only its own task (`internal`).
// - A worker may ask to be replaced once its task is done (a jobset's worker whose heap grew
//   past the jobset's threshold): it gets no more tasks, and is stopped and replaced.

import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { EvalTask, WorkerData } from './eval-worker.js';
import { errorBody, type ErrorBody, type EvalJob, type EvalOutcome } from './evaluate-json.js';
import type { JobsetBatchResult, JobsetBatchTask } from './jobset-task.js';
import { CELL_DONE, CELL_START, CELL_THREAD, clearRetirement, isRetiring, newRetirementList, TASK_CELL_BYTES } from './shared-memory.js';

export { CELL_DONE, CELL_START, CELL_THREAD, TASK_CELL_BYTES };

export interface PoolOptions {
  /** Worker threads. */
  workers?: number;
  /** Tasks that may wait for a worker; more are refused (`OverloadedError`). */
  maxQueue?: number;
  /** The most heap (MiB) one evaluation may use: the server's maximum. */
  maxMemoryMb?: number;
  /** Stack of each worker (MiB). */
  stackSizeMb?: number;
  /** How long after its deadline a task that has not stopped is aborted. */
  graceMs?: number;
  /** pino level of the workers' own log lines. */
  logLevel?: string;
}

/** The pool cannot take more work now (503). */
export class OverloadedError extends Error {
  constructor(message = 'the evaluation queue is full; try again later') {
    super(message);
  }
}

/** The task was cancelled by its owner (a job's DELETE). */
export class CancelledError extends Error {
  constructor() {
    super('the evaluation was cancelled');
  }
}

export type TaskOutcome = EvalOutcome & { worker?: number; queueMs: number };

export interface RunOptions {
  reqId: string;
  /** Aborting it cancels the task (queued or running). */
  signal?: AbortSignal;
  /** The task's shared cell (TASK_CELL_BYTES): the worker sets the start time (ms since epoch,
   * index CELL_START of a Float64Array) when the task runs, so the caller may tell queued
   * from running. */
  started?: SharedArrayBuffer;
}

const WORKER_FILE = new URL('./eval-worker.js', import.meta.url).href;
const NO_REQUIRE_ESM = '--no-experimental-require-module';

/** How often overdue tasks are looked for. */
const SWEEP_MS = 50;

interface Watched {
  state: Float64Array;
  limitMs: number;
  timedOut: boolean;
}

function isOutOfMemory(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | undefined;
  return err?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(err?.message ?? '');
}

export class EvalPool {
  readonly workers: number;
  readonly maxQueue: number;
  readonly maxMemoryMb: number;
  /** V8's heap limit for each worker (the backstop). */
  readonly workerHeapMb: number;
  private readonly graceMs: number;
  private readonly piscina: Piscina;
  /** Tasks submitted and not settled. */
  private inFlight = 0;
  private closed = false;
  private readonly watch = new Set<Watched>();
  private readonly sweeper: NodeJS.Timeout;
  /** Workers lost (out of memory, overdue, crashed) and replaced. */
  workersReplaced = 0;
  /** Workers replaced because they asked to be (their heap grew past a jobset's threshold). */
  workersRetired = 0;
  /** Threads that asked to be replaced after their task (shared-memory.ts). */
  private readonly retiring: Int32Array;

  constructor(options: PoolOptions = {}) {
    this.workers = Math.max(1, options.workers ?? availableParallelism());
    this.maxQueue = Math.max(0, options.maxQueue ?? this.workers * 64);
    this.maxMemoryMb = Math.max(16, options.maxMemoryMb ?? 512);
    this.workerHeapMb = Math.max(2 * this.maxMemoryMb, this.maxMemoryMb + 256);
    this.graceMs = options.graceMs ?? 500;
    const retirement = newRetirementList();
    this.retiring = new Int32Array(retirement);
    const workerData: WorkerData = { logLevel: options.logLevel ?? 'info', retirement };
    this.piscina = new Piscina({
      filename: WORKER_FILE,
      minThreads: this.workers,
      maxThreads: this.workers,
      maxQueue: this.maxQueue,
      idleTimeout: 0,
      resourceLimits: { maxOldGenerationSizeMb: this.workerHeapMb, stackSizeMb: options.stackSizeMb ?? 8 },
      workerData,
      // Piscina loads the worker file with require() first. On Node 20.19+ that loads ES modules
      // too, and two tasks arriving together can crash the process inside V8 (IsGraphAsync on a
      // module not yet instantiated); without require(esm), Piscina falls back to import().
      execArgv: [...process.execArgv, ...(process.allowedNodeEnvironmentFlags.has(NO_REQUIRE_ESM) ? [NO_REQUIRE_ESM] : [])],
      // Measured on 2 cores: 'sync' costs the main thread less per task than 'async' or 'disabled'.
      atomics: 'sync',
      // The first idle worker that has not asked to be replaced (one task per worker).
      loadBalancer: (_task, workers) => workers.find((w) => w.currentUsage === 0 && !isRetiring(this.retiring, w.id)) ?? null,
    });
    this.piscina.on('error', () => { /* a worker's error is its task's failure, handled there */ });
    this.piscina.on('workerDestroy', (w: { id: number }) => clearRetirement(this.retiring, w.id));
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.piscina.queueSize;
  }

  /** Workers running a task: what is in flight and not waiting in the queue. */
  get busy(): number {
    return Math.max(0, this.inFlight - this.piscina.queueSize);
  }

  /** Tasks submitted and not settled. */
  get pending(): number {
    return this.inFlight;
  }

  /** Worker threads alive. */
  get threads(): number {
    return this.piscina.threads.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether `n` more tasks would overflow the queue (what waits beyond the workers). */
  wouldOverflow(n = 1): boolean {
    return this.inFlight + n - this.workers > this.maxQueue;
  }

  get saturated(): boolean {
    return this.closed || this.wouldOverflow(1);
  }

  /** Runs one evaluation. Resolves with its outcome (limits included); rejects only with
   * OverloadedError or CancelledError. */
  async run(job: EvalJob, opts: RunOptions): Promise<TaskOutcome> {
    const cell = opts.started ?? new SharedArrayBuffer(TASK_CELL_BYTES);
    const state = new Float64Array(cell);
    const task: EvalTask = { ...job, reqId: opts.reqId, started: cell };
    const submitted = Date.now();
    const r = await this.execute<EvalOutcome & { worker: number }>(undefined, task, job.timeoutMs, opts.signal);
    const startedAt = state[CELL_START];
    if (r.ok) return { ...r.value, queueMs: Math.max(0, startedAt - submitted) };
    return {
      ok: false, error: r.error, warnings: [], traces: [],
      queueMs: startedAt === 0 ? Date.now() - submitted : Math.max(0, startedAt - submitted),
      stats: { evalMs: startedAt === 0 ? 0 : Date.now() - startedAt, heapGrowthMb: 0, importCacheHits: 0, importCacheMisses: 0 },
    };
  }

  /**
   * Evaluates a batch of a jobset's attributes (jobset-task.ts), each within `timeoutMs`.
   * When the worker is lost, resolves with the error and the task's cell tells which item was
   * running. Rejects only with OverloadedError or CancelledError.
   */
  async runJobsetBatch(task: JobsetBatchTask, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: true; value: JobsetBatchResult } | { ok: false; error: ErrorBody }> {
    return this.execute<JobsetBatchResult>('jobsetBatch', task, timeoutMs, signal);
  }

  /**
   * Runs a task on a worker (`name`: the export of eval-worker.ts, default the evaluation),
   * with the backstop timer (the task's `started` cell counts from when its evaluation, or its
   * current item, started) and cancellation. A lost worker is the task's error.
   */
  private async execute<T>(name: string | undefined, task: { started: SharedArrayBuffer }, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: true; value: T } | { ok: false; error: ErrorBody }> {
    if (this.closed) throw new OverloadedError('the server is shutting down');
    if (this.wouldOverflow(1)) throw new OverloadedError();
    const state = new Float64Array(task.started);
    const watched: Watched = { state, limitMs: timeoutMs + this.graceMs, timedOut: false };
    this.watch.add(watched);
    // Only a cancellable task (a job) needs an abort signal; an overdue one has its worker
    // terminated by the sweeper.
    let cancelled = false;
    let ac: AbortController | undefined;
    const onCancel = (): void => {
      cancelled = true;
      ac!.abort(new CancelledError());
    };
    if (signal) {
      ac = new AbortController();
      if (signal.aborted) onCancel();
      else signal.addEventListener('abort', onCancel, { once: true });
    }
    this.inFlight++;
    try {
      const options = ac || name ? { signal: ac?.signal, name } : undefined;
      return { ok: true, value: (await this.piscina.run(task, options)) as T };
    } catch (e) {
      if (cancelled) throw new CancelledError();
      if (watched.timedOut) {
        this.workersReplaced++;
        return { ok: false, error: errorBody('timeout', `evaluation timed out after ${timeoutMs} ms (the worker did not stop and was replaced)`) };
      }
      if (isOutOfMemory(e)) {
        this.workersReplaced++;
        return { ok: false, error: errorBody('memory-limit', `evaluation ran out of memory (the worker's heap limit is ${this.workerHeapMb} MiB); the worker was replaced`) };
      }
      const msg = (e as Error)?.message ?? String(e);
      if (/queue is at limit|no task queue available/i.test(msg)) throw new OverloadedError();
      if (this.closed || /pool is closed|queue is being terminated/i.test(msg)) throw new OverloadedError('the server is shutting down');
      this.workersReplaced++;
      return { ok: false, error: errorBody('internal', `the worker running the evaluation failed: ${msg}`) };
    } finally {
      this.inFlight--;
      this.watch.delete(watched);
      signal?.removeEventListener('abort', onCancel);
      this.retireIfAsked(state[CELL_THREAD]);
    }
  }

  /** Stops a worker that asked to be replaced (it is idle: the balancer gives it no task). */
  private retireIfAsked(threadId: number): void {
    if (threadId === 0 || !isRetiring(this.retiring, threadId)) return;
    const worker = this.piscina.threads.find((t) => t.threadId === threadId);
    if (!worker) return;
    this.workersRetired++;
    void worker.terminate();
  }

  /** The backstop: terminates the worker of every task that is past its deadline and grace. */
  private sweep(): void {
    if (this.watch.size === 0) return;
    const now = Date.now();
    for (const w of this.watch) {
      const start = w.state[CELL_START];
      if (start === 0 || w.timedOut || w.state[CELL_DONE] !== 0 || now - start < w.limitMs) continue;
      const worker = this.piscina.threads.find((t) => t.threadId === w.state[CELL_THREAD]);
      if (!worker) continue;
      w.timedOut = true;
      void worker.terminate();
    }
  }

  /** Lets queued and running tasks finish (for at most `graceMs`), then stops the workers. */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The backstop keeps working while in-flight tasks finish.
    const stopSweeper = (): void => clearInterval(this.sweeper);
    let timer: NodeJS.Timeout | undefined;
    const gentle = this.piscina.close().then(() => true, () => false);
    const deadline = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), graceMs); });
    const finished = await Promise.race([gentle, deadline]);
    if (timer) clearTimeout(timer);
    if (!finished) await this.piscina.destroy().catch(() => {});
    stopSweeper();
  }
}
