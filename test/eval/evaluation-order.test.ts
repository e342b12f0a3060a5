// What operators evaluate, and in which order, as current C++ Nix (src/libexpr/eval.cc):
// which error wins when two operands are bad, and what runs before what (traces).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../src/eval.js';
import { run } from '../builtins/helpers.js';

/** The trace messages an evaluation prints, in order, then its value or error. */
function traced(expr: string): string[] {
  const lines: string[] = [];
  const r = evaluate({ expr, strict: true, onMessage: (l) => lines.push(l) });
  lines.push(r.ok ? 'ok' : `error: ${r.error.message}`);
  return lines;
}

describe('`+` and interpolation add each part before evaluating the next', () => {
  test.each([
    ['(x: x) + (throw "r")', 'error: cannot coerce a function to a string: «lambda @ «string»:1:2»'],
    ['"${1}${throw "b"}"', 'error: cannot coerce an integer to a string: 1'],
    ['"${true}${throw "b"}"', 'error: cannot coerce a Boolean to a string: true'],
    ['"${{ }}${throw "b"}"', 'error: cannot coerce a set to a string: { }'],
    ['"${"a"}${throw "b"}"', 'error: b'],
    ['[ ] + "b"', 'error: cannot coerce a list to a string: [ ]'],
    ['{ __toString = self: "a"; } + "b"', '"ab"'],
    ['1 + 2.5', '3.5'],
    ['2.5 + 1', '3.5'],
    ['1 + "a"', 'error: cannot add a string to an integer'],
    ['/a + "/b"', '/a/b'],
    ['/a/${"b"}/${"c"}', '/a/b/c'],
    ['/a/${throw "b"}/${throw "c"}', 'error: b'],
  ])('%s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });

  test('traces come in the order of the parts', () => {
    expect(traced('"${builtins.trace "a" "x"}${builtins.trace "b" "y"}"')).toEqual(['trace: a', 'trace: b', 'ok']);
    expect(traced('builtins.trace "a" "x" + builtins.trace "b" "y"')).toEqual(['trace: a', 'trace: b', 'ok']);
  });

  test('paths are copied to the store only when the first part is a string', () => {
    // As C++ Nix: a set first (a derivation, say) makes a string, but nothing is copied.
    const dir = mkdtempSync(join(tmpdir(), 'nixeval-order-'));
    try {
      const file = join(dir, 'f');
      writeFileSync(file, 'content');
      expect(run(`{ outPath = "a"; } + ${file}`)).toBe(`"a${file}"`);
      expect(run(`{ outPath = ${file}; } + "x"`)).toBe(`"${file}x"`);
      expect(run(`"x" + { outPath = ${file}; }`)).toMatch(/^"x\/nix\/store\/[0-9a-z]{32}-f"$/);
      expect(run(`"\${{ outPath = ${file}; }}"`)).toMatch(/^"\/nix\/store\/[0-9a-z]{32}-f"$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('`//` evaluates its operands right to left', () => {
  test.each([
    ['(throw "l") // (throw "r")', 'error: r'],
    ['1 // (throw "r")', 'error: r'],
    ['(throw "a") // ((throw "b") // (throw "c"))', 'error: c'],
    ['((throw "a") // (throw "b")) // (throw "c")', 'error: c'],
    ['(throw "l") // 1', 'error: expected a set but found an integer: 1'],
    ['{ a = 1; } // { b = 2; } // { a = 3; }', '{ a = 3; b = 2; }'],
    ['({ a = 1; } // { b = 2; }) // { a = 3; c = 4; }', '{ a = 3; b = 2; c = 4; }'],
    ['let s = { a = 1; }; in [ s (s // { }) ({ } // s) ]', '[ { a = 1; } «repeated» «repeated» ]'],
  ])('%s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });

  test('each operand is checked as soon as it is evaluated', () => {
    expect(traced('builtins.trace "l" { } // builtins.trace "r" { }')).toEqual(['trace: r', 'trace: l', 'ok']);
    expect(traced('builtins.trace "l" 1 // builtins.trace "r" 2')).toEqual(['trace: r', 'error: expected a set but found an integer: 2']);
  });
});

describe('the other operators evaluate left to right', () => {
  test.each([
    ['builtins.trace "l" [ ] ++ builtins.trace "r" [ ]'],
    ['builtins.trace "l" 1 == builtins.trace "r" 1'],
    ['builtins.trace "l" 1 < builtins.trace "r" 2'],
    ['builtins.trace "l" 1 - builtins.trace "r" 2'],
  ])('%s', (expr) => {
    expect(traced(expr)).toEqual(['trace: l', 'trace: r', 'ok']);
  });
  test('both operands of `++` are evaluated before either is checked', () => {
    expect(run('1 ++ (throw "r")')).toBe('error: r');
  });
});
