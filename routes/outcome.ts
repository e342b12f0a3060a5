// An evaluation's outcome as the API answers it: its HTTP status, its members as JSON text,
// their tag (the ETag), and its size (what a job store holds). Both the synchronous routes and
// the job stores use these, so they live apart from either; the worker that evaluated an
// outcome tags it (eval-worker.ts), so the main thread, which every request goes through,
// does not hash it.

import { hash } from 'node:crypto';
import type { EvalOutcome } from '../workers/evaluate-json.js';
import type { TaskOutcome } from '../workers/pool.js';

/** The HTTP status of an evaluation outcome. */
export function outcomeStatus(out: TaskOutcome): number {
  if (out.ok) return 200;
  return out.error.kind === 'internal' ? 500 : 422;
}

/** A figure of the stats as JSON (one missing, from an older record, is 0). */
const figure = (n: number | undefined): string => (Number.isFinite(n) ? String(n) : '0');

/** An outcome's `stats` as JSON text, written out (the answer of every evaluation has one). */
function statsJson(out: TaskOutcome, durationMs: number): string {
  const s = out.stats;
  const worker = out.worker === undefined ? '' : `,"worker":${out.worker}`;
  return `{"durationMs":${figure(Math.round(durationMs * 1000) / 1000)},"queueMs":${figure(out.queueMs)},"evalMs":${figure(s.evalMs)},`
    + `"heapGrowthMb":${figure(s.heapGrowthMb)},"importCacheHits":${figure(s.importCacheHits)},"importCacheMisses":${figure(s.importCacheMisses)}${worker}}`;
}

/**
 * The members of a response for an outcome, as JSON text without the braces, but its `stats`:
 * what the evaluation answered, the same each time it is evaluated. The value is spliced in as
 * the evaluator printed it (not parsed and printed again), so integers keep all their 64 bits
 * and large results are not copied twice.
 */
export function answerMembers(out: EvalOutcome): string {
  const rest = `"warnings":${JSON.stringify(out.warnings)},"traces":${JSON.stringify(out.traces)}`;
  return out.ok ? `"value":${out.json},${rest}` : `"error":${JSON.stringify(out.error)},${rest}`;
}

/** The tag of an answer's text (a strong ETag). */
export function etagOf(text: string): string {
  return `"${hash('sha256', text, 'base64url').slice(0, 27)}"`;
}

/** The tag of an outcome's answer (answerMembers): its worker's, or made now. */
export function answerTag(out: TaskOutcome, members: string): string {
  return out.etag ?? etagOf(members);
}

/** The members of a response for an outcome (answerMembers), with its `stats`. */
export function outcomeMembers(out: TaskOutcome, durationMs: number, members = answerMembers(out)): string {
  return `${members},"stats":${statsJson(out, durationMs)}`;
}

/** The `stats` of an answer served from the result cache: nothing was evaluated for it. */
export function cachedStats(durationMs: number): string {
  return `{"durationMs":${Math.round(durationMs * 1000) / 1000},"queueMs":0,"evalMs":0,"heapGrowthMb":0,"importCacheHits":0,"importCacheMisses":0,"cached":true}`;
}

/**
 * Roughly the bytes an outcome holds: its texts (characters), and a little per entry. What holds
 * it adds its own overhead (the memory store, a record's; routes/memory-job-store.ts).
 */
export function outcomeBytes(out: TaskOutcome): number {
  let n = 0;
  if (out.ok) n += out.json.length;
  else {
    n += out.error.message.length + (out.error.rendered?.length ?? 0);
    for (const f of out.error.trace) n += 64 + f.message.length;
  }
  for (const m of out.warnings) n += 16 + m.length;
  for (const m of out.traces) n += 16 + m.length;
  return n;
}

export function errorJson(kind: string, message: string): string {
  return JSON.stringify({ error: { kind, message } });
}
