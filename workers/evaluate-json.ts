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
import { getHeapStatistics } from 'node:v8';
import { Evaluation } from '../src/eval.js';
import { NixError, type SourcePos } from '../src/errors/errors.js';
import { renderError, shownTrace } from '../src/errors/render.js';
import { Source } from '../src/syntax/source.js';
import { EvalTimeout } from '../src/vm/vm.js';
import { toJSON } from '../src/value/json.js';
import type { Request, Value } from '../src/value/values.js';
import type { EvalIO } from '../src/io/io.js';
import { FsIO } from '../src/io/fs-io.js';
import { MemoryIO } from '../src/io/memory-io.js';
import { compileCacheStats } from '../src/eval.js';

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

export type EvalOutcome =
  | { ok: true; json: string; warnings: string[]; traces: string[]; stats: EvalStats }
  | { ok: false; error: ErrorBody; warnings: string[]; traces: string[]; stats: EvalStats };

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
 * A NixError as the service reports it: rendered as with --show-trace, and its trace as the
 * rendering shows it, so that a long run of duplicate frames (deep or endless recursion) is
 * one entry, not thousands.
 */
export function nixErrorBody(e: NixError): ErrorBody {
  const trace: ErrorBody['trace'] = [];
  for (const entry of shownTrace(e, { showTrace: true }).entries) {
    trace.push('omitted' in entry
      ? { message: `(${entry.omitted} duplicate frames omitted)`, position: null }
      : { message: bytesToUtf8(entry.frame.message), position: position(entry.frame.pos) });
  }
  trace.reverse();
  return {
    kind: e.kind,
    message: bytesToUtf8(e.message),
    rendered: bytesToUtf8(renderError(e, { showTrace: true })),
    position: position(e.pos),
    trace,
  };
}

/** Errors the JS engine raises when a value outgrows what it can hold. */
function isEngineSizeError(e: unknown): boolean {
  return e instanceof RangeError && /Invalid (string|array|typed array) length|Array buffer allocation failed|out of memory/i.test(e.message);
}

/** Thrown from the VM's periodic limit check when the heap has grown past the limit. */
export class MemoryLimitExceeded extends Error {}

/**
 * The VM calls `check` with its deadline check every few thousand instructions: an evaluation
 * that grows the heap by more than its limit stops there with `memory-limit`, long before
 * V8's own limit for the worker (which terminates the worker, or at worst the process).
 */
export class Limits {
  private readonly heapCeiling: number;
  peakHeapBytes = 0;

  constructor(readonly deadline: number, readonly baseHeapBytes: number, maxMemoryMb: number) {
    this.heapCeiling = baseHeapBytes + maxMemoryMb * 1024 * 1024;
  }

  check(): void {
    const used = getHeapStatistics().used_heap_size;
    if (used > this.peakHeapBytes) this.peakHeapBytes = used;
    if (used > this.heapCeiling) throw new MemoryLimitExceeded();
  }
}

/** The sandboxed filesystems, by allowed roots: FsIO keeps no state between evaluations, and
 * resolving the roots (realpath) once per worker rather than per request saves system calls. */
const fsIOs = new Map<string, FsIO>();

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
export function evaluateToJson(job: EvalJob): EvalOutcome {
  const t0 = performance.now();
  const cache0 = compileCacheStats();
  const limits = new Limits(Date.now() + job.timeoutMs, getHeapStatistics().used_heap_size, job.maxMemoryMb);
  const warnings: string[] = [];
  const traces: string[] = [];
  const onMessage = (line: string): void => {
    const text = bytesToUtf8(line);
    if (text.startsWith('warning: ')) warnings.push(text.slice(9));
    else if (text.startsWith('trace: ')) traces.push(text.slice(7));
    else warnings.push(text);
  };
  const stats = (): EvalStats => {
    const c = compileCacheStats();
    return {
      evalMs: Math.round((performance.now() - t0) * 1000) / 1000,
      heapGrowthMb: Math.round(Math.max(0, limits.peakHeapBytes - limits.baseHeapBytes) / 1024 / 10.24) / 100,
      importCacheHits: c.hits - cache0.hits,
      importCacheMisses: c.misses - cache0.misses,
    };
  };
  const fail = (error: ErrorBody): EvalOutcome => ({ ok: false, error, warnings, traces, stats: stats() });
  try {
    const { io, baseDir } = ioFor(job);
    const ev = new Evaluation({
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
      deadline: limits.deadline,
      maxCallDepth: job.maxCallDepth,
      checkLimits: () => limits.check(),
      onMessage,
    });
    let chunk;
    if (job.file !== undefined) {
      const path = Buffer.from(isAbsolute(job.file) ? posix.normalize(job.file) : posix.resolve(baseDir, job.file), 'utf8').toString('latin1');
      chunk = ev.compileFile(ev.resolveExprPath(path));
    } else {
      chunk = ev.compileSource(Source.fromUtf8(Source.STRING, job.expr ?? '', baseDir));
    }
    const value = ev.run(chunk);
    limits.check();
    const text = ev.vm.run((function* (): Generator<Request, Value, Value> {
      return yield* toJSON(value, new Set());
    })()) as string;
    limits.check();
    // The byte string is the UTF-8 encoding, so its length is the size in bytes.
    // Warnings and traces are part of the output too.
    let size = text.length;
    for (const m of warnings) size += m.length;
    for (const m of traces) size += m.length;
    if (size > job.maxOutputBytes) {
      warnings.length = 0;
      traces.length = 0;
      return fail(errorBody('output-limit', `the output (result, warnings and traces) is ${size} bytes, more than the limit of ${job.maxOutputBytes} bytes`));
    }
    return { ok: true, json: bytesToUtf8(text), warnings, traces, stats: stats() };
  } catch (e) {
    return fail(failureBody(e, job));
  }
}

/** What an evaluation that threw reports: its Nix error, the limit it reached, or an internal error. */
export function failureBody(e: unknown, limits: Pick<EvalJob, 'timeoutMs' | 'maxMemoryMb'>): ErrorBody {
  if (e instanceof NixError) return nixErrorBody(e);
  if (e instanceof MemoryLimitExceeded) return errorBody('memory-limit', `evaluation used more than its memory limit of ${limits.maxMemoryMb} MiB`);
  if (e instanceof EvalTimeout) return errorBody('timeout', `evaluation timed out after ${limits.timeoutMs} ms`);
  if (isEngineSizeError(e)) return errorBody('memory-limit', `evaluation ran out of memory: ${(e as Error).message}`);
  return errorBody('internal', `internal error: ${e instanceof Error ? e.message : String(e)}`);
}
