// Jobset benchmark: a 5,000-derivation package set (the test set, test/jobsets/pkgset, without its
// failing attributes and with larger generated families) evaluated as a jobset by
// `nixeval eval-jobs` with 1 and with 2 workers, beside C++ Nix evaluating the same set's
// drvPaths (`nix-instantiate FILE`, which walks the same attributes and prints every drvPath;
// NIX_REMOTE=dummy:// and --readonly-mode, so nothing is written).
//
//   npm run build && npm run bench:jobsets [-- --runs N] [--no-write]
//
// Each command runs in its own process under GNU time (bench/measure.ts), runs alternating;
// medians shown. Attributes per second are lines printed (derivations and errors) per second of
// wall time; CPU time is the whole process's (every worker thread included). Before timing,
// the drvPaths nixeval prints must be the ones C++ Nix prints. The results replace the
// `## Jobsets` section of BENCHMARKS.md.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, measure, missingTool, type Sample, snapshot } from './measure.js';
import { median, ROOT, writeBenchmarkSection } from './report.js';

const SECTION = '## Jobsets';
/** Sizes of the generated families that make about 5,000 derivations. */
const SIZES = '{ libraries = 2000; python = 1500; haskell = 1330; kernelModules = 150; }';

interface Options {
  runs: number;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { runs: 3, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') o.runs = Math.max(1, Number(argv[++i]));
    else if (a === '--no-write') o.write = false;
    else throw new Error(`unknown option ${a} (options: --runs N, --no-write)`);
  }
  return o;
}

interface Config {
  label: string;
  argv: (file: string) => string[];
  /** Attributes (lines) and the sorted drvPaths in a run's output. */
  read: (out: string) => { attributes: number; drvPaths: string[] };
}

function configs(cli: string): Config[] {
  const nixeval = (workers: number): Config => ({
    label: `nixeval eval-jobs, ${workers} worker${workers === 1 ? '' : 's'}`,
    argv: (file) => [process.execPath, cli, 'eval-jobs', '--workers', String(workers), file],
    read: (out) => {
      const lines = out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { drvPath?: string });
      return { attributes: lines.length, drvPaths: [...new Set(lines.flatMap((l) => (l.drvPath ? [l.drvPath] : [])))].sort() };
    },
  });
  return [nixeval(1), nixeval(2), {
    label: 'C++ Nix `nix-instantiate`',
    argv: (file) => ['nix-instantiate', '--readonly-mode', file],
    read: (out) => {
      const paths = out.split('\n').filter((l) => l !== '').map((l) => l.replace(/!.*$/, ''));
      return { attributes: paths.length, drvPaths: [...new Set(paths)].sort() };
    },
  }];
}

function render(results: { config: Config; samples: Sample[]; attributes: number }[], derivations: number, jobsetDerivations: number, o: Options): string {
  const cpp = results[results.length - 1];
  const med = (r: typeof cpp, f: (s: Sample) => number): number => median(r.samples.map(f));
  const cppCpu = med(cpp, (s) => s.cpu);
  const cppRss = med(cpp, (s) => s.rssKiB);
  const cppRate = cpp.attributes / med(cpp, (s) => s.wall);
  const L: string[] = [SECTION, ''];
  L.push(
    '`npm run build && npm run bench:jobsets` (bench/jobsets.ts). The package set is the jobset tests\' (test/jobsets/pkgset: callPackage, overlays, '
      + `nested sets walked through recurseForDerivations) without its failing attributes and with larger generated families (\`sizes = ${SIZES}\`): `
      + `${derivations} distinct derivations. nixeval evaluates it as a jobset with \`nixeval eval-jobs --workers N FILE\` (one JSON line per attribute); `
      + 'C++ Nix evaluates the same set\'s drvPaths with `nix-instantiate --readonly-mode FILE` (NIX_REMOTE=dummy://: computed, not written), '
      + 'which walks the same sets. Before timing, nixeval must print every drvPath C++ Nix prints. '
      + `Each command runs in its own process under GNU time, ${o.runs} runs each (alternating), median shown. `
      + 'Attributes per second are lines printed per second of wall time; CPU is user + system of the whole process (every worker thread included); '
      + 'memory is its peak RSS. Ratios are nixeval / C++ Nix (CPU and RSS: lower is better; attributes per second: higher is better).',
    '',
    ...machine(),
    '',
    '| evaluator | attributes | wall s | attributes/s | CPU s | attributes/CPU s | peak RSS MiB | attributes/s ratio | CPU ratio | RSS ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    const wall = med(r, (s) => s.wall);
    const cpu = med(r, (s) => s.cpu);
    const rss = med(r, (s) => s.rssKiB);
    const rate = r.attributes / wall;
    const isCpp = r === cpp;
    L.push(`| ${r.config.label} | ${r.attributes} | ${wall.toFixed(2)} | ${rate.toFixed(0)} | ${cpu.toFixed(2)} | ${(r.attributes / cpu).toFixed(0)} | ${(rss / 1024).toFixed(0)} | `
      + `${isCpp ? '1' : (rate / cppRate).toFixed(2)} | ${isCpp ? '1' : (cpu / cppCpu).toFixed(1)} | ${isCpp ? '1' : (rss / cppRss).toFixed(1)} |`);
  }
  const [one, two] = results;
  const speedup = med(one, (s) => s.wall) / med(two, (s) => s.wall);
  L.push(
    '',
    `nixeval prints ${one.attributes} lines to C++ Nix's ${cpp.attributes}, as a jobset and nix-instantiate walk a set differently: a jobset reports every attribute, `
      + 'so a derivation under two names is two lines (nix-instantiate prints it once); it calls functions whose arguments have defaults and reports '
      + `names that are no identifiers (\`myTools.withDefaults\`, \`myTools."with.dots"\`: ${jobsetDerivations - derivations} derivations nix-instantiate passes over); `
      + 'and functions whose arguments have none (`fetchurl`, `python3Packages.buildPythonPackage`, as in nixpkgs) are error lines. '
      + (speedup >= 1
        ? `A second worker makes the jobset ${speedup.toFixed(2)}× as fast in wall time`
        : `A second worker did not make the jobset faster in wall time here (${speedup.toFixed(2)}×): with a load average of ${loadavg()[1].toFixed(1)} on ${availableParallelism()} cores, the workers waited for a core`)
      + '; each worker evaluates the parts of the set its attributes need (the package set\'s fixed point, stdenv, the libraries others depend on), as nix-eval-jobs\' workers do, so CPU time grows with the workers.',
  );
  return L.join('\n');
}

function main(): number {
  const o = parseOptions(process.argv.slice(2));
  const missing = missingTool();
  if (missing !== undefined) {
    process.stderr.write(`${missing}\n`);
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'nixeval-bench-jobsets-'));
  try {
    const cli = snapshot(dir);
    const file = join(dir, 'set.nix');
    writeFileSync(file, `import ${join(ROOT, 'test', 'jobsets', 'pkgset')} { withBroken = false; sizes = ${SIZES}; }\n`);
    const env = { ...process.env, NIX_REMOTE: 'dummy://', NIX_STORE_DIR: '/nix/store' };
    const all = configs(cli);
    const results = all.map((config) => ({ config, samples: [] as Sample[], attributes: 0, drvPaths: [] as string[] }));
    for (let run = 0; run < o.runs; run++) {
      for (const r of results) {
        const s = measure(r.config.argv(file), { dir, timeoutSeconds: 600, cwd: dir, env });
        if (!s.ok) throw new Error(`${r.config.label} failed: ${s.error}`);
        r.samples.push(s);
        if (run === 0) Object.assign(r, r.config.read(s.out));
        process.stderr.write(`${r.config.label}: ${s.wall.toFixed(2)} s wall, ${s.cpu.toFixed(2)} s CPU, ${(s.rssKiB / 1024).toFixed(0)} MiB\n`);
      }
      if (run === 0) {
        // Every drvPath C++ Nix prints; and what only a jobset reports (attributes nix-instantiate
        // passes over), the same with any number of workers.
        const cpp = new Set(results[results.length - 1].drvPaths);
        for (const r of results.slice(0, -1)) {
          const lacking = [...cpp].filter((p) => !r.drvPaths.includes(p));
          if (lacking.length > 0) throw new Error(`${r.config.label} lacks ${lacking.length} drvPaths C++ Nix prints, such as ${lacking[0]}`);
          if (r.drvPaths.join('\n') !== results[0].drvPaths.join('\n')) throw new Error(`${r.config.label} prints other drvPaths than with one worker`);
        }
      }
    }
    const section = render(results, results[results.length - 1].drvPaths.length, results[0].drvPaths.length, o);
    process.stdout.write(section + '\n');
    if (o.write) writeBenchmarkSection(SECTION, section);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

process.exitCode = main();
