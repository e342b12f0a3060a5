// Work counts: nixeval against C++ Nix, from both evaluators' NIX_SHOW_STATS.
//
//   npm run build && npm run bench:stats [-- --only a,b] [FILE.nix ...]
//
// Each bench:eval workload (bench/workloads.ts), and each file given, is evaluated once by
// `node dist/src/cli.cjs instantiate --eval --strict` and once by `nix-instantiate --eval
// --strict`, both with NIX_SHOW_STATS=1 and NIX_SHOW_STATS_PATH set to a temporary file, and
// their counts are printed side by side as a Markdown table (nixeval / C++ Nix): thunks made,
// thunks avoided, environments, lambda calls, builtin calls, sets, list elements, `//` and the
// values it copied. Counts do not depend on the machine's load, so one run each is enough;
// they say where nixeval does more work than C++ Nix, which CPU figures alone cannot.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingInput, workloads } from './workloads.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli.cjs');

type Stats = Record<string, any>;

/** The columns: a name and how to read it from a stats object. */
const COLUMNS: [string, (s: Stats) => number][] = [
  ['thunks', (s) => s.nrThunks],
  ['avoided', (s) => s.nrAvoided],
  ['envs', (s) => s.envs.number],
  ['env slots', (s) => s.envs.elements],
  ['calls', (s) => s.nrFunctionCalls],
  ['primop calls', (s) => s.nrPrimOpCalls],
  ['sets', (s) => s.sets.number],
  ['set elements', (s) => s.sets.elements],
  ['list elements', (s) => s.list.elements],
  ['`//`', (s) => s.nrOpUpdates],
  ['`//` copied', (s) => s.nrOpUpdateValuesCopied],
  ['lookups', (s) => s.nrLookups],
];

/** The stats of `cmd ...prefix --eval --strict file`, or why it failed. */
function run(cmd: string, prefix: string[], file: string, statsFile: string): Stats | string {
  const env: Record<string, string | undefined> = { ...process.env, NIX_SHOW_STATS: '1', NIX_SHOW_STATS_PATH: statsFile };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync(cmd, [...prefix, '--eval', '--strict', file], {
    encoding: 'utf8', env, maxBuffer: 1 << 30,
  });
  if (r.status !== 0) return `fails: ${(r.stderr ?? '').split('\n').find((l) => l.includes('error')) ?? r.status}`;
  return JSON.parse(readFileSync(statsFile, 'utf8')) as Stats;
}

const short = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : String(n));

function main(): void {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set(args.splice(onlyAt, 2)[1].split(',')) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'nixeval-stats-'));
  try {
    const inputs: { name: string; file: string }[] = [];
    for (const w of workloads()) {
      if ((only && !only.has(w.name)) || missingInput(w) !== undefined || w.name === 'startup') continue;
      const file = join(dir, `${w.name}.nix`);
      writeFileSync(file, w.source);
      inputs.push({ name: w.name, file });
    }
    for (const f of args) inputs.push({ name: basename(f), file: resolve(f) });
    console.log(`| workload | ${COLUMNS.map(([c]) => c).join(' | ')} |`);
    console.log(`| --- | ${COLUMNS.map(() => '---:').join(' | ')} |`);
    for (const { name, file } of inputs) {
      const ours = run(process.execPath, [CLI, 'instantiate'], file, join(dir, 'ours.json'));
      const theirs = run('nix-instantiate', [], file, join(dir, 'theirs.json'));
      const cell = (get: (s: Stats) => number): string => {
        const a = typeof ours === 'string' ? '—' : short(get(ours));
        const b = typeof theirs === 'string' ? '—' : short(get(theirs));
        return `${a} / ${b}`;
      };
      console.log(`| ${name} | ${COLUMNS.map(([, get]) => cell(get)).join(' | ')} |`);
      if (typeof ours === 'string') console.log(`  nixeval ${ours}`);
      if (typeof theirs === 'string') console.log(`  C++ Nix ${theirs}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
