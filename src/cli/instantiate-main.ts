// Where `nixeval instantiate` runs. Evaluation never recurses in JS (the VM has its own frame
// stack), but parsing and compiling follow the nesting of the source text. The command first
// runs on the calling thread, whose stack (about 1 MB on the main thread) is plenty for real
// code and costs nothing to set up; if the JS stack runs out there (the parser, compiler or VM
// records it, see noteJsStackOverflow), it runs again in a worker thread with a large stack
// (NIXEVAL_STACK_MB, default 64), which lets 10,000-deep expressions parse. Evaluation is
// deterministic, so the second run's output is left out up to where the first run's stopped.
//
// The worker is also where deep recursions run fastest: the compiled tier goes only as deep
// as its thread's stack allows (src/codegen/crossing.ts: about 800 Nix calls on the main
// thread, 16,000 in the worker) and the frame-stack VM takes the rest, about three times
// slower. Moving costs the worker's start (about 0.15 s of CPU) and the work done so far, more
// than one recursion of 50,000 calls costs in the VM; so the run moves only when a recursion
// goes past the budget again after the VM has already spent DEEP_VM_S on such recursions,
// within the run's first DEEP_EARLY_CPU_S: recursions one after another (150 recursions
// 10,000 deep: 1.5 s of CPU on the main thread, 0.5 s moved). Later in a run, or for a single
// deep recursion, the VM takes the deep part as before.

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
 * CPU seconds of the process (Node's start included) within which deep recursions move the
 * command to the worker: the waste is bounded by this and the worker's start, and later a
 * run that reaches the budget has most of its work done (nixpkgs lib's folds over long lists
 * reach it after a second or more).
 */
const DEEP_EARLY_CPU_S = 0.3;

/** CPU seconds the VM spends on recursions past the budget before the next one moves the command. */
const DEEP_VM_S = 0.03;

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
  /** The build's identity, when the first run kept compiled files on disk (CliIO.build). */
  build?: string;
}

/**
 * Runs the command on this thread, and again in a worker (`workerFile`, a path) if the stack
 * ran out. `build`: the identity of this build of nixeval, which turns on the disk cache of
 * compiled files (CliIO.build).
 */
export async function instantiateMain(args: string[], workerFile: string, build?: () => string): Promise<number> {
  const stdout = new FdSink(1);
  const stderr = new FdSink(2);
  let stdin: string | undefined;
  const readStdin = (): string => (stdin ??= readFileSync(0, 'latin1'));
  let deepSeconds = 0;
  let enteredAt = 0;
  whenBudgetReached((returned) => {
    const now = cpuSeconds();
    if (now > DEEP_EARLY_CPU_S) { whenBudgetReached(null); return; }
    if (returned) { deepSeconds += now - enteredAt; return; }
    if (deepSeconds < DEEP_VM_S) { enteredAt = now; return; }
    // As a JS stack overflow does: the command runs again with a larger stack.
    noteJsStackOverflow();
    throw new DeepRecursion('deep recursions early in the run: run again with a larger stack');
  });
  try {
    return instantiate(args, { stdout, stderr, readStdin, colourTerminal: () => stderrIsColourTerminal(process.env), retryOnStackExhaustion: true, build });
  } catch (e) {
    if (!(e instanceof StackExhausted)) throw e;
    return runInWorker(workerFile, {
      args, stdin, skipStdout: stdout.written, skipStderr: stderr.written, stackSizeMb: workerStackMb(), build: build?.(),
    });
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
    build: data.build === undefined ? undefined : () => data.build!,
  });
}

/** CPU time of the process (all its threads, Node's start included), in seconds. */
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
