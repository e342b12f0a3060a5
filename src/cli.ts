#!/usr/bin/env node
// The `nixeval` command line: `instantiate` mirrors nix-instantiate's flags, `serve` runs
// the HTTP service, `worker` runs jobs from the Redis queue, `health` asks the local server's
// /health (the container image's health check).
//
// `instantiate` runs in a worker thread with a large stack. Evaluation itself never recurses
// in JS (the VM has its own frame stack), but parsing and compiling follow the nesting of the
// source text, and the main thread's stack (about 1 MB) would end input nested a thousand
// levels deep. NIXEVAL_STACK_MB sets the worker's stack (default 64).

import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { instantiate } from './cli/instantiate.js';

const DEFAULT_STACK_MB = 64;

function runInstantiate(args: string[]): number {
  return instantiate(args, { stdout: process.stdout, stderr: process.stderr, readStdin: () => readFileSync(0, 'latin1') });
}

function instantiateInWorker(args: string[]): Promise<number> {
  const stackSizeMb = Number(process.env.NIXEVAL_STACK_MB ?? DEFAULT_STACK_MB);
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { args },
      resourceLimits: { stackSizeMb: Number.isFinite(stackSizeMb) && stackSizeMb > 0 ? stackSizeMb : DEFAULT_STACK_MB },
    });
    let code = 1;
    worker.on('message', (m: number) => { code = m; });
    worker.on('error', reject);
    worker.on('exit', () => resolve(code));
  });
}

/** Exit status 0 when the server (or worker) on this host's PORT answers /health in time. */
async function checkHealth(): Promise<number> {
  const port = process.env.PORT || '8080';
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
    return r.ok ? 0 : 1;
  } catch {
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'instantiate':
      return instantiateInWorker(rest);
    case 'serve': {
      const { serve } = await import('./cli/serve.js');
      return serve(rest);
    }
    case 'worker': {
      const { runWorker } = await import('./cli/worker.js');
      return runWorker(rest);
    }
    case 'health':
      return checkHealth();
    case '--version':
      process.stdout.write('nixeval 0.1.0\n');
      return 0;
    default:
      process.stderr.write('usage: nixeval instantiate [nix-instantiate flags] | nixeval serve [flags] | nixeval worker [flags] | nixeval health\n');
      return command === undefined || command === '--help' ? 0 : 1;
  }
}

if (isMainThread) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => {
      process.stderr.write(`nixeval: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 2;
    },
  );
} else {
  const { args } = workerData as { args: string[] };
  parentPort!.postMessage(runInstantiate(args));
}
