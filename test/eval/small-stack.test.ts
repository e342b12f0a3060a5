// Evaluation never recurses in JS as the Nix program or data grows: these run the CLI on a
// deliberately small JS stack (1 MB, where a recursive evaluator overflows within a few thousand levels) with workloads a recursive evaluator could not survive.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli.cjs');

function evalSmallStack(expr: string, ...flags: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [cli, 'instantiate', '--eval', ...flags, '-E', expr], { encoding: 'utf8', env: { ...process.env, NIXEVAL_STACK_MB: '1' }, maxBuffer: 1 << 26 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

test('a non-tail recursion a million deep', () => {
  const r = evalSmallStack('let f = x: if x == 0 then 0 else 1 + f (x - 1); in f 1000000');
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('1000000\n');
});

const deepList = 'let mk = n: if n == 0 then [] else [ (mk (n - 1)) ]; in';

test('building, comparing and deep-forcing a list nested 100,000 deep', () => {
  const r = evalSmallStack(`${deepList} builtins.deepSeq (mk 100000) (mk 100000 == mk 100000)`);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('true\n');
});

test('printing a list nested 100,000 deep', () => {
  const r = evalSmallStack(`${deepList} mk 100000`, '--strict');
  expect(r.status).toBe(0);
  expect(r.stdout).toBe('[ '.repeat(100000) + '[ ]' + ' ]'.repeat(100000) + '\n');
});

test('JSON of a set nested 100,000 deep', () => {
  const r = evalSmallStack('let mk = n: if n == 0 then 1 else { a = mk (n - 1); }; in mk 100000', '--strict', '--json');
  expect(r.status).toBe(0);
  expect(r.stdout).toBe('{"a":'.repeat(100000) + '1' + '}'.repeat(100000) + '\n');
});
