// A jobset's walk on the main thread (nix-eval-jobs' collector): which attributes are still to
// evaluate, handing them out in batches, and turning results into lines.
//
// The walk starts at the root (the empty path). A result is a derivation's line, an error line,
// or the names of a set to walk, which become attributes to evaluate; attributes are handed out
// smallest path first (so that with one worker the lines come in the order nix-eval-jobs gives
// with one worker), a few siblings per batch, as many batches at once as the executor runs in
// parallel. With `constituents`, aggregates that name their members wait until every other
// line is out (src/jobset/constituents.ts).
//
// Where attributes are evaluated is behind AttributeExecutor: the worker pool (PoolExecutor,
// below); other machines, or a cache of attribute results, can stand in its place.

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { type DerivationFields, attrPathText } from '../src/jobset/attribute.js';
import { type FinishedJob, resolveAggregates } from '../src/jobset/constituents.js';
import { type AttributeStats, formatLine } from '../src/jobset/line.js';
import { bytesToUtf8, type ErrorBody, errorBody } from './evaluate-json.js';
import type { AttributeResult, JobsetSpec } from './jobset-task.js';
import { CancelledError, type EvalPool, OverloadedError } from './pool.js';
import { CELL_ITEM, CELL_START, CELL_THREAD, TASK_CELL_BYTES } from './shared-memory.js';

/** Where a jobset's attributes are evaluated. */
export interface AttributeExecutor {
  /** How many batches it usefully runs at once. */
  readonly parallelism: number;
  /**
   * Evaluates a batch of attribute paths (names as byte strings). Resolves with a result per
   * path, in order, `undefined` for a path it did not evaluate (it is handed out again). Rejects
   * with OverloadedError (try again later) or CancelledError (the signal was aborted).
   */
  evaluate(paths: string[][], signal: AbortSignal): Promise<(AttributeResult | undefined)[]>;
  /** Whether it can take no more work at all (shutting down). */
  readonly closed: boolean;
  /**
   * When the first batch handed to it began (ms since epoch); undefined while every batch
   * waits for a worker. Without it, a batch is taken to begin when it is handed out.
   */
  began?(): number | undefined;
  /** While nothing has begun: the place of its first waiting batch in the queue for workers (1: next), if known. */
  queuePosition?(): number | undefined;
}

/** Runs a jobset's batches on the worker pool; each worker keeps the jobset's evaluation between batches. */
export class PoolExecutor implements AttributeExecutor {
  private readonly id = randomUUID();
  private readonly spec: SharedArrayBuffer;
  /** The cells of batches handed to the pool and not yet back. */
  private readonly inFlight = new Set<Float64Array>();
  private firstBegan: number | undefined;

  constructor(private readonly pool: EvalPool, private readonly jobset: JobsetSpec, private readonly reqId: string) {
    const bytes = Buffer.from(JSON.stringify(jobset), 'utf8');
    this.spec = new SharedArrayBuffer(bytes.length);
    new Uint8Array(this.spec).set(bytes);
  }

  get parallelism(): number {
    // Batches are jobs: they get the jobs' share of the workers.
    return this.pool.maxJobWorkers;
  }

  get closed(): boolean {
    return this.pool.isClosed;
  }

  began(): number | undefined {
    if (this.firstBegan === undefined) for (const cell of this.inFlight) this.noteBegun(cell);
    return this.firstBegan;
  }

  queuePosition(): number | undefined {
    return this.began() === undefined ? this.pool.queuePosition(this) : undefined;
  }

  /** A batch's cell says when it began on its worker (0: not yet). */
  private noteBegun(cell: Float64Array): void {
    const at = cell[CELL_START];
    if (at !== 0 && (this.firstBegan === undefined || at < this.firstBegan)) this.firstBegan = at;
  }

  async evaluate(paths: string[][], signal: AbortSignal): Promise<(AttributeResult | undefined)[]> {
    const started = new SharedArrayBuffer(TASK_CELL_BYTES);
    const cell = new Float64Array(started);
    this.inFlight.add(cell);
    let r: Awaited<ReturnType<EvalPool['runJobsetBatch']>>;
    try {
      r = await this.pool.runJobsetBatch({ jobset: this.id, spec: this.spec, paths, reqId: this.reqId, started }, this.jobset.timeoutMs, signal, this);
    } finally {
      this.inFlight.delete(cell);
      this.noteBegun(cell);
    }
    if (r.ok) {
      const results = JSON.parse(r.value.results) as AttributeResult[];
      return paths.map((_, i) => results[i]);
    }
    // The worker was lost: the attribute it was evaluating is the one that cost it. What it
    // had evaluated before in the batch was lost with it, and is evaluated again.
    const lost = cell[CELL_ITEM];
    const stats: AttributeStats = { evalMs: cell[CELL_START] === 0 ? 0 : Date.now() - cell[CELL_START], heapGrowthMb: 0 };
    if (cell[CELL_THREAD] !== 0) stats.worker = cell[CELL_THREAD];
    return paths.map((_, i) => (i === lost ? { kind: 'error', error: r.error, stats, messages: [] } : undefined));
  }
}

/** Results of attributes kept between runs of the same jobset (the service's result cache). */
export interface AttributeCache {
  get(path: string[]): AttributeResult | undefined;
  /** Keeps a result if it may be (pure, and not cut short by a limit). */
  offer(path: string[], result: AttributeResult): void;
}

/** An executor whose results are looked up in a cache first, and offered to it after. */
export class CachedExecutor implements AttributeExecutor {
  constructor(private readonly inner: AttributeExecutor, private readonly cache: AttributeCache) {}

  get parallelism(): number {
    return this.inner.parallelism;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  began(): number | undefined {
    return this.inner.began?.();
  }

  queuePosition(): number | undefined {
    return this.inner.queuePosition?.();
  }

  async evaluate(paths: string[][], signal: AbortSignal): Promise<(AttributeResult | undefined)[]> {
    const results = paths.map((p) => this.cache.get(p));
    const missing = paths.filter((_, i) => results[i] === undefined);
    if (missing.length === 0) return results;
    const evaluated = await this.inner.evaluate(missing, signal);
    let j = 0;
    for (let i = 0; i < paths.length; i++) {
      if (results[i] !== undefined) continue;
      const r = evaluated[j++];
      results[i] = r;
      if (r !== undefined) this.cache.offer(paths[i], r);
    }
    return results;
  }
}

export type JobsetState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobsetProgress {
  state: JobsetState;
  /** Lines out (derivations and errors). */
  done: number;
  /** Error lines out. */
  failed: number;
  /** Attributes waiting to be evaluated. */
  queued: number;
  /** Attributes being evaluated. */
  running: number;
  elapsedMs: number;
  /** While queued: the place of its first batch in the queue for workers (1: next), when known. */
  position?: number;
}

/** A jobset to run as a whole: its workers' spec, and the most time the whole may take. */
export interface JobsetJobSpec extends JobsetSpec {
  totalTimeoutMs: number;
}

export interface JobsetRunOptions {
  executor: AttributeExecutor;
  /** Resolve Hydra's named constituents at the end (nix-eval-jobs --constituents). */
  constituents?: boolean;
  storeDir?: string;
  /** Most time the whole jobset may take (ms), counted from `firstStartedAt`. */
  totalTimeoutMs?: number;
  /** When the jobset first started (ms since epoch; default now): a jobset resumed elsewhere keeps its time limit and elapsed time. */
  firstStartedAt?: number;
  /**
   * Attributes not to evaluate (their lines are out already: a jobset resumed after its worker
   * was lost). Not with `constituents`, whose aggregates need every member evaluated.
   */
  skip?(attrPath: string[]): boolean;
  /**
   * Each line as it is produced, with whether it is an error and its attribute's path (byte
   * strings). progress() read here counts the line done, and its attribute no longer running.
   */
  onLine(line: string, failed: boolean, attrPath: string[]): void;
  /** Warnings and traces an attribute printed. */
  onMessages?(attr: string, messages: string[]): void;
  /** Called before each batch is handed out: a slow consumer of lines makes the walk wait. */
  ready?(): Promise<void> | undefined;
}

/** Attribute paths compared as nix-eval-jobs' sorted set of paths compares them. */
function comparePaths(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/** A min-heap of attribute paths. */
class PathQueue {
  private readonly heap: string[][] = [];

  get size(): number {
    return this.heap.length;
  }

  push(p: string[]): void {
    const h = this.heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (comparePaths(h[parent], h[i]) <= 0) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  pop(): string[] | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && comparePaths(h[l], h[m]) < 0) m = l;
        if (r < h.length && comparePaths(h[r], h[m]) < 0) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Most attributes in one batch; fewer when little is queued, so the work spreads over the workers. */
const MAX_BATCH = 16;
/** How long to wait before handing out work again when the pool's queue is full. */
const RETRY_MS = 100;

export interface JobsetSummary {
  state: Exclude<JobsetState, 'queued' | 'running'>;
  done: number;
  failed: number;
  elapsedMs: number;
  /** Why the jobset stopped before its end (not an attribute's error). */
  error?: JobsetError;
}

/** Why a jobset stopped before its end: a limit, a shutdown, or an internal error. */
export interface JobsetError {
  kind: 'timeout' | 'output-limit' | 'overloaded' | 'internal';
  message: string;
}

/** How a jobset that stopped before its end says so at the end of its lines. */
export function stoppedLine(summary: JobsetSummary): string | undefined {
  return summary.error === undefined ? undefined : JSON.stringify({ error: summary.error });
}

/** One run of a jobset: started at once, finished when `done` resolves. */
export class JobsetRun {
  readonly done: Promise<JobsetSummary>;
  private readonly todo = new PathQueue();
  private running = 0;
  private lines = 0;
  private failures = 0;
  /** When the first batch was handed out (ms since epoch). */
  private handedOutAt: number | undefined;
  /** When a batch first had a result. */
  private firstResultAt: number | undefined;
  private begunAt: number | undefined;
  private finished: JobsetSummary | undefined;
  private readonly t0: number;
  private readonly controller = new AbortController();
  /** Finished jobs by attr, for constituents; aggregates held back until the end. */
  private readonly jobs = new Map<string, FinishedJob & { stats?: AttributeStats; path: string[] }>();
  private stopReason: { state: 'failed' | 'cancelled'; error?: JobsetError } | undefined;
  private readonly aborted: Promise<void>;

  constructor(private readonly opts: JobsetRunOptions) {
    this.t0 = opts.firstStartedAt ?? Date.now();
    this.enqueue([]);
    // Every batch in flight listens for the abort.
    setMaxListeners(0, this.controller.signal);
    this.aborted = new Promise((resolve) => this.controller.signal.addEventListener('abort', () => resolve(), { once: true }));
    this.done = this.walk();
  }

  /** A jobset run on a pool's workers. */
  /** A jobset on the worker pool; with `cache`, attributes it holds are not evaluated again. */
  static onPool(pool: EvalPool, spec: JobsetJobSpec, reqId: string, options: Omit<JobsetRunOptions, 'executor' | 'constituents' | 'totalTimeoutMs'>, cache?: AttributeCache): JobsetRun {
    const { totalTimeoutMs, ...workerSpec } = spec;
    const onPool = new PoolExecutor(pool, workerSpec, reqId);
    return new JobsetRun({
      ...options, executor: cache ? new CachedExecutor(onPool, cache) : onPool, constituents: spec.flags.constituents, totalTimeoutMs,
    });
  }

  /**
   * When its work began (ms since epoch): its first batch's start on a worker, as the executor
   * tells it (or, if it cannot, the first hand-out); undefined while every batch handed out still
   * waits for a worker.
   */
  get startedAt(): number | undefined {
    if (this.begunAt === undefined && this.handedOutAt !== undefined) {
      const executor = this.opts.executor;
      this.begunAt = executor.began === undefined ? this.handedOutAt : executor.began() ?? this.firstResultAt;
    }
    return this.begunAt;
  }

  progress(): JobsetProgress {
    const queued = this.finished === undefined && this.startedAt === undefined;
    const p: JobsetProgress = {
      state: this.finished?.state ?? (queued ? 'queued' : 'running'),
      done: this.lines,
      failed: this.failures,
      queued: this.todo.size,
      running: this.running,
      elapsedMs: (this.finished ? this.t0 + this.finished.elapsedMs : Date.now()) - this.t0,
    };
    const position = queued ? this.opts.executor.queuePosition?.() : undefined;
    if (position !== undefined) p.position = position;
    return p;
  }

  /** Stops the walk: attributes being evaluated are cancelled (their workers replaced), none more start. */
  cancel(): void {
    this.stop({ state: 'cancelled' });
  }

  /** Stops the walk as cancel does, the jobset failing with `error` (a limit of its consumer). */
  fail(error: JobsetError): void {
    this.stop({ state: 'failed', error });
  }

  private stop(reason: NonNullable<JobsetRun['stopReason']>): void {
    if (this.stopReason !== undefined || this.finished !== undefined) return;
    this.stopReason = reason;
    this.controller.abort();
  }

  private emit(path: string[], fields: DerivationFields | undefined, error: ErrorBody | undefined, stats: AttributeStats | undefined, keepNamed = false): void {
    this.lines++;
    if (error !== undefined) this.failures++;
    this.opts.onLine(formatLine({ attrPath: path.map(bytesToUtf8), fields, error, stats, keepNamedConstituents: keepNamed }), error !== undefined, path);
  }

  private take(path: string[], r: AttributeResult): void {
    const attr = bytesToUtf8(attrPathText(path));
    if (r.messages.length > 0) this.opts.onMessages?.(attr, r.messages);
    switch (r.kind) {
      case 'attrs':
        for (const name of r.names) this.enqueue([...path, name]);
        return;
      case 'error':
        if (this.opts.constituents) this.jobs.set(attr, { error: r.error.message, path, stats: r.stats });
        this.emit(path, undefined, r.error, r.stats);
        return;
      case 'derivation': {
        if (!this.opts.constituents) {
          this.emit(path, r.fields, undefined, r.stats);
          return;
        }
        this.jobs.set(attr, { fields: r.fields, path, stats: r.stats });
        // An aggregate that names its members waits for them all.
        if ((r.fields.constituents?.namedConstituents.length ?? 0) === 0) this.emit(path, r.fields, undefined, r.stats);
      }
    }
  }

  private enqueue(path: string[]): void {
    if (this.opts.skip?.(path) !== true) this.todo.push(path);
  }

  private nextBatch(): string[][] {
    const parallelism = Math.max(1, this.opts.executor.parallelism);
    const size = Math.max(1, Math.min(MAX_BATCH, Math.floor(this.todo.size / (parallelism * 4))));
    const batch: string[][] = [];
    while (batch.length < size && this.todo.size > 0) batch.push(this.todo.pop()!);
    return batch;
  }

  private async runBatch(batch: string[][]): Promise<void> {
    // Each attribute leaves `running` before its result is taken, so that the progress read
    // when its line goes out (onLine) counts it in `done` alone: the counts add up at every line.
    let outstanding = batch.length;
    this.running += outstanding;
    try {
      const results = await this.opts.executor.evaluate(batch, this.controller.signal);
      this.firstResultAt ??= Date.now();
      batch.forEach((path, i) => {
        this.running--;
        outstanding--;
        const r = results[i];
        if (r === undefined) this.todo.push(path);
        else this.take(path, r);
      });
    } catch (e) {
      if (e instanceof CancelledError || this.controller.signal.aborted) return;
      for (const path of batch) this.todo.push(path);
      if (e instanceof OverloadedError) {
        if (this.opts.executor.closed) this.fail({ kind: 'overloaded', message: e.message });
        else await Promise.race([new Promise((r) => setTimeout(r, RETRY_MS)), this.aborted]);
        return;
      }
      this.fail({ kind: 'internal', message: `internal error: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      this.running -= outstanding;
    }
  }

  private async walk(): Promise<JobsetSummary> {
    const timer = this.opts.totalTimeoutMs === undefined ? undefined : setTimeout(() => {
      this.fail({ kind: 'timeout', message: `the jobset took longer than its time limit of ${this.opts.totalTimeoutMs} ms` });
    }, Math.max(0, this.t0 + this.opts.totalTimeoutMs - Date.now()));
    const inFlight = new Set<Promise<void>>();
    try {
      while (this.stopReason === undefined && (this.todo.size > 0 || inFlight.size > 0)) {
        while (this.stopReason === undefined && this.todo.size > 0 && inFlight.size < Math.max(1, this.opts.executor.parallelism)) {
          const wait = this.opts.ready?.();
          if (wait !== undefined) await Promise.race([wait, this.aborted]);
          if (this.stopReason !== undefined || this.todo.size === 0) break;
          this.handedOutAt ??= Date.now();
          const p: Promise<void> = this.runBatch(this.nextBatch()).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        if (inFlight.size > 0) await Promise.race([...inFlight, this.aborted]);
      }
      await Promise.all(inFlight);
      if (this.stopReason === undefined && this.opts.constituents) this.finishAggregates();
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    const reason = this.stopReason;
    this.finished = {
      state: reason?.state ?? 'succeeded', done: this.lines, failed: this.failures, elapsedMs: Date.now() - this.t0,
    };
    if (reason?.error !== undefined) this.finished.error = reason.error;
    return this.finished;
  }

  private finishAggregates(): void {
    for (const agg of resolveAggregates(this.jobs, this.opts.storeDir ?? '/nix/store')) {
      const job = this.jobs.get(agg.attr)!;
      const error = agg.error === undefined ? undefined : errorBody('eval', agg.error);
      this.emit(job.path, agg.fields, error, job.stats, agg.keepNamed);
    }
  }
}
