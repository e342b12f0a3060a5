// Path-to-store coercion, builtins.path and filterSource read files through the evaluation's
// EvalIO: the same store paths from an in-memory filesystem as from disk, refusals from a
// sandbox, and nothing ever written. Also what the store records of derivations (inputs of a
// derivation that depends on another's whole closure), which C++ Nix with a dummy store
// cannot produce for the fixtures.

import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, Evaluation } from '../../src/eval.js';
import { FsIO } from '../../src/io/fs-io.js';
import { MemoryIO } from '../../src/io/memory-io.js';
import { NoIO } from '../../src/io/no-io.js';
import { Source } from '../../src/syntax/source.js';
import { printValue } from '../../src/value/print.js';
import { NixString, Thunk, type Value } from '../../src/value/values.js';
import { storeState } from '../../src/store/state.js';

function value(expr: string, options: Parameters<typeof evaluate>[0] = {}): string {
  const r = evaluate({ expr, strict: true, ...options });
  if (!r.ok) throw new Error(r.rendered);
  return printValue(r.value);
}

function failure(expr: string, options: Parameters<typeof evaluate>[0] = {}): string {
  const r = evaluate({ expr, strict: true, ...options });
  if (r.ok) throw new Error(`expected an error, got ${printValue(r.value)}`);
  return r.error.message;
}

// Expected values from C++ Nix (the fixtures path-file, path-executable and path-dir).
const FILE = '"/nix/store/2w4r65pr0bhl77g7mn48gmz67lgcbgcl-file.txt"';
const TOOL = '"/nix/store/as01cz6a1b9n5kk4fkvb9jj8l97vwybr-tool"';

describe('through an in-memory filesystem', () => {
  const io = new MemoryIO({ '/w/file.txt': 'some text\n', '/w/tool': { executable: '#!/bin/sh\n' } });

  test('files get the same store paths as on disk', () => {
    expect(value('"${./file.txt}"', { io, baseDir: '/w' })).toBe(FILE);
    expect(value('"${./tool}"', { io, baseDir: '/w' })).toBe(TOOL);
    expect(value('builtins.toJSON [ ./file.txt ]', { io, baseDir: '/w' })).toBe(`"[\\"${FILE.slice(1, -1)}\\"]"`);
  });

  test('a missing file is reported as C++ Nix reports it', () => {
    expect(failure('"${./nope}"', { io, baseDir: '/w' })).toBe("path '/w/nope' does not exist");
  });
});

test('without IO, coercing a path to the store is refused', () => {
  expect(failure('"${./file.txt}"', { io: new NoIO(), baseDir: '/w' })).toMatch(/is not allowed: this evaluation has no access to files/);
});

describe('on disk', () => {
  let base: string;
  beforeAll(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-store-io-')));
    mkdirSync(join(base, 'root'));
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'root', 'file.txt'), 'some text\n');
    writeFileSync(join(base, 'outside', 'secret'), 'secret\n');
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  test('a sandbox refuses paths outside its roots', () => {
    const io = new FsIO({ roots: [join(base, 'root')] });
    expect(value('"${./file.txt}"', { io, baseDir: join(base, 'root') })).toBe(FILE);
    expect(failure('"${../outside/secret}"', { io, baseDir: join(base, 'root') })).toMatch(/is forbidden in restricted mode/);
    expect(failure('builtins.path { path = ../outside; }', { io, baseDir: join(base, 'root') })).toMatch(/is forbidden in restricted mode/);
    expect(failure('builtins.filterSource (p: t: true) ../outside', { io, baseDir: join(base, 'root') })).toMatch(/is forbidden in restricted mode/);
  });

  test('nothing is written', () => {
    const before = JSON.stringify([readdirSync(join(base, 'root')), readdirSync(join(base, 'outside'))]);
    value('[ "${./file.txt}" (builtins.toFile "x" "y") (derivation { name = "d"; builder = "/bin/sh"; system = "x"; src = ./.; }).drvPath ]', { baseDir: join(base, 'root') });
    expect(JSON.stringify([readdirSync(join(base, 'root')), readdirSync(join(base, 'outside'))])).toBe(before);
  });

  test('a path is hashed once per evaluation', () => {
    let reads = 0;
    const io = new FsIO({ audit: (op) => { if (op === 'open') reads++; } });
    value('[ "${./file.txt}" "${./file.txt}" (builtins.toJSON ./file.txt) ]', { io, baseDir: join(base, 'root') });
    expect(reads).toBe(1);
  });
});

describe('what derivationStrict records', () => {
  function run(expr: string): { ev: Evaluation; v: ReturnType<Evaluation['run']> } {
    const ev = new Evaluation({ strict: true, io: new MemoryIO({}) });
    const v = ev.run(ev.compileSource(Source.fromUtf8(Source.STRING, expr, '/')));
    return { ev, v };
  }

  test('a dependency on a derivation path takes its whole closure, with all outputs', () => {
    const { ev, v } = run(`let
      src = builtins.toFile "src" "s";
      a = derivation { name = "a"; builder = "/bin/sh"; system = "x"; outputs = [ "out" "dev" ]; inherit src; };
      b = derivation { name = "b"; builder = "/bin/sh"; system = "x"; a = a.dev; };
      c = derivation { name = "c"; builder = "/bin/sh"; system = "x"; graph = b.drvPath; };
    in [ a.drvPath b.drvPath c.drvPath src ]`);
    const str = (x: Value): string => {
      const y = x instanceof Thunk ? x.value! : x;
      return y instanceof NixString ? y.s : String(y);
    };
    const [aDrv, bDrv, cDrv, src] = (v as Value[]).map(str);
    const store = storeState(ev);
    const c = store.readDerivation(cDrv);
    expect([...c.inputSrcs].sort()).toEqual([aDrv, bDrv, src].sort());
    expect(new Map([...c.inputDrvs].map(([k, s]) => [k, [...s].sort()]))).toEqual(new Map([[aDrv, ['dev', 'out']], [bDrv, ['out']]]));
    const b = store.readDerivation(bDrv);
    expect([...b.inputDrvs.keys()]).toEqual([aDrv]);
    expect([...b.inputDrvs.get(aDrv)!]).toEqual(['dev']);
  });

  test('an unknown derivation in a context is not valid', () => {
    const r = evaluate({
      expr: 'derivation { name = "x"; builder = "/bin/sh"; system = "x"; dep = builtins.appendContext "" { "/nix/store/00000000000000000000000000000000-y.drv" = { outputs = [ "out" ]; }; }; }',
      strict: true,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe("path '/nix/store/00000000000000000000000000000000-y.drv' is not valid");
  });
});
