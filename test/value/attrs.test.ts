// Attribute-set shapes (src/value/attrs.ts): what `//` and dynamic attributes share, and the
// positions each result keeps.

import { evaluate } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { AttrShape, NixAttrs, Thunk, type Value } from '../../src/value/values.js';
import { Source } from '../../src/syntax/source.js';
import { startShapeEpoch } from '../../src/value/attrs.js';
import { bytesToUtf8 } from '../../src/syntax/source.js';

/** The sets a list evaluates to. */
function elements(expr: string): NixAttrs[] {
  const r = evaluate({ expr, strict: true });
  if (!r.ok) throw new Error(r.rendered);
  return (r.value as Value[]).map((v) => (v instanceof Thunk ? v.value : v) as NixAttrs);
}

function output(expr: string): string {
  const r = evaluate({ expr, strict: true });
  if (!r.ok) throw new Error(r.rendered);
  return bytesToUtf8(printValue(r.value));
}

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
