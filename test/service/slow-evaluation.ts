// An evaluation that keeps a worker busy for about two seconds on a quiet machine: eight
// million additions in nested folds. Tests that must catch an evaluation in flight (shutdown,
// failover, busy metrics) use it; a single flat loop such as `foldl' … (genList … 400000)` now
// ends in a few hundred milliseconds, faster than the tests' polls could rely on.
export const SLOW_EXPR = "builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: builtins.foldl' (a: b: a + b) x (builtins.genList (y: y) 1000)) 8000)";

/** The value of SLOW_EXPR: the sum over x < 8000 of x + (0 + … + 999). */
export const SLOW_VALUE = 4027996000;
