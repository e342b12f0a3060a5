// nixpkgs lib's own test suites (../shared/nixpkgs-lib, its README says how upstream runs
// them), run with `nixeval instantiate` standing in for `nix-instantiate`, as a user switching
// evaluators would: a directory holding a `nix-instantiate` that runs nixeval comes first on
// PATH. Each run works on a writable copy of the folder, in a scratch store directory
// (NIX_STORE_DIR, as upstream's test-with-nix.nix sets up), and nixeval's --write-store
// copies there the store paths the scripts read back (sources.sh, fileset/tests.sh).
//
// modules.sh runs 410 checks, one process each; it is split into shards that run at the same
// time (see SHARD_PRELUDE), each running every Nth check and all of the script around them.

import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: compiled files live in dist/test/nixpkgs-lib/, three levels down. */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));
export const cliPath: string = join(repoRoot, 'dist', 'src', 'cli.cjs');
export const defaultLibDir: string = resolve(repoRoot, '..', 'shared', 'nixpkgs-lib');

/** The folder holding nixpkgs' lib/, or undefined when it is absent (the suites are then skipped). */
export function findNixpkgsLib(): string | undefined {
  const override = process.env.NIXEVAL_NIXPKGS_LIB;
  if (override !== undefined && override !== '') {
    if (!existsSync(join(override, 'lib', 'default.nix'))) throw new Error(`NIXEVAL_NIXPKGS_LIB=${override}: no lib/default.nix there`);
    return resolve(override);
  }
  return existsSync(join(defaultLibDir, 'lib', 'default.nix')) ? defaultLibDir : undefined;
}

export interface Suite {
  name: string;
  /** The command, run from the copy's root (the folder holding lib/). */
  command: string[];
  /** Why the run does not pass (the suite's own criterion), or undefined when it passes. */
  judge(run: Run): string | undefined;
  /** How many shards to split the suite's checks into (see SHARD_PRELUDE). */
  shards?: number;
  /** Each shard's check count is reported by the prelude; the test checks they add up. */
  sharded?: boolean;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

const printsEmptyList = (run: Run): string | undefined =>
  run.code === 0 && run.stdout === '[ ]\n' ? undefined : `expected exit 0 and "[ ]", got exit ${run.code} and ${JSON.stringify(tail(run.stdout))}`;

const exitsZero = (run: Run): string | undefined => (run.code === 0 ? undefined : `exit ${run.code}: ${tail(run.stderr)}`);

const instantiate = (file: string): string[] => ['nix-instantiate', '--eval', '--strict', file];

export const SUITES: Suite[] = [
  { name: 'misc', command: instantiate('lib/tests/misc.nix'), judge: printsEmptyList },
  { name: 'systems', command: instantiate('lib/tests/systems.nix'), judge: printsEmptyList },
  { name: 'fetchers', command: instantiate('lib/tests/fetchers.nix'), judge: printsEmptyList },
  { name: 'debug', command: ['bash', 'lib/tests/debug.sh'], judge: exitsZero },
  { name: 'filesystem', command: ['bash', 'lib/tests/filesystem.sh'], judge: exitsZero },
  { name: 'network', command: ['bash', 'lib/tests/network.sh'], judge: exitsZero },
  { name: 'sources', command: ['bash', 'lib/tests/sources.sh'], judge: exitsZero },
  {
    name: 'path-unit',
    command: ['sh', '-c', 'nix-instantiate --eval --show-trace --argstr libpath "$TEST_LIB" lib/path/tests/unit.nix'],
    // throwTestFailures gives null when nothing failed.
    judge: (run) => (run.code === 0 && run.stdout === 'null\n' ? undefined : `expected null, got exit ${run.code}: ${tail(run.stdout + run.stderr)}`),
  },
  // A fixed seed: the same 500 generated paths every run (upstream picks one at random).
  { name: 'path-prop', command: ['bash', 'lib/path/tests/prop.sh', '20260614'], judge: exitsZero },
  { name: 'fileset', command: ['bash', 'lib/fileset/tests.sh'], judge: exitsZero },
  {
    name: 'modules',
    command: ['bash', 'lib/tests/modules.sh'],
    shards: 2,
    sharded: true,
    judge: (run) => {
      const m = /^(\d+) Pass\n(\d+) Fail\n/m.exec(run.stdout);
      if (run.code === 0 && m && m[2] === '0') return undefined;
      return `exit ${run.code}: ${failures(run.stdout)}`;
    },
  },
];

function tail(s: string, lines = 15): string {
  return s.split('\n').slice(-lines).join('\n');
}

/** The failed checks of a modules.sh run, each as its location and expectation. */
function failures(stdout: string): string {
  const out = stdout.split('\n').filter((l) => l.includes('TEST FAILED') || l.startsWith('EXPECTED'));
  return out.length > 0 ? out.join('\n') : tail(stdout);
}

/**
 * Read by bash before the script (BASH_ENV). A DEBUG trap sees each top-level command before
 * it runs; the first time it sees a call of a check function (check..., expect...), it wraps
 * the function: a call from the top level of the script is numbered, and runs only in the
 * shard whose index is its number modulo the shard count (a call from inside a function
 * always runs). The rest of the script (set-up, variables, clean-up) runs in every shard. At
 * the end it prints how many checks it saw, so the shards can be seen to cover the script.
 * (A failure report's location names the wrapper's line rather than the script's.)
 */
const SHARD_PRELUDE = `
__nixeval_checks=0
__nixeval_wrap() {
  [[ $BASH_COMMAND =~ ^([A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*[[:space:]]+)*(check[A-Za-z]*|expect[A-Za-z]*)([[:space:]]|$) ]] || return 0
  local name=\${BASH_REMATCH[2]}
  [[ $(type -t "$name") == function && $(type -t "__nixeval_orig_$name") != function ]] || return 0
  eval "__nixeval_orig_$(declare -f "$name")"
  eval "$name() {
    if [[ \\\${#FUNCNAME[@]} -le 2 ]]; then
      local __n=\\$((__nixeval_checks++))
      (( __n % NIXEVAL_SHARDS == NIXEVAL_SHARD )) || return 0
    fi
    __nixeval_orig_$name \\"\\$@\\"
  }"
}
trap '__nixeval_wrap' DEBUG
trap 'echo "nixeval-shard: $__nixeval_checks checks" >&2' EXIT
`;

/** A writable copy of the folder, the shim, a scratch store and home: shared by the suites of a run. */
export interface Workspace {
  root: string;
  /** The copy: holds lib/. */
  copy: string;
  shimDir: string;
  storeDir: string;
  home: string;
  confDir: string;
  prelude: string;
}

export function createWorkspace(libDir: string): Workspace {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-nixpkgs-lib-')));
  const ws: Workspace = {
    root,
    copy: join(root, 'nixpkgs'),
    shimDir: join(root, 'bin'),
    storeDir: join(root, 'store'),
    home: join(root, 'home'),
    confDir: join(root, 'etc'),
    prelude: join(root, 'shard-prelude.bash'),
  };
  cpSync(libDir, ws.copy, { recursive: true });
  chmodRecursive(ws.copy);
  for (const d of [ws.shimDir, ws.storeDir, ws.home, ws.confDir]) mkdirSync(d);
  const shim = join(ws.shimDir, 'nix-instantiate');
  writeFileSync(shim, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(cliPath)} instantiate --write-store "$@"\n`);
  chmodSync(shim, 0o755);
  writeFileSync(ws.prelude, SHARD_PRELUDE);
  return ws;
}

/** The copy of a read-only folder is read-only too: make it writable, as the scripts need. */
function chmodRecursive(dir: string): void {
  const { readdirSync, lstatSync } = process.getBuiltinModule('node:fs');
  const todo = [dir];
  while (todo.length > 0) {
    const d = todo.pop()!;
    chmodSync(d, 0o755);
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const st = lstatSync(p);
      if (st.isDirectory()) todo.push(p);
      else if (st.isFile()) chmodSync(p, st.mode | 0o200);
    }
  }
}

export function disposeWorkspace(ws: Workspace): void {
  // Store objects are read-only, as in a real store.
  const { execFileSync } = process.getBuiltinModule('node:child_process');
  try {
    execFileSync('chmod', ['-R', 'u+w', ws.root]);
  } catch {
    // Removal below reports what is left.
  }
  rmSync(ws.root, { recursive: true, force: true });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The environment of a suite: ours without Nix's, jest's or the locale's settings, plus the
 * workspace; without NODE_EXTRA_CA_CERTS too, with which Node 20 parses every CA certificate
 * as it starts (about 80 ms of CPU for each of the suites' thousands of processes), though
 * nixeval makes no TLS connection.
 */
function suiteEnv(ws: Workspace, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^_?NIX_/.test(k) || k.startsWith('XDG_') || k === 'NODE_OPTIONS' || k === 'NODE_EXTRA_CA_CERTS' || k === 'BASH_ENV' || k.startsWith('JEST_')) continue;
    env[k] = v;
  }
  return {
    ...env,
    PATH: `${ws.shimDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: ws.home,
    NIX_STORE_DIR: ws.storeDir,
    NIX_CONF_DIR: ws.confDir,
    NIX_USER_CONF_FILES: '',
    TEST_LIB: join(ws.copy, 'lib'),
    TMPDIR: ws.root,
    ...extra,
  };
}

function runCommand(ws: Workspace, command: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(command[0], command.slice(1), { cwd: ws.copy, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), durationMs: Date.now() - started });
    });
  });
}

export interface SuiteResult {
  suite: string;
  /** Why it failed, or undefined. */
  failure?: string;
  durationMs: number;
  runs: Run[];
}

/** Runs a suite (its shards at the same time) and judges it. */
export async function runSuite(ws: Workspace, suite: Suite, timeoutMs: number): Promise<SuiteResult> {
  const started = Date.now();
  const shards = suite.shards ?? 1;
  const runs = await Promise.all(Array.from({ length: shards }, (_, i) => {
    const extra: Record<string, string> = shards > 1
      ? { BASH_ENV: ws.prelude, NIXEVAL_SHARDS: String(shards), NIXEVAL_SHARD: String(i) }
      : {};
    return runCommand(ws, suite.command, suiteEnv(ws, extra), timeoutMs);
  }));
  const reasons = runs.map((r, i) => {
    const why = suite.judge(r);
    return why === undefined ? undefined : shards > 1 ? `shard ${i + 1} of ${shards}: ${why}` : why;
  }).filter((r): r is string => r !== undefined);
  if (suite.sharded) {
    const counts = runs.map((r) => /nixeval-shard: (\d+) checks/.exec(r.stderr)?.[1]);
    const passes = runs.map((r) => Number(/^(\d+) Pass$/m.exec(r.stdout)?.[1] ?? NaN));
    const total = Number(counts[0]);
    const sum = passes.reduce((a, b) => a + b, 0);
    if (counts.some((c) => c === undefined || c !== counts[0])) reasons.push(`the shards saw different checks: ${counts.join(', ')}`);
    else if (reasons.length === 0 && sum !== total) reasons.push(`the shards passed ${sum} checks of ${total}`);
  }
  return { suite: suite.name, failure: reasons.length > 0 ? reasons.join('\n') : undefined, durationMs: Date.now() - started, runs };
}
