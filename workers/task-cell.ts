// The cell a task shares between the main thread and the worker running it: a Float64Array
// over a SharedArrayBuffer, so either side sees the other's writes without a message.

/** Start time, ms since epoch (0: still queued); set by the worker. */
export const CELL_START = 0;
/** The worker's threadId; set by the worker before CELL_START. */
export const CELL_THREAD = 1;
/** 1 once the evaluation has returned; set by the worker. */
export const CELL_DONE = 2;
/** 1: stop (the evaluation checks it with its deadline); set by the main thread. */
export const CELL_CANCEL = 3;
export const TASK_CELL_BYTES = 4 * 8;
