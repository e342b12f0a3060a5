#!/usr/bin/env node
// The `nixeval` command line: `instantiate` mirrors nix-instantiate (src/cli/instantiate.ts),
// `eval-jobs` nix-eval-jobs (src/cli/eval-jobs.ts), `serve` runs the HTTP service
// (src/cli/serve.ts), `worker` runs jobs from the Redis queue (src/cli/worker.ts), `health`
// asks the local server's /health (the container image's check).
//
// This file loads nothing but the command it runs, so that a short command costs little more
// than Node's own start: `instantiate` comes from the bundle the build makes when it is up to
// date (src/cli/load-entry.cts). It is a CommonJS module (dist/src/cli.cjs, the package's bin),
// as is load-entry: Node starts a CommonJS entry without its ES module loader, which saves
// about 14 ms of CPU, a fifth of `nixeval instantiate --eval -E 1`; the other commands are ES
// modules, imported when run. dist/src/cli.js (src/cli.ts) runs this file under the older name.

import { buildId, loadInstantiate, setCommandLineV8Flags } from './cli/load-entry.cjs';

const { join } = process.getBuiltinModule('node:path');

const USAGE = `Usage: nixeval COMMAND [FLAGS]

Commands:
  instantiate   evaluate Nix expressions as nix-instantiate does (nixeval instantiate --help)
  eval-jobs     evaluate a jobset's derivations, one JSON line each, as nix-eval-jobs does (nixeval eval-jobs --help)
  serve         run the evaluation service over HTTP (nixeval serve --help)
  worker        run jobs from the Redis queue (REDIS_URL; nixeval worker --help)
  health        exit 0 when the server (health worker: the worker) on this host's PORT answers /health
`;

/** Exit status 0 when the server (or, with `worker`, the worker) on this host's PORT (default:
 * the command's) answers /health in time. */
async function checkHealth(args: string[]): Promise<number> {
  const { DEFAULT_PORT } = await import('./cli/service-flags.js');
  const port = process.env.PORT || String(DEFAULT_PORT[args[0] === 'worker' ? 'worker' : 'serve']);
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
    return r.ok ? 0 : 1;
  } catch {
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Before any evaluator code is optimised; worker threads share the process's flags.
  setCommandLineV8Flags(command !== 'instantiate');
  switch (command) {
    case 'instantiate':
      return (await loadInstantiate()).instantiateMain(rest, join(__dirname, 'cli', 'instantiate-worker.cjs'), buildId);
    case 'eval-jobs': {
      const { evalJobs } = await import('./cli/eval-jobs.js');
      return evalJobs(rest, { stdout: process.stdout, stderr: process.stderr });
    }
    case 'serve': {
      const { serve } = await import('./cli/serve.js');
      return serve(rest);
    }
    case 'worker': {
      const { runWorker } = await import('./cli/worker.js');
      return runWorker(rest);
    }
    case 'health':
      return checkHealth(rest);
    case '--version': {
      const { NIXEVAL_VERSION } = await import('./version.js');
      process.stdout.write(`nixeval ${NIXEVAL_VERSION}\n`);
      return 0;
    }
    case undefined:
    case '--help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`nixeval: unknown command '${command}'\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`nixeval: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 2;
  },
);
