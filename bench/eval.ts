// Evaluation benchmark: nixeval against C++ Nix (`nix-instantiate`).
//
//   npm run build && npm run bench:eval [-- --runs N] [--warm-runs N] [--only a,b] [--timeout S] [--no-write]
//   (--only implies --no-write: the section is printed, BENCHMARKS.md is left alone)
//
// Each workload of bench/workloads.ts is written to a temporary directory and evaluated
// with `node dist/src/cli.cjs instantiate --eval --strict FILE` and with
// `nix-instantiate --eval --strict FILE`, each in its own process under GNU time
// (`/usr/bin/time -f '%U %S %M %e'`), so both are measured the same way: CPU time is
// user + system of the process (start-up included), memory is its peak RSS. Runs of the
// two evaluators alternate; the figure kept is the median of the runs. The first run of
// each checks that both print the same result: a workload where they differ is reported
// as a mismatch and not timed. A failure (C++ Nix's stack overflow on `deep`) is recorded
// as that evaluator's result.
//
// Warm: each workload is then evaluated --warm-runs times (default 6) by one worker of the
// service's own pool, in a process of its own (bench/warm-runner.ts), and the median process CPU
// of runs 3 to N is the warm figure, against C++ Nix's cold CPU. Its answer must be the JSON
// `nix-instantiate --eval --strict --json FILE` prints.
//
// The results replace the `## Evaluation` section of BENCHMARKS.md (other sections are left
// alone; the file is re-read just before it is written).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workloads, type Workload } from './workloads.js';
import { median, writeBenchmarkSection } from './report.js';
import { machine, measure, missingTool, type Sample, snapshot } from './measure.js';
import type { WarmRun } from './warm-runner.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILT_CLI = join(ROOT, 'dist', 'src', 'cli.cjs');
/** The CLI measured: a copy of dist/src taken at the start (see snapshot()). */
let CLI = BUILT_CLI;
const BENCHMARKS = join(ROOT, 'BENCHMARKS.md');
const SECTION = '## Evaluation';

interface Options {
  runs: number;
  /** Evaluations in one worker for the warm figure (0: none). */
  warmRuns: number;
  only?: Set<string>;
  timeoutSeconds: number;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { runs: 3, warmRuns: 6, timeoutSeconds: 300, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') o.runs = Math.max(1, Number(argv[++i]));
    else if (a === '--warm-runs') {
      const n = Number(argv[++i]);
      o.warmRuns = n > 0 ? Math.max(3, n) : 0;
    }
    else if (a === '--only') o.only = new Set(argv[++i].split(','));
    else if (a === '--timeout') o.timeoutSeconds = Number(argv[++i]);
    else if (a === '--no-write') o.write = false;
    else throw new Error(`unknown option ${a} (options: --runs N, --warm-runs N, --only a,b, --timeout S, --no-write)`);
  }
  if (o.only) o.write = false; // a partial table must not replace the full one
  return o;
}

// ---------------------------------------------------------------------------------------
// Running one evaluation

type Evaluator = 'nixeval' | 'cpp';

function command(ev: Evaluator, file: string): string[] {
  return ev === 'nixeval'
    ? [process.execPath, CLI, 'instantiate', '--eval', '--strict', file]
    : ['nix-instantiate', '--eval', '--strict', file];
}

// ---------------------------------------------------------------------------------------
// Workloads

interface Result {
  workload: Workload;
  status: 'timed' | 'skipped' | 'mismatch';
  note?: string;
  samples: Record<Evaluator, Sample[]>;
  /** Process CPU (s) of each warm run, in order; absent when not measured. */
  warm?: number[];
  /** Why there is no warm figure. */
  warmError?: string;
}

/** Which of `names` nixeval's `builtins` lacks (asked once, with `?`). */
function missingBuiltins(names: string[], dir: string): string[] {
  if (names.length === 0) return [];
  const expr = `{ ${names.map((n, i) => `"b${i}" = builtins ? "${n}";`).join(' ')} }`;
  const r = spawnSync(process.execPath, [CLI, 'instantiate', '--eval', '--strict', '--json', '-E', expr], { encoding: 'utf8', cwd: dir });
  if (r.status !== 0) throw new Error(`cannot ask nixeval for its builtins: ${r.stderr}`);
  const has = JSON.parse(r.stdout) as Record<string, boolean>;
  return names.filter((_, i) => !has[`b${i}`]);
}

const STARTUP: Workload = {
  name: 'startup',
  description: 'baseline: the file `1`, i.e. process start-up and teardown',
  requires: [],
  source: '1\n',
};

function runWorkload(w: Workload, missing: string[], dir: string, o: Options): Result {
  const result: Result = { workload: w, status: 'timed', samples: { nixeval: [], cpp: [] } };
  const lacking = w.requires.filter((b) => missing.includes(b));
  if (lacking.length > 0) {
    result.status = 'skipped';
    result.note = `nixeval lacks ${lacking.map((b) => `\`builtins.${b}\``).join(', ')}`;
    process.stderr.write(`${w.name}: skipped (${result.note})\n`);
    return result;
  }
  const file = join(dir, `${w.name}.nix`);
  writeFileSync(file, w.source);
  process.stderr.write(`${w.name}:`);
  for (let run = 0; run < o.runs; run++) {
    for (const ev of ['nixeval', 'cpp'] as const) {
      const s = measure(command(ev, file), { dir, timeoutSeconds: o.timeoutSeconds, env: BENCH_ENV });
      result.samples[ev].push(s);
      process.stderr.write(` ${ev === 'cpp' ? 'C++' : ev} ${s.ok ? s.cpu.toFixed(2) + ' s' : 'failed'}`);
    }
    if (run === 0) {
      const [a, b] = [result.samples.nixeval[0], result.samples.cpp[0]];
      const agree = a.ok && b.ok ? a.out === b.out : true;
      if (!agree || (!a.ok && b.ok)) {
        result.status = 'mismatch';
        result.note = !a.ok
          ? `nixeval failed (${a.error}) where C++ Nix printed \`${clip(b.out)}\``
          : `nixeval printed \`${clip(a.out)}\`, C++ Nix printed \`${clip(b.out)}\``;
        process.stderr.write(` — mismatch: ${result.note}\n`);
        return result;
      }
    }
  }
  if (o.warmRuns > 0) runWarm(result, file, dir, o);
  // A result that changes between runs would make the figures meaningless.
  for (const ev of ['nixeval', 'cpp'] as const) {
    const outs = new Set(result.samples[ev].map((s) => (s.ok ? s.out : `error: ${s.error}`)));
    if (outs.size > 1) result.note = `${name(ev)} printed different results in different runs`;
  }
  process.stderr.write('\n');
  return result;
}

/**
 * The warm figure: `o.warmRuns` evaluations of `file` in one worker of the service's pool
 * (bench/warm-runner.ts, a process of its own with the snapshot's build), the first answer
 * checked against C++ Nix's `--json` output.
 */
function runWarm(result: Result, file: string, dir: string, o: Options): void {
  const runner = join(ROOT, 'dist', 'bench', 'warm-runner.js');
  const roots = [dir, ...(result.workload.reads ?? [])];
  const r = spawnSync(process.execPath, [runner, join(CLI, '..', '..'), String(o.warmRuns), String(o.timeoutSeconds), file, ...roots], {
    encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: o.timeoutSeconds * 1000 * o.warmRuns, killSignal: 'SIGKILL', cwd: dir, env: BENCH_ENV,
  });
  const runs = r.status === 0 ? (JSON.parse(r.stdout) as WarmRun[]) : [];
  const failed = runs.find((w) => !w.ok);
  if (runs.length < o.warmRuns || failed) {
    result.warmError = failed ? failed.out : (r.stderr || String(r.error ?? `exit status ${r.status}`)).trim().split('\n')[0];
    process.stderr.write(` — warm: ${result.warmError}\n`);
    return;
  }
  const cpp = spawnSync('nix-instantiate', ['--eval', '--strict', '--json', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, cwd: dir, env: BENCH_ENV });
  // Where C++ Nix fails (deep), the cold runs' check stands alone.
  if (cpp.status === 0 && cpp.stdout.trim() !== runs[0].out.trim()) {
    result.warmError = `the service's answer \`${clip(runs[0].out)}\` is not C++ Nix's \`${clip(cpp.stdout)}\``;
    process.stderr.write(` — warm: ${result.warmError}\n`);
    return;
  }
  if (new Set(runs.map((w) => w.out)).size > 1) result.note = 'the service answered differently in different warm runs';
  result.warm = runs.map((w) => w.cpuMs / 1000);
  process.stderr.write(` warm ${result.warm.map((c) => c.toFixed(2)).join(' ')} s`);
}

function clip(s: string, n = 120): string {
  const one = s.replace(/\s+/g, ' ');
  return (one.length > n ? one.slice(0, n) + '…' : one).replace(/`/g, "'");
}

function name(ev: Evaluator): string {
  return ev === 'cpp' ? 'C++ Nix' : 'nixeval';
}

// ---------------------------------------------------------------------------------------
// Report

interface Summary {
  cpu: number;
  rssMiB: number;
  ok: boolean;
  error: string;
}

function summarise(samples: Sample[]): Summary {
  const ok = samples.every((s) => s.ok);
  const failed = samples.find((s) => !s.ok);
  return {
    cpu: median(samples.map((s) => s.cpu)),
    rssMiB: median(samples.map((s) => s.rssKiB)) / 1024,
    ok,
    error: failed?.error ?? '',
  };
}

function secs(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : '—';
}

function mib(x: number): string {
  return Number.isFinite(x) ? x.toFixed(0) : '—';
}

/**
 * Both evaluators run without NODE_EXTRA_CA_CERTS: where it is set (as on the machine these
 * figures come from), Node 20 reads and parses the CA file as it starts, about 0.08 s of CPU
 * per process before any of nixeval's code runs (nodejs/node#40524), and nixeval makes no TLS
 * connection. BENCHMARKS.md's Start-up subsection gives the figures with it.
 */
const BENCH_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'));

function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return '—';
  if (b <= 0) return a <= 0 ? '1.0' : '∞';
  const r = a / b;
  return r >= 10 ? r.toFixed(0) : r.toFixed(1);
}

function render(results: Result[], o: Options): string {
  const L: string[] = [];
  L.push(SECTION, '');
  L.push(
    `\`npm run build && npm run bench:eval\` (bench/eval.ts; the workloads are in bench/workloads.ts). ` +
      `Each workload is a .nix file evaluated with \`node dist/src/cli.cjs instantiate --eval --strict FILE\` (a copy of dist/src taken when the run starts) and with ` +
      `\`nix-instantiate --eval --strict FILE\`, ${o.runs === 1 ? 'one run' : `${o.runs} runs`} each (alternating)${o.runs === 1 ? '' : ', median shown'}. ` +
      `CPU is user + system time of the process, start-up included; memory is peak RSS; both from GNU time. ` +
      `Ratio is nixeval / C++ Nix (lower is better; the aim is at most 1.0). ` +
      `Both evaluators must print the same result for a workload to be timed. ` +
      `Both run without NODE_EXTRA_CA_CERTS (with it, Node 20 parses a CA file at start: about 0.08 s more per process, see Start-up below).` +
      (o.warmRuns > 0
        ? ` Warm is the same evaluation again in the same worker, as the service runs it: ${o.warmRuns} evaluations of the file by one worker of the service's pool ` +
          `(workers/pool.ts, its resourceLimits and task entry, the command line's V8 flags; bench/warm-runner.ts), in a process of its own; warm CPU is the median of runs 3 to ${o.warmRuns} ` +
          `of the process's CPU (process.cpuUsage: every thread, V8's background compiler and collector threads included), and warm ratio is it over C++ Nix's cold CPU ` +
          `(the aim: at most 0.4). The service's answer (JSON) must be \`nix-instantiate --eval --strict --json FILE\`'s.`
        : ''),
  );
  L.push('');
  L.push(...machine());
  L.push('');
  L.push('| workload | nixeval CPU s | C++ Nix CPU s | CPU ratio | warm CPU s | warm ratio | nixeval max RSS MiB | C++ Nix max RSS MiB | RSS ratio |');
  L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const notes: string[] = [];
  const timedRatios: { name: string; r: number }[] = [];
  const warmRatios: { name: string; r: number }[] = [];
  const onlyNixeval: string[] = [];
  for (const r of results) {
    const n = r.workload.name;
    if (r.status === 'skipped') {
      L.push(`| ${n} | skipped | | | | | | | |`);
      notes.push(`- ${n}: skipped: ${r.note}.`);
      continue;
    }
    if (r.status === 'mismatch') {
      L.push(`| ${n} | mismatch | | | | | | | |`);
      notes.push(`- ${n}: not timed, the results differ: ${r.note}.`);
      continue;
    }
    const a = summarise(r.samples.nixeval);
    const b = summarise(r.samples.cpp);
    const cell = (s: Summary, v: string) => (s.ok ? v : `fails${Number.isFinite(s.cpu) ? ` (after ${secs(s.cpu)})` : ''}`);
    const both = a.ok && b.ok;
    const warm = warmCpu(r);
    L.push(
      `| ${n} | ${cell(a, secs(a.cpu))} | ${cell(b, secs(b.cpu))} | ${both ? ratio(a.cpu, b.cpu) : '—'} | ` +
        `${r.warmError ? 'fails' : secs(warm)} | ${b.ok && Number.isFinite(warm) ? (warm / b.cpu).toFixed(2) : '—'} | ` +
        `${mib(a.rssMiB)} | ${mib(b.rssMiB)} | ${ratio(a.rssMiB, b.rssMiB)} |`,
    );
    if (!b.ok) notes.push(`- ${n}: C++ Nix fails: \`${b.error}\`${a.ok ? '; nixeval evaluates it' : ''}.`);
    if (!a.ok) notes.push(`- ${n}: nixeval fails: \`${a.error}\`.`);
    if (r.note) notes.push(`- ${n}: ${r.note}.`);
    if (r.warmError) notes.push(`- ${n}: no warm figure: ${r.warmError}.`);
    if (n === STARTUP.name) continue;
    if (both) timedRatios.push({ name: n, r: a.cpu / b.cpu });
    if (b.ok && Number.isFinite(warm)) warmRatios.push({ name: n, r: warm / b.cpu });
    else if (a.ok && !b.ok) onlyNixeval.push(n);
  }
  L.push('');
  L.push('Workloads:', '');
  for (const r of results) L.push(`- **${r.workload.name}**: ${r.workload.description}.`);
  if (notes.length > 0) L.push('', 'Notes:', '', ...notes);
  L.push('');
  L.push(standing(timedRatios, onlyNixeval, results));
  if (warmRatios.length > 0) {
    const met = warmRatios.filter((t) => t.r <= 0.4);
    const sorted = [...warmRatios].sort((x, y) => x.r - y.r);
    L.push(
      '',
      `**Warm** (at most 0.4 of C++ Nix's cold CPU): met on ${met.length} of ${warmRatios.length}${met.length > 0 ? ` (${met.map((t) => t.name).join(', ')})` : ''}; ` +
        `geometric mean ${geometricMean(warmRatios).toFixed(2)}, from ${sorted[0].r.toFixed(2)} (${sorted[0].name}) to ${sorted[sorted.length - 1].r.toFixed(2)} (${sorted[sorted.length - 1].name}).`,
    );
  }
  L.push('');
  return L.join('\n');
}

function geometricMean(xs: { r: number }[]): number {
  return Math.exp(xs.reduce((s, t) => s + Math.log(t.r), 0) / xs.length);
}

/** The warm figure (s): the median of warm runs 3 to N (the first two warm the worker up). */
function warmCpu(r: Result): number {
  return r.warm && r.warm.length >= 3 ? median(r.warm.slice(2)) : NaN;
}

/** The sentence on where nixeval stands against the aim (CPU ratio at most 1.0). */
function standing(timed: { name: string; r: number }[], onlyNixeval: string[], results: Result[]): string {
  const start = results.find((r) => r.workload.name === STARTUP.name && r.status === 'timed');
  const startNote = start
    ? ` Start-up alone costs nixeval ${secs(summarise(start.samples.nixeval).cpu)} s of CPU (Node) against ${secs(summarise(start.samples.cpp).cpu)} s for C++ Nix, which weighs on the shorter workloads.`
    : '';
  if (timed.length === 0) return `**Against the aim** (CPU ratio at most 1.0): no workload could be compared.${startNote}`;
  const met = timed.filter((t) => t.r <= 1.0);
  const geo = geometricMean(timed);
  const sorted = [...timed].sort((x, y) => x.r - y.r);
  const best = sorted[0];
  const worst = sorted[sorted.length - 1];
  let s =
    `**Against the aim** (CPU ratio at most 1.0): nixeval meets it on ${met.length} of ${timed.length} compared workloads` +
    (met.length > 0 ? ` (${met.map((t) => t.name).join(', ')})` : '') +
    `; it is ${geo.toFixed(1)}× C++ Nix's CPU time on geometric mean, from ${best.r.toFixed(1)}× (${best.name}) to ${worst.r.toFixed(1)}× (${worst.name}).`;
  if (onlyNixeval.length > 0) s += ` It evaluates ${onlyNixeval.join(', ')}, which C++ Nix cannot.`;
  return s + startNote;
}


// ---------------------------------------------------------------------------------------

function main(): number {
  const o = parseOptions(process.argv.slice(2));
  const missingTools = missingTool();
  if (missingTools !== undefined) {
    process.stderr.write(`${missingTools}\n`);
    return 1;
  }
  const all = [STARTUP, ...workloads()].filter((w) => !o.only || o.only.has(w.name));
  const dir = mkdtempSync(join(tmpdir(), 'nixeval-bench-'));
  try {
    CLI = snapshot(dir);
    const missing = missingBuiltins([...new Set(all.flatMap((w) => w.requires))], dir);
    const results = all.map((w) => runWorkload(w, missing, dir, o));
    const section = render(results, o);
    process.stdout.write(section + '\n');
    if (o.write) {
      writeBenchmarkSection('## Evaluation', section);
      process.stderr.write(`\nwrote the ${SECTION} section of ${BENCHMARKS}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

process.exitCode = main();
