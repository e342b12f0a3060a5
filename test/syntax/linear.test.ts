// Parsing and compiling take time linear in the input. The service parses what clients send,
// so one quadratic path (a lexer rule that rescans the rest of the input at every token, a
// regex that retries from every position) lets a small request hold a worker for seconds:
// `{}.a.a.a…` with 20,000 parts once took 7.5 s. Each shape below is measured at n and 8n
// parts (n large enough to take a measurable time): linear work takes about 8 times as long,
// quadratic work 64 times; the test fails above 32, which leaves room for a loaded machine and
// for the collector (at 16,000 names and more, promotion makes the larger size cost 1.5-2.5 times
// its share: `inherit (x) a0 a1…` measured 8-20 and failed once at 24 under load 6-7) and still
// catches quadratic work by a factor of two.
// The measure is this process's CPU time (not the wall clock, which counts the time other
// processes on a busy machine held the CPUs), the best of a few runs.

import { parse } from '../../src/syntax/parser.js';
import { Source } from '../../src/syntax/source.js';
import { Evaluation } from '../../src/eval.js';
import { renderError } from '../../src/errors/render.js';
import { NixError } from '../../src/errors/errors.js';

const N = 2000;
const MAX_N = 64_000;
const MIN_MS = 15;
const RUNS = 3;
const SCALE = 8;
const MAX_RATIO = 32;

const repeat = (n: number, f: (i: number) => string, sep = ''): string => Array.from({ length: n }, (_, i) => f(i)).join(sep);

/** Shapes whose tree is a flat chain or list: the lexer and parser alone. */
const parsed: Record<string, (n: number) => string> = {
  'select path {}.a.a.a…': (n) => `{}${'.a'.repeat(n)}`,
  'has-attr path': (n) => `{} ? a${'.a'.repeat(n)}`,
  'attribute path in a binding': (n) => `{ ${'a.'.repeat(n)}b = 1; }`,
  '1+1+1…': (n) => repeat(n, () => '1', '+'),
  '1-1-1…': (n) => repeat(n, () => '1', '-'),
  'x++x++…': (n) => repeat(n, () => 'x', '++'),
  'x//x//…': (n) => repeat(n, () => 'x', '//'),
  'a&&a&&…': (n) => repeat(n, () => 'a', '&&'),
  'application f 1 1 1…': (n) => `f${' 1'.repeat(n)}`,
  'list elements': (n) => `[${' a.b'.repeat(n)} ]`,
  'path segments': (n) => `./a${'/b'.repeat(n)}`,
  'URI-like run a:b.c.d…': (n) => `[ a:b${'.c'.repeat(n)} ]`,
  'or chains a.b or c…': (n) => `[${' a.b or c'.repeat(n)} ]`,
  'string interpolations': (n) => `"${'${a}b'.repeat(n)}"`,
  'indented string lines': (n) => `''\n${'  a ${b}\n'.repeat(n)}''`,
  comments: (n) => `${'/* c */ # d\n'.repeat(n)}1`,
  'identifiers with dashes and quotes': (n) => `[${repeat(n, (i) => ` a-b'${i}`)} ]`,
  'numbers and floats': (n) => `[${repeat(n, (i) => ` ${i} ${i}.5e3`)} ]`,
};

/** Shapes that go through the compiler too (no deep nesting, so no large stack needed). */
const compiled: Record<string, (n: number) => string> = {
  'attribute set': (n) => `{ ${repeat(n, (i) => `a${i} = ${i};`)} }`,
  'rec set referring to itself': (n) => `rec { ${repeat(n, (i) => `a${i} = a0;`)} }`,
  'let bindings': (n) => `let ${repeat(n, (i) => `a${i} = a0;`)} in a1`,
  'nested attribute definitions': (n) => `{ ${repeat(n, (i) => `a.b${i} = 1;`)} }`,
  'inherit (x) a0 a1…': (n) => `let x = { }; in { inherit (x) ${repeat(n, (i) => `a${i}`, ' ')}; }`,
  'formals': (n) => `{ ${repeat(n, (i) => `a${i}`, ', ')} }: a0`,
  'long select path': (n) => `{ }${'.a'.repeat(n)}`,
};

/** The least CPU time (user + system, ms) of a few runs of `f`. */
function bestOf(f: () => void): number {
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.cpuUsage();
    f();
    const t = process.cpuUsage(t0);
    best = Math.min(best, (t.user + t.system) / 1000);
  }
  return best;
}

function ratio(work: (n: number) => void): number {
  // Large enough that the smaller size takes a measurable time (tens of milliseconds).
  let n = N;
  work(n); // warm up the JIT on this shape
  let small = bestOf(() => work(n));
  while (small < MIN_MS && n < MAX_N) {
    n *= 2;
    small = bestOf(() => work(n));
  }
  const large = bestOf(() => work(SCALE * n));
  return large / small;
}

const source = (text: string): Source => new Source('/linear/t.nix', text, '/linear');

describe('parsing takes linear time', () => {
  for (const [name, make] of Object.entries(parsed)) {
    test(name, () => {
      expect(ratio((n) => parse(source(make(n))))).toBeLessThan(MAX_RATIO);
    });
  }
});

describe('parsing and compiling take linear time', () => {
  for (const [name, make] of Object.entries(compiled)) {
    test(name, () => {
      const ev = new Evaluation({});
      expect(ratio((n) => ev.compileSource(source(make(n))))).toBeLessThan(MAX_RATIO);
    });
  }
});

test('an error on a long line renders in linear time (its caret line is mostly blanks)', () => {
  expect(ratio((n) => {
    const e = new NixError('eval', 'x', { source: source(`${'1 '.repeat(4 * n)}+ "a"`), offset: 8 * n });
    renderError(e);
  })).toBeLessThan(MAX_RATIO);
});
