// The virtual machine. One loop runs the top frame of an explicit frame stack; forcing a
// thunk or calling a function pushes a frame instead of recursing in JS, so the depth of a
// Nix computation is bounded by memory, not by the JS stack.
//
// A frame is either bytecode (a chunk, its instruction pointer and environment) or a
// generator: a builtin written as `function*` that yields requests (a thunk to force, a
// call to make) and receives their results. When a frame finishes, its value goes to the
// frame below: pushed on the value stack for bytecode, sent into the generator otherwise.

import { type Chunk, type ConcatLayout, type FormalsInfo, type LambdaInfo, Op } from '../compiler/chunk.js';
import { NixError, type SourcePos } from '../errors/errors.js';
import {
  Builtin, type BuiltinContext, CallRequest, Closure, ForceAtDepth, type Env, type EvalState, NixAttrs, type Request, Thunk, ThunkState, forceUnforced,
  AttrShape, getSlot, newEnv, rootEnv, setSlot, slotValues, type Value,
} from '../value/values.js';
import { Source } from '../syntax/source.js';
import { missedName, SymbolTable, useSymbolTable } from '../value/symbols.js';
import * as ops from './ops.js';
import { TailCallLog } from './tail-calls.js';
import { enterSession, hasRoom, type Interpreter, leaveSession, stack as compiledStack } from '../codegen/crossing.js';
import { callBuiltin, callLambda, compiledCode, equalValues, forceThunk } from '../codegen/runtime.js';
import { explicitDepth } from '../value/depth.js';
import {
  addDynamicAttr, applyGen, concatLists, AT_CALLEE, argTraced, assertEqualGen, bindFormals, checkAttrName, currentPosition, functorFailed, functorGen,
  infiniteRecursion, isGenerator, thunkFailed, missingAttr, notAFunction, needsForcing, notGen, posOf, recOverridesGen, STACK_OVERFLOW, toNixError,
  argumentForceFailed, traceArgument, traceCall, traceRegions, typeError, typeErrorAt, selectTypeError, unwrapDone, withLookupGen,
} from './op-semantics.js';
import { activate, EvalLimits } from '../limits/limits.js';
import { count, Counter, counts, STATS_ON } from '../value/stats.js';

export { EvalTimeout } from '../limits/limits.js';

const enum FrameKind { Bytecode, Generator }

interface BytecodeFrame {
  kind: FrameKind.Bytecode;
  chunk: Chunk;
  ip: number;
  env: Env;
  /** Height of the value stack when the frame started. */
  base: number;
  /** The thunk this frame computes, updated with the result. */
  thunk: Thunk | null;
  /** Arguments still to be applied to the frame's result (`f a b` with f taking one). */
  pending: Pending | null;
  lambda: LambdaInfo | null;
  /** Where the lambda was called from (for traces). */
  callPos: SourcePos | undefined;
  /** The set and name of the attribute last selected, for "from the definition of". */
  selSet: NixAttrs | null;
  selName: string;
  /** The computed names of the select in progress evaluated so far, for its trace. */
  selDynamic: string[] | null;
  /** Calls in progress (as C++ Nix counts them for max-call-depth), this frame's included. */
  depth: number;
  /** The calls this frame stood for before tail calls reused it (for traces), or null. */
  tailCalls: TailCallLog | null;
}

interface GeneratorFrame {
  kind: FrameKind.Generator;
  gen: Generator<Request, Value, Value>;
  base: number;
  thunk: Thunk | null;
  pending: Pending | null;
  /** Value to send on the next resumption. */
  resume: Value | undefined;
  name: string;
  pos: SourcePos | undefined;
  /** A builtin's call: errors leaving it are traced "while calling the 'name' builtin". */
  builtin: boolean;
  /** Calls in progress (as C++ Nix counts them for max-call-depth), this frame's included. */
  depth: number;
}

type Frame = BytecodeFrame | GeneratorFrame;

/**
 * Arguments to apply to a frame's result once it has one: `f a b` calls f with a, then its
 * result with b. As in C++ Nix's callFunction, b is applied where the call was written and
 * outside the call of f (an error there has no "while calling 'f'" frames): `site` is that
 * call site and `tailCalls` the calls in progress around it. A frame that replaces another
 * by a tail call inherits the record as it is.
 */
interface Pending {
  args: Value[];
  site: SourcePos | undefined;
  tailCalls: TailCallLog | null;
}

export interface VmOptions {
  /** Global bindings: builtins and constants. */
  globals: Map<string, Value>;
  state: EvalState;
  /** The evaluation's memory budget and deadline, active while the VM runs; checked every few
   * thousand instructions. Default: no deadline, the JS heap's size as the budget. */
  limits?: EvalLimits;
  /**
   * C++ Nix's max-call-depth: a call made while more calls than this are in progress fails
   * with "stack overflow; max-call-depth exceeded". Tail calls count as calls, as they do in
   * C++ Nix, in both tiers. Default: DEFAULT_MAX_CALL_DEPTH.
   */
  maxCallDepth?: number;
  /**
   * Which tiers run the code: 'compiled' (hot chunks as JS functions, the default) or 'vm'
   * (the frame-stack VM alone). NIXEVAL_TIER sets the default.
   */
  tier?: Tier;
}

export type Tier = 'compiled' | 'vm';

function defaultTier(): Tier {
  return process.env.NIXEVAL_TIER === 'vm' ? 'vm' : 'compiled';
}



/**
 * The max-call-depth unless one is set. C++ Nix's is 10,000, since its calls recurse on the C
 * stack; nixeval's do not, so it allows much deeper recursion (a million calls deep is
 * required), but not without end: a runaway recursion, a tail-recursive loop included, stops
 * with C++ Nix's error in seconds instead of running to the deadline or the heap's limit.
 * Chosen from measurements (BENCHMARKS.md, "max-call-depth in both tiers").
 */
export const DEFAULT_MAX_CALL_DEPTH = 5_000_000;

/**
 * A frame that tail-called something other than a lambda runs this chunk next: it returns the
 * callee's result. The frame stays in place meanwhile, so that an error from the callee gets
 * the frame's trace lines.
 */
const RETURN_CHUNK: Chunk = {
  code: [Op.Return], consts: [], positions: [-1], regions: [], source: new Source('«return»', '', '/'), name: 'return',
  lambda: null, compiled: null, runs: 0, firstEpoch: 0,
};


const ARITH_BUILTIN: Partial<Record<Op, string>> = {
  [Op.Sub]: '__sub', [Op.Mul]: '__mul', [Op.Div]: '__div', [Op.Less]: '__lessThan',
};

export class VM implements Interpreter {
  private readonly frames: Frame[] = [];
  private readonly stack: Value[] = [];
  readonly globals: Map<string, Value>;
  readonly state: EvalState;
  readonly limits: EvalLimits;
  private budget = 0;
  readonly maxCallDepth: number;
  /**
   * Whether the compiled tier may compute `n - 1`, `a * b`, `a / b` and `a < b` where it would
   * make a thunk (codegen/eager.ts): in C++ Nix each is a call of a builtin when the thunk is
   * forced, one more call in progress there. Only without an explicit max-call-depth, where
   * nixeval's own limit (DEFAULT_MAX_CALL_DEPTH) stops runaway recursions and does not count as
   * C++ Nix's does (as deepSeq, `==` and `--strict` do not: value/depth.ts); with one, every such
   * call counts where C++ Nix counts it.
   */
  readonly eagerArithmetic: boolean;
  /** Whether hot chunks run as compiled code (src/codegen/). */
  readonly compiledTier: boolean;
  readonly builtinContext: BuiltinContext;
  /** This evaluation's symbol table: the order C++ Nix walks sets in (value/symbols.ts). */
  readonly symbols = new SymbolTable();

  constructor(options: VmOptions) {
    this.globals = options.globals;
    this.state = options.state;
    this.limits = options.limits ?? new EvalLimits();
    this.maxCallDepth = options.maxCallDepth ?? DEFAULT_MAX_CALL_DEPTH;
    this.eagerArithmetic = options.maxCallDepth === undefined;
    this.compiledTier = (options.tier ?? defaultTier()) === 'compiled';
    // Builtins called from compiled code run at the depth it counts.
    this.builtinContext = { state: this.state, get callDepth() { return compiledStack.calls; } };
  }

  /** Calls in progress at the top of the frame stack. */
  private topDepth(): number {
    const frames = this.frames;
    return frames.length === 0 ? 0 : frames[frames.length - 1].depth;
  }

  /** Runs a generator to completion on the frame stack and returns its result. */
  run(gen: Generator<Request, Value, Value>, name = '«top»'): Value {
    useSymbolTable(this.symbols);
    const bottom = this.frames.length;
    this.frames.push({ kind: FrameKind.Generator, gen, base: this.stack.length, thunk: null, pending: null, resume: undefined, name, pos: undefined, builtin: false, depth: this.topDepth() });
    return this.loop(bottom);
  }

  /**
   * A computation started by the compiled tier (crossing.ts): calls fn with args on the frame
   * stack, at its current height, and returns the result.
   */
  runCall(fn: Value, args: Value[], pos: SourcePos | undefined, tailCalls: TailCallLog | null): Value {
    const bottom = this.pushReceiver();
    let r: Value | undefined;
    try {
      r = this.callValue(fn, args, null, pos, null, compiledStack.calls, tailCalls);
    } catch (e) {
      this.frames.length = bottom;
      throw e;
    }
    if (r !== undefined) { this.frames.length = bottom; return r; }
    return this.loop(bottom);
  }

  /** As runCall, forcing a thunk. */
  runThunk(t: Thunk): Value {
    const bottom = this.pushReceiver();
    let r: Value | undefined;
    try {
      r = this.startThunk(t, undefined, compiledStack.calls);
    } catch (e) {
      this.frames.length = bottom;
      throw e;
    }
    if (r !== undefined) { this.frames.length = bottom; return r; }
    return this.loop(bottom);
  }

  /**
   * A frame that receives the value of the frames pushed above it and ends the loop with it,
   * at the depth of the compiled code that moved here.
   */
  private pushReceiver(): number {
    const bottom = this.frames.length;
    const gen = receiveGen();
    gen.next(null);
    this.frames.push({ kind: FrameKind.Generator, gen, base: this.stack.length, thunk: null, pending: null, resume: undefined, name: '«receive»', pos: undefined, builtin: false, depth: compiledStack.calls });
    return bottom;
  }

  /** Evaluates a compiled top-level chunk to WHNF. */
  evalChunk(chunk: Chunk): Value {
    const t = new Thunk(chunk, rootEnv());
    return this.run(forceGen(t));
  }

  private loop(bottom: number): Value {
    const session = enterSession(this);
    try {
      return this.runLoop(bottom);
    } finally {
      leaveSession(session);
    }
  }

  private runLoop(bottom: number): Value {
    const frames = this.frames;
    const outerLimits = activate(this.limits);
    try {
      for (;;) {
        try {
          return this.execute(bottom);
        } catch (err) {
          const e = this.unwind(err, bottom);
          if (e) {
            // Unwinding reached the bottom frame: the error leaves the VM.
            frames.length = bottom;
            throw e;
          }
          // A generator caught the error; keep running.
        }
      }
    } finally {
      activate(outerLimits);
    }
  }

  /**
   * Pops frames until a generator handles the error. Returns the error if none does,
   * undefined if execution can continue.
   */
  private unwind(err: unknown, bottom: number): unknown {
    let e = toNixError(err);
    while (this.frames.length > bottom) {
      const f = this.frames.pop()!;
      this.stack.length = f.base;
      if (f.thunk && f.thunk.state === ThunkState.Blackhole) thunkFailed(f.thunk, e);
      if (f.kind === FrameKind.Generator && f.name === '__functor') {
        // functorGen (called here with one argument, the others pending on its frame) only adds
        // its line to an error: added without throwing into its generator, which a runaway
        // through `__functor` (millions of frames deep) would do once per level.
        functorFailed(e, f.pos);
      } else if (f.kind === FrameKind.Generator) {
        try {
          const r = f.gen.throw(e);
          // The generator handled the error: it resumes as the top frame.
          this.frames.push(f);
          if (f.thunk) {
            const state = f.thunk.state;
            if (state === ThunkState.Failed) f.thunk.restart();
            else if (state === ThunkState.Pending) f.thunk.start();
          }
          if (r.done) f.gen = doneGen(r.value);
          else this.handleRequest(f, r.value);
          return undefined;
        } catch (e2) {
          e = toNixError(e2);
        }
        if (e instanceof NixError && f.builtin) e.addTrace(`while calling the '${f.name}' builtin`, f.pos);
      } else if (e instanceof NixError) {
        traceRegions(e, f.chunk, f.ip - 1, f.selSet, f.selName, f.selDynamic);
        if (f.lambda) traceCall(e, f.lambda, f.callPos, f.tailCalls);
        else f.tailCalls?.addFramesTo(e.trace);
      }
      if (e instanceof NixError && f.thunk && e.blackhole === f.thunk) e.addTrace('entering the infinite recursion');
    }
    return e;
  }

  // ---- frames

  /** `depth`: for a call, the calls in progress with it; otherwise that of the frame below. */
  private pushBytecode(chunk: Chunk, env: Env, thunk: Thunk | null, pending: Pending | null, lambda: LambdaInfo | null, callPos?: SourcePos, depth = this.topDepth(), tailCalls: TailCallLog | null = null): void {
    this.frames.push({ kind: FrameKind.Bytecode, chunk, ip: 0, env, base: this.stack.length, thunk, pending, lambda, callPos, selSet: null, selName: '', selDynamic: null, depth, tailCalls });
  }

  private pushGenerator(gen: Generator<Request, Value, Value>, thunk: Thunk | null, pending: Pending | null, name: string, pos: SourcePos | undefined, builtin = false, depth = this.topDepth()): void {
    this.frames.push({ kind: FrameKind.Generator, gen, base: this.stack.length, thunk, pending, resume: undefined, name, pos, builtin, depth });
  }

  /**
   * Starts evaluating a pending thunk: returns its value if it is available at once, otherwise
   * pushes the frame that computes it (its result goes to the current top frame) and returns
   * undefined. `depth`: that of the frame forcing the thunk (forcing is not a call).
   */
  private startThunk(t: Thunk, pos: SourcePos | undefined, depth: number): Value | undefined {
    if (t.state === ThunkState.Unforced) return forceUnforced(t);
    if (t.state === ThunkState.Failed) throw (t.failure() as NixError).copy();
    if (t.state === ThunkState.Blackhole) {
      throw infiniteRecursion(t, pos);
    }
    // The compiled tier runs the thunk's code now (see codegen/crossing.ts), where the calls it
    // makes inline are allowed.
    const chunk = t.pendingChunk();
    if (this.compiledTier && chunk !== null && depth <= this.maxCallDepth && hasRoom() && compiledCode(chunk) !== null) {
      compiledStack.calls = depth;
      return forceThunk(t, pos);
    }
    t.start();
    if (chunk !== null) this.pushBytecode(chunk, t.env as Env, t, null, null, undefined, depth);
    else this.pushGenerator(applyGen(t.applied(), t.appliedArgs()), t, null, 'apply', undefined, false, depth);
    return undefined;
  }

  /**
   * Calls fn with args. Returns the result if it is available at once; otherwise pushes the
   * frames that compute it (their result goes to the current top frame) and returns undefined.
   * `thunk`, if given, is updated with the final result. `callerDepth` is the number of calls
   * in progress where the call is made (by default, at the top frame); `tailCalls`, the record
   * of a frame the callee replaces, and `pending` (only with a lambda called with one
   * argument) the arguments that frame still had to apply.
   */
  callValue(fn: Value, args: Value[], thunk: Thunk | null, pos: SourcePos | undefined, pending: Pending | null = null, callerDepth = this.topDepth(), tailCalls: TailCallLog | null = null): Value | undefined {
    if (callerDepth > this.maxCallDepth) throw new NixError('eval', STACK_OVERFLOW, pos === AT_CALLEE ? undefined : pos);
    const depth = callerDepth + 1;
    try {
      for (;;) {
        if (fn instanceof Closure) {
          const lambda = fn.lambda;
          // A lazily applied function (an element of `genList`, ...) shows itself as the call site.
          const callPos = pos === AT_CALLEE ? lambda.at : pos;
          if (this.compiledTier && depth <= this.maxCallDepth && hasRoom() && compiledCode(lambda.chunk) !== null) {
            // The compiled tier runs the call now (see codegen/crossing.ts); then come the
            // arguments left, as from a frame that has finished.
            compiledStack.calls = callerDepth;
            const v = callLambda(fn, args[0], callPos, tailCalls);
            if (args.length > 1) { fn = v; args = args.slice(1); pos = callPos; continue; }
            if (pending) { fn = v; args = pending.args; pos = pending.site; tailCalls = pending.tailCalls; pending = null; continue; }
            return this.finishImmediate(v, thunk);
          }
          const env = newEnv(fn.env, args[0], lambda.slots);
          const rest = args.length > 1 ? { args: args.slice(1), site: callPos, tailCalls } : pending;
          this.pushBytecode(lambda.chunk, env, thunk, rest, lambda, callPos, depth, tailCalls);
          return undefined;
        }
        // Only a lambda can stand for its own call site.
        if (pos === AT_CALLEE) pos = undefined;
        if (fn instanceof Builtin) {
          const spec = fn.spec;
          const all = fn.args.length === 0 ? args : fn.args.concat(args);
          if (all.length < spec.arity) {
            const partial = new Builtin(spec, all);
            return this.finishImmediate(partial, thunk);
          }
          const callArgs = unwrapDone(all.length === spec.arity ? all : all.slice(0, spec.arity), spec.lazy);
          const extra: Pending | null = all.length > spec.arity ? { args: all.slice(spec.arity), site: pos, tailCalls: null } : null;
          if (this.compiledTier && depth <= this.maxCallDepth && hasRoom()) {
            // The compiled tier runs the builtin now, as it runs a lambda's JS function (see
            // codegen/crossing.ts): its direct version if it has one, else its generator
            // driven there, without a frame of the VM.
            compiledStack.calls = callerDepth;
            const r = callBuiltin(spec, callArgs, pos);
            if (extra) { fn = r; args = extra.args; continue; }
            return this.finishImmediate(r, thunk);
          }
          const ctx = { state: this.state, callDepth: depth };
          if (STATS_ON) count(Counter.PrimOpCalls);
          if (needsForcing(callArgs, spec.lazy)) {
            this.pushGenerator(strictCallGen(spec, callArgs, ctx), thunk, extra, spec.name, pos, !spec.noCallTrace, depth);
            return undefined;
          }
          let r: ReturnType<typeof spec.impl>;
          try {
            r = spec.impl(callArgs, ctx);
          } catch (err) {
            // An integer overflow in the builtin is its error too, traced as such.
            const e = toNixError(err);
            if (e instanceof NixError) {
              traceArgument(e, spec, callArgs);
              if (!spec.noCallTrace) e.addTrace(`while calling the '${spec.name}' builtin`, pos);
            }
            throw e;
          }
          if (isGenerator(r)) {
            this.pushGenerator(argTraced(r, spec, callArgs), thunk, extra, spec.name, pos, !spec.noCallTrace, depth);
            return undefined;
          }
          if (extra) { fn = r; args = extra.args; continue; }
          return this.finishImmediate(r, thunk);
        }
        if (fn instanceof NixAttrs && fn.has('__functor')) {
          // The arguments after the first are applied to the functor's result in this call, as
          // C++ Nix's callFunction applies them in its loop (not one call deeper).
          const rest = args.length > 1 ? { args: args.slice(1), site: pos, tailCalls: null } : null;
          this.pushGenerator(functorGen(fn, rest === null ? args : [args[0]], pos), thunk, rest, '__functor', pos, false, depth);
          return undefined;
        }
        throw notAFunction(fn, pos);
      }
    } catch (err) {
      // The thunk's own frame is gone (or never came): its error is memoised here.
      if (thunk === null || thunk.state !== ThunkState.Blackhole) throw err;
      const e = toNixError(err);
      thunkFailed(thunk, e);
      if (e instanceof NixError && e.blackhole === thunk) e.addTrace('entering the infinite recursion');
      throw e;
    }
  }

  /**
   * A tail call that does not replace the frame: a call of something other than a lambda (a
   * builtin, a functor), so that an error from it still gets the frame's trace lines, a call
   * with several arguments (applied within this frame's call), or a call past max-call-depth,
   * which fails here. The frame then returns the result.
   */
  private tailCallInPlace(frame: BytecodeFrame, fn: Value, args: Value[], pos: SourcePos | undefined): void {
    const r = this.callValue(fn, args, null, pos, null, frame.depth);
    if (r !== undefined) {
      this.frames.pop();
      this.deliverFinished(frame, r);
      return;
    }
    frame.chunk = RETURN_CHUNK;
    frame.ip = 0;
  }

  private finishImmediate(v: Value, thunk: Thunk | null): Value {
    thunk?.complete(v);
    return v;
  }

  /** A frame has produced its value: apply pending arguments, update its thunk, deliver. */
  private deliverFinished(f: Frame, v: Value): void {
    // Setting an array's length is slow in V8; the stack is usually back at the base already.
    if (this.stack.length !== f.base) this.stack.length = f.base;
    const p = f.pending;
    if (p) {
      // Still the same call for max-call-depth (C++ Nix applies all arguments in one callFunction).
      const r = this.callValue(v, p.args, f.thunk, p.site, null, f.depth - 1, p.tailCalls);
      if (r === undefined) return;
      this.deliver(r);
      return;
    }
    f.thunk?.complete(v);
    this.deliver(v);
  }

  /** Hands a value to the frame now on top. */
  private deliver(v: Value): void {
    const top = this.frames[this.frames.length - 1];
    if (top === undefined) return;
    if (top.kind === FrameKind.Bytecode) this.stack.push(v);
    else top.resume = v;
  }

  private handleRequest(f: GeneratorFrame, req: Request): void {
    if (req instanceof Thunk) {
      if (req.code === null) { f.resume = req.value; return; }
      const r = this.startThunk(req, undefined, f.depth);
      if (r !== undefined) f.resume = r;
      return;
    }
    if (req instanceof CallRequest) {
      // Calls a builtin makes have no call site of their own in traces (functorGen's have).
      const r = this.callValue(req.fn, req.args, null, req.atCallee ? AT_CALLEE : req.pos, null, req.depth ?? f.depth);
      if (r !== undefined) f.resume = r;
      return;
    }
    if (req instanceof ForceAtDepth) {
      const t = req.thunk;
      if (t.code === null) { f.resume = t.value; return; }
      const r = this.startThunk(t, undefined, req.depth);
      if (r !== undefined) f.resume = r;
      return;
    }
    throw new Error('generator yielded something that is not a request');
  }

  // ---- the run loop

  // The loop's switch finishes the common case of each frequent operation inline; every other
  // operation, and every case an inline arm does not finish (an error, a dynamic name, a value
  // that needs a generator), leaves it through `break slow` with the instruction not started
  // (ip just past the opcode, the stack untouched) and runs whole in `slowOp`. So the loop has
  // one call site for all of them: its type feedback is there from the first of them, and one
  // reached late (after TurboFan optimised the loop) does not deoptimise it.
  private execute(bottom: number): Value {
    const frames = this.frames;
    const stack = this.stack;
    let finalValue: Value = null;
    outer: for (;;) {
      if (frames.length === bottom) return finalValue;
      const frame = frames[frames.length - 1];
      if (frame.kind === FrameKind.Generator) {
        // A resumption counts as an instruction: a builtin looping over calls is checked too.
        if (--this.budget < 0) this.checkLimits();
        const resume = frame.resume;
        frame.resume = undefined;
        const r = generatorNext.call(frame.gen, resume as Value);
        if (r.done) {
          frames.pop();
          if (frames.length === bottom) {
            finalValue = r.value;
            this.stack.length = frame.base;
            return finalValue;
          }
          this.deliverFinished(frame, r.value);
        } else {
          this.handleRequest(frame, r.value);
        }
        continue;
      }

      const chunk = frame.chunk;
      const code = chunk.code;
      const consts = chunk.consts;
      let ip = frame.ip;
      let env = frame.env;
      let budget = this.budget;
      try {
      for (;;) {
        const op = code[ip] as Op;
        slow: {
        // The limits are checked in slowOp too, ip still at the opcode.
        if (--budget < 0) break slow;
        ip++;
        switch (op) {
          case Op.Const:
            stack.push(consts[code[ip++]] as Value);
            break;
          case Op.Local: {
            let d = code[ip++];
            let e = env;
            while (d-- > 0) e = e.up!;
            stack.push(getSlot(e, code[ip++]));
            break;
          }
          case Op.Global: {
            const v = this.globals.get(consts[code[ip]] as string);
            if (v === undefined) break slow;
            ip++;
            stack.push(v);
            break;
          }
          case Op.Force: {
            const v = stack[stack.length - 1];
            if (v instanceof Thunk) {
              if (v.code === null) {
                stack[stack.length - 1] = v.value!;
              } else {
                stack.pop();
                frame.ip = ip;
                frame.env = env;
                const r = this.startThunk(v, posOf(chunk, ip - 1), frame.depth);
                if (r === undefined) continue outer;
                stack.push(r);
              }
            }
            break;
          }
          case Op.Thunk:
            stack.push(new Thunk(consts[code[ip++]] as Chunk, env));
            break;
          case Op.Closure:
            stack.push(new Closure(consts[code[ip++]] as LambdaInfo, env));
            break;
          case Op.Call: {
            const n = code[ip++];
            const args = takeTop(stack, n);
            const fn = stack.pop()!;
            frame.ip = ip;
            frame.env = env;
            const r = this.callValue(fn, args, null, posOf(chunk, ip - 2), null, frame.depth);
            if (r !== undefined) { stack.push(r); break; }
            continue outer;
          }
          case Op.TailCall: {
            // One argument to a closure: the callee takes this frame's place, its result is this
            // frame's result, and the call this frame stood for is remembered for traces. (A call
            // with more arguments keeps the frame: its later arguments are applied inside it.)
            const fn = stack[stack.length - 2];
            if (code[ip] !== 1 || !(fn instanceof Closure) || frame.depth > this.maxCallDepth) break slow;
            ip++;
            const args = takeTop(stack, 1);
            stack.pop();
            frames.pop();
            stack.length = frame.base;
            let tailCalls = frame.tailCalls;
            if (frame.lambda !== null) (tailCalls ??= new TailCallLog()).add(frame.lambda, frame.callPos);
            const r = this.callValue(fn, args, frame.thunk, posOf(chunk, ip - 2), frame.pending, frame.depth, tailCalls);
            // The compiled tier may have made the call at once (finishing the frame's thunk and pending arguments).
            if (r !== undefined) this.deliver(r);
            continue outer;
          }
          case Op.Return: {
            const v = stack.pop()!;
            frames.pop();
            this.deliverFinished(frame, v);
            continue outer;
          }
          case Op.Jump:
            ip = code[ip];
            break;
          case Op.JumpIfFalse:
          case Op.JumpIfTrue: {
            const v = stack[stack.length - 1];
            if (typeof v !== 'boolean') break slow;
            stack.pop();
            const target = code[ip++];
            if (v === (op === Op.JumpIfTrue)) ip = target;
            break;
          }
          case Op.PushEnv: {
            const n = code[ip++];
            env = newEnv(env, undefined, n);
            break;
          }
          case Op.PopEnv:
            env = env.up!;
            break;
          case Op.SetLocal:
            setSlot(env, code[ip++], stack.pop()!);
            break;
          case Op.Attrs: {
            const shape = consts[code[ip++]] as AttrShape;
            const n = shape.names.length;
            stack.push(n === 0 ? NixAttrs.EMPTY : new NixAttrs(shape, takeTop(stack, n)));
            break;
          }
          case Op.Select: {
            const set = stack[stack.length - 1];
            if (!(set instanceof NixAttrs)) break slow;
            const name = consts[code[ip]] as string;
            const v = set.get(name);
            if (v === undefined) break slow;
            ip++;
            frame.selSet = set;
            frame.selName = name;
            stack[stack.length - 1] = v;
            break;
          }
          case Op.SelectOr: {
            const name = consts[code[ip++]] as string;
            const target = code[ip++];
            const set = stack.pop()!;
            const v = set instanceof NixAttrs ? set.get(name) : undefined;
            if (v === undefined) ip = target;
            else {
              frame.selSet = set as NixAttrs;
              frame.selName = name;
              stack.push(v);
            }
            break;
          }
          case Op.HasAttr: {
            const name = consts[code[ip++]] as string;
            const set = stack[stack.length - 1];
            stack[stack.length - 1] = set instanceof NixAttrs && set.has(name);
            break;
          }
          case Op.Eq:
          case Op.Neq: {
            const quick = ops.quickEqual(stack[stack.length - 2], stack[stack.length - 1]);
            if (quick === undefined) break slow;
            stack.pop();
            stack[stack.length - 1] = op === Op.Eq ? quick : !quick;
            break;
          }
          case Op.Formals: {
            const info = consts[code[ip++]] as FormalsInfo;
            const arg = stack.pop()!;
            bindFormals(info, arg, env, frame.lambda!, chunk, ip - 2);
            break;
          }
          default:
            break slow;
        }
        continue;
        }
        frame.ip = ip;
        frame.env = env;
        this.budget = budget;
        ip = this.slowOp(frame, op, ip);
        budget = this.budget;
        if (ip < 0) continue outer;
      }
      } catch (e) {
        // Where this frame stood, for the error's position and trace.
        frame.ip = ip;
        frame.env = env;
        throw e;
      } finally {
        this.budget = budget;
      }
    }
  }

  /**
   * Runs one instruction whole, from `ip` just past its opcode, for `execute` (the frame's ip and
   * env saved): returns where the frame goes on, or -1 when it pushed a frame to run first (the
   * frame's ip saved again past the instruction).
   */
  private slowOp(frame: BytecodeFrame, op: Op, ip: number): number {
    // The instruction budget ran out: ip is at the opcode, which runs next.
    if (this.budget < 0) { this.checkLimits(); return ip; }
    const stack = this.stack;
    const chunk = frame.chunk;
    const code = chunk.code;
    const consts = chunk.consts;
    const env = frame.env;
    switch (op) {
      case Op.Global: {
        const name = consts[code[ip++]] as string;
        const v = this.globals.get(name);
        if (v === undefined) throw new NixError('undefined-variable', `undefined variable '${name}'`);
        stack.push(v);
        return ip;
      }
      case Op.WithVar: {
        const info = consts[code[ip++]] as { name: string; depths: number[]; withAt: SourcePos[]; at: SourcePos };
        frame.ip = ip;
        this.pushGenerator(withLookupGen(env, info.name, info.depths, info.withAt, info.at), null, null, 'with', posOf(chunk, ip - 2));
        return -1;
      }
      case Op.TailCall: {
        // What execute's inline case leaves: a call that keeps the frame.
        const n = code[ip++];
        const args = takeTop(stack, n);
        const fn = stack.pop()!;
        frame.ip = ip;
        this.tailCallInPlace(frame, fn, args, posOf(chunk, ip - 2));
        return -1;
      }
      case Op.JumpIfFalse:
      case Op.JumpIfTrue: {
        const v = stack.pop()!;
        if (typeof v !== 'boolean') throw typeErrorAt('a Boolean', v, chunk, ip - 1);
        const target = code[ip++];
        return v === (op === Op.JumpIfTrue) ? target : ip;
      }
      case Op.Pop:
        stack.pop();
        return ip;
      case Op.List: {
        const n = code[ip++];
        stack.push(n === 0 ? [] : takeTop(stack, n));
        return ip;
      }
      case Op.AssertBool: {
        const v = stack[stack.length - 1];
        if (typeof v !== 'boolean') throw typeErrorAt('a Boolean', v, chunk, ip - 1);
        return ip;
      }
      case Op.Not: {
        const v = stack.pop()!;
        if (typeof v !== 'boolean') throw typeErrorAt('a Boolean', v, chunk, ip - 1);
        stack.push(!v);
        return ip;
      }
      case Op.AttrsFromEnv: {
        const shape = consts[code[ip++]] as AttrShape;
        stack.push(new NixAttrs(shape, slotValues(env, shape.names.length)));
        return ip;
      }
      case Op.ClearSelected:
        frame.selSet = null;
        frame.selDynamic = null;
        return ip;
      case Op.RecOverrides: {
        const names = consts[code[ip++]] as string[];
        const set = stack.pop() as NixAttrs;
        frame.ip = ip;
        this.pushGenerator(recOverridesGen(set, env, names), null, null, '__overrides', posOf(chunk, ip - 2));
        return -1;
      }
      case Op.DynAttr: {
        const value = stack.pop()!;
        const name = stack.pop()!;
        stack[stack.length - 1] = addDynamicAttr(stack[stack.length - 1] as NixAttrs, name, value, chunk, ip - 1);
        return ip;
      }
      case Op.Select:
      case Op.SelectDyn: {
        // The name is a constant, or (Dyn) a forced value on top of the set.
        const at = ip - 1;
        let name: string;
        if (op === Op.Select) name = consts[code[ip++]] as string;
        else (frame.selDynamic ??= []).push(name = ops.attrName(stack.pop()!, 'while evaluating an attribute name'));
        const set = stack[stack.length - 1];
        if (!(set instanceof NixAttrs)) throw selectTypeError(set, chunk, at);
        const v = set.get(name);
        if (v === undefined) throw missingAttr(name, set);
        frame.selSet = set;
        frame.selName = name;
        stack[stack.length - 1] = v;
        return ip;
      }
      case Op.SelectDynOr: {
        const target = code[ip++];
        const name = ops.attrName(stack.pop()!, 'while evaluating an attribute name');
        (frame.selDynamic ??= []).push(name);
        const set = stack.pop()!;
        const v = set instanceof NixAttrs ? set.get(name) : undefined;
        if (v === undefined) { missedName(name); return target; }
        frame.selSet = set as NixAttrs;
        frame.selName = name;
        stack.push(v);
        return ip;
      }
      case Op.HasAttrDyn: {
        const name = ops.attrName(stack.pop()!, 'while evaluating an attribute name');
        const set = stack[stack.length - 1];
        stack[stack.length - 1] = (set instanceof NixAttrs && set.has(name)) || missedName(name);
        return ip;
      }
      case Op.HasAttrStep:
      case Op.HasAttrStepDyn: {
        let name: string;
        let target: number;
        if (op === Op.HasAttrStep) {
          name = consts[code[ip++]] as string;
          target = code[ip++];
        } else {
          target = code[ip++];
          // Not recorded in selDynamic: that is the select's (this `?` may be inside a select's
          // computed name, whose trace shows the select's own names).
          name = ops.attrName(stack.pop()!, 'while evaluating an attribute name');
        }
        const set = stack[stack.length - 1];
        const v = set instanceof NixAttrs ? set.get(name) : undefined;
        if (v === undefined) { stack[stack.length - 1] = op === Op.HasAttrStepDyn && missedName(name); return target; }
        stack[stack.length - 1] = v;
        return ip;
      }
      case Op.Eq:
      case Op.Neq: {
        const b = stack.pop()!;
        const a = stack.pop()!;
        const quick = ops.quickEqual(a, b);
        if (quick !== undefined) {
          stack.push(op === Op.Eq ? quick : !quick);
          return ip;
        }
        if (this.compiledTier && frame.depth <= this.maxCallDepth && hasRoom()) {
          compiledStack.calls = frame.depth;
          // The compiled tier compares now, as in its own code (see codegen/crossing.ts): the
          // thunks the comparison meets are forced directly, without a generator's frame and a
          // request for each (a list of 100,000 elements compared in a chunk still run here).
          const equal = equalValues(a, b, false, posOf(chunk, ip - 1));
          stack.push(op === Op.Eq ? equal : !equal);
          return ip;
        }
        const pos = posOf(chunk, ip - 1);
        const eq = ops.equalGen(a, b, explicitDepth(this.state.settings, frame.depth), pos);
        this.pushGenerator(op === Op.Eq ? eq : notGen(eq), null, null, '==', pos);
        return -1;
      }
      case Op.AddPrepare: {
        const layout = consts[code[ip++]] as ConcatLayout;
        const a = stack[stack.length - 1];
        if (ops.addsAsIs(a)) return ip;
        stack.pop();
        const c = new ops.Concatenation(false, layout.positions, layout.pos);
        frame.ip = ip;
        this.pushGenerator(ops.concatPartGen(c, a, 0, false), null, null, '+', layout.pos);
        return -1;
      }
      case Op.Add: {
        const layout = consts[code[ip++]] as ConcatLayout;
        const b = stack.pop()!;
        const r = ops.addOperands(stack.pop()! as Value | ops.Concatenation, b, layout);
        if (!(r instanceof ops.Concatenation)) { stack.push(r); return ip; }
        frame.ip = ip;
        this.pushGenerator(ops.concatPartGen(r, b, 1, true), null, null, '+', layout.pos);
        return -1;
      }
      case Op.ConcatPart: {
        const i = code[ip++];
        const layout = consts[code[ip++]] as ConcatLayout;
        const last = i === layout.positions.length - 1;
        const v = stack.pop()!;
        const c = i === 0 ? new ops.Concatenation(layout.forceString, layout.positions, layout.pos) : stack.pop() as unknown as ops.Concatenation;
        if (c.tryAdd(v, i)) {
          stack.push(last ? c.result() : c as unknown as Value);
          return ip;
        }
        frame.ip = ip;
        this.pushGenerator(ops.concatPartGen(c, v, i, last), null, null, 'interpolation', layout.pos);
        return -1;
      }
      case Op.Concat: {
        const b = stack.pop()!;
        stack.push(concatLists(stack.pop()!, b, posOf(chunk, ip - 1)));
        return ip;
      }
      case Op.AssertAttrs: {
        const v = stack[stack.length - 1];
        if (!(v instanceof NixAttrs)) throw typeError('a set', v, undefined);
        return ip;
      }
      case Op.Update: {
        // Operands were checked by AssertAttrs, the leftmost is on top.
        const n = code[ip++];
        const top = stack.length - 1;
        let result: NixAttrs;
        if (n === 2) {
          result = ops.update(stack[top] as NixAttrs, stack[top - 1] as NixAttrs);
        } else if (n === 3) {
          result = ops.update3(stack[top] as NixAttrs, stack[top - 1] as NixAttrs, stack[top - 2] as NixAttrs);
        } else {
          // A longer chain makes one set (leftmost first).
          const sets: NixAttrs[] = [];
          for (let j = top; j > top - n; j--) sets.push(stack[j] as NixAttrs);
          result = ops.updateChain(sets);
        }
        stack.length = top + 1 - n;
        stack.push(result);
        return ip;
      }
      case Op.AssertFail: {
        const shown = consts[code[ip++]] as string;
        throw new NixError('assert', `assertion '${shown}' failed`, posOf(chunk, ip - 2));
      }
      case Op.AssertEq: {
        const b = stack.pop()!;
        const a = stack.pop()!;
        this.pushGenerator(assertEqualGen(a, b, posOf(chunk, ip - 1)), null, null, 'assert', posOf(chunk, ip - 1));
        return -1;
      }
      case Op.CheckAttrName: {
        // As C++ Nix's forceStringNoCtx: a string that refers to no store path.
        const v = stack[stack.length - 1];
        const nullable = code[ip++] === 1;
        checkAttrName(v, nullable, chunk, ip - 2);
        return ip;
      }
      case Op.CurPos:
        stack.push(currentPosition(chunk, ip - 1));
        return ip;
      case Op.Unforced:
        stack[stack.length - 1] = Thunk.unforced(stack[stack.length - 1]);
        return ip;
      case Op.Count: {
        // Statistics (value/stats.ts): only code compiled with NIX_SHOW_STATS holds these.
        const counter = code[ip++] as Counter;
        const n = code[ip++];
        if (counter === Counter.Envs) { counts[Counter.Envs] += 1; counts[Counter.EnvElements] += n; } else counts[counter] += n;
        return ip;
      }
      case Op.Sub: case Op.Mul: case Op.Div: case Op.Less: {
        // `a - b` and friends: numbers inline, anything else through the builtin. They are
        // calls in C++ Nix, so past max-call-depth they too go to the builtin, which fails.
        const b = stack.pop()!;
        const a = stack.pop()!;
        if (typeof a === 'number' && typeof b === 'number' && frame.depth <= this.maxCallDepth) {
          let r: Value | undefined;
          if (op === Op.Sub) { const x = a - b; if (Number.isSafeInteger(x)) r = x; }
          else if (op === Op.Mul) { const x = a * b; if (Number.isSafeInteger(x)) r = x === 0 ? 0 : x; }
          else if (op === Op.Less) r = a < b;
          else if (b !== 0 && a < 2147483648 && a > -2147483648) r = (a / b) | 0;
          if (r !== undefined) {
            // A builtin call in C++ Nix's statistics (the builtin counts itself otherwise).
            if (STATS_ON) count(Counter.PrimOpCalls);
            stack.push(r);
            return ip;
          }
        }
        const fn = this.globals.get(ARITH_BUILTIN[op]!)!;
        const r = this.callValue(fn, [a, b], null, posOf(chunk, ip - 1), null, frame.depth);
        if (r !== undefined) { stack.push(r); return ip; }
        return -1;
      }
      default:
        throw new Error(`unknown opcode ${op}`);
    }
  }

  checkLimits(): void {
    this.budget = 10000;
    this.limits.check();
  }

}


/**
 * The `next` every generator object inherits (%GeneratorPrototype%.next). Each generator
 * function's objects have a map of their own, so `gen.next` is a property load that sees a new
 * map with each new kind of builtin and deoptimises execute; calling this one function needs none.
 */
const generatorNext = (Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())) as Generator<Request, Value, Value>).next;

/** Removes the top n values of the stack and returns them in order. */
function takeTop(stack: Value[], n: number): Value[] {
  const base = stack.length - n;
  const out = new Array<Value>(n);
  for (let i = 0; i < n; i++) out[i] = stack[base + i];
  for (let i = 0; i < n; i++) stack.pop();
  return out;
}








function* strictCallGen(spec: Builtin['spec'], args: Value[], ctx: BuiltinContext): Generator<Request, Value, Value> {
  const forced = args.slice();
  for (let i = 0; i < forced.length; i++) {
    if (spec.lazy && spec.lazy.includes(i)) continue;
    const a = forced[i];
    if (!(a instanceof Thunk)) continue;
    // As C++ Nix's forceValue, forcing has no "while evaluating the ... argument" line (that
    // context is for an argument of the wrong type, traceArgument), except where the builtin
    // forces it as C++ Nix's forceInt, forceString, ... do (BuiltinSpec.forceCtx).
    if (a.code === null) {
      forced[i] = a.value!;
      continue;
    }
    try {
      forced[i] = yield a;
    } catch (e) {
      throw argumentForceFailed(e, spec, i);
    }
  }
  let r: ReturnType<typeof spec.impl>;
  try {
    r = spec.impl(forced, ctx);
  } catch (e) {
    // The same line as when the arguments needed no forcing (callValue).
    if (e instanceof NixError) traceArgument(e, spec, forced);
    throw e;
  }
  if (isGenerator(r)) return yield* argTraced(r, spec, forced);
  return r;
}

function* receiveGen(): Generator<Request, Value, Value> {
  return yield null as unknown as Request;
}

function* doneGen(v: Value): Generator<Request, Value, Value> {
  return v;
}

function* forceGen(t: Thunk): Generator<Request, Value, Value> {
  return yield t;
}








