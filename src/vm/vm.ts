// The virtual machine. One loop runs the top frame of an explicit frame stack; forcing a
// thunk or calling a function pushes a frame instead of recursing in JS, so the depth of a
// Nix computation is bounded by memory, not by the JS stack.
//
// A frame is either bytecode (a chunk, its instruction pointer and environment) or a
// generator: a builtin written as `function*` that yields requests (a thunk to force, a
// call to make) and receives their results. When a frame finishes, its value goes to the
// frame below: pushed on the value stack for bytecode, sent into the generator otherwise.

import { type Chunk, type ConcatLayout, type FormalsInfo, type LambdaInfo, Op } from '../compiler/chunk.js';
import { bestMatches, NixError, noteJsStackOverflow, type SourcePos } from '../errors/errors.js';
import { IntegerOverflow } from '../value/int.js';
import {
  Builtin, type BuiltinContext, CallRequest, Closure, NixFloat, NixPath, NixString, type Env, type EvalState, LayeredPositions, StaticPositions, force, NixAttrs, type Request, showType, Thunk, ThunkState,
  type Value,
} from '../value/values.js';
import { printForError, printValue } from '../value/print.js';
import { contextNotAllowed } from '../value/coerce.js';
import { Source, utf8ToBytes } from '../syntax/source.js';
import { showIdentifier } from '../syntax/show.js';
import { SymbolTable, useSymbolTable } from '../value/symbols.js';
import * as ops from './ops.js';
import { explainInequality } from './explain-equal.js';
import { callFrames, TailCallLog } from './tail-calls.js';

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
  pending: Value[] | null;
  lambda: LambdaInfo | null;
  /** Where the lambda was called from (for traces). */
  callPos: SourcePos | undefined;
  /** The set and name of the attribute last selected, for "from the definition of". */
  selSet: NixAttrs | null;
  selName: string;
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
  pending: Value[] | null;
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

export interface VmOptions {
  /** Global bindings: builtins and constants. */
  globals: Map<string, Value>;
  state: EvalState;
  /** Wall-clock deadline (ms since epoch), checked every few thousand instructions. */
  deadline?: number;
  /** Called with the deadline check: the embedder's own limits (memory, cancellation). */
  checkLimits?: () => void;
  /**
   * C++ Nix's max-call-depth: a call made while this many calls are in progress fails with
   * "stack overflow; max-call-depth exceeded". Default: no limit (the VM does not recurse
   * in JS, so depth costs only memory). Tail calls count as calls, as they do in C++ Nix.
   */
  maxCallDepth?: number;
}

export class EvalTimeout extends Error {}

const INFINITE_RECURSION = 'infinite recursion encountered';

/** Marks a call whose trace shows the callee's own position as the call site. */
const AT_CALLEE: SourcePos = { source: null as unknown as SourcePos['source'], offset: -1 };

const STACK_OVERFLOW = 'stack overflow; max-call-depth exceeded';
/**
 * The max-call-depth that means none: beyond any depth memory allows, and a small integer
 * (unlike Infinity), which keeps the comparisons on the call path integer ones.
 */
const NO_CALL_DEPTH_LIMIT = 2 ** 30 - 1;

/**
 * A frame that tail-called something other than a lambda runs this chunk next: it returns the
 * callee's result. The frame stays in place meanwhile, so that an error from the callee gets
 * the frame's trace lines.
 */
const RETURN_CHUNK: Chunk = {
  code: [Op.Return], consts: [], positions: [-1], regions: [], source: new Source('«return»', '', '/'), name: 'return',
};

interface SetLayout {
  names: string[];
  positions: StaticPositions;
}

const ARITH_BUILTIN: Partial<Record<Op, string>> = {
  [Op.Sub]: '__sub', [Op.Mul]: '__mul', [Op.Div]: '__div', [Op.Less]: '__lessThan',
};

export class VM {
  private readonly frames: Frame[] = [];
  private readonly stack: Value[] = [];
  private readonly globals: Map<string, Value>;
  private readonly state: EvalState;
  private deadline: number;
  private readonly embedderCheck: (() => void) | undefined;
  private budget = 0;
  readonly maxCallDepth: number;
  /** This evaluation's symbol table: the order C++ Nix walks sets in (value/symbols.ts). */
  readonly symbols = new SymbolTable();

  constructor(options: VmOptions) {
    this.globals = options.globals;
    this.state = options.state;
    this.deadline = options.deadline ?? Infinity;
    this.embedderCheck = options.checkLimits;
    this.maxCallDepth = options.maxCallDepth ?? NO_CALL_DEPTH_LIMIT;
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

  /** Evaluates a compiled top-level chunk to WHNF. */
  evalChunk(chunk: Chunk): Value {
    const t = new Thunk(chunk, [null]);
    return this.run(forceGen(t));
  }

  private loop(bottom: number): Value {
    const frames = this.frames;
    let result: Value | undefined;
    for (;;) {
      try {
        result = this.execute(bottom);
        return result;
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
  }

  /**
   * Pops frames until a generator handles the error. Returns the error if none does,
   * undefined if execution can continue.
   */
  private unwind(err: unknown, bottom: number): unknown {
    let e = this.toNixError(err);
    while (this.frames.length > bottom) {
      const f = this.frames.pop()!;
      this.stack.length = f.base;
      if (f.thunk && f.thunk.state === ThunkState.Blackhole) {
        // Errors are memoised (as since Nix 2.34): forcing the thunk again rethrows a copy of
        // this very error, including the trace lines the rest of this unwinding adds to it.
        if (e instanceof NixError && e.kind !== 'timeout') {
          f.thunk.state = ThunkState.Failed;
          f.thunk.error = e;
        } else {
          f.thunk.state = ThunkState.Pending;
        }
      }
      if (f.kind === FrameKind.Generator) {
        try {
          const r = f.gen.throw(e);
          // The generator handled the error: it resumes as the top frame.
          this.frames.push(f);
          if (f.thunk) { f.thunk.state = ThunkState.Blackhole; f.thunk.error = undefined; }
          if (r.done) f.gen = doneGen(r.value);
          else this.handleRequest(f, r.value);
          return undefined;
        } catch (e2) {
          e = this.toNixError(e2);
        }
        if (e instanceof NixError && f.builtin) e.addTrace(`while calling the '${f.name}' builtin`, f.pos);
      } else if (e instanceof NixError) {
        this.traceBytecodeFrame(e, f);
      }
      if (e instanceof NixError && f.thunk && e.blackhole === f.thunk) e.addTrace('entering the infinite recursion');
    }
    return e;
  }

  /** The trace lines a bytecode frame contributes: its error regions, then the call. */
  private traceBytecodeFrame(e: NixError, f: BytecodeFrame): void {
    const at = f.ip - 1;
    for (const r of f.chunk.regions) {
      if (r.start > at || at >= r.end) continue;
      if (r.select) {
        const def = f.selSet?.positions?.get(f.selName);
        if (def) e.addTrace(`from the definition of '${f.selName}'`, def);
        e.addTrace(r.message, { source: f.chunk.source, offset: r.pos });
        continue;
      }
      e.addTrace(r.message, { source: f.chunk.source, offset: r.pos });
    }
    if (f.lambda) {
      if (!e.inFormals) {
        e.trace.push(...callFrames(f.lambda, f.callPos));
      } else if (f.callPos) {
        // The arguments did not match: C++ Nix reports the call site whether or not it shows traces.
        e.addTrace('from call site', f.callPos);
      }
      e.inFormals = false;
    }
    f.tailCalls?.addFramesTo(e.trace);
  }

  private toNixError(err: unknown): unknown {
    if (err instanceof NixError) return err;
    if (err instanceof IntegerOverflow) return new NixError('eval', err.message);
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      noteJsStackOverflow();
      return new NixError('eval', STACK_OVERFLOW);
    }
    return err;
  }

  private posOf(chunk: Chunk, ip: number): SourcePos | undefined {
    const off = chunk.positions[Math.max(0, ip)];
    return off === undefined || off < 0 ? undefined : { source: chunk.source, offset: off };
  }

  // ---- frames

  /** `depth`: for a call, the calls in progress with it; otherwise that of the frame below. */
  private pushBytecode(chunk: Chunk, env: Env, thunk: Thunk | null, pending: Value[] | null, lambda: LambdaInfo | null, callPos?: SourcePos, depth = this.topDepth(), tailCalls: TailCallLog | null = null): void {
    this.frames.push({ kind: FrameKind.Bytecode, chunk, ip: 0, env, base: this.stack.length, thunk, pending, lambda, callPos, selSet: null, selName: '', depth, tailCalls });
  }

  private pushGenerator(gen: Generator<Request, Value, Value>, thunk: Thunk | null, pending: Value[] | null, name: string, pos: SourcePos | undefined, builtin = false, depth = this.topDepth()): void {
    this.frames.push({ kind: FrameKind.Generator, gen, base: this.stack.length, thunk, pending, resume: undefined, name, pos, builtin, depth });
  }

  /**
   * Starts evaluating a pending thunk; its result will be delivered to the current top frame.
   * `depth`: that of the frame forcing the thunk (forcing is not a call).
   */
  private startThunk(t: Thunk, pos: SourcePos | undefined, depth: number): void {
    if (t.state === ThunkState.Failed) throw (t.error as NixError).copy();
    if (t.state === ThunkState.Blackhole) {
      const e = new NixError('infinite-recursion', INFINITE_RECURSION, pos);
      e.blackhole = t;
      throw e;
    }
    t.state = ThunkState.Blackhole;
    if (t.chunk) this.pushBytecode(t.chunk, t.env!, t, null, null, undefined, depth);
    else this.pushGenerator(applyGen(t.fn!, t.args!), t, null, 'apply', undefined, false, depth);
  }

  /**
   * Calls fn with args. Returns the result if it is available at once; otherwise pushes the
   * frames that compute it (their result goes to the current top frame) and returns undefined.
   * `thunk`, if given, is updated with the final result. `callerDepth` is the number of calls
   * in progress where the call is made (by default, at the top frame); `tailCalls`, the record
   * of a frame the callee replaces.
   */
  callValue(fn: Value, args: Value[], thunk: Thunk | null, pos: SourcePos | undefined, pending: Value[] | null = null, callerDepth = this.topDepth(), tailCalls: TailCallLog | null = null): Value | undefined {
    if (callerDepth > this.maxCallDepth) throw new NixError('eval', STACK_OVERFLOW, pos === AT_CALLEE ? undefined : pos);
    const depth = callerDepth + 1;
    for (;;) {
      if (fn instanceof Closure) {
        const lambda = fn.lambda;
        const env: Env = new Array(lambda.slots + 1);
        env[0] = fn.env as unknown as Value;
        env[1] = args[0];
        const rest = args.length > 1 ? (pending ? args.slice(1).concat(pending) : args.slice(1)) : pending;
        // A lazily applied function (an element of `genList`, ...) shows itself as the call site.
        this.pushBytecode(lambda.chunk, env, thunk, rest, lambda, pos === AT_CALLEE ? { source: lambda.source, offset: lambda.pos } : pos, depth, tailCalls);
        return undefined;
      }
      // Only a lambda can stand for its own call site.
      if (pos === AT_CALLEE) pos = undefined;
      if (fn instanceof Builtin) {
        const spec = fn.spec;
        const all = fn.args.length === 0 ? args : fn.args.concat(args);
        if (all.length < spec.arity) {
          const partial = new Builtin(spec, all);
          if (pending) { fn = partial; args = pending; pending = null; continue; }
          return this.finishImmediate(partial, thunk);
        }
        const callArgs = unwrapDone(all.length === spec.arity ? all : all.slice(0, spec.arity), spec.lazy);
        let extra = all.length > spec.arity ? all.slice(spec.arity) : null;
        if (pending) { extra = extra ? extra.concat(pending) : pending; pending = null; }
        const ctx = { callPos: pos?.offset ?? -1, state: this.state, callDepth: depth };
        if (needsForcing(callArgs, spec.lazy)) {
          this.pushGenerator(strictCallGen(spec, callArgs, ctx), thunk, extra, spec.name, pos, !spec.noCallTrace, depth);
          return undefined;
        }
        let r: ReturnType<typeof spec.impl>;
        try {
          r = spec.impl(callArgs, ctx);
        } catch (err) {
          // An integer overflow in the builtin is its error too, traced as such.
          const e = this.toNixError(err);
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
        if (extra) { fn = r; args = extra; continue; }
        return this.finishImmediate(r, thunk);
      }
      if (fn instanceof NixAttrs && fn.has('__functor')) {
        this.pushGenerator(functorGen(fn, args), thunk, pending, '__functor', pos, false, depth);
        return undefined;
      }
      throw new NixError('type', `attempt to call something which is not a function but ${showType(fn)}: ${printValue(fn)}`, pos);
    }
  }

  /**
   * A tail call that does not replace the frame: a call of something other than a lambda (a
   * builtin, a functor), so that an error from it still gets the frame's trace lines, or a
   * call past max-call-depth, which fails here. The frame then returns the result.
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
    if (f.pending) {
      // The remaining arguments were written at the same call site (`import ./f.nix { }`).
      const site = f.kind === FrameKind.Generator ? f.pos : f.callPos;
      // Still the same call for max-call-depth (C++ Nix applies all arguments in one callFunction).
      // The calls a bytecode frame absorbed are still in progress around the application.
      const r = this.callValue(v, f.pending, f.thunk, site, null, f.depth - 1, f.kind === FrameKind.Bytecode ? f.tailCalls : null);
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
      if (req.state === ThunkState.Done) { f.resume = req.value; return; }
      this.startThunk(req, undefined, f.depth);
      return;
    }
    if (req instanceof CallRequest) {
      // Calls a builtin makes have no call site of their own in traces.
      const r = this.callValue(req.fn, req.args, null, req.atCallee ? AT_CALLEE : undefined, null, f.depth);
      if (r !== undefined) f.resume = r;
      return;
    }
    throw new Error('generator yielded something that is not a request');
  }

  // ---- the run loop

  private execute(bottom: number): Value {
    const frames = this.frames;
    const stack = this.stack;
    let finalValue: Value = null;
    outer: for (;;) {
      if (frames.length === bottom) return finalValue;
      const frame = frames[frames.length - 1];
      if (frame.kind === FrameKind.Generator) {
        const resume = frame.resume;
        frame.resume = undefined;
        const r = frame.gen.next(resume as Value);
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
        if (--budget < 0) { this.checkLimits(); budget = this.budget; }
        const op = code[ip++] as Op;
        switch (op) {
          case Op.Const:
            stack.push(consts[code[ip++]] as Value);
            break;
          case Op.Local: {
            let d = code[ip++];
            let e = env;
            while (d-- > 0) e = e[0] as unknown as Env;
            stack.push(e[code[ip++]]);
            break;
          }
          case Op.Global: {
            const name = consts[code[ip++]] as string;
            const v = this.globals.get(name);
            if (v === undefined) throw new NixError('undefined-variable', `undefined variable '${name}'`);
            stack.push(v);
            break;
          }
          case Op.WithVar: {
            const info = consts[code[ip++]] as { name: string; depths: number[] };
            frame.ip = ip;
            frame.env = env;
            this.pushGenerator(withLookupGen(env, info.name, info.depths), null, null, 'with', this.posOf(chunk, ip - 2));
            continue outer;
          }
          case Op.Force: {
            const v = stack[stack.length - 1];
            if (v instanceof Thunk) {
              if (v.state === ThunkState.Done) {
                stack[stack.length - 1] = v.value!;
              } else {
                stack.pop();
                frame.ip = ip;
                frame.env = env;
                this.startThunk(v, this.posOf(chunk, ip - 1), frame.depth);
                continue outer;
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
            const r = this.callValue(fn, args, null, this.posOf(chunk, ip - 2), null, frame.depth);
            if (r !== undefined) { stack.push(r); break; }
            continue outer;
          }
          case Op.TailCall: {
            const n = code[ip++];
            const args = takeTop(stack, n);
            const fn = stack.pop()!;
            if (fn instanceof Closure && frame.depth <= this.maxCallDepth) {
              // The callee takes this frame's place: its result is this frame's result. The
              // call this frame stood for is remembered for traces.
              frames.pop();
              stack.length = frame.base;
              let tailCalls = frame.tailCalls;
              if (frame.lambda !== null) (tailCalls ??= new TailCallLog()).add(frame.lambda, frame.callPos);
              this.callValue(fn, args, frame.thunk, this.posOf(chunk, ip - 2), frame.pending, frame.depth, tailCalls);
              continue outer;
            }
            frame.ip = ip;
            frame.env = env;
            this.tailCallInPlace(frame, fn, args, this.posOf(chunk, ip - 2));
            continue outer;
          }
          case Op.Return: {
            const v = stack.pop()!;
            frames.pop();
            this.deliverFinished(frame, v);
            continue outer;
          }
          case Op.Pop:
            stack.pop();
            break;
          case Op.Jump:
            ip = code[ip];
            break;
          case Op.JumpIfFalse:
          case Op.JumpIfTrue: {
            const v = stack.pop()!;
            if (typeof v !== 'boolean') throw this.typeError('a Boolean', v, chunk, ip - 1);
            const target = code[ip++];
            if (v === (op === Op.JumpIfTrue)) ip = target;
            break;
          }
          case Op.AssertBool: {
            const v = stack[stack.length - 1];
            if (typeof v !== 'boolean') throw this.typeError('a Boolean', v, chunk, ip - 1);
            break;
          }
          case Op.Not: {
            const v = stack.pop()!;
            if (typeof v !== 'boolean') throw this.typeError('a Boolean', v, chunk, ip - 1);
            stack.push(!v);
            break;
          }
          case Op.PushEnv: {
            const n = code[ip++];
            const e: Env = new Array(n + 1);
            e[0] = env as unknown as Value;
            env = e;
            break;
          }
          case Op.PopEnv:
            env = env[0] as unknown as Env;
            break;
          case Op.SetLocal:
            env[code[ip++]] = stack.pop()!;
            break;
          case Op.Attrs: {
            const { names, positions } = consts[code[ip++]] as SetLayout;
            const n = names.length;
            const map = new Map<string, Value>();
            const start = stack.length - n;
            for (let i = 0; i < n; i++) map.set(names[i], stack[start + i]);
            stack.length = start;
            stack.push(n === 0 ? NixAttrs.EMPTY : new NixAttrs(map, positions));
            break;
          }
          case Op.AttrsFromEnv: {
            const { names, positions } = consts[code[ip++]] as SetLayout;
            const map = new Map<string, Value>();
            for (let i = 0; i < names.length; i++) map.set(names[i], env[i + 1]);
            stack.push(new NixAttrs(map, positions));
            break;
          }
          case Op.ClearSelected:
            frame.selSet = null;
            break;
          case Op.RecOverrides: {
            const names = consts[code[ip++]] as string[];
            const set = stack.pop() as NixAttrs;
            frame.ip = ip;
            frame.env = env;
            this.pushGenerator(recOverridesGen(set, env, names), null, null, '__overrides', this.posOf(chunk, ip - 2));
            continue outer;
          }
          case Op.DynAttr: {
            const value = stack.pop()!;
            const name = stack.pop()!;
            const set = stack[stack.length - 1] as NixAttrs;
            if (name === null) break;
            const key = ops.attrName(name, 'while evaluating the name of a dynamic attribute');
            if (set.has(key)) {
              const prev = set.positions?.get(key);
              const where = prev ? showSourcePos(prev) : this.showPos(chunk, ip - 1);
              throw new NixError('eval', `dynamic attribute '${showIdentifier(key)}' already defined at ${where}`, this.posOf(chunk, ip - 1));
            }
            // The set was built by this very expression and is not shared yet.
            const target = set === NixAttrs.EMPTY ? new NixAttrs(new Map()) : set;
            target.map.set(key, value);
            const here = new StaticPositions(chunk.source, new Map([[key, chunk.positions[ip - 1]]]));
            target.positions = new LayeredPositions(target.positions, here, (n) => n === key);
            stack[stack.length - 1] = target;
            break;
          }
          case Op.Select:
          case Op.SelectDyn: {
            // The name is a constant, or (Dyn) a forced value on top of the set.
            const at = ip - 1;
            const name = op === Op.Select
              ? consts[code[ip++]] as string
              : ops.attrName(stack.pop()!, 'while evaluating an attribute name');
            const set = stack[stack.length - 1];
            if (!(set instanceof NixAttrs)) throw this.typeError('a set', set, chunk, at);
            const v = set.get(name);
            if (v === undefined) throw this.missingAttr(name, set);
            frame.selSet = set;
            frame.selName = name;
            stack[stack.length - 1] = v;
            break;
          }
          case Op.SelectOr:
          case Op.SelectDynOr: {
            let name: string;
            let target: number;
            if (op === Op.SelectOr) {
              name = consts[code[ip++]] as string;
              target = code[ip++];
            } else {
              target = code[ip++];
              name = ops.attrName(stack.pop()!, 'while evaluating an attribute name');
            }
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
          case Op.HasAttr:
          case Op.HasAttrDyn: {
            const name = op === Op.HasAttr
              ? consts[code[ip++]] as string
              : ops.attrName(stack.pop()!, 'while evaluating an attribute name');
            const set = stack[stack.length - 1];
            stack[stack.length - 1] = set instanceof NixAttrs && set.has(name);
            break;
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
              name = ops.attrName(stack.pop()!, 'while evaluating an attribute name');
            }
            const set = stack[stack.length - 1];
            const v = set instanceof NixAttrs ? set.get(name) : undefined;
            if (v === undefined) { stack[stack.length - 1] = false; ip = target; }
            else stack[stack.length - 1] = v;
            break;
          }
          case Op.List: {
            const n = code[ip++];
            stack.push(n === 0 ? [] : takeTop(stack, n));
            break;
          }
          case Op.Eq:
          case Op.Neq: {
            const b = stack.pop()!;
            const a = stack.pop()!;
            const quick = ops.quickEqual(a, b);
            if (quick !== undefined) {
              stack.push(op === Op.Eq ? quick : !quick);
              break;
            }
            frame.ip = ip;
            frame.env = env;
            this.pushGenerator(op === Op.Eq ? ops.equalGen(a, b) : notGen(ops.equalGen(a, b)), null, null, '==', this.posOf(chunk, ip - 1));
            continue outer;
          }
          case Op.AddPrepare: {
            const layout = consts[code[ip++]] as ConcatLayout;
            const a = stack[stack.length - 1];
            // A string, number or path needs no coercion: `Add` takes it as it is.
            if (typeof a === 'string' || typeof a === 'number' || typeof a === 'bigint' || a instanceof NixString || a instanceof NixFloat || a instanceof NixPath) break;
            stack.pop();
            const c = new ops.Concatenation(false, layout.positions, layout.pos);
            frame.ip = ip;
            frame.env = env;
            this.pushGenerator(ops.concatPartGen(c, a, 0, false), null, null, '+', layout.pos);
            continue outer;
          }
          case Op.Add: {
            const layout = consts[code[ip++]] as ConcatLayout;
            const b = stack.pop()!;
            const a = stack.pop()! as Value | ops.Concatenation;
            let c: ops.Concatenation;
            if (a instanceof ops.Concatenation) {
              c = a;
            } else {
              let quick: Value | undefined;
              try {
                quick = ops.quickAdd(a, b);
              } catch (e) {
                if (e instanceof IntegerOverflow) throw new NixError('eval', e.message, layout.pos);
                throw e;
              }
              if (quick !== undefined) { stack.push(quick); break; }
              c = new ops.Concatenation(false, layout.positions, layout.pos);
              c.tryAdd(a, 0);
            }
            if (c.tryAdd(b, 1)) { stack.push(c.result()); break; }
            frame.ip = ip;
            frame.env = env;
            this.pushGenerator(ops.concatPartGen(c, b, 1, true), null, null, '+', layout.pos);
            continue outer;
          }
          case Op.ConcatPart: {
            const i = code[ip++];
            const layout = consts[code[ip++]] as ConcatLayout;
            const last = i === layout.positions.length - 1;
            const v = stack.pop()!;
            const c = i === 0 ? new ops.Concatenation(layout.forceString, layout.positions, layout.pos) : stack.pop() as unknown as ops.Concatenation;
            if (c.tryAdd(v, i)) {
              stack.push(last ? c.result() : c as unknown as Value);
              break;
            }
            frame.ip = ip;
            frame.env = env;
            this.pushGenerator(ops.concatPartGen(c, v, i, last), null, null, 'interpolation', layout.pos);
            continue outer;
          }
          case Op.Concat: {
            const b = stack.pop()!;
            const a = stack.pop()!;
            for (const l of [a, b]) {
              if (Array.isArray(l)) continue;
              const e = new NixError('type', `expected a list but found ${showType(l)}: ${printForError(l)}`);
              throw e.addTrace('while evaluating one of the elements to concatenate', this.posOf(chunk, ip - 1));
            }
            const la = a as Value[];
            const lb = b as Value[];
            stack.push(la.length === 0 ? lb : lb.length === 0 ? la : la.concat(lb));
            break;
          }
          case Op.AssertAttrs: {
            const v = stack[stack.length - 1];
            if (!(v instanceof NixAttrs)) throw new NixError('type', `expected a set but found ${showType(v)}: ${printValue(v)}`);
            break;
          }
          case Op.Update: {
            // Operands were checked by AssertAttrs, the leftmost is on top.
            const n = code[ip++];
            const top = stack.length - 1;
            let acc = stack[top] as NixAttrs;
            for (let j = top - 1; j > top - n; j--) acc = ops.update(acc, stack[j] as NixAttrs);
            stack.length = top + 1 - n;
            stack.push(acc);
            break;
          }
          case Op.Formals: {
            const info = consts[code[ip++]] as FormalsInfo;
            const arg = stack.pop()!;
            this.bindFormals(info, arg, env, frame.lambda!, chunk, ip - 2);
            break;
          }
          case Op.AssertFail: {
            const shown = consts[code[ip++]] as string;
            throw new NixError('assert', `assertion '${shown}' failed`, this.posOf(chunk, ip - 2));
          }
          case Op.AssertEq: {
            const b = stack.pop()!;
            const a = stack.pop()!;
            frame.ip = ip;
            frame.env = env;
            this.pushGenerator(assertEqualGen(a, b, this.posOf(chunk, ip - 1)), null, null, 'assert', this.posOf(chunk, ip - 1));
            continue outer;
          }
          case Op.CheckAttrName: {
            // As C++ Nix's forceStringNoCtx: a string that refers to no store path.
            const v = stack[stack.length - 1];
            const nullable = code[ip++] === 1;
            if (typeof v === 'string' || (v === null && nullable)) break;
            if (v instanceof NixString) {
              if (v.context.size === 0) break;
              throw contextNotAllowed(v.s, v.context);
            }
            throw this.typeError('a string', v, chunk, ip - 2);
          }
          case Op.CurPos: {
            const p = this.posOf(chunk, ip - 1)!;
            const lc = p.source.lineCol(p.offset);
            stack.push(new NixAttrs(new Map<string, Value>([['column', lc.column], ['file', p.source.origin], ['line', lc.line]])));
            break;
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
              if (r !== undefined) { stack.push(r); break; }
            }
            frame.ip = ip;
            frame.env = env;
            const fn = this.globals.get(ARITH_BUILTIN[op]!)!;
            const r = this.callValue(fn, [a, b], null, this.posOf(chunk, ip - 1), null, frame.depth);
            if (r !== undefined) { stack.push(r); break; }
            continue outer;
          }
          default:
            throw new Error(`unknown opcode ${op}`);
        }
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

  private checkLimits(): void {
    this.budget = 10000;
    if (Date.now() > this.deadline) throw new EvalTimeout('evaluation timed out');
    this.embedderCheck?.();
  }

  private showPos(chunk: Chunk, ip: number): string {
    const p = this.posOf(chunk, ip);
    if (!p) return utf8ToBytes('«unknown»');
    const lc = p.source.lineCol(p.offset);
    return `${p.source.origin}:${lc.line}:${lc.column}`;
  }

  private typeError(expected: string, v: Value, chunk: Chunk, ip: number): NixError {
    return new NixError('type', `expected ${expected} but found ${showType(v)}: ${printValue(v)}`, this.posOf(chunk, ip));
  }

  private missingAttr(name: string, set: NixAttrs): NixError {
    // No position of its own: the select's "while evaluating the attribute" line has it (C++ Nix 2.36).
    const e = new NixError('eval', `attribute '${showIdentifier(name)}' missing`);
    e.suggestions = bestMatches(set.keys(), name);
    return e;
  }

  private bindFormals(info: FormalsInfo, arg: Value, env: Env, lambda: LambdaInfo, chunk: Chunk, ip: number): void {
    if (!(arg instanceof NixAttrs)) throw this.typeError('a set', arg, chunk, ip);
    const fname = `'${lambda.name ?? 'anonymous lambda'}'`;
    let used = 0;
    let missing: string[] | undefined;
    for (const f of info.entries) {
      const v = arg.get(f.name);
      if (v !== undefined) {
        env[f.slot] = v;
        used++;
      } else if (f.alias !== undefined && aliasOf(env, f.alias) !== undefined) {
        // `{ x ? y, y }`: x is y's value itself, as C++ Nix binds a default that is a variable.
        env[f.slot] = aliasOf(env, f.alias)!;
      } else if (f.def) {
        env[f.slot] = new Thunk(f.def, env);
      } else {
        (missing ??= []).push(f.name);
      }
    }
    // C++ Nix checks formals, and then the argument's names, in symbol order (value/symbols.ts).
    if (missing !== undefined) {
      const name = this.symbols.first(missing)!;
      const e = new NixError('eval', `function ${fname} called without required argument '${showIdentifier(name)}'`, { source: lambda.source, offset: lambda.pos });
      e.inFormals = true;
      throw e;
    }
    if (!info.ellipsis && used < arg.size) {
      const name = this.symbols.first(arg.keys().filter((k) => !info.names.has(k)))!;
      const e = new NixError('eval', `function ${fname} called with unexpected argument '${showIdentifier(name)}'`, { source: lambda.source, offset: lambda.pos });
      e.inFormals = true;
      e.suggestions = bestMatches(info.names, name);
      throw e;
    }
    // env[1] keeps the argument as passed (`args@{ ... }` is the same place as the caller's).
  }
}

/** The binding a formal's default names, or undefined while its scope is being filled. */
function aliasOf(env: Env, alias: { depth: number; slot: number }): Value | undefined {
  let e = env;
  for (let d = alias.depth; d > 0; d--) e = e[0] as unknown as Env;
  return e[alias.slot];
}

/** Removes the top n values of the stack and returns them in order. */
function takeTop(stack: Value[], n: number): Value[] {
  const base = stack.length - n;
  const out = new Array<Value>(n);
  for (let i = 0; i < n; i++) out[i] = stack[base + i];
  for (let i = 0; i < n; i++) stack.pop();
  return out;
}

function isGenerator(r: unknown): r is Generator<Request, Value, Value> {
  return typeof r === 'object' && r !== null && typeof (r as Generator).next === 'function' && typeof (r as Generator).throw === 'function';
}

/**
 * Replaces evaluated thunks by their values (copying only when there is one). Lazy
 * arguments stay as they are: a builtin that takes one may store it or compare it as a
 * place (`elem`), and an evaluated thunk is not the same place as its value.
 */
function unwrapDone(args: Value[], lazy: readonly number[] | undefined): Value[] {
  let out = args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Thunk && a.state === ThunkState.Done && !(lazy && lazy.includes(i))) {
      if (out === args) out = args.slice();
      out[i] = a.value!;
    }
  }
  return out;
}

function needsForcing(args: readonly Value[], lazy: readonly number[] | undefined): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Thunk && a.state !== ThunkState.Done && !(lazy && lazy.includes(i))) return true;
  }
  return false;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

function argumentContext(spec: Builtin['spec'], i: number): string {
  return `while evaluating the ${ORDINALS[i] ?? `${i + 1}th`} argument passed to builtins.${spec.name}`;
}

/** A type error about one of the arguments gets the line saying which argument it was. */
function traceArgument(e: NixError, spec: Builtin['spec'], args: Value[]): void {
  if (e.kind !== 'type' || e.value === undefined || e.trace.length > 0) return;
  const i = args.indexOf(e.value as Value);
  if (i >= 0) e.addTrace(argumentContext(spec, i));
}

function* argTraced(gen: Generator<Request, Value, Value>, spec: Builtin['spec'], args: Value[]): Generator<Request, Value, Value> {
  try {
    return yield* gen;
  } catch (e) {
    if (e instanceof NixError) traceArgument(e, spec, args);
    throw e;
  }
}

function* strictCallGen(spec: Builtin['spec'], args: Value[], ctx: BuiltinContext): Generator<Request, Value, Value> {
  const forced = args.slice();
  for (let i = 0; i < forced.length; i++) {
    if (spec.lazy && spec.lazy.includes(i)) continue;
    const a = forced[i];
    if (!(a instanceof Thunk)) continue;
    // As C++ Nix's forceValue, forcing has no "while evaluating the ... argument" line: that
    // context is only for an argument of the wrong type (traceArgument).
    forced[i] = a.state === ThunkState.Done ? a.value! : yield a;
  }
  const r = spec.impl(forced, ctx);
  if (isGenerator(r)) return yield* argTraced(r, spec, forced);
  return r;
}

function* doneGen(v: Value): Generator<Request, Value, Value> {
  return v;
}

function* forceGen(t: Thunk): Generator<Request, Value, Value> {
  return yield t;
}

function* applyGen(fn: Value, args: Value[]): Generator<Request, Value, Value> {
  // C++ Nix takes the call site of a lazy application from the function as it is when the
  // application is forced (Value::determinePos): an evaluated lambda stands for its own call
  // site, a function still unevaluated (mapAttrs never forces it) gives none.
  const evaluated = !(fn instanceof Thunk) || fn.state === ThunkState.Done;
  const f = yield* force(fn);
  return yield new CallRequest(f, args, evaluated);
}

function* functorGen(set: NixAttrs, args: Value[]): Generator<Request, Value, Value> {
  const functor = yield* force(set.get('__functor')!);
  const g = yield new CallRequest(functor, [set]);
  return yield new CallRequest(g, args);
}

function* notGen(g: Generator<Request, Value, Value>): Generator<Request, Value, Value> {
  return !(yield* g);
}

/**
 * `rec { __overrides = { a = ...; }; ... }`: the overriding values replace the attributes
 * both in the resulting set and in the environment the other attributes see.
 */
function* recOverridesGen(set: NixAttrs, env: Env, names: string[]): Generator<Request, Value, Value> {
  let overrides: Value;
  try {
    overrides = yield* force(set.get('__overrides')!);
    if (!(overrides instanceof NixAttrs)) {
      throw new NixError('type', `expected a set but found ${showType(overrides)}: ${printValue(overrides)}`);
    }
  } catch (e) {
    if (e instanceof NixError) e.addTrace('while evaluating the `__overrides` attribute');
    throw e;
  }
  const map = new Map(set.map);
  for (const [k, v] of overrides.map) {
    map.set(k, v);
    const i = names.indexOf(k);
    if (i >= 0) env[i + 1] = v;
  }
  return new NixAttrs(map);
}

function* assertEqualGen(a: Value, b: Value, pos: SourcePos | undefined): Generator<Request, Value, Value> {
  if (yield* ops.equalGen(a, b)) return true;
  return yield* explainInequality(a, b, pos);
}

function showSourcePos(p: SourcePos): string {
  const lc = p.source.lineCol(p.offset);
  return `${p.source.origin}:${lc.line}:${lc.column}`;
}

function* withLookupGen(env: Env, name: string, depths: number[]): Generator<Request, Value, Value> {
  for (const d of depths) {
    let e = env;
    for (let i = 0; i < d; i++) e = e[0] as unknown as Env;
    const set = yield* force(e[1]);
    // Keep the forced set so later lookups need not force it again.
    e[1] = set;
    if (!(set instanceof NixAttrs)) {
      throw new NixError('type', `expected a set but found ${showType(set)}: ${printValue(set)}`);
    }
    const v = set.get(name);
    if (v !== undefined) return yield* force(v);
  }
  throw new NixError('undefined-variable', `undefined variable '${name}'`);
}

