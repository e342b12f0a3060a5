// Reading store paths an evaluation made (src/io/store-view-io.ts): nothing is written, yet
// `import "${./.}/file.nix"` and every other read of such a path sees what the store object
// holds, as it would after C++ Nix copied it; and no more than the evaluation could read.

import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { FsIO } from '../../src/io/fs-io.js';
import { MemoryIO } from '../../src/io/memory-io.js';
import { printValue } from '../../src/value/print.js';

function run(expr: string, options: Partial<EvaluateOptions> = {}): string {
  const r = evaluate({ expr, strict: true, ...options });
  if (!r.ok) return `error: ${r.error.message}`;
  return printValue(r.value);
}

const files = new MemoryIO({
  '/src/a.nix': '{ x = 1; y = import ./b.nix; }',
  '/src/b.nix': '2',
  '/src/sub/c.txt': 'c',
  '/src/link': { symlink: 'sub/c.txt' },
  '/src/up': { symlink: '../outside.txt' },
  '/outside.txt': 'outside',
});
const mem = (expr: string): string => run(expr, { io: files, baseDir: '/' });

describe('a copied source', () => {
  test('is imported and read through its store path', () => {
    expect(mem('import "${/src}/a.nix"')).toBe('{ x = 1; y = 2; }');
    expect(mem('builtins.readFile "${/src}/sub/c.txt"')).toBe('"c"');
    expect(mem('builtins.readDir "${/src}"')).toBe('{ "a.nix" = "regular"; "b.nix" = "regular"; link = "symlink"; sub = "directory"; up = "symlink"; }');
    expect(mem('builtins.readFileType "${/src}/sub"')).toBe('"directory"');
    expect(mem('builtins.readFile "${/src}/sub"')).toMatch(/^error: file '\/nix\/store\/[a-z0-9]{32}-src\/sub' is not a regular file$/);
    expect(mem('[ (builtins.pathExists "${/src}/b.nix") (builtins.pathExists "${/src}/nope") ]')).toBe('[ true false ]');
    // A single file, copied by itself.
    expect(mem('builtins.readFile "${/src/sub/c.txt}"')).toBe('"c"');
  });

  test('symlinks in it resolve in the store, as in a copy: inside it, or to nothing', () => {
    expect(mem('builtins.readFile "${/src}/link"')).toBe('"c"');
    // ../outside.txt from the copy's root is next to the copy, in the store: not there.
    expect(mem('builtins.pathExists "${/src}/up/."')).toBe('false');
    expect(mem('builtins.readFile "${/src}/up"')).toBe("error: path '/nix/store/outside.txt' does not exist");
  });

  test('a filter keeps out what it did not keep', () => {
    const copy = 'builtins.path { path = /src; filter = p: t: baseNameOf p != "b.nix" && baseNameOf p != "sub"; }';
    expect(mem(`builtins.attrNames (builtins.readDir "\${${copy}}")`)).toBe('[ "a.nix" "link" "up" ]');
    expect(mem(`builtins.pathExists "\${${copy}}/b.nix"`)).toBe('false');
    expect(mem(`builtins.pathExists "\${${copy}}/sub/c.txt"`)).toBe('false');
    // a.nix imports ./b.nix, which the copy does not have.
    expect(mem(`import "\${${copy}}/a.nix"`)).toMatch(/^error: path '\/nix\/store\/[a-z0-9]{32}-src\/b.nix' does not exist$/);
    expect(mem('builtins.attrNames (builtins.readDir (builtins.filterSource (p: t: t != "directory") /src))'))
      .toBe('[ "a.nix" "b.nix" "link" "up" ]');
  });

  test('a copy of a store object the evaluation made reads that object (nix-filter over "${./dir}")', () => {
    // builtins.path over a copied source, over a filtered copy, and over a toFile: each copy
    // holds what its source object holds, however the copies nest.
    expect(mem('builtins.readDir (builtins.path { path = "${/src}"; name = "again"; })'))
      .toBe(mem('builtins.readDir "${/src}"'));
    expect(mem('builtins.readFile "${builtins.path { path = "${/src}"; name = "again"; }}/sub/c.txt"')).toBe('"c"');
    expect(mem('import "${builtins.filterSource (p: t: true) "${/src}"}/a.nix"')).toBe('{ x = 1; y = 2; }');
    const filtered = 'builtins.path { path = /src; name = "f"; filter = p: t: baseNameOf p != "b.nix"; }';
    expect(mem(`builtins.attrNames (builtins.readDir (builtins.path { path = ${filtered}; name = "g"; filter = p: t: baseNameOf p != "up"; }))`))
      .toBe('[ "a.nix" "link" "sub" ]');
    expect(mem('builtins.readFile (builtins.path { path = builtins.toFile "t" "text"; name = "copied"; })')).toBe('"text"');
    expect(mem('builtins.readFile "${builtins.path { path = "${/src}/link"; name = "l"; }}"')).toBe('"c"');
    // The same contents under the same name are the same object: it still reads.
    expect(mem('builtins.readFile (builtins.path { path = builtins.path { path = /src/b.nix; name = "s"; }; name = "s"; })')).toBe('"2"');
  });

  test('the store objects are the evaluation\'s own', () => {
    const path = mem('"${/src}"');
    expect(mem(`builtins.pathExists ${path}`)).toBe('false');
  });
});

describe('files made by the evaluation', () => {
  test('toFile: its text; a derivation: its ATerm', () => {
    expect(mem('import (builtins.toFile "drv" "{ a = 1; }")')).toBe('{ a = 1; }');
    expect(mem('builtins.readFile (builtins.toFile "t" "x\\ny")')).toBe('"x\\ny"');
    // The output path as nix-instantiate 2.8 computes it.
    expect(mem('builtins.readFile (derivation { name = "d"; system = "x"; builder = "/b"; }).drvPath')).toBe(
      '"Derive([(\\"out\\",\\"/nix/store/j44ajl0i3245y09wa8cyppd44kf4j30g-d\\",\\"\\",\\"\\")],[],[],\\"x\\",\\"/b\\",[],[(\\"builder\\",\\"/b\\"),(\\"name\\",\\"d\\"),(\\"out\\",\\"/nix/store/j44ajl0i3245y09wa8cyppd44kf4j30g-d\\"),(\\"system\\",\\"x\\")])"',
    );
    expect(mem('builtins.readFile "${builtins.toFile "t" "x"}/more"')).toMatch(/does not exist$/);
  });
});

describe('on the real filesystem, restricted to roots', () => {
  let dir: string;
  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-store-view-')));
    mkdirSync(join(dir, 'root', 'src'), { recursive: true });
    writeFileSync(join(dir, 'root', 'src', 'f.nix'), '"in root"');
    writeFileSync(join(dir, 'secret'), 'secret');
    symlinkSync(join(dir, 'secret'), join(dir, 'root', 'src', 'abs'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a copy reads only what the evaluation may read: an absolute symlink out of the roots is refused', () => {
    const io = new FsIO({ roots: [join(dir, 'root')] });
    const src = `${dir}/root/src`;
    expect(run(`import "\${${src}}/f.nix"`, { io })).toBe('"in root"');
    expect(run(`builtins.readFileType "\${${src}}/abs"`, { io })).toBe('"symlink"');
    expect(run(`builtins.readFile "\${${src}}/abs"`, { io })).toMatch(/^error: access to (absolute|canonical) path '.*secret' is forbidden in restricted mode$/);
  });
});

// C++ Nix's prim_readFile: the text's context is the references of the store object the file
// is in that occur in the text (queryPathInfo, then PathRefScanSink), not the argument's own
// context (the store path itself is not one of its references). Found by haskell.nix's
// lib/spdx/licenses.nix: `fromJSON (readFile "${materialized}/licenses.json")` refused the
// text for its context.
describe('readFile of a store path', () => {
  const ctx = (expr: string): string => mem(`builtins.getContext (${expr})`);
  test('a copied source has no references: its text has no context', () => {
    expect(ctx('builtins.readFile "${/src}/sub/c.txt"')).toBe('{ }');
    expect(ctx('builtins.readFile "${/src/sub/c.txt}"')).toBe('{ }');
    expect(mem('builtins.fromJSON (builtins.readFile "${/src}/b.nix")')).toBe('2');
  });

  test('a toFile has the references of its contents that are still in the text', () => {
    expect(ctx('builtins.readFile (builtins.toFile "a" "x")')).toBe('{ }');
    const b = 'builtins.toFile "b" "B"';
    expect(ctx(`builtins.readFile (builtins.toFile "a" "x \${${b}}")`)).toMatch(/^\{ "\/nix\/store\/[a-z0-9]{32}-b" = \{ path = true; \}; \}$/);
    // c is a reference of the file (its context) that its text does not name: not kept.
    expect(ctx(`let c = builtins.toFile "c" "C"; in builtins.readFile (builtins.toFile "a" "x \${${b}} \${builtins.substring 0 0 c}")`))
      .toMatch(/^\{ "\/nix\/store\/[a-z0-9]{32}-b" = \{ path = true; \}; \}$/);
  });

  test('a .drv file has its input sources and derivations as plain paths, not the derivation', () => {
    const d = 'derivation { name = "d"; system = "x"; builder = "/bin/sh"; src = builtins.toFile "s" "S"; }';
    expect(ctx(`builtins.readFile (${d}).drvPath`)).toMatch(/^\{ "\/nix\/store\/[a-z0-9]{32}-s" = \{ path = true; \}; \}$/);
  });
});
