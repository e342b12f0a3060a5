// Load shedding by event-loop lag: while the main thread's event loop lags more than the
// server's maximum, new `/v1` work is answered 503 (server.ts) and /ready says why.
//
// The lag is the mean delay of the loop's timer over the last sample (a second), measured from
// the moment the server is ready: the time it spends starting (compiling schemas, starting its
// workers) is not lag, and counting it, as a monitor started with the plugins did, made a
// server just started on a busy machine refuse work for its first seconds while it answered
// requests at once.
//
// While the lag is over the maximum, the next sample is taken sooner (a tenth of the period):
// one stall (a long collection, a container paused and resumed, a burst of CPU throttling) is
// over when the loop answers again, and work should not be shed for a whole period after it.

import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** The histogram's resolution (ms): a delay this small is the timer's own. */
const RESOLUTION_MS = 10;

/** How much sooner the next sample is taken while the lag is over the maximum. */
const RECHECK_DIVISOR = 10;

export class EventLoopPressure {
  private readonly histogram: IntervalHistogram;
  private timer: NodeJS.Timeout | undefined;
  private sampledAt = 0;
  /** The lag measured over the last sample (ms). */
  lagMs = 0;

  constructor(readonly maxLagMs: number, private readonly sampleMs = 1000) {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  }

  /** Starts measuring (when the server is ready). */
  start(): void {
    if (this.timer) return;
    this.histogram.reset();
    this.histogram.enable();
    this.sampledAt = performance.now();
    this.schedule(this.sampleMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.histogram.disable();
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.sample(), ms);
    this.timer.unref();
  }

  private sample(): void {
    const now = performance.now();
    // No delay measured at all: the loop was blocked since the last sample.
    this.lagMs = this.histogram.count === 0 ? now - this.sampledAt : Math.max(0, this.histogram.mean / 1e6 - RESOLUTION_MS);
    this.sampledAt = now;
    this.histogram.reset();
    this.schedule(this.lagMs > this.maxLagMs ? Math.max(RESOLUTION_MS * 2, this.sampleMs / RECHECK_DIVISOR) : this.sampleMs);
  }

  /** Why work is shed now, or undefined. */
  get reason(): string | undefined {
    return this.lagMs > this.maxLagMs ? `the event loop lags ${Math.round(this.lagMs)} ms (more than ${this.maxLagMs} ms)` : undefined;
  }
}
