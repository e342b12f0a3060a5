// Long chains of an operator (`1 + 1 + ... + 1`, as generated files have).
// C++ Nix's parser reduces such a chain as it reads it, so it parses one of any length, and
// `nix-instantiate --parse` prints the tree nested to the left (Nix 2.8 prints the same bytes
// for 200,000 terms as nixeval). Neither nixeval's parser nor its compiler may nest their
// recursion along the chain: it used to be "expression nested too deeply" (the compiler
// recursed into each left operand). Evaluating such a chain needs no recursion in nixeval's VM
// either; C++ Nix's evaluator recurses along it, so 2.8 overflows its stack on the `+` and `-`
// chains of this length and evaluates the `&&` and `||` ones (`true`, `false`).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

const TERMS = 100_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nixeval-chains-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe.each([
  // operator, operand, how --parse prints `l OP r` given the two, the value of the chain
  ['+', '1', (l: string, r: string) => `(${l} + ${r})`, String(TERMS)],
  ['-', '1', (l: string, r: string) => `(__sub ${l} ${r})`, String(2 - TERMS)],
  ['*', '1', (l: string, r: string) => `(__mul ${l} ${r})`, '1'],
  ['&&', 'true', (l: string, r: string) => `(${l} && ${r})`, 'true'],
  ['||', 'false', (l: string, r: string) => `(${l} || ${r})`, 'false'],
])('a chain of %s with 100,000 terms', (op, operand, show, value) => {
  const text = `${Array(TERMS).fill(operand).join(` ${op} `)}\n`;

  test('prints as a tree nested to the left with --parse', () => {
    const path = file(`parse-${TERMS}.nix`, text);
    const r = runCli(['--parse', path]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The expected tree, built from the inside out.
    const [open, close] = show('\u0000', operand).split('\u0000');
    expect(r.stdout).toBe(`${open.repeat(TERMS - 1)}${operand}${close.repeat(TERMS - 1)}\n`);
  });

  test('evaluates', () => {
    const path = file(`eval-${TERMS}.nix`, text);
    const r = runCli(['--eval', '--strict', path]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${value}\n`);
  });
});

// The right-associative `++` and `->` nest to the right; the compiler loops down their right
// operands as it does down the left ones (2.8's parser gives up on such a chain, "memory
// exhausted" at bison's 10,000-deep stack; current Nix's lalr1.cc stack grows).
describe.each([
  ['++', '[ ]', '[ ]'],
  ['->', 'true', 'true'],
])('a chain of %s with 200,000 terms', (op, operand, value) => {
  const terms = 2 * TERMS;
  const text = `${Array(terms).fill(operand).join(` ${op} `)}\n`;

  test('prints as a tree nested to the right with --parse, and evaluates', () => {
    const path = file(`right-${terms}.nix`, text);
    const parsed = runCli(['--parse', path]);
    expect(parsed.stderr).toBe('');
    expect(parsed.stdout).toBe(`${`(${operand} ${op} `.repeat(terms - 1)}${operand}${')'.repeat(terms - 1)}\n`);
    const r = runCli(['--eval', '--strict', path]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${value}\n`);
  });

  test('an error at the innermost operand is reported with its trace', () => {
    const path = file(`right-error-${terms}.nix`, `${text.trim()} ${op} 1\n`);
    const r = runCli(['--eval', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`… in the right operand of '${op}'`);
    expect(r.stderr).toMatch(op === '++' ? /error: expected a list but found an integer: 1\n$/ : /error: expected a Boolean but found an integer: 1\n$/);
  });
});

test('an error at the innermost operand of a long chain is reported with its trace', () => {
  // `"a" + 1` fails first: the coercion of the integer, under one "in an operand of '+'"
  // frame for each enclosing addition (the trace is truncated when printed).
  const path = file('error.nix', `"a" + ${Array(TERMS).fill('1').join(' + ')}\n`);
  const r = runCli(['--eval', path]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("… in an operand of '+'");
  expect(r.stderr).toMatch(/error: cannot coerce an integer to a string: 1\n$/);
});

test('a trace too long to print as one string ends early, and the error is still shown', () => {
  // Each of the 3,000 frames shows the chain's line, 200 KB long (a comment pads it): printed
  // whole, hundreds of MB, past what V8 can hold in one string (this was a RangeError).
  const terms = 3000;
  const path = file('long-trace.nix', `${Array(terms).fill('[ ]').join(' ++ ')} ++ 1 /* ${'x'.repeat(200_000)} */\n`);
  const r = runCli(['--eval', '--show-trace', path]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/\n {7}\(\d+ more frames not shown: the trace is too long to print\)\n/);
  expect(r.stderr.endsWith('\n\n       error: expected a list but found an integer: 1\n')).toBe(true);
  // The frames shown are the outermost ones, as many as fit.
  const shown = r.stderr.split("… in the right operand of '++'").length - 1;
  expect(shown).toBeGreaterThan(100);
  expect(shown).toBeLessThan(terms);
});
