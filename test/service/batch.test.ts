// POST /v1/eval/batch: many evaluations, one result each, in order.

import { LOOP, startServer, type TestServer } from './helpers.js';

let s: TestServer;

beforeAll(async () => {
  s = await startServer({ timeoutMs: 500, batchMax: 5, maxOutputBytes: 1000 });
});

afterAll(async () => {
  await s.app.close();
});

test('one result per request, each with the status it would have had', async () => {
  const res = await s.post('/v1/eval/batch', {
    requests: [
      { expr: '1 + 1' },
      { expr: 'throw "x"' },
      { expr: LOOP },
      { expr: '1', file: 'both.nix' },
      { file: 'a.nix', files: { 'a.nix': '{ who }: "hi ${who}"' }, argstrs: { who: 'you' } },
    ],
  });
  expect(res.status).toBe(200);
  const r = res.body.results;
  expect(r).toHaveLength(5);
  expect(r[0]).toMatchObject({ status: 200, value: 2 });
  expect(r[1]).toMatchObject({ status: 422, error: { kind: 'throw', message: 'x' } });
  expect(r[2]).toMatchObject({ status: 422, error: { kind: 'timeout' } });
  expect(r[3]).toMatchObject({ status: 400, error: { kind: 'bad-request' } });
  expect(r[4]).toMatchObject({ status: 200, value: 'hi you' });
});

test('a batch over the maximum, an empty one, or a malformed one is 400', async () => {
  const many = await s.post('/v1/eval/batch', { requests: Array.from({ length: 6 }, () => ({ expr: '1' })) });
  expect(many.status).toBe(400);
  expect(many.body.error.message).toMatch(/at most 5/);
  expect((await s.post('/v1/eval/batch', { requests: [] })).status).toBe(400);
  expect((await s.post('/v1/eval/batch', { requests: [{ expr: 1 }] })).status).toBe(400);
  expect((await s.post('/v1/eval/batch', [{ expr: '1' }])).status).toBe(400);
});

test('the items of a batch share the output limit', async () => {
  const big = 'builtins.genList (x: 1000 + x) 60'; // 300 bytes of JSON
  const alone = await s.post('/v1/eval', { expr: big });
  expect(alone.status).toBe(200);
  const res = await s.post('/v1/eval/batch', { requests: [{ expr: big }, { expr: '1' }, { expr: '2' }, { expr: '3' }, { expr: '4' }] });
  expect(res.body.results[0]).toMatchObject({ status: 422, error: { kind: 'output-limit' } });
  expect(res.body.results[4]).toMatchObject({ status: 200, value: 4 });
});
