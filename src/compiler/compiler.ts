// Compiles the AST into chunks of bytecode. Names resolve at compile time: a variable is a
// slot in an environment some levels up, a global builtin, or, only when no lexical binding
// exists, a lookup through the enclosing `with` scopes. Values needed later are wrapped in
// thunks; literals, variables and lambdas never are.

import type { AttrName, Expr, ExprAttrs, ExprLambda, ExprVar, Formal } from '../syntax/ast.js';
import { errorPos, NO_POS } from '../syntax/ast.js';
import type { Source } from '../syntax/source.js';
import { NixError, noteJsStackOverflow } from '../errors/errors.js';
import { AttrShape, NixFloat, NixPath, type Value } from '../value/values.js';
import { SortedPositions } from '../value/attrs.js';
import { firstUndefinedVariable } from './bind-order.js';
import { Counter, STATS_ON } from '../value/stats.js';
import { showExpr, showIdentifier } from '../syntax/show.js';
import { type Chunk, type ConcatLayout, type ErrorRegion, type FormalsInfo, type LambdaInfo, Op, ownBytes, type SelectTrace, sourceBytes } from './chunk.js';
import type { SourcePos } from '../errors/errors.js';

/** One runtime environment level. */
interface Scope {
  /** The name of each slot from 1 (slot i + 1 is `names[i]`); undefined for a slot no name reaches. */
  names: readonly (string | undefined)[];
  /** For a scope of many names: each name's slot (a scan of a few names costs less than a Map). */
  index: Map<string, number> | null;
  /** A `with` scope: slot 1 holds the set whose attributes are in scope. */
  isWith: boolean;
  /** A `with` scope: where its `with` is (the line of an error about its set). */
  withPos: number;
  /** Bindings whose slots are being filled: a bare variable referring to them needs a thunk. */
  initializing: boolean;
  /** While initializing: the slots already filled, which a variable may read directly. */
  filled: Set<number> | null;
  /** While initializing: the name of the binding being filled. */
  filling: string | undefined;
  parent: Scope | null;
}

/** Above this many names a scope looks them up in a Map. */
const SCAN_NAMES = 8;

/** The slot of `name` in scope `s`, or 0. */
function slotOf(s: Scope, name: string): number {
  if (s.index !== null) return s.index.get(name) ?? 0;
  const names = s.names;
  for (let i = 0; i < names.length; i++) if (names[i] === name) return i + 1;
  return 0;
}

type Resolution =
  | { kind: 'local'; depth: number; slot: number; scope: Scope }
  | { kind: 'global' }
  | { kind: 'with'; depths: number[]; positions: number[] };

/** Every global resolves alike: one object for all. */
const GLOBAL: Resolution = { kind: 'global' };

class ChunkBuilder {
  readonly code: number[] = [];
  readonly consts: unknown[] = [];
  readonly positions: number[] = [];
  readonly regions: ErrorRegion[] = [];
  /** Thunks this chunk's code makes (Op.Thunk emitted), code dropped by `reset` included. */
  thunks = 0;
  constructor(readonly source: Source, readonly name: string) {}

  /** Code emitted by `body` gets `message` (at `pos`) in the trace of its errors. */
  region(message: string, pos: number, body: () => void): void {
    const start = this.code.length;
    body();
    this.closeRegion(start, message, pos);
  }

  /**
   * Ends a region that started at code index `start` (`region` without a closure, for the
   * operands of every operator: the compiler runs cold, where each closure costs).
   */
  closeRegion(start: number, message: string, pos: number): void {
    this.regions.push({ start, end: this.code.length, message, pos });
  }

  /**
   * A region whose trace also names where the last selected attribute was defined; `ends`
   * holds, for each name of the path, the code index just past the instruction selecting it.
   */
  closeSelectRegion(start: number, path: AttrName[], pos: number, ends: number[]): void {
    this.regions.push(new SelectRegion(start, this.code.length, pos, path, ends));
  }

  /** Appends an instruction with up to two operands; returns where it starts. */
  emit(op: Op, pos: number, a?: number, b?: number): number {
    const code = this.code;
    const positions = this.positions;
    const at = code.length;
    code.push(op);
    positions.push(pos);
    if (a !== undefined) {
      code.push(a);
      positions.push(pos);
      if (b !== undefined) {
        code.push(b);
        positions.push(pos);
      }
    }
    return at;
  }

  constant(v: unknown): number {
    this.consts.push(v);
    return this.consts.length - 1;
  }

  /** Points the jump operand at `operandIndex` to the current end of code. */
  patch(operandIndex: number): void {
    this.code[operandIndex] = this.code.length;
  }

  /** Where the code ends now, to undo what is emitted after it (see `reset`). */
  mark(): { code: number; consts: number; regions: number } {
    return { code: this.code.length, consts: this.consts.length, regions: this.regions.length };
  }

  reset(m: { code: number; consts: number; regions: number }): void {
    this.code.length = m.code;
    this.positions.length = m.code;
    this.consts.length = m.consts;
    this.regions.length = m.regions;
  }

  finish(): Chunk {
    // Copies of exactly their length: an array grown by push keeps room for more (17 slots
    // after the first push), and a file's chunks are many and small (lib-fix.nix: 17,500,
    // whose spare room was half of their memory).
    return {
      code: this.code.slice(), consts: exactCopy(this.consts), positions: this.positions.slice(), regions: exactCopy(this.regions),
      source: this.source, name: this.name, lambda: null, compiled: undefined, runs: 0, firstEpoch: 0,
    };
  }
}

/** Where each formal is written, for `builtins.functionArgs`'s positions. */
function formalPositions(source: Source, formals: Formal[]): SortedPositions {
  const sorted = formals.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return new SortedPositions(source, sorted.map((f) => f.name), sorted.map((f) => f.pos));
}

/** Shared by the chunks with no constants or no error regions (most thunks have none of the latter). */
const NONE: never[] = [];

function exactCopy<T>(items: T[]): T[] {
  return items.length === 0 ? NONE : items.slice();
}

/**
 * A name of a selected path as its trace shows it: a static name, a computed one by its
 * expression, or (code read back from the disk cache, src/io/compiled-file.ts) by the text
 * `showExpr` gave for that expression.
 */
export type SelectPathName = { name: string } | { expr: Expr } | { shown: string };

/**
 * The region of an attribute path's selection. Its trace line names the path, shown only
 * when an error needs it: most selections never fail, and a file has many.
 */
export class SelectRegion implements ErrorRegion, SelectTrace {
  readonly select = this;
  constructor(
    readonly start: number, readonly end: number, readonly pos: number,
    readonly path: readonly SelectPathName[], readonly ends: readonly number[],
  ) {}

  get length(): number {
    return this.path.length;
  }

  get message(): string {
    return `while evaluating the attribute '${this.show(this.path.length, null)}'`;
  }

  found(at: number): number {
    let n = 0;
    while (n < this.ends.length && this.ends[n] <= at) n++;
    return n;
  }

  show(count: number, dynamicNames: readonly string[] | null): string {
    let dynamic = 0;
    return this.path.slice(0, count).map((n) => {
      if ('name' in n) return showIdentifier(n.name);
      const value = dynamicNames?.[dynamic++];
      return value !== undefined ? showIdentifier(value) : `"\${${'shown' in n ? n.shown : showExpr(n.expr)}}"`;
    }).join('.');
  }
}

export interface CompileOptions {
  /** Names bound in the global environment (builtins and constants). */
  globals: ReadonlySet<string>;
  /**
   * A name's place in C++ Nix's symbol order (value/symbols.ts), the order in which a `let`,
   * a `rec` set and formals fill their bindings. Without it, the order of the names.
   */
  symbolId?: (name: string) => number;
}

/** Compiles a whole file or expression into a chunk that evaluates it (to WHNF). */
export function compile(ast: Expr, source: Source, options: CompileOptions): Chunk {
  try {
    const compiler = new Compiler(source, options);
    const chunk = compiler.compileTop(ast);
    if (compiler.orderFacts.length > 0) chunk.symbolOrderFacts = compiler.orderFacts;
    chunk.estimatedBytes = compiler.chunkBytes + sourceBytes(source.text);
    return chunk;
  } catch (e) {
    if (e instanceof RangeError) {
      noteJsStackOverflow();
      throw new NixError('parse', 'expression nested too deeply', { source, offset: 0 });
    }
    if (e instanceof NixError && e.kind === 'undefined-variable') throw firstInBindOrder(e, ast, source, options);
    throw e;
  }
}

/**
 * Of the undefined variables of a tree, the one C++ Nix reports: the first its bindVars meets,
 * which need not be the first the compiler met (`err`).
 */
function firstInBindOrder(err: NixError, ast: Expr, source: Source, options: CompileOptions): NixError {
  let first: { name: string; pos: number } | undefined;
  try {
    first = firstUndefinedVariable(ast, options.globals, options.symbolId);
  } catch (e) {
    // Too deep a tree for the walk's recursion: the compiler's own error stands.
    if (e instanceof RangeError) return err;
    throw e;
  }
  if (first === undefined || first.pos === err.pos?.offset) return err;
  return new NixError('undefined-variable', `undefined variable '${first.name}'`, { source, offset: first.pos });
}

class Compiler {
  private b: ChunkBuilder;
  private scope: Scope | null = null;
  /** How many scopes on the chain are being filled (`initializing`). */
  private initializingScopes = 0;
  /** How many variables were compiled as thunks because their binding was not filled yet. */
  private unfilledReads = 0;
  /** Pairs of names whose symbol order the code relies on (Chunk.symbolOrderFacts). */
  readonly orderFacts: string[] = [];
  /** compileChain's stacks: the links of the chains being compiled, and what each needs. */
  private readonly chainLinks: ChainLink[] = [];
  private readonly chainData: number[] = [];
  /** The estimated memory of the chunks made so far (Chunk.estimatedBytes). */
  chunkBytes = 0;
  /** Computed names of selects whose code selects too (compileSelectedName). */
  private readonly namesSelecting = new WeakSet<Expr>();
  /** Changes whenever a scope starts or stops being filled, or a binding is filled (needsThunk's answers hold until then). */
  private fillGeneration = 0;
  /** needsThunk's answers, by node: twice the generation they hold for, plus 1 if yes. */
  private readonly thunkAnswers = new WeakMap<Expr, number>();

  constructor(private readonly source: Source, private readonly options: CompileOptions) {
    this.b = new ChunkBuilder(source, '«top»');
  }

  compileTop(ast: Expr): Chunk {
    this.compileTail(ast);
    return this.finishChunk();
  }

  /** The chunk the current builder made, counted in `chunkBytes`. */
  private finishChunk(): Chunk {
    const chunk = this.b.finish();
    this.chunkBytes += ownBytes(chunk);
    return chunk;
  }

  // ---- scopes

  private pushScope(names: readonly (string | undefined)[], isWith = false, withPos = NO_POS): Scope {
    let index: Map<string, number> | null = null;
    if (names.length > SCAN_NAMES) {
      index = new Map();
      // The first slot of a name written twice wins, as a scan finds it.
      for (let i = names.length - 1; i >= 0; i--) if (names[i] !== undefined) index.set(names[i]!, i + 1);
    }
    const s: Scope = { names, index, isWith, withPos, initializing: false, filled: null, filling: undefined, parent: this.scope };
    this.scope = s;
    return s;
  }

  private popScope(): void {
    this.scope = this.scope!.parent;
  }

  private resolve(name: string, pos: number, from: Scope | null = this.scope, extraDepth = 0): Resolution {
    // Made only when a `with` is passed: most variables have none around them.
    let withDepths: number[] | undefined;
    let withPositions: number[] | undefined;
    let depth = extraDepth;
    for (let s = from; s; s = s.parent, depth++) {
      if (s.isWith) {
        (withDepths ??= []).push(depth);
        (withPositions ??= []).push(s.withPos);
        continue;
      }
      const slot = slotOf(s, name);
      if (slot !== 0) return { kind: 'local', depth, slot, scope: s };
    }
    if (this.options.globals.has(name)) return GLOBAL;
    if (withDepths !== undefined) return { kind: 'with', depths: withDepths, positions: withPositions! };
    throw new NixError('undefined-variable', `undefined variable '${name}'`, { source: this.source, offset: pos });
  }

  // ---- sub-chunks

  /** Compiles `body` into a separate chunk run in the current environment. */
  private subChunk(name: string, body: (c: this) => void): Chunk {
    const saved = this.b;
    this.b = new ChunkBuilder(this.source, name);
    const filling = this.suspendFilling();
    body(this);
    this.resumeFilling(filling);
    const chunk = this.finishChunk();
    this.b = saved;
    return chunk;
  }

  /**
   * Before compiling code that runs only once forced or called, when the scopes around it have
   * been filled: there a variable is its binding's value itself, as in C++ Nix, not a thunk
   * reading it (which would be one more frame, e.g. a position for infinite recursion, and
   * another place: `let l = [ f ]; f = x: x; in elem f l` is true). Returns the scopes it
   * marked filled (null if none), which `resumeFilling` marks as being filled again after.
   */
  private suspendFilling(): Scope[] | null {
    // Only as far up as the last scope being filled: a walk of the whole chain for every
    // lambda made `x: x: ... x: 1` quadratic in its depth.
    if (this.initializingScopes === 0) return null;
    const filling: Scope[] = [];
    for (let s = this.scope; s && filling.length < this.initializingScopes; s = s.parent) {
      if (s.initializing) { s.initializing = false; filling.push(s); }
    }
    this.initializingScopes = 0;
    this.fillGeneration++;
    return filling;
  }

  private resumeFilling(filling: Scope[] | null): void {
    if (filling === null) return;
    for (const s of filling) s.initializing = true;
    this.initializingScopes = filling.length;
    this.fillGeneration++;
  }

  // ---- statistics (NIX_SHOW_STATS)

  /** Counts n of `counter` when this code runs, if the process counts (value/stats.ts). */
  private count(counter: Counter, n: number, pos: number): void {
    if (STATS_ON) this.b.emit(Op.Count, pos, counter, n);
  }

  /** A thunk of `chunk` in the current environment. */
  private emitThunk(chunk: Chunk, pos: number): void {
    this.count(Counter.Thunks, 1, pos);
    this.b.thunks++;
    this.b.emit(Op.Thunk, pos, this.b.constant(chunk));
  }

  /** A new environment of n slots under the current one. */
  private emitPushEnv(n: number, pos: number): void {
    this.count(Counter.Envs, n, pos);
    this.b.emit(Op.PushEnv, pos, n);
  }

  // ---- expressions

  /** Compiles e so that its WHNF value is returned from the current chunk. */
  private compileTail(e: Expr): void {
    const b = this.b;
    switch (e.kind) {
      case 'Call': {
        if (this.arithOp(e) !== undefined) break;
        this.compileForced(e.fn);
        for (const a of e.args) this.compileLazy(a);
        b.emit(Op.TailCall, e.pos, e.args.length);
        return;
      }
      case 'If': {
        const jf = this.compileCondition(e.cond);
        this.compileTail(e.then);
        b.patch(jf + 1);
        this.compileTail(e.else);
        return;
      }
      case 'Let': {
        this.compileBindings(e.attrs, e.pos);
        this.compileTail(e.body);
        this.popScope();
        return;
      }
      case 'With': {
        this.compileWithHead(e.env, e.pos);
        this.compileTail(e.body);
        this.popScope();
        return;
      }
      case 'Assert': {
        this.compileAssertHead(e.cond, e.pos);
        this.compileTail(e.body);
        return;
      }
    }
    this.compileForced(e);
    b.emit(Op.Return, e.pos);
  }

  /** Compiles e leaving its value in WHNF on the stack. */
  private compileForced(e: Expr): void {
    this.compile(e);
    if (!isWhnf(e)) this.b.emit(Op.Force, e.pos);
  }

  /** Compiles e leaving a value or a thunk of it on the stack, evaluating nothing now. */
  private compileLazy(e: Expr): void {
    if (isCheap(e) && !this.needsThunk(e)) {
      // A list or set built now, while a `let` or `rec` is filled, cannot hold a binding
      // not filled yet: C++ Nix builds it later, from a thunk, holding the binding itself.
      // So does nixeval when the literal needs such a binding.
      // A literal whose elements or attributes need thunks of their own is a thunk too, as in
      // C++ Nix: built at once it would make them all, and in a lazy place it is often never
      // used (a package's `deps = [ a.name b.name ]`: 45,000 lists and 90,000 element thunks
      // made, 8 lists used, in bench:eval's overlays).
      const mark = this.b.mark();
      const before = this.unfilledReads;
      const bytesBefore = this.chunkBytes;
      const thunksBefore = this.b.thunks;
      this.compile(e);
      if (this.unfilledReads === before && this.b.thunks === thunksBefore) {
        if (makesThunkInCpp(e)) {
          this.count(Counter.Thunks, 1, e.pos);
          this.b.emit(Op.Unforced, e.pos);
        } else {
          this.count(Counter.Avoided, 1, e.pos);
        }
        return;
      }
      // The chunks made for the literal are dropped with its code.
      this.b.reset(mark);
      this.unfilledReads = before;
      this.chunkBytes = bytesBefore;
    }
    if (e.kind === 'Var') {
      this.compileVarLazy(this.resolveVar(e), e, describe(e));
      return;
    }
    const chunk = this.subChunk(describe(e), (c) => c.compileTail(e));
    this.emitThunk(chunk, e.pos);
  }

  /**
   * Whether compileLazy(e) makes a thunk here: e is not a literal, or is a variable found
   * through a `with` or naming a binding being filled and not filled yet, or is a literal
   * holding such (which is a thunk then itself). Told without compiling: compileLazy builds a
   * literal at once when it can, by compiling it and undoing that if it made a thunk, so a
   * literal holding one was compiled once more for each literal around it (Home Manager's
   * option sets, several deep: each set compiled 21 times on average; a 30-deep literal never
   * finished). The answers hold until the bindings being filled change (fillGeneration).
   */
  private needsThunk(e: Expr): boolean {
    switch (e.kind) {
      case 'Var':
        return this.thunkVariable(e.name);
      case 'List':
      case 'Attrs': {
        if (!isCheap(e)) return true;
        const known = this.thunkAnswers.get(e);
        if (known !== undefined && known >> 1 === this.fillGeneration) return (known & 1) === 1;
        const needs = e.kind === 'List'
          ? e.elems.some((x) => this.needsThunk(x))
          // (A literal at once has no scope of its own: `inherit x` reads x where it is.)
          : [...e.attrs.values()].some((d) => (d.kind === 'inherited' ? this.thunkVariable((d.e as ExprVar).name) : this.needsThunk(d.e)));
        this.thunkAnswers.set(e, 2 * this.fillGeneration + (needs ? 1 : 0));
        return needs;
      }
      default:
        return !isCheap(e);
    }
  }

  /**
   * Whether compileVarLazy makes `name` a thunk here: it is found through a `with`, or names a
   * binding being filled and not filled yet (false for a variable not defined: compiling it
   * reports that).
   */
  private thunkVariable(name: string): boolean {
    let r: Resolution;
    try {
      r = this.resolve(name, NO_POS);
    } catch (e) {
      if (e instanceof NixError) return false;
      throw e;
    }
    return r.kind === 'with' || (r.kind === 'local' && r.scope.initializing && !r.scope.filled!.has(r.slot));
  }

  /**
   * A variable's value without evaluating anything now. A binding of a scope still being
   * filled may not have its value yet, and a `with` lookup evaluates: both become a thunk.
   */
  private compileVarLazy(r: Resolution, v: ExprVar, name: string): void {
    if (r.kind === 'local' && r.scope.initializing && r.scope.filling !== undefined && r.scope.filling !== v.name) {
      // Whether the binding named is filled already depends on the symbol order of the two.
      if (r.scope.filled!.has(r.slot)) this.orderFacts.push(v.name, r.scope.filling);
      else this.orderFacts.push(r.scope.filling, v.name);
    }
    if (r.kind === 'global' || (r.kind === 'local' && (!r.scope.initializing || r.scope.filled!.has(r.slot)))) {
      this.count(Counter.Avoided, 1, v.pos);
      this.emitVar(r, v);
      return;
    }
    if (r.kind === 'local') this.unfilledReads++;
    this.emitVarThunk(r, v, name);
  }

  /** A thunk that reads a variable when forced. */
  private emitVarThunk(r: Resolution, v: ExprVar, name: string): void {
    const chunk = this.subChunk(name, (c) => {
      c.emitVar(r, v);
      c.b.emit(Op.Force, v.pos);
      c.b.emit(Op.Return, v.pos);
    });
    this.emitThunk(chunk, v.pos);
  }

  private resolveVar(e: ExprVar): Resolution {
    return this.resolve(e.name, e.pos);
  }

  private emitVar(r: Resolution, e: ExprVar): void {
    const b = this.b;
    if (r.kind === 'local') b.emit(Op.Local, e.pos, r.depth, r.slot);
    else if (r.kind === 'global') b.emit(Op.Global, e.pos, b.constant(e.name));
    else {
      const withAt = r.positions.map((offset): SourcePos => ({ source: this.source, offset }));
      b.emit(Op.WithVar, e.pos, b.constant({ name: e.name, depths: r.depths, withAt, at: { source: this.source, offset: e.pos } }));
    }
  }

  /** Compiles e leaving its value (possibly an unforced thunk) on the stack. */
  private compile(e: Expr): void {
    const b = this.b;
    switch (e.kind) {
      case 'Int': case 'Float': case 'String': case 'Path':
        b.emit(Op.Const, e.pos, b.constant(literalValue(e)!));
        return;
      case 'Var':
        this.emitVar(this.resolveVar(e), e);
        return;
      case 'CurPos':
        b.emit(Op.CurPos, e.pos);
        return;
      case 'InheritFrom':
        throw new Error('InheritFrom outside of an inherit');
      case 'Select':
        this.compileSelect(e.e, e.path, e.def, e.pos);
        return;
      case 'HasAttr': {
        this.operand("in the argument of '?'", e.e);
        const jumps: number[] = [];
        e.path.forEach((n, i) => {
          const last = i === e.path.length - 1;
          if ('name' in n) {
            if (last) b.emit(Op.HasAttr, e.pos, b.constant(n.name));
            else {
              jumps.push(b.emit(Op.HasAttrStep, e.pos, b.constant(n.name), 0) + 2);
              b.emit(Op.Force, e.pos);
            }
          } else {
            this.compileForced(n.expr);
            this.checkAttrName(n.expr);
            if (last) b.emit(Op.HasAttrDyn, e.pos);
            else {
              jumps.push(b.emit(Op.HasAttrStepDyn, e.pos, 0) + 1);
              b.emit(Op.Force, e.pos);
            }
          }
        });
        for (const j of jumps) b.patch(j);
        return;
      }
      case 'Attrs':
        if (e.rec) this.compileRecAttrs(e);
        else this.compileAttrs(e);
        return;
      case 'List':
        for (const x of e.elems) this.compileLazy(x);
        if (e.elems.length > 0) this.count(Counter.ListElements, e.elems.length, e.pos);
        b.emit(Op.List, e.pos, e.elems.length);
        return;
      case 'Lambda':
        b.emit(Op.Closure, e.pos, b.constant(this.compileLambda(e)));
        return;
      case 'Call': {
        const op = this.arithOp(e);
        if (op !== undefined) {
          this.compileChain(e, op);
          return;
        }
        this.compileForced(e.fn);
        for (const a of e.args) this.compileLazy(a);
        b.emit(Op.Call, e.pos, e.args.length);
        return;
      }
      case 'Let':
        this.compileBindings(e.attrs, e.pos);
        this.compile(e.body);
        b.emit(Op.PopEnv, e.pos);
        this.popScope();
        return;
      case 'With':
        this.compileWithHead(e.env, e.pos);
        this.compile(e.body);
        b.emit(Op.PopEnv, e.pos);
        this.popScope();
        return;
      case 'If': {
        const jf = this.compileCondition(e.cond);
        this.compile(e.then);
        const j = b.emit(Op.Jump, e.pos, 0);
        b.patch(jf + 1);
        this.compile(e.else);
        b.patch(j + 1);
        return;
      }
      case 'Assert':
        this.compileAssertHead(e.cond, e.pos);
        this.compile(e.body);
        return;
      case 'Not':
        this.boolOperand("in the argument of '!'", e.e);
        b.emit(Op.Not, e.pos);
        return;
      case 'BinOp':
        if (e.op === '&&' || e.op === '||') this.compileChain(e, undefined);
        else if (e.op === '++' || e.op === '->') this.compileRightChain(e);
        else this.compileBinOp(e.op, e.l, e.r, e.pos);
        return;
      case 'ConcatStrings': {
        if (e.parts.length === 2 && !e.forceString) {
          this.compileChain(e, undefined);
          return;
        }
        // Each part is added (coerced) before the next is evaluated, as in C++ Nix.
        const at = (offset: number): SourcePos => ({ source: this.source, offset });
        const positions = e.positions.map(at);
        const layout = b.constant({ forceString: e.forceString, positions, pos: at(e.pos) } satisfies ConcatLayout);
        // Interpolated parts too: C++ Nix's ExprConcatStrings evaluates every part "in an operand
        // of '+'"; only a part that cannot be coerced is "while evaluating a path segment" (ops.ts).
        e.parts.forEach((p, i) => {
          this.operand("in an operand of '+'", p);
          b.emit(Op.ConcatPart, e.pos, i, layout);
        });
        return;
      }
    }
  }

  /** `a - b`, `a * b`, `a / b`, `a < b` call builtins the parser names; unless shadowed they get their own opcodes. */
  private arithOp(e: Extract<Expr, { kind: 'Call' }>): Op | undefined {
    if (e.fn.kind !== 'Var' || e.args.length !== 2) return undefined;
    const op = ARITH_OPS[e.fn.name];
    if (op === undefined) return undefined;
    return this.resolve(e.fn.name, e.fn.pos).kind === 'global' ? op : undefined;
  }

  /**
   * The left-associative operators (`a + b`, `a - b`, `a * b`, `a / b`, `a < b`, `a && b`,
   * `a || b`), whose left operand may be the same kind of operator again for as long as the
   * file is (`1 + 1 + ... + 1`): the chain down the left operands is compiled in a loop, not by
   * recursion, into the same code recursion would make (each operator's code follows that of
   * its left operand, every left operand's trace region starting where the innermost does).
   */
  private compileChain(e: ChainLink, arith: Op | undefined): void {
    const b = this.b;
    // The chain, outermost first, on the compiler's stacks (this runs again for the right
    // operands: each run uses the part above `base`), with what each link needs made before
    // its left operand is compiled: an addition's layout (made outermost first, as recursion
    // made them), an arithmetic operator's instruction.
    const links = this.chainLinks;
    const data = this.chainData;
    const base = links.length;
    let left: Expr = e;
    let op = arith;
    for (;;) {
      const link = left as ChainLink;
      links.push(link);
      if (link.kind === 'ConcatStrings') {
        // Errors of `a + b` point at b, the operand being added (where its text starts, as
        // in C++ Nix); the positions of both operands go along for "while evaluating a path segment".
        const at = (offset: number): SourcePos => ({ source: this.source, offset });
        data.push(b.constant({ forceString: false, positions: link.positions.map(at), pos: at(link.positions[1]) } satisfies ConcatLayout));
        left = link.parts[0];
      } else if (link.kind === 'Call') {
        data.push(op!);
        left = link.args[0];
      } else {
        data.push(0);
        left = link.l;
      }
      // Is the left operand a link too?
      if (left.kind === 'ConcatStrings') {
        if (left.parts.length !== 2 || left.forceString) break;
      } else if (left.kind === 'BinOp') {
        if (left.op !== '&&' && left.op !== '||') break;
      } else if (left.kind !== 'Call' || (op = this.arithOp(left)) === undefined) {
        break;
      }
    }
    const start = b.code.length;
    this.compileForced(left);
    // Innermost first: each popped off the stacks.
    for (let k = links.length - 1; k >= base; k--) {
      const link = links.pop()!;
      const d = data.pop()!;
      if (link.kind === 'ConcatStrings') {
        // Each part is added (coerced) before the next is evaluated, as in C++ Nix.
        const layout = d;
        b.closeRegion(start, "in an operand of '+'", errorPos(link.parts[0]));
        b.emit(Op.AddPrepare, link.positions[0], layout);
        this.operand("in an operand of '+'", link.parts[1]);
        b.emit(Op.Add, link.positions[1], layout);
      } else if (link.kind === 'Call') {
        // The operator stands for a builtin call: errors read as coming from that call. Those
        // of the operands are traced here; the VM traces those of the call itself.
        this.compileForced(link.args[1]);
        b.closeRegion(start, ARITH_CALL_MESSAGES[(link.fn as ExprVar).name], link.pos);
        b.emit(d as Op, link.pos);
      } else {
        const bop = link.op;
        const pos = errorPos(link.l);
        b.emit(Op.AssertBool, pos);
        b.closeRegion(start, LEFT_OPERAND[bop], pos);
        this.shortCircuit(bop, link.r, link.pos);
      }
      // The left operand of the next link is forced (compileForced): an arithmetic one.
      if (k > base && link.kind === 'Call') b.emit(Op.Force, link.pos);
    }
  }

  /**
   * `&&`, `||`, `->` after their left operand (a Boolean on the stack): the right operand only
   * when the left does not decide, else the constant the left decided. (compileRightChain
   * makes the same code for `->` around a right operand it compiles in its loop.)
   */
  private shortCircuit(op: string, r: Expr, pos: number): void {
    const b = this.b;
    const j = b.emit(op === '||' ? Op.JumpIfTrue : Op.JumpIfFalse, pos, 0);
    this.boolOperand(RIGHT_OPERAND[op], r);
    const end = b.emit(Op.Jump, pos, 0);
    b.patch(j + 1);
    b.emit(Op.Const, pos, b.constant(op !== '&&'));
    b.patch(end + 1);
  }

  /**
   * The right-associative operators (`a ++ b`, `a -> b`), whose right operand may be one of
   * them again for as long as the file is (`[ ] ++ [ ] ++ ... ++ [ ]`): the chain down the
   * right operands is compiled in a loop, not by recursion, into the same code recursion
   * would make (each link's left operand, then its right operand's code inside the link's
   * trace region, then the link's own code after it, innermost first).
   */
  private compileRightChain(e: Extract<Expr, { kind: 'BinOp' }>): void {
    const b = this.b;
    // The links, outermost first, on compileChain's stack (this runs again for the left
    // operands: each run uses the part above `base`), with where each one's right operand
    // starts and, for `->`, its jump past the right operand.
    const links = this.chainLinks;
    const data = this.chainData;
    const base = links.length;
    let link = e;
    for (;;) {
      links.push(link);
      if (link.op === '++') {
        this.operand("in the left operand of '++'", link.l);
      } else {
        this.boolOperand(LEFT_OPERAND['->'], link.l);
        data.push(b.emit(Op.JumpIfFalse, link.pos, 0));
      }
      data.push(b.code.length);
      const r = link.r;
      if (r.kind !== 'BinOp' || (r.op !== '++' && r.op !== '->')) {
        this.compileForced(r);
        break;
      }
      link = r;
    }
    // Innermost first: each popped off the stacks.
    while (links.length > base) {
      const k = links.pop() as Extract<Expr, { kind: 'BinOp' }>;
      const start = data.pop()!;
      const pos = errorPos(k.r);
      if (k.op === '++') {
        b.closeRegion(start, "in the right operand of '++'", pos);
        b.emit(Op.Concat, k.pos);
      } else {
        // shortCircuit's code after its right operand's.
        b.emit(Op.AssertBool, pos);
        b.closeRegion(start, RIGHT_OPERAND['->'], pos);
        const end = b.emit(Op.Jump, k.pos, 0);
        b.patch(data.pop()! + 1);
        b.emit(Op.Const, k.pos, b.constant(true));
        b.patch(end + 1);
      }
    }
  }

  private compileBinOp(op: string, l: Expr, r: Expr, pos: number): void {
    const b = this.b;
    switch (op) {
      case '==':
      case '!=':
        this.operand(LEFT_OPERAND[op], l);
        this.operand(RIGHT_OPERAND[op], r);
        b.emit(op === '==' ? Op.Eq : Op.Neq, pos);
        return;
      case '//': {
        // A chain `a // b // c` is evaluated right to left, each operand checked to be a set
        // as soon as it is (C++ Nix's evalForUpdate); the sets are then merged left to right.
        const operands = updateOperands(l, r);
        for (let i = operands.length - 1; i >= 0; i--) {
          const { e, message } = operands[i];
          b.region(message, errorPos(e), () => {
            this.compileForced(e);
            b.emit(Op.AssertAttrs, e.pos);
          });
        }
        b.emit(Op.Update, pos, operands.length);
        return;
      }
    }
  }

  /** An operand evaluated to WHNF, its errors traced with `message` at its position. */
  private operand(message: string, e: Expr): void {
    const start = this.b.code.length;
    this.compileForced(e);
    this.b.closeRegion(start, message, errorPos(e));
  }

  /**
   * An operand that must be a Boolean (of `!`, `&&`, `||`, `->`): as C++ Nix's evalBool, a
   * value of another type is an error at the operand, inside the operand's trace line.
   */
  private boolOperand(message: string, e: Expr): void {
    const start = this.b.code.length;
    const pos = errorPos(e);
    this.compileForced(e);
    this.b.emit(Op.AssertBool, pos);
    this.b.closeRegion(start, message, pos);
  }

  /**
   * An `if` condition and the jump past its `then` branch (returned, to be patched): as C++
   * Nix's evalBool, a value that is no Boolean is an error at the condition, and every error
   * in it has the line "while evaluating a branch condition".
   */
  private compileCondition(cond: Expr): number {
    let jf = 0;
    const pos = errorPos(cond);
    this.b.region('while evaluating a branch condition', pos, () => {
      this.compileForced(cond);
      jf = this.b.emit(Op.JumpIfFalse, pos, 0);
    });
    return jf;
  }

  /**
   * As C++ Nix's ExprAssert: the condition is evaluated with evalBool ("in the condition of the
   * assert statement", a non-Boolean an error at the condition); a failing `a == b` explains
   * how a and b differ "while evaluating the condition of the assertion".
   */
  private compileAssertHead(cond: Expr, pos: number): void {
    const b = this.b;
    let j = 0;
    if (cond.kind === 'BinOp' && cond.op === '==') {
      // An error of the comparison itself is in the condition, as those of its operands; only
      // the explanation of a failed one is "while evaluating the condition of the assertion".
      const start = b.code.length;
      this.operand(LEFT_OPERAND['=='], cond.l);
      this.operand(RIGHT_OPERAND['=='], cond.r);
      b.closeRegion(start, 'in the condition of the assert statement', cond.pos);
      const compare = b.code.length;
      b.emit(Op.AssertEq, cond.pos);
      b.regions.push({ start: compare, end: b.code.length, message: `while evaluating the condition of the assertion '${showExpr(cond)}'`, pos, assertion: true });
      b.regions.push({ start: compare, end: b.code.length, message: 'in the condition of the assert statement', pos: cond.pos, assertion: false });
      j = b.emit(Op.JumpIfTrue, pos, 0);
    } else {
      const condPos = errorPos(cond);
      b.region('in the condition of the assert statement', condPos, () => {
        this.compileForced(cond);
        j = b.emit(Op.JumpIfTrue, condPos, 0);
      });
    }
    b.emit(Op.AssertFail, pos, b.constant(showExpr(cond)));
    b.patch(j + 1);
  }

  /**
   * The check of a computed name in an attribute path (C++ Nix's getName): only an error of the
   * name's value, not of its evaluation, has the line "while evaluating an attribute name".
   */
  private checkAttrName(name: Expr): void {
    const pos = errorPos(name);
    this.b.region('while evaluating an attribute name', pos, () => this.b.emit(Op.CheckAttrName, pos, 0));
  }

  /**
   * A computed name of a select's path, forced. The frame keeps what the select found so far
   * for its trace, so a select inside the name (`pkgs.${dep.name}`) runs in a frame of its
   * own, as a thunk forced at once, rather than overwrite that.
   */
  private compileSelectedName(e: Expr): void {
    // Whether the name's code selects is found by compiling it, once per name: compiled again
    // (as a thunk) each time, the names of `a.${b.${c.${...}}}` were compiled twice as many
    // times at each level (24 levels: 6.5 s).
    if (!this.namesSelecting.has(e)) {
      const mark = this.b.mark();
      const before = this.unfilledReads;
      const bytesBefore = this.chunkBytes;
      this.compileForced(e);
      if (!this.b.regions.slice(mark.regions).some((r) => r.select)) return;
      this.namesSelecting.add(e);
      this.b.reset(mark);
      this.unfilledReads = before;
      this.chunkBytes = bytesBefore;
    }
    this.compileLazy(e);
    this.b.emit(Op.Force, e.pos);
  }

  private compileWithHead(env: Expr, pos: number): void {
    this.compileLazy(env);
    this.emitPushEnv(1, pos);
    this.b.emit(Op.SetLocal, pos, 1);
    this.pushScope(NONE, true, pos);
  }

  private compileSelect(target: Expr, path: AttrName[], def: Expr | undefined, pos: number): void {
    const b = this.b;
    const targetStart = b.code.length;
    this.compileForced(target);
    b.closeRegion(targetStart, 'while selecting an attribute', errorPos(target));
    const jumps: number[] = [];
    this.count(Counter.Lookups, path.length, pos);
    // Errors past the target read "while evaluating the attribute 'a.b'" and, once an
    // attribute was found, "from the definition of" it (the VM adds that from the frame).
    const pathStart = b.code.length;
    const ends: number[] = [];
    b.emit(Op.ClearSelected, pos);
    for (let i = 0; i < path.length; i++) {
      const n = path[i];
      if ('name' in n) {
        const k = b.constant(n.name);
        if (def) jumps.push(b.emit(Op.SelectOr, pos, k, 0) + 2);
        else b.emit(Op.Select, pos, k);
      } else {
        this.compileSelectedName(n.expr);
        this.checkAttrName(n.expr);
        if (def) jumps.push(b.emit(Op.SelectDynOr, pos, 0) + 1);
        else b.emit(Op.SelectDyn, pos);
      }
      ends.push(b.code.length);
      // Forcing an attribute on the path adds no frame of its own (C++ Nix's forceAttrs): only
      // the select of a name from a value that is no set does ("while selecting an attribute").
      b.emit(Op.Force, pos);
    }
    b.closeSelectRegion(pathStart, path, pos, ends);
    if (def) {
      const end = b.emit(Op.Jump, pos, 0);
      for (const j of jumps) b.patch(j);
      // The select is in WHNF (isWhnf), so its default is forced like the attribute would be.
      this.compileForced(def);
      b.patch(end + 1);
    }
  }

  /** The indexes of `names` in C++ Nix's symbol order. */
  private symbolOrder(names: readonly string[]): number[] {
    const order = new Array<number>(names.length);
    for (let i = 0; i < names.length; i++) order[i] = i;
    const id = this.options.symbolId;
    // Called for every name, even alone: `id` interns a name not met before.
    if (id === undefined) return order;
    const ids = new Array<number>(names.length);
    let sorted = true;
    for (let i = 0; i < names.length; i++) {
      ids[i] = id(names[i]);
      if (i > 0 && ids[i] < ids[i - 1]) sorted = false;
    }
    // Names are often written in the order they were first met: nothing to sort then.
    return sorted ? order : order.sort((a, b) => ids[a] - ids[b]);
  }

  /** Static names in order, then the slots of `inherit (e)` sources. */
  private bindingLayout(attrs: ExprAttrs): { names: string[]; sourceSlot: (i: number) => number } {
    const names = [...attrs.attrs.keys()].sort();
    return { names, sourceSlot: (i) => names.length + 1 + i };
  }

  /** Opens a scope for a `let` or `rec` set and fills its slots. Leaves the scope pushed. */
  private compileBindings(attrs: ExprAttrs, pos: number): { names: string[] } {
    const b = this.b;
    const { names, sourceSlot } = this.bindingLayout(attrs);
    const outer = this.scope;
    this.emitPushEnv(names.length + attrs.inheritFrom.length, pos);
    const scope = this.pushScope(names);
    scope.initializing = true;
    this.initializingScopes++;
    const filled = new Set<number>();
    scope.filled = filled;
    this.fillGeneration++;
    attrs.inheritFrom.forEach((src, i) => {
      this.compileLazy(src);
      b.emit(Op.SetLocal, pos, sourceSlot(i));
    });
    // Filled in symbol order, as C++ Nix does. A variable naming a binding filled already is
    // that binding's very value (`x = y` makes x the same place as y); one not filled yet is
    // a thunk reading it later.
    const ownThunks = attrs.attrs.has('__overrides');
    for (const i of this.symbolOrder(names)) {
      const name = names[i];
      const def = attrs.attrs.get(name)!;
      scope.filling = name;
      if (ownThunks && def.kind === 'plain' && def.e.kind === 'Var') {
        // With `__overrides` every attribute not inherited is a thunk of its own, as in C++ Nix.
        this.emitVarThunk(this.resolveVar(def.e), def.e, name);
      } else {
        this.compileAttrValue(def.kind, def.e, name, outer, sourceSlot);
      }
      b.emit(Op.SetLocal, def.pos, i + 1);
      // `__overrides` may replace a binding once all are filled: nothing reads one before.
      if (!ownThunks) filled.add(i + 1);
      this.fillGeneration++;
    }
    scope.initializing = false;
    this.initializingScopes--;
    scope.filling = undefined;
    scope.filled = null;
    this.fillGeneration++;
    return { names };
  }

  /** An attribute's value: inherited names resolve outside the set being defined. */
  private compileAttrValue(
    kind: 'plain' | 'inherited' | 'inheritedFrom', e: Expr, name: string, outer: Scope | null,
    sourceSlot: (i: number) => number,
  ): void {
    const b = this.b;
    if (kind === 'inherited') {
      const v = e as ExprVar;
      // Resolved from the enclosing scope: one level further up than the set's own scope.
      const r = this.scope === outer ? this.resolve(v.name, v.pos) : this.resolve(v.name, v.pos, outer, 1);
      this.compileVarLazy(r, v, name);
      return;
    }
    if (kind === 'inheritedFrom') {
      const sel = e as Extract<Expr, { kind: 'Select' }>;
      const from = sel.e as Extract<Expr, { kind: 'InheritFrom' }>;
      const slot = sourceSlot(from.index);
      // C++ Nix's ExprSelect of an ExprInheritFrom: the source is evaluated "while selecting an
      // attribute" at its own position, the rest as a select of `name` at the inherited name.
      const chunk = this.subChunk(name, (c) => {
        c.b.emit(Op.Local, from.pos, 0, slot);
        const force = c.b.emit(Op.Force, from.pos);
        c.b.closeRegion(force, 'while selecting an attribute', from.pos);
        const pathStart = c.b.code.length;
        c.b.emit(Op.ClearSelected, sel.pos);
        c.b.emit(Op.Select, sel.pos, c.b.constant(name));
        const end = c.b.code.length;
        c.b.emit(Op.Force, sel.pos);
        c.b.closeSelectRegion(pathStart, sel.path, sel.pos, [end]);
        c.b.emit(Op.Return, sel.pos);
      });
      this.emitThunk(chunk, sel.pos);
      return;
    }
    this.compileLazy(e);
  }

  private compileRecAttrs(attrs: ExprAttrs): void {
    const b = this.b;
    const { names } = this.compileBindings(attrs, attrs.pos);
    b.emit(Op.AttrsFromEnv, attrs.pos, b.constant(AttrShape.literal(names, this.positionsOf(attrs, names))));
    if (attrs.attrs.has('__overrides')) b.emit(Op.RecOverrides, attrs.pos, b.constant(names));
    this.compileDynamicAttrs(attrs);
    b.emit(Op.PopEnv, attrs.pos);
    this.popScope();
  }

  private compileAttrs(attrs: ExprAttrs): void {
    const b = this.b;
    const names = [...attrs.attrs.keys()].sort();
    const hasSources = attrs.inheritFrom.length > 0;
    const outer = this.scope;
    if (hasSources) {
      // `inherit (e)` sources get an anonymous scope so that e is evaluated once. They are
      // compiled in the enclosing scope, before the new environment exists.
      for (const src of attrs.inheritFrom) this.compileLazy(src);
      this.emitPushEnv(attrs.inheritFrom.length, attrs.pos);
      for (let i = attrs.inheritFrom.length; i >= 1; i--) b.emit(Op.SetLocal, attrs.pos, i);
      this.pushScope(NONE);
    }
    for (const name of names) {
      const def = attrs.attrs.get(name)!;
      this.compileAttrValue(def.kind, def.e, name, outer, (i) => i + 1);
    }
    b.emit(Op.Attrs, attrs.pos, b.constant(AttrShape.literal(names, this.positionsOf(attrs, names))));
    this.compileDynamicAttrs(attrs);
    if (hasSources) {
      b.emit(Op.PopEnv, attrs.pos);
      this.popScope();
    }
  }

  /** The positions of a literal's static attributes, `names` sorted by bytes. */
  private positionsOf(attrs: ExprAttrs, names: string[]): SortedPositions {
    const offsets = new Array<number>(names.length);
    for (let i = 0; i < names.length; i++) offsets[i] = attrs.attrs.get(names[i])!.pos;
    return new SortedPositions(this.source, names, offsets);
  }

  private compileDynamicAttrs(attrs: ExprAttrs): void {
    for (const d of attrs.dynamic) {
      this.compileForced(d.name);
      this.b.region('while evaluating the name of a dynamic attribute', d.pos, () => this.b.emit(Op.CheckAttrName, d.pos, 1));
      this.compileLazy(d.value);
      this.b.emit(Op.DynAttr, d.pos);
    }
  }

  private compileLambda(e: ExprLambda): LambdaInfo {
    const formalsAst = e.formals;
    const count = 1 + (formalsAst === undefined ? 0 : formalsAst.entries.length);
    const names = new Array<string | undefined>(count);
    names[0] = e.arg;
    for (let i = 1; i < count; i++) names[i] = formalsAst!.entries[i - 1].name;
    const scope = this.pushScope(names);
    const saved = this.b;
    this.b = new ChunkBuilder(this.source, e.name ?? 'anonymous lambda');
    const filling = this.suspendFilling();
    // The call and its environment (which the compiled tier may do without: see codegen).
    this.count(Counter.FunctionCalls, 1, e.pos);
    this.count(Counter.Envs, names.length, e.pos);
    const formals = this.compileLambdaBody(e, scope);
    this.resumeFilling(filling);
    const chunk = this.finishChunk();
    this.b = saved;
    this.popScope();
    const info: LambdaInfo = { chunk, name: e.name, pos: e.pos, source: this.source, at: { source: this.source, offset: e.pos }, slots: count, formals, arg: e.arg };
    chunk.lambda = info;
    return info;
  }

  /**
   * A default that is a variable bound already when the formal is (a formal bound before it,
   * or a binding of an enclosing scope) is that binding itself, not a thunk reading it, as
   * C++ Nix binds it (`{ x ? f }: elem x [ f ]` is true).
   */
  private formalAlias(v: ExprVar, scope: Scope, bound: Set<number>, slot: number, name: string): { depth: number; slot: number } | undefined {
    const r = this.resolve(v.name, v.pos, scope);
    if (r.kind !== 'local') return undefined;
    if (r.depth === 0 && r.slot !== 1 && r.slot !== slot) {
      // Another formal: bound first or not, by the symbol order of the two.
      if (bound.has(r.slot)) this.orderFacts.push(v.name, name);
      else this.orderFacts.push(name, v.name);
    }
    if (r.depth === 0 && (!bound.has(r.slot) || r.slot === slot)) return undefined;
    return { depth: r.depth, slot: r.slot };
  }

  /** The name of the global variable `e` is (one no scope rebinds), else undefined. */
  private globalName(e: Expr, scope: Scope): string | undefined {
    return e.kind === 'Var' && this.resolve(e.name, e.pos, scope).kind === 'global' ? e.name : undefined;
  }

  private compileLambdaBody(e: ExprLambda, scope: Scope): FormalsInfo | null {
    let formals: FormalsInfo | null = null;
    if (e.formals) {
      // Bound in symbol order, as C++ Nix keeps formals.
      const entries = e.formals.entries;
      const names = new Array<string>(entries.length);
      for (let i = 0; i < entries.length; i++) names[i] = entries[i].name;
      const order = this.symbolOrder(names);
      const bound = new Set<number>([1]);
      formals = {
        ellipsis: e.formals.ellipsis,
        names: new Set(names),
        positions: formalPositions(this.source, entries),
        // A packed array of its exact length (the VM binds formals from it on every call).
        entries: order.map((i) => {
          const f = entries[i];
          const slot = i + 2;
          bound.add(slot);
          const def = f.def;
          // A default that is a variable of the base environment is bound as its value, as C++
          // Nix binds a variable default (no thunk: output shows it, not <CODE>).
          const global = def ? this.globalName(def, scope) : undefined;
          const constant = global !== undefined ? GLOBAL_CONSTANTS.get(global) : undefined;
          return {
            name: f.name,
            slot,
            def: def ? this.subChunk(f.name, (c) => c.compileTail(def)) : null,
            // A number, string or path default is that constant itself, as C++ Nix binds it;
            // so is `true`, `false` or `null`, the same in every evaluation.
            literal: def ? literalValue(def) ?? constant : undefined,
            alias: def?.kind === 'Var' ? this.formalAlias(def, scope, bound, slot, f.name) : undefined,
            // Any other global (`{ f ? map }`): looked up when the default is bound (globals
            // belong to the evaluation).
            global: constant === undefined ? global : undefined,
          };
        }),
        boundShape: null,
        boundIndexes: null,
      };
      const start = this.b.code.length;
      this.b.emit(Op.Local, e.pos, 0, 1);
      this.b.emit(Op.Force, e.pos);
      this.b.regions.push({ start, end: this.b.code.length, message: '', pos: NO_POS, argument: true });
      this.b.emit(Op.Formals, e.pos, this.b.constant(formals));
    }
    this.compileTail(e.body);
    return formals;
  }
}

/**
 * The operands of a chain of `//`, left to right, each with the trace line of the operator
 * it is directly an operand of. Iterative: a chain may be as long as a file.
 */
function updateOperands(l: Expr, r: Expr): { e: Expr; message: string }[] {
  const out: { e: Expr; message: string }[] = [];
  const LEFT = "in the left operand of '//'";
  const RIGHT = "in the right operand of '//'";
  const todo: { e: Expr; message: string }[] = [{ e: r, message: RIGHT }, { e: l, message: LEFT }];
  while (todo.length > 0) {
    const item = todo.pop()!;
    const e = item.e;
    if (e.kind === 'BinOp' && e.op === '//') {
      todo.push({ e: e.r, message: RIGHT }, { e: e.l, message: LEFT });
    } else {
      out.push(item);
    }
  }
  return out;
}

/** An operator compileChain compiles: `+` of two operands, `&&`, `||`, and the arithmetic calls (arithOp). */
type ChainLink =
  | Extract<Expr, { kind: 'ConcatStrings' }>
  | Extract<Expr, { kind: 'BinOp' }>
  | Extract<Expr, { kind: 'Call' }>;

const ARITH_OPS: Record<string, Op> = { __sub: Op.Sub, __mul: Op.Mul, __div: Op.Div, __lessThan: Op.Less };

// Trace lines made once, not at every operator of every file (each would be a string of its own).
const ARITH_CALL_MESSAGES: Record<string, string> = Object.fromEntries(
  Object.keys(ARITH_OPS).map((name) => [name, `while calling the '${name.slice(2)}' builtin`]),
);
const BINARY_OPS = ['==', '!=', '&&', '||', '->'];
const LEFT_OPERAND: Record<string, string> = Object.fromEntries(BINARY_OPS.map((op) => [op, `in the left operand of '${op}'`]));
const RIGHT_OPERAND: Record<string, string> = Object.fromEntries(BINARY_OPS.map((op) => [op, `in the right operand of '${op}'`]));

/** Expressions whose compiled code leaves a value that is already in WHNF. */
function isWhnf(e: Expr): boolean {
  switch (e.kind) {
    case 'Int': case 'Float': case 'String': case 'Path': case 'Lambda': case 'Attrs': case 'List':
    case 'CurPos': case 'Not': case 'HasAttr': case 'Select':
      return true;
    case 'BinOp':
      return true;
    case 'ConcatStrings':
      return true;
    default:
      return false;
  }
}

/** Expressions whose value can be built now at no cost and without any possible error. */
function isCheap(e: Expr): boolean {
  switch (e.kind) {
    case 'Int': case 'Float': case 'String': case 'Path': case 'Lambda': case 'CurPos':
      return true;
    case 'Attrs':
      return !e.rec && e.dynamic.length === 0 && e.inheritFrom.length === 0;
    case 'List':
      return true;
    default:
      return false;
  }
}

/**
 * Whether C++ Nix makes a thunk for the literal e in a lazy place (Expr::maybeThunk): all but
 * numbers, plain strings, paths and the empty list. nixeval builds the cheap ones at once but
 * marks them unforced, so that output shows them as C++ Nix does until they are forced.
 */
function makesThunkInCpp(e: Expr): boolean {
  switch (e.kind) {
    case 'Int': case 'Float': case 'String': case 'Path':
      return false;
    case 'List':
      return e.elems.length > 0;
    default:
      return true;
  }
}

/** The globals whose value is the same in every evaluation (generated code inlines them too). */
const GLOBAL_CONSTANTS = new Map<string, Value>([['true', true], ['false', false], ['null', null]]);

/** The value of a number, string or path literal. */
function literalValue(e: Expr): Value | undefined {
  switch (e.kind) {
    case 'Int': case 'String': return e.value;
    case 'Float': return new NixFloat(e.value);
    case 'Path': return new NixPath(e.value);
    default: return undefined;
  }
}

function describe(e: Expr): string {
  return e.kind;
}
