// Item 4 of issue 11: what a worker keeps between requests is bounded. Compiled regexes
// (failed ones too) and compiled files live as long as the worker, each cache within a byte
// budget, and the heap a worker keeps after a task is measured and brought back under its
// bound; so after a flood of large, different patterns and files, an evaluation still has its
// whole memory budget.

import { type ServerProcess, startServerProcess } from './server-process.js';

const MAX_MEMORY_MB = 128;

let s: ServerProcess;
beforeAll(async () => {
  s = await startServerProcess({ NIXEVAL_MAX_MEMORY_MB: String(MAX_MEMORY_MB), NIXEVAL_TIMEOUT_MS: '20000' });
});
afterAll(async () => {
  await s.stop();
});

/** An evaluation that holds about half its memory budget (live, until it ends). */
const HALF_BUDGET = `builtins.length (builtins.genList (x: x) ${Math.floor((MAX_MEMORY_MB / 2) * 1024 * 1024 / 136)})`;

test('before: an evaluation may use half its budget', async () => {
  for (let i = 0; i < 2; i++) expect((await s.post('/v1/eval', { expr: HALF_BUDGET })).status).toBe(200);
});

test('250 large, different regex patterns (and 50 that fail) leave the workers their memory', async () => {
  const requests = [];
  for (let i = 0; i < 250; i++) requests.push({ expr: `builtins.match "(a|b|c|d${i}){1000}x" "abc"` });
  // Past libstdc++'s state limit: an error, which is cached too.
  for (let i = 0; i < 50; i++) requests.push({ expr: `builtins.match "(a|b|e${i}){40000}" "abc"` });
  for (let at = 0; at < requests.length; at += 50) {
    const r = await s.post('/v1/eval/batch', { requests: requests.slice(at, at + 50) });
    expect(r.status).toBe(200);
  }
  // Both workers, each with its share of the patterns.
  const after = await Promise.all([s.post('/v1/eval', { expr: HALF_BUDGET }), s.post('/v1/eval', { expr: HALF_BUDGET })]);
  for (const r of after) expect(r.status).toBe(200);
});

test('many large, different files (the compile cache) leave the workers their memory', async () => {
  const big = Array.from({ length: 10000 }, (_, i) => `a${i} = ${i};`).join(' ');
  for (let i = 0; i < 20; i++) {
    const r = await s.post('/v1/eval', { file: 'f.nix', files: { 'f.nix': `{ n${i} = ${i}; ${big} }.a1` } });
    expect(r.body.value).toBe(1);
  }
  const after = await Promise.all([s.post('/v1/eval', { expr: HALF_BUDGET }), s.post('/v1/eval', { expr: HALF_BUDGET })]);
  for (const r of after) expect(r.status).toBe(200);
});

test('no worker was lost, and the process stayed within its memory', async () => {
  expect(await s.metric('nixeval_pool_workers_replaced_total')).toBe(0);
  expect(await s.metric('nixeval_evaluation_errors_total{kind="memory-limit"}')).toBeUndefined();
  expect(s.peakRssMb()).toBeLessThan(1536);
});
