// The Nix lexer. It mirrors the states of C++ Nix's flex scanner (default, string,
// indented string, path) so that the token stream, and with it every syntax error, is the
// same. The whole input is tokenised up front; a lexical error becomes an `error` token that
// the parser raises only when it reaches it, as flex would only fail when asked for it.

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

const INT64_MAX = 9223372036854775807n;

function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57) || c === 39 || c === 45;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
/** [a-zA-Z0-9._\-+] */
function isPathChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 46 || c === 95 || c === 45 || c === 43;
}
/** URI characters after the scheme's colon: [a-zA-Z0-9%/?:@&=+$,\-_.!~*'] */
function isUriChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || "%/?:@&=+$,-_.!~*'".includes(String.fromCharCode(c));
}

export function tokenize(text: string): Token[] {
  return new Lexer(text).run();
}

/**
 * The end of the run of characters satisfying `test` that contains `from`, remembered: every
 * token starting inside a run looks for its end (a path or URI is the longest match), and
 * `a.b.c...`, `1+1+...` or `---...` are one long run of path characters, so without it each
 * token would scan to the end of the run again and lexing would take quadratic time.
 */
class RunEnds {
  private from = -1;
  private end = -1;
  constructor(private readonly text: string, private readonly test: (c: number) => boolean) {}

  endOf(p: number): number {
    if (p >= this.from && p <= this.end) return this.end;
    let q = p;
    const t = this.text;
    while (q < t.length && this.test(t.charCodeAt(q))) q++;
    this.from = p;
    this.end = q;
    return q;
  }
}

/** [a-zA-Z0-9+\-.]: the characters of a URI's scheme after its first. */
function isSchemeChar(d: number): boolean {
  return (d >= 97 && d <= 122) || (d >= 65 && d <= 90) || isDigit(d) || d === 43 || d === 45 || d === 46;
}

class Lexer {
  private pos = 0;
  private readonly pathRuns: RunEnds;
  private readonly schemeRuns: RunEnds;
  private readonly tokens: Token[] = [];
  private readonly modes: Mode[] = [Mode.Default];
  /** Depth of Default states pushed by `{` / `${`; a `}` at depth 0 never pops (flex's INITIAL). */
  constructor(private readonly text: string) {
    this.pathRuns = new RunEnds(text, isPathChar);
    this.schemeRuns = new RunEnds(text, isSchemeChar);
  }

  run(): Token[] {
    const t = this.text;
    while (true) {
      // A large file takes a while: the evaluation's deadline applies to lexing it too.
      tick();
      const mode = this.modes[this.modes.length - 1];
      if (mode === Mode.String) { this.lexString(); continue; }
      if (mode === Mode.IndString) { this.lexIndString(); continue; }
      if (mode === Mode.InPath || mode === Mode.InPathSlash) { this.lexInPath(mode); continue; }
      if (!this.skipSpaceAndComments()) {
        // An unterminated /* comment: flex matches neither rule, falls to single-char '/'.
      }
      if (this.pos >= t.length) {
        this.push('eof', this.pos, this.pos);
        return this.tokens;
      }
      this.lexDefault();
      const last = this.tokens[this.tokens.length - 1];
      if (last.type === 'eof') return this.tokens;
    }
  }

  private push(type: TokenType, start: number, end: number, value?: unknown): Token {
    if ((type === 'str' || type === 'indstr') && typeof value === 'string' && value.includes('\0')) {
      // Nix strings are C strings: a NUL byte cannot be in one.
      const shown = value.replace(/\0/g, NUL_SYMBOL);
      value = `input string '${shown}' cannot be represented as Nix string because it contains null bytes`;
      type = 'error';
    }
    const tok: Token = { type, start, end, value };
    this.tokens.push(tok);
    return tok;
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
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) { this.pos++; continue; }
      if (c === 35) { // '#' to end of line
        let p = this.pos + 1;
        while (p < t.length && t.charCodeAt(p) !== 10 && t.charCodeAt(p) !== 13) p++;
        this.pos = p;
        continue;
      }
      if (c === 47 && t.charCodeAt(this.pos + 1) === 42) { // '/*'
        const close = t.indexOf('*/', this.pos + 2);
        if (close < 0) return false;
        this.pos = close + 2;
        continue;
      }
      break;
    }
    return true;
  }

  private lexDefault(): void {
    const t = this.text;
    const start = this.pos;
    const c = t.charCodeAt(start);

    // Longest match among ID, INT, FLOAT, PATH, HPATH, SPATH, URI and the operators, with
    // flex's rule order breaking ties (keywords and operators first).
    const pathLen = this.matchPath(start);
    const uriLen = this.matchUri(start);

    if (isIdStart(c)) {
      let p = start + 1;
      while (p < t.length && isIdChar(t.charCodeAt(p))) p++;
      const idLen = p - start;
      if (idLen >= pathLen.len && idLen >= uriLen) {
        const word = t.slice(start, p);
        const kw = KEYWORDS.get(word);
        this.pos = p;
        this.push(kw ?? 'id', start, p, kw ? undefined : word);
        return;
      }
    }

    if (isDigit(c) || (c === 46 && isDigit(t.charCodeAt(start + 1)))) {
      const numLen = this.lexNumberLength(start);
      if (numLen.len > 0 && numLen.len >= pathLen.len && numLen.len >= uriLen) {
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
          // Below 10^15, a safe integer: no BigInt needed (most literals).
          this.push('int', start, end, Number(s));
        } else {
          const big = BigInt(s);
          if (big > INT64_MAX) this.push('error', start, end, `invalid integer '${s}'`);
          else this.push('int', start, end, big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big);
        }
        return;
      }
    }

    if (uriLen > 0 && uriLen >= pathLen.len) {
      this.pos = start + uriLen;
      this.push('uri', start, this.pos, t.slice(start, this.pos));
      return;
    }

    if (pathLen.len > 0) {
      const end = start + pathLen.len;
      const text = t.slice(start, end);
      this.pos = end;
      if (pathLen.interpolated) {
        // PATH_SEG${ or ~/${: the path's first segment, then its interpolations.
        this.push(text.startsWith('~') ? 'hpath' : 'path', start, end, text);
        this.pushMode(Mode.InPathSlash);
      } else {
        this.push(text.startsWith('~') ? 'hpath' : 'path', start, end, text);
        this.pushMode(text.endsWith('/') ? Mode.InPathSlash : Mode.InPath);
      }
      return;
    }

    if (c === 60) { // '<': SPATH
      const sp = this.matchSearchPath(start);
      if (sp > 0) {
        this.pos = start + sp;
        this.push('spath', start, this.pos, t.slice(start, this.pos));
        return;
      }
    }

    const two = t.slice(start, start + 2);
    switch (two) {
      case '==': case '!=': case '<=': case '>=': case '&&': case '||': case '->': case '//': case '++':
      case '<|': case '|>':
        this.pos = start + 2;
        this.push(two as TokenType, start, this.pos);
        return;
      case '${':
        this.pos = start + 2;
        this.push('${', start, this.pos);
        this.pushMode(Mode.Default);
        return;
      case "''": {
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
    }
    if (t.startsWith('...', start)) {
      this.pos = start + 3;
      this.push('...', start, this.pos);
      return;
    }
    if (c === 123) { // '{'
      this.pos++;
      this.push('{', start, this.pos);
      this.pushMode(Mode.Default);
      return;
    }
    if (c === 125) { // '}'
      this.pos++;
      this.push('}', start, this.pos);
      this.popMode();
      return;
    }
    if (c === 34) { // '"'
      this.pos++;
      this.push('"', start, this.pos);
      this.pushMode(Mode.String);
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
   * Returns the length of the path token (without the `${`).
   */
  private matchPath(start: number): { len: number; interpolated: boolean } {
    const t = this.text;
    let p = start;
    if (t.charCodeAt(p) === 126) { // '~'
      p++;
      if (t.charCodeAt(p) !== 47) return { len: 0, interpolated: false };
      if (t.startsWith('${', p + 1)) return { len: p + 1 - start, interpolated: true };
    } else {
      p = this.pathRuns.endOf(p);
      if (t.charCodeAt(p) !== 47) return { len: 0, interpolated: false };
    }
    // p is at a '/'; now (/{PATH_CHAR}+)+/?
    let segs = 0;
    let end = p;
    while (t.charCodeAt(end) === 47) {
      let q = end + 1;
      while (isPathChar(t.charCodeAt(q))) q++;
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
        if (segLen + 2 > len) return { len: segLen, interpolated: true };
      }
    }
    return { len, interpolated: false };
  }

  /** URI = [a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+ */
  private matchUri(start: number): number {
    const t = this.text;
    const c = t.charCodeAt(start);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90))) return 0;
    let p = this.schemeRuns.endOf(start + 1);
    if (t.charCodeAt(p) !== 58) return 0;
    p++;
    const bodyStart = p;
    while (p < t.length && isUriChar(t.charCodeAt(p))) p++;
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
      this.push('str', start, p, out);
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
    const tok = this.push('indstr', start, this.pos, value);
    tok.hasIndentation = hasIndentation;
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
      this.push('str', start, p, t.slice(start, p));
      return;
    }
    this.popMode();
    if (mode === Mode.InPathSlash) {
      // At the end of the input flex's location is still the path's own.
      const at = start >= t.length ? this.tokens[this.tokens.length - 1].start : start;
      this.push('error', at, at, 'path has a trailing slash');
      this.pos = t.length;
      this.push('eof', t.length, t.length);
      this.modes.length = 1;
      return;
    }
    this.push('pathEnd', start, start);
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
