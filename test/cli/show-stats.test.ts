// NIX_SHOW_STATS: the counts `nixeval instantiate` prints for small programs, as C++ Nix
// counts them (eval.cc's printStatistics), in both tiers. Counting is decided when the process
// starts, so each program runs in a process of its own.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/src/cli.cjs');

type Stats = Record<string, any>;

const TIERS: Record<string, Record<string, string>> = {
  // The frame-stack VM alone, and the compiled tier translating every chunk at its first run.
  vm: { NIXEVAL_TIER: 'vm' },
  compiled: { NIXEVAL_JIT_THRESHOLD: '0' },
};

function baseEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^_?NIX_/.test(k) && !/^NIXEVAL_/.test(k)) env[k] = v;
  return { ...env, NIX_CONF_DIR: '/nonexistent/nixeval-test', NIX_USER_CONF_FILES: '', ...extra };
}

/** The output and the statistics of `nixeval instantiate --eval --strict -E expr`. */
function stats(expr: string, tier: string): { stdout: string; stats: Stats } {
  const dir = mkdtempSync(join(tmpdir(), 'nixeval-stats-'));
  try {
    const file = join(dir, 'stats.json');
    const r = spawnSync(process.execPath, [cli, 'instantiate', '--eval', '--strict', '-E', expr], {
      encoding: 'utf8', env: baseEnv({ NIX_SHOW_STATS: '1', NIX_SHOW_STATS_PATH: file, ...TIERS[tier] }),
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return { stdout: r.stdout.trim(), stats: JSON.parse(readFileSync(file, 'utf8')) as Stats };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(Object.keys(TIERS))('NIX_SHOW_STATS (%s tier)', (tier) => {
  test('a lambda call counts one function call and its environment', () => {
    // C++ Nix: the lambda in the `let` is a thunk, the argument 1 needs none.
    const { stdout, stats: s } = stats('let f = x: x; in f 1', tier);
    expect(stdout).toBe('1');
    expect(s.nrFunctionCalls).toBe(1);
    expect(s.nrThunks).toBe(1);
    expect(s.nrAvoided).toBe(1);
    // The `let` and the call each make one environment of one slot, but the compiled tier
    // runs a lambda whose body only reads variables without one (codegen.ts, envless).
    const envs = tier === 'vm' ? 2 : 1;
    expect(s.envs).toMatchObject({ number: envs, elements: envs });
  });

  test('a curried call counts both calls', () => {
    const { stdout, stats: s } = stats('(x: y: x + y) 1 2', tier);
    expect(stdout).toBe('3');
    expect(s.nrFunctionCalls).toBe(2);
  });

  test('`a // b` counts one update and the values of the merged set', () => {
    const { stats: s } = stats('({ a = 1; b = 2; } // { b = 3; c = 4; }).c', tier);
    expect(s.nrOpUpdates).toBe(1);
    expect(s.nrOpUpdateValuesCopied).toBe(3);
    expect(s.nrLookups).toBe(1);
    // An empty side copies nothing.
    expect(stats('({ a = 1; } // { }).a', tier).stats).toMatchObject({ nrOpUpdates: 1, nrOpUpdateValuesCopied: 0 });
    // A chain makes one set: its values are copied once (C++ Nix 2.8 copies b // c, then a // that).
    const chain = stats('({ a = 1; b = 2; } // { b = 3; } // { c = 4; }).c', tier).stats;
    expect(chain).toMatchObject({ nrOpUpdates: 2, nrOpUpdateValuesCopied: 3 });
    expect(chain.sets.number - stats('1', tier).stats.sets.number).toBe(4);
  });

  test('`++` counts a concatenation and the elements of the lists made', () => {
    const { stdout, stats: s } = stats('[ 1 2 ] ++ [ 3 ]', tier);
    expect(stdout).toBe('[ 1 2 3 ]');
    expect(s.list).toMatchObject({ concats: 1, elements: 6 });
  });

  test('arithmetic operators count as builtin calls, as in C++ Nix', () => {
    const { stdout, stats: s } = stats('10 - 3 * 2 + builtins.length [ 1 ]', tier);
    expect(stdout).toBe('5');
    expect(s.nrPrimOpCalls).toBe(3);
    // `builtins.length` is one attribute lookup.
    expect(s.nrLookups).toBe(1);
    // Operands that are not two integers go through the builtin itself: still one call.
    expect(stats('[ (1.5 - 1) ("a" < "b") ]', tier).stats.nrPrimOpCalls).toBe(2);
  });

  test('one-argument builtins answered without an array of arguments count as calls too', () => {
    const { stdout, stats: s } = stats('let a = { x = 1; }; t = builtins.isAttrs; in [ (t a) (t (a // { })) (builtins.attrNames a) (builtins.length [ a ]) (builtins.typeOf a) ]', tier);
    expect(stdout).toBe('[ true true [ "x" ] 1 "set" ]');
    expect(s.nrPrimOpCalls).toBe(5);
  });

  test('variables and constants in lazy places need no thunk; other expressions do', () => {
    // No thunk for the constant 1, b's two elements (a variable and a constant) nor the argument
    // b of length; b's list is a thunk in C++ Nix (here a list built at once, marked unforced)
    // and c a thunk of `a + 1`. C++ Nix 2.8 counts the same.
    const { stdout, stats: s } = stats('let a = 1; b = [ a 2 ]; c = a + 1; in builtins.length b + c', tier);
    expect(stdout).toBe('4');
    expect(s.nrThunks).toBe(2);
    expect(s.nrAvoided).toBe(4);
  });

  test('a list or set literal whose elements need thunks is one thunk, as in C++ Nix', () => {
    // f, l and s are thunks; l's element and s's attributes are never made (C++ Nix 2.8 counts the same).
    const base = stats('1', tier).stats;
    const { stats: s } = stats('let f = x: x; l = [ (f 1) ]; s = { a = f 2; b = 3; }; in 1', tier);
    expect(s.nrThunks).toBe(3);
    expect(s.list.elements).toBe(0);
    expect(s.sets.number).toBe(base.sets.number);
    // Forced, they are what they were.
    expect(stats('let f = x: x; l = [ (f 1) ]; s = { a = f 2; b = 3; }; in [ l s ]', tier).stdout).toBe('[ [ 1 ] { a = 2; b = 3; } ]');
  });

  test('sets made and `with` lookups are counted', () => {
    const base = stats('1', tier).stats;
    const { stats: s } = stats('with { a = 1; b = 2; }; a + b', tier);
    expect(s.sets.number - base.sets.number).toBe(1);
    expect(s.sets.elements - base.sets.elements).toBe(2);
    expect(s.nrWithLookups).toBe(2);
  });

  test('the object has C++ Nix\'s fields', () => {
    const { stats: s } = stats('1', tier);
    for (const field of ['cpuTime', 'envs', 'list', 'values', 'symbols', 'sets', 'sizes', 'nrOpUpdates', 'nrOpUpdateValuesCopied',
      'nrThunks', 'nrAvoided', 'nrLookups', 'nrPrimOpCalls', 'nrFunctionCalls', 'gc']) {
      expect(s).toHaveProperty(field);
    }
    expect(s.cpuTime).toBeGreaterThan(0);
    expect(s.symbols.number).toBeGreaterThan(100);
  });
});

test('without NIX_SHOW_STATS nothing is printed', () => {
  const r = spawnSync(process.execPath, [cli, 'instantiate', '--eval', '-E', '1 + 1'], { encoding: 'utf8', env: baseEnv({}) });
  expect(r.stdout).toBe('2\n');
  expect(r.stderr).toBe('');
});

test('NIX_SHOW_STATS prints to stderr when NIX_SHOW_STATS_PATH is not set', () => {
  const r = spawnSync(process.execPath, [cli, 'instantiate', '--eval', '-E', '1 + 1'], { encoding: 'utf8', env: baseEnv({ NIX_SHOW_STATS: '1' }) });
  expect(r.stdout).toBe('2\n');
  expect(JSON.parse(r.stderr)).toHaveProperty('nrThunks', 0);
});
