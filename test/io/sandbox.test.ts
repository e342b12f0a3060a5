// The sandbox: an evaluation whose IO is a filesystem restricted to allowed roots must refuse
// every way out, with a clear error, and without reading (or even looking at) anything
// outside the roots. Every filesystem call FsIO makes is audited, and each test checks that
// none touched a path that is neither inside the root nor on the way to it.

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync, mkdirSync, mkdtempSync, openSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync, ftruncateSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { FsIO } from '../../src/io/fs-io.js';
import { MemoryIO } from '../../src/io/memory-io.js';
import { NoIO } from '../../src/io/no-io.js';
import { isUnder } from '../../src/io/io.js';
import { printValue } from '../../src/value/print.js';

let base: string; // the temporary directory: holds the root and things outside it
let root: string; // the only directory the evaluation may read
let outside: string; // a directory next to the root, with a secret in it
let accessed: { op: string; path: string }[];

function sandboxIO(extra: Partial<ConstructorParameters<typeof FsIO>[0]> = {}): FsIO {
  return new FsIO({ roots: [root], audit: (op, path) => accessed.push({ op, path }), ...extra });
}

function run(expr: string, options: Partial<EvaluateOptions> = {}): { ok: true; value: string } | { ok: false; message: string } {
  const r = evaluate({ expr, strict: true, baseDir: root, io: sandboxIO(), ...options });
  if (r.ok) return { ok: true, value: printValue(r.value) };
  return { ok: false, message: r.error.message };
}

/** Evaluates, expects an error matching `pattern`, and checks nothing outside the root was touched. */
function refused(expr: string, pattern: RegExp, options: Partial<EvaluateOptions> = {}): string {
  const r = run(expr, options);
  if (r.ok) throw new Error(`expected an error, got ${r.value}`);
  expect(r.message).toMatch(pattern);
  expectNothingOutsideTouched();
  return r.message;
}

function expectNothingOutsideTouched(): void {
  const bad = accessed.filter((a) => !isUnder(a.path, root) && !isUnder(root, a.path));
  expect(bad).toEqual([]);
  // Nothing but the root's contents was opened, listed or read, bar the listing of a directory
  // on the way to the root (which shows only the way: see 'the way to the root' below).
  const reads = accessed.filter((a) => a.op !== 'lstat' && a.op !== 'readlink');
  for (const a of reads) expect(isUnder(a.path, root) || (a.op === 'readdir' && isUnder(root, a.path))).toBe(true);
}

const FORBIDDEN = /^access to absolute path '.*' is forbidden in restricted mode$/;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-sandbox-')));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(join(root, 'sub'));
  mkdirSync(outside);
  writeFileSync(join(root, 'ok.nix'), '{ x = 1; }');
  writeFileSync(join(root, 'hello.txt'), 'hello');
  writeFileSync(join(root, 'sub', 'up.nix'), 'builtins.readFile ../../outside/secret');
  writeFileSync(join(outside, 'secret'), 'SECRET');
  writeFileSync(join(outside, 'secret.nix'), '"SECRET"');
  symlinkSync('/etc', join(root, 'etc-link'));
  symlinkSync('../outside/secret', join(root, 'secret-link'));
  symlinkSync('../outside/secret.nix', join(root, 'secret-nix-link'));
  symlinkSync('../outside', join(root, 'outside-dir-link'));
  symlinkSync('/etc/this-does-not-exist-7392', join(root, 'dangling-out'));
  symlinkSync('sub/../hello.txt', join(root, 'inside-link'));
  symlinkSync('loop-b', join(root, 'loop-a'));
  symlinkSync('loop-a', join(root, 'loop-b'));
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

beforeEach(() => {
  accessed = [];
});

describe('inside the root', () => {
  test('files, directories and imports work', () => {
    expect(run(`builtins.readFile ${root}/hello.txt`)).toEqual({ ok: true, value: '"hello"' });
    expect(run(`(import ./ok.nix).x`)).toEqual({ ok: true, value: '1' });
    expect(run(`builtins.readFile ./inside-link`)).toEqual({ ok: true, value: '"hello"' });
    expect(run(`builtins.attrNames (builtins.readDir ./sub)`).ok).toBe(true);
    expect(run(`builtins.readFileType ./secret-link`)).toEqual({ ok: true, value: '"symlink"' });
    expect(run(`builtins.pathExists ./ok.nix`)).toEqual({ ok: true, value: 'true' });
    expect(run(`builtins.pathExists ./nope`)).toEqual({ ok: true, value: 'false' });
    expectNothingOutsideTouched();
  });
});

describe('escapes', () => {
  test('through ..', () => {
    refused(`builtins.readFile (./. + "/../outside/secret")`, FORBIDDEN);
    refused(`builtins.readFile "${root}/sub/../../outside/secret"`, FORBIDDEN);
    refused(`builtins.readFile ./../outside/secret`, FORBIDDEN);
    refused(`import ./sub/up.nix`, FORBIDDEN);
    refused(`builtins.readDir ./../outside`, FORBIDDEN);
    const m = refused(`builtins.readFile "${root}/../outside/secret"`, FORBIDDEN);
    expect(m).toBe(`access to absolute path '${outside}/secret' is forbidden in restricted mode`);
  });

  test('absolute paths', () => {
    const m = refused('builtins.readFile /etc/passwd', FORBIDDEN);
    expect(m).toBe("access to absolute path '/etc/passwd' is forbidden in restricted mode");
    refused('builtins.readDir /etc', FORBIDDEN);
    refused('builtins.readFileType /etc/passwd', FORBIDDEN);
    refused('import /etc/passwd', FORBIDDEN);
    refused('builtins.hashFile "sha256" /etc/passwd', FORBIDDEN);
    refused(`builtins.readFile ${outside}/secret`, FORBIDDEN);
    // pathExists answers false for what it may not see, as C++ Nix does; nothing is touched.
    expect(run('builtins.pathExists /etc/passwd')).toEqual({ ok: true, value: 'false' });
    expectNothingOutsideTouched();
  });

  test('symlinks pointing out of the root', () => {
    const m = refused('builtins.readFile ./secret-link', FORBIDDEN);
    expect(m).toBe(`access to absolute path '${outside}/secret' is forbidden in restricted mode`);
    refused('builtins.readFile ./etc-link/passwd', FORBIDDEN);
    refused('builtins.readDir ./etc-link', FORBIDDEN);
    refused('builtins.readDir ./outside-dir-link', FORBIDDEN);
    refused('builtins.readFile ./outside-dir-link/secret', FORBIDDEN);
    refused('import ./secret-nix-link', FORBIDDEN);
    refused('builtins.hashFile "sha256" ./secret-link', FORBIDDEN);
    refused('builtins.readFileType ./etc-link/passwd', FORBIDDEN);
    // A dangling link out of the root is refused the same way: its target's existence does not leak.
    const d = refused('builtins.readFile ./dangling-out', FORBIDDEN);
    expect(d).toBe("access to absolute path '/etc/this-does-not-exist-7392' is forbidden in restricted mode");
  });

  test('the way to the root: its directories may be looked at, and list only the way', () => {
    // As current C++ Nix's AllowListSourceAccessor (tests/functional/restricted.sh: "Reading the
    // parents of allowed paths should show only the ancestors of the allowed paths").
    const top = base.split('/')[1];
    expect(run('builtins.readDir ./..')).toEqual({ ok: true, value: '{ root = "directory"; }' });
    expect(run('builtins.readDir "/"')).toEqual({ ok: true, value: `{ ${top} = "directory"; }` });
    expect(run('builtins.pathExists ./..')).toEqual({ ok: true, value: 'true' });
    expect(run('builtins.readFileType ./..')).toEqual({ ok: true, value: '"directory"' });
    // Only the way: a sibling of the root is not there, and nothing below it may be read.
    expect(run('builtins.pathExists ./../outside')).toEqual({ ok: true, value: 'false' });
    refused('builtins.readFile ./../outside/secret', FORBIDDEN);
    // A directory on the way is no file, and has no default.nix that may be read.
    refused('builtins.readFile ./..', /^file '.*' is not a regular file$/);
    refused('import ./..', FORBIDDEN);
    expectNothingOutsideTouched();
  });

  test('a directory swapped for a symlink out of the root between the check and the open', () => {
    // The walk checks root/swap/f (root/swap/d) and finds it inside; just before the open (the
    // audit hook runs there), root/swap is swapped for a symlink to the outside. What was
    // opened is then refused, never read.
    const swapDir = join(root, 'swap');
    mkdirSync(join(swapDir, 'd'), { recursive: true });
    writeFileSync(join(swapDir, 'f'), 'inside');
    mkdirSync(join(outside, 'swapped', 'd'), { recursive: true });
    writeFileSync(join(outside, 'swapped', 'f'), 'SECRET');
    writeFileSync(join(outside, 'swapped', 'd', 'secret-name'), '');
    const restore = (): void => {
      rmSync(swapDir, { force: true });
      renameSync(`${swapDir}.away`, swapDir);
    };
    try {
      for (const [expr, op] of [[`builtins.readFile ${swapDir}/f`, 'open'], [`builtins.readDir ${swapDir}/d`, 'readdir']] as const) {
        let swapped = false;
        const io = sandboxIO({
          audit: (o, path) => {
            if (o === op && !swapped) {
              swapped = true;
              renameSync(swapDir, `${swapDir}.away`);
              symlinkSync(join(outside, 'swapped'), swapDir);
            }
            accessed.push({ op: o, path });
          },
        });
        try {
          const r = evaluate({ expr, strict: true, io });
          expect(swapped).toBe(true);
          expect(r.ok ? printValue(r.value) : r.error.message)
            .toBe(`access to absolute path '${outside}/swapped/${op === 'open' ? 'f' : 'd'}' is forbidden in restricted mode`);
        } finally {
          restore();
        }
      }
      // Swapped so that the directory opened is one on the way to the root (which a readDir of
      // it by name may list, filtered to the way): root/swap/<base's name>, with root/swap made a
      // symlink to base's parent, opens base itself. A listing through a swap is still refused.
      const baseName = basename(base);
      mkdirSync(join(swapDir, baseName));
      let swapped = false;
      const io = sandboxIO({
        audit: (o, path) => {
          if (o === 'readdir' && !swapped) {
            swapped = true;
            renameSync(swapDir, `${swapDir}.away`);
            symlinkSync(dirname(base), swapDir);
          }
          accessed.push({ op: o, path });
        },
      });
      try {
        const r = evaluate({ expr: `builtins.readDir ${swapDir}/${baseName}`, strict: true, io });
        expect(swapped).toBe(true);
        expect(r.ok ? printValue(r.value) : r.error.message).toBe(`access to absolute path '${base}' is forbidden in restricted mode`);
      } finally {
        restore();
        rmSync(join(swapDir, baseName), { recursive: true });
      }
      // Unswapped, both work.
      expect(run(`builtins.readFile ${swapDir}/f`)).toEqual({ ok: true, value: '"inside"' });
      expect(run(`builtins.readDir ${swapDir}`)).toEqual({ ok: true, value: '{ d = "directory"; f = "regular"; }' });
    } finally {
      rmSync(swapDir, { recursive: true, force: true });
    }
  });

  test('symlink loops end with an error', () => {
    refused('builtins.readFile ./loop-a', /too many symbolic links/);
  });

  test('~/ paths', () => {
    // With a home directory, ~/ resolves there, which is outside the root.
    refused('builtins.readFile ~/.profile', FORBIDDEN, { home: homedir() });
    refused('builtins.readDir ~/.', FORBIDDEN, { home: homedir() });
    expect(run('builtins.pathExists ~/.profile', { home: homedir() })).toEqual({ ok: true, value: 'false' });
    // Without one (as in pure mode), the path literal itself is an error.
    refused('builtins.readFile ~/.profile', /the path '~\/.profile' can not be resolved in pure mode/, { home: undefined });
    refused('builtins.readFile ~/.profile', /can not be resolved in pure mode/, { home: homedir(), pure: true });
  });

  test('search path entries', () => {
    refused('<passwd>', FORBIDDEN, { searchPath: ['/etc'] });
    refused('<etc/passwd>', FORBIDDEN, { searchPath: ['etc=/etc'] });
    refused(`<secret>`, FORBIDDEN, { searchPath: [`${root}/..`] });
    refused(`<secret>`, FORBIDDEN, { searchPath: [outside] });
    refused(`builtins.findFile [ { path = "/etc"; prefix = ""; } ] "passwd"`, FORBIDDEN);
    refused(`<x/secret>`, FORBIDDEN, { searchPath: [`x=${root}/outside-dir-link`] });
    // Entries inside the root work.
    expect(run('builtins.readFile <hello.txt>', { searchPath: [root] })).toEqual({ ok: true, value: '"hello"' });
    expect(run('builtins.readFile <r/hello.txt>', { searchPath: [`r=${root}`] })).toEqual({ ok: true, value: '"hello"' });
    // A URL is never fetched.
    const r = run('<nixpkgs>', { searchPath: ['nixpkgs=https://example.com/nixpkgs.tar.gz'] });
    expect(r).toEqual({ ok: false, message: "file 'nixpkgs' was not found in the Nix search path (add it using $NIX_PATH or -I)" });
  });

  test('file:// URLs: fetchurl, fetchTarball and fetchTree read them as paths, bounded by the roots', () => {
    const fetches = (url: string): string[] => [
      `builtins.fetchurl "${url}"`, `builtins.fetchTarball "${url}"`,
      `builtins.fetchTree { type = "file"; url = "${url}"; }`, `builtins.fetchTree { type = "tarball"; url = "${url}"; }`,
    ];
    const tree = { settings: { experimentalFeatures: new Set(['fetch-tree']) } };
    for (const url of [
      `file://${outside}/secret`, `file://${root}/../outside/secret`, `file://${root}/sub/%2E%2E/%2e%2e/outside/secret`,
      `file://${root}/secret-link`, `file://${root}/outside-dir-link/secret`, `file://${root}/etc-link/passwd`,
      'file:///etc/passwd', 'file:/etc/passwd', 'file://localhost/etc/passwd', `file://${root}/dangling-out`,
    ]) {
      for (const expr of fetches(url)) refused(expr, FORBIDDEN, tree);
    }
    // Not files: refused before they are opened, as for readFile.
    for (const expr of fetches('file:///proc/self/environ')) refused(expr, FORBIDDEN, tree);
    for (const expr of fetches('file:///dev/zero')) refused(expr, FORBIDDEN, tree);
    // Another host is the network.
    refused('builtins.fetchurl "file://example.org/etc/passwd"', /never accesses the network$/);
    expect(run(`builtins.readFile (builtins.fetchurl "file://${root}/hello.txt")`)).toEqual({ ok: true, value: '"hello"' });
    expectNothingOutsideTouched();
  });

  test('/proc/self/environ', () => {
    refused('builtins.readFile /proc/self/environ', FORBIDDEN);
    refused('builtins.readFile "/proc/self/environ"', FORBIDDEN);
    refused('builtins.readDir /proc/self', FORBIDDEN);
    // Even with /proc inside a root, its files are not read: they are not files.
    const io = new FsIO({ roots: ['/proc/self'] });
    const r = evaluate({ expr: 'builtins.readFile /proc/self/environ', io });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/refusing to read '\/proc\/self\/environ': it is on a kernel pseudo-filesystem/);
  });

  test('/dev/zero', () => {
    refused('builtins.readFile /dev/zero', FORBIDDEN);
    refused('builtins.hashFile "sha256" /dev/zero', FORBIDDEN);
    // A device inside a root is still refused, before it is opened.
    const seen: string[] = [];
    const io = new FsIO({ roots: ['/dev'], audit: (op, path) => seen.push(`${op} ${path}`) });
    const r = evaluate({ expr: 'builtins.readFile /dev/zero', io });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe("refusing to read '/dev/zero': it is a character device, and only regular files are read");
    expect(seen.filter((s) => s.startsWith('open'))).toEqual([]);
  });

  test('FIFOs are refused without being opened', async () => {
    const fifo = join(root, 'fifo');
    const made = spawnSync('mkfifo', [fifo]);
    if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
    // A writer blocks in open() until some reader opens the FIFO.
    const writer: ChildProcess = spawn('sh', ['-c', `echo SECRET > '${fifo}'`], { stdio: 'ignore' });
    try {
      const m = refused(`builtins.readFile ${fifo}`, /refusing to read '.*\/fifo': it is a FIFO, and only regular files are read/);
      expect(m).toContain('FIFO');
      refused(`import ${fifo}`, /it is a FIFO/);
      refused(`builtins.hashFile "sha256" ${fifo}`, /it is a FIFO/);
      expect(run(`builtins.readFileType ${fifo}`)).toEqual({ ok: true, value: '"unknown"' });
      expect(accessed.filter((a) => a.op === 'open')).toEqual([]);
      // Nobody opened it for reading, so the writer is still waiting.
      await new Promise((r) => setTimeout(r, 100));
      expect(writer.exitCode).toBeNull();
    } finally {
      writer.kill('SIGKILL');
      rmSync(fifo, { force: true });
    }
  });

  test('huge files', () => {
    const big = join(root, 'big');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 100 * 1024 * 1024); // sparse: 100 MiB that take no space
    closeSync(fd);
    try {
      const m = refused(`builtins.readFile ${big}`, /^file '.*\/big' is too large \(104857600 bytes; the limit is 67108864 bytes\)$/);
      expect(m).toContain('too large');
      refused(`builtins.hashFile "sha256" ${big}`, /too large/);
      refused(`import ${big}`, /too large/);
      // The cap is configurable.
      writeFileSync(join(root, 'kb'), 'x'.repeat(2048));
      const r = evaluate({ expr: `builtins.readFile ${root}/kb`, io: sandboxIO({ maxFileSize: 1024 }) });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toBe(`file '${root}/kb' is too large (2048 bytes; the limit is 1024 bytes)`);
    } finally {
      rmSync(big, { force: true });
    }
  });

  test('getEnv "HOME"', () => {
    // Not on the allow-list: the empty string, as for an unset variable.
    expect(run('builtins.getEnv "HOME"')).toEqual({ ok: true, value: '""' });
    expect(run('builtins.getEnv "PATH"')).toEqual({ ok: true, value: '""' });
    // Allowed, but the evaluation is restricted or pure: still nothing.
    expect(run('builtins.getEnv "HOME"', { allowedEnv: ['HOME'], restricted: true })).toEqual({ ok: true, value: '""' });
    expect(run('builtins.getEnv "HOME"', { allowedEnv: ['HOME'], pure: true })).toEqual({ ok: true, value: '""' });
    // The IO's own allow-list applies too: a restricted FsIO allows nothing by default.
    expect(run('builtins.getEnv "HOME"', { allowedEnv: ['HOME'] })).toEqual({ ok: true, value: '""' });
    // Allowed by both: the value.
    const io = new FsIO({ roots: [root], env: { HOME: '/home/x', SECRET: 's' }, allowedEnv: ['HOME'] });
    expect(run('builtins.getEnv "HOME"', { io, allowedEnv: ['HOME'] })).toEqual({ ok: true, value: '"/home/x"' });
    expect(run('builtins.getEnv "SECRET"', { io, allowedEnv: ['HOME'] })).toEqual({ ok: true, value: '""' });
  });

  test('the network', () => {
    for (const [expr, name] of [
      ['builtins.fetchurl "https://example.com/x"', 'fetchurl'],
      ['builtins.fetchTarball "https://example.com/x.tar.gz"', 'fetchTarball'],
      ['builtins.fetchGit "https://example.com/x.git"', 'fetchGit'],
      ['builtins.fetchTree { type = "github"; owner = "a"; repo = "b"; }', 'fetchTree'],
      ['builtins.fetchClosure { fromStore = "https://cache.nixos.org"; }', 'fetchClosure'],
      ['builtins.fetchMercurial "https://example.com/x"', 'fetchMercurial'],
    ]) {
      refused(expr, new RegExp(`^builtins\\.${name} cannot fetch .*: nixeval never accesses the network$`));
    }
  });
});

describe('git', () => {
  const gitEnv = {
    ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.org', GIT_COMMITTER_NAME: 'C', GIT_COMMITTER_EMAIL: 'c@example.org',
    GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
  };
  const git = (dir: string, ...args: string[]): string => execFileSync('git', ['-C', dir, ...args], { env: gitEnv, encoding: 'utf8' }).trim();
  const repoWith = (dir: string, file: string, content: string): string => {
    mkdirSync(dir, { recursive: true });
    git(dir, 'init', '-q');
    writeFileSync(join(dir, file), content);
    git(dir, 'add', file);
    git(dir, 'commit', '-q', '-m', 'x');
    return git(dir, 'rev-parse', 'HEAD');
  };

  test('fetchGit: a repository whose objects are outside the root (alternates, a symlinked object directory)', () => {
    const secretRev = repoWith(join(outside, 'repo'), 'secret', 'SECRET');
    const clean = join(root, 'clean');
    const cleanRev = repoWith(clean, 'f', 'inside');
    // A repository inside, with nothing of it outside, is fetched.
    expect(run(`(builtins.fetchGit ${clean}).rev`)).toEqual({ ok: true, value: `"${cleanRev}"` });
    expect(run(`builtins.readFile "\${builtins.fetchGit { url = ${clean}; rev = "${cleanRev}"; }}/f"`)).toEqual({ ok: true, value: '"inside"' });
    // One that borrows the outside repository's objects: git would read the secret for it.
    for (const entry of [`${outside}/repo/.git/objects`, '../../../../outside/repo/.git/objects']) {
      const borrowing = join(root, `borrowing-${entry.startsWith('/') ? 'abs' : 'rel'}`);
      repoWith(borrowing, 'f', 'inside');
      writeFileSync(join(borrowing, '.git', 'objects', 'info', 'alternates'), `${entry}\n`);
      refused(`builtins.readFile "\${builtins.fetchGit { url = ${borrowing}; rev = "${secretRev}"; }}/secret"`, FORBIDDEN);
      refused(`builtins.fetchGit ${borrowing}`, FORBIDDEN);
    }
    // One whose object directory (or a part of it) is a symlink to the outside.
    const linked = join(root, 'linked');
    repoWith(linked, 'f', 'inside');
    renameSync(join(linked, '.git', 'objects'), join(outside, 'objects'));
    symlinkSync(join(outside, 'objects'), join(linked, '.git', 'objects'));
    refused(`builtins.fetchGit ${linked}`, FORBIDDEN);
    const packed = join(root, 'packed');
    repoWith(packed, 'f', 'inside');
    mkdirSync(join(outside, 'pack'));
    rmSync(join(packed, '.git', 'objects', 'pack'), { recursive: true });
    symlinkSync(join(outside, 'pack'), join(packed, '.git', 'objects', 'pack'));
    refused(`builtins.fetchGit ${packed}`, FORBIDDEN);
  });
});

describe('restricted mode without an explicit IO', () => {
  test('only the search path may be read, as with --restrict-eval', () => {
    const ok = evaluate({ expr: 'builtins.readFile <hello.txt>', restricted: true, searchPath: [root] });
    expect(ok.ok && ok.value).toBe('hello');
    const etc = evaluate({ expr: 'builtins.readFile /etc/passwd', restricted: true, searchPath: [root] });
    expect(!etc.ok && etc.error.message).toBe("access to absolute path '/etc/passwd' is forbidden in restricted mode");
    const link = evaluate({ expr: 'builtins.readFile <secret-link>', restricted: true, searchPath: [root] });
    expect(!link.ok && link.error.message).toBe(`access to absolute path '${outside}/secret' is forbidden in restricted mode`);
    const nothing = evaluate({ expr: `builtins.readFile ${root}/hello.txt`, restricted: true });
    expect(!nothing.ok && nothing.error.message).toMatch(FORBIDDEN);
  });
});

describe('pure and in-memory IO', () => {
  test('pure evaluation: every IO operation fails and names itself; no currentTime', () => {
    const cases: [string, RegExp][] = [
      ['builtins.readFile /etc/passwd', /^reading file '\/etc\/passwd' is not allowed: this evaluation has no access/],
      ['builtins.readDir /etc', /^reading directory '\/etc' is not allowed/],
      ['builtins.pathExists /etc', /^getting the type of '\/etc' is not allowed/],
      ['builtins.readFileType /etc', /^getting the type of '\/etc' is not allowed/],
      ['import /etc/x.nix', /^getting the type of '\/etc\/x.nix' is not allowed/],
    ];
    for (const [expr, pattern] of cases) {
      const r = evaluate({ expr, pure: true });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(pattern);
    }
    const t = evaluate({ expr: 'builtins ? currentTime', pure: true });
    expect(t.ok && t.value).toBe(false);
    const impure = evaluate({ expr: 'builtins.currentTime', io: new NoIO() });
    expect(impure.ok).toBe(false);
    if (!impure.ok) expect(impure.error.message).toMatch(/^reading the current time is not allowed/);
  });

  test('memory IO serves the posted files and nothing else', () => {
    const io = new MemoryIO({
      '/src/default.nix': '{ a = import ./a.nix; b = builtins.readFile ./b.txt; c = import <lib/c.nix>; }',
      '/src/a.nix': '1 + 1',
      '/src/b.txt': 'héllo',
      '/lib/c.nix': '"c"',
      '/src/link': { symlink: '../lib' },
    }, { time: 1700000000, env: { HOME: '/h' } });
    const r = evaluate({ expr: 'import /src', strict: true, io, searchPath: ['lib=/lib'] });
    expect(r.ok && printValue(r.value)).toBe('{ a = 2; b = "h\xc3\xa9llo"; c = "c"; }');
    const link = evaluate({ expr: 'import /src/link/c.nix', io });
    expect(link.ok && printValue(link.value)).toBe('"c"');
    const missing = evaluate({ expr: 'builtins.readFile /etc/passwd', io });
    expect(!missing.ok && missing.error.message).toBe("path '/etc/passwd' does not exist");
    // A directory read as a file: current Nix's source accessor's message, in every IO.
    const dir = evaluate({ expr: 'builtins.readFile /src', io });
    expect(!dir.ok && dir.error.message).toBe("file '/src' is not a regular file");
    const fsDir = evaluate({ expr: `builtins.hashFile "sha256" ${tmpdir()}` });
    expect(!fsDir.ok && fsDir.error.message).toBe(`file '${tmpdir()}' is not a regular file`);
    expect(evaluate({ expr: 'builtins.currentTime', io }).ok && 1).toBe(1);
    const time = evaluate({ expr: 'builtins.currentTime', io });
    expect(time.ok && time.value).toBe(1700000000);
    const env = evaluate({ expr: 'builtins.getEnv "HOME"', io, allowedEnv: ['HOME'] });
    expect(env.ok && env.value).toBe('/h');
  });
});
