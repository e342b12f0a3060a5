// The Nix lexer. It mirrors the states of C++ Nix's flex scanner (default, string,
// indented string, path) so that the token stream, and with it every syntax error, is the
// same. Tokens are made as the parser asks for them (it looks at most two past the current
// one), so they die young instead of all living as long as the parse; a lexical error
// becomes an `error` token that the parser raises only when it reaches it, as flex would
// only fail when asked.

import { tick } from '../limits/limits.js';

export type TokenType =
  | 'eof' | 'error' | 'invalid'
  | 'id' | 'int' | 'float' | 'str' | 'indstr' | 'path' | 'hpath' | 'spath' | 'pathEnd' | 'uri'
  | 'if' | 'then' | 'else' | 'assert' | 'with' | 'let' | 'in' | 'rec' | 'inherit' | 'or'
  | '==' | '!=' | '<=' | '>=' | '&&' | '||' | '->' | '//' | '++' | '<|' | '|>' | '...' | '${'
  | 'indOpen' | 'indClose'
  | ':' | '@' | ';' | '!' | '-' | '<' | '>' | '+' | '*' | '/' | '?' | '.' | '"' | '(' | ')'
  | '{' | '}' | '[' | ']' | '=' | ',';

export interface Token {
  type: TokenType;
  start: number;
  end: number;
  /** id, path, uri: the text; str/indstr: the unescaped bytes; int: number|bigint; float: number; error: message */
  value?: unknown;
  /** indstr only: false for escapes (''$, ''', ''\x), which end start-of-line indentation. */
  hasIndentation?: boolean;
}

const KEYWORDS = new Map<string, TokenType>([
  ['if', 'if'], ['then', 'then'], ['else', 'else'], ['assert', 'assert'], ['with', 'with'], ['let', 'let'],
  ['in', 'in'], ['rec', 'rec'], ['inherit', 'inherit'], ['or', 'or'],
]);

// Single characters the grammar uses; any other character is an invalid token.
const PUNCT = new Set(':@;!-<>+*/?."(){}[]=,');

/** U+2400 SYMBOL FOR NULL, as UTF-8 bytes: how C++ Nix shows a NUL byte in messages. */
const NUL_SYMBOL = '\xe2\x90\x80';

const enum Mode { Default, String, IndString, InPath, InPathSlash }

/** How many tokens the lexer makes between two checks of the deadline. */
const TICK_EVERY = 64;

/**
 * The token of each character that is a token by itself in the default mode, whatever follows
 * (no longer token starts with it, and it changes no mode).
 */
const SINGLE: (TokenType | undefined)[] = (() => {
  const table = new Array<TokenType | undefined>(256).fill(undefined);
  for (const ch of ';()[],?@:') table[ch.charCodeAt(0)] = ch as TokenType;
  return table;
})();

const INT64_MAX = 9223372036854775807n;

// Character classes as bits of a table indexed by byte: one load per character, no call
// (the lexer runs cold, in V8's interpreter, on every file a worker reads the first time).
const ID_START = 1; // [a-zA-Z_]
const ID_CHAR = 2; // [a-zA-Z0-9_'-]
const DIGIT = 4; // [0-9]
const PATH_CHAR = 8; // [a-zA-Z0-9._\-+]
const SCHEME_CHAR = 16; // [a-zA-Z0-9+\-.]: the characters of a URI's scheme after its first
const URI_CHAR = 32; // URI characters after the scheme's colon: [a-zA-Z0-9%/?:@&=+$,\-_.!~*']
const LETTER = 64; // [a-zA-Z]

const CLASSES = ((): Uint8Array => {
  const table = new Uint8Array(256);
  const add = (chars: string, bit: number): void => {
    for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] |= bit;
  };
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const digits = '0123456789';
  add(letters, ID_START | ID_CHAR | PATH_CHAR | SCHEME_CHAR | URI_CHAR | LETTER);
  add(digits, ID_CHAR | DIGIT | PATH_CHAR | SCHEME_CHAR | URI_CHAR);
  add('_', ID_START | ID_CHAR | PATH_CHAR | URI_CHAR);
  add("'", ID_CHAR | URI_CHAR);
  add('-', ID_CHAR | PATH_CHAR | SCHEME_CHAR | URI_CHAR);
  add('.', PATH_CHAR | SCHEME_CHAR | URI_CHAR);
  add('+', PATH_CHAR | SCHEME_CHAR | URI_CHAR);
  add('%/?:@&=$,!~*', URI_CHAR);
  return table;
})();

/** Whether byte `c` (NaN past the end of the text: in no class) is in the class `bit`. */
function isIn(c: number, bit: number): boolean {
  return (CLASSES[c] & bit) !== 0;
}
function isIdStart(c: number): boolean {
  return isIn(c, ID_START);
}
function isDigit(c: number): boolean {
  return isIn(c, DIGIT);
}
function isPathChar(c: number): boolean {
  return isIn(c, PATH_CHAR);
}

/** The whole token stream of a text, through its first `eof` (for tests and tools). */
export function tokenize(text: string): Token[] {
  const lexer = new Lexer(text);
  const tokens: Token[] = [];
  for (;;) {
    const tok = lexer.next();
    tokens.push(tok);
    if (tok.type === 'eof') return tokens;
  }
}

/**
 * The end of the run of characters of a class that contains `from`, remembered: every
 * token starting inside a run looks for its end (a path or URI is the longest match), and
 * `a.b.c...`, `1+1+...` or `---...` are one long run of path characters, so without it each
 * token would scan to the end of the run again and lexing would take quadratic time.
 */
class RunEnds {
  private from = -1;
  private end = -1;
  constructor(private readonly text: string, private readonly bit: number) {}

  endOf(p: number): number {
    if (p >= this.from && p <= this.end) return this.end;
    let q = p;
    const t = this.text;
    const bit = this.bit;
    while ((CLASSES[t.charCodeAt(q)] & bit) !== 0) q++;
    this.from = p;
    this.end = q;
    return q;
  }
}

/** The token stream of one text, made on demand: `next()` gives the tokens in order, then `eof` for ever. */
export class Lexer {
  private pos = 0;
  private readonly pathRuns: RunEnds;
  private readonly schemeRuns: RunEnds;
  /** The token the current step made first, and a second one if it made two. */
  private made: Token | undefined;
  private pending: Token | undefined;
  /** The first `eof` made: every later `next()` gives it again. */
  private eof: Token | undefined;
  /** Where the last token made starts. */
  private lastStart = 0;
  /** Tokens left to make before the next check of the deadline. */
  private untilTick = 1;
  /** Set by matchPath: whether the path it matched is followed by `${`. */
  private pathInterpolated = false;
  /** Where the last literal piece of a path (lexInPath) starts, and the token before it. */
  private pathPieceStart = -1;
  private beforePathPiece = 0;
  private readonly modes: Mode[] = [Mode.Default];
  /** The identifiers met so far, each the one string the tokens of that name carry. */
  private readonly names = new Map<string, string>();
  /** Depth of Default states pushed by `{` / `${`; a `}` at depth 0 never pops (flex's INITIAL). */
  constructor(private readonly text: string) {
    this.pathRuns = new RunEnds(text, PATH_CHAR);
    this.schemeRuns = new RunEnds(text, SCHEME_CHAR);
  }

  next(): Token {
    const pending = this.pending;
    if (pending !== undefined) {
      this.pending = undefined;
      return pending;
    }
    if (this.eof !== undefined) return this.eof;
    this.made = undefined;
    // A large file takes a while: the evaluation's deadline applies to lexing it too (checked
    // every TICK_EVERY tokens, counted as that many steps).
    if (--this.untilTick === 0) {
      this.untilTick = TICK_EVERY;
      tick(TICK_EVERY);
    }
    const modes = this.modes;
    const mode = modes[modes.length - 1];
    if (mode === Mode.Default) {
      // Most tokens: inline here, without the calls of `step` (the lexer runs cold, and in
      // V8's interpreter each call costs as much as the work of a short token).
      const t = this.text;
      const n = t.length;
      let p = this.pos;
      // Read within the text only: a charCodeAt past its end (NaN, here at the end of each
      // file) deoptimises an optimised `next`, which then calls charCodeAt here, not inlined.
      let c = p < n ? t.charCodeAt(p) : NaN;
      while (c === 32 || c === 10) c = ++p < n ? t.charCodeAt(p) : NaN;
      this.pos = p;
      if (c !== 9 && c !== 13 && c !== 35 && c !== 47) {
        // Not whitespace or a comment: an identifier not followed by a character that could
        // make it a path or URI, or punctuation no path or URI starts with.
        const cls = CLASSES[c];
        if ((cls & ID_START) !== 0) {
          let q = p + 1;
          while ((CLASSES[t.charCodeAt(q)] & ID_CHAR) !== 0) q++;
          const d = t.charCodeAt(q);
          if ((d !== 46 && d !== 43 && d !== 47 && d !== 58) || !this.mayBePathOrUri(p)) { // not '.', '+', '/', ':'
            this.pos = q;
            this.lastStart = p;
            return this.word(p, q);
          }
        } else if (c === 46 && (CLASSES[t.charCodeAt(p + 1)] & ID_START) !== 0 && t.charCodeAt(this.pathRuns.endOf(p)) !== 47) {
          // The `.` of a selection (`.name`, not a path `.name/...`, a float or `...`).
          this.pos = p + 1;
          this.lastStart = p;
          return { type: '.', start: p, end: p + 1, value: undefined };
        }
        const single = SINGLE[c];
        if (single !== undefined) {
          this.pos = p + 1;
          this.lastStart = p;
          return { type: single, start: p, end: p + 1, value: undefined };
        }
        if ((cls & (PATH_CHAR | DIGIT)) === 0 && c === c && c !== 126) { // not NaN (the end) or '~'
          this.lexPunctuation(p, c);
          return this.made!;
        }
      }
    }
    this.step(mode);
    return this.made!;
  }

  /** Makes the next token (or two) in the lexer's mode. */
  private step(mode: Mode): void {
    if (mode === Mode.String) { this.lexString(); return; }
    if (mode === Mode.IndString) { this.lexIndString(); return; }
    if (mode === Mode.InPath || mode === Mode.InPathSlash) { this.lexInPath(mode); return; }
    // An unterminated /* comment: flex matches neither rule, falls to single-char '/'.
    this.skipSpaceAndComments();
    if (this.pos >= this.text.length) {
      this.push('eof', this.pos, this.pos);
      return;
    }
    this.lexDefault();
  }

  private push(type: TokenType, start: number, end: number, value?: unknown): Token {
    const tok: Token = { type, start, end, value };
    if (this.made === undefined) this.made = tok;
    else this.pending = tok;
    this.lastStart = start;
    if (type === 'eof' && this.eof === undefined) this.eof = tok;
    return tok;
  }

  /** A string literal's piece: Nix strings are C strings, so a NUL byte in one is an error. */
  private pushString(type: 'str' | 'indstr', start: number, end: number, value: string): Token {
    if (value.includes('\0')) {
      const shown = value.replace(/\0/g, NUL_SYMBOL);
      return this.push('error', start, end, `input string '${shown}' cannot be represented as Nix string because it contains null bytes`);
    }
    return this.push(type, start, end, value);
  }

  private pushMode(m: Mode): void {
    this.modes.push(m);
  }
  private popMode(): void {
    if (this.modes.length > 1) this.modes.pop();
  }

  /** Skips whitespace and comments; returns false at an unterminated block comment. */
  private skipSpaceAndComments(): boolean {
    const t = this.text;
    let p = this.pos;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c === 32 || c === 9 || c === 10 || c === 13) { p++; continue; }
      if (c === 35) { // '#' to end of line
        p++;
        while (p < t.length && t.charCodeAt(p) !== 10 && t.charCodeAt(p) !== 13) p++;
        continue;
      }
      if (c === 47 && t.charCodeAt(p + 1) === 42) { // '/*'
        const close = t.indexOf('*/', p + 2);
        if (close < 0) { this.pos = p; return false; }
        p = close + 2;
        continue;
      }
      break;
    }
    this.pos = p;
    return true;
  }

  private lexDefault(): void {
    const t = this.text;
    const start = this.pos;
    const c = t.charCodeAt(start);
    const cls = CLASSES[c];

    // The common tokens first, where no longer match is possible: an identifier or integer
    // not followed by a character that could make it a path or URI, and the punctuation that
    // no path or URI starts with.
    if ((cls & ID_START) !== 0) {
      let p = start + 1;
      while ((CLASSES[t.charCodeAt(p)] & ID_CHAR) !== 0) p++;
      const d = t.charCodeAt(p);
      if ((d !== 46 && d !== 43 && d !== 47 && d !== 58) || !this.mayBePathOrUri(start)) { // not '.', '+', '/', ':'
        this.pos = p;
        this.pushWord(start, p);
        return;
      }
    } else if ((cls & DIGIT) !== 0) {
      let p = start + 1;
      while ((CLASSES[t.charCodeAt(p)] & DIGIT) !== 0) p++;
      const d = t.charCodeAt(p);
      if ((CLASSES[d] & PATH_CHAR) === 0 && d !== 47 && p - start <= 15) {
        // Below 10^15, a safe integer: no BigInt needed (most literals).
        this.pos = p;
        this.push('int', start, p, Number(t.slice(start, p)));
        return;
      }
    } else if ((cls & PATH_CHAR) === 0 && c !== 47 && c !== 126) { // not a path char, '/' or '~'
      this.lexPunctuation(start, c);
      return;
    }
    this.lexLongest(start, c);
  }

  /**
   * Whether a path or URI (the longest match) could start at `start`, an identifier: its run
   * of path characters ends at a `/`, or its run of scheme characters at a `:` followed by a
   * URI character. If not, the identifier is the token (`self.callPackage`, `x:`, `a+b`).
   */
  private mayBePathOrUri(start: number): boolean {
    const t = this.text;
    if (t.charCodeAt(this.pathRuns.endOf(start)) === 47) return true;
    const q = this.schemeRuns.endOf(start + 1);
    return t.charCodeAt(q) === 58 && (CLASSES[t.charCodeAt(q + 1)] & URI_CHAR) !== 0;
  }

  /** An identifier or keyword from start to end. */
  private pushWord(start: number, end: number): void {
    const tok = this.word(start, end);
    if (this.made === undefined) this.made = tok;
    else this.pending = tok;
    this.lastStart = start;
  }

  /** The token of an identifier or keyword from start to end. */
  private word(start: number, end: number): Token {
    const word = this.text.slice(start, end);
    // Keywords are 2 to 7 lower-case letters.
    const kw = end - start <= 7 && end - start >= 2 ? KEYWORDS.get(word) : undefined;
    if (kw !== undefined) return { type: kw, start, end, value: undefined };
    // One string per name: the tree and the compiled code hold names by the thousand (the
    // same few, mostly), and a string looked up once keeps its hash for every Map after.
    let name = this.names.get(word);
    if (name === undefined) this.names.set(word, (name = word));
    return { type: 'id', start, end, value: name };
  }

  /** Operators and punctuation: tokens that no path, URI, identifier or number starts with. */
  private lexPunctuation(start: number, c: number): void {
    const t = this.text;
    const d = t.charCodeAt(start + 1);
    let two: TokenType | undefined;
    switch (c) {
      case 61: if (d === 61) two = '=='; break; // '='
      case 33: if (d === 61) two = '!='; break; // '!'
      case 60: // '<'
        if (d === 61) two = '<=';
        else if (d === 124) two = '<|';
        else {
          const sp = this.matchSearchPath(start);
          if (sp > 0) {
            this.pos = start + sp;
            this.push('spath', start, this.pos, t.slice(start, this.pos));
            return;
          }
        }
        break;
      case 62: if (d === 61) two = '>='; break; // '>'
      case 38: if (d === 38) two = '&&'; break; // '&'
      case 124: // '|'
        if (d === 124) two = '||';
        else if (d === 62) two = '|>';
        break;
      case 36: // '$'
        if (d === 123) {
          this.pos = start + 2;
          this.push('${', start, this.pos);
          this.pushMode(Mode.Default);
          return;
        }
        break;
      case 39: // "'"
        if (d === 39) {
          // ''(\ *\n)?
          let p = start + 2;
          while (t.charCodeAt(p) === 32) p++;
          if (t.charCodeAt(p) === 10) p++;
          else p = start + 2;
          this.pos = p;
          this.push('indOpen', start, p);
          this.pushMode(Mode.IndString);
          return;
        }
        break;
      case 123: // '{'
        this.pos = start + 1;
        this.push('{', start, this.pos);
        this.pushMode(Mode.Default);
        return;
      case 125: // '}'
        this.pos = start + 1;
        this.push('}', start, this.pos);
        this.popMode();
        return;
      case 34: // '"'
        this.pos = start + 1;
        this.push('"', start, this.pos);
        this.pushMode(Mode.String);
        return;
    }
    if (two !== undefined) {
      this.pos = start + 2;
      this.push(two, start, this.pos);
      return;
    }
    this.pos = start + 1;
    if (c === 0) {
      // A NUL byte between tokens: flex's catch-all rule returns the byte, and 0 is the end
      // of the input to bison, so the parse ends here (what follows is never read). At the
      // NUL's own location (an error points just past it, as at any end of file).
      this.push('eof', start, start + 1);
      return;
    }
    const ch = t[start];
    this.push(PUNCT.has(ch) ? (ch as TokenType) : 'invalid', start, this.pos);
  }

  /**
   * Longest match among ID, INT, FLOAT, PATH, HPATH, URI and the operators starting with a
   * path character, '/' or '~', with flex's rule order breaking ties (keywords and operators
   * first).
   */
  private lexLongest(start: number, c: number): void {
    const t = this.text;
    const pathLen = this.matchPath(start);
    const pathInterpolated = this.pathInterpolated;
    const uriLen = this.matchUri(start);

    if (isIdStart(c)) {
      let p = start + 1;
      while ((CLASSES[t.charCodeAt(p)] & ID_CHAR) !== 0) p++;
      const idLen = p - start;
      if (idLen >= pathLen && idLen >= uriLen) {
        this.pos = p;
        this.pushWord(start, p);
        return;
      }
    }

    if (isDigit(c) || (c === 46 && isDigit(t.charCodeAt(start + 1)))) {
      const numLen = this.lexNumberLength(start);
      if (numLen.len > 0 && numLen.len >= pathLen && numLen.len >= uriLen) {
        const end = start + numLen.len;
        const s = t.slice(start, end);
        this.pos = end;
        if (numLen.float) {
          const v = Number(s);
          // strtod's ERANGE (overflow, or underflow of a non-zero literal) is an error in C++ Nix.
          const underflow = v === 0 || Math.abs(v) < 2.2250738585072014e-308 ? /[1-9]/.test(s.split(/[eE]/)[0]) : false;
          if (!Number.isFinite(v) || underflow) this.push('error', start, end, `invalid float '${s}'`);
          else this.push('float', start, end, v);
        } else if (s.length <= 15) {
          this.push('int', start, end, Number(s));
        } else {
          const big = BigInt(s);
          if (big > INT64_MAX) this.push('error', start, end, `invalid integer '${s}'`);
          else this.push('int', start, end, big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big);
        }
        return;
      }
    }

    if (uriLen > 0 && uriLen >= pathLen) {
      this.pos = start + uriLen;
      this.push('uri', start, this.pos, t.slice(start, this.pos));
      return;
    }

    if (pathLen > 0) {
      const end = start + pathLen;
      const text = t.slice(start, end);
      this.pos = end;
      this.push(c === 126 ? 'hpath' : 'path', start, end, text);
      // PATH_SEG${ or ~/${: the path's first segment, then its interpolations.
      this.pushMode(pathInterpolated || t.charCodeAt(end - 1) === 47 ? Mode.InPathSlash : Mode.InPath);
      return;
    }

    // What is left starts with '.', '-', '+', '/' or '~' (operators) or is invalid.
    const d = t.charCodeAt(start + 1);
    let two: TokenType | undefined;
    if (c === 45 && d === 62) two = '->';
    else if (c === 47 && d === 47) two = '//';
    else if (c === 43 && d === 43) two = '++';
    if (two !== undefined) {
      this.pos = start + 2;
      this.push(two, start, this.pos);
      return;
    }
    if (c === 46 && d === 46 && t.charCodeAt(start + 2) === 46) {
      this.pos = start + 3;
      this.push('...', start, this.pos);
      return;
    }
    const ch = t[start];
    this.pos = start + 1;
    this.push(PUNCT.has(ch) ? (ch as TokenType) : 'invalid', start, this.pos);
  }

  /** INT = [0-9]+, FLOAT = (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)? */
  private lexNumberLength(start: number): { len: number; float: boolean } {
    const t = this.text;
    let p = start;
    while (isDigit(t.charCodeAt(p))) p++;
    const intLen = p - start;
    let floatLen = 0;
    // Float forms: [1-9][0-9]*\.[0-9]*  |  0?\.[0-9]+
    const c0 = t.charCodeAt(start);
    if (c0 >= 49 && c0 <= 57 && t.charCodeAt(p) === 46) {
      let q = p + 1;
      while (isDigit(t.charCodeAt(q))) q++;
      floatLen = this.exponent(q) - start;
    } else {
      let q = start;
      if (c0 === 48) q++;
      if (t.charCodeAt(q) === 46 && isDigit(t.charCodeAt(q + 1)) && (q === start || q === start + 1)) {
        q++;
        while (isDigit(t.charCodeAt(q))) q++;
        floatLen = this.exponent(q) - start;
      }
    }
    if (floatLen > intLen) return { len: floatLen, float: true };
    return { len: intLen, float: false };
  }

  private exponent(p: number): number {
    const t = this.text;
    const c = t.charCodeAt(p);
    if (c !== 69 && c !== 101) return p;
    let q = p + 1;
    if (t.charCodeAt(q) === 43 || t.charCodeAt(q) === 45) q++;
    if (!isDigit(t.charCodeAt(q))) return p;
    while (isDigit(t.charCodeAt(q))) q++;
    return q;
  }

  /**
   * PATH = {PATH_CHAR}*(/{PATH_CHAR}+)+/?, HPATH = ~(/{PATH_CHAR}+)+/?, and the
   * interpolation starts PATH_SEG\$\{ = {PATH_CHAR}*\/\$\{ and HPATH_START\$\{ = ~\/\$\{.
   * Returns the length of the path token (without the `${`), and sets `pathInterpolated`.
   */
  private matchPath(start: number): number {
    this.pathInterpolated = false;
    const t = this.text;
    let p = start;
    if (t.charCodeAt(p) === 126) { // '~'
      p++;
      if (t.charCodeAt(p) !== 47) return 0;
      if (t.startsWith('${', p + 1)) {
        this.pathInterpolated = true;
        return p + 1 - start;
      }
    } else {
      p = this.pathRuns.endOf(p);
      if (t.charCodeAt(p) !== 47) return 0;
    }
    // p is at a '/'; now (/{PATH_CHAR}+)+/?
    let segs = 0;
    let end = p;
    while (t.charCodeAt(end) === 47) {
      let q = end + 1;
      while ((CLASSES[t.charCodeAt(q)] & PATH_CHAR) !== 0) q++;
      if (q === end + 1) break;
      segs++;
      end = q;
    }
    let len = 0;
    if (segs > 0) {
      len = end - start;
      if (t.charCodeAt(end) === 47) len++;
    }
    // PATH_SEG${: any prefix ending in '/' directly followed by '${' (longer match wins).
    // The PATH_SEG alternative is {PATH_CHAR}*/ which cannot include inner slashes,
    // but the full PATH with a trailing slash followed by ${ is handled by InPathSlash.
    if (t.charCodeAt(start) !== 126) {
      const q = this.pathRuns.endOf(start);
      if (t.charCodeAt(q) === 47 && t.startsWith('${', q + 1)) {
        const segLen = q + 1 - start;
        // flex: PATH_SEG\$\{ matches segLen+2 chars, longer than PATH only if PATH <= segLen+1
        if (segLen + 2 > len) {
          this.pathInterpolated = true;
          return segLen;
        }
      }
    }
    return len;
  }

  /** URI = [a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+ */
  private matchUri(start: number): number {
    const t = this.text;
    const c = t.charCodeAt(start);
    if ((CLASSES[c] & LETTER) === 0) return 0;
    let p = this.schemeRuns.endOf(start + 1);
    if (t.charCodeAt(p) !== 58) return 0;
    p++;
    const bodyStart = p;
    while ((CLASSES[t.charCodeAt(p)] & URI_CHAR) !== 0) p++;
    return p > bodyStart ? p - start : 0;
  }

  /** SPATH = <{PATH_CHAR}+(/{PATH_CHAR}+)*> */
  private matchSearchPath(start: number): number {
    const t = this.text;
    let p = start + 1;
    const segStart = p;
    while (isPathChar(t.charCodeAt(p))) p++;
    if (p === segStart) return 0;
    while (t.charCodeAt(p) === 47) {
      const q0 = p + 1;
      let q = q0;
      while (isPathChar(t.charCodeAt(q))) q++;
      if (q === q0) return 0;
      p = q;
    }
    if (t.charCodeAt(p) !== 62) return 0;
    return p + 1 - start;
  }

  private lexString(): void {
    const t = this.text;
    const start = this.pos;
    if (start >= t.length) {
      this.push('eof', start, start);
      this.modes.length = 1;
      return;
    }
    const c = t.charCodeAt(start);
    if (c === 34) { // closing '"'
      this.pos++;
      this.push('"', start, this.pos);
      this.popMode();
      return;
    }
    if (c === 36 && t.charCodeAt(start + 1) === 123) { // '${'
      this.pos += 2;
      this.push('${', start, this.pos);
      this.pushMode(Mode.Default);
      return;
    }
    // ([^$"\\]|\$[^{"\\]|\\{ANY}|\$\\{ANY})*  then  \$/\"  — collect literal content,
    // copying runs of plain bytes as slices (a 50 MB literal must not be built byte by byte).
    let p = start;
    let out = '';
    let run = p;
    while (p < t.length) {
      const d = t.charCodeAt(p);
      if (d !== 34 && d !== 92 && d !== 36 && d !== 13) { p++; continue; }
      out += t.slice(run, p);
      if (d === 34) { run = p; break; }
      if (d === 92) { // backslash escape
        if (p + 1 >= t.length) { run = p; break; }
        out += unescapeChar(t, p + 1);
        p += 2;
        run = p;
        continue;
      }
      if (d === 36) { // '$'
        const e = t.charCodeAt(p + 1);
        if (e === 123) { run = p; break; } // '${'
        if (e === 34) { out += '$'; p++; run = p; break; } // '$' right before the closing quote
        if (e === 92) { // '$\X'
          if (p + 2 >= t.length) { run = p; break; }
          out += '$' + unescapeChar(t, p + 2);
          p += 3;
          run = p;
          continue;
        }
        if (p + 1 >= t.length) { run = p; break; }
        out += '$' + normaliseNewline(t, p + 1);
        p += t.charCodeAt(p + 1) === 13 && t.charCodeAt(p + 2) === 10 ? 3 : 2;
        run = p;
        continue;
      }
      // CR and CRLF become LF
      out += '\n';
      p += t.charCodeAt(p + 1) === 10 ? 2 : 1;
      run = p;
    }
    if (run < p) out += t.slice(run, p);
    if (p > start) {
      this.pos = p;
      this.pushString('str', start, p, out);
      return;
    }
    // Only '$', '\' or '$\' remain before the end of input: flex returns end of file with
    // the location of those characters, so the parser reports the position after them.
    this.pos = t.length;
    this.push('eof', start, t.length);
    this.modes.length = 1;
  }

  private lexIndString(): void {
    const t = this.text;
    const start = this.pos;
    if (start >= t.length) {
      this.push('eof', start, start);
      this.modes.length = 1;
      return;
    }
    const c = t.charCodeAt(start);
    const c1 = t.charCodeAt(start + 1);
    if (c === 39 && c1 === 39) { // "''"
      const c2 = t.charCodeAt(start + 2);
      if (c2 === 36) { this.pos = start + 3; this.pushInd(start, '$', false); return; } // ''$
      if (c2 === 39) { this.pos = start + 3; this.pushInd(start, "''", false); return; } // '''
      if (c2 === 92 && start + 3 < t.length) { // ''\X
        const len = t.charCodeAt(start + 3) === 13 && t.charCodeAt(start + 4) === 10 ? 5 : 4;
        this.pos = start + len;
        this.pushInd(start, unescapeChar(t, start + 3), false);
        return;
      }
      this.pos = start + 2;
      this.push('indClose', start, this.pos);
      this.popMode();
      return;
    }
    if (c === 36 && c1 === 123) { // '${'
      this.pos = start + 2;
      this.push('${', start, this.pos);
      this.pushMode(Mode.Default);
      return;
    }
    // ([^$']|\$[^{']|'[^'$])+
    let p = start;
    while (p < t.length) {
      const d = t.charCodeAt(p);
      const e = t.charCodeAt(p + 1);
      if (d === 36) {
        if (p + 1 >= t.length || e === 123 || e === 39) break;
        p += 2;
        continue;
      }
      if (d === 39) {
        if (p + 1 >= t.length || e === 39 || e === 36) break;
        p += 2;
        continue;
      }
      p++;
    }
    if (p > start) {
      this.pos = p;
      // C++ Nix keeps CR bytes in indented strings as they are (NixOS/nix#2331).
      this.pushInd(start, t.slice(start, p), true);
      return;
    }
    // A lone '$' or "'" (before '' / ' or at the end).
    this.pos = start + 1;
    this.pushInd(start, t[start], true);
  }

  private pushInd(start: number, value: string, hasIndentation: boolean): void {
    const tok = this.pushString('indstr', start, this.pos, value);
    if (tok.type === 'indstr') tok.hasIndentation = hasIndentation;
  }

  private lexInPath(mode: Mode): void {
    const t = this.text;
    const start = this.pos;
    if (t.startsWith('${', start)) {
      this.popMode();
      this.pushMode(Mode.InPath);
      this.pos += 2;
      this.push('${', start, this.pos);
      this.pushMode(Mode.Default);
      return;
    }
    // {PATH}|{PATH_SEG}|{PATH_CHAR}+ continues the path as literal text.
    let p = start;
    while (p < t.length && (isPathChar(t.charCodeAt(p)) || t.charCodeAt(p) === 47)) {
      if (t.charCodeAt(p) === 47 && t.charCodeAt(p + 1) === 47) { p++; break; }
      p++;
    }
    if (p > start) {
      this.popMode();
      this.pushMode(t.charCodeAt(p - 1) === 47 ? Mode.InPathSlash : Mode.InPath);
      this.pos = p;
      this.beforePathPiece = this.lastStart;
      this.pathPieceStart = start;
      this.pushString('str', start, p, t.slice(start, p));
      return;
    }
    this.popMode();
    if (mode === Mode.InPathSlash) {
      // At the end of the input flex's location is still the path's own.
      const at = start >= t.length ? this.lastStart : start;
      this.push('error', at, at, 'path has a trailing slash');
      this.pos = t.length;
      this.push('eof', t.length, t.length);
      this.modes.length = 1;
      return;
    }
    // flex's PATH_END puts the character back and restores the location it had before
    // (yyless, unstash): the location of the token before, the last piece of the path. At the
    // end of the input no rule's action ran, so what it restores is the location before that
    // piece's: where the token before the piece starts (`./a//b` reports the path `./a/`).
    // Only `path_start STR PATH_END` makes the position show, in a syntax error.
    const last = this.lastStart;
    const at = start < t.length ? last : last === this.pathPieceStart ? this.beforePathPiece : last;
    this.push('pathEnd', at, at);
    if (start >= t.length) {
      // And the end of file read next keeps that restored location, which ends where the
      // path's last token starts: an unexpected end of file after a path (`[ ./a`) is
      // reported there, not at the end of the input.
      this.push('eof', last, last);
      this.modes.length = 1;
    }
  }
}

function normaliseNewline(t: string, p: number): string {
  return t.charCodeAt(p) === 13 ? '\n' : t[p];
}

/** The character an escape `\X` stands for (X at offset p). */
function unescapeChar(t: string, p: number): string {
  const c = t[p];
  if (c === 'n') return '\n';
  if (c === 'r') return '\r';
  if (c === 't') return '\t';
  return c;
}
