// The compile cache: files are parsed and compiled once per worker (keyed by path and content
// hash), however many evaluations import them; evaluated values are cached per evaluation.

import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, parserCalls } from '../../src/eval.js';
import {
  clearCompileCache, compileCacheStats, configureCompileCache, DEFAULT_COMPILE_CACHE_BYTES, resetCompileCacheCounters,
} from '../../src/io/compile-cache.js';
import { MemoryIO } from '../../src/io/memory-io.js';
import { printValue } from '../../src/value/print.js';

const N = 20;
let dir: string;

function evalFile(file: string): string {
  const r = evaluate({ file, strict: true });
  if (!r.ok) throw new Error(r.rendered);
  return printValue(r.value);
}

function evalExpr(expr: string, extra: Parameters<typeof evaluate>[0] = {}): string {
  const r = evaluate({ expr, strict: true, baseDir: dir, ...extra });
  if (!r.ok) throw new Error(r.rendered);
  return printValue(r.value);
}

/** Parser calls made while running f. */
function parses(f: () => void): number {
  const before = parserCalls();
  f();
  return parserCalls() - before;
}

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-import-cache-')));
  writeFileSync(join(dir, 'common.nix'), '{ double = x: x * 2; }');
  for (let i = 0; i < N; i++) {
    writeFileSync(join(dir, `f${i}.nix`), `let c = import ./common.nix; in c.double ${i}`);
  }
  const imports = Array.from({ length: N }, (_, i) => `(import ./f${i}.nix)`).join(' + ');
  writeFileSync(join(dir, 'default.nix'), `${imports}\n`);
  writeFileSync(join(dir, 'twice.nix'), 'let a = import ./common.nix; b = import ./common.nix; in a.double 1 + b.double 2');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  configureCompileCache({ maxBytes: DEFAULT_COMPILE_CACHE_BYTES });
  clearCompileCache();
  resetCompileCacheCounters();
});

const SUM = String(2 * ((N * (N - 1)) / 2));

test('a second evaluation importing the same files does not parse them again', () => {
  const file = join(dir, 'default.nix');
  // First: default.nix, the N files and common.nix, each parsed once.
  expect(parses(() => expect(evalFile(file)).toBe(SUM))).toBe(N + 2);
  // Second, a new Evaluation: nothing parsed.
  expect(parses(() => expect(evalFile(file)).toBe(SUM))).toBe(0);
  // An expression importing them: only the expression itself is parsed.
  expect(parses(() => expect(evalExpr('import ./default.nix')).toBe(SUM))).toBe(1);
  const stats = compileCacheStats();
  expect(stats.entries).toBe(N + 2);
  expect(stats.hits).toBe(2 * (N + 2));
  expect(stats.bytes).toBeGreaterThan(0);
});

test('a changed file is compiled afresh (the key holds the content hash)', () => {
  const file = join(dir, 'default.nix');
  evalFile(file);
  writeFileSync(join(dir, 'f3.nix'), 'let c = import ./common.nix; in c.double 1003');
  try {
    expect(parses(() => expect(evalFile(file)).toBe(String(Number(SUM) + 2000)))).toBe(1);
  } finally {
    writeFileSync(join(dir, 'f3.nix'), 'let c = import ./common.nix; in c.double 3');
  }
  // The old content's entry is still there: going back costs no parse.
  expect(parses(() => expect(evalFile(file)).toBe(SUM))).toBe(0);
});

test('within one evaluation a file is imported (and parsed) once, even without the cache', () => {
  configureCompileCache({ maxBytes: 0 });
  expect(parses(() => expect(evalFile(join(dir, 'twice.nix'))).toBe('6'))).toBe(2);
  // Without the cache every evaluation parses again.
  expect(parses(() => expect(evalFile(join(dir, 'twice.nix'))).toBe('6'))).toBe(2);
  expect(compileCacheStats().entries).toBe(0);
});

test('the cache keeps to its byte budget', () => {
  configureCompileCache({ maxBytes: 4000 });
  evalFile(join(dir, 'default.nix'));
  const stats = compileCacheStats();
  expect(stats.bytes).toBeLessThanOrEqual(4000);
  expect(stats.entries).toBeGreaterThan(0);
  expect(stats.entries).toBeLessThan(N + 2);
});

test('in-memory files are cached by path and content, across IO instances', () => {
  const files = { '/p/default.nix': 'import ./a.nix + 1', '/p/a.nix': '41' };
  expect(parses(() => expect(evalExpr('import /p', { io: new MemoryIO(files) })).toBe('42'))).toBe(3);
  expect(parses(() => expect(evalExpr('import /p', { io: new MemoryIO(files) })).toBe('42'))).toBe(1);
  // Same path, other content: parsed again.
  const other = { ...files, '/p/a.nix': '1' };
  expect(parses(() => expect(evalExpr('import /p', { io: new MemoryIO(other) })).toBe('2'))).toBe(2);
});

test('scopedImport compiles per set of names in scope, and the names bind lexically', () => {
  const io = new MemoryIO({ '/s.nix': 'x + y + (if builtins ? z then 0 else 0)' });
  const a = 'scopedImport { x = 1; y = 2; } /s.nix';
  expect(parses(() => expect(evalExpr(a, { io })).toBe('3'))).toBe(2);
  expect(parses(() => expect(evalExpr('scopedImport { x = 10; y = 20; } /s.nix', { io })).toBe('30'))).toBe(1);
  expect(parses(() => expect(evalExpr('scopedImport { x = 1; y = 2; z = 3; } /s.nix', { io })).toBe('3'))).toBe(2);
  // Names in scope shadow builtins, as in C++ Nix.
  const io2 = new MemoryIO({ '/t.nix': 'import + toString 1' });
  expect(evalExpr('scopedImport { import = "i"; toString = x: "s"; } /t.nix', { io: io2 })).toBe('"is"');
});

test('what else changes the compiled code is part of the key', () => {
  // currentTime exists only outside pure mode: a file naming it compiles in one and not the other.
  const io = new MemoryIO({ '/t.nix': '__currentTime > 0' }, { time: 5 });
  expect(evalExpr('import /t.nix', { io })).toBe('true');
  const pure = evaluate({ expr: 'import /t.nix', io, pure: true });
  expect(pure.ok).toBe(false);
  if (!pure.ok) expect(pure.error.message).toBe("undefined variable '__currentTime'");
});

test('a file whose parse warns warns in every evaluation that imports it, not only the first', () => {
  // C++ Nix parses a file once per process and warns then; each evaluation is a process here.
  writeFileSync(join(dir, 'cursed-or.nix'), 'let f = x: x; or = 2; in [ f or ]');
  const warnings = () => {
    const lines: string[] = [];
    const r = evaluate({ expr: 'import ./cursed-or.nix', strict: true, baseDir: dir, onMessage: (l) => lines.push(l) });
    if (!r.ok) throw new Error(r.rendered);
    return lines.filter((l) => l.includes('uses `or` as an identifier')).length;
  };
  expect(warnings()).toBe(1);
  expect(warnings()).toBe(1);
  // A file that warns of nothing is still parsed once (each evaluation parses its expression).
  expect(parses(() => evalExpr('import ./common.nix'))).toBe(2);
  expect(parses(() => evalExpr('import ./common.nix'))).toBe(1);
});
