// Prometheus metrics (prom-client), one registry per server so that several servers (tests)
// can live in one process. Pool, job and queue gauges are read when scraped.

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { type HistogramSeries, TallyHistogram } from './tallies.js';
import type { EvalPool } from '../workers/pool.js';
import type { TaskOutcome } from '../workers/pool.js';
import type { QueueStatus } from './job-store.js';
import type { ResultCache } from './result-cache.js';

export interface GaugeSources {
  pool: EvalPool;
  jobs: () => Record<string, number> | Promise<Record<string, number>>;
  results?: ResultCache;
  /** The shared job queue, when jobs go to Redis. */
  queue?: () => Promise<QueueStatus>;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: TallyHistogram;
  readonly evaluations: Counter<'outcome'>;
  readonly evalErrors: Counter<'kind'>;
  readonly evalDuration: TallyHistogram;
  readonly queueWait: HistogramSeries;
  readonly importCache: Counter<'result'>;
  readonly shed: Counter<'reason'>;
  readonly jobsetAttributes: Counter<'outcome'>;

  constructor(sources: GaugeSources, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Node's process metrics under their standard names (process_*, nodejs_*), as stock dashboards expect.
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new TallyHistogram(
      'nixeval_http_request_duration_seconds', 'Time to answer HTTP requests, by route and status.', ['method', 'route', 'status'],
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    );
    const { httpDuration } = this;
    // Each count is its histogram's: counted once, on the path of every request.
    this.httpRequests = new Counter({
      name: 'nixeval_http_requests_total', help: 'HTTP requests answered, by route and status.',
      labelNames: ['method', 'route', 'status'], registers,
      collect() {
        this.reset();
        for (const s of httpDuration.all()) this.inc(s.labels, s.count);
      },
    });
    this.evalDuration = new TallyHistogram(
      'nixeval_evaluation_duration_seconds', 'Time evaluating in a worker, by outcome.', ['outcome'],
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers,
    );
    const { evalDuration } = this;
    this.evaluations = new Counter({
      name: 'nixeval_evaluations_total', help: 'Evaluations finished, by outcome (ok or the error kind).',
      labelNames: ['outcome'], registers,
      collect() {
        this.reset();
        for (const s of evalDuration.all()) this.inc(s.labels, s.count);
      },
    });
    this.evalErrors = new Counter({
      name: 'nixeval_evaluation_errors_total', help: 'Evaluations that ended in an error, by kind.',
      labelNames: ['kind'], registers,
    });
    this.queueWait = new TallyHistogram(
      'nixeval_queue_wait_seconds', 'Time evaluations waited for a worker.', [],
      [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers,
    ).labels({});
    this.importCache = new Counter({
      name: 'nixeval_import_cache_lookups_total', help: 'Lookups in the workers\' cache of compiled files, by result (hit, miss).',
      labelNames: ['result'], registers,
    });
    this.shed = new Counter({
      name: 'nixeval_requests_shed_total', help: 'Requests refused to protect the service, by reason (queue-full, queue-timeout, pressure, rate-limit, shutdown).',
      labelNames: ['reason'], registers,
    });
    this.jobsetAttributes = new Counter({
      name: 'nixeval_jobset_attributes_total', help: 'Jobset lines produced, by outcome (derivation, error).',
      labelNames: ['outcome'], registers,
    });
    const { pool } = sources;
    new Gauge({
      name: 'nixeval_pool_queue_depth', help: 'Evaluations waiting for a worker, by kind (sync: /v1/eval, job).', labelNames: ['kind'], registers,
      collect() {
        this.set({ kind: 'sync' }, pool.queuedOf('sync'));
        this.set({ kind: 'job' }, pool.queuedOf('job'));
      },
    });
    new Gauge({
      name: 'nixeval_pool_busy_workers', help: 'Workers running an evaluation, by kind (sync: /v1/eval, job).', labelNames: ['kind'], registers,
      collect() {
        this.set({ kind: 'sync' }, pool.busy - pool.busyWithJobs);
        this.set({ kind: 'job' }, pool.busyWithJobs);
      },
    });
    new Gauge({
      name: 'nixeval_pool_workers', help: 'Worker threads alive.', registers,
      collect() { this.set(pool.threads); },
    });
    new Gauge({
      name: 'nixeval_pool_queue_capacity', help: 'Evaluations of each kind that may wait for a worker before requests are shed.', registers,
      collect() { this.set(pool.maxQueue); },
    });
    new Counter({
      name: 'nixeval_evaluations_cancelled_total', help: 'Evaluations cancelled by their owner (a client that went away, a cancelled job), by when (queued, running).',
      labelNames: ['when'], registers,
      collect() {
        this.reset();
        this.inc({ when: 'queued' }, pool.cancelled.queued);
        this.inc({ when: 'running' }, pool.cancelled.running);
      },
    });
    new Counter({
      name: 'nixeval_pool_workers_replaced_total', help: 'Workers stopped (out of memory, overdue, crashed) and replaced since start.', registers,
      collect() {
        // The pool keeps the count; the counter shows it.
        this.reset();
        this.inc(pool.workersReplaced);
      },
    });
    new Counter({
      name: 'nixeval_pool_workers_retired_total', help: 'Workers replaced since start because their heap grew past a jobset\'s threshold.', registers,
      collect() {
        this.reset();
        this.inc(pool.workersRetired);
      },
    });
    const { results } = sources;
    if (results !== undefined) {
      new Counter({
        name: 'nixeval_result_cache_lookups_total', help: 'Lookups in the result cache of pure evaluations, by result (hit, miss).', labelNames: ['result'], registers,
        collect() {
          this.reset();
          this.inc({ result: 'hit' }, results.hits);
          this.inc({ result: 'miss' }, results.misses);
        },
      });
      new Counter({
        name: 'nixeval_result_cache_evictions_total', help: 'Answers the result cache let go of to stay within its byte budget.', registers,
        collect() {
          this.reset();
          this.inc(results.evictions);
        },
      });
      new Gauge({
        name: 'nixeval_result_cache_bytes', help: 'Bytes of answers the result cache holds.', registers,
        collect() { this.set(results.bytes); },
      });
    }
    new Gauge({
      name: 'nixeval_jobs', help: 'Asynchronous jobs held, by state.', labelNames: ['state'], registers,
      async collect() {
        for (const [state, n] of Object.entries(await sources.jobs())) this.set({ state }, n);
      },
    });
    const { queue } = sources;
    if (queue) {
      new Gauge({
        name: 'nixeval_queue_up', help: 'Whether Redis, which holds the job queue, answers (1) or not (0).', registers,
        async collect() { this.set((await queue()).reachable ? 1 : 0); },
      });
      new Gauge({
        name: 'nixeval_queue_jobs', help: 'Jobs in the Redis queue, by state (waiting, active, failed).', labelNames: ['state'], registers,
        async collect() {
          const q = await queue();
          for (const state of ['waiting', 'active', 'failed'] as const) this.set({ state }, q[state]);
        },
      });
      new Gauge({
        name: 'nixeval_queue_workers', help: 'Worker processes connected to the job queue.', registers,
        async collect() { this.set((await queue()).workers); },
      });
    }
  }

  /**
   * The series of one set of labels, looked up once by a key made of them (a Map lookup
   * rather than the labels object, sorted and joined, of every observation).
   */
  private readonly requestSeries = new Map<string, HistogramSeries>();
  private readonly outcomeSeries = new Map<string, HistogramSeries>();

  /** Counts an HTTP request answered. */
  recordRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let s = this.requestSeries.get(key);
    if (s === undefined) {
      s = this.httpDuration.labels({ method, route, status: String(status) });
      this.requestSeries.set(key, s);
    }
    s.observe(seconds);
  }

  /** Counts a finished evaluation. */
  recordOutcome(out: TaskOutcome): void {
    const outcome = out.ok ? 'ok' : out.error.kind;
    let s = this.outcomeSeries.get(outcome);
    if (s === undefined) {
      s = this.evalDuration.labels({ outcome });
      this.outcomeSeries.set(outcome, s);
    }
    s.observe(out.stats.evalMs / 1000);
    if (!out.ok) this.evalErrors.inc({ kind: out.error.kind });
    this.queueWait.observe(out.queueMs / 1000);
    if (out.stats.importCacheHits) this.importCache.inc({ result: 'hit' }, out.stats.importCacheHits);
    if (out.stats.importCacheMisses) this.importCache.inc({ result: 'miss' }, out.stats.importCacheMisses);
  }
}
