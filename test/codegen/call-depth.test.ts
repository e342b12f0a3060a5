// max-call-depth with the compiled tier on: both tiers count Nix calls as C++ Nix's callDepth
// does (a tail call one level like any other, including the compiled tier's loop of tail
// calls), and a computation crossing between them keeps its count, so a program fails past
// the limit at the same call, with the same error and trace, however its chunks are run.

import fc from 'fast-check';
import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { withBudget } from './budget.js';
import { defaultHotRuns, setHotRuns } from '../../src/codegen/runtime.js';
import { EvalTimeout } from '../../src/limits/limits.js';
import { program } from './programs.js';
import { renderError } from '../../src/errors/render.js';

afterAll(() => setHotRuns(defaultHotRuns()));

const OVERFLOW = 'stack overflow; max-call-depth exceeded';

function outcome(expr: string, options: Partial<EvaluateOptions>): string {
  let r;
  try {
    r = evaluate({ expr, strict: true, baseDir: '/base', deadline: Date.now() + 5_000, ...options });
  } catch (e) {
    if (e instanceof EvalTimeout) return 'timed out';
    throw e;
  }
  // The trace as shown without --show-trace too.
  return r.ok ? `value: ${printValue(r.value, { trackRepeated: true })}` : `error: ${r.rendered}\n${renderError(r.error, { showTrace: false })}`;
}

let nth = 0;
/** Every other chunk translated, the others left to the VM. */
const everyOther = (): boolean => nth++ % 2 === 0;

/** The outcome with the limit in the VM alone, checked to be that of the compiled tier in its mixes. */
function sameInBothTiers(expr: string, maxCallDepth: number): string {
  const options = { maxCallDepth };
  const vm = outcome(expr, { tier: 'vm', ...options });
  setHotRuns(0);
  expect(outcome(expr, { tier: 'compiled', ...options })).toBe(vm);
  expect(withBudget(3, () => outcome(expr, { tier: 'compiled', ...options }))).toBe(vm);
  setHotRuns(0, everyOther);
  expect(outcome(expr, { tier: 'compiled', ...options })).toBe(vm);
  // Translated at the second run: the first calls of each chunk in the VM, the others compiled.
  setHotRuns(2);
  expect(outcome(expr, { tier: 'compiled', ...options })).toBe(vm);
  setHotRuns(defaultHotRuns());
  return vm;
}

const recursion = (n: number): string => `let f = n: if n == 0 then 0 else 1 + f (n - 1); in f ${n}`;

describe('max-call-depth in both tiers', () => {
  test('the boundary of `--max-call-depth 100` for a recursion: the same in both tiers, the compiled tier on', () => {
    // f 1 .. f 100 and the `n - 1` (a call of __sub) forced in f 1 at depth 101: past 100.
    let translated = 0;
    setHotRuns(0, () => { translated++; return true; });
    expect(outcome(recursion(99), { tier: 'compiled', maxCallDepth: 100 })).toBe('value: 99');
    expect(translated).toBeGreaterThan(0);
    expect(outcome(recursion(100), { tier: 'compiled', maxCallDepth: 100 })).toMatch(`error: ${OVERFLOW}`);
    for (const n of [97, 98, 99, 100, 101]) sameInBothTiers(recursion(n), 100);
  });

  const runaways: [string, string][] = [
    ['a tail loop', 'let f = x: f x; in f 1'],
    ['a non-tail recursion', 'let f = x: 1 + f x; in f 1'],
    ['a functor', '({ __functor = s: s; }) 1'],
    ['a mutual recursion', 'let f = x: g x; g = x: f x; in f 1'],
    ['a mutual non-tail recursion', 'let f = x: [ (g x) ]; g = x: builtins.head (f x); in f 1'],
    ['x: x x', '(x: x x) (x: x x)'],
    ['a loop of two arguments', 'let f = a: b: f b a; in f 1 2'],
    ['a loop through a builtin', 'let f = x: builtins.seq x (f x); in f 1'],
    ['a loop through a builtin\'s callback', 'let f = x: builtins.foldl\' (a: b: f b) 0 [ x ]; in f 1'],
  ];
  test.each(runaways)('%s stops at the limit with the same error and trace in both tiers', (_, expr) => {
    for (const limit of [1, 2, 3, 7, 50]) {
      expect(sameInBothTiers(expr, limit)).toContain(`error: ${OVERFLOW}`);
    }
  });

  test('programs near the limit, at each limit: the same in both tiers', () => {
    for (const expr of [
      recursion(12),
      'let f = n: if n == 0 then "done" else f (n - 1); in f 12',
      'let f = n: acc: if n == 0 then acc else f (n - 1) (acc + 1); in f 12 0',
      'builtins.foldl\' (a: b: a + b) 0 (builtins.genList (x: x * 2) 6)',
      'let f = n: if n == 0 then [] else map (x: x + 1) (f (n - 1)) ++ [n]; in builtins.length (f 4)',
      'let s = { __functor = self: n: if n == 0 then 0 else 1 + self (n - 1); }; in s 5',
      'let f = n: if n == 0 then "" else "${toString n}${f (n - 1)}"; in f 5',
      'builtins.toJSON (let f = n: if n == 0 then 0 else [ (f (n - 1)) ]; in f 5)',
      'let fix = f: let x = f x; in x; in (fix (self: { a = n: if n == 0 then 0 else self.a (n - 1); })).a 8',
      'let f = n: if n < 1 then 0 else (x: x) (f (n - 1)) * 2; in f 6',
      'builtins.length (builtins.filter (x: x / 2 * 2 == x) (builtins.genList (x: x) 10))',
    ]) {
      for (let limit = 1; limit <= 20; limit++) sameInBothTiers(expr, limit);
    }
  });

  test('a functor\'s arguments after the first are applied in the call of the set, not one deeper (C++ Nix\'s callFunction loop)', () => {
    // The set's call at depth 1, its functor's at 2 (`self: a:` takes set and 1 there), then
    // `b: builtins.add a b` applied to 2 at depth 1, so the add is the second call in progress.
    const expr = '({ __functor = self: a: b: builtins.add a b; }) 1 2';
    expect(sameInBothTiers(expr, 1)).toBe('value: 3');
    expect(sameInBothTiers(expr, 0)).toContain(`error: ${OVERFLOW}`);
    for (let limit = 0; limit <= 12; limit++) {
      sameInBothTiers('let s = { __functor = self: a: b: if b == 0 then a else self (a + 1) (b - 1); }; in s 0 4', limit);
      sameInBothTiers('let s = { __functor = self: a: b: c: if c == 0 then a + b else s a b (c - 1); }; in [ (s 1 2 3) (builtins.map (s 1 2) [ 0 1 ]) ]', limit);
    }
  });

  test('random programs with a small limit: the same in both tiers', () => {
    fc.assert(fc.property(program(), fc.integer({ min: 1, max: 12 }), (expr, limit) => { sameInBothTiers(expr, limit); }), { numRuns: 150 });
  });
});
