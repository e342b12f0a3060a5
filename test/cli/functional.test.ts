// What current C++ Nix's functional tests (tests/functional/*.sh in the NixOS/nix repository)
// ask of nix-instantiate, where nixeval had differed: each expectation is the test script's
// own assertion (named in the test), or the message in current Nix's source where the script
// only greps part of it.

import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

let dir: string;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-functional-')));
  mkdirSync(join(dir, 'allowed'));
  writeFileSync(join(dir, 'allowed', 'a.nix'), '1 + 2');
  writeFileSync(join(dir, 'outside.nix'), '1 + 2');
  // tests/functional/dummy and hash-check.nix, as they are there.
  writeFileSync(join(dir, 'dummy'), 'Hello World\n');
  writeFileSync(join(dir, 'hash-check.nix'), `let {
  input1 = derivation {
    name = "dependencies-input-1";
    system = "i086-msdos";
    builder = "/bar/sh";
    args = [ "-e" "-x" ./dummy ];
  };
  input2 = derivation {
    name = "dependencies-input-2";
    system = "i086-msdos";
    builder = "/bar/sh";
    args = [ "-e" "-x" ./dummy ];
    outputHashMode = "recursive";
    outputHashAlgo = "md5";
    outputHash = "ffffffffffffffffffffffffffffffff";
  };
  body = derivation {
    name = "dependencies";
    system = "i086-msdos";
    builder = "/bar/sh";
    args = [ "-e" "-x" (./dummy + "/FOOBAR/../.") ];
    input1 = input1 + "/.";
    inherit input2;
  };
}
`);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, 'utf8', { cwd: dir, env });

/** The last line of stderr: the error itself, below its trace. */
function lastLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  return lines[lines.length - 1].trim();
}

describe('restricted.sh', () => {
  test('a file argument that may not be read is refused before it is looked for', () => {
    // `nix-instantiate --restrict-eval true ./dependencies.nix | grepQuiet "forbidden in restricted mode"`:
    // `true` is no file, and the access check comes first.
    const r = cli(['--restrict-eval', 'true', './outside.nix']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: access to absolute path '${dir}/true' is forbidden in restricted mode\n`);
    // Without --restrict-eval, the missing file is the error.
    expect(cli(['true']).stderr).toBe(`error: getting status of '${dir}/true': No such file or directory\n`);
  });

  test('the parents of allowed paths show only the ancestors of the allowed paths', () => {
    const r = cli(['--restrict-eval', '--eval', '-I', `${dir}/allowed`, '-E', `builtins.readDir ${dir}`]);
    expect(r).toEqual({ code: 0, stdout: '{ allowed = "directory"; }\n', stderr: '' });
    expect(cli(['--restrict-eval', '--eval', '-I', `${dir}/allowed`, '-E', `builtins.pathExists ${dir}`]).stdout).toBe('true\n');
    const out = cli(['--restrict-eval', '--eval', '-I', `${dir}/allowed`, '-E', `import ${dir}/outside.nix`]);
    expect(lastLine(out.stderr)).toBe(`error: access to absolute path '${dir}/outside.nix' is forbidden in restricted mode`);
  });

  test('a symlink out of the allowed paths is refused with the path it leads to', () => {
    symlinkSync('../outside.nix', join(dir, 'allowed', 'link.nix'));
    try {
      const r = cli(['--restrict-eval', '--eval', '-I', `${dir}/allowed`, '-E', `builtins.readFile ${dir}/allowed/link.nix`]);
      expect(lastLine(r.stderr)).toBe(`error: access to absolute path '${dir}/outside.nix' is forbidden in restricted mode`);
    } finally {
      rmSync(join(dir, 'allowed', 'link.nix'));
    }
  });
});

describe('pure-eval.sh', () => {
  const PURE = "is forbidden in pure evaluation mode (use '--impure' to override)";

  test('reading a file is refused, and the error mentions --impure', () => {
    const r = cli(['--pure-eval', '--eval', '-E', 'builtins.readFile ./outside.nix']);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(`error: access to absolute path '${dir}/outside.nix' ${PURE}`);
  });

  test("calling 'pathExists' on a non-authorised path returns false", () => {
    expect(cli(['--pure-eval', '--eval', '-E', 'builtins.pathExists ./outside.nix'])).toEqual({ code: 0, stdout: 'false\n', stderr: '' });
  });

  test('a file argument is refused', () => {
    // `(! nix-instantiate --pure-eval ./simple.nix)`
    const r = cli(['--pure-eval', '--eval', './outside.nix']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `error: access to absolute path '${dir}/outside.nix' ${PURE}\n` });
  });

  test('currentTime and currentSystem are not there', () => {
    // `(! nix eval --expr builtins.currentTime)`, `(! nix eval --expr builtins.currentSystem)`
    for (const name of ['currentTime', 'currentSystem']) {
      const r = cli(['--pure-eval', '--eval', '-E', `builtins.${name}`]);
      expect(r.code).toBe(1);
      expect(lastLine(r.stderr)).toBe(`error: attribute '${name}' missing`);
      expect(cli(['--pure-eval', '--eval', '-E', `__${name}`]).stderr).toMatch(new RegExp(`^error: undefined variable '__${name}'`));
      expect(cli(['--eval', '-E', `builtins.isString (toString builtins.${name})`]).stdout).toBe('true\n');
    }
  });

  test('what the evaluation puts in the store may be read', () => {
    expect(cli(['--pure-eval', '--eval', '-E', 'builtins.readFile (builtins.toFile "x" "y")']).stdout).toBe('"y"\n');
  });
});

describe('simple.sh', () => {
  test('the store setting (NIX_REMOTE by default) names the store directory', () => {
    // outPath="$(NIX_REMOTE='local?store=/foo&real=…' nix-instantiate --readonly-mode hash-check.nix)"
    const expected = '/foo/lfy1s6ca46rm5r6w4gg9hc0axiakjcnm-dependencies.drv\n';
    const r = cli(['--readonly-mode', 'hash-check.nix'], { NIX_REMOTE: `local?store=/foo&real=${dir}/real-store` });
    expect(r.stdout).toBe(expected);
    // The store setting wins over NIX_REMOTE.
    const s = cli(['--readonly-mode', '--store', 'dummy://?store=/foo', 'hash-check.nix'], { NIX_REMOTE: 'local?store=/bar' });
    expect(s.stdout).toBe(expected);
  });
});

describe('structured-attrs.sh', () => {
  test("setting structured attributes via '__json' warns that it is deprecated", () => {
    const hacky = 'derivation { name = "a"; system = "foo"; builder = "/bin/sh"; __json = builtins.toJSON { a = 1; }; }';
    const r = cli(['--expr', hacky, '--eval', '--strict']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "warning: setting structured attributes via '__json' is deprecated, and may be disallowed in future versions of Nix. Set '__structuredAttrs = true' instead.",
    );
    expect(r.stderr).toContain("… while evaluating derivation 'a'");
  });
});

describe('--add-root with --write-store', () => {
  const drv = 'derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; }';

  test('a symlink to each derivation, whose path is printed', () => {
    const store = join(dir, 'store');
    const env = { NIX_STORE_DIR: store };
    const r = cli(['--write-store', '--add-root', 'roots/r', '-E', `[ (${drv}) (${drv} // { name = "b"; }) ]`], env);
    expect(r).toEqual({ code: 0, stdout: `${dir}/roots/r\n${dir}/roots/r-2\n`, stderr: '' });
    const target = readlinkSync(join(dir, 'roots', 'r'));
    expect(target).toMatch(new RegExp(`^${store}/[a-z0-9]{32}-a\\.drv$`));
    expect(lstatSync(target).isFile()).toBe(true);
    // A root into the store is replaced; anything else is not clobbered.
    expect(cli(['--write-store', '--add-root', 'roots/r', '-E', drv], env).code).toBe(0);
    writeFileSync(join(dir, 'roots', 'file'), '');
    expect(cli(['--write-store', '--add-root', 'roots/file', '-E', drv], env).stderr)
      .toBe(`error: cannot create symlink "${dir}/roots/file"; already exists\n`);
    expect(cli(['--write-store', '--add-root', `${store}/root`, '-E', drv], env).stderr)
      .toBe(`error: creating a garbage collector root ("${store}/root") in the Nix store is forbidden (are you running nix-build inside the store?)\n`);
    // In read-only mode too, as nix-instantiate (only the store is not written).
    expect(cli(['--write-store', '--readonly-mode', '--add-root', 'roots/ro', '-E', drv], env).stdout).toBe(`${dir}/roots/ro\n`);
    expect(readlinkSync(join(dir, 'roots', 'ro'))).toBe(target);
    // Without --write-store nothing is made, and the drvPath is printed.
    expect(cli(['--add-root', 'roots/none', '-E', drv], env).stdout).toBe(`${target}\n`);
    expect(lstatSync(join(dir, 'roots', 'none'), { throwIfNoEntry: false })).toBeUndefined();
  });
});

describe('function-trace.sh, flamegraph-profiler.sh', () => {
  test('settings whose output nixeval cannot give are said to be ignored', () => {
    // C++ Nix prints `function-trace entered …` lines, or writes a profile; nixeval says it does not.
    expect(cli(['--trace-function-calls', '--eval', '-E', '1'])).toEqual({
      code: 0, stdout: '1\n', stderr: "warning: nixeval does not trace function calls: 'trace-function-calls' is ignored\n",
    });
    expect(cli(['--eval-profiler', 'flamegraph', '--eval', '-E', '1'])).toEqual({
      code: 0, stdout: '1\n', stderr: "warning: nixeval has no evaluation profiler: 'eval-profiler' is ignored\n",
    });
    expect(cli(['--no-trace-function-calls', '--eval-profiler', 'disabled', '--eval', '-E', '1'])).toEqual({ code: 0, stdout: '1\n', stderr: '' });
  });
});

describe('ca/*.sh, impure-derivations.sh', () => {
  test('derivations of an experimental feature nixeval does not compute: refused, and said so when the feature is on', () => {
    const ca = 'derivation { name = "a"; builder = "/bin/sh"; system = "x"; __contentAddressed = true; outputHashMode = "recursive"; outputHashAlgo = "sha256"; }';
    const off = cli(['-E', ca]);
    expect(off.code).toBe(1);
    expect(lastLine(off.stderr)).toBe("error: experimental Nix feature 'ca-derivations' is disabled; add '--extra-experimental-features ca-derivations' to enable it");
    // With the feature on, the error does not ask for the flag just given.
    const on = cli(['--extra-experimental-features', 'ca-derivations', '-E', ca]);
    expect(on.code).toBe(1);
    expect(lastLine(on.stderr)).toBe("error: nixeval does not support the derivations of the experimental Nix feature 'ca-derivations'");
    const impure = 'derivation { name = "a"; builder = "/bin/sh"; system = "x"; __impure = true; }';
    expect(lastLine(cli(['--extra-experimental-features', 'ca-derivations impure-derivations', '-E', impure]).stderr))
      .toBe("error: nixeval does not support the derivations of the experimental Nix feature 'impure-derivations'");
  });
});
