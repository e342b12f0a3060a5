// Unit tests of the string builtins (src/builtins/strings.ts and its strings-*.ts helpers,
// regex.ts): byte semantics, string context, argument forcing order, and C++ Nix 2.36's
// error messages with their context lines. Regex results were checked against C++ Nix
// (libstdc++ std::regex, extended grammar).

import { evaluate } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { failure, run } from './helpers.js';

function warnings(expr: string): string[] {
  const r = evaluate({ expr, strict: true });
  return r.messages;
}

/** A string with context, made without derivations. */
const DRV = '/nix/store/ffffffffffffffffffffffffffffffff-foo.drv';
const SRC = '/nix/store/00000000000000000000000000000000-src';
const withCtx = (s: string, ctx: string): string => `(builtins.appendContext ${JSON.stringify(s)} { ${ctx} })`;
const outCtx = `"${DRV}" = { outputs = [ "out" ]; };`;

describe('stringLength', () => {
  test('counts bytes', () => {
    expect(run('builtins.stringLength ""')).toBe('0');
    expect(run('builtins.stringLength "abc"')).toBe('3');
    expect(run('builtins.stringLength "é"')).toBe('2');
    expect(run('builtins.stringLength "€"')).toBe('3');
  });
  test('coerces sets', () => {
    expect(run('builtins.stringLength { outPath = "/x/y"; }')).toBe('4');
    expect(run('builtins.stringLength { __toString = self: "abc"; }')).toBe('3');
  });
  test('errors', () => {
    expect(failure('builtins.stringLength { }')).toEqual({
      message: 'cannot coerce a set to a string: { }',
      context: ['while evaluating the argument passed to builtins.stringLength'],
    });
    expect(failure('builtins.stringLength 1').message).toBe('cannot coerce an integer to a string: 1');
    expect(failure('builtins.stringLength null').message).toBe('cannot coerce null to a string: null');
    // Errors from evaluating the argument get no frame of the builtin's.
    expect(failure('builtins.stringLength (throw "x")')).toEqual({ message: 'x', context: [] });
  });
});

describe('coercion of sets through __toString and outPath', () => {
  const chain = (n: number, end: string): string =>
    `let mk = n: if n == 0 then ${end} else if n == 2 then { outPath = mk (n - 1); } else { __toString = s: mk (n - 1); }; in mk ${n}`;
  test('a chain is followed to its end', () => {
    expect(run(`toString (${chain(4, '"x"')})`)).toBe('"x"');
    expect(run(`toString (${chain(4, '[1 2]')})`)).toBe('"1 2"');
    expect(run(`builtins.stringLength (${chain(5000, '"abc"')})`)).toBe('3');
  });
  test('an error gets one line per set, innermost first', () => {
    expect(failure(`toString (${chain(3, '{ }')})`)).toEqual({
      message: 'cannot coerce a set to a string: { }',
      context: [
        'while evaluating the first argument passed to builtins.toString',
        'while using the result of the `__toString` attribute',
        'while using the `outPath` attribute',
        'while using the result of the `__toString` attribute',
      ],
    });
    expect(failure(`"\${${chain(3, 'throw "boom"')}}"`).context).toEqual([
      'while calling the `__toString` attribute',
      'while using the `outPath` attribute',
      'while using the result of the `__toString` attribute',
    ]);
  });
  test('a set that stands for itself is a stack overflow, as in C++ Nix', () => {
    const e = failure('toString { __toString = s: s; }');
    expect(e.message).toBe('stack overflow; max-call-depth exceeded');
    expect(e.context[0]).toBe('while using the result of the `__toString` attribute');
    expect(failure('let s = { outPath = s; }; in "${s}"').message).toBe('stack overflow; max-call-depth exceeded');
    expect(failure('builtins.readFile { __toString = s: s; }').message).toBe('stack overflow; max-call-depth exceeded');
  });
});

describe('substring', () => {
  test('byte offsets', () => {
    expect(run('builtins.substring 1 2 "foobar"')).toBe('"oo"');
    expect(run('builtins.stringLength (builtins.substring 0 1 "é")')).toBe('1');
    expect(run('builtins.substring 0 2 "éa"')).toBe('"é"');
    expect(run('builtins.substring 3 100 "foobar"')).toBe('"bar"');
    expect(run('builtins.substring 10 2 "hello"')).toBe('""');
    expect(run('builtins.substring 5 1 "hello"')).toBe('""');
    expect(run('builtins.substring 0 0 ""')).toBe('""');
  });
  test('a negative length takes the rest', () => {
    expect(run('builtins.substring 3 (-1) "tebbad"')).toBe('"bad"');
    expect(run('builtins.substring 1 (-100) "hello"')).toBe('"ello"');
  });
  test('64-bit offsets', () => {
    expect(run('builtins.substring 9223372036854775807 2 "hello"')).toBe('""');
    expect(run('builtins.substring 2 9223372036854775807 "hello"')).toBe('"llo"');
  });
  test('coerces the string', () => {
    expect(run('builtins.substring 1 2 { outPath = "/abc"; }')).toBe('"ab"');
  });
  test('keeps context, also for empty substrings', () => {
    const s = withCtx('abc', outCtx);
    expect(run(`builtins.hasContext (builtins.substring 0 1 ${s})`)).toBe('true');
    expect(run(`builtins.hasContext (builtins.substring 0 0 ${s})`)).toBe('true');
    expect(run(`builtins.hasContext (builtins.substring 5 1 ${s})`)).toBe('true');
  });
  test('negative start is checked before the length is forced', () => {
    expect(failure('builtins.substring (-1) (throw "len") "x"')).toEqual({
      message: "negative start position in 'substring'", context: [],
    });
    expect(failure('builtins.substring (builtins.sub 0 1) 1 "x"').message).toBe("negative start position in 'substring'");
  });
  test('type errors', () => {
    expect(failure('builtins.substring { } "foo" true')).toEqual({
      message: 'expected an integer but found a set: { }',
      context: ['while evaluating the first argument (the start offset) passed to builtins.substring'],
    });
    expect(failure('builtins.substring 3 "foo" true')).toEqual({
      message: 'expected an integer but found a string: "foo"',
      context: ['while evaluating the second argument (the substring length) passed to builtins.substring'],
    });
    expect(failure('builtins.substring 0 3 { }')).toEqual({
      message: 'cannot coerce a set to a string: { }',
      context: ['while evaluating the third argument (the string) passed to builtins.substring'],
    });
    expect(failure('builtins.substring 0 1 1').message).toBe('cannot coerce an integer to a string: 1');
  });
  test('partial application', () => {
    expect(run('map (builtins.substring 0 1) [ "ab" "cd" ]')).toBe('[ "a" "c" ]');
  });
});

describe('replaceStrings', () => {
  test('replaces', () => {
    expect(run('builtins.replaceStrings [ "o" ] [ "a" ] "foobar"')).toBe('"faabar"');
    expect(run('builtins.replaceStrings [ "oo" "a" ] [ "a" "oo" ] "foobar"')).toBe('"faboor"');
    expect(run('builtins.replaceStrings [ "oo" "oo" ] [ "u" "i" ] "foobar"')).toBe('"fubar"');
    expect(run('builtins.replaceStrings [ "abc" "ab" ] [ "1" "2" ] "ababcab"')).toBe('"212"');
    expect(run('builtins.replaceStrings [ ] [ ] "abc"')).toBe('"abc"');
    expect(run('builtins.replaceStrings [ "é" ] [ "e" ] "café"')).toBe('"cafe"');
    expect(run('builtins.replaceStrings [ "x" ] [ "y" ] ""')).toBe('""');
  });
  test('an empty pattern matches at every position', () => {
    expect(run('builtins.replaceStrings [ "" ] [ "X" ] "abc"')).toBe('"XaXbXcX"');
    expect(run('builtins.replaceStrings [ "" ] [ "X" ] ""')).toBe('"X"');
    expect(run('builtins.replaceStrings [ "a" "" ] [ "X" "-" ] "banana"')).toBe('"-bX-nX-nX-"');
    expect(run('builtins.replaceStrings [ "" "a" ] [ "-" "X" ] "banana"')).toBe('"-b-a-n-a-n-a-"');
  });
  test('replacements are forced only when used, and once', () => {
    expect(run('builtins.replaceStrings [ "oo" "XX" ] [ "u" (throw "unreachable") ] "foobar"')).toBe('"fubar"');
    expect(run('builtins.replaceStrings [ "a" ] [ (builtins.trace "t" "b") ] "aaa"')).toBe('"bbb"');
    expect(warnings('builtins.replaceStrings [ "a" ] [ (builtins.trace "t" "b") ] "aaa"')).toEqual(['trace: t']);
  });
  test('context: the string and the replacements used', () => {
    const s = withCtx('b', outCtx);
    expect(run(`builtins.hasContext (builtins.replaceStrings [ "a" ] [ ${s} ] "xax")`)).toBe('true');
    expect(run(`builtins.hasContext (builtins.replaceStrings [ "z" ] [ ${s} ] "xax")`)).toBe('false');
    expect(run(`builtins.hasContext (builtins.replaceStrings [ "z" ] [ "" ] ${s})`)).toBe('true');
  });
  test('errors', () => {
    expect(failure('builtins.replaceStrings 0 0 { }')).toEqual({
      message: 'expected a list but found an integer: 0',
      context: ['while evaluating the first argument passed to builtins.replaceStrings'],
    });
    expect(failure('builtins.replaceStrings [ ] 0 { }').context).toEqual(['while evaluating the second argument passed to builtins.replaceStrings']);
    expect(failure('builtins.replaceStrings [ 0 ] [ ] { }')).toEqual({
      message: "'from' and 'to' arguments passed to builtins.replaceStrings have different lengths", context: [],
    });
    expect(failure('builtins.replaceStrings [ 1 ] [ "new" ] { }')).toEqual({
      message: 'expected a string but found an integer: 1',
      context: ['while evaluating one of the strings to replace passed to builtins.replaceStrings'],
    });
    expect(failure('builtins.replaceStrings [ "oo" ] [ true ] "foo"')).toEqual({
      message: 'expected a string but found a Boolean: true',
      context: ['while evaluating one of the replacement strings passed to builtins.replaceStrings'],
    });
    expect(failure('builtins.replaceStrings [ "old" ] [ "new" ] { }')).toEqual({
      message: 'expected a string but found a set: { }',
      context: ['while evaluating the third argument passed to builtins.replaceStrings'],
    });
  });
  test('the replacement first needed is the first forced, wherever it is in the list', () => {
    expect(failure('builtins.replaceStrings [ "a" "b" ] [ (throw "A") (throw "B") ] "xba"').message).toBe('B');
    expect(failure('builtins.replaceStrings [ "a" "b" ] [ "1" (builtins.seq 0 2) ] "ab"')).toEqual({
      message: 'expected a string but found an integer: 2',
      context: ['while evaluating one of the replacement strings passed to builtins.replaceStrings'],
    });
  });
  test('one list of patterns over many strings, and the same patterns in another list', () => {
    // (The patterns of a list are prepared once and kept with the list.)
    expect(run('let f = builtins.replaceStrings [ "a" "ab" "" ] [ "1" "2" "-" ]; in map f [ "ab" "ba" "" "cab" ]'))
      .toBe('[ "1-b-" "-b1-" "-" "-c1-b-" ]');
    expect(run('let p = [ "a" "b" ]; in [ (builtins.replaceStrings p [ "1" "2" ] "ab") (builtins.replaceStrings p [ "3" "4" ] "ab") ]'))
      .toBe('[ "12" "34" ]');
    expect(run('builtins.replaceStrings [ "ab" "a" "b" ] [ "1" "2" "3" ] "aababba"')).toBe('"21132"');
  });
});

describe('concatStringsSep', () => {
  test('joins', () => {
    expect(run('builtins.concatStringsSep ", " [ "foo" "bar" "xyzzy" ]')).toBe('"foo, bar, xyzzy"');
    expect(run('builtins.concatStringsSep ", " [ ]')).toBe('""');
    expect(run('builtins.concatStringsSep "" [ "a" "b" ]')).toBe('"ab"');
    expect(run('builtins.concatStringsSep "é" [ "a" "b" ]')).toBe('"aéb"');
    expect(run('builtins.concatStringsSep "/" [ { outPath = "x"; } "y" ]')).toBe('"x/y"');
  });
  test('context of the separator and the elements', () => {
    const s = withCtx('-', outCtx);
    expect(run(`builtins.hasContext (builtins.concatStringsSep ${s} [ ])`)).toBe('true');
    expect(run(`builtins.hasContext (builtins.concatStringsSep "" [ "a" ${s} ])`)).toBe('true');
  });
  test('errors', () => {
    expect(failure('builtins.concatStringsSep 1 { }')).toEqual({
      message: 'expected a string but found an integer: 1',
      context: ['while evaluating the first argument (the separator string) passed to builtins.concatStringsSep'],
    });
    expect(failure('builtins.concatStringsSep "foo" { }')).toEqual({
      message: 'expected a list but found a set: { }',
      context: ['while evaluating the second argument (the list of strings to concat) passed to builtins.concatStringsSep'],
    });
    expect(failure('builtins.concatStringsSep "foo" [ 1 2 { } ]')).toEqual({
      message: 'cannot coerce an integer to a string: 1',
      context: ['while evaluating one element of the list of strings to concat passed to builtins.concatStringsSep'],
    });
  });
});

describe('match', () => {
  test('whole-string matches and groups', () => {
    expect(run('builtins.match "ab" "abc"')).toBe('null');
    expect(run('builtins.match "abc" "abc"')).toBe('[ ]');
    expect(run('builtins.match "a(b)(c)" "abc"')).toBe('[ "b" "c" ]');
    expect(run('builtins.match "[[:space:]]+([[:upper:]]+)[[:space:]]+" "  FOO   "')).toBe('[ "FOO" ]');
    expect(run('builtins.match "((.*)/)?([^/]*)\\\\.(nix|cc)" "foobar.cc"')).toBe('[ null null "foobar" "cc" ]');
    expect(run('builtins.match "fo{1,2}" "fooo"')).toBe('null');
    expect(run('builtins.match "" ""')).toBe('[ ]');
    expect(run('builtins.match "()" ""')).toBe('[ "" ]');
  });
  test('bytes, not characters', () => {
    expect(run('builtins.match "." "é"')).toBe('null');
    expect(run('builtins.match ".." "é"')).toBe('[ ]');
    expect(run('builtins.match "[é]" "é"')).toBe('null');
    expect(run('builtins.match "[é]+" "é"')).toBe('[ ]');
    expect(run('builtins.match "[[:alpha:]]*" "aéb"')).toBe('null');
    expect(run('builtins.match "[^a]*" "éb"')).toBe('[ ]');
  });
  test('POSIX syntax: escapes are literal, brackets take no escapes, classes', () => {
    expect(run('builtins.match "\\\\." "."')).toBe('[ ]');
    expect(run('builtins.match "\\\\." "d"')).toBe('null');
    expect(run('builtins.match "[\\\\n]+" "\\\\n"')).toBe('[ ]');
    expect(run('builtins.match "[]a]+" "]a]"')).toBe('[ ]');
    expect(run('builtins.match "[^]a]+" "bc"')).toBe('[ ]');
    expect(run('builtins.match "[a-]+" "a-"')).toBe('[ ]');
    expect(run('builtins.match "[[:ALPHA:][:digit:]_]+" "aZ_0"')).toBe('[ ]');
    expect(run('builtins.match "[[:w:]]+" "aZ_0"')).toBe('[ ]');
    expect(run('builtins.match "[[.hyphen.]]" "-"')).toBe('[ ]');
    expect(run('builtins.match "[[=a=]]+" "aA"')).toBe('[ ]');
    expect(run('builtins.match "a{2}{2}" "aaaa"')).toBe('[ ]');
    expect(run('builtins.match "a**" "aaa"')).toBe('[ ]');
    expect(run('builtins.match "}]" "}]"')).toBe('[ ]');
  });
  test("libstdc++'s answers where POSIX engines differ", () => {
    // A repeated group may run without consuming input, and keeps values from earlier rounds.
    expect(run('builtins.match "(a*)*" ""')).toBe('[ "" ]');
    expect(run('builtins.match "(|a)*" "a"')).toBe('[ "" ]');
    expect(run('builtins.match "((a)|b)+" "ab"')).toBe('[ "b" "a" ]');
    expect(run('builtins.match "(a|ab)(c|bcd)(d*)" "abcd"')).toBe('[ "a" "bcd" "" ]');
  });
  test('invalid regular expressions', () => {
    for (const re of ['(.*', 'a)', '*a', 'a|*b', '^*', '[a', '[z-a]', '[a-c-e]', '[[:foo:]]', 'a{1', 'a{,2}', 'a{3,2}', '\\', '[a-é]']) {
      expect(failure(`builtins.match ${JSON.stringify(re)} ""`)).toEqual({ message: `invalid regular expression '${re}'`, context: [] });
    }
    expect(failure('builtins.match "x{100000}" "x"').message).toBe("memory limit exceeded by regular expression 'x{100000}'");
  });
  test('only special characters may be escaped (libstdc++ as strict ISO C++, as C++ Nix is built)', () => {
    for (const re of ['\\d+', '\\bfoo', 'a\\-b', '\\/', '\\]', '\\}', 'a\\ b', '\\a', '(\\w)']) {
      expect(failure(`builtins.match ${JSON.stringify(re)} ""`)).toEqual({ message: `invalid regular expression '${re}'`, context: [] });
    }
    expect(failure('builtins.split "\\\\n" "a"').message).toBe("invalid regular expression '\\n'");
    // Each special character, escaped, is that character; inside brackets a backslash is itself.
    const specials = '.[\\()*+?{|^$';
    const escaped = [...specials].map((c) => `\\${c}`).join('');
    expect(run(`builtins.match ${JSON.stringify(escaped)} ${JSON.stringify(specials)}`)).toBe('[ ]');
    expect(run('builtins.match "[\\d]+" "d\\d"')).toBe('[ ]');
  });
  test('the regex is compiled before the string is forced', () => {
    expect(failure('builtins.match "(" (throw "s")').message).toBe("invalid regular expression '('");
  });
  test('errors', () => {
    expect(failure('builtins.match 1 { }')).toEqual({
      message: 'expected a string but found an integer: 1',
      context: ['while evaluating the first argument passed to builtins.match'],
    });
    expect(failure('builtins.match "foo" { }')).toEqual({
      message: 'expected a string but found a set: { }',
      context: ['while evaluating the second argument passed to builtins.match'],
    });
    expect(failure(`builtins.match ${withCtx('a', outCtx)} "a"`)).toEqual({
      message: `the string 'a' is not allowed to refer to a store path (such as '${DRV}^out')`,
      context: ['while evaluating the first argument passed to builtins.match'],
    });
    // The first element of the context (plain paths, then whole derivations, then outputs), as
    // a derived path.
    const all = `"${SRC}" = { path = true; }; "${DRV}" = { allOutputs = true; outputs = [ "out" ]; };`;
    expect(failure(`builtins.match ${withCtx('a', all)} "a"`).message)
      .toBe(`the string 'a' is not allowed to refer to a store path (such as '${SRC}')`);
    expect(failure(`builtins.match ${withCtx('a', `"${DRV}" = { allOutputs = true; outputs = [ "out" ]; };`)} "a"`).message)
      .toBe(`the string 'a' is not allowed to refer to a store path (such as '${DRV} (deep)')`);
  });
  test('the string may have context; the groups do not', () => {
    expect(run(`builtins.hasContext (builtins.head (builtins.match "(a)" ${withCtx('a', outCtx)}))`)).toBe('false');
  });
});

describe('split', () => {
  test('documentation examples', () => {
    expect(run('builtins.split "(a)b" "abc"')).toBe('[ "" [ "a" ] "c" ]');
    expect(run('builtins.split "([ac])" "abc"')).toBe('[ "" [ "a" ] "b" [ "c" ] "" ]');
    expect(run('builtins.split "(a)|(c)" "abc"')).toBe('[ "" [ "a" null ] "b" [ null "c" ] "" ]');
    expect(run('builtins.split "([[:upper:]]+)" " FOO "')).toBe('[ " " [ "FOO" ] " " ]');
  });
  test('no match: the string itself', () => {
    expect(run('builtins.split "x" "abc"')).toBe('[ "abc" ]');
    expect(run('builtins.split "x" ""')).toBe('[ "" ]');
    expect(run(`builtins.hasContext (builtins.head (builtins.split "x" ${withCtx('a', outCtx)}))`)).toBe('true');
    expect(run(`builtins.hasContext (builtins.head (builtins.split "a" ${withCtx('ab', outCtx)}))`)).toBe('false');
  });
  test('empty matches, as std::regex_iterator finds them', () => {
    expect(run('builtins.split "" "abc"')).toBe('[ "" [ ] "a" [ ] "b" [ ] "c" [ ] "" ]');
    expect(run('builtins.split "x*" "axxb"')).toBe('[ "" [ ] "a" [ ] "" [ ] "b" [ ] "" ]');
    expect(run('builtins.split "b*" "ab"')).toBe('[ "" [ ] "a" [ ] "" [ ] "" ]');
    expect(run('builtins.split "^" "abc"')).toBe('[ "" [ ] "abc" ]');
    expect(run('builtins.split "$" "abc"')).toBe('[ "abc" [ ] "" ]');
  });
  test('the longest alternative wins', () => {
    expect(run('builtins.split "a|ab" "xabc"')).toBe('[ "x" [ ] "c" ]');
    expect(run('builtins.split "(o+)" "oooofoooo"')).toBe('[ "" [ "oooo" ] "f" [ "oooo" ] "" ]');
  });
  test('bytes', () => {
    expect(run('builtins.split "é" "aébéc"')).toBe('[ "a" [ ] "b" [ ] "c" ]');
    expect(run('builtins.split "[^a-z]" "aéb"')).toBe('[ "a" [ ] "" [ ] "b" ]');
  });
  test('errors', () => {
    expect(failure('builtins.split 1 { }').context).toEqual(['while evaluating the first argument passed to builtins.split']);
    expect(failure('builtins.split "foo" { }').context).toEqual(['while evaluating the second argument passed to builtins.split']);
    expect(failure('builtins.split "f(o*o" "1foo2"').message).toBe("invalid regular expression 'f(o*o'");
  });
  test('long inputs do not recurse', () => {
    const n = 50000;
    expect(run(`builtins.length (builtins.split "(a|b)" (builtins.concatStringsSep "" (builtins.genList (i: "ab") ${n})))`))
      .toBe(String(4 * n + 1));
    expect(run(`builtins.match "((a)|b)*c" (builtins.concatStringsSep "" (builtins.genList (i: "ab") ${n}) + "c")`))
      .toBe('[ "b" "a" ]');
  });
});

describe('parseDrvName, compareVersions, splitVersion', () => {
  test('parseDrvName', () => {
    expect(run('builtins.parseDrvName "hello-1.0.2"')).toBe('{ name = "hello"; version = "1.0.2"; }');
    expect(run('builtins.parseDrvName "hello"')).toBe('{ name = "hello"; version = ""; }');
    expect(run('builtins.parseDrvName "xf86-video-i810-1.7.4"')).toBe('{ name = "xf86-video-i810"; version = "1.7.4"; }');
    expect(run('builtins.parseDrvName "name-that-ends-with-dash--1.0"')).toBe('{ name = "name-that-ends-with-dash"; version = "-1.0"; }');
    expect(run('builtins.parseDrvName "foo-é"')).toBe('{ name = "foo"; version = "é"; }');
    expect(run('builtins.parseDrvName "a-"')).toBe('{ name = "a-"; version = ""; }');
  });
  test('compareVersions', () => {
    const cmp = (a: string, b: string): string => run(`builtins.compareVersions "${a}" "${b}"`);
    expect(cmp('1.0', '2.3')).toBe('-1');
    expect(cmp('2.3', '2.3')).toBe('0');
    expect(cmp('2.3.1', '2.3a')).toBe('1');
    expect(cmp('2.3pre1', '2.3')).toBe('-1');
    expect(cmp('2.3pre3', '2.3pre12')).toBe('-1');
    expect(cmp('2.3a', '2.3c')).toBe('-1');
    expect(cmp('1.10', '1.9')).toBe('1');
    expect(cmp('1.0', '1.0.0')).toBe('-1');
    expect(cmp('1-2', '1.2')).toBe('0');
    expect(cmp('', '')).toBe('0');
    // Numbers beyond a C int compare as words.
    expect(cmp('2147483648', '1')).toBe('-1');
  });
  test('splitVersion', () => {
    expect(run('builtins.splitVersion "1.2.3"')).toBe('[ "1" "2" "3" ]');
    expect(run('builtins.splitVersion "1.2.3pre4-foo..bar"')).toBe('[ "1" "2" "3" "pre" "4" "foo" "bar" ]');
    expect(run('builtins.splitVersion ""')).toBe('[ ]');
    expect(run('builtins.splitVersion "..."')).toBe('[ ]');
  });
  test('errors', () => {
    expect(failure('builtins.parseDrvName 1').context).toEqual(['while evaluating the first argument passed to builtins.parseDrvName']);
    expect(failure('builtins.compareVersions 1 { }')).toEqual({
      message: 'expected a string but found an integer: 1',
      context: ['while evaluating the first argument passed to builtins.compareVersions'],
    });
    expect(failure('builtins.compareVersions "abd" { }').context).toEqual(['while evaluating the second argument passed to builtins.compareVersions']);
    expect(failure('builtins.splitVersion 1').context).toEqual(['while evaluating the first argument passed to builtins.splitVersion']);
    expect(failure(`builtins.parseDrvName ${withCtx('a-1', `"${SRC}" = { path = true; };`)}`).message)
      .toBe(`the string 'a-1' is not allowed to refer to a store path (such as '${SRC}')`);
  });
});

describe('baseNameOf and dirOf', () => {
  test('baseNameOf', () => {
    expect(run('builtins.baseNameOf "a/b"')).toBe('"b"');
    expect(run('builtins.baseNameOf "a/"')).toBe('"a"');
    expect(run('builtins.baseNameOf "a//"')).toBe('""');
    expect(run('builtins.baseNameOf "/"')).toBe('""');
    expect(run('builtins.baseNameOf ""')).toBe('""');
    expect(run('builtins.baseNameOf /foo/bar')).toBe('"bar"');
    expect(run('builtins.baseNameOf "é/ü"')).toBe('"ü"');
    expect(run(`builtins.hasContext (builtins.baseNameOf ${withCtx('a/b', outCtx)})`)).toBe('true');
    expect(failure('builtins.baseNameOf [ ]')).toEqual({
      message: 'cannot coerce a list to a string: [ ]',
      context: ['while evaluating the first argument passed to builtins.baseNameOf'],
    });
  });
  test('dirOf', () => {
    expect(run('builtins.dirOf "a///b"')).toBe('"a//"');
    expect(run('builtins.dirOf "filename"')).toBe('"."');
    expect(run('builtins.dirOf "/"')).toBe('"/"');
    expect(run('builtins.dirOf "//"')).toBe('"/"');
    expect(run('builtins.dirOf "/a"')).toBe('"/"');
    expect(run('builtins.dirOf /a/b')).toBe('/a');
    expect(run('builtins.dirOf /a')).toBe('/');
    expect(run('builtins.dirOf /.')).toBe('/');
    expect(run(`builtins.hasContext (builtins.dirOf ${withCtx('a/b', outCtx)})`)).toBe('true');
    expect(failure('builtins.dirOf { }')).toEqual({
      message: 'cannot coerce a set to a string: { }',
      context: ["while evaluating the first argument passed to 'builtins.dirOf'"],
    });
  });
});

describe('hashString and convertHash', () => {
  test('hashString', () => {
    expect(run('builtins.hashString "md5" ""')).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
    expect(run('builtins.hashString "sha1" ""')).toBe('"da39a3ee5e6b4b0d3255bfef95601890afd80709"');
    expect(run('builtins.hashString "sha256" "text 1"')).toBe('"900a4469df00ccbfd0c145c6d1e4b7953dd0afafadd7534e3a4019e8d38fc663"');
    expect(run('builtins.hashString "md5" "é"')).toBe('"66ddcd97cfdeabb2f6fb8a999b4bc76f"');
    expect(run(`builtins.hasContext (builtins.hashString "md5" ${withCtx('a', outCtx)})`)).toBe('false');
  });
  test('an unknown hash algorithm ends with the usage hint, unindented, as nix-instantiate prints it', () => {
    const r = evaluate({ expr: 'builtins.hashString "foo" "content"', strict: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rendered.endsWith("\nTry 'nix-instantiate --help' for more information.\n")).toBe(true);
  });

  test('hashString errors', () => {
    expect(failure('builtins.hashString 1 { }').context).toEqual(['while evaluating the first argument passed to builtins.hashString']);
    expect(failure('builtins.hashString "foo" "content"').message).toBe(
      "unknown hash algorithm 'foo', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'",
    );
    expect(failure('builtins.hashString "sha256" { }').context).toEqual(['while evaluating the second argument passed to builtins.hashString']);
    expect(failure('builtins.hashString "blake3" ""').message).toMatch(/experimental Nix feature 'blake3-hashes' is disabled/);
  });
  const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const conv = (attrs: string): string => run(`builtins.convertHash { ${attrs} }`);
  test('convertHash formats', () => {
    expect(conv(`hash = "${sha256}"; hashAlgo = "sha256"; toHashFormat = "nix32";`)).toBe('"0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"');
    expect(conv(`hash = "${sha256}"; hashAlgo = "sha256"; toHashFormat = "base64";`)).toBe('"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="');
    expect(conv(`hash = "${sha256}"; hashAlgo = "sha256"; toHashFormat = "sri";`)).toBe('"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="');
    expect(conv('hash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; toHashFormat = "base16";')).toBe(`"${sha256}"`);
    expect(conv('hash = "sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"; toHashFormat = "base16";')).toBe(`"${sha256}"`);
    expect(conv(`hash = "${sha256.toUpperCase()}"; hashAlgo = "sha256"; toHashFormat = "base16";`)).toBe(`"${sha256}"`);
    expect(conv('hash = "md5:1B2M2Y8AsgTpgAmY7PhCfg=="; toHashFormat = "nix32";')).toBe('"3y8bwfr609h3lh9ch0izcqq7fl"');
  });
  test('base32 is a deprecated alias', () => {
    expect(warnings(`builtins.convertHash { hash = "${sha256}"; hashAlgo = "sha256"; toHashFormat = "base32"; }`))
      .toEqual(['warning: "base32" is a deprecated alias for hash format "nix32".']);
  });
  test('convertHash errors', () => {
    expect(failure('builtins.convertHash 1').context).toEqual(['while evaluating the first argument passed to builtins.convertHash']);
    expect(failure('builtins.convertHash { toHashFormat = "sri"; }')).toEqual({
      message: "attribute 'hash' missing", context: ["while locating the attribute 'hash'"],
    });
    expect(failure(`builtins.convertHash { hash = "${sha256}"; hashAlgo = "sha256"; }`)).toEqual({
      message: "attribute 'toHashFormat' missing", context: ["while locating the attribute 'toHashFormat'"],
    });
    expect(failure(`builtins.convertHash { hash = "${sha256}"; toHashFormat = "sri"; }`).message)
      .toBe(`hash '${sha256}' does not include a type, nor is the type otherwise known from context`);
    expect(failure(`builtins.convertHash { hash = "sha1:${sha256}"; hashAlgo = "sha256"; toHashFormat = "sri"; }`).message)
      .toBe(`hash 'sha1:${sha256}' should have type 'sha256'`);
    expect(failure('builtins.convertHash { hash = "abc"; hashAlgo = "sha256"; toHashFormat = "sri"; }').message)
      .toBe("hash 'abc' has wrong length for hash algorithm 'sha256'");
    expect(failure(`builtins.convertHash { hash = "${'g'.repeat(64)}"; hashAlgo = "sha256"; toHashFormat = "sri"; }`).message)
      .toBe(`invalid base16 hash '${'g'.repeat(64)}', length 0 != expected length 32`);
    expect(failure('builtins.convertHash { hash = "sha256-AAAA"; toHashFormat = "sri"; }').message)
      .toBe("invalid SRI hash 'AAAA', length 3 != expected length 32");
    expect(failure(`builtins.convertHash { hash = "${sha256}"; hashAlgo = "sha256"; toHashFormat = "hex"; }`).message)
      .toBe("unknown hash format 'hex', expect 'base16', 'base32', 'base64', or 'sri'");
    expect(failure(`builtins.convertHash { hash = 1; toHashFormat = "sri"; }`).context).toEqual(["while evaluating the attribute 'hash'"]);
  });
});

describe('string context', () => {
  const deep = `"${DRV}" = { allOutputs = true; };`;
  test('hasContext, getContext, unsafeDiscardStringContext', () => {
    expect(run('builtins.hasContext "abc"')).toBe('false');
    expect(run('builtins.getContext "abc"')).toBe('{ }');
    expect(run(`builtins.hasContext ${withCtx('a', outCtx)}`)).toBe('true');
    expect(run(`builtins.hasContext (builtins.unsafeDiscardStringContext ${withCtx('a', outCtx)})`)).toBe('false');
    expect(run(`builtins.getContext ${withCtx('a', `"${DRV}" = { path = true; allOutputs = true; outputs = [ "out" "dev" ]; }; "${SRC}" = { path = true; };`)}`))
      .toBe(`{ "${SRC}" = { path = true; }; "${DRV}" = { allOutputs = true; outputs = [ "dev" "out" ]; path = true; }; }`);
  });
  test('appendContext keeps the original context', () => {
    expect(run(`builtins.attrNames (builtins.getContext (builtins.appendContext ${withCtx('a', outCtx)} { "${SRC}" = { path = true; }; }))`))
      .toBe(`[ "${SRC}" "${DRV}" ]`);
    expect(run(`builtins.getContext (builtins.appendContext "a" { "${SRC}" = { path = false; outputs = [ ]; }; })`)).toBe('{ }');
  });
  test('appendContext errors', () => {
    expect(failure('builtins.appendContext "a" { foo = { }; }').message).toBe("context key 'foo' is not a store path");
    expect(failure('builtins.appendContext "a" { "/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-foo" = { }; }').message)
      .toBe("context key '\"/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-foo\"' is not a store path");
    // The name is a symbol, which C++ Nix prints quoted when it is not an identifier.
    expect(failure(`builtins.appendContext "a" { "${SRC}" = { allOutputs = true; }; }`).message)
      .toBe(`tried to add all-outputs context of "${SRC}", which is not a derivation, to a string`);
    expect(failure(`builtins.appendContext "a" { "${SRC}" = { outputs = [ "out" ]; }; }`).message)
      .toBe(`tried to add derivation output context of "${SRC}", which is not a derivation, to a string`);
    expect(failure(`builtins.appendContext "a" { "${SRC}" = { path = 1; }; }`)).toEqual({
      message: 'expected a Boolean but found an integer: 1',
      context: ['while evaluating the `path` attribute of a string context'],
    });
    expect(failure(`builtins.appendContext "a" { "${SRC}" = 1; }`).context).toEqual(['while evaluating the value of a string context']);
    expect(failure('builtins.appendContext 1 { }').context).toEqual(['while evaluating the first argument passed to builtins.appendContext']);
    expect(failure('builtins.appendContext "a" 1').context).toEqual(['while evaluating the second argument passed to builtins.appendContext']);
  });
  test('appendContext errors point at the attribute they are about, and its keys are checked in symbol order', () => {
    const where = (expr: string): { message: string; at: string | undefined; frames: (string | undefined)[] } => {
      const r = evaluate({ expr, strict: true });
      if (r.ok) throw new Error(`expected an error from ${expr}`);
      const col = (p: { source: { lineCol(o: number): { line: number; column: number } }; offset: number } | undefined): string | undefined => {
        if (!p) return undefined;
        const lc = p.source.lineCol(p.offset);
        return `${lc.line}:${lc.column}`;
      };
      return {
        message: r.error.message,
        at: col(r.error.pos),
        frames: r.error.trace.filter((t) => t.message.includes('string context')).map((t) => col(t.pos)),
      };
    };
    // Key errors (C++ Nix's `.atPos(i.pos)`) are at the key.
    expect(where('builtins.appendContext "a" { foo = { }; }')).toMatchObject({ message: "context key 'foo' is not a store path", at: '1:30' });
    expect(where(`builtins.appendContext "a" {\n  "${SRC}" = { allOutputs = true; };\n}`).at).toBe('2:3');
    expect(where(`builtins.appendContext "a" {\n  "${SRC}" = { outputs = [ "out" ]; };\n}`).at).toBe('2:3');
    // Type errors of the values carry their frame at the attribute.
    expect(where(`builtins.appendContext "a" { "${SRC}" = 1; }`).frames).toEqual(['1:30']);
    expect(where(`builtins.appendContext "a" { "${SRC}" = {\n path = 1; }; }`).frames).toEqual(['2:2']);
    expect(where(`builtins.appendContext "a" { "${DRV}" = {\n outputs = [ 1 ]; }; }`).frames).toEqual(['2:2']);
    // zz is interned before aa: C++ Nix meets it first.
    expect(failure('builtins.appendContext "a" { zz = 1; aa = 2; }').message).toBe("context key 'zz' is not a store path");
  });
  test('unsafeDiscardOutputDependency and addDrvOutputDependencies', () => {
    expect(run(`builtins.getContext (builtins.unsafeDiscardOutputDependency ${withCtx('a', deep)})`)).toBe(`{ "${DRV}" = { path = true; }; }`);
    expect(run(`builtins.getContext (builtins.unsafeDiscardOutputDependency ${withCtx('a', outCtx)})`)).toBe(`{ "${DRV}" = { outputs = [ "out" ]; }; }`);
    const opaqueDrv = withCtx('a', `"${DRV}" = { path = true; };`);
    expect(run(`builtins.getContext (builtins.addDrvOutputDependencies ${opaqueDrv})`)).toBe(`{ "${DRV}" = { allOutputs = true; }; }`);
    expect(run(`builtins.getContext (builtins.addDrvOutputDependencies ${withCtx('a', deep)})`)).toBe(`{ "${DRV}" = { allOutputs = true; }; }`);
    expect(failure('builtins.addDrvOutputDependencies ""').message).toBe("context of string '' must have exactly one element, but has 0");
    expect(failure(`builtins.addDrvOutputDependencies ${withCtx('a', outCtx)}`).message)
      .toBe("`addDrvOutputDependencies` can only act on derivations, not on a derivation output such as 'out'");
    expect(failure(`builtins.addDrvOutputDependencies ${withCtx('a', `"${SRC}" = { path = true; };`)}`).message)
      .toBe(`path '${SRC}' is not a derivation`);
    expect(failure(`builtins.addDrvOutputDependencies ${withCtx('a', `"${SRC}" = { path = true; }; ${deep}`)}`).message)
      .toBe("context of string 'a' must have exactly one element, but has 2");
  });
  test('errors', () => {
    expect(failure('builtins.hasContext 1')).toEqual({
      message: 'expected a string but found an integer: 1',
      context: ['while evaluating the argument passed to builtins.hasContext'],
    });
    expect(failure('builtins.getContext 1').context).toEqual(['while evaluating the argument passed to builtins.getContext']);
    expect(failure('builtins.unsafeDiscardStringContext { }').context).toEqual(['while evaluating the argument passed to builtins.unsafeDiscardStringContext']);
  });
});
