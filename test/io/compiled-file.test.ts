// The on-disk form of compiled files (src/io/compiled-file.ts): every .nix file of the language
// corpus and of nixpkgs lib that compiles must be written, and read back as the same graph of
// objects: the same kinds (classes), the same fields and values, the same sharing (an object met
// twice is one object after reading too), the file's Source where the compiled one had it.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Chunk } from '../../src/compiler/chunk.js';
import { Evaluation } from '../../src/eval.js';
import { SelectRegion } from '../../src/compiler/compiler.js';
import { decodeCompiledFile, encodeCompiledFile, NotEncodable } from '../../src/io/compiled-file.js';
import { Source } from '../../src/syntax/source.js';
import { defaultCorpusDir } from '../conformance/corpus.js';
import { defaultLibDir } from '../nixpkgs-lib/suites.js';

function nixFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) nixFiles(path, out);
    else if (name.endsWith('.nix')) out.push(path);
  }
  return out;
}

/**
 * Walks both graphs side by side; `pairs` maps each object of `a` to its counterpart in `b`,
 * so an object shared in `a` must be one object in `b`. Fields the evaluator fills in later
 * (`compiled`, `runs`, caches) are compared as they are: both are fresh.
 */
function sameGraph(a: unknown, b: unknown, pairs: Map<object, object>, path: string): void {
  if (typeof a !== 'object' || a === null) {
    if (typeof a === 'number' && Number.isNaN(a)) expect(Number.isNaN(b)).toBe(true);
    else if (!Object.is(a, b)) throw new Error(`${path}: ${String(a)} became ${String(b)}`);
    return;
  }
  if (typeof b !== 'object' || b === null) throw new Error(`${path}: an object became ${String(b)}`);
  const seen = pairs.get(a);
  if (seen !== undefined) {
    if (seen !== b) throw new Error(`${path}: a shared object became two`);
    return;
  }
  pairs.set(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) throw new Error(`${path}: ${a.constructor.name} became ${b.constructor.name}`);
  if (a instanceof Source) {
    expect((b as Source).origin).toBe(a.origin);
    expect((b as Source).text).toBe(a.text);
    expect((b as Source).baseDir).toBe(a.baseDir);
    return;
  }
  if (a instanceof Set) {
    expect([...(b as Set<unknown>)]).toEqual([...a]);
    return;
  }
  if (a instanceof SelectRegion) {
    // Its path is kept as the trace shows it (static names, computed names' text): compared by
    // what it shows, with and without the computed names' values.
    const r = b as SelectRegion;
    expect([r.start, r.end, r.pos, r.length, r.message]).toEqual([a.start, a.end, a.pos, a.length, a.message]);
    sameGraph(a.ends, r.ends, pairs, `${path}.ends`);
    const values = a.path.map((_, i) => `v${i}`);
    for (let n = 0; n <= a.length; n++) {
      expect(r.show(n, null)).toBe(a.show(n, null));
      expect(r.show(n, values)).toBe(a.show(n, values));
    }
    for (const at of a.ends) for (const d of [-1, 0, 1]) expect(r.found(at + d)).toBe(a.found(at + d));
    return;
  }
  if (a instanceof Map || ArrayBuffer.isView(a)) throw new Error(`${path}: a ${a.constructor.name} in compiled code`);
  const keysA = Object.keys(a);
  if (keysA.join(',') !== Object.keys(b).join(',')) throw new Error(`${path}: fields ${keysA.join(',')} became ${Object.keys(b).join(',')}`);
  for (const k of keysA) sameGraph((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], pairs, `${path}.${k}`);
}

function compileFile(file: string): Chunk | undefined {
  try {
    return new Evaluation({}).compileFile(file);
  } catch {
    return undefined; // a file that does not compile (the corpus's parse-fail tests) is never written
  }
}

function roundTrip(chunk: Chunk): Chunk {
  const data = encodeCompiledFile(chunk);
  const source = new Source(chunk.source.origin, chunk.source.text, chunk.source.baseDir);
  return decodeCompiledFile({ strings: JSON.parse(JSON.stringify(data.strings)) as string[], ints: data.ints }, source);
}

describe('compiled files on disk', () => {
  const roots = [defaultCorpusDir, join(defaultLibDir, 'lib')].filter(existsSync);

  test('the corpus and nixpkgs lib are there', () => {
    expect(roots.length).toBe(2);
  });

  test.each(roots)('every file under %s that compiles reads back as the same objects', (root) => {
    let compiled = 0;
    for (const file of nixFiles(root)) {
      const chunk = compileFile(file);
      if (chunk === undefined) continue;
      compiled++;
      let back: Chunk;
      try {
        back = roundTrip(chunk);
      } catch (e) {
        throw new Error(`${file}: ${e instanceof NotEncodable ? `not encodable: ${e.message}` : String(e)}`);
      }
      const pairs = new Map<object, object>([[chunk.source, back.source]]);
      try {
        sameGraph(chunk, back, pairs, file);
      } catch (e) {
        throw new Error(`${file}: ${(e as Error).message}`);
      }
    }
    expect(compiled).toBeGreaterThan(100);
  });

  test('numbers, floats, paths, strings of any bytes and big integers come back exactly', () => {
    const dir = dirname(defaultLibDir);
    const text = '{ a = 9223372036854775807; b = 1.5e300; c = 1.0e300; d = 0.1; e = ./x; f = "\u00ff\\n\\u0000\\"${"x"}"; g = -1; h = { x, y ? 2.5, z ? ./p, ... }: x; }';
    const source = new Source(join(dir, 't.nix'), text, dir);
    const ev = new Evaluation({});
    const chunk = ev.compileAst(ev.parseSource(source, []), source);
    chunk.names = [];
    const back = roundTrip(chunk);
    sameGraph(chunk, back, new Map<object, object>([[chunk.source, back.source]]), 'literals');
  });

  test('a value the format does not know is refused, not written wrongly', () => {
    const chunk = compileFile(join(defaultLibDir, 'lib', 'trivial.nix'))!;
    const bad: Chunk = { ...chunk, consts: [...chunk.consts, new Map()] };
    expect(() => encodeCompiledFile(bad)).toThrow(NotEncodable);
    const extraField: Chunk = { ...chunk, regions: [...chunk.regions, { start: 0, end: 1, message: 'm', pos: 0, other: 1 } as never] };
    expect(() => encodeCompiledFile(extraField)).toThrow(NotEncodable);
  });

  test('data of another format, cut short or with a string missing is not read', () => {
    const chunk = compileFile(join(defaultLibDir, 'lib', 'trivial.nix'))!;
    const { strings, ints } = encodeCompiledFile(chunk);
    const source = new Source(chunk.source.origin, chunk.source.text, chunk.source.baseDir);
    const otherFormat = ints.slice();
    otherFormat[0] = 999;
    expect(() => decodeCompiledFile({ strings, ints: otherFormat }, source)).toThrow();
    expect(() => decodeCompiledFile({ strings, ints: ints.subarray(0, ints.length >> 1) }, source)).toThrow();
    expect(() => decodeCompiledFile({ strings, ints: ints.subarray(0, ints.length - 1) }, source)).toThrow();
    expect(() => decodeCompiledFile({ strings: strings.slice(0, strings.length >> 1), ints }, source)).toThrow();
    expect(decodeCompiledFile({ strings, ints }, source).name).toBe(chunk.name);
  });
});
