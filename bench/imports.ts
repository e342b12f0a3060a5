// Import benchmark: a workload that imports many files, evaluated twice in one process.
//
//   npm run build && npm run bench:imports [-- --files N] [--runs N] [--no-write]
//
// The second evaluation finds every file's compiled code in the worker-lifetime compile cache
// (src/io/compile-cache.ts) and parses nothing; the first parses and compiles every file. The
// process is warmed up first on a copy of the workload at other paths (so JIT warm-up is not
// counted as a cache effect), and each pair of evaluations starts from an empty cache. As a
// control, the second evaluation is also run with the cache disabled: the difference between
// the two second runs is what the cache saves, and nothing else.
//
// The results replace the `## Imports` section of BENCHMARKS.md (other sections are left
// alone; the file is re-read just before it is written).

import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { evaluate, parserCalls } from '../src/eval.js';
import {
  clearCompileCache, compileCacheStats, configureCompileCache, DEFAULT_COMPILE_CACHE_BYTES,
} from '../src/io/compile-cache.js';
import { printValue } from '../src/value/print.js';
import { median, writeBenchmarkSection } from './report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BENCHMARKS = join(ROOT, 'BENCHMARKS.md');
const SECTION = '## Imports';

interface Options {
  files: number;
  runs: number;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { files: 400, runs: 7, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--files') o.files = Number(argv[++i]);
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--no-write') o.write = false;
    else throw new Error(`unknown option '${a}'`);
  }
  return o;
}

/** One package-like file: a function of the shared library, with a few dozen attributes. */
function packageFile(i: number): string {
  return `# Package ${i}: a file shaped like a package definition.
let
  lib = import ./lib.nix;
  version = "${1 + (i % 7)}.${i % 13}.${i % 5}";
  deps = [ ${Array.from({ length: 6 }, (_, k) => `"dep-${(i * 7 + k) % 97}"`).join(' ')} ];
in
rec {
  pname = "package-${i}";
  inherit version;
  name = "\${pname}-\${version}";
  src = {
    url = "https://example.org/releases/\${pname}/\${name}.tar.gz";
    sha256 = "${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0').repeat(8)}";
  };
  buildInputs = map (d: lib.mkDep d) deps;
  configureFlags = [
    "--enable-feature-${i % 3}"
    "--with-prefix=/opt/\${pname}"
    (lib.optionalString (${i} > 100) "--enable-big")
  ];
  patches = if ${i % 2} == 0 then [ ./patches/fix-${i}.patch ] else [ ];
  passthru = {
    tests = { simple = lib.mkTest pname; };
    updateScript = [ "update" pname version ];
  };
  meta = {
    description = "Synthetic package number ${i} for the import benchmark";
    longDescription = ''
      This file stands for a typical package definition: attribute sets,
      string interpolation (\${pname}), lists, a few functions and an import.
      It is parsed and compiled once per worker when the compile cache works.
    '';
    homepage = "https://example.org/\${pname}";
    license = lib.licenses.${['mit', 'gpl3', 'bsd3', 'asl20'][i % 4]};
    maintainers = [ "someone" "someone-else" ];
    platforms = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" ];
  };
  weight = lib.sumList [ ${i} ${i % 10} ${i % 100} ] + (if meta.license.free then 1 else 0);
}
`;
}

const LIB = `{
  mkDep = d: { name = d; outPath = "/nix/store/\${d}"; };
  mkTest = p: { name = "\${p}-test"; };
  optionalString = c: s: if c then s else "";
  sumList = l: if l == [ ] then 0 else builtins.head l + sumList (builtins.tail l);
  licenses = {
    mit = { spdx = "MIT"; free = true; };
    gpl3 = { spdx = "GPL-3.0"; free = true; };
    bsd3 = { spdx = "BSD-3-Clause"; free = true; };
    asl20 = { spdx = "Apache-2.0"; free = true; };
  };
}
`;

/** Writes the workload into `dir`; returns the top-level file. */
function writeWorkload(dir: string, files: number): string {
  mkdirSync(join(dir, 'pkgs'), { recursive: true });
  // lib.nix is recursive through `sumList`, so it is a rec set.
  writeFileSync(join(dir, 'pkgs', 'lib.nix'), 'rec ' + LIB);
  for (let i = 0; i < files; i++) writeFileSync(join(dir, 'pkgs', `p${i}.nix`), packageFile(i));
  // A balanced sum, so that no chain of additions is thousands deep.
  const term = (i: number): string => `(import ./pkgs/p${i}.nix).weight`;
  const tree = (lo: number, hi: number): string => (hi - lo === 1 ? term(lo) : `(${tree(lo, (lo + hi) >> 1)} + ${tree((lo + hi) >> 1, hi)})`);
  const top = join(dir, 'default.nix');
  writeFileSync(top, `${tree(0, files)}\n`);
  return top;
}

function timeEval(file: string): { ms: number; parses: number; value: string } {
  const p0 = parserCalls();
  const t0 = performance.now();
  const r = evaluate({ file, strict: true });
  const ms = performance.now() - t0;
  if (!r.ok) throw new Error(r.rendered);
  return { ms, parses: parserCalls() - p0, value: printValue(r.value) };
}


function gitDescription(): string {
  try {
    const head = execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain', { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return `${head}${dirty ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'unknown';
  }
}


function main(): void {
  const o = parseOptions(process.argv.slice(2));
  const tmp = mkdtempSync(join(tmpdir(), 'nixeval-bench-imports-'));
  try {
    const warm = writeWorkload(join(tmp, 'warmup'), o.files);
    const top = writeWorkload(join(tmp, 'work'), o.files);
    const sourceBytes = o.files * Buffer.byteLength(packageFile(o.files >> 1)) + LIB.length;

    // Warm the JIT up on the same workload at other paths (its cache entries are other keys).
    configureCompileCache({ maxBytes: DEFAULT_COMPILE_CACHE_BYTES });
    for (let i = 0; i < 3; i++) { clearCompileCache(); timeEval(warm); timeEval(warm); }

    const first: number[] = [];
    const second: number[] = [];
    const secondNoCache: number[] = [];
    let firstParses = 0;
    let secondParses = 0;
    let noCacheParses = 0;
    let value = '';
    let cacheBytes = 0;
    for (let run = 0; run < o.runs; run++) {
      configureCompileCache({ maxBytes: DEFAULT_COMPILE_CACHE_BYTES });
      const a = timeEval(top);
      const b = timeEval(top);
      if (a.value !== b.value) throw new Error(`the two evaluations differ: ${a.value} / ${b.value}`);
      cacheBytes = compileCacheStats().bytes;
      configureCompileCache({ maxBytes: 0 });
      timeEval(top);
      const c = timeEval(top);
      first.push(a.ms);
      second.push(b.ms);
      secondNoCache.push(c.ms);
      firstParses = a.parses;
      secondParses = b.parses;
      noCacheParses = c.parses;
      value = a.value;
      process.stderr.write(`run ${run + 1}/${o.runs}: first ${a.ms.toFixed(1)} ms, second ${b.ms.toFixed(1)} ms, second without cache ${c.ms.toFixed(1)} ms\n`);
    }
    configureCompileCache({ maxBytes: DEFAULT_COMPILE_CACHE_BYTES });

    const f = median(first);
    const s = median(second);
    const n = median(secondNoCache);
    const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
    const load = loadavg().map((x) => x.toFixed(1)).join(' / ');
    const section = [
      SECTION,
      '',
      '`npm run build && npm run bench:imports` (bench/imports.ts). A workload of ' +
        `${o.files} package-like files (about ${(sourceBytes / 1024).toFixed(0)} KiB of Nix in all; each imports a shared lib.nix) ` +
        'and a top-level file that imports every one and sums a field, evaluated with `--strict` through the library (`evaluate({ file })`, ' +
        'unrestricted filesystem IO) twice in one process: the first evaluation parses and compiles every file, the second is a new ' +
        'Evaluation that finds them in the worker-lifetime compile cache (keyed by path and content sha256; files are still read and hashed). ' +
        'The process is warmed up first on a copy of the workload at other paths, so JIT warm-up does not count as a cache effect; each of the ' +
        `${o.runs} runs starts from an empty cache; medians shown. As a control, the second evaluation is also timed with the cache disabled.`,
      '',
      `- Date: ${date}`,
      `- Machine: nproc ${availableParallelism()} (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Linux ${release()}; load average ${load} at the end of the run` +
        (loadavg()[0] > availableParallelism() ? ' (above nproc: other work shared the machine, so single runs vary; the medians and ratios are the figures to compare)' : ''),
      `- Node ${process.version}; nixeval at ${gitDescription()}`,
      '',
      '| evaluation | wall time ms | parser calls |',
      '| --- | ---: | ---: |',
      `| first (compile cache empty) | ${f.toFixed(1)} | ${firstParses} |`,
      `| **second (compile cache warm)** | **${s.toFixed(1)}** | ${secondParses} |`,
      `| second, cache disabled (control) | ${n.toFixed(1)} | ${noCacheParses} |`,
      '',
      `**Speedup of the second evaluation over the first: ${(f / s).toFixed(1)}×**; against the control (same warm process, ` +
        `parsing again) the cache alone saves ${(n / s).toFixed(1)}× (${(n - s).toFixed(1)} ms of ${n.toFixed(1)} ms). ` +
        `The cache held ${(cacheBytes / 2 ** 20).toFixed(1)} MiB (estimated) for the workload's ${o.files + 1} imported files. Result of the workload: ${value}.`,
      '',
    ].join('\n');
    process.stdout.write(section + '\n');
    if (o.write) {
      writeBenchmarkSection('## Imports', section);
      process.stderr.write(`wrote the ${SECTION} section of ${BENCHMARKS}\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
