// How a computation crosses between the two tiers.
//
// The frame-stack VM (src/vm/) never recurses in JS: it is what lets any Nix program run
// however deep it goes. The compiled tier (this folder) runs a chunk as a JS function that
// forces and calls by direct JS calls, so its depth is the JS stack's. Both share thunks,
// closures and environments, so a computation moves from one to the other at any call or
// force:
//
// - Compiled code calls a lambda or forces a thunk directly (runtime.ts: callLambda,
//   forceThunk) while `stack.depth`, the activations of compiled code in progress, is under
//   `stack.budget`, and the callee's chunk has a JS function. Otherwise the callee runs in
//   the VM: vmCall and vmForce push its frame and run the VM's loop at the current height
//   (VM.runCall, VM.runThunk) and return its value.
// - The VM, on a call or force whose chunk has a JS function, runs it directly when there is
//   room (depth < budget), as one step of its loop (VM.callValue, VM.startThunk).
// - A nested run of the VM counts as VM_UNITS activations. So while the depth is at the
//   budget, the VM runs everything itself and never enters compiled code: the JS stack stays
//   bounded (budget activations, plus one VM loop) however deep the Nix computation goes, and
//   once the nested run returns, compiled code carries on with its value. Errors cross the
//   same way, each tier adding the trace lines of its own frames.
// - Both tiers count Nix calls as C++ Nix's callDepth does, for max-call-depth (a VM frame in
//   its `depth`, compiled code in `stack.calls`): the VM sets `stack.calls` to the depth of the
//   frame it runs compiled code from, and a nested run of the VM starts from `stack.calls`.
//   Compiled code runs only at a depth where the calls it makes inline (the arithmetic
//   builtins) are allowed: deeper, the VM runs the call or force, and fails where it must.
//
// The budget comes from the JS stack the thread has (V8's default or --stack-size on the main
// thread; a worker's stackSizeMb, which the code that runs the worker passes to
// useWorkerStack: this module does not load node:worker_threads, whose loading costs a cold
// command line about 4 ms of CPU), at a cost per activation measured on the deepest kind of
// recursion (see bench/stack-depth.ts), with half the stack left for the VM, builtins and the
// parser. Until told, a worker has the main thread's budget, the smaller one.

import type { SourcePos } from '../errors/errors.js';
import type { BuiltinContext, EvalState, Thunk, Value } from '../value/values.js';
import type { TailCallLog } from '../vm/tail-calls.js';

/** The VM as the compiled tier sees it. */
export interface Interpreter {
  readonly state: EvalState;
  /** What builtins called from compiled code get (the same for every call; its callDepth is `stack.calls`). */
  readonly builtinContext: BuiltinContext;
  readonly globals: Map<string, Value>;
  /** C++ Nix's max-call-depth: a call made while more calls than this are in progress fails. */
  readonly maxCallDepth: number;
  /** Whether compiled code may compute the arithmetic of a thunk at once (see the VM's). */
  readonly eagerArithmetic: boolean;
  /** Calls fn with args on the VM's frame stack and returns the result. */
  runCall(fn: Value, args: Value[], pos: SourcePos | undefined, tailCalls: TailCallLog | null): Value;
  /** Forces a thunk (pending, not blackholed) on the VM's frame stack and returns its value. */
  runThunk(t: Thunk): Value;
  /** The deadline and the embedder's limits (memory, cancellation): throws to stop. */
  checkLimits(): void;
}

/**
 * Bytes of JS stack one activation of compiled code may take, at most: bench/stack-depth.ts
 * measures up to 599 for the kinds of recursion it tries, in V8's interpreter (whose frames
 * are the largest). A function with many locals counts as several activations.
 */
export const BYTES_PER_UNIT = 640;
/** What one nested run of the VM costs, in activations. */
export const VM_UNITS = 8;
/** Compiled calls and forces between two checks of the deadline and limits. */
export const TICKS_BETWEEN_CHECKS = 10000;
/**
 * Compiled calls and forces before the process's first check: few, so that `tick`'s rare
 * branch has run (and V8 has its type feedback) before TurboFan first optimises the helpers
 * it is inlined into (forceThunk, enterLambda, ...). Reached first after 10,000, it was a
 * deoptimisation of each of them ("insufficient type feedback") and one more TurboFan job.
 */
const TICKS_BEFORE_FIRST_CHECK = 200;

/** The JS stack of the main thread, in bytes: V8's --stack-size (in KiB), 984 KiB unless set. */
export function mainThreadStackBytes(): number {
  const flag = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].find((a) => a.startsWith('--stack-size='));
  const kib = flag ? Number(flag.slice('--stack-size='.length)) : NaN;
  return (Number.isFinite(kib) && kib > 0 ? kib : 984) * 1024;
}

/**
 * The most activations of compiled code in progress, however large the stack. Every scavenge
 * of V8's young generation walks the whole JS stack, and a deep recursion keeps what it made
 * on the way down alive: past some depth, compiled frames cost more in those walks than the
 * VM (whose frames are heap objects) costs in dispatch. Measured in BENCHMARKS.md
 * ("Mid-range workloads"): a 10,000-deep recursion runs 2.6 times faster compiled than in the
 * VM; a 100,000-deep one is slowest with 50,000 compiled levels below the VM's.
 */
export const MAX_BUDGET = 16000;

/** Activations of compiled code the thread's stack allows: half of it, the rest left for everything else. */
export function budgetFor(stackBytes: number): number {
  return Math.min(MAX_BUDGET, Math.max(0, Math.floor(stackBytes / 2 / BYTES_PER_UNIT) - VM_UNITS));
}

/**
 * The activations of compiled code in progress and how many the stack allows. One per thread
 * (evaluations on a thread run one after another); `session` is the VM running now.
 */
export const stack = {
  depth: 0,
  budget: budgetFor(mainThreadStackBytes()),
  /** Countdown to the next check of limits. */
  ticks: TICKS_BEFORE_FIRST_CHECK,
  session: null as Interpreter | null,
  /**
   * Nix calls in progress (C++ Nix's callDepth) where compiled code runs now: each call it
   * makes is one more while it runs, a tail call included (see crossing's header).
   */
  calls: 0,
  /** The session's max-call-depth. */
  maxCalls: 0,
  /** The session's eagerArithmetic (see the VM's). */
  eagerArithmetic: false,
  /** `__overrides` being evaluated (op-semantics.ts recOverridesGen): no value computed at once. */
  overriding: 0,
  /** Called when compiled code reaches the budget: see whenBudgetReached. */
  onBudgetReached: null as ((returned: boolean) => void) | null,
};

/** Sets the budget for the worker thread this runs in, from its resourceLimits.stackSizeMb (if set). */
export function useWorkerStack(stackSizeMb: number | undefined): void {
  if (stackSizeMb !== undefined) stack.budget = budgetFor(stackSizeMb * 1024 * 1024);
}

/**
 * Calls `hook(false)` each time, from now on, that compiled code has reached the budget and a
 * call or force moves to the VM (not again within the VM's nested run: it runs everything
 * itself), and `hook(true)` when that run has returned its value. The hook may throw to
 * abandon the evaluation: the command line does so when deep recursions come one after
 * another early in a run, to run it again on a thread whose stack lets them run as compiled
 * code (src/cli/instantiate-main.ts). null: no hook.
 */
export function whenBudgetReached(hook: ((returned: boolean) => void) | null): void {
  stack.onBudgetReached = hook;
}

/** Whether compiled code may run one more activation now. */
export function hasRoom(): boolean {
  return stack.depth < stack.budget;
}

/** Makes `vm` the VM compiled code falls back to; returns the one before, for leaveSession. */
export function enterSession(vm: Interpreter): Interpreter | null {
  const prev = stack.session;
  stack.session = vm;
  stack.maxCalls = vm.maxCallDepth;
  stack.eagerArithmetic = vm.eagerArithmetic;
  // (An evaluation abandoned while it evaluated `__overrides` left its count.)
  if (prev === null) stack.overriding = 0;
  return prev;
}

export function leaveSession(prev: Interpreter | null): void {
  stack.session = prev;
  if (prev !== null) {
    stack.maxCalls = prev.maxCallDepth;
    stack.eagerArithmetic = prev.eagerArithmetic;
  }
}

/** Counts one compiled activation towards the next check of the deadline and limits. */
export function tick(): void {
  if (--stack.ticks < 0) {
    stack.ticks = TICKS_BETWEEN_CHECKS;
    stack.session!.checkLimits();
  }
}

/** Runs the call in the VM, nested at the current height. */
export function vmCall(fn: Value, args: Value[], pos: SourcePos | undefined, tailCalls: TailCallLog | null): Value {
  if (stack.onBudgetReached !== null && stack.depth >= stack.budget) return watched(() => runCallNested(fn, args, pos, tailCalls));
  return runCallNested(fn, args, pos, tailCalls);
}

function runCallNested(fn: Value, args: Value[], pos: SourcePos | undefined, tailCalls: TailCallLog | null): Value {
  const calls = stack.calls;
  stack.depth += VM_UNITS;
  try {
    return stack.session!.runCall(fn, args, pos, tailCalls);
  } finally {
    stack.depth -= VM_UNITS;
    stack.calls = calls;
  }
}

/** Forces the thunk in the VM, nested at the current height. */
export function vmForce(t: Thunk): Value {
  if (stack.onBudgetReached !== null && stack.depth >= stack.budget) return watched(() => runThunkNested(t));
  return runThunkNested(t);
}

function runThunkNested(t: Thunk): Value {
  const calls = stack.calls;
  stack.depth += VM_UNITS;
  try {
    return stack.session!.runThunk(t);
  } finally {
    stack.depth -= VM_UNITS;
    stack.calls = calls;
  }
}

/**
 * A move to the VM past the budget, between the calls of the hook (see whenBudgetReached).
 * The nested run does not reach the budget again: its depth is past it, so the VM runs
 * everything itself.
 */
function watched(move: () => Value): Value {
  const hook = stack.onBudgetReached!;
  hook(false);
  const v = move();
  hook(true);
  return v;
}
