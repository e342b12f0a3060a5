// Unit tests of the attribute-set builtins (src/builtins/attrs.ts): results, laziness,
// argument forcing order and C++ Nix 2.36's error messages with their context lines.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../src/eval.js';
import { OUTPUT_PRINT, printValue } from '../../src/value/print.js';
import { failure, run, runInFile } from './helpers.js';
import { NixAttrs, Thunk, type Value } from '../../src/value/values.js';
import { startShapeEpoch } from '../../src/value/attrs.js';

describe('attrNames, attrValues', () => {
  test('in byte order of the names', () => {
    expect(run('builtins.attrNames { b = 1; a = 2; "A" = 3; "" = 5; }')).toBe('[ "" "A" "a" "b" ]');
    expect(run('builtins.attrValues { b = 1; a = 2; c = 3; }')).toBe('[ 2 1 3 ]');
    expect(run('builtins.attrNames { }')).toBe('[ ]');
    expect(run('builtins.length (builtins.attrValues { a = throw "x"; })')).toBe('1');
  });
  test('a fresh list each time', () => {
    expect(run('let s = { a = 1; b = 2; c = 3; }; in [ (builtins.attrNames s) (builtins.attrNames s) ]'))
      .toBe('[ [ "a" "b" "c" ] [ "a" "b" "c" ] ]');
  });
  test('errors', () => {
    expect(failure('builtins.attrNames [ ]')).toEqual({
      message: 'expected a set but found a list: [ ]',
      context: ['while evaluating the argument passed to builtins.attrNames'],
    });
    expect(failure('builtins.attrValues [ ]').context).toEqual(['while evaluating the argument passed to builtins.attrValues']);
  });
});

describe('getAttr, hasAttr, unsafeGetAttrPos', () => {
  test('values', () => {
    expect(run('builtins.getAttr "a" { a = 1 + 1; }')).toBe('2');
    expect(run('builtins.hasAttr "a" { a = throw "x"; }')).toBe('true');
    expect(run('builtins.hasAttr "b" { a = 1; }')).toBe('false');
    expect(run('builtins.unsafeGetAttrPos "b" { a = 1; }')).toBe('null');
  });
  // C++ Nix's mkPos: a position is a set only when its origin is a file (a SourcePath), its
  // `file` the path without the accessor's display prefix; -E and stdin give null.
  test('positions outside a file are null; derivation-internal.nix is /derivation-internal.nix', () => {
    expect(run('builtins.unsafeGetAttrPos "a" { a = 1; }')).toBe('null');
    expect(run('__curPos')).toBe('null');
    expect(runInFile('{ p = builtins.unsafeGetAttrPos "a" { a = 1; }; c = __curPos; }'))
      .toBe('{ c = { column = 53; file = "/test.nix"; line = 1; }; p = { column = 39; file = "/test.nix"; line = 1; }; }');
    expect(run('(builtins.unsafeGetAttrPos "type" (derivation { name = "a"; system = "x"; builder = "/b"; })).file'))
      .toBe('"/derivation-internal.nix"');
  });
  test('line and column are lazy, as makePositionThunks makes them: <CODE> in non-strict output', () => {
    const text = '{ p = builtins.unsafeGetAttrPos "a" { a = 1; }; c = __curPos; }';
    for (const attrPath of ['p', 'c']) {
      const r = evaluate({ source: { origin: '/test.nix', text, baseDir: '/' }, attrPath });
      if (!r.ok) throw new Error(r.rendered);
      expect(printValue(r.value, OUTPUT_PRINT)).toBe('{ column = <CODE>; file = "/test.nix"; line = <CODE>; }');
    }
  });
  test('errors, first argument first', () => {
    expect(failure('builtins.getAttr [ ] [ ]')).toEqual({
      message: 'expected a string but found a list: [ ]',
      context: ['while evaluating the first argument passed to builtins.getAttr'],
    });
    expect(failure('builtins.getAttr 1 (throw "set")').message).toBe('expected a string but found an integer: 1');
    expect(failure('builtins.getAttr "foo" [ ]')).toEqual({
      message: 'expected a set but found a list: [ ]',
      context: ['while evaluating the second argument passed to builtins.getAttr'],
    });
    expect(failure('builtins.getAttr "foo" { }')).toEqual({
      message: "attribute 'foo' missing",
      context: ['in the attribute set under consideration'],
    });
    expect(failure('builtins.hasAttr [ ] [ ]').context).toEqual(['while evaluating the first argument passed to builtins.hasAttr']);
    expect(failure('builtins.hasAttr "foo" [ ]').context).toEqual(['while evaluating the second argument passed to builtins.hasAttr']);
    expect(failure('builtins.unsafeGetAttrPos 1 { }').context)
      .toEqual(['while evaluating the first argument passed to builtins.unsafeGetAttrPos']);
  });
});

describe('removeAttrs, intersectAttrs', () => {
  test('values', () => {
    expect(run('removeAttrs { a = 1; b = 2; c = 3; } [ "a" "c" "z" ]')).toBe('{ b = 2; }');
    expect(run('removeAttrs { a = 1; } [ ]')).toBe('{ a = 1; }');
    expect(run('let s = { a = 1; }; in [ s (removeAttrs s [ ]) ]')).toBe('[ { a = 1; } { a = 1; } ]');
    expect(run('builtins.intersectAttrs { a = 1; b = 2; } { b = 3; c = 4; }')).toBe('{ b = 3; }');
    expect(run('builtins.intersectAttrs { a = 1; b = 2; c = 5; } { b = 3; }')).toBe('{ b = 3; }');
    expect(run('builtins.intersectAttrs { } { a = 1; }')).toBe('{ }');
  });
  // withoutNames looks each name up in the shape: a bit mask for sets of up to 31 names, a flag
  // array above; names may repeat or be missing; none found keeps the set's shape.
  test('removeAttrs: repeated and missing names, all or none removed, small and large sets', () => {
    expect(run('removeAttrs { a = 1; b = 2; c = 3; } [ "b" "b" "z" "b" ]')).toBe('{ a = 1; c = 3; }');
    expect(run('removeAttrs { a = 1; b = 2; } [ "b" "a" "a" ]')).toBe('{ }');
    expect(run('removeAttrs { } [ "a" ]')).toBe('{ }');
    expect(run('removeAttrs { a = 1; b = 2; } [ "x" "y" ]')).toBe('{ a = 1; b = 2; }');
    expect(run('let s = { a = 1; b = 2; }; t = removeAttrs s [ "x" ]; in [ (t == s) (t // { c = 3; }) (s.a + t.b) ]'))
      .toBe('[ true { a = 1; b = 2; c = 3; } 3 ]');
    // Against the same removal made with filter and listToAttrs, at 30, 31, 32 and 200 names.
    for (const size of [30, 31, 32, 200]) {
      const expr = `let
        s = builtins.listToAttrs (builtins.genList (i: { name = "n\${toString (i * 7 - (i / 3) * 20)}"; value = i; }) ${size});
        names = builtins.filter (n: builtins.stringLength n == 3 || n == "n0") (builtins.attrNames s) ++ [ "zz" "n0" "n7" ];
        expected = builtins.listToAttrs (builtins.concatMap (n: if builtins.elem n names then [ ] else [ { name = n; value = s.\${n}; } ]) (builtins.attrNames s));
        r = removeAttrs s names;
      in [ (r == expected) (builtins.attrNames r == builtins.attrNames expected) (builtins.length (builtins.attrNames r) < ${size}) ]`;
      expect(run(expr)).toBe('[ true true true ]');
    }
    expect(run('let s = builtins.listToAttrs (builtins.genList (i: { name = "a${toString i}"; value = i; }) 40); in removeAttrs s (builtins.attrNames s ++ builtins.attrNames s)')).toBe('{ }');
    expect(run('let s = builtins.listToAttrs (builtins.genList (i: { name = "a${toString i}"; value = i; }) 40); in builtins.attrNames (removeAttrs s ([ "a1" ] ++ builtins.attrNames s ++ [ "a2" ]))')).toBe('[ ]');
  });
  test('the attributes keep their positions', () => {
    expect(runInFile('builtins.unsafeGetAttrPos "a" (builtins.removeAttrs { a = 1; b = 2; } [ "b" ])')).toBe('{ column = 55; file = "/test.nix"; line = 1; }');
    expect(runInFile('builtins.unsafeGetAttrPos "a" (builtins.intersectAttrs { a = 1; } { a = 2; b = 3; })')).toBe('{ column = 69; file = "/test.nix"; line = 1; }');
    expect(runInFile('builtins.unsafeGetAttrPos "a" (builtins.intersectAttrs { a = 1; b = 1; c = 1; } { a = 2; })')).toBe('{ column = 83; file = "/test.nix"; line = 1; }');
  });
  test('errors', () => {
    expect(failure('builtins.removeAttrs "" [ 1 ]')).toEqual({
      message: 'expected a set but found a string: ""',
      context: ['while evaluating the first argument passed to builtins.removeAttrs'],
    });
    expect(failure('builtins.removeAttrs { } 1').context).toEqual(['while evaluating the second argument passed to builtins.removeAttrs']);
    expect(failure('builtins.removeAttrs { } [ 1 ]')).toEqual({
      message: 'expected a string but found an integer: 1',
      context: ['while evaluating the values of the second argument passed to builtins.removeAttrs'],
    });
    expect(failure('builtins.intersectAttrs [ ] [ ]').context).toEqual(['while evaluating the first argument passed to builtins.intersectAttrs']);
    expect(failure('builtins.intersectAttrs { } [ ]').context).toEqual(['while evaluating the second argument passed to builtins.intersectAttrs']);
  });
});

describe('listToAttrs', () => {
  test('the first occurrence of a name wins', () => {
    expect(run('builtins.listToAttrs [ { name = "foo"; value = 123; } { name = "bar"; value = 456; } { name = "bar"; value = 420; } ]'))
      .toBe('{ bar = 456; foo = 123; }');
    expect(run('builtins.listToAttrs [ ]')).toBe('{ }');
    // Later duplicates need no value.
    expect(run('builtins.listToAttrs [ { name = "a"; value = 1; } { name = "a"; } ]')).toBe('{ a = 1; }');
    expect(run('builtins.attrNames (builtins.listToAttrs [ { name = "a"; value = throw "x"; } ])')).toBe('[ "a" ]');
  });
  test('an attribute is where its value is', () => {
    expect(runInFile('builtins.unsafeGetAttrPos "x" (builtins.listToAttrs [ { name = "x"; value = 1; } { name = "x"; value = 2; } ])'))
      .toBe('{ column = 69; file = "/test.nix"; line = 1; }');
    expect(runInFile('builtins.unsafeGetAttrPos "x" (builtins.listToAttrs [ (builtins.removeAttrs { name = "x"; value = 1; } [ ]) ])'))
      .toBe('{ column = 91; file = "/test.nix"; line = 1; }');
  });
  test('errors', () => {
    expect(failure('builtins.listToAttrs 1').context).toEqual(['while evaluating the argument passed to builtins.listToAttrs']);
    expect(failure('builtins.listToAttrs [ 1 ]')).toEqual({
      message: 'expected a set but found an integer: 1',
      context: ['while evaluating an element of the list passed to builtins.listToAttrs'],
    });
    expect(failure('builtins.listToAttrs [ { } ]')).toEqual({
      message: "attribute 'name' missing",
      context: ['in a {name=...; value=...;} pair'],
    });
    expect(failure('builtins.listToAttrs [ { name = 1; } ]')).toEqual({
      message: 'expected a string but found an integer: 1',
      context: ['while evaluating the `name` attribute of an element of the list passed to builtins.listToAttrs'],
    });
    expect(failure('builtins.listToAttrs [ { name = "foo"; } ]')).toEqual({
      message: "attribute 'value' missing",
      context: ['in a {name=...; value=...;} pair'],
    });
    // Names are all checked before values are looked up (C++ Nix 2.36).
    expect(failure('builtins.listToAttrs [ { name = "a"; } { name = 1; } ]').message)
      .toBe('expected a string but found an integer: 1');
  });
});

describe('mapAttrs, zipAttrsWith, catAttrs', () => {
  test('values', () => {
    expect(run('builtins.mapAttrs (name: value: value * 10) { a = 1; b = 2; }')).toBe('{ a = 10; b = 20; }');
    expect(run('builtins.mapAttrs (n: v: n + v) { a = "x"; b = "y"; }')).toBe('{ a = "ax"; b = "by"; }');
    expect(run('builtins.attrNames (builtins.mapAttrs (n: v: throw "no") { a = 1; })')).toBe('[ "a" ]');
    expect(run('builtins.attrNames (builtins.mapAttrs (throw "f") { a = 1; })')).toBe('[ "a" ]');
    expect(run('builtins.zipAttrsWith (name: values: { inherit name values; }) [ { a = "x"; } { a = "y"; b = "z"; } ]'))
      .toBe('{ a = { name = "a"; values = [ "x" "y" ]; }; b = { name = "b"; values = [ "z" ]; }; }');
    expect(run('builtins.zipAttrsWith (n: v: v) [ ]')).toBe('{ }');
    expect(run('builtins.attrNames (builtins.zipAttrsWith (n: v: throw "x") [ { a = 1; } ])')).toBe('[ "a" ]');
    // One set (its names, without its positions), and names met out of order (sorted after).
    expect(run('builtins.zipAttrsWith (n: v: v) [ { b = 1; a = 2; } ]')).toBe('{ a = [ 2 ]; b = [ 1 ]; }');
    expect(runInFile('builtins.unsafeGetAttrPos "a" (builtins.zipAttrsWith (n: v: v) [ { a = 1; } ])')).toBe('null');
    expect(run('builtins.zipAttrsWith (n: v: n) [ { a = 1; } ]')).toBe('{ a = "a"; }');
    expect(run('builtins.zipAttrsWith (n: v: v) [ { c = 1; } { a = 2; c = 3; } { b = 4; } ]')).toBe('{ a = [ 2 ]; b = [ 4 ]; c = [ 1 3 ]; }');
    expect(run('builtins.attrNames (builtins.zipAttrsWith (n: v: v) [ { z = 1; } { y = 1; x = 1; } { w = 1; } ])')).toBe('[ "w" "x" "y" "z" ]');
    // Names met in descending order, by insertion (up to 32) or by sort (more): as sorted by builtins.sort.
    for (const size of [5, 32, 33, 100]) {
      const expr = `let
        sets = builtins.genList (i: { "k\${toString (${size} - i)}" = i; "j\${toString (i * 3)}" = -i; }) ${size};
        r = builtins.zipAttrsWith (n: v: v) sets;
        names = builtins.concatMap builtins.attrNames sets;
      in [ (builtins.attrNames r == builtins.sort builtins.lessThan (builtins.attrNames (builtins.listToAttrs (map (n: { name = n; value = 0; }) names))))
           (builtins.attrValues r == map (n: builtins.catAttrs n sets) (builtins.attrNames r)) ]`;
      expect(run(expr)).toBe('[ true true ]');
    }
    expect(run('builtins.zipAttrsWith (n: v: v) [ { } { } ]')).toBe('{ }');
    expect(run('builtins.zipAttrsWith (n: v: v) [ { } ]')).toBe('{ }');
    expect(run('builtins.catAttrs "a" [ { a = 1; } { b = 0; } { a = 2; } ]')).toBe('[ 1 2 ]');
    expect(run('builtins.catAttrs "a" [ ]')).toBe('[ ]');
  });
  test('errors', () => {
    expect(failure('builtins.mapAttrs [ ] [ ]').context).toEqual(['while evaluating the second argument passed to builtins.mapAttrs']);
    expect(failure('builtins.mapAttrs "" { foo = 1; }').message).toBe('attempt to call something which is not a function but a string: ""');
    expect(failure('builtins.mapAttrs (x: x + "1") { foo = 1; }').message)
      .toBe('attempt to call something which is not a function but a string: "foo1"');
    expect(failure('builtins.zipAttrsWith [ ] [ 1 ]').context).toEqual(['while evaluating the first argument passed to builtins.zipAttrsWith']);
    expect(failure('builtins.zipAttrsWith (_: 1) 1').context).toEqual(['while evaluating the second argument passed to builtins.zipAttrsWith']);
    expect(failure('builtins.zipAttrsWith (_: 1) [ 1 ]')).toEqual({
      message: 'expected a set but found an integer: 1',
      context: ['while evaluating a value of the list passed as second argument to builtins.zipAttrsWith'],
    });
    expect(failure('builtins.catAttrs [ ] { }').context).toEqual(['while evaluating the first argument passed to builtins.catAttrs']);
    expect(failure('builtins.catAttrs "foo" { }').context).toEqual(['while evaluating the second argument passed to builtins.catAttrs']);
    expect(failure('builtins.catAttrs "foo" [ { foo = 1; } 1 ]')).toEqual({
      message: 'expected a set but found an integer: 1',
      context: ['while evaluating an element in the list passed as second argument to builtins.catAttrs'],
    });
  });
});

describe('functionArgs', () => {
  test('values', () => {
    expect(run('builtins.functionArgs ({ x, y ? 123 }: x)')).toBe('{ x = false; y = true; }');
    expect(run('builtins.functionArgs ({ a, b ? 1, ... }: a)')).toBe('{ a = false; b = true; }');
    expect(run('builtins.functionArgs (x: x)')).toBe('{ }');
    expect(run('builtins.functionArgs ({ }: 1)')).toBe('{ }');
    // `derivation` is the Nix-language wrapper itself, as in C++ Nix.
    expect(run('builtins.functionArgs derivation')).toBe('{ outputs = true; }');
    expect(run('builtins.functionArgs builtins.derivation')).toBe('{ outputs = true; }');
    expect(run('builtins.functionArgs builtins.map')).toBe('{ }');
    expect(run('builtins.functionArgs (builtins.map (x: x))')).toBe('{ }');
  });
  test('the same lambda asked again, in one evaluation and the next (as lib.callPackageWith and makeOverridable ask)', () => {
    // A set made once per lambda: what is built on it, and its positions, are as at the first time.
    const src = `let f = { a, b ? 1 }: a; g = builtins.functionArgs f; in [
      (g // { c = 1; }) (builtins.functionArgs f) (builtins.intersectAttrs (builtins.functionArgs f) { a = 2; z = 3; })
      (builtins.removeAttrs g [ "a" ]) (builtins.unsafeGetAttrPos "b" (builtins.functionArgs f)).column ]`;
    for (let i = 0; i < 3; i++) expect(runInFile(src)).toBe('[ { a = false; b = true; c = 1; } { a = false; b = true; } { a = 2; } { b = true; } 14 ]');
  });
  test('the set, kept with the lambda for later evaluations, lets go of what it cached in one at the next', () => {
    // As a literal's shape (AttrShape.literal): the `//` results it caches in one evaluation are
    // not kept through the next (a worker evaluates the same files again and again).
    const dir = mkdtempSync(join(tmpdir(), 'nixeval-functionargs-'));
    const file = join(dir, 'fa.nix');
    writeFileSync(file, 'let f = { a, b ? 1 }: a; r = { c = 1; }; in [ (builtins.functionArgs f) r (builtins.functionArgs f // r) ]');
    const sets = () => {
      const r = evaluate({ file, strict: true });
      if (!r.ok) throw new Error(r.rendered);
      return (r.value as Value[]).map((v) => (v instanceof Thunk ? v.value : v) as NixAttrs);
    };
    const [set, right, merged] = sets();
    // The result of `//` the evaluation made is cached on the set's shape until the next one.
    expect(set.shape.merge(right.shape).shape).toBe(merged.shape);
    startShapeEpoch();
    expect(set.shape.merge(right.shape).shape).not.toBe(merged.shape);
    // And the set is the same in the next evaluation of the file.
    expect(sets()[0]).toBe(set);
    rmSync(dir, { recursive: true, force: true });
  });
  test('errors', () => {
    expect(failure('builtins.functionArgs { }')).toEqual({ message: "'functionArgs' requires a function", context: [] });
    expect(failure('builtins.functionArgs { __functor = self: x: x; }').message).toBe("'functionArgs' requires a function");
  });
});
