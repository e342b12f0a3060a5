// The compiled tier's shortcuts on the call path (lambdas without an environment, curried
// lambdas entered at once, bindFormals's cache of argument shapes, selects of a variable
// taken at once when their value is there) give what the VM gives: values, laziness as the
// printed output shows it, errors and traces.

import { evaluate } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { defaultHotRuns, setHotRuns } from '../../src/codegen/runtime.js';

beforeAll(() => setHotRuns(0));
afterAll(() => setHotRuns(defaultHotRuns()));

function outcome(expr: string, tier: 'vm' | 'compiled', strict: boolean): string {
  const r = evaluate({ expr, strict, tier, baseDir: '/base' });
  return r.ok ? `value: ${printValue(r.value, { trackRepeated: true })}` : `error: ${r.rendered}`;
}

/** The outcome in the VM, checked to be the compiled tier's too, strict and not. */
function sameInBothTiers(expr: string, strict = true): string {
  const vm = outcome(expr, 'vm', strict);
  expect(outcome(expr, 'compiled', strict)).toBe(vm);
  return vm;
}

describe('lambdas whose body only reads variables (no environment of their own)', () => {
  test('values, and errors with their traces', () => {
    expect(sameInBothTiers('let g = x: x + 1; h = x: y: x * y; in [ (g 1) (h 2 3) (builtins.map g [ 1 2 3 ]) ]')).toBe('value: [ 2 6 [ 2 3 4 ] ]');
    expect(sameInBothTiers('let a = 10; g = x: x.v + a; in builtins.map g [ { v = 1; } { v = 2; } ]')).toBe('value: [ 11 12 ]');
    expect(sameInBothTiers('let g = x: x.b; in builtins.map g [ { b = 1; } { a = 1; } ]')).toMatch(/^error: .*attribute 'b' missing/s);
  });
});

describe('curried lambdas called with two arguments or more', () => {
  test('through call2, callValue, foldl\' and lazy applications (mapAttrs)', () => {
    expect(sameInBothTiers(`let f = a: b: a + b; g = a: b: c: d: a + b + c + d; k = a: b: c: a;
      in [ (f 1 2) (g 1 2 3 4) (k 1 2 3) (builtins.foldl' f 0 [ 1 2 3 ]) (builtins.mapAttrs (n: v: n + v) { a = "x"; }) ]`))
      .toBe('value: [ 3 10 1 6 { a = "ax"; } ]');
  });

  test('an error in the inner lambda has the same trace in both tiers', () => {
    for (const expr of [
      'let f = a: b: a + b; in f 1 "x"',
      'let g = a: b: c: d: a + b + c + d; in g 1 2 3 "x"',
      'builtins.foldl\' (a: b: a + b) 0 [ 1 "x" ]',
      'builtins.mapAttrs (n: v: n + v) { a = 1; }',
      'let f = a: b: c: throw "deep"; in f 1 2 3',
    ]) expect(sameInBothTiers(expr)).toMatch(/^error: /);
  });

  test('a deep recursion of a curried lambda, past the depth budget', () => {
    expect(sameInBothTiers('let f = a: b: if a == 0 then b else 1 + f (a - 1) b; in f 20000 0')).toBe('value: 20000');
  });
});

describe('formals: the argument set\'s shape cached per lambda', () => {
  test('the same shape again, then other shapes: defaults, missing and unexpected arguments', () => {
    const f = 'f = { a, b ? a + 1, c ? 7, ... }: [ a b c ]; g = { a, b ? 2 }: a + b;';
    expect(sameInBothTiers(`let ${f} in [ (f { a = 1; }) (f { a = 2; }) (f { a = 1; b = 5; }) (f { a = 1; z = 0; }) (g { a = 1; }) (g { a = 1; b = 1; }) ]`))
      .toBe('value: [ [ 1 2 7 ] [ 2 3 7 ] [ 1 5 7 ] [ 1 2 7 ] 3 2 ]');
    expect(sameInBothTiers(`let ${f} in [ (g { a = 1; }) (g { a = 1; }) (g { b = 1; }) ]`)).toMatch(/called without required argument 'a'/);
    expect(sameInBothTiers(`let ${f} in [ (g { a = 1; }) (g { a = 1; }) (g { a = 1; c = 1; }) ]`)).toMatch(/called with unexpected argument 'c'/);
  });
});

describe('a select of a variable (x.a) whose value is there already', () => {
  test('is still shown as not evaluated until something forces it', () => {
    const expr = 'let x = { a = [ 1 ]; b = { c = 2; }; }; f = y: { p = y.a; q = y.b.c; r = y.a; }; in [ x.a x.b.c (f x) ((f x).p) ]';
    expect(sameInBothTiers(expr, false)).toBe(outcome(expr, 'vm', false));
    expect(sameInBothTiers(expr, true)).toBe('value: [ [ 1 ] 2 { p = [ 1 ]; q = 2; r = [ 1 ]; } [ 1 ] ]');
  });

  test('forcing it leaves the attribute as forcing the select does', () => {
    const f = 'f = y: let v = y.a; in builtins.seq v y;';
    // a evaluated, b not («thunk», in the printer's bytes).
    const NOT_B = /^value: \{ a = \[ 1 \]; b = \S*thunk\S*; \}$/;
    expect(sameInBothTiers(`let x = { a = [ 1 ]; b = [ 2 ]; }; ${f} in builtins.seq x (builtins.seq (f x) (f x))`, false)).toMatch(NOT_B);
    expect(sameInBothTiers(`let x = { a = [ 1 ]; b = [ 2 ]; }; ${f} in builtins.seq x (builtins.seq x.a (builtins.seq (f x) (f x)))`, false)).toMatch(NOT_B);
  });

  test('a missing attribute, a value that is not a set, or an attribute not evaluated yet: the select as before', () => {
    for (const expr of [
      'let f = y: { v = y.a; }; in builtins.map (z: (f z).v) [ { b = 1; } ]',
      'let f = y: { v = y.a.b; }; in builtins.map (z: (f z).v) [ { a = 1; } ]',
      'let f = y: { v = y.a; }; in builtins.map (z: (f z).v) [ 1 ]',
      'let x = { a = throw "no"; }; f = y: { v = y.a; }; in builtins.map (z: (f z).v) [ x x ]',
      'let s = { f = x: x; }; g = y: let l = [ y.f ]; in builtins.elem (builtins.head l) l; in builtins.map g [ s s ]',
    ]) sameInBothTiers(expr);
  });
});

describe('builtins called with one or two arguments (their arguments forced in an array of the call\'s own)', () => {
  test('whole, partly applied, and with more arguments than they take: values', () => {
    expect(sameInBothTiers(`let add = builtins.add; m = builtins.map; inc = add 1; s = builtins.substring 1;
      x = 1 + 1; l = [ x ]; in [ (add x 3) (inc x) (m inc l) (s 2 "abcd") (builtins.isAttrs { }) (builtins.length l) x
      (builtins.foldl' builtins.add 0 [ 1 2 ]) ((builtins.head [ builtins.add ]) 1 2) ]`))
      .toBe('value: [ 5 3 [ 3 ] "bc" true 1 2 3 3 ]');
  });

  test('functions compared as places as in C++ Nix, and a lazy application\'s arguments are left as they were', () => {
    expect(sameInBothTiers('let f = x: x; l = [ f ]; in [ (builtins.elem f l) (builtins.elem (builtins.head l) l) ]')).toBe('value: [ true false ]');
    expect(sameInBothTiers('let s = builtins.mapAttrs builtins.add { }; t = builtins.mapAttrs (builtins.getAttr) { a = { a = 1; }; }; in [ s t ]'))
      .toBe('value: [ { } { a = 1; } ]');
    expect(sameInBothTiers('let x = { a = 1; }; g = builtins.getAttr "a"; in [ (g x) (g x) x ]', false)).toBe(outcome('let x = { a = 1; }; g = builtins.getAttr "a"; in [ (g x) (g x) x ]', 'vm', false));
  });

  test('errors forcing an argument or in the builtin: the same traces', () => {
    for (const expr of [
      'let add = builtins.add; in add (throw "a") 1',
      'let add = builtins.add; inc = add 1; in inc (throw "b")',
      'let add = builtins.add; in add 1 "x"',
      'builtins.isAttrs (throw "c")',
      'let l = builtins.length; in l 1',
      'let m = builtins.map (x: x + 1); in m [ "x" ]',
      'builtins.substring 1 (throw "d") "abc"',
      'let f = builtins.add 1; in builtins.map f [ (throw "e") ]',
      'builtins.mapAttrs builtins.add { a = 1; }',
    ]) expect(sameInBothTiers(expr)).toMatch(/^error: /);
  });
});

describe('one-argument builtins with a quick answer (BuiltinSpec.quick1: type tests, attrNames, length, toString)', () => {
  const calls = ['builtins.isAttrs', 'builtins.isList', 'builtins.isString', 'builtins.isInt', 'builtins.isFunction', 'builtins.isNull',
    'builtins.typeOf', 'builtins.attrNames', 'builtins.length', 'builtins.toString'];
  const args = ['{ b = 1; a = 2; }', '[ 1 2 ]', '"s"', '3', '(x: x)', 'null', 'builtins.add', 'true', '"${{ }}"', '{ outPath = "o"; }'];

  test('values, for arguments evaluated, pending, and evaluated thunks, and in tail position', () => {
    for (const f of calls) {
      for (const a of args) {
        sameInBothTiers(`let f = ${f}; v = ${a}; w = ${a}; g = x: f x; in [ (f v) (f w) (f v) (g w) (${f} ${a}) ]`);
      }
    }
    expect(sameInBothTiers('let s = { b = 1; a = 2; }; l = [ s s ]; g = x: builtins.attrNames x; in [ (builtins.attrNames s) (builtins.length l) (g s) (builtins.length (builtins.attrNames s)) ]'))
      .toBe('value: [ [ "a" "b" ] 2 [ "a" "b" ] 2 ]');
  });

  test('an argument that fails when forced, or of the wrong type: the same errors and traces', () => {
    for (const f of calls) {
      for (const a of ['(throw "t")', '(1 + "x")', 'abort "z"', '1', '{ }', '[ ]']) {
        const expr = `let f = ${f}; v = ${a}; g = x: f x; in [ (f v) (g v) ]`;
        const r = sameInBothTiers(expr);
        if (!r.startsWith('error: ')) expect(r).toMatch(/^value: /);
      }
    }
    expect(sameInBothTiers('builtins.attrNames 1')).toMatch(/expected a set but found an integer/);
    expect(sameInBothTiers('let l = builtins.length; in l { }')).toMatch(/expected a list but found a set/);
    expect(sameInBothTiers('builtins.isAttrs (throw "c")')).toMatch(/while calling the 'isAttrs' builtin/);
  });
});

describe('== in a chunk the VM runs, with the compiled tier on', () => {
  // Only lambdas are translated: the comparisons at the top run in the VM, which compares
  // directly (without a generator) and forces the elements through the compiled tier.
  beforeAll(() => setHotRuns(0, (chunk) => chunk.lambda !== null));
  afterAll(() => setHotRuns(0));

  test('values, and an element failing while compared: the same error and trace as the VM alone', () => {
    expect(sameInBothTiers('let g = x: { a = [ x (x * 2) ]; }; in [ (g 1 == g 1) (g 1 != g 2) ([ (g 1) ] == [ (g 1) ]) ]')).toBe('value: [ true true true ]');
    const failing = sameInBothTiers('let g = x: if x == 3 then throw "three" else x; in [ (g 1) (g 3) ] == [ (g 1) (g 2) ]');
    expect(failing).toMatch(/^error: [^]*three/);
    expect(sameInBothTiers('let g = x: { a = x.b; }; in g {} == g {}')).toMatch(/attribute 'b' missing/);
  });
});

describe('`a / b` of two integers, computed inline in both tiers', () => {
  // Each pair divided by the operator (inline for small integers) and by builtins.div (the
  // builtin's own path): the same value or the same error, in both tiers.
  const pairs = [
    [7, 2], [-7, 2], [7, -2], [-7, -2], [0, 5], [0, -5], [6, 3], [1, 3], [-1, 3],
    [2147483647, 1], [2147483647, -1], [-2147483647, -1], [-2147483647, 2], [2147483648, 3], [-2147483648, -1], [-2147483648, 7],
    [9007199254740991, 3], [-9007199254740991, 10], [9007199254740993, 2], [5, 2147483648], [5, 0], [0, 0],
  ];
  const lit = (n: number): string => (n < 0 ? `(${n})` : `${n}`);

  test('the value, truncated toward zero, as builtins.div gives it', () => {
    const ops = pairs.filter(([, b]) => b !== 0).map(([a, b]) => `(${lit(a)} / ${lit(b)})`);
    const divs = pairs.filter(([, b]) => b !== 0).map(([a, b]) => `(builtins.div ${lit(a)} ${lit(b)})`);
    // In a lambda (translated), called with the operands as arguments too.
    const f = 'f = a: b: a / b;';
    const called = pairs.filter(([, b]) => b !== 0).map(([a, b]) => `(f ${lit(a)} ${lit(b)})`);
    const byOp = sameInBothTiers(`let ${f} in [ ${ops.join(' ')} ${called.join(' ')} ]`);
    const byBuiltin = sameInBothTiers(`[ ${divs.join(' ')} ${divs.join(' ')} ]`);
    expect(byOp).toBe(byBuiltin);
    expect(sameInBothTiers('let f = a: b: a / b; in [ (f 7 2) (f (-7) 2) (f 0 (-5)) (f (-2147483648) (-1)) ]')).toBe('value: [ 3 -3 0 2147483648 ]');
  });

  test('division by zero, floats and other operands: the builtin, with its errors and traces', () => {
    for (const [a, b] of [['5', '0'], ['0', '0'], ['1.5', '2'], ['3', '0.5'], ['"x"', '2'], ['2', '"x"'], ['(throw "t")', '2'], ['1', '{ }']]) {
      expect(sameInBothTiers(`let f = a: b: a / b; in [ (f ${a} ${b}) ]`)).toMatch(/^(value: \[ 0?\.?[0-9.]+ \]|error: )/);
    }
    expect(sameInBothTiers('let f = a: b: a / b; in f 5 0')).toMatch(/while calling the 'div' builtin[^]*division by zero/);
    expect(sameInBothTiers('let f = a: b: a / b; in f 1.5 2')).toBe('value: 0.75');
    expect(sameInBothTiers('let f = a: b: a / b; in f "x" 2')).toMatch(/first operand of the division[^]*expected an integer but found a string/);
  });
});
