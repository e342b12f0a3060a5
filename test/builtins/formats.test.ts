// toJSON, fromJSON, fromTOML and toXML: values and error messages as C++ Nix gives them
// (nlohmann::json for JSON, toml11 for TOML), and the XML printer the CLI's --xml uses.

import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { bytesToUtf8 } from '../../src/syntax/source.js';
import { NixString } from '../../src/value/values.js';
import { runCli } from '../cli/run-cli.js';
import { unorderedMapOrder } from '../../src/builtins/unordered-map-order.js';

function run(expr: string, options: Partial<EvaluateOptions> = {}): string {
  const r = evaluate({ expr, strict: true, baseDir: '/base', ...options });
  if (!r.ok) throw new Error(r.rendered);
  return bytesToUtf8(printValue(r.value, { trackRepeated: true }));
}

function error(expr: string, options: Partial<EvaluateOptions> = {}): string {
  const r = evaluate({ expr, strict: true, baseDir: '/base', ...options });
  if (r.ok) throw new Error(`expected an error, got ${printValue(r.value)}`);
  return bytesToUtf8(r.error.message);
}

/** A Nix string literal holding the given text (for JSON and TOML documents with quotes). */
function lit(text: string): string {
  return `''${text.replaceAll("''", "'''").replaceAll('${', "''${")}''`;
}

describe('toJSON', () => {
  test.each([
    ['builtins.toJSON { a = 1; b = [ true false null ]; c = "x"; }', '"{\\"a\\":1,\\"b\\":[true,false,null],\\"c\\":\\"x\\"}"'],
    ['builtins.toJSON { }', '"{}"'],
    ['builtins.toJSON [ ]', '"[]"'],
    ['builtins.toJSON "a\\nb\\t\\"q\\" \\\\"', '"\\"a\\\\nb\\\\t\\\\\\"q\\\\\\" \\\\\\\\\\""'],
    ['builtins.toJSON 9223372036854775807', '"9223372036854775807"'],
    ['builtins.toJSON (-9223372036854775807 - 1)', '"-9223372036854775808"'],
    // nlohmann::json's number format
    ['builtins.toJSON [ 1.44 100.0 0.1 1.0e14 1.0e15 0.0001 0.00001 1.5e300 (1.0 / 3) ]',
      '"[1.44,100.0,0.1,100000000000000.0,1e+15,0.0001,1e-05,1.5e+300,0.3333333333333333]"'],
    ['builtins.toJSON { __toString = self: "won"; outPath = abort "unreached"; }', '"\\"won\\""'],
    ['builtins.toJSON { outPath = "hello"; }', '"\\"hello\\""'],
    ['builtins.toJSON { outPath = 42; }', '"42"'],
    ['builtins.toJSON { outPath = { a = 1; }; }', '"{\\"a\\":1}"'],
    ['builtins.toJSON { __toString = self: { outPath = "deep"; }; }', '"\\"deep\\""'],
    ['builtins.toJSON { __toString = self: /some/path; }', '"\\"/some/path\\""'],
    ['builtins.toJSON { k = { __toString = self: self.v; v = "x"; }; }', '"{\\"k\\":\\"x\\"}"'],
    ['builtins.toJSON (builtins.fromJSON "\\"\\\\u0001\\\\u001f\\\\u007f\\"")', '"\\"\\\\u0001\\\\u001f\x7f\\""'],
  ])('%s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });

  test.each([
    ['builtins.toJSON (x: x)', 'cannot convert a function to JSON'],
    ['builtins.toJSON builtins.add', "cannot convert the built-in function 'add' to JSON"],
    ['builtins.toJSON (builtins.add 1)', "cannot convert the partially applied built-in function 'add' to JSON"],
    ['builtins.toJSON { __toString = self: 42; }', '`__toString` should return a string, but got an integer: 42'],
    ['builtins.toJSON { outPath = { __toString = self: 42; }; }', '`__toString` should return a string, but got an integer: 42'],
    ['builtins.toJSON { __toString = self: { a = 1; }; }', '`__toString` must return a string, but got a set: { a = 1; }'],
    ['builtins.toJSON [ { c = throw "hah no"; } ]', 'hah no'],
    ['builtins.toJSON (builtins.fromJSON "\\"\\\\u0000\\"")', "input string '\u2400' cannot be represented as Nix string because it contains null bytes"],
  ])('%s fails', (expr, message) => {
    expect(error(expr)).toBe(message);
  });

  test('a function cannot be converted: the error is at the lambda, or for a builtin at its attribute', () => {
    const at = (expr: string): string | undefined => {
      const r = evaluate({ source: { origin: '/t.nix', text: expr, baseDir: '/' }, strict: true });
      if (r.ok || r.error.pos === undefined) return undefined;
      const { line, column } = r.error.pos.source.lineCol(r.error.pos.offset);
      return `${line}:${column}`;
    };
    expect(at('builtins.toJSON { x = a: a; }')).toBe('1:23');
    expect(at('builtins.toJSON { x = builtins.map; }')).toBe('1:19');
  });

  test('invalid UTF-8 is reported as nlohmann::json reports it', () => {
    const r = evaluate({ source: { origin: '/t.nix', text: 'builtins.toJSON "_invalid UTF-8: \xff_"', baseDir: '/' }, strict: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('JSON serialization error: [json.exception.type_error.316] invalid UTF-8 byte at index 16: 0xFF');
    const r2 = evaluate({ source: { origin: '/t.nix', text: 'builtins.toJSON { "a\xe2\x82" = 1; }', baseDir: '/' }, strict: true });
    expect(!r2.ok && r2.error.message).toBe('JSON serialization error: [json.exception.type_error.316] incomplete UTF-8 string; last byte: 0x82');
  });

  test('evaluation errors come before UTF-8 errors', () => {
    const r = evaluate({ source: { origin: '/t.nix', text: 'builtins.toJSON [ "\xff" (throw "first") ]', baseDir: '/' }, strict: true });
    expect(!r.ok && r.error.message).toBe('first');
  });

  test('deep nesting is a controlled stack overflow, as in C++ Nix', () => {
    const r = evaluate({ expr: 'let f = n: acc: if n == 0 then acc else f (n - 1) [ acc ]; in builtins.toJSON (f 20000 0)', strict: true });
    if (r.ok) throw new Error('expected a stack overflow');
    expect(r.error.message).toBe('stack overflow; max-call-depth exceeded');
  });

  test('moderate nesting serialises without JS recursion', () => {
    const r = evaluate({ expr: 'let f = n: acc: if n == 0 then acc else f (n - 1) [ acc ]; in builtins.toJSON (f 9000 0)', strict: true });
    if (!r.ok) throw new Error(r.rendered);
    expect(r.value).toBe(`${'['.repeat(9000)}0${']'.repeat(9000)}`);
  });
});

describe('fromJSON', () => {
  test.each([
    ['builtins.fromJSON "1"', '1'],
    ['builtins.typeOf (builtins.fromJSON "1.0")', '"float"'],
    ['builtins.fromJSON "-0"', '0'],
    ['builtins.fromJSON "[1e2, -1.5E-3, 0, true, false, null]"', '[ 100 -0.0015 0 true false null ]'],
    ['builtins.fromJSON "9223372036854775807"', '9223372036854775807'],
    ['builtins.fromJSON "-9223372036854775808"', '-9223372036854775808'],
    ['builtins.fromJSON "-9223372036854775809"', '-9.22337e+18'],
    ['builtins.fromJSON "18446744073709551616"', '1.84467e+19'],
    ['builtins.fromJSON "1e-400"', '0'],
    [`builtins.fromJSON ${lit('{"a": 1, "a": 2, "b": {"c": [[], {}]}}')}`, '{ a = 2; b = { c = [ [ ] { } ]; }; }'],
    [`builtins.fromJSON ${lit('"\\ud83d\\ude00 é \\u00e9 \\/ \\b\\f"')}`, '"😀 é é / \b\f"'],
    [`builtins.fromJSON ${lit(' \n\t\r[ ] ')}`, '[ ]'],
  ])('%s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });

  test('strings come back as UTF-8 bytes', () => {
    const r = evaluate({ expr: `builtins.fromJSON ${lit('"\\u00e9"')}`, strict: true });
    expect(r.ok && r.value).toBe('\xc3\xa9');
  });

  test.each([
    [lit('{"attr": 18446744073709551615}'), 'unsigned json number 18446744073709551615 outside of Nix integer range'],
    [lit('{"a\\u0000b": 1}'), "input string 'a\u2400b' cannot be represented as Nix string because it contains null bytes"],
    [lit('"a\\u0000b"'), "input string 'a\u2400b' cannot be represented as Nix string because it contains null bytes"],
    ['"1e309"', "[json.exception.out_of_range.406] number overflow parsing '1e309'"],
    ['""', '[json.exception.parse_error.101] parse error at line 1, column 1: attempting to parse an empty input; check that your input string or stream contains the expected JSON'],
    ['"   "', "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal"],
    ['"{"', '[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while parsing object key - unexpected end of input; expected string literal'],
    ['"[1,]"', "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error while parsing value - unexpected ']'; expected '[', '{', or a literal"],
    ['"[1, tru]"', "[json.exception.parse_error.101] parse error at line 1, column 8: syntax error while parsing value - invalid literal; last read: '1, tru]'"],
    [lit('{"a" 1}'), "[json.exception.parse_error.101] parse error at line 1, column 6: syntax error while parsing object separator - unexpected number literal; expected ':'"],
    ['"[1 2]"', "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error while parsing array - unexpected number literal; expected ']'"],
    [lit('{"a":1 "b":2}'), "[json.exception.parse_error.101] parse error at line 1, column 10: syntax error while parsing object - unexpected string literal; expected '}'"],
    ['"[\n1,\n-x]"', "[json.exception.parse_error.101] parse error at line 3, column 2: syntax error while parsing value - invalid number; expected digit after '-'; last read: '-x'"],
    ['"[1.e5]"', "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error while parsing value - invalid number; expected digit after '.'; last read: '1.e'"],
    ['"[1] x"', "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while parsing value - invalid literal; last read: '1] x'; expected end of input"],
    [lit('"a\tb"'), "[json.exception.parse_error.101] parse error at line 1, column 3: syntax error while parsing value - invalid string: control character U+0009 (HT) must be escaped to \\u0009 or \\t; last read: '\"a<U+0009>'"],
    [lit('"\\ud800x"'), "[json.exception.parse_error.101] parse error at line 1, column 8: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: '\"\\ud800x'"],
    [lit('"\\udc00"'), "[json.exception.parse_error.101] parse error at line 1, column 7: syntax error while parsing value - invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF; last read: '\"\\udc00'"],
    [lit('"\\u00zz"'), "[json.exception.parse_error.101] parse error at line 1, column 6: syntax error while parsing value - invalid string: '\\u' must be followed by 4 hex digits; last read: '\"\\u00z'"],
    [lit('"\\x"'), "[json.exception.parse_error.101] parse error at line 1, column 3: syntax error while parsing value - invalid string: forbidden character after backslash; last read: '\"\\x'"],
  ])('builtins.fromJSON %s fails', (arg, message) => {
    expect(error(`builtins.fromJSON ${arg}`)).toBe(message);
  });

  test('ill-formed UTF-8 in the text', () => {
    const r = evaluate({ source: { origin: '/t.nix', text: 'builtins.fromJSON "[\\"a\xc3(\\"]"', baseDir: '/' }, strict: true });
    expect(!r.ok && r.error.message).toBe(
      "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: '\"a\xc3('",
    );
  });

  test('a byte order mark is skipped', () => {
    const r = evaluate({ source: { origin: '/t.nix', text: 'builtins.fromJSON "\xef\xbb\xbf[1]"', baseDir: '/' }, strict: true });
    expect(r.ok && printValue(r.value)).toBe('[ 1 ]');
  });

  test('non-strings are a type error', () => {
    expect(error('builtins.fromJSON 1')).toBe('expected a string but found an integer: 1');
  });

  test('deeply nested documents parse without JS recursion', () => {
    const n = 100000;
    const r = evaluate({ expr: `builtins.fromJSON "${'['.repeat(n)}${']'.repeat(n)}"`, strict: true });
    if (!r.ok) throw new Error(r.rendered);
    let v: unknown = r.value;
    let depth = 0;
    while (Array.isArray(v) && v.length === 1) { v = v[0]; depth++; }
    expect([depth, v]).toEqual([n - 1, []]);
  });
});

describe('fromTOML', () => {
  test.each([
    ['builtins.fromTOML "x = 1\\ns = \\"a\\"\\n[table]\\ny = 2"', '{ s = "a"; table = { y = 2; }; x = 1; }'],
    ['builtins.fromTOML ""', '{ }'],
    ['builtins.fromTOML "a = 1.0\\nb = inf\\nc = -inf\\nd = 0x10\\ne = 0o777\\nf = 0b101\\ng = 1_000\\nh = +0.5e2"',
      '{ a = 1; b = inf; c = -inf; d = 16; e = 511; f = 5; g = 1000; h = 50; }'],
    ['let d = builtins.fromTOML "a = 1.0\\nb = 1\\nc = true\\nd = []\\ne = {}"; in [ (builtins.typeOf d.a) (builtins.typeOf d.b) (builtins.typeOf d.c) (builtins.typeOf d.d) (builtins.typeOf d.e) ]',
      '[ "float" "int" "bool" "list" "set" ]'],
    ['builtins.fromTOML "a = 9223372036854775807\\nb = -9223372036854775808"', '{ a = 9223372036854775807; b = -9223372036854775808; }'],
    // The edges of a double's range: the largest reads as itself, one too small to represent as zero.
    ['builtins.fromTOML "a = 1.7976931348623157e308\\nb = 1e-400\\nc = -4.9e-324"', '{ a = 1.79769e+308; b = 0; c = -4.94066e-324; }'],
    ['builtins.fromTOML "a.b.c = 1\\na.d = 2\\n[[arr]]\\nx = 1\\n[[arr]]"', '{ a = { b = { c = 1; }; d = 2; }; arr = [ { x = 1; } { } ]; }'],
    [`builtins.fromTOML ${lit('"é" = "ü\\u00e9\\U0001F600"\nm = """\nmulti\nline"""\nl = \'lit\\\'\n')}`,
      '{ l = "lit\\\\"; m = "multi\\nline"; "é" = "üé😀"; }'],
  ])('%s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });

  test.each([
    ["''attr = 9223372036854775808''",
      'while parsing TOML: [error] toml::parse_dec_integer: too large integer: current max digits = 2^63\n --> fromTOML\n   |\n 1 | attr = 9223372036854775808\n   |                           ^-- must be < 2^63\n'],
    ["''attr = -9223372036854775809''",
      'while parsing TOML: [error] toml::parse_dec_integer: too large integer: current max digits = 2^63\n --> fromTOML\n   |\n 1 | attr = -9223372036854775809\n   |                            ^-- must be < 2^63\n'],
    [lit('k = "a\\u0000b"'), "while parsing TOML: error: input string 'a\u2400b' cannot be represented as Nix string because it contains null bytes"],
    [lit('"a\\u0000b" = 1'), "while parsing TOML: error: input string 'a\u2400b' cannot be represented as Nix string because it contains null bytes"],
    ['"a = 1979-05-27"', 'while parsing TOML: Dates and times are not supported'],
    ['"a = 07:32:00"', 'while parsing TOML: Dates and times are not supported'],
  ])('builtins.fromTOML %s fails', (arg, message) => {
    expect(error(`builtins.fromTOML ${arg}`)).toBe(message);
  });

  test.each([
    ['"a = \\"x\\\\e\\""', 'toml::parse_basic_string: invalid escape sequence'],
    ['"a = \\"x\\\\x41\\""', 'toml::parse_basic_string: invalid escape sequence'],
    ['"a = { b = 1,\\n c = 2 }"', 'toml::parse_inline_table: newline is not allowed in an inline table'],
    ['"a = { b = 1, }"', 'toml::parse_inline_table: trailing comma is not allowed in an inline table'],
    ['"a = 07:32"', "invalid time '07:32': seconds are required"],
    ['"x = 1\\ny = [0xffffffffffffffff]"', 'toml::parse_hex_integer: too large integer: current max value = 2^63'],
    // toml11 reads floats with a stream, which fails past a double's range (C++ Nix 2.8's
    // toml11 ignored the failure and gave the largest double).
    ['"x = 1e400"', 'toml::parse_floating: failed to read floating point value from stream'],
    ['"x = [ 1.0, -1_0.5e4_00 ]"', 'toml::parse_floating: failed to read floating point value from stream'],
  ])('TOML 1.1 extensions are refused as TOML 1.0 refuses them: %s', (arg, title) => {
    expect(error(`builtins.fromTOML ${arg}`).split('\n')[0]).toBe(`while parsing TOML: [error] ${title}`);
  });

  test('-nan keeps its sign, as toml11 reads it and printf prints it; a key `-nan` is a key', () => {
    expect(run('builtins.fromTOML "a = -nan\\nb = nan\\nc = +nan\\nd = [ -nan, 1.0 ]\\ne = { f = -nan }\\n-nan = -nan"'))
      .toBe('{ "-nan" = -nan; a = -nan; b = nan; c = nan; d = [ -nan 1 ]; e = { f = -nan; }; }');
    expect(run('toString (builtins.fromTOML "a = -nan").a')).toBe('"-nan"');
    // A string that only looks like one stays a string.
    expect(run('builtins.fromTOML "a = \\"-nan\\"\\nb = -nan"')).toBe('{ a = "-nan"; b = -nan; }');
    // nlohmann::json writes any NaN as null.
    expect(run('builtins.toJSON (builtins.fromTOML "a = -nan")')).toBe('"{\\"a\\":null}"');
  });

  // The keys are interned in the order toml11's unordered_map hands them out, which depends on
  // the order they were written, integer-like keys included: deep-forcing a set of those names
  // whose values all fail reports the first interned (C++ Nix's answers).
  test.each([
    ['zzq = 1\\n\\"7\\" = 2', ['zzq', '7'], '7'],
    ['a1x = 1\\n12 = 2\\nq9 = 3\\n5 = 4\\nmm = 5', ['a1x', '12', 'q9', '5', 'mm'], '5'],
    ['xq = { rr = 1, 44 = 2, pp = 3 }', ['rr', '44', 'pp', 'xq'], 'xq'],
  ])('keys of %s are interned in toml11 order', (doc, names, first) => {
    const set = `builtins.listToAttrs (map (n: { name = n; value = throw n; }) [ ${names.map((n) => `"${n}"`).join(' ')} ])`;
    expect(error(`builtins.seq (builtins.fromTOML "${doc}") (builtins.deepSeq (${set}) 1)`)).toBe(first);
  });

  test('its argument is a string without context, with the line C++ Nix gives', () => {
    expect(error('builtins.fromTOML "${builtins.toFile "a" "b"}"')).toMatch(/^the string '\/nix\/store\/.*-a' is not allowed to refer to a store path/);
    const r = evaluate({ expr: 'builtins.fromTOML 1', strict: true });
    expect(!r.ok && r.error.trace.map((t) => t.message)).toContain('while evaluating the argument passed to builtins.fromTOML');
    const j = evaluate({ expr: 'builtins.fromJSON "${builtins.toFile "a" "b"}"', strict: true });
    expect(!j.ok && j.error.trace.map((t) => t.message)).toContain('while evaluating the first argument passed to builtins.fromJSON');
  });

  test('TOML 1.1-looking text inside strings and comments is fine', () => {
    expect(run('builtins.fromTOML "a = [1,\\n2,\\n]\\nb = { c = [1,\\n2] } # { x,\\nd = \\"q\\\\\\\\e { ,}\\""'))
      .toBe('{ a = [ 1 2 ]; b = { c = [ 1 2 ]; }; d = "q\\\\e { ,}"; }');
  });

  test('syntax errors begin with "while parsing TOML: "', () => {
    expect(error('builtins.fromTOML "[a]\\n[a]"')).toMatch(/^while parsing TOML: \[error\] .*\n --> fromTOML\n {3}\|\n 2 \| \[a\]\n/);
    expect(error('builtins.fromTOML "a = "')).toMatch(/^while parsing TOML: /);
  });

  test('timestamps with the parse-toml-timestamps feature', () => {
    const settings = { experimentalFeatures: new Set(['parse-toml-timestamps']) } as unknown as EvaluateOptions['settings'];
    const doc = [
      'odt1 = 1979-05-27T07:32:00Z', 'odt2 = 1979-05-27T00:32:00-07:00', 'odt3 = 1979-05-27 07:32:00.1234567891+00:00',
      'ldt1 = 1979-05-27t07:32:00.1', 'ldt2 = 1979-05-27T00:32:00.123400', 'ld = 1979-05-27', 'lt = 00:32:00.12345678',
    ].join('\n');
    const ts = (v: string): string => `{ _type = "timestamp"; value = "${v}"; }`;
    expect(run(`builtins.fromTOML ${lit(doc)}`, { settings })).toBe(
      `{ ld = ${ts('1979-05-27')}; ldt1 = ${ts('1979-05-27T07:32:00.100')}; ldt2 = ${ts('1979-05-27T00:32:00.123400')}; `
      + `lt = ${ts('00:32:00.123456780')}; odt1 = ${ts('1979-05-27T07:32:00Z')}; odt2 = ${ts('1979-05-27T00:32:00-07:00')}; `
      + `odt3 = ${ts('1979-05-27T07:32:00.123456789Z')}; }`,
    );
    expect(run('(builtins.fromTOML "a = 1979-05-27")', { settings })).toBe('{ a = { _type = "timestamp"; value = "1979-05-27"; }; }');
    expect(error('builtins.fromTOML "a = 1979-02-30"', { settings })).toMatch(/^while parsing TOML: /);
  });
});

describe('toXML', () => {
  test('the document C++ Nix prints', () => {
    expect(run('builtins.toXML { a = "s"; }')).toBe(
      '"<?xml version=\'1.0\' encoding=\'utf-8\'?>\\n<expr>\\n  <attrs>\\n    <attr name=\\"a\\">\\n      <string value=\\"s\\" />\\n    </attr>\\n  </attrs>\\n</expr>\\n"',
    );
  });

  function xml(expr: string): string {
    const r = evaluate({ expr: `builtins.toXML (${expr})`, strict: true, baseDir: '/base' });
    if (!r.ok) throw new Error(r.rendered);
    const s = r.value instanceof NixString ? r.value.s : r.value as string;
    const lines = bytesToUtf8(s).split('\n');
    expect(lines.slice(0, 2)).toEqual(["<?xml version='1.0' encoding='utf-8'?>", '<expr>']);
    expect(lines.slice(-2)).toEqual(['</expr>', '']);
    return lines.slice(2, -2).map((l) => l.slice(2)).join('\n');
  }

  test.each([
    ['1', '<int value="1" />'],
    ['-9223372036854775807 - 1', '<int value="-9223372036854775808" />'],
    ['true', '<bool value="true" />'],
    ['null', '<null />'],
    ['1.5', '<float value="1.5" />'],
    ['1.0e20', '<float value="1e+20" />'],
    ['/a/b', '<path value="/a/b" />'],
    ['"a\\"<>&\\n\\tb"', '<string value="a&quot;&lt;&gt;&amp;&#xA;\tb" />'],
    ['[ ]', '<list>\n</list>'],
    ['{ }', '<attrs>\n</attrs>'],
    ['[ 1 [ 2 ] ]', '<list>\n  <int value="1" />\n  <list>\n    <int value="2" />\n  </list>\n</list>'],
    ['x: x', '<function>\n  <varpat name="x" />\n</function>'],
    ['{ }: 1', '<function>\n  <attrspat>\n  </attrspat>\n</function>'],
    ['args@{ z, a ? 1, ... }: 1', '<function>\n  <attrspat ellipsis="1" name="args">\n    <attr name="a" />\n    <attr name="z" />\n  </attrspat>\n</function>'],
    ['builtins.add', '<unevaluated />'],
    ['builtins.add 1', '<unevaluated />'],
    ['{ type = "derivation"; outPath = "/o"; }', '<derivation outPath="/o">\n  <repeated />\n</derivation>'],
    ['let d = { type = "derivation"; drvPath = "/d"; outPath = "/o"; }; in [ d d ]',
      '<list>\n  <derivation drvPath="/d" outPath="/o">\n'
      + '    <attr name="drvPath">\n      <string value="/d" />\n    </attr>\n'
      + '    <attr name="outPath">\n      <string value="/o" />\n    </attr>\n'
      + '    <attr name="type">\n      <string value="derivation" />\n    </attr>\n'
      + '  </derivation>\n  <derivation drvPath="/d" outPath="/o">\n    <repeated />\n  </derivation>\n</list>'],
  ])('%s', (expr, expected) => {
    expect(xml(expr)).toBe(expected);
  });

  test('forces what it prints', () => {
    expect(error('builtins.toXML { a = throw "no"; }')).toBe('no');
  });

  test('a value that contains itself ends at max-call-depth, at the attribute, as toJSON does', () => {
    const r = evaluate({ expr: 'let x = { a = x; }; in builtins.toXML x', strict: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe('stack overflow; max-call-depth exceeded');
    expect(r.rendered).toMatch(/error: stack overflow; max-call-depth exceeded\n\s+at \S+:1:11:/);
    // With a max-call-depth set, from the calls in progress, exactly as toJSON counts: called
    // at the top (one call in progress), the innermost value of n nested sets is at level n + 1,
    // where C++ Nix's check is `callDepth (n + 1) > 10`; nothing here calls while forced.
    const nest = (f: string, n: number): string => `builtins.${f} (builtins.foldl' (acc: _: { a = acc; }) 1 (builtins.genList (i: i) ${n}))`;
    for (const n of [9, 10]) {
      expect(evaluate({ expr: nest('toXML', n), strict: true, maxCallDepth: 10 }).ok).toBe(n === 9);
      expect(evaluate({ expr: nest('toJSON', n), strict: true, maxCallDepth: 10 }).ok).toBe(n === 9);
    }
  });

  test('deep nesting prints without JS recursion', () => {
    // The document grows with the square of the depth (indentation), so not much deeper.
    const n = 6000;
    const r = evaluate({ expr: `let f = n: acc: if n == 0 then acc else f (n - 1) [ acc ]; in builtins.toXML (f ${n} 0)`, strict: true });
    if (!r.ok) throw new Error(r.rendered);
    const lines = (r.value as string).split('\n');
    expect(lines.length).toBe(2 * n + 5);
    expect(lines[n + 2]).toBe(`${'  '.repeat(n + 1)}<int value="0" />`);
  });
});

describe('nix-instantiate --eval --xml', () => {
  const cli = (args: string[]) => runCli(args, 'latin1');

  test('prints the XML document and no extra newline', () => {
    const r = cli(['--eval', '--xml', '--no-location', '--strict', '-E', '{ a = [ 1 (2 + 3) ]; f = x: x; }']);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: "<?xml version='1.0' encoding='utf-8'?>\n<expr>\n  <attrs>\n"
        + '    <attr name="a">\n      <list>\n        <int value="1" />\n        <int value="5" />\n      </list>\n    </attr>\n'
        + '    <attr name="f">\n      <function>\n        <varpat name="x" />\n      </function>\n    </attr>\n'
        + '  </attrs>\n</expr>\n',
    });
  });

  test('without --strict, what is not evaluated is <unevaluated />', () => {
    const r = cli(['--eval', '--xml', '-E', '{ a = 1 + 1; }']);
    // With its place, as C++ Nix's posToXML: line and column (a path only for a file).
    expect(r.stdout).toContain('<attr column="3" line="1" name="a">\n      <unevaluated />\n    </attr>');
  });
});

// C++ Nix's fromTOML interns each key as it walks toml11's tables, which are libstdc++
// std::unordered_maps: their iteration order decides the keys' symbol order. The orders below
// are what g++ 12's std::unordered_map<std::string, int> gives for these insertions.
describe('fromTOML key order', () => {
  test.each([
    [['b', 'a', 'c'], ['c', 'a', 'b']],
    [['bb', 'aa', 'cc', 'dd'], ['dd', 'cc', 'aa', 'bb']],
    [['é', 'ñame', 'abcdefghij', 'x'], ['x', 'abcdefghij', 'ñame', 'é']],
    // 14 keys and more: the map grows from 13 buckets to 29 and relinks its nodes.
    [Array.from({ length: 15 }, (_, i) => `k${i + 1}`), 'k15 k2 k14 k12 k5 k9 k1 k6 k3 k4 k7 k8 k10 k11 k13'.split(' ')],
    [Array.from({ length: 40 }, (_, i) => `key${i + 1}`),
      ('key39 key35 key33 key40 key36 key32 key30 key11 key12 key28 key9 key25 key16 key8 key5 key31 key20 key4 key3 key6 ' +
       'key10 key38 key13 key1 key15 key18 key2 key14 key17 key19 key37 key34 key21 key22 key23 key24 key26 key7 key27 key29').split(' ')],
  ])('std::unordered_map of %j iterates as libstdc++\'s', (keys, order) => {
    expect(unorderedMapOrder(keys, (k) => Buffer.from(k, 'utf8'))).toEqual(order);
  });

  test('the keys are interned in that order, each before the table under it', () => {
    const deep = (names: string): string => `builtins.listToAttrs (map (n: { name = n; value = throw n; }) [ ${names} ])`;
    // bb, aa, cc, dd iterate as dd, cc, aa, bb: dd is the first name of the set forced.
    const r1 = evaluate({ expr: `let t = builtins.fromTOML "bb=1\\naa=2\\ncc=3\\ndd=4"; in builtins.seq t (${deep('"aa" "bb" "cc" "dd"')})`, strict: true });
    expect(r1.ok ? 'ok' : r1.error.message).toBe('dd');
    // A nested table's keys come right after the key holding it.
    const r2 = evaluate({ expr: `let t = builtins.fromTOML "[bb]\\nqq=1\\n[aa]\\npp=1"; in builtins.seq t (${deep('"pp" "qq"')})`, strict: true });
    expect(r2.ok ? 'ok' : r2.error.message).toBe(unorderedMapOrder(['bb', 'aa'], (k) => Buffer.from(k))[0] === 'aa' ? 'pp' : 'qq');
  });
});
