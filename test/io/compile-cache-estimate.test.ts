// The compile cache's size estimate of a compiled file: the compiler counts it as it makes the
// chunks (Chunk.estimatedBytes), and that must be what walking the finished chunks gives, so
// that the cache's budget holds the same whichever way the figure came.

import { compile } from '../../src/compiler/compiler.js';
import type { Chunk } from '../../src/compiler/chunk.js';
import { estimateChunkBytes } from '../../src/io/compile-cache.js';
import { parse } from '../../src/syntax/parser.js';
import { Source } from '../../src/syntax/source.js';

function compiled(text: string): Chunk {
  const source = Source.fromUtf8('/t.nix', text, '/');
  return compile(parse(source), source, { globals: new Set(['builtins', 'map', 'toString']) });
}

/** The estimate found by walking the chunks, as for code compiled without the count. */
function walked(chunk: Chunk): number {
  return estimateChunkBytes({ ...chunk, estimatedBytes: undefined });
}

const PROGRAMS: [string, string][] = [
  ['a literal', '1'],
  ['strings and paths as constants', '{ a = "x"; b = ./p; c = 1.5; d = "${toString 1}y"; }'],
  ['lambdas with formals and defaults', '{ x, y ? x + 1, z ? { w = y; }, ... }@args: [ x y z args ]'],
  ['nested thunks', 'let f = a: b: map (c: c + a) [ b ]; in f 1 2'],
  ['rec sets and inherit (from)', 'rec { a = 1; b = a; inherit (builtins) head; c = { inherit a; }; }'],
  // A list or set built while a let is filled, naming a binding not filled yet, is compiled
  // once, thrown away, and compiled again as a thunk: the chunks of the first try are dropped.
  ['literals compiled twice', 'let a = [ b (x: x) { y = z: b; } ]; b = 2; in a'],
  ['with and dynamic attributes', 'with builtins; { ${toString 1} = 2; s = { a = 1; }.a or 3; }'],
];

test.each(PROGRAMS)('the counted estimate of %s is the walked one', (_, text) => {
  const chunk = compiled(text);
  expect(chunk.estimatedBytes).toBeGreaterThan(0);
  expect(chunk.estimatedBytes).toBe(walked(chunk));
});

test('a chunk without a counted estimate is walked', () => {
  const chunk = compiled('{ f = x: x; }');
  const counted = chunk.estimatedBytes;
  chunk.estimatedBytes = undefined;
  expect(estimateChunkBytes(chunk)).toBe(counted);
});
