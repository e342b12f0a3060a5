// POSIX extended regular expressions as C++ Nix runs them: `std::regex` with the `extended`
// grammar from libstdc++, on byte strings (one JS char = one byte).
//
// libstdc++ is not a textbook POSIX engine, and `builtins.match`/`builtins.split` results
// depend on its quirks, so this file reproduces it:
//
//  - The scanner and compiler mirror libstdc++'s `_Scanner` and `_Compiler` for the extended
//    grammar: which patterns are invalid (`invalid regular expression`), `\x` is the
//    literal x, brackets take no escapes, `{n,m}` copies the atom n + (m - n) times, and more
//    than 100000 NFA states is `error_space` (`memory limit exceeded by regular expression`).
//  - The matcher mirrors libstdc++'s depth-first `_Executor` in POSIX mode: alternatives are
//    both explored and the longest match wins (the first found among equally long ones); a
//    greedy repetition that found a match does not try fewer iterations; a repetition may
//    run twice without consuming input; a group keeps its value from an earlier iteration
//    when a later one skips it. It runs on an explicit stack, never by JS recursion.
//  - `split` walks matches the way `std::regex_iterator` does (after an empty match it looks
//    for a non-empty match at the same place, then moves on one byte).
//
// Most patterns in real use are cases where this engine and a backtracking ECMAScript
// engine must give the same answer (no empty-matching repeated groups, no groups nested in
// repeated groups; for searching also no ambiguous alternations and no empty matches), so
// those are translated to a native JS RegExp, which is much faster. The analysis that decides
// this is done while compiling; see `Frag`.
//
// Like libstdc++, the matcher backtracks, so adversarial patterns such as `(a|a)*b` can take
// exponential time; C++ Nix has the same problem (or overflows its stack).

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
      // Extended grammar: an escaped character is that character.
      c = re[this.pos++];
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

const enum Op { Dummy, Match, MatchChar, Repeat, Alt, SubBegin, SubEnd, LineBegin, LineEnd, Accept }

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
  /** ... and for searching (alternations unambiguous by their first byte). */
  jsSearch: boolean;
}

const NO_BYTES = new Uint8Array(256);

function unionBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a === NO_BYTES) return b;
  if (b === NO_BYTES) return a;
  const r = new Uint8Array(256);
  for (let i = 0; i < 256; i++) r[i] = a[i] | b[i];
  return r;
}

function disjointBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 256; i++) if (a[i] & b[i]) return false;
  return true;
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
      jsMatch: true, jsSearch: true, ...props,
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
    a.jsSearch = a.jsSearch && b.jsSearch;
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
    const searchable = alt1.jsSearch && alt2.jsSearch && !alt1.nullable && !alt2.nullable && disjointBytes(alt1.first, alt2.first);
    ctx.alts = this.frag(a, end, {
      js: alt1.js + '|' + alt2.js,
      nullable: alt1.nullable || alt2.nullable,
      first: unionBytes(alt1.first, alt2.first),
      groups: alt1.groups + alt2.groups,
      jsMatch: alt1.jsMatch && alt2.jsMatch,
      jsSearch: searchable,
    });
  }

  compile(): { start: number; subCount: number; jsMatch: string | null; jsSearch: string | null; nullable: boolean; first: Uint8Array } {
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
          groups: body.groups + 1, isGroup: true, jsMatch: body.jsMatch, jsSearch: body.jsSearch,
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
        jsSearch: body.jsSearch && !body.nullable ? body.js : null,
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
      result.jsSearch = e.jsSearch && sameGroups;
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
// The matcher (libstdc++ _Executor, depth-first, POSIX)

const NOT_NULL = 1;
const CONTINUOUS = 2;
const PREV_AVAIL = 4;

const enum Task { Visit, SetCur, RestoreFirst, RestoreSub, RepRestore, RepNext, AltRight, AltDone }

class Executor {
  private readonly op: Int32Array;
  private readonly next: Int32Array;
  private readonly alt: Int32Array;
  private readonly arg: Int32Array;
  private readonly table: (Uint8Array | null)[];
  private readonly repPos: Int32Array;
  private readonly repCnt: Int32Array;
  private readonly cf: Int32Array;
  private readonly cs: Int32Array;
  private readonly cm: Uint8Array;
  private stack = new Int32Array(256);
  readonly nsub: number;

  constructor(nfa: Nfa, private readonly startState: number, nsub: number) {
    this.op = Int32Array.from(nfa.op);
    this.next = Int32Array.from(nfa.next);
    this.alt = Int32Array.from(nfa.alt);
    this.arg = Int32Array.from(nfa.arg);
    this.table = nfa.table;
    this.repPos = new Int32Array(nfa.op.length).fill(-1);
    this.repCnt = new Int32Array(nfa.op.length);
    this.nsub = nsub;
    this.cf = new Int32Array(nsub).fill(-1);
    this.cs = new Int32Array(nsub).fill(-1);
    this.cm = new Uint8Array(nsub);
  }

  /**
   * One depth-first run from `begin` (libstdc++ _M_main_dispatch). Returns the submatches
   * (start, end pairs; -1 when unmatched) or null.
   */
  run(s: string, begin: number, end: number, exact: boolean, flags: number): Int32Array | null {
    const { op, next, alt, arg, table, repPos, repCnt } = this;
    const n = this.nsub;
    // Every change to these is undone as the search unwinds, so they start out clean.
    const { cf, cs, cm } = this;
    let results: Int32Array | null = null;
    let hasSol = false;
    let solPos = -1;
    let cur = begin;
    // The work stack: tasks and their operands, as numbers (one task pushes at most 8).
    let st = this.stack;
    let sp = 0;
    st[sp++] = this.startState;
    st[sp++] = Task.Visit;
    while (sp > 0) {
      if (sp + 16 > st.length) {
        const bigger = new Int32Array(st.length * 2);
        bigger.set(st);
        st = this.stack = bigger;
      }
      const task = st[--sp];
      switch (task) {
        case Task.Visit: {
          const i = st[--sp];
          switch (op[i]) {
            case Op.MatchChar:
              if (cur < end && s.charCodeAt(cur) === arg[i]) {
                st[sp++] = cur; st[sp++] = Task.SetCur;
                cur++;
                st[sp++] = next[i]; st[sp++] = Task.Visit;
              }
              break;
            case Op.Match:
              if (cur < end && table[i]![s.charCodeAt(cur)]) {
                st[sp++] = cur; st[sp++] = Task.SetCur;
                cur++;
                st[sp++] = next[i]; st[sp++] = Task.Visit;
              }
              break;
            case Op.Repeat: {
              st[sp++] = i; st[sp++] = Task.RepNext;
              const rp = repPos[i];
              const rc = repCnt[i];
              if (rc === 0 || rp !== cur) {
                st[sp++] = i; st[sp++] = rp; st[sp++] = rc; st[sp++] = Task.RepRestore;
                repPos[i] = cur;
                repCnt[i] = 1;
                st[sp++] = alt[i]; st[sp++] = Task.Visit;
              } else if (rc < 2) {
                st[sp++] = i; st[sp++] = rp; st[sp++] = rc; st[sp++] = Task.RepRestore;
                repCnt[i] = rc + 1;
                st[sp++] = alt[i]; st[sp++] = Task.Visit;
              }
              break;
            }
            case Op.Alt:
              st[sp++] = i; st[sp++] = Task.AltRight;
              st[sp++] = alt[i]; st[sp++] = Task.Visit;
              break;
            case Op.SubBegin: {
              const k = arg[i];
              st[sp++] = k; st[sp++] = cf[k]; st[sp++] = Task.RestoreFirst;
              cf[k] = cur;
              st[sp++] = next[i]; st[sp++] = Task.Visit;
              break;
            }
            case Op.SubEnd: {
              const k = arg[i];
              st[sp++] = k; st[sp++] = cf[k]; st[sp++] = cs[k]; st[sp++] = cm[k]; st[sp++] = Task.RestoreSub;
              cs[k] = cur;
              cm[k] = 1;
              st[sp++] = next[i]; st[sp++] = Task.Visit;
              break;
            }
            case Op.LineBegin:
              if (cur === begin && (flags & PREV_AVAIL) === 0) { st[sp++] = next[i]; st[sp++] = Task.Visit; }
              break;
            case Op.LineEnd:
              if (cur === end) { st[sp++] = next[i]; st[sp++] = Task.Visit; }
              break;
            case Op.Accept: {
              hasSol = exact ? cur === end : true;
              if (cur === begin && (flags & NOT_NULL) !== 0) hasSol = false;
              if (hasSol && (solPos === -1 || solPos - begin < cur - begin)) {
                solPos = cur;
                results ??= new Int32Array(2 * n);
                for (let k = 0; k < n; k++) {
                  if (cm[k]) {
                    results[2 * k] = cf[k];
                    results[2 * k + 1] = cs[k];
                  } else {
                    results[2 * k] = -1;
                    results[2 * k + 1] = -1;
                  }
                }
              }
              break;
            }
            default:
              break;
          }
          break;
        }
        case Task.SetCur:
          cur = st[--sp];
          break;
        case Task.RestoreFirst: {
          const f = st[--sp];
          cf[st[--sp]] = f;
          break;
        }
        case Task.RestoreSub: {
          const m = st[--sp];
          const e = st[--sp];
          const f = st[--sp];
          const k = st[--sp];
          cf[k] = f;
          cs[k] = e;
          cm[k] = m;
          break;
        }
        case Task.RepRestore: {
          const rc = st[--sp];
          const rp = st[--sp];
          const i = st[--sp];
          repPos[i] = rp;
          repCnt[i] = rc;
          break;
        }
        case Task.RepNext: {
          const i = st[--sp];
          if (!hasSol) { st[sp++] = next[i]; st[sp++] = Task.Visit; }
          break;
        }
        case Task.AltRight: {
          const i = st[--sp];
          st[sp++] = hasSol ? 1 : 0; st[sp++] = Task.AltDone;
          hasSol = false;
          st[sp++] = next[i]; st[sp++] = Task.Visit;
          break;
        }
        case Task.AltDone:
          if (st[--sp]) hasSol = true;
          break;
      }
    }
    // Do not keep a big stack alive in the regex cache.
    if (st.length > 65536) this.stack = new Int32Array(256);
    return hasSol ? results : null;
  }
}

// ---------------------------------------------------------------------------------------------
// Compiled regexes and the two operations Nix needs

/** A match: where it is, and the text of each capture group (null when it took no part). */
export interface RegexMatch {
  start: number;
  end: number;
  groups: (string | null)[];
}

export class Regex {
  private readonly exec: Executor;
  /** Equivalent JS RegExps, when there are. */
  private jsMatch: RegExp | null;
  private jsSearch: RegExp | null;
  private readonly first: Uint8Array;
  private readonly nullable: boolean;
  /** Capture groups, without the whole match. */
  readonly groups: number;

  constructor(readonly source: string, native = true) {
    const c = new Compiler(source);
    const r = c.compile();
    this.exec = new Executor(c.nfa, r.start, r.subCount);
    this.groups = r.subCount - 1;
    this.first = r.first;
    this.nullable = r.nullable;
    this.jsMatch = native && r.jsMatch !== null ? tryRegExp(r.jsMatch, '') : null;
    this.jsSearch = native && r.jsSearch !== null ? tryRegExp(r.jsSearch, 'g') : null;
  }

  /** Whether matching and searching run as native JS RegExps (for tests). */
  get native(): { match: boolean; search: boolean } {
    return { match: this.jsMatch !== null, search: this.jsSearch !== null };
  }

  /** `std::regex_match`: the whole string must match. */
  match(s: string): RegexMatch | null {
    if (this.jsMatch !== null) {
      const m = this.jsMatch.exec(s);
      return m === null ? null : this.fromJs(m);
    }
    const r = this.exec.run(s, 0, s.length, true, 0);
    return r === null ? null : this.fromOffsets(s, r);
  }

  /** The matches `std::regex_iterator` walks through, left to right. */
  searchAll(s: string): RegexMatch[] {
    const out: RegexMatch[] = [];
    if (this.jsSearch !== null) {
      const re = this.jsSearch;
      re.lastIndex = 0;
      try {
        // The pattern cannot match empty, so every match moves lastIndex on.
        for (let m = re.exec(s); m !== null; m = re.exec(s)) out.push(this.fromJs(m));
      } finally {
        re.lastIndex = 0;
      }
      return out;
    }
    const end = s.length;
    let flags = 0;
    let m = this.search(s, 0, flags);
    while (m !== null) {
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
    return out;
  }

  /** `std::regex_search` from `from` (libstdc++ _M_search): the leftmost match. */
  private search(s: string, from: number, flags: number): Int32Array | null {
    const end = s.length;
    for (let b = from; b <= end; b++) {
      if (b > from) flags |= PREV_AVAIL;
      // A non-empty match starts with a byte the pattern can start with; skip places where
      // only an empty match could be found and none is wanted.
      const canStart = b < end && this.first[s.charCodeAt(b)] === 1;
      if (canStart || (this.nullable && (flags & NOT_NULL) === 0)) {
        const r = this.exec.run(s, b, end, false, flags);
        if (r !== null) return r;
      }
      if ((flags & CONTINUOUS) !== 0) return null;
    }
    return null;
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

function tryRegExp(source: string, flags: string): RegExp | null {
  try {
    return new RegExp(source, flags);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The cache (C++ Nix keeps compiled regexes for the whole evaluation)

const CACHE_LIMIT = 4096;
const cache = new Map<string, Regex | RegexError>();

/** The compiled regex for a pattern; throws RegexError for patterns libstdc++ rejects. */
export function compileRegex(pattern: string): Regex {
  let r = cache.get(pattern);
  if (r === undefined) {
    try {
      r = new Regex(pattern);
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      r = e;
    }
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(pattern, r);
  }
  if (r instanceof RegexError) throw r;
  return r;
}

/** For tests: the regex run by the libstdc++ emulation only, never as a JS RegExp. */
export function compileRegexEmulated(pattern: string): Regex {
  return new Regex(pattern, false);
}
