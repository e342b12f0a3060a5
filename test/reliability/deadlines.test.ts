// Items 7 and 9 of issue 11: `args` resolve exactly as `expr` does; and every long computation
// stops at its own deadline by itself (the worker is never killed for it): parsing is linear,
// printing, JSON, equality, deep forcing and builtin loops look at the deadline as they go.

import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOUBLE, LOOP, type ServerProcess, startServerProcess } from './server-process.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-reliability-')));
writeFileSync(join(root, 'x.nix'), '"from x.nix"');

let s: ServerProcess;
beforeAll(async () => {
  s = await startServerProcess({ NIXEVAL_ALLOWED_ROOTS: root, NIXEVAL_TIMEOUT_MS: '10000', NIXEVAL_BODY_LIMIT: String(4 << 20) });
});
afterAll(async () => {
  await s.stop();
});

describe('args resolve as expr does', () => {
  test('with posted files, a relative path in an argument is under /', async () => {
    const files = { 'x.nix': '"posted x.nix"' };
    expect((await s.post('/v1/eval', { expr: '{ a }: toString a', args: { a: './.' }, files })).body.value).toBe('/');
    expect((await s.post('/v1/eval', { expr: '{ a }: a', args: { a: 'import ./x.nix' }, files })).body.value).toBe('posted x.nix');
    expect((await s.post('/v1/eval', { expr: 'toString ./.', files })).body.value).toBe('/');
  });

  test('with the allowed roots, a relative path in an argument is under the first root', async () => {
    expect((await s.post('/v1/eval', { expr: '{ a }: toString a', args: { a: './.' } })).body.value).toBe(root);
    expect((await s.post('/v1/eval', { expr: '{ a }: a', args: { a: 'import ./x.nix' } })).body.value).toBe('from x.nix');
    // Never the server's own working directory.
    expect((await s.post('/v1/eval', { expr: '{ a }: toString a', args: { a: './.' } })).body.value).not.toBe(process.cwd());
  });
});

describe('parsing large inputs ends well before the deadline (it was quadratic, or ran until the worker was killed)', () => {
  const inputs: Record<string, string> = {
    '{}.a.a.a… with 20,000 parts': `{}${'.a'.repeat(20_000)}`,
    '60,000 minus signs': `${'-'.repeat(60_000)}1`,
    '1+1+… with 100,000 terms': Array.from({ length: 100_000 }, () => '1').join('+'),
    'an attribute path of 20,000 parts': `{ ${'a.'.repeat(20_000)}b = 1; }`,
    'a list of 200,000 selections': `[${' a.b'.repeat(200_000)} ]`,
    // Each lambda's compilation walked every scope around it: 20,000 took 3.8 s, 100,000 ran
    // past the deadline until the worker was replaced.
    'x: x: … 100,000 lambdas deep': `${'x: '.repeat(100_000)}1`,
    'x: let y = 1; in x: let … 10,000 deep': `${'x: let y = 1; in '.repeat(10_000)}y`,
  };
  for (const [name, expr] of Object.entries(inputs)) {
    test(name, async () => {
      const r = await s.post('/v1/eval', { expr, limits: { timeoutMs: 10_000 } });
      // An evaluation or parse error, or a value: anything but the deadline.
      expect(r.status).not.toBe(500);
      if (r.status !== 200) expect(r.body.error.kind).not.toBe('timeout');
      expect(r.ms).toBeLessThan(5000);
    });
  }
});

test('fromJSON of a long string takes a moment, well within the deadline', async () => {
  // The JSON lexer added a string's bytes one at a time, each a V8 cons string and an array
  // element, without asking the memory budget or looking at the deadline: 16 MiB took 6 s (at
  // a load of 3) and a gigabyte of heap, and 32 MiB aborted the command line. Now 0.3 s.
  for (const [c, n] of [['é', 23], ['a', 24]] as const) {
    const r = await s.post('/v1/eval', {
      expr: `builtins.stringLength (builtins.fromJSON "\\"${'$'}{${DOUBLE} d "${c}" ${n}}\\"")`,
      limits: { timeoutMs: 3000 },
    });
    expect(r.body.value).toBe(16 << 20);
  }
});

describe('long computations stop at their deadline by themselves', () => {
  const loops: Record<string, { expr: string; strict?: boolean }> = {
    'comparing two long lists': { expr: 'let l = builtins.genList (x: x) 3000000; m = builtins.genList (x: x) 3000000; in builtins.deepSeq [ l m ] (l == m)' },
    'deepSeq of a long list': { expr: 'builtins.deepSeq (builtins.genList (x: [ x ]) 3000000) 1' },
    'toJSON of a long list': { expr: 'builtins.stringLength (builtins.toJSON (builtins.genList (x: x) 3000000))' },
    'elem over a long list': { expr: 'let l = builtins.genList (x: x) 3000000; in builtins.deepSeq l (builtins.elem (-1) l)' },
    'replaceStrings over a long string': { expr: `builtins.stringLength (builtins.replaceStrings [ "b" ] [ "c" ] (${DOUBLE} d "ab" 24))` },
    'a regex over a long string': { expr: `builtins.length (builtins.split "(a)(b)" (${DOUBLE} d "ab" 22))` },
    // These two looked at the deadline only on a match, or never.
    'replaceStrings of several patterns, none found, over a long string': {
      expr: `builtins.stringLength (builtins.replaceStrings [ "b" "c" "d" "e" "f" ] [ "x" "x" "x" "x" "x" ] (${DOUBLE} d "a" 27))`,
    },
    'compareVersions of long strings': { expr: `let s = ${DOUBLE} d "a" 27; in builtins.compareVersions s (s + "b")` },
    'splitVersion of a long string': { expr: `builtins.length (builtins.splitVersion (${DOUBLE} d "a.1" 24))` },
    // Past what V8's own engine takes, a group repeated over a long string went to nixeval's
    // matcher, whose stack grew without asking the budget and whose descent never looked at
    // the deadline (16 MiB: 13 s and 2.7 GB).
    'a regex repeating a group over a long string': { expr: `builtins.match "(a)*" (${DOUBLE} d "a" 24)` },
    'an endless loop': { expr: LOOP },
  };
  for (const [name, { expr, strict }] of Object.entries(loops)) {
    test(name, async () => {
      const r = await s.post('/v1/eval', { expr, strict, limits: { timeoutMs: 300, maxOutputBytes: 1 << 24 } });
      expect(r.status).toBe(422);
      // A limit, whichever comes first; a timeout within the deadline and a little.
      expect(['timeout', 'output-limit', 'memory-limit']).toContain(r.body.error.kind);
      expect(r.ms).toBeLessThan(300 + 700);
    });
  }

  test('printing a cyclic value without --strict ends at max-call-depth, as nix-instantiate --json', async () => {
    const r = await s.post('/v1/eval', { expr: 'let x = { a = x; }; in x', strict: false, limits: { timeoutMs: 300, maxOutputBytes: 1 << 24 } });
    expect(r.status).toBe(422);
    expect(r.body.error.kind).toBe('eval');
    expect(r.body.error.message).toBe('stack overflow; max-call-depth exceeded');
    expect(r.ms).toBeLessThan(300 + 700);
  });

  test('the workers were never stopped from outside', async () => {
    expect(await s.metric('nixeval_pool_workers_replaced_total')).toBe(0);
  });
});
