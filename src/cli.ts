#!/usr/bin/env node
// The `nixeval` command line: `instantiate` mirrors nix-instantiate (src/cli/instantiate.ts),
// `eval-jobs` nix-eval-jobs (src/cli/eval-jobs.ts), `serve` runs the HTTP service
// (src/cli/serve.ts).
//
// This file loads nothing but the command it runs, so that a short command costs little more
// than Node's own start: `instantiate` comes from the bundle the build makes when it is up to
// date (src/cli/load-entry.ts).

import { loadInstantiate } from './cli/load-entry.js';
import { NIXEVAL_VERSION } from './version.js';

const USAGE = `Usage: nixeval COMMAND [FLAGS]

Commands:
  instantiate   evaluate Nix expressions as nix-instantiate does (nixeval instantiate --help)
  eval-jobs     evaluate a jobset's derivations, one JSON line each, as nix-eval-jobs does (nixeval eval-jobs --help)
  serve         run the evaluation service over HTTP (nixeval serve --help)
`;

/**
 * V8's budget for inlining into one optimised function, lowered from 920 bytes of bytecode:
 * the compiled tier makes hundreds of small JS functions that call the same runtime helpers,
 * and inlining those helpers into each made TurboFan's compile time (CPU on its own threads)
 * a large part of a cold evaluation of real code; measured in BENCHMARKS.md (Evaluation).
 */
const INLINING_BUDGET_FLAG = '--max-inlined-bytecode-size-cumulative=300';

async function main(argv: string[]): Promise<number> {
  // Before any evaluator code is optimised; worker threads share the process's flags.
  process.getBuiltinModule('node:v8').setFlagsFromString(INLINING_BUDGET_FLAG);
  const [command, ...rest] = argv;
  switch (command) {
    case 'instantiate':
      return (await loadInstantiate()).instantiateMain(rest, new URL('./cli/instantiate-worker.js', import.meta.url));
    case 'eval-jobs': {
      const { evalJobs } = await import('./cli/eval-jobs.js');
      return evalJobs(rest, { stdout: process.stdout, stderr: process.stderr });
    }
    case 'serve': {
      const { serve } = await import('./cli/serve.js');
      return serve(rest);
    }
    case '--version':
      process.stdout.write(`nixeval ${NIXEVAL_VERSION}\n`);
      return 0;
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
