// Item 1 of issue 11: no single request takes the process down. Every builtin and operation
// whose result grows with its input asks the evaluation's memory budget before allocating
// (src/limits), so each of these small requests, which once asked V8 for gigabytes in one go
// (and V8 aborts the whole process then), ends with `memory-limit`; the engine's own limits
// (the longest string, list, set) are clean errors too. After every one the server answers the
// next request, no worker has been lost, and the process stayed within its memory.

import { DOUBLE, type ServerProcess, startServerProcess } from './server-process.js';

const MAX_MEMORY_MB = 64;

let s: ServerProcess;
beforeAll(async () => {
  s = await startServerProcess({ NIXEVAL_MAX_MEMORY_MB: String(MAX_MEMORY_MB), NIXEVAL_TIMEOUT_MS: '20000' });
});
afterAll(async () => {
  await s.stop();
});

const big = 'builtins.genList (x: x) 1000000';
/** `s`, a string of 1 MiB, shared by every element that uses it. */
const withString = (body: string): string => `let s = ${DOUBLE} d "abcdefgh" 17; in ${body}`;

/** Requests that would each allocate far more than the budget, by the builtin or operation that does it. */
const bombs: Record<string, string> = {
  '++ (the issue\'s example)': `let l = ${big}; l2 = l ++ l; l4 = l2 ++ l2; l8 = l4 ++ l4; l16 = l8 ++ l8; l32 = l16 ++ l16; l64 = l32 ++ l32; l128 = l64 ++ l64; in builtins.length l128`,
  'genList of 2^25': 'builtins.length (builtins.genList (x: x) 33554432)',
  'genList past the longest list': 'builtins.length (builtins.genList (x: x) 1000000000)',
  map: `let l = ${big}; in builtins.length (builtins.map (x: x) (l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l))`,
  concatLists: `let l = ${big}; in builtins.length (builtins.concatLists (builtins.genList (i: l) 64))`,
  concatMap: `let l = ${big}; in builtins.length (builtins.concatMap (i: l) (builtins.genList (i: i) 64))`,
  'string +': `builtins.stringLength (${DOUBLE} d "x" 30)`,
  'string interpolation': 'let d = s: n: if n == 0 then s else d "${s}${s}" (n - 1); in builtins.stringLength (d "x" 30)',
  replaceStrings: withString('builtins.stringLength (builtins.replaceStrings [ "" ] [ s ] s)'),
  concatStringsSep: withString('builtins.stringLength (builtins.concatStringsSep "," (builtins.genList (i: s) 2000))'),
  toJSON: withString('builtins.stringLength (builtins.toJSON (builtins.genList (i: s) 150))'),
  toXML: withString('builtins.stringLength (builtins.toXML (builtins.genList (i: s) 150))'),
  // Escaping made a string per character to escape, unasked (the worker's heap limit ended it).
  'toXML of a string to escape': `builtins.stringLength (builtins.toXML (${DOUBLE} d "<" 24))`,
  'toString of a list': withString('builtins.stringLength (toString (builtins.genList (i: s) 2000))'),
  listToAttrs: 'builtins.length (builtins.attrNames (builtins.listToAttrs (builtins.genList (x: { name = toString x; value = x; }) 20000000)))',
  '// and attrValues': `let s = builtins.listToAttrs (builtins.genList (x: { name = toString x; value = x; }) 2000000); in builtins.length (builtins.attrValues (s // s // { a = 1; }))`,
  split: withString('builtins.length (builtins.split "" s)'),
  // It asked nothing: with a larger heap, `"a." * 2^27` grew its array until V8 aborted the
  // whole server ("Fatal JavaScript invalid size error").
  splitVersion: `builtins.length (builtins.splitVersion (${DOUBLE} d "a." 24))`,
  genericClosure: 'builtins.length (builtins.genericClosure { startSet = [ { key = 0; } ]; operator = x: [ { key = x.key + 1; } ]; })',
  fromJSON: `builtins.length (builtins.fromJSON "[${'$'}{builtins.replaceStrings [ "a" ] [ "[]," ] (${DOUBLE} d "a" 24)}[]]")`,
  fromTOML: `builtins.length (builtins.fromTOML "a = [${'$'}{builtins.replaceStrings [ "a" ] [ "[1]," ] (${DOUBLE} d "a" 23)}[1]]").a`,
  sort: `let l = ${big}; in builtins.length (builtins.sort (a: b: a < b) (l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l ++ l))`,
  deepSeq: `let l = builtins.genList (i: builtins.genList (j: [ j ]) 1000) 100000; in builtins.deepSeq l 1`,
  'printing the result': 'builtins.genList (i: builtins.genList (j: j) 1000) 10000',
};

describe('a request that would allocate past its budget ends with memory-limit, and the server goes on', () => {
  for (const [name, expr] of Object.entries(bombs)) {
    test(name, async () => {
      const r = await s.post('/v1/eval', { expr, limits: { maxOutputBytes: 1 << 20 } });
      expect(s.alive()).toBe(true);
      expect(r.status).toBe(422);
      // Printing a big result may also stop at the output limit.
      expect(name === 'printing the result' ? ['memory-limit', 'output-limit'] : ['memory-limit']).toContain(r.body.error.kind);
      expect(r.bytes).toBeLessThan((1 << 20) + 64 * 1024);
      const next = await s.post('/v1/eval', { expr: '1 + 1' });
      expect(next.body.value).toBe(2);
    });
  }
});

test('a string or list past what V8 can hold is memory-limit with what was asked for, not a crash', async () => {
  const str = await s.post('/v1/eval', { expr: `builtins.stringLength (${DOUBLE} d "x" 30)` });
  expect(str.body.error.kind).toBe('memory-limit');
  const list = await s.post('/v1/eval', { expr: 'builtins.length (builtins.genList (x: x) 1000000000)' });
  expect(list.body.error.message).toMatch(/a list of 1000000000 elements is larger than nixeval can hold/);
});

test('memory-limit is not catchable by tryEval', async () => {
  const r = await s.post('/v1/eval', { expr: '(builtins.tryEval (builtins.length (builtins.genList (x: x) 33554432))).success' });
  expect(r.body.error.kind).toBe('memory-limit');
});

test('after all of them: no worker was lost, and the process stayed within its memory', async () => {
  expect(await s.metric('nixeval_pool_workers_replaced_total')).toBe(0);
  // Two workers, each with its budget, what it keeps between tasks and a margin, and the main thread.
  expect(s.peakRssMb()).toBeLessThan(1536);
  expect(s.stderr()).not.toMatch(/Fatal|heap out of memory|Aborted/);
});
