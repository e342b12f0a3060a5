// Compiled code checks the deadline and the embedder's limits every TICKS_BETWEEN_CHECKS calls
// and forces (crossing.ts `tick`), and the first time after only a few hundred: that rare
// branch then runs (and V8 has its type feedback) before TurboFan first optimises the helpers
// `tick` is inlined into, where reached first after 10,000 it deoptimised each of them.
// This file's module state is its own (jest loads modules per test file): the countdown starts
// here as in a fresh process.

import { evaluate } from '../../src/eval.js';
import { defaultHotRuns, setHotRuns } from '../../src/codegen/runtime.js';
import { TICKS_BETWEEN_CHECKS } from '../../src/codegen/crossing.js';

afterAll(() => setHotRuns(defaultHotRuns()));

/** How often the evaluation checked its limits, and its value. */
function checksOf(expr: string): { checks: number; value: unknown } {
  let checks = 0;
  const r = evaluate({ expr, strict: true, tier: 'compiled', baseDir: '/base', checkLimits: () => { checks++; } });
  return { checks, value: r.ok ? r.value : r.rendered };
}

test('the first check of limits from compiled code comes within its first thousand calls', () => {
  setHotRuns(0);
  const calls = 1000;
  expect(calls).toBeLessThan(TICKS_BETWEEN_CHECKS);
  // What the evaluation checks without compiled code's ticks.
  const none = checksOf('1');
  const recursion = checksOf(`let f = n: if n == 0 then 0 else 1 + f (n - 1); in f ${calls}`);
  expect(recursion.value).toBe(calls);
  expect(recursion.checks).toBeGreaterThan(none.checks);
});
