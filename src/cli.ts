#!/usr/bin/env node
// The `nixeval` command line: `instantiate` mirrors nix-instantiate's flags, `serve` runs
// the HTTP service.

import { readFileSync } from 'node:fs';
import { instantiate } from './cli/instantiate.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'instantiate':
      return instantiate(rest, { stdout: process.stdout, stderr: process.stderr, readStdin: () => readFileSync(0, 'latin1') });
    case 'serve': {
      const { serve } = await import('./cli/serve.js');
      return serve(rest);
    }
    case '--version':
      process.stdout.write('nixeval 0.1.0\n');
      return 0;
    default:
      process.stderr.write('usage: nixeval instantiate [nix-instantiate flags] | nixeval serve [--port N] [--host H]\n');
      return command === undefined || command === '--help' ? 0 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`nixeval: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 2;
  },
);
