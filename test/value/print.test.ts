// Printing values (src/value/print.ts): nix-instantiate's output form (C++ Nix's
// printAmbiguous) and the form of values inside messages (ValuePrinter).

import { evaluate } from '../../src/eval.js';
import { OUTPUT_PRINT, printValue } from '../../src/value/print.js';
import { bytesToUtf8, utf8ToBytes } from '../../src/syntax/source.js';
import type { Value } from '../../src/value/values.js';

/** The result printed as `nix-instantiate --eval` (not --strict) prints it. */
function output(expr: string): string {
  const r = evaluate({ expr, strict: false });
  if (!r.ok) throw new Error(r.rendered);
  return bytesToUtf8(printValue(r.value, OUTPUT_PRINT));
}

function traces(expr: string): string[] {
  const lines: string[] = [];
  evaluate({ expr, strict: true, onMessage: (l) => lines.push(bytesToUtf8(l)) });
  return lines;
}

describe('output', () => {
  test('what is not evaluated prints as <CODE>', () => {
    expect(output('{ a = 1; b = 2 + 2; }')).toBe('{ a = 1; b = <CODE>; }');
    expect(output('[ (1 + 1) "x" ]')).toBe('[ <CODE> "x" ]');
  });
  test('a literal that C++ Nix makes a thunk for prints as <CODE> until it is forced', () => {
    // Expr::maybeThunk: numbers, plain strings and paths are values at once, and (since Nix
    // 2.2x, where 2.8 printed <CODE>) so is the empty list; lists, sets, functions and
    // __curPos are thunks.
    expect(output('[ [ 1 ] { } (x: x) __curPos [ ] 1 1.5 "s" /a ]')).toBe('[ <CODE> <CODE> <CODE> <CODE> [ ] 1 1.5 "s" /a ]');
    expect(output('let l = [ 1 2 3 ]; s = { a = 1; }; in [ l l s s ]')).toBe('[ <CODE> <CODE> <CODE> <CODE> ]');
    // Forcing a binding shows its value wherever it is held; an element not forced stays <CODE>.
    expect(output('let f = x: x; l = [ [ 1 ] ]; in builtins.seq (f (builtins.head l)) [ f l ]')).toBe('[ <LAMBDA> [ [ 1 ] ] ]');
    expect(output('let l = [ [ 1 ] [ 2 ] ]; in builtins.seq (builtins.head l) l')).toBe('[ [ 1 ] <CODE> ]');
    // A default that is a constant is bound as that constant.
    expect(output('({ a ? 1, b ? "s", c ? [ 1 ], d ? { } }: { inherit a b c d; }) { }')).toBe('{ a = 1; b = "s"; c = <CODE>; d = <CODE>; }');
    // So is `true`, `false` or `null` (C++ Nix binds a variable default as the variable's
    // value), unless a scope binds the name otherwise.
    expect(output('({ a ? null, b ? true, c ? false }: { inherit a b c; }) { }')).toBe('{ a = null; b = true; c = false; }');
    expect(output('let null = 1 + 1; in ({ a ? null }: { inherit a; }) { }')).toBe('{ a = <CODE>; }');
    // Any other global too, looked up in the evaluation's base environment when bound.
    expect(output('({ a ? map, b ? import, c ? builtins }: { inherit a b; d = c.length [ 1 ]; }) { }')).toBe('{ a = <PRIMOP>; b = <PRIMOP>; d = <CODE>; }');
    expect(output('({ a ? map }: a (x: x + 1) [ 1 ]) { }')).toBe('[ <CODE> ]');
    expect(output('let map = [ 1 ]; in ({ a ? map }: { inherit a; }) { }')).toBe('{ a = <CODE>; }');
  });
  test('`derivation` is a lambda from the start, as C++ Nix evaluates derivation-internal.nix when it starts', () => {
    expect(output('{ a = derivation; b = [ derivation ]; }')).toBe('{ a = <LAMBDA>; b = <CODE>; }');
    expect(output('({ d ? derivation }: [ d ]) { }')).toBe('[ <LAMBDA> ]');
    expect(traces('builtins.trace [ derivation ] 1')).toEqual(['trace: [ «lambda @ «nix-internal»/derivation-internal.nix:29:1» ]']);
  });
  test('a list or set reached again through the same place prints as «repeated»', () => {
    expect(output('let l = [ 1 2 3 ]; s = { a = 1; }; in builtins.seq l (builtins.seq s [ l l s s ])'))
      .toBe('[ [ 1 2 3 ] «repeated» { a = 1; } «repeated» ]');
  });
});

describe('values in messages', () => {
  test('unevaluated values print as «thunk», values under evaluation as «potential infinite recursion»', () => {
    expect(traces('builtins.trace [ (1 + 1) ] 1')).toEqual(['trace: [ «thunk» ]']);
    expect(traces('let x = { a = builtins.trace x 1; }; in x.a')).toEqual(['trace: { a = «potential infinite recursion»; }']);
  });
  test('trace shows functions as messages do, and a set or list met again as «repeated»', () => {
    expect(traces('builtins.trace [ map (map (x: x)) ] 1')).toEqual(['trace: [ «primop map» «thunk» ]']);
    expect(traces('let f = x: x; in builtins.seq f (builtins.trace [ f builtins.head ] 1)')).toEqual(['trace: [ «lambda f @ «string»:1:9» «thunk» ]']);
    expect(traces('let l = [ 1 ]; in builtins.seq l (builtins.trace [ l l ] 1)')).toEqual(['trace: [ [ 1 ] «repeated» ]']);
  });
  test('markers are UTF-8 bytes, as all output', () => {
    expect(printValue(undefined as unknown as Value)).toBe(utf8ToBytes('«unknown»'));
    expect(printValue([{} as unknown as Value])).toBe(`[ ${utf8ToBytes('«unknown»')} ]`);
  });
});
