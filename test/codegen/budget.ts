// The compiled tier's depth budget, set for the length of one test step: a small budget makes
// calls and forces cross into the frame-stack VM where a test wants to see them cross.

import { stack } from '../../src/codegen/crossing.js';

export function withBudget<T>(budget: number, f: () => T): T {
  const saved = stack.budget;
  stack.budget = budget;
  try {
    return f();
  } finally {
    stack.budget = saved;
  }
}
