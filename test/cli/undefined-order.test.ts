// Which of several undefined variables is reported. C++ Nix finds them while binding the
// variables of the whole tree before anything is evaluated (Expr::bindVars, nixexpr.cc) and
// reports the first in that walk's order: the operands of an operator left to right, a
// selection's default before the names computed in its path, a set's attributes in symbol order
// (the order its parser met the names: `zz` before `bb` below), a set's `inherit (e)`
// sources before its attributes. The expected variable and position of each case are those
// `nix-instantiate --parse` (Nix 2.8) reports, and what current Nix's bindVars gives.

import { runCli } from './run-cli.js';

describe.each([
  ['a // b', 'a', '1:1'],
  ['x: x // a // b', 'a', '1:9'],
  ['x: a // x // b', 'a', '1:4'],
  ['x: x.${b} or c', 'c', '1:14'],
  ['{ zz = a; bb = c; }', 'a', '1:8'],
  ['{ zz = a; b = c; }', 'a', '1:8'],
  ['let zz = a; bb = c; in d', 'a', '1:10'],
  ['rec { zz = a; bb = c; }', 'a', '1:12'],
  ['{ zz.b = c; aa.d = e; }', 'c', '1:10'],
  ['{ a = { zz = b; }; a.aa = c; }', 'b', '1:14'],
  ['{ ${a} = b; c = d; }', 'd', '1:17'],
  ['x: { zz ? a, bb ? c }: d', 'a', '1:11'],
  ['let inherit (a) b; c = d; in e', 'a', '1:14'],
  ['a > b', 'b', '1:5'],
])('%s', (expr, name, where) => {
  test.each([['--parse'], ['--eval']])('with %s', (mode) => {
    const r = runCli([mode, '-E', expr]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: undefined variable '${name}'\\n +at «string»:${where}:\\n`));
  });
});
