// The walk that picks which undefined variable to report (compiler/bind-order.ts) must see the
// same scopes as the compiler: on random expressions of the scoping forms (let, rec and plain
// sets with inherits, lambdas with formals and defaults, with, selections with defaults and
// computed names) with free and bound variables, compiling fails on an undefined variable
// exactly when the walk finds one, and then reports the walk's. Which one C++ Nix reports is
// checked in test/cli/undefined-order.test.ts.

import fc from 'fast-check';
import { parse } from '../../src/syntax/parser.js';
import { Source } from '../../src/syntax/source.js';
import { compile } from '../../src/compiler/compiler.js';
import { firstUndefinedVariable } from '../../src/compiler/bind-order.js';
import { NixError, ParseError } from '../../src/errors/errors.js';

const GLOBALS = new Set(['true', 'false', 'null', 'builtins', '__sub', '__mul', '__div', '__lessThan']);
const name = fc.constantFrom('a', 'b', 'zz', 'mm', 'x', 'y', 'true');

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    name,
    fc.tuple(tie('expr'), fc.constantFrom('//', '+', '-', '&&', '++', '==', '<', '>'), tie('expr')).map(([l, op, r]) => `(${l} ${op} ${r})`),
    fc.tuple(fc.uniqueArray(name, { minLength: 1, maxLength: 3 }), fc.array(tie('expr'), { minLength: 3, maxLength: 3 }), tie('expr'), fc.boolean())
      .map(([ns, vs, body, inh]) => `(let ${ns.map((n, i) => `${n} = ${vs[i]};`).join(' ')}${inh ? ` inherit (${vs[2]}) q;` : ''} in ${body})`),
    fc.tuple(fc.uniqueArray(name, { minLength: 1, maxLength: 3 }), fc.array(tie('expr'), { minLength: 3, maxLength: 3 }), fc.boolean(), name)
      .map(([ns, vs, rec, inh]) => `${rec ? 'rec ' : ''}{ ${ns.map((n, i) => `${n} = ${vs[i]};`).join(' ')}${ns.includes(inh) ? '' : ` inherit ${inh};`} }`),
    fc.tuple(name, tie('expr')).map(([n, b]) => `(${n}: ${b})`),
    fc.tuple(fc.uniqueArray(name, { minLength: 1, maxLength: 3 }), fc.array(tie('expr'), { minLength: 3, maxLength: 3 }), tie('expr'))
      .map(([ns, ds, b]) => `({ ${ns.map((n, i) => (i === 1 ? n : `${n} ? ${ds[i]}`)).join(', ')} }: ${b})`),
    fc.tuple(tie('expr'), tie('expr')).map(([e, b]) => `(with ${e}; ${b})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([e, k, d]) => `(${e}).\${${k}} or ${d}`),
    fc.tuple(tie('expr'), tie('expr')).map(([e, k]) => `(${e} ? \${${k}})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `[ ${a} ${b} ]`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, t, e]) => `(if ${c} then ${t} else ${e})`),
  ),
}));

test('compiling fails on an undefined variable exactly when the bindVars walk finds one, and reports it', () => {
  fc.assert(
    fc.property(expr, (text) => {
      const source = new Source('/t.nix', text, '/');
      let ast;
      try {
        ast = parse(source);
      } catch (e) {
        if (e instanceof ParseError) return; // a duplicate binding or formal
        throw e;
      }
      const first = firstUndefinedVariable(ast, GLOBALS, undefined);
      let error: unknown;
      try {
        compile(ast, source, { globals: GLOBALS });
      } catch (e) {
        error = e;
      }
      if (first === undefined) {
        expect(error).toBeUndefined();
      } else {
        expect(error).toBeInstanceOf(NixError);
        const err = error as NixError;
        expect(err.message).toBe(`undefined variable '${first.name}'`);
        expect(err.pos?.offset).toBe(first.pos);
      }
    }),
    { numRuns: 3000, seed: 20261207 },
  );
});
