// The compiled tier against the frame-stack VM: random programs (programs.ts) must give the
// same value, or the same rendered error with its trace, and the same messages, in both. The
// compiled tier runs with every chunk translated at its first run, once more with a tiny
// depth budget, so that computations cross between the tiers every few calls, with every
// other chunk left to the VM, and with cold functions turning hot at their second run.

import fc from 'fast-check';
import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { withBudget } from './budget.js';
import { defaultHotRuns, setHotRuns } from '../../src/codegen/runtime.js';
import { program } from './programs.js';
import { EvalTimeout } from '../../src/limits/limits.js';

/**
 * Random programs can loop for ever (`let b = c: b 1; in b 1` is an endless tail call, as in C++
 * Nix): each evaluation has this long, and one that runs out of time in every tier agrees.
 */
const DEADLINE_MS = 5_000;

/** What a user sees of an evaluation: the value printed, or the error rendered, and the messages. */
function outcome(expr: string, options: Partial<EvaluateOptions>): string {
  let r;
  try {
    r = evaluate({ expr, strict: true, baseDir: '/base', deadline: Date.now() + DEADLINE_MS, ...options });
  } catch (e) {
    if (e instanceof EvalTimeout) return 'timed out';
    throw e;
  }
  const shown = r.ok ? `value: ${printValue(r.value, { trackRepeated: true })}` : `error: ${r.rendered}`;
  return `${shown}\nmessages: ${r.messages.join('\n')}`;
}

afterAll(() => setHotRuns(defaultHotRuns()));

const RUNS = Number(process.env.NIXEVAL_FUZZ_RUNS ?? 400);

/** Every other chunk translated, the others left to the VM, so calls cross between tiers everywhere. */
function everyOther(): (chunk: unknown) => boolean {
  let n = 0;
  return () => n++ % 2 === 0;
}

/**
 * The same value, or error and trace, and messages, in the VM alone and in the compiled tier in
 * its four mixes (the last with each chunk's cold function replaced by its hot one at its
 * second run, so that both versions run).
 */
function sameInBothTiers(expr: string): void {
  const vm = outcome(expr, { tier: 'vm' });
  setHotRuns(0);
  expect(outcome(expr, { tier: 'compiled' })).toBe(vm);
  expect(withBudget(3, () => outcome(expr, { tier: 'compiled' }))).toBe(vm);
  setHotRuns(0, everyOther());
  expect(outcome(expr, { tier: 'compiled' })).toBe(vm);
  setHotRuns(0, () => true, 1);
  expect(outcome(expr, { tier: 'compiled' })).toBe(vm);
}

test('errors at operands without a position, in assert conditions and in formals arguments: as in the VM', () => {
  for (const expr of [
    'if 1 then 2 else 3', '!"a"', 'assert [ ]; 1', '1 // { }', '(let x = throw "t"; in x) == 1',
    'assert { a = throw "t"; } == { a = 1; }; 1', 'assert 1 == 2; 1', 'let f = { a }: a; in f (throw "t")', '{ a = 1; }.${1}', '{ a = 1; }.${throw "t"}',
    'let d = { n = "x"; }; s = { a.y = 1; }; in s.a.${d.n}', 'let v = { a = assert 1 == 2; 1; }; in assert v == { a = 1; }; 1', 'let s = { a.b = throw "t"; }; k = "b"; in s.a.${k}',
    'let c = [ 4 ]; in (f: 1).${ c ? "${"x"}"."a b" }', 'let s = { b = { }; }; y = { a = "b"; }; in s.${if y ? ${"a"}.z then "b" else "b"}.c',
    // The trace names each dynamic name of the select (one kept as itself, more in an array).
    'let s = { a.b.c = throw "t"; }; k = "b"; j = "c"; in s.${"a"}.${k}.${j}', 'let s = { a.b = throw "t"; }; k = "b"; in s.${"a"}.${k}',
    'let s = { a = throw "t"; }; in s.${"a"}', 'let s = { a.b.c = throw "t"; }; j = "c"; in s.a.${"b"}.${j} or 1',
  ]) sameInBothTiers(expr);
});

test("builtins' quick answers for evaluated arguments, and where they leave the call to the builtin: as in the VM", () => {
  // Each with the arguments evaluated (the quick answer), pending (the builtin forces them), or
  // of the wrong type or out of range (the builtin's error); with both arguments at once and one
  // at a time (BuiltinSpec.quick1, quick2).
  const bind = 'let inherit (builtins) elemAt hasAttr getAttr div stringLength functionArgs; l = [ 1 (2 + 1) "x" (throw "e") ]; '
    + 's = { a = 1; b = 1 + 1; t = throw "t"; }; c = builtins.appendContext "c" { "/nix/store/00000000000000000000000000000000-x" = { path = true; }; }; in ';
  for (const body of [
    'builtins.seq (elemAt l 1) [ (elemAt l 0) (elemAt l 1) (elemAt l 2) (map (elemAt l) [ 0 1 2 ]) ]', '[ (elemAt l 1) ]', 'elemAt l 3', 'elemAt l 4',
    'elemAt l (-1)', 'elemAt s 0', 'elemAt l "0"', 'let at = elemAt l; in [ (at 0) (at 2) ]',
    'builtins.seq (getAttr "b" s) [ (getAttr "a" s) (getAttr "b" s) (hasAttr "a" s) (hasAttr "z" s) ]', 'getAttr "t" s', 'getAttr "z" s', 'getAttr 1 s',
    'getAttr c s', 'hasAttr c s', 'hasAttr "a" l', 'let has = hasAttr "a"; get = getAttr "b"; in [ (has s) (get s) ]',
    '[ (div 7 2) (div (-7) 2) (div 7 (-2)) (div 0 (-3)) (div 4294967296 3) (div 1.5 2) ]', 'div 1 0', 'div "a" 1', 'let d = div 9; in d 4',
    '[ (stringLength "abc") (stringLength c) (stringLength ./p) ]', 'stringLength 1',
    '[ (functionArgs ({ a, b ? 1 }: a)) (functionArgs functionArgs) ]', 'functionArgs 1',
    '[ "a${"b"}c" "${c}d" "${"e"}${c}" (builtins.getContext "x${c}") ]', '"a${1}"', '"${"a"}${./p}"',
  ]) sameInBothTiers(bind + body);
});

test('random programs: the compiled tier gives what the VM gives', () => {
  fc.assert(fc.property(program(), sameInBothTiers), { numRuns: RUNS });
});

// Builtins have two versions, a generator for the VM and a plain function for the compiled tier.
test('random builtin calls: the direct versions of the builtins give what their generators give', () => {
  fc.assert(fc.property(program(4, true), sameInBothTiers), { numRuns: RUNS });
});
