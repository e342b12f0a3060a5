// Front-end differential runner: for each given Nix file (or every .nix file under a given
// directory), compares `nixeval instantiate --parse` with C++ `nix-instantiate --parse`: the
// exit code, the printed tree, and for a syntax error its message and its position
// (file:line:col). With --eval, a file both parse is also evaluated (`--eval --strict`) and the
// exit code, the value and the error message compared.
//
// Usage: node dist/scripts/parse-differential.js [--eval] [--all] [--timeout SECONDS] PATH...
//
// The reference binary may be older than current Nix (2.8 here): where they differ (the
// position of an unexpected end of file, the layout of the code frame, how --parse prints some
// expressions), current Nix is right, so read each difference against current Nix's
// parser.y / lexer.l and the upstream corpus. This is a tool for finding differences, not a
// test: tests must not need C++ Nix.
import { spawnSync } from 'node:child_process';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorCore } from './error-core.js';
import { collectNixFiles } from './nix-files.js';

interface Outcome { code: number | null; stdout: string; stderr: string }

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../src/cli.cjs');


function run(cmd: string, args: string[], timeout: number): Outcome {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync(cmd, args, { env, encoding: 'latin1', timeout: timeout * 1000, maxBuffer: 1 << 28 });
  return { code: r.error ? null : r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The first `at FILE:LINE:COL:` of an error, or '' (where the error is). */
function errorAt(stderr: string): string {
  const m = /^\s*at (.*:\d+:\d+):$/m.exec(stderr);
  return m ? m[1]! : '';
}

function compare(kinds: string[], what: string, nix: Outcome, ours: Outcome): void {
  if (nix.code !== ours.code) kinds.push(`${what} exit ${nix.code} vs ${ours.code}`);
  if (nix.code === 0 && ours.code === 0 && nix.stdout.trimEnd() !== ours.stdout.trimEnd()) kinds.push(`${what} stdout`);
  if (nix.code !== 0 && ours.code !== 0) {
    if (errorCore(nix.stderr) !== errorCore(ours.stderr)) kinds.push(`${what} message`);
    else if (errorAt(nix.stderr) !== errorAt(ours.stderr)) kinds.push(`${what} position ${errorAt(nix.stderr)} vs ${errorAt(ours.stderr)}`);
  }
}

function show(label: string, o: Outcome): string {
  return `--- ${label} (${o.code})\n${o.stdout.slice(0, 1500)}${o.stderr.slice(0, 1500)}`;
}

function main(): void {
  const argv = process.argv.slice(2);
  let evalToo = false, all = false, timeout = 30;
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--eval') evalToo = true;
    else if (a === '--all') all = true;
    else if (a === '--timeout') timeout = Number(argv[++i]);
    else paths.push(a);
  }
  const files: string[] = [];
  for (const p of paths) collectNixFiles(p, files);
  let same = 0;
  for (const file of files) {
    const kinds: string[] = [];
    const nix = run('nix-instantiate', ['--parse', file], timeout);
    const ours = run(process.execPath, [cli, 'instantiate', '--parse', file], timeout);
    compare(kinds, 'parse', nix, ours);
    let nixE: Outcome | undefined, oursE: Outcome | undefined;
    if (evalToo && nix.code === 0 && ours.code === 0) {
      nixE = run('nix-instantiate', ['--eval', '--strict', file], timeout);
      oursE = run(process.execPath, [cli, 'instantiate', '--eval', '--strict', file], timeout);
      compare(kinds, 'eval', nixE, oursE);
    }
    if (kinds.length === 0) { same++; if (!all) continue; }
    console.log(`=== ${file}: ${kinds.join(', ') || 'same'}`);
    if (kinds.length > 0) {
      if (kinds.some((k) => k.startsWith('parse'))) console.log(`${show('nix --parse', nix)}\n${show('nixeval --parse', ours)}`);
      if (nixE && oursE && kinds.some((k) => k.startsWith('eval'))) console.log(`${show('nix --eval', nixE)}\n${show('nixeval --eval', oursE)}`);
    }
  }
  console.log(`\n${same}/${files.length} the same; differing: ${files.length - same}`);
}

main();
