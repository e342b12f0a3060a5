// POST /v1/eval: values, evaluation errors, malformed requests, files and the sandbox, limits.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOP, startServer, type TestServer } from './helpers.js';

let s: TestServer;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nixeval-service-'));
  mkdirSync(join(root, 'lib'));
  writeFileSync(join(root, 'default.nix'), '{ x ? 1 }: { inherit x; lib = import ./lib; }\n');
  writeFileSync(join(root, 'lib', 'default.nix'), '{ answer = 42; }\n');
  writeFileSync(join(root, 'broken.nix'), 'let\n  a = 1;\nin\n  a + b\n');
  symlinkSync('/etc/passwd', join(root, 'escape'));
  s = await startServer({ allowedRoots: [root], timeoutMs: 1000, maxOutputBytes: 4096, bodyLimit: 64 * 1024 });
});

afterAll(async () => {
  await s.app.close();
  rmSync(root, { recursive: true, force: true });
});

describe('values', () => {
  test('an expression gives its JSON value, warnings, traces and stats', async () => {
    const res = await s.post('/v1/eval', { expr: 'builtins.trace "hello" { a = 1 + 2; b = [ "x" 2.5 null true ]; s = "héllo ✓"; }' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.value).toEqual({ a: 3, b: ['x', 2.5, null, true], s: 'héllo ✓' });
    expect(res.body.traces).toEqual(['hello']);
    expect(res.body.warnings).toEqual([]);
    expect(res.body.stats.durationMs).toBeGreaterThan(0);
    expect(typeof res.body.stats.evalMs).toBe('number');
  });

  test('64-bit integers are printed exactly as nix-instantiate --json does', async () => {
    const res = await s.post('/v1/eval', { expr: '{ big = 9223372036854775807; neg = -9223372036854775807 - 1; }' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('"value":{"big":9223372036854775807,"neg":-9223372036854775808}');
  });

  test('attrPath, args and argstrs', async () => {
    const res = await s.post('/v1/eval', {
      expr: '{ a, b, ... }: { x = { y = a + 1; z = b; }; }', attrPath: 'x', args: { a: '41' }, argstrs: { b: 'str' },
    });
    expect(res.status).toBe(200);
    expect(res.body.value).toEqual({ y: 42, z: 'str' });
  });

  test('strict: false leaves what JSON output does not need', async () => {
    const res = await s.post('/v1/eval', { expr: '[ 1 2 ]', strict: false });
    expect(res.status).toBe(200);
    expect(res.body.value).toEqual([1, 2]);
  });

  test('the request id is echoed, or one is made', async () => {
    const given = await s.http().post('/v1/eval').set('x-request-id', 'my-id.1').send({ expr: '1' });
    expect(given.headers['x-request-id']).toBe('my-id.1');
    const made = await s.post('/v1/eval', { expr: '1' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('evaluation errors are 422 with kind, message, position and trace', () => {
  test('a cyclic value ends at max-call-depth, as nix-instantiate --json, strict or not', async () => {
    for (const strict of [true, false]) {
      // (With the default depth of 10000 this server's output limit of 4096 bytes comes first.)
      const res = await s.post('/v1/eval', { expr: 'let x = { inherit x; }; in x', strict, limits: { maxCallDepth: 100 } });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toBe('stack overflow; max-call-depth exceeded');
      expect(res.body.error.position).toEqual({ file: '«string»', line: 1, column: 19 });
    }
  });

  test('throw', async () => {
    const res = await s.post('/v1/eval', { expr: 'let f = x: throw "no ${x}"; in f "way"' });
    expect(res.status).toBe(422);
    expect(res.body.error.kind).toBe('throw');
    expect(res.body.error.message).toBe('no way');
    expect(res.body.error.rendered).toContain('error: no way');
    expect(res.body.error.trace.length).toBeGreaterThan(0);
    expect(res.body.error.trace[0].position).toEqual({ file: '«string»', line: 1, column: expect.any(Number) });
  });

  test('parse error with its position', async () => {
    const res = await s.post('/v1/eval', { expr: '{ a = 1;\n  b = ; }' });
    expect(res.status).toBe(422);
    expect(res.body.error.kind).toBe('parse');
    expect(res.body.error.position).toEqual({ file: '«string»', line: 2, column: 7 });
  });

  test.each([
    ['assert', 'assert 1 == 2; 3'],
    ['abort', 'abort "stop"'],
    ['undefined-variable', 'x + 1'],
    ['type', '1 + "a"'],
    ['infinite-recursion', 'let x = x; in x'],
    ['eval', '{ }.a'],
  ])('%s', async (kind, expr) => {
    const res = await s.post('/v1/eval', { expr });
    expect(res.status).toBe(422);
    expect(res.body.error.kind).toBe(kind);
    expect(typeof res.body.error.message).toBe('string');
  });

  test('a function has no JSON value (as with nix-instantiate --json)', async () => {
    const res = await s.post('/v1/eval', { expr: 'x: x' });
    expect(res.status).toBe(422);
    expect(res.body.error.kind).toBe('type');
    expect(res.body.error.message).toBe('cannot convert a function to JSON');
  });

  test('a file\'s error points into the file', async () => {
    const res = await s.post('/v1/eval', { file: 'broken.nix' });
    expect(res.status).toBe(422);
    expect(res.body.error.kind).toBe('undefined-variable');
    expect(res.body.error.position).toEqual({ file: join(root, 'broken.nix'), line: 4, column: 7 });
    expect(res.body.error.rendered).toContain('broken.nix:4:7');
  });
});

describe('malformed requests are 400', () => {
  test.each([
    ['neither expr nor file', {}],
    ['both expr and file', { expr: '1', file: 'a.nix' }],
    ['an unknown member', { expr: '1', nope: true }],
    ['a wrongly typed member', { expr: 1 }],
    ['strict not a boolean', { expr: '1', strict: 'yes' }],
    ['a negative limit', { expr: '1', limits: { timeoutMs: -5 } }],
    ['an unknown limit', { expr: '1', limits: { cpu: 1 } }],
    ['args that are not strings', { expr: '1', args: { a: 1 } }],
  ])('%s', async (_what, body) => {
    const res = await s.post('/v1/eval', body);
    expect(res.status).toBe(400);
    expect(res.body.error.kind).toBe('bad-request');
  });

  test.each([
    ['an empty name', { '': '1' }, '`files`: "" names the root directory, not a file'],
    ['the root directory', { '/': '1' }, '`files`: "/" names the root directory, not a file'],
    ['a file and a file inside it', { '/a/b': '1', '/a': '2' }, '`files`: "/a" is a file, so "/a/b" cannot be in it'],
    ['a file and a file two levels inside it', { 'a': '2', 'a/b/c.nix': '1' }, '`files`: "a" is a file, so "a/b/c.nix" cannot be in it'],
    ['two names of one file', { 'a.nix': '1', '/x/../a.nix': '2' }, '`files`: "a.nix" and "/x/../a.nix" name the same file, /a.nix'],
  ])('files: %s', async (_what, files, message) => {
    const res = await s.post('/v1/eval', { expr: '1', files });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ kind: 'bad-request', message });
  });

  test('a body that is not JSON', async () => {
    const res = await s.http().post('/v1/eval').set('content-type', 'application/json').send('{"expr": ');
    expect(res.status).toBe(400);
    expect(res.body.error.kind).toBe('bad-request');
  });

  test('a body that is not an object', async () => {
    const res = await s.http().post('/v1/eval').set('content-type', 'application/json').send('[1]');
    expect(res.status).toBe(400);
  });

  test('a body over the size limit is 413', async () => {
    const res = await s.post('/v1/eval', { expr: `"${'x'.repeat(100 * 1024)}"` });
    expect(res.status).toBe(413);
    expect(res.body.error.kind).toBe('body-too-large');
  });

  test('an unknown route is 404', async () => {
    const res = await s.http().get('/v1/nothing');
    expect(res.status).toBe(404);
    expect(res.body.error.kind).toBe('not-found');
  });
});

describe('argstrs', () => {
  test('a NUL byte cannot be in a Nix string: the error C++ Nix gives where one would enter it', async () => {
    const res = await s.post('/v1/eval', { expr: '{ name }: name', argstrs: { name: 'a\u0000b' } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("input string 'a\u2400b' cannot be represented as Nix string because it contains null bytes");
    expect((await s.post('/v1/eval', { expr: '{ name }: name', argstrs: { name: 'a\u2400b' } })).body.value).toBe('a\u2400b');
  });
});

describe('files and the sandbox', () => {
  test('posted files are what the evaluation sees', async () => {
    const res = await s.post('/v1/eval', {
      expr: 'import ./main.nix',
      files: { 'main.nix': '{ v = import ./sub/v.nix; t = builtins.readFile ./sub/t.txt; d = builtins.attrNames (builtins.readDir ./sub); }', '/sub/v.nix': '7', 'sub/t.txt': 'text ✓' },
    });
    expect(res.status).toBe(200);
    expect(res.body.value).toEqual({ v: 7, t: 'text ✓', d: ['t.txt', 'v.nix'] });
  });

  test('a posted file can be the one evaluated, with a search path among the posted files', async () => {
    const res = await s.post('/v1/eval', {
      file: 'main.nix', files: { 'main.nix': 'import <lib/x.nix>', 'libs/lib/x.nix': '"found"' }, searchPath: ['/libs'],
    });
    expect(res.status).toBe(200);
    expect(res.body.value).toBe('found');
  });

  test('with posted files, the server\'s files are out of reach', async () => {
    const res = await s.post('/v1/eval', { expr: `builtins.readFile ${join(root, 'default.nix')}`, files: { 'a.nix': '1' } });
    expect(res.status).toBe(422);
    expect(res.body.error.kind).toBe('io');
  });

  test('a file under an allowed root is evaluated (relative to the first root)', async () => {
    const res = await s.post('/v1/eval', { file: 'default.nix', argstrs: {}, args: { x: '5' } });
    expect(res.status).toBe(200);
    expect(res.body.value).toEqual({ x: 5, lib: { answer: 42 } });
    const abs = await s.post('/v1/eval', { file: join(root, 'lib') });
    expect(abs.body.value).toEqual({ answer: 42 });
  });

  test.each([
    ['an absolute path outside the roots', { file: '/etc/passwd' }],
    ['a path escaping with ..', { file: '../../../../etc/passwd' }],
    ['a symlink pointing out of the root', { file: 'escape' }],
    ['readFile outside the roots', { expr: 'builtins.readFile /etc/passwd' }],
    ['/proc/self/environ', { expr: 'builtins.readFile /proc/self/environ' }],
  ])('%s is a clear 422', async (_what, body) => {
    const res = await s.post('/v1/eval', body);
    expect(res.status).toBe(422);
    expect(res.body.error.kind).toBe('io');
    expect(res.body.error.message).toMatch(/forbidden|not allowed|does not exist/);
  });

  test('nothing of the server\'s environment is visible', async () => {
    const env = await s.post('/v1/eval', { expr: '[ (builtins.getEnv "HOME") (builtins.getEnv "PATH") ]' });
    expect(env.status).toBe(200);
    expect(env.body.value).toEqual(['', '']);
    const home = await s.post('/v1/eval', { expr: '~/x' });
    expect(home.status).toBe(422);
  });
});

describe('limits', () => {
  test('an infinite loop times out within the timeout plus a second, while other requests are answered', async () => {
    const t0 = Date.now();
    const loop = s.post('/v1/eval', { expr: LOOP, limits: { timeoutMs: 800 } }).then((r) => ({ r, at: Date.now() - t0 }));
    // Meanwhile the other worker keeps answering.
    const others: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await s.post('/v1/eval', { expr: `${i} * 2` });
      expect(r.status).toBe(200);
      expect(r.body.value).toBe(i * 2);
      others.push(Date.now() - t0);
    }
    const { r, at } = await loop;
    expect(r.status).toBe(422);
    expect(r.body.error.kind).toBe('timeout');
    expect(at).toBeLessThan(800 + 1000);
    expect(Math.max(...others)).toBeLessThan(at);
  });

  test('the request\'s timeout is capped by the server\'s', async () => {
    const t0 = Date.now();
    const r = await s.post('/v1/eval', { expr: LOOP, limits: { timeoutMs: 60_000 } });
    expect(r.body.error.kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(1000 + 1000);
  });

  test('a runaway recursion is answered 422 "stack overflow; max-call-depth exceeded", at the request\'s limit or by default', async () => {
    const runaways = ['let f = x: f x; in f 1', 'let f = x: 1 + f x; in f 1', '({ __functor = s: s; }) 1', 'let f = x: g x; g = x: f x; in f 1'];
    for (const expr of runaways) {
      const r = await s.post('/v1/eval', { expr, limits: { maxCallDepth: 10_000 } });
      expect(r.status).toBe(422);
      expect(r.body.error.kind).toBe('eval');
      expect(r.body.error.message).toBe('stack overflow; max-call-depth exceeded');
      expect(r.body.error.position.line).toBe(1);
    }
    // By default: a tail loop stops there too, long before its deadline (a server of its own
    // whose time limit a loaded machine does not reach first).
    const roomy = await startServer({ workers: 1, timeoutMs: 60_000 });
    try {
      const r = await roomy.post('/v1/eval', { expr: runaways[0], limits: { timeoutMs: 60_000 } });
      expect(r.status).toBe(422);
      expect(r.body.error.message).toBe('stack overflow; max-call-depth exceeded');
      expect(r.body.error.position).toEqual({ file: '«string»', line: 1, column: 12 });
    } finally {
      await roomy.app.close();
    }
  });

  test('a memory bomb gets memory-limit and the next request is served', async () => {
    // A server of its own whose time limit does not cap the request's: on a loaded machine the
    // bomb may take more than this file's server's second to reach its budget.
    const roomy = await startServer({ workers: 1, timeoutMs: 60_000 });
    try {
      const r = await roomy.post('/v1/eval', {
        // Grows by a thousand elements at each of a hundred thousand steps.
        expr: "builtins.length (builtins.foldl' (acc: i: acc ++ builtins.genList (x: x) 1000) [] (builtins.genList (x: x) 100000))",
        limits: { maxMemoryMb: 48, timeoutMs: 60_000 },
      });
      expect(r.status).toBe(422);
      expect(r.body.error.kind).toBe('memory-limit');
      const next = await roomy.post('/v1/eval', { expr: '"still here"' });
      expect(next.status).toBe(200);
      expect(next.body.value).toBe('still here');
    } finally {
      await roomy.app.close();
    }
  });

  test('a result over the output limit gets output-limit', async () => {
    const r = await s.post('/v1/eval', { expr: 'builtins.genList (x: x) 2000' });
    expect(r.status).toBe(422);
    expect(r.body.error.kind).toBe('output-limit');
    const smaller = await s.post('/v1/eval', { expr: 'builtins.genList (x: x) 20', limits: { maxOutputBytes: 10 } });
    expect(smaller.body.error.kind).toBe('output-limit');
    const fits = await s.post('/v1/eval', { expr: 'builtins.genList (x: x) 20' });
    expect(fits.status).toBe(200);
  });
});
