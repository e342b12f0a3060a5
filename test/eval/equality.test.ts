// Equality as C++ Nix's eqValues computes it: both sides are forced, then two references to
// one and the same place (a thunk, or a value stored directly) are equal without comparing
// their values, except at the top of `==` (its operands are copies). Functions are otherwise
// never equal. The expected answers are those of nix-instantiate (2.8 and current master
// agree on all of them).

import { run } from '../builtins/helpers.js';

describe('places compared by identity', () => {
  test.each([
    // The same binding in two lists, in a set, as the needle of `elem`.
    ['let g = x: x; in [ g ] == [ g ]', 'true'],
    ['let g = x: x; in builtins.elem g [ 1 g ]', 'true'],
    ['let f = x: x; in { a = f; } == { a = f; }', 'true'],
    ['let f = x: x; s = { a = f; }; in s == s', 'true'],
    ['let f = x: x; s = { a = f; }; in s == (s // { })', 'true'],
    ['let f = x: x; in [ f 1 ] < [ f 2 ]', 'true'],
    ['let f = x: x; in builtins.lessThan [ f 1 ] [ f 2 ]', 'true'],
    // An evaluated thunk is still its own place, distinct from another holding the same function.
    ['let t = builtins.head [ (x: x) ]; in builtins.seq t (builtins.elem t [ t ])', 'true'],
    ['let l = [ (x: x) ]; t = builtins.head l; in builtins.seq t (builtins.elem t l)', 'false'],
    ['let f = x: x; in [ f ] == [ (builtins.head [ f ]) ]', 'false'],
    ['let f = x: x; s = { a = f; }; in [ s.a ] == [ s.a ]', 'false'],
    ['let f = x: x; l = [ f f ]; in builtins.elemAt l 0 == builtins.elemAt l 1', 'false'],
    // A variable from `with` is a thunk of its own wherever it is used.
    ['with { f = x: x; }; [ f ] == [ f ]', 'false'],
    // Function arguments and formals are the caller's places.
    ['let f = x: x; in (x: builtins.elem x [ f ]) f', 'true'],
    ['let f = x: x; in ({ x }: builtins.elem x [ f ]) { x = f; }', 'true'],
    ['let f = x: x; in ({ x ? f }: builtins.elem x [ f ]) { }', 'true'],
    // Formals are bound in order (C++ Nix's symbol order; here x was seen first): a default
    // naming one bound before is that one's place. (2.8's order was its strings' addresses.)
    ['let f = x: x; in ({ x ? f, y ? x }: builtins.elem y [ f ]) { }', 'true'],
    ['let f = x: x; in (a@{ ... }: builtins.elem a [ a ]) { inherit f; }', 'true'],
    // A list built in a `let` holds the bindings themselves, filled or not yet.
    ['let l = [ g ]; g = x: x; in builtins.elem g l', 'true'],
    ['rec { b = [ a ]; a = x: x; c = builtins.elem a b; }.c', 'true'],
    ['let s = { b = [ s.a ]; a = x: x; }; in builtins.elem s.a s.b', 'false'],
    ['let f = _: [ g ]; g = x: x; in builtins.elem g (f 0)', 'true'],
    ['let a = { inherit g; }; g = x: x; in builtins.elem g [ a.g ]', 'false'],
    ['let a = [ { inherit g; } ]; g = x: x; in (builtins.head a).g == g', 'false'],
    ['let a = { inherit g; }; g = x: x; in a == { inherit g; }', 'true'],
    // Builtins that return elements keep the places.
    ['let t = builtins.head [ (x: x) ]; p = builtins.partition (x: true) [ t ]; in builtins.seq t (builtins.elem t p.right)', 'true'],
    ['let t = builtins.head [ (x: x) ]; p = builtins.sort (a: b: true) [ t ]; in builtins.seq t (builtins.elem t p)', 'true'],
    ['let t = builtins.head [ (x: x) ]; p = builtins.filter (x: true) [ t ]; in builtins.seq t (builtins.elem t p)', 'true'],
    ['let t = builtins.head [ { key = 1; f = x: x; } ]; p = builtins.genericClosure { startSet = [ t ]; operator = x: [ ]; }; in builtins.seq t (builtins.elem t p)', 'true'],
    ['let f = x: x; in builtins.elem f (builtins.attrValues { a = f; })', 'true'],
    ['let f = x: x; in builtins.elem f (builtins.catAttrs "a" [ { a = f; } ])', 'true'],
    ['let f = x: x; in builtins.elem f (builtins.tail [ 1 f ])', 'true'],
    ['let f = x: x; in builtins.elem f (builtins.concatMap (x: [ x ]) [ f ])', 'true'],
    ['let f = x: x; in builtins.elem f ((builtins.groupBy (x: "a") [ f ]).a)', 'true'],
    ['let f = x: x; in builtins.elem f (builtins.attrValues (builtins.listToAttrs [ { name = "a"; value = f; } ]))', 'true'],
    ['let f = x: x; in builtins.elem f (builtins.zipAttrsWith (n: v: v) [ { a = f; } ]).a', 'true'],
    ['let f = x: x; in builtins.elem f (builtins.foldl\' (a: b: a ++ [ b ]) [ ] [ f ])', 'true'],
    ['let f = x: x; in builtins.elem f (builtins.map (x: x) [ f ])', 'false'],
    ['let f = x: x; in builtins.elem f (builtins.genList (x: f) 1)', 'false'],
    ['let f = x: x; in builtins.elem (builtins.tryEval f).value [ f ]', 'false'],
    // The operands of `==` themselves are not places.
    ['let g = x: x; in g == g', 'false'],
    ['let x = (builtins.fromTOML "x = nan").x; in x == x', 'false'],
    ['let x = (builtins.fromTOML "x = nan").x; in [ x ] == [ x ]', 'true'],
    ['let x = (builtins.fromTOML "x = nan").x; in builtins.elem x [ x ]', 'true'],
    ['let x = (builtins.fromTOML "x = nan").x; in [ x ] == [ (builtins.fromTOML "x = nan").x ]', 'false'],
  ])('%s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });
});

describe('what equality forces', () => {
  test.each([
    // Both sides are forced before their places are compared.
    ['let l = [ (throw "x") ]; in l == l', 'error: x'],
    ['let t = throw "x"; in builtins.elem t [ t ]', 'error: x'],
    // A set compared with itself is still looked at: is it a derivation?
    ['let s = { type = throw "x"; }; in s == s', 'error: x'],
    ['let s = { type = throw "x"; }; in [ s ] == [ s ]', 'true'],
    ['let s = { type = throw "x"; }; in [ (s // { }) ] == [ s ]', 'error: x'],
    // Attribute by attribute: a name, then its value, stopping at the first difference.
    ['{ a = throw "x"; b = 1; } == { a = 1; c = 1; }', 'error: x'],
    ['{ a = 1; b = throw "x"; } == { a = 2; c = 1; }', 'false'],
    ['{ a = 1; b = throw "x"; } == { a = 1; c = 1; }', 'false'],
    ['{ a = 1; b = throw "x"; } == { a = 1; b = 1; }', 'error: x'],
    ['[ 1 (throw "x") ] == [ 2 (throw "y") ]', 'false'],
    ['[ 1 2 ] == [ 1 2 3 ]', 'false'],
    ['{ a = throw "x"; } == { a = 1; b = 2; }', 'false'],
    // Derivations compare by outPath, which is a place too.
    ['let o = x: x; in { type = "derivation"; outPath = o; a = 1; } == { type = "derivation"; outPath = o; a = 2; }', 'true'],
    ['{ type = "derivation"; outPath = "a"; } == { type = "derivation"; b = throw "x"; }', 'false'],
    // Sizes and kinds decide before anything inside is forced, but a left set's `type` is
    // forced first (is it a derivation?), whatever the right one is.
    ['{ type = throw "x"; a = 1; } == { }', 'error: x'],
    ['{ a = 1; } == { type = throw "x"; b = 1; c = 2; }', 'false'],
    ['{ type = "derivation"; outPath = "a"; x = 1; } == { type = "derivation"; outPath = "a"; }', 'true'],
    ['[ (throw "x") ] == [ 1 2 ]', 'false'],
    ['[ (throw "x") ] == { a = throw "y"; }', 'false'],
    ['[ [ ] { } ] == [ [ ] { } ]', 'true'],
    ['[ 1 "1" ] == [ 1.0 "1" ]', 'true'],
    ['[ "a" ] == [ ./a ]', 'false'],
    ['null == { }', 'false'],
    ['(x: x) == 1', 'false'],
  ])('%s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });
});

describe('ordering', () => {
  test.each([
    // Current Nix's messages (2.8 had no "values are" part).
    ['builtins.lessThan (x: x) builtins.map', "error: cannot compare a function with the built-in function 'map'; values of that type are incomparable (values are «lambda @ «string»:1:20» and «primop map»)"],
    ['[ 1 (x: x) ] < [ 2 (x: x) ]', 'true'],
    ['[ (x: x) ] < [ (x: x) ]', 'error: cannot compare a function with a function; values of that type are incomparable (values are «lambda @ «string»:1:4» and «lambda @ «string»:1:17»)'],
    ['[ 1 ] < [ 1 2 ]', 'true'],
    ['[ 1 2 ] < [ 1 ]', 'false'],
    ['[ 1 ] < [ 1 ]', 'false'],
  ])('%s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });
});
