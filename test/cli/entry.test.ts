// The command line's entries: dist/src/cli.cjs (the package's bin, a CommonJS module so that
// Node starts it without its ES module loader) and dist/src/cli.js, the name it had before,
// which runs it. Both run every command, including those that are ES modules.

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = (entry: string, args: string[]): string =>
  execFileSync(process.execPath, [join(root, entry), ...args], { encoding: 'utf8', env: { ...process.env, NIX_CONF_DIR: '/nonexistent', NIX_USER_CONF_FILES: '' } });

test("the package's bin is the CommonJS entry", () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  expect(pkg.bin.nixeval).toBe('dist/src/cli.cjs');
});

test.each(['dist/src/cli.cjs', 'dist/src/cli.js'])('%s runs instantiate and the ES module commands', (entry) => {
  expect(run(entry, ['instantiate', '--eval', '--strict', '--json', '-E', '{ a = 1 + 1; }'])).toBe('{"a":2}\n');
  // eval-jobs is an ES module imported when run; its --help is printed without evaluating.
  expect(run(entry, ['eval-jobs', '--help'])).toMatch(/^usage: nixeval eval-jobs/);
  expect(run(entry, ['--version'])).toMatch(/^nixeval \d+\.\d+\.\d+\n$/);
});

// V8 aborts the whole process when its heap is full; the evaluation's memory budget must stop
// first with an error. Unbounded recursion and an unbounded structure printed with --strict
// fill the heap with frames and values that no builtin reserves; a small heap keeps it quick.
test.each([
  ['a non-tail recursion without end', 'let f = n: 1 + f (n + 1); in f 0'],
  ['an endless nesting of sets forced by --strict', 'let f = n: { a = f (n + 1); }; in f 1'],
])('%s ends with a memory error, not an abort of the process', (_what, expr) => {
  const r = spawnSync(process.execPath, ['--max-old-space-size=192', join(root, 'dist/src/cli.cjs'), 'instantiate', '--eval', '--strict', '-E', expr],
    { encoding: 'utf8', env: { ...process.env, NIX_CONF_DIR: '/nonexistent', NIX_USER_CONF_FILES: '' } });
  expect(r.signal).toBeNull();
  expect(r.stderr).not.toMatch(/FATAL ERROR/);
  expect(r.stderr).toMatch(/^ *error: evaluation used more than the memory the JS heap allows \(\d+ MiB\)$/m);
  expect(r.status).toBe(1);
}, 120_000);

// Deep recursions that compiled code meets one after another early in a run make it run again
// in the worker thread, whose stack lets them run compiled (src/cli/instantiate-main.ts): what
// the first run printed is not printed twice, and the result and errors are the same.
test('deep recursions met early move to the worker without printing twice', () => {
  const env = { ...process.env, NIX_CONF_DIR: '/nonexistent', NIX_USER_CONF_FILES: '' };
  const recursions = (bottom: string): string =>
    `let f = n: if n == 0 then ${bottom} else 1 + f (n - 1); in builtins.trace "before" (f 20000 + f 20001 + f 20002 + f 20003 + f 20004 + f 20005)`;
  const ok = spawnSync(process.execPath, [join(root, 'dist/src/cli.cjs'), 'instantiate', '--eval', '-E', recursions('0')], { encoding: 'utf8', env });
  expect(ok).toMatchObject({ status: 0, stdout: '120015\n', stderr: 'trace: before\n' });
  const failed = spawnSync(process.execPath, [join(root, 'dist/src/cli.cjs'), 'instantiate', '--eval', '-E', recursions('throw "bottom"')], { encoding: 'utf8', env });
  expect(failed).toMatchObject({ status: 1, stdout: '' });
  expect(failed.stderr.split('trace: before').length).toBe(2);
  expect(failed.stderr).toMatch(/^trace: before\nerror:\n[^]*in an operand of '\+'[^]*\n {7}error: bottom\n$/);
}, 60_000);
