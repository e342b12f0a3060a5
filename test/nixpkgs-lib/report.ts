// `node dist/test/nixpkgs-lib/report.js [SUITE ...]`: runs nixpkgs lib's suites with nixeval as
// nix-instantiate (all, or those named) one after another and prints each one's outcome and
// duration. Exit status: 1 if one failed, 2 when nixpkgs lib is absent or a name is unknown.

import { createWorkspace, disposeWorkspace, findNixpkgsLib, runSuite, SUITES } from './suites.js';

async function main(names: string[]): Promise<number> {
  const libDir = findNixpkgsLib();
  if (libDir === undefined) {
    process.stderr.write('nixpkgs lib is absent (set NIXEVAL_NIXPKGS_LIB)\n');
    return 2;
  }
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suites: ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const ws = createWorkspace(libDir);
  let failed = 0;
  try {
    for (const suite of SUITES.filter((s) => names.length === 0 || names.includes(s.name))) {
      const r = await runSuite(ws, suite, 3_600_000);
      const shards = suite.shards !== undefined ? ` (${suite.shards} shards)` : '';
      process.stdout.write(`${suite.name}: ${r.failure === undefined ? 'pass' : 'FAIL'} in ${(r.durationMs / 1000).toFixed(1)} s${shards}\n`);
      if (r.failure !== undefined) {
        failed++;
        process.stdout.write(r.failure.replace(/^/gm, '  ') + '\n');
      }
    }
  } finally {
    disposeWorkspace(ws);
  }
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
