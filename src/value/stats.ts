// Evaluation statistics, as C++ Nix prints them with NIX_SHOW_STATS=1: how many thunks,
// environments, calls, sets, list elements and `//` copies an evaluation made. They say where
// nixeval does more work than C++ Nix (see BENCHMARKS.md), not how long it took.
//
// Counting costs nothing when it is off. Whether it is on is decided once per process, when
// this module loads (NIX_SHOW_STATS set to anything but "0", as C++ Nix reads it), and:
// - the compiler emits Op.Count instructions (counts[kind] += n) only when it is on, for what
//   compiled code does: thunks made, variables and constants that needed none, lambda calls
//   and their environments, `let`/`with` environments, attribute lookups, list literals, the
//   arithmetic operators C++ Nix calls as builtins. Both tiers run them (the VM as any other
//   instruction, the compiled tier as an increment in the generated function);
// - the few runtime sites that code alone cannot see (sets made anywhere, `//`, `++`, builtin
//   calls, `with` lookups) test STATS_ON, a constant TurboFan folds away.
//
// The value/ layer holds it because every layer that counts (compiler, vm, codegen, value,
// builtins) already imports value/; it imports nothing.

/** Whether this process counts (decided once: NIX_SHOW_STATS, as C++ Nix). */
export const STATS_ON: boolean = (() => {
  const v = typeof process === 'undefined' ? undefined : process.env.NIX_SHOW_STATS;
  return v !== undefined && v !== '0';
})();

/** What Op.Count's first operand counts (an index into `counts`). */
export const enum Counter {
  /** Thunks made by code (Op.Thunk, and literals wrapped as not yet forced: Op.Unforced). */
  Thunks,
  /** Lazy places that needed no thunk: a variable's value or a constant used as it is. */
  Avoided,
  /** Lambda calls (counted as the lambda's code starts). */
  FunctionCalls,
  /**
   * Environments: Op.Count(Envs, n) counts one of n slots (Envs and EnvElements both move). A
   * lambda's own one is counted at its start, unless the compiled tier runs it without one.
   */
  Envs,
  EnvElements,
  /** Attribute selections, one per name of the path (C++ Nix's ExprSelect). */
  Lookups,
  /** Builtin calls with all their arguments, and `-`, `*`, `/`, `<` (builtin calls in C++ Nix). */
  PrimOpCalls,
  /** `//` operations, and the values copied into new sets by them. */
  OpUpdates,
  OpUpdateValuesCopied,
  /** `++` operations. */
  ListConcats,
  /** Elements of lists made by list literals and `++`. */
  ListElements,
  /** Attribute sets made (literals, `//`, builtins, ...), and their attributes. */
  Sets,
  SetElements,
  /** Lookups of a variable through `with` scopes. */
  WithLookups,
}

const COUNTERS = 14;

/** The counts of this process (all zero unless STATS_ON). */
export const counts: Float64Array = new Float64Array(COUNTERS);

/** Adds to a counter (for runtime sites; they test STATS_ON first). */
export function count(counter: Counter, n = 1): void {
  counts[counter] += n;
}
