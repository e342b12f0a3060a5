// The worker's side of a jobset: evaluates a batch of one jobset's attributes (src/jobset),
// each within its own limits, and answers with one result per attribute.
//
// A worker keeps what it evaluated of a jobset (its Evaluation: the root and every thunk forced
// so far, as a nix-eval-jobs worker keeps its EvalState) for the jobset's later batches, so the
// package set is evaluated once per worker, not once per attribute. The jobset's description is
// shared once (a SharedArrayBuffer of JSON) and read by a worker the first time it meets the
// jobset; a jobset not used for a while is dropped.
//
// Between attributes, a worker whose heap has grown past the jobset's threshold stops the batch
// (the attributes left go back to the runner), drops what it holds, and asks the pool to
// replace it, as nix-eval-jobs restarts a worker past --max-memory-size.

import { threadId, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { isAbsolute, posix } from 'node:path';
import { Evaluation } from '../src/eval.js';
import { Source } from '../src/syntax/source.js';
import { FsIO } from '../src/io/fs-io.js';
import { storeState } from '../src/store/state.js';
import type { Request, Value } from '../src/value/values.js';
import {
  type AttributeContext, type AttributeOutcome, type DerivationFields, evaluateAttribute, type JobsetFlags, jobsetRoot,
} from '../src/jobset/attribute.js';
import type { AttributeStats } from '../src/jobset/line.js';
import { bytesToUtf8, Cancelled, type ErrorBody, errorBody, failureBody, ioFor } from './evaluate-json.js';
import { askRetirement, CELL_CANCEL, CELL_DONE, CELL_ITEM, CELL_START, CELL_THREAD } from './shared-memory.js';
import { garbageCollector } from './worker-caches.js';
import { activate } from '../src/limits/limits.js';
import { watchPurity, type WatchedIO } from '../src/io/purity.js';

/** A jobset as its workers see it: what to evaluate, what to report, and the limits of each attribute. */
export interface JobsetSpec {
  expr?: string;
  file?: string;
  /** The root's attribute path (nix-instantiate -A). */
  attrPath?: string;
  /** nix-eval-jobs' --select: a function of the root giving the set to walk. */
  select?: string;
  /** nix-eval-jobs' --apply: a function of each derivation, reported as `extraValue`. */
  apply?: string;
  args?: Record<string, string>;
  argstrs?: Record<string, string>;
  searchPath?: string[];
  /** In-memory files (path → UTF-8 text); when given, the evaluation sees only these. */
  files?: Record<string, string>;
  /** Directories of the server's filesystem the evaluation may read (when no `files`). */
  allowedRoots: string[];
  /**
   * The whole filesystem and environment, as the command line has them (`nixeval eval-jobs`).
   * Never set from a request.
   */
  host?: boolean;
  flags: JobsetFlags;
  /** Limits of each attribute. */
  timeoutMs: number;
  maxMemoryMb: number;
  maxOutputBytes: number;
  maxCallDepth?: number;
  /** Past this heap (MiB) after an attribute, the worker is replaced. */
  maxWorkerMemoryMb?: number;
}

export interface JobsetBatchTask {
  /** The jobset's id: a worker keeps its evaluation under it. */
  jobset: string;
  /** The JobsetSpec as UTF-8 JSON. */
  spec: SharedArrayBuffer;
  /** Attribute paths (names as the evaluator's byte strings). */
  paths: string[][];
  reqId: string;
  /** The task's cell (shared-memory.ts); CELL_START is reset for each attribute. */
  started: SharedArrayBuffer;
}

/**
 * `pure`: the result depended only on the request (src/io/purity.ts): nothing the jobset's
 * evaluation did up to the end of this attribute, which may have forced what it uses, looked at
 * the clock or the server's files. Absent: not known to.
 */
export type AttributeResult =
  | { kind: 'derivation'; fields: DerivationFields; stats: AttributeStats; messages: string[]; pure?: boolean }
  /** Names (byte strings) of the attributes to walk next. */
  | { kind: 'attrs'; names: string[]; stats: AttributeStats; messages: string[]; pure?: boolean }
  | { kind: 'error'; error: ErrorBody; stats: AttributeStats; messages: string[]; pure?: boolean };

export interface JobsetBatchResult {
  /**
   * The AttributeResults as JSON: one per path, in order; fewer than the paths when the worker
   * stopped early (to be replaced). One string, because posting it to the main thread is a
   * copy, where the structured clone of the objects cost as much as hashing the derivations.
   */
  results: string;
}

/** A jobset as one worker holds it. */
interface JobsetState {
  spec: JobsetSpec;
  ev: Evaluation;
  ctx?: AttributeContext;
  /** The cell of the batch being evaluated (its cancellation flag). */
  cell: Float64Array | undefined;
  messages: string[];
  /** Bytes of the attribute's messages so far (kept up to its output limit). */
  messageBytes: number;
  /** What the evaluation has read that a request does not decide (none for the command line). */
  purity?: WatchedIO;
  lastUsed: number;
}

/** Jobsets held; the least recently used goes first. */
const held = new Map<string, JobsetState>();
const MAX_HELD = 4;
/** A jobset unused this long is dropped (the runner has most likely finished). */
const IDLE_MS = 60_000;

const retirement = (workerData as { retirement?: SharedArrayBuffer } | undefined)?.retirement;

const heapUsed = (): number => getHeapStatistics().used_heap_size;

function stateFor(task: JobsetBatchTask): JobsetState {
  const now = Date.now();
  for (const [id, s] of held) if (now - s.lastUsed > IDLE_MS) held.delete(id);
  let s = held.get(task.jobset);
  if (s === undefined) {
    const spec = JSON.parse(Buffer.from(new Uint8Array(task.spec)).toString('utf8')) as JobsetSpec;
    s = newState(spec);
    if (held.size >= MAX_HELD) held.delete(held.keys().next().value!);
    held.set(task.jobset, s);
  } else {
    // Most recently used last.
    held.delete(task.jobset);
    held.set(task.jobset, s);
  }
  s.lastUsed = now;
  return s;
}

function newState(spec: JobsetSpec): JobsetState {
  const state: JobsetState = {
    spec, ev: undefined as unknown as Evaluation, cell: undefined, messages: [], messageBytes: 0, lastUsed: 0,
  };
  const { io: given, baseDir } = spec.host ? { io: new FsIO({ allowedEnv: '*' }), baseDir: process.cwd() } : ioFor(spec);
  if (!spec.host) state.purity = watchPurity(given, spec.files !== undefined);
  const io = state.purity?.io ?? given;
  state.ev = new Evaluation({
    args: spec.args,
    argstrs: spec.argstrs,
    searchPath: spec.searchPath,
    io,
    baseDir,
    home: spec.host ? process.env.HOME : undefined,
    allowedEnv: spec.host ? ['*'] : [],
    maxCallDepth: spec.maxCallDepth,
    // Each attribute has its own deadline and memory budget (ev.limits, restarted for each).
    maxMemoryMb: spec.maxMemoryMb,
    collectGarbage: garbageCollector(),
    checkLimits: () => {
      if (state.cell !== undefined && state.cell[CELL_CANCEL] !== 0) throw new Cancelled();
    },
    // An attribute's messages are bounded by its output limit, as an evaluation's are.
    onMessage: (line) => {
      state.messageBytes += line.length;
      if (state.messageBytes <= spec.maxOutputBytes) state.messages.push(bytesToUtf8(line));
      else if (state.messageBytes - line.length <= spec.maxOutputBytes) state.messages.push('… more messages omitted: output limit');
    },
  });
  return state;
}

function run<T>(ev: Evaluation, gen: Generator<Request, T, Value>): T {
  let result: T | undefined;
  ev.vm.run((function* (): Generator<Request, Value, Value> {
    result = yield* gen;
    return null;
  })());
  return result as T;
}

/** The root of the walk, evaluated the first time this worker needs it. */
function contextOf(s: JobsetState): AttributeContext {
  if (s.ctx !== undefined) return s.ctx;
  const { ev, spec } = s;
  const expr = (text: string): Value => ev.vm.evalChunk(ev.compileSource(Source.fromUtf8(Source.STRING, text, ev.cwd)));
  let chunk;
  if (spec.file !== undefined) {
    const path = isAbsolute(spec.file) ? posix.normalize(spec.file) : posix.resolve(ev.cwd, spec.file);
    chunk = ev.compileFile(ev.resolveExprPath(Buffer.from(path, 'utf8').toString('latin1')));
  } else {
    chunk = ev.compileSource(Source.fromUtf8(Source.STRING, spec.expr ?? '', ev.cwd));
  }
  const autoArgs = ev.autoArguments();
  const select = spec.select === undefined ? undefined : expr(spec.select);
  const root = run(ev, jobsetRoot(ev.vm.evalChunk(chunk), autoArgs, spec.attrPath, select));
  s.ctx = {
    root, autoArgs, store: storeState(ev), flags: spec.flags, apply: spec.apply === undefined ? undefined : expr(spec.apply),
  };
  return s.ctx;
}

/** Strings of a derivation's line as UTF-8 (the store information stays in bytes: it is hashed again). */
function utf8Fields(f: DerivationFields): DerivationFields {
  const map = (o: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [bytesToUtf8(k), bytesToUtf8(v)]));
  const out: DerivationFields = { ...f, name: bytesToUtf8(f.name), system: bytesToUtf8(f.system), outputs: map(f.outputs) };
  if (f.meta !== undefined) out.meta = bytesToUtf8(f.meta);
  if (f.extraValue !== undefined) out.extraValue = bytesToUtf8(f.extraValue);
  if (f.requiredSystemFeatures) out.requiredSystemFeatures = f.requiredSystemFeatures.map(bytesToUtf8);
  if (f.constituents) out.constituents = { ...f.constituents, namedConstituents: f.constituents.namedConstituents.map(bytesToUtf8) };
  return out;
}

/** The size a line's fields take (meta and extraValue are what can be large). */
function fieldsSize(f: DerivationFields): number {
  return (f.meta?.length ?? 0) + (f.extraValue?.length ?? 0) + JSON.stringify(f.inputDrvs ?? null).length + 512;
}

function evaluatePath(s: JobsetState, path: string[], cell: Float64Array): AttributeResult {
  const result = evaluatePathOnce(s, path, cell);
  result.pure = s.purity?.pure;
  return result;
}

function evaluatePathOnce(s: JobsetState, path: string[], cell: Float64Array): AttributeResult {
  const t0 = performance.now();
  s.messages = [];
  s.messageBytes = 0;
  const stats = (): AttributeStats => ({
    evalMs: Math.round((performance.now() - t0) * 1000) / 1000,
    heapGrowthMb: Math.round(Math.max(0, Math.max(s.ev.limits.peakHeapBytes, heapUsed()) - s.ev.limits.baseHeapBytes) / 1024 / 10.24) / 100,
    worker: threadId,
  });
  const begin = (): void => {
    // Each phase (the root, the first time; then the attribute) gets the whole time limit,
    // and the pool's backstop timer counts from its start.
    cell[CELL_START] = Date.now();
    s.ev.limits.restart(Date.now() + s.spec.timeoutMs, s.spec.maxMemoryMb * 1024 * 1024);
  };
  try {
    begin();
    let ctx = s.ctx;
    if (ctx === undefined) {
      ctx = contextOf(s);
      begin();
    }
    const outcome: AttributeOutcome = run(s.ev, evaluateAttribute(ctx, path));
    if (outcome.kind === 'attrs') return { kind: 'attrs', names: [...outcome.names], stats: stats(), messages: s.messages };
    const fields = utf8Fields(outcome.fields);
    const size = fieldsSize(fields);
    if (size > s.spec.maxOutputBytes) {
      return { kind: 'error', error: errorBody('output-limit', `the attribute's line is ${size} bytes, more than the limit of ${s.spec.maxOutputBytes} bytes`), stats: stats(), messages: s.messages };
    }
    return { kind: 'derivation', fields, stats: stats(), messages: s.messages };
  } catch (e) {
    return { kind: 'error', error: failureBody(e, s.spec), stats: stats(), messages: s.messages };
  }
}

/** Piscina's `jobsetBatch` task (eval-worker.ts exports it). */
export function jobsetBatch(task: JobsetBatchTask): JobsetBatchResult {
  const cell = new Float64Array(task.started);
  cell[CELL_THREAD] = threadId;
  cell[CELL_ITEM] = 0;
  cell[CELL_START] = Date.now();
  const s = stateFor(task);
  s.cell = cell;
  const results: AttributeResult[] = [];
  // Parsing and compiling (the root, --select, --apply) count against the limits too.
  const outer = activate(s.ev.limits);
  try {
    for (let i = 0; i < task.paths.length; i++) {
      // Cancelled (the jobset was): the attributes left are not evaluated.
      if (cell[CELL_CANCEL] !== 0) break;
      cell[CELL_ITEM] = i;
      results.push(evaluatePath(s, task.paths[i], cell));
      const limit = s.spec.maxWorkerMemoryMb;
      if (limit !== undefined && heapUsed() > limit * 1024 * 1024 && retirement !== undefined && askRetirement(retirement, threadId)) {
        // Nothing more runs here: let go of every jobset now, the thread goes soon.
        held.clear();
        break;
      }
    }
  } finally {
    activate(outer);
    s.cell = undefined;
    cell[CELL_DONE] = 1;
  }
  return { results: JSON.stringify(results) };
}
