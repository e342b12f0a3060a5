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
