// builtins.fetchGit and fetchTree { type = "git"; } of a local repository (src/fetchers/git.ts).
//
// The repository is built here, with fixed names and dates, so its commits are always the
// same. Expected values marked [2.8] are what nix-instantiate 2.8.0 gave for the same
// expressions on the same repository; [source] marks current C++ Nix's behaviour where 2.8
// differs (dirtyRev, export-ignore in a dirty working tree, revCount of a shallow fetchGit),
// from libfetchers/git.cc and libexpr/primops/fetchTree.cc.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { FsIO } from '../../src/io/fs-io.js';
import { MemoryIO } from '../../src/io/memory-io.js';
import { printValue } from '../../src/value/print.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.org', GIT_COMMITTER_NAME: 'C', GIT_COMMITTER_EMAIL: 'c@example.org',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
};

function git(dir: string, args: string[], date?: string): string {
  const env = date === undefined ? GIT_ENV : { ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  return execFileSync('git', ['-C', dir, ...args], { env, encoding: 'utf8' }).trim();
}

let root: string;
let repo: string;
const FIRST = '49c5d00ab76ecbff58ea871f8b0141144fa45fe3';
const SECOND = 'cf35bad26f6ace61b808c4d1e82b5bf01c8c468d';

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-fetchgit-')));
  repo = join(root, 'repo');
  mkdirSync(join(repo, 'sub', 'deep'), { recursive: true });
  git(repo, ['init', '-q', '-b', 'master']);
  writeFileSync(join(repo, 'a.txt'), 'hello\n');
  writeFileSync(join(repo, 'sub', 'deep', 'f'), 'x\n');
  writeFileSync(join(repo, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(repo, 'run.sh'), 0o755);
  symlinkSync('a.txt', join(repo, 'link'));
  git(repo, ['add', 'a.txt', 'sub', 'run.sh', 'link']);
  git(repo, ['commit', '-q', '-m', 'one'], '2020-01-02T03:04:05Z');
  writeFileSync(join(repo, 'a.txt'), 'hello\ntwo\n');
  writeFileSync(join(repo, 'ignored.txt'), 'ignored\n');
  writeFileSync(join(repo, '.gitattributes'), 'ignored.txt export-ignore\n');
  git(repo, ['add', 'a.txt', 'ignored.txt', '.gitattributes']);
  git(repo, ['commit', '-q', '-m', 'two'], '2021-01-02T03:04:05Z');
  writeFileSync(join(repo, 'untracked.txt'), 'not in git\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(expr: string, options: Partial<EvaluateOptions> = {}): { value?: string; error?: string; messages: string[] } {
  const r = evaluate({ expr, strict: true, ...options });
  return r.ok ? { value: printValue(r.value), messages: r.messages } : { error: r.error.message, messages: r.messages };
}

/** The attributes of a fetch, with the files of its store path. */
const attrs = (fetch: string): string =>
  `let r = ${fetch}; in removeAttrs r ["outPath"] // { o = r.outPath; files = builtins.attrNames (builtins.readDir r.outPath); }`;

describe('a clean working tree', () => {
  test('is HEAD: its tracked files without what export-ignore marks, rev, revCount, lastModified [2.8]', () => {
    expect(run(attrs(`builtins.fetchGit ${repo}`)).value).toBe(
      '{ files = [ ".gitattributes" "a.txt" "link" "run.sh" "sub" ]; lastModified = 1609556645; lastModifiedDate = "20210102030405"; '
      + 'narHash = "sha256-hvbRnCRm9aNzIkupNr7tWSPBB8k8dkwuIdjc24p8J5E="; o = "/nix/store/hlj1q8f6nhvjd3zxni5rdgwg55jvl4cn-source"; '
      + `rev = "${SECOND}"; revCount = 2; shortRev = "cf35bad"; submodules = false; }`,
    );
  });

  test('its files are read through the store path', () => {
    expect(run(`builtins.readFile "\${builtins.fetchGit ${repo}}/sub/deep/f"`).value).toBe('"x\\n"');
    expect(run(`builtins.readFile "\${builtins.fetchGit ${repo}}/link"`).value).toBe('"hello\\ntwo\\n"');
    expect(run(`builtins.pathExists "\${builtins.fetchGit ${repo}}/untracked.txt"`).value).toBe('false');
    expect(run(`builtins.pathExists "\${builtins.fetchGit ${repo}}/.git"`).value).toBe('false');
  });

  test('a name, a file:// URL, shallow (fetchGit still gives revCount 0) [2.8]', () => {
    expect(run(`(builtins.fetchGit { url = ${repo}; shallow = true; name = "n"; }).outPath`).value).toBe('"/nix/store/2y511am9d82l9cqd84gm935gjh3c3nzh-n"');
    expect(run(`(builtins.fetchGit { url = ${repo}; shallow = true; }).revCount`).value).toBe('0');
    expect(run(`(builtins.fetchGit "file://${repo}").rev`).value).toBe(`"${SECOND}"`);
  });

  test('fetchTree { type = "git"; } is shallow by default: no revCount [source]', () => {
    expect(run(`builtins.attrNames (builtins.fetchTree { type = "git"; url = "${repo}"; })`).value).toBe(
      '[ "lastModified" "lastModifiedDate" "narHash" "outPath" "rev" "shortRev" "submodules" ]',
    );
    expect(run(`(builtins.fetchTree { type = "git"; url = "${repo}"; shallow = false; }).revCount`).value).toBe('2');
  });
});

describe('a commit', () => {
  test('by rev: its tree from the repository\'s objects [2.8]', () => {
    expect(run(attrs(`builtins.fetchGit { url = ${repo}; rev = "${FIRST}"; }`)).value).toBe(
      '{ files = [ "a.txt" "link" "run.sh" "sub" ]; lastModified = 1577934245; lastModifiedDate = "20200102030405"; '
      + 'narHash = "sha256-pPbXy8cPIjFk8mxIafDmTq8j3BzL4ANefbK+EUdzGgo="; o = "/nix/store/9bqgiq0f4g4lh57x91hjs73kl05hxkkw-source"; '
      + `rev = "${FIRST}"; revCount = 1; shortRev = "49c5d00"; submodules = false; }`,
    );
    expect(run(`builtins.readFile "\${builtins.fetchGit { url = ${repo}; rev = "${FIRST}"; }}/a.txt"`).value).toBe('"hello\\n"');
    expect(run(`builtins.readFile "\${builtins.fetchGit { url = ${repo}; rev = "${FIRST}"; }}/link"`).value).toBe('"hello\\n"');
  });

  test('by ref: what the branch names, export-ignore applied from the commit\'s attributes [2.8]', () => {
    expect(run(`(builtins.fetchGit { url = "file://${repo}"; ref = "master"; }).narHash`).value)
      .toBe('"sha256-hvbRnCRm9aNzIkupNr7tWSPBB8k8dkwuIdjc24p8J5E="');
    expect(run(`(builtins.fetchGit { url = ${repo}; ref = "master"; exportIgnore = false; }).narHash`).value)
      .not.toBe('"sha256-hvbRnCRm9aNzIkupNr7tWSPBB8k8dkwuIdjc24p8J5E="');
  });
});

describe('a dirty working tree', () => {
  let dirty: string;
  beforeAll(() => {
    // A clone whose index drops the attributes and the file they ignore.
    dirty = join(root, 'dirty');
    execFileSync('git', ['clone', '-q', repo, dirty], { env: GIT_ENV });
    git(dirty, ['rm', '-q', '--cached', '.gitattributes', 'ignored.txt']);
  });

  test('has no revision: fetchGit\'s zeros, dirtyRev from HEAD, a warning [2.8, source]', () => {
    const r = run(attrs(`builtins.fetchGit ${dirty}`));
    // narHash, outPath, files and the zero revision are 2.8's; dirtyRev is current Nix's.
    expect(r.value).toBe(
      `{ dirtyRev = "${SECOND}-dirty"; dirtyShortRev = "cf35bad-dirty"; files = [ "a.txt" "link" "run.sh" "sub" ]; `
      + 'lastModified = 1609556645; lastModifiedDate = "20210102030405"; narHash = "sha256-hqfc3LDGIXg99djGFHNlgcx1fqTSfbepZMasnsT668s="; '
      + 'o = "/nix/store/gr4qs9vazca8z9kdf3b4mz7grsxmq68m-source"; rev = "0000000000000000000000000000000000000000"; revCount = 0; '
      + 'shortRev = "0000000"; submodules = false; }',
    );
    expect(r.messages).toEqual([`warning: Git tree '${dirty}' is dirty`]);
    // fetchTree has no revision at all.
    expect(run(`builtins.fetchTree { type = "git"; url = "${dirty}"; } ? rev`).value).toBe('false');
  });

  test('a changed file is read as it is in the working tree; allow-dirty and warn-dirty [source]', () => {
    writeFileSync(join(dirty, 'sub', 'deep', 'f'), 'changed\n');
    expect(run(`builtins.readFile "\${builtins.fetchGit ${dirty}}/sub/deep/f"`, { settings: { warnDirty: false } }))
      .toEqual({ value: '"changed\\n"', messages: [] });
    expect(run(`builtins.fetchGit ${dirty}`, { settings: { allowDirty: false } }).error).toBe(`Git tree '${dirty}' is dirty`);
  });

  test('export-ignore comes from the index\'s attributes [source]', () => {
    const ignoring = join(root, 'ignoring');
    execFileSync('git', ['clone', '-q', repo, ignoring], { env: GIT_ENV });
    writeFileSync(join(ignoring, 'a.txt'), 'dirty\n');
    expect(run(`builtins.attrNames (builtins.readDir (builtins.fetchGit ${ignoring}))`).value)
      .toBe('[ ".gitattributes" "a.txt" "link" "run.sh" "sub" ]');
    expect(run(`builtins.attrNames (builtins.readDir (builtins.fetchGit { url = ${ignoring}; exportIgnore = false; }))`).value)
      .toBe('[ ".gitattributes" "a.txt" "ignored.txt" "link" "run.sh" "sub" ]');
  });
});

describe('submodules', () => {
  test('submodules = true adds the submodules\' own tracked files', () => {
    const outer = join(root, 'outer');
    mkdirSync(outer);
    git(outer, ['init', '-q', '-b', 'master']);
    writeFileSync(join(outer, 'top.txt'), 'top\n');
    git(outer, ['add', 'top.txt']);
    git(outer, ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', repo, 'inner']);
    git(outer, ['commit', '-q', '-m', 'with a submodule'], '2022-01-01T00:00:00Z');
    const files = (flags: string): string | undefined => run(
      `builtins.attrNames (builtins.readDir "\${builtins.fetchGit { url = ${outer}; ${flags} }}/inner")`,
    ).value ?? run(`builtins.pathExists "\${builtins.fetchGit { url = ${outer}; ${flags} }}/inner"`).value;
    expect(files('')).toBe('false');
    expect(files('submodules = true;')).toBe('[ ".gitattributes" "a.txt" "ignored.txt" "link" "run.sh" "sub" ]');
    expect(run(`(builtins.fetchGit { url = ${outer}; submodules = true; }).submodules`).value).toBe('true');
  });
});

describe('errors', () => {
  test('what is not a local repository, or would need the network', () => {
    expect(run(`builtins.fetchGit ${root}`).error).toBe(`'${root}' is not a Git repository`);
    expect(run('builtins.fetchGit "https://example.org/r.git"').error).toBe("builtins.fetchGit cannot fetch 'https://example.org/r.git': nixeval never accesses the network");
    expect(run('builtins.fetchGit "git@example.org:r.git"').error).toBe("builtins.fetchGit cannot fetch 'git@example.org:r.git': nixeval never accesses the network");
    expect(run(`builtins.fetchGit { url = ${repo}; colour = "red"; }`).error).toBe("input attribute 'colour' not supported by scheme 'git'");
    expect(run(`builtins.fetchGit { url = ${repo}; rev = "abc"; }`).error).toBe("invalid Git revision 'abc'");
    // libfetchers' getStrAttr, on the attributes fetchGit / fetchTree made (type, and their defaults).
    expect(run('builtins.fetchGit { }').error).toBe("input attribute 'url' is missing");
    expect(run('builtins.fetchGit { url = 1; ref = "main"; }').error)
      .toBe('input attribute \'url\' is not a string {"exportIgnore":true,"ref":"main","type":"git","url":1}');
    expect(run('builtins.fetchGit { url = true; submodules = true; }').error)
      .toBe('input attribute \'url\' is not a string {"submodules":true,"type":"git","url":true}');
    expect(run('builtins.fetchTree { type = "git"; url = 2; }').error)
      .toBe('input attribute \'url\' is not a string {"shallow":true,"type":"git","url":2}');
    // The git scheme's other attributes, in the order inputFromAttrs and fixupInput read them
    // (ref before url), fetchGit's url shown as fixGitURL renders it.
    expect(run('builtins.fetchGit { url = 1; ref = 2; }').error)
      .toBe('input attribute \'ref\' is not a string {"exportIgnore":true,"ref":2,"type":"git","url":1}');
    expect(run('builtins.fetchGit { url = "/a b/r%"; rev = true; }').error)
      .toBe('input attribute \'rev\' is not a string {"exportIgnore":true,"rev":true,"type":"git","url":"file:///a%20b/r%25"}');
    expect(run('builtins.fetchGit { url = "git+file:///r"; ref = false; }').error)
      .toBe('input attribute \'ref\' is not a string {"exportIgnore":true,"ref":false,"type":"git","url":"file:///r"}');
    expect(run(`builtins.fetchGit { url = ${repo}; shallow = 1; }`).error).toBe("input attribute 'shallow' is not a Boolean");
    expect(run(`builtins.fetchGit { url = ${repo}; submodules = "yes"; shallow = 1; }`).error).toBe("input attribute 'shallow' is not a Boolean");
    expect(run(`builtins.fetchGit { url = ${repo}; allRefs = "yes"; }`).error).toBe("input attribute 'allRefs' is not a Boolean");
    expect(run(`builtins.fetchGit { url = ${repo}; revCount = "1"; }`).error).toBe("input attribute 'revCount' is not an integer");
    expect(run(`builtins.fetchGit { url = ${repo}; lastModified = true; }`).error).toBe("input attribute 'lastModified' is not an integer");
    expect(run(`builtins.fetchTree { type = "git"; url = "${repo}"; name = "x"; }`).error).toBe("argument 'name' isn\u2019t supported in call to 'fetchTree'");
    expect(run(`builtins.fetchGit { url = ${repo}; narHash = "sha256-AAAA"; }`).error)
      .toBe(`NAR hash mismatch in input 'git+file://${repo}?exportIgnore=1', expected 'sha256-AAAA' but got 'sha256-hvbRnCRm9aNzIkupNr7tWSPBB8k8dkwuIdjc24p8J5E='`);
    // The input as current C++ Nix's GitInputScheme::toURL shows it: git+, the flags as the query.
    expect(run(`builtins.fetchTree { type = "git"; url = "file://${repo}"; exportIgnore = true; narHash = "sha256-AAAA"; }`).error)
      .toBe(`NAR hash mismatch in input 'git+file://${repo}?exportIgnore=1&shallow=1', expected 'sha256-AAAA' but got 'sha256-hvbRnCRm9aNzIkupNr7tWSPBB8k8dkwuIdjc24p8J5E='`);
  });

  test('in pure evaluation, only a locked input [source]', () => {
    expect(run(`builtins.fetchGit ${repo}`, { pure: true, io: new FsIO({ roots: [root] }) }).error)
      .toBe(`in pure evaluation mode, 'fetchGit' doesn't fetch unlocked input 'git+file://${repo}?exportIgnore=1'`);
    expect(run(`builtins.fetchGit { url = ${repo}; ref = "master"; }`, { pure: true, io: new FsIO({ roots: [root] }) }).error)
      .toBe(`in pure evaluation mode, 'fetchGit' doesn't fetch unlocked input 'git+file://${repo}?exportIgnore=1&ref=master'`);
    expect(run(`(builtins.fetchGit { url = ${repo}; rev = "${FIRST}"; }).revCount`, { pure: true, io: new FsIO({ roots: [root] }) }).value).toBe('1');
  });

  test('the sandbox: a repository outside the roots, or not on disk, is not read', () => {
    const other = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-fetchgit-root-')));
    try {
      expect(run(`builtins.fetchGit ${repo}`, { io: new FsIO({ roots: [other] }) }).error).toMatch(/^access to (absolute|canonical) path '.*' is forbidden in restricted mode$/);
      const mem = new MemoryIO({ [`${repo}/a.txt`]: 'x' });
      expect(run(`builtins.fetchGit ${repo}`, { io: mem }).error).toBe(`cannot fetch the Git repository '${repo}': it is not a directory on this machine's filesystem`);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
