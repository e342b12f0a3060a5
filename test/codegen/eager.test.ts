// Cheap eagerness (codegen/eager.ts): where the compiled tier would make a thunk of arithmetic,
// a comparison or a select of values already there, it keeps the value at once in an unforced
// thunk. What a program can observe must not change: values printed without --strict show
// <CODE> until forced, as the VM's thunks (and C++ Nix's) do; errors, overflow and missing
// attributes happen where the thunk is forced; explicit max-call-depth counts as before.

import fc from 'fast-check';
import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { defaultHotRuns, setHotRuns } from '../../src/codegen/runtime.js';
import { NixAttrs, Thunk, ThunkState } from '../../src/value/values.js';
import { program } from './programs.js';

beforeAll(() => setHotRuns(0));
afterAll(() => setHotRuns(defaultHotRuns()));

/** The value printed as `nix-instantiate --eval` prints it (strict or not), or the error rendered. */
function shown(expr: string, options: Partial<EvaluateOptions>): string {
  const r = evaluate({ expr, baseDir: '/base', deadline: Date.now() + 5_000, ...options });
  return r.ok ? printValue(r.value, { trackRepeated: true }) : `error: ${r.rendered}`;
}

function sameInBothTiers(expr: string, strict: boolean): void {
  expect(shown(expr, { tier: 'compiled', strict })).toBe(shown(expr, { tier: 'vm', strict }));
}

/** The attribute `name` of the evaluated (not strict) set, as the set holds it. */
function held(expr: string, name: string, options: Partial<EvaluateOptions> = {}): unknown {
  const r = evaluate({ expr, tier: 'compiled', ...options });
  if (!r.ok) throw new Error(r.rendered);
  const set = r.value as NixAttrs;
  return set.values[set.shape.indexOf(name)];
}

const PROGRAMS = [
  // Computed at once, shown unevaluated, then forced by something else.
  'let n = 5; in { a = n - 1; b = n * 2; c = n / 2; d = n < 3; e = n + 1; f = n == 5; g = !(n == 5); }',
  'let n = 5; a = n - 1; in { inherit a; b = builtins.seq a a; }',
  'let n = 5; a = n - 1; in { inherit a; b = a - 1; }',
  'let s = { x = 1; y.z = 2; }; in { a = s.x + 1; b = s.y.z; c = s.y; }',
  'rec { a = 1; b = a + 1; c = b * 2; d = c - a; }',
  'let f = n: { m = n - 1; }; in [ (f 3) (f 3).m ]',
  'let f = n: [ (n * 2) (n + 1) ]; in f 4',
  // Not computed at once: a binding made later, an operand not evaluated yet or unforced.
  'let a = b + 1; b = 2; in [ a b ]',
  'let x = 1 + 2; y = x + 1; in { inherit x y; }',
  'let l = [ 1 ]; s = { a = l; }; in { b = s.a; c = s.a == l; }',
  // Failures stay where the thunk is forced.
  'let x = 1 / 0; in { inherit x; y = 5; }',
  'let x = 1 / 0; in x',
  'let x = 9223372036854775807 + 1; in [ x ]',
  'let x = 9223372036854775807 + 1; in x',
  'let x = -9223372036854775807 - 2; in x',
  'let x = 3037000500 * 3037000500; in x',
  'let s = { }; x = s.a + 1; in [ x ]',
  'let s = { }; x = s.a + 1; in x',
  'let x = "a" - 1; in [ x ]',
  'let x = "a" - 1; in x',
  'let t = true; x = !1; in [ x t ]',
  'let x = 1.5 - 1; y = 2 * 0.5; in [ x y (x < y) ]',
  'let x = "a" == "a"; y = null == null; z = 1 == 1.0; in [ x y z ]',
  'let a = 0; b = -3; in [ (a * b) (b / 2) (b - b) ]',
  // A rec set's `__overrides` replaces bindings after its thunks are made, and while it is
  // evaluated a function of the set may make thunks that read them.
  'rec { a = 1; b = a + 1; c = a - 1; d = a == 1; __overrides = { a = 100; }; }',
  '(rec { a = 1; f = x: { v = a + 1; }; __overrides = let r = f 0; in builtins.seq r { a = 100; inherit r; }; }).r.v',
  '(rec { a = 1; f = x: { v = a + 1; }; __overrides = { a = 100; }; }).f 0',
  // Dynamic selects: a name found, missing, not a string.
  'let s = { a = 1; b.c = 2; }; n = "a"; m = "z"; k = 1; in { x = s.${n}; y = s.${m}; z = s.b.${"c"}; w = s.${k}; v = s.${n} + 1; }',
  'let s = { a = 1; }; m = "z"; in s.${m}',
  'let s = { a = 1; }; k = 1; in s.${k}',
  // Strings: joined at once when short and without context.
  'let a = "x"; b = "y"; in { c = "${a}-${b}"; d = a + b; e = a + "z"; f = "${a}"; g = a == b; }',
  'let a = "x"; n = 1; p = ./p; f = 1.5; in [ (a + n) "${a}${p}" (p + a) "${n}" (a + f) ]',
  'let a = "x"; n = 1; in a + n',
  'let a = "x"; p = ./p; in "${a}${p}"',
  'let a = builtins.concatStringsSep "" (builtins.genList (x: "abcdefgh") 1000); in { b = a + a; c = builtins.stringLength "${a}${a}"; }',
];

test('programs shown without --strict and with it: the same in both tiers', () => {
  for (const expr of PROGRAMS) {
    sameInBothTiers(expr, false);
    sameInBothTiers(expr, true);
  }
});

test('random programs without --strict: the compiled tier shows what the VM shows', () => {
  fc.assert(fc.property(program(), (expr) => sameInBothTiers(expr, false)), { numRuns: Number(process.env.NIXEVAL_FUZZ_RUNS ?? 200) });
});

test('the compiled tier keeps such a value at once, in an unforced thunk', () => {
  // (`s` is a literal held unforced until seq forces it: forcing it here would show.)
  const expr = 'let w = "w"; k = "x"; n = 5; s = { x = 2; }; t = { x = 3; }; a = n - 1; in builtins.seq s { inherit a; b = s.x + n; c = n == 5; d = a + 1; e = s.y + 1; f = t.x; g = "${w}-${w}"; h = "${w}${toString n}"; i = s.${k}; }';
  const state = (name: string, options: Partial<EvaluateOptions> = {}): ThunkState => (held(expr, name, options) as Thunk).state;
  expect(state('a')).toBe(ThunkState.Unforced);
  expect(state('b')).toBe(ThunkState.Unforced);
  expect(state('c')).toBe(ThunkState.Unforced);
  // An operand not forced yet (`a`: unforcing it would show), an attribute not there.
  expect(state('d')).toBe(ThunkState.Pending);
  expect(state('e')).toBe(ThunkState.Pending);
  expect(state('f')).toBe(ThunkState.Pending);
  expect(state('g')).toBe(ThunkState.Unforced);
  expect(state('h')).toBe(ThunkState.Pending);
  expect(state('i')).toBe(ThunkState.Unforced);
  // With an explicit max-call-depth, `n - 1` stays a thunk: C++ Nix's call of __sub is counted
  // where it is forced. `+` and `==` are no calls in C++ Nix.
  expect(state('a', { maxCallDepth: 100 })).toBe(ThunkState.Pending);
  expect(state('b', { maxCallDepth: 100 })).toBe(ThunkState.Unforced);
});

test('strings with quotes, backslashes and `${` compared at once: constants come from the chunk', () => {
  const expr = 'let a = "q\\"\\\\${"x"}`*/\u2028"; in { eq = a == "q\\"\\\\x`*/\u2028"; ne = a != "\\u0000"; }';
  sameInBothTiers(expr, true);
  expect(shown(expr, { tier: 'compiled', strict: true })).toBe('{ eq = true; ne = true; }');
});
