// Deep forcing counted against an explicit max-call-depth as C++ Nix's recursive walkers count
// it (value/depth.ts): each level of deepSeq, `--strict`, `==`, the printers is one call deeper,
// and what forcing a value calls counts from its level. Without the setting nothing counts:
// data nested 100,000 deep evaluates. (The corpus's stack-overflow tests, byte for byte, are
// in test/conformance/max-call-depth.test.ts.)

import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { MAX_NESTING } from '../../src/value/depth.js';
import { runCli } from '../cli/run-cli.js';

const OVERFLOW = 'stack overflow; max-call-depth exceeded';
const TIERS = ['vm', 'compiled'] as const;

function run(expr: string, options: Partial<EvaluateOptions> = {}): { value?: string; error?: string } {
  const r = evaluate({ expr, strict: true, ...options });
  return r.ok ? { value: printValue(r.value) } : { error: r.error.message };
}

/** `n` sets nested in each other (`{ a = { a = ... inner ... }; }`), built without deep recursion. */
const sets = (n: number, inner = '0'): string => `builtins.foldl' (acc: _: { a = acc; }) (${inner}) (builtins.genList (i: i) ${n})`;
/** The same with lists. */
const lists = (n: number): string => `builtins.foldl' (acc: _: [ acc ]) 0 (builtins.genList (i: i) ${n})`;

describe.each(TIERS)('with an explicit max-call-depth (%s tier)', (tier) => {
  const at10 = (expr: string) => run(expr, { maxCallDepth: 10, tier });

  test('deepSeq: the value n + 1 levels down is checked with n + 1 calls in progress', () => {
    // Called at the top: one call in progress at its first level.
    expect(at10(`builtins.deepSeq (${sets(9)}) 1`)).toEqual({ value: '1' });
    expect(at10(`builtins.deepSeq (${sets(10)}) 1`)).toEqual({ error: OVERFLOW });
  });

  test('deepSeq: a call made forcing a value counts from the value\'s level', () => {
    // The innermost value, n levels down, is a call: made one call deeper than its level.
    const withCall = (n: number) => `let id = x: x; in builtins.deepSeq (${sets(n - 1, '{ a = id 0; }')}) 1`;
    expect(at10(withCall(8))).toEqual({ value: '1' });
    expect(at10(withCall(9))).toEqual({ error: OVERFLOW });
  });

  test('--strict counts from no call in progress', () => {
    expect(run(lists(10), { maxCallDepth: 10, tier }).value).toBe('[ [ [ [ [ [ [ [ [ [ 0 ] ] ] ] ] ] ] ] ] ]');
    expect(run(lists(11), { maxCallDepth: 10, tier })).toEqual({ error: OVERFLOW });
  });

  test('==: each pair compared is one level', () => {
    const eq = (n: number) => `let a = ${lists(n)}; b = ${lists(n)}; in a == b`;
    expect(run(eq(20), { maxCallDepth: 20, tier })).toEqual({ value: 'true' });
    expect(run(eq(21), { maxCallDepth: 20, tier })).toEqual({ error: OVERFLOW });
    // At the `==`, as C++ Nix's eqValues reports it.
    const r = evaluate({ expr: eq(21), maxCallDepth: 20, tier });
    expect(r.ok ? '' : Buffer.from(r.rendered, 'latin1').toString('utf8')).toMatch(new RegExp(`error: ${OVERFLOW}\\n\\s+at «string»:1:${eq(21).indexOf('a == b') + 3}:`));
    // A difference found before the limit is an answer.
    expect(run(`[ 1 (${lists(30)}) ] == [ 2 (${lists(30)}) ]`, { maxCallDepth: 20, tier })).toEqual({ value: 'false' });
  });
});

describe.each(TIERS)('what a walk or comparison forces counts from its own depth (%s tier)', (tier) => {
  // `f 3` makes calls 4 deep and its last `n - 1` one more: forced with k calls in progress it
  // passes under max-call-depth 4 + k, not 3 + k (checked against current Nix's source).
  const f = 'let f = n: if n == 0 then 0 else f (n - 1); g = n: if n == 0 then "x" else g (n - 1); in ';
  const bound = (expr: string): number | undefined => {
    for (let n = 1; n <= 12; n++) if (run(f + expr, { maxCallDepth: n, tier, strict: false }).error !== OVERFLOW) return n;
    return undefined;
  };

  test('elem, lessThan and sort lessThan: eqValues one level below the builtin\'s call', () => {
    // As `==` of lists: the elements are forced in eqValues under eqValues, 2 calls in.
    expect(bound('[ 0 ] == [ (f 3) ]')).toBe(6);
    expect(bound('builtins.elem 0 [ (f 3) ]')).toBe(6);
    expect(bound('builtins.elem [ 0 ] [ [ (f 3) ] ]')).toBe(7);
    expect(bound('[ 0 ] < [ (f 3) ]')).toBe(6);
    expect(bound('builtins.lessThan [ 0 ] [ (f 3) ]')).toBe(6);
    // CompareValues adds no level of its own for nested lists, eqValues does.
    expect(bound('[ [ 0 ] ] < [ [ (f 3) ] ]')).toBe(7);
    expect(bound('builtins.sort builtins.lessThan [ [ 0 ] [ (f 3) ] ]')).toBe(6);
  });

  test('toJSON calls `__toString` at the level of the set', () => {
    // The call, at 4 calls in (toJSON's call, the list's level and the set's), runs g 3 at 5.
    expect(bound('builtins.toJSON [ [ { __toString = self: g 3; } ] ]')).toBe(9);
  });

  test('toXML forces a derivation\'s type, drvPath and outPath at its level', () => {
    expect(bound('builtins.toXML [ { type = f 3; } ]')).toBe(7);
    expect(bound('builtins.toXML [ { type = "derivation"; outPath = f 3; } ]')).toBe(7);
    expect(bound('builtins.toXML { type = "derivation"; drvPath = f 3; }')).toBe(6);
  });
});

describe('getDerivations (nix-instantiate) forces at each level\'s depth', () => {
  const f = 'let f = n: if n == 0 then 0 else f (n - 1); in ';
  const bound = (expr: string): number | undefined => {
    for (let n = 1; n <= 12; n++) if (!runCli(['--max-call-depth', String(n), '-E', f + expr]).stderr.includes(OVERFLOW)) return n;
    return undefined;
  };

  test('an attribute or element with 1 call in progress, an entered set\'s with 2', () => {
    expect(bound('{ a = f 3; }')).toBe(5);
    expect(bound('[ (f 3) ]')).toBe(5);
    expect(bound('{ a = { recurseForDerivations = true; b = f 3; }; }')).toBe(6);
    // The derivation's name, read at the top level's depth.
    expect(bound('{ type = "derivation"; name = f 3; }')).toBe(5);
  });
});

describe('without max-call-depth, deep data is forced to any depth', () => {
  test.each(TIERS)('deepSeq, == and --strict of 100,000-deep data (%s tier)', (tier) => {
    expect(run(`builtins.deepSeq (${sets(100000)}) 1`, { tier })).toEqual({ value: '1' });
    expect(run(`let a = ${lists(100000)}; b = ${lists(100000)}; in a == b`, { tier })).toEqual({ value: 'true' });
    expect(run(`builtins.length [ (${lists(100000)}) ]`, { tier })).toEqual({ value: '1' });
  });
});

describe('without max-call-depth, infinitely deep data ends at MAX_NESTING levels', () => {
  const infinite = 'let f = n: { inner = f (n + 1); }; in f 0';

  test('--strict: the error C++ Nix gives at its max-call-depth, a million levels down', () => {
    const r = evaluate({ expr: infinite, strict: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe(OVERFLOW);
    expect(r.rendered).toContain(`(${MAX_NESTING} duplicate frames omitted)`);
  });

  test('== and --json too', () => {
    expect(run(`(${infinite}) == (${infinite})`, { strict: false })).toEqual({ error: OVERFLOW });
    const json = runCli(['--eval', '--strict', '--json', '-E', infinite]);
    expect(json.code).toBe(1);
    expect(json.stderr).toContain(`(${MAX_NESTING} duplicate frames omitted)`);
  });
});

describe('the printers count depth against an explicit max-call-depth', () => {
  const nested = (n: number) => `let x = ${lists(n)}; in builtins.seq (builtins.length x) x`;

  test('nix-instantiate --eval (not strict) prints 10 levels under max-call-depth 10, not 11', () => {
    expect(runCli(['--eval', '--max-call-depth', '10', '-E', nested(10)]).stdout).toBe('[ [ [ [ [ [ [ [ [ [ 0 ] ] ] ] ] ] ] ] ] ]\n');
    const r = runCli(['--eval', '--max-call-depth', '10', '-E', nested(11)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${OVERFLOW}\n`);
    // Without the setting, no limit.
    expect(runCli(['--eval', '-E', nested(11)]).code).toBe(0);
  });

  test('builtins.trace of a value', () => {
    const trace = (n: number) => `let x = ${lists(n)}; in builtins.trace x 1`;
    expect(runCli(['--eval', '--max-call-depth', '10', '-E', trace(10)]).stderr).toBe('trace: [ [ [ [ [ [ [ [ [ [ 0 ] ] ] ] ] ] ] ] ] ]\n');
    expect(runCli(['--eval', '--max-call-depth', '10', '-E', trace(11)]).stderr).toContain(`error: ${OVERFLOW}`);
  });

  test('--json and --xml count from no call in progress', () => {
    const json = (n: number) => runCli(['--eval', '--strict', '--json', '--max-call-depth', '10', '-E', lists(n)]);
    expect(json(10).stdout).toBe('[[[[[[[[[[0]]]]]]]]]]\n');
    expect(json(11).stderr).toContain(`error: ${OVERFLOW}`);
    const xml = (n: number) => runCli(['--eval', '--strict', '--xml', '--max-call-depth', '10', '-E', lists(n)]);
    expect(xml(10).code).toBe(0);
    expect(xml(11).stderr).toContain(`error: ${OVERFLOW}`);
  });
});
