// NIX_SHOW_STATS for `nixeval instantiate`: after a successful evaluation, the JSON object C++
// Nix's printStatistics writes (to stderr, or to the file NIX_SHOW_STATS_PATH names), with
// nixeval's counts (value/stats.ts; README.md says what each field counts here). Counting is on
// only when the process started with NIX_SHOW_STATS set (STATS_ON), since the compiler emits
// its counting instructions only then.

import { writeFileSync } from 'node:fs';
import type { GCProfiler } from 'node:v8';
import { Counter, counts, STATS_ON } from '../value/stats.js';
import { symbolTable } from '../value/symbols.js';
import type { Sink } from './output.js';

/**
 * Estimated sizes in bytes, as V8 lays the objects out (64-bit, no pointer compression): an
 * environment is an object of fixed fields (value/env.ts: three words of header and `up`),
 * each slot a word; a thunk (the Value C++ Nix counts) seven words; a set a NixAttrs of five words, each
 * attribute a word of its values array.
 */
const SIZES = { Env: 32, Value: 56, Bindings: 40, Attr: 8 };

/** What the statistics need from the start of the run: the GC events (v8.GCProfiler). */
export class StatsRecorder {
  private readonly profiler: GCProfiler;
  private readonly startUsed: number;

  constructor() {
    const v8 = process.getBuiltinModule('node:v8');
    this.startUsed = v8.getHeapStatistics().used_heap_size;
    this.profiler = new v8.GCProfiler();
    this.profiler.start();
  }

  /** The statistics as C++ Nix's printStatistics has them, for the counts of this process. */
  report(): Record<string, unknown> {
    const v8 = process.getBuiltinModule('node:v8');
    const events = this.profiler.stop()?.statistics ?? [];
    const heap = v8.getHeapStatistics();
    // Bytes allocated: what each collection found on top of what the previous one left.
    let allocated = 0;
    let left = this.startUsed;
    let gcMicros = 0;
    for (const e of events) {
      allocated += Math.max(0, e.beforeGC.heapStatistics.usedHeapSize - left);
      left = e.afterGC.heapStatistics.usedHeapSize;
      gcMicros += e.cost;
    }
    allocated += Math.max(0, heap.used_heap_size - left);
    const cpuTime = process.cpuUsage().user / 1e6;
    const gcTime = gcMicros / 1e6;
    const c = (k: Counter): number => counts[k];
    const symbols = symbolTable().stats();
    return {
      cpuTime,
      time: { cpu: cpuTime, gc: gcTime, gcFraction: cpuTime > 0 ? gcTime / cpuTime : 0 },
      envs: {
        number: c(Counter.Envs),
        elements: c(Counter.EnvElements),
        bytes: c(Counter.Envs) * SIZES.Env + c(Counter.EnvElements) * 8,
      },
      list: { elements: c(Counter.ListElements), bytes: c(Counter.ListElements) * 8, concats: c(Counter.ListConcats) },
      values: { number: c(Counter.Thunks), bytes: c(Counter.Thunks) * SIZES.Value },
      symbols,
      sets: {
        number: c(Counter.Sets),
        bytes: c(Counter.Sets) * SIZES.Bindings + c(Counter.SetElements) * SIZES.Attr,
        elements: c(Counter.SetElements),
      },
      sizes: SIZES,
      nrOpUpdates: c(Counter.OpUpdates),
      nrOpUpdateValuesCopied: c(Counter.OpUpdateValuesCopied),
      nrThunks: c(Counter.Thunks),
      nrAvoided: c(Counter.Avoided),
      nrLookups: c(Counter.Lookups),
      nrPrimOpCalls: c(Counter.PrimOpCalls),
      nrFunctionCalls: c(Counter.FunctionCalls),
      nrWithLookups: c(Counter.WithLookups),
      gc: { heapSize: heap.total_heap_size, totalBytes: allocated, cycles: events.length },
    };
  }
}

/** A recorder if this process counts (NIX_SHOW_STATS), started now; else null. */
export function startStats(): StatsRecorder | null {
  return STATS_ON ? new StatsRecorder() : null;
}

/** Writes the statistics where NIX_SHOW_STATS_PATH says (`-` or unset: stderr), as C++ Nix. */
export function writeStats(recorder: StatsRecorder, stderr: Sink, path: string | undefined): void {
  const text = JSON.stringify(recorder.report(), null, 2) + '\n';
  if (path === undefined || path === '-') stderr.write(Buffer.from(text, 'utf8'));
  else writeFileSync(path, text);
}
