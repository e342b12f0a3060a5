// Where `nixeval instantiate` runs. Evaluation never recurses in JS (the VM has its own frame
// stack), but parsing and compiling follow the nesting of the source text. The command first
// runs on the calling thread, whose stack (about 1 MB on the main thread) is plenty for real
// code and costs nothing to set up; if the JS stack runs out there (the parser, compiler or VM
// records it, see noteJsStackOverflow), it runs again in a worker thread with a large stack
// (NIXEVAL_STACK_MB, default 64), which lets 10,000-deep expressions parse. Evaluation is
// deterministic, so the second run's output is left out up to where the first run's stopped.
//
// This module is what the command line loads to run `instantiate`, from the bundle that the
// build makes (see src/cli/load-entry.cts) or from the compiled files.

import { readFileSync } from 'node:fs';
import { useWorkerStack } from '../eval.js';
import { instantiate, StackExhausted } from './instantiate.js';
import { FdSink, stderrIsColourTerminal } from './output.js';

export { instantiate };

const DEFAULT_STACK_MB = 64;

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
  try {
    return instantiate(args, { stdout, stderr, readStdin, colourTerminal: () => stderrIsColourTerminal(process.env), retryOnStackExhaustion: true, build });
  } catch (e) {
    if (!(e instanceof StackExhausted)) throw e;
    return runInWorker(workerFile, {
      args, stdin, skipStdout: stdout.written, skipStderr: stderr.written, stackSizeMb: workerStackMb(), build: build?.(),
    });
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
