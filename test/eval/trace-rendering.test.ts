// How an error's trace is printed (src/errors/render.ts), by C++ Nix's rules (libutil/error.cc,
// showErrorInfo): duplicate frames, the cut without --show-trace, the frames printed always,
// and the compact frames tail-call loops leave.

import { NixError, type SourcePos, type TraceFrame } from '../../src/errors/errors.js';
import { renderError, shownTrace } from '../../src/errors/render.js';
import { Source } from '../../src/syntax/source.js';
import { evaluate } from '../../src/eval.js';
import { callFrames, TailCallLog } from '../../src/vm/tail-calls.js';
import type { LambdaInfo } from '../../src/compiler/chunk.js';

const source = new Source('/t.nix', 'let\n  a = 1;\n  b = 2;\nin a + b\n', '/');
const at = (offset: number): SourcePos => ({ source, offset });
const A: TraceFrame = { message: 'while doing a', pos: at(6) };
const B: TraceFrame = { message: 'while doing b', pos: at(15) };
const C: TraceFrame = { message: 'while doing c' };

/** An error whose frames are given outermost first, as they print. */
function errorWith(outermostFirst: TraceFrame[], message = 'boom'): NixError {
  const e = new NixError('eval', message);
  for (const f of [...outermostFirst].reverse()) e.trace.push(f);
  return e;
}

/** The rendering as text (the renderer gives bytes, one per char, as the CLI writes them). */
function render(e: NixError, showTrace = true): string {
  return Buffer.from(renderError(e, { showTrace }), 'latin1').toString('utf8');
}

/** The `… message` lines and notes of the rendered error, in order. */
function headlines(e: NixError, showTrace = true): string[] {
  return render(e, showTrace).split('\n')
    .filter((l) => /^ {7}(…|\(|error:)/.test(l))
    .map((l) => l.trim());
}

const times = <T>(n: number, x: T[]): T[] => Array.from({ length: n }, () => x).flat();

describe('duplicate frames', () => {
  test('a run of five duplicates is printed', () => {
    expect(headlines(errorWith([A, ...times(5, [A]), B]))).toEqual([
      '… while doing a', ...times(5, ['… while doing a']), '… while doing b', 'error: boom',
    ]);
  });

  test('a run of six duplicates is counted', () => {
    expect(headlines(errorWith([A, ...times(6, [A]), B]))).toEqual([
      '… while doing a', '(6 duplicate frames omitted)', '… while doing b', 'error: boom',
    ]);
  });

  test('a run at the end of the trace is flushed before the message', () => {
    expect(headlines(errorWith([A, ...times(7, [A])]))).toEqual(['… while doing a', '(7 duplicate frames omitted)', 'error: boom']);
    expect(headlines(errorWith([A, A]))).toEqual(['… while doing a', '… while doing a', 'error: boom']);
  });

  test('alternating frames: after the first of each, all are duplicates', () => {
    expect(headlines(errorWith(times(5, [A, B])))).toEqual([
      '… while doing a', '… while doing b', '(8 duplicate frames omitted)', 'error: boom',
    ]);
  });

  test('frames seen before a counted run stay seen after it', () => {
    // A, B, A×6, C, B: the last B was seen before the run, so it is a duplicate too.
    expect(headlines(errorWith([A, B, ...times(6, [A]), C, B, C]))).toEqual([
      '… while doing a', '… while doing b', '(6 duplicate frames omitted)', '… while doing c',
      '… while doing b', '… while doing c', 'error: boom',
    ]);
  });

  test('a frame is the same only with the same message and position', () => {
    const elsewhere: TraceFrame = { message: A.message, pos: at(15) };
    const noPos: TraceFrame = { message: A.message };
    expect(headlines(errorWith([A, elsewhere, noPos, B]))).toEqual([
      '… while doing a', '… while doing a', '… while doing a', '… while doing b', 'error: boom',
    ]);
  });

  test('the layout: a blank line between blocks, excerpts under `at`', () => {
    const e = errorWith([A, ...times(6, [A]), C]);
    e.pos = at(22);
    expect(render(e)).toBe([
      'error:',
      '       … while doing a',
      '         at /t.nix:2:3:',
      '            1| let',
      '            2|   a = 1;',
      '             |   ^',
      '            3|   b = 2;',
      '',
      '       (6 duplicate frames omitted)',
      '',
      '       … while doing c',
      '',
      '       error: boom',
      '       at /t.nix:4:1:',
      '            3|   b = 2;',
      '            4| in a + b',
      '             | ^',
      '            5|',
      '',
    ].join('\n'));
  });
});

describe('without --show-trace', () => {
  const call: TraceFrame = { message: 'while calling f', pos: at(6), print: 'show-trace' };
  const always: TraceFrame = { message: 'while evaluating derivation x', print: 'always' };

  test('frames weighing more than 3 are cut (a frame with a position weighs 2), and that is said', () => {
    const e = errorWith([A, B, C, { message: 'while doing d' }]);
    expect(headlines(e, false)).toEqual([
      '… while doing a', '… while doing b',
      "(stack trace truncated; use '--show-trace' to show the full, detailed trace)", 'error: boom',
    ]);
    // Frames without a position: four are shown, the fifth is cut. Duplicates weigh nothing.
    const plain = (n: number): TraceFrame[] => Array.from({ length: n }, (_, i) => ({ message: `step ${i}` }));
    expect(headlines(errorWith(plain(4)), false)).toEqual(['… step 0', '… step 1', '… step 2', '… step 3', 'error: boom']);
    expect(headlines(errorWith(plain(5)), false)).toContain("(stack trace truncated; use '--show-trace' to show the full, detailed trace)");
    expect(headlines(errorWith(times(6, [C])), false)).toEqual([...times(6, ['… while doing c']), 'error: boom']);
  });

  test('frames printed always survive the cut, duplicates of them still skipped', () => {
    const other: TraceFrame = { message: 'while evaluating derivation y', print: 'always' };
    expect(headlines(errorWith([A, B, C, always, A, other, always]), false)).toEqual([
      '… while doing a', '… while doing b', '… while evaluating derivation x', '… while evaluating derivation y',
      '… while evaluating derivation x',
      "(stack trace truncated; use '--show-trace' to show the full, detailed trace)", 'error: boom',
    ]);
  });

  test('function-call frames are not collected at all', () => {
    expect(headlines(errorWith([call, A, call, B]), false)).toEqual(['… while doing a', '… while doing b', 'error: boom']);
    // An error with only such frames prints as one without a trace.
    expect(renderError(errorWith([call]), { showTrace: false })).toBe('error: boom\n');
  });

  test('with --show-trace nothing is cut', () => {
    const frames = [call, A, B, C, { message: 'while doing d' }, { message: 'while doing e' }];
    expect(headlines(errorWith(frames))).toHaveLength(frames.length + 1);
  });
});

describe('frames standing for others (tail-call loops)', () => {
  test('a repeated block prints as the block written out', () => {
    const expanded = errorWith([C, ...times(1000, [B, A]), C]);
    const compact = errorWith([C, { message: '', repeat: { frames: [A, B], times: 1000 } }, C]);
    expect(renderError(compact)).toBe(renderError(expanded));
    for (const n of [1, 2, 3, 4]) {
      const small = errorWith([{ message: '', repeat: { frames: [A, B], times: n } }, C]);
      expect(renderError(small)).toBe(renderError(errorWith([...times(n, [B, A]), C])));
    }
  });

  test('a count of duplicates joins the run it is in', () => {
    const e = errorWith([A, B, A, { message: '', duplicates: 10 }, B, C]);
    expect(headlines(e)).toEqual(['… while doing a', '… while doing b', '(12 duplicate frames omitted)', '… while doing c', 'error: boom']);
  });

  test('the service gets the frames as printed', () => {
    const e = errorWith([A, ...times(6, [A]), C]);
    const shown = shownTrace(e).entries.map((x) => ('omitted' in x ? x.omitted : x.frame.message));
    expect(shown).toEqual(['while doing a', 6, 'while doing c']);
  });
});

describe('the record of tail calls', () => {
  // Six functions and three call sites (one of them: no call site, as for calls builtins make):
  // up to 18 different calls, past the number a record finds by scanning its entries.
  const lambdas = ['f', 'g', 'h', 'i', 'j', 'k'].map((name, i) => ({ name, pos: 20 + i, source }) as unknown as LambdaInfo);
  const sites: (SourcePos | undefined)[] = [at(6), at(15), undefined];

  /** A pseudo-random sequence of calls (deterministic: a linear congruential generator). */
  function calls(seed: number, n: number, kinds: number): [LambdaInfo, SourcePos | undefined][] {
    let x = seed;
    const out: [LambdaInfo, SourcePos | undefined][] = [];
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const k = x % kinds;
      out.push([lambdas[k % 6], sites[Math.floor(k / 6) % 3]]);
    }
    return out;
  }

  test('prints as the calls it records would, written out', () => {
    for (let seed = 1; seed <= 600; seed++) {
      // Few kinds of calls make loops; long sequences make long runs.
      const seq = calls(seed, 1 + (seed % 60), 1 + (seed % 18));
      const log = new TailCallLog();
      const expanded = errorWith([]);
      for (const [lambda, pos] of seq) {
        log.add(lambda, pos);
        expanded.trace.unshift(...callFrames(lambda, pos));
      }
      const compact = errorWith([]);
      log.addFramesTo(compact.trace);
      expect(render(compact)).toBe(render(expanded));
      expect(compact.trace.length).toBeLessThanOrEqual(expanded.trace.length);
    }
  });

  test('stays small in a long loop', () => {
    const log = new TailCallLog();
    for (const [lambda, pos] of calls(7, 100000, 4)) log.add(lambda, pos);
    const trace: TraceFrame[] = [];
    log.addFramesTo(trace);
    expect(trace.length).toBeLessThan(60);
  });
});

describe('messages', () => {
  test('later lines of a message are indented, and lose their trailing blanks as in C++ Nix', () => {
    const e = errorWith([{ message: 'while x\n  whose y' }], 'first\n second  \n\nthird\n');
    expect(render(e)).toBe([
      'error:', '       … while x', '         whose y', '', '       error: first', '        second', '', '       third', '',
    ].join('\n'));
  });

  test("a colour code in C++ Nix's text of the message stops the trimming where it is", () => {
    // fromTOML's message ends with its argument, whose closing code follows the last line break.
    const end = errorWith([], 'while parsing TOML: [error] x\n');
    end.colourCode = 'end';
    expect(render(end)).toBe('error: while parsing TOML: [error] x\n       \n');
    // A thrown string is a literal, which C++ Nix starts with a reset code: `throw ""`.
    const start = errorWith([], '  ');
    start.colourCode = 'start';
    expect(render(start)).toBe('error: \n');
    expect(render(errorWith([], '  '))).toBe('error:\n');
  });

  test('module-system errors: a conflict message ends without a blank line, a suggestion has an empty line', () => {
    const r = evaluate({ expr: 'throw "The option `a\' has conflicting definition values:\n- In x: 1\n\nUse `lib.mkForce value`.\n"' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(render(r.error, false).split('\n').slice(-5)).toEqual([
      "       error: The option `a' has conflicting definition values:", '       - In x: 1', '', '       Use `lib.mkForce value`.', '',
    ]);
  });
});

describe('traces of evaluations', () => {
  test('tail calls keep their frames: three calls of a tail-recursive function', () => {
    const r = evaluate({ expr: 'let f = n: if n > 0 then f (n - 1) else throw "x"; in f 2' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(headlines(r.error)).toEqual([
      '… from call site', "… while calling 'f'", '… from call site', "… while calling 'f'", '… from call site',
      "… while calling 'f'", "… while calling the 'throw' builtin", 'error: x',
    ]);
  });

  test('a long loop of mutual tail calls leaves a small trace with the exact count', () => {
    const loop = (n: number): NixError => {
      const r = evaluate({ expr: `let f = n: if n == 0 then throw "x" else g (n - 1); g = n: f n; in f ${n}` });
      if (r.ok) throw new Error('expected an error');
      return r.error;
    };
    const omitted = (e: NixError): number => Number(/\((\d+) duplicate frames omitted\)/.exec(render(e))![1]);
    const small = loop(10);
    const large = loop(200000);
    expect(large.trace.length).toBeLessThan(40);
    // Each round of the loop is two calls, four frames.
    expect(omitted(large) - omitted(small)).toBe(4 * (200000 - 10));
    const withoutCount = (e: NixError): string[] => headlines(e).map((l) => l.replace(/\d+ duplicate/, 'N duplicate'));
    expect(withoutCount(large)).toEqual(withoutCount(small));
  });
});

describe('deep recursions fold their frames as they are added', () => {
  /** The same frames, innermost first, added one by one through addFrame (which folds). */
  function folded(innermostFirst: TraceFrame[]): NixError {
    const e = new NixError('eval', 'boom');
    for (const f of innermostFirst) e.addFrame({ ...f });
    return e;
  }
  const D: TraceFrame = { message: 'while doing d', pos: at(24), print: 'show-trace' };
  const patterns: [string, TraceFrame[]][] = [
    ['one frame', [A]],
    ['a call and the operation around it', [A, D, B]],
    ['a period with a frame twice in a row', [A, A, B]],
    ['a period of six', [A, B, C, D, B, A]],
  ];
  for (const [what, period] of patterns) {
    for (const levels of [1, 3, 7, 40, 5000]) {
      test(`${what}, ${levels} levels: the same text as the frames one by one, with and without --show-trace`, () => {
        const innermostFirst = [C, ...times(levels, period), B, A];
        const e = folded(innermostFirst);
        const plain = errorWith([...innermostFirst].reverse());
        expect(render(e, true)).toBe(render(plain, true));
        expect(render(e, false)).toBe(render(plain, false));
        expect(e.trace.length).toBeLessThan(3 * period.length + 40);
      });
    }
  }

  test('a recursion 300,000 calls deep keeps a short trace and prints its duplicates as a count', () => {
    const r = evaluate({ expr: 'let f = n: if n == 300000 then throw "deep" else 1 + f (n + 1); in f 0' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.trace.length).toBeLessThan(100);
    expect(render(r.error)).toMatch(/\(\d{6} duplicate frames omitted\)/);
  });
});

test('folding the frames of a copy leaves the error it was copied from as it was', () => {
  const e = new NixError('eval', 'boom');
  for (let i = 0; i < 50; i++) e.addFrame({ ...A });
  const before = render(e);
  const copy = e.copy();
  for (let i = 0; i < 50; i++) copy.addFrame({ ...A });
  expect(render(e)).toBe(before);
  expect(render(copy)).not.toBe(before);
});
