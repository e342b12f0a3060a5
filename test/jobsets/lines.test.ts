// What a line holds, through `nixeval eval-jobs`: nix-eval-jobs' test set (input derivations,
// required system features, a name with a dot, a set not walked), --apply, --no-instantiate,
// Hydra's aggregates with --constituents, and the command's usage errors.
//
// drvPaths and outPaths from C++ Nix 2.8.0:
//   NIX_REMOTE=dummy:// nix-instantiate --readonly-mode --eval --strict --json -E '<expr>'
// over the same expressions.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalJobs } from '../../src/cli/eval-jobs.js';
import { Evaluation } from '../../src/eval.js';
import { Source } from '../../src/syntax/source.js';
import { storeState } from '../../src/store/state.js';
import { derivationPath, hashDerivationModulo } from '../../src/store/derivation.js';
import { makeOutputPath } from '../../src/store/store-path.js';
import { type NixAttrs, type NixString, stringOf } from '../../src/value/values.js';
import { type Line, parseLines } from './fixture.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nixeval-jobsets-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], files: Record<string, string> = {}): Promise<{ code: number; lines: Line[]; stderr: string; stdout: string }> {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  let stdout = '';
  let stderr = '';
  const code = await evalJobs(args.map((a) => (a in files ? join(dir, a) : a)), {
    stdout: { write: (c: string) => { stdout += c; } },
    stderr: { write: (c: string) => { stderr += c; } },
  });
  return { code, lines: stdout.startsWith('{') ? parseLines(stdout) : [], stderr, stdout };
}

// nix-eval-jobs' own test set (tests/assets/ci.nix).
const CI = `{ system ? "x86_64-linux" }:
let
  dep-a = derivation { name = "dep-a"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo 'bbbbbb' > $out" ]; };
  dep-b = derivation { name = "dep-b"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo 'aaaaaa' > $out" ]; };
in {
  builtJob = derivation { name = "job1"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo 'job1' > $out" ]; requiredSystemFeatures = [ "big-parallel" ]; };
  dontRecurse = { drvB = derivation { inherit system; name = "drvA"; builder = ":"; }; };
  "dotted.attr" = derivation { name = "dotted"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo 'dotted' > $out" ]; };
  package-with-deps = derivation { name = "package-with-deps"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo '\${dep-a} \${dep-b}' > $out" ]; };
  recurse = { recurseForDerivations = true; drvB = derivation { inherit system; name = "drvB"; builder = ":"; }; };
}
`;

test('nix-eval-jobs\' test set: four jobs, in its order, with input derivations and required system features', async () => {
  const r = await run(['--workers', '1', '--show-input-drvs', 'ci.nix'], { 'ci.nix': CI });
  expect(r.code).toBe(0);
  expect(r.lines.map((l) => l.attr)).toEqual(['builtJob', '"dotted.attr"', 'package-with-deps', 'recurse.drvB']);
  const [built, dotted, deps] = r.lines as (Line & { inputDrvs: Record<string, string[]> })[];
  expect(built).toMatchObject({
    attrPath: ['builtJob'], name: 'job1', system: 'x86_64-linux', requiredSystemFeatures: ['big-parallel'], inputDrvs: {},
    drvPath: '/nix/store/g7hkwgzy9hpd363fvjhxd446qr563rrh-job1.drv',
  });
  expect(dotted.attrPath).toEqual(['dotted.attr']);
  expect(dotted.drvPath).toBe('/nix/store/86jpihr1sqx71wkiiy8nyrbv8kg4fpwb-dotted.drv');
  expect(deps.outputs).toEqual({ out: '/nix/store/bx3kir45kjyni3jgqwlp6nkfln3khafn-package-with-deps' });
  expect(deps.inputDrvs).toEqual({
    '/nix/store/5r22zykk1lrdp19wmlxylhm3a076a0p9-dep-a.drv': ['out'],
    '/nix/store/dq41n792ggvs07d6gs11arj1rddfv28i-dep-b.drv': ['out'],
  });
  // The keys in sorted order, as nix-eval-jobs prints them.
  const keys = Object.keys(JSON.parse(r.stdout.split('\n')[0]));
  expect(keys).toEqual([...keys].sort());
});

test('--apply adds extraValue; --no-instantiate reads system from the attribute and gives no required features', async () => {
  const r = await run(['--workers', '1', '--apply', 'd: { inherit (d) name; n = builtins.stringLength d.name; }', '--no-instantiate', 'ci.nix'], { 'ci.nix': CI });
  expect(r.code).toBe(0);
  const built = r.lines.find((l) => l.attr === 'builtJob') as Line & { extraValue: unknown };
  expect(built.extraValue).toEqual({ name: 'job1', n: 4 });
  expect(built.requiredSystemFeatures).toBeUndefined();
  expect(built.system).toBe('x86_64-linux');
  const bad = await run(['--apply', 'd: 1', 'ci.nix'], { 'ci.nix': CI });
  expect(bad.lines.every((l) => l.error?.message.startsWith('expected a set but found an integer'))).toBe(true);
});

test('--arg, --argstr and --expr reach the root; a root error is the one line, and the status is 1', async () => {
  const r = await run(['--workers', '1', '--argstr', 'system', 'aarch64-linux', 'ci.nix'], { 'ci.nix': CI });
  expect(r.lines.every((l) => l.system === 'aarch64-linux')).toBe(true);
  const e = await run(['--workers', '1', '--expr', '{ n }: { a = derivation { name = "a${toString n}"; system = "x"; builder = "/bin/sh"; }; }', '--arg', 'n', '1 + 1']);
  expect(e.lines.map((l) => l.name)).toEqual(['a2']);
  const broken = await run(['--workers', '1', '--expr', '{ a = ; }']);
  expect(broken.code).toBe(1);
  expect(broken.lines).toEqual([expect.objectContaining({ attr: '', attrPath: [], error: expect.objectContaining({ kind: 'parse' }) })]);
  expect(broken.stderr).toContain('syntax error');
});

test('usage errors: exit 2 and a message', async () => {
  for (const [args, message] of [
    [[], 'no expression specified'],
    [['--flake', '.#x'], '--flake is not supported'],
    [['--workers', 'x', 'f.nix'], "flag '--workers' requires an integer"],
    [['--no-instantiate', '--constituents', 'f.nix'], '--no-instantiate is incompatible'],
    [['--frobnicate'], "unrecognised flag '--frobnicate'"],
  ] as [string[], string][]) {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  }
  const help = await run(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('--max-memory-size');
});

const AGGREGATES = `let
  d = name: extra: derivation ({ inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // extra);
  a = d "a" { };
  b = d "b" { outputs = [ "lib" "out" ]; };
in {
  inherit a b;
  broken = throw "broken";
  direct = d "direct" { _hydraAggregate = true; constituents = [ a b ]; };
  named = d "named" { _hydraAggregate = true; constituents = [ "a" "b" ]; };
  globbed = d "globbed" { _hydraAggregate = true; _hydraGlobConstituents = true; constituents = [ "[ab]" ]; };
  withBroken = d "withBroken" { _hydraAggregate = true; constituents = [ "a" "broken" "missing" ]; };
  nested = d "nested" { _hydraAggregate = true; constituents = [ "named" b ]; };
}`;

// C++ Nix 2.8.0 (see the top of this file).
const A_DRV = '/nix/store/7g5giqf764p3y3zv7a8rqsy9sqqq5kw4-a.drv';
const B_DRV = '/nix/store/1k6isqvsffplr9y5hmyqjxsv802yqd8q-b.drv';

/**
 * An aggregate as Hydra's rewriting makes it, computed here from the aggregate's own derivation
 * (evaluated in this process): each member's first output among its inputs, the out path
 * computed again, and the .drv's path.
 */
function rewritten(name: string, members: { drvPath: string; output: string }[]): { drvPath: string; out: string } {
  const ev = new Evaluation({});
  const set = ev.run(ev.compileSource(Source.fromUtf8(Source.STRING, AGGREGATES, dir))) as NixAttrs;
  const drvPathOf = (n: string): string => stringOf(ev.select(set, `${n}.drvPath`) as NixString);
  for (const n of ['a', 'b', 'named', 'nested']) drvPathOf(n);
  const store = storeState(ev);
  const drv = store.readDerivation(drvPathOf(name));
  for (const m of members) drv.inputDrvs.set(m.drvPath, new Set([m.output]));
  const out = makeOutputPath('out', hashDerivationModulo(drv, true, (p) => store.drvHashes.get(p))!.get('out')!, drv.name, '/nix/store');
  drv.env.set('out', out);
  drv.outputs.set('out', { kind: 'inputAddressed', path: out });
  return { drvPath: derivationPath(drv, '/nix/store'), out };
}

test('--constituents: aggregates by derivation and by name (and glob), broken members, and aggregates of aggregates', async () => {
  const r = await run(['--workers', '2', '--constituents', 'agg.nix'], { 'agg.nix': AGGREGATES });
  expect(r.code).toBe(0);
  const by = new Map(r.lines.map((l) => [l.attr, l as Line & Record<string, unknown>]));
  // Every derivation says what it is made of; a plain one of nothing.
  expect(by.get('a')).toMatchObject({ drvPath: A_DRV, constituents: [], namedConstituents: [], globConstituents: false });
  // By derivation: from the string context, reported at once.
  expect(by.get('direct')).toMatchObject({ constituents: [B_DRV, A_DRV], namedConstituents: [], globConstituents: false });
  // By name: resolved at the end (after every other line), the derivation rewritten.
  const lastFour = r.lines.slice(-4).map((l) => l.attr).sort();
  expect(lastFour).toEqual(['globbed', 'named', 'nested', 'withBroken']);
  const named = by.get('named')!;
  expect(named.namedConstituents).toBeUndefined();
  expect(named.constituents).toEqual([A_DRV, B_DRV]);
  const expectedNamed = rewritten('named', [{ drvPath: A_DRV, output: 'out' }, { drvPath: B_DRV, output: 'lib' }]);
  expect(named.drvPath).toBe(expectedNamed.drvPath);
  expect(named.outputs).toEqual({ out: expectedNamed.out });
  expect(by.get('globbed')).toMatchObject({ constituents: [A_DRV, B_DRV], globConstituents: true });
  // An aggregate of an aggregate gets the member's rewritten derivation.
  const nested = by.get('nested')!;
  expect(nested.constituents).toEqual([B_DRV, expectedNamed.drvPath]);
  expect(nested.drvPath).not.toBe(rewritten('nested', []).drvPath);
  // A broken or missing member fails the aggregate (which is not rewritten).
  expect(by.get('withBroken')!.error).toMatchObject({ kind: 'eval', message: 'broken: broken\nmissing: does not exist\n' });
  expect(by.get('withBroken')!.constituents).toEqual([]);
});

test('--constituents: two aggregates naming each other fail with the cycle, and the others are skipped', async () => {
  const text = `let d = name: extra: derivation ({ inherit name; system = "x"; builder = "/bin/sh"; } // extra); in {
    x = d "x" { _hydraAggregate = true; constituents = [ "y" ]; };
    y = d "y" { _hydraAggregate = true; constituents = [ "x" ]; };
    z = d "z" { _hydraAggregate = true; constituents = [ "w" ]; };
    w = d "w" { };
  }`;
  const r = await run(['--workers', '1', '--constituents', 'cycle.nix'], { 'cycle.nix': text });
  const by = new Map(r.lines.map((l) => [l.attr, l as Line & Record<string, unknown>]));
  expect(by.get('x')!.error!.message).toBe('Dependency cycle: x <-> y');
  expect(by.get('y')!.error!.message).toBe('Dependency cycle: x <-> y');
  expect(by.get('z')!.error!.message).toBe('Skipping aggregate because of a dependency cycle');
  expect(by.get('x')!.namedConstituents).toEqual(['y']);
  expect(by.get('w')!.error).toBeUndefined();
});
