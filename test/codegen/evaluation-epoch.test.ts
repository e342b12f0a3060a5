// A service's worker evaluates the same compiled files again and again: a chunk that ran in an
// earlier evaluation is translated at its next run, not after the threshold's count of runs
// more (codegen/runtime.ts, compiledCode). Within one evaluation the threshold holds as before.
// This file's module state is its own (jest loads modules per test file).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../src/eval.js';
import { defaultHotRuns } from '../../src/codegen/runtime.js';
import { lambdaChunks } from './lambda-chunks.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'nixeval-epoch-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(file: string): unknown {
  const r = evaluate({ file, strict: true, tier: 'compiled' });
  if (!r.ok) throw new Error(r.rendered);
  return r.value;
}

test('a chunk that ran in an earlier evaluation is translated at its next run', () => {
  expect(defaultHotRuns()).toBeGreaterThan(3);
  const file = join(dir, 'once.nix');
  // `inc` runs once an evaluation, `twice` twice: both under the threshold in one evaluation.
  writeFileSync(file, 'let inc = x: x + 1; twice = x: x * 2; in inc 1 + twice 2 + twice 3');
  expect(run(file)).toBe(12);
  const [inc] = lambdaChunks(file, 'inc');
  const [twice] = lambdaChunks(file, 'twice');
  expect(inc.runs).toBe(1);
  expect(twice.runs).toBe(2);
  expect(inc.compiled).toBeUndefined();
  expect(twice.compiled).toBeUndefined();
  expect(run(file)).toBe(12);
  expect(typeof inc.compiled).toBe('function');
  expect(typeof twice.compiled).toBe('function');
});

test('within one evaluation, a chunk is translated only at the threshold', () => {
  const file = join(dir, 'many.nix');
  // A few runs (a run handed from the VM to compiled code may be counted twice): under the threshold.
  const calls = Math.floor(defaultHotRuns() / 3);
  writeFileSync(file, `let step = x: x + 1; in builtins.foldl' (acc: _: step acc) 0 (builtins.genList (i: i) ${calls})`);
  expect(run(file)).toBe(calls);
  const [step] = lambdaChunks(file, 'step');
  expect(step.runs).toBeGreaterThanOrEqual(calls);
  expect(step.compiled).toBeUndefined();
});
