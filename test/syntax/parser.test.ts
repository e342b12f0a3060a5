// Unit tests of the parser beyond the conformance corpus. Expected `--parse` strings were
// produced by `nix-instantiate --parse` (Nix 2.8) on the same inputs and hard-coded here, so
// these tests never need C++ Nix. Where 2.8 is known to print differently from the newer Nix
// the corpus follows (every `$` escaped, empty parts kept in indented strings, inherits shown
// as bindings, unsorted formals, end-of-file errors pointing at the last token), the expected
// value is the newer one and the case says so.
//
// Inputs wrap free variables in lambdas (`a: b: c: ...`) or `with {};` because C++ Nix
// rejects undefined variables at parse time and the outputs had to come from it.

import { parse } from '../../src/syntax/parser.js';
import { showExpr } from '../../src/syntax/show.js';
import { Source, utf8ToBytes } from '../../src/syntax/source.js';
import { ParseError } from '../../src/errors/errors.js';
import type { Expr } from '../../src/syntax/ast.js';

const BASE = '/base/dir';
const ORIGIN = '/base/dir/t.nix';
const HOME = '/home/u';

/** `home: null` parses as pure evaluation does, with no home directory. */
function parseText(text: string, home: string | null = HOME): Expr {
  return parse(new Source(ORIGIN, text, BASE), { home: home ?? undefined });
}

function show(text: string): string {
  return showExpr(parseText(text));
}

/** The ParseError the input raises; fails the test if it raises nothing or something else. */
function parseError(text: string, home: string | null = HOME): ParseError {
  try {
    parseText(text, home);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw new Error(`expected a ParseError, got ${String(e)}`);
  }
  throw new Error(`expected a ParseError, but ${JSON.stringify(text)} parsed`);
}

function where(e: ParseError): string {
  if (!e.pos) return 'no position';
  const { line, column } = e.pos.source.lineCol(e.pos.offset);
  return `${line}:${column}`;
}

describe('operator precedence and associativity (as nix-instantiate --parse)', () => {
  test.each([
    ['a: b: c: a + b * c', '(a: (b: (c: (a + (__mul b c)))))'],
    ['a: b: c: a - b - c', '(a: (b: (c: (__sub (__sub a b) c))))'],
    ['a: b: c: a * b / c', '(a: (b: (c: (__div (__mul a b) c))))'],
    ['a: b: c: a + b - c + a', '(a: (b: (c: ((__sub (a + b) c) + a))))'],
    ['a: b: c: a - b * c / a - b', '(a: (b: (c: (__sub (__sub a (__div (__mul b c) a)) b))))'],
    ['a: b: c: a ++ b ++ c', '(a: (b: (c: (a ++ (b ++ c)))))'],
    ['a: b: c: a // b // c', '(a: (b: (c: (a // (b // c)))))'],
    ['a: b: c: a -> b -> c', '(a: (b: (c: (a -> (b -> c)))))'],
    ['a: b: c: a || b && c', '(a: (b: (c: (a || (b && c)))))'],
    ['a: b: c: a && b || c', '(a: (b: (c: ((a && b) || c))))'],
    ['a: b: c: a -> b || c -> a', '(a: (b: (c: (a -> ((b || c) -> a)))))'],
    ['a: b: c: a || b -> c', '(a: (b: (c: ((a || b) -> c))))'],
    ['a: b: c: a == b && c', '(a: (b: (c: ((a == b) && c))))'],
    ['a: b: c: a < b == c', '(a: (b: (c: ((__lessThan a b) == c))))'],
    ['a: b: a == b < a', '(a: (b: (a == (__lessThan b a))))'],
    ['a: b: c: a < b + c', '(a: (b: (c: (__lessThan a (b + c)))))'],
    ['a: b: c: a <= b', '(a: (b: (c: (! (__lessThan b a)))))'],
    ['a: b: c: a >= b', '(a: (b: (c: (! (__lessThan a b)))))'],
    ['a: b: c: a > b', '(a: (b: (c: (__lessThan b a))))'],
    ['a: b: c: a <= b == c', '(a: (b: (c: ((! (__lessThan b a)) == c))))'],
    ['a: b: c: a // b ++ c', '(a: (b: (c: (a // (b ++ c)))))'],
    ['a: b: c: a + b // c', '(a: (b: (c: ((a + b) // c))))'],
    // Prefix operators: `!` binds looser than arithmetic, `-` tighter than everything but `.`.
    ['a: b: c: !a && b', '(a: (b: (c: ((! a) && b))))'],
    ['a: b: c: !a == b', '(a: (b: (c: ((! a) == b))))'],
    ['a: b: c: !a -> b', '(a: (b: (c: ((! a) -> b))))'],
    ['a: b: c: a -> !b || c', '(a: (b: (c: (a -> ((! b) || c)))))'],
    ['a: b: c: a + !b', '(a: (b: (c: (a + (! b)))))'],
    ['a: b: c: a * !b + c', '(a: (b: (c: (__mul a (! (b + c))))))'],
    ['a: b: c: a + !b * c', '(a: (b: (c: (a + (! (__mul b c))))))'],
    ['a: b: c: a // !b // c', '(a: (b: (c: (a // ((! b) // c)))))'],
    ['a: b: c: ! ! a', '(a: (b: (c: (! (! a)))))'],
    ['a: b: c: -a * b', '(a: (b: (c: (__mul (__sub 0 a) b))))'],
    ['a: b: c: - a ++ b', '(a: (b: (c: ((__sub 0 a) ++ b))))'],
    ['a: b: c: - - a', '(a: (b: (c: (__sub 0 (__sub 0 a)))))'],
    ['a: b: c: a ++ -b', '(a: (b: (c: (a ++ (__sub 0 b)))))'],
    ['a: b: c: a * -b * c', '(a: (b: (c: (__mul (__mul a (__sub 0 b)) c))))'],
    ['a: b: c: a -b', '(a: (b: (c: (__sub a b))))'],
    ['a: b: c: a - -b', '(a: (b: (c: (__sub a (__sub 0 b)))))'],
    ['a: b: c: -a b', '(a: (b: (c: (__sub 0 (a b)))))'],
    ['a: b: c: -a.b', '(a: (b: (c: (__sub 0 (a).b))))'],
    ['a: b: c: -1', '(a: (b: (c: (__sub 0 1))))'],
    ['a: b: c: - 1 - 2', '(a: (b: (c: (__sub (__sub 0 1) 2))))'],
    // `?` binds tighter than every binary operator but looser than negation.
    ['a: b: c: a ? b.c && c', '(a: (b: (c: (((a) ? b.c) && c))))'],
    ['a: b: c: a + b ? c', '(a: (b: (c: (a + ((b) ? c)))))'],
    ['a: b: c: a ++ b ? c', '(a: (b: (c: (a ++ ((b) ? c)))))'],
    ['a: b: c: -a ? b', '(a: (b: (c: (((__sub 0 a)) ? b))))'],
    ['a: b: c: !a ? b', '(a: (b: (c: (! ((a) ? b)))))'],
    ['a: b: a ? b.c.d', '(a: (b: ((a) ? b.c.d)))'],
    ['a: b: a ? "b".${"c"}', '(a: (b: ((a) ? b.c)))'],
    ['a: b: a ? ${b}', '(a: (b: ((a) ? "${b}")))'],
    ['{ a = 1; } ? "a"', '(({ a = 1; }) ? a)'],
    // Application and selection bind tightest; every argument lands in one call node, even
    // through parentheses, as C++ Nix's makeCall does.
    ['a: b: c: a b c', '(a: (b: (c: (a b c))))'],
    ['a: b: c: a (b c)', '(a: (b: (c: (a (b c)))))'],
    ['f: x: a: (f x) a', '(f: (x: (a: (f x a))))'],
    ['f: (-f) 1', '(f: (__sub 0 f 1))'],
    ['f: (f - 1) 2', '(f: (__sub f 1 2))'],
    ['f: (f <= 1) 2', '(f: ((! (__lessThan 1 f)) 2))'],
    ['f: (f.a 1) 2', '(f: ((f).a 1 2))'],
    ['(<n>) 1', '(__findFile __nixPath "n" 1)'],
    ['a: b: c: a.b.c or a b', '(a: (b: (c: ((a).b.c or (a) b))))'],
    ['a: b: c: a.b or c.d or a', '(a: (b: (c: (a).b or ((c).d or (a)))))'],
    ['x: { a = 1; }.a.b or x', '(x: ({ a = 1; }).a.b or (x))'],
    ['a: b: c: !a.b or c', '(a: (b: (c: (! (a).b or (c)))))'],
    ['a: b: c: a.${b}.c', '(a: (b: (c: (a)."${b}".c)))'],
    ['a: b: c: a."b c".d', '(a: (b: (c: (a)."b c".d)))'],
    ['a: a."b".${"c"}', '(a: (a).b.c)'],
    ['x: "${x}" "a"', '(x: ((x) "a"))'],
    // The low-precedence forms extend as far right as they can.
    ['a: b: c: if a then b else c + a', '(a: (b: (c: (if a then b else (c + a)))))'],
    ['a: b: c: a + (if a then b else c)', '(a: (b: (c: (a + (if a then b else c)))))'],
    ['a: b: c: assert a; b', '(a: (b: (c: assert a; b)))'],
    ['assert true; assert false; 1', 'assert true; assert false; 1'],
    ['a: b: c: with a; b c', '(a: (b: (c: (with a; (b c)))))'],
    ['x: with x; with x; 1', '(x: (with x; (with x; 1)))'],
    ['a: b: c: let x = a; in x', '(a: (b: (c: (let x = a; in x))))'],
    ['a: b: c: a: b: c', '(a: (b: (c: (a: (b: c)))))'],
    ['(x: x) 1', '((x: x) 1)'],
  ])('%s', (input, expected) => {
    expect(show(input)).toBe(expected);
  });
});

describe('other syntactic forms (as nix-instantiate --parse)', () => {
  test.each([
    ['[]', '[ ]'],
    ['{}', '{ }'],
    ['x: [ [ ] ]', '(x: [ ([ ]) ])'],
    ['a: b: c: [ a b.c (c a) ]', '(a: (b: (c: [ (a) ((b).c) ((c a)) ])))'],
    ['a: b: c: [ a.b or c ]', '(a: (b: (c: [ ((a).b or (c)) ])))'],
    ['a: b: c: rec { x = y; y = 1; }', '(a: (b: (c: rec { x = y; y = 1; })))'],
    ['{ a = 1; }.a', '({ a = 1; }).a'],
    ['rec { a = 1; }.a', '(rec { a = 1; }).a'],
    ['x: { a = 1; } x', '(x: ({ a = 1; } x))'],
    ['{ a = x: x; }', '{ a = (x: x); }'],
    ['x: x // { a.b.c = 1; a.b.d = 2; a.e = 3; }', '(x: (x // { a = { b = { c = 1; d = 2; }; e = 3; }; }))'],
    ['{ "a b" = 1; "if" = 2; "" = 3; a\' = 4; _x-1 = 5; }', '{ "" = 3; _x-1 = 5; "a b" = 1; a\' = 4; "if" = 2; }'],
    ['a: { ${a} = 1; "b" = 2; }', '(a: { b = 2; "${a}" = 1; })'],
    ['{ ${"a"} = 1; }', '{ a = 1; }'],
    ['{ a.${"b"} = 1; }', '{ a = { b = 1; }; }'],
    ['let ${"a"} = 1; in a', '(let a = 1; in a)'],
    ['x: x.${"b"}', '(x: (x).b)'],
    ['x: x.${x}', '(x: (x)."${x}")'],
    ['x: { ... }: x', '(x: ({ ... }: x))'],
    ['x: { a ? 1, ... }: x', '(x: ({ a ? 1, ... }: x))'],
    ['x: { a, }: x', '(x: ({ a }: x))'],
    ['{}: 1', '({  }: 1)'],
    ['a@{}: 1', '({  } @ a: 1)'],
    ['let f = { x ? 1 }: x; in f', '(let f = ({ x ? 1 }: x); in f)'],
    ['x: let in x', '(x: (let in x))'],
    ['<nixpkgs>', '(__findFile __nixPath "nixpkgs")'],
    ['<nixpkgs/lib>', '(__findFile __nixPath "nixpkgs/lib")'],
    // Newer Nix prints inherits as written; 2.8 showed `inherit a ; inherit b ;` and `d = (c).d;`.
    ['a: b: c: { inherit a b; inherit (c) d e; x.y = 1; x.z = 2; }', '(a: (b: (c: { inherit a b; inherit (c) d e; x = { y = 1; z = 2; }; })))'],
    ['x: let inherit (x) a; in a', '(x: (let inherit (x) a; in a))'],
  ])('%s', (input, expected) => {
    expect(show(input)).toBe(expected);
  });
});

describe('non-associative operators', () => {
  test.each([
    ['a: b: c: a == b == c', "syntax error, unexpected '=='", '1:17'],
    ['a: b: c: a != b != c', "syntax error, unexpected '!='", '1:17'],
    ['a: b: a == b != a', "syntax error, unexpected '!='", '1:14'],
    ['a: b: a != b == a', "syntax error, unexpected '=='", '1:14'],
    ['a: b: c: a < b < c', "syntax error, unexpected '<'", '1:16'],
    ['a: b: a <= b <= a', "syntax error, unexpected '<='", '1:14'],
    ['a: b: a >= b > a', "syntax error, unexpected '>'", '1:14'],
    ['a: b: a < b >= a', "syntax error, unexpected '>='", '1:13'],
    ['a: b: c: a == !b == c', "syntax error, unexpected '=='", '1:18'],
  ])('%s', (input, message, pos) => {
    const e = parseError(input);
    expect(e.message).toBe(message);
    expect(where(e)).toBe(pos);
  });
});

describe('string literals', () => {
  function stringValue(text: string): string {
    const e = parseText(text);
    if (e.kind !== 'String') throw new Error(`expected a string literal, got ${e.kind}`);
    return e.value;
  }

  test('escapes', () => {
    expect(stringValue('"a\\nb\\tc\\rd\\\\e\\"f\\$g\\qh"')).toBe('a\nb\tc\rd\\e"f$gqh');
    expect(stringValue('"\\${x}"')).toBe('${x}');
    expect(stringValue('"x\\\ny"')).toBe('x\ny');
  });

  test('a dollar not followed by a brace is literal', () => {
    expect(stringValue('"$"')).toBe('$');
    expect(stringValue('"$$"')).toBe('$$');
    expect(stringValue('"a$"')).toBe('a$');
    // `$$` is matched as a pair, so the second `$` never starts an interpolation.
    expect(stringValue('"$${x}"')).toBe('$${x}');
    expect(show('x: "$${x}"')).toBe('(x: "$\\${x}")');
  });

  test('printing escapes only what must be escaped (newer Nix; 2.8 printed every $ as \\$)', () => {
    expect(show('"a\\nb\\tc\\rd\\\\e\\"f\\$g\\qh"')).toBe('"a\\nb\\tc\\rd\\\\e\\"f$gqh"');
    expect(show('"\\${x}"')).toBe('"\\${x}"');
  });

  test('bytes are kept as bytes', () => {
    const e = utf8ToBytes('"é"');
    expect(stringValue(e)).toBe(utf8ToBytes('é'));
    expect(stringValue(e).length).toBe(2);
  });

  test('interpolation', () => {
    expect(show('"${1}${2}"')).toBe('(1 + 2)');
    expect(show('x: "${x}"')).toBe('(x: (x))');
    expect(show('x: "a${x}"')).toBe('(x: ("a" + x))');
    expect(show('x: "a${x}b${"c"}"')).toBe('(x: ("a" + x + "b" + "c"))');
  });

  test('an interpolated string is never collapsed into a plain string, even if its only part is a literal', () => {
    // C++ Nix builds ExprConcatStrings for any string with a `${`, so `"${"a"}"` is dynamic as
    // an attribute name (corpus: eval-fail-dynamic-attrs-let-2/3).
    expect(show('"${"a"}"')).toBe('("a")');
    expect(show('{ "${"a"}" = 1; }')).toBe('{ "${("a")}" = 1; }');
    expect(show('x: x."${"b"}"')).toBe('(x: (x)."${("b")}")');
  });

  test('a `"${"a"}"` attribute is dynamic, so it is not allowed in let', () => {
    for (const text of ['let "${"a"}" = 1; in a', 'let ${"${"a"}"} = 1; in a']) {
      const e = parseError(text);
      expect(e.message).toBe('dynamic attributes not allowed in let');
      expect(where(e)).toBe('1:1');
    }
  });

  test('CR and CRLF in a string become LF; an escaped \\r stays', () => {
    expect(stringValue('"a\r\nb\rc"')).toBe('a\nb\nc');
    expect(stringValue('"multi\rline\r\n  string\n  test\\r"')).toBe('multi\nline\n  string\n  test\r');
  });

  test('a backslash before a raw CR escapes the CR itself, as C++ Nix\'s unescapeStr does', () => {
    expect(stringValue('"a\\\rb"')).toBe('a\rb');
    expect(stringValue('"a\\\r\nb"')).toBe('a\r\nb');
  });

  test('unterminated string', () => {
    const e = parseError('"abc');
    expect(e.message).toBe('syntax error, unexpected end of file, expecting \'"\'');
    expect(where(e)).toBe('1:5');
  });
});

describe('indented strings', () => {
  test.each([
    ["''a\n  b''", '"a\\n  b"'],
    ["''\n  a\n    b\n  c\n''", '"a\\n  b\\nc\\n"'],
    ["''\n    a\n  b\n''", '"  a\\nb\\n"'],
    ["''\n  a\n\n  b\n  ''", '"a\\n\\nb\\n"'],
    ["''\n    a\n  \n  b\n   ''", '"  a\\n\\nb\\n"'],
    ["''\n\ta\n  b''", '"\\ta\\n  b"'],
    ["''  \n  a''", '"a"'],
    ["''   ''", '""'],
    ["''\n''", '""'],
    ["''''", '""'],
    ["''\n \n  a\n''", '"\\na\\n"'],
    ["'' x\n  y\n''", '"x\\n y\\n"'],
    ["''\n  a\n   ''", '"a\\n"'],
    ["''\n  a\n  b ''", '"a\\nb "'],
    ["''a'b''", '"a\'b"'],
    // Escapes: ''$ is $, ''' is '', ''\x is the escape \x.
    ["''''$ ''' ''\\n x''", '("$" + " " + "\'\'" + " " + "\\n" + " x")'],
    ["''a'''b''", '("a" + "\'\'" + "b")'],
    ["''a''\\nb''", '("a" + "\\n" + "b")'],
    ["''$''", '"$"'],
    ["''\n  $\n''", '"$\\n"'],
    // Interpolations end the start-of-line whitespace, as escapes do.
    ["''\n  a ${\"x\"} b\n    c\n''", '("a " + "x" + " b\\n  c\\n")'],
    ["''\n  a\n  ${\"x\"}\n''", '("a\\n" + "x" + "\\n")'],
    ["''${\"x\"}''", '"x"'],
    // Newer Nix drops the empty parts 2.8 kept (2.8: ("" + "x" + "\na\n")).
    ["''\n  ${\"x\"}\n  a\n''", '("x" + "\\na\\n")'],
    ["''\n  ''\\n  a''", '("\\n" + "a")'],
    // NixOS/nix#16011: whitespace after an escaped newline is still indentation.
    ["''\n  ''\\n asdf\n''", '("\\n" + "asdf\\n")'],
  ])('%j', (input, expected) => {
    expect(show(input)).toBe(expected);
  });

  test('CR and CRLF are kept as they are, as C++ Nix keeps them (NixOS/nix#2331)', () => {
    // The lexer's IND_STR rule copies the bytes, so the CR is not indentation and nothing is
    // stripped.
    expect(show("''\r\n  a\r\n  b\r\n''")).toBe('"\\r\\n  a\\r\\n  b\\r\\n"');
  });
});

describe('paths', () => {
  test.each([
    ['./foo', '/base/dir/foo'],
    ['./foo/../bar/./baz', '/base/dir/bar/baz'],
    ['../x', '/base/x'],
    ['foo/bar', '/base/dir/foo/bar'],
    ['a.b/c-d+e_f', '/base/dir/a.b/c-d+e_f'],
    ['/abs/path', '/abs/path'],
    ['/abs/../path/x', '/path/x'],
    ['~/foo', '/home/u/foo'],
  ])('%s resolves to %s', (input, expected) => {
    const e = parseText(input);
    expect(e.kind).toBe('Path');
    expect(showExpr(e)).toBe(expected);
  });

  test('a relative path resolves against the source\'s baseDir', () => {
    const e = parse(new Source('/elsewhere/f.nix', './x', '/some/where'));
    expect(showExpr(e)).toBe('/some/where/x');
  });

  test('a ~ path is $HOME and the literal text after ~, not canonicalised, as in C++ Nix', () => {
    // The HPATH rule concatenates without absPath/canonPath (2.8 prints /home/u/foo/../bar).
    expect(show('~/foo/../bar')).toBe('/home/u/foo/../bar');
  });

  test('~ paths need a home directory', () => {
    const e = parseError('~/foo', null);
    expect(e.message).toBe("the path '~/foo' can not be resolved in pure mode");
  });

  test.each([
    ['x: ./foo/${x}', '(x: (/base/dir/foo/ + x))'],
    ['x: ./foo/${x}/bar', '(x: (/base/dir/foo/ + x + "/bar"))'],
    ['x: ./a/${x}b', '(x: (/base/dir/a/ + x + "b"))'],
    ['x: ./a/${x}${x}', '(x: (/base/dir/a/ + x + x))'],
    ['x: ./a/b${x}', '(x: (/base/dir/a/b + x))'],
    ['./a${"b"}', '(/base/dir/a + "b")'],
    ['x: ./${x}', '(x: (/base/dir/ + x))'],
    ['x: /${x}', '(x: (/ + x))'],
    // Canonicalised to the root, the first segment still gets its '/' back, as in C++ Nix.
    ['x: ./../../${x}', '(x: (// + x))'],
    ['x: /a/../${x}', '(x: (// + x))'],
    ['x: ~/${x}', '(x: (/home/u/ + x))'],
    ['x: a/${x}', '(x: (/base/dir/a/ + x))'],
    ['x: a.b/${x}/c.d', '(x: (/base/dir/a.b/ + x + "/c.d"))'],
    ['x: ./a//${x}', '(x: (/base/dir/a/ + "/" + x))'],
    ['x: ./a/${x}//b', '(x: (/base/dir/a/ + x + "/" + "/b"))'],
  ])('interpolated %s', (input, expected) => {
    expect(show(input)).toBe(expected);
  });

  test('a trailing slash is an error', () => {
    for (const [text, pos] of [['(./foo/ )', '1:8'], ['[ ./foo/]', '1:9'], ['./foo/\n', '1:7']]) {
      const e = parseError(text);
      expect(e.message).toBe('path has a trailing slash');
      expect(where(e)).toBe(pos);
    }
  });

  test('a trailing slash at the end of the input is reported at the path, as flex does', () => {
    // At end of file flex runs no rule action, so C++ Nix's position is still the path token's.
    const e = parseError('x: x ./foo/');
    expect(e.message).toBe('path has a trailing slash');
    expect(where(e)).toBe('1:6');
  });

  test.each([
    // An input that ends in a path: PATH_END restores the location before the path's last
    // token, and the end of file read after it keeps it, so an unexpected end of file is
    // reported where that token starts (current Nix; 2.8 had the same location, shown at its
    // start). Followed by anything, even a blank, the end of file is at the end as usual.
    ['[ ./a', '1:3'],
    ['x: [ x ./a', '1:8'],
    ['[  ./a/${"x"}', '1:13'],
    ['[ ./a ', '1:7'],
  ])('an unexpected end of file right after the path in %j is reported at %s', (text, pos) => {
    const e = parseError(text);
    expect(e.message).toBe('syntax error, unexpected end of file');
    expect(where(e)).toBe(pos);
  });

  test('a path continued without an interpolation is a syntax error', () => {
    // `./a//b` lexes as the path `./a/` and the string `/b`; the grammar only lets string
    // parts follow a path after a `${`.
    for (const text of ['./a//b', '/a//b', '~/a//b', './a///b']) {
      expect(() => parseText(text)).toThrow(ParseError);
    }
  });

  test.each([
    // flex's PATH_END takes back the character after the path and restores the location of
    // the token before it, the string `/b` (Nix 2.8 and current Nix alike)...
    ['./a//b\n', '1:5'],
    ['x: ./a//b   ', '1:8'],
    ['[ ./a//b ]', '1:7'],
    // ... but at the end of the input no rule runs first, so the location restored is the
    // one before that: the path `./a/`.
    ['./a//b', '1:1'],
    ['x: ./a//b', '1:4'],
  ])('the unexpected end of path in %j is reported where flex puts it: %s', (text, pos) => {
    const e = parseError(text);
    expect(e.message).toBe("syntax error, unexpected end of path, expecting '${'");
    expect(where(e)).toBe(pos);
  });
});

describe('formals after x @', () => {
  test.each([
    // bison's state after `x @ {` allows an identifier, `...` or `}` (current grammar; 2.8's
    // differs); after `,` too.
    ['a @ { inherit }: 1', "syntax error, unexpected 'inherit', expecting identifier or '...' or '}'", '1:7'],
    ['a @ { 1 }: 1', "syntax error, unexpected integer, expecting identifier or '...' or '}'", '1:7'],
    ['a@{', "syntax error, unexpected end of file, expecting identifier or '...' or '}'", '1:4'],
    ['a @ { x, 1 }: 1', "syntax error, unexpected integer, expecting identifier or '...' or '}'", '1:10'],
  ])('%j', (input, message, pos) => {
    const e = parseError(input);
    expect(e.message).toBe(message);
    expect(where(e)).toBe(pos);
  });
});

describe('or', () => {
  test.each([
    ['a: a.or', '(a: (a).or)'],
    ['{ or = 1; }.or', '({ or = 1; }).or'],
    ['with {}; f or', '(with { }; (f or))'],
    ['with {}; { a = f or; }', '(with { }; { a = (f or); })'],
    ['with {}; [ f or g ]', '(with { }; [ ((f or)) (g) ])'],
    ['with {}; x.y or z', '(with { }; (x).y or (z))'],
    ['with {}; { inherit or; }', '(with { }; { inherit or; })'],
    ['with {}; x ? or', '(with { }; ((x) ? or))'],
  ])('%s', (input, expected) => {
    expect(show(input)).toBe(expected);
  });

  test('is not an expression on its own', () => {
    const e = parseError('with {}; or');
    expect(e.message).toBe("syntax error, unexpected 'or'");
    expect(where(e)).toBe('1:10');
  });

  test('`f or` makes the variable `or` at the start of `f`, as C++ Nix (ExprVar(CUR_POS))', () => {
    // Where an undefined `or` is reported: `(x: x) or` is "undefined variable 'or'" at 1:1.
    for (const [text, offset] of [['with {}; f or', 9], ['with {}; (x: x) or', 9], ['with {}; [ (a)  or ]', 11]] as const) {
      const w = parseText(text) as Extract<Expr, { kind: 'With' }>;
      let call = w.body;
      if (call.kind === 'List') call = call.elems[0];
      expect(call.kind).toBe('Call');
      const arg = (call as Extract<Expr, { kind: 'Call' }>).args[0];
      expect(arg).toEqual({ kind: 'Var', pos: offset, name: 'or' });
    }
  });

  test('cannot follow a has-attr path', () => {
    const e = parseError('a: a ? b or c');
    expect(e.message).toBe("syntax error, unexpected 'or', expecting end of file");
    expect(where(e)).toBe('1:10');
  });
});

describe('legacy let { }', () => {
  test.each([
    ['let { body = 1; }', '(rec { body = 1; }).body'],
    ['let { x = 1; body = x; }', '(rec { body = x; x = 1; }).body'],
    ['let { x = 1; }', '(rec { x = 1; }).body'],
    ['x: [ let { body = x; } ]', '(x: [ ((rec { body = x; }).body) ])'],
  ])('%s', (input, expected) => {
    expect(show(input)).toBe(expected);
  });

  test.each([
    // Where no expression may start (an argument, a list element, an operand) a `let` can only
    // be this form, so what follows must be its `{` (bison: expr_simple's LET '{' binds '}').
    ['1 + let x = 1; in x', "syntax error, unexpected identifier, expecting '{'", '1:9'],
    ['f: f let x = 1; in x', "syntax error, unexpected identifier, expecting '{'", '1:10'],
    ['[ let ]', "syntax error, unexpected ']', expecting '{'", '1:7'],
    ['f: f let', "syntax error, unexpected end of file, expecting '{'", '1:9'],
  ])('%j: only `let {` is an operand', (input, message, pos) => {
    const e = parseError(input);
    expect(e.message).toBe(message);
    expect(where(e)).toBe(pos);
  });
});

describe('__curPos', () => {
  test('is a position node, not a variable', () => {
    expect(parseText('__curPos').kind).toBe('CurPos');
    expect(show('{ a = __curPos; }')).toBe('{ a = __curPos; }');
  });

  test('even where a binding of that name is in scope', () => {
    const e = parseText('let __curPos = 1; in __curPos');
    expect(e.kind === 'Let' && e.body.kind).toBe('CurPos');
  });

  test('is an ordinary name as an attribute', () => {
    expect(show('x: x.__curPos')).toBe('(x: (x).__curPos)');
  });
});

describe('CRLF and CR line endings', () => {
  test('count as one line end in error positions', () => {
    expect(where(parseError('x: x\r\n  +\r\n  ;'))).toBe('3:3');
    expect(where(parseError('x: x\r  +\r  ;'))).toBe('3:3');
  });

  test('end comments and separate tokens', () => {
    expect(show('rec {\r\n  /* a\r\n  b */\r\n  x = # c\ry;\r\n  y = 1;\r}')).toBe('rec { x = y; y = 1; }');
  });
});

describe('integers', () => {
  test('the largest 64-bit integer parses exactly', () => {
    const e = parseText('9223372036854775807');
    expect(e.kind === 'Int' && e.value).toBe(9223372036854775807n);
    expect(showExpr(e)).toBe('9223372036854775807');
  });

  test('integers beyond 2^53 stay exact', () => {
    expect(show('9007199254740993')).toBe('9007199254740993');
    expect(show('9007199254740992')).toBe('9007199254740992');
  });

  test('one more is an error', () => {
    const e = parseError('9223372036854775808');
    expect(e.message).toBe("invalid integer '9223372036854775808'");
    expect(where(e)).toBe('1:1');
  });

  test('the smallest one cannot be written as a literal: negation applies to a positive literal', () => {
    expect(show('-9223372036854775807')).toBe('(__sub 0 9223372036854775807)');
    const e = parseError('-9223372036854775808');
    expect(e.message).toBe("invalid integer '9223372036854775808'");
    expect(where(e)).toBe('1:2');
  });

  test('leading zeros', () => {
    expect(show('007')).toBe('7');
  });
});

describe('floats', () => {
  test.each([
    ['1.5e3', 1500, '1500'],
    ['.5', 0.5, '0.5'],
    ['0.5', 0.5, '0.5'],
    ['1.', 1, '1'],
    ['1.5E-3', 0.0015, '0.0015'],
    ['1.0e+10', 1e10, '1e+10'],
    ['2.5e-7', 2.5e-7, '2.5e-07'],
    ['123456789.0', 123456789, '1.23457e+08'],
    ['1.23456789', 1.23456789, '1.23457'],
    ['0.0e-400', 0, '0'],
    ['2.3e-308', 2.3e-308, '2.3e-308'],
  ])('%s', (input, value, shown) => {
    const e = parseText(input);
    expect(e.kind).toBe('Float');
    expect(e.kind === 'Float' && e.value).toBe(value);
    expect(showExpr(e)).toBe(shown);
  });

  test.each([
    ['00.5', '(0 0.5)'],
    ['01.5', '(1 0.5)'],
    ['1e3', '(1 e3)'],
    ['.5e', '(0.5 e)'],
    ['x: x.1', '(x: (x 0.1))'],
  ])('%s is not one float', (input, expected) => {
    expect(show(input)).toBe(expected);
  });

  test('overflow is an error', () => {
    for (const text of ['1.0e400', '1.8e308']) {
      const e = parseError(text);
      expect(e.message).toBe(`invalid float '${text}'`);
      expect(where(e)).toBe('1:1');
    }
  });

  test('underflow is an error, as strtod\'s ERANGE is in C++ Nix', () => {
    for (const text of ['1.0e-310', '2.0e-308', '0.1e-400']) {
      const e = parseError(text);
      expect(e.message).toBe(`invalid float '${text}'`);
    }
  });
});

describe('NUL bytes', () => {
  // Between tokens, flex's catch-all rule returns the byte, and 0 is the end of the input to
  // bison: the parse ends at a NUL (Nix 2.8 and current Nix alike), whatever follows it.
  test.each([
    ['1 \0 garbage (', '1'],
    ['x: x\0', '(x: x)'],
    ['# comment \0 ( \n1', '1'],
    ['/* \0 ( */ 1', '1'],
  ])('%j ends the input where a NUL is read', (input, expected) => {
    expect(show(input)).toBe(expected);
  });

  test.each([
    // An unexpected end of file is reported just past the NUL, as at the end of any input.
    ['(\0)', '1:3'],
    ['[ 1 \0 ]', '1:6'],
    ['\0', '1:2'],
  ])('%j is an unexpected end of file', (input, pos) => {
    const e = parseError(input);
    expect(e.message).toMatch(/^syntax error, unexpected end of file/);
    expect(where(e)).toBe(pos);
  });

  test('in a string it is an error, as C++ Nix forbids null bytes in strings', () => {
    expect(parseError('"a\0b"').message).toMatch(/cannot be represented as Nix string because it contains null bytes$/);
  });
});

describe('URIs', () => {
  test.each([
    ['http://example.com/foo?a=b&c=d', '"http://example.com/foo?a=b&c=d"'],
    ['git+ssh://git@github.com/a/b.git', '"git+ssh://git@github.com/a/b.git"'],
    ['x: x:x', '(x: "x:x")'],
    ['x: [ x:x ]', '(x: [ ("x:x") ])'],
    ['{ a = http://x.y/z; }', '{ a = "http://x.y/z"; }'],
  ])('%s', (input, expected) => {
    expect(show(input)).toBe(expected);
  });

  test('end at the first character a URI cannot hold', () => {
    const e = parseError('x: http://a.b/c:d;');
    expect(e.message).toBe("syntax error, unexpected ';', expecting end of file");
    expect(where(e)).toBe('1:18');
  });
});

describe('syntax errors', () => {
  test.each([
    ['{\n  a = 1;\n  b = ;\n}', "syntax error, unexpected ';'", '3:7'],
    ['let\n  x = 1\nin x', "syntax error, unexpected 'in', expecting ';'", '3:1'],
    ['{ a = 1; } }', "syntax error, unexpected '}', expecting end of file", '1:12'],
    ['1 )', "syntax error, unexpected ')', expecting end of file", '1:3'],
    ['#comment\n  ]', "syntax error, unexpected ']'", '2:3'],
    ['/* unterminated', "syntax error, unexpected '/'", '1:1'],
    ['x: x ? 1', "syntax error, unexpected integer, expecting identifier or 'or' or '${' or '\"'", '1:8'],
    ['\t1 +\t;', "syntax error, unexpected ';'", '1:6'],
    [utf8ToBytes('é +'), 'syntax error, unexpected invalid token', '1:1'],
    // Columns count bytes: é is two.
    [utf8ToBytes('"é" ;'), "syntax error, unexpected ';', expecting end of file", '1:6'],
    [utf8ToBytes('"é"\n  é ;'), 'syntax error, unexpected invalid token, expecting end of file', '2:3'],
    ['a: b: c: [ -a ]', "syntax error, unexpected '-'", '1:12'],
    ['x: { inherit (x) "${x}"; }', 'dynamic attributes not allowed in inherit', '1:18'],
    ['let ${"a" + "b"} = 1; in 1', 'dynamic attributes not allowed in let', '1:1'],
    ['{ x, x }: x', "duplicate formal function argument 'x'", '1:6'],
    ['x: a@{ a }: a', "duplicate formal function argument 'a'", '1:4'],
    ['{ a.b = 1; a.b = 2; }', `attribute 'a.b' already defined at ${ORIGIN}:1:3`, '1:12'],
    ['{ a = 1; a = 2; }', `attribute 'a' already defined at ${ORIGIN}:1:3`, '1:10'],
    ['let a = 1; a = 2; in a', `attribute 'a' already defined at ${ORIGIN}:1:5`, '1:12'],
    ['{ inherit a; a = 1; }', `attribute 'a' already defined at ${ORIGIN}:1:11`, '1:14'],
  ])('%j', (input, message, pos) => {
    const e = parseError(input);
    expect(e.message).toBe(message);
    expect(where(e)).toBe(pos);
  });

  // Newer Nix reports an unexpected end of file just past the input, as the corpus's
  // parse-fail-eof-pos expects; 2.8 pointed at the last token.
  test.each([
    ['(1 + 2', "syntax error, unexpected end of file, expecting ')'", '1:7'],
    ['[ 1 2', 'syntax error, unexpected end of file', '1:6'],
    ['1 +', 'syntax error, unexpected end of file', '1:4'],
    ['if 1 then 2', "syntax error, unexpected end of file, expecting 'else'", '1:12'],
    ['x: x +\n\n', 'syntax error, unexpected end of file', '3:1'],
  ])('%j at end of file', (input, message, pos) => {
    const e = parseError(input);
    expect(e.message).toBe(message);
    expect(where(e)).toBe(pos);
  });

  test('a duplicate formal named after @ is reported at the lambda, as C++ Nix\'s validateFormals(CUR_POS) does', () => {
    const e = parseError('x: { a }@a: a');
    expect(e.message).toBe("duplicate formal function argument 'a'");
    expect(where(e)).toBe('1:4');
  });
});

// C++ Nix's parser interns names as bison reduces (parser.y), and orders formals and the sets
// it merges by symbol number: which duplicate it reports follows that order, not the names'.
describe('symbol order in the parser', () => {
  function namesOf(text: string): string[] {
    const names: string[] = [];
    parse(new Source(ORIGIN, text, BASE), { home: HOME, names });
    return names;
  }

  test('names are interned as bison reduces: a lambda\'s argument after its body, a formal after its default', () => {
    expect(namesOf('a: b: c')).toEqual(['c', 'b', 'a']);
    expect(namesOf('x: y: x')).toEqual(['x', 'y']);
    expect(namesOf('{ x ? y, y }: z')).toEqual(['y', 'x', 'z']);
    expect(namesOf('args@{ a }: b')).toEqual(['a', 'b', 'args']);
    expect(namesOf('{ a }@args: b')).toEqual(['a', 'b', 'args']);
    expect(namesOf('let f = zz: yy; in { inherit (f) q; "s" = r.t; ${u} = 1; }')).toEqual(['f', 'yy', 'zz', 'q', 's', 'r', 't', 'u']);
  });

  test.each([
    // Of the names written twice, the first in symbol order, at its second place.
    ['{ a, b, b, a }: 1', 'a', '1:12'],
    ['{ b, a, a, b }: 1', 'b', '1:12'],
    // `a` is interned first, by b's default.
    ['{ b ? a, a, b, a }: 1', 'a', '1:16'],
    ['{ zz, yy, zz, yy, zz }: 1', 'zz', '1:11'],
  ])('%j reports its duplicate formal by symbol order', (input, name, pos) => {
    const e = parseError(input);
    expect(e.message).toBe(`duplicate formal function argument '${name}'`);
    expect(where(e)).toBe(pos);
  });

  test('names met before the source (the evaluator\'s, other files\') come first', () => {
    const known = new Map([['name', 5]]);
    const e = (() => {
      try {
        parse(new Source(ORIGIN, '{ zzz, name, zzz, name }: 1', BASE), { symbolId: (n) => known.get(n) });
      } catch (err) {
        return err as ParseError;
      }
      throw new Error('parsed');
    })();
    expect(e.message).toBe("duplicate formal function argument 'name'");
    expect(where(e)).toBe('1:19');
  });

  test('a merged set joins in symbol order: the first duplicate in that order is reported', () => {
    const first = parseError('{ a.c = 1; a.b = 2; a = { b = 3; c = 4; }; }');
    expect(first.message).toBe(`attribute 'a.c' already defined at ${ORIGIN}:1:3`);
    expect(where(first)).toBe('1:34');
    const second = parseError('{ a.b = 1; a.c = 2; a = { c = 3; b = 4; }; }');
    expect(second.message).toBe(`attribute 'a.b' already defined at ${ORIGIN}:1:3`);
    expect(where(second)).toBe('1:34');
  });

  test('formals and a let are checked once their body is parsed, as bison reduces them', () => {
    expect(parseError('{ a, a }: (').message).toBe('syntax error, unexpected end of file');
    expect(parseError('{ a, a }: { b = 1; b = 2; }').message).toBe(`attribute 'b' already defined at ${ORIGIN}:1:13`);
    expect(parseError('let ${a} = 1; in { b = 1; b = 2; }').message).toBe(`attribute 'b' already defined at ${ORIGIN}:1:20`);
    expect(parseError('let ${a} = 1; in (').message).toBe('syntax error, unexpected end of file');
    expect(parseError('let ${a} = 1; in 1').message).toBe('dynamic attributes not allowed in let');
  });
});

describe('has-attr chains', () => {
  test('`a ? b ? c` parses left-nested: `?` takes an attribute path, so bison never sees a conflict', () => {
    expect(show('a: b: c: a ? b ? c')).toBe('(a: (b: (c: ((((a) ? b)) ? c))))');
    expect(show('x: x ? a.b ? "x" ? a.b')).toBe('(x: ((((((x) ? a.b)) ? x)) ? a.b))');
  });
});
