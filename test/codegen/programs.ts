// Random Nix programs for comparing the tiers (fast-check arbitraries). Every variable a
// program uses is bound: the program is `let a = ...; b = ...; ... in e`, and lambdas bind
// names of the same pool, so generated expressions may use any pool name anywhere. Sizes are
// bounded and recursion counts small, so each program runs in milliseconds; what the
// programs exercise is the breadth of the language: laziness, errors (throw, assert, type
// errors, missing attributes, infinite recursion), traces, `with`, formals, builtins that
// call back into Nix code, tail calls and crossings between the tiers.

import fc from 'fast-check';

const NAMES = ['a', 'b', 'c', 'f', 'g'];

const name = fc.constantFrom(...NAMES);

/** Strings with characters that generated code must never carry in its source (NUL: see codegen.test.ts). */
const stringLiteral = fc.constantFrom(
  '""', '"x"', '"abc"', '"q\\"uote"', '"back\\\\slash"', '"`tick`"', '"\\${notInterp}"', '"*/ end"', '"\u2028\u2029"',
  "''\n  indented ''${x}\n''", '"a\\nb"',
);

const intLiteral = fc.oneof(
  fc.integer({ min: -3, max: 12 }).map((i) => (i < 0 ? `(${i})` : String(i))),
  fc.constantFrom('9223372036854775807', '4611686018427387904', '(-9223372036854775807)'),
);

const leaf = fc.oneof(
  { weight: 4, arbitrary: intLiteral },
  { weight: 3, arbitrary: name },
  { weight: 2, arbitrary: stringLiteral },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', '1.5', '[ ]', '{ }', './p', 'builtins.length') },
  { weight: 1, arbitrary: fc.constantFrom('(throw "boom")', '(assert false; 1)', '(abort "stop")') },
  // A string with context: interpolation leaves its plain-string path for a Concatenation.
  { weight: 1, arbitrary: fc.constantFrom('(builtins.appendContext "c" { "/nix/store/00000000000000000000000000000000-x" = { path = true; }; })') },
  // Sets that `+` and interpolation coerce (before evaluating the next part), one that fails to.
  { weight: 1, arbitrary: fc.constantFrom('{ __toString = self: "ts"; }', '{ outPath = "op"; }', '{ __toString = self: throw "ts"; }') },
  // Sets that `==` and `elem` compare by outPath (derivations), or whose `type` fails when forced.
  { weight: 1, arbitrary: fc.constantFrom('{ type = "derivation"; outPath = "op"; x = 1; }', '{ type = "derivation"; outPath = throw "op"; }', '{ type = throw "t"; }') },
);

/** Attribute names, including ones that need quoting. */
const attrName = fc.constantFrom('x', 'y', 'z', '"a b"', '"q\\"u"', '"${"x"}"', '"\u2028"');

const BUILTIN_CALLS: ((e: () => string, f: () => string) => string)[] = [
  (e, f) => `(builtins.map ${f()} ${e()})`,
  (e, f) => `(builtins.filter ${f()} ${e()})`,
  (e, f) => `(builtins.foldl' ${f()} ${e()} ${e()})`,
  (e, f) => `(builtins.genList ${f()} ${e()})`,
  (e) => `(builtins.elemAt ${e()} ${e()})`,
  (e) => `(builtins.length ${e()})`,
  (e) => `(builtins.attrNames ${e()})`,
  (e) => `(builtins.hasAttr ${e()} ${e()})`,
  (e) => `(builtins.getAttr ${e()} ${e()})`,
  (e) => `(builtins.toString ${e()})`,
  (e) => `(builtins.tryEval ${e()})`,
  (e) => `(builtins.seq ${e()} ${e()})`,
  (e) => `(builtins.deepSeq ${e()} ${e()})`,
  (e, f) => `(builtins.mapAttrs ${f()} ${e()})`,
  (e) => `(builtins.listToAttrs ${e()})`,
  (e) => `(builtins.concatStringsSep ${e()} ${e()})`,
  (e, f) => `(builtins.concatMap ${f()} ${e()})`,
  (e) => `(builtins.head ${e()})`,
  (e) => `(builtins.tail ${e()})`,
  (e) => `(builtins.typeOf ${e()})`,
  (e) => `(builtins.isAttrs ${e()})`,
  (e, f) => `(builtins.sort ${f()} ${e()})`,
  (e, f) => `(builtins.all ${f()} ${e()})`,
  (e) => `(builtins.addErrorContext "context" ${e()})`,
  (e) => `(builtins.removeAttrs ${e()} ${e()})`,
  (e) => `(builtins.functionArgs ${e()})`,
  (e) => `(builtins.toJSON ${e()})`,
  (e) => `(builtins.replaceStrings ${e()} ${e()} ${e()})`,
  (e) => `(builtins.substring 0 2 ${e()})`,
  (e) => `(builtins.substring ${e()} ${e()} ${e()})`,
  (e) => `(builtins.unsafeGetAttrPos "x" ${e()})`,
  (e, f) => `(builtins.any ${f()} ${e()})`,
  (e) => `(builtins.elem ${e()} ${e()})`,
  (e) => `(builtins.concatLists ${e()})`,
  (e, f) => `(builtins.partition ${f()} ${e()})`,
  (e, f) => `(builtins.groupBy ${f()} ${e()})`,
  (e) => `(builtins.catAttrs ${e()} ${e()})`,
  (e) => `(builtins.intersectAttrs ${e()} ${e()})`,
  (e, f) => `(builtins.zipAttrsWith ${f()} ${e()})`,
  (e) => `(builtins.sort builtins.lessThan ${e()})`,
  (e) => `(builtins.listToAttrs [ { name = ${e()}; value = ${e()}; } ${e()} ])`,
  (e, f) => `(builtins.genList ${f()} 3)`,
  (e, f) => `(builtins.foldl' ${f()} 0 [ 1 ${e()} ])`,
  (e, f) => `(builtins.filter ${f()} [ 1 ${e()} "s" ])`,
  (e, f) => `(builtins.map ${f()} [ ${e()} 2 ])`,
  (e) => `(builtins.elemAt [ ${e()} 2 ] ${e()})`,
  (e) => `(builtins.stringLength ${e()})`,
  (e) => `(builtins.div ${e()} ${e()})`,
  // A two-argument builtin given its arguments one at a time (quick2 after a partial application).
  (e) => `(let at = builtins.elemAt ${e()}; in at ${e()})`,
  (e) => `(let has = builtins.hasAttr ${e()}; get = builtins.getAttr "x"; in [ (has ${e()}) (get ${e()}) ])`,
  (e) => `(builtins.seq ${e()} ${e()})`,
  (e, f) => `(builtins.genericClosure { startSet = [ { key = ${e()}; } ${e()} ]; operator = ${f()}; })`,
  (e) => `(builtins.genericClosure { startSet = [ { key = 1; } { key = ${e()}; } ]; operator = x: [ { key = 2; } ${e()} ]; })`,
  (e) => `(builtins.tryEval (builtins.deepSeq ${e()} ${e()}))`,
];

const BINARY_OPS = ['+', '-', '*', '/', '==', '!=', '<', '<=', '>', '>=', '&&', '||', '->', '//', '++'];

/**
 * A program: an expression of bounded size with every pool name bound around it. With
 * `builtinAtTop`, the expression is a call of one of BUILTIN_CALLS whose function argument is
 * most often a function (so each builtin's own work, not only its type checks, is compared).
 */
export function program(maxDepth = 4, builtinAtTop = false): fc.Arbitrary<string> {
  const expr = fc.memo((n: number): fc.Arbitrary<string> => {
    if (n <= 1) return leaf;
    const sub = expr(n - 1);
    const small = expr(Math.max(1, n - 2));
    return fc.oneof(
      { weight: 3, arbitrary: leaf },
      { weight: 2, arbitrary: fc.tuple(sub, fc.constantFrom(...BINARY_OPS), sub).map(([l, op, r]) => `(${l} ${op} ${r})`) },
      { weight: 2, arbitrary: fc.tuple(name, sub).map(([x, b]) => `(${x}: ${b})`) },
      { weight: 1, arbitrary: fc.tuple(name, small, sub, fc.boolean()).map(([x, d, b, dots]) => `({ ${x} ? ${d}, y${dots ? ', ...' : ''} }: ${b})`) },
      { weight: 1, arbitrary: fc.tuple(name, sub).map(([x, b]) => `(${x}@{ ... }: ${b})`) },
      { weight: 3, arbitrary: fc.tuple(sub, sub).map(([f, a]) => `(${f} ${a})`) },
      { weight: 1, arbitrary: fc.tuple(sub, small, small).map(([f, a, b]) => `(${f} ${a} ${b})`) },
      { weight: 2, arbitrary: fc.tuple(sub, sub, sub).map(([c, t, e]) => `(if ${c} then ${t} else ${e})`) },
      { weight: 2, arbitrary: fc.tuple(name, sub, sub).map(([x, v, b]) => `(let ${x} = ${v}; in ${b})`) },
      { weight: 1, arbitrary: fc.tuple(name, name, sub, sub, sub).map(([x, y, v, w, b]) => `(let ${x} = ${v}; ${y === x ? `${y}2` : y} = ${w}; in ${b})`) },
      { weight: 2, arbitrary: fc.array(fc.tuple(attrName, small), { maxLength: 3 }).map(attrSet(false)) },
      { weight: 1, arbitrary: fc.array(fc.tuple(attrName, small), { maxLength: 3 }).map(attrSet(true)) },
      { weight: 1, arbitrary: fc.tuple(sub, name).map(([e, x]) => `{ inherit (${e}) x; inherit ${x}; }`) },
      { weight: 1, arbitrary: fc.tuple(sub, small).map(([k, v]) => `{ \${${k}} = ${v}; }`) },
      { weight: 2, arbitrary: fc.tuple(sub, attrName).map(([e, k]) => `(${e}).${k}`) },
      { weight: 2, arbitrary: fc.tuple(sub, attrName, small).map(([e, k, d]) => `((${e}).${k} or ${d})`) },
      { weight: 1, arbitrary: fc.tuple(sub, small).map(([e, k]) => `(${e}).\${${k}}`) },
      { weight: 1, arbitrary: fc.tuple(sub, attrName).map(([e, k]) => `((${e}) ? ${k})`) },
      { weight: 1, arbitrary: fc.tuple(sub, attrName, attrName).map(([e, k, l]) => `((${e}) ? ${k}.${l})`) },
      { weight: 2, arbitrary: fc.array(small, { maxLength: 3 }).map((es) => `[ ${es.map((e) => `(${e})`).join(' ')} ]`) },
      { weight: 1, arbitrary: sub.map((e) => `(!${e})`) },
      { weight: 1, arbitrary: fc.tuple(sub, sub).map(([c, b]) => `(assert ${c}; ${b})`) },
      { weight: 1, arbitrary: fc.tuple(sub, sub).map(([a, b]) => `(assert ${a} == ${b}; 1)`) },
      { weight: 1, arbitrary: fc.tuple(sub, sub).map(([w, b]) => `(with ${w}; ${b})`) },
      { weight: 1, arbitrary: fc.tuple(sub, small).map(([a, b]) => `"s\${${a}}t\${${b}}"`) },
      { weight: 1, arbitrary: fc.tuple(sub, small, small).map(([a, b, c]) => `"\${${a}}\${${b}}-\${${c}}"`) },
      // Chains, whose operands are evaluated right to left (`//`) or left to right (`+`).
      { weight: 1, arbitrary: fc.tuple(small, small, small).map(([a, b, c]) => `(${a} // ${b} // ${c})`) },
      { weight: 1, arbitrary: fc.tuple(small, small, small).map(([a, b, c]) => `(${a} + ${b} + ${c})`) },
      { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: BUILTIN_CALLS.length - 1 }), sub, small).map(([i, e, f]) => BUILTIN_CALLS[i](() => e, () => f)) },
      { weight: 1, arbitrary: fc.tuple(sub, fc.integer({ min: 0, max: 30 })).map(([step, k]) => `(let r = n: if n <= 0 then 0 else ${step} + r (n - 1); in r ${k})`) },
      { weight: 1, arbitrary: fc.tuple(sub, fc.integer({ min: 0, max: 30 })).map(([acc, k]) => `(let r = n: s: if n <= 0 then s else r (n - 1) (${acc}); in r ${k} 0)`) },
      { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 30 }), sub).map(([k, e]) => `(let t = n: if n <= 0 then ${e} else t (n - 1); in t ${k})`) },
      { weight: 1, arbitrary: fc.constantFrom('(let x = x; in x)', '(rec { a = b; b = a; }).a', '(let s = { inherit s; }; in s.s.s)') },
      { weight: 1, arbitrary: fc.tuple(sub, sub).map(([e, d]) => `{ __overrides = { x = ${e}; }; x = 1; y = ${d}; }`).map((s) => `rec ${s}`) },
      // Thunks of the set that read a binding `__overrides` replaces (the compiled tier may
      // compute such a thunk's value where it makes it: codegen/eager.ts).
      { weight: 1, arbitrary: fc.tuple(sub, small).map(([e, d]) => `rec { __overrides = { x = ${e}; }; x = 1; y = x + 1; z = x - ${d}; w = "\${x}"; }`) },
      { weight: 1, arbitrary: sub.map((e) => `{ __functor = self: x: ${e}; }`) },
      { weight: 1, arbitrary: fc.constantFrom('__curPos', '(builtins.throw "t")', '(1 / 0)') },
    );
  });
  const binding = (x: string) => fc.tuple(expr(maxDepth - 1)).map(([e]) => `${x} = ${e};`);
  const body = (n: number) => expr(Math.max(1, n));
  const fn = fc.oneof(
    { weight: 1, arbitrary: body(maxDepth - 2) },
    { weight: 3, arbitrary: fc.tuple(name, body(maxDepth - 2)).map(([x, b]) => `(${x}: ${b})`) },
    { weight: 2, arbitrary: fc.tuple(name, name, body(maxDepth - 2)).map(([x, y, b]) => `(${x}: ${y}: ${b})`) },
    { weight: 1, arbitrary: fc.constantFrom('(x: x)', '(x: true)', '(a: b: a)', 'builtins.lessThan', '(x: builtins.isInt x)', '(x: [ x x ])', '(x: "k")') },
  );
  const top = builtinAtTop
    ? fc.tuple(fc.integer({ min: 0, max: BUILTIN_CALLS.length - 1 }), body(maxDepth - 1), fn).map(([i, e, f]) => BUILTIN_CALLS[i](() => e, () => f))
    : expr(maxDepth);
  return fc.tuple(...NAMES.map(binding), top).map((parts) => `let ${parts.slice(0, -1).join(' ')} in ${parts[parts.length - 1]}`);
}

function attrSet(rec: boolean): (pairs: [string, string][]) => string {
  return (pairs) => {
    const seen = new Set<string>();
    const body = pairs.filter(([k]) => !seen.has(k) && seen.add(k)).map(([k, v]) => `${k} = ${v};`).join(' ');
    return `${rec ? 'rec ' : ''}{ ${body} }`;
  };
}
