// The Piscina worker entry: one evaluation per task, each with a fresh VM; the import cache
// (compiled files, src/io/compile-cache.ts) lives as long as the worker thread.
//
// The main thread learns when the task starts running through a shared cell (so that its
// backstop timer, which aborts a task that does not stop at its deadline, counts from the
// start of the evaluation and not from the moment the task was queued). Log lines carry the
// request's id.

import { threadId, workerData } from 'node:worker_threads';
import { pino, destination } from 'pino';
import { evaluateToJson, type EvalJob, type EvalOutcome } from './evaluate-json.js';

/** Piscina's `jobsetBatch` task: a batch of a jobset's attributes. */
export { jobsetBatch } from './jobset-task.js';

export interface EvalTask extends EvalJob {
  /** The HTTP request (or job) this evaluation belongs to, for log lines. */
  reqId: string;
  /** The task's shared cell (pool.ts: CELL_START, CELL_THREAD, CELL_DONE). */
  started: SharedArrayBuffer;
}

export interface WorkerData {
  logLevel?: string;
  /** The pool's retirement list (shared-memory.ts). */
  retirement?: SharedArrayBuffer;
}

const data = (workerData ?? {}) as WorkerData;
const log = pino(
  { level: data.logLevel ?? 'info', base: { pid: process.pid, worker: threadId } },
  destination({ dest: 1, sync: true }),
);

export default function run(task: EvalTask): EvalOutcome & { worker: number } {
  const cell = new Float64Array(task.started);
  cell[1] = threadId; // CELL_THREAD, before CELL_START: once started, the thread is known
  cell[0] = Date.now(); // CELL_START
  const { reqId, started: _started, ...job } = task;
  log.debug({ reqId }, 'evaluation started');
  const out = evaluateToJson(job);
  cell[2] = 1; // CELL_DONE
  if (out.ok) {
    log.debug({ reqId, evalMs: out.stats.evalMs, outcome: 'ok' }, 'evaluation finished');
  } else if (out.error.kind === 'internal') {
    log.error({ reqId, evalMs: out.stats.evalMs, outcome: 'internal', err: out.error.message }, 'evaluation failed');
  } else {
    log.debug({ reqId, evalMs: out.stats.evalMs, outcome: out.error.kind }, 'evaluation finished');
  }
  return { ...out, worker: threadId };
}
