// Data formats: toJSON / fromJSON, fromTOML and toXML, with C++ Nix's results and error
// messages. fromJSON follows nlohmann::json (the parser C++ Nix uses) token by token, so its
// syntax errors read the same; fromTOML parses with smol-toml and maps the result as C++
// Nix maps toml11's. Strings are byte strings throughout: JSON and TOML text is UTF-8.

import { parse as parseToml, TomlError } from 'smol-toml';
import { NixError } from '../errors/errors.js';
import { utf8ToBytes } from '../syntax/source.js';
import { jsonCallDepth, toJSON, utf8Lead } from '../value/json.js';
import { printValueAsXML } from '../value/xml.js';
import { contextNotAllowed } from '../value/coerce.js';
import {
  type BuiltinContext, type BuiltinSpec, makeString, NixAttrs, NixFloat, NixString, type Request, type Value,
} from '../value/values.js';
import { symbolTable } from '../value/symbols.js';
import { unorderedMapOrder } from './unordered-map-order.js';
import { NEGATIVE_NAN } from '../value/float.js';
import { markedToml, NEGATIVE_NAN_MARK, unmarkKey } from './toml-marks.js';
import { normaliseInt, type NixInt } from '../value/int.js';
import { defineBuiltin, typeError } from './util.js';
import { OBJECT_BYTES, reserve, reserveString, SLOT_BYTES, tick } from '../limits/limits.js';

type Gen<T> = Generator<Request, T, Value>;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NUL_SYMBOL = utf8ToBytes('\u2400'); // ␀

/**
 * A string argument that must not carry a context (C++ Nix's forceStringNoCtx): either error
 * gets the line `frame`, without a position (primops are called without one).
 */
function stringNoContext(v: Value, frame: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof NixString) {
    if (v.context.size > 0) throw contextNotAllowed(v.s, v.context).addTrace(frame);
    return v.s;
  }
  throw typeError('a string', v).addTrace(frame);
}

/** Nix strings cannot hold NUL bytes; JSON and TOML strings can. */
function nullByteMessage(s: string): string | undefined {
  if (!s.includes('\0')) return undefined;
  return `input string '${s.replaceAll('\0', NUL_SYMBOL)}' cannot be represented as Nix string because it contains null bytes`;
}

function forceNoNullByte(s: string): void {
  const m = nullByteMessage(s);
  if (m !== undefined) throw new NixError('eval', m);
}

// ---------------------------------------------------------------------------------------
// fromJSON: nlohmann::json's lexer and SAX parser, building Nix values.

const enum Tok {
  Uninitialized, LiteralTrue, LiteralFalse, LiteralNull, ValueString, ValueUnsigned, ValueInteger, ValueFloat,
  BeginArray, BeginObject, EndArray, EndObject, NameSeparator, ValueSeparator, ParseError, EndOfInput, LiteralOrValue,
}

function tokenName(t: Tok): string {
  switch (t) {
    case Tok.Uninitialized: return '<uninitialized>';
    case Tok.LiteralTrue: return 'true literal';
    case Tok.LiteralFalse: return 'false literal';
    case Tok.LiteralNull: return 'null literal';
    case Tok.ValueString: return 'string literal';
    case Tok.ValueUnsigned: case Tok.ValueInteger: case Tok.ValueFloat: return 'number literal';
    case Tok.BeginArray: return "'['";
    case Tok.BeginObject: return "'{'";
    case Tok.EndArray: return "']'";
    case Tok.EndObject: return "'}'";
    case Tok.NameSeparator: return "':'";
    case Tok.ValueSeparator: return "','";
    case Tok.ParseError: return '<parse error>';
    case Tok.EndOfInput: return 'end of input';
    case Tok.LiteralOrValue: return "'[', '{', or a literal";
  }
}

const CONTROL_NAMES = [
  'NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'BEL', 'BS', 'HT', 'LF', 'VT', 'FF', 'CR', 'SO', 'SI',
  'DLE', 'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US',
];
const CONTROL_ALTERNATIVE: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

function controlCharMessage(c: number): string {
  const hex = c.toString(16).toUpperCase().padStart(4, '0');
  const alt = CONTROL_ALTERNATIVE[c];
  return `invalid string: control character U+${hex} (${CONTROL_NAMES[c]}) must be escaped to \\u${hex}${alt ? ` or ${alt}` : ''}`;
}

const EOF = -1;

/**
 * The length of the well-formed UTF-8 sequence at s[i] (a byte >= 0x80), by the ranges
 * nlohmann's scan_string checks, or 0 when it is not one.
 */
function utf8SequenceAt(s: string, i: number): number {
  const lead = utf8Lead(s.charCodeAt(i));
  if (lead === undefined || i + lead.need >= s.length) return 0;
  const first = s.charCodeAt(i + 1);
  if (first < lead.lo || first > lead.hi) return 0;
  for (let k = 2; k <= lead.need; k++) {
    const d = s.charCodeAt(i + k);
    if (d < 0x80 || d > 0xbf) return 0;
  }
  return lead.need + 1;
}

class JsonLexer {
  private pos = 0;
  private current = EOF;
  private nextUnget = false;
  // nlohmann's position_t
  charsReadTotal = 0;
  private charsReadCurrentLine = 0;
  private linesRead = 0;
  /**
   * Where the raw bytes read since the last string or number began start (for "last read"):
   * they are the input from there to what was read last (nlohmann's token_string, held as
   * an offset so that a long string does not cost an array element per byte).
   */
  private tokenStart = 0;
  /** The bytes of the current string or number. */
  buffer = '';
  errorMessage = '';
  valueUnsigned = 0n;
  valueInteger = 0n;
  valueFloat = 0;

  constructor(private readonly s: string) {}

  private get(): number {
    this.charsReadTotal++;
    this.charsReadCurrentLine++;
    if (this.nextUnget) this.nextUnget = false;
    else this.current = this.pos < this.s.length ? this.s.charCodeAt(this.pos++) : EOF;
    if (this.current === 10) {
      this.linesRead++;
      this.charsReadCurrentLine = 0;
    }
    return this.current;
  }

  private unget(): void {
    this.nextUnget = true;
    this.charsReadTotal--;
    if (this.charsReadCurrentLine === 0) {
      if (this.linesRead > 0) this.linesRead--;
    } else {
      this.charsReadCurrentLine--;
    }
  }

  private reset(): void {
    this.buffer = '';
    // The byte read last (the string's quote, a number's first byte) begins the token.
    this.tokenStart = this.pos - 1;
  }

  private add(c: number): void {
    // A string built a byte at a time is a chain of V8 cons strings, about 32 bytes a byte.
    tick();
    reserve(32);
    this.buffer += String.fromCharCode(c);
  }

  /**
   * In a string, after its quote or any byte of it: the bytes that need no look of their own
   * (printable ASCII other than the quote and the backslash, and well-formed UTF-8
   * sequences), added at once. Counts them as `get` would have read them; anything else is
   * left to the byte-by-byte scan, which reports it.
   */
  private addPlainRun(): void {
    if (this.nextUnget) return;
    const s = this.s;
    const start = this.pos;
    let end = start;
    for (;;) {
      const c = end < s.length ? s.charCodeAt(end) : EOF;
      if (c >= 0x80) {
        const n = utf8SequenceAt(s, end);
        if (n === 0) break;
        end += n;
        continue;
      }
      if (c < 0x20 || c === 0x22 || c === 0x5c) break;
      end++;
    }
    const n = end - start;
    if (n === 0) return;
    tick(n >> 10);
    reserveString(this.buffer.length + n, n);
    this.buffer += s.slice(start, end);
    this.pos = end;
    this.current = s.charCodeAt(end - 1);
    this.charsReadTotal += n;
    this.charsReadCurrentLine += n;
  }

  position(): string {
    return `line ${this.linesRead + 1}, column ${this.charsReadCurrentLine}`;
  }

  tokenText(): string {
    // Up to the byte read last; one given back (unget) is not in it, nor is the end of input.
    const end = this.nextUnget && this.current !== EOF ? this.pos - 1 : this.pos;
    let out = '';
    for (let i = Math.max(this.tokenStart, 0); i < end; i++) {
      const c = this.s.charCodeAt(i);
      out += c <= 0x1f ? `<U+${c.toString(16).toUpperCase().padStart(4, '0')}>` : String.fromCharCode(c);
    }
    return out;
  }

  private getCodepoint(): number {
    let cp = 0;
    for (const factor of [12, 8, 4, 0]) {
      const c = this.get();
      if (c >= 0x30 && c <= 0x39) cp += (c - 0x30) << factor;
      else if (c >= 0x41 && c <= 0x46) cp += (c - 0x37) << factor;
      else if (c >= 0x61 && c <= 0x66) cp += (c - 0x57) << factor;
      else return -1;
    }
    return cp;
  }

  /** Adds the current byte and checks that the next ones are in the given ranges. */
  private nextByteInRange(ranges: number[]): boolean {
    this.add(this.current);
    for (let i = 0; i < ranges.length; i += 2) {
      const c = this.get();
      if (c >= ranges[i] && c <= ranges[i + 1]) {
        this.add(c);
      } else {
        this.errorMessage = 'invalid string: ill-formed UTF-8 byte';
        return false;
      }
    }
    return true;
  }

  private scanString(): Tok {
    this.reset();
    for (;;) {
      this.addPlainRun();
      const c = this.get();
      if (c === EOF) {
        this.errorMessage = 'invalid string: missing closing quote';
        return Tok.ParseError;
      }
      if (c === 0x22) return Tok.ValueString;
      if (c === 0x5c) {
        const e = this.get();
        switch (e) {
          case 0x22: this.add(0x22); break;
          case 0x5c: this.add(0x5c); break;
          case 0x2f: this.add(0x2f); break;
          case 0x62: this.add(0x08); break;
          case 0x66: this.add(0x0c); break;
          case 0x6e: this.add(0x0a); break;
          case 0x72: this.add(0x0d); break;
          case 0x74: this.add(0x09); break;
          case 0x75: {
            const cp1 = this.getCodepoint();
            let cp = cp1;
            if (cp1 === -1) {
              this.errorMessage = "invalid string: '\\u' must be followed by 4 hex digits";
              return Tok.ParseError;
            }
            if (cp1 >= 0xd800 && cp1 <= 0xdbff) {
              if (this.get() === 0x5c && this.get() === 0x75) {
                const cp2 = this.getCodepoint();
                if (cp2 === -1) {
                  this.errorMessage = "invalid string: '\\u' must be followed by 4 hex digits";
                  return Tok.ParseError;
                }
                if (cp2 >= 0xdc00 && cp2 <= 0xdfff) {
                  cp = (cp1 << 10) + cp2 - 0x35fdc00;
                } else {
                  this.errorMessage = 'invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF';
                  return Tok.ParseError;
                }
              } else {
                this.errorMessage = 'invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF';
                return Tok.ParseError;
              }
            } else if (cp1 >= 0xdc00 && cp1 <= 0xdfff) {
              this.errorMessage = 'invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF';
              return Tok.ParseError;
            }
            if (cp < 0x80) {
              this.add(cp);
            } else if (cp <= 0x7ff) {
              this.add(0xc0 | (cp >> 6));
              this.add(0x80 | (cp & 0x3f));
            } else if (cp <= 0xffff) {
              this.add(0xe0 | (cp >> 12));
              this.add(0x80 | ((cp >> 6) & 0x3f));
              this.add(0x80 | (cp & 0x3f));
            } else {
              this.add(0xf0 | (cp >> 18));
              this.add(0x80 | ((cp >> 12) & 0x3f));
              this.add(0x80 | ((cp >> 6) & 0x3f));
              this.add(0x80 | (cp & 0x3f));
            }
            break;
          }
          default:
            this.errorMessage = 'invalid string: forbidden character after backslash';
            return Tok.ParseError;
        }
        continue;
      }
      if (c <= 0x1f) {
        this.errorMessage = controlCharMessage(c);
        return Tok.ParseError;
      }
      if (c <= 0x7f) { this.add(c); continue; }
      let ok: boolean;
      if (c >= 0xc2 && c <= 0xdf) ok = this.nextByteInRange([0x80, 0xbf]);
      else if (c === 0xe0) ok = this.nextByteInRange([0xa0, 0xbf, 0x80, 0xbf]);
      else if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) ok = this.nextByteInRange([0x80, 0xbf, 0x80, 0xbf]);
      else if (c === 0xed) ok = this.nextByteInRange([0x80, 0x9f, 0x80, 0xbf]);
      else if (c === 0xf0) ok = this.nextByteInRange([0x90, 0xbf, 0x80, 0xbf, 0x80, 0xbf]);
      else if (c >= 0xf1 && c <= 0xf3) ok = this.nextByteInRange([0x80, 0xbf, 0x80, 0xbf, 0x80, 0xbf]);
      else if (c === 0xf4) ok = this.nextByteInRange([0x80, 0x8f, 0x80, 0xbf, 0x80, 0xbf]);
      else {
        this.errorMessage = 'invalid string: ill-formed UTF-8 byte';
        ok = false;
      }
      if (!ok) return Tok.ParseError;
    }
  }

  private scanNumber(): Tok {
    this.reset();
    const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
    let type = Tok.ValueUnsigned;
    let c = this.current;
    // init
    this.add(c);
    let state: 'minus' | 'zero' | 'any1' | 'decimal1' | 'decimal2' | 'exponent' | 'sign' | 'any2' | 'done' =
      c === 0x2d ? 'minus' : c === 0x30 ? 'zero' : 'any1';
    while (state !== 'done') {
      switch (state) {
        case 'minus':
          type = Tok.ValueInteger;
          c = this.get();
          if (c === 0x30) { this.add(c); state = 'zero'; } else if (c >= 0x31 && c <= 0x39) { this.add(c); state = 'any1'; } else {
            this.errorMessage = "invalid number; expected digit after '-'";
            return Tok.ParseError;
          }
          break;
        case 'zero':
          c = this.get();
          if (c === 0x2e) { this.add(c); state = 'decimal1'; } else if (c === 0x65 || c === 0x45) { this.add(c); state = 'exponent'; } else state = 'done';
          break;
        case 'any1':
          c = this.get();
          if (isDigit(c)) this.add(c);
          else if (c === 0x2e) { this.add(c); state = 'decimal1'; } else if (c === 0x65 || c === 0x45) { this.add(c); state = 'exponent'; } else state = 'done';
          break;
        case 'decimal1':
          type = Tok.ValueFloat;
          c = this.get();
          if (isDigit(c)) { this.add(c); state = 'decimal2'; } else {
            this.errorMessage = "invalid number; expected digit after '.'";
            return Tok.ParseError;
          }
          break;
        case 'decimal2':
          c = this.get();
          if (isDigit(c)) this.add(c);
          else if (c === 0x65 || c === 0x45) { this.add(c); state = 'exponent'; } else state = 'done';
          break;
        case 'exponent':
          type = Tok.ValueFloat;
          c = this.get();
          if (c === 0x2b || c === 0x2d) { this.add(c); state = 'sign'; } else if (isDigit(c)) { this.add(c); state = 'any2'; } else {
            this.errorMessage = "invalid number; expected '+', '-', or digit after exponent";
            return Tok.ParseError;
          }
          break;
        case 'sign':
          c = this.get();
          if (isDigit(c)) { this.add(c); state = 'any2'; } else {
            this.errorMessage = 'invalid number; expected digit after exponent sign';
            return Tok.ParseError;
          }
          break;
        case 'any2':
          c = this.get();
          if (isDigit(c)) this.add(c);
          else state = 'done';
          break;
      }
    }
    this.unget();
    if (type === Tok.ValueUnsigned) {
      const x = BigInt(this.buffer);
      if (x <= 0xffffffffffffffffn) { this.valueUnsigned = x; return Tok.ValueUnsigned; }
    } else if (type === Tok.ValueInteger) {
      const x = BigInt(this.buffer);
      if (x >= INT64_MIN && x <= INT64_MAX) { this.valueInteger = x; return Tok.ValueInteger; }
    }
    this.valueFloat = Number(this.buffer);
    return Tok.ValueFloat;
  }

  private scanLiteral(text: string, tok: Tok): Tok {
    for (let i = 1; i < text.length; i++) {
      if (this.get() !== text.charCodeAt(i)) {
        this.errorMessage = 'invalid literal';
        return Tok.ParseError;
      }
    }
    return tok;
  }

  scan(): Tok {
    if (this.charsReadTotal === 0) {
      // Skip a UTF-8 byte order mark.
      if (this.get() === 0xef) {
        if (!(this.get() === 0xbb && this.get() === 0xbf)) {
          this.errorMessage = 'invalid BOM; must be 0xEF 0xBB 0xBF if given';
          return Tok.ParseError;
        }
      } else {
        this.unget();
      }
    }
    let c: number;
    do c = this.get(); while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d);
    switch (c) {
      case 0x5b: return Tok.BeginArray;
      case 0x5d: return Tok.EndArray;
      case 0x7b: return Tok.BeginObject;
      case 0x7d: return Tok.EndObject;
      case 0x3a: return Tok.NameSeparator;
      case 0x2c: return Tok.ValueSeparator;
      case 0x74: return this.scanLiteral('true', Tok.LiteralTrue);
      case 0x66: return this.scanLiteral('false', Tok.LiteralFalse);
      case 0x6e: return this.scanLiteral('null', Tok.LiteralNull);
      case 0x22: return this.scanString();
      case 0x2d: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34:
      case 0x35: case 0x36: case 0x37: case 0x38: case 0x39:
        return this.scanNumber();
      case 0: case EOF:
        return Tok.EndOfInput;
      default:
        this.errorMessage = 'invalid literal';
        return Tok.ParseError;
    }
  }
}

type JsonContainer = { list: Value[] } | { map: Map<string, Value>; key: string };

/**
 * What nlohmann::json reports through C++ Nix's SAX parser (a syntax error, a number out of a
 * double's range): a JSONParseError, to which prim_fromJSON adds this line. The reader's own
 * errors (a null byte, an integer out of range) do not get it.
 */
function jsonParseError(message: string): NixError {
  return new NixError('eval', message).addTrace('while decoding a JSON string');
}

/** builtins.fromJSON: JSON text (a UTF-8 byte string) to a Nix value. */
/**
 * `dom`: the value nlohmann::json::parse makes (StructuredAttrs::parse, for `__json`), not
 * fromJSON's: strings and names may hold NUL bytes, and an integer past 2^63 - 1 (up to
 * 2^64 - 1, nlohmann's unsigned) is kept as it is; fromJSON refuses both.
 */
export function parseJSON(text: string, dom = false): Value {
  const lexer = new JsonLexer(text);
  let last = Tok.Uninitialized as Tok;
  const next = (): Tok => (last = lexer.scan());
  const parseError = (expected: Tok, context: string): NixError => {
    let msg = 'syntax error ';
    if (context !== '') msg += `while parsing ${context} `;
    msg += '- ';
    if (last === Tok.ParseError) msg += `${lexer.errorMessage}; last read: '${lexer.tokenText()}'`;
    else msg += `unexpected ${tokenName(last)}`;
    if (expected !== Tok.Uninitialized) msg += `; expected ${tokenName(expected)}`;
    return jsonParseError(`[json.exception.parse_error.101] parse error at ${lexer.position()}: ${msg}`);
  };

  const stack: JsonContainer[] = [];
  let result: Value = null;
  const symbols = symbolTable();
  // Hands a finished value to the container being built (or makes it the result). A name is
  // interned as its value is added, as C++ Nix's JSON reader does (value/symbols.ts).
  const add = (v: Value): void => {
    // A value costs a slot in its container and, mostly, a small object of its own.
    tick();
    reserve(SLOT_BYTES + OBJECT_BYTES);
    const top = stack[stack.length - 1];
    if (top === undefined) result = v;
    else if ('list' in top) top.list.push(v);
    else {
      symbols.id(top.key);
      top.map.set(top.key, v);
    }
  };
  const key = (): void => {
    if (!dom) forceNoNullByte(lexer.buffer);
    (stack[stack.length - 1] as { key: string }).key = lexer.buffer;
  };

  next();
  let skipToStateEvaluation = false;
  for (;;) {
    if (!skipToStateEvaluation) {
      switch (last) {
        case Tok.BeginObject: {
          if (next() === Tok.EndObject) { add(NixAttrs.EMPTY); break; }
          if ((last as Tok) !== Tok.ValueString) throw parseError(Tok.ValueString, 'object key');
          stack.push({ map: new Map(), key: '' });
          key();
          if (next() !== Tok.NameSeparator) throw parseError(Tok.NameSeparator, 'object separator');
          next();
          continue;
        }
        case Tok.BeginArray: {
          if (next() === Tok.EndArray) { add([]); break; }
          stack.push({ list: [] });
          continue;
        }
        case Tok.ValueFloat: {
          const f = lexer.valueFloat;
          if (!Number.isFinite(f)) {
            throw jsonParseError(`[json.exception.out_of_range.406] number overflow parsing '${lexer.tokenText()}'`);
          }
          add(new NixFloat(f));
          break;
        }
        case Tok.LiteralFalse: add(false); break;
        case Tok.LiteralNull: add(null); break;
        case Tok.LiteralTrue: add(true); break;
        case Tok.ValueInteger: add(normaliseInt(lexer.valueInteger)); break;
        case Tok.ValueString: if (!dom) forceNoNullByte(lexer.buffer); add(lexer.buffer); break;
        case Tok.ValueUnsigned: {
          const u = lexer.valueUnsigned;
          if (u > INT64_MAX && dom) { add(u); break; }
          if (u > INT64_MAX) throw new NixError('eval', `unsigned json number ${u} outside of Nix integer range`);
          add(normaliseInt(u));
          break;
        }
        case Tok.ParseError:
          throw parseError(Tok.Uninitialized, 'value');
        case Tok.EndOfInput:
          if (lexer.charsReadTotal === 1) {
            throw jsonParseError(`[json.exception.parse_error.101] parse error at ${lexer.position()}: attempting to parse an empty input; check that your input string or stream contains the expected JSON`);
          }
          throw parseError(Tok.LiteralOrValue, 'value');
        default:
          throw parseError(Tok.LiteralOrValue, 'value');
      }
    } else {
      skipToStateEvaluation = false;
    }

    // A value was parsed.
    if (stack.length === 0) break;
    const top = stack[stack.length - 1];
    if ('list' in top) {
      if (next() === Tok.ValueSeparator) { next(); continue; }
      if (last === Tok.EndArray) {
        stack.pop();
        add(top.list);
        skipToStateEvaluation = true;
        continue;
      }
      throw parseError(Tok.EndArray, 'array');
    }
    if (next() === Tok.ValueSeparator) {
      if (next() !== Tok.ValueString) throw parseError(Tok.ValueString, 'object key');
      key();
      if (next() !== Tok.NameSeparator) throw parseError(Tok.NameSeparator, 'object separator');
      next();
      continue;
    }
    if (last === Tok.EndObject) {
      stack.pop();
      add(NixAttrs.fromMap(top.map));
      skipToStateEvaluation = true;
      continue;
    }
    throw parseError(Tok.EndObject, 'object');
  }
  if (next() !== Tok.EndOfInput) throw parseError(Tok.EndOfInput, 'value');
  return result;
}

// ---------------------------------------------------------------------------------------
// fromTOML

/** A TOML date and/or time, as the fields toml11 keeps. */
class TomlStamp {
  constructor(
    readonly date: { year: number; month: number; day: number } | undefined,
    readonly time: { hour: number; minute: number; second: number; ms: number; us: number; ns: number } | undefined,
    /** Offset in minutes east of UTC, for offset date-times. */
    readonly offset: number | undefined,
  ) {}

  /** As toml11 prints it: `1979-05-27T07:32:00.999999-07:00`, fractions by millis/micros/nanos, `Z` for +00:00. */
  toString(): string {
    const p = (n: number, w: number): string => String(n).padStart(w, '0');
    let s = '';
    if (this.date) s += `${p(this.date.year, 4)}-${p(this.date.month, 2)}-${p(this.date.day, 2)}`;
    if (this.date && this.time) s += 'T';
    if (this.time) {
      const t = this.time;
      s += `${p(t.hour, 2)}:${p(t.minute, 2)}:${p(t.second, 2)}`;
      if (t.ms !== 0 || t.us !== 0 || t.ns !== 0) {
        s += '.' + p(t.ms, 3);
        if (t.us !== 0 || t.ns !== 0) {
          s += p(t.us, 3);
          if (t.ns !== 0) s += p(t.ns, 3);
        }
      }
    }
    if (this.offset !== undefined) {
      if (this.offset === 0) s += 'Z';
      else {
        const m = Math.abs(this.offset);
        s += `${this.offset < 0 ? '-' : '+'}${p(Math.floor(m / 60), 2)}:${p(m % 60, 2)}`;
      }
    }
    return s;
  }
}

const STAMP_RE = /^(?:(\d{4})-(\d{2})-(\d{2}))?(?:[Tt ]?(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?(?:\[[^\]]*\])?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Reads the text smol-toml hands to its Temporal constructors into a TomlStamp, checking it as TOML 1.0 does. */
function readStamp(text: string): TomlStamp {
  const m = STAMP_RE.exec(text);
  if (!m) throw new RangeError(`invalid date-time '${text}'`);
  let date: TomlStamp['date'];
  let time: TomlStamp['time'];
  let offset: number | undefined;
  if (m[1] !== undefined) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw new RangeError(`invalid date '${text}'`);
    date = { year, month, day };
  }
  if (m[4] !== undefined) {
    if (m[6] === undefined) throw new RangeError(`invalid time '${text}': seconds are required`);
    const hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = Number(m[6]);
    if (hour > 23 || minute > 59 || second > 60) throw new RangeError(`invalid time '${text}'`);
    const frac = (m[7] ?? '').slice(0, 9).padEnd(9, '0');
    time = { hour, minute, second, ms: Number(frac.slice(0, 3)), us: Number(frac.slice(3, 6)), ns: Number(frac.slice(6, 9)) };
  }
  if (m[8] !== undefined) offset = 0;
  else if (m[9] !== undefined) {
    const h = Number(m[10]);
    const mi = Number(m[11]);
    if (h > 23 || mi > 59) throw new RangeError(`invalid offset '${text}'`);
    offset = (m[9] === '-' ? -1 : 1) * (h * 60 + mi);
  }
  return new TomlStamp(date, time, offset);
}

/**
 * smol-toml builds dates through the Temporal API when asked not to use its legacy Date
 * class (which keeps only milliseconds). These stand-ins keep every field toml11 keeps; they
 * are installed only for the duration of one parse.
 */
const temporalShim = {
  ZonedDateTime: { from: readStamp },
  PlainDateTime: { from: readStamp },
  PlainDate: { from: readStamp },
  PlainTime: { from: readStamp },
};

function parseTomlText(text: string): Record<string, unknown> {
  const g = globalThis as { Temporal?: unknown };
  const had = Object.prototype.hasOwnProperty.call(g, 'Temporal');
  const saved = g.Temporal;
  g.Temporal = temporalShim;
  try {
    return parseToml(text, { integersAsBigInt: true, useLegacyDate: false, maxDepth: 1000 }) as Record<string, unknown>;
  } finally {
    if (had) g.Temporal = saved;
    else delete g.Temporal;
  }
}

/** The `[error]` block toml11 prints: title, the source line and a caret at a byte offset. */
function toml11Error(source: string, offset: number, title: string, note: string): string {
  let lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = source.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = source.length;
  if (lineEnd > lineStart && source.charCodeAt(lineEnd - 1) === 13) lineEnd--;
  let lineNo = 1;
  for (let i = 0; i < lineStart; i++) if (source.charCodeAt(i) === 10) lineNo++;
  const num = String(lineNo);
  const pad = ' '.repeat(num.length + 2);
  if (lineStart > offset) lineStart = offset;
  return `[error] ${title}\n --> fromTOML\n${pad}|\n ${num} | ${source.slice(lineStart, lineEnd)}\n${pad}| ${' '.repeat(offset - lineStart)}^-- ${note}\n`;
}

function isTomlWordByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    || c === 0x5f || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x3a;
}

/**
 * What toml11 (reading TOML 1.0) rejects in a document smol-toml (reading TOML 1.1) has
 * accepted, as toml11's error block for the first such place: an integer beyond int64 (toml11
 * reads integers into int64), a float beyond a double's range, the `\e` and `\xHH` escapes, and newlines or a trailing comma
 * in an inline table.
 */
function toml10Problem(source: string): string | undefined {
  const n = source.length;
  let i = 0;
  let prev = 0; // last significant byte before the current token
  const nesting: number[] = []; // open `[` and `{`
  const inInlineTable = (): boolean => nesting[nesting.length - 1] === 0x7b;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === 0x23) { // comment
      while (i < n && source.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 0x22 || c === 0x27) { // strings
      const triple = source.charCodeAt(i + 1) === c && source.charCodeAt(i + 2) === c;
      const delim = triple ? String.fromCharCode(c).repeat(3) : String.fromCharCode(c);
      i += delim.length;
      for (;;) {
        if (i >= n) return undefined;
        if (c === 0x22 && source.charCodeAt(i) === 0x5c) {
          const e = source.charCodeAt(i + 1);
          if (e === 0x65 || e === 0x78) {
            return toml11Error(source, i, 'toml::parse_basic_string: invalid escape sequence',
              'escape sequence is one of \\, \", \\b, \\f, \\n, \\r, \\t, \\uXXXX, and \\UXXXXXXXX');
          }
          i += 2;
          continue;
        }
        if (source.startsWith(delim, i)) {
          i += delim.length;
          // A multi-line string may end with up to two extra quotes.
          while (triple && source.charCodeAt(i) === c) i++;
          break;
        }
        if (!triple && source.charCodeAt(i) === 10) break;
        i++;
      }
      prev = c;
      continue;
    }
    if (c === 0x0a || c === 0x0d) {
      if (inInlineTable()) return toml11Error(source, i, 'toml::parse_inline_table: newline is not allowed in an inline table', 'here');
      i++;
      continue;
    }
    if (c === 0x20 || c === 0x09) { i++; continue; }
    if (c === 0x5b || c === 0x7b) nesting.push(c);
    else if (c === 0x5d || c === 0x7d) {
      if (c === 0x7d && prev === 0x2c && inInlineTable()) {
        return toml11Error(source, i, 'toml::parse_inline_table: trailing comma is not allowed in an inline table', 'here');
      }
      nesting.pop();
    }
    const start = i;
    while (i < n && isTomlWordByte(source.charCodeAt(i))) i++;
    if (i === start) { prev = c; i++; continue; }
    const word = source.slice(start, i);
    const isValue = prev === 0x3d || prev === 0x5b || prev === 0x2c; // after `=`, `[` or `,`
    prev = source.charCodeAt(i - 1);
    if (!isValue) continue;
    let m: RegExpExecArray | null;
    if ((m = /^([+-]?)([0-9][0-9_]*)$/.exec(word))) {
      const v = BigInt(m[1] + m[2].replaceAll('_', ''));
      if (v > INT64_MAX || v < INT64_MIN) {
        return toml11Error(source, i, 'toml::parse_dec_integer: too large integer: current max digits = 2^63', 'must be < 2^63');
      }
    } else if ((m = /^0([xob])([0-9A-Fa-f_]+)$/.exec(word))) {
      const v = BigInt(`0${m[1]}${m[2].replaceAll('_', '')}`);
      if (v > INT64_MAX) {
        const kind = m[1] === 'x' ? 'hex' : m[1] === 'o' ? 'oct' : 'bin';
        return toml11Error(source, i, `toml::parse_${kind}_integer: too large integer: current max value = 2^63`, 'must be < 2^63');
      }
    } else if (/^[+-]?[0-9][0-9_]*(\.[0-9_]+)?([eE][+-]?[0-9_]+)?$/.test(word) && !Number.isFinite(Number(word.replaceAll('_', '')))) {
      // toml11 reads a float with a stream, which fails on a value beyond a double's range (one
      // too small to represent reads as zero).
      return toml11Error(source, i, 'toml::parse_floating: failed to read floating point value from stream', 'here');
    }
  }
  return undefined;
}

function tomlError(message: string): NixError {
  const e = new NixError('eval', `while parsing TOML: ${message}`);
  e.colourCode = 'end';
  return e;
}

/** builtins.fromTOML: TOML text (a UTF-8 byte string) to a Nix value. */
export function parseTOML(text: string, timestamps: boolean): Value {
  // The TOML library builds its whole tree before any of it can be looked at: budget for the
  // worst case, a small object for every two bytes.
  reserve(text.length * (OBJECT_BYTES / 2));
  const source = Buffer.from(text, 'latin1').toString('utf8');
  let doc: Record<string, unknown>;
  try {
    doc = parseTomlText(source);
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.replace(/^Invalid TOML document: /, '').split('\n')[0];
      // Point at the same place, in bytes of the original text.
      const lines = text.split('\n');
      let offset = 0;
      for (let l = 0; l < e.line - 1 && l < lines.length; l++) offset += lines[l].length + 1;
      const lineText = source.split(/\r?\n/)[e.line - 1] ?? '';
      offset += utf8ToBytes(lineText.slice(0, e.column - 1)).length;
      throw tomlError(toml11Error(text, Math.min(offset, text.length), utf8ToBytes(first), 'here'));
    }
    throw e;
  }
  const problem = toml10Problem(text);
  if (problem !== undefined) throw tomlError(problem);
  // Read again with marks where smol-toml loses what toml11 keeps (toml-marks.ts).
  const marked = markedToml(text);
  if (marked !== undefined) doc = parseTomlText(Buffer.from(marked, 'latin1').toString('utf8'));

  // Convert, iteratively. Arrays and tables become lists and sets; strings become byte strings.
  const convertLeaf = (x: unknown): Value => {
    if (x === NEGATIVE_NAN_MARK) return new NixFloat(NEGATIVE_NAN);
    if (typeof x === 'string') {
      const s = utf8ToBytes(x);
      const m = nullByteMessage(s);
      if (m !== undefined) throw tomlError(`error: ${m}`);
      return s;
    }
    // Integers come as bigints, so every number is a float.
    if (typeof x === 'number') return new NixFloat(x);
    if (typeof x === 'bigint') {
      // toml10Problem has reported the literals beyond int64 it could find.
      if (x > INT64_MAX || x < INT64_MIN) throw tomlError('[error] toml::parse_integer: too large integer: current max digits = 2^63');
      return normaliseInt(x) as NixInt;
    }
    if (typeof x === 'boolean') return x;
    if (x instanceof TomlStamp) {
      if (!timestamps) throw tomlError('Dates and times are not supported');
      symbolTable().id('_type');
      return NixAttrs.fromMap(new Map<string, Value>([['_type', 'timestamp'], ['value', x.toString()]]));
    }
    throw tomlError(`unsupported TOML value ${String(x)}`);
  };
  return convertTree(doc, convertLeaf);
}

function convertTree(root: Record<string, unknown>, leaf: (x: unknown) => Value): Value {
  type Frame = { kind: 'table'; obj: Record<string, unknown>; keys: string[]; i: number; map: Map<string, Value> }
    | { kind: 'array'; arr: unknown[]; i: number; list: Value[] };
  const open = (x: unknown): Frame | undefined => {
    if (Array.isArray(x)) return { kind: 'array', arr: x, i: 0, list: [] };
    if (x !== null && typeof x === 'object' && !(x instanceof TomlStamp)) {
      const obj = x as Record<string, unknown>;
      // In the order toml11's table (a std::unordered_map) hands out its keys, each interned
      // as it is met, before the value under it, as C++ Nix's fromTOML does. The keys are in
      // the order written (marked ones unmarked when named).
      return { kind: 'table', obj, keys: unorderedMapOrder(Object.keys(obj), (k) => Buffer.from(unmarkKey(k), 'utf8')), i: 0, map: new Map() };
    }
    return undefined;
  };
  const stack: Frame[] = [open(root)!];
  let done: Value | undefined;
  while (stack.length > 0) {
    tick();
    const f = stack[stack.length - 1];
    let child: unknown;
    let finished = false;
    if (f.kind === 'table') {
      if (f.i >= f.keys.length) finished = true;
      else {
        const k = utf8ToBytes(unmarkKey(f.keys[f.i]));
        const m = nullByteMessage(k);
        if (m !== undefined) throw tomlError(`error: ${m}`);
        symbolTable().id(k);
        child = f.obj[f.keys[f.i]];
      }
    } else if (f.i >= f.arr.length) finished = true;
    else child = f.arr[f.i];
    let v: Value;
    if (finished) {
      stack.pop();
      v = f.kind === 'table' ? NixAttrs.fromMap(f.map) : f.list;
      if (stack.length === 0) { done = v; break; }
    } else {
      const sub = open(child);
      if (sub) { stack.push(sub); continue; }
      v = leaf(child);
    }
    const parent = stack[stack.length - 1];
    if (parent.kind === 'table') parent.map.set(utf8ToBytes(unmarkKey(parent.keys[parent.i])), v);
    else parent.list.push(v);
    parent.i++;
  }
  return done!;
}

// ---------------------------------------------------------------------------------------

function experimentalFeatures(ctx: BuiltinContext): ReadonlySet<string> | readonly string[] | undefined {
  // Set by the program that runs the evaluation (`--extra-experimental-features`), when it does.
  return ctx.state.settings.experimentalFeatures;
}

function featureEnabled(ctx: BuiltinContext, name: string): boolean {
  const f = experimentalFeatures(ctx);
  if (f === undefined) return false;
  return f instanceof Set ? f.has(name) : (f as readonly string[]).includes(name);
}

// C++ Nix forces them with forceStringNoCtx: its line goes on any error raised while forcing too.
const FROMJSON_ARG = 'while evaluating the first argument passed to builtins.fromJSON';
const FROMTOML_ARG = 'while evaluating the argument passed to builtins.fromTOML';

export const formatsBuiltins: BuiltinSpec[] = [
  defineBuiltin('toJSON', 1, function* ([v], ctx): Gen<Value> {
    const context = new Set<string>();
    const s = yield* toJSON(v, context, true, jsonCallDepth(ctx));
    return makeString(s, context);
  }, { doc: 'The JSON text of a value (strings keep their context).' }),

  defineBuiltin('fromJSON', 1, ([v]) => parseJSON(stringNoContext(v, FROMJSON_ARG)), { forceCtx: [FROMJSON_ARG], doc: 'The Nix value of a JSON text.' }),

  defineBuiltin('fromTOML', 1, ([v], ctx) => parseTOML(stringNoContext(v, FROMTOML_ARG), featureEnabled(ctx, 'parse-toml-timestamps')), {
    forceCtx: [FROMTOML_ARG],
    doc: 'The Nix value of a TOML document.',
  }),

  defineBuiltin('toXML', 1, function* ([v], ctx): Gen<Value> {
    const context = new Set<string>();
    // Nesting counts against max-call-depth as toJSON's does (a cyclic value ends there).
    const s = yield* printValueAsXML(v, context, { strict: true, location: false, depth: jsonCallDepth(ctx) });
    return makeString(s, context);
  }, { doc: 'The XML representation of a value, as nix-instantiate --xml prints it.' }),
];
