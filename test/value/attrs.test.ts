// Attribute-set shapes (src/value/attrs.ts): what `//` and dynamic attributes share, and the
// positions each result keeps.

import { evaluate } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { NixAttrs, Thunk, type Value } from '../../src/value/values.js';
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

describe('dynamic attributes', () => {
  test('one name from one place gives one shape; from another place, another; positions are where each was defined', () => {
    const [a, b, c] = elements(`let
      one = n: { \${n} = 1; };
      other = n: {
        \${n} = 2; };
    in [ (one "x") (one "x") (other "x") ]`);
    expect(b.shape).toBe(a.shape);
    expect(c.shape).not.toBe(a.shape);
    expect(output(`let
      one = n: { \${n} = 1; };
      other = n: {
        \${n} = 2; };
    in [ (builtins.unsafeGetAttrPos "x" (one "x")).line (builtins.unsafeGetAttrPos "x" (other "x")).line (builtins.unsafeGetAttrPos "y" (one "x")) ]`))
      .toBe('[ 2 4 null ]');
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
