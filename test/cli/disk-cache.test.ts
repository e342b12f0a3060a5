// The command line's disk cache of compiled files (src/io/disk-cache.ts): a run that reads its
// files back from the cache prints exactly what the run that compiled them printed (results,
// errors, positions, traces), files that fail to parse or whose parse warned are never kept,
// a damaged file is ignored and written again, the cache never makes an error of its own, and
// the directory stays under its size. A run that reads a file back records which of its chunks
// were translated, and the next translates those at their first run; never another build's
// record, or a changed file's.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearCompileCache, useDiskCache } from '../../src/io/compile-cache.js';
import { DiskCache } from '../../src/io/disk-cache.js';
import { Evaluation, evaluate } from '../../src/eval.js';
import type { Chunk } from '../../src/compiler/chunk.js';
import { defaultHotRuns } from '../../src/codegen/runtime.js';
import { cliPath } from '../conformance/corpus.js';
import { defaultLibDir } from '../nixpkgs-lib/suites.js';
import { lambdaChunks } from '../codegen/lambda-chunks.js';
import { type CliRun, runCli } from './run-cli.js';

const LIB = join(defaultLibDir, 'lib');
const BUILD = 'test-build';

let dir: string;
let cacheDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nixeval-disk-cache-'));
  cacheDir = join(dir, 'cache');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A run as a new process makes it: nothing compiled in memory yet. */
function run(args: string[], env: Record<string, string> = {}, build: string | null = BUILD): CliRun {
  clearCompileCache();
  return runCli(args, 'latin1', { env: { NIXEVAL_CACHE_DIR: cacheDir, ...env }, build: build ?? undefined, cwd: dir });
}

/**
 * The cache's compiled files (`records`: its records of translated chunks instead), each with
 * what changes when it is written again (a rename makes a new inode).
 */
function cacheFiles(records = false): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (name.endsWith('.hot') === records) files.set(path, `${st.ino}:${st.size}:${st.mtimeMs}`);
    }
  };
  walk(cacheDir);
  return files;
}

/** Runs `args` with an empty cache, then again reading it back; both must print the same. */
function runTwice(args: string[]): { first: CliRun; second: CliRun } {
  const first = run(args);
  const written = cacheFiles();
  const second = run(args);
  expect(second).toEqual(first);
  // Read back, not compiled and written again.
  expect(cacheFiles()).toEqual(written);
  return { first, second };
}

const libExpr = (body: string): string => `let lib = import ${LIB}; in ${body}`;

describe('the disk cache of compiled files', () => {
  test('nixpkgs lib evaluations print the same from the cache, results and errors with traces', () => {
    const cases: [string[], number][] = [
      [['--eval', '--strict', '--json', '-E', libExpr('map (s: (lib.systems.elaborate s).config) [ "x86_64-linux" "aarch64-darwin" "riscv64-linux" ]')], 0],
      [['--eval', '--strict', '-E', libExpr('lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.attrsOf lib.types.int; }; config.a = { x = 1; y = lib.mkDefault 2; }; } ]; }')], 0],
      [['--eval', '--strict', `${LIB}/tests/misc.nix`], 0],
      [['--eval', '--strict', '--show-trace', '-E', libExpr('(lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.int; }; config.a = "s"; } ]; }).config.a')], 1],
      [['--eval', '--strict', '--show-trace', '-E', libExpr('lib.toInt "x"')], 1],
      [['--eval', '--strict', '--show-trace', '-E', libExpr('lib.attrByPath [ "a" ] (throw "missing") { }')], 1],
      [['--eval', '-E', libExpr('builtins.unsafeGetAttrPos "foldl\'" lib.lists')], 0],
    ];
    for (const [args, code] of cases) {
      const { first } = runTwice(args);
      expect(first.code).toBe(code);
      if (code === 1) expect(first.stderr).toMatch(/at .*nixpkgs-lib\/lib\/.*\.nix:\d+:\d+/);
    }
    // Each of lib's files is kept once, whatever imported it.
    expect(cacheFiles().size).toBeGreaterThan(20);
    // The runs that read them back recorded their translated chunks; the records hold the same
    // results and errors.
    expect(cacheFiles(true).size).toBeGreaterThan(5);
    for (const [args, code] of cases) expect(run(args).code).toBe(code);
  });

  test('a file named on the command line is kept too, and an error in it shows the same', () => {
    const file = join(dir, 'main.nix');
    const filler = Array.from({ length: 40 }, (_, i) => `  f${i} = x: { inherit x; y = x.${'${'}"n${i}"} or ${i}; };`).join('\n');
    writeFileSync(file, `let\n${filler}\n  s = { a.b = 1; };\nin [ (f3 1).y s.a.b ({ a = 1; } // { b = assert s.a.b == 2; 3; }).b ]\n`);
    const { first } = runTwice(['--eval', '--strict', '--show-trace', file]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('assertion');
    expect([...cacheFiles().keys()].length).toBe(1);
  });

  test('a file that fails to parse is not kept, and fails the same every time', () => {
    const file = join(dir, 'broken.nix');
    writeFileSync(file, `{\n${Array.from({ length: 200 }, (_, i) => `  a${i} = 1;\n`).join('')}  b = ;\n}\n`);
    const first = run(['--eval', file]);
    const second = run(['--eval', file]);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/syntax error/);
    expect(second).toEqual(first);
    expect(cacheFiles().size).toBe(0);
  });

  test('a file whose parse warned is not kept: the warning shows every time', () => {
    const file = join(dir, 'warns.nix');
    writeFileSync(file, `{\n${Array.from({ length: 200 }, (_, i) => `  a${i} = 1;\n`).join('')}  p = foo/bar;\n}\n`);
    const args = ['--eval', '--option', 'lint-short-path-literals', 'warn', file];
    const first = run(args);
    expect(first.stderr).toMatch(/short-path-literals/);
    expect(run(args)).toEqual(first);
    expect(cacheFiles().size).toBe(0);
    // Without the lint the file is kept: lints are part of the key.
    run(['--eval', file]);
    expect(cacheFiles().size).toBe(1);
    expect(run(args)).toEqual(first);
  });

  test('a damaged file is ignored and written again', () => {
    const args = ['--eval', '--strict', '--json', '-E', libExpr('lib.strings.concatMapStringsSep "," toString (lib.range 1 5)')];
    const first = run(args);
    const files = [...cacheFiles().keys()];
    expect(files.length).toBeGreaterThanOrEqual(3);
    // Cut short, emptied, another file's content, garbage after a valid header.
    writeFileSync(files[0], statSync(files[0]).size > 10 ? Buffer.alloc(10) : 'x');
    writeFileSync(files[1], '');
    writeFileSync(files[2], `["nixeval-compiled",2,"${BUILD}",false,"x",1,1]\n[]\n\0\0\0\0`);
    const damaged = cacheFiles();
    expect(run(args)).toEqual(first);
    const after = cacheFiles();
    for (const f of files.slice(0, 3)) expect(after.get(f)).not.toBe(damaged.get(f));
    // Written again whole: the next run reads everything back.
    expect(run(args)).toEqual(first);
    expect(cacheFiles()).toEqual(after);
  });

  test('another build never reads what this one wrote', () => {
    const args = ['--eval', '--strict', '-E', libExpr('lib.lists.range 1 3')];
    const first = run(args);
    const count = cacheFiles().size;
    expect(run(args, {}, 'another-build')).toEqual(first);
    expect(cacheFiles().size).toBe(2 * count);
  });

  test('off with NIXEVAL_CACHE=0, without a build, and when the directory cannot be made: silently', () => {
    const args = ['--eval', '--strict', '-E', libExpr('lib.lists.range 1 3')];
    const expected = run(args, { NIXEVAL_CACHE: '0' });
    expect(cacheFiles().size).toBe(0);
    expect(run(args, {}, null)).toEqual(expected);
    expect(cacheFiles().size).toBe(0);
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    expect(run(args, { NIXEVAL_CACHE_DIR: join(blocker, 'cache') })).toEqual(expected);
    expect(run(args, { NIXEVAL_CACHE_DIR: '', XDG_CACHE_HOME: join(dir, 'xdg') })).toEqual(expected);
    expect(readdirSync(join(dir, 'xdg', 'nixeval')).length).toBe(1);
  });

  test('the directory is kept under its size, least recently written first', () => {
    const max = 64 * 1024;
    const cache = new DiskCache(cacheDir, BUILD, max, 0);
    const ev = new Evaluation({});
    const total = (): number => [...cacheFiles().keys()].reduce((s, f) => s + statSync(f).size, 0);
    for (let i = 0; i < 12; i++) {
      const file = join(dir, `f${i}.nix`);
      writeFileSync(file, `{ ${Array.from({ length: 60 }, (_, j) => `a${j} = ${i} + ${j};`).join(' ')} }`);
      cache.write(`key${i}`, ev.compileFile(file));
    }
    // A process trims after its first write only: the later ones went past the size.
    expect(total()).toBeGreaterThan(max);
    const written = new Map([...cacheFiles().keys()].map((f) => [f, statSync(f).mtimeMs]));
    cache.trim();
    const kept = new Set(cacheFiles().keys());
    expect(total()).toBeLessThanOrEqual(0.75 * max);
    expect(kept.size).toBeGreaterThan(0);
    expect(kept.size).toBeLessThan(written.size);
    // The newest are kept.
    const oldestKept = Math.min(...[...kept].map((f) => written.get(f)!));
    for (const [f, t] of written) if (!kept.has(f)) expect(t).toBeLessThanOrEqual(oldestKept);
  });

  test('processes writing the same files at once each print the right result, and leave whole files', async () => {
    const args = ['instantiate', '--eval', '--strict', '--json', '-E', libExpr('map (s: (lib.systems.elaborate s).config) lib.systems.doubles.linux')];
    const env: NodeJS.ProcessEnv = { ...process.env, NIXEVAL_CACHE_DIR: cacheDir };
    delete env.NODE_EXTRA_CA_CERTS;
    const once = (): Promise<{ code: number | null; out: string }> => new Promise((done) => {
      const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.on('close', (code) => done({ code, out }));
    });
    const runs = await Promise.all([once(), once(), once()]);
    for (const r of runs) expect(r).toEqual(runs[0]);
    expect(runs[0].code).toBe(0);
    const written = cacheFiles();
    expect(written.size).toBeGreaterThan(10);
    expect(readdirSync(join(cacheDir, readdirSync(cacheDir)[0])).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await once()).toEqual(runs[0]);
    expect(cacheFiles()).toEqual(written);
  }, 60_000);
});

describe('records of translated chunks', () => {
  let file: string;
  beforeEach(() => {
    file = join(dir, 'hot.nix');
    // `hot` runs n times, `once` once: over and under the threshold when n is 100.
    writeFileSync(file, 'n: let hot = x: x + 1; once = x: x * 2; in builtins.foldl\' (a: _: hot a) 0 (builtins.genList (i: i) n) + once 1\n');
  });

  /**
   * A process of the command line, as far as the cache goes: nothing compiled in memory, the
   * cache in use while `import FILE n` is evaluated, the record written as it ends. Returns the
   * cache, and whether the chunks of `hot` and `once` were translated.
   */
  function processRun(n: number, build = BUILD): { cache: DiskCache; hot: boolean; once: boolean } {
    clearCompileCache();
    const cache = new DiskCache(cacheDir, build, 1 << 30, 0);
    useDiskCache(cache);
    let hot: Chunk;
    let once: Chunk;
    try {
      const r = evaluate({ expr: `import ${file} ${n}`, strict: true, tier: 'compiled' });
      if (!r.ok) throw new Error(r.rendered);
      expect(r.value).toBe(n + 2);
      [hot] = lambdaChunks(file, 'hot');
      [once] = lambdaChunks(file, 'once');
    } finally {
      useDiskCache(undefined);
      cache.recordTranslated();
    }
    return { cache, hot: typeof hot.compiled === 'function', once: typeof once.compiled === 'function' };
  }

  test('a run that compiles or reads a file back records its translated chunks; the next translates them at their first run', () => {
    expect(defaultHotRuns()).toBeGreaterThan(2);
    // Compiled and written, with the record.
    expect(processRun(100)).toMatchObject({ hot: true, once: false, cache: { counters: { writes: 1, recordsWritten: 1 } } });
    const records = cacheFiles(true);
    expect(records.size).toBe(1);
    const [record] = records.keys();
    const written = readFileSync(record, 'latin1');
    // Now `hot` is translated at its first run; the record stays as it is.
    expect(processRun(1)).toMatchObject({ hot: true, once: false, cache: { counters: { hits: 1, recordsRead: 1, recordsWritten: 0 } } });
    expect(processRun(0)).toMatchObject({ hot: false, once: false, cache: { counters: { recordsRead: 1, recordsWritten: 0 } } });
    expect(cacheFiles(true)).toEqual(records);
    // Without a record, a chunk that runs once is not translated; a run that reads the file back
    // numbers its chunks as the one that wrote it did.
    rmSync(record);
    expect(processRun(1)).toMatchObject({ hot: false, once: false, cache: { counters: { hits: 1, recordsRead: 0, recordsWritten: 0 } } });
    expect(processRun(100)).toMatchObject({ hot: true, once: false, cache: { counters: { hits: 1, recordsRead: 0, recordsWritten: 1 } } });
    expect(readFileSync(record, 'latin1')).toBe(written);
    // A damaged record is none, and is written again.
    writeFileSync(record, readFileSync(record, 'latin1').replace(/\n.*/, '\n1,1'));
    expect(processRun(1)).toMatchObject({ hot: false, cache: { counters: { hits: 1, recordsRead: 0 } } });
    expect(processRun(100)).toMatchObject({ hot: true, cache: { counters: { recordsRead: 0, recordsWritten: 1 } } });
    expect(processRun(1)).toMatchObject({ hot: true, cache: { counters: { recordsRead: 1 } } });
  });

  test('a record of another build, or of the file before it changed, is ignored', () => {
    processRun(100);
    processRun(100);
    const [record] = cacheFiles(true).keys();
    const text = readFileSync(record);
    expect(processRun(1)).toMatchObject({ hot: true, cache: { counters: { recordsRead: 1 } } });
    // The other's record over the one of the compiled file the run writes (another build's, or
    // the changed file's).
    const copyRecordOver = (run: () => void): void => {
      const before = new Set(cacheFiles().keys());
      run();
      const compiled = [...cacheFiles().keys()].filter((f) => !before.has(f));
      expect(compiled.length).toBe(1);
      writeFileSync(`${compiled[0]}.hot`, text);
    };
    copyRecordOver(() => expect(processRun(100, 'another-build')).toMatchObject({ hot: true, cache: { counters: { writes: 1 } } }));
    expect(processRun(1, 'another-build')).toMatchObject({ hot: false, cache: { counters: { hits: 1, recordsRead: 0 } } });
    // The same chunks, another content.
    writeFileSync(file, `${readFileSync(file, 'latin1')}# changed\n`);
    copyRecordOver(() => expect(processRun(100)).toMatchObject({ hot: true, cache: { counters: { writes: 1 } } }));
    expect(processRun(1)).toMatchObject({ hot: false, cache: { counters: { hits: 1, recordsRead: 0 } } });
  });
});

describe('cache directory', () => {
  test('NIXEVAL_CACHE_DIR, else XDG_CACHE_HOME/nixeval, else ~/.cache/nixeval', async () => {
    const { diskCacheDir } = await import('../../src/io/disk-cache.js');
    expect(diskCacheDir({ NIXEVAL_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/c');
    expect(diskCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/nixeval');
    expect(diskCacheDir({ HOME: '/h' })).toBe('/h/.cache/nixeval');
    expect(diskCacheDir({ NIXEVAL_CACHE: '0', NIXEVAL_CACHE_DIR: '/c' })).toBeUndefined();
    expect(diskCacheDir({})).toBeUndefined();
    mkdirSync(dir, { recursive: true });
  });
});
