// fetchurl, fetchTarball and fetchTree { type = "file" / "tarball"; } of file:// URLs, read
// through the evaluation's IO; restricted mode's checkURI and allowed-uris; locked fetches in
// pure mode. Expected store paths from C++ Nix 2.8 (`nix-instantiate --eval -E
// 'builtins.fetchurl "file:///…"'`, and fetchTarball of the same tree packed by GNU tar, plain
// and gzipped); messages from current C++ Nix's source (primops/fetchTree.cc, eval.cc checkURI,
// libfetchers/tarball.cc, fetchers.cc checkLocks).
//
// And the sandbox: a file:// URL outside the roots, through a symlink or `..`, and archives whose
// members point outside (absolute names, `../`, a symlink then a member written through it, a
// hard link to a file outside) read and write nothing outside; a gzip bomb stops at the memory
// budget.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { isAllowedURI } from '../../src/fetchers/url.js';
import { FsIO } from '../../src/io/fs-io.js';
import { printValue } from '../../src/value/print.js';

let root: string;
let outside: string;

/** A tar member for `tar()`. */
interface Member { name: string; type?: string; body?: string; link?: string; mode?: number; mtime?: number }

/** A ustar archive of the members, as written by hand (for names no tar program would write). */
function tar(members: Member[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const body = Buffer.from(m.body ?? '', 'latin1');
    const h = Buffer.alloc(512);
    h.write(m.name, 0, 100, 'latin1');
    h.write(`${(m.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
    h.write('0000000\0', 108, 'latin1');
    h.write('0000000\0', 116, 'latin1');
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    h.write(`${(m.mtime ?? 0).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
    h.write('        ', 148, 'latin1');
    h.write(m.type ?? '0', 156, 'latin1');
    h.write(m.link ?? '', 157, 100, 'latin1');
    h.write('ustar\x0000', 257, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** One pax extended header record, `len key=value\n` (len counting itself). */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
  return `${len}${rest}`;
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-fetchurl-')));
  outside = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-fetchurl-outside-')));
  writeFileSync(join(root, 'hello.txt'), 'hello\n');
  writeFileSync(join(outside, 'secret'), 'secret\n');
  symlinkSync(join(outside, 'secret'), join(root, 'link-out'));
  // The tree 2.8 fetched: pkg/{a.txt, sub/b (executable), link -> a.txt}.
  const tb = join(root, 'tb');
  mkdirSync(join(tb, 'pkg', 'sub'), { recursive: true });
  writeFileSync(join(tb, 'pkg', 'a.txt'), 'a\n');
  writeFileSync(join(tb, 'pkg', 'sub', 'b'), 'b\n');
  chmodSync(join(tb, 'pkg', 'sub', 'b'), 0o755);
  symlinkSync('a.txt', join(tb, 'pkg', 'link'));
  execFileSync('tar', ['-C', tb, '-cf', join(root, 't.tar'), 'pkg']);
  writeFileSync(join(root, 't.tar.gz'), gzipSync(execFileSync('tar', ['-C', tb, '-cf', '-', 'pkg'])));
  writeFileSync(join(root, 't.tar.xz'), Buffer.from('\xfd7zXZ\0rest', 'latin1'));
  writeFileSync(join(root, 'not-a-tar'), 'hello\n'.repeat(200));
  writeFileSync(join(root, 'evil.tar'), tar([
    { name: '../up.txt', body: 'up' },
    { name: '/abs/x.txt', body: 'abs' },
    { name: 'dir/../../../dotdot.txt', body: 'dd' },
    { name: 'ln', type: '2', link: outside },
    { name: 'abs-link', type: '2', link: join(outside, 'secret') },
  ]));
  writeFileSync(join(root, 'through-link.tar'), tar([
    { name: 'ln', type: '2', link: outside },
    { name: 'ln/written', body: 'pwned' },
  ]));
  writeFileSync(join(root, 'hardlink.tar'), tar([{ name: 'h', type: '1', link: join(outside, 'secret') }]));
  writeFileSync(join(root, 'hardlink-first.tar'), tar([{ name: 'h', type: '1', link: 't' }, { name: 't', body: 'target' }]));
  writeFileSync(join(root, 'hardlink-dir.tar'), tar([{ name: 'd', type: '5' }, { name: 'h', type: '1', link: 'd' }]));
  writeFileSync(join(root, 'overwrite.tar'), tar([
    { name: 'a', body: 'first' }, { name: 'a', body: 'second' }, { name: 'd/x', body: 'x' }, { name: 'd', type: '5' },
    { name: 'was-file', body: 'f' }, { name: 'was-file', type: '5' },
  ]));
  writeFileSync(join(root, 'conflict.tar'), tar([{ name: 'd/x', body: 'x' }, { name: 'd', body: 'file over a directory' }]));
  writeFileSync(join(root, 'links-bomb.tar'), tar([
    { name: 'big', body: 'x'.repeat(1024 * 1024) }, ...Array.from({ length: 200 }, (_, i) => ({ name: `l${i}`, type: '1', link: 'big' })),
  ]));
  writeFileSync(join(root, 'fifo.tar'), tar([{ name: 'p', type: '6' }]));
  writeFileSync(join(root, 'times.tar'), tar([{ name: 'a', body: 'a', mtime: 1700000000 }, { name: 'b', body: 'b', mtime: 1600000000 }]));
  writeFileSync(join(root, 'many.tar'), tar(Array.from({ length: 12000 }, (_, i) => ({ name: `d${i % 10}/f${i}` }))));
  writeFileSync(join(root, 'long.tar'), tar([{ name: 'pax', type: 'x', body: paxRecord('path', 'a/'.repeat(3000) + 'f') }, { name: 'f', body: 'x' }]));
  // 128 MiB of zeros, an eighth of a MiB gzipped.
  writeFileSync(join(root, 'bomb.tar.gz'), gzipSync(Buffer.alloc(128 * 1024 * 1024), { level: 9 }));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const FETCH_TREE: Partial<EvaluateOptions> = { settings: { experimentalFeatures: new Set(['fetch-tree', 'flakes']) } };

function run(expr: string, options: Partial<EvaluateOptions> = {}): { value?: string; error?: string; trace?: string[]; kind?: string } {
  const r = evaluate({ expr, strict: true, io: new FsIO({ roots: [root] }), ...FETCH_TREE, ...options });
  return r.ok ? { value: printValue(r.value) } : { error: r.error.message, kind: r.error.kind, trace: r.error.trace.map((f) => f.message) };
}

const f = (name: string): string => `file://${root}/${name}`;

describe('fetchurl and fetchTarball of file:// URLs', () => {
  test('the store paths C++ Nix gives, with the path as context', () => {
    expect(run(`builtins.fetchurl "${f('hello.txt')}"`).value).toBe('"/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt"');
    // The name is the URL's last segment, query and all (C++ Nix's baseNameOf), the file read without it.
    expect(run(`builtins.fetchurl "${f('hello.txt')}?x=1"`).value).toBe('"/nix/store/ylik948g2rr3lmi86qhn452szrgyys99-hello.txt?x=1"');
    // curl reads a directory as nothing.
    expect(run(`builtins.fetchurl "${f('tb')}"`).value).toBe('"/nix/store/h17a0swskqm9jy4r1qqb5fxlms8a18cx-tb"');
    expect(run(`builtins.getContext (builtins.fetchurl "${f('hello.txt')}")`).value)
      .toBe('{ "/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt" = { path = true; }; }');
    expect(run(`builtins.readFile (builtins.fetchurl { url = "${f('hello.txt')}"; name = "h"; })`).value).toBe('"hello\\n"');
    // A derivation of fetched inputs: 2.8's drvPath.
    expect(run(`(derivation { name = "x"; builder = "b"; system = "s"; src = builtins.fetchurl "${f('hello.txt')}"; t = builtins.fetchTarball "${f('t.tar.gz')}"; }).drvPath`).value)
      .toBe('"/nix/store/1wjs58ds4cy56xz4hgndnw6pdrg0bhv1-x.drv"');
    for (const t of ['t.tar', 't.tar.gz']) {
      expect(run(`builtins.fetchTarball "${f(t)}"`).value).toBe('"/nix/store/f237zc0c2g2cq82dni3n1v3b3q9hj1yi-source"');
    }
    const tree = `builtins.fetchTarball "${f('t.tar.gz')}"`;
    expect(run(`builtins.readDir (${tree})`).value).toBe('{ "a.txt" = "regular"; link = "symlink"; sub = "directory"; }');
    expect(run(`builtins.readFile ((${tree}) + "/link")`).value).toBe('"a\\n"');
    expect(run(`builtins.fetchTarball { url = "${f('t.tar.gz')}"; name = "n"; sha256 = "sha256-lGUER2SSE0x9qDrpdZLzuWOFJ3HidN1moGSBb5h7phA="; }`).value)
      .toBe(`"${run(`builtins.path { path = ${root}/tb/pkg; name = "n"; }`).value!.slice(1, -1)}"`);
  });

  test('hashes checked, with C++ Nix\'s messages', () => {
    const zero = '0000000000000000000000000000000000000000000000000000';
    expect(run(`builtins.fetchurl { url = "${f('hello.txt')}"; sha256 = "${zero}"; }`).error).toBe(
      `hash mismatch in file downloaded from '${f('hello.txt')}':\n  specified: sha256:${zero}\n  got:       sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq`);
    expect(run(`builtins.fetchurl { url = "${f('hello.txt')}"; sha256 = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq"; }`).value)
      .toBe('"/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt"');
    const r = run(`builtins.fetchTarball { url = "${f('t.tar.gz')}"; sha256 = "${zero}"; }`);
    const shown = `${f('t.tar.gz')}?narHash=sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D`;
    expect(r.error).toBe(`NAR hash mismatch in input '${shown}', expected 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' but got 'sha256-lGUER2SSE0x9qDrpdZLzuWOFJ3HidN1moGSBb5h7phA='`);
    expect(r.trace).toContain(`while fetching the input '${shown}'`);
  });

  test('what is not there, not a tarball, or packed in a way nixeval cannot unpack', () => {
    expect(run(`builtins.fetchurl "${f('nope')}"`).error).toBe(`unable to download '${f('nope')}': Couldn't read a file:// file (37)`);
    expect(run(`builtins.fetchTarball "${f('nope.tar.gz')}"`).error).toBe(`tarball "${root}/nope.tar.gz" does not exist.`);
    expect(run(`builtins.fetchTarball "${f('tb')}"`).error).toBe(`tarball "${root}/tb" is a directory, not a file.`);
    expect(run(`builtins.fetchTarball "${f('not-a-tar')}"`).error).toBe('failed to extract archive (Unrecognized archive format)');
    expect(run(`builtins.fetchTarball "${f('hello.txt')}"`).error).toBe('failed to extract archive (Unrecognized archive format)');
    expect(run(`builtins.fetchTarball "${f('fifo.tar')}"`).error).toBe("file 'p' in tarball has unsupported file type 4096");
    expect(run(`builtins.fetchTarball "${f('t.tar.xz')}"`).error).toMatch(/xz archives are not supported by nixeval/);
    // The URL is a string without context, as C++ Nix's forceStringNoCtx has it.
    expect(run(`builtins.fetchurl ${root}/hello.txt`).error).toBe(`expected a string but found a path: ${root}/hello.txt`);
    expect(run(`builtins.fetchurl "\${${root}/hello.txt}"`).error).toMatch(/^the string '\/nix\/store\/[0-9a-z]{32}-hello.txt' is not allowed to refer to a store path/);
    for (const expr of ['builtins.fetchTarball "file:t.tar"', 'builtins.fetchTree { type = "tarball"; url = "file:t.tar"; }']) {
      expect(run(expr).error).toBe("tarball 'file:t.tar' must use an absolute path. The 'file' scheme does not support relative paths.");
    }
    // Other URLs still need the network.
    expect(run('builtins.fetchurl "https://example.org/a"').error).toBe("builtins.fetchurl cannot fetch 'https://example.org/a': nixeval never accesses the network");
  });

  test('fetchTree of type file and tarball', () => {
    const t = run(`builtins.fetchTree { type = "tarball"; url = "${f('t.tar.gz')}"; }`).value!;
    expect(t).toContain('narHash = "sha256-lGUER2SSE0x9qDrpdZLzuWOFJ3HidN1moGSBb5h7phA=";');
    expect(t).toContain('outPath = "/nix/store/f237zc0c2g2cq82dni3n1v3b3q9hj1yi-source";');
    expect(run(`(builtins.fetchTree { type = "tarball"; url = "${f('times.tar')}"; }).lastModified`).value).toBe('1700000000');
    expect(run(`(builtins.fetchTree "${f('times.tar')}").lastModifiedDate`).value).toBe('"20231114221320"');
    const file = run(`builtins.fetchTree { type = "file"; url = "${f('hello.txt')}"; }`).value!;
    // The file NAR-hashed as `source` (2.8's `nix hash path` and `nix-store --add-fixed --recursive`).
    expect(file).toBe('{ narHash = "sha256-HDfQGvQL4ugGkd48w99EN3ppmvuxfGjwgJZLL9Bx/BM="; outPath = "/nix/store/h10qymscvggrb1icws0vbss5xnx8sd0k-source"; }');
    expect(run(`builtins.readFile (builtins.fetchTree "file+${f('hello.txt')}")`).value).toBe('"hello\\n"');
    expect(run(`builtins.fetchTree "${f('hello.txt')}"`, { settings: { experimentalFeatures: new Set(['fetch-tree']) } }).error)
      .toBe("passing a string argument to 'fetchTree' requires the 'flakes' experimental feature");
    expect(run(`builtins.fetchTree { type = "file"; url = "${f('hello.txt')}"; foo = 1; }`).error).toBe("input attribute 'foo' not supported by scheme 'file'");
    expect(run(`builtins.fetchTree { type = "file"; url = "${f('hello.txt')}"; }`, { pure: true }).error)
      .toBe(`in pure evaluation mode, 'fetchTree' doesn't fetch unlocked input '${f('hello.txt')}'`);
  });
});

describe('restricted mode: checkURI and allowed-uris', () => {
  test("isAllowedURI, as current C++ Nix's own tests have it", () => {
    expect(isAllowedURI('http://example.com/foo', ['http://example.com'])).toBe(true);
    expect(isAllowedURI('http://example.com', ['http://example.com'])).toBe(true);
    expect(isAllowedURI('http://example.como', ['http://example.com'])).toBe(false);
    expect(isAllowedURI('http://example.co', ['http://example.com'])).toBe(false);
    expect(isAllowedURI('/', ['http://example.com'])).toBe(false);
    expect(isAllowedURI('http://example.com/foo/bar', ['http://example.com/foo/'])).toBe(true);
    expect(isAllowedURI('http://example.com/foobar', ['http://example.com/foo'])).toBe(false);
    expect(isAllowedURI('https://anything/at/all', ['https:'])).toBe(true);
    expect(isAllowedURI('https://anything', ['http:'])).toBe(false);
    expect(isAllowedURI('x', [''])).toBe(false);
  });

  test('restricted.sh: a file URL is read when allowed-uris allows it or the evaluation may read it', () => {
    const restricted = (allowedUris: string[], roots: string[]): Partial<EvaluateOptions> => ({
      restricted: true, io: new FsIO({ roots }), fetchIO: new FsIO({}), settings: { allowedUris, experimentalFeatures: new Set(['fetch-tree']) },
    });
    const expr = `builtins.fetchurl "${f('hello.txt')}"`;
    expect(run(expr, restricted([], [outside])).error).toBe(`access to absolute path '${root}/hello.txt' is forbidden in restricted mode`);
    expect(run(expr, restricted([`file://${root}`], [outside])).value).toBe('"/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt"');
    expect(run(expr, restricted([`${f('hello.txt')}/`], [outside])).error).toMatch(/forbidden in restricted mode$/);
    expect(run(expr, restricted([f('hello.txt')], [outside])).value).toBe('"/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt"');
    expect(run(expr, restricted([], [root])).value).toBe('"/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt"');
    for (const fetch of ['builtins.fetchurl', 'builtins.fetchTarball']) {
      expect(run(`${fetch} "https://example.org/a.tar.gz"`, restricted([], [root])).error)
        .toBe("access to URI 'https://example.org/a.tar.gz' is forbidden in restricted mode");
    }
    // Outside restricted mode, allowed-uris means nothing.
    expect(run(expr, { settings: { allowedUris: [] } }).value).toBe('"/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt"');
  });
});

describe('the sandbox', () => {
  test('a file:// URL outside the roots, through a symlink or `..`, is not read', () => {
    for (const url of [`file://${outside}/secret`, `${f('link-out')}`, `file://${root}/../${outside.split('/').pop()}/secret`, `file://${root}/%2e%2e/${outside.split('/').pop()}/secret`]) {
      for (const fetch of ['builtins.fetchurl', 'builtins.fetchTarball']) {
        expect(run(`${fetch} "${url}"`).error).toMatch(/^access to (absolute|canonical) path '.*' is forbidden in restricted mode$/);
      }
      expect(run(`builtins.fetchTree { type = "file"; url = "${url}"; }`).error).toMatch(/forbidden in restricted mode$/);
    }
  });

  test("an archive's members stay inside it: nothing outside is read or written", () => {
    const tree = `builtins.fetchTarball "${f('evil.tar')}"`;
    expect(run(`builtins.readDir (${tree})`).value).toBe('{ abs = "directory"; abs-link = "symlink"; "dotdot.txt" = "regular"; ln = "symlink"; "up.txt" = "regular"; }');
    expect(run(`builtins.readFile ((${tree}) + "/up.txt")`).value).toBe('"up"');
    // A symlink out is kept as it is; reading through it is a read of the path it names, checked as any.
    expect(run(`builtins.readFile ((${tree}) + "/abs-link")`).error).toMatch(/forbidden in restricted mode$/);
    // A member written through a symlink is refused, and nothing is written where the link points.
    expect(run(`builtins.fetchTarball "${f('through-link.tar')}"`).error).toBe("parent of 'ln/written' is not a directory");
    expect(readdirSync(outside)).toEqual(['secret']);
    // A hard link names a member of the archive (made last, whatever the order), never a file outside.
    const h = run(`builtins.fetchTarball "${f('hardlink.tar')}"`);
    expect(h.error).toBe(`path '${outside}/secret' does not exist`);
    expect(h.trace).toContain(`while creating a hard link from '/h' to '${outside}/secret'`);
    expect(run(`builtins.readFile ((builtins.fetchTarball "${f('hardlink-first.tar')}") + "/h")`).value).toBe('"target"');
    expect(run(`builtins.fetchTarball "${f('hardlink-dir.tar')}"`).error).toBe('cannot create a hard link to a directory');
  });

  test('members over members, as C++ Nix\'s Git sink: the last wins, but not over a non-empty directory', () => {
    const tree = `builtins.fetchTarball "${f('overwrite.tar')}"`;
    expect(run(`builtins.readFile ((${tree}) + "/a")`).value).toBe('"second"');
    expect(run(`builtins.readDir ((${tree}) + "/d")`).value).toBe('{ x = "regular"; }');
    expect(run(`builtins.readFileType ((${tree}) + "/was-file")`).value).toBe('"directory"');
    expect(run(`builtins.fetchTarball "${f('conflict.tar')}"`).error).toBe("cannot create 'd', conflicting non-empty directory");
  });

  test('hard links are paid for as copies', () => {
    // One 1 MiB file and 200 links to it: 200 MiB unpacked.
    expect(run(`builtins.fetchTarball "${f('links-bomb.tar')}"`, { maxMemoryMb: 32 }).kind).toBe('memory-limit');
    expect(existsSync(join(root, 'up.txt')) || existsSync(join(root, '..', 'up.txt'))).toBe(false);
  });

  test('unpacking and hashing a long archive checks the limits as it goes; a name past PATH_MAX is refused', () => {
    let calls = 0;
    const count = (): void => { calls++; };
    expect(run(`builtins.length (builtins.attrNames (builtins.readDir (builtins.fetchTarball "${f('many.tar')}")))`, { checkLimits: count }).value).toBe('10');
    const forMany = calls;
    calls = 0;
    run(`builtins.fetchTarball "${f('times.tar')}"`, { checkLimits: count });
    expect(forMany).toBeGreaterThan(calls + 4);
    expect(run(`builtins.fetchTarball "${f('long.tar')}"`).error).toBe(`cannot unpack '${f('long.tar')}': member name longer than 4096 bytes`);
  });

  test('a gzip bomb stops at the memory budget, and the next evaluation runs', () => {
    const r = run(`builtins.fetchTarball "${f('bomb.tar.gz')}"`, { maxMemoryMb: 32 });
    expect(r.kind).toBe('memory-limit');
    expect(run(`builtins.fetchurl "${f('hello.txt')}"`).value).toBe('"/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt"');
  });
});

describe('pure mode: locked fetches', () => {
  const pure = (fetchIO?: FsIO): Partial<EvaluateOptions> => ({ pure: true, io: new FsIO({ roots: [] }), fetchIO, ...FETCH_TREE });

  test('a locked fetch reads through the fetch IO; an unlocked one is refused', () => {
    const sha = '00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq';
    expect(run(`builtins.fetchurl "${f('hello.txt')}"`, pure(new FsIO({ roots: [root] }))).error).toBe("in pure evaluation mode, 'fetchurl' requires a 'sha256' argument");
    expect(run(`builtins.readFile (builtins.fetchurl { url = "${f('hello.txt')}"; sha256 = "${sha}"; })`, pure(new FsIO({ roots: [root] }))).value).toBe('"hello\\n"');
    const locked = `builtins.readFile ((builtins.fetchTarball { url = "${f('t.tar.gz')}"; sha256 = "sha256-lGUER2SSE0x9qDrpdZLzuWOFJ3HidN1moGSBb5h7phA="; }) + "/a.txt")`;
    expect(run(locked, pure(new FsIO({ roots: [root] }))).value).toBe('"a\\n"');
    // The fetch IO's roots still bound what is read; without one, nothing is.
    expect(run(locked, pure(new FsIO({ roots: [outside] }))).error).toMatch(/forbidden in restricted mode$/);
    expect(run(locked, pure()).error).toMatch(/forbidden in restricted mode$/);
    // Pure and restricted: a file URL the roots allow is read through them, a symlink out refused.
    const both = (roots: string[]): Partial<EvaluateOptions> => ({ ...pure(new FsIO({})), restricted: true, io: new FsIO({ roots }) });
    expect(run(locked, both([root])).value).toBe('"a\\n"');
    expect(run(`builtins.fetchurl { url = "${f('link-out')}"; sha256 = "${sha}"; }`, both([root])).error).toMatch(/forbidden in restricted mode$/);
  });
});
