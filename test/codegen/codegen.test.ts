// The compiled tier's own guarantees: generated code carries no user text, computations that
// cross between the tiers (past the depth budget) give the VM's values and traces, long loops
// of tail calls stay in compiled code, and the deadline stops a runaway loop in compiled code.

import { evaluate, type EvaluateOptions, whenBudgetReached } from '../../src/eval.js';
import { EvalTimeout } from '../../src/vm/vm.js';
import { printValue } from '../../src/value/print.js';
import { Source } from '../../src/syntax/source.js';
import { parse } from '../../src/syntax/parser.js';
import { compile } from '../../src/compiler/compiler.js';
import type { Chunk } from '../../src/compiler/chunk.js';
import { COLD_FUNCTION_NAME, instantiate, translate } from '../../src/codegen/codegen.js';
import { withBudget } from './budget.js';
import { defaultHotRuns, helpers, setHotRuns } from '../../src/codegen/runtime.js';
import { COLD_FUNCTIONS_FLAG } from '../../src/cli/load-entry.cjs';
import { rootEnv } from '../../src/value/values.js';

beforeAll(() => setHotRuns(0));
afterAll(() => setHotRuns(defaultHotRuns()));

function outcome(options: EvaluateOptions): string {
  const r = evaluate({ strict: true, baseDir: '/base', ...options });
  return r.ok ? `value: ${printValue(r.value, { trackRepeated: true })}` : `error: ${r.rendered}`;
}

function bothTiers(expr: string): { vm: string; compiled: string } {
  return { vm: outcome({ expr, tier: 'vm' }), compiled: outcome({ expr, tier: 'compiled' }) };
}

/** Every chunk of a compiled program. */
function chunksOf(root: Chunk): Chunk[] {
  const out: Chunk[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (out.includes(c)) continue;
    out.push(c);
    for (const k of c.consts) {
      if (k === null || typeof k !== 'object') continue;
      if ('code' in k) todo.push(k as Chunk);
      if ('chunk' in k) todo.push((k as { chunk: Chunk }).chunk);
      for (const e of (k as { formals?: { entries: { def: Chunk | null }[] } | null }).formals?.entries ?? []) if (e.def) todo.push(e.def);
    }
  }
  return out;
}

describe('generated code carries no user text', () => {
  // Strings and attribute names that would break out of, or change, JS source if they were
  // pasted into it: quotes, backslashes, backticks, `${`, the end of a comment, the
  // characters JS counts as line ends. (NUL cannot be in Nix source text: it is added to the
  // constants after compiling.)
  const nasty = ["'", '"', '\\', '`', '${', '*/', '\u2028', '\u2029', '\n'];
  const nixString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${').replace(/\n/g, '\\n')}"`;
  const bindings = nasty.map((s, i) => `${nixString(`k${i}${s}x`)} = ${nixString(`v${i}${s}y`)};`).join(' ');
  const text = `let set = { ${bindings} }; f = { ${nasty.slice(0, 3).map((_, i) => `a${i} ? ${nixString(nasty[i])}`).join(', ')} }: a0 + a1 + a2;
    in [ set (builtins.attrNames set) (f { }) set.${nixString('k4${x')} 12345 678.5 ]`;

  test('constants are read from the chunk, never written into the source', () => {
    const source = new Source('/base/nasty.nix', text, '/base');
    const root = compile(parse(source), source, { globals: new Set(['builtins']) });
    // Text the generated source may contain in quotes: type names of its errors, builtin names.
    const allowed = new Set(["'use strict'", "'boolean'", "'number'", "'a Boolean'", "'a set'", "''", "'__sub'", "'__mul'", "'__lessThan'", "'__div'"]);
    for (const chunk of chunksOf(root)) {
      chunk.consts = chunk.consts.map((k) => (typeof k === 'string' ? `${k}\u0000` : k));
      const js = translate(chunk);
      expect(js).not.toContain('\u0000');
      for (const s of nasty) {
        if (s === "'" || s === '\n') continue;
        expect(js).not.toContain(s);
      }
      for (const literal of js.match(/'[^']*'|"[^"]*"|`[^`]*`/g) ?? []) expect(allowed).toContain(literal);
      for (const number of ['12345', '678.5']) expect(js).not.toContain(number);
    }
  });

  test('and both tiers give the same value for it', () => {
    const src = { origin: '/base/nasty.nix', text, baseDir: '/base' };
    expect(outcome({ source: src, tier: 'compiled' })).toBe(outcome({ source: src, tier: 'vm' }));
    expect(outcome({ source: src, tier: 'compiled' })).toContain('12345');
  });
});

describe('crossing between the tiers', () => {
  test('a recursion deeper than the budget: the same value and the same trace as the VM', () => {
    const ok = 'let f = x: if x == 0 then 0 else 1 + f (x - 1); in f 3000';
    const fails = 'let f = x: if x == 0 then throw "bottom" else 1 + f (x - 1); in f 300';
    for (const budget of [3, 40, 1000]) {
      withBudget(budget, () => {
        const a = bothTiers(ok);
        expect(a.compiled).toBe(a.vm);
        expect(a.vm).toBe('value: 3000');
        const b = bothTiers(fails);
        expect(b.compiled).toBe(b.vm);
        expect(b.vm).toContain('error: bottom');
      });
    }
  });

  test('a tree recursion going past the budget and back many times, with data built on the way', () => {
    const expr = `let t = n: if n == 0 then { leaf = 1; } else { l = t (n - 1); r = t (n - 1); s = (t (n - 1)).s or 0 + 1; };
      size = x: if x ? leaf then 1 else size x.l + size x.r; in [ (size (t 9)) (builtins.toJSON (t 3)) ]`;
    withBudget(5, () => {
      const r = bothTiers(expr);
      expect(r.compiled).toBe(r.vm);
      expect(r.vm).toContain('512');
    });
  });

  test('the hook on reaching the budget: called as each move into the VM starts and returns, and able to abandon the evaluation', () => {
    const one = 'let f = x: if x == 0 then 0 else 1 + f (x - 1); in f 300';
    const two = 'let f = x: if x == 0 then 0 else 1 + f (x - 1); in f 300 + f 300';
    withBudget(40, () => {
      const calls: boolean[] = [];
      whenBudgetReached((returned) => { calls.push(returned); });
      expect(outcome({ expr: one, tier: 'compiled' })).toBe('value: 300');
      // Each move returned before the next started.
      expect(calls.length).toBeGreaterThan(0);
      expect(calls).toEqual(calls.map((_, i) => i % 2 === 1));
      const forOne = calls.length;
      calls.length = 0;
      expect(outcome({ expr: two, tier: 'compiled' })).toBe('value: 600');
      // As often for each recursion: past the budget, the VM runs the rest of one itself.
      expect(calls.length).toBe(2 * forOne);
      whenBudgetReached(() => { throw new Error('abandoned'); });
      expect(() => evaluate({ expr: two, tier: 'compiled', baseDir: '/base' })).toThrow('abandoned');
      // Under the budget, the hook is not called.
      calls.length = 0;
      whenBudgetReached((returned) => { calls.push(returned); });
      expect(outcome({ expr: 'let f = x: if x == 0 then 0 else 1 + f (x - 1); in f 10', tier: 'compiled' })).toBe('value: 10');
      expect(calls).toEqual([]);
      whenBudgetReached(null);
    });
  });

  test('infinite recursion and memoised errors are the same in both tiers, across the budget', () => {
    for (const expr of [
      'let x = 1 + y; y = 2 + x; in x',
      'let f = n: if n == 0 then g else 1 + f (n - 1); g = f 10; in g',
      'let e = throw "once"; in [ (builtins.tryEval e) (builtins.tryEval e) e ]',
    ]) {
      for (const budget of [2, 1000]) {
        withBudget(budget, () => {
          const r = bothTiers(expr);
          expect(r.compiled).toBe(r.vm);
        });
      }
    }
  });
});

describe('tail calls', () => {
  test('a long loop of tail calls: its value, and the same compact trace as in the VM', () => {
    withBudget(50, () => {
      expect(outcome({ expr: 'let f = n: if n == 0 then "done" else f (n - 1); in f 200000', tier: 'compiled' })).toBe('value: "done"');
      const r = bothTiers('let f = n: if n == 0 then throw "x" else g (n - 1); g = n: f n; in f 100000');
      expect(r.compiled).toBe(r.vm);
      expect(r.vm).toContain('duplicate frames omitted');
    });
  });
});

describe('limits', () => {
  test('the deadline stops a runaway loop in compiled code', () => {
    for (const expr of ['let f = x: f (x + 1); in f 0', 'let f = x: builtins.seq (f (x + 1)) 1; in f 0']) {
      const t0 = Date.now();
      // (Without max-call-depth's default, which a fast machine may reach first.)
      expect(() => evaluate({ expr, tier: 'compiled', deadline: Date.now() + 300, maxCallDepth: 2 ** 30 })).toThrow(EvalTimeout);
      expect(Date.now() - t0).toBeLessThan(5000);
    }
  });
});

describe('cold and hot versions of a chunk', () => {
  test('the cold version counts its runs and is replaced by the hot one at the count given', () => {
    const source = new Source('/base/cold.nix', 'x: x + 1', '/base');
    const root = compile(parse(source), source, { globals: new Set() });
    const lambda = chunksOf(root).find((c) => c.lambda !== null)!;
    const cold = instantiate(lambda, helpers, lambda.runs + 3)!;
    lambda.compiled = cold;
    expect(cold.name).toBe(COLD_FUNCTION_NAME);
    // The body only reads its argument: the function takes the closure's environment and the argument.
    expect(cold.envless).toBe(true);
    const up = rootEnv();
    expect([cold(up, 1), cold(up, 2)]).toEqual([2, 3]);
    expect(lambda.compiled).toBe(cold);
    expect(cold(up, 3)).toBe(4);
    const hot = lambda.compiled!;
    expect(hot).not.toBe(cold);
    expect(hot.name).toBe('compiled');
    expect([hot.envless, hot.units]).toEqual([cold.envless, cold.units]);
    expect(hot(up, 41)).toBe(42);
    expect(lambda.runs).toBe(3);
  });

  test('chunks of the same code share their source, each with its own constants and count', () => {
    // One factory (one `new Function`) serves both: what differs is passed to it, never written in.
    const source = new Source('/base/same.nix', '[ (x: x + 1) (x: x + 2) ]', '/base');
    const root = compile(parse(source), source, { globals: new Set() });
    const [plus1, plus2] = chunksOf(root).filter((c) => c.lambda !== null).sort((a, b) => a.lambda!.at.offset - b.lambda!.at.offset);
    expect(translate(plus1)).toBe(translate(plus2));
    const cold1 = instantiate(plus1, helpers, plus1.runs + 2)!;
    const cold2 = instantiate(plus2, helpers, plus2.runs + 4)!;
    plus1.compiled = cold1;
    plus2.compiled = cold2;
    const up = rootEnv();
    expect([cold1(up, 10), cold2(up, 10)]).toEqual([11, 12]);
    expect(cold1(up, 20)).toBe(21);
    expect(plus1.compiled).not.toBe(cold1);
    for (let i = 0; i < 2; i++) expect(cold2(up, i)).toBe(i + 2);
    expect(plus2.compiled).toBe(cold2);
    expect(cold2(up, 5)).toBe(7);
    expect(plus2.compiled).not.toBe(cold2);
    expect([plus1.compiled!(up, 1), plus2.compiled!(up, 1)]).toEqual([2, 3]);
  });

  test('chunks of the same code whose constants shape the source differently are translated apart', () => {
    // The translations are shared by a key of what generation reads: the same code with
    // `true` or `null` (inlined in the source, unlike other globals) must not share one.
    const source = new Source('/base/consts.nix', '[ (x: [ x true ]) (x: [ x null ]) (x: [ x true ]) ]', '/base');
    const root = compile(parse(source), source, { globals: new Set(['true', 'null']) });
    const lambdas = chunksOf(root).filter((c) => c.lambda !== null).sort((a, b) => a.lambda!.at.offset - b.lambda!.at.offset);
    expect(lambdas[0].code).toEqual(lambdas[1].code);
    const [withTrue, withNull, again] = lambdas.map((c) => instantiate(c, helpers, null)!);
    const up = rootEnv();
    expect([withTrue(up, 1), withNull(up, 2), again(up, 3)]).toEqual([[1, true], [2, null], [3, true]]);
    expect(translate(lambdas[0])).not.toBe(translate(lambdas[1]));
  });

  test("the command line's V8 flag names the cold functions", () => {
    expect(COLD_FUNCTIONS_FLAG).toBe(`--turbo-filter=-${COLD_FUNCTION_NAME}`);
  });

  test('a recursion whose chunks turn hot while it runs: the same value and trace as the VM', () => {
    setHotRuns(0, () => true, 5);
    try {
      for (const budget of [3, 1000]) {
        withBudget(budget, () => {
          const ok = bothTiers('let f = x: if x == 0 then 0 else 1 + f (x - 1); g = n: builtins.length (builtins.genList (i: f i) n); in g 60');
          expect(ok.compiled).toBe(ok.vm);
          expect(ok.vm).toBe('value: 60');
          const fails = bothTiers('let f = x: if x == 0 then throw "bottom" else 1 + f (x - 1); in builtins.genList (i: f (10 - i)) 11');
          expect(fails.compiled).toBe(fails.vm);
          expect(fails.vm).toContain('error: bottom');
        });
      }
    } finally {
      setHotRuns(0);
    }
  });
});
