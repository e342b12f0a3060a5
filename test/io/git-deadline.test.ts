// fetchGit runs the git program to its end in the evaluation's thread, where no tick can stop
// it: past the evaluation's deadline it is killed, and the evaluation ends with its timeout (a
// slow git, here one whose `ls-files` never answers, held the worker until it was replaced).
//
// The fake git must come first on PATH before the fetcher is loaded (it reads PATH once).

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-git-deadline-')));
const bin = join(base, 'bin');
const repo = join(base, 'repo');
const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

beforeAll(() => {
  mkdirSync(bin);
  mkdirSync(repo);
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.org', GIT_COMMITTER_NAME: 'C', GIT_COMMITTER_EMAIL: 'c@example.org' };
  execFileSync(realGit, ['-C', repo, 'init', '-q'], { env });
  writeFileSync(join(repo, 'f'), 'x');
  execFileSync(realGit, ['-C', repo, 'add', 'f'], { env });
  execFileSync(realGit, ['-C', repo, 'commit', '-q', '-m', 'x'], { env });
  writeFileSync(join(bin, 'git'), `#!/bin/sh\nfor a in "$@"; do [ "$a" = ls-files ] && exec sleep 60; done\nexec '${realGit}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

test('a git that outlasts the deadline is killed, and the evaluation times out', async () => {
  process.env.PATH = `${bin}:${process.env.PATH}`;
  const { evaluate } = await import('../../src/eval.js');
  const { FsIO } = await import('../../src/io/fs-io.js');
  const started = Date.now();
  let outcome: string;
  try {
    const r = evaluate({ expr: `(builtins.fetchGit ${repo}).rev`, io: new FsIO({ roots: [base] }), deadline: Date.now() + 1000 });
    outcome = r.ok ? 'a value' : r.error.message;
  } catch (e) {
    outcome = (e as Error).message;
  }
  expect(outcome).toBe('evaluation timed out');
  // Killed at the deadline, not when the fake git's sleep would have ended.
  expect(Date.now() - started).toBeLessThan(30_000);
});
