// C++ Nix keeps sets and formals in symbol order: the order in which its symbol table first
// met each name (src/value/symbols.ts). Which of two failing attributes reports its error
// follows that order in deep forcing, `==` and argument checks. The expectations follow
// C++ Nix's sources (eval.cc: callFunction, forceValueDeep, eqValues; primops.cc:
// listToAttrs); C++ Nix 2.8 gives the same for those that do not involve derivation.nix.

import { evaluate } from '../../src/eval.js';
import { MemoryIO } from '../../src/io/memory-io.js';
import { failure, run } from '../builtins/helpers.js';

describe('the first error of two goes by where the names were first written', () => {
  test.each([
    // formals: the first missing argument, then the first unexpected one
    ['({ b, a }: 1) { }', "function 'anonymous lambda' called without required argument 'b'"],
    ['({ zz, yy }: 1) { ww = 1; vv = 2; }', "function 'anonymous lambda' called without required argument 'zz'"],
    ['({ a }: 1) { c = 1; b = 2; a = 1; }', "function 'anonymous lambda' called with unexpected argument 'c'"],
    ['let b = 1; in ({ a }: 1) { c = 1; b = 2; a = 1; }', "function 'anonymous lambda' called with unexpected argument 'b'"],
    // deep forcing (deepSeq, --strict): sets, rec sets, a lambda's whole argument
    ['builtins.deepSeq { b = throw "b"; a = throw "a"; } 1', 'b'],
    ['{ b = throw "b"; a = throw "a"; }', 'b'],
    ['rec { b = throw "b"; a = throw "a"; }', 'b'],
    ['({ x ? 1, ... }@args: args) { b = throw "b"; a = throw "a"; }', 'b'],
    ['let a = 1; in { b = throw "b"; a = throw "a"; }', 'a'],
    // ==
    ['{ b = throw "b"; a = throw "a"; } == { b = 1; a = 1; }', 'b'],
    ['let a = 1; in { b = throw "b"; a = throw "a"; } == { b = 1; a = 1; }', 'a'],
  ])('%s', (expr, message) => {
    expect(failure(expr).message).toBe(message);
  });

  test('the evaluator\'s own names come first: outPath, drvPath, type, ..., then the builtins\', then derivation.nix\'s', () => {
    expect(failure('{ zzz = throw "zzz"; type = throw "type"; outPath = throw "outPath"; }').message).toBe('outPath');
    expect(failure('{ b = throw "b"; toString = throw "t"; }').message).toBe('t');
    expect(failure('{ abc = throw "abc"; map = throw "map"; }').message).toBe('map');
    // typeOf (as __typeOf) registers before map; fetchGit before fromTOML.
    expect(failure('{ map = throw "map"; typeOf = throw "typeOf"; }').message).toBe('typeOf');
    expect(failure('{ fromTOML = throw "f"; fetchGit = throw "g"; }').message).toBe('g');
    expect(failure('{ x = throw "x"; all = throw "all"; }').message).toBe('all');
  });

  test('a name made at run time is interned when it is made', () => {
    // listToAttrs interns in list order, then takes each name's value in that order.
    expect(failure('builtins.listToAttrs [ { name = "b"; value = throw "b"; } { name = "a"; value = throw "a"; } ]').message).toBe('b');
    expect(failure('builtins.listToAttrs [ { name = "b"; } { name = "a"; } ]').message).toBe("attribute 'value' missing");
    // fromJSON interns a name as its value is read.
    expect(failure('builtins.fromJSON "{\\"b\\": 1, \\"a\\": 2}" // { a = throw "a"; b = throw "b"; }').message).toBe('a');
    expect(failure('builtins.mapAttrs (n: v: throw n) (builtins.fromJSON "{\\"d\\": 1, \\"c\\": 2}")').message).toBe('d');
    expect(failure('builtins.mapAttrs (n: v: throw n) (builtins.listToAttrs [ { name = "d"; value = 1; } { name = "c"; value = 1; } ])').message).toBe('d');
  });

  test('an imported file interns its names when it is imported, also when its compiled code is cached', () => {
    const io = new MemoryIO({ '/p/f.nix': '{ q = throw "q"; p = throw "p"; }', '/p/g.nix': '{ p = 1; q = 1; }' });
    // g is imported (and its names interned) first: p before q.
    const expr = 'let g = import /p/g.nix; f = import /p/f.nix; in builtins.seq g f';
    for (let i = 0; i < 2; i++) {
      const r = evaluate({ expr, strict: true, io });
      expect(r.ok ? 'ok' : r.error.message).toBe('p');
    }
    const r = evaluate({ expr: 'import /p/f.nix', strict: true, io });
    expect(r.ok ? 'ok' : r.error.message).toBe('q');
  });

  test('a let, a rec set and formals fill their bindings in symbol order: `a = b` is b itself only if b is filled first', () => {
    // b is interned first, so filled first, and a is the very value of b (a lambda is equal
    // to itself only as the same place, C++ Nix's ExprVar::maybeThunk).
    expect(run('let b = x: x; a = b; in [ a ] == [ b ]')).toBe('true');
    expect(run('let a = x: x; b = a; in [ a ] == [ b ]')).toBe('true');
    expect(run('(rec { b = x: x; a = b; c = [ a ] == [ b ]; }).c')).toBe('true');
    // The expression interns a before b: a is filled first and is a thunk reading b.
    expect(run('let f = s: [ s.a s.b ]; in let b = x: x; a = b; in [ a ] == [ b ]')).toBe('false');
    // Formals: b is interned first (as a's default is parsed before the formal a).
    expect(run('({ a ? b, b ? x: x }: [ a ] == [ b ]) { }')).toBe('true');
    expect(run('({ b ? a, a ? x: x }: [ a ] == [ b ]) { }')).toBe('true');
  });

  test('a default naming a formal bound later is a thunk: infinite recursion is found where C++ Nix finds it', () => {
    // b is bound first (interned first), its default `a` a thunk; a is that same thunk, so
    // forcing b evaluates `a` (1:15), which is b's thunk again.
    const r = evaluate({ expr: '({ a ? b, b ? a }: b) { }', strict: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe('infinite recursion encountered');
    expect(r.error.pos?.offset).toBe(14);
  });

  test('cached code of a file is reused only under the symbol order it was compiled for', () => {
    const io = new MemoryIO({ '/p/alias.nix': 'let b = x: x; a = b; in [ a ] == [ b ]' });
    const alone = evaluate({ expr: 'import /p/alias.nix', strict: true, io });
    expect(alone.ok && alone.value).toBe(true);
    // Here a is interned before the file is read: a is filled first and is not b itself.
    const after = evaluate({ expr: 'let a = 1; b = 2; in builtins.seq [ a b ] (import /p/alias.nix)', strict: true, io });
    expect(after.ok && after.value).toBe(false);
    const again = evaluate({ expr: 'import /p/alias.nix', strict: true, io });
    expect(again.ok && again.value).toBe(true);
  });

  test('printing, attrNames, attrValues and toJSON still go by name', () => {
    expect(run('{ b = 1; a = 2; }')).toBe('{ a = 2; b = 1; }');
    expect(run('builtins.attrNames { b = 1; a = 2; }')).toBe('[ "a" "b" ]');
    expect(run('builtins.attrValues { b = 1; a = 2; }')).toBe('[ 2 1 ]');
    expect(failure('builtins.toJSON { b = throw "b"; a = throw "a"; }').message).toBe('a');
    expect(failure('builtins.attrValues { b = throw "b"; a = throw "a"; }').message).toBe('a');
  });
});

describe('a name computed at run time comes where C++ Nix makes its symbol', () => {
  // `y` and `z` build "yy" and "zz" at run time; the set `s` then has zz first if something
  // made the symbol zz before it (a lookup, a dynamic attribute, a groupBy key), else yy
  // (listToAttrs makes its names in order). Deep forcing `s` reports the first one's error.
  // C++ Nix: eval.cc getName, primops.cc's hasAttr, unsafeGetAttrPos, removeAttrs, catAttrs,
  // groupBy (`symbols.create`), a dynamic attribute's name (ExprAttrs::eval); a getAttr or
  // select that finds nothing fails for good.
  const names = 'y = "y" + "y"; z = "z" + "z"; s = builtins.listToAttrs [ { name = y; value = throw "yy"; } { name = z; value = throw "zz"; } ];';
  test.each([
    ['null', 'yy'],
    ['builtins.hasAttr z { }', 'zz'],
    ['builtins.unsafeGetAttrPos z { }', 'zz'],
    ['{ }.${z} or 1', 'zz'],
    ['{ } ? ${z}', 'zz'],
    ['builtins.removeAttrs { } [ z ]', 'zz'],
    ['builtins.catAttrs z [ ]', 'zz'],
    ['builtins.groupBy (x: z) [ 1 ]', 'zz'],
    ['{ ${z} = 1; }', 'zz'],
    ['rec { ${z} = 1; }', 'zz'],
    ['{ a.${z} = 1; }.a', 'zz'],
    // Made only when forced: a name in an unforced thunk is not made.
    ['[ (builtins.hasAttr z { }) ]', 'yy'],
  ])('%s', (made, first) => {
    for (const tier of ['compiled', 'vm'] as const) {
      const r = evaluate({ expr: `let ${names} d = ${made}; in builtins.seq d s`, strict: true, tier });
      expect(r.ok ? 'ok' : r.error.message).toBe(first);
    }
  });
});

describe('names made at run time keep their order however many wait to be numbered', () => {
  // The table numbers a run-time name when something first needs its number, the names made
  // before it first (SymbolTable.pending): the numbers are those of interning each at once.
  test.each([
    // the unexpected argument checked first is the first in symbol order
    ['({ a ? 1 }: 1) s', "function 'anonymous lambda' called with unexpected argument 'zz'"],
    // a name first met by a later listToAttrs comes after the pending ones
    ['builtins.deepSeq (builtins.listToAttrs [ { name = "x" + "x"; value = throw "xx"; } { name = z; value = throw "zz"; } ]) 1', 'zz'],
  ])('%s', (use, message) => {
    const s = 's = builtins.listToAttrs [ { name = "y" + "y"; value = 1; } { name = z; value = 1; } ];';
    for (const tier of ['compiled', 'vm'] as const) {
      const r = evaluate({ expr: `let z = "z" + "z"; d = { ${'${z}'} = 1; }; ${s} in builtins.seq d (${use})`, strict: true, tier });
      expect(r.ok ? 'ok' : r.error.message).toBe(message);
    }
  });

  test('past the bound on waiting names (65,536), and for names made again and again', () => {
    // 70,000 sets with a name each (two names apiece: the bound is passed) before zz and yy.
    const expr = `let
      many = builtins.foldl' (acc: i: builtins.seq { \${"n" + toString i} = 1; } (builtins.seq { \${"m"} = 1; } acc)) 0 (builtins.genList (i: i) 70000);
      z = "z" + "z"; d = { \${z} = 1; };
      s = builtins.listToAttrs [ { name = "y" + "y"; value = throw "yy"; } { name = z; value = throw "zz"; } ];
    in builtins.seq many (builtins.seq d s)`;
    const r = evaluate({ expr, strict: true });
    expect(r.ok ? 'ok' : r.error.message).toBe('zz');
  });
});

describe('the names a builtin gives its result are made when it runs', () => {
  // tryEval makes `success`, parseDrvName `version` (primops.cc: symbols.create("success"),
  // attrs.alloc("version")); neither is written in these programs, so the set `s` has it
  // before ww only if the builtin ran first.
  test.each([
    ['builtins.tryEval 1', 'succ', 'ess'],
    ['builtins.tryEval (throw "x")', 'succ', 'ess'],
    ['builtins.parseDrvName "a-1"', 'vers', 'ion'],
  ])('%s', (made, a, b) => {
    const s = `builtins.listToAttrs [ { name = "w" + "w"; value = throw "ww"; } { name = "${a}" + "${b}"; value = throw "${a}${b}"; } ]`;
    for (const tier of ['compiled', 'vm'] as const) {
      const before = evaluate({ expr: `let d = ${made}; in builtins.seq d (${s})`, strict: true, tier });
      expect(before.ok ? 'ok' : before.error.message).toBe(a + b);
      const alone = evaluate({ expr: s, strict: true, tier });
      expect(alone.ok ? 'ok' : alone.error.message).toBe('ww');
    }
  });
});

test('readDir makes its entries\' names when it runs, in the order of their names', () => {
  // primops.cc prim_readDir: symbols.create for each entry of the sorted listing.
  const io = new MemoryIO({ '/d/zz': '', '/d/yy': '' });
  const set = 'builtins.listToAttrs [ { name = "x" + "x"; value = throw "xx"; } { name = "z" + "z"; value = throw "zz"; } { name = "y" + "y"; value = throw "yy"; } ]';
  for (const tier of ['compiled', 'vm'] as const) {
    const alone = evaluate({ expr: set, strict: true, io, tier });
    expect(alone.ok ? 'ok' : alone.error.message).toBe('xx');
    const after = evaluate({ expr: `builtins.seq (builtins.readDir /d) (${set})`, strict: true, io, tier });
    expect(after.ok ? 'ok' : after.error.message).toBe('yy');
  }
});
