// Attribute-set shapes (src/value/attrs.ts): what `//` and dynamic attributes share, and the
// positions each result keeps.

import { evaluate } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { AttrShape, NixAttrs, Thunk, type Value } from '../../src/value/values.js';
import { Source } from '../../src/syntax/source.js';
import { startShapeEpoch, updateAttrs } from '../../src/value/attrs.js';
import { bytesToUtf8 } from '../../src/syntax/source.js';

/** The sets a list evaluates to. */
function elements(expr: string): NixAttrs[] {
  const r = evaluate({ expr, strict: true });
  if (!r.ok) throw new Error(r.rendered);
  return (r.value as Value[]).map((v) => (v instanceof Thunk ? v.value : v) as NixAttrs);
}

/** The printed value of expr, read as the file /test.nix (positions as values exist only in files). */
function output(expr: string): string {
  const r = evaluate({ source: { origin: '/test.nix', text: Buffer.from(expr, 'utf8').toString('latin1'), baseDir: '/' }, strict: true });
  if (!r.ok) throw new Error(r.rendered);
  return bytesToUtf8(printValue(r.value));
}

describe('the names and values of a // b', () => {
  // Either side of one name (found by binary search), or of several (merged in step), placed
  // first, last, between, or over a name of the other side.
  const pool = ['', 'a', 'a0', 'a1', 'aa', 'b', 'B', 'c', 'é', 'z', 'zz', '~'];
  const subsets = (n: number): string[][] => Array.from({ length: 40 }, (_, s) =>
    pool.filter((_, i) => ((s * 2654435761 + i * 40503) >>> (i % 7)) % 3 === 0).slice(0, n));
  const setOf = (names: string[], tag: string): NixAttrs =>
    NixAttrs.fromMap(new Map(names.map((n) => [n, `${tag}:${n}`])));

  test('match a map of both, the right side winning', () => {
    const sides = [...pool.map((n) => [n]), ...subsets(3), ...subsets(12)].filter((s) => s.length > 0);
    for (const left of sides) {
      for (const right of sides) {
        const merged = updateAttrs(setOf(left, 'l'), setOf(right, 'r'));
        const expected = new Map<string, Value>(left.map((n) => [n, `l:${n}`]));
        for (const n of right) expected.set(n, `r:${n}`);
        expect([...merged.keys()]).toEqual([...expected.keys()].sort());
        for (const n of merged.keys()) expect(merged.get(n)).toBe(expected.get(n));
      }
    }
  });
});

describe('a loop of // over sets of one literal', () => {
  test('keeps one shape once every name is in', () => {
    // Each step overrides names the set has, defined where they were: the shape stays the same.
    const [s, next] = elements(`let
      step = acc: i: acc // { "x\${toString (i - (i / 40) * 40)}" = i; y = i; };
      s = builtins.foldl' step { } (builtins.genList (i: i) 200);
    in [ s (step s 7) ]`);
    expect(s.size).toBe(41);
    expect(next.shape).toBe(s.shape);
  });

  test('the result shares the left shape only when the right defines its names at the same place', () => {
    const [s, same, moved] = elements(`let
      mk = i: { a = i; b = i; };
      s = mk 1 // mk 2;
    in [ s (s // mk 3) (s // { a = 0; }) ]`);
    expect(same.shape).toBe(s.shape);
    expect(moved.shape).not.toBe(s.shape);
  });

  test('positions follow the definition that won', () => {
    expect(output(`let
      mk = i: { a = i; b = i; };
      s = mk 1 // mk 2;
      t = s // {
        a = 0; };
    in [ (builtins.unsafeGetAttrPos "a" s).line (builtins.unsafeGetAttrPos "a" t).line (builtins.unsafeGetAttrPos "b" t).line ]`))
      .toBe('[ 2 5 2 ]');
  });
});

describe('lookup in a large set', () => {
  // Names that sort around each other by bytes: prefixes, digits against letters, UTF-8.
  const names = ['a', 'a0', 'a10', 'a2', 'aa', 'b', 'B', '_', 'z', 'é', 'x y', '"q"', 'é0', 'ab', 'a1'];
  const absent = ['', 'a00', 'a3', 'c', 'A', 'zz', 'é1', '~', 'x'];

  const newShape = () => NixAttrs.fromMap(new Map(names.map((n, i) => [n, i]))).shape;

  test('finds every name and none other by binary search (the first lookups of a shape)', () => {
    for (const n of names) {
      const shape = newShape();
      expect(shape.names[shape.indexOf(n)]).toBe(n);
    }
    for (const n of absent) expect(newShape().indexOf(n)).toBe(-1);
  });

  test('and once the shape has built its index (see AttrShape.indexOf)', () => {
    const shape = newShape();
    for (let round = 0; round < 4; round++) {
      for (const n of names) expect(shape.names[shape.indexOf(n)]).toBe(n);
      for (const n of absent) expect(shape.indexOf(n)).toBe(-1);
    }
  });

  const longNames = (count: number): string[] =>
    Array.from({ length: count }, (_, i) => `${'y'.repeat(500)}${String.fromCharCode(65 + i)}${'y'.repeat(499)}`);

  test('a shape of thousands of names finds each, and no other, before and after its index', () => {
    // Names alike but for a digit or a unit (as a package set's are), and names of every
    // length up to a few hundred units, so that the index's slots collide and probe on.
    const many = Array.from({ length: 5000 }, (_, i) => `p${i}`)
      .concat(Array.from({ length: 300 }, (_, i) => 'x'.repeat(i + 1)), ['é', '\u{1F600}', ''])
      // Long names that differ in one unit only, which the hash does not read (it reads some
      // units of a long name): they share a slot and are told apart by comparing them.
      .concat(longNames(40));
    const shape = NixAttrs.fromMap(new Map(many.map((n, i) => [n, i]))).shape;
    const missing = ['p5000', 'p-1', 'P0', 'x'.repeat(301), 'é0', 'q', '\u{1F601}', `${'y'.repeat(500)}!${'y'.repeat(499)}`];
    for (let round = 0; round < 3; round++) {
      for (const n of many) expect(shape.names[shape.indexOf(n)]).toBe(n);
      for (const n of missing) expect(shape.indexOf(n)).toBe(-1);
    }
    // Names made at run time (not the strings the shape holds) find the same places.
    for (let i = 0; i < 5000; i += 7) expect(shape.indexOf(['p', String(i)].join(''))).toBe(shape.names.indexOf(`p${i}`));
  });

  test('names made to share a slot past what an index allows: binary search stays', () => {
    const many = longNames(100).concat(Array.from({ length: 100 }, (_, i) => `q${i}`));
    const shape = NixAttrs.fromMap(new Map(many.map((n, i) => [n, i]))).shape;
    for (let round = 0; round < 3; round++) {
      for (const n of many) expect(shape.names[shape.indexOf(n)]).toBe(n);
      expect(shape.indexOf(`${'y'.repeat(500)}!${'y'.repeat(499)}`)).toBe(-1);
      expect(shape.indexOf('q100')).toBe(-1);
    }
  });

  test('in Nix: selects, `?` and // on sets of thousands of names', () => {
    expect(output(`let
      big = n: builtins.listToAttrs (builtins.genList (i: { name = "p\${toString i}"; value = i; }) n);
      s = big 3000 // { p7 = "seven"; extra = 1; };
    in [ s.p0 s.p7 s.p2999 (s ? p3000) (s ? extra) (builtins.length (builtins.attrNames s)) ]`)).toBe('[ 0 "seven" 2999 false true 3001 ]');
  });
});

describe('caches of shapes that outlive an evaluation', () => {
  // A literal's shape lives with its chunk in the compile cache; what it caches must not keep
  // one evaluation's shapes (and through their positions, every shape merged into them) alive.
  test('a literal shape caches `//` results within an evaluation and forgets them at the next', () => {
    const literal = AttrShape.literal(['a', 'b'], undefined);
    const right = new AttrShape(['b', 'c'], undefined);
    const first = literal.merge(right);
    expect(literal.merge(right)).toBe(first);
    startShapeEpoch();
    const again = literal.merge(right);
    expect(again).not.toBe(first);
    expect(again.shape.names).toEqual(['a', 'b', 'c']);
    expect(again.plan).toEqual(first.plan);
  });

  test('so do EMPTY and shapes of earlier evaluations, for dynamic attributes', () => {
    startShapeEpoch();
    const older = new AttrShape(['a'], undefined);
    const source = new Source('/x.nix', '{ }', '/');
    startShapeEpoch();
    for (const shape of [AttrShape.EMPTY, older]) {
      const first = shape.extend('x', source, 3);
      expect(shape.extend('x', source, 3)).toBe(first);
      startShapeEpoch();
      const again = shape.extend('x', source, 3);
      expect(again).not.toBe(first);
      expect(again.names).toEqual(first.names);
      expect(again.positions?.get('x')?.offset).toBe(3);
    }
  });

  test('a shape made during an evaluation keeps its caches (it is not listed: it dies with what uses it)', () => {
    startShapeEpoch();
    const made = new AttrShape(['a'], undefined);
    const right = new AttrShape(['c'], undefined);
    const first = made.merge(right);
    startShapeEpoch();
    expect(made.merge(right)).toBe(first);
  });
});

describe('dynamic attributes', () => {
  test('one name from several places: each place finds its own shape again, with its position', () => {
    // Every literal without static names extends EMPTY: the sites of a package set's overlays
    // add the same names at different places.
    const source = new Source('/d.nix', 'x'.repeat(100), '/');
    const other = new Source('/e.nix', 'x'.repeat(100), '/');
    startShapeEpoch();
    const places: [Source, number][] = [[source, 10], [source, 20], [other, 10], [source, 30]];
    const first = places.map(([src, at]) => AttrShape.EMPTY.extend('p1', src, at));
    expect(new Set(first).size).toBe(places.length);
    places.forEach(([src, at], i) => {
      const shape = AttrShape.EMPTY.extend('p1', src, at);
      expect(shape).toBe(first[i]);
      const pos = shape.positions?.get('p1');
      expect([pos?.source, pos?.offset]).toEqual([src, at]);
    });
  });

  test('a shape finds each of up to 64 names again, as its cache grows to hold them', () => {
    const source = new Source('/d.nix', 'x'.repeat(100), '/');
    startShapeEpoch();
    const base = AttrShape.literal([], undefined);
    const names = Array.from({ length: 64 }, (_, i) => `m${i}`);
    const first = names.map((n) => base.extend(n, source, 5));
    const again = names.map((n) => base.extend(['m', n.slice(1)].join(''), source, 5));
    expect(again.every((shape, i) => shape === first[i])).toBe(true);
    // A 65th name empties the cache: the first names are made again, each with its position.
    base.extend('m64', source, 5);
    const after = base.extend('m0', source, 5);
    expect(after).not.toBe(first[0]);
    expect(after.names).toEqual(['m0']);
    expect(after.positions?.get('m0')?.offset).toBe(5);
  });

  test('a shape caches 64 names until a name it dropped comes back, then thousands', () => {
    const source = new Source('/d.nix', 'x'.repeat(100), '/');
    startShapeEpoch();
    const base = AttrShape.literal([], undefined);
    const names = Array.from({ length: 300 }, (_, i) => `n${i}`);
    const round = (): AttrShape[] => names.map((n) => base.extend(n, source, 5));
    const first = round();
    // 300 names, 64 kept: the first ones were dropped, and are made again.
    const second = round();
    expect(second[0]).not.toBe(first[0]);
    // Coming back, they made the cache grow: now every name is found again.
    const third = round();
    expect(third.every((shape, i) => shape === second[i])).toBe(true);
    expect(third[299].names).toEqual(['n299']);
  });

  test('in Nix: names kept in order, positions of each site, and the duplicate error', () => {
    expect(output(`let
      mk = n: { "\${n}" = 1; };
      other = n: { "\${n}" = 2; zz = 0; };
      s = mk "b" // other "b" // { "\${"a"}" = 3; "\${"c"}" = 4; };
    in [ (builtins.attrNames s) (builtins.unsafeGetAttrPos "b" (mk "b")).line (builtins.unsafeGetAttrPos "b" (other "b")).line s.b ]`))
      .toBe('[ [ "a" "b" "c" "zz" ] 2 3 2 ]');
    const r = evaluate({ expr: 'let f = n: { "${n}" = 1; x = 2; }; in f "x"', strict: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(bytesToUtf8(r.rendered)).toContain("dynamic attribute 'x' already defined at «string»:1:26");
  });
});
