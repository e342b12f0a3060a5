// The Piscina worker entry: one evaluation per task, each with a fresh VM; the caches (compiled
// files, regexes: worker-caches.ts) live as long as the worker thread, within their budget.
//
// The main thread learns when the task starts running through a shared cell (so that its
// backstop timer, which aborts a task that does not stop at its deadline, counts from the
// start of the evaluation and not from the moment the task was queued), and the worker learns
// through it that its task was cancelled (checked with the evaluation's deadline). Log lines
// carry the request's id.

import { resourceLimits, threadId, workerData } from 'node:worker_threads';
import { pino, destination } from 'pino';
import { useWorkerStack } from '../src/eval.js';
import { useWorkerHeapLimits } from '../src/limits/limits.js';
import { evaluateToJson, type EvalJob, type EvalOutcome } from './evaluate-json.js';
import { CELL_CANCEL, CELL_DONE, CELL_START, CELL_THREAD, cellOf, claimOf, claimTask } from './shared-memory.js';
import { garbageCollector, trims, trimWorkerHeap } from './worker-caches.js';
import { answerMembers, etagOf } from '../routes/outcome.js';

/** Piscina's `jobsetBatch` task: a batch of a jobset's attributes. */
export { jobsetBatch } from './jobset-task.js';

export interface EvalTask extends EvalJob {
  /** The HTTP request (or job) this evaluation belongs to, for log lines. */
  reqId: string;
  /** The task's shared cell (shared-memory.ts): a buffer of its own, or else `cell`. */
  started?: SharedArrayBuffer;
  /** Its slot in the pool's table of cells (WorkerData.cells). */
  cell?: number;
}

export interface WorkerData {
  logLevel?: string;
  /** The pool's retirement list (shared-memory.ts). */
  retirement?: SharedArrayBuffer;
  /** The pool's table of task cells (shared-memory.ts). */
  cells?: SharedArrayBuffer;
}

const data = (workerData ?? {}) as WorkerData;
// The compiled tier goes as deep as this thread's stack (the pool's stackSizeMb) allows.
useWorkerStack(resourceLimits.stackSizeMb);
// The evaluation's memory ceiling is a share of the old generation, whatever the young one's size.
useWorkerHeapLimits(resourceLimits.maxOldGenerationSizeMb);
const log = pino(
  { level: data.logLevel ?? 'info', base: { pid: process.pid, worker: threadId } },
  destination({ dest: 1, sync: true }),
);

const hooks = { collectGarbage: garbageCollector() };

/** The log's debug lines are built only when they are written (at the service's usual levels, never). */
const debug = (): boolean => log.isLevelEnabled('debug');

/** What a task the pool took back before this worker started it answers (the pool no longer waits for it). */
const REVOKED = { revoked: true } as const;

/** The views of the pool's cells this worker has used, made once each (a view costs µs to make). */
const cells: { cell: Float64Array; claim: Int32Array }[] = [];

function cellOfTask(task: EvalTask): { cell: Float64Array; claim: Int32Array } {
  if (task.started !== undefined) {
    const cell = new Float64Array(task.started);
    return { cell, claim: claimOf(cell) };
  }
  let c = cells[task.cell!];
  if (c === undefined) {
    const cell = cellOf(data.cells!, task.cell!);
    c = cells[task.cell!] = { cell, claim: claimOf(cell) };
  }
  return c;
}

export default function run(task: EvalTask): (EvalOutcome & { worker: number; etag: string }) | typeof REVOKED {
  const { cell, claim } = cellOfTask(task);
  if (!claimTask(claim)) return REVOKED;
  cell[CELL_THREAD] = threadId; // before CELL_START: once started, the thread is known
  cell[CELL_START] = Date.now();
  const { reqId } = task;
  if (debug()) log.debug({ reqId }, 'evaluation started');
  // The task is the job with two fields more, which the evaluation does not look at.
  const out = evaluateToJson(task, { ...hooks, cancelled: () => cell[CELL_CANCEL] !== 0 });
  cell[CELL_DONE] = 1;
  if (!out.ok && out.error.kind === 'internal') {
    log.error({ reqId, evalMs: out.stats.evalMs, outcome: 'internal', err: out.error.message }, 'evaluation failed');
  } else if (debug()) {
    log.debug({ reqId, evalMs: out.stats.evalMs, outcome: out.ok ? 'ok' : out.error.kind }, 'evaluation finished');
  }
  // What this task left behind must not shrink the next one's memory.
  const cleared = trims.cleared;
  trimWorkerHeap();
  if (trims.cleared !== cleared) log.info({ reqId }, 'worker heap over its bound after a task: caches cleared');
  // Tagged here rather than on the main thread, which every request goes through.
  return Object.assign(out, { worker: threadId, etag: etagOf(answerMembers(out)) });
}
