// Error traces as C++ Nix 2.36 builds them: which frames an error gets, in which order, and
// which frame or error carries a position. The conformance corpus covers many of these; the
// cases here are the neighbours it does not have.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../src/eval.js';
import type { SourcePos } from '../../src/errors/errors.js';
import { printValue } from '../../src/value/print.js';
import { defaultHotRuns, setHotRuns } from '../../src/codegen/runtime.js';

interface Failure {
  message: string;
  /** `line:column` of the error itself, if it has a position. */
  at: string | undefined;
  /** Innermost first: `message @ line:column`, or just the message. */
  trace: string[];
}

function where(pos: SourcePos | undefined): string | undefined {
  if (!pos) return undefined;
  const { line, column } = pos.source.lineCol(pos.offset);
  return `${line}:${column}`;
}

function fail(expr: string, tier?: 'vm' | 'compiled'): Failure {
  const r = evaluate({ expr, strict: true, baseDir: '/base', ...(tier ? { tier } : {}) });
  if (r.ok) throw new Error(`expected an error from ${expr}, got ${printValue(r.value)}`);
  return {
    message: r.error.message,
    at: where(r.error.pos),
    trace: r.error.trace.map((t) => (t.pos ? `${t.message} @ ${where(t.pos)}` : t.message)),
  };
}

/** `fail` in one tier: the compiled tier translating every chunk at its first run. */
function failInTier(expr: string, tier: 'vm' | 'compiled'): Failure {
  if (tier === 'compiled') setHotRuns(0);
  try {
    return fail(expr, tier);
  } finally {
    setHotRuns(defaultHotRuns());
  }
}

/** The printed value of expr, read as the file /base/test.nix (positions as values exist only in files). */
function value(expr: string): string {
  const r = evaluate({ source: { origin: '/base/test.nix', text: Buffer.from(expr, 'utf8').toString('latin1'), baseDir: '/base' }, strict: true });
  if (!r.ok) throw new Error(r.rendered);
  return printValue(r.value);
}

describe('`+` and string coercion', () => {
  test('an operand that cannot be coerced is a path segment at that operand, the error has no position', () => {
    expect(fail('{ } + "a"')).toEqual({
      message: 'cannot coerce a set to a string: { }',
      at: undefined,
      trace: ['while evaluating a path segment @ 1:1'],
    });
    expect(fail('"a" + (1)').trace[0]).toBe('while evaluating a path segment @ 1:7');
  });

  // ExprConcatStrings::eval, which interpolation is too: i->eval(..., "in an operand of '+'"),
  // then coerceToString(i_pos, ..., "while evaluating a path segment").
  test('an interpolated part that fails is an operand of +, one that cannot be coerced a path segment', () => {
    expect(fail('"a${throw "x"}"').trace).toEqual(["while calling the 'throw' builtin @ 1:5", "in an operand of '+' @ 1:5"]);
    expect(fail('let t = throw "x"; in "a${t}b"').trace).toEqual(["while calling the 'throw' builtin @ 1:9", "in an operand of '+' @ 1:27"]);
    expect(fail("''a${throw \"x\"}''").trace).toEqual(["while calling the 'throw' builtin @ 1:6", "in an operand of '+' @ 1:6"]);
    expect(fail('let s = { }; in "a${s}"')).toEqual({
      message: 'cannot coerce a set to a string: { }', at: undefined, trace: ['while evaluating a path segment @ 1:19'],
    });
  });

  test('an operand that cannot be added is an error at that operand, parenthesis included', () => {
    const f = fail('1 + ("a")');
    expect(f.message).toBe('cannot add a string to an integer');
    expect(f.at).toBe('1:5');
  });

  test('toString of a list: an element is "one element of the list" of the argument', () => {
    expect(fail('toString [ 1 { } ]').trace.slice(0, 3)).toEqual([
      'while evaluating one element of the list',
      'while evaluating the first argument passed to builtins.toString',
      "while calling the 'toString' builtin @ 1:1",
    ]);
    // Forcing an element fails inside the argument's coercion too.
    expect(fail('toString [ (throw "x") ]').trace).toContain('while evaluating the first argument passed to builtins.toString');
  });

  test('outPath and __toString frames are at their attributes', () => {
    expect(fail('toString { outPath = { }; }').trace.slice(0, 2)).toEqual([
      'while evaluating the first argument passed to builtins.toString',
      'while using the `outPath` attribute @ 1:12',
    ]);
    const f = fail('toString { __toString = 1; }');
    expect(f.message).toBe('attempt to call something which is not a function but an integer: 1');
    expect(f.at).toBe('1:12');
    expect(f.trace[0]).toBe('while calling the `__toString` attribute @ 1:12');
    // The value shows as in any error message: functions described, nesting cut short.
    expect(Buffer.from(fail('toString { __toString = { f = map; }; }').message, 'latin1').toString('utf8'))
      .toBe('attempt to call something which is not a function but a set: { f = «primop map»; }');
  });
});

describe('builtin calls', () => {
  test('forcing an argument adds no "while evaluating the ... argument" line', () => {
    expect(fail('builtins.length (throw "x")').trace).toEqual([
      "while calling the 'throw' builtin @ 1:18",
      "while calling the 'length' builtin @ 1:1",
    ]);
  });

  test('an operator that stands for a builtin is traced as that call once', () => {
    expect(fail('"a" - 1').trace.filter((t) => t.startsWith("while calling the 'sub' builtin"))).toHaveLength(1);
    expect(fail('9223372036854775807 * 2').trace).toEqual(["while calling the 'mul' builtin @ 1:21"]);
  });

  test('a later argument is applied at the call site, outside the call of the function', () => {
    // C++ Nix's callFunction applies 2 to what `f 1` returned after f's call has ended.
    const f = fail('let h = y: throw "boom"; g = x: h; f = a: g a; in (f 1) 2');
    expect(f.trace).toEqual(["while calling the 'throw' builtin @ 1:12", "while calling 'h' @ 1:9", 'from call site @ 1:52']);
    // With several arguments in a tail call, the later ones are applied inside the caller's call.
    const k = fail('let h = y: throw "boom"; g = x: h; f = a: g a 2; in f 1');
    expect(k.trace.slice(1)).toEqual(["while calling 'h' @ 1:9", 'from call site @ 1:43', "while calling 'f' @ 1:40", 'from call site @ 1:53']);
  });

  test('a lambda called by a builtin has no call site', () => {
    expect(fail('builtins.filter (x: x.a) [ 1 ]').trace).toContain('while calling anonymous lambda @ 1:18');
    expect(fail('builtins.filter (x: x.a) [ 1 ]').trace).not.toContain('from call site');
  });
});

describe('lazy applications', () => {
  test('mapAttrs: the function is still unevaluated when the first attribute calls it', () => {
    const first = fail('builtins.mapAttrs (n: v: v + "x") { a = 1; }');
    expect(first.trace.some((t) => t.startsWith('from call site'))).toBe(false);
    expect(first.trace).toContain('while calling anonymous lambda @ 1:23');
  });

  test('mapAttrs: once evaluated, the function stands for the call site of the next attribute', () => {
    const second = fail('let m = builtins.mapAttrs (n: v: if n == "a" then v else throw "no") { a = 1; b = 2; }; in builtins.seq m.a m.b');
    expect(second.trace).toContain('from call site @ 1:28');
  });

  test('map: the function is forced first, so every element has it as call site', () => {
    expect(fail('builtins.map (x: x + "a") [ 1 ]').trace).toContain('from call site @ 1:15');
  });
});

describe('Boolean operands', () => {
  test('a non-Boolean operand is an error at that operand, inside its trace line', () => {
    expect(fail('let x = 1; in true && x')).toEqual({
      message: 'expected a Boolean but found an integer: 1',
      at: '1:23',
      trace: ["in the right operand of '&&' @ 1:23"],
    });
    expect(fail('let x = "x"; in !x')).toEqual({
      message: 'expected a Boolean but found a string: "x"',
      at: '1:18',
      trace: ["in the argument of '!' @ 1:18"],
    });
  });
});

describe('attribute selection', () => {
  test('a missing attribute has no position of its own, the select line has it', () => {
    const f = fail('{ ab = 1; }.a');
    expect(f.message).toBe("attribute 'a' missing");
    expect(f.at).toBeUndefined();
    expect(f.trace).toEqual(["while evaluating the attribute 'a' @ 1:1"]);
  });

  // ExprSelect::eval: the path shown with computed names evaluated (showAttrSelectionPath), and
  // "from the definition of" the path up to the last attribute found, only once one was found.
  test.each(['vm', 'compiled'] as const)('the path shows computed names by value, the definition the path found (%s tier)', (tier) => {
    const trace = (expr: string): string[] => {
      if (tier === 'compiled') setHotRuns(0);
      try {
        const r = evaluate({ expr, strict: true, baseDir: '/base', tier });
        if (r.ok) throw new Error(`expected an error from ${expr}`);
        return r.error.trace.map((t) => t.message);
      } finally {
        setHotRuns(defaultHotRuns());
      }
    };
    // A select inside the computed name leaves the outer select's record alone.
    expect(trace('let dep = { name = "numpy"; }; pkgs = { numba = 1; }; in pkgs.${dep.name}'))
      .toEqual(["while evaluating the attribute 'numpy'"]);
    expect(trace('let k = "b"; x = { a.b = { }; }; in x.a.${k}.c'))
      .toEqual(["from the definition of 'a.b'", "while evaluating the attribute 'a.b.c'"]);
    expect(trace('let x = { a.b.c = throw "t"; }; in x.a.b.c').slice(-2))
      .toEqual(["from the definition of 'a.b.c'", "while evaluating the attribute 'a.b.c'"]);
    // Names that are no identifiers are quoted; a name not evaluated shows as its expression.
    expect(trace('let x = { "a b" = { }; k = "a b"; }; in x.${x.k}.${toString 1}'))
      .toEqual(["from the definition of '\"a b\"'", "while evaluating the attribute '\"a b\".\"1\"'"]);
    expect(trace('let x = { a = { }; }; in x.${"a"}.${throw "t"}').slice(-2))
      .toEqual(["from the definition of 'a'", "while evaluating the attribute 'a.\"${(throw \"t\")}\"'"]);
    expect(trace('let x = { a = 1; }; in x.${x.b or "b"} or (throw "d")')).toEqual(["while calling the 'throw' builtin"]);
  });


  // ExprSelect::eval: forceAttrs(v, pos, "while selecting an attribute") on each value of the
  // path: a value that is no set is a type error without a position of its own, whose first
  // frame is at the select; a failure forcing the value adds no frame there.
  test.each(['vm', 'compiled'] as const)('a select from a value that is no set, and forcing the path (%s tier)', (tier) => {
    const failIn = (expr: string): Failure => failInTier(expr, tier);
    expect(failIn('let a = 1; in a.b')).toEqual({
      message: 'expected a set but found an integer: 1',
      at: undefined,
      trace: ['while selecting an attribute @ 1:15', "while evaluating the attribute 'b' @ 1:15"],
    });
    expect(failIn('let a = { b = 1; }; in a.b.c.d')).toEqual({
      message: 'expected a set but found an integer: 1',
      at: undefined,
      trace: ['while selecting an attribute @ 1:24', "from the definition of 'b' @ 1:11", "while evaluating the attribute 'b.c.d' @ 1:24"],
    });
    expect(failIn('let a = { b = throw "t"; }; in a.b.c').trace).toEqual([
      "while calling the 'throw' builtin @ 1:15", "from the definition of 'b' @ 1:11", "while evaluating the attribute 'b.c' @ 1:32",
    ]);
  });

  // `inherit (e) x` is C++ Nix's ExprSelect(x's position, ExprInheritFrom(e's position), x).
  test.each(['vm', 'compiled'] as const)('an attribute inherited from a set is selected at its name, the set evaluated at its own position (%s tier)', (tier) => {
    const failIn = (expr: string): Failure => failInTier(expr, tier);
    expect(failIn('let a = { }; in let inherit (a) x; in x')).toEqual({
      message: "attribute 'x' missing", at: undefined, trace: ["while evaluating the attribute 'x' @ 1:33"],
    });
    expect(failIn('let a = 1; in { inherit (a) x; }.x')).toEqual({
      message: 'expected a set but found an integer: 1',
      at: undefined,
      trace: [
        'while selecting an attribute @ 1:29', "while evaluating the attribute 'x' @ 1:29",
        "from the definition of 'x' @ 1:29", "while evaluating the attribute 'x' @ 1:15",
      ],
    });
    expect(failIn('{ inherit (throw "t") x; }.x').trace.slice(0, 3)).toEqual([
      "while calling the 'throw' builtin @ 1:12", 'while selecting an attribute @ 1:12', "from the definition of 'x' @ 1:23",
    ]);
    expect(failIn('{ inherit ({ x = throw "t"; }) x; }.x').trace.slice(0, 3)).toEqual([
      "while calling the 'throw' builtin @ 1:18", "from the definition of 'x' @ 1:14", "while evaluating the attribute 'x' @ 1:32",
    ]);
    expect(value('let inherit ({ x = 1; y = 2; }) x y; in { inherit ({ z = x + y; }) z; }.z')).toBe('3');
  });

  // ExprAttrs::eval: forceAttrs(overrides, ..., "while evaluating the `__overrides` attribute").
  test('__overrides: only a value that is no set is an error "while evaluating" it', () => {
    expect(fail('rec { a = 1; __overrides = 1; }.a')).toEqual({
      message: 'expected a set but found an integer: 1',
      at: undefined,
      trace: ['while evaluating the `__overrides` attribute', 'while selecting an attribute @ 1:1'],
    });
    expect(fail('rec { a = 1; __overrides = throw "o"; }.a').trace).toEqual([
      "while calling the 'throw' builtin @ 1:28", 'while selecting an attribute @ 1:1',
    ]);
  });

  test('functionArgs attributes are at the formals', () => {
    expect(value('let p = builtins.unsafeGetAttrPos "y" (builtins.functionArgs ({ x, y ? 1 }: x)); in [ p.line p.column ]'))
      .toBe('[ 1 68 ]');
  });
});

describe('toJSON', () => {
  test('nesting: attributes at their definitions, list elements at the list', () => {
    expect(fail('builtins.toJSON { a = [ 1 (throw "x") ]; }').trace.slice(1, 3)).toEqual([
      'while evaluating list element at index 1 @ 1:19',
      "while evaluating attribute 'a' @ 1:19",
    ]);
    // The list given to toJSON itself has no position (builtins are called without one).
    expect(fail('builtins.toJSON [ (throw "x") ]').trace[1]).toBe('while evaluating list element at index 0');
  });

  test('outPath and __toString results are serialised "while using" them', () => {
    expect(fail('builtins.toJSON { outPath = { a = throw "x"; }; }').trace.slice(1, 3)).toEqual([
      "while evaluating attribute 'a' @ 1:31",
      'while using the `outPath` attribute @ 1:19',
    ]);
    const f = fail('builtins.toJSON { __toString = self: null; }');
    expect(f.message).toBe('`__toString` should return a string, but got null: null');
    expect(f.at).toBe('1:19');
    expect(f.trace[0]).toBe('while using the result of the `__toString` attribute @ 1:19');
  });

  // Current Nix's peelToStringOutPath: a failing `outPath` is "while evaluating" it (not
  // evaluated: WhileTryingToUse), what comes out is printed at the outer value's position, and
  // a bad `__toString` result is reported where the last step was taken from.
  test('peeling as current Nix: positions and wording', () => {
    expect(fail('builtins.toJSON { outPath = throw "x"; }').trace[1]).toBe('while evaluating the `outPath` attribute @ 1:19');
    // An element of a list that came out of outPath is at the set's own position (none here).
    expect(fail('builtins.toJSON { outPath = [ (throw "x") ]; }').trace[1]).toBe('while evaluating list element at index 0');
    expect(fail('builtins.toJSON { a = { outPath = { outPath = [ 1 (throw "deep") ]; }; }; }').trace[1]).toBe('while evaluating list element at index 1 @ 1:19');
    expect(fail('builtins.toJSON { a = { outPath = builtins.add; }; }').at).toBe('1:19');
    const f = fail('builtins.toJSON { a = { __toString = _: { outPath = 1; }; }; }');
    expect(f.message).toBe('`__toString` should return a string, but got an integer: 1');
    expect(f.at).toBe('1:43');
  });
});

describe('infinite recursion', () => {
  test('a thunk forced by a builtin has no position', () => {
    const f = fail('let f = builtins.add f 1; in f');
    expect(f.message).toBe('infinite recursion encountered');
    expect(f.at).toBeUndefined();
  });
});

// eval.cc: ExprIf::eval is evalBool(cond, "while evaluating a branch condition"); callFunction
// forces a formals lambda's argument with forceAttrs(arg, lambda.pos, "while evaluating the
// value passed for the lambda argument") before the call, adding only "from call site".
describe('conditions and lambda arguments', () => {
  test('an if condition: any error in it has the branch-condition line, a non-Boolean is an error at it', () => {
    expect(fail('let x = 1; in if x then 1 else 2')).toEqual({
      message: 'expected a Boolean but found an integer: 1', at: '1:18', trace: ['while evaluating a branch condition @ 1:18'],
    });
    expect(fail('let x = throw "t"; in if x then 1 else 2').trace).toEqual([
      "while calling the 'throw' builtin @ 1:9", 'while evaluating a branch condition @ 1:26',
    ]);
    // The branches are not part of it.
    expect(fail('if true then throw "t" else 2').trace).toEqual(["while calling the 'throw' builtin @ 1:14"]);
  });

  test('an assert condition: evaluated as evalBool does; only a failing == is explained under the assertion', () => {
    expect(fail('let x = 1; in assert x; 1')).toEqual({
      message: 'expected a Boolean but found an integer: 1', at: '1:22', trace: ['in the condition of the assert statement @ 1:22'],
    });
    expect(fail('let x = throw "t"; in assert x == 1; 1').trace).toEqual([
      "while calling the 'throw' builtin @ 1:9", "in the left operand of '==' @ 1:30", 'in the condition of the assert statement @ 1:32',
    ]);
    // The comparison itself failing is in the condition too, not "while evaluating the condition of the assertion".
    expect(fail('assert { a = throw "t"; } == { a = 1; }; 1').trace).toEqual([
      "while calling the 'throw' builtin @ 1:14", 'in the condition of the assert statement @ 1:27',
    ]);
    expect(fail('assert 1 == 2; 1')).toEqual({
      message: "an integer with value '1' is not equal to an integer with value '2'",
      at: undefined,
      trace: ["while evaluating the condition of the assertion '(1 == 2)' @ 1:1"],
    });
    expect(fail('let x = false; in assert x; 1')).toEqual({ message: "assertion 'x' failed", at: '1:19', trace: [] });
  });

  // ExprAssert::eval: only the explanation of its own comparison is under "while evaluating the
  // condition of the assertion"; an assertion failing while `==` forces a value is an error of
  // evalBool, "in the condition of the assert statement" of the outer assert.
  test('an assertion failing inside the values an assert compares is not explained by that assert', () => {
    expect(fail('let v = { a = assert 1 == 2; 1; }; in assert v == { a = 1; }; 1')).toEqual({
      message: "an integer with value '1' is not equal to an integer with value '2'",
      at: undefined,
      trace: ["while evaluating the condition of the assertion '(1 == 2)' @ 1:15", 'in the condition of the assert statement @ 1:48'],
    });
    expect(fail('let v = [ (assert false; 1) ]; in assert v == [ 1 ]; 1').trace).toEqual(['in the condition of the assert statement @ 1:44']);
    // Its own explanation still is, inside a value compared by another assert.
    expect(fail('let v = { a = assert 1 == 2; 1; }; in assert v == { a = 1; }; 1').trace).toHaveLength(2);
  });

  test('with: a value that is no set has the line of its `with`; a name no set has is undefined at the variable', () => {
    expect(fail('let x = 1; in with { }; with x; y')).toEqual({
      message: 'expected a set but found an integer: 1', at: undefined, trace: ['while evaluating the first subexpression of a with expression @ 1:25'],
    });
    expect(fail('with { }; let f = x: y; in f 1')).toMatchObject({ message: "undefined variable 'y'", at: '1:22' });
  });

  test('an error forcing a formals lambda\'s argument: the call shows only as its call site', () => {
    expect(fail('let f = { a }: a; in f (throw "t")').trace).toEqual([
      "while calling the 'throw' builtin @ 1:25", 'from call site @ 1:22',
    ]);
    // Once the formals are bound, the body's errors have the lambda's "while calling" line.
    expect(fail('let f = { a }: throw a; in f { a = "t"; }').trace).toContain("while calling 'f' @ 1:9");
  });

  test('a formals lambda given no set: the error has no position, its line is at the lambda', () => {
    expect(fail('let f = { a }: a; in f 1')).toEqual({
      message: 'expected a set but found an integer: 1',
      at: undefined,
      trace: ['while evaluating the value passed for the lambda argument @ 1:9', 'from call site @ 1:22'],
    });
  });

  // callFunction's formals checks: error<TypeError>(...).atPos(lambda.pos).withTrace(pos,
  // "from call site"), unconditional, where forceAttrs's is under `if (pos)`. A builtin calls
  // with noPos, so its lambda's mismatch has a "from call site" line without a position.
  test.each(['vm', 'compiled'] as const)('a formals mismatch in a lambda a builtin calls: a call-site line without a position (%s)', (tier) => {
    expect(fail('builtins.filter ({ a }: true) [ { } ]', tier)).toEqual({
      message: "function 'anonymous lambda' called without required argument 'a'",
      at: '1:18',
      trace: ['from call site', "while calling the 'filter' builtin @ 1:1"],
    });
    expect(fail("builtins.foldl' ({ a }: b: a) { a = 1; b = 1; } [ 1 ]", tier)).toMatchObject({
      message: "function 'anonymous lambda' called with unexpected argument 'b'",
      trace: ['from call site', "while calling the 'foldl'' builtin @ 1:1"],
    });
    // Not a set: forceAttrs's line, and no call-site line without a position.
    expect(fail('builtins.filter ({ a }: true) [ 1 ]', tier).trace).toEqual([
      'while evaluating the value passed for the lambda argument @ 1:18', "while calling the 'filter' builtin @ 1:1",
    ]);
    // A call with a position keeps it.
    expect(fail('({ a }: a) { }', tier).trace).toEqual(['from call site @ 1:1']);
  });

  // callFunction on a set with __functor: callFunction(functor, {set, args[0]}, vCur,
  // functor->pos), whose error gets addTrace(pos, "while calling a functor ..."), shown without
  // --show-trace too; the functor's lambdas are called from where __functor is defined.
  test.each(['vm', 'compiled'] as const)('a functor: its line at the call, its lambdas called from the __functor attribute (%s)', (tier) => {
    const functorLine = "while calling a functor (an attribute set with a '__functor' attribute)";
    expect(fail('let f = { __functor = self: x: throw "b"; }; in f 1', tier).trace).toEqual([
      "while calling the 'throw' builtin @ 1:32", "while calling '__functor' @ 1:29", 'from call site @ 1:11', `${functorLine} @ 1:49`,
    ]);
    // The functor's own body.
    expect(fail('{ __functor = self: throw "s"; } 1', tier).trace).toEqual([
      "while calling the 'throw' builtin @ 1:21", "while calling '__functor' @ 1:15", 'from call site @ 1:3', `${functorLine} @ 1:1`,
    ]);
    // Only the first argument goes to the functor: the result takes the rest at the call, outside its line.
    expect(fail('{ __functor = self: x: y: throw "b"; } 1 2', tier).trace).toEqual([
      "while calling the 'throw' builtin @ 1:27", "while calling '__functor' @ 1:24", 'from call site @ 1:1',
    ]);
    // Called by a builtin: no position for the line; a __functor that is no function is the error at its definition.
    expect(fail('builtins.filter { __functor = 1; } [ 1 ]', tier)).toEqual({
      message: 'attempt to call something which is not a function but an integer: 1',
      at: '1:19',
      trace: [functorLine, "while calling the 'filter' builtin @ 1:1"],
    });
    expect(value('let f = { __functor = self: x: y: x + y; }; in f 1 2')).toBe('3');
  });
});

// C++ Nix's Expr::getPos gives number, string and path literals and `let` no position, a list
// that of its first element, `!e` and `e ? a` that of e: errors and trace lines taken from such
// an operand have none.
describe('operands without a position', () => {
  test('a literal condition or Boolean operand: the error and its line have no position', () => {
    expect(fail('if 1 then 2 else 3')).toEqual({
      message: 'expected a Boolean but found an integer: 1', at: undefined, trace: ['while evaluating a branch condition'],
    });
    expect(fail('!1')).toEqual({ message: 'expected a Boolean but found an integer: 1', at: undefined, trace: ["in the argument of '!'"] });
    expect(fail('assert "a"; 1')).toEqual({
      message: 'expected a Boolean but found a string: "a"', at: undefined, trace: ['in the condition of the assert statement'],
    });
    expect(fail('true && ./a').trace).toEqual(["in the right operand of '&&'"]);
    expect(fail('if (let x = 1; in x) then 1 else 2').at).toBeUndefined();
  });

  test('a list is where its first element is; `!e` and `e ? a` where e is', () => {
    expect(fail('if [ 1.5 ] then 1 else 2').at).toBeUndefined();
    expect(fail('let x = 1; in if [ x ] then 1 else 2').at).toBe('1:20');
    expect(fail('let x = 1; in if !x then 1 else 2')).toEqual({
      message: 'expected a Boolean but found an integer: 1', at: '1:19', trace: ["in the argument of '!' @ 1:19", 'while evaluating a branch condition @ 1:19'],
    });
    expect(fail('let x = 1; in !!x').trace).toEqual(["in the argument of '!' @ 1:17", "in the argument of '!' @ 1:17"]);
  });

  test('operands of ==, ++, //, + and the target of a selection', () => {
    expect(fail('1 // { }')).toEqual({ message: 'expected a set but found an integer: 1', at: undefined, trace: ["in the left operand of '//'"] });
    expect(fail('{ } // [ throw "t" ]').trace).toEqual(["in the right operand of '//' @ 1:10"]);
    expect(fail('[ ] ++ (let x = throw "t"; in x)').trace).toEqual(["while calling the 'throw' builtin @ 1:17", "in the right operand of '++'"]);
    expect(fail('(let x = throw "t"; in x) == 1').trace).toEqual(["while calling the 'throw' builtin @ 1:10", "in the left operand of '=='"]);
    expect(fail('(throw "t").a').trace).toEqual(["while calling the 'throw' builtin @ 1:2", 'while selecting an attribute @ 1:2']);
  });

  test('a computed attribute name: only an error of its value has the attribute-name line, at the name', () => {
    expect(fail('{ a = 1; } ? ${1}')).toEqual({
      message: 'expected a string but found an integer: 1', at: undefined, trace: ['while evaluating an attribute name'],
    });
    expect(fail('let x = 1; in { a = 1; }.${x}')).toMatchObject({ at: '1:28', trace: ['while evaluating an attribute name @ 1:28', expect.anything()] });
    expect(fail('{ a = 1; }.${throw "t"}').trace).not.toContain('while evaluating an attribute name @ 1:14');
  });
});

// C++ Nix's evalFile evaluates an imported file as ExprParseFile, whose eval adds
// addErrorTrace(e, "while evaluating the file '%s':", path) to an error of the file's own
// evaluation (not to a parse error, nor to the file's value failing later); the file's thunk
// then memoises the error, so importing it again adds nothing more.
describe('import', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nixeval-errpos2-'));
    writeFileSync(join(dir, 'throw.nix'), 'throw "inner"');
    writeFileSync(join(dir, 'lazy.nix'), '{ a = throw "inner"; }');
    writeFileSync(join(dir, 'cycle.nix'), 'import ./cycle.nix');
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'default.nix'), 'throw "inner"');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fileLine = (name: string): string => `while evaluating the file '${join(dir, name)}':`;

  test.each(['vm', 'compiled'] as const)('an error evaluating the imported file has a line naming the file, without a position (%s)', (tier) => {
    expect(fail(`import ${dir}/throw.nix`, tier).trace).toEqual([
      "while calling the 'throw' builtin @ 1:1", fileLine('throw.nix'), "while calling the 'import' builtin @ 1:1",
    ]);
    // A directory: its default.nix.
    expect(fail(`import ${dir}/d`, tier).trace[1]).toBe(fileLine('d/default.nix'));
    // Only the file's own evaluation: a value in it failing later is not.
    expect(fail(`(import ${dir}/lazy.nix).a`, tier).trace).not.toContain(fileLine('lazy.nix'));
    // Imported again: the memoised error has the line once.
    const again = fail(`builtins.seq (builtins.tryEval (import ${dir}/throw.nix)) (import ${dir}/throw.nix)`, tier).trace;
    expect(again.filter((t) => t === fileLine('throw.nix'))).toHaveLength(1);
    // A file that imports itself: the line is inside the recursion's entry, as the file's thunk is forced around it.
    expect(fail(`import ${dir}/cycle.nix`, tier).trace.slice(1, 3)).toEqual([fileLine('cycle.nix'), 'entering the infinite recursion']);
  });
});

// primops.cc prim_fromJSON: catch (JSONParseError & e) { e.addTrace(nullptr, "while decoding a
// JSON string"); } around parseJSON; JSONParseError is what the SAX parser's parse_error throws
// (nlohmann's syntax errors and number overflow), not the reader's own errors.
describe('fromJSON', () => {
  test('a JSON syntax error or number overflow has the decoding line, without a position', () => {
    expect(fail('builtins.fromJSON "{"')).toEqual({
      message: '[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while parsing object key - unexpected end of input; expected string literal',
      at: undefined,
      trace: ['while decoding a JSON string', "while calling the 'fromJSON' builtin @ 1:1"],
    });
    expect(fail('builtins.fromJSON ""').trace[0]).toBe('while decoding a JSON string');
    expect(fail('builtins.fromJSON "1e999"').trace[0]).toBe('while decoding a JSON string');
    // Not the reader's own errors, nor the argument's.
    expect(fail('builtins.fromJSON "18446744073709551615"').trace).toEqual(["while calling the 'fromJSON' builtin @ 1:1"]);
    expect(fail(`builtins.fromJSON ''"a\\u0000b"''`).trace).toEqual(["while calling the 'fromJSON' builtin @ 1:1"]);
    expect(fail('builtins.fromJSON 1').trace).toEqual([
      'while evaluating the first argument passed to builtins.fromJSON', "while calling the 'fromJSON' builtin @ 1:1",
    ]);
  });
});

// eval.cc: forceInt, forceFloat, forceBool, forceFunction and forceString (forceStringNoCtx and
// forceString with a context call it) force the value inside a try whose catch adds the
// argument's line, e.addTrace(pos, errorCtx): ANY error raised while forcing it gets the line (a
// throw, an assertion, a type error deeper down, an infinite recursion), not only their own
// type error. forceAttrs and forceList (eval-inline.hh) put it on their own type error only
// (withTrace), as coerceToString (forceValue outside any try) and forceValue do. Primops are
// called without a position, so the line has none.
describe('the argument line of builtins', () => {
  const call = (name: string): string => `while calling the '${name}' builtin @ 1:1`;
  const threw = (col: number): string => `while calling the 'throw' builtin @ 1:${col}`;

  test.each(['vm', 'compiled'] as const)('a throw in an argument forced as a function, an integer, a float, a string or a Boolean has the line (%s tier)', (tier) => {
    // forceFunction, in a builtin that forces its arguments itself (map forces the list first).
    expect(failInTier('builtins.map (throw "f") [ 1 ]', tier)).toEqual({
      message: 'f', at: undefined,
      trace: [threw(15), 'while evaluating the first argument passed to builtins.map', call('map')],
    });
    expect(failInTier('builtins.filter (throw "f") [ 1 ]', tier).trace)
      .toEqual([threw(18), 'while evaluating the first argument passed to builtins.filter', call('filter')]);
    expect(failInTier('builtins.foldl\' (throw "f") 0 [ 1 ]', tier).trace)
      .toEqual([threw(18), 'while evaluating the first argument passed to builtins.foldlStrict', call("foldl'")]);
    expect(failInTier('builtins.zipAttrsWith (throw "f") [ ]', tier).trace)
      .toEqual([threw(24), 'while evaluating the first argument passed to builtins.zipAttrsWith', call('zipAttrsWith')]);
    // forceInt: genList's length (forced before the function), substring's start, bitAnd, elemAt's index.
    expect(failInTier('builtins.genList (x: x) (throw "n")', tier).trace)
      .toEqual([threw(26), 'while evaluating the second argument passed to builtins.genList', call('genList')]);
    expect(failInTier('builtins.substring (throw "s") 1 "a"', tier).trace)
      .toEqual([threw(21), 'while evaluating the first argument (the start offset) passed to builtins.substring', call('substring')]);
    expect(failInTier('builtins.substring 0 (throw "s") "a"', tier).trace)
      .toEqual([threw(23), 'while evaluating the second argument (the substring length) passed to builtins.substring', call('substring')]);
    expect(failInTier('builtins.bitAnd 1 (throw "b")', tier).trace)
      .toEqual([threw(20), 'while evaluating the second argument passed to builtins.bitAnd', call('bitAnd')]);
    expect(failInTier('builtins.elemAt [ 1 ] (throw "i")', tier).trace)
      .toEqual([threw(24), "while evaluating the second argument passed to 'builtins.elemAt'", call('elemAt')]);
    // forceFloat, an argument the VM and the compiled tier force before the call.
    expect(failInTier('builtins.ceil (throw "c")', tier).trace)
      .toEqual([threw(16), 'while evaluating the first argument passed to builtins.ceil', call('ceil')]);
    expect(failInTier('builtins.floor (throw "c")', tier).trace)
      .toEqual([threw(17), 'while evaluating the first argument passed to builtins.floor', call('floor')]);
    // forceString and forceStringNoCtx, forced before the call or by the builtin.
    expect(failInTier('builtins.fromJSON (throw "j")', tier).trace)
      .toEqual([threw(20), 'while evaluating the first argument passed to builtins.fromJSON', call('fromJSON')]);
    expect(failInTier('builtins.warn (throw "w") 1', tier).trace)
      .toEqual([threw(16), 'while evaluating the first argument; the message passed to builtins.warn', call('warn')]);
    expect(failInTier('builtins.getAttr (throw "a") { }', tier).trace)
      .toEqual([threw(19), 'while evaluating the first argument passed to builtins.getAttr', call('getAttr')]);
    expect(failInTier('builtins.parseDrvName (throw "p")', tier).trace)
      .toEqual([threw(24), 'while evaluating the first argument passed to builtins.parseDrvName', call('parseDrvName')]);
    expect(failInTier('builtins.hasContext (throw "h")', tier).trace)
      .toEqual([threw(22), 'while evaluating the argument passed to builtins.hasContext', call('hasContext')]);
    expect(failInTier('builtins.match "a" (throw "m")', tier).trace)
      .toEqual([threw(21), 'while evaluating the second argument passed to builtins.match', call('match')]);
    expect(failInTier('builtins.concatStringsSep (throw "c") [ ]', tier).trace)
      .toEqual([threw(28), 'while evaluating the first argument (the separator string) passed to builtins.concatStringsSep', call('concatStringsSep')]);
    expect(failInTier('builtins.replaceStrings [ "a" ] [ (throw "r") ] "a"', tier).trace)
      .toEqual([threw(36), 'while evaluating one of the replacement strings passed to builtins.replaceStrings', call('replaceStrings')]);
    expect(failInTier('builtins.replaceStrings [ "a" ] [ "b" ] (throw "r")', tier).trace)
      .toEqual([threw(42), 'while evaluating the third argument passed to builtins.replaceStrings', call('replaceStrings')]);
    // listToAttrs's names: forceStringNoCtx at the attribute's position.
    expect(failInTier('builtins.listToAttrs [ { name = throw "n"; value = 1; } ]', tier).trace).toEqual([
      threw(33), 'while evaluating the `name` attribute of an element of the list passed to builtins.listToAttrs @ 1:26', call('listToAttrs'),
    ]);
    // derivationStrict's and toFile's forceStringNoCtx, forceString and forceBool.
    expect(failInTier('derivation { name = throw "n"; system = "x"; builder = "y"; }', tier).trace.slice(0, 3)).toEqual([
      threw(21), 'while evaluating the `name` attribute passed to builtins.derivationStrict', "while evaluating the derivation attribute 'name' @ 1:14",
    ]);
    expect(failInTier('derivation { name = "a"; system = "x"; builder = "y"; __structuredAttrs = throw "t"; }', tier).trace.slice(0, 2))
      .toEqual([threw(75), 'while evaluating the `__structuredAttrs` attribute passed to builtins.derivationStrict']);
    expect(failInTier('builtins.toFile (throw "n") "a"', tier).trace)
      .toEqual([threw(18), 'while evaluating the first argument passed to builtins.toFile', call('toFile')]);
    expect(failInTier('builtins.toFile "n" (throw "c")', tier).trace)
      .toEqual([threw(22), 'while evaluating the second argument passed to builtins.toFile', call('toFile')]);
    // forceBool, at the attribute's position.
    expect(failInTier('builtins.appendContext "" { "${builtins.storeDir}/00000000000000000000000000000000-x" = { path = throw "b"; }; }', tier).trace)
      .toEqual([threw(98), 'while evaluating the `path` attribute of a string context @ 1:91', call('appendContext')]);
  });

  test.each(['vm', 'compiled'] as const)('any error raised while forcing such an argument has the line (%s tier)', (tier) => {
    expect(failInTier('builtins.map (assert false; x: x) [ 1 ]', tier)).toEqual({
      message: "assertion 'false' failed", at: '1:15', trace: ['while evaluating the first argument passed to builtins.map', call('map')],
    });
    expect(failInTier('builtins.map (1 + "a") [ 1 ]', tier).trace).toEqual(['while evaluating the first argument passed to builtins.map', call('map')]);
    expect(failInTier('builtins.ceil (abort "a")', tier).trace).toEqual([
      "while calling the 'abort' builtin @ 1:16", 'while evaluating the first argument passed to builtins.ceil', call('ceil'),
    ]);
    const rec = failInTier('let f = builtins.map f [ 1 ]; in f', tier);
    expect(rec.message).toBe('infinite recursion encountered');
    expect(rec.trace.slice(0, 2)).toEqual(['while evaluating the first argument passed to builtins.map', "while calling the 'map' builtin @ 1:9"]);
  });

  // forceString, forceBool and forceFunction given an attribute's position put their own type
  // error there too (`.atPos(pos)`); forceList and forceAttrs put only their line there.
  test.each(['vm', 'compiled'] as const)('a wrong-typed attribute forced with its position has the type error at it (%s tier)', (tier) => {
    const at = (frame: string, col: number): string => `while evaluating the ${frame} @ 1:${col}`;
    const pathCases: [string, string, string][] = [
      ['name', '`name` attribute', 'a string'], ['sha256', '`sha256` attribute', 'a string'],
      ['filter', '`filter` parameter', 'a function'], ['recursive', '`recursive` attribute', 'a Boolean'],
    ];
    for (const [attr, what, expected] of pathCases) {
      expect(failInTier(`builtins.path { ${attr} = 1; }`, tier)).toEqual({
        message: `expected ${expected} but found an integer: 1`, at: '1:17',
        trace: [at(`${what} passed to builtins.path`, 17), call('path')],
      });
    }
    const drv = '"${builtins.storeDir}/00000000000000000000000000000000-x.drv"';
    expect(failInTier(`builtins.appendContext "" { ${drv} = { path = 1; }; }`, tier)).toEqual({
      message: 'expected a Boolean but found an integer: 1', at: '1:95',
      trace: [at('`path` attribute of a string context', 95), call('appendContext')],
    });
    expect(failInTier(`builtins.appendContext "" { ${drv} = { allOutputs = 1; }; }`, tier)).toEqual({
      message: 'expected a Boolean but found an integer: 1', at: '1:95',
      trace: [at('`allOutputs` attribute of a string context', 95), call('appendContext')],
    });
    expect(failInTier(`builtins.appendContext "" { ${drv} = { outputs = [ 1 ]; }; }`, tier)).toEqual({
      message: 'expected a string but found an integer: 1', at: '1:95',
      trace: ['while evaluating an output name within a string context @ 1:95', call('appendContext')],
    });
    // forceList and forceAttrs: the line at the attribute, the error without a position.
    expect(failInTier(`builtins.appendContext "" { ${drv} = { outputs = 1; }; }`, tier)).toEqual({
      message: 'expected a list but found an integer: 1', at: undefined,
      trace: [at('`outputs` attribute of a string context', 95), call('appendContext')],
    });
    expect(failInTier(`builtins.appendContext "" { ${drv} = 1; }`, tier)).toEqual({
      message: 'expected a set but found an integer: 1', at: undefined,
      trace: ['while evaluating the value of a string context @ 1:29', call('appendContext')],
    });
  });

  // prim_ceil/prim_floor: forceFloat at args[0]->determinePos(noPos), read before forcing: an
  // evaluated lambda's position; none for a thunk (C++ Nix makes one even for a lambda literal).
  test.each(['vm', 'compiled'] as const)('ceil and floor: the type error and its line at an evaluated lambda (%s tier)', (tier) => {
    expect(failInTier('let f = x: x; in builtins.seq f (builtins.ceil f)', tier)).toMatchObject({
      message: expect.stringMatching(/^expected a float but found a function: .*lambda f @ /), at: '1:9',
      trace: ['while evaluating the first argument passed to builtins.ceil @ 1:9', "while calling the 'ceil' builtin @ 1:34", "while calling the 'seq' builtin @ 1:18"],
    });
    expect(failInTier('let f = x: x; in builtins.seq f (builtins.map builtins.floor [ f ])', tier)).toMatchObject({
      at: '1:9', trace: ['while evaluating the first argument passed to builtins.floor @ 1:9', "while calling the 'floor' builtin", 'while evaluating list element at index 0'],
    });
    // Not yet evaluated: no position, as before.
    expect(failInTier('let f = x: x; in builtins.ceil f', tier)).toMatchObject({
      at: undefined, trace: ['while evaluating the first argument passed to builtins.ceil', "while calling the 'ceil' builtin @ 1:18"],
    });
    expect(failInTier('builtins.floor (x: x)', tier).at).toBeUndefined();
    expect(failInTier('let s = { f = x: x; }; in builtins.seq s.f (builtins.ceil s.f)', tier).at).toBeUndefined();
    expect(failInTier('let s = { }; in builtins.seq s (builtins.ceil s)', tier)).toMatchObject({
      at: undefined, trace: ['while evaluating the first argument passed to builtins.ceil', "while calling the 'ceil' builtin @ 1:33", "while calling the 'seq' builtin @ 1:17"],
    });
  });

  // fetchTree.cc's fetchTree: `type` first, with forceStringNoCtx at its attribute; then the
  // other attributes in symbol order (the order of their first appearance here).
  test.each(['vm', 'compiled'] as const)('fetchTree reads `type` first, then the other attributes in symbol order (%s tier)', (tier) => {
    const typeLine = "while evaluating the `type` argument passed to 'fetchTree' @ 1:22";
    expect(failInTier('builtins.fetchTree { type = 1; }', tier)).toEqual({
      message: 'expected a string but found an integer: 1', at: '1:22', trace: [typeLine, call('fetchTree')],
    });
    expect(failInTier('builtins.fetchTree { type = throw "t"; }', tier).trace).toEqual([threw(29), typeLine, call('fetchTree')]);
    expect(failInTier('builtins.fetchTree { type = ./t; }', tier).message).toBe('expected a string but found a path: /base/t');
    expect(failInTier('builtins.fetchTree { url = throw "u"; }', tier)).toEqual({
      message: "argument 'type' is missing in call to 'fetchTree'", at: undefined, trace: [call('fetchTree')],
    });
    expect(failInTier('builtins.fetchTree { zzArgposLater = { }; aaArgposLater = [ ]; type = throw "t"; }', tier).message).toBe('t');
    expect(failInTier('builtins.fetchTree { type = "path"; zzArgposFirst = { }; aaArgposFirst = [ ]; }', tier).message)
      .toBe("argument 'zzArgposFirst' to 'fetchTree' is a set while a string, Boolean or integer is expected");
  });

  test.each(['vm', 'compiled'] as const)('an argument forced as a list, a set, by coercion or by forceValue has the line on its type error only (%s tier)', (tier) => {
    expect(failInTier('builtins.map (x: x) (throw "l")', tier).trace).toEqual([threw(22), call('map')]);
    expect(failInTier('builtins.length (throw "l")', tier).trace).toEqual([threw(18), call('length')]);
    expect(failInTier('builtins.attrNames (throw "a")', tier).trace).toEqual([threw(21), call('attrNames')]);
    expect(failInTier('builtins.getAttr "a" (throw "s")', tier).trace).toEqual([threw(23), call('getAttr')]);
    expect(failInTier('builtins.stringLength (throw "s")', tier).trace).toEqual([threw(24), call('stringLength')]);
    expect(failInTier('builtins.concatStringsSep "" [ (throw "e") ]', tier).trace).toEqual([threw(33), call('concatStringsSep')]);
    expect(failInTier('builtins.add (throw "a") 1', tier).trace).toEqual([threw(15), call('add')]);
    expect(failInTier('builtins.typeOf (throw "t")', tier).trace).toEqual([threw(18), call('typeOf')]);
    // Their type errors, and those of the first kind, have the line once.
    expect(failInTier('builtins.map (x: x) 1', tier).trace).toEqual(['while evaluating the second argument passed to builtins.map', call('map')]);
    expect(failInTier('builtins.map (1 + 0) [ 1 ]', tier).trace)
      .toEqual(['while evaluating the first argument passed to builtins.map', call('map')]);
    expect(failInTier('builtins.fromJSON (1 + 0)', tier).trace)
      .toEqual(['while evaluating the first argument passed to builtins.fromJSON', call('fromJSON')]);
    expect(failInTier('builtins.genList (x: x) ("a" + "")', tier).trace)
      .toEqual(['while evaluating the second argument passed to builtins.genList', call('genList')]);
    expect(failInTier('builtins.parseDrvName (1 + 0)', tier).trace)
      .toEqual(['while evaluating the first argument passed to builtins.parseDrvName', call('parseDrvName')]);
  });
});
