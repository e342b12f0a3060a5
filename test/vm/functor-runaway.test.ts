// A runaway through `__functor` (`let f = { __functor = s: s; }; in f 1`) is millions of
// frames deep when it reaches the default max-call-depth. The error's way out adds the
// functor's line at each of them; the VM adds it itself (vm.ts unwind) rather than throwing
// the error into each frame's generator (functorGen), which cost most of the 25 s such a
// runaway took. The lines and the error stay those the generator would give.

import { evaluate } from '../../src/eval.js';
import { renderError } from '../../src/errors/render.js';

const RUNAWAYS = [
  'let f = { __functor = s: s; }; in f 1',
  'let f = { __functor = self: x: self x; }; in f 1',
  // The functor's error, not a depth: its line at each level on the way out.
  'let f = n: { __functor = self: x: if n == 0 then throw "bottom" else f (n - 1) x; }; in f 300 1',
];

/** Generators' throw(): every generator object inherits the same one. */
const generatorPrototype = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())) as { throw: (e: unknown) => unknown };

function rendered(expr: string, tier: 'vm' | 'compiled', showTrace: boolean): string {
  const r = evaluate({ expr, tier, maxCallDepth: 2000 });
  if (r.ok) throw new Error('evaluated');
  return renderError(r.error, { showTrace });
}

test.each(RUNAWAYS)('the way out of %s throws into no generator per level', (expr) => {
  const original = generatorPrototype.throw;
  let throws = 0;
  generatorPrototype.throw = function (this: unknown, e: unknown) {
    throws++;
    return original.call(this, e);
  };
  try {
    rendered(expr, 'vm', false);
  } finally {
    generatorPrototype.throw = original;
  }
  // Before: one per level (2,000, or 300).
  expect(throws).toBeLessThan(20);
});

test.each(RUNAWAYS)('%s: the same error and trace in both tiers, with and without --show-trace', (expr) => {
  for (const showTrace of [false, true]) {
    const vm = rendered(expr, 'vm', showTrace);
    expect(vm).toContain("while calling a functor (an attribute set with a '__functor' attribute)");
    expect(rendered(expr, 'compiled', showTrace)).toBe(vm);
  }
});
