// The conformance runner for the Nix language test corpus (../shared/nix-lang-tests).
//
// The corpus README is the specification this file follows: each test kind has one command,
// run from a directory in which the corpus is visible as `lang/`, with a fixed environment,
// and its output is compared byte for byte with the expected files. The upstream driver is a
// shell script (tests/functional/lang.sh in C++ Nix); where the README leaves a detail open,
// this runner does what that script's shell would do.

import { spawn } from 'node:child_process';
import {
  closeSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync,
  readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: compiled files live in dist/test/conformance/, three levels down. */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));

/** The evaluator's command line, run in place of `nix-instantiate`. */
export const cliPath: string = join(repoRoot, 'dist', 'src', 'cli.cjs');

/** Where the list of tests known to pass is checked in (the source tree, not dist/). */
export const passingListPath: string = join(repoRoot, 'test', 'conformance', 'passing.txt');

export const TIMEOUT_MS = 20_000;
export const CONCURRENCY = 2;

export const KINDS = ['parse-okay', 'parse-fail', 'eval-okay', 'eval-fail', 'non-eval-fail'] as const;
export type Kind = (typeof KINDS)[number];

export function isKind(s: string): s is Kind {
  return (KINDS as readonly string[]).includes(s);
}

export interface TestCase {
  name: string;
  kind: Kind;
  /** The MANIFEST's rendering of the driver's command, kept to check the runner against it. */
  manifestCommand: string;
  /** `.exp-disabled` present: the driver does not run it, so neither do we. */
  disabled: boolean;
}

export interface TestResult {
  name: string;
  kind: Kind;
  pass: boolean;
  /** Empty when the test passes; otherwise what differed, in a line or so. */
  reason: string;
}

/**
 * The corpus folder, or undefined when it is absent (the conformance suite is then skipped).
 * NIXEVAL_CORPUS overrides the default location; if it is set but wrong, that is a mistake
 * worth an error rather than a silent skip.
 */
export const defaultCorpusDir: string = resolve(repoRoot, '..', 'shared', 'nix-lang-tests');

export function findCorpus(): string | undefined {
  const override = process.env.NIXEVAL_CORPUS;
  if (override !== undefined && override !== '') {
    const dir = resolve(override);
    if (!existsSync(join(dir, 'MANIFEST.tsv'))) {
      throw new Error(`NIXEVAL_CORPUS=${override}: no MANIFEST.tsv in ${dir}`);
    }
    return realpathSync(dir);
  }
  return existsSync(join(defaultCorpusDir, 'MANIFEST.tsv')) ? realpathSync(defaultCorpusDir) : undefined;
}

/** Every row of MANIFEST.tsv, in the MANIFEST's order. */
export function listTests(corpus: string): TestCase[] {
  const text = readFileSync(join(corpus, 'MANIFEST.tsv'), 'utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  const header = lines[0]?.split('\t') ?? [];
  if (header[0] !== 'test' || header[1] !== 'kind' || header[2] !== 'command') {
    throw new Error(`MANIFEST.tsv: unexpected header ${JSON.stringify(lines[0])}`);
  }
  return lines.slice(1).map((line, i) => {
    const [name, kind, command] = line.split('\t');
    if (!name || !isKind(kind) || command === undefined) {
      throw new Error(`MANIFEST.tsv line ${i + 2}: cannot read ${JSON.stringify(line)}`);
    }
    return {
      name,
      kind,
      manifestCommand: command,
      // The driver decides this by the file's presence, not by the MANIFEST, so we do too.
      disabled: existsSync(join(corpus, `${name}.exp-disabled`)),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// How each kind is run

/** The text the bad-drvPath check looks for in the merged output. */
export const BAD_DRV_PATH_MESSAGE =
  "store path '2chwzswhhmpxbgc981i2vcz7xj4d1in9-cachix-1.7.3-bin' is not a valid derivation path";

/** One command of the driver, relative to the working directory that holds `lang/`. */
export interface Plan {
  /** Arguments after `nix-instantiate`. */
  args: string[];
  /** `env NAME=value` prefixes of the command (NIX_PATH, HOME), in the driver's order. */
  env: [string, string][];
  /** Input redirected from this file (`< lang/NAME.nix`); otherwise stdin is /dev/null. */
  stdinFile?: string;
  /** stdout and stderr go to one stream (the shell's `2>&1`), so their interleaving counts. */
  merged: boolean;
}

/** Bash's default IFS: `$flags` is split on these and nothing else (not on `\r`). */
function splitWords(s: string): string[] {
  return s.split(/[ \t\n]+/).filter((w) => w !== '');
}

function readIfExists(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

/** The driver's command for one test, as the README's "How each kind is run" gives it. */
export function planTest(corpus: string, test: TestCase): Plan {
  const file = `lang/${test.name}.nix`;
  const flagsFile = readIfExists(join(corpus, `${test.name}.flags`))?.toString('latin1');
  switch (test.kind) {
    case 'parse-okay':
      return { args: ['--parse', '-'], env: [], stdinFile: file, merged: false };
    case 'parse-fail':
      return { args: ['--parse', '-'], env: [], stdinFile: file, merged: true };
    case 'eval-okay': {
      if (existsSync(join(corpus, `${test.name}.exp.xml`))) {
        return { args: ['--eval', '--xml', '--no-location', '--strict', file], env: [], merged: false };
      }
      // Only the first line of the flags, and they come before `--eval --strict`.
      const flags = flagsFile === undefined ? [] : splitWords(flagsFile.split('\n')[0]);
      return {
        args: [...flags, '--eval', '--strict', file],
        env: [['NIX_PATH', 'lang/dir3:lang/dir4'], ['HOME', '/fake-home']],
        merged: false,
      };
    }
    case 'eval-fail': {
      // The whole file minus `#` comments, and it replaces the default flags.
      const flags = flagsFile === undefined
        ? ['--eval', '--strict', '--show-trace']
        : splitWords(flagsFile.replace(/#[^\n]*/g, ''));
      return { args: [...flags, file], env: [], merged: true };
    }
    case 'non-eval-fail':
      return { args: ['--show-trace', file], env: [], merged: true };
  }
}

/** A word quoted for a POSIX shell the way the MANIFEST quotes it (only when needed). */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The plan written as the MANIFEST writes commands, so the two can be checked against each other. */
export function renderCommand(plan: Plan): string {
  const env = plan.env.length > 0 ? `env ${plan.env.map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ')} ` : '';
  const stdin = plan.stdinFile !== undefined ? ` < ${shellQuote(plan.stdinFile)}` : '';
  return `${env}nix-instantiate ${plan.args.map(shellQuote).join(' ')}${stdin}`;
}

// ---------------------------------------------------------------------------------------------
// Running one command

/**
 * The program run as `nix-instantiate`: our CLI, unless NIXEVAL_INSTANTIATE names another
 * command (e.g. `nix-instantiate`, to check the runner itself against C++ Nix).
 */
export function instantiateCommand(): string[] {
  const override = process.env.NIXEVAL_INSTANTIATE;
  if (override !== undefined && override.trim() !== '') return splitWords(override);
  return [process.execPath, cliPath, 'instantiate'];
}

/** `show-trace = true` and the two experimental features, as the corpus's Nix was configured. */
const NIX_CONF = 'show-trace = true\nexperimental-features = nix-command flakes\n';

/**
 * The README's environment. We start from our own, minus anything that would change how a
 * `nix-instantiate` behaves: every NIX_* and XDG_* variable (NIX_PATH must be unset unless
 * the command sets it), and NODE_OPTIONS, which belongs to whoever runs the runner (jest, a
 * debugger) and not to the program under test. NODE_EXTRA_CA_CERTS goes too: with it, Node 20
 * reads and parses every CA certificate as it starts (about 80 ms of CPU per process), and
 * nixeval makes no TLS connection.
 */
function testEnv(plan: Plan, ws: Workspace, home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^_?NIX_/.test(k) || k.startsWith('XDG_') || k === 'NODE_OPTIONS' || k === 'NODE_EXTRA_CA_CERTS') continue;
    env[k] = v;
  }
  Object.assign(env, {
    TEST_VAR: 'foo',
    IMPURE_VAR1: 'foo',
    IMPURE_VAR2: 'bar',
    NIX_REMOTE: 'dummy://',
    NIX_STORE_DIR: '/nix/store',
    // Nix reads its settings both from $NIX_CONF_DIR/nix.conf and from NIX_CONFIG; we give
    // both the same content so that an implementation reading either sees the same settings.
    NIX_CONF_DIR: ws.confDir,
    NIX_CONFIG: NIX_CONF,
    HOME: home,
    // A shell that had cd'd into the working directory would have set PWD to it.
    PWD: ws.work,
  });
  for (const [k, v] of plan.env) env[k] = v;
  Object.assign(env, extra);
  return env;
}

/**
 * The symlinks the README says the corpus has. A copy made without symlink support (git with
 * core.symlinks=false, some archivers) turns each into a regular file holding its target.
 */
export const CORPUS_SYMLINKS = [
  'readDir/ldir', 'readDir/linked', 'symlink-resolution/broken', 'symlink-resolution/foo/overlays',
] as const;

/**
 * The directory the tests run from, shared by every test of a run: `work/lang` is a real copy
 * of the corpus, and `work` holds nothing else, since tests look at `./..`.
 *
 * A copy rather than a `lang` symlink to the corpus: with a symlink, `./.` in a test file is
 * a symlink, and C++ Nix then adds the link itself, not the directory, to the store
 * (eval-okay-path gets a different hash; eval-fail-filterSource-4/5 never call their filter).
 * Upstream runs in a real `lang` directory, and so do we. Nothing writes to it: the store
 * is dummy:// and the output is captured outside it.
 */
export interface Workspace {
  root: string;
  work: string;
  confDir: string;
  /** What was done to the copy that the reader should know about (restored symlinks). */
  notes: string[];
}

/** Copies a tree, keeping symlinks as symlinks and leaving directories writable for removal. */
function copyTree(from: string, to: string): void {
  mkdirSync(to);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (entry.isDirectory()) copyTree(src, dst);
    else copyFileSync(src, dst);
  }
}

/** Turns a corpus symlink that arrived as a file holding its target back into a symlink. */
function restoreSymlink(lang: string, rel: string): string | undefined {
  const path = join(lang, rel);
  if (!existsSync(path) || lstatSync(path).isSymbolicLink() || !lstatSync(path).isFile()) return undefined;
  const target = readFileSync(path, 'latin1');
  // Only what a flattened symlink looks like: a short relative path on one line.
  if (target === '' || target.length > 255 || /[\n\0]/.test(target) || target.startsWith('/')) return undefined;
  rmSync(path);
  symlinkSync(target, path);
  return `${rel} was a regular file in the corpus; restored as a symlink to ${target}`;
}

export function createWorkspace(corpus: string): Workspace {
  // realpath: the child's getcwd() is the resolved path, and that is what /pwd replaces.
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-conformance-')));
  const ws: Workspace = { root, work: join(root, 'work'), confDir: join(root, 'etc'), notes: [] };
  mkdirSync(ws.work);
  mkdirSync(ws.confDir);
  writeFileSync(join(ws.confDir, 'nix.conf'), NIX_CONF);
  copyTree(corpus, join(ws.work, 'lang'));
  for (const rel of CORPUS_SYMLINKS) {
    const note = restoreSymlink(join(ws.work, 'lang'), rel);
    if (note !== undefined) ws.notes.push(note);
  }
  return ws;
}

export function disposeWorkspace(ws: Workspace): void {
  rmSync(ws.root, { recursive: true, force: true });
}

interface Outcome {
  /** Exit code, or null when killed by a signal or when the command could not start. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  spawnError?: string;
  stdout: Buffer;
  /** The merged stream when the plan is merged. */
  stderr: Buffer;
}

/**
 * Runs the plan with its output going to files, not pipes: a merged plan hands the same file
 * to stdout and stderr, exactly like the shell's `> out 2>&1`, so the order in which the two
 * streams were written is kept.
 */
function execute(plan: Plan, ws: Workspace, testDir: string, timeoutMs: number, extraEnv?: Record<string, string>): Promise<Outcome> {
  const [cmd, ...pre] = instantiateCommand();
  const outPath = join(testDir, 'stdout');
  const errPath = join(testDir, 'stderr');
  const home = join(testDir, 'home');
  mkdirSync(home);
  const outFd = openSync(outPath, 'w');
  const errFd = plan.merged ? outFd : openSync(errPath, 'w');
  const inFd = plan.stdinFile !== undefined ? openSync(join(ws.work, plan.stdinFile), 'r') : undefined;
  const fds = [...new Set([outFd, errFd, inFd])].filter((fd): fd is number => fd !== undefined);

  return new Promise((done) => {
    let timedOut = false;
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const fd of fds) closeSync(fd);
      done({
        code, signal, timedOut, spawnError,
        stdout: readFileSync(outPath),
        stderr: plan.merged ? Buffer.alloc(0) : readFileSync(errPath),
      });
    };
    const child = spawn(cmd, [...pre, ...plan.args], {
      cwd: ws.work,
      env: testEnv(plan, ws, home, extraEnv),
      stdio: [inFd ?? 'ignore', outFd, errFd],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => finish(null, null, e.message));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

// ---------------------------------------------------------------------------------------------
// Normalising and judging

/** Every occurrence of `from` in `buf` replaced by `to`, on bytes (outputs need not be UTF-8). */
export function replaceAllBytes(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  if (from.length === 0) return buf;
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(from); i !== -1; i = buf.indexOf(from, start)) {
    parts.push(buf.subarray(start, i), to);
    start = i + from.length;
  }
  if (start === 0) return buf;
  parts.push(buf.subarray(start));
  return Buffer.concat(parts);
}

/** The README's `/pwd` normalisation (upstream: `sed "s!$(pwd)!/pwd!g"`). */
export function normalisePwd(buf: Buffer, workDir: string): Buffer {
  return replaceAllBytes(buf, Buffer.from(workDir), Buffer.from('/pwd'));
}

/**
 * The normalisation of eval-fail-derivation-name, which hides line numbers of the built-in
 * derivation code. Upstream does it with sed, which works on one line at a time, so the
 * "following non-digit" is never the newline itself; the character class excludes `\n` to
 * keep that. latin1 maps bytes to code units one to one, so no byte is altered by the round trip.
 */
export function normaliseNumbers(buf: Buffer): Buffer {
  return Buffer.from(
    buf.toString('latin1').replace(/[0-9 ]{7}[0-9]([^0-9\n])/g, '<number>$1').replace(/[0-9]+/g, '<number>'),
    'latin1',
  );
}

/**
 * A line of output shown in a reason: decoded as UTF-8 for reading (the comparison itself is
 * on bytes), escaped, and cut short so a reason stays one line.
 */
function showLine(latin1Line: string): string {
  const line = Buffer.from(latin1Line, 'latin1').toString('utf8');
  const max = 120;
  return line.length > max ? `${JSON.stringify(line.slice(0, max))}…` : JSON.stringify(line);
}

/** Lines of a byte string, and whether it ends with a newline. */
function splitLines(buf: Buffer): { lines: string[]; finalNewline: boolean } {
  const lines = buf.toString('latin1').split('\n');
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  return { lines, finalNewline };
}

/** Undefined if equal; otherwise where the first difference is, by line. */
export function firstDifference(label: string, expected: Buffer, actual: Buffer): string | undefined {
  if (expected.equals(actual)) return undefined;
  const exp = splitLines(expected);
  const act = splitLines(actual);
  let i = 0;
  while (i < exp.lines.length && i < act.lines.length && exp.lines[i] === act.lines[i]) i++;
  const e = exp.lines[i];
  const a = act.lines[i];
  if (e !== undefined && a !== undefined) return `${label} line ${i + 1}: expected ${showLine(e)}, got ${showLine(a)}`;
  if (e !== undefined) return `${label} line ${i + 1}: expected ${showLine(e)}, got end of output`;
  if (a !== undefined) return `${label} line ${i + 1}: expected end of output, got ${showLine(a)}`;
  return `${label}: ${exp.finalNewline ? 'missing' : 'extra'} final newline`;
}

function exitProblem(o: Outcome, expected: number, timeoutMs: number): string | undefined {
  if (o.spawnError !== undefined) return `could not run: ${o.spawnError}`;
  if (o.timedOut) return `timeout after ${timeoutMs / 1000} s`;
  if (o.signal !== null) return `killed by ${o.signal}, expected exit ${expected}`;
  if (o.code !== expected) return `exit ${o.code}, expected ${expected}`;
  return undefined;
}

function expectedFile(corpus: string, name: string): Buffer {
  // An absent expected file means the expected output is empty.
  return readIfExists(join(corpus, name)) ?? Buffer.alloc(0);
}

function judge(corpus: string, test: TestCase, o: Outcome, work: string, timeoutMs: number): string[] {
  const { name } = test;
  const exit = (expected: number): string[] => {
    const p = exitProblem(o, expected, timeoutMs);
    return p === undefined ? [] : [p];
  };
  const diff = (label: string, expected: Buffer, actual: Buffer): string[] => {
    const d = firstDifference(label, expected, actual);
    return d === undefined ? [] : [d];
  };
  // A run that never finished has no output worth comparing.
  if (o.timedOut || o.spawnError !== undefined) return exit(0);

  switch (test.kind) {
    case 'parse-okay':
      return [
        ...exit(0),
        ...diff('stdout', expectedFile(corpus, `${name}.exp`), o.stdout),
        ...diff('stderr', expectedFile(corpus, `${name}.err.exp`), o.stderr),
      ];
    case 'parse-fail':
      // Parse tests read stdin, so their messages say «stdin»: no /pwd normalisation.
      return [...exit(1), ...diff('output', expectedFile(corpus, `${name}.err.exp`), o.stdout)];
    case 'eval-okay':
      if (existsSync(join(corpus, `${name}.exp.xml`))) {
        // Neither normalised nor compared on stderr, as the driver does.
        return [...exit(0), ...diff('stdout', expectedFile(corpus, `${name}.exp.xml`), o.stdout)];
      }
      return [
        ...exit(0),
        ...diff('stdout', expectedFile(corpus, `${name}.exp`), normalisePwd(o.stdout, work)),
        ...diff('stderr', expectedFile(corpus, `${name}.err.exp`), normalisePwd(o.stderr, work)),
      ];
    case 'eval-fail': {
      let out = normalisePwd(o.stdout, work);
      // Upstream's eval-fail-derivation-name.postprocess runs after the /pwd sed.
      if (name === 'eval-fail-derivation-name') out = normaliseNumbers(out);
      return [...exit(1), ...diff('output', expectedFile(corpus, `${name}.err.exp`), out)];
    }
    case 'non-eval-fail': {
      const found = o.stdout.includes(Buffer.from(BAD_DRV_PATH_MESSAGE));
      const firstLine = o.stdout.toString('latin1').split('\n')[0];
      return [...exit(1), ...(found ? [] : [`output lacks the bad-drvPath message, first line: ${showLine(firstLine)}`])];
    }
  }
}

/**
 * Runs one test the way the corpus README says and judges it. Without a workspace, makes one
 * for this test alone; runTests shares one between all its tests.
 */
export async function runTest(
  corpus: string, test: TestCase, timeoutMs: number = TIMEOUT_MS, workspace?: Workspace, extraEnv?: Record<string, string>,
  /** Options put before the driver's own (e.g. `--max-call-depth 10000`). */
  extraArgs: string[] = [],
): Promise<TestResult> {
  const base = { name: test.name, kind: test.kind };
  if (test.disabled) return { ...base, pass: false, reason: 'disabled (.exp-disabled): not run' };
  const ws = workspace ?? createWorkspace(corpus);
  // Each test's own HOME and captured output, outside the working directory.
  const testDir = mkdtempSync(join(ws.root, 'test-'));
  try {
    const plan = planTest(corpus, test);
    const outcome = await execute({ ...plan, args: [...extraArgs, ...plan.args] }, ws, testDir, timeoutMs, extraEnv);
    const problems = judge(corpus, test, outcome, ws.work, timeoutMs);
    return { ...base, pass: problems.length === 0, reason: problems.join('; ') };
  } finally {
    rmSync(testDir, { recursive: true, force: true });
    if (workspace === undefined) disposeWorkspace(ws);
  }
}

export interface RunOptions {
  concurrency?: number;
  timeoutMs?: number;
  /**
   * Wall-clock time (Date.now()) after which no further test is started; those left are
   * reported as failures saying so. This keeps a run bounded (and its report complete) even
   * when a broken build makes every test hit its timeout.
   */
  deadline?: number;
  onResult?: (r: TestResult) => void;
  /** Told what was done to the copy of the corpus (see Workspace.notes). */
  onNote?: (note: string) => void;
  /** Variables added to each test's environment (e.g. NIXEVAL_TIER, to run one tier). */
  env?: Record<string, string>;
}

/** Runs the tests, a few at a time; the results are in the order of `tests`. */
export async function runTests(corpus: string, tests: TestCase[], opts: RunOptions = {}): Promise<TestResult[]> {
  const ws = createWorkspace(corpus);
  for (const note of ws.notes) opts.onNote?.(note);
  const results: TestResult[] = new Array(tests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tests.length) {
      const i = next++;
      const t = tests[i];
      const r = opts.deadline !== undefined && Date.now() > opts.deadline
        ? { name: t.name, kind: t.kind, pass: false, reason: 'not run: time budget of the run exhausted' }
        : await runTest(corpus, t, opts.timeoutMs, ws, opts.env);
      results[i] = r;
      opts.onResult?.(r);
    }
  };
  try {
    const n = Math.max(1, Math.min(opts.concurrency ?? CONCURRENCY, tests.length));
    await Promise.all(Array.from({ length: n }, worker));
  } finally {
    disposeWorkspace(ws);
  }
  return results;
}

/** The names in passing.txt (blank lines and `#` comments ignored). */
export function readPassingList(path: string = passingListPath): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

export function writePassingList(names: Iterable<string>, path: string = passingListPath): void {
  // Plain code-unit order, the same as `LC_ALL=C sort`, so the file does not depend on a locale.
  const sorted = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  writeFileSync(path, sorted.map((n) => `${n}\n`).join(''));
}
