// Small differences from current C++ Nix found by audits: a read-only dummy store outside
// --eval, `__json` in a derivation, a NUL byte in an --argstr.

import { runCli } from './run-cli.js';

const DRV = 'derivation { name = "a"; system = "x"; builder = "/b"; }';
const REFUSED = "error: operation 'writeDerivation' is not supported by store 'dummy://'\n";

describe('--store dummy:// without --eval: the store refuses the derivation nix-instantiate writes', () => {
  test('read-only (its default): the error of current Nix\'s DummyStore, after the derivation\'s trace', () => {
    const r = runCli(['--store', 'dummy://', '-E', DRV]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("… while evaluating derivation 'a'");
    expect(r.stderr.endsWith(REFUSED)).toBe(true);
    // NIX_REMOTE is the store's default, as in C++ Nix.
    expect(runCli(['-E', DRV], 'utf8', { env: { NIX_REMOTE: 'dummy://' } }).stderr.endsWith(REFUSED)).toBe(true);
  });

  test('nothing is written with --dry-run, --readonly-mode or --eval, nor to a dummy store with read-only=false', () => {
    const path = runCli(['--dry-run', '-E', DRV]).stdout;
    expect(path).toMatch(/^\/nix\/store\/[a-z0-9]{32}-a\.drv\n$/);
    for (const args of [['--dry-run'], ['--readonly-mode'], []]) {
      const store = args.length === 0 ? 'dummy://?read-only=false' : 'dummy://';
      expect(runCli(['--store', store, ...args, '-E', DRV])).toMatchObject({ code: 0, stdout: path });
    }
    expect(runCli(['--store', 'dummy://', '--eval', '-E', `(${DRV}).drvPath`]).stdout).toBe(`"${path.trim()}"\n`);
    // No derivation, nothing written.
    expect(runCli(['--store', 'dummy://', '-E', '{ }'])).toMatchObject({ code: 0, stdout: '' });
  });
});

describe('__json in a derivation is parsed and written back as current Nix does (nlohmann::json dump)', () => {
  const drvText = (json: string) => runCli(['--eval', '--read-write-mode', '-E',
    `builtins.readFile (derivation { name = "j"; system = "x"; builder = "/b"; __json = ${JSON.stringify(json)}; }).drvPath`]);

  test('compact, keys in order, numbers and strings as dump() prints them', () => {
    const r = drvText('{ "b": 1, "a": [1.0, 1e2, -0.0, "\\u00e9\\n"], "c": { "y": 1, "y": 2 } }');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(String.raw`[(\"__json\",\"{\\\"a\\\":[1.0,100.0,-0.0,\\\"é\\\\n\\\"],\\\"b\\\":1,\\\"c\\\":{\\\"y\\\":2}}\"),`);
    // So the same structure written two ways is one derivation.
    expect(drvText('{"a":[1.0,100.0,-0.0,"é\\n"],"b":1,"c":{"y":2}}').stdout).toBe(r.stdout);
  });

  test('NUL bytes and integers up to 2^64 - 1 are kept, as nlohmann\'s DOM keeps them (fromJSON refuses them)', () => {
    const r = drvText('{"n":"a\\u0000b","\\u0000":18446744073709551615,"m":-9223372036854775809,"o":18446744073709551616,"p":9223372036854775807}');
    expect(r.code).toBe(0);
    // Past the 64-bit integers, a float (as nlohmann's lexer falls back to one).
    expect(r.stdout).toContain(String.raw`(\"__json\",\"{\\\"\\\\u0000\\\":18446744073709551615,\\\"m\\\":-9.223372036854776e+18,\\\"n\\\":\\\"a\\\\u0000b\\\",\\\"o\\\":1.8446744073709552e+19,\\\"p\\\":9223372036854775807}\"),`);
    expect(runCli(['--eval', '-E', 'builtins.fromJSON "18446744073709551615"']).stderr).toContain('outside of Nix integer range');
  });

  test('text that is not JSON is an error', () => {
    const r = drvText('x');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: cannot process __json attribute: [json.exception.parse_error.101] parse error at line 1, column 1: syntax error while parsing value - invalid literal; last read: 'x'");
  });
});

describe('--argstr with a NUL byte', () => {
  test('cannot make a Nix string (C++ Nix\'s command line cannot pass one at all)', () => {
    const r = runCli(['--eval', '--argstr', 'name', 'a\0b', '-E', '{ name }: name']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: input string 'a\u2400b' cannot be represented as Nix string because it contains null bytes\n");
    expect(runCli(['--eval', '--argstr', 'name', 'a\u2400b', '-E', '{ name }: name']).stdout).toBe('"a\u2400b"\n');
  });
});
