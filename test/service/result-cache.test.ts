// The result cache of pure evaluations (routes/result-cache.ts) and ETags: a cached answer is
// the uncached one (but its stats), what depends on the clock or the server's files is never
// served from the cache, nor is an answer a limit cut short; a matching If-None-Match is 304;
// `Cache-Control: no-cache` evaluates again; the cache stays within its byte budget.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOP, startServer, type TestServer } from './helpers.js';

let s: TestServer;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nixeval-result-cache-'));
  s = await startServer({ workers: 1, allowedRoots: [root] });
});

afterAll(async () => {
  await s.app.close();
  rmSync(root, { recursive: true, force: true });
});

/** The answer's JSON text but its `stats`. */
const withoutStats = (text: string): string => {
  const { stats: _stats, ...rest } = JSON.parse(text);
  return JSON.stringify(rest);
};

async function metric(name: string): Promise<number> {
  const text = (await s.http().get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

test('the second answer to a pure request comes from the cache: the same text but its stats, the same ETag', async () => {
  const body = { expr: '{ a = builtins.genList (i: i * i) 5; b = builtins.trace "t" "x"; }' };
  const first = await s.post('/v1/eval', body);
  const second = await s.post('/v1/eval', body);
  expect(first.status).toBe(200);
  expect(first.body.stats.cached).toBeUndefined();
  expect(second.body.stats.cached).toBe(true);
  expect(withoutStats(second.text)).toBe(withoutStats(first.text));
  expect(second.headers.etag).toBe(first.headers.etag);
  expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  // The same request written otherwise (its arguments in another order) is the same entry.
  const a = await s.post('/v1/eval', { expr: '{ x, y }: x + y', args: { x: '1', y: '2' } });
  const b = await s.post('/v1/eval', { expr: '{ x, y }: x + y', args: { y: '2', x: '1' } });
  expect(a.body.value).toBe(3);
  expect(b.body.stats.cached).toBe(true);
});

test('a batch\'s items are looked up and kept one by one', async () => {
  const batch = { requests: [{ expr: '"item"' }, { expr: 'throw "item"' }, { expr: 'builtins.currentTime' }] };
  const first = await s.post('/v1/eval/batch', batch);
  const second = await s.post('/v1/eval/batch', batch);
  expect(first.body.results.map((r: any) => r.stats.cached)).toEqual([undefined, undefined, undefined]);
  expect(second.body.results.map((r: any) => r.stats.cached)).toEqual([true, true, undefined]);
  expect(second.body.results.map((r: any) => r.status)).toEqual([200, 422, 200]);
  expect(second.body.results[0].value).toBe('item');
});

test('evaluation errors are cached like values, with status 422', async () => {
  const first = await s.post('/v1/eval', { expr: 'throw "no"' });
  const second = await s.post('/v1/eval', { expr: 'throw "no"' });
  expect([first.status, second.status]).toEqual([422, 422]);
  expect(second.body.stats.cached).toBe(true);
  expect(withoutStats(second.text)).toBe(withoutStats(first.text));
});

test('what changes the answer is in the key: posted files, strictness, the output limit', async () => {
  const one = await s.post('/v1/eval', { file: 'a.nix', files: { 'a.nix': '1' } });
  const two = await s.post('/v1/eval', { file: 'a.nix', files: { 'a.nix': '2' } });
  expect([one.body.value, two.body.value]).toEqual([1, 2]);
  expect(two.body.stats.cached).toBeUndefined();
  expect((await s.post('/v1/eval', { file: 'a.nix', files: { 'a.nix': '2' } })).body.stats.cached).toBe(true);
  const lazy = await s.post('/v1/eval', { expr: '{ a = 1; }', strict: false });
  expect(lazy.body.stats.cached).toBeUndefined();
  const cut = await s.post('/v1/eval', { expr: 'builtins.trace "a long trace message" 1', limits: { maxOutputBytes: 5 } });
  expect(cut.body.stats.cached).toBeUndefined();
});

test('a file of the server\'s is read again each time: the answer follows the file', async () => {
  writeFileSync(join(root, 'x.nix'), '{ v = 1; }');
  const before = await s.post('/v1/eval', { file: 'x.nix' });
  writeFileSync(join(root, 'x.nix'), '{ v = 2; }');
  const after = await s.post('/v1/eval', { file: 'x.nix' });
  expect([before.body.value, after.body.value]).toEqual([{ v: 1 }, { v: 2 }]);
  expect(after.body.stats.cached).toBeUndefined();
  // An expression that only looks at a path of the server's is not cached either.
  await s.post('/v1/eval', { expr: 'builtins.pathExists ./x.nix' });
  expect((await s.post('/v1/eval', { expr: 'builtins.pathExists ./x.nix' })).body.stats.cached).toBeUndefined();
});

/** A jobset's NDJSON lines (the attributes' in attribute order), each as text without its stats, and their stats. */
async function jobsetLines(body: unknown, headers: Record<string, string> = {}): Promise<{ texts: string[]; stats: any[] }> {
  const r = await s.http().post('/v1/jobsets').set(headers).send(body as object);
  expect(r.status).toBe(200);
  const lines = r.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  lines.sort((a, b) => (a.attr < b.attr ? -1 : a.attr > b.attr ? 1 : 0));
  return { texts: lines.map((l) => withoutStats(JSON.stringify(l))), stats: lines.map((l) => l.stats) };
}

const DRV = 'd = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };';

test('a jobset\'s attributes are kept one by one: the same lines again, from the cache, but what a limit cut short', async () => {
  const body = {
    expr: `let ${DRV} in { a = d "a"; b = d "b"; bad = throw "no"; slow = ${LOOP}; }`,
    limits: { timeoutMs: 300 },
  };
  const first = await jobsetLines(body);
  const hits = await metric('nixeval_result_cache_lookups_total{result="hit"}');
  const second = await jobsetLines(body);
  expect(first.texts.map((t) => JSON.parse(t).attr)).toEqual(['a', 'b', 'bad', 'slow']);
  expect(JSON.parse(first.texts[3]).error.kind).toBe('timeout');
  // Byte for byte the same lines, but their stats.
  expect(second.texts).toEqual(first.texts);
  expect(first.stats.map((x) => x.cached)).toEqual([undefined, undefined, undefined, undefined]);
  expect(second.stats.map((x) => x.cached)).toEqual([true, true, true, undefined]);
  // The root's names and the three attributes.
  expect(await metric('nixeval_result_cache_lookups_total{result="hit"}')).toBe(hits + 4);
  // Cache-Control: no-cache evaluates them again.
  const fresh = await jobsetLines(body, { 'cache-control': 'no-cache' });
  expect(fresh.texts).toEqual(first.texts);
  expect(fresh.stats.map((x) => x.cached)).toEqual([undefined, undefined, undefined, undefined]);
});

test('a jobset that looks at the clock is not kept, from the attribute that looked on', async () => {
  const body = { expr: `let ${DRV} in { a = d "a"; b = d "b\${toString builtins.currentTime}"; c = d "c"; }` };
  await jobsetLines(body);
  const second = await jobsetLines(body);
  // The attributes are evaluated in order on one worker: \`a\` before the clock was read.
  expect(second.stats.map((x) => x.cached)).toEqual([true, undefined, undefined]);
});

test('builtins.currentTime is never cached', async () => {
  await s.post('/v1/eval', { expr: 'builtins.currentTime' });
  const again = await s.post('/v1/eval', { expr: 'builtins.currentTime' });
  expect(again.status).toBe(200);
  expect(again.body.stats.cached).toBeUndefined();
});

test('an answer a limit cut short is not cached', async () => {
  const body = { expr: LOOP, limits: { timeoutMs: 200 } };
  expect((await s.post('/v1/eval', body)).body.error.kind).toBe('timeout');
  const again = await s.post('/v1/eval', body);
  expect(again.body.error.kind).toBe('timeout');
  expect(again.body.stats.cached).toBeUndefined();
  const big = { expr: 'builtins.genList (i: i) 1000', limits: { maxOutputBytes: 100 } };
  expect((await s.post('/v1/eval', big)).body.error.kind).toBe('output-limit');
  expect((await s.post('/v1/eval', big)).body.stats.cached).toBeUndefined();
});

test('If-None-Match with the answer\'s tag is 304 without a body; Cache-Control: no-cache evaluates again', async () => {
  const body = { expr: '"etag me"' };
  const first = await s.post('/v1/eval', body);
  const hitsBefore = await metric('nixeval_result_cache_lookups_total{result="hit"}');
  const notModified = await s.http().post('/v1/eval').set('if-none-match', first.headers.etag).send(body);
  expect(notModified.status).toBe(304);
  expect(notModified.text).toBe('');
  expect(notModified.headers.etag).toBe(first.headers.etag);
  expect(await metric('nixeval_result_cache_lookups_total{result="hit"}')).toBe(hitsBefore + 1);
  const other = await s.http().post('/v1/eval').set('if-none-match', '"something-else"').send(body);
  expect(other.status).toBe(200);
  const fresh = await s.http().post('/v1/eval').set('cache-control', 'no-cache').send(body);
  expect(fresh.status).toBe(200);
  expect(fresh.body.stats.cached).toBeUndefined();
  expect(fresh.headers.etag).toBe(first.headers.etag);
});

test('a flood of distinct requests keeps the cache within its byte budget', async () => {
  const small = await startServer({ workers: 1, resultCacheBytes: 20_000 });
  try {
    const text = (n: number) => `"${String(n).padStart(6, '0')}${'y'.repeat(300)}"`;
    for (let i = 0; i < 150; i++) expect((await small.post('/v1/eval', { expr: text(i) })).status).toBe(200);
    const metrics = (await small.http().get('/metrics')).text;
    const value = (name: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${name} `))!.split(' ')[1]);
    expect(value('nixeval_result_cache_bytes')).toBeLessThanOrEqual(20_000);
    expect(value('nixeval_result_cache_bytes')).toBeGreaterThan(10_000);
    expect(value('nixeval_result_cache_evictions_total')).toBeGreaterThan(50);
    // The latest are held, the first were let go.
    expect((await small.post('/v1/eval', { expr: text(149) })).body.stats.cached).toBe(true);
    expect((await small.post('/v1/eval', { expr: text(0) })).body.stats.cached).toBeUndefined();
  } finally {
    await small.app.close();
  }
});

test('with a budget of 0 there is no cache, and answers still carry their ETag', async () => {
  const none = await startServer({ workers: 1, resultCacheBytes: 0 });
  try {
    await none.post('/v1/eval', { expr: '1' });
    const again = await none.post('/v1/eval', { expr: '1' });
    expect(again.body.stats.cached).toBeUndefined();
    expect(again.headers.etag).toMatch(/^"/);
  } finally {
    await none.app.close();
  }
});
