// The cache of answers to pure evaluations, in the main thread: a request answered a moment ago
// is answered again without the hop to a worker. An evaluation is pure when its answer depends
// only on the request (the worker says so: src/io/purity.ts): no clock, no file of the server's.
//
// The key is what decides the answer: the request normalised (expression or file, attribute
// path, arguments, posted files, search path, strictness, and the limits that shape a successful
// answer: the output limit, which cuts messages, and the call depth), the allowed roots
// (relative paths resolve against the first) and the evaluator's version, as JSON text. A short
// key is that text itself (the map compares it whole, so no two requests share an entry; no
// hash on the path of every request), a long one its SHA-256. The time and
// memory limits are not in it: they do not change an answer that came within them, and an
// answer a limit cut short (timeout, memory-limit, output-limit, ...) is never cached.
// Evaluation errors are cached like values: they are as deterministic.
//
// An entry holds the answer without its `stats` (timings differ from one answer to the next)
// and its ETag, the hash of that text (outcome.ts): the same answer always has the same tag.
//
// Batches look up and keep each item as a request of its own (eval.ts), and jobsets each
// attribute's result (`attributes`), in the same cache and byte budget.

import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LRUCache } from 'lru-cache';
import type { EvalJob, ErrorKind } from '../workers/evaluate-json.js';
import type { TaskOutcome } from '../workers/pool.js';
import type { AttributeCache, JobsetJobSpec } from '../workers/jobset-runner.js';
import type { AttributeResult } from '../workers/jobset-task.js';

/** An answer kept: its status, its members but `stats`, its tag, and its outcome (for the log). */
export interface CachedAnswer {
  status: number;
  /** The answer's members without the braces and without `stats` (outcome.ts). */
  members: string;
  etag: string;
  /** `ok` or the error's kind. */
  outcome: string;
}

/** A jobset attribute's result kept: its JSON without `stats` and `pure`. */
interface CachedAttribute {
  attribute: string;
}

type Entry = CachedAnswer | CachedAttribute;

export interface ResultCacheOptions {
  /** Most bytes of answers held (0: no cache). */
  maxBytes: number;
  /** How long an answer is kept (ms). */
  ttlMs: number;
}

/** Kinds of error that come from a limit or the machinery, not from the program: never cached. */
const NOT_CACHED: ReadonlySet<ErrorKind> = new Set(['timeout', 'memory-limit', 'output-limit', 'cancelled', 'internal']);

/** Keys up to this long are kept as they are, longer ones as their hash (a request may be as long as the body limit). */
const VERBATIM_KEY_CHARS = 1024;

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Whether an `If-None-Match` header names this tag (or is `*`). */
export function matchesTag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}

export class ResultCache {
  private readonly cache: LRUCache<string, Entry> | undefined;
  hits = 0;
  misses = 0;
  evictions = 0;

  /** What every key starts with: the evaluator's version and the allowed roots. */
  private readonly keyPrefix: string;

  constructor(options: ResultCacheOptions, private readonly allowedRoots: readonly string[]) {
    this.keyPrefix = JSON.stringify([VERSION, allowedRoots]);
    if (options.maxBytes <= 0) return;
    this.cache = new LRUCache<string, Entry>({
      maxSize: options.maxBytes,
      // Strings are counted as characters; the key and the entry's fields as a little more.
      sizeCalculation: (a, key) => ('members' in a ? a.members.length : a.attribute.length) + key.length + 256,
      ttl: options.ttlMs > 0 ? options.ttlMs : undefined,
      ttlAutopurge: false,
      dispose: (_v, _k, reason) => {
        if (reason === 'evict') this.evictions++;
      },
    });
  }

  get enabled(): boolean {
    return this.cache !== undefined;
  }

  /** Bytes held (as sizeCalculation counts them). */
  get bytes(): number {
    return this.cache?.calculatedSize ?? 0;
  }

  get entries(): number {
    return this.cache?.size ?? 0;
  }

  /** The key of an evaluation: what decides its answer. */
  keyOf(job: EvalJob): string {
    const normalised = this.keyPrefix + JSON.stringify([
      job.expr ?? null, job.file ?? null, job.attrPath ?? null,
      sorted(job.args), sorted(job.argstrs), job.strict, job.searchPath ?? null, sorted(job.files),
      job.maxOutputBytes, job.maxCallDepth ?? null,
    ]);
    return normalised.length <= VERBATIM_KEY_CHARS ? normalised : `#${hash('sha256', normalised, 'base64url')}`;
  }

  get(key: string): CachedAnswer | undefined {
    const a = this.lookUp(key);
    return a !== undefined && 'members' in a ? a : undefined;
  }

  private lookUp(key: string): Entry | undefined {
    if (!this.cache) return undefined;
    const a = this.cache.get(key);
    if (a === undefined) this.misses++;
    else this.hits++;
    return a;
  }

  /**
   * The cache of a jobset's attributes: an attribute's result is kept, keyed by what decides
   * the jobset's results (the request but its limits, as for an evaluation) and its path, when
   * the jobset's evaluation was pure up to the end of that attribute (jobset-task.ts). So a CI
   * that asks for the same jobset again gets the lines again without evaluating them.
   * `lookUp` false (`Cache-Control: no-cache`): results are evaluated, and kept, anew.
   */
  attributes(spec: JobsetJobSpec, lookUp = true): AttributeCache | undefined {
    if (!this.cache) return undefined;
    const jobset = JSON.stringify([
      'jobset', VERSION, this.allowedRoots, spec.expr ?? null, spec.file ?? null, spec.attrPath ?? null, spec.select ?? null,
      spec.apply ?? null, sorted(spec.args), sorted(spec.argstrs), spec.searchPath ?? null, sorted(spec.files),
      spec.flags, spec.maxOutputBytes, spec.maxCallDepth ?? null,
    ]);
    // The jobset's part is hashed once; each attribute's key adds its path.
    const digest = `jobset:${hash('sha256', jobset, 'base64url')}`;
    const keyOf = (path: string[]): string => digest + JSON.stringify(path);
    return {
      get: (path) => {
        if (!lookUp) return undefined;
        const a = this.lookUp(keyOf(path));
        if (a === undefined || !('attribute' in a)) return undefined;
        const result = JSON.parse(a.attribute) as AttributeResult;
        result.stats = { evalMs: 0, heapGrowthMb: 0, cached: true };
        return result;
      },
      offer: (path, result) => {
        if (result.pure !== true) return;
        if (result.kind === 'error' && NOT_CACHED.has(result.error.kind)) return;
        const { stats: _stats, pure: _pure, ...kept } = result;
        this.cache!.set(keyOf(path), { attribute: JSON.stringify(kept) });
      },
    };
  }

  /** Keeps an answer if it may be: a pure evaluation's value or evaluation error. */
  offer(key: string, out: TaskOutcome, answer: CachedAnswer): void {
    if (!this.cache || out.pure !== true) return;
    if (!out.ok && NOT_CACHED.has(out.error.kind)) return;
    this.cache.set(key, answer);
  }
}

/** An object's entries in key order, so that the same request gives the same key. */
function sorted(o: Record<string, string> | undefined): [string, string][] | null {
  return o === undefined ? null : Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
