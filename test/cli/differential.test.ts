// `nixeval instantiate` against `nix-instantiate`: the same command lines, the same output and
// exit codes. Expectations marked [2.8] are what nix-instantiate 2.8.0 printed for the same
// command (run with NIX_CONF_DIR=/nonexistent NIX_USER_CONF_FILES= in a scratch directory);
// those marked [source] are current C++ Nix's, written from its source where 2.8 differs or
// lacks the feature (libutil/args.cc, configuration.cc, libmain/shared.cc, common-args.cc,
// nix-instantiate.cc, terminal.cc); [nixeval] marks what is nixeval's own (--help, --version).
// No test here needs C++ Nix.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NIX_VERSION, NIXEVAL_VERSION } from '../../src/version.js';
import { runCli } from './run-cli.js';

const TRY_HELP = "Try 'nix-instantiate --help' for more information.\n";

let dir: string;
beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-cli-')));
  writeFileSync(join(dir, 'f.nix'), '1 + 1\n');
  mkdirSync(join(dir, 'dir'));
  writeFileSync(join(dir, 'dir', 'default.nix'), '{ x = 3; }\n');
  mkdirSync(join(dir, 'sp', 'pkg'), { recursive: true });
  writeFileSync(join(dir, 'sp', 'pkg', 'default.nix'), '"found"\n');
  symlinkSync('f.nix', join(dir, 'link.nix'));
  writeFileSync(join(dir, 'ansi.nix'), 'builtins.trace "a\tb\x1b[31mred\x1b[0m\x1b[2Kx\x07y" 1\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], options: Parameters<typeof runCli>[2] = {}) => runCli(args, 'utf8', { cwd: dir, ...options });

describe('files, directories and the search path', () => {
  test('a file, a directory (its default.nix), a symlink to a file [2.8]', () => {
    expect(run(['--eval', 'f.nix'])).toEqual({ code: 0, stdout: '2\n', stderr: '' });
    expect(run(['--eval', 'dir'])).toEqual({ code: 0, stdout: '{ x = 3; }\n', stderr: '' });
    expect(run(['--eval', 'dir', '-A', 'x'])).toEqual({ code: 0, stdout: '3\n', stderr: '' });
    expect(run(['--eval', `${dir}/dir/`])).toEqual({ code: 0, stdout: '{ x = 3; }\n', stderr: '' });
    expect(run(['--eval', 'link.nix'])).toEqual({ code: 0, stdout: '2\n', stderr: '' });
  });

  test('<name> as a file argument, through -I, NIX_PATH or nix-path [2.8]', () => {
    expect(run(['--eval', '-I', 'sp', '<pkg>'])).toEqual({ code: 0, stdout: '"found"\n', stderr: '' });
    expect(run(['--eval', '<pkg>'], { env: { NIX_PATH: `${dir}/sp` } }).stdout).toBe('"found"\n');
    expect(run(['--eval', '--option', 'nix-path', `${dir}/sp`, '<pkg>']).stdout).toBe('"found"\n');
    expect(run(['--eval', '<nope>'])).toEqual({
      code: 1, stdout: '', stderr: "error: file 'nope' was not found in the Nix search path (add it using $NIX_PATH or -I)\n",
    });
  });

  test('a search path entry that is not there: a warning the first time a lookup reaches it, then skipped [2.8]', () => {
    // resolveLookupPathPath: once per entry, only for entries whose prefix matches.
    expect(run(['--eval', '--strict', '-I', 'none', '-I', 'x=none2', '-I', 'sp', '-E', '[ (import <pkg>) (import <pkg>) ]'])).toEqual({
      code: 0, stdout: '[ "found" "found" ]\n', stderr: "warning: Nix search path entry 'none' does not exist, ignoring\n",
    });
    expect(run(['--eval', '-E', 'builtins.findFile [ { path = "/nonexistent"; prefix = ""; } ] "f.nix"']).stderr)
      .toMatch(/^warning: Nix search path entry '\/nonexistent' does not exist, ignoring\nerror:/);
  });

  test('<name> in pure evaluation mode: its own message [2.8]', () => {
    const r = run(['--eval', '--option', 'pure-eval', 'true', '-I', 'sp', '-E', '<pkg>']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: cannot look up '<pkg>' in pure evaluation mode (use '--impure' to override)\n");
  });

  test('a missing file: getting status of it fails, exit 1 [2.8]', () => {
    expect(run(['--eval', 'missing.nix'])).toEqual({
      code: 1, stdout: '', stderr: `error: getting status of '${dir}/missing.nix': No such file or directory\n`,
    });
    expect(run(['--eval', 'f.nix/x'])).toEqual({
      code: 1, stdout: '', stderr: `error: getting status of '${dir}/f.nix/x': Not a directory\n`,
    });
  });

  test('without a file: ./default.nix [2.8]', () => {
    expect(run(['--eval'], { cwd: join(dir, 'dir') })).toEqual({ code: 0, stdout: '{ x = 3; }\n', stderr: '' });
  });

  test('-E: every argument is an expression, even one before it; `-` reads stdin first [2.8]', () => {
    expect(run(['--eval', '-E', '1', '2'])).toEqual({ code: 0, stdout: '1\n2\n', stderr: '' });
    expect(run(['--eval', '3', '-E'])).toEqual({ code: 0, stdout: '3\n', stderr: '' });
    expect(run(['--eval', '-', '-E', '2'], { stdin: '1' })).toEqual({ code: 0, stdout: '1\n2\n', stderr: '' });
  });

  test('--find-file prints where a name is found [2.8]', () => {
    expect(run(['--find-file', '-I', 'sp', 'pkg'])).toEqual({ code: 0, stdout: `${dir}/sp/pkg\n`, stderr: '' });
  });

  test('URLs as file arguments would be downloaded: a clear error [nixeval]', () => {
    const r = run(['--eval', 'https://example.org/x.tar.gz']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: cannot download 'https://example.org/x.tar.gz': nixeval never accesses the network\n");
  });
});

describe('output', () => {
  test('--json, --xml, --raw, --parse, and derivations without --eval', () => {
    // [2.8] prints no newline after JSON; current Nix does (std::endl in processExpr) [source].
    expect(run(['--eval', '--json', '-E', '{ a = 1; }'])).toEqual({ code: 0, stdout: '{"a":1}\n', stderr: '' });
    expect(run(['--eval', '--xml', '-E', '{a = 1;}']).stdout).toBe([
      "<?xml version='1.0' encoding='utf-8'?>", '<expr>', '  <attrs>',
      // [source]: a position's path only for a file (2.8 showed the expression text as one).
      '    <attr column="2" line="1" name="a">', '      <int value="1" />', '    </attr>', '  </attrs>', '</expr>', '',
    ].join('\n'));
    expect(run(['--eval', '--xml', 'f.nix', '-E']).code).toBe(1);
    writeFileSync(join(dir, 'xml.nix'), '{\n  f = x: x;\n}\n');
    // Not --strict: the function literal is a thunk not forced yet.
    expect(run(['--eval', '--xml', 'xml.nix']).stdout).toContain(
      `<attr column="3" line="2" name="f" path="${dir}/xml.nix">\n      <unevaluated />`);
    expect(run(['--eval', '--xml', '--strict', 'xml.nix']).stdout).toContain(
      `<attr column="3" line="2" name="f" path="${dir}/xml.nix">\n      <function column="7" line="2" path="${dir}/xml.nix">`);
    expect(run(['--eval', '--xml', '--strict', '--no-location', 'xml.nix']).stdout).toContain('<attr name="f">\n      <function>');
    // --raw is newer than 2.8: the string as it is, without a newline [source].
    expect(run(['--eval', '--raw', '-E', '"a\\nb"'])).toEqual({ code: 0, stdout: 'a\nb', stderr: '' });
    expect(run(['--parse', '-E', '1+2'])).toEqual({ code: 0, stdout: '(1 + 2)\n', stderr: '' });
    expect(run(['-E', 'derivation { name = "a"; system = "x"; builder = "/bin/sh"; }'])).toEqual({
      code: 0,
      stdout: '/nix/store/l9ldjc53ry43x24hvq73jx7dx0489mhj-a.drv\n',
      stderr: "warning: you did not specify '--add-root'; the result might be removed by the garbage collector\n",
    });
  });

  test('automatic arguments: --arg, --argstr, --arg-from-file, --arg-from-stdin', () => {
    // [2.8]
    // An unevaluated value prints as <CODE> in --eval's output.
    expect(run(['--eval', '--arg', 'a', '1', '--argstr', 'b', 's', '-E', '{a, b}: [a b]']).stdout).toBe('[ <CODE> "s" ]\n');
    expect(run(['--eval', '--strict', '-E', '{a, b ? 2}: a', '--arg', 'a', '3']).stdout).toBe('3\n');
    // Newer than 2.8 [source]: the file's or stdin's bytes as a string; the last one given wins.
    expect(run(['--eval', '--arg-from-file', 'a', 'f.nix', '-E', '{a}: a']).stdout).toBe('"1 + 1\\n"\n');
    expect(run(['--eval', '--arg-from-stdin', 'a', '-E', '{a}: a'], { stdin: 'in' }).stdout).toBe('"in"\n');
    expect(run(['--eval', '--arg', 'a', '1', '--argstr', 'a', 'x', '-E', '{a}: a']).stdout).toBe('"x"\n');
  });

  test('~/ paths without $HOME: the home directory of the passwd entry (getHome) [2.8]', () => {
    expect(run(['--eval', '-E', '~/x'], { env: { HOME: undefined } })).toEqual({ code: 0, stdout: `${userInfo().homedir}/x\n`, stderr: '' });
    expect(run(['--eval', '-E', '~/x'], { env: { HOME: '/nonexistent/h' } }).stdout).toBe('/nonexistent/h/x\n');
  });

  test('--arg expressions are parsed before anything else, used or not [2.8]', () => {
    // nix-instantiate.cc calls getAutoArgs first: the argument's error, not the file's or the expression's.
    expect(run(['--eval', '--arg', 'x', '1 +', '-E', 'x']).stderr).toMatch(/^error: syntax error, unexpected end of file\n\s+at «string»:1:4:/);
    expect(run(['--eval', '--arg', 'x', 'y', 'missing.nix']).stderr).toMatch(/^error: undefined variable 'y'\n/);
    expect(run(['--find-file', '--arg', 'x', 'y', '-I', 'sp', 'pkg'])).toMatchObject({ code: 1, stdout: '' });
  });

  test('messages lose escape sequences, \\r and \\a, and tabs become blanks, unless stderr is a terminal [2.8]', () => {
    const plain = run(['--eval', 'ansi.nix']);
    // "trace: a" is 8 columns; the tab goes to 16.
    expect(plain).toEqual({ code: 0, stdout: '1\n', stderr: 'trace: a        bredxy\n' });
    // On a terminal, colour codes stay; other escapes still go [source].
    expect(run(['--eval', 'ansi.nix'], { colourTerminal: true }).stderr).toBe('trace: a        b\x1b[31mred\x1b[0mxy\n');
  });

  test('an error: its message and the frames C++ Nix always collects, exit 1', () => {
    // [source]: the builtin's frame is added whether or not show-trace is on (2.8 had none).
    expect(run(['--eval', '-E', 'throw "boom"'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error:\n       … while calling the 'throw' builtin\n         at «string»:1:1:\n            1| throw \"boom\"\n             | ^\n\n       error: boom\n",
    });
    // [source] (the corpus's parse-fail tests: 2.8 pointed at the last token, with blank lines)
    expect(run(['--eval', '-E', 'let x = 1; in x +'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: syntax error, unexpected end of file\n       at «string»:1:18:\n            1| let x = 1; in x +\n             |                  ^\n',
    });
  });
});

describe('flags and settings', () => {
  test('--help and --version [nixeval]', () => {
    const help = run(['--help', '--no-such-flag']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: nixeval instantiate /);
    expect(run(['--version'])).toEqual({ code: 0, stdout: `nix-instantiate (nixeval ${NIXEVAL_VERSION}) ${NIX_VERSION}\n`, stderr: '' });
  });

  test('an unknown flag, a missing argument: a usage error, exit 1', () => {
    // [2.8]
    expect(run(['--eval', '--foo-bar', '-E', '1'])).toEqual({ code: 1, stdout: '', stderr: `error: unrecognised flag '--foo-bar'\n${TRY_HELP}` });
    expect(run(['--eval', '--no-foo', '-E', '1']).stderr).toBe(`error: unrecognised flag '--no-foo'\n${TRY_HELP}`);
    expect(run(['--eval', '-A'])).toEqual({ code: 1, stdout: '', stderr: `error: '-A' requires an argument\n${TRY_HELP}` });
    // [source] (2.8 says "requires 2 argument(s)" only)
    expect(run(['--eval', '--option', 'a']).stderr).toBe(`error: flag '--option' requires 2 argument(s), but only 1 were given\n${TRY_HELP}`);
    expect(run(['--eval', '--max-call-depth']).stderr).toBe(`error: flag '--max-call-depth' requires 1 argument(s), but only 0 were given\n${TRY_HELP}`);
  });

  test('after --, only nix-instantiate\'s own flags are flags [source]', () => {
    expect(run(['--', '--eval', 'f.nix'])).toEqual({ code: 0, stdout: '2\n', stderr: '' });
    expect(run(['--eval', '--', '-x.nix']).stderr).toBe(`error: unexpected argument '-x.nix'\n${TRY_HELP}`);
    expect(run(['--eval', '--', '--show-trace', 'f.nix']).stderr).toBe(`error: unexpected argument '--show-trace'\n${TRY_HELP}`);
    expect(run(['--', '-A', 'x']).stderr).toBe(`error: '-A' requires an argument\n${TRY_HELP}`);
  });

  test('the global flags nix-instantiate accepts are accepted [2.8]', () => {
    const flags = [
      '--timeout', '1', '--eval-only', '--show-trace', '--read-write-mode', '--readonly-mode', '-j4', '-vvv', '--quiet',
      '--max-jobs', 'auto', '--cores', '2', '--max-silent-time', '3', '--keep-going', '-K', '-Q', '--fallback',
      '--no-gc-warning', '--log-format', 'raw', '--store', 'dummy://', '--impure', '--no-build-output', '--repair',
    ];
    expect(run([...flags, '-E', '{ a = 1; }', '--json'])).toEqual({ code: 0, stdout: '{"a":1}\n', stderr: '' });
  });

  test('settings as flags: --NAME VALUE, --NAME, --no-NAME, --extra-NAME, and aliases [source]', () => {
    expect(run(['--eval', '-E', 'builtins.currentSystem', '--eval-system', 'i686-linux']).stdout).toBe('"i686-linux"\n');
    expect(run(['--eval', '-E', 'builtins.currentSystem', '--option', 'system', 'aarch64-linux']).stdout).toBe('"aarch64-linux"\n');
    expect(run(['--eval', '--no-substitute', '--build-use-substitutes', '-E', '1']).stdout).toBe('1\n');
    expect(run(['--eval', '--extra-nix-path', `p=${dir}/sp/pkg`, '-E', 'import <p>']).stdout).toBe('"found"\n');
    expect(run(['--eval', '--strict', '--nix-path', `${dir}/sp`, '--extra-nix-path', `q=${dir}/sp/pkg`, '-E', 'map (e: e.prefix) builtins.nixPath']).stdout)
      .toBe('[ "" "q" ]\n');
    // An alias of a list setting names its --extra- flag, and has no --extra- flag of its own.
    expect(run(['--eval', '--binary-caches', 'x', '-E', '1']).stdout).toBe('1\n');
    expect(run(['--eval', '--extra-binary-caches', 'x', '-E', '1']).stderr).toBe(`error: unrecognised flag '--extra-binary-caches'\n${TRY_HELP}`);
    expect(run(['--eval', '--extra-show-trace', 'x', '-E', '1']).stderr).toBe(`error: unrecognised flag '--extra-show-trace'\n${TRY_HELP}`);
  });

  test('a bad value: an error from a flag or a file, a warning from --option [source]', () => {
    expect(run(['--eval', '--max-jobs', 'x', '-E', '1']).stderr)
      .toBe(`error: configuration setting 'max-jobs' should be 'auto' or an integer\n${TRY_HELP}`);
    expect(run(['--eval', '--timeout', 'x', '-E', '1']).stderr).toBe(`error: invalid unit specifier 'X'\n${TRY_HELP}`);
    expect(run(['--eval', '--timeout', '1x1', '-E', '1']).stderr).toBe(`error: '1x1' is not an integer\n${TRY_HELP}`);
    expect(run(['--eval', '--cores', '2K', '-E', '1']).code).toBe(0);
    expect(run(['--eval', '--option', 'show-trace', 'maybe', '-E', '1'])).toEqual({
      code: 0, stdout: '1\n', stderr: "warning: Boolean setting 'show-trace' has invalid value 'maybe'\n",
    });
    expect(run(['--eval', '--lint-url-literals', 'loud', '-E', '1']).stderr)
      .toBe(`error: option 'lint-url-literals' has invalid value 'loud' (expected 'ignore', 'warn', or 'fatal')\n${TRY_HELP}`);
  });

  test('unknown settings: a warning each, in name order, once the command line is read [2.8]', () => {
    expect(run(['--eval', '--option', 'zz', '1', '--option', 'extra-foo', 'x', '-E', '1'])).toEqual({
      code: 0, stdout: '1\n', stderr: "warning: unknown setting 'extra-foo'\nwarning: unknown setting 'zz'\n",
    });
  });

  test('--quiet: three times hides warnings; errors and traces stay [source]', () => {
    const expr = 'builtins.trace "t" (builtins.warn "w" 1)';
    expect(run(['--quiet', '--quiet', '--eval', '-E', expr]).stderr).toBe('trace: t\nevaluation warning: w\n');
    expect(run(['--quiet', '--quiet', '--quiet', '--eval', '-E', expr]).stderr).toBe('trace: t\n');
  });

  test('abort-on-warn: builtins.warn fails, uncatchably [source]', () => {
    const expr = 'builtins.tryEval (builtins.warn "w" 1)';
    for (const flags of [['--abort-on-warn'], ['--option', 'abort-on-warn', 'true']]) {
      const r = run(['--eval', ...flags, '-E', expr]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^evaluation warning: w\n/);
      expect(r.stderr).toMatch(/error: aborting to reveal stack trace of warning, as abort-on-warn is set\n$/);
    }
    for (const value of ['1', 'yes', 'true']) expect(run(['--eval', '-E', expr], { env: { NIX_ABORT_ON_WARN: value } }).code).toBe(1);
    expect(run(['--eval', '-E', expr], { env: { NIX_ABORT_ON_WARN: '0' } }).stdout).toBe('{ success = true; value = 1; }\n');
    expect(run(['--eval', '--abort-on-warn', '--no-abort-on-warn', '-E', expr]).code).toBe(0);
  });

  test('show-trace is off by default; on from a flag, NIX_CONFIG or nix.conf', () => {
    const expr = 'let f = x: throw "no"; in f 1';
    expect(run(['--eval', '-E', expr]).stderr).not.toContain("while calling 'f'");
    expect(run(['--eval', '--show-trace', '-E', expr]).stderr).toContain("while calling 'f'");
    expect(run(['--eval', '-E', expr], { env: { NIX_CONFIG: 'show-trace = true' } }).stderr).toContain("while calling 'f'");
    const conf = join(dir, 'conf');
    mkdirSync(conf, { recursive: true });
    writeFileSync(join(conf, 'nix.conf'), 'show-trace = true # on\n');
    expect(run(['--eval', '-E', expr], { env: { NIX_CONF_DIR: conf } }).stderr).toContain("while calling 'f'");
    // The command line wins over the files.
    expect(run(['--eval', '--no-show-trace', '-E', expr], { env: { NIX_CONF_DIR: conf } }).stderr).not.toContain("while calling 'f'");
  });
});

describe('configuration files', () => {
  let conf: string;
  beforeAll(() => {
    conf = join(dir, 'cfg');
    mkdirSync(join(conf, 'xdg', 'nix'), { recursive: true });
    writeFileSync(join(conf, 'inc.conf'), 'eval-system = from-include\n');
  });
  const system = (env: Record<string, string>) => run(['--eval', '-E', 'builtins.currentSystem'], { env });

  test('$NIX_CONF_DIR/nix.conf, include and !include, comments [source]', () => {
    writeFileSync(join(conf, 'nix.conf'), '# settings\ninclude inc.conf\n!include missing.conf\n');
    expect(system({ NIX_CONF_DIR: conf }).stdout).toBe('"from-include"\n');
    writeFileSync(join(conf, 'nix.conf'), 'include missing.conf\n');
    expect(system({ NIX_CONF_DIR: conf }).stderr).toBe(`error: file "${conf}/missing.conf" included from "${conf}/nix.conf" not found\n`);
    writeFileSync(join(conf, 'nix.conf'), 'bad line\n');
    expect(system({ NIX_CONF_DIR: conf })).toEqual({
      code: 1, stdout: '', stderr: `error: syntax error in configuration line 'bad line' in "${conf}/nix.conf"\n${TRY_HELP}`,
    });
  });

  test('the user\'s files (XDG_CONFIG_HOME, NIX_USER_CONF_FILES) come after the system\'s, NIX_CONFIG last [source]', () => {
    writeFileSync(join(conf, 'nix.conf'), 'eval-system = system-file\n');
    writeFileSync(join(conf, 'xdg', 'nix', 'nix.conf'), 'eval-system = user-file\n');
    const env = { NIX_CONF_DIR: conf, NIX_USER_CONF_FILES: undefined as unknown as string, XDG_CONFIG_HOME: join(conf, 'xdg') };
    expect(system(env).stdout).toBe('"user-file"\n');
    expect(system({ ...env, NIX_CONFIG: 'eval-system = env' }).stdout).toBe('"env"\n');
    expect(system({ NIX_CONF_DIR: conf, NIX_USER_CONF_FILES: join(conf, 'inc.conf') }).stdout).toBe('"from-include"\n');
  });

  test('NIX_PATH wins over nix-path from a file; the command line wins over both [source]', () => {
    writeFileSync(join(conf, 'nix.conf'), 'nix-path = a=/a\n');
    const prefixes = (args: string[], env: Record<string, string>) => run(['--eval', '--strict', ...args, '-E', 'map (e: e.prefix) builtins.nixPath'], { env }).stdout;
    expect(prefixes([], { NIX_CONF_DIR: conf })).toBe('[ "a" ]\n');
    expect(prefixes([], { NIX_CONF_DIR: conf, NIX_PATH: 'b=/b' })).toBe('[ "b" ]\n');
    expect(prefixes(['--nix-path', 'c=/c'], { NIX_CONF_DIR: conf, NIX_PATH: 'b=/b' })).toBe('[ "c" ]\n');
  });
});

describe('the real command', () => {
  const cli = join(fileURLToPath(new URL('../../../', import.meta.url)), 'dist', 'src', 'cli.cjs');

  function spawnCli(args: string[], onStdout?: (child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done) => {
      const child = spawn(process.execPath, [cli, 'instantiate', ...args], {
        cwd: dir, env: { PATH: process.env.PATH, HOME: dir, NIX_CONF_DIR: '/nonexistent', NIX_USER_CONF_FILES: '' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); onStdout?.(child); });
      child.stdout.on('error', () => {});
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  }

  test('output into a closed pipe ends quietly, as nix-instantiate does (exit 0, nothing on stderr) [2.8]', async () => {
    const r = await spawnCli(['--eval', '--strict', '-E', 'builtins.genList (x: x) 300000'], (child) => child.stdout!.destroy());
    expect(r.stdout.startsWith('[ 0 1 2')).toBe(true);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  }, 60_000);

  test('source nested deeper than the main thread\'s stack runs again with a deep stack, its output once', async () => {
    const depth = 8000;
    const expr = `builtins.trace "once" (${'['.repeat(depth)}${']'.repeat(depth)})`;
    const r = await spawnCli(['--eval', '--strict', '-E', expr]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('trace: once\n');
    expect(r.stdout.startsWith('[ [ [ [')).toBe(true);
  }, 60_000);
});
