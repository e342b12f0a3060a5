// `nixeval instantiate` without --eval: the derivations an expression holds, one drvPath a
// line, as nix-instantiate prints them (and nothing written anywhere).
//
// Expected drvPaths and outputs come from C++ Nix 2.8.0, run as
//   cd /tmp/ct && NIX_REMOTE=dummy:// nix-instantiate --readonly-mode -E '<expr>'
// with the same expressions (A, B, C, M below); where 2.8 prints errors without the
// trace lines current Nix adds, the expectations follow current Nix's source.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

const cli = (args: string[]) => runCli(args);

function drv(name: string, extra = ''): string {
  return `derivation { name = "${name}"; system = "x86_64-linux"; builder = "/bin/sh"; ${extra} }`;
}

const A = drv('a');
const B = drv('b');
const C = drv('c');
const M = drv('m', 'outputs = [ "bin" "out" ];');

// From nix-instantiate 2.8.0 (see the top of this file).
const A_DRV = '/nix/store/7g5giqf764p3y3zv7a8rqsy9sqqq5kw4-a.drv';
const B_DRV = '/nix/store/dsvph895is8lh67mkss2l0hk90ps1lgb-b.drv';
const C_DRV = '/nix/store/da6fcnz4xrhzr6ns54r6kfa1l4iif357-c.drv';
const M_DRV = '/nix/store/mq59hspwkjyf599k9ijn72h9sjjr6jaj-m.drv';
const Q_DRV = '/nix/store/m2il4kals806936lz474nggiwzqr56dk-q.drv';

const GC_WARNING = "warning: you did not specify '--add-root'; the result might be removed by the garbage collector\n";

/** stdout lines of a run that must succeed. */
function lines(args: string[]): string[] {
  const r = cli(args);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout === '' ? [] : r.stdout.slice(0, -1).split('\n');
}

describe('nix-instantiate without --eval', () => {
  test('a derivation: its drvPath, and the warning about --add-root once', () => {
    expect(cli(['-E', A])).toEqual({ code: 0, stdout: `${A_DRV}\n`, stderr: GC_WARNING });
    expect(cli(['-E', `[ (${A}) (${B}) ]`])).toEqual({ code: 0, stdout: `${A_DRV}\n${B_DRV}\n`, stderr: GC_WARNING });
  });

  test('a set: its derivations in the sorted order of their names', () => {
    expect(lines(['-E', `{ x = ${A}; y = ${B}; }`])).toEqual([A_DRV, B_DRV]);
    expect(lines(['-E', `{ z = ${A}; a = ${B}; }`])).toEqual([B_DRV, A_DRV]);
  });

  test('a nested set is entered only with recurseForDerivations = true', () => {
    const expr = `{ x = ${A}; n = { y = ${B}; }; r = { recurseForDerivations = true; y = ${C}; }; f = { recurseForDerivations = false; y = ${B}; }; }`;
    // n, r and x in that order; n and f are not entered.
    expect(lines(['-E', expr])).toEqual([C_DRV, A_DRV]);
  });

  test('names that are not identifier-like are skipped, unevaluated', () => {
    expect(cli(['-E', `{ "a b" = throw "no"; "1x" = throw "no"; ok = ${A}; }`])).toEqual({ code: 0, stdout: `${A_DRV}\n`, stderr: GC_WARNING });
  });

  test('a list: its elements, a list or set in it walked as a whole value', () => {
    expect(lines(['-E', `[ (${A}) [ (${B}) ] { x = ${C}; } ]`])).toEqual([A_DRV, B_DRV, C_DRV]);
  });

  test('the very same derivation is listed once, an equal one again', () => {
    expect(lines(['-E', `let a = ${A}; in [ a a ]`])).toEqual([A_DRV]);
    expect(lines(['-E', `let a = ${A}; in { x = a; y = a; }`])).toEqual([A_DRV]);
    expect(lines(['-E', `[ (${A}) (${A}) ]`])).toEqual([A_DRV, A_DRV]);
    // `d` is its first output's set, so `d.bin` is the same; `d.out` is another.
    expect(lines(['-E', `let d = ${M}; in { x = d; y = d.bin; z = d.out; }`])).toEqual([`${M_DRV}!bin`, M_DRV]);
  });

  test('an output other than out is appended as !OUTPUT', () => {
    expect(lines(['-E', M])).toEqual([`${M_DRV}!bin`]);
    expect(lines(['-A', 'x.bin', '-E', `{ x = ${M}; }`])).toEqual([`${M_DRV}!bin`]);
    expect(lines(['-A', 'x.out', '-E', `{ x = ${M}; }`])).toEqual([M_DRV]);
  });

  test('-A: each path in turn, list indices, errors of the selection path', () => {
    expect(lines(['-A', 'x', '-A', 'x', '-E', `{ x = ${A}; }`])).toEqual([A_DRV, A_DRV]);
    expect(lines(['-A', 'x.0', '-E', `{ x = [ (${A}) ]; }`])).toEqual([A_DRV]);
    expect(cli(['-A', 'x.1', '-E', `{ x = [ (${A}) ]; }`])).toEqual({
      code: 1, stdout: '', stderr: "error: list index 1 in selection path 'x.1' is out of range\n",
    });
    expect(cli(['-A', 'y', '-E', '{ x = 1; }'])).toEqual({
      code: 1, stdout: '', stderr: "error: attribute 'y' in selection path 'y' not found\n       Did you mean x?\n",
    });
  });

  test('functions with formals are called with the automatic arguments', () => {
    expect(lines(['-E', `{ a ? 1 }: ${A}`])).toEqual([A_DRV]);
    expect(lines(['--arg', 'n', '"q"', '-E', `{ n }: ${drv('q')}`])).toEqual([Q_DRV]);
    expect(lines(['--argstr', 'n', 'q', '-E', '{ n }: derivation { name = n; system = "x86_64-linux"; builder = "/bin/sh"; }'])).toEqual([Q_DRV]);
    // In a list they are walked (so called); in a set they are not derivations and are skipped.
    expect(lines(['-E', `[ ({ a ? 1 }: ${A}) { __functor = self: { a ? 1 }: ${B}; } ]`])).toEqual([A_DRV, B_DRV]);
    expect(lines(['-E', `{ f = { a ? 1 }: ${A}; }`])).toEqual([]);
    // Called once: what the call returns is not called again.
    expect(cli(['-E', `{ a ? 1 }: { b ? 2 }: ${A}`]).code).toBe(1);
  });

  test('a value that is no derivation, set or list is an error; a set without any is not', () => {
    const notDerivation = 'error: expression does not evaluate to a derivation (or a set or list of those)\n';
    expect(cli(['-E', '1'])).toEqual({ code: 1, stdout: '', stderr: notDerivation });
    expect(cli(['-E', 'x: x'])).toEqual({ code: 1, stdout: '', stderr: notDerivation });
    expect(cli(['-E', '[ 1 ]'])).toEqual({ code: 1, stdout: '', stderr: notDerivation });
    expect(cli(['-E', '{ a = 1; }'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('a drvPath that is not a derivation in the store is an error (the corpus check)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixeval-instantiate-'));
    try {
      // The corpus's non-eval-fail-bad-drvPath.nix.
      const file = join(dir, 'bad-drvPath.nix');
      writeFileSync(file, [
        'let',
        '  package = {',
        '    type = "derivation";',
        '    name = "cachix-1.7.3";',
        '    system = builtins.currentSystem;',
        '    outputs = [ "out" ];',
        '    # Illegal, because does not end in `.drv`',
        '    drvPath = "${builtins.storeDir}/2chwzswhhmpxbgc981i2vcz7xj4d1in9-cachix-1.7.3-bin";',
        '    outputName = "out";',
        '    outPath = "${builtins.storeDir}/2chwzswhhmpxbgc981i2vcz7xj4d1in9-cachix-1.7.3-bin";',
        '    out = package;',
        '  };',
        'in',
        'package',
        '',
      ].join('\n'));
      const r = cli(['--show-trace', file]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe([
        'error:',
        "       … while evaluating the 'drvPath' attribute of a derivation",
        `         at ${file}:8:5:`,
        '            7|     # Illegal, because does not end in `.drv`',
        '            8|     drvPath = "${builtins.storeDir}/2chwzswhhmpxbgc981i2vcz7xj4d1in9-cachix-1.7.3-bin";',
        '             |     ^',
        '            9|     outputName = "out";',
        '',
        "       error: store path '2chwzswhhmpxbgc981i2vcz7xj4d1in9-cachix-1.7.3-bin' is not a valid derivation path",
        '',
      ].join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('what a derivation lacks, and drvPaths outside the store', () => {
    const store = '/nix/store/2chwzswhhmpxbgc981i2vcz7xj4d1in9-x.drv';
    expect(cli(['-E', '{ type = "derivation"; }']).stderr).toBe('error: derivation name missing\n');
    expect(cli(['-E', '{ type = "derivation"; name = "x"; }']).stderr).toBe("error: derivation does not contain a 'drvPath' attribute\n");
    expect(cli(['-E', `{ type = "derivation"; name = "x"; drvPath = "${store}"; }`]).stderr)
      .toBe(`error: derivation '${store}' lacks an 'outputName' attribute\n`);
    expect(lines(['-E', `{ type = "derivation"; name = "x"; outputName = "dev"; drvPath = "${store}"; }`])).toEqual([`${store}!dev`]);
    // A path value, and a string normalised into the store, are store paths too.
    expect(lines(['-E', `{ type = "derivation"; name = "x"; outputName = "out"; drvPath = ${store}; }`])).toEqual([store]);
    expect(lines(['-E', '{ type = "derivation"; name = "x"; outputName = "out"; drvPath = "/nix//store/./2chwzswhhmpxbgc981i2vcz7xj4d1in9-x.drv"; }'])).toEqual([store]);
    for (const bad of ['/tmp/x.drv', `${store}/foo`, `${store}/..`]) {
      const r = cli(['-E', `{ type = "derivation"; name = "x"; outputName = "out"; drvPath = "${bad}"; }`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("… while evaluating the 'drvPath' attribute of a derivation\n");
      expect(r.stderr).toContain(`error: path '${bad}' is not in the Nix store\n`);
    }
    expect(cli(['-E', '{ type = "derivation"; name = "x"; drvPath = 1; }']).stderr)
      .toContain("… while evaluating the 'drvPath' attribute of a derivation\n");
  });

  test('lines before a failing derivation are printed', () => {
    const r = cli(['-E', `{ a = ${A}; b = { type = "derivation"; name = "x"; outputName = "out"; }; }`]);
    expect(r).toEqual({ code: 1, stdout: `${A_DRV}\n`, stderr: `${GC_WARNING}error: derivation does not contain a 'drvPath' attribute\n` });
  });

  test('errors while walking name each attribute they happened in', () => {
    const r = cli(['--show-trace', '-E', '{ a = { recurseForDerivations = true; b = throw "boom"; }; }']);
    expect(r.code).toBe(1);
    const frames = r.stderr.split('\n').filter((l) => l.includes('…'));
    expect(frames).toEqual([
      "       … while evaluating the attribute 'a'",
      "       … while evaluating the attribute 'b'",
      "       … while calling the 'throw' builtin",
    ]);
    expect(r.stderr.endsWith('error: boom\n')).toBe(true);

    const flag = cli(['-E', '{ a = { recurseForDerivations = 1; }; }']);
    expect(flag.stderr).toContain('… while evaluating the attribute `recurseForDerivations`\n         at «string»:1:9:');
    expect(flag.stderr).toContain('error: expected a Boolean but found an integer: 1\n');

    expect(cli(['-E', '{ a = { type = "derivation"; name = 1; }; }']).stderr).toBe([
      'error:',
      "       … while evaluating the attribute 'a'",
      '         at «string»:1:3:',
      '            1| { a = { type = "derivation"; name = 1; }; }',
      '             |   ^',
      '',
      "       … while evaluating the 'name' attribute of a derivation",
      '',
      '       error: expected a string but found an integer: 1',
      '',
    ].join('\n'));
  });

  test('--add-root and --no-gc-warning silence the warning; nothing is written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixeval-instantiate-'));
    try {
      expect(cli(['--add-root', join(dir, 'root'), '--indirect', '-E', A])).toEqual({ code: 0, stdout: `${A_DRV}\n`, stderr: '' });
      expect(readdirSync(dir)).toEqual([]);
      expect(cli(['--no-gc-warning', '-E', A])).toEqual({ code: 0, stdout: `${A_DRV}\n`, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('nesting counts against max-call-depth (10000), without JS recursion', () => {
    const lists = (n: number): string => `let f = n: if n == 0 then ${A} else [ (f (n - 1)) ]; in f ${n}`;
    const sets = (n: number): string => `let f = n: if n == 0 then ${A} else { recurseForDerivations = true; x = f (n - 1); }; in f ${n}`;
    // Walking f N enters N - 1 values inside the outermost one.
    expect(lines(['-E', lists(10001)])).toEqual([A_DRV]);
    expect(lines(['-E', sets(10001)])).toEqual([A_DRV]);
    expect(cli(['-E', lists(10002)])).toEqual({ code: 1, stdout: '', stderr: 'error: stack overflow; max-call-depth exceeded\n' });
    const r = cli(['-E', sets(10002)]);
    expect(r.code).toBe(1);
    expect(r.stderr.endsWith('error: stack overflow; max-call-depth exceeded\n')).toBe(true);
    // --max-call-depth sets the limit of the walk too. (Of lists made beforehand, so that only
    // the nesting counts: the calls forcing an element makes count from its level, as in C++
    // Nix, test/value/depth.test.ts.)
    const made = (n: number): string => `let d = ${A}; in builtins.deepSeq d (builtins.foldl' (acc: _: [ acc ]) d (builtins.genList (i: i) ${n}))`;
    expect(lines(['--max-call-depth', '50', '-E', made(51)])).toEqual([A_DRV]);
    expect(cli(['--max-call-depth', '50', '-E', made(52)]).stderr).toBe('error: stack overflow; max-call-depth exceeded\n');
  });
});

describe('nix-instantiate --eval and automatic arguments', () => {
  // As C++ Nix (checked with 2.8): functions on the way along -A are auto-called; the result
  // itself only when there are automatic arguments.
  test('a function is printed as one unless --arg or --argstr is given', () => {
    expect(cli(['--eval', '-E', '{ a ? 5 }: a'])).toEqual({ code: 0, stdout: '<LAMBDA>\n', stderr: '' });
    expect(cli(['--eval', '-E', '{ a ? 5 }: a', '--arg', 'a', '2']).stdout).toBe('2\n');
    expect(cli(['--eval', '-E', '{ x = { a }: a; }', '-A', 'x']).stdout).toBe('<LAMBDA>\n');
    expect(cli(['--eval', '-E', '{ a ? 1 }: { x = a; }', '-A', 'x']).stdout).toBe('1\n');
  });
  test('each -A path prints its own result', () => {
    expect(cli(['--eval', '-E', '{ x = 1; y = [ 2 ]; }', '-A', 'x', '-A', 'y'])).toEqual({ code: 0, stdout: '1\n[ 2 ]\n', stderr: '' });
    expect(cli(['--eval', '--json', '-E', '{ x = 1; y = [ 2 ]; }', '-A', 'x', '-A', 'y']).stdout).toBe('1\n[2]\n');
  });
  test('a formal without a value: the error at the formal', () => {
    const r = cli(['--eval', '-E', '{ a, b ? 1 }: a + b', '--argstr', 'b', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').slice(0, 9)).toEqual([
      "error: cannot evaluate a function that has an argument without a value ('a')",
      '       Nix attempted to evaluate a function as a top level expression; in',
      '       this case it must have its arguments supplied either by default',
      "       values, or passed explicitly with '--arg' or '--argstr'. See",
      '       https://nix.dev/manual/nix/stable/language/syntax.html#functions.',
      '       at «string»:1:3:',
      '            1| { a, b ? 1 }: a + b',
      '             |   ^',
      '',
    ]);
    // With `...` all arguments are passed, and a missing one is the call's own error.
    expect(cli(['--eval', '-E', '{ a, ... }: a', '--arg', 'b', '1']).stderr).toMatch(/called without required argument 'a'/);
  });
});

// C++ Nix's printValueAsJSON counts each level against max-call-depth from the top: a cyclic
// value ends with its stack overflow error, not with output growing until a time limit.
describe('nix-instantiate --eval of a cyclic value', () => {
  const CYCLE = 'let x = { inherit x; }; in x';

  test('plain output shows the repetition', () => {
    expect(cli(['--eval', '-E', CYCLE])).toMatchObject({ code: 0, stdout: '{ x = «repeated»; }\n' });
  });

  test.each([[['--json']], [['--json', '--strict']]])('%j fails at max-call-depth, at the attribute', (flags) => {
    const r = cli(['--eval', ...flags, '-E', CYCLE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("… while evaluating attribute 'x'");
    expect(r.stderr).toMatch(/error: stack overflow; max-call-depth exceeded\n\s+at «string»:1:19:/);
  });

  test('without max-call-depth only a cycle stops --json: deep data, and a set met twice side by side, print', () => {
    const nest = (n: number): string => `builtins.foldl' (acc: _: { a = acc; }) 1 (builtins.genList (i: i) ${n})`;
    const deep = cli(['--eval', '--json', '-E', nest(25)]);
    expect(deep).toMatchObject({ code: 0, stdout: '{"a":'.repeat(25) + '1' + '}'.repeat(25) + '\n' });
    // With one set, as C++ Nix: the 21st level is checked with 20 calls in progress; a level more fails.
    expect(cli(['--eval', '--json', '--option', 'max-call-depth', '20', '-E', nest(20)]).code).toBe(0);
    const capped = cli(['--eval', '--json', '--option', 'max-call-depth', '20', '-E', nest(21)]);
    expect(capped.code).toBe(1);
    expect(capped.stderr).toContain('error: stack overflow; max-call-depth exceeded');
    const shared = cli(['--eval', '--strict', '--json', '-E', 'let s = { b = [ 1 ]; }; in { x = s; y = [ s s ]; }']);
    expect(shared).toMatchObject({ code: 0, stdout: '{"x":{"b":[1]},"y":[{"b":[1]},{"b":[1]}]}\n' });
  });

  test("--xml gives positions a path only in a file: none for -E, derivation-internal.nix's without «nix-internal»", () => {
    // C++ Nix's posToXML: `path` only for a SourcePath origin, its path without the display prefix.
    const r = cli(['--eval', '--strict', '--xml', '-E', `{ d = ${A}; }`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('<attr column="3" line="1" name="d">');
    expect(r.stdout).toMatch(/<attr column="\d+" line="\d+" name="all" path="\/derivation-internal.nix">/);
    expect(r.stdout).not.toContain('«');
  });

  test('--xml ends with the same error instead of recursing without end', () => {
    // (At the default depth of 10000 the document so far is hundreds of megabytes, as C++ Nix's.)
    const r = cli(['--eval', '--xml', '--max-call-depth', '100', '-E', CYCLE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('stack overflow; max-call-depth exceeded');
  });

  // printValueAsXML counts a level per value it prints, not per element: a set's value is one
  // level below the set, though its <attr> element stands between them.
  test('--xml counts values, not elements, against max-call-depth, and reports the attribute', () => {
    const nest = (n: number): string => `builtins.foldl' (acc: _: { a = acc; }) 1 (builtins.genList (i: i) ${n})`;
    const ok = cli(['--eval', '--strict', '--xml', '--max-call-depth', '20', '-E', nest(20)]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('<attrs>').length - 1).toBe(20);
    const over = cli(['--eval', '--strict', '--xml', '--max-call-depth', '20', '-E', nest(21)]);
    expect(over.code).toBe(1);
    expect(over.stdout.split('<attrs>').length - 1).toBe(21);
    expect(over.stderr).toMatch(/^error: stack overflow; max-call-depth exceeded\n\s+at «string»:1:28:/);
    const cycle = cli(['--eval', '--strict', '--xml', '--max-call-depth', '20', '-E', CYCLE]);
    expect(cycle.stdout.split('<attrs>').length - 1).toBe(21);
    expect(cli(['--eval', '--strict', '--xml', '--max-call-depth', '20', '-E', 'let l = [ l ]; in l']).stdout.split('<list>').length - 1).toBe(21);
  });
});

// nix-instantiate.cc: only the plain output deep-forces for --strict; --json and --xml force as
// they print (when --strict), --raw coerces the value as it is. Without --strict, --json meets
// the values not forced yet and fails on the first ("cannot convert a thunk to JSON", current
// C++ Nix; 2.8 printed the text up to it first).
describe('--strict with --json, --xml and --raw', () => {
  test('--json without --strict fails at the first value not evaluated, at its attribute', () => {
    const r = cli(['--eval', '--json', '-E', '{ a = 1; b = [ 2 ]; }']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toContain("… while evaluating attribute 'b'\n         at «string»:1:10:");
    expect(r.stderr).toContain('error: cannot convert a thunk to JSON\n       at «string»:1:10:');
    expect(cli(['--eval', '--json', '-E', '[ 1 (1 + 1) ]']).stderr).toContain('… while evaluating list element at index 1\n\n       error: cannot convert a thunk to JSON');
    // What evaluation forced already prints.
    expect(cli(['--eval', '--json', '-E', 'let x = [ 1 ]; in builtins.seq x { inherit x; }']).stdout).toBe('{"x":[1]}\n');
  });

  // A value map, mapAttrs, genList or zipAttrsWith made and nothing forced yet is C++ Nix's
  // tApp: showType names it "a function application", and its position is its function's
  // (Value::determinePos): the lambda's once the function is evaluated (map and genList force
  // it; mapAttrs does not, so a lambda literal there is still a thunk and gives none).
  test('--json without --strict names a lazy application as C++ Nix does, at its function', () => {
    const app = (e: string) => cli(['--eval', '--json', '-E', e]).stderr;
    expect(app('builtins.map (x: x) [ 1 ]')).toContain('error: cannot convert a function application to JSON\n       at «string»:1:15:');
    expect(app('builtins.genList (i: i) 2')).toContain('error: cannot convert a function application to JSON\n       at «string»:1:19:');
    expect(app('builtins.zipAttrsWith (n: vs: vs) [ { a = 1; } ]')).toContain('error: cannot convert a function application to JSON\n       at «string»:1:24:');
    expect(app('let f = n: v: v; in builtins.seq f (builtins.mapAttrs f { a = 1; })')).toContain('error: cannot convert a function application to JSON\n       at «string»:1:9:');
    const unforced = app('builtins.mapAttrs (n: v: v) { a = 1; }');
    expect(unforced).toContain('error: cannot convert a function application to JSON');
    expect(unforced).not.toContain('JSON\n       at ');
    // A partial application of a builtin has no position: the list's (none at the top).
    expect(app('builtins.map builtins.typeOf [ 1 ]')).toMatch(/error: cannot convert a function application to JSON\n*$/);
    // Other values not evaluated yet are thunks, at their attribute.
    expect(app('{ t = builtins.currentTime; }')).toContain('error: cannot convert a thunk to JSON\n       at «string»:1:3:');
    expect(app('{ a = builtins.map (x: x) [ 1 ]; }')).toContain('error: cannot convert a thunk to JSON\n       at «string»:1:3:');
  });

  test('--strict --json forces each value as it prints it, so the first failure in print order wins', () => {
    const r = cli(['--eval', '--strict', '--json', '-E', '{ a = [ (x: x) ]; b = throw "y"; }']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: cannot convert a function to JSON');
    expect(cli(['--eval', '--strict', '--json', '-E', '{ a = throw "x"; }']).stderr).toContain("… while evaluating attribute 'a'");
  });

  // C++ Nix's XMLWriter writes each element as it goes and closes the open ones while the
  // error unwinds: the document up to the failure, well formed, comes out before the error.
  test('--xml that fails part way prints the document so far, its open elements closed', () => {
    const r = cli(['--eval', '--xml', '--strict', '--no-location', '-E', '{ a = 1; b = [ 2 { c = throw "no"; d = 4; } ]; e = 5; }']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe([
      "<?xml version='1.0' encoding='utf-8'?>", '<expr>', '  <attrs>',
      '    <attr name="a">', '      <int value="1" />', '    </attr>',
      '    <attr name="b">', '      <list>', '        <int value="2" />', '        <attrs>',
      '          <attr name="c">', '          </attr>', '        </attrs>', '      </list>', '    </attr>',
      '  </attrs>', '</expr>', ''].join('\n'));
    expect(r.stderr).toContain('error: no');
    // A derivation's drvPath is forced before its element opens: the failure leaves none open.
    const d = cli(['--eval', '--xml', '--strict', '--no-location', '-E', '[ 1 { type = "derivation"; drvPath = throw "p"; } ]']);
    expect(d.stdout).toBe("<?xml version='1.0' encoding='utf-8'?>\n<expr>\n  <list>\n    <int value=\"1\" />\n  </list>\n</expr>\n");
    // The root is forced before the document starts.
    expect(cli(['--eval', '--xml', '-E', 'throw "r"'])).toMatchObject({ code: 1, stdout: '' });
  });

  test('--strict --raw does not force what the string does not need', () => {
    expect(cli(['--eval', '--strict', '--raw', '-E', '{ outPath = "a"; b = throw "x"; }'])).toMatchObject({ code: 0, stdout: 'a' });
  });
});

describe('runaway recursion stops at max-call-depth, with the compiled tier on', () => {
  const OVERFLOW = 'error: stack overflow; max-call-depth exceeded';
  const at = (expr: string, column: number): string => `       at «string»:1:${column}:\n            1| ${expr}\n             |${' '.repeat(column)}^\n`;

  test('a tail loop and a mutual tail recursion: the error at the call past the limit, no trace (as nix-instantiate without --show-trace)', () => {
    for (const expr of ['let f = x: f x; in f 1', 'let f = x: g x; g = x: f x; in f 1']) {
      expect(cli(['--eval', '--max-call-depth', '1000', '-E', expr])).toEqual({ code: 1, stdout: '', stderr: `${OVERFLOW}\n${at(expr, 12)}` });
    }
  });

  test('a non-tail recursion and a functor: the error, after the frames of the calls in progress', () => {
    const plus = 'let f = x: 1 + f x; in f 1';
    const r = cli(['--eval', '--option', 'max-call-depth', '1000', '-E', plus]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(1000 duplicate frames omitted)');
    expect(r.stderr.endsWith(`${OVERFLOW}\n${at(plus, 16)}`)).toBe(true);
    const functor = '({ __functor = s: s; }) 1';
    const f = cli(['--eval', '--max-call-depth', '1000', '-E', functor]);
    expect(f.code).toBe(1);
    expect(f.stderr.endsWith(`${OVERFLOW}\n${at(functor, 4)}`)).toBe(true);
  });

  test('--option max-call-depth 100: a recursion 99 deep evaluates, 100 deep fails at its `n - 1`', () => {
    const recursion = (n: number): string => `let f = n: if n == 0 then 0 else 1 + f (n - 1); in f ${n}`;
    expect(cli(['--eval', '--option', 'max-call-depth', '100', '-E', recursion(99)])).toEqual({ code: 0, stdout: '99\n', stderr: '' });
    const r = cli(['--eval', '--option', 'max-call-depth', '100', '-E', recursion(100)]);
    expect(r.code).toBe(1);
    expect(r.stderr.endsWith(`${OVERFLOW}\n${at(recursion(100), 43)}`)).toBe(true);
  });
});
