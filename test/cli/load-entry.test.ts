// The bundle of `nixeval instantiate` (scripts/bundle.ts, src/cli/load-entry.cts): used while it
// matches the compiled files it was built from, with or without its code cache, and not
// once one of them changed.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFiles, loadBundle } from '../../src/cli/load-entry.cjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the instantiate bundle', () => {
  let dist: string;
  let tmp: string;
  beforeAll(() => {
    // A bundle made as the build makes it, of a copy of the compiled files.
    tmp = mkdtempSync(join(tmpdir(), 'nixeval-bundle-'));
    dist = join(tmp, 'dist');
    cpSync(join(root, 'dist', 'src'), join(dist, 'src'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(tmp, 'node_modules'), 'dir');
    execFileSync(process.execPath, [join(root, 'dist', 'scripts', 'bundle.js'), dist], { cwd: tmp, stdio: 'pipe' });
  }, 60_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const evaluate = (entry: NonNullable<ReturnType<typeof loadBundle>>): string => {
    let out = '';
    const sink = { write: (c: Buffer | string) => { out += c.toString(); } };
    entry.instantiate(['--eval', '-E', '1 + 1'], { stdout: sink, stderr: sink, readStdin: () => '', env: { NIX_CONF_DIR: '/nonexistent', NIX_USER_CONF_FILES: '' } });
    return out;
  };

  test('a bundle built from the files as they are is loaded and runs', () => {
    const entry = loadBundle(dist);
    expect(entry).toBeDefined();
    expect(evaluate(entry!)).toBe('2\n');
  });

  test("V8 accepts the build's code cache under the command line's V8 flags", () => {
    // In a process of its own, as the command line: its flags set first, then the bundle
    // compiled with the cache (V8 refuses a cache made under other flags, silently).
    const loader = join(dist, 'src', 'cli', 'load-entry.cjs');
    const program = `
      const { bundleFiles, runCommonJs, setCommandLineV8Flags } = await import(${JSON.stringify(loader)});
      const { readFileSync } = await import('node:fs');
      setCommandLineV8Flags();
      const files = bundleFiles(${JSON.stringify(dist)});
      const { script } = runCommonJs(readFileSync(files.bundle, 'latin1'), files.bundle, readFileSync(files.cache));
      process.stdout.write(String(script.cachedDataRejected));
    `;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' })).toBe('false');
  });

  test("loading the bundle and evaluating loads none of Node's modules that cost a start-up dearly", () => {
    // node:worker_threads and perf_hooks (the global `performance`) cost about 4 ms of CPU each
    // to load; the bundle needs neither on the main thread (crossing.ts, lazy-performance.ts).
    const loader = join(dist, 'src', 'cli', 'load-entry.cjs');
    const program = `
      const { loadBundle } = require(${JSON.stringify(loader)});
      const before = new Set(process.moduleLoadList);
      const sink = { write: () => {} };
      const code = loadBundle(${JSON.stringify(dist)}).instantiate(['--eval', '--strict', '-E', 'builtins.match "a(b)" "ab"'],
        { stdout: sink, stderr: sink, readStdin: () => '', env: { NIX_CONF_DIR: '/nonexistent', NIX_USER_CONF_FILES: '' } });
      const loaded = process.moduleLoadList.filter((m) => !before.has(m));
      process.stdout.write(JSON.stringify({ code, loaded }));
    `;
    const { code, loaded } = JSON.parse(execFileSync(process.execPath, ['-e', program], { encoding: 'utf8' })) as { code: number; loaded: string[] };
    expect(code).toBe(0);
    expect(loaded).not.toContain('NativeModule worker_threads');
    expect(loaded).not.toContain('NativeModule perf_hooks');
  });

  test('a code cache V8 refuses only costs the parse', () => {
    writeFileSync(bundleFiles(dist).cache, 'not a code cache');
    const entry = loadBundle(dist);
    expect(entry).toBeDefined();
    expect(evaluate(entry!)).toBe('2\n');
  });

  test('a copy that kept whole seconds of the times only (an image layer) still uses the bundle', () => {
    const copy = join(tmp, 'seconds');
    cpSync(dist, copy, { recursive: true });
    for (const name of Object.keys(JSON.parse(readFileSync(bundleFiles(copy).inputs, 'utf8')) as Record<string, unknown>)) {
      const seconds = Math.floor(statSync(join(dist, name)).mtimeMs / 1000);
      utimesSync(join(copy, name), seconds, seconds);
    }
    expect(loadBundle(copy)).toBeDefined();
    // Another second is another build.
    const input = join(copy, 'src', 'eval.js');
    const t = statSync(input).mtimeMs / 1000;
    utimesSync(input, t + 1, t + 1);
    expect(loadBundle(copy)).toBeUndefined();
  });

  test('once an input changed (a rebuild), the bundle is not used', () => {
    const input = join(dist, 'src', 'eval.js');
    const t = statSync(input).mtime;
    utimesSync(input, t, new Date(t.getTime() + 5000));
    expect(loadBundle(dist)).toBeUndefined();
    rmSync(bundleFiles(dist).inputs);
    expect(loadBundle(dist)).toBeUndefined();
  });
});
