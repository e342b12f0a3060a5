// What a call or force of a chunk's compiled code needs to know of it (its units of depth,
// whether it is envless) is kept on the chunk, the object the compiled tier reads `compiled`
// from at every call and force (runtime.ts: enterLambda, forceThunk), not as own properties of
// the function (which sat in its out-of-object property store: one object more touched per
// call). The chunk has those fields from the start, so setting them does not change its map:
// V8's test of two objects' maps (%HaveSameMap) is natives syntax, allowed here from inside
// (it applies to functions compiled after).

import { setFlagsFromString } from 'node:v8';
import { Source } from '../../src/syntax/source.js';
import { parse } from '../../src/syntax/parser.js';
import { compile } from '../../src/compiler/compiler.js';
import type { Chunk } from '../../src/compiler/chunk.js';
import { instantiate } from '../../src/codegen/codegen.js';
import { compiledCode, helpers, setHotRuns, defaultHotRuns } from '../../src/codegen/runtime.js';
import { decodeCompiledFile, encodeCompiledFile } from '../../src/io/compiled-file.js';
import type { Env } from '../../src/value/values.js';

setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b);') as (a: object, b: object) => boolean;

function chunksOf(root: Chunk): Chunk[] {
  const out: Chunk[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (out.includes(c)) continue;
    out.push(c);
    for (const k of c.consts) {
      if (k === null || typeof k !== 'object') continue;
      if ('code' in k) todo.push(k as Chunk);
      if ('chunk' in k) todo.push((k as { chunk: Chunk }).chunk);
    }
  }
  return out;
}

// f is envless; g's `let` extends its environment and `(y + 1)` is a thunk that keeps it; h
// binds formals; the attributes' values and `s.a.b` are thunks' chunks.
const TEXT = '{ a = { b = 1; }; f = x: x + 1; g = y: let w = y; in [ w (y + 1) ]; h = { p ? 2 }: p; t = s: s.a.b; }';

test('natives syntax is in effect (else the tests below test nothing)', () => {
  expect(sameMap({ a: 1 }, { a: 2 })).toBe(true);
  expect(sameMap({ a: 1 }, { b: 2 })).toBe(false);
});

test("a chunk's units and envless are set with its code, on the chunk, without changing its map", () => {
  const source = new Source('/base/record.nix', TEXT, '/base');
  const root = compile(parse(source), source, { globals: new Set() });
  const chunks = chunksOf(root).filter((c) => c !== root);
  const fresh = chunks[0];
  for (const chunk of chunks) expect([chunk.units, chunk.envless]).toEqual([0, false]);
  const saved = defaultHotRuns();
  setHotRuns(0);
  try {
    for (const chunk of chunks) {
      const code = compiledCode(chunk)!;
      expect(typeof code).toBe('function');
      // The function carries nothing of its own beyond what V8 gives every function.
      expect(Object.keys(code)).toEqual([]);
      expect(chunk.units).toBeGreaterThanOrEqual(1);
    }
  } finally {
    setHotRuns(saved);
  }
  for (const chunk of chunks) expect(sameMap(chunk, fresh)).toBe(true);
  const byName = (name: string): Chunk => chunks.find((c) => c.lambda?.name === name)!;
  expect(byName('f').envless).toBe(true);
  expect(byName('g').envless).toBe(false);
  expect(byName('h').envless).toBe(false);
  // An envless lambda's function takes the closure's environment and the argument.
  expect(byName('f').compiled!([] as unknown as Env, 41)).toBe(42);
  // The hot version (here made at once) says the same of the chunk.
  const f = byName('f');
  instantiate(f, helpers, null);
  expect([f.units, f.envless]).toEqual([1, true]);
});

test('chunks read back from a compiled file have the same map as the compiler\'s, before and after their code is set', () => {
  const source = new Source('/base/record.nix', TEXT, '/base');
  const root = compile(parse(source), source, { globals: new Set() });
  root.names = [];
  const read = decodeCompiledFile(encodeCompiledFile(root), source);
  const made = chunksOf(root).filter((c) => c !== root);
  const back = chunksOf(read).filter((c) => c !== read);
  expect(back.length).toBe(made.length);
  for (const c of back) {
    expect([c.units, c.envless]).toEqual([0, false]);
    expect(sameMap(c, made[0])).toBe(true);
    instantiate(c, helpers, null);
    expect(sameMap(c, made[0])).toBe(true);
  }
});
