// The main thread's side of the worker pool: a Piscina pool of eval-worker.ts, a fair queue in
// front of it, and the limits of each task enforced from outside as well as inside.
//
// - Capacity: synchronous evaluations (`sync`) and jobs (`job`) wait in queues of their own and
//   are given a worker oldest first, but jobs never hold more than `maxJobWorkers` workers
//   (by default all but one), so a few long jobs cannot keep `/v1/eval` waiting. Piscina is
//   only handed a task when a worker is free, so nothing waits where it cannot be seen.
// - Prefetch: while every worker is busy with evaluations (no job running or waiting), one more
//   evaluation may be given to a busy worker, where it waits in the worker's port and starts
//   the moment the task before it ends, without a round trip through the main thread. If
//   another worker becomes free first, or the task waits past its start limit, is cancelled, or
//   its worker is lost, the pool takes it back (its cell's claim: shared-memory.ts) and runs it
//   elsewhere, refuses it or cancels it, as if it had waited in the queue.
// - Waiting: a task that has not started within its own time limit leaves the queue with
//   OverloadedError (503 for a request); one whose owner goes away (its client disconnected,
//   its job was cancelled) leaves it with CancelledError.
// - Cancelling a running task sets a flag in its shared cell, which the evaluation checks with
//   its deadline and stops at (`cancelled`). A worker that does not stop within `graceMs`
//   is terminated and replaced.
// - Time: the VM stops at its deadline with `timeout`. As a backstop, the sweeper terminates
//   the worker of a task still running `graceMs` after its deadline (counted from the moment
//   it started, which the worker writes into the cell); its task is answered with `timeout`.
// - Memory: the evaluation asks its memory budget before every large allocation and stops at
//   its limit with `memory-limit` (src/limits). Behind that, every worker runs under V8
//   resource limits (maxOldGenerationSizeMb: the server's maximum, the worker's caches and a
//   margin): a worker that reaches them is replaced and its task answered with `memory-limit`.
// - A worker that dies for any other reason fails only its own task (`internal`).
// - A worker may ask to be replaced once its task is done (a jobset's worker whose heap grew
//   past the jobset's threshold): it gets no more tasks, and is stopped and replaced.
//
// Tasks are evaluations (`run`) and batches of a jobset's attributes (`runJobsetBatch`, which
// use the jobs' share of the workers).

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { EvalTask, WorkerData } from './eval-worker.js';
import { errorBody, type ErrorBody, type EvalJob, type EvalOutcome } from './evaluate-json.js';
import type { JobsetBatchResult, JobsetBatchTask } from './jobset-task.js';
import {
  CELL_CANCEL, CELL_DONE, CELL_START, CELL_THREAD, cellOf, claimOf, clearRetirement, isRetiring, newCellTable, newRetirementList, revokeTask, TASK_CELL_BYTES,
} from './shared-memory.js';
import { WORKER_CACHE_MB } from './worker-caches.js';

export { CELL_DONE, CELL_START, CELL_THREAD, TASK_CELL_BYTES };

export interface PoolOptions {
  /** Worker threads. */
  workers?: number;
  /** Tasks of each kind that may wait for a worker; more are refused (`OverloadedError`). */
  maxQueue?: number;
  /** Workers jobs may hold at once (default: all but one, at least one). */
  maxJobWorkers?: number;
  /** The most heap (MiB) one evaluation may use: the server's maximum. */
  maxMemoryMb?: number;
  /** Stack of each worker (MiB): parsing and compiling follow the nesting of the source. */
  stackSizeMb?: number;
  /**
   * V8's young generation of each worker (MiB, resourceLimits.maxYoungGenerationSizeMb; V8
   * makes its semi-spaces a third of it, rounded up to a power of two). Default
   * DEFAULT_YOUNG_GENERATION_MB; 0: V8's own (48).
   */
  youngGenerationMb?: number;
  /** How long after its deadline (or its cancellation) a task that has not stopped is aborted. */
  graceMs?: number;
  /** /ready turns not ready when the oldest waiting evaluation has waited this long (ms). */
  readyMaxWaitMs?: number;
  /** pino level of the workers' own log lines. */
  logLevel?: string;
}

/** Why work was refused: its queue was full, it waited past its time limit, or shutdown. */
export type OverloadReason = 'queue-full' | 'queue-timeout' | 'shutdown';

/** The pool cannot take (or start) the work now (503). */
export class OverloadedError extends Error {
  constructor(message = 'the evaluation queue is full; try again later', readonly reason: OverloadReason = 'queue-full') {
    super(message);
  }
}

/** The task was cancelled by its owner (a job's DELETE, a client that went away). */
export class CancelledError extends Error {
  constructor() {
    super('the evaluation was cancelled');
  }
}

/** `etag`: the tag of its answer (routes/outcome.ts), when its worker made it. */
export type TaskOutcome = EvalOutcome & { worker?: number; queueMs: number; etag?: string };

/** Which capacity a task uses. */
export type TaskKind = 'sync' | 'job';

/**
 * What the pool needs of a cancellation: an AbortSignal has it, and so has the lighter one a
 * synchronous request uses (routes/service.ts), which is made for every request.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface RunOptions {
  reqId: string;
  /** Default 'sync'. */
  kind?: TaskKind;
  /** Aborting it cancels the task (queued or running). */
  signal?: CancelSignal;
  /** The task's shared cell (TASK_CELL_BYTES): the worker sets the start time (ms since epoch,
   * index CELL_START of a Float64Array) when the task runs, so the caller may tell queued
   * from running. */
  started?: SharedArrayBuffer;
}

/**
 * Each worker's young generation (MiB): semi-spaces of 32 MiB, where V8's default (48) makes
 * them 16 (64 gives 32 as well: V8 rounds a third of it up to a power of two). Evaluations
 * that keep what they build for a while (lists of thunks, overlays' sets, the module system's
 * environments) had most of it copied by scavenges of a young generation that small and then
 * promoted, which brought full collections sooner: with 96, lists and overlays make about half
 * the scavenges and full collections, lib-modules 40 % and 17 % fewer. Warm, lists and
 * lib-modules spend 15-19 % less CPU, attrs, overlays and deep-10k 3-25 %, the rest the same
 * (strings, lib-fix, calls: checked in more pairs), for 30-60 MB more peak memory per busy
 * worker (BENCHMARKS.md, "V8's heap settings of the service's workers"). 128 (semi-spaces of
 * 64) gained more on lists and lists-concat, less or nothing elsewhere (attrs lost), for
 * 100-150 MB. The old generation's limit (the backstop) is unchanged, and src/limits leaves
 * the young generation out of the evaluation's ceiling whatever its size.
 */
export const DEFAULT_YOUNG_GENERATION_MB = 96;

const WORKER_FILE = new URL('./eval-worker.js', import.meta.url).href;
const NO_REQUIRE_ESM = '--no-experimental-require-module';

/** How often overdue tasks and queued tasks past their start limit are looked for. */
const SWEEP_MS = 50;

/** A task given to a worker. */
interface Running {
  state: Float64Array;
  /** The thread the balancer gave it to (0: not known), and whether that thread was busy then. */
  thread: number;
  prefetched: boolean;
  /** When it was submitted, and past when (ms since epoch) it is refused if prefetched and not yet started. */
  enqueuedAt: number;
  /** When it was given to its worker. */
  postedAt: number;
  startBy: number;
  /**
   * Set while a prefetched task may be taken back: takes it back (false if its worker has
   * started it), to run again elsewhere or to fail with `e`.
   */
  takeBack?: (e?: Error) => boolean;
  /** How long it may run (its time limit and the grace) before its worker is stopped. */
  limitMs: number;
  timedOut: boolean;
  /** Its worker was terminated (overdue, or not stopping when cancelled). */
  terminated: boolean;
  /** When it was cancelled (ms since epoch), or 0. */
  cancelledAt: number;
}

/** A task waiting for a worker. */
interface Waiting {
  kind: TaskKind;
  enqueuedAt: number;
  /** Past this (ms since epoch) without a worker, it is refused. */
  startBy: number;
  start: () => void;
  refuse: (e: Error) => void;
  /** Whose work it is (queuePosition finds it by this). */
  owner?: object;
}

/** A prefetched task taken back before it started: to run elsewhere, or to end with `error`. */
class TakenBack {
  constructor(readonly error?: Error) {}
}

function isOutOfMemory(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | undefined;
  return err?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(err?.message ?? '');
}

export interface Readiness {
  ready: boolean;
  reason?: string;
}

export class EvalPool {
  readonly workers: number;
  readonly maxQueue: number;
  readonly maxJobWorkers: number;
  readonly maxMemoryMb: number;
  /** V8's heap limit for each worker (the backstop): its old generation. */
  readonly workerHeapMb: number;
  /** V8's young generation of each worker (MiB; 0: V8's default). */
  readonly youngGenerationMb: number;
  private readonly graceMs: number;
  private readonly readyMaxWaitMs: number;
  private readonly piscina: Piscina;
  private readonly queues: Record<TaskKind, Waiting[]> = { sync: [], job: [] };
  /** Workers given a task, by kind. */
  private readonly running: Record<TaskKind, number> = { sync: 0, job: 0 };
  private closed = false;
  private readonly watch = new Set<Running>();
  private readonly sweeper: NodeJS.Timeout;
  /** Workers lost (out of memory, overdue, crashed, not stopping when cancelled) and replaced. */
  workersReplaced = 0;
  /** Tasks cancelled by their owner (a client gone, a job cancelled): while waiting, while running. */
  cancelled = { queued: 0, running: 0 };
  /** Workers replaced because they asked to be (their heap grew past a jobset's threshold). */
  workersRetired = 0;
  /** Evaluations given to a busy worker (prefetched), and those of them taken back before they started. */
  prefetches = { given: 0, takenBack: 0 };
  /** Threads that asked to be replaced after their task (shared-memory.ts). */
  private readonly retiring: Int32Array;
  /** The table of evaluations' cells, and its slots not in use. */
  private readonly cells: SharedArrayBuffer;
  private readonly freeCells: number[];
  /** Each slot's view, made once: a typed array on a SharedArrayBuffer costs a few µs to make. */
  private readonly cellViews: Float64Array[];
  private readonly claimViews: Int32Array[];
  /** While a task is given to Piscina: the task, for the balancer to note where it went, and whether it may go to a busy worker. */
  private placing: Running | undefined;
  private prefetching = false;
  /** Tasks taken back from a worker that has not answered them yet, by thread. */
  private readonly takenBack = new Map<number, number>();

  constructor(options: PoolOptions = {}) {
    this.workers = Math.max(1, options.workers ?? availableParallelism());
    this.maxQueue = Math.max(0, options.maxQueue ?? this.workers * 64);
    this.maxJobWorkers = Math.min(this.workers, Math.max(1, options.maxJobWorkers ?? this.workers - 1));
    this.maxMemoryMb = Math.max(16, options.maxMemoryMb ?? 512);
    // The evaluation's budget, what the worker keeps between tasks, and room for what no
    // budget sees (V8's own structures, the output being serialised).
    this.workerHeapMb = this.maxMemoryMb + WORKER_CACHE_MB + Math.max(256, this.maxMemoryMb / 2);
    this.youngGenerationMb = Math.max(0, options.youngGenerationMb ?? DEFAULT_YOUNG_GENERATION_MB);
    this.graceMs = options.graceMs ?? 500;
    this.readyMaxWaitMs = options.readyMaxWaitMs ?? 1000;
    const retirement = newRetirementList();
    this.retiring = new Int32Array(retirement);
    // Evaluations hold a cell from their admission to their end: at most one per worker, and
    // a few more while a lost worker is replaced. Past that, a task gets a buffer of its own.
    const slots = this.workers * 4;
    this.cells = newCellTable(slots);
    this.freeCells = Array.from({ length: slots }, (_, i) => slots - 1 - i);
    this.cellViews = Array.from({ length: slots }, (_, i) => cellOf(this.cells, i));
    this.claimViews = this.cellViews.map(claimOf);
    const workerData: WorkerData = { logLevel: options.logLevel ?? 'info', retirement, cells: this.cells };
    this.piscina = new Piscina({
      // A path: Piscina turns a file: URL into one for every task.
      filename: fileURLToPath(WORKER_FILE),
      // Piscina's own histograms of run and wait times: nothing reads them (metrics.ts has its own).
      recordTiming: false,
      // The running task and a prefetched one, and prefetched ones taken back that the worker has not yet answered.
      concurrentTasksPerWorker: 4,
      minThreads: this.workers,
      maxThreads: this.workers,
      // Tasks wait in this pool's queues; Piscina's holds only those whose worker is restarting,
      // and prefetched evaluations taken back while no worker is idle: at most two per worker.
      maxQueue: this.workers * 2,
      idleTimeout: 0,
      resourceLimits: {
        maxOldGenerationSizeMb: this.workerHeapMb,
        stackSizeMb: options.stackSizeMb ?? 64,
        ...(this.youngGenerationMb === 0 ? {} : { maxYoungGenerationSizeMb: this.youngGenerationMb }),
      },
      workerData,
      // Piscina loads the worker file with require() first. On Node 20.19+ that loads ES modules
      // too, and two tasks arriving together can crash the process inside V8 (IsGraphAsync on a
      // module not yet instantiated); without require(esm), Piscina falls back to import().
      execArgv: [...process.execArgv, ...(process.allowedNodeEnvironmentFlags.has(NO_REQUIRE_ESM) ? [NO_REQUIRE_ESM] : [])],
      // Measured on 2 cores: 'sync' costs the main thread less per task than 'async' or 'disabled'.
      atomics: 'sync',
      // The first idle worker that has not asked to be replaced; when prefetching, else a busy one.
      loadBalancer: (_task, workers) => {
        let chosen: (typeof workers)[number] | null = null;
        for (const w of workers) {
          // Tasks taken back still count in Piscina until their worker has answered them.
          const usage = w.currentUsage - (this.takenBack.get(w.id) ?? 0);
          if (usage > 1 || (usage === 1 && (chosen !== null || !this.prefetching)) || isRetiring(this.retiring, w.id)) continue;
          chosen = w;
          if (usage === 0) break;
        }
        if (chosen !== null && this.placing !== undefined) {
          this.placing.thread = chosen.id;
          this.placing.prefetched = chosen.currentUsage - (this.takenBack.get(chosen.id) ?? 0) > 0;
        }
        return chosen;
      },
    });
    this.piscina.on('error', () => { /* a worker's error is its task's failure, handled there */ });
    this.piscina.on('workerDestroy', (w: { id: number }) => clearRetirement(this.retiring, w.id));
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.queuedOf('sync') + this.queues.job.length;
  }

  /** Tasks of one kind waiting for a worker (evaluations prefetched by a busy worker included). */
  queuedOf(kind: TaskKind): number {
    return this.queues[kind].length + (kind === 'sync' ? this.prefetched : 0);
  }

  /** Evaluations given to busy workers (only evaluations are, and only while no job runs). */
  private get prefetched(): number {
    return Math.max(0, this.posted - this.workers);
  }

  /** Workers running a task. */
  get busy(): number {
    return Math.min(this.workers, this.posted);
  }

  /** Tasks given to workers (prefetched ones included). */
  private get posted(): number {
    return this.running.sync + this.running.job;
  }

  /** Workers running a job. */
  get busyWithJobs(): number {
    return this.running.job;
  }

  /** Worker threads alive. */
  get threads(): number {
    return this.piscina.threads.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Where the first task `owner` has waiting for a worker stands in the queue of its kind
   * (1: the next to start when a worker is free for that kind); undefined when none waits.
   */
  queuePosition(owner: object, kind: TaskKind = 'job'): number | undefined {
    const i = this.queues[kind].findIndex((w) => w.owner === owner);
    return i < 0 ? undefined : i + 1;
  }

  /** Whether `n` more synchronous tasks would overflow their queue. */
  wouldOverflow(n = 1, kind: TaskKind = 'sync'): boolean {
    const free = kind === 'sync' ? this.workers - this.busy : Math.min(this.workers - this.busy, this.maxJobWorkers - this.running.job);
    return this.queuedOf(kind) + n - Math.max(0, free) > this.maxQueue;
  }

  /** Whether a task of this kind would be refused now. */
  saturated(kind: TaskKind = 'sync'): boolean {
    return this.closed || this.wouldOverflow(1, kind);
  }

  /** Whether a new synchronous evaluation can start soon, and if not, why. */
  readiness(): Readiness {
    if (this.closed) return { ready: false, reason: 'shutting down' };
    if (this.threads === 0) return { ready: false, reason: 'no worker is up' };
    if (this.running.job >= this.workers) return { ready: false, reason: 'every worker is running a job' };
    if (this.wouldOverflow(1)) return { ready: false, reason: 'the evaluation queue is full' };
    const oldest = this.oldestWaitingSince();
    if (oldest !== undefined && Date.now() - oldest > this.readyMaxWaitMs) {
      return { ready: false, reason: `evaluations have waited more than ${this.readyMaxWaitMs} ms for a worker` };
    }
    return { ready: true };
  }

  /**
   * When the evaluation that has waited longest for a worker was submitted: one in the queue,
   * or one prefetched by a busy worker that has not started it yet (it waits as much).
   */
  private oldestWaitingSince(): number | undefined {
    let oldest = this.queues.sync[0]?.enqueuedAt;
    for (const w of this.watch) {
      if (w.takeBack !== undefined && w.state[CELL_START] === 0 && (oldest === undefined || w.enqueuedAt < oldest)) oldest = w.enqueuedAt;
    }
    return oldest;
  }

  /**
   * Runs one evaluation. Resolves with its outcome (limits included); rejects only with
   * OverloadedError (refused, or not started within its time limit) or CancelledError.
   */
  async run(job: EvalJob, opts: RunOptions): Promise<TaskOutcome> {
    // Not `{ ...job, reqId }`: V8 makes a new map for every object spread into and extended (µs each).
    const task: EvalTask = Object.assign({ reqId: opts.reqId, started: opts.started, cell: undefined }, job);
    // A synchronous evaluation whose cell is the pool's may be prefetched, and moved.
    const movable = opts.started === undefined && (opts.kind ?? 'sync') === 'sync';
    const state = this.giveCell(task);
    const submitted = Date.now();
    let r: { ok: true; value: EvalOutcome & { worker: number; etag: string } } | { ok: false; error: ErrorBody };
    let cell = state;
    try {
      r = await this.execute<EvalOutcome & { worker: number; etag: string }>(opts.kind ?? 'sync', undefined, task, state, job.timeoutMs, opts.signal, undefined, movable);
    } finally {
      // The task is over (its worker returned, or is gone): nothing writes its cell any more.
      cell = this.cellOfTask(task);
      this.returnCell(task);
    }
    const startedAt = cell[CELL_START];
    if (r.ok) return Object.assign(r.value, { queueMs: Math.max(0, startedAt - submitted) });
    return {
      ok: false, error: r.error, warnings: [], traces: [],
      queueMs: startedAt === 0 ? Date.now() - submitted : Math.max(0, startedAt - submitted),
      stats: { evalMs: startedAt === 0 ? 0 : Date.now() - startedAt, heapGrowthMb: 0, importCacheHits: 0, importCacheMisses: 0 },
    };
  }

  /**
   * Evaluates a batch of a jobset's attributes (jobset-task.ts), each within `timeoutMs`, as a
   * job. When the worker is lost, resolves with the error and the task's cell tells which item
   * was running. Rejects only with OverloadedError or CancelledError. `owner` names whose work
   * it is while it waits (queuePosition).
   */
  async runJobsetBatch(task: JobsetBatchTask, timeoutMs: number, signal?: CancelSignal, owner?: object): Promise<{ ok: true; value: JobsetBatchResult } | { ok: false; error: ErrorBody }> {
    return this.execute<JobsetBatchResult>('job', 'jobsetBatch', task, new Float64Array(task.started), timeoutMs, signal, owner);
  }

  /** A cell for an evaluation: a slot of the pool's table, or a buffer of its own (the caller's, or when the table is full). */
  private giveCell(task: EvalTask): Float64Array {
    if (task.started === undefined) {
      const slot = this.freeCells.pop();
      if (slot !== undefined) {
        const cell = this.cellViews[slot];
        cell.fill(0);
        this.claimViews[slot][0] = 0;
        task.cell = slot;
        return cell;
      }
      task.started = new SharedArrayBuffer(TASK_CELL_BYTES);
    }
    return new Float64Array(task.started);
  }

  private cellOfTask(task: EvalTask): Float64Array {
    return task.cell !== undefined ? this.cellViews[task.cell] : new Float64Array(task.started!);
  }

  /** Gives an evaluation's slot back to the table, once nothing writes it any more. */
  private returnCell(task: EvalTask): void {
    if (task.cell !== undefined) this.freeCells.push(task.cell);
  }

  /**
   * Runs a task on a worker (`name`: the export of eval-worker.ts, default the evaluation)
   * once the fair queue gives it one (waiting at most `timeoutMs`), with the backstop timer
   * (the task's cell counts from when its evaluation, or its current item, started) and
   * cancellation. A lost worker is the task's error. A `movable` evaluation may be prefetched
   * by a busy worker and taken back (see the top of this file).
   */
  private async execute<T>(kind: TaskKind, name: string | undefined, task: object, state: Float64Array, timeoutMs: number, signal?: CancelSignal, owner?: object, movable = false): Promise<{ ok: true; value: T } | { ok: false; error: ErrorBody }> {
    if (this.closed) throw new OverloadedError('the server is shutting down', 'shutdown');
    if (signal?.aborted) throw new CancelledError();
    const enqueuedAt = Date.now();
    await this.admit(kind, timeoutMs, signal, owner);
    // A worker is ours (counted in `running`).
    const watched: Running = {
      state, thread: 0, prefetched: false, enqueuedAt, postedAt: 0, startBy: enqueuedAt + timeoutMs, limitMs: timeoutMs + this.graceMs, timedOut: false, terminated: false, cancelledAt: 0,
    };
    this.watch.add(watched);
    const onCancel = (): void => {
      if (watched.takeBack?.(new CancelledError())) {
        this.cancelled.queued++;
        return;
      }
      watched.state[CELL_CANCEL] = 1;
      watched.cancelledAt = Date.now();
    };
    signal?.addEventListener('abort', onCancel, { once: true });
    try {
      const value = (movable ? await this.runMovable(task as EvalTask, watched) : await this.post(task, name, watched, false)) as T;
      if (signal?.aborted) {
        this.cancelled.running++;
        throw new CancelledError();
      }
      return { ok: true, value };
    } catch (e) {
      // Cancelled, or (prefetched and taken back) not started within its limit.
      if (e instanceof CancelledError || e instanceof OverloadedError) throw e;
      if (watched.cancelledAt !== 0) {
        this.workersReplaced++;
        this.cancelled.running++;
        throw new CancelledError();
      }
      if (watched.timedOut) {
        this.workersReplaced++;
        return { ok: false, error: errorBody('timeout', `evaluation timed out after ${timeoutMs} ms (the worker did not stop and was replaced)`) };
      }
      if (isOutOfMemory(e)) {
        this.workersReplaced++;
        return { ok: false, error: errorBody('memory-limit', `evaluation ran out of memory (the worker's heap limit is ${this.workerHeapMb} MiB); the worker was replaced`) };
      }
      const msg = (e as Error)?.message ?? String(e);
      if (this.closed || /pool is closed|queue is being terminated/i.test(msg)) throw new OverloadedError('the server is shutting down', 'shutdown');
      this.workersReplaced++;
      return { ok: false, error: errorBody('internal', `the worker running the evaluation failed: ${msg}`) };
    } finally {
      this.watch.delete(watched);
      signal?.removeEventListener('abort', onCancel);
      this.retireIfAsked(watched.state[CELL_THREAD]);
      this.running[kind]--;
      this.dispatch();
    }
  }

  /** Gives a task to Piscina; the balancer notes on `watched` where it went. */
  private post(task: object, name: string | undefined, watched: Running, prefetch: boolean): Promise<unknown> {
    watched.postedAt = Date.now();
    this.placing = watched;
    this.prefetching = prefetch;
    try {
      return this.piscina.run(task, name === undefined ? undefined : { name });
    } finally {
      this.placing = undefined;
      this.prefetching = false;
    }
  }

  /**
   * Runs an evaluation that may be prefetched by a busy worker (when every worker is busy with
   * evaluations) and, while it has not started, taken back: to run on a worker that became
   * free, or when its worker is lost, or to end with `takeBack`'s error.
   */
  private async runMovable(task: EvalTask, watched: Running): Promise<unknown> {
    for (;;) {
      const prefetch = this.running.job === 0 && this.queues.job.length === 0;
      const attempt = this.post(task, undefined, watched, prefetch);
      if (!watched.prefetched) return attempt;
      this.prefetches.given++;
      const claim = task.cell !== undefined ? this.claimViews[task.cell] : claimOf(watched.state);
      let takenBack: ((t: TakenBack) => void) | undefined;
      const back = new Promise<TakenBack>((resolve) => { takenBack = resolve; });
      watched.takeBack = (e) => {
        if (!revokeTask(claim)) return false;
        takenBack!(new TakenBack(e));
        return true;
      };
      let outcome: unknown;
      try {
        outcome = await Promise.race([attempt, back]);
      } catch (e) {
        // Its worker was lost before it started it: it runs elsewhere.
        if (!revokeTask(claim)) throw e;
        outcome = new TakenBack();
      } finally {
        watched.takeBack = undefined;
      }
      if (!(outcome instanceof TakenBack)) return outcome;
      this.prefetches.takenBack++;
      // The old cell stays the worker's until it has answered the attempt (it reads the claim).
      const old = { ...task };
      const thread = watched.thread;
      this.takenBack.set(thread, (this.takenBack.get(thread) ?? 0) + 1);
      const answered = (): void => {
        this.returnCell(old);
        const n = (this.takenBack.get(thread) ?? 1) - 1;
        if (n > 0) this.takenBack.set(thread, n);
        else this.takenBack.delete(thread);
      };
      void attempt.then(answered, answered);
      task.cell = undefined;
      task.started = undefined;
      watched.state = this.giveCell(task);
      watched.prefetched = false;
      watched.thread = 0;
      if (outcome.error !== undefined) throw outcome.error;
    }
  }

  /**
   * When a worker has nothing to do while an evaluation prefetched by a busy one has waited
   * there a sweep's interval without starting (the task before it is a long one), that
   * evaluation is taken back and given to it, the oldest first. (Behind a short task, it starts
   * long before: moving it would cost more than it saves.)
   */
  private moveWaitingPrefetched(now: number): void {
    let waiting: Running | undefined;
    const occupied = new Set<number>();
    for (const w of this.watch) {
      occupied.add(w.thread);
      if (waiting === undefined && w.takeBack !== undefined && w.state[CELL_START] === 0 && now - w.postedAt >= SWEEP_MS) waiting = w;
    }
    if (waiting === undefined) return;
    const idle = this.piscina.threads.some((t) => !occupied.has(t.threadId) && !isRetiring(this.retiring, t.threadId));
    if (idle) waiting.takeBack!();
  }

  /** Stops a worker that asked to be replaced (it is idle: the balancer gives it no task). */
  private retireIfAsked(threadId: number): void {
    if (threadId === 0 || !isRetiring(this.retiring, threadId)) return;
    const worker = this.piscina.threads.find((t) => t.threadId === threadId);
    if (!worker) return;
    this.workersRetired++;
    void worker.terminate();
  }

  /**
   * Whether a task of this kind may take a free worker now; an evaluation may also be
   * prefetched by a busy worker (one each) while no job runs or waits, within the queue's bound.
   */
  private canStart(kind: TaskKind): boolean {
    if (this.posted >= this.workers) {
      return kind === 'sync' && this.posted < 2 * this.workers && this.prefetched < this.maxQueue
        && this.running.job === 0 && this.queues.job.length === 0;
    }
    return kind === 'sync' || this.running.job < this.maxJobWorkers;
  }

  /**
   * Resolves once a worker is the task's (counted as running), waiting at most `timeoutMs`;
   * rejects as `run` says.
   */
  private admit(kind: TaskKind, timeoutMs: number, signal: CancelSignal | undefined, owner: object | undefined): Promise<void> {
    if (this.queues[kind].length === 0 && this.canStart(kind)) {
      this.running[kind]++;
      return Promise.resolve();
    }
    if (this.queuedOf(kind) >= this.maxQueue) {
      throw new OverloadedError(kind === 'job' ? 'too many jobs are waiting for a worker; try again later' : undefined);
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.remove(waiting)) {
          this.cancelled.queued++;
          reject(new CancelledError());
        }
      };
      // One reading of the clock: the refusal names the limit the request gave, not a difference of two readings.
      const enqueuedAt = Date.now();
      const waiting: Waiting = {
        kind,
        owner,
        enqueuedAt,
        startBy: enqueuedAt + timeoutMs,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        refuse: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queues[kind].push(waiting);
    });
  }

  private remove(w: Waiting): boolean {
    const q = this.queues[w.kind];
    const i = q.indexOf(w);
    if (i < 0) return false;
    q.splice(i, 1);
    return true;
  }

  /** Gives free workers to waiting tasks: the oldest first, jobs within their share. */
  private dispatch(): void {
    for (;;) {
      const sync = this.canStart('sync') ? this.queues.sync[0] : undefined;
      const job = this.canStart('job') ? this.queues.job[0] : undefined;
      const next = sync && job ? (job.enqueuedAt < sync.enqueuedAt ? job : sync) : sync ?? job;
      if (!next) return;
      this.queues[next.kind].shift();
      this.running[next.kind]++;
      next.start();
    }
  }

  /**
   * The backstops: refuses waiting tasks past their start limit, and terminates the worker of
   * every task past its deadline and grace, or cancelled and not stopped within the grace.
   */
  private sweep(): void {
    const now = Date.now();
    if (this.watch.size > 0) this.moveWaitingPrefetched(now);
    for (const kind of ['sync', 'job'] as const) {
      const q = this.queues[kind];
      for (let i = 0; i < q.length;) {
        const w = q[i];
        if (now < w.startBy) { i++; continue; }
        q.splice(i, 1);
        w.refuse(new OverloadedError(`the evaluation could not start within its time limit of ${w.startBy - w.enqueuedAt} ms: every worker was busy; try again later`, 'queue-timeout'));
      }
    }
    for (const w of this.watch) {
      const start = w.state[CELL_START];
      if (start === 0 && now >= w.startBy && w.takeBack?.(new OverloadedError(`the evaluation could not start within its time limit of ${w.startBy - w.enqueuedAt} ms: every worker was busy; try again later`, 'queue-timeout'))) continue;
      if (start === 0 || w.terminated || w.state[CELL_DONE] !== 0) continue;
      const overdue = now - start >= w.limitMs;
      const stuck = w.cancelledAt !== 0 && now - w.cancelledAt >= this.graceMs;
      if (!overdue && !stuck) continue;
      const worker = this.piscina.threads.find((t) => t.threadId === w.state[CELL_THREAD]);
      if (!worker) continue;
      w.timedOut = overdue;
      w.terminated = true;
      void worker.terminate();
    }
  }

  /** Waits, at most `graceMs`, until no task waits or runs; whether that happened. */
  async drain(graceMs: number): Promise<boolean> {
    const end = Date.now() + graceMs;
    while (this.queued + this.busy > 0) {
      if (Date.now() >= end) return false;
      await new Promise((r) => setTimeout(r, Math.min(25, end - Date.now())));
    }
    return true;
  }

  /**
   * Refuses new work and waiting tasks; lets running tasks finish (for at most `graceMs`),
   * then stops the workers.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const kind of ['sync', 'job'] as const) {
      for (const w of this.queues[kind].splice(0)) w.refuse(new OverloadedError('the server is shutting down', 'shutdown'));
    }
    // The backstop keeps working while running tasks finish.
    let timer: NodeJS.Timeout | undefined;
    const gentle = this.piscina.close().then(() => true, () => false);
    const deadline = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), graceMs); });
    const finished = await Promise.race([gentle, deadline]);
    if (timer) clearTimeout(timer);
    if (!finished) await this.piscina.destroy().catch(() => {});
    clearInterval(this.sweeper);
  }
}
