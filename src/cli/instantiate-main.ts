// Where `nixeval instantiate` runs. Evaluation never recurses in JS (the VM has its own frame
// stack), but parsing and compiling follow the nesting of the source text. The command first
// runs on the calling thread, whose stack (about 1 MB on the main thread) is plenty for real
// code and costs nothing to set up; if the JS stack runs out there (the parser, compiler or VM
// records it, see noteJsStackOverflow), it runs again in a worker thread with a large stack
// (NIXEVAL_STACK_MB, default 64), which lets 10,000-deep expressions parse. Evaluation is
// deterministic, so the second run's output is left out up to where the first run's stopped.
//
// The worker is also where a deep recursion runs fastest: the compiled tier goes only as deep
// as its thread's stack allows (src/codegen/crossing.ts: about 800 Nix calls on the main
// thread, 50,000 in the worker) and the frame-stack VM takes the rest, about three times
// slower. So when compiled code first reaches its budget early in the first run (as a
// 10,000-deep recursion does at once), the run is abandoned and made again in the worker,
// at the cost of starting it (about 0.1 s of CPU) and of the work done so far; later in a
// run, the VM takes the deep part as before.
//
// This module is what the command line loads to run `instantiate`, from the bundle that the
// build makes (see src/cli/load-entry.cts) or from the compiled files.

import { readFileSync } from 'node:fs';
import { noteJsStackOverflow } from '../errors/errors.js';
import { useWorkerStack, whenBudgetReached } from '../eval.js';
import { instantiate, StackExhausted } from './instantiate.js';
import { FdSink, stderrIsColourTerminal } from './output.js';

export { instantiate };

const DEFAULT_STACK_MB = 64;

/**
 * CPU seconds of the first run within which reaching the compiled tier's depth budget moves
 * the command to the worker. What moving costs (the worker's start and the work done again)
 * stays near 0.1 s, against a recursion run several times faster; later, a run that reached
 * the budget has most of its work done (nixpkgs lib's folds over long lists reach it after
 * a second or more).
 */
const DEEP_EARLY_CPU_S = 0.1;

/** Abandons the first run, which then runs again in the worker (see the top of this file). */
class DeepRecursion extends Error {}

/** What a worker needs to run the command again. */
export interface InstantiateWorkerData {
  args: string[];
  /** Standard input, if the first run read it. */
  stdin?: string;
  /** Bytes of stdout and stderr the first run wrote, to leave out. */
  skipStdout: number;
  skipStderr: number;
  /** The worker's stack (resourceLimits.stackSizeMb), which the compiled tier is told. */
  stackSizeMb: number;
}

/** Runs the command on this thread, and again in a worker (`workerFile`, a path) if the stack ran out. */
export async function instantiateMain(args: string[], workerFile: string): Promise<number> {
  const stdout = new FdSink(1);
  const stderr = new FdSink(2);
  let stdin: string | undefined;
  const readStdin = (): string => (stdin ??= readFileSync(0, 'latin1'));
  const start = cpuSeconds();
  whenBudgetReached(() => {
    if (cpuSeconds() - start > DEEP_EARLY_CPU_S) return;
    // As a JS stack overflow does: the command runs again with a larger stack.
    noteJsStackOverflow();
    throw new DeepRecursion('compiled code reached its depth budget early: run again with a larger stack');
  });
  try {
    return instantiate(args, { stdout, stderr, readStdin, colourTerminal: () => stderrIsColourTerminal(process.env), retryOnStackExhaustion: true });
  } catch (e) {
    if (!(e instanceof StackExhausted)) throw e;
    return runInWorker(workerFile, { args, stdin, skipStdout: stdout.written, skipStderr: stderr.written, stackSizeMb: workerStackMb() });
  } finally {
    whenBudgetReached(null);
  }
}

/** The second run, in the worker thread. */
export function instantiateWorker(data: InstantiateWorkerData): number {
  useWorkerStack(data.stackSizeMb);
  const readStdin = (): string => data.stdin ?? readFileSync(0, 'latin1');
  return instantiate(data.args, {
    stdout: new FdSink(1, data.skipStdout),
    stderr: new FdSink(2, data.skipStderr),
    readStdin,
    colourTerminal: () => stderrIsColourTerminal(process.env),
  });
}

/** CPU time of the process (all its threads), in seconds. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The worker's stack: NIXEVAL_STACK_MB, or DEFAULT_STACK_MB. */
function workerStackMb(): number {
  const requested = Number(process.env.NIXEVAL_STACK_MB ?? DEFAULT_STACK_MB);
  return Number.isFinite(requested) && requested > 0 ? requested : DEFAULT_STACK_MB;
}

function runInWorker(workerFile: string, data: InstantiateWorkerData): Promise<number> {
  // Loaded only now: most runs never need it.
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: data, resourceLimits: { stackSizeMb: data.stackSizeMb }, stdout: false, stderr: false });
    let code = 1;
    worker.on('message', (m: number) => { code = m; });
    worker.on('error', reject);
    worker.on('exit', () => resolve(code));
  });
}
