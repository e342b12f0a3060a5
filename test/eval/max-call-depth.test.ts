// C++ Nix's max-call-depth setting, counted as C++ Nix counts it: every function call in
// progress, tail calls included. By default far above C++ Nix's 10000 (calls cost no JS stack
// in nixeval), yet low enough to stop a runaway recursion.

import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { runCli } from '../cli/run-cli.js';
import { printValue } from '../../src/value/print.js';
import { DEFAULT_MAX_CALL_DEPTH } from '../../src/vm/vm.js';

function run(expr: string, options: Partial<EvaluateOptions> = {}): { value?: string; error?: string; rendered?: string } {
  const r = evaluate({ expr, strict: true, ...options });
  return r.ok ? { value: printValue(r.value) } : { error: r.error.message, rendered: Buffer.from(r.rendered, 'latin1').toString('utf8') };
}

const cli = (args: string[]) => runCli(args);

const OVERFLOW = 'stack overflow; max-call-depth exceeded';
const recursion = (n: number): string => `let f = n: if n == 0 then 0 else 1 + f (n - 1); in f ${n}`;
const tailLoop = (n: number): string => `let loop = n: if n == 0 then "done" else loop (n - 1); in loop ${n}`;

describe('max-call-depth', () => {
  test('by default, far deeper than C++ Nix\'s 10000', () => {
    expect(run(recursion(20000))).toEqual({ value: '20000' });
    expect(run(tailLoop(100000))).toEqual({ value: '"done"' });
  });

  test('by default, a runaway tail loop stops at DEFAULT_MAX_CALL_DEPTH', () => {
    // tailLoop(n) makes n + 1 calls of loop, each forcing its `n - 1` (in C++ Nix a call of
    // __sub) one deeper; without an explicit max-call-depth the compiled tier computes `n - 1`
    // at once where its value is there (codegen/eager.ts), which is no call: the loop then ends
    // one call later than the VM's count.
    expect(run(tailLoop(DEFAULT_MAX_CALL_DEPTH - 1))).toEqual({ value: '"done"' });
    expect(run(tailLoop(DEFAULT_MAX_CALL_DEPTH + 1)).error).toBe(OVERFLOW);
    expect(run('let f = x: f x; in f 1').error).toBe(OVERFLOW);
  });

  test('a recursion within the limit', () => {
    expect(run(recursion(40), { maxCallDepth: 100 })).toEqual({ value: '40' });
  });

  test('a recursion past the limit fails at the call that goes too deep', () => {
    const r = run(recursion(1000), { maxCallDepth: 100 });
    expect(r.error).toBe(OVERFLOW);
    expect(r.rendered).toMatch(/\(\d+ duplicate frames omitted\)/);
    expect(r.rendered).toMatch(/error: stack overflow; max-call-depth exceeded\n {7}at «string»:1:\d+:/);
  });

  test('tail calls count as calls, as in C++ Nix: a loop within the limit, and one past it', () => {
    expect(run(tailLoop(90), { maxCallDepth: 100 })).toEqual({ value: '"done"' });
    expect(run(tailLoop(200), { maxCallDepth: 100 }).error).toBe(OVERFLOW);
  });

  test('the limit is exact: N calls in progress may make one more call, not two', () => {
    // `f 0` runs at depth 1 (its caller, the top level, at 0); each `f (n - 1)` one deeper.
    const chain = (n: number): string => `let f = n: if n == 0 then 0 else builtins.seq (f (n - 1)) n; in f ${n}`;
    // f n .. f 0 are n + 1 lambda calls in a chain, each also calling builtins.seq (one more level).
    expect(run(chain(49), { maxCallDepth: 100 }).value).toBe('49');
    expect(run(chain(50), { maxCallDepth: 100 }).error).toBe(OVERFLOW);
  });

  test('(x: x x) (x: x x) as C++ Nix reports it with --max-call-depth 100', () => {
    const r = cli(['--eval', '--show-trace', '--max-call-depth', '100', '-E', '(x: x x) (x: x x)']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(197 duplicate frames omitted)');
    expect(r.stderr).toContain(`error: ${OVERFLOW}\n       at «string»:1:14:`);
  });

  test('--option max-call-depth is the same setting', () => {
    expect(cli(['--eval', '--option', 'max-call-depth', '10', '-E', recursion(20)]).stderr).toContain(OVERFLOW);
    expect(cli(['--eval', '--option', 'max-call-depth', '10', '-E', recursion(5)]).stdout).toBe('5\n');
    expect(cli(['--eval', '--max-call-depth', 'x', '-E', '1']).stderr).toBe(
      "error: setting 'max-call-depth' has invalid value 'x'\nTry 'nix-instantiate --help' for more information.\n",
    );
    // Through --option, a bad value is a warning and the setting keeps its value.
    expect(cli(['--eval', '--option', 'max-call-depth', 'x', '-E', '1'])).toEqual({
      code: 0, stdout: '1\n', stderr: "warning: setting 'max-call-depth' has invalid value 'x'\n",
    });
  });

  test('builtins.toJSON counts nesting against the setting, from the depth it is called at', () => {
    const nested = (n: number): string => `let mk = n: if n == 0 then 1 else { a = mk (n - 1); }; in builtins.toJSON (mk ${n})`;
    expect(run(nested(50), { maxCallDepth: 100 }).value).toMatch(/^"\{/);
    expect(run(nested(200), { maxCallDepth: 100 }).error).toBe(OVERFLOW);
    // Without the setting, C++ Nix's default of 10000 (nesting only).
    expect(run(nested(9000)).value).toMatch(/^"\{/);
    expect(run(nested(11000)).error).toBe(OVERFLOW);
  });
});

describe('--show-trace', () => {
  const expr = 'let f = x: builtins.addErrorContext "in f" (throw "no"); in f 1';

  test('off by default, as in nix-instantiate: no call frames', () => {
    const r = cli(['--eval', '-E', expr]);
    expect(r.stderr).not.toContain('from call site');
    expect(r.stderr).toContain('… in f');
  });

  test('--show-trace, --option show-trace true, show-trace = true in nix.conf or NIX_CONFIG: all frames', () => {
    const runs = [
      cli(['--eval', '--show-trace', '-E', expr]),
      cli(['--eval', '--option', 'show-trace', 'true', '-E', expr]),
      runCli(['--eval', '-E', expr], 'utf8', { env: { NIX_CONFIG: 'show-trace = true' } }),
    ];
    for (const r of runs) {
      expect(r.stderr).toContain('… from call site');
      expect(r.stderr).toContain("… while calling 'f'");
    }
  });

  test('--no-show-trace and --option show-trace false: no call frames', () => {
    for (const flags of [['--no-show-trace'], ['--option', 'show-trace', 'false']]) {
      const r = cli(['--eval', ...flags, '-E', expr]);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toContain('from call site');
      expect(r.stderr).toContain('… in f');
    }
    expect(cli(['--eval', '--no-show-trace', '--show-trace', '-E', expr]).stderr).toContain('from call site');
  });
});
