// Regex benchmark: builtins.match and builtins.split on adversarial patterns, showing that
// the time grows linearly with the input (src/builtins/regex.ts), where C++ Nix's
// backtracking std::regex takes exponential or quadratic time, or overflows its stack.
//
//   npm run build && npm run bench:regex [-- --runs N] [--no-cpp] [--no-write]
//
// Each case runs the engine in-process (compileRegex, as the builtins do) on inputs of
// 25, 50, 100 and 200 kB; the figure kept is the median of the runs, after one warm-up run
// that also checks the answer. "growth" is time(200 kB) / time(100 kB): about 2 for linear
// time, 4 for quadratic. C++ Nix (`nix-instantiate --eval`, when installed) runs the same
// expression on the 100 kB input under a time limit, and the exponential patterns also on
// tiny inputs, to show where it stands. The results replace the `## Regex` section of
// BENCHMARKS.md.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileRegex } from '../src/builtins/regex.js';
import { median, writeBenchmarkSection } from './report.js';

interface Case {
  name: string;
  op: 'match' | 'split';
  pattern: string;
  /** The input of n bytes. */
  input: (n: number) => string;
  /** The answer for input(n): for match, whether it matches; for split, the number of matches. */
  expect: (n: number) => boolean | number;
  /** For C++ Nix: a Nix expression building the same input of n bytes. */
  nixInput: (n: number) => string;
  /** Exponential in libstdc++: also try C++ Nix on these tiny sizes. */
  tiny?: number[];
}

const as = (n: number): string => 'a'.repeat(n);
const nixAs = (n: number): string => `(builtins.concatStringsSep "" (builtins.genList (i: "a") ${n}))`;

const CASES: Case[] = [
  { name: 'nested alternation', op: 'match', pattern: '(a|a)*b', input: as, expect: () => false, nixInput: nixAs, tiny: [16, 20, 24] },
  { name: 'nested repetition', op: 'match', pattern: '(a*)*b', input: as, expect: () => false, nixInput: nixAs, tiny: [16, 20, 24] },
  { name: 'three stars', op: 'match', pattern: 'a*a*a*b', input: as, expect: () => false, nixInput: nixAs },
  { name: 'overlapping alternatives', op: 'match', pattern: '(a|aa)*', input: as, expect: () => true, nixInput: nixAs },
  { name: 'no match from any start', op: 'split', pattern: 'a*b', input: as, expect: () => 0, nixInput: nixAs },
  { name: 'ambiguous split', op: 'split', pattern: '(a|a)*b', input: (n) => as(n - 1) + 'b', expect: () => 1, nixInput: (n) => `(${nixAs(n - 1)} + "b")` },
  {
    name: 'words', op: 'split', pattern: '([[:alnum:]]+)[[:space:]]*', input: (n) => 'word '.repeat(n / 5), expect: (n) => n / 5,
    nixInput: (n) => `(builtins.concatStringsSep "" (builtins.genList (i: "word ") ${n / 5}))`,
  },
];

const SIZES = [25_000, 50_000, 100_000, 200_000];

function runOnce(c: Case, s: string): { ms: number; answer: boolean | number } {
  const re = compileRegex(c.pattern);
  const t = performance.now();
  const answer = c.op === 'match' ? re.match(s) !== null : re.searchAll(s).length;
  return { ms: performance.now() - t, answer };
}

function cppNix(c: Case, n: number, timeoutSeconds: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'nixeval-regex-'));
  try {
    const file = join(dir, 'case.nix');
    const call = c.op === 'match' ? `builtins.match ${JSON.stringify(c.pattern)} s == null` : `builtins.length (builtins.split ${JSON.stringify(c.pattern)} s)`;
    writeFileSync(file, `let s = ${c.nixInput(n)}; in ${call}\n`);
    const t = performance.now();
    const r = spawnSync('nix-instantiate', ['--eval', '--strict', '--readonly-mode', file], {
      env: { ...process.env, NIX_REMOTE: 'dummy://' }, encoding: 'utf8', timeout: timeoutSeconds * 1000,
      // Nix only notices SIGTERM between evaluation steps, never inside std::regex.
      killSignal: 'SIGKILL',
    });
    const ms = performance.now() - t;
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return `> ${timeoutSeconds} s`;
    if (r.status !== 0) {
      const line = (r.stderr.split('\n').find((l) => /error/.test(l)) ?? `exit ${r.status ?? r.signal}`).trim();
      return /stack overflow|segmentation|SIGSEGV/i.test(line + String(r.signal)) ? 'stack overflow' : line.slice(0, 60);
    }
    return fmtMs(ms);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

function hasCppNix(): boolean {
  return spawnSync('nix-instantiate', ['--version'], { encoding: 'utf8' }).status === 0;
}

function main(): void {
  const argv = process.argv.slice(2);
  let runs = 5;
  let cpp = true;
  let write = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Math.max(1, Number(argv[++i]));
    else if (argv[i] === '--no-cpp') cpp = false;
    else if (argv[i] === '--no-write') write = false;
    else throw new Error(`unknown option ${argv[i]} (options: --runs N, --no-cpp, --no-write)`);
  }
  cpp = cpp && hasCppNix();
  const rows: string[] = [];
  const growths: number[] = [];
  for (const c of CASES) {
    const times: number[] = [];
    for (const n of SIZES) {
      const s = c.input(n);
      const warm = runOnce(c, s);
      if (warm.answer !== c.expect(n)) throw new Error(`${c.name}: answer ${warm.answer} on ${n} bytes, expected ${c.expect(n)}`);
      times.push(median(Array.from({ length: runs }, () => runOnce(c, s).ms)));
    }
    const growth = times[3] / times[2];
    let cppCell = '';
    if (cpp) {
      cppCell = cppNix(c, 100_000, 60);
      if (c.tiny) cppCell += '; ' + c.tiny.map((n) => `${n} B: ${cppNix(c, n, 60)}`).join(', ');
    }
    const row = `| ${c.name} | ${c.op} \`${c.pattern.replace(/\|/g, '\\|')}\` | ${times.map(fmtMs).join(' | ')} | ${growth.toFixed(2)} | ${(times[2] * 1000 / 100_000).toFixed(2)} |${cpp ? ` ${cppCell} |` : ''}`;
    console.log(row);
    rows.push(row);
    growths.push(growth);
  }
  const header = `| case | builtin and pattern | ${SIZES.map((n) => `${n / 1000} kB`).join(' | ')} | growth ×2 | µs/byte at 100 kB |${cpp ? ' C++ Nix 2.8 (100 kB; tiny inputs) |' : ''}`;
  const rule = `|${' --- |'.repeat(header.split('|').length - 2)}`;
  const section = [
    '## Regex',
    '',
    'builtins.match and builtins.split on adversarial patterns (`npm run bench:regex`, bench/regex.ts):',
    `nixeval's engine in-process, median of ${runs} runs after a warm-up that checks the answer;`,
    '"growth ×2" is the time at 200 kB over the time at 100 kB (2 for linear time, 4 for quadratic).',
    cpp ? 'C++ Nix: `nix-instantiate --eval` of the same expression, wall time including start-up, 60 s limit.' : 'C++ Nix was not run.',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}.`,
    '',
    header,
    rule,
    ...rows,
    '',
    `**Against the aim** (time linear in the input): doubling the input from 100 to 200 kB multiplies the time by ${Math.min(...growths).toFixed(2)} to ${Math.max(...growths).toFixed(2)} (linear: 2; quadratic: 4).`,
    '',
  ].join('\n');
  if (write) writeBenchmarkSection('## Regex', section);
  else console.log(section);
}

main();
