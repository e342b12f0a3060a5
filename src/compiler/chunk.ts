// Compiled code: a chunk is a flat array of opcodes and operands with a constant pool and,
// for every code index, the source offset it came from (for error positions).

import type { Source } from '../syntax/source.js';
import type { SourcePos } from '../errors/errors.js';
import type { AttrPositions, AttrShape, Env, Value } from '../value/values.js';

export const enum Op {
  /** k: push consts[k] */
  Const,
  /** d i: push slot i of the environment d levels up (unforced) */
  Local,
  /** k: push the global (builtin) named consts[k] */
  Global,
  /** k: consts[k] = { name, withDepths }: look the name up through the `with` scopes */
  WithVar,
  /** force the value on top of the stack */
  Force,
  /** k: push a thunk of chunk consts[k] in the current environment */
  Thunk,
  /** k: push a closure of lambda consts[k] in the current environment */
  Closure,
  /** n: call the function below n arguments */
  Call,
  /** n: call and return its result as this frame's result, reusing the frame */
  TailCall,
  Return,
  Pop,
  /** off: jump to off */
  Jump,
  /** off: pop a Boolean; jump if false */
  JumpIfFalse,
  /** off: pop a Boolean; jump if true */
  JumpIfTrue,
  /** pushes the Boolean on top checked ("in the right operand of &&") */
  AssertBool,
  Not,
  /** n: push a new environment with n slots */
  PushEnv,
  PopEnv,
  /** i: pop into slot i of the current environment */
  SetLocal,
  /** k: consts[k] = the literal's AttrShape; pops one value per name (in order), pushes the set */
  Attrs,
  /** k: consts[k] = the literal's AttrShape; pushes a set of the current environment's slots 1.. */
  AttrsFromEnv,
  /** k: consts[k] = names; applies the `__overrides` of the rec set on the stack to it and its environment */
  RecOverrides,
  /** stack: set, name, value -> set with the dynamic attribute added (unless name is null) */
  DynAttr,
  /** forget the last selected attribute (for traces) */
  ClearSelected,
  /** k: pop a set, push its attribute consts[k] (error if missing) */
  Select,
  /** k off: pop a set; push the attribute or jump to off if missing or not a set */
  SelectOr,
  /** pop a forced name, pop a set, push the attribute */
  SelectDyn,
  /** off: pop name, pop set; push attr, or jump to off */
  SelectDynOr,
  /** k: pop value; push whether it is a set with attribute consts[k] (false if not a set) */
  HasAttr,
  /** pop name, pop value; push whether it has it */
  HasAttrDyn,
  /** k off: pop value; if it is a set with consts[k], push the attribute, else push false and jump */
  HasAttrStep,
  /** off: dynamic version of HasAttrStep (name on top) */
  HasAttrStepDyn,
  /** n: pop n values, push a list */
  List,
  Eq,
  Neq,
  /**
   * k: the first operand of `a + b` on top: unless it is a string, number or path, start a
   * concatenation with it now (coercing it), before b is evaluated. consts[k] = ConcatLayout
   */
  AddPrepare,
  /** k: pop b, pop a (a value or a started concatenation), push a + b; consts[k] = ConcatLayout */
  Add,
  Sub,
  Mul,
  Div,
  Less,
  Concat,
  /** check that the value on top is a set ("expected a set", without a position of its own) */
  AssertAttrs,
  /** n: pop n sets, the leftmost operand on top; push leftmost // ... // rightmost */
  Update,
  /**
   * i k: part i of an interpolation (or an interpolated path) on top: add it to the
   * concatenation below it (part 0 starts one); the last part leaves the result.
   * consts[k] = ConcatLayout
   */
  ConcatPart,
  /** k: consts[k] = formals info; binds the lambda's formals from its argument */
  Formals,
  /** k: assertion failed; consts[k] is the shown condition */
  AssertFail,
  /** pop b, pop a; push true if a == b, else fail explaining the difference */
  AssertEq,
  /** nullable: check that the value on top is a string without context (or null if nullable = 1) */
  CheckAttrName,
  /** push the current position as a set { file, line, column } */
  CurPos,
  /**
   * wrap the value on top, just built from a literal in a lazy place, as a thunk not yet
   * forced (Thunk.unforced): C++ Nix makes a thunk there, and its output shows it as <CODE>
   */
  Unforced,
  /**
   * k n: adds n to evaluation statistic k (value/stats.ts Counter); emitted only when the
   * process counts (NIX_SHOW_STATS), so code otherwise never holds one
   */
  Count,
}

/** Operands of each opcode (after the opcode itself). */
export const OPERANDS: Record<Op, number> = {
  [Op.Const]: 1, [Op.Local]: 2, [Op.Global]: 1, [Op.WithVar]: 1, [Op.Force]: 0, [Op.Thunk]: 1, [Op.Closure]: 1,
  [Op.Call]: 1, [Op.TailCall]: 1, [Op.Return]: 0, [Op.Pop]: 0, [Op.Jump]: 1, [Op.JumpIfFalse]: 1, [Op.JumpIfTrue]: 1,
  [Op.AssertBool]: 0, [Op.Not]: 0, [Op.PushEnv]: 1, [Op.PopEnv]: 0, [Op.SetLocal]: 1, [Op.Attrs]: 1, [Op.AttrsFromEnv]: 1,
  [Op.RecOverrides]: 1, [Op.DynAttr]: 0, [Op.ClearSelected]: 0, [Op.Select]: 1, [Op.SelectOr]: 2, [Op.SelectDyn]: 0,
  [Op.SelectDynOr]: 1, [Op.HasAttr]: 1, [Op.HasAttrDyn]: 0, [Op.HasAttrStep]: 2, [Op.HasAttrStepDyn]: 1, [Op.List]: 1,
  [Op.Eq]: 0, [Op.Neq]: 0, [Op.AddPrepare]: 1, [Op.Add]: 1, [Op.Sub]: 0, [Op.Mul]: 0, [Op.Div]: 0, [Op.Less]: 0,
  [Op.Concat]: 0, [Op.AssertAttrs]: 0, [Op.Update]: 1, [Op.ConcatPart]: 2, [Op.Formals]: 1, [Op.AssertFail]: 1,
  [Op.AssertEq]: 0, [Op.CheckAttrName]: 1, [Op.CurPos]: 0, [Op.Unforced]: 0, [Op.Count]: 2,
};

/**
 * A stretch of code whose errors get a trace line, as C++ Nix adds "in the left operand of
 * '&&'" to errors raised while evaluating that operand. Innermost regions come first.
 */
/** What the trace of an attribute selection (`a.b.${c}`) needs of the path's code. */
export interface SelectTrace {
  /** How many attributes of the path were found before the error at code index `at`. */
  found(at: number): number;
  /**
   * The first `count` names of the path as C++ Nix's showAttrSelectionPath shows them: each
   * computed name by its value (`dynamicNames`, those evaluated so far, in order), or as
   * `"${expr}"` when it was not evaluated.
   */
  show(count: number, dynamicNames: readonly string[] | null): string;
  /** The number of names in the path. */
  readonly length: number;
}

export interface ErrorRegion {
  start: number;
  end: number;
  message: string;
  pos: number;
  /**
   * An attribute selection: its line names the path, with the computed names evaluated so far,
   * and the VM adds where the last attribute found was defined.
   */
  select?: SelectTrace;
  /**
   * The forcing of a lambda's argument before its formals are bound: no line of its own, and
   * the call shows only as "from call site" (C++ Nix forces it before the call proper).
   */
  argument?: boolean;
  /** Set: the region traces only the explanation of its failed `assert a == b` (true) or only other errors (false). */
  assertion?: boolean;
}

export interface Chunk {
  code: number[];
  consts: unknown[];
  /** Source offset of each code index (-1 where none). */
  positions: number[];
  regions: ErrorRegion[];
  source: Source;
  /** What the chunk computes, for traces and debugging. */
  name: string;
  /** The lambda whose body this is, or null for a thunk's or a file's code. */
  lambda: LambdaInfo | null;
  /**
   * The chunk translated to a JS function by the compiled tier (src/codegen/): undefined until
   * it has run often enough to be worth translating, null if it cannot be.
   */
  compiled: CompiledCode | null | undefined;
  /**
   * How many times the chunk started running: in the VM until it is translated, then in its
   * cold JS function until that is replaced by the hot one (src/codegen/codegen.ts, instantiate).
   */
  runs: number;
  /** The evaluation in which the chunk first ran (see codegen/runtime.ts, compiledCode). */
  firstEpoch: number;
  /**
   * On the chunk of a whole source: the names it holds, in the order C++ Nix's parser interns
   * them, which evaluating it interns (see value/symbols.ts). Kept with the compiled code,
   * since a cached file is not parsed again.
   */
  names?: readonly string[];
  /**
   * On the chunk of a whole source: pairs of names (flattened: a0, b0, a1, b1, ...) whose
   * symbol order the code relies on, each `a` before its `b`. A `let`, `rec` or formals fill
   * their bindings in symbol order, and a binding that names another is that very value only
   * if the other is filled first. Cached code is reused only where these still hold.
   */
  symbolOrderFacts?: readonly string[];
  /**
   * On the chunk of a whole source: its estimated memory, with the source text and every
   * chunk in it (the sum of `ownBytes` over them), counted as the compiler made them: the
   * compile cache's budget needs it, and walking 17,500 chunks again to find it cost a
   * large file a fifth of its compile time.
   */
  estimatedBytes?: number;
}

/**
 * A rough estimate of the memory a chunk holds itself: its code and position arrays, its
 * constants (the chunks among them not included).
 */
export function ownBytes(chunk: Chunk): number {
  let bytes = 96 + 8 * (chunk.code.length + chunk.positions.length + chunk.consts.length);
  for (const k of chunk.consts) {
    if (typeof k === 'string') bytes += 16 + k.length;
    else if (typeof k === 'object' && k !== null) bytes += Array.isArray(k) ? 32 + 8 * k.length : 32;
  }
  return bytes;
}

/** What a whole source's chunks add to their own: the text (kept for positions) and a little. */
export function sourceBytes(text: string): number {
  return text.length + 256;
}

/**
 * A chunk as a JS function of its environment: returns the chunk's value, or TAIL_CALL after
 * leaving a tail call for its caller to make (see src/codegen/). `units`: the JS stack a call
 * of it takes, in the compiled tier's units of depth (more for a function with many locals).
 * `envless`: a lambda's body that needs no environment of its own, called with the closure's
 * environment and the argument instead (`code(up, arg)`).
 */
export type CompiledCode = ((env: Env, arg?: Value) => Value | object) & { units: number; envless: boolean };

/** What `+` and interpolation need for errors: where each part and the whole expression are. */
export interface ConcatLayout {
  forceString: boolean;
  positions: SourcePos[];
  pos: SourcePos;
}

export interface FormalsInfo {
  /** Environment slot of each formal (1-based within the lambda's environment). */
  /**
   * Sorted by name. C++ Nix binds them in symbol order (value/symbols.ts), which only shows in
   * which missing argument is reported (the VM picks it by symbol) and in a default that is
   * another formal (alias: bound to its value itself once it is bound).
   */
  entries: { name: string; slot: number; def: Chunk | null; alias?: { depth: number; slot: number }; literal?: Value; global?: string }[];
  ellipsis: boolean;
  /** Sorted formal names, for checking unexpected arguments. */
  names: Set<string>;
  /** Where each formal is written: the positions of `builtins.functionArgs`'s attributes. */
  positions: AttrPositions;
  /**
   * bindFormals's inline cache: the shape of the last argument set it bound without an error,
   * and for each entry the index of its name in that shape (-1: absent, so the default).
   */
  boundShape: AttrShape | null;
  boundIndexes: number[] | null;
}

export interface LambdaInfo {
  chunk: Chunk;
  name: string | undefined;
  pos: number;
  source: Source;
  /** `pos` in `source`: where a lazily applied lambda shows its call site (made once). */
  at: SourcePos;
  /** Number of slots in the lambda's environment. */
  slots: number;
  formals: FormalsInfo | null;
  /** Name of the whole argument, if bound (`x:` or `args@{...}`). */
  arg: string | undefined;
}
