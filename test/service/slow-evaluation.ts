// An evaluation that keeps a worker busy for a while: `outer` thousand-element folds of additions
// nested in one fold. Tests that must catch an evaluation in flight (shutdown, failover, busy
// metrics) use it; a single flat loop such as `foldl' … (genList … 400000)` now ends in a few
// hundred milliseconds, faster than the tests' polls could rely on.
export function slowEvaluation(outer: number): { expr: string; value: number } {
  const expr = `builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: builtins.foldl' (a: b: a + b) x (builtins.genList (y: y) 1000)) ${outer})`;
  // The sum over x < outer of x + (0 + … + 999).
  return { expr, value: (outer * (outer - 1)) / 2 + 499500 * outer };
}

/** Eight million additions: about 1.2 s on a quiet machine (first run of a worker). */
export const { expr: SLOW_EXPR, value: SLOW_VALUE } = slowEvaluation(8000);
