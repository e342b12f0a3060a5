// Unit tests of the list builtins (src/builtins/lists.ts): results, laziness, argument
// forcing order and C++ Nix 2.36's error messages with their context lines.

import { evaluate } from '../../src/eval.js';
import { failure, run } from './helpers.js';

describe('map', () => {
  test('applies lazily', () => {
    expect(run('map (x: x * 2) [ 1 2 3 ]')).toBe('[ 2 4 6 ]');
    expect(run('builtins.length (map (x: throw "no") [ 1 2 ])')).toBe('2');
    expect(run('builtins.elemAt (map (x: if x == 1 then throw "no" else x) [ 1 2 ]) 1')).toBe('2');
  });
  test('empty list: the function is not forced', () => {
    expect(run('map (throw "f") [ ]')).toBe('[ ]');
  });
  test('the list is checked before the function', () => {
    expect(failure('builtins.map 1 "foo"')).toEqual({
      message: 'expected a list but found a string: "foo"',
      context: ['while evaluating the second argument passed to builtins.map'],
    });
    expect(failure('builtins.map 1 [ 1 ]')).toEqual({
      message: 'expected a function but found an integer: 1',
      context: ['while evaluating the first argument passed to builtins.map'],
    });
    expect(run('map (throw "f") (throw "l")')).toBe('error: l');
  });
  test('functors are functions', () => {
    expect(run('map { __functor = self: x: x + self.n; n = 10; } [ 1 2 ]')).toBe('[ 11 12 ]');
  });
});

describe('filter', () => {
  test('keeps what the predicate accepts', () => {
    expect(run('builtins.filter (x: x > 1) [ 1 2 3 ]')).toBe('[ 2 3 ]');
    expect(run('builtins.filter (x: false) [ 1 2 3 ]')).toBe('[ ]');
    expect(run('builtins.filter (throw "f") [ ]')).toBe('[ ]');
  });
  test('«repeated» when printed: a list reached through the same place (C++ Nix since 2.3x)', () => {
    expect(run('let l = [ 1 2 3 ]; in [ l (builtins.filter (x: true) l) ]')).toBe('[ [ 1 2 3 ] [ 1 2 3 ] ]');
    expect(run('let l = [ 1 2 3 ]; in [ l l ]')).toBe('[ [ 1 2 3 ] «repeated» ]');
    expect(run('let l = [ 1 2 3 ]; x = { a = l; }; in [ x.a x.a ]')).toBe('[ [ 1 2 3 ] [ 1 2 3 ] ]');
    expect(run('let l = [ 1 2 3 ]; x = { a = l; }; in [ l (builtins.head (builtins.attrValues x)) ]')).toBe('[ [ 1 2 3 ] [ 1 2 3 ] ]');
    expect(run('let l = [ 1 2 3 ]; x = { a = l; }; in [ l ] ++ builtins.attrValues x')).toBe('[ [ 1 2 3 ] «repeated» ]');
  });
  test('errors', () => {
    expect(failure('builtins.filter 1 "foo"').context).toEqual(['while evaluating the second argument passed to builtins.filter']);
    expect(failure('builtins.filter 1 [ "foo" ]').context).toEqual(['while evaluating the first argument passed to builtins.filter']);
    expect(failure('builtins.filter (_: 5) [ "foo" ]')).toEqual({
      message: 'expected a Boolean but found an integer: 5',
      context: ['while evaluating the return value of the filtering function passed to builtins.filter'],
    });
  });
});

describe("foldl'", () => {
  test('folds from the left', () => {
    expect(run("builtins.foldl' (a: b: a + b) 0 [ 1 2 3 ]")).toBe('6');
    expect(run("builtins.foldl' (a: b: a ++ [ b ]) [ ] [ 1 2 3 ]")).toBe('[ 1 2 3 ]');
    expect(run("builtins.foldl' (a: b: a - b) 10 [ 1 2 ]")).toBe('7');
  });
  test('the initial value is forced only for an empty list', () => {
    expect(run("builtins.foldl' (a: b: b) (throw \"init\") [ 1 ]")).toBe('1');
    expect(run("builtins.foldl' (a: b: b) (throw \"init\") [ ]")).toBe('error: init');
  });
  test('every intermediate result is forced', () => {
    expect(run("builtins.foldl' (_: f: f null) null [ (_: throw \"forced\") (_: 23) ]")).toBe('error: forced');
  });
  test('elements are not forced by the fold', () => {
    expect(run("builtins.foldl' (a: b: a + 1) 0 [ (throw \"x\") (throw \"y\") ]")).toBe('2');
  });
  test('errors', () => {
    expect(failure("builtins.foldl' 1 \"foo\" true")).toEqual({
      message: 'expected a function but found an integer: 1',
      context: ['while evaluating the first argument passed to builtins.foldlStrict'],
    });
    expect(failure("builtins.foldl' (_: 1) \"foo\" true")).toEqual({
      message: 'expected a list but found a Boolean: true',
      context: ['while evaluating the third argument passed to builtins.foldlStrict'],
    });
    expect(failure("builtins.foldl' (_: 1) \"foo\" [ true ]").message)
      .toBe('attempt to call something which is not a function but an integer: 1');
  });
  test('a long list does not grow the JS stack', () => {
    expect(run("builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 200000)")).toBe('19999900000');
  });
  test('the initial value and the elements are passed as they are; each result is a new place', () => {
    expect(run("let f = x: x; in builtins.foldl' (a: x: builtins.elem a [ f ]) f [ 1 ]")).toBe('true');
    expect(run("let f = x: x; in builtins.elem f (builtins.foldl' (a: x: [ x ]) null [ f ])")).toBe('true');
    expect(run("let f = x: x; in builtins.foldl' (a: x: if x == 1 then f else builtins.elem a [ f ]) null [ 1 2 ]")).toBe('false');
  });
});

describe('genList', () => {
  test('generates lazily', () => {
    expect(run('builtins.genList (x: x * x) 5')).toBe('[ 0 1 4 9 16 ]');
    expect(run('builtins.genList (x: x) 0')).toBe('[ ]');
    expect(run('builtins.length (builtins.genList (x: throw "x") 3)')).toBe('3');
  });
  test('errors: the length is checked first', () => {
    expect(failure('builtins.genList 1 "foo"')).toEqual({
      message: 'expected an integer but found a string: "foo"',
      context: ['while evaluating the second argument passed to builtins.genList'],
    });
    expect(failure('builtins.genList 1 2')).toEqual({
      message: 'expected a function but found an integer: 1',
      context: ['while evaluating the first argument passed to builtins.genList'],
    });
    expect(failure('builtins.genList false (-3)')).toEqual({ message: 'cannot create list of size -3', context: [] });
    expect(failure('builtins.genList 1 0').message).toBe('expected a function but found an integer: 1');
  });
});

describe('length, head, tail, elemAt', () => {
  test('values', () => {
    expect(run('builtins.length [ ]')).toBe('0');
    expect(run('builtins.length [ (throw "a") (throw "b") ]')).toBe('2');
    expect(run('builtins.head [ 1 (throw "x") ]')).toBe('1');
    expect(run('builtins.head [ (1 + 1) ]')).toBe('2');
    expect(run('builtins.tail [ 1 2 3 ]')).toBe('[ 2 3 ]');
    expect(run('builtins.tail [ 1 ]')).toBe('[ ]');
    expect(run('builtins.elemAt [ (throw "a") 2 ] 1')).toBe('2');
    expect(run('builtins.elemAt [ 1 (2 + 3) ] 1')).toBe('5');
  });
  test('errors', () => {
    expect(failure('builtins.length 1')).toEqual({
      message: 'expected a list but found an integer: 1',
      context: ['while evaluating the first argument passed to builtins.length'],
    });
    expect(failure('builtins.head 1').context).toEqual(["while evaluating the first argument passed to 'builtins.head'"]);
    expect(failure('builtins.head [ ]')).toEqual({ message: "'builtins.head' called on an empty list", context: [] });
    expect(failure('builtins.tail 1').context).toEqual(["while evaluating the first argument passed to 'builtins.tail'"]);
    expect(failure('builtins.tail [ ]')).toEqual({ message: "'builtins.tail' called on an empty list", context: [] });
    expect(failure('builtins.elemAt "foo" (-1)')).toEqual({
      message: 'expected a list but found a string: "foo"',
      context: ["while evaluating the first argument passed to 'builtins.elemAt'"],
    });
    expect(failure('builtins.elemAt [ ] "x"').context).toEqual(["while evaluating the second argument passed to 'builtins.elemAt'"]);
    expect(failure('builtins.elemAt [ ] (-1)').message).toBe("'builtins.elemAt' called with index -1 on a list of size 0");
    expect(failure('builtins.elemAt [ "foo" ] 3').message).toBe("'builtins.elemAt' called with index 3 on a list of size 1");
    expect(failure('builtins.elemAt [ ] 9223372036854775807').message)
      .toBe("'builtins.elemAt' called with index 9223372036854775807 on a list of size 0");
  });
});

describe('elem', () => {
  test('values', () => {
    expect(run('builtins.elem 2 [ 1 2 3 ]')).toBe('true');
    expect(run('builtins.elem 4 [ 1 2 3 ]')).toBe('false');
    expect(run('builtins.elem 1.0 [ 1 ]')).toBe('true');
    expect(run('builtins.elem { a = [ 1 ]; } [ { a = [ 1 ]; } ]')).toBe('true');
    expect(run('builtins.elem (throw "x") [ ]')).toBe('false');
    expect(run('builtins.elem 1 [ 1 (throw "x") ]')).toBe('true');
  });
  test('a number or string needle against elements of every type', () => {
    expect(run('builtins.elem 1 [ "1" [ 1 ] { } null 1.0 ]')).toBe('true');
    expect(run('builtins.elem "c" [ "a" 1 null [ ] ]')).toBe('false');
    expect(run('let big = 9007199254740993; in [ (builtins.elem big [ 9007199254740992 big ]) (builtins.elem 9007199254740992 [ big ]) ]'))
      .toBe('[ true false ]');
    // A string with context equals the same bytes without.
    const s = 'builtins.appendContext "a" { "/nix/store/ffffffffffffffffffffffffffffffff-foo.drv" = { outputs = [ "out" ]; }; }';
    expect(run(`[ (builtins.elem "a" [ (${s}) ]) (builtins.elem (${s}) [ "b" "a" ]) ]`)).toBe('[ true true ]');
    expect(run('builtins.elem "x" (builtins.genList (i: builtins.substring i 1 "abcx") 4)')).toBe('true');
  });
  test('errors', () => {
    expect(failure('builtins.elem 1 "foo"')).toEqual({
      message: 'expected a list but found a string: "foo"',
      context: ['while evaluating the second argument passed to builtins.elem'],
    });
  });
});

describe('concatLists, concatMap', () => {
  test('values', () => {
    expect(run('builtins.concatLists [ [ 1 ] [ ] [ 2 3 ] ]')).toBe('[ 1 2 3 ]');
    expect(run('builtins.concatLists [ ]')).toBe('[ ]');
    expect(run('let l = [ 1 2 3 ]; in [ l (builtins.concatLists [ [ ] l ]) ]')).toBe('[ [ 1 2 3 ] [ 1 2 3 ] ]');
    expect(run('builtins.concatMap (x: [ x x ]) [ 1 2 ]')).toBe('[ 1 1 2 2 ]');
    expect(run('builtins.concatMap (x: [ ]) [ 1 2 ]')).toBe('[ ]');
    expect(run('builtins.length (builtins.concatMap (x: [ (throw "e") ]) [ 1 2 ])')).toBe('2');
  });
  test('errors', () => {
    expect(failure('builtins.concatLists 1').context).toEqual(['while evaluating the first argument passed to builtins.concatLists']);
    expect(failure('builtins.concatLists [ [ 1 ] "foo" ]')).toEqual({
      message: 'expected a list but found a string: "foo"',
      context: ['while evaluating a value of the list passed to builtins.concatLists'],
    });
    expect(failure('builtins.concatMap 1 "foo"').context).toEqual(['while evaluating the first argument passed to builtins.concatMap']);
    expect(failure('builtins.concatMap (x: 1) "foo"').context).toEqual(['while evaluating the second argument passed to builtins.concatMap']);
    const e = evaluate({ expr: 'builtins.concatMap (x: 1) [ "foo" ]', strict: true });
    expect(e.ok).toBe(false);
    if (!e.ok) {
      expect(e.error.message).toBe('expected a list but found an integer: 1');
      const t = e.error.trace.find((f) => f.message === 'while evaluating the return value of the function passed to builtins.concatMap');
      // Positioned at the function, as C++ Nix does.
      expect(t?.pos?.source.lineCol(t.pos.offset)).toEqual({ line: 1, column: 21 });
    }
  });
});

describe('sort', () => {
  test('values', () => {
    expect(run('builtins.sort builtins.lessThan [ 483 249 526 147 42 77 ]')).toBe('[ 42 77 147 249 483 526 ]');
    expect(run('builtins.sort (a: b: a < b) [ "b" "a" "c" ]')).toBe('[ "a" "b" "c" ]');
    expect(run('builtins.sort (a: b: a < b) [ ]')).toBe('[ ]');
    expect(run('builtins.sort (throw "f") [ ]')).toBe('[ ]');
    expect(run('builtins.sort (a: b: a < b) [ 1 ]')).toBe('[ 1 ]');
    expect(run('builtins.sort (a: b: a < b) [ 1 1.5 0.5 2 ]')).toBe('[ 0.5 1 1.5 2 ]');
    expect(run('builtins.sort builtins.lessThan [ [ 1 2 ] [ 1 ] [ 0 5 ] ]')).toBe('[ [ 0 5 ] [ 1 ] [ 1 2 ] ]');
  });
  test('lessThan over integers or plain strings (sorted without calling it) and over the rest', () => {
    expect(run('builtins.sort builtins.lessThan [ "b" "a" "ab" "" "B" "\\n" "é" "z" ]')).toBe('[ "" "\\n" "B" "a" "ab" "b" "z" "é" ]');
    expect(run('builtins.sort builtins.lessThan [ 3 (-1) 2 0 (-5) 3 ]')).toBe('[ -5 -1 0 2 3 3 ]');
    expect(run('builtins.sort builtins.lessThan (map (x: builtins.substring 0 2 x) [ "zz" "aa" "mm" ])')).toBe('[ "aa" "mm" "zz" ]');
    expect(run('builtins.sort builtins.lessThan [ 2 1.5 1 ]')).toBe('[ 1 1.5 2 ]');
    expect(run('builtins.sort builtins.lessThan [ 9007199254740993 9007199254740992 1 ]')).toBe('[ 1 9007199254740992 9007199254740993 ]');
  });
  test('stable', () => {
    expect(run('map (x: x.v) (builtins.sort (a: b: a.k < b.k) [ { k = 1; v = "a"; } { k = 0; v = "b"; } { k = 1; v = "c"; } { k = 0; v = "d"; } ])'))
      .toBe('[ "b" "d" "a" "c" ]');
    // Long enough for the merging part of peeksort, with many equal keys.
    const n = 500;
    const keys = Array.from({ length: n }, (_, i) => (i * 7919) % 37);
    const expected = keys.map((k, i) => [k, i]).sort((x, y) => x[0] - y[0]).map(([, i]) => i);
    expect(run(`map (x: x.i) (builtins.sort (a: b: a.k < b.k) (builtins.genList (i: { k = builtins.elemAt [ ${keys.join(' ')} ] i; inherit i; }) ${n}))`))
      .toBe(`[ ${expected.join(' ')} ]`);
  });
  test('sorts every length and shape of input', () => {
    for (const n of [2, 3, 15, 16, 17, 33, 64, 100, 257]) {
      for (const shape of ['random', 'ascending', 'descending', 'runs']) {
        const xs = Array.from({ length: n }, (_, i) => shape === 'ascending' ? i
          : shape === 'descending' ? n - i
            : shape === 'runs' ? (i % 10) + Math.floor(i / 10) * 3
              : (i * 104729 + 7) % 1009);
        const sorted = [...xs].sort((a, b) => a - b);
        expect(run(`builtins.sort (a: b: a < b) [ ${xs.join(' ')} ]`)).toBe(`[ ${sorted.join(' ')} ]`);
      }
    }
  });
  test('a comparator that is not an order still gives a permutation', () => {
    expect(run('builtins.length (builtins.sort (a: b: true) (builtins.genList (x: x) 100))')).toBe('100');
    expect(run('builtins.sort (a: b: false) [ 5 4 3 ]')).toBe('[ 5 4 3 ]');
  });
  test('elements are forced before sorting', () => {
    expect(run('builtins.sort (a: b: false) [ 1 (throw "e") ]')).toBe('error: e');
  });
  test('errors', () => {
    expect(failure('builtins.sort 1 "foo"').context).toEqual(['while evaluating the second argument passed to builtins.sort']);
    expect(failure('builtins.sort 1 [ "foo" ]').context).toEqual(['while evaluating the first argument passed to builtins.sort']);
    expect(failure('builtins.sort (_: 1) [ "foo" "bar" ]').message).toBe('attempt to call something which is not a function but an integer: 1');
    expect(failure('builtins.sort (_: _: 1) [ "foo" "bar" ]')).toEqual({
      message: 'expected a Boolean but found an integer: 1',
      context: ['while evaluating the return value of the sorting function passed to builtins.sort'],
    });
    expect(failure('builtins.sort (a: b: a <= b) [ "foo" { } ]').message)
      .toBe('cannot compare a string with a set; values are "foo" and { }');
    expect(failure('builtins.sort builtins.lessThan [ 1 "a" ]')).toEqual({
      message: 'cannot compare a string with an integer; values are "a" and 1',
      context: ['while evaluating the ordering function passed to builtins.sort'],
    });
  });
});

describe('partition, groupBy', () => {
  test('values', () => {
    expect(run('builtins.partition (x: x > 10) [ 1 23 9 3 42 ]')).toBe('{ right = [ 23 42 ]; wrong = [ 1 9 3 ]; }');
    expect(run('builtins.partition (x: x) [ ]')).toBe('{ right = [ ]; wrong = [ ]; }');
    expect(run('builtins.groupBy (x: if x > 2 then "big" else "small") [ 1 2 3 4 ]')).toBe('{ big = [ 3 4 ]; small = [ 1 2 ]; }');
    expect(run('builtins.groupBy (x: "a") [ ]')).toBe('{ }');
  });
  test('errors', () => {
    expect(failure('builtins.partition 1 "foo"').context).toEqual(['while evaluating the first argument passed to builtins.partition']);
    expect(failure('builtins.partition (_: 1) "foo"').context).toEqual(['while evaluating the second argument passed to builtins.partition']);
    expect(failure('builtins.partition (_: 1) [ "foo" ]').context)
      .toEqual(['while evaluating the return value of the partition function passed to builtins.partition']);
    expect(failure('builtins.groupBy 1 "foo"').context).toEqual(['while evaluating the first argument passed to builtins.groupBy']);
    expect(failure('builtins.groupBy (_: 1) "foo"').context).toEqual(['while evaluating the second argument passed to builtins.groupBy']);
    expect(failure('builtins.groupBy (x: x) [ "foo" "bar" 1 ]')).toEqual({
      message: 'expected a string but found an integer: 1',
      context: ['while evaluating the return value of the grouping function passed to builtins.groupBy'],
    });
  });
});

describe('all, any', () => {
  test('values', () => {
    expect(run('builtins.all (x: x > 0) [ ]')).toBe('true');
    expect(run('builtins.any (x: x > 0) [ ]')).toBe('false');
    expect(run('builtins.all (x: x > 0) [ 1 2 ]')).toBe('true');
    expect(run('builtins.any (x: x > 1) [ 1 2 ]')).toBe('true');
    expect(run('builtins.any (x: x) [ true (throw "lazy") ]')).toBe('true');
    expect(run('builtins.all (x: x) [ false (throw "lazy") ]')).toBe('false');
  });
  test('errors', () => {
    for (const f of ['all', 'any']) {
      expect(failure(`builtins.${f} 1 "foo"`).context).toEqual([`while evaluating the first argument passed to builtins.${f}`]);
      expect(failure(`builtins.${f} (_: 1) "foo"`).context).toEqual([`while evaluating the second argument passed to builtins.${f}`]);
      expect(failure(`builtins.${f} (_: 1) [ "foo" ]`)).toEqual({
        message: 'expected a Boolean but found an integer: 1',
        context: [`while evaluating the return value of the function passed to builtins.${f}`],
      });
    }
  });
});

describe('genericClosure', () => {
  test('values', () => {
    expect(run('builtins.genericClosure { startSet = [ { key = 5; } ]; operator = item: [ { key = if (item.key / 2) * 2 == item.key then item.key / 2 else 3 * item.key + 1; } ]; }'))
      .toBe('[ { key = 5; } { key = 16; } { key = 8; } { key = 4; } { key = 2; } { key = 1; } ]');
    expect(run('builtins.genericClosure { startSet = [ ]; operator = throw "x"; }')).toBe('[ ]');
    expect(run('builtins.genericClosure { startSet = [ { key = "a"; x = 1; } ]; operator = x: [ { key = "a"; x = 2; } { key = "b"; } ]; }'))
      .toBe('[ { key = "a"; x = 1; } { key = "b"; } ]');
    expect(run('builtins.genericClosure { startSet = [ { key = 1; } ]; operator = x: [ { key = 1.0; } { key = 2.5; } { key = 2; } ]; }'))
      .toBe('[ { key = 1; } { key = 2.5; } { key = 2; } ]');
    expect(run('map (x: x.key) (builtins.genericClosure { startSet = [ { key = [ 1 ]; } ]; operator = x: if builtins.length x.key > 2 then [ ] else [ { key = x.key ++ [ 0 ]; } { key = [ 1 ]; } ]; })'))
      .toBe('[ [ 1 ] [ 1 0 ] [ 1 0 0 ] ]');
    expect(run('builtins.length (builtins.genericClosure { startSet = [ { key = 0; } ]; operator = x: if x.key < 20000 then [ { key = x.key + 1; } ] else [ ]; })'))
      .toBe('20001');
  });
  test('errors', () => {
    expect(failure('builtins.genericClosure "not an attrset"').context)
      .toEqual(['while evaluating the first argument passed to builtins.genericClosure']);
    expect(failure('builtins.genericClosure { operator = x: [ ]; }')).toEqual({
      message: "attribute 'startSet' missing",
      context: ['in the attrset passed as argument to builtins.genericClosure'],
    });
    expect(failure('builtins.genericClosure { startSet = [ { key = 1; } ]; }')).toEqual({
      message: "attribute 'operator' missing",
      context: ['in the attrset passed as argument to builtins.genericClosure'],
    });
    expect(failure('builtins.genericClosure { startSet = "x"; operator = x: [ ]; }').context)
      .toEqual(["while evaluating the 'startSet' attribute passed as argument to builtins.genericClosure"]);
    expect(failure('builtins.genericClosure { startSet = [ { key = 1; } ]; operator = "f"; }').context)
      .toEqual(["while evaluating the 'operator' attribute passed as argument to builtins.genericClosure"]);
    expect(failure('builtins.genericClosure { startSet = [ "s" ]; operator = x: [ ]; }')).toEqual({
      message: 'expected a set but found a string: "s"',
      context: ['in genericClosure element "s"'],
    });
    expect(failure('builtins.genericClosure { startSet = [ { nokey = 1; } ]; operator = x: [ ]; }')).toEqual({
      message: "attribute 'key' missing",
      context: ['in genericClosure element { nokey = 1; }'],
    });
    expect(failure('builtins.genericClosure { startSet = [ { key = 1; } ]; operator = x: "l"; }')).toEqual({
      message: 'expected a list but found a string: "l"',
      context: [
        'while evaluating the return value of the `operator` passed to builtins.genericClosure',
        'while calling operator on genericClosure element { key = 1; }',
      ],
    });
    expect(failure('builtins.genericClosure { startSet = [ { key = 1; } { key = "string"; } ]; operator = x: [ ]; }')).toEqual({
      message: 'cannot compare a string with an integer; values are "string" and 1',
      context: ['with element { key = 1; }', 'while comparing element { key = "string"; }'],
    });
    expect(failure('builtins.genericClosure { startSet = [ { key = { }; } { key = { }; } ]; operator = x: [ ]; }')).toEqual({
      message: 'cannot compare a set with a set; values of that type are incomparable (values are { } and { })',
      context: ['with element { key = { }; }', 'while comparing element { key = { }; }'],
    });
  });
});
