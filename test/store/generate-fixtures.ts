// Regenerates test/store/fixtures.json from cases.ts with C++ Nix:
//
//   npx tsc -p . && node dist/test/store/generate-fixtures.js [path/to/nix-instantiate]
//
// Each case is evaluated by `nix-instantiate --eval --strict --json --readonly-mode` with
// `NIX_REMOTE=dummy://` (a store that computes paths and never writes), in a scratch
// directory holding the case's files. No daemon is used and nothing is written to any store.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cases, PRELUDE, type CaseFile } from './cases.js';
import { writeCaseFiles } from './files.js';

export interface Fixture {
  name: string;
  expr: string;
  files?: Record<string, CaseFile>;
  /** The JSON nix-instantiate printed, or undefined when it failed. */
  json?: string;
  /** The first line of C++ Nix's error, when it failed. */
  error?: string;
}

const nix = process.argv[2] ?? 'nix-instantiate';
const version = execFileSync(nix, ['--version'], { encoding: 'utf8' }).trim();
const out: Fixture[] = [];
for (const c of cases) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-fixture-')));
  try {
    writeCaseFiles(dir, c.files);
    const expr = PRELUDE + c.expr;
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NIX_REMOTE: 'dummy://', NIX_STORE_DIR: '/nix/store' };
    const f: Fixture = { name: c.name, expr, files: c.files };
    try {
      const stdout = execFileSync(nix, ['--readonly-mode', '--eval', '--strict', '--json', '-E', expr], { cwd: dir, env, encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'] });
      f.json = stdout.replace(/\n$/, '');
    } catch (e) {
      const stderr = String((e as { stderr?: string }).stderr ?? e);
      f.error = stderr.split('\n').find((l) => l.startsWith('error:')) ?? stderr.split('\n')[0];
      process.stderr.write(`${c.name}: C++ Nix failed: ${f.error}\n`);
    }
    out.push(f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const file = resolve(process.argv[3] ?? 'test/store/fixtures.json');
writeFileSync(file, JSON.stringify({ generator: version, store: 'dummy://', fixtures: out }, null, 1) + '\n');
process.stdout.write(`${out.length} fixtures (${out.filter((f) => f.error).length} failing in C++ Nix) written to ${file} by ${version}\n`);
