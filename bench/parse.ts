// Parser throughput: nixeval's parse() against `nix-instantiate --parse` on the same large,
// nixpkgs-like file, and the `## Parser` section of BENCHMARKS.md rewritten with the result.
//
//   npm run build && npm run bench:parse
//
// Environment: BENCH_PARSE_BYTES (default 12,000,000; at least 10 MB is the point),
// BENCH_PARSE_RUNS (default 7), BENCH_PARSE_SEED (default 1).
//
// Then the front end cold, as a command line pays for it on real files: parse and compile of
// bench:eval's lib-fix.nix (500 KB) and of the nixpkgs lib files lib-modules reads, each run in
// a fresh process (bench/front-end-cold.ts), against `nix-instantiate --parse` of the same
// files. BENCH_PARSE_COLD_RUNS (default 5) processes each; BENCH_PARSE_BASELINE=DIR (another
// build's dist/) measures that build too, in alternation, for a before/after pair.

import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { generateNix } from './gen-nix.js';
import type { ColdFrontEnd } from './front-end-cold.js';
import { workloads } from './workloads.js';
import { parse } from '../src/syntax/parser.js';
import { showExpr } from '../src/syntax/show.js';
import { Source } from '../src/syntax/source.js';
import { median, ROOT, writeBenchmarkSection } from './report.js';

const BYTES = Number(process.env.BENCH_PARSE_BYTES ?? 12_000_000);
const RUNS = Number(process.env.BENCH_PARSE_RUNS ?? 7);
const SEED = Number(process.env.BENCH_PARSE_SEED ?? 1);
const WARMUP = 2;

const BENCHMARKS = join(ROOT, 'BENCHMARKS.md');
const COLD_RUNS = Number(process.env.BENCH_PARSE_COLD_RUNS ?? 5);
const BASELINE = process.env.BENCH_PARSE_BASELINE;
/** This build's dist/ (this file is dist/bench/parse.js). */
const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NIXPKGS_LIB = process.env.NIXPKGS_LIB ?? join(ROOT, '..', 'shared', 'nixpkgs-lib', 'lib');
/** The files of nixpkgs lib that C++ Nix reads to evaluate bench:eval's lib-modules (it imports lazily). */
const LIB_MODULES_FILES = ['default', 'lists', 'attrsets', 'modules', 'trivial', 'strings', 'options', 'types', 'asserts', 'debug'];


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

/** `nix-instantiate --parse FILE`, output discarded: wall time, and CPU time where GNU time is installed (else NaN). */
function runNixParse(file: string, dir: string): Timing {
  const gnuTime = existsSync('/usr/bin/time');
  const stats = join(dir, 'time.txt');
  const devNull = openSync('/dev/null', 'w');
  try {
    const [cmd, args] = gnuTime
      ? ['/usr/bin/time', ['-f', '%U %S', '-o', stats, 'nix-instantiate', '--parse', file]]
      : ['nix-instantiate', ['--parse', file]];
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { stdio: ['ignore', devNull, 'pipe'], maxBuffer: 1 << 26 });
    const wall = performance.now() - t0;
    if (r.status !== 0) throw new Error(`nix-instantiate --parse ${file} failed: ${r.stderr?.toString().slice(0, 500)}`);
    const cpu = gnuTime ? readFileSync(stats, 'utf8').trim().split(/\s+/).slice(-2).reduce((a, x) => a + Number(x) * 1000, 0) : NaN;
    return { wall, cpu };
  } finally {
    closeSync(devNull);
  }
}

function medians(ts: Timing[]): Timing {
  return { wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) };
}

/**
 * `nix-instantiate --parse FILE` with its output discarded: wall time, and user + system CPU
 * time from GNU time where it is installed. Or why there is nothing to measure.
 */
function timeNix(file: string, tiny: string, dir: string): NixResult | string {
  const probe = spawnSync('nix-instantiate', ['--version'], { encoding: 'utf8' });
  if (probe.error) return `nix-instantiate is not installed (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})`;
  const version = probe.stdout.trim();
  // Process start-up and Nix's initialisation, measured on a one-token file, are not parsing.
  const startups: Timing[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) startups.push(runNixParse(tiny, dir));
  const totals: Timing[] = [];
  runNixParse(file, dir); // warm the page cache
  for (let i = 0; i < RUNS; i++) totals.push(runNixParse(file, dir));
  return { version, total: medians(totals), startup: medians(startups.slice(WARMUP)), cpuMeasured: existsSync('/usr/bin/time') };
}

/** The medians of COLD_RUNS fresh processes of bench/front-end-cold.ts on `files` for each build, runs alternating. */
function timeColdFrontEnd(dists: string[], files: string[]): ColdFrontEnd[] {
  const runs: ColdFrontEnd[][] = dists.map(() => []);
  for (let i = 0; i < COLD_RUNS; i++) {
    dists.forEach((dist, d) => {
      // Without NODE_EXTRA_CA_CERTS, which costs Node a CA file's parse at start (see Start-up).
      const env = { ...process.env };
      delete env.NODE_EXTRA_CA_CERTS;
      const r = spawnSync(process.execPath, [join(DIST, 'bench', 'front-end-cold.js'), dist, ...files], { encoding: 'utf8', env });
      if (r.status !== 0) throw new Error(`front-end-cold.js failed: ${r.stderr.slice(0, 500)}`);
      runs[d].push(JSON.parse(r.stdout.trim().split('\n').pop()!) as ColdFrontEnd);
    });
  }
  return runs.map((rs) => ({
    parse: median(rs.map((r) => r.parse)),
    compile: median(rs.map((r) => r.compile)),
    process: median(rs.map((r) => r.process)),
    perThread: rs.every((r) => r.perThread),
  }));
}

function mbps(bytes: number, ms: number): string {
  return (bytes / 1e6 / (ms / 1000)).toFixed(1);
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}


/**
 * The cold front end on real files (lib-fix.nix, the nixpkgs lib files lib-modules reads), as
 * lines of the section: a table of this build (and the baseline's), with `nix-instantiate
 * --parse` of the same files, its start-up (`startup`, measured on a one-token file) subtracted
 * once per file.
 */
function coldSection(dir: string, startup: Timing | undefined): string[] {
  const libFix = workloads().find((w) => w.name === 'lib-fix')!;
  const libFixFile = join(dir, 'lib-fix.nix');
  writeFileSync(libFixFile, libFix.source);
  const inputs: { name: string; files: string[] }[] = [{ name: 'lib-fix.nix (bench:eval\'s lib-fix)', files: [libFixFile] }];
  const libFiles = LIB_MODULES_FILES.map((n) => join(NIXPKGS_LIB, `${n}.nix`));
  if (libFiles.every((f) => existsSync(f))) inputs.push({ name: `nixpkgs lib, the ${libFiles.length} files lib-modules reads`, files: libFiles });
  const dists = BASELINE === undefined ? [DIST] : [resolve(BASELINE), DIST];
  const builds = BASELINE === undefined ? ['this build'] : [`baseline (${BASELINE})`, 'this build'];
  const rows = [
    '| input | build | parse | compile | parse + compile | process CPU (all threads) | C++ Nix `--parse` | ratio (parse + compile) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  let perThread = true;
  for (const input of inputs) {
    const bytes = input.files.reduce((n, f) => n + readFileSync(f).length, 0);
    let peer = NaN;
    if (startup !== undefined && !Number.isNaN(startup.cpu)) {
      // Several files are parsed by C++ Nix as one, each file's expression an element of a list
      // (one process: its start-up, subtracted, is as large as a small file's parse).
      let file = input.files[0];
      if (input.files.length > 1) {
        file = join(dir, 'files-as-one.nix');
        writeFileSync(file, `[\n${input.files.map((f) => `(\n${readFileSync(f, 'latin1')}\n)\n`).join('')}]\n`, 'latin1');
      }
      const ts: Timing[] = [];
      for (let i = 0; i < COLD_RUNS; i++) ts.push(runNixParse(file, dir));
      peer = medians(ts).cpu - startup.cpu;
    }
    const results = timeColdFrontEnd(dists, input.files);
    results.forEach((r, d) => {
      perThread &&= r.perThread;
      const both = r.parse + r.compile;
      const ratio = Number.isNaN(peer) ? '—' : (both / peer).toFixed(1);
      rows.push(`| ${input.name}, ${(bytes / 1000).toFixed(0)} KB | ${builds[d]} | ${fmtMs(r.parse)} ms | ${fmtMs(r.compile)} ms | ${fmtMs(both)} ms | ${fmtMs(r.process)} ms | ${Number.isNaN(peer) ? '—' : `${fmtMs(peer)} ms`} | ${ratio} |`);
      console.log(`cold ${input.name}, ${builds[d]}: parse ${fmtMs(r.parse)} ms, compile ${fmtMs(r.compile)} ms, process ${fmtMs(r.process)} ms; C++ Nix --parse ${fmtMs(peer)} ms`);
    });
  }
  return [
    '### Cold front end, real files',
    '',
    `Parse and compile as a command line pays for them: each run a fresh process (\`bench/front-end-cold.ts\`, with the command line's V8 flags) that parses and compiles the files as \`compileFile\` does; CPU time of ${perThread ? 'the main thread' : 'the process'} in each step (median of ${COLD_RUNS} runs${BASELINE === undefined ? '' : ', the builds alternating'}), and of the whole process meanwhile (V8's helper threads: TurboFan optimising the front end's functions, concurrent and parallel GC). C++ Nix: CPU of \`nix-instantiate --parse FILE\` (parse, bind variables, print the tree) minus its start-up, median of ${COLD_RUNS} runs; several files as one file, a list of their expressions. Ratio: nixeval's parse + compile against C++ Nix's parse and print.`,
    '',
    ...rows,
    '',
  ];
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
    const cold = coldSection(dir, typeof nix === 'string' ? undefined : nix.startup);
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
      ...cold,
    ].join('\n');
    writeBenchmarkSection('## Parser', section);
    console.log(`updated ${BENCHMARKS}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
