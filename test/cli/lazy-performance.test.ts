// The bundle's `performance` (src/cli/lazy-performance.ts): Node's, loaded when first used.

import { performance as lazy } from '../../src/cli/lazy-performance.js';

test('now() is the clock of Node\'s performance', () => {
  const before = globalThis.performance.now();
  const t = lazy.now();
  expect(t).toBeGreaterThanOrEqual(before);
  expect(t).toBeLessThanOrEqual(globalThis.performance.now());
});

test('everything else is Node\'s own, methods bound to it', () => {
  expect(lazy.timeOrigin).toBe(globalThis.performance.timeOrigin);
  expect('mark' in lazy).toBe(true);
  const mark = lazy.mark('nixeval-lazy-performance');
  expect(mark.name).toBe('nixeval-lazy-performance');
  expect(globalThis.performance.getEntriesByName('nixeval-lazy-performance')).toHaveLength(1);
  globalThis.performance.clearMarks('nixeval-lazy-performance');
});
