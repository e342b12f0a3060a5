// The limits of the running evaluation, a memory budget and a deadline, reachable from every
// layer that allocates or loops (the VM, the compiled tier, builtins, printing, JSON) without
// passing anything around.
//
// Why a budget: V8 checks nothing before an allocation. One `l ++ l` of two long lists asks
// for a gigabyte at once, and when that passes V8's heap limit V8 aborts the whole process
// (and a JS array grown past about 2^27 elements aborts it whatever the limit). A periodic
// look at the heap cannot prevent that, so everything whose result grows with its input
// first says how much it is about to allocate:
//
//     reserveList(a.length + b.length);         // before a.concat(b)
//     reserveString(total);                     // before parts.join('')
//     reserve(bytes);                           // anything else, estimated
//
// `reserve` is a subtraction and a comparison: it takes from a headroom (what the heap may
// still grow by, as last measured). Only when the headroom is used up is the heap measured
// again, and the allocation that still does not fit fails with a `memory-limit` error, which
// `tryEval` does not catch. The `reserve*` helpers also refuse, always, what V8 cannot hold
// at all (longest list, string, attribute set) with the same error, never a crash.
//
// Why a tick: the VM counts its instructions and checks the deadline every few thousand, but
// a loop inside one builtin or one serialiser over data already evaluated (printing, JSON,
// XML, deep forcing, equality, regex, ...) runs no instruction. Such a loop calls `tick()` once
// per step, which checks the deadline (and measures the heap) every few thousand steps.
//
// The Evaluation owns its EvalLimits; the VM makes them the active ones while it runs
// (`activate`). Outside any evaluation the active limits have no deadline and the JS heap's
// own size as their budget.

import { constants as bufferConstants } from 'node:buffer';
import { getHeapStatistics } from 'node:v8';
import { NixError } from '../errors/errors.js';

/** The deadline passed (not a NixError: no trace, not memoised by thunks). */
export class EvalTimeout extends Error {}

// Estimated sizes (bytes, 64-bit V8) of what builtins allocate, for `reserve`.
/** One element of a list (a pointer in the array). */
export const SLOT_BYTES = 8;
/** A new thunk or deferred application in a list, with its argument array and its slot. */
export const THUNK_BYTES = 136;
/** One attribute of a set: a Map entry and its share of the table. */
export const ATTR_BYTES = 48;
/** A small object (a value wrapper, a match record, a string slice). */
export const OBJECT_BYTES = 48;

/** The longest list nixeval builds: V8 aborts the process when an array grows past ~1.26 × 2^27. */
export const MAX_LIST_LENGTH = 2 ** 26;
/** The most attributes in a set (V8's largest Map). */
export const MAX_ATTRS = 2 ** 24;
/** The longest string V8 holds (bytes, as nixeval's strings are byte strings). */
export const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;

/** Steps between two checks of the deadline by `tick`. */
const TICKS = 4096;
/**
 * How much of V8's heap an evaluation may fill. V8 aborts the process ("ineffective
 * mark-compacts near heap limit") once its old generation is past about 80 % of its maximum and
 * collecting no longer frees much, and `heap_size_limit` counts the young generation too (three
 * semi-spaces of 16 MiB by default). A fixed margin of 64 MiB below `heap_size_limit` let an
 * infinite recursion in the CLI abort Node instead of failing with a memory error.
 */
const YOUNG_GENERATION_BYTES = 48 * 1024 * 1024;
const OLD_GENERATION_SHARE = 0.75;

const MiB = 1024 * 1024;

/** The old generation's limit of this thread (MiB), when it is known (useWorkerHeapLimits). */
let oldGenerationMb = 0;

/**
 * For a worker thread started with resource limits (the service's pool, whose young
 * generation may be larger than V8's default: workers/pool.ts): its old generation's limit,
 * from `resourceLimits` of node:worker_threads (which the command line does not load).
 */
export function useWorkerHeapLimits(maxOldGenerationSizeMb: number | undefined): void {
  oldGenerationMb = maxOldGenerationSizeMb ?? 0;
}

/**
 * The young generation's part of `heap_size_limit`: in a worker whose old generation's limit
 * is known, what the limit holds beyond it (never less than V8's default); elsewhere V8's
 * default.
 */
export function youngGenerationBytes(heapSizeLimit: number): number {
  return oldGenerationMb > 0 ? Math.max(YOUNG_GENERATION_BYTES, heapSizeLimit - oldGenerationMb * MiB) : YOUNG_GENERATION_BYTES;
}

function engineCeiling(heapSizeLimit: number): number {
  return (heapSizeLimit - youngGenerationBytes(heapSizeLimit)) * OLD_GENERATION_SHARE;
}

export interface LimitsOptions {
  /** Wall-clock deadline, ms since epoch. */
  deadline?: number;
  /** How far the heap may grow past its size when the limits are made (bytes). */
  maxMemoryBytes?: number;
  /** The embedder's own checks (cancellation), run with every deadline check; throws to stop. */
  check?: () => void;
  /** A full garbage collection, tried once before an allocation fails for lack of memory. */
  collectGarbage?: () => void;
}

export class EvalLimits {
  /** Bytes the evaluation may still allocate before the heap is measured again. */
  headroom: number;
  /** Steps `tick` counts down before the next check. */
  ticks = TICKS;
  deadline = Infinity;
  /** Heap in use when the limits were made (or restarted). */
  baseHeapBytes = 0;
  /**
   * Bytes the evaluation holds outside V8's heap, which no heap measure sees (a large string
   * Node makes from a buffer is external): an unpacked tarball's files (reserveExternal).
   */
  externalBytes = 0;
  /** The most heap in use seen at a measurement. */
  peakHeapBytes = 0;
  private ceiling = Infinity;
  private maxMemoryBytes: number | undefined;
  /** Whether a collection at the ceiling may free enough to go on (see measure). */
  private collectMayHelp = true;

  constructor(private readonly options: LimitsOptions = {}) {
    this.headroom = Infinity;
    this.restart(options.deadline, options.maxMemoryBytes);
  }

  /**
   * A new deadline and budget, counted from now: for an evaluation that lives on from one task
   * to the next (a jobset's attributes, each with its own limits).
   */
  restart(deadline = Infinity, maxMemoryBytes?: number): void {
    this.deadline = deadline;
    this.maxMemoryBytes = maxMemoryBytes;
    const heap = getHeapStatistics();
    this.baseHeapBytes = heap.used_heap_size;
    this.peakHeapBytes = this.baseHeapBytes;
    // Never past V8's own limit: there V8 aborts the process rather than throw.
    this.ceiling = Math.min(engineCeiling(heap.heap_size_limit), this.baseHeapBytes + (maxMemoryBytes ?? Infinity));
    this.headroom = this.ceiling - this.baseHeapBytes;
    this.externalBytes = 0;
    this.collectMayHelp = true;
    this.ticks = TICKS;
  }

  /** Checks the deadline and the embedder's limits, and measures the heap. */
  check(): void {
    this.ticks = TICKS;
    if (Date.now() > this.deadline) throw new EvalTimeout('evaluation timed out');
    this.options.check?.();
    this.measure(0);
  }

  /** Measures the heap and takes `bytes` from what is left; fails when they do not fit. */
  measure(bytes: number): void {
    let used = getHeapStatistics().used_heap_size + this.externalBytes;
    if (used > this.peakHeapBytes) this.peakHeapBytes = used;
    if (used + bytes > this.ceiling && this.options.collectGarbage && this.collectMayHelp) {
      // What is in use may be mostly garbage that V8 has not collected yet. But when the last
      // collection left little room, the evaluation is at its limit: collecting again at every
      // step would only spend its time (and its deadline) in the collector.
      this.options.collectGarbage();
      used = getHeapStatistics().used_heap_size + this.externalBytes;
      this.collectMayHelp = this.ceiling - used > (this.ceiling - this.baseHeapBytes) / 4;
    }
    this.headroom = this.ceiling - used - bytes;
    if (this.headroom < 0) {
      this.headroom = this.ceiling - used;
      throw this.exceeded(bytes);
    }
  }

  private exceeded(bytes: number): NixError {
    const max = this.maxMemoryBytes;
    const limit = max !== undefined && this.baseHeapBytes + max <= this.ceiling
      ? `its memory limit of ${Math.round(max / MiB)} MiB`
      : `the memory the JS heap allows (${Math.round((this.ceiling - this.baseHeapBytes) / MiB)} MiB)`;
    const what = bytes >= MiB ? ` (it asked for ${Math.round(bytes / MiB)} MiB more at once)` : '';
    return new NixError('memory-limit', `evaluation used more than ${limit}${what}`);
  }
}

/** The limits in force outside any evaluation. */
const UNLIMITED = new EvalLimits();
let active: EvalLimits = UNLIMITED;

/** Makes `limits` the active ones; returns those they replace, to restore afterwards. */
export function activate(limits: EvalLimits | undefined): EvalLimits {
  const previous = active;
  active = limits ?? UNLIMITED;
  return previous;
}

/** Takes `bytes` from the memory budget before allocating them; `memory-limit` if they do not fit. */
export function reserve(bytes: number): void {
  if ((active.headroom -= bytes) < 0) {
    active.headroom += bytes;
    active.measure(bytes);
  }
}

/**
 * Takes `bytes` from the memory budget if they fit in what is left since the heap was last
 * measured, without measuring it: false otherwise (for work that can be left for later, which
 * then reserves as usual: see codegen/eager.ts).
 */
export function reserveWithin(bytes: number): boolean {
  if (active.headroom < bytes) return false;
  active.headroom -= bytes;
  return true;
}

/**
 * Takes `bytes` from the memory budget for data that will live outside V8's heap as long as the
 * evaluation (so that the heap's measure counts them from now on); `memory-limit` if they do not fit.
 */
export function reserveExternal(bytes: number): void {
  reserve(bytes);
  active.externalBytes += bytes;
}

/** Before building a list of `length` elements, each costing `perElement` bytes. */
export function reserveList(length: number, perElement = SLOT_BYTES): void {
  if (length > MAX_LIST_LENGTH) throw tooLarge(`a list of ${length} elements`, MAX_LIST_LENGTH);
  reserve(length * perElement);
}

/**
 * Before building a string of `length` bytes, of which `added` are new (appending to a string
 * already paid for reserves only what it adds, so a string built part by part costs its length).
 */
export function reserveString(length: number, added = length): void {
  if (length > MAX_STRING_LENGTH) throw tooLarge(`a string of ${length} bytes`, MAX_STRING_LENGTH);
  reserve(added);
}

/** Before building an attribute set of `size` attributes. */
export function reserveAttrs(size: number): void {
  if (size > MAX_ATTRS) throw tooLarge(`an attribute set of ${size} attributes`, MAX_ATTRS);
  reserve(size * ATTR_BYTES);
}

/**
 * One step of a long loop: checks the deadline (and the heap) every few thousand steps. A step
 * that costs more (scanning a long string) counts as `cost` steps, about one per kilobyte.
 */
export function tick(cost = 1): void {
  if ((active.ticks -= cost) < 0) active.check();
}

/** The time left before the active deadline (ms, at least 1), or undefined without one: for a
 * program run to its end (git), which no tick can stop. */
export function timeLeftMs(): number | undefined {
  return active.deadline === Infinity ? undefined : Math.max(1, active.deadline - Date.now());
}

function tooLarge(what: string, max: number): NixError {
  return new NixError('memory-limit', `${what} is larger than nixeval can hold (at most ${max})`);
}

/** Errors the JS engine throws when a value outgrows what it can hold, as `memory-limit` errors. */
export function engineLimitError(e: unknown): NixError | undefined {
  const tooLong = e instanceof Error && (e as { code?: string }).code === 'ERR_STRING_TOO_LONG';
  if (!tooLong && !(e instanceof RangeError && /Invalid (string|array|typed array) length|Array buffer allocation failed|maximum size exceeded|out of memory/i.test(e.message))) {
    return undefined;
  }
  return new NixError('memory-limit', `evaluation ran out of memory: ${e.message}`);
}
