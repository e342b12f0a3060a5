// Histograms counted on the path of every request in plain numbers, and handed to prom-client's
// registry as its own histograms are when it is scraped (the same names, labels, buckets and
// text). prom-client's histograms validate and hash the labels and turn the bucket's bound into
// a property name on every observation (about 3 µs with three labels, a child bound to its
// labels included): more than the rest of a request's bookkeeping.

import type { Registry } from 'prom-client';

/** One set of labels' buckets (not cumulative), sum and count. */
export class HistogramSeries {
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly labels: Readonly<Record<string, string>>, private readonly bounds: readonly number[]) {
    this.buckets = new Float64Array(bounds.length);
  }

  /** Forgets what was observed (the owner keeps the series). */
  zero(): void {
    this.buckets.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    if (i < bounds.length) this.buckets[i]++;
    this.sum += value;
    this.count++;
  }
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** A histogram whose series are looked up once by their owner and observed into directly. */
export class TallyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries>();
  private readonly sortedLabelNames: string[];

  constructor(readonly name: string, readonly help: string, labelNames: readonly string[], private readonly bounds: readonly number[], registers: Registry[]) {
    this.sortedLabelNames = [...labelNames].sort();
    // The registry takes any metric with a name, a type, get() and reset(), as it takes its own.
    for (const r of registers) r.registerMetric(this as never);
  }

  /** The series of these labels (made on first use). */
  labels(labels: Readonly<Record<string, string>>): HistogramSeries {
    const key = this.sortedLabelNames.map((n) => labels[n]).join('\u0000');
    let s = this.series.get(key);
    if (s === undefined) {
      s = new HistogramSeries({ ...labels }, this.bounds);
      this.series.set(key, s);
    }
    return s;
  }

  /** Every set of labels observed. */
  all(): IterableIterator<HistogramSeries> {
    return this.series.values();
  }

  /** As prom-client's Histogram gives its values to the registry. */
  async get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.buckets[i];
        values.push({ labels: { le, ...s.labels }, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push(
        { labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` },
        { labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` },
        { labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    for (const s of this.series.values()) s.zero();
  }
}
