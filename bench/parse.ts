// Parser throughput: nixeval's parse() against `nix-instantiate --parse` on the same large,
// nixpkgs-like file, and the `## Parser` section of BENCHMARKS.md rewritten with the result.
//
//   npm run build && npm run bench:parse
//
// Environment: BENCH_PARSE_BYTES (default 12,000,000; at least 10 MB is the point),
// BENCH_PARSE_RUNS (default 7), BENCH_PARSE_SEED (default 1).

import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { generateNix } from './gen-nix.js';
import { parse } from '../src/syntax/parser.js';
import { showExpr } from '../src/syntax/show.js';
import { Source } from '../src/syntax/source.js';
import { median, writeBenchmarkSection } from './report.js';

const BYTES = Number(process.env.BENCH_PARSE_BYTES ?? 12_000_000);
const RUNS = Number(process.env.BENCH_PARSE_RUNS ?? 7);
const SEED = Number(process.env.BENCH_PARSE_SEED ?? 1);
const WARMUP = 2;

// dist/bench/parse.js -> the project root, where BENCHMARKS.md lives.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCHMARKS = join(ROOT, 'BENCHMARKS.md');


interface Timing { wall: number; cpu: number }

/**
 * Median wall and CPU milliseconds of `fn` over RUNS runs after WARMUP runs (which let the JIT
 * settle). CPU time is the whole process's, GC threads included; on a busy machine it is the
 * steadier of the two.
 */
function time(fn: () => void): Timing {
  for (let i = 0; i < WARMUP; i++) fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

interface NixResult { version: string; total: Timing; startup: Timing; cpuMeasured: boolean }

/**
 * `nix-instantiate --parse FILE` with its output discarded: wall time, and user + system CPU
 * time from GNU time where it is installed. Or why there is nothing to measure.
 */
function timeNix(file: string, tiny: string, dir: string): NixResult | string {
  const probe = spawnSync('nix-instantiate', ['--version'], { encoding: 'utf8' });
  if (probe.error) return `nix-instantiate is not installed (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})`;
  const version = probe.stdout.trim();
  const gnuTime = existsSync('/usr/bin/time');
  const stats = join(dir, 'time.txt');
  const devNull = openSync('/dev/null', 'w');
  try {
    const run = (f: string): Timing => {
      const [cmd, args] = gnuTime
        ? ['/usr/bin/time', ['-f', '%U %S', '-o', stats, 'nix-instantiate', '--parse', f]]
        : ['nix-instantiate', ['--parse', f]];
      const t0 = performance.now();
      const r = spawnSync(cmd, args, { stdio: ['ignore', devNull, 'pipe'], maxBuffer: 1 << 26 });
      const wall = performance.now() - t0;
      if (r.status !== 0) throw new Error(`nix-instantiate --parse ${f} failed: ${r.stderr?.toString().slice(0, 500)}`);
      const cpu = gnuTime ? readFileSync(stats, 'utf8').trim().split(/\s+/).slice(-2).reduce((a, x) => a + Number(x) * 1000, 0) : NaN;
      return { wall, cpu };
    };
    const medians = (ts: Timing[]): Timing => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });
    // Process start-up and Nix's initialisation, measured on a one-token file, are not parsing.
    const startups: Timing[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) startups.push(run(tiny));
    const totals: Timing[] = [];
    run(file); // warm the page cache
    for (let i = 0; i < RUNS; i++) totals.push(run(file));
    return { version, total: medians(totals), startup: medians(startups.slice(WARMUP)), cpuMeasured: gnuTime };
  } finally {
    closeSync(devNull);
  }
}

function mbps(bytes: number, ms: number): string {
  return (bytes / 1e6 / (ms / 1000)).toFixed(1);
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}


function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'nixeval-bench-parse-'));
  try {
    const file = join(dir, 'packages.nix');
    const tiny = join(dir, 'tiny.nix');
    const text = generateNix(BYTES, SEED); // ASCII, so one character is one byte
    writeFileSync(file, text, 'latin1');
    writeFileSync(tiny, '1\n');
    const bytes = Buffer.byteLength(text, 'latin1');
    const lines = text.split('\n').length - 1;
    console.log(`generated ${file}: ${bytes} bytes, ${lines} lines`);

    const source = (): Source => new Source(file, text, dir);
    let shownBytes = 0;
    const parsed = time(() => {
      parse(source());
    });
    console.log(`nixeval parse(): ${fmtMs(parsed.wall)} ms wall, ${fmtMs(parsed.cpu)} ms CPU, ${mbps(bytes, parsed.wall)} MB/s`);
    const shown = time(() => {
      shownBytes = showExpr(parse(source())).length;
    });
    console.log(`nixeval parse() + showExpr(): ${fmtMs(shown.wall)} ms wall, ${fmtMs(shown.cpu)} ms CPU, ${mbps(bytes, shown.wall)} MB/s`);

    const nix = timeNix(file, tiny, dir);
    const cpu = cpus();
    const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${release()}`;
    // Shared machines make the numbers noisy; the load average says how noisy.
    const load = loadavg().map((x) => x.toFixed(1)).join(' / ');
    const row = (what: string, t: Timing, rate = true): string => {
      const cpuMs = Number.isNaN(t.cpu) ? '—' : `${fmtMs(t.cpu)} ms`;
      const cpuRate = Number.isNaN(t.cpu) || !rate ? '—' : `${mbps(bytes, t.cpu)} MB/s`;
      return `| ${what} | ${fmtMs(t.wall)} ms | ${rate ? `${mbps(bytes, t.wall)} MB/s` : '—'} | ${cpuMs} | ${cpuRate} |`;
    };
    const rows = [
      '| what | wall time | throughput (wall) | CPU time | throughput (CPU) |',
      '| --- | ---: | ---: | ---: | ---: |',
      row('nixeval `parse()`', parsed),
      row('nixeval `parse()` + `showExpr()`', shown),
    ];
    let comparison: string;
    if (typeof nix === 'string') {
      console.log(nix);
      comparison = `C++ Nix: ${nix}, so there is no comparison.`;
    } else {
      const net: Timing = { wall: nix.total.wall - nix.startup.wall, cpu: nix.total.cpu - nix.startup.cpu };
      console.log(`${nix.version} --parse: ${fmtMs(nix.total.wall)} ms wall (${fmtMs(nix.startup.wall)} start-up), ${fmtMs(nix.total.cpu)} ms CPU (${fmtMs(nix.startup.cpu)} start-up)`);
      rows.push(row('`nix-instantiate --parse`, start-up subtracted', net));
      rows.push(row('`nix-instantiate --parse` on a one-token file (the start-up)', nix.startup, false));
      const basis = nix.cpuMeasured ? 'CPU' : 'wall';
      const ours = nix.cpuMeasured ? shown.cpu : shown.wall;
      const theirs = nix.cpuMeasured ? net.cpu : net.wall;
      const alone = nix.cpuMeasured ? parsed.cpu : parsed.wall;
      comparison = `**Ratio** (${basis} time, like with like: parse and print the tree): nixeval takes ${(ours / theirs).toFixed(2)}× C++ Nix's time, `
        + `i.e. runs at ${(theirs / ours).toFixed(2)}× its throughput; \`parse()\` alone takes ${(alone / theirs).toFixed(2)}× the time C++ Nix needs to parse and print.`;
    }
    const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
    const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
    const commit = head.status === 0 ? `nixeval at ${head.stdout.trim()}${dirty.stdout.trim() ? ' with uncommitted changes' : ''}` : 'nixeval outside git';
    const section = [
      '## Parser',
      '',
      `\`npm run build && npm run bench:parse\` (\`bench/parse.ts\`): nixeval's parser against \`nix-instantiate --parse\` on one generated file.`,
      '',
      `- Date: ${date}; ${commit}.`,
      `- Machine: ${machine}; Node ${process.version}${typeof nix === 'string' ? '' : `; ${nix.version}`}. Load average at the end (1 / 5 / 15 min): ${load}.`,
      `- Input: ${(bytes / 1e6).toFixed(1)} MB (${bytes.toLocaleString('en')} bytes, ${lines.toLocaleString('en')} lines), a nixpkgs-like package set from \`bench/gen-nix.ts\` (seed ${SEED}); the printed tree is ${(shownBytes / 1e6).toFixed(1)} MB.`,
      `- Each figure is the median of ${RUNS} runs after ${WARMUP} warm-up runs; MB is 10^6 bytes.`,
      '- nixeval runs in-process on the text already in memory. The C++ figures are those of the command (CPU time: user + system from',
      '  GNU time) minus the same on a one-token file, i.e. without process start-up and Nix initialisation; they include reading the',
      '  file, binding variables and writing the printed tree to /dev/null.',
      '',
      ...rows,
      '',
      comparison,
      '',
    ].join('\n');
    writeBenchmarkSection('## Parser', section);
    console.log(`updated ${BENCHMARKS}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
