// Differential runner: evaluates each given Nix file (or every .nix file under a given directory)
// with `nixeval instantiate` and with C++ `nix-instantiate`, and reports where they differ.
//
// Usage: node dist/scripts/differential.js [--json] [--no-strict] [--arg-flags '...'] [--all]
//          [--nix-flags '...' (for nix-instantiate only, e.g. --read-write-mode)] [--cpu] [--timeout SECONDS] PATH-OR-EXPR...
//
// An argument starting with `expr:` is an expression (evaluated with -E in the current directory);
// `--exprs FILE` reads one such expression a line (blank lines and lines starting with # skipped).
// Compared: exit code, stdout, and the error's own message (the last `error:` line's text and
// what follows it, without the trace), since nixeval prints traces in the layout of current Nix
// while the reference binary may be older; traces are shown for a difference, to read by eye.
// With --cpu, each side's CPU time (user+sys, from /usr/bin/time) is summed and the ratio printed.
// Where 2.8 and current Nix differ, current Nix is right: read each difference against its source.
// This is a tool for finding differences, not a test: tests must not need C++ Nix.
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorCore } from './error-core.js';
import { runTimed as run } from './timed-run.js';
import { collectNixFiles } from './nix-files.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../src/cli.cjs');

function parseArgs(argv: string[]) {
  const opts = { json: false, strict: true, extra: [] as string[], nixOnly: [] as string[], all: false, cpu: false, timeout: 60, paths: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') opts.json = true;
    else if (a === '--no-strict') opts.strict = false;
    else if (a === '--all') opts.all = true;
    else if (a === '--cpu') opts.cpu = true;
    else if (a === '--timeout') opts.timeout = Number(argv[++i]);
    else if (a === '--arg-flags') opts.extra.push(...argv[++i]!.split(/\s+/).filter(Boolean));
    else if (a === '--exprs') opts.paths.push(...readFileSync(argv[++i]!, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => `expr:${l}`));
    else if (a === '--nix-flags') opts.nixOnly.push(...argv[++i]!.split(/\s+/).filter(Boolean));
    else opts.paths.push(a);
  }
  return opts;
}



function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const files: string[] = [];
  for (const p of opts.paths) collectNixFiles(p, files);
  const flags = ['--eval', ...(opts.strict ? ['--strict'] : []), ...(opts.json ? ['--json'] : []), ...opts.extra];
  let same = 0, cpuOurs = 0, cpuNix = 0;
  const differing: string[] = [];
  for (const file of files) {
    const target = file.startsWith('expr:') ? ['-E', file.slice(5)] : [file];
    const nix = run(['nix-instantiate', ...flags, ...opts.nixOnly, ...target], opts.timeout);
    const ours = run([process.execPath, cli, 'instantiate', ...flags, ...target], opts.timeout);
    cpuOurs += ours.cpu; cpuNix += nix.cpu;
    const kinds: string[] = [];
    if (nix.code !== ours.code) kinds.push(`exit ${nix.code} vs ${ours.code}`);
    // nix-instantiate 2.8 ends --json output without a newline; current Nix ends it with one.
    const nixOut = opts.json && nix.code === 0 && !nix.stdout.endsWith('\n') ? `${nix.stdout}\n` : nix.stdout;
    if (nixOut !== ours.stdout) kinds.push('stdout');
    if (nix.code !== 0 && ours.code !== 0 && errorCore(nix.stderr) !== errorCore(ours.stderr)) kinds.push('message');
    if (opts.cpu) console.log(`cpu ${(ours.cpu / Math.max(nix.cpu, 0.005)).toFixed(1)}x ${ours.cpu.toFixed(2)}s vs ${nix.cpu.toFixed(2)}s ${file}`);
    if (kinds.length === 0) { same++; if (!opts.all) continue; }
    if (kinds.length > 0) differing.push(file);
    console.log(`=== ${file}: ${kinds.join(', ') || 'same'}`);
    if (kinds.length > 0) {
      console.log(`--- nix (${nix.code})\n${nix.stdout.slice(0, 2000)}${nix.stderr.slice(0, 3000)}`);
      console.log(`--- nixeval (${ours.code})\n${ours.stdout.slice(0, 2000)}${ours.stderr.slice(0, 3000)}`);
    }
  }
  console.log(`\n${same}/${files.length} the same; differing: ${differing.length}`);
  if (opts.cpu) console.log(`CPU user+sys: nixeval ${cpuOurs.toFixed(2)} s, nix ${cpuNix.toFixed(2)} s, ratio ${(cpuOurs / Math.max(cpuNix, 0.005)).toFixed(2)}`);
}

main();
