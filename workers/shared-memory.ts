// What the worker pool and its threads share without messages (SharedArrayBuffers), so that
// the main thread can know it while a worker is busy:
// - a task's cell (Float64Array): when its evaluation started, on which thread, whether it
//   has finished, and which item of a batch is running. An evaluation's cell is a slot of the
//   pool's table of cells (one SharedArrayBuffer for the pool's life: a buffer of its own per
//   task cost the main thread its allocation and its transfer in every message); a caller that
//   reads the cell after the task (a job, a jobset's batch) gives a buffer of its own. The pool tells queued from running
//   work by it, and stops a worker that runs past its deadline; a jobset knows which of its
//   attributes was running when a worker died; and the pool tells the worker through it that
//   its task was cancelled.
// - the pool's retirement list (Int32Array): threads that asked to be replaced once their task
//   is done (their heap grew past a threshold). The pool gives them no more work and stops them;
//   Piscina starts new ones.

/** Layout of a task's cell (indices of a Float64Array), written by the worker but for CELL_CANCEL. */
export const CELL_START = 0; // start of the evaluation (or of the batch's current item), ms since epoch; 0 while queued
export const CELL_THREAD = 1; // the worker's threadId
export const CELL_DONE = 2; // 1 once the task has returned
export const CELL_ITEM = 3; // index of the batch item being evaluated
export const CELL_CANCEL = 4; // 1: stop (the evaluation checks it with its deadline); written by the pool
export const CELL_FIELDS = 5;
/** After the fields, an Int32 the worker and the pool race for (claimTask, revokeTask). */
const CLAIM_OFFSET = CELL_FIELDS * 8;
export const TASK_CELL_BYTES = CLAIM_OFFSET + 8;
const CLAIMED = 1;
const REVOKED = 2;

/** A table of `slots` task cells. */
export function newCellTable(slots: number): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * TASK_CELL_BYTES);
}

/** Slot `slot` of a table of cells. */
export function cellOf(table: SharedArrayBuffer, slot: number): Float64Array {
  return new Float64Array(table, slot * TASK_CELL_BYTES, CELL_FIELDS);
}

/**
 * A task given to a worker while that worker is busy waits in its port and may be taken back
 * (the pool moves it to a worker that became free, or gives up on it); its claim decides, once,
 * who has it: the worker as it starts it (claimTask), or the pool (revokeTask).
 */
export function claimOf(cell: Float64Array): Int32Array {
  return new Int32Array(cell.buffer, cell.byteOffset + CLAIM_OFFSET, 1);
}

/** Worker side: whether the task is this worker's to run (false: the pool took it back). */
export function claimTask(claim: Int32Array): boolean {
  return Atomics.compareExchange(claim, 0, 0, CLAIMED) === 0;
}

/** Pool side: whether the task was taken back before any worker started it. */
export function revokeTask(claim: Int32Array): boolean {
  return Atomics.compareExchange(claim, 0, 0, REVOKED) === 0;
}

const RETIREMENT_SLOTS = 64;

export function newRetirementList(): SharedArrayBuffer {
  return new SharedArrayBuffer(RETIREMENT_SLOTS * 4);
}

/** Worker side: asks to be replaced after the current task. False if the list is full. */
export function askRetirement(list: SharedArrayBuffer, threadId: number): boolean {
  const slots = new Int32Array(list);
  for (let i = 0; i < slots.length; i++) {
    const v = Atomics.load(slots, i);
    if (v === threadId) return true;
    if (v === 0 && Atomics.compareExchange(slots, i, 0, threadId) === 0) return true;
  }
  return false;
}

export function isRetiring(slots: Int32Array, threadId: number): boolean {
  for (let i = 0; i < slots.length; i++) if (Atomics.load(slots, i) === threadId) return true;
  return false;
}

/** Forgets a thread that is gone. */
export function clearRetirement(slots: Int32Array, threadId: number): void {
  for (let i = 0; i < slots.length; i++) Atomics.compareExchange(slots, i, threadId, 0);
}
