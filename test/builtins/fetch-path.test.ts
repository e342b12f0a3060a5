// fetchTree { type = "path"; } of a local tree, and which builtins of experimental features an
// evaluation has. Expected hashes from C++ Nix (2.8, `--extra-experimental-features flakes`) on
// the same tree; messages from current C++ Nix's source (libfetchers/path.cc, fetchers.cc).

import { mkdirSync, mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, type EvaluateOptions } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';

let root: string;
let tree: string;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-fetchpath-')));
  tree = join(root, 'tree');
  mkdirSync(join(tree, 'sub'), { recursive: true });
  writeFileSync(join(tree, 'a.txt'), 'hi\n');
  writeFileSync(join(tree, 'sub', 'b'), 'x');
  for (const [p, t] of [[tree, 1000], [join(tree, 'a.txt'), 3000], [join(tree, 'sub'), 2000], [join(tree, 'sub', 'b'), 1500]] as const) {
    utimesSync(p, t, t);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FLAKES: Partial<EvaluateOptions> = { settings: { experimentalFeatures: new Set(['flakes', 'fetch-tree']) } };

function run(expr: string, options: Partial<EvaluateOptions> = FLAKES): { value?: string; error?: string } {
  const r = evaluate({ expr, strict: true, ...options });
  return r.ok ? { value: printValue(r.value) } : { error: r.error.message };
}

describe('builtins of experimental features', () => {
  test('fetchTree and fetchClosure exist only with their feature, as C++ Nix registers them', () => {
    const none = { settings: { experimentalFeatures: new Set<string>() } };
    expect(run('[ (builtins ? fetchTree) (builtins ? fetchClosure) ]', none).value).toBe('[ false false ]');
    expect(run('fetchTree', none).error).toBe("undefined variable 'fetchTree'");
    expect(run('[ (builtins ? fetchTree) (builtins ? fetchClosure) ]').value).toBe('[ true false ]');
    expect(run('[ (builtins ? fetchTree) (builtins ? fetchClosure) ]', { settings: { experimentalFeatures: new Set(['fetch-closure']) } }).value)
      .toBe('[ false true ]');
    // So `builtins.fetchTree or fallback` (flake-compat) takes the fallback.
    expect(run('(builtins.fetchTree or (_: "fallback")) { }', none).value).toBe('"fallback"');
  });
});

describe('fetchTree { type = "path"; }', () => {
  test('the tree as "source", its NAR hash, and the newest modification time in it', () => {
    const v = run(`let t = builtins.fetchTree { type = "path"; path = "${tree}"; }; in [ t.narHash t.lastModified t.lastModifiedDate (baseNameOf t.outPath) (t.outPath == builtins.path { path = ${tree}; name = "source"; }) (builtins.attrNames t) ]`);
    expect(v.value).toBe('[ "sha256-cqifXV9/dWonOZ+aTEOpO5qhqFiCESmtX6lNaSEVWZ0=" 3000 "19700101005000" "1qyr8b1v0fnqjzqnd443zk994awpr8k2-source" true [ "lastModified" "lastModifiedDate" "narHash" "outPath" ] ]');
    expect(run(`builtins.readFile "\${builtins.fetchTree { type = "path"; path = "${tree}"; }}/sub/b"`).value).toBe('"x"');
  });

  test('the attributes an input may give are trusted and shown', () => {
    const v = run(`builtins.removeAttrs (builtins.fetchTree { type = "path"; path = "${tree}"; lastModified = 5; rev = "0123456789abcdef0123456789abcdef01234567"; revCount = 3; narHash = "sha256-cqifXV9/dWonOZ+aTEOpO5qhqFiCESmtX6lNaSEVWZ0="; }) [ "outPath" "narHash" ]`);
    expect(v.value).toBe('{ lastModified = 5; lastModifiedDate = "19700101000005"; rev = "0123456789abcdef0123456789abcdef01234567"; revCount = 3; shortRev = "0123456"; }');
  });

  test('what the path scheme refuses', () => {
    expect(run(`builtins.fetchTree { type = "path"; path = "${tree}"; foo = 1; }`).error).toBe("input attribute 'foo' not supported by scheme 'path'");
    expect(run(`builtins.fetchTree { type = "path"; path = "${tree}"; name = "n"; }`).error).toBe("argument 'name' isn\u2019t supported in call to 'fetchTree'");
    expect(run('builtins.fetchTree { type = "path"; }').error).toBe("input attribute 'path' is missing");
    expect(run('builtins.fetchTree { type = "path"; path = "rel/dir"; }').error).toBe("cannot fetch input 'path:rel/dir' because it uses a relative path");
    expect(run(`builtins.fetchTree { type = "path"; path = "${tree}"; narHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; }`).error).toBe(
      `NAR hash mismatch in input 'path:${tree}?narHash=sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D', expected 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' but got 'sha256-cqifXV9/dWonOZ+aTEOpO5qhqFiCESmtX6lNaSEVWZ0='`);
    expect(run(`builtins.fetchTree { type = "path"; path = "${tree}"; }`, { settings: { ...FLAKES.settings, pure: true } }).error)
      .toBe(`in pure evaluation mode, 'fetchTree' doesn't fetch unlocked input 'path:${tree}'`);
  });
});
