// POSIX extended regular expressions as C++ Nix runs them: `std::regex` with the `extended`
// grammar from libstdc++, on byte strings (one JS char = one byte).
//
// libstdc++ is not a textbook POSIX engine, and `builtins.match`/`builtins.split` results
// depend on its quirks, so this file reproduces it:
//
//  - The scanner and compiler mirror libstdc++'s `_Scanner` and `_Compiler` for the extended
//    grammar: which patterns are invalid (`invalid regular expression`), `\x` is the
//    literal x for a special character x and invalid for any other, brackets take no
//    escapes, `{n,m}` copies the atom n + (m - n) times, and more
//    than 100000 NFA states is `error_space` (`memory limit exceeded by regular expression`).
//  - The matcher gives the answers of libstdc++'s depth-first `_Executor` in POSIX mode:
//    alternatives are both explored and the longest match wins (the first found among
//    equally long ones); a greedy repetition that found a match does not try fewer
//    iterations; a repetition may run twice without consuming input; a group keeps its value
//    from an earlier iteration when a later one skips it. Unlike libstdc++ (and C++ Nix,
//    which is exponential on `(a|a)*b` or overflows its stack), it remembers the outcome of
//    each state at each position, so it runs in time linear in the input, on an explicit
//    stack (see "The matcher").
//  - `split` walks matches the way `std::regex_iterator` does (after an empty match it looks
//    for a non-empty match at the same place, then moves on one byte).
//
// Whole-string matches of most patterns in real use are also run as a native JS RegExp, which
// is much faster, when two analyses agree: one while compiling (see `Frag`) that a
// backtracking ECMAScript engine gives the same answer (no empty-matching repeated groups,
// no groups nested in repeated groups), and `isDeterministic`, that the next byte decides
// every choice, so backtracking never costs more than linear time.

import { LRUCache } from 'lru-cache';
import { OBJECT_BYTES, reserve, tick } from '../limits/limits.js';

/** A regex that libstdc++ refuses: `error_space` is the state limit, anything else invalid. */
export class RegexError extends Error {
  constructor(readonly space: boolean) {
    super(space ? 'regex too large' : 'invalid regex');
  }
}

const STATE_LIMIT = 100000;

// ---------------------------------------------------------------------------------------------
// Scanner (libstdc++ _Scanner, extended grammar)

const enum Tok {
  Eof, OrdChar, AnyChar, SubBegin, SubEnd, BracketBegin, BracketNegBegin, BracketEnd, BracketDash,
  IntervalBegin, IntervalEnd, DupCount, Comma, LineBegin, LineEnd, Closure0, Closure1, Opt, Or,
  CollSymbol, CharClassName, EquivClassName,
}

const enum ScanState { Normal, Bracket, Brace }

const SPEC_CHARS = '.[\\()*+?{|^$';

class Scanner {
  private pos = 0;
  private state = ScanState.Normal;
  private atBracketStart = false;
  token: Tok = Tok.Eof;
  value = '';

  constructor(private readonly re: string) {
    this.advance();
  }

  advance(): void {
    const re = this.re;
    if (this.pos >= re.length) {
      this.token = Tok.Eof;
      return;
    }
    if (this.state === ScanState.Normal) this.scanNormal();
    else if (this.state === ScanState.Bracket) this.scanBracket();
    else this.scanBrace();
  }

  private scanNormal(): void {
    const re = this.re;
    let c = re[this.pos++];
    // NUL is found by strchr as the terminator, so it is special (an alternation).
    if (c !== '\0' && !SPEC_CHARS.includes(c)) {
      this.token = Tok.OrdChar;
      this.value = c;
      return;
    }
    if (c === '\\') {
      if (this.pos >= re.length) throw new RegexError(false);
      // Extended grammar: only a special character may be escaped, and is then that character.
      // libstdc++ built as strict ISO C++ (C++ Nix is: -std=c++23) refuses any other escape
      // (`\d`, `\b`, `\-`, `\/`, `\]`, `\}`), POSIX leaving it undefined (_M_eat_escape_posix).
      c = re[this.pos++];
      if (c === '\0' || !SPEC_CHARS.includes(c)) throw new RegexError(false);
      this.token = Tok.OrdChar;
      this.value = c;
      return;
    }
    switch (c) {
      case '(': this.token = Tok.SubBegin; return;
      case ')': this.token = Tok.SubEnd; return;
      case '[':
        this.state = ScanState.Bracket;
        this.atBracketStart = true;
        if (this.pos < re.length && re[this.pos] === '^') {
          this.token = Tok.BracketNegBegin;
          this.pos++;
        } else {
          this.token = Tok.BracketBegin;
        }
        return;
      case '{':
        this.state = ScanState.Brace;
        this.token = Tok.IntervalBegin;
        return;
      case '^': this.token = Tok.LineBegin; return;
      case '$': this.token = Tok.LineEnd; return;
      case '.': this.token = Tok.AnyChar; return;
      case '*': this.token = Tok.Closure0; return;
      case '+': this.token = Tok.Closure1; return;
      case '?': this.token = Tok.Opt; return;
      default: this.token = Tok.Or; return; // '|' and NUL
    }
  }

  private scanBrace(): void {
    const re = this.re;
    const c = re[this.pos++];
    if (c >= '0' && c <= '9') {
      this.token = Tok.DupCount;
      let v = c;
      while (this.pos < re.length && re[this.pos] >= '0' && re[this.pos] <= '9') v += re[this.pos++];
      this.value = v;
    } else if (c === ',') {
      this.token = Tok.Comma;
    } else if (c === '}') {
      this.state = ScanState.Normal;
      this.token = Tok.IntervalEnd;
    } else {
      throw new RegexError(false);
    }
  }

  private scanBracket(): void {
    const re = this.re;
    const c = re[this.pos++];
    if (c === '-') {
      this.token = Tok.BracketDash;
    } else if (c === '[') {
      if (this.pos >= re.length) throw new RegexError(false);
      const d = re[this.pos];
      if (d === '.' || d === ':' || d === '=') {
        this.pos++;
        this.token = d === '.' ? Tok.CollSymbol : d === ':' ? Tok.CharClassName : Tok.EquivClassName;
        this.eatClass(d);
      } else {
        this.token = Tok.OrdChar;
        this.value = c;
      }
    } else if (c === ']' && !this.atBracketStart) {
      this.token = Tok.BracketEnd;
      this.state = ScanState.Normal;
    } else {
      this.token = Tok.OrdChar;
      this.value = c;
    }
    this.atBracketStart = false;
  }

  private eatClass(ch: string): void {
    const re = this.re;
    let v = '';
    while (this.pos < re.length && re[this.pos] !== ch) v += re[this.pos++];
    this.value = v;
    if (this.pos >= re.length || re[this.pos++] !== ch || this.pos >= re.length || re[this.pos++] !== ']') {
      throw new RegexError(false);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Character classes in the "C" locale (what std::regex_traits<char> sees), by byte.

const enum Cls {
  Digit = 1, Alpha = 2, Upper = 4, Lower = 8, Space = 16, Blank = 32, Cntrl = 64, Print = 128,
  Graph = 256, Punct = 512, Xdigit = 1024, Under = 2048,
}

const CTYPE = new Uint16Array(256);
for (let c = 0; c < 128; c++) {
  let m = 0;
  const isDigit = c >= 48 && c <= 57;
  const isUpper = c >= 65 && c <= 90;
  const isLower = c >= 97 && c <= 122;
  if (isDigit) m |= Cls.Digit;
  if (isUpper) m |= Cls.Upper | Cls.Alpha;
  if (isLower) m |= Cls.Lower | Cls.Alpha;
  if ((c >= 9 && c <= 13) || c === 32) m |= Cls.Space;
  if (c === 9 || c === 32) m |= Cls.Blank;
  if (c < 32 || c === 127) m |= Cls.Cntrl;
  if (c >= 32 && c <= 126) m |= Cls.Print;
  if (c >= 33 && c <= 126) {
    m |= Cls.Graph;
    if (!isDigit && !isUpper && !isLower) m |= Cls.Punct;
  }
  if (isDigit || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)) m |= Cls.Xdigit;
  CTYPE[c] = m;
}

const CLASS_NAMES = new Map<string, number>([
  ['d', Cls.Digit], ['w', Cls.Alpha | Cls.Digit | Cls.Under], ['s', Cls.Space],
  ['alnum', Cls.Alpha | Cls.Digit], ['alpha', Cls.Alpha], ['blank', Cls.Blank], ['cntrl', Cls.Cntrl],
  ['digit', Cls.Digit], ['graph', Cls.Graph], ['lower', Cls.Lower], ['print', Cls.Print],
  ['punct', Cls.Punct], ['space', Cls.Space], ['upper', Cls.Upper], ['xdigit', Cls.Xdigit],
]);

function isCtype(c: number, mask: number): boolean {
  if ((CTYPE[c] & mask) !== 0) return true;
  return (mask & Cls.Under) !== 0 && c === 95;
}

/** libstdc++'s table of collating element names, indexed by the character they name. */
const COLLATE_NAMES: string[] = (() => {
  const names = [
    'NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'alert', 'backspace', 'tab', 'newline',
    'vertical-tab', 'form-feed', 'carriage-return', 'SO', 'SI', 'DLE', 'DC1', 'DC2', 'DC3', 'DC4',
    'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'IS4', 'IS3', 'IS2', 'IS1', 'space',
    'exclamation-mark', 'quotation-mark', 'number-sign', 'dollar-sign', 'percent-sign', 'ampersand',
    'apostrophe', 'left-parenthesis', 'right-parenthesis', 'asterisk', 'plus-sign', 'comma', 'hyphen',
    'period', 'slash', 'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
    'colon', 'semicolon', 'less-than-sign', 'equals-sign', 'greater-than-sign', 'question-mark',
    'commercial-at',
  ];
  for (let c = 65; c <= 90; c++) names.push(String.fromCharCode(c));
  names.push('left-square-bracket', 'backslash', 'right-square-bracket', 'circumflex', 'underscore', 'grave-accent');
  for (let c = 97; c <= 122; c++) names.push(String.fromCharCode(c));
  names.push('left-curly-bracket', 'vertical-line', 'right-curly-bracket', 'tilde', 'DEL');
  return names;
})();

function lookupCollateName(name: string): number {
  const i = COLLATE_NAMES.indexOf(name);
  if (i < 0) throw new RegexError(false);
  return i;
}

function toLowerC(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** `char` is signed on the platforms C++ Nix runs on; ranges compare that way. */
function signedChar(c: number): number {
  return c >= 128 ? c - 256 : c;
}

// ---------------------------------------------------------------------------------------------
// The NFA (libstdc++ _NFA) and its construction

export const enum Op { Dummy, Match, MatchChar, Repeat, Alt, SubBegin, SubEnd, LineBegin, LineEnd, Accept }

class Nfa {
  op: number[] = [];
  next: number[] = [];
  alt: number[] = [];
  /** Subexpression index, or the character for MatchChar. */
  arg: number[] = [];
  table: (Uint8Array | null)[] = [];

  insert(op: Op, next = -1, alt = -1, arg = 0, table: Uint8Array | null = null): number {
    this.op.push(op);
    this.next.push(next);
    this.alt.push(alt);
    this.arg.push(arg);
    this.table.push(table);
    if (this.op.length > STATE_LIMIT) throw new RegexError(true);
    return this.op.length - 1;
  }

  hasAlt(i: number): boolean {
    const op = this.op[i];
    return op === Op.Repeat || op === Op.Alt;
  }

  /** libstdc++ _StateSeq::_M_clone: copies the states reachable from start (not past end). */
  clone(start: number, end: number): [number, number] {
    const map = new Map<number, number>();
    const stack = [start];
    while (stack.length > 0) {
      const u = stack.pop()!;
      const id = this.insert(this.op[u], this.next[u], this.alt[u], this.arg[u], this.table[u]);
      map.set(u, id);
      if (this.hasAlt(u)) {
        const a = this.alt[u];
        if (a !== -1 && !map.has(a)) stack.push(a);
      }
      if (u === end) continue;
      const n = this.next[u];
      if (n !== -1 && !map.has(n)) stack.push(n);
    }
    for (const v of map.values()) {
      if (this.next[v] !== -1) this.next[v] = map.get(this.next[v]) ?? this.next[v];
      if (this.hasAlt(v) && this.alt[v] !== -1) this.alt[v] = map.get(this.alt[v]) ?? this.alt[v];
    }
    return [map.get(start)!, map.get(end)!];
  }

  eliminateDummies(): void {
    const { op, next, alt } = this;
    for (let i = 0; i < op.length; i++) {
      while (next[i] >= 0 && op[next[i]] === Op.Dummy) next[i] = next[next[i]];
      if (this.hasAlt(i)) {
        while (alt[i] >= 0 && op[alt[i]] === Op.Dummy) alt[i] = next[alt[i]];
      }
    }
  }
}

/**
 * A piece of the pattern as it is compiled: its NFA states (start, and the end whose `next`
 * is still open), and what is needed to decide whether a native JS RegExp is equivalent.
 */
interface Frag {
  start: number;
  end: number;
  /** JS RegExp source for the piece. */
  js: string;
  /** A JS atom (a quantifier can follow it directly). */
  atomic: boolean;
  /** Can match the empty string. */
  nullable: boolean;
  /** Bytes a non-empty match can start with (a superset is fine). */
  first: Uint8Array;
  /** Capture groups inside. */
  groups: number;
  /** The piece is one capture group (with `groups - 1` groups nested in it). */
  isGroup: boolean;
  /** A JS RegExp gives the same answer for a whole-string match. */
  jsMatch: boolean;
}

const NO_BYTES = new Uint8Array(256);

function unionBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a === NO_BYTES) return b;
  if (b === NO_BYTES) return a;
  const r = new Uint8Array(256);
  for (let i = 0; i < 256; i++) r[i] = a[i] | b[i];
  return r;
}


function hex(c: number): string {
  return '\\x' + c.toString(16).padStart(2, '0');
}

function jsChar(c: number): string {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? String.fromCharCode(c) : hex(c);
}

function jsClass(table: Uint8Array): string {
  let out = '[';
  for (let c = 0; c < 256; c++) {
    if (!table[c]) continue;
    let d = c;
    while (d + 1 < 256 && table[d + 1]) d++;
    out += d === c ? hex(c) : d === c + 1 ? hex(c) + hex(d) : hex(c) + '-' + hex(d);
    c = d;
  }
  return out + ']';
}

interface GroupCtx {
  /** The alternatives so far, combined. */
  alts: Frag | null;
  /** The current alternative. */
  seq: Frag | null;
  /** Subexpression index of the group (0 for the whole pattern). */
  index: number;
  beginState: number;
}

class Compiler {
  readonly nfa = new Nfa();
  private readonly sc: Scanner;
  private value = '';
  subCount = 0;

  constructor(re: string) {
    this.sc = new Scanner(re);
  }

  private matchToken(t: Tok): boolean {
    if (this.sc.token === t) {
      this.value = this.sc.value;
      this.sc.advance();
      return true;
    }
    return false;
  }

  private append(f: Frag, start: number, end: number): void {
    this.nfa.next[f.end] = start;
    f.end = end;
  }

  private frag(start: number, end: number, props: Partial<Frag>): Frag {
    return {
      start, end, js: '', atomic: false, nullable: true, first: NO_BYTES, groups: 0, isGroup: false,
      jsMatch: true, ...props,
    };
  }

  private dummy(): Frag {
    const s = this.nfa.insert(Op.Dummy);
    return this.frag(s, s, {});
  }

  /** `a` followed by `b`; `a` is updated in place. */
  private concat(a: Frag, b: Frag): Frag {
    this.append(a, b.start, b.end);
    a.js += b.js;
    a.atomic = false;
    a.first = a.nullable ? unionBytes(a.first, b.first) : a.first;
    a.nullable = a.nullable && b.nullable;
    a.groups += b.groups;
    a.isGroup = false;
    a.jsMatch = a.jsMatch && b.jsMatch;
    return a;
  }

  private pushTerm(ctx: GroupCtx, f: Frag): void {
    ctx.seq = ctx.seq === null ? f : this.concat(ctx.seq, f);
  }

  /** Ends the current alternative (libstdc++ ends each one with a dummy state). */
  private finishAlternative(ctx: GroupCtx): void {
    const d = this.dummy();
    const seq = ctx.seq === null ? d : this.concat(ctx.seq, d);
    ctx.seq = null;
    if (ctx.alts === null) {
      ctx.alts = seq;
      return;
    }
    const alt1 = ctx.alts;
    const alt2 = seq;
    const end = this.nfa.insert(Op.Dummy);
    this.append(alt1, end, end);
    this.append(alt2, end, end);
    const a = this.nfa.insert(Op.Alt, alt2.start, alt1.start);
    ctx.alts = this.frag(a, end, {
      js: alt1.js + '|' + alt2.js,
      nullable: alt1.nullable || alt2.nullable,
      first: unionBytes(alt1.first, alt2.first),
      groups: alt1.groups + alt2.groups,
      jsMatch: alt1.jsMatch && alt2.jsMatch,
    });
  }

  compile(): { start: number; subCount: number; jsMatch: string | null; nullable: boolean; first: Uint8Array } {
    const nfa = this.nfa;
    const top: GroupCtx = { alts: null, seq: null, index: this.subCount++, beginState: nfa.insert(Op.SubBegin, -1, -1, 0) };
    const stack: GroupCtx[] = [top];
    for (;;) {
      const ctx = stack[stack.length - 1];
      const t = this.sc.token;
      if (t === Tok.SubBegin) {
        this.sc.advance();
        const index = this.subCount++;
        stack.push({ alts: null, seq: null, index, beginState: nfa.insert(Op.SubBegin, -1, -1, index) });
        continue;
      }
      const atom = this.atom();
      if (atom !== null) {
        this.pushTerm(ctx, this.quantifiers(atom));
        continue;
      }
      if (t === Tok.LineBegin || t === Tok.LineEnd) {
        this.sc.advance();
        const s = nfa.insert(t === Tok.LineBegin ? Op.LineBegin : Op.LineEnd);
        this.pushTerm(ctx, this.frag(s, s, { js: t === Tok.LineBegin ? '^' : '$' }));
        continue;
      }
      this.finishAlternative(ctx);
      if (this.matchToken(Tok.Or)) continue;
      const body = ctx.alts!;
      if (t === Tok.SubEnd && stack.length > 1) {
        this.sc.advance();
        stack.pop();
        const end = nfa.insert(Op.SubEnd, -1, -1, ctx.index);
        const g = this.frag(ctx.beginState, ctx.beginState, {
          js: '(' + body.js + ')', atomic: true, nullable: body.nullable, first: body.first,
          groups: body.groups + 1, isGroup: true, jsMatch: body.jsMatch,
        });
        this.append(g, body.start, body.end);
        this.append(g, end, end);
        this.pushTerm(stack[stack.length - 1], this.quantifiers(g));
        continue;
      }
      if (t !== Tok.Eof || stack.length > 1) throw new RegexError(false);
      // The whole pattern: subexpression 0, then accept.
      const end = nfa.insert(Op.SubEnd, -1, -1, 0);
      nfa.next[top.beginState] = body.start;
      nfa.next[body.end] = end;
      nfa.next[end] = nfa.insert(Op.Accept);
      nfa.eliminateDummies();
      return {
        start: top.beginState,
        subCount: this.subCount,
        jsMatch: body.jsMatch ? '^(?:' + body.js + ')$' : null,
        nullable: body.nullable,
        first: body.first,
      };
    }
  }

  /** An atom other than a group, or null. */
  private atom(): Frag | null {
    const nfa = this.nfa;
    if (this.matchToken(Tok.AnyChar)) {
      const table = new Uint8Array(256).fill(1);
      table[0] = 0;
      const s = nfa.insert(Op.Match, -1, -1, 0, table);
      return this.frag(s, s, { js: '[^\\x00]', atomic: true, nullable: false, first: table });
    }
    if (this.matchToken(Tok.OrdChar)) {
      const c = this.value.charCodeAt(0);
      const s = nfa.insert(Op.MatchChar, -1, -1, c);
      const first = new Uint8Array(256);
      first[c] = 1;
      return this.frag(s, s, { js: jsChar(c), atomic: true, nullable: false, first });
    }
    const neg = this.matchToken(Tok.BracketNegBegin);
    if (neg || this.matchToken(Tok.BracketBegin)) {
      const table = this.bracket(neg);
      const s = nfa.insert(Op.Match, -1, -1, 0, table);
      return this.frag(s, s, { js: jsClass(table), atomic: true, nullable: false, first: table });
    }
    return null;
  }

  /** libstdc++ _M_insert_bracket_matcher / _M_expression_term, for POSIX. */
  private bracket(neg: boolean): Uint8Array {
    const chars: number[] = [];
    const ranges: [number, number][] = [];
    const equiv: number[] = [];
    let classes = 0;
    // The cached last item: a character, a class, or nothing.
    let lastChar = -1;
    let lastIsClass = false;
    const pushChar = (c: number): void => {
      if (lastChar >= 0) chars.push(lastChar);
      lastChar = c;
      lastIsClass = false;
    };
    const pushClass = (): void => {
      if (lastChar >= 0) chars.push(lastChar);
      lastChar = -1;
      lastIsClass = true;
    };
    const makeRange = (l: number, r: number): void => {
      if (signedChar(l) > signedChar(r)) throw new RegexError(false);
      ranges.push([signedChar(l), signedChar(r)]);
    };
    if (this.matchToken(Tok.OrdChar)) lastChar = this.value.charCodeAt(0);
    else if (this.matchToken(Tok.BracketDash)) lastChar = 45;
    for (;;) {
      if (this.matchToken(Tok.BracketEnd)) break;
      if (this.matchToken(Tok.CollSymbol)) {
        const c = lookupCollateName(this.value);
        chars.push(c);
        pushChar(c);
      } else if (this.matchToken(Tok.EquivClassName)) {
        pushClass();
        equiv.push(toLowerC(lookupCollateName(this.value)));
      } else if (this.matchToken(Tok.CharClassName)) {
        pushClass();
        const mask = CLASS_NAMES.get(this.value.toLowerCase());
        if (mask === undefined) throw new RegexError(false);
        classes |= mask;
      } else if (this.matchToken(Tok.OrdChar)) {
        pushChar(this.value.charCodeAt(0));
      } else if (this.matchToken(Tok.BracketDash)) {
        if (this.matchToken(Tok.BracketEnd)) {
          pushChar(45);
          break;
        } else if (lastIsClass) {
          throw new RegexError(false);
        } else if (lastChar >= 0) {
          if (this.matchToken(Tok.OrdChar)) {
            makeRange(lastChar, this.value.charCodeAt(0));
          } else if (this.matchToken(Tok.BracketDash)) {
            makeRange(lastChar, 45);
          } else {
            throw new RegexError(false);
          }
          lastChar = -1;
          lastIsClass = false;
        } else {
          throw new RegexError(false);
        }
      } else {
        throw new RegexError(false);
      }
    }
    if (lastChar >= 0) chars.push(lastChar);
    const table = new Uint8Array(256);
    for (let c = 0; c < 256; c++) {
      let m = chars.includes(c);
      if (!m) {
        const sc = signedChar(c);
        for (const [l, r] of ranges) if (l <= sc && sc <= r) { m = true; break; }
      }
      if (!m && classes !== 0) m = isCtype(c, classes);
      if (!m && equiv.length > 0) m = equiv.includes(toLowerC(c));
      table[c] = m !== neg ? 1 : 0;
    }
    return table;
  }

  /** libstdc++ _M_quantifier, applied as long as quantifiers follow. */
  private quantifiers(e: Frag): Frag {
    const nfa = this.nfa;
    for (;;) {
      let min: number;
      let max: number; // -1: unbounded
      let js: string;
      let result: Frag;
      if (this.matchToken(Tok.Closure0)) {
        min = 0; max = -1; js = '*';
        const r = nfa.insert(Op.Repeat, -1, e.start);
        this.append(e, r, r);
        result = this.frag(r, r, {});
      } else if (this.matchToken(Tok.Closure1)) {
        min = 1; max = -1; js = '+';
        const r = nfa.insert(Op.Repeat, -1, e.start);
        this.append(e, r, r);
        result = this.frag(e.start, r, {});
      } else if (this.matchToken(Tok.Opt)) {
        min = 0; max = 1; js = '?';
        const end = nfa.insert(Op.Dummy);
        const r = nfa.insert(Op.Repeat, -1, e.start);
        this.append(e, end, end);
        nfa.next[r] = end;
        result = this.frag(r, end, {});
      } else if (this.matchToken(Tok.IntervalBegin)) {
        if (!this.matchToken(Tok.DupCount)) throw new RegexError(false);
        min = this.intValue();
        let infinite = false;
        let n = 0;
        if (this.matchToken(Tok.Comma)) {
          if (this.matchToken(Tok.DupCount)) n = this.intValue() - min;
          else infinite = true;
        }
        if (!this.matchToken(Tok.IntervalEnd)) throw new RegexError(false);
        max = infinite ? -1 : min + n;
        js = infinite ? `{${min},}` : n === 0 ? `{${min}}` : `{${min},${min + n}}`;
        const seq = this.dummy();
        for (let i = 0; i < min; i++) {
          const [s, t] = nfa.clone(e.start, e.end);
          this.append(seq, s, t);
        }
        if (infinite) {
          const [s, t] = nfa.clone(e.start, e.end);
          const r = nfa.insert(Op.Repeat, -1, s);
          nfa.next[t] = r;
          this.append(seq, r, r);
        } else {
          if (n < 0) throw new RegexError(false);
          const end = nfa.insert(Op.Dummy);
          const made: number[] = [];
          for (let i = 0; i < n; i++) {
            const [s, t] = nfa.clone(e.start, e.end);
            const r = nfa.insert(Op.Repeat, s, end);
            made.push(r);
            this.append(seq, r, t);
          }
          this.append(seq, end, end);
          // The "more" branch is alt, the "less" one next.
          for (const r of made) {
            const x = nfa.next[r];
            nfa.next[r] = nfa.alt[r];
            nfa.alt[r] = x;
          }
        }
        result = seq;
      } else {
        return e;
      }
      // What a JS RegExp makes of it: the same, unless the repeated piece has capture groups
      // that the two engines would report differently.
      const simpleGroup = e.isGroup && e.groups === 1 && !e.nullable;
      const sameGroups = e.groups === 0 || simpleGroup;
      result.js = (e.atomic ? e.js : '(?:' + e.js + ')') + js;
      result.atomic = false;
      result.nullable = min === 0 || e.nullable || max === 0;
      result.first = max === 0 ? NO_BYTES : e.first;
      result.groups = e.groups;
      result.isGroup = false;
      result.jsMatch = e.jsMatch && sameGroups;
      e = result;
    }
  }

  private intValue(): number {
    const v = Number(this.value);
    if (v > 0x7fffffff) throw new RegexError(false);
    return v;
  }
}

// ---------------------------------------------------------------------------------------------
// The matcher: libstdc++'s depth-first search, without its exponential cost
//
// libstdc++'s POSIX executor explores a tree of choices depth-first: both sides of an
// alternative; for a greedy repetition, once more and, only when that found nothing, once
// less. The answer is the first match found among the longest ones, with the submatches its
// path set. Exploring the same state at the same position always has the same outcome, so
// this executor works each outcome out once and remembers it: "no match", or the end of the
// best match found below. A run costs at most states × positions steps, linear in the
// input, and the winning path is replayed at the end to read off the submatches.
//
// What the outcome of a state depends on besides state and position:
//  - whether the position is where the search attempt started (`^` and the rule that a
//    search after an empty match must not match empty look at that), so outcomes there are
//    kept apart and dropped when the attempt ends;
//  - libstdc++'s guard against empty loops: a repetition entered again at the same position
//    (its body matched empty) may run once more, then no longer. The repetitions entered at
//    the current position, with their counts, form a context that is part of the key. Only
//    those a state can reach without consuming input matter, so most states have none.
// Outcomes at other positions hold for every later attempt on the same string, which keeps
// `split` (one attempt per position, in the worst case) linear too.

export const NOT_NULL = 1;
const CONTINUOUS = 2;
export const PREV_AVAIL = 4;

/** Outcome encoding: not worked out yet, no match, or e + 2 for a best match ending at e. */
const UNKNOWN = 0;
const NO_MATCH = 1;

const PAGE_BITS = 12;
const PAGE_SIZE = 1 << PAGE_BITS;
/**
 * A table keeps at most this many pages (32 KiB each) from one input to the next: enough for
 * the short strings most regexes see, little for the thousands a regex cache may hold.
 */
const KEPT_PAGES = 4;

/**
 * Pages (of all the tables of one run) past which a run gives up with `error_space` (512 MiB):
 * memory is states × positions, and a large counted repetition on a long input could
 * otherwise take the whole heap.
 */
const PAGE_BUDGET = 16384;

/** Pages allocated for the current input, shared by an executor's tables. */
interface PageCount {
  pages: number;
  budget: number;
}

/**
 * Outcomes by index, in pages allocated as they are touched. Each entry is stamped with the
 * generation it was written in, so starting afresh is one increment, not a clearing or a new
 * allocation: most regexes run on short strings, again and again.
 */
class OutcomeTable {
  private values: (Int32Array | undefined)[] = [];
  private stamps: (Int32Array | undefined)[] = [];
  private generation = 1;

  constructor(private readonly count: PageCount) {}

  get(index: number): number {
    const p = Math.floor(index / PAGE_SIZE);
    const stamps = this.stamps[p];
    if (stamps === undefined) return UNKNOWN;
    const k = index & (PAGE_SIZE - 1);
    return stamps[k] === this.generation ? this.values[p]![k] : UNKNOWN;
  }

  set(index: number, outcome: number): void {
    const p = Math.floor(index / PAGE_SIZE);
    let stamps = this.stamps[p];
    if (stamps === undefined) {
      if (++this.count.pages > this.count.budget) throw new RegexError(true);
      // Two tables of 4-byte outcomes; and a long run looks at the deadline now and then.
      reserve(8 * PAGE_SIZE);
      tick();
      stamps = this.stamps[p] = new Int32Array(PAGE_SIZE);
      this.values[p] = new Int32Array(PAGE_SIZE);
    }
    const k = index & (PAGE_SIZE - 1);
    stamps[k] = this.generation;
    this.values[p]![k] = outcome;
  }

  /** Forgets every outcome; lets go of the memory when there is much of it. */
  clear(): void {
    if (this.generation === 0x7fffffff || this.stamps.length > KEPT_PAGES) {
      this.values = [];
      this.stamps = [];
      this.generation = 1;
    } else {
      this.generation++;
    }
  }
}

/** What to do with a state on the work stack. */
const enum Step {
  /** Work out the outcome, pushing what it needs first. */
  Solve,
  /** The outcome is the successor's (now known). */
  Follow,
  /** A repetition whose once-more outcome is known. */
  RepeatOnce,
  /** A repetition whose once-less outcome is known. */
  RepeatLess,
  /** An alternative whose two outcomes are known. */
  Alternatives,
}

/** The NFA as the compiler built it, in libstdc++'s layout. */
export interface RegexProgram {
  op: number[];
  next: number[];
  alt: number[];
  /** Subexpression index, or the character for MatchChar. */
  arg: number[];
  table: (Uint8Array | null)[];
  start: number;
  /** Subexpressions, the whole match (0) included. */
  subCount: number;
}

/** Runs search attempts on one input at a time (libstdc++ _Executor, one per regex). */
export interface RegexExecutor {
  /** Starts on an input: `exact` for `std::regex_match`, otherwise searching. */
  reset(s: string, exact: boolean): void;
  /** One attempt from `begin`: the submatches as (start, end) pairs, -1 when unset; or null. */
  run(begin: number, flags: number): Int32Array | null;
  /** Drops what was kept for the input. */
  release(): void;
}

class MemoExecutor implements RegexExecutor {
  private readonly op: Int32Array;
  private readonly next: Int32Array;
  private readonly alt: Int32Array;
  private readonly arg: Int32Array;
  private readonly table: (Uint8Array | null)[];
  private readonly start: number;
  private readonly nstates: number;
  private readonly nsub: number;
  /** Per state: the repetitions it reaches without consuming input; null for none. */
  private readonly reach: (Int32Array | null | undefined)[];

  // Contexts, interned: id 0 is the empty one; each is a sorted (repetition, count) list.
  private readonly ctxPairs: Int32Array[] = [new Int32Array(0)];
  private readonly ctxIds = new Map<string, number>([['', 0]]);
  private readonly ctxEntered = new Map<number, number>();
  private readonly ctxNarrowed = new Map<number, number>();

  // The current input.
  private s = '';
  private exact = false;
  private readonly pageCount: PageCount;
  private readonly outcomes: OutcomeTable;
  /** Outcomes in a non-empty context, by context id. */
  private ctxOutcomes: OutcomeTable[] = [];
  // The current attempt: outcomes at its start, by context × states + state.
  private begin = 0;
  private flags = 0;
  private readonly atBegin: OutcomeTable;
  private stack = new Int32Array(256);

  constructor(program: RegexProgram, pageBudget = PAGE_BUDGET) {
    this.pageCount = { pages: 0, budget: pageBudget };
    this.outcomes = new OutcomeTable(this.pageCount);
    this.atBegin = new OutcomeTable(this.pageCount);
    this.op = Int32Array.from(program.op);
    this.next = Int32Array.from(program.next);
    this.alt = Int32Array.from(program.alt);
    this.arg = Int32Array.from(program.arg);
    this.table = program.table;
    this.start = program.start;
    this.nstates = program.op.length;
    this.nsub = program.subCount;
    this.reach = new Array(this.nstates);
  }

  reset(s: string, exact: boolean): void {
    this.s = s;
    this.exact = exact;
    this.outcomes.clear();
    for (const t of this.ctxOutcomes) t?.clear();
    // What the tables kept from the last input is a few pages each: not counted.
    this.pageCount.pages = 0;
  }

  release(): void {
    this.reset('', false);
    if (this.ctxOutcomes.length > KEPT_PAGES) this.ctxOutcomes = [];
    this.atBegin.clear();
    if (this.stack.length > 65536) this.stack = new Int32Array(256);
  }

  run(begin: number, flags: number): Int32Array | null {
    this.begin = begin;
    this.flags = flags;
    this.atBegin.clear();
    return this.solve(this.start, begin) === NO_MATCH ? null : this.replay();
  }

  // ---- contexts

  private intern(pairs: Int32Array): number {
    const key = pairs.join(',');
    let id = this.ctxIds.get(key);
    if (id === undefined) {
      id = this.ctxPairs.length;
      this.ctxPairs.push(pairs);
      this.ctxIds.set(key, id);
    }
    return id;
  }

  /** Context `c` with repetition `r` entered once more; -1 when the guard forbids it. */
  private entered(c: number, r: number): number {
    const key = c * this.nstates + r;
    let id = this.ctxEntered.get(key);
    if (id !== undefined) return id;
    const pairs = this.ctxPairs[c];
    let at = 0;
    while (at < pairs.length && pairs[at] < r) at += 2;
    if (at < pairs.length && pairs[at] === r) {
      if (pairs[at + 1] >= 2) {
        id = -1;
      } else {
        const more = pairs.slice();
        more[at + 1]++;
        id = this.intern(more);
      }
    } else {
      const more = new Int32Array(pairs.length + 2);
      more.set(pairs.subarray(0, at));
      more[at] = r;
      more[at + 1] = 1;
      more.set(pairs.subarray(at), at + 2);
      id = this.intern(more);
    }
    this.ctxEntered.set(key, id);
    return id;
  }

  /** Context `c` cut down to the repetitions state `i` can reach at this position. */
  private narrowed(c: number, i: number): number {
    if (c === 0) return 0;
    const reach = this.reachOf(i);
    if (reach === null) return 0;
    const key = c * this.nstates + i;
    let id = this.ctxNarrowed.get(key);
    if (id === undefined) {
      const pairs = this.ctxPairs[c];
      const kept: number[] = [];
      for (let k = 0; k < pairs.length; k += 2) {
        if (binarySearch(reach, pairs[k])) kept.push(pairs[k], pairs[k + 1]);
      }
      id = this.intern(Int32Array.from(kept));
      this.ctxNarrowed.set(key, id);
    }
    return id;
  }

  private reachOf(i: number): Int32Array | null {
    let r = this.reach[i];
    if (r !== undefined) return r;
    const { op, next, alt } = this;
    const seen = new Set<number>([i]);
    const todo = [i];
    const found: number[] = [];
    while (todo.length > 0) {
      const u = todo.pop()!;
      const o = op[u];
      if (o === Op.Match || o === Op.MatchChar || o === Op.Accept) continue;
      if (o === Op.Repeat) found.push(u);
      const succ = o === Op.Repeat || o === Op.Alt ? [next[u], alt[u]] : [next[u]];
      for (const v of succ) {
        if (v >= 0 && !seen.has(v)) {
          seen.add(v);
          todo.push(v);
        }
      }
    }
    r = found.length === 0 ? null : Int32Array.from(found).sort();
    this.reach[i] = r;
    return r;
  }

  // ---- outcomes

  private lookup(i: number, p: number, c: number): number {
    if (p === this.begin) return this.atBegin.get(c * this.nstates + i);
    if (c === 0) return this.outcomes.get(p * this.nstates + i);
    const t = this.ctxOutcomes[c];
    return t === undefined ? UNKNOWN : t.get(p * this.nstates + i);
  }

  private store(i: number, p: number, c: number, outcome: number): void {
    if (p === this.begin) {
      this.atBegin.set(c * this.nstates + i, outcome);
    } else if (c === 0) {
      this.outcomes.set(p * this.nstates + i, outcome);
    } else {
      let t = this.ctxOutcomes[c];
      if (t === undefined) t = this.ctxOutcomes[c] = new OutcomeTable(this.pageCount);
      t.set(p * this.nstates + i, outcome);
    }
  }

  /** Whether a single-successor state consumes a byte on its way to the next state. */
  private consumes(i: number): boolean {
    const o = this.op[i];
    return o === Op.Match || o === Op.MatchChar;
  }

  /** Whether state `i` lets the path through at position `p` (for single-successor states). */
  private passes(i: number, p: number): boolean {
    const s = this.s;
    switch (this.op[i]) {
      case Op.MatchChar: return p < s.length && s.charCodeAt(p) === this.arg[i];
      case Op.Match: return p < s.length && this.table[i]![s.charCodeAt(p)] === 1;
      case Op.LineBegin: return p === this.begin && (this.flags & PREV_AVAIL) === 0;
      case Op.LineEnd: return p === s.length;
      case Op.SubBegin: case Op.SubEnd: return true;
      default: return false;
    }
  }

  /** The outcome of the start state at `p0`, working out every outcome it depends on. */
  private solve(i0: number, p0: number): number {
    const { op, next, alt } = this;
    let st = this.stack;
    let sp = 0;
    let steps = 0;
    st[sp++] = i0; st[sp++] = p0; st[sp++] = 0; st[sp++] = Step.Solve;
    while (sp > 0) {
      if (sp + 12 > st.length) {
        // The stack grows with the input (a repetition over a long string): asked of the budget.
        reserve(st.length * 8);
        const bigger = new Int32Array(st.length * 2);
        bigger.set(st);
        st = this.stack = bigger;
      }
      // A long descent allocates no outcome page (whose allocation looks at the deadline), and
      // ran seconds past it: every 64 steps count as one of a long loop.
      if ((++steps & 63) === 0) tick();
      const step = st[--sp];
      const c = st[--sp];
      const p = st[--sp];
      const i = st[--sp];
      switch (step) {
        case Step.Solve: {
          if (this.lookup(i, p, c) !== UNKNOWN) break;
          const o = op[i];
          if (o === Op.Accept) {
            const ok = (!this.exact || p === this.s.length) && !(p === this.begin && (this.flags & NOT_NULL) !== 0);
            this.store(i, p, c, ok ? p + 2 : NO_MATCH);
          } else if (o === Op.Repeat) {
            st[sp++] = i; st[sp++] = p; st[sp++] = c; st[sp++] = Step.RepeatOnce;
            const once = this.entered(c, i);
            if (once >= 0) {
              st[sp++] = alt[i]; st[sp++] = p; st[sp++] = this.narrowed(once, alt[i]); st[sp++] = Step.Solve;
            }
          } else if (o === Op.Alt) {
            st[sp++] = i; st[sp++] = p; st[sp++] = c; st[sp++] = Step.Alternatives;
            st[sp++] = alt[i]; st[sp++] = p; st[sp++] = this.narrowed(c, alt[i]); st[sp++] = Step.Solve;
            st[sp++] = next[i]; st[sp++] = p; st[sp++] = this.narrowed(c, next[i]); st[sp++] = Step.Solve;
          } else if (this.passes(i, p)) {
            const j = next[i];
            const q = this.consumes(i) ? p + 1 : p;
            const jc = q === p ? this.narrowed(c, j) : 0;
            const r = this.lookup(j, q, jc);
            if (r !== UNKNOWN) {
              this.store(i, p, c, r);
            } else {
              st[sp++] = i; st[sp++] = p; st[sp++] = c; st[sp++] = Step.Follow;
              st[sp++] = j; st[sp++] = q; st[sp++] = jc; st[sp++] = Step.Solve;
            }
          } else {
            this.store(i, p, c, NO_MATCH);
          }
          break;
        }
        case Step.Follow: {
          const j = next[i];
          this.store(i, p, c, this.consumes(i) ? this.lookup(j, p + 1, 0) : this.lookup(j, p, this.narrowed(c, j)));
          break;
        }
        case Step.RepeatOnce: {
          const once = this.entered(c, i);
          const r = once >= 0 ? this.lookup(alt[i], p, this.narrowed(once, alt[i])) : NO_MATCH;
          if (r !== NO_MATCH) {
            this.store(i, p, c, r);
            break;
          }
          // Once more found nothing: libstdc++ tries once less only then.
          const lc = this.narrowed(c, next[i]);
          const less = this.lookup(next[i], p, lc);
          if (less !== UNKNOWN) {
            this.store(i, p, c, less);
          } else {
            st[sp++] = i; st[sp++] = p; st[sp++] = c; st[sp++] = Step.RepeatLess;
            st[sp++] = next[i]; st[sp++] = p; st[sp++] = lc; st[sp++] = Step.Solve;
          }
          break;
        }
        case Step.RepeatLess:
          this.store(i, p, c, this.lookup(next[i], p, this.narrowed(c, next[i])));
          break;
        case Step.Alternatives: {
          // The left one is explored first, so it wins a tie.
          const l = this.lookup(alt[i], p, this.narrowed(c, alt[i]));
          const r = this.lookup(next[i], p, this.narrowed(c, next[i]));
          this.store(i, p, c, l >= r ? l : r);
          break;
        }
      }
    }
    return this.lookup(i0, p0, 0);
  }

  /** Follows the winning path from the start, setting submatches as libstdc++ would. */
  private replay(): Int32Array {
    const { op, next, alt, arg, nsub } = this;
    const res = new Int32Array(2 * nsub).fill(-1);
    const first = new Int32Array(nsub).fill(-1);
    let i = this.start;
    let p = this.begin;
    let c = 0;
    for (;;) {
      const o = op[i];
      if (o === Op.Accept) break;
      if (o === Op.Repeat) {
        const once = this.entered(c, i);
        if (once >= 0) {
          const oc = this.narrowed(once, alt[i]);
          if (this.lookup(alt[i], p, oc) > NO_MATCH) {
            i = alt[i];
            c = oc;
            continue;
          }
        }
        c = this.narrowed(c, next[i]);
        i = next[i];
      } else if (o === Op.Alt) {
        const lc = this.narrowed(c, alt[i]);
        const rc = this.narrowed(c, next[i]);
        if (this.lookup(alt[i], p, lc) >= this.lookup(next[i], p, rc)) {
          i = alt[i];
          c = lc;
        } else {
          i = next[i];
          c = rc;
        }
      } else {
        if (o === Op.SubBegin) {
          first[arg[i]] = p;
        } else if (o === Op.SubEnd) {
          const k = arg[i];
          res[2 * k] = first[k];
          res[2 * k + 1] = p;
        }
        if (this.consumes(i)) {
          p++;
          c = 0;
        } else {
          c = this.narrowed(c, next[i]);
        }
        i = next[i];
      }
    }
    return res;
  }
}

function binarySearch(sorted: Int32Array, x: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === x) return true;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Compiled regexes and the two operations Nix needs

/** A match: where it is, and the text of each capture group (null when it took no part). */
export interface RegexMatch {
  start: number;
  end: number;
  groups: (string | null)[];
}

/** Inputs of at most this many bytes have their whole-string match remembered (Regex.memo), */
const MEMO_INPUT_LENGTH = 128;
/** up to this many per regex (then it starts again). */
const MEMO_ENTRIES = 64;
const MEMO_NO_MATCH = Symbol('no match');

export class Regex {
  private readonly exec: RegexExecutor;
  /** Equivalent JS RegExps, when there are. */
  private jsMatch: RegExp | null;
  private readonly first: Uint8Array;
  private readonly nullable: boolean;
  /**
   * Whole-string matches the linear executor found, by input (short inputs only): a pattern
   * that does not run natively is often asked about the same few strings again (lib's
   * `(.*)e?abi.*` over the kernel and ABI names of every system). The groups are shared:
   * a list is never changed once made.
   */
  private memo: Map<string, RegexMatch | typeof MEMO_NO_MATCH> | undefined = undefined;
  /** The bytes every match is, when the pattern is a plain non-empty string without groups. */
  private readonly literal: string | null;
  /**
   * What finds the next byte a non-empty match can start with (see nextStart): that byte when
   * there is one, else a RegExp of the class of them; null when any byte can start one (or
   * not native: the emulation the tests compare with looks at every byte).
   */
  private readonly startFinder: string | RegExp | null;
  /** Capture groups, without the whole match. */
  readonly groups: number;
  /** The compiled NFA (for tests that run it with another executor). */
  readonly program: RegexProgram;

  constructor(readonly source: string, native = true, executor: (p: RegexProgram) => RegexExecutor = (p) => new MemoExecutor(p)) {
    const c = new Compiler(source);
    const r = c.compile();
    this.program = { ...c.nfa, start: r.start, subCount: r.subCount };
    this.exec = executor(this.program);
    this.groups = r.subCount - 1;
    this.first = r.first;
    this.nullable = r.nullable;
    this.jsMatch = native && r.jsMatch !== null && isDeterministic(this.program) ? tryRegExp(r.jsMatch, '') : null;
    this.literal = native ? literalOf(this.program) : null;
    this.startFinder = native ? startFinderOf(r.first) : null;
  }

  /** Whether whole-string matches run as a native JS RegExp (for tests). */
  get native(): boolean {
    return this.jsMatch !== null;
  }

  /** `std::regex_match`: the whole string must match. */
  match(s: string): RegexMatch | null {
    if (this.jsMatch !== null) {
      try {
        const m = this.jsMatch.exec(s);
        return m === null ? null : this.fromJs(m);
      } catch (e) {
        // V8 keeps its backtracking stack bounded; a very long input can exceed it.
        if (!(e instanceof RangeError)) throw e;
      }
    }
    const memo = s.length <= MEMO_INPUT_LENGTH ? (this.memo ??= new Map()) : undefined;
    const known = memo?.get(s);
    if (known !== undefined) return known === MEMO_NO_MATCH ? null : known;
    this.exec.reset(s, true);
    let m: RegexMatch | null;
    try {
      const r = this.exec.run(0, 0);
      m = r === null ? null : this.fromOffsets(s, r);
    } finally {
      this.exec.release();
    }
    if (memo !== undefined) {
      if (memo.size >= MEMO_ENTRIES) memo.clear();
      memo.set(s, m ?? MEMO_NO_MATCH);
    }
    return m;
  }

  /** The matches `std::regex_iterator` walks through, left to right. */
  searchAll(s: string): RegexMatch[] {
    // Never natively: a backtracking engine tries every start again (`a*b` in a long run of
    // `a` takes quadratic time), where outcomes found from one start serve all later ones here.
    const out: RegexMatch[] = [];
    const lit = this.literal;
    if (lit !== null) {
      // Every match is the literal: the leftmost occurrences, one after the other.
      for (let i = s.indexOf(lit); i >= 0; i = s.indexOf(lit, i + lit.length)) {
        tick();
        reserve(OBJECT_BYTES * 2);
        out.push({ start: i, end: i + lit.length, groups: [] });
      }
      return out;
    }
    this.exec.reset(s, false);
    try {
      const end = s.length;
      let flags = 0;
      let m = this.search(s, 0, flags);
      while (m !== null) {
        // A match record with its groups; every few thousand, a look at the deadline.
        tick();
        reserve(OBJECT_BYTES * (2 + this.groups));
        out.push(this.fromOffsets(s, m));
        let start = m[1];
        if (m[0] === m[1]) {
          if (start === end) break;
          const m2 = this.search(s, start, flags | NOT_NULL | CONTINUOUS);
          if (m2 !== null) {
            m = m2;
            continue;
          }
          start++;
        }
        flags |= PREV_AVAIL;
        m = this.search(s, start, flags);
      }
    } finally {
      this.exec.release();
    }
    return out;
  }

  /** `std::regex_search` from `from` (libstdc++ _M_search): the leftmost match. */
  private search(s: string, from: number, flags: number): Int32Array | null {
    const end = s.length;
    if (this.startFinder !== null && (flags & CONTINUOUS) === 0 && (!this.nullable || (flags & NOT_NULL) !== 0)) {
      // Only a non-empty match is wanted, so only a place holding a byte that can start one is
      // tried: found by a native search rather than a look at every byte (a pattern starting
      // with `"` split over 3.4 MB of documentation in Home Manager's option list: 120 ms).
      for (let b = this.nextStart(s, from); b >= 0; b = this.nextStart(s, b + 1)) {
        tick();
        if (b > from) flags |= PREV_AVAIL;
        const r = this.exec.run(b, flags);
        if (r !== null) return r;
      }
      return null;
    }
    for (let b = from; b <= end; b++) {
      tick();
      if (b > from) flags |= PREV_AVAIL;
      // A non-empty match starts with a byte the pattern can start with; skip places where
      // only an empty match could be found and none is wanted.
      const canStart = b < end && this.first[s.charCodeAt(b)] === 1;
      if (canStart || (this.nullable && (flags & NOT_NULL) === 0)) {
        const r = this.exec.run(b, flags);
        if (r !== null) return r;
      }
      if ((flags & CONTINUOUS) !== 0) return null;
    }
    return null;
  }

  /** The first place at or after `from` holding a byte that can start a match, or -1. */
  private nextStart(s: string, from: number): number {
    const finder = this.startFinder!;
    if (typeof finder === 'string') return s.indexOf(finder, from);
    finder.lastIndex = from;
    return finder.test(s) ? finder.lastIndex - 1 : -1;
  }

  private fromOffsets(s: string, r: Int32Array): RegexMatch {
    const groups: (string | null)[] = [];
    for (let k = 1; k <= this.groups; k++) {
      const a = r[2 * k];
      groups.push(a < 0 ? null : s.slice(a, r[2 * k + 1]));
    }
    return { start: r[0], end: r[1], groups };
  }

  private fromJs(m: RegExpExecArray): RegexMatch {
    const groups: (string | null)[] = [];
    for (let k = 1; k <= this.groups; k++) groups.push(m[k] ?? null);
    return { start: m.index, end: m.index + m[0].length, groups };
  }
}

/** Regex.startFinder for a set of first bytes: none for all 256 (or none at all). */
function startFinderOf(first: Uint8Array): string | RegExp | null {
  const bytes: number[] = [];
  for (let c = 0; c < 256; c++) if (first[c] === 1) bytes.push(c);
  if (bytes.length === 0 || bytes.length === 256) return null;
  if (bytes.length === 1) return String.fromCharCode(bytes[0]);
  return new RegExp(jsClass(first), 'g');
}

/**
 * The string a program matches when it is a chain of single bytes from start to accept (no
 * choice, no group but the whole match's), or null. Such a pattern's matches are the
 * occurrences of that string, which a plain search finds.
 */
function literalOf(program: RegexProgram): string | null {
  const { op, next, arg, start, subCount } = program;
  if (subCount !== 1) return null;
  let lit = '';
  for (let i = start, steps = 0; i >= 0 && steps <= op.length; i = next[i], steps++) {
    switch (op[i]) {
      case Op.Accept:
        return lit === '' ? null : lit;
      case Op.MatchChar:
        lit += String.fromCharCode(arg[i]);
        break;
      case Op.Dummy:
      case Op.SubBegin:
      case Op.SubEnd:
        break;
      default:
        return null;
    }
  }
  return null;
}

/**
 * Whether the next byte decides every choice of the NFA: at each alternative and repetition,
 * the bytes the two ways can consume first (through states that consume nothing) are
 * disjoint. Then a backtracking engine abandons a wrong way before consuming anything, and
 * matching the whole string costs linear time. Repetitions whose body can match empty never
 * qualify (the body's way reaches the repetition itself). Large NFAs are not analysed.
 */
function isDeterministic(program: RegexProgram): boolean {
  const { op, next, alt, table, arg } = program;
  const n = op.length;
  if (n > 2000) return false;
  // first[8 * i ..]: the 256-bit set of bytes consumable first from state i.
  const first = new Int32Array(8 * n);
  const setByte = (i: number, c: number): void => {
    first[8 * i + (c >> 5)] |= 1 << (c & 31);
  };
  for (let i = 0; i < n; i++) {
    if (op[i] === Op.MatchChar) setByte(i, arg[i]);
    else if (op[i] === Op.Match) for (let c = 0; c < 256; c++) if (table[i]![c]) setByte(i, c);
  }
  const consumes = (i: number): boolean => op[i] === Op.Match || op[i] === Op.MatchChar;
  // Zero-width states take the union of their successors' sets, until nothing changes.
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < n; i++) {
      if (consumes(i) || op[i] === Op.Accept) continue;
      const succ = op[i] === Op.Repeat || op[i] === Op.Alt ? [next[i], alt[i]] : [next[i]];
      for (const j of succ) {
        if (j < 0) continue;
        for (let w = 0; w < 8; w++) {
          const u = first[8 * i + w] | first[8 * j + w];
          if (u !== first[8 * i + w]) {
            first[8 * i + w] = u;
            changed = true;
          }
        }
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (op[i] !== Op.Repeat && op[i] !== Op.Alt) continue;
    const a = alt[i];
    const b = next[i];
    if (a < 0 || b < 0) continue;
    for (let w = 0; w < 8; w++) if ((first[8 * a + w] & first[8 * b + w]) !== 0) return false;
  }
  return true;
}

function tryRegExp(source: string, flags: string): RegExp | null {
  try {
    return new RegExp(source, flags);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The cache (C++ Nix keeps compiled regexes for the whole evaluation)

/** Bytes of compiled regexes a thread keeps (C++ Nix keeps them for one evaluation; nixeval's
 * cache lives as long as the worker, so it has a budget rather than a count). */
export const REGEX_CACHE_BYTES = 32 * 1024 * 1024;
const cache = new LRUCache<string, Regex | RegexError>({
  maxSize: REGEX_CACHE_BYTES,
  // The pattern, the NFA (the program and the executor's copy, a byte table per bracket), and
  // the outcome pages a regex keeps between inputs (one per table, usually).
  // The remembered matches (Regex.memo) are bounded by MEMO_ENTRIES short inputs.
  sizeCalculation: (r, pattern) => 64 + 2 * pattern.length
    + (r instanceof Regex ? r.program.op.length * 96 + 2 * 8 * PAGE_SIZE + MEMO_ENTRIES * (MEMO_INPUT_LENGTH + 64) : 0),
});

/**
 * The patterns compiled last, in front of the cache: real code calls match and split with a
 * handful of patterns hundreds of thousands of times (nixvim's option list: two patterns, 620 K
 * calls), and each LRUCache.get made an options object and moved its entry in the cache's
 * list. A few entries compared as strings; each is in the cache too, or was (so what this
 * keeps is at most RECENT_REGEXES regexes past the cache's budget).
 */
const RECENT_REGEXES = 8;
const recentPatterns: string[] = [];
const recentRegexes: Regex[] = [];
let recentNext = 0;

function rememberRecent(pattern: string, r: Regex): void {
  recentPatterns[recentNext] = pattern;
  recentRegexes[recentNext] = r;
  recentNext = (recentNext + 1) % RECENT_REGEXES;
}

/** The compiled regex for a pattern; throws RegexError for patterns libstdc++ rejects. */
export function compileRegex(pattern: string): Regex {
  for (let i = 0; i < recentPatterns.length; i++) {
    if (recentPatterns[i] === pattern) return recentRegexes[i];
  }
  let r = cache.get(pattern);
  if (r === undefined) {
    try {
      r = new Regex(pattern);
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      r = e;
    }
    cache.set(pattern, r);
  }
  if (r instanceof RegexError) throw r;
  rememberRecent(pattern, r);
  return r;
}

/** Forgets every compiled regex (a worker trimming what it keeps between tasks). */
export function clearRegexCache(): void {
  cache.clear();
  recentPatterns.length = 0;
  recentRegexes.length = 0;
  recentNext = 0;
}

/**
 * For tests: the regex run by the linear executor only, never as a JS RegExp, optionally with
 * a smaller memory budget (in pages of 4096 outcomes).
 */
export function compileRegexEmulated(pattern: string, pageBudget = PAGE_BUDGET): Regex {
  return new Regex(pattern, false, (p) => new MemoExecutor(p, pageBudget));
}
