// Environments as objects of fixed fields (src/value/env.ts): one class per size up to
// ENV_FIELDS slots, then EnvMany with the rest in an array. Both tiers must read and write
// them alike at every size, around the boundary included, and make the same classes.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { Closure, type Value } from '../../src/value/values.js';
import { ENV_FIELDS, EnvMany, getSlot, newEnv, rootEnv, setSlot, slotExpr, slotValues } from '../../src/value/env.js';
import { defaultHotRuns, setHotRuns } from '../../src/codegen/runtime.js';
import { withBudget } from './budget.js';

afterAll(() => setHotRuns(defaultHotRuns()));

/** Sizes around the boundary between field slots and EnvMany's array, and beyond. */
const SIZES = [0, 1, 2, 3, ENV_FIELDS - 1, ENV_FIELDS, ENV_FIELDS + 1, ENV_FIELDS + 2, 2 * ENV_FIELDS + 5];

describe('the layout', () => {
  test.each(SIZES)('an environment of %i slots: its fields, and each slot read and written apart', (n) => {
    const up = rootEnv();
    const e = newEnv(up, 'first' as Value, n);
    const fields = ['up', ...Array.from({ length: Math.min(n, ENV_FIELDS) }, (_, i) => `s${i + 1}`)];
    expect(Object.keys(e)).toEqual(n > ENV_FIELDS ? [...fields, 'more'] : fields);
    expect(e instanceof EnvMany).toBe(n > ENV_FIELDS);
    if (n > ENV_FIELDS) expect(e.more).toHaveLength(n - ENV_FIELDS);
    expect(e.up).toBe(up);
    if (n > 0) expect(getSlot(e, 1)).toBe('first');
    for (let i = 1; i <= n; i++) setSlot(e, i, `v${i}` as Value);
    for (let i = 1; i <= n; i++) expect(getSlot(e, i)).toBe(`v${i}`);
    // Generated code's expression for each slot reads what getSlot reads.
    for (let i = 1; i <= n; i++) expect(new Function('env', `return ${slotExpr('env', i)};`)(e)).toBe(`v${i}`);
    for (let k = 0; k <= n; k++) expect(slotValues(e, k)).toEqual(Array.from({ length: k }, (_, i) => `v${i + 1}`));
  });
});

function outcome(expr: string, options: Partial<EvaluateOptions>): string {
  const r = evaluate({ expr, strict: true, baseDir: '/base', ...options });
  return r.ok ? `value: ${printValue(r.value, { trackRepeated: true })}` : `error: ${r.rendered}`;
}

/** The outcome in the VM, checked to be `expected`, and the same in the compiled tier's mixes. */
function sameInBothTiers(expr: string, expected: string): void {
  const vm = outcome(expr, { tier: 'vm' });
  expect(vm).toBe(expected);
  setHotRuns(0);
  expect(outcome(expr, { tier: 'compiled' })).toBe(vm);
  expect(withBudget(3, () => outcome(expr, { tier: 'compiled' }))).toBe(vm);
  let n = 0;
  setHotRuns(0, () => n++ % 2 === 0);
  expect(outcome(expr, { tier: 'compiled' })).toBe(vm);
  setHotRuns(0, () => true, 1);
  expect(outcome(expr, { tier: 'compiled' })).toBe(vm);
  setHotRuns(defaultHotRuns());
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `a${i + 1}`);
const list = (xs: (string | number)[]): string => `[ ${xs.join(' ')} ]`;

describe('both tiers at every size', () => {
  test.each(SIZES.filter((n) => n > 0))('a let of %i bindings, read from its body, from lambdas under it and from thunks', (n) => {
    const ns = names(n);
    // Each binding but the first reads the one before it (a thunk over the environment).
    const binds = ns.map((a, i) => `${a} = ${i === 0 ? 1 : `${ns[i - 1]} + 1`};`).join(' ');
    const expr = `let ${binds} f = x: y: [ x y ${ns.join(' ')} ]; in (f 0 (-1)) ++ map (z: ${ns[n - 1]} + z) [ 10 20 ]`;
    const values = Array.from({ length: n }, (_, i) => i + 1);
    sameInBothTiers(expr, `value: ${list([0, -1, ...values, n + 10, n + 20])}`);
  });

  test.each(SIZES.filter((n) => n > 0))('a rec set of %i names, with `__overrides` and `inherit (e)`', (n) => {
    const ns = names(n);
    const binds = ns.map((a, i) => `${a} = ${i === 0 ? 1 : `${ns[i - 1]} + 1`};`).join(' ');
    const plain = `rec { ${binds} }`;
    const values = Array.from({ length: n }, (_, i) => i + 1);
    sameInBothTiers(`let s = ${plain}; in map (n: s.\${n}) [ ${ns.map((a) => `"${a}"`).join(' ')} ]`, `value: ${list(values)}`);
    // __overrides replaces a1 in the set and in what the others read; `inherit (e)` takes slots past the names.
    const over = `rec { ${binds} __overrides = { a1 = 100; }; inherit ({ b = ${ns[n - 1]}; }) b; }`;
    const overridden = values.map((v) => v + 99);
    sameInBothTiers(`let s = ${over}; in [ s.b ] ++ map (n: s.\${n}) [ ${ns.map((a) => `"${a}"`).join(' ')} ]`, `value: ${list([overridden[n - 1], ...overridden])}`);
  });

  test.each(SIZES.filter((n) => n > 0))('formals of %i names, given, defaulted, aliased, with `@`', (n) => {
    const ns = names(n);
    // Odd names are given; even ones default to the name before them (an alias) or to a literal.
    const formals = ns.map((a, i) => (i % 2 === 0 ? a : i % 4 === 1 ? `${a} ? ${ns[i - 1]}` : `${a} ? ${i + 1}`)).join(', ');
    const given = ns.filter((_, i) => i % 2 === 0).map((a, i) => `${a} = ${2 * i + 1};`).join(' ');
    // Three sets of one shape (one literal): the compiled tier's inline path binds the last two.
    const expr = `let f = args@{ ${formals} }: [ ${ns.join(' ')} (builtins.length (builtins.attrNames args)) ]; in builtins.concatLists (map f (builtins.genList (_: { ${given} }) 3))`;
    const values = ns.map((_, i) => (i % 2 === 0 ? i + 1 : i % 4 === 1 ? i : i + 1));
    const once = [...values, Math.ceil(n / 2)];
    sameInBothTiers(expr, `value: ${list([...once, ...once, ...once])}`);
  });

  test('`with` over environments of every size, and a name no set has', () => {
    const ns = names(ENV_FIELDS + 2);
    const binds = ns.map((a, i) => `${a} = ${i};`).join(' ');
    sameInBothTiers(`let ${binds} in with { z = ${ns[ENV_FIELDS]}; }; with { y = z; }; [ y z ${ns[ENV_FIELDS + 1]} ]`,
      `value: ${list([ENV_FIELDS, ENV_FIELDS, ENV_FIELDS + 1])}`);
    const missing = outcome('let a = 1; in with { b = 2; }; c', { tier: 'vm' });
    expect(missing).toMatch(/undefined variable 'c'/);
    sameInBothTiers('let a = 1; in with { b = 2; }; c', missing);
  });
});

test('both tiers make environments of the same classes: a closure keeps the one it was made in', () => {
  for (const n of SIZES) {
    const binds = names(n).map((a) => `${a} = 1;`).join(' ');
    const expr = `let ${binds} in x: x`;
    const vm = evaluate({ expr, strict: false, baseDir: '/base', tier: 'vm' });
    setHotRuns(0);
    const compiled = evaluate({ expr, strict: false, baseDir: '/base', tier: 'compiled' });
    setHotRuns(defaultHotRuns());
    if (!vm.ok || !compiled.ok) throw new Error('evaluation failed');
    const [a, b] = [vm.value, compiled.value] as unknown as Closure[];
    expect(a).toBeInstanceOf(Closure);
    expect(b.env.constructor).toBe(a.env.constructor);
    expect(Object.keys(b.env)).toEqual(Object.keys(a.env));
  }
});

test('src/value/env.ts is what scripts/gen-env.ts writes (it is not edited by hand)', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const written = execFileSync(process.execPath, [join(root, 'dist', 'scripts', 'gen-env.js')], { encoding: 'utf8' });
  expect(written).toBe(readFileSync(join(root, 'src', 'value', 'env.ts'), 'utf8'));
});
