// getSlot and setSlot (src/value/env.ts) are given every environment class at load, so code
// that inlines them (the VM's loop) is optimised for all of them and is not deoptimised by
// the first environment of a class it had not met ("wrong map"). Checked with V8's natives
// syntax (allowed from inside; it applies to functions compiled after).

import { setFlagsFromString } from 'node:v8';
import { getSlot, newEnv, setSlot, type Env, type Value } from '../../src/value/values.js';

setFlagsFromString('--allow-natives-syntax');

type Natives = {
  prepare(f: unknown): void;
  optimizeNext(f: unknown): void;
  optimized(f: unknown): boolean;
};
const natives = new Function(`return {
  prepare: (f) => %PrepareFunctionForOptimization(f),
  optimizeNext: (f) => %OptimizeFunctionOnNextCall(f),
  // Bit 4 (16): TurboFan code is installed (V8's OptimizationStatus::kOptimized).
  optimized: (f) => (%GetOptimizationStatus(f) & 16) !== 0,
};`)() as Natives;

/** A fresh function around `body`, so its own optimisation is what the test looks at. */
function optimisedAfter(body: (e: Env) => Value, first: Env): (e: Env) => Value {
  const f = new Function('body', 'return (e) => body(e);')(body) as (e: Env) => Value;
  natives.prepare(f);
  // Enough calls for V8 to give the functions feedback (it allocates it after the first few).
  for (let i = 0; i < 50; i++) f(first);
  natives.optimizeNext(f);
  f(first);
  return f;
}

test('natives syntax is in effect (else the test below tests nothing)', () => {
  const f = optimisedAfter((e) => e.s1, newEnv(null, 1n, 1));
  expect(natives.optimized(f)).toBe(true);
});

test('reading and writing slot 2 of environments of every size keeps an optimised reader', () => {
  const reader = optimisedAfter((e) => getSlot(e, 2), newEnv(null, 1n, 3));
  const writer = optimisedAfter((e) => { setSlot(e, 2, 5n); return null; }, newEnv(null, 1n, 3));
  expect(natives.optimized(reader)).toBe(true);
  expect(natives.optimized(writer)).toBe(true);
  for (let n = 2; n <= 20; n++) {
    const e = newEnv(null, 1n, n);
    writer(e);
    expect(reader(e)).toBe(5n);
  }
  expect(natives.optimized(reader)).toBe(true);
  expect(natives.optimized(writer)).toBe(true);
});
