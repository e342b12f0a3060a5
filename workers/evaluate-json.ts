// One evaluation as the service runs it: the request's expression (or file) evaluated with
// the sandboxed IO the server allows, the result serialised as `nix-instantiate --json`
// gives it, and every failure turned into a structured error with a kind. Runs inside a
// Piscina worker (eval-worker.ts) but knows nothing about threads, so it is also callable
// directly (tests).
//
// Strings inside the evaluator are byte strings (one char per byte); everything that comes
// in is UTF-8 text and is converted at this boundary, and everything going out is converted
// back.

import { isAbsolute, posix } from 'node:path';
import { Evaluation } from '../src/eval.js';
import { NixError, type SourcePos } from '../src/errors/errors.js';
import { renderError, shownTrace } from '../src/errors/render.js';
import { Source } from '../src/syntax/source.js';
import { activate, engineLimitError, type EvalLimits, EvalTimeout } from '../src/limits/limits.js';
import { OutputTooLarge, toJSON } from '../src/value/json.js';
import { explicitDepth } from '../src/value/depth.js';
import type { Request, Value } from '../src/value/values.js';
import type { EvalIO } from '../src/io/io.js';
import { FsIO } from '../src/io/fs-io.js';
import { MemoryIO } from '../src/io/memory-io.js';
import { watchPurity, type WatchedIO } from '../src/io/purity.js';
import { compileCacheCounters } from '../src/io/compile-cache.js';
import { MessageLog, MIN_MESSAGE_BYTES, OutputBudget } from './bounded-output.js';
import { onTrim } from './worker-caches.js';

/** What one evaluation needs: the request (already validated) and its effective limits. */
export interface EvalJob {
  expr?: string;
  file?: string;
  attrPath?: string;
  args?: Record<string, string>;
  argstrs?: Record<string, string>;
  strict: boolean;
  searchPath?: string[];
  /** In-memory files (path → UTF-8 text). When given, the evaluation sees only these. */
  files?: Record<string, string>;
  /** Directories of the server's filesystem the evaluation may read (when no `files`). */
  allowedRoots: string[];
  timeoutMs: number;
  /** Heap (MiB) the evaluation may grow the worker's by; checked as it runs. */
  maxMemoryMb: number;
  maxOutputBytes: number;
  /** C++ Nix's max-call-depth; none when undefined. */
  maxCallDepth?: number;
}

export type ErrorKind =
  | 'parse' | 'eval' | 'throw' | 'assert' | 'abort' | 'infinite-recursion' | 'type' | 'undefined-variable' | 'io'
  | 'timeout' | 'memory-limit' | 'output-limit' | 'cancelled' | 'internal';

export interface Position {
  file: string;
  line: number;
  column: number;
}

export interface ErrorBody {
  kind: ErrorKind;
  /** The error's message, as Nix words it (without the `error:` prefix). */
  message: string;
  /** The whole error as `nix-instantiate` prints it (message, position, trace). */
  rendered?: string;
  position: Position | null;
  /** The frames that led to the error, innermost first, as `rendered` shows them. */
  trace: { message: string; position: Position | null }[];
}

export interface EvalStats {
  /** Time spent evaluating and serialising in the worker. */
  evalMs: number;
  /** How much the evaluation grew the worker's heap at most (MiB, as sampled). */
  heapGrowthMb: number;
  /** Import-cache (compiled files) lookups of this evaluation. */
  importCacheHits: number;
  importCacheMisses: number;
}

/** `pure`: the answer depended only on the request (src/io/purity.ts); absent means not known to. */
export type EvalOutcome =
  | { ok: true; json: string; warnings: string[]; traces: string[]; stats: EvalStats; pure?: boolean }
  | { ok: false; error: ErrorBody; warnings: string[]; traces: string[]; stats: EvalStats; pure?: boolean };

export const bytesToUtf8 = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');

function position(pos: SourcePos | undefined): Position | null {
  if (!pos) return null;
  const { line, column } = pos.source.lineCol(pos.offset);
  return { file: bytesToUtf8(pos.source.origin), line, column };
}

export function errorBody(kind: ErrorKind, message: string, extra: Partial<ErrorBody> = {}): ErrorBody {
  return { kind, message, position: null, trace: [], ...extra };
}

/**
 * A NixError as the service reports it, within `budget` (the output limit): the message (at
 * least its first MIN_MESSAGE_BYTES), the rendering as with --show-trace, and the trace as the
 * rendering shows it (a long run of duplicate frames is one entry), innermost first; each cut
 * and marked where the budget runs out.
 */
export function nixErrorBody(e: NixError, budget = new OutputBudget(Infinity)): ErrorBody {
  const message = budget.take(e.message, MIN_MESSAGE_BYTES);
  // Rendered from a copy whose texts are cut already, so a huge message is never copied whole.
  const shown = e.copy();
  const cap = Math.max(budget.left, MIN_MESSAGE_BYTES) + 1;
  shown.message = e.message.slice(0, cap);
  for (let i = 0; i < shown.trace.length; i++) {
    const f = shown.trace[i];
    if (f.message.length > cap) shown.trace[i] = { ...f, message: f.message.slice(0, cap) };
  }
  const rendered = budget.take(renderError(shown, { showTrace: true }));
  const entries = shownTrace(shown, { showTrace: true }).entries;
  const trace: ErrorBody['trace'] = [];
  let dropped = 0;
  // Innermost first, as the answer lists them.
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (budget.left <= 0) { dropped++; continue; }
    trace.push('omitted' in entry
      ? { message: `(${entry.omitted} duplicate frames omitted)`, position: null }
      : { message: budget.take(entry.frame.message), position: position(entry.frame.pos) });
  }
  if (dropped > 0) trace.push({ message: `(${dropped} more frames omitted: output limit)`, position: null });
  return { kind: e.kind, message, rendered, position: position(e.pos), trace };
}

/** The task was cancelled while it ran (its client went away, or its job was cancelled). */
export class Cancelled extends Error {}

/** Hooks of the thread running evaluations. */
export interface EvalHooks {
  /** Whether the task has been cancelled; checked every few thousand steps. */
  cancelled?: () => boolean;
  /** A full garbage collection, tried before an allocation fails for lack of memory. */
  collectGarbage?: () => void;
}

/** The sandboxed filesystems, by allowed roots: FsIO keeps no state between evaluations, and
 * resolving the roots (realpath) once per worker rather than per request saves system calls. */
const fsIOs = new Map<string, FsIO>();

onTrim(() => fsIOs.clear());

function fsIOFor(roots: string[]): FsIO {
  const key = roots.join('\0');
  let io = fsIOs.get(key);
  if (io === undefined) {
    io = new FsIO({ roots, allowedEnv: [], env: {} });
    if (fsIOs.size > 16) fsIOs.clear();
    fsIOs.set(key, io);
  }
  return io;
}

/** The IO an evaluation gets: the posted files, or the server's allowed roots (read-only). */
export function ioFor(job: Pick<EvalJob, 'files' | 'allowedRoots'>): { io: EvalIO; baseDir: string } {
  if (job.files !== undefined) {
    const files: Record<string, string> = {};
    for (const [path, text] of Object.entries(job.files)) files[posix.resolve('/', path)] = text;
    // No environment, and the clock as usual.
    return { io: new MemoryIO(files, { env: {} }), baseDir: '/' };
  }
  return {
    io: fsIOFor(job.allowedRoots),
    baseDir: job.allowedRoots[0] ?? '/',
  };
}

/** Evaluates one request; never throws for anything the evaluation does. */
export function evaluateToJson(job: EvalJob, hooks: EvalHooks = {}): EvalOutcome {
  const t0 = performance.now();
  const hits0 = compileCacheCounters.hits;
  const misses0 = compileCacheCounters.misses;
  const messages = new MessageLog(job.maxOutputBytes);
  const cancelled = hooks.cancelled;
  let ev: Evaluation | undefined;
  let previousLimits: EvalLimits | undefined;
  const stats = (): EvalStats => {
    const limits = ev?.limits;
    return {
      evalMs: Math.round((performance.now() - t0) * 1000) / 1000,
      heapGrowthMb: limits ? Math.round(Math.max(0, limits.peakHeapBytes - limits.baseHeapBytes) / 1024 / 10.24) / 100 : 0,
      importCacheHits: compileCacheCounters.hits - hits0,
      importCacheMisses: compileCacheCounters.misses - misses0,
    };
  };
  /** A failure: its error first in the output limit, then the messages that fit beside it. */
  const fail = (error: (budget: OutputBudget) => ErrorBody): EvalOutcome => {
    const budget = new OutputBudget(job.maxOutputBytes);
    const body = error(budget);
    return { ok: false, error: body, ...messages.output(budget), stats: stats(), pure: watched?.pure };
  };
  let watched: WatchedIO | undefined;
  try {
    const { io: given, baseDir } = ioFor(job);
    watched = watchPurity(given, job.files !== undefined);
    const io = watched.io;
    ev = new Evaluation({
      strict: job.strict,
      attrPath: job.attrPath,
      args: job.args,
      argstrs: job.argstrs,
      searchPath: job.searchPath,
      io,
      baseDir,
      // Nothing of the server's environment: no `~/`, no variables.
      home: undefined,
      allowedEnv: [],
      deadline: Date.now() + job.timeoutMs,
      maxMemoryMb: job.maxMemoryMb,
      collectGarbage: hooks.collectGarbage,
      checkLimits: cancelled && (() => { if (cancelled()) throw new Cancelled(); }),
      maxCallDepth: job.maxCallDepth,
      onMessage: (line) => messages.add(line),
    });
    // Parsing and compiling count against the limits too, not only the VM's run.
    previousLimits = activate(ev.limits);
    let chunk;
    if (job.file !== undefined) {
      const path = Buffer.from(isAbsolute(job.file) ? posix.normalize(job.file) : posix.resolve(baseDir, job.file), 'utf8').toString('latin1');
      chunk = ev.compileFile(ev.resolveExprPath(path));
    } else {
      chunk = ev.compileSource(Source.fromUtf8(Source.STRING, job.expr ?? '', baseDir));
    }
    const value = ev.run(chunk);
    // The value's JSON comes first in the output limit; warnings and traces get what is left.
    const text = ev.vm.run((function* (): Generator<Request, Value, Value> {
      // No depth limit unless maxCallDepth is set (deep data prints, where C++ Nix's stack
      // overflows); a cyclic value ends at once with the error C++ Nix reaches at max-call-depth.
      // With maxCallDepth, nesting counts against it as in C++ Nix (value/depth.ts).
      return yield* toJSON(value, new Set(), true, explicitDepth(ev.settings, 0), job.maxOutputBytes);
    })()) as string;
    const budget = new OutputBudget(job.maxOutputBytes - text.length);
    return { ok: true, json: bytesToUtf8(text), ...messages.output(budget), stats: stats(), pure: watched.pure };
  } catch (e) {
    return fail((budget) => failureBody(e, job, budget));
  } finally {
    if (previousLimits) activate(previousLimits);
  }
}

/**
 * What an evaluation that threw reports, within `budget` (its output limit): its Nix error,
 * the limit it reached, its cancellation, or an internal error.
 */
export function failureBody(e: unknown, job: Pick<EvalJob, 'timeoutMs' | 'maxOutputBytes'>, budget = new OutputBudget(job.maxOutputBytes)): ErrorBody {
  if (e instanceof OutputTooLarge) return errorBody('output-limit', `the result's JSON is larger than the output limit of ${job.maxOutputBytes} bytes`);
  if (e instanceof NixError) return nixErrorBody(e, budget);
  if (e instanceof EvalTimeout) return errorBody('timeout', `evaluation timed out after ${job.timeoutMs} ms`);
  if (e instanceof Cancelled) return errorBody('cancelled', 'the evaluation was cancelled');
  const limit = engineLimitError(e);
  if (limit) return errorBody('memory-limit', limit.message);
  return errorBody('internal', `internal error: ${e instanceof Error ? e.message : String(e)}`);
}
