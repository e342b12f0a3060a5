// The Nix parser: recursive descent for the structure and precedence climbing for the
// operators, building the same tree as C++ Nix's bison grammar. Where the input is wrong it
// reports what bison reports: the unexpected token and, when bison's state after its default
// reductions allows at most four tokens, the list of those it expected.
//
// Nesting is handled by an explicit stack-free strategy where it can grow without bound in
// real inputs (operator chains, application, lists, strings); constructs that nest through
// sub-expressions recurse, guarded by a depth limit that reports a clear error long before
// the JS stack is at risk.

import type {
  AttrDef, AttrName, BinOp, Expr, ExprAttrs, ExprLambda, Formal, Formals,
} from './ast.js';
import { Lexer, type Token, type TokenType } from './lexer.js';
import { Source, utf8ToBytes } from './source.js';
import { noteJsStackOverflow, ParseError, type SourcePos } from '../errors/errors.js';
import { canonicalisePath } from './paths.js';
import { showAttrPath, showExpr } from './show.js';

export interface ParseOptions {
  /** Home directory for `~/` paths; undefined makes them an error (pure evaluation). */
  home?: string;
  /** Receives warnings (without the `warning: ` prefix), with the position they are about. */
  warn?: (message: string, pos?: SourcePos) => void;
  /** Lints of C++ Nix's `--lint-*` flags: off (absent), a warning, or an error. */
  lints?: Partial<Record<LintName, 'warn' | 'fatal'>>;
  /**
   * Receives the names the source holds (identifiers, and strings used as attribute names),
   * each once, in the order C++ Nix's parser interns them: as its grammar reduces, so a
   * lambda's argument (`x: body`, `x@{ ... }: body`) comes after the names of its body and a
   * formal with a default (`{ x ? e }`) after the names of `e`.
   */
  names?: string[];
  /**
   * The number C++ Nix's symbol table gave a name interned before this source (undefined
   * for a name it has not met). The parser orders by it where C++ Nix's parser does: which
   * duplicate formal it reports, and in which order the sets of `a.b = ...; a = { ... };`
   * are merged. Names first met in this source come after all of those, as they are reduced.
   */
  symbolId?: (name: string) => number | undefined;
}

export type LintName = 'url-literals' | 'short-path-literals' | 'absolute-path-literals';

/** Ranks names first met in the source being parsed after every name met before it. */
const FIRST_NEW_SYMBOL = 2 ** 40;

/** Maximum syntactic nesting; deeper input gets a clear error instead of a stack overflow. */
export const MAX_NESTING = 20000;

const TOKEN_NAMES: Partial<Record<TokenType, string>> = {
  eof: 'end of file', invalid: 'invalid token', id: 'identifier', int: 'integer',
  float: 'floating-point literal', str: 'string', indstr: 'indented string', path: 'path',
  hpath: "'~/…' path", spath: "'<…>' path", pathEnd: 'end of path', uri: 'URI',
  indOpen: 'start of an indented string', indClose: 'end of an indented string',
};

function tokenName(t: TokenType): string {
  // Messages are byte strings like the source; the names with '…' are UTF-8 encoded.
  return utf8ToBytes(TOKEN_NAMES[t] ?? `'${t}'`);
}

const ATTR_START: string[] = ['identifier', "'or'", "'${'", "'\"'"];

// Binary operator precedences (higher binds tighter) and associativity, as in parser.y.
const enum Assoc { Left, Right, None }
const BINARY: Partial<Record<TokenType, [number, Assoc]>> = {
  '->': [1, Assoc.Right],
  '||': [2, Assoc.Left],
  '&&': [3, Assoc.Left],
  '==': [4, Assoc.None], '!=': [4, Assoc.None],
  '<': [5, Assoc.None], '>': [5, Assoc.None], '<=': [5, Assoc.None], '>=': [5, Assoc.None],
  '//': [6, Assoc.Right],
  '+': [8, Assoc.Left], '-': [8, Assoc.Left],
  '*': [9, Assoc.Left], '/': [9, Assoc.Left],
  '++': [10, Assoc.Right],
  '?': [11, Assoc.None],
};
const PREC_NOT = 7;
const PREC_NEGATE = 12;

/** Tokens that can start an expr_select, i.e. an argument in an application or a list element. */
const SIMPLE_START = new Set<TokenType>([
  'id', 'int', 'float', '"', 'indOpen', 'path', 'hpath', 'spath', 'uri', '(', 'let', 'rec', '{', '[',
]);

export function parse(source: Source, options: ParseOptions = {}): Expr {
  const parser = new Parser(source, options);
  try {
    const ast = parser.parseAll();
    if (options.names) parser.collectNames(options.names);
    return ast;
  } catch (e) {
    // Nesting deeper than the thread's stack allows is the input's problem, not a crash.
    if (e instanceof RangeError) {
      noteJsStackOverflow();
      throw new ParseError('expression nested too deeply', { source, offset: parser.offset() });
    }
    throw e;
  }
}

class Parser {
  private readonly lexer: Lexer;
  /** The current token and the two after it, once looked at (the parser looks no further). */
  private tok: Token;
  private ahead1: Token | undefined;
  private ahead2: Token | undefined;
  private depth = 0;
  /** `f or` calls (the deprecated use of `or` as a variable), with the source they span. */
  private readonly cursedOr = new Map<Expr, number>();
  /** The names of the source, each once, in the order C++ Nix's parser interns them. */
  private readonly interned = new Map<string, number>();

  constructor(private readonly source: Source, private readonly options: ParseOptions) {
    this.lexer = new Lexer(source.text);
    this.tok = this.lexer.next();
  }

  /** Where the parser is, for errors. */
  offset(): number {
    return this.tok.start;
  }

  parseAll(): Expr {
    const e = this.parseExpr();
    this.expect('eof', ['end of file']);
    return e;
  }

  /** Appends the names of the source not yet in `out`, in the order C++ Nix interns them. */
  collectNames(out: string[]): void {
    const seen = new Set(out);
    for (const n of this.interned.keys()) if (!seen.has(n)) { seen.add(n); out.push(n); }
  }

  /** A name C++ Nix's parser interns at this point of its reductions. */
  private intern(name: string): void {
    if (!this.interned.has(name)) this.interned.set(name, this.interned.size);
  }

  /** Where a name interned already stands in C++ Nix's symbol order. */
  private symbolRank(name: string): number {
    return this.options.symbolId?.(name) ?? FIRST_NEW_SYMBOL + this.interned.get(name)!;
  }

  // ---- token helpers

  private peek(): Token {
    const t = this.tok;
    if (t.type === 'error') throw new ParseError(String(t.value), { source: this.source, offset: t.start });
    return t;
  }
  /** The type of the current token (k = 0) or of one of the two after it (eof for ever at the end). */
  private peekType(k: 0 | 1 | 2 = 0): TokenType {
    if (k === 0) return this.tok.type;
    this.ahead1 ??= this.lexer.next();
    if (k === 1) return this.ahead1.type;
    this.ahead2 ??= this.lexer.next();
    return this.ahead2.type;
  }
  private next(): Token {
    const t = this.tok;
    if (t.type === 'error') this.peek();
    this.tok = this.ahead1 ?? this.lexer.next();
    this.ahead1 = this.ahead2;
    this.ahead2 = undefined;
    return t;
  }
  private expect(type: TokenType, expected: string[]): Token {
    const t = this.peek();
    if (t.type !== type) this.unexpected(t, expected);
    return this.next();
  }

  private unexpected(t: Token, expected: string[] = []): never {
    let msg = `syntax error, unexpected ${tokenName(t.type)}`;
    if (expected.length > 0 && expected.length <= 4) msg += `, expecting ${expected.join(' or ')}`;
    // At end of input bison points just past the last token it read.
    const offset = t.type === 'eof' ? t.end : t.start;
    throw new ParseError(msg, { source: this.source, offset });
  }

  private error(message: string, offset: number): never {
    throw new ParseError(message, { source: this.source, offset });
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_NESTING) this.error('expression nested too deeply', t.start);
  }
  private leave(): void {
    this.depth--;
  }

  // ---- expressions

  private parseExpr(): Expr {
    const t = this.peek();
    this.enter(t);
    // Most expressions start with no lambda head, `assert`, `with`, `let` or `if`: straight to
    // the operators then (each call costs, in V8's interpreter, where a cold parse runs).
    const type = t.type;
    let e: Expr;
    if (type === 'id' ? this.peekType(1) === ':' || this.peekType(1) === '@' : type === '{' || type === 'assert' || type === 'with' || type === 'let') e = this.parseFunction();
    else if (type === 'if') e = this.parseIf();
    else e = this.parseOp(0);
    this.leave();
    return e;
  }

  /** expr_function: lambdas, assert, with, let ... in, or expr_if. Chains iterate. */
  private parseFunction(): Expr {
    // Prefixes (lambda heads, assert, with, let) are collected and applied innermost-first,
    // so a long chain like `a: b: c: ...` does not recurse.
    // Made only for a head: most expressions have none (parseExpr runs for each of them).
    let wrappers: ((body: Expr) => Expr)[] | undefined;
    let body: Expr;
    for (;;) {
      const t = this.peek();
      const t1 = this.peekType(1);
      // Each head is finished once its body is parsed, as bison reduces it: the argument's
      // name is interned then, and the formals checked (so an error in the body comes first).
      if (t.type === 'id' && t1 === ':') {
        this.next(); this.next();
        const name = t.value as string;
        (wrappers ??= []).push((b) => { this.intern(name); return { kind: 'Lambda', pos: t.start, arg: name, body: b }; });
        continue;
      }
      if (t.type === 'id' && t1 === '@') {
        this.next(); this.next();
        this.expect('{', ["'{'"]);
        const formals = this.parseFormals();
        this.expect(':', ["':'"]);
        const arg = t.value as string;
        (wrappers ??= []).push((b) => {
          this.intern(arg);
          this.checkFormals(formals, arg, t.start);
          return { kind: 'Lambda', pos: t.start, arg, formals, body: b };
        });
        continue;
      }
      if (t.type === '{' && this.isFormalsAhead()) {
        this.next();
        const formals = this.parseFormals();
        let arg: string | undefined;
        if (this.peekType() === '@') {
          this.next();
          const a = this.expect('id', ['identifier']);
          arg = a.value as string;
          this.expect(':', ["':'"]);
        } else {
          this.expect(':', ["':'", "'@'"]);
        }
        (wrappers ??= []).push((b) => {
          if (arg !== undefined) this.intern(arg);
          // Reported at the lambda, as C++ Nix's validateFormals(CUR_POS) does.
          this.checkFormals(formals, arg, t.start);
          return { kind: 'Lambda', pos: t.start, arg, formals, body: b };
        });
        continue;
      }
      if (t.type === 'assert') {
        this.next();
        const cond = this.parseExpr();
        this.expect(';', ["';'"]);
        (wrappers ??= []).push((b) => ({ kind: 'Assert', pos: t.start, cond, body: b }));
        continue;
      }
      if (t.type === 'with') {
        this.next();
        const env = this.parseExpr();
        this.expect(';', ["';'"]);
        (wrappers ??= []).push((b) => ({ kind: 'With', pos: t.start, env, body: b }));
        continue;
      }
      if (t.type === 'let' && t1 !== '{') {
        this.next();
        const attrs = this.parseBinds(t.start);
        this.expect('in', ["'in'", "'inherit'"]);
        (wrappers ??= []).push((b) => {
          if (attrs.dynamic.length > 0) this.error('dynamic attributes not allowed in let', t.start);
          return { kind: 'Let', pos: t.start, attrs, body: b };
        });
        continue;
      }
      body = this.parseIf();
      break;
    }
    if (wrappers !== undefined) for (let k = wrappers.length - 1; k >= 0; k--) body = wrappers[k](body);
    return body;
  }

  /** After '{': is this a formal argument set rather than an attribute set? */
  private isFormalsAhead(): boolean {
    const a = this.peekType(1);
    if (a === '}') {
      const b = this.peekType(2);
      return b === ':' || b === '@';
    }
    if (a === '...') return true;
    if (a === 'id') {
      const b = this.peekType(2);
      return b === ',' || b === '?' || b === '}';
    }
    return false;
  }

  /** Formals after the opening '{', through the closing '}'. */
  private parseFormals(): Formals {
    const entries: Formal[] = [];
    let ellipsis = false;
    if (this.peekType() === '}') { this.next(); return { entries, ellipsis }; }
    if (this.peekType() === '...') {
      this.next();
      this.expect('}', ["'}'"]);
      return { entries, ellipsis: true };
    }
    for (;;) {
      // Where the formals start (after `x @ {`, the only way here without one) bison's state
      // also allows `...` and `}`; after a `,` those were checked below.
      const id = this.expect('id', entries.length === 0 ? ['identifier', "'...'", "'}'"] : ['identifier']);
      const formal: Formal = { name: id.value as string, pos: id.start };
      if (this.peekType() === '?') {
        this.next();
        formal.def = this.parseExpr();
      }
      this.intern(formal.name);
      entries.push(formal);
      const t = this.peek();
      if (t.type === '}') { this.next(); break; }
      if (t.type !== ',') this.unexpected(t, ["'}'", "','"]);
      this.next();
      const u = this.peek();
      if (u.type === '}') { this.next(); break; }
      if (u.type === '...') {
        this.next();
        ellipsis = true;
        this.expect('}', ["'}'"]);
        break;
      }
      if (u.type !== 'id') this.unexpected(u, ['identifier', "'...'", "'}'"]);
    }
    return { entries, ellipsis };
  }

  /**
   * Duplicate formals, as C++ Nix's validateFormals: of the names written twice, the first
   * in symbol order, at its second place.
   */
  private checkFormals(formals: Formals, arg: string | undefined, argPos: number): void {
    if (hasRepeatedName(formals.entries)) this.reportDuplicateFormal(formals);
    if (arg !== undefined && formals.entries.some((f) => f.name === arg)) {
      this.error(`duplicate formal function argument '${arg}'`, argPos);
    }
  }

  /** The error for formals that name one argument twice. */
  private reportDuplicateFormal(formals: Formals): void {
    const ranked = formals.entries.map((f) => ({ f, rank: this.symbolRank(f.name) }));
    ranked.sort((a, b) => a.rank - b.rank || a.f.pos - b.f.pos);
    let dup: { f: Formal; rank: number } | undefined;
    for (let k = 0; k + 1 < ranked.length; k++) {
      if (ranked[k].rank === ranked[k + 1].rank) {
        const cand = ranked[k + 1];
        if (!dup || cand.rank < dup.rank || (cand.rank === dup.rank && cand.f.pos < dup.f.pos)) dup = cand;
      }
    }
    if (dup) this.error(`duplicate formal function argument '${dup.f.name}'`, dup.f.pos);
  }

  private parseIf(): Expr {
    const t = this.peek();
    if (t.type !== 'if') return this.parseOp(0);
    // if-chains in else branches iterate rather than recurse.
    const heads: { pos: number; cond: Expr; then: Expr }[] = [];
    let tail: Expr;
    for (;;) {
      const tok = this.next();
      const cond = this.parseExpr();
      this.expect('then', ["'then'"]);
      const then = this.parseExpr();
      this.expect('else', ["'else'"]);
      heads.push({ pos: tok.start, cond, then });
      if (this.peekType() === 'if') continue;
      tail = this.parseExpr();
      break;
    }
    for (let k = heads.length - 1; k >= 0; k--) {
      const h = heads[k];
      tail = { kind: 'If', pos: h.pos, cond: h.cond, then: h.then, else: tail };
    }
    return tail;
  }

  /**
   * expr_op by precedence climbing. Operands and pending operators live on explicit stacks,
   * so chains of any length (`a + b + ...`, `x // y // ...`) use no recursion.
   */
  private parseOp(minPrec: number): Expr {
    const t = this.peek();
    if (t.type === '!' || t.type === '-') {
      this.next();
      this.enter(t);
      const operand = this.parseOp(t.type === '!' ? PREC_NOT + 1 : PREC_NEGATE + 1);
      this.leave();
      const lhs: Expr = t.type === '!'
        ? { kind: 'Not', pos: t.start, e: operand }
        : { kind: 'Call', pos: t.start, fn: this.var('__sub', t.start), args: [{ kind: 'Int', pos: t.start, value: 0 }, operand] };
      return this.parseOpRest(lhs, t.start, minPrec);
    }
    if (!SIMPLE_START.has(t.type)) this.unexpected(t);
    return this.parseOpRest(this.parseApp(), t.start, minPrec);
  }

  private parseOpRest(first: Expr, firstStart: number, minPrec: number): Expr {
    // Most operands are followed by no operator: nothing to set up for them. (An error token
    // or a pipe operator goes the long way, which reports it here.)
    const next = this.tok.type;
    const nextInfo = BINARY[next];
    if ((nextInfo === undefined || nextInfo[0] < minPrec) && next !== '|>' && next !== '<|' && next !== 'error') return first;
    // Shunting-yard: operands and operators; reduce while the stacked operator binds tighter.
    // `starts` holds where each operand's text begins (at its opening parenthesis, if any):
    // C++ Nix positions the operands of `+` there.
    const operands: Expr[] = [first];
    const starts: number[] = [firstStart];
    const ops: { type: TokenType; pos: number; prec: number }[] = [];
    const reduce = (): void => {
      const op = ops.pop()!;
      const r = operands.pop()!;
      const l = operands.pop()!;
      const rStart = starts.pop()!;
      const lStart = starts[starts.length - 1];
      operands.push(this.binary(op.type, op.pos, l, r, lStart, rStart));
    };
    for (;;) {
      const t = this.peek();
      if (t.type === '|>' || t.type === '<|') {
        this.error("experimental Nix feature 'pipe-operators' is disabled; add '--extra-experimental-features pipe-operators' to enable it", t.start);
      }
      const info = BINARY[t.type];
      if (!info || info[0] < minPrec) break;
      const [prec, assoc] = info;
      while (ops.length > 0) {
        const top = ops[ops.length - 1];
        if (top.prec > prec || (top.prec === prec && assoc === Assoc.Left)) reduce();
        else if (top.prec === prec && assoc === Assoc.None) this.unexpected(t);
        else break;
      }
      this.next();
      if (t.type === '?') {
        const path = this.parseAttrPath(ATTR_START);
        const l = operands.pop()!;
        // `a ? b ? c` is `(a ? b) ? c`: the right side is an attribute path, so no conflict.
        operands.push({ kind: 'HasAttr', pos: t.start, e: l, path });
        continue;
      }
      ops.push({ type: t.type, pos: t.start, prec });
      const u = this.peek();
      let operand: Expr;
      if (u.type === '!' || u.type === '-') {
        // A prefix operator takes the operators that bind tighter than itself.
        operand = this.parseOp(prec + (assoc === Assoc.Right ? 0 : 1));
      } else {
        if (!SIMPLE_START.has(u.type)) this.unexpected(u);
        operand = this.parseApp();
      }
      operands.push(operand);
      starts.push(u.start);
    }
    while (ops.length > 0) reduce();
    return operands[0];
  }

  private binary(type: TokenType, pos: number, l: Expr, r: Expr, lStart: number, rStart: number): Expr {
    switch (type) {
      case '+':
        return { kind: 'ConcatStrings', pos, forceString: false, parts: [l, r], positions: [lStart, rStart] };
      case '-': return this.call2('__sub', pos, l, r);
      case '*': return this.call2('__mul', pos, l, r);
      case '/': return this.call2('__div', pos, l, r);
      case '<': return this.call2('__lessThan', pos, l, r);
      case '>': return this.call2('__lessThan', pos, r, l);
      case '<=': return { kind: 'Not', pos, e: this.call2('__lessThan', pos, r, l) };
      case '>=': return { kind: 'Not', pos, e: this.call2('__lessThan', pos, l, r) };
      default:
        return { kind: 'BinOp', pos, op: type as BinOp, l, r };
    }
  }

  private call2(fn: string, pos: number, a: Expr, b: Expr): Expr {
    return { kind: 'Call', pos, fn: this.var(fn, pos), args: [a, b] };
  }

  private var(name: string, pos: number): Expr {
    return { kind: 'Var', pos, name };
  }

  /** expr_app: a function followed by arguments; all arguments land in one Call node. */
  private parseApp(): Expr {
    // The call's position is where its first token starts, parentheses included. (parseSelect
    // raises the token if it is an error.)
    const start = this.tok.start;
    let fn = this.parseSelect();
    // At the head of an application `f or` keeps its meaning: no warning (resetCursedOr).
    if (this.cursedOr.size > 0) this.cursedOr.delete(fn);
    while (SIMPLE_START.has(this.peekType())) {
      const arg = this.warnIfCursedOr(this.parseSelect());
      if (fn.kind === 'Call') fn.args.push(arg);
      else fn = { kind: 'Call', pos: start, fn, args: [arg] };
    }
    return fn;
  }

  private parseSelect(): Expr {
    // parseSimple raises the token if it is an error.
    const start = this.tok;
    const e = this.parseSimple();
    const t = this.peek();
    if (t.type === '.') {
      this.next();
      const path = this.parseAttrPath(ATTR_START);
      let def: Expr | undefined;
      if (this.peekType() === 'or') {
        this.next();
        const d = this.peek();
        if (!SIMPLE_START.has(d.type)) this.unexpected(d);
        def = this.warnIfCursedOr(this.parseSelect());
      }
      return { kind: 'Select', pos: start.start, e, path, def };
    }
    if (t.type === 'or') {
      // `f or`: Nixpkgs once had a function named `or`; kept for compatibility. The variable
      // `or` is at the start of `f`, as C++ Nix makes it (ExprVar(CUR_POS, or)).
      this.next();
      const call: Expr = { kind: 'Call', pos: start.start, fn: e, args: [this.var('or', start.start)] };
      this.cursedOr.set(call, t.end);
      return call;
    }
    return e;
  }

  /** Reports a `--lint-*` finding as a warning or an error, if that lint is on. */
  private lint(name: LintName, offset: number, message: (fatal: boolean) => string): void {
    const level = this.options.lints?.[name];
    if (level === 'fatal') this.error(message(true), offset);
    if (level === 'warn') this.options.warn?.(message(false), { source: this.source, offset });
  }

  /** `f or` used as an argument or list element will change meaning: say so. */
  private warnIfCursedOr(e: Expr): Expr {
    const end = this.cursedOr.get(e);
    if (end === undefined || !this.options.warn) return e;
    const { line, column } = this.source.lineCol(e.pos);
    this.options.warn(
      `at ${this.source.origin}:${line}:${column}: This expression uses \`or\` as an identifier in a way that will change in a future Nix release.\n` +
      'Wrap this entire expression in parentheses to preserve its current meaning:\n' +
      `    (${this.source.text.slice(e.pos, end)})\n` +
      'Give feedback at https://github.com/NixOS/nix/pull/11121',
    );
    return e;
  }

  private parseSimple(): Expr {
    const t = this.peek();
    switch (t.type) {
      case 'id':
        this.next();
        if (t.value === '__curPos') return { kind: 'CurPos', pos: t.start };
        this.intern(t.value as string);
        return { kind: 'Var', pos: t.start, name: t.value as string };
      case 'int':
        this.next();
        return { kind: 'Int', pos: t.start, value: t.value as number | bigint };
      case 'float':
        this.next();
        return { kind: 'Float', pos: t.start, value: t.value as number };
      case '"':
        return this.parseString();
      case 'indOpen':
        return this.parseIndString();
      case 'path':
      case 'hpath':
        return this.parsePath();
      case 'spath': {
        this.next();
        const name = (t.value as string).slice(1, -1);
        return {
          kind: 'Call', pos: t.start, fn: this.var('__findFile', t.start),
          args: [this.var('__nixPath', t.start), { kind: 'String', pos: t.start, value: name }],
        };
      }
      case 'uri': {
        this.next();
        const uri = t.value as string;
        this.lint('url-literals', t.start, (fatal) =>
          `URL literals are ${fatal ? 'disallowed' : 'discouraged'}. Consider using a string literal "${uri}" instead (lint-url-literals)`);
        return { kind: 'String', pos: t.start, value: uri };
      }
      case '(': {
        this.next();
        const e = this.parseExpr();
        this.expect(')', ["')'"]);
        return e;
      }
      case 'let': {
        // `let { ... body = e; }` is `(rec { ... }).body`. Where an expression starts, a `let`
        // without `{` is a `let ... in` (parseFunction); here, as an argument, a list element
        // or an operand, only the `{` may follow.
        this.next();
        this.expect('{', ["'{'"]);
        const attrs = this.parseBinds(t.start);
        this.expect('}', ["'inherit'", "'}'"]);
        attrs.rec = true;
        return { kind: 'Select', pos: t.start, e: attrs, path: [{ name: 'body', pos: t.start }] };
      }
      case 'rec': {
        this.next();
        this.expect('{', ["'{'"]);
        const attrs = this.parseBinds(t.start);
        this.expect('}', ["'inherit'", "'}'"]);
        attrs.rec = true;
        return attrs;
      }
      case '{': {
        this.next();
        const attrs = this.parseBinds(t.start);
        const close = this.peek();
        if (close.type !== '}') this.unexpected(close, ["'inherit'"]);
        this.next();
        return attrs;
      }
      case '[': {
        this.next();
        const elems: Expr[] = [];
        this.enter(t);
        while (this.peekType() !== ']') {
          const u = this.peek();
          if (!SIMPLE_START.has(u.type)) this.unexpected(u);
          elems.push(this.warnIfCursedOr(this.parseSelect()));
        }
        this.leave();
        this.next();
        return { kind: 'List', pos: t.start, elems };
      }
      default:
        this.unexpected(t);
    }
  }

  // ---- strings and paths

  /** `"..."`: a plain string, or the concatenation of its parts. */
  private parseString(): Expr {
    const open = this.next();
    const parts: Expr[] = [];
    const positions: number[] = [];
    let interpolated = false;
    for (;;) {
      const t = this.peek();
      if (t.type === 'str') {
        this.next();
        positions.push(t.start);
        parts.push({ kind: 'String', pos: t.start, value: t.value as string });
      } else if (t.type === '${') {
        this.next();
        interpolated = true;
        positions.push(t.start);
        parts.push(this.parseExpr());
        this.expect('}', ["'}'"]);
      } else if (t.type === '"') {
        this.next();
        break;
      } else {
        this.unexpected(t, ["'\"'"]);
      }
    }
    if (parts.length === 0) return { kind: 'String', pos: open.start, value: '' };
    // A string with an interpolation stays a concatenation even if it is `"${"a"}"`.
    // A plain literal is positioned at its opening quote, as C++ Nix's expr_simple.
    if (!interpolated) return { kind: 'String', pos: open.start, value: (parts[0] as { value: string }).value };
    return { kind: 'ConcatStrings', pos: positions[0], forceString: true, parts, positions };
  }

  private parseIndString(): Expr {
    const open = this.next();
    const parts: ({ str: string; hasIndentation: boolean; pos: number } | { expr: Expr; pos: number })[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === 'indstr') {
        this.next();
        parts.push({ str: t.value as string, hasIndentation: t.hasIndentation !== false, pos: t.start });
      } else if (t.type === '${') {
        this.next();
        parts.push({ expr: this.parseExpr(), pos: t.start });
        this.expect('}', ["'}'"]);
      } else if (t.type === 'indClose') {
        this.next();
        break;
      } else {
        // Inside an indented string bison's state allows exactly these three tokens.
        this.unexpected(t, ['indented string', "'${'", 'end of an indented string']);
      }
    }
    return stripIndentation(open.start, parts);
  }

  private parsePath(): Expr {
    const t = this.next();
    const literal = t.value as string;
    if (t.type === 'hpath') {
      this.lint('absolute-path-literals', t.start, () =>
        `home path literals are not portable. Consider replacing path literal '${literal}' by a string, relative path, or parameter (lint-absolute-path-literals)`);
    } else if (literal.startsWith('/')) {
      this.lint('absolute-path-literals', t.start, () =>
        `absolute path literals are not portable. Consider replacing path literal '${literal}' by a string, relative path, or parameter (lint-absolute-path-literals)`);
    } else if (!literal.startsWith('.')) {
      this.lint('short-path-literals', t.start, () =>
        `relative path literal '${literal}' should be prefixed with '.' for clarity: './${literal}' (lint-short-path-literals)`);
    }
    let resolved: string;
    if (t.type === 'hpath') {
      const home = this.options.home;
      if (home === undefined) this.error(`the path '${literal}' can not be resolved in pure mode`, t.start);
      // `~/...` is the home directory and the literal text after `~`, not canonicalised.
      resolved = home + literal.slice(1);
    } else {
      resolved = canonicalisePath(literal.startsWith('/') ? literal : this.source.baseDir + '/' + literal);
    }
    // C++ Nix adds the first segment's trailing '/' back after canonicalising, even when the
    // path is the root (`./../../${x}` from two levels down shows as `//`, which evaluates to `/x`).
    // (`~/a/${x}` keeps its slash already: a home path is not canonicalised.)
    if (t.type !== 'hpath' && literal.length > 1 && literal.endsWith('/')) resolved += '/';
    const head: Expr = { kind: 'Path', pos: t.start, value: resolved };
    const parts: Expr[] = [];
    const positions = [t.start];
    let interpolated = false;
    for (;;) {
      const u = this.peek();
      // Literal text may continue a path only together with an interpolation: `./a/${x}`,
      // never `./a//b` alone (the grammar wants a `${` within the first two parts).
      if (parts.length === 1 && !interpolated && u.type !== '${') this.unexpected(u, ["'${'"]);
      if (u.type === 'pathEnd') { this.next(); break; }
      if (u.type === 'str') {
        this.next();
        positions.push(u.start);
        parts.push({ kind: 'String', pos: u.start, value: u.value as string });
      } else if (u.type === '${') {
        this.next();
        interpolated = true;
        positions.push(u.start);
        parts.push(this.parseExpr());
        this.expect('}', ["'}'"]);
      } else {
        this.unexpected(u);
      }
    }
    if (parts.length === 0) return head;
    return { kind: 'ConcatStrings', pos: t.start, forceString: false, parts: [head, ...parts], positions };
  }

  // ---- attribute sets

  /** One element of an attribute path: `name`, `or`, `"string"` or `${expr}`. */
  private parseAttrName(expected: string[]): AttrName {
    const t = this.peek();
    if (t.type === 'id') { this.next(); this.intern(t.value as string); return { name: t.value as string, pos: t.start }; }
    if (t.type === 'or') { this.next(); this.intern('or'); return { name: 'or', pos: t.start }; }
    if (t.type === '"') {
      const e = this.parseString();
      return this.staticOrDynamic(e, t.start);
    }
    if (t.type === '${') {
      this.next();
      const e = this.parseExpr();
      this.expect('}', ["'}'"]);
      return this.staticOrDynamic(e, t.start);
    }
    this.unexpected(t, expected);
  }

  /** A string attribute name is static when it is a constant, as in C++ Nix. */
  private staticOrDynamic(e: Expr, pos: number): AttrName {
    if (e.kind !== 'String') return { expr: e, pos };
    this.intern(e.value);
    return { name: e.value, pos };
  }

  private parseAttrPath(expected: string[]): AttrName[] {
    const path = [this.parseAttrName(expected)];
    while (this.peekType() === '.') {
      this.next();
      path.push(this.parseAttrName(ATTR_START));
    }
    return path;
  }

  /** Bindings up to (not including) the closing `}` or `in`. */
  private parseBinds(pos: number): ExprAttrs {
    const attrs: ExprAttrs = { kind: 'Attrs', pos, rec: false, attrs: new Map(), dynamic: [], inheritFrom: [] };
    for (;;) {
      const t = this.peek();
      if (t.type === 'inherit') {
        this.next();
        this.parseInherit(attrs);
        continue;
      }
      if (t.type === 'id' || t.type === 'or' || t.type === '"' || t.type === '${') {
        const path = this.parseAttrPath(ATTR_START);
        this.expect('=', ["'.'", "'='"]);
        const value = this.parseExpr();
        this.expect(';', ["';'"]);
        this.addAttr(attrs, path, value, t.start);
        continue;
      }
      return attrs;
    }
  }

  private parseInherit(attrs: ExprAttrs): void {
    let fromIndex = -1;
    // C++ Nix's ExprInheritFrom is at the start of the source expression.
    let fromPos = 0;
    if (this.peekType() === '(') {
      this.next();
      fromPos = this.peek().start;
      const from = this.parseExpr();
      this.expect(')', ["')'"]);
      fromIndex = attrs.inheritFrom.length;
      attrs.inheritFrom.push(from);
    }
    for (;;) {
      const t = this.peek();
      if (t.type === ';') { this.next(); return; }
      if (t.type !== 'id' && t.type !== 'or' && t.type !== '"' && t.type !== '${') this.unexpected(t);
      const name = this.parseAttrName(ATTR_START);
      if (!('name' in name)) this.error('dynamic attributes not allowed in inherit', name.pos);
      const existing = attrs.attrs.get(name.name);
      if (existing) this.dupAttr(name.name, name.pos, existing.pos);
      const def: AttrDef = fromIndex < 0
        ? { kind: 'inherited', e: { kind: 'Var', pos: name.pos, name: name.name }, pos: name.pos }
        : {
          kind: 'inheritedFrom',
          e: { kind: 'Select', pos: name.pos, e: { kind: 'InheritFrom', pos: fromPos, index: fromIndex }, path: [{ name: name.name, pos: name.pos }] },
          pos: name.pos,
        };
      attrs.attrs.set(name.name, def);
    }
  }

  private dupAttr(path: string, pos: number, prevPos: number): never {
    const prev = this.source.lineCol(prevPos);
    this.error(`attribute '${path}' already defined at ${this.source.origin}:${prev.line}:${prev.column}`, pos);
  }

  /** Adds `a.b.c = e`, creating or merging nested sets as C++ Nix's addAttr does. */
  private addAttr(attrs: ExprAttrs, path: AttrName[], e: Expr, pos: number): void {
    let target = attrs;
    for (let k = 0; k < path.length - 1; k++) {
      const n = path[k];
      if ('name' in n) {
        const existing = target.attrs.get(n.name);
        if (existing) {
          if (existing.e.kind !== 'Attrs' || existing.kind !== 'plain') {
            this.dupAttr(showAttrPath(path.slice(0, k + 1), showExpr), pos, existing.pos);
          }
          target = existing.e as ExprAttrs;
        } else {
          const nested = emptyAttrs(pos);
          target.attrs.set(n.name, { kind: 'plain', e: nested, pos });
          target = nested;
        }
      } else {
        const nested = emptyAttrs(pos);
        target.dynamic.push({ name: n.expr, value: nested, pos });
        target = nested;
      }
    }
    const last = path[path.length - 1];
    if ('name' in last) this.addNamed(target, path.slice(), last.name, { kind: 'plain', e, pos });
    else target.dynamic.push({ name: last.expr, value: e, pos });
  }

  private addNamed(attrs: ExprAttrs, path: AttrName[], name: string, def: AttrDef): void {
    const existing = attrs.attrs.get(name);
    if (!existing) {
      attrs.attrs.set(name, def);
      // As C++ Nix names a lambda (ExprLambda::setName), the lambdas of a curried `a: b: ...` all get the name.
      for (let e = def.e; e.kind === 'Lambda' && e.name === undefined; e = e.body) e.name = name;
      return;
    }
    const ae = def.e;
    const je = existing.e;
    if (ae.kind === 'Attrs' && je.kind === 'Attrs' && def.kind === 'plain' && existing.kind === 'plain') {
      // Merging `x.a = 1; x = { b = 2; };`: the second set's attributes join the first, in
      // symbol order as C++ Nix keeps them (the first duplicate in that order is reported).
      const shift = je.inheritFrom.length;
      const merged = [...ae.attrs].sort(([a], [b]) => this.symbolRank(a) - this.symbolRank(b));
      for (const [n, d] of merged) {
        if (d.kind === 'inheritedFrom') {
          const sel = d.e as { e: { index: number } };
          sel.e.index += shift;
        }
        path.push({ name: n, pos: d.pos });
        this.addNamed(je, path, n, d);
        path.pop();
      }
      je.dynamic.push(...ae.dynamic);
      je.inheritFrom.push(...ae.inheritFrom);
      return;
    }
    this.dupAttr(showAttrPath(path, showExpr), def.pos, existing.pos);
  }
}

/** Whether two formals have the same name (most have none: checked without ranking them). */
function hasRepeatedName(entries: readonly Formal[]): boolean {
  if (entries.length > 16) return new Set(entries.map((f) => f.name)).size < entries.length;
  for (let i = 1; i < entries.length; i++) {
    const name = entries[i].name;
    for (let j = 0; j < i; j++) if (entries[j].name === name) return true;
  }
  return false;
}

function emptyAttrs(pos: number): ExprAttrs {
  return { kind: 'Attrs', pos, rec: false, attrs: new Map(), dynamic: [], inheritFrom: [] };
}


type IndPart = { str: string; hasIndentation: boolean; pos: number } | { expr: Expr; pos: number };

/** Removes the common leading indentation of an indented string, as C++ Nix does. */
function stripIndentation(pos: number, parts: IndPart[]): Expr {
  if (parts.length === 0) return { kind: 'String', pos, value: '' };
  let atStartOfLine = true;
  let minIndent = 1000000;
  let curIndent = 0;
  for (const p of parts) {
    if (!('str' in p) || !p.hasIndentation) {
      if (atStartOfLine) {
        atStartOfLine = false;
        if (curIndent < minIndent) minIndent = curIndent;
      }
      continue;
    }
    const s = p.str;
    for (let j = 0; j < s.length; j++) {
      const c = s[j];
      if (atStartOfLine) {
        if (c === ' ') curIndent++;
        else if (c === '\n') curIndent = 0;
        else {
          atStartOfLine = false;
          if (curIndent < minIndent) minIndent = curIndent;
        }
      } else if (c === '\n') {
        atStartOfLine = true;
        curIndent = 0;
      }
    }
  }

  const out: Expr[] = [];
  const positions: number[] = [];
  atStartOfLine = true;
  let curDropped = 0;
  let n = parts.length;
  for (const p of parts) {
    if (!('str' in p)) {
      atStartOfLine = false;
      curDropped = 0;
      out.push(p.expr);
      positions.push(p.pos);
      n--;
      continue;
    }
    // Whole runs at a time (a line's rest, a run of leading spaces) rather than a character.
    const s = p.str;
    const len = s.length;
    let s2 = '';
    let j = 0;
    while (j < len) {
      if (atStartOfLine) {
        let k = j;
        while (k < len && s.charCodeAt(k) === 32) k++;
        // Spaces are dropped while curDropped is under minIndent, kept after.
        const dropped = Math.min(k - j, Math.max(0, minIndent - curDropped));
        curDropped += k - j;
        if (j + dropped < k) s2 += s.slice(j + dropped, k);
        j = k;
        if (j === len) break;
        if (s.charCodeAt(j) === 10) {
          curDropped = 0;
          s2 += '\n';
          j++;
          continue;
        }
        atStartOfLine = false;
        curDropped = 0;
      }
      const nl = s.indexOf('\n', j);
      if (nl < 0) {
        s2 += j === 0 ? s : s.slice(j);
        j = len;
      } else {
        s2 += s.slice(j, nl + 1);
        j = nl + 1;
        atStartOfLine = true;
      }
    }
    if (n === 1) {
      // Drop a last line that holds only spaces.
      const nl = s2.lastIndexOf('\n');
      if (nl >= 0 && /^ *$/.test(s2.slice(nl + 1))) s2 = s2.slice(0, nl + 1);
    }
    if (s2 !== '') {
      out.push({ kind: 'String', pos: p.pos, value: s2 });
      positions.push(p.pos);
    }
    n--;
  }
  if (out.length === 0) return { kind: 'String', pos, value: '' };
  if (out.length === 1 && out[0].kind === 'String') return out[0];
  return { kind: 'ConcatStrings', pos, forceString: true, parts: out, positions };
}
