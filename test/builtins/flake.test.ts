// Unit tests of builtins.parseFlakeRef and builtins.flakeRefToString (src/builtins/flake.ts):
// the attribute sets and URLs C++ Nix 2.36 produces, and its error messages.

import { evaluate } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';

/** The printed value (as `nix-instantiate --eval --strict`), or `error: MESSAGE`. */
function run(expr: string): string {
  const r = evaluate({ expr, strict: true });
  if (r.ok) return printValue(r.value);
  return `error: ${r.error.message}`;
}

const parse = (ref: string): string => run(`builtins.parseFlakeRef ${JSON.stringify(ref)}`);
const show = (attrs: string): string => run(`builtins.flakeRefToString ${attrs}`);
const roundTrip = (ref: string): string => run(`builtins.flakeRefToString (builtins.parseFlakeRef ${JSON.stringify(ref)})`);

const REV = '0123456789abcdef0123456789abcdef01234567';
const NAR = 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

describe('parseFlakeRef', () => {
  test('the documented example', () => {
    expect(parse('github:NixOS/nixpkgs/23.05?dir=lib'))
      .toBe('{ dir = "lib"; owner = "NixOS"; ref = "23.05"; repo = "nixpkgs"; type = "github"; }');
  });

  test('github, gitlab and sourcehut', () => {
    expect(parse('github:NixOS/nixpkgs')).toBe('{ owner = "NixOS"; repo = "nixpkgs"; type = "github"; }');
    expect(parse(`github:NixOS/nixpkgs/${REV}`)).toBe(`{ owner = "NixOS"; repo = "nixpkgs"; rev = "${REV}"; type = "github"; }`);
    expect(parse('gitlab:a/b/release/1.0')).toBe('{ owner = "a"; ref = "release/1.0"; repo = "b"; type = "gitlab"; }');
    expect(parse('github:a/b?host=example.org')).toBe('{ host = "example.org"; owner = "a"; repo = "b"; type = "github"; }');
    expect(parse('sourcehut:~sircmpwn/hello/main')).toBe('{ owner = "~sircmpwn"; ref = "main"; repo = "hello"; type = "sourcehut"; }');
  });

  test('indirect flake IDs', () => {
    expect(parse('nixpkgs')).toBe('{ id = "nixpkgs"; type = "indirect"; }');
    expect(parse('nixpkgs/nixos-23.05')).toBe('{ id = "nixpkgs"; ref = "nixos-23.05"; type = "indirect"; }');
    expect(parse(`flake:nixpkgs/a/${REV}`)).toBe(`{ id = "nixpkgs"; ref = "a"; rev = "${REV}"; type = "indirect"; }`);
  });

  test('git: transport kept in url, Git parameters taken out', () => {
    expect(parse('git+https://github.com/NixOS/nix?ref=master&dir=foo&shallow=1'))
      .toBe('{ dir = "foo"; ref = "master"; shallow = true; type = "git"; url = "https://github.com/NixOS/nix"; }');
    expect(parse('git+file:///home/x')).toBe('{ type = "git"; url = "file:///home/x"; }');
    expect(parse('git+https://example.org/r?foo=bar')).toBe('{ type = "git"; url = "https://example.org/r?foo=bar"; }');
  });

  test('paths, tarballs, files and Mercurial', () => {
    expect(parse('path:/foo/bar?lastModified=12')).toBe('{ lastModified = 12; path = "/foo/bar"; type = "path"; }');
    expect(parse('/foo/bar?dir=x')).toBe('{ dir = "x"; path = "/foo/bar"; type = "path"; }');
    expect(parse(`https://example.com/foo.tar.gz?narHash=${NAR}`))
      .toBe(`{ narHash = "${NAR}"; type = "tarball"; url = "https://example.com/foo.tar.gz"; }`);
    expect(parse('https://example.com/foo')).toBe('{ type = "tarball"; url = "https://example.com/foo"; }');
    expect(parse('file+https://example.com/foo')).toBe('{ type = "file"; url = "https://example.com/foo"; }');
    expect(parse('file:./relative-path.tar.gz')).toBe('{ type = "tarball"; url = "file:./relative-path.tar.gz"; }');
    expect(parse('hg+https://hg.example.com/repo?ref=default')).toBe('{ ref = "default"; type = "hg"; url = "https://hg.example.com/repo"; }');
  });

  test('errors', () => {
    expect(parse('nixpkgs#hello')).toBe("error: unexpected fragment 'hello' in flake reference 'nixpkgs#hello'");
    expect(parse('foo:bar')).toBe("error: input 'foo:bar' is unsupported");
    expect(parse('file+git:///x')).toBe("error: input 'file+git:///x' is unsupported; did you mean 'git+file' instead of 'file+git'?");
    // A malformed URL (BadURL) falls back to a path, which must be absolute.
    expect(parse('github:NixOS')).toBe("error: flake reference 'github:NixOS' is not an absolute path");
    expect(parse('./foo')).toBe("error: flake reference './foo' is not an absolute path");
    expect(parse('nixpkgs/a..b')).toBe("error: in flake URL 'flake:nixpkgs/a..b', 'a..b' is not a commit hash or branch/tag name");
    expect(parse('path:/x?foo=1')).toBe("error: path URL 'path:/x?foo=1' has unsupported parameter 'foo'");
    expect(run('builtins.parseFlakeRef 1')).toBe('error: expected a string but found an integer: 1');
  });
});

describe('flakeRefToString', () => {
  test('the documented example', () => {
    expect(show('{ type = "github"; owner = "NixOS"; repo = "nixpkgs"; ref = "23.05"; dir = "lib"; }'))
      .toBe('"github:NixOS/nixpkgs/23.05?dir=lib"');
  });

  test('round trips', () => {
    expect(roundTrip('nixpkgs/nixos-23.05')).toBe('"flake:nixpkgs/nixos-23.05"');
    expect(roundTrip('git+https://github.com/NixOS/nix?ref=master&dir=foo&shallow=1'))
      .toBe('"git+https://github.com/NixOS/nix?dir=foo&ref=master&shallow=1"');
    expect(roundTrip('/foo/bar?dir=x')).toBe('"path:/foo/bar?dir=x"');
    // Path segments and query values are percent-encoded.
    expect(roundTrip('gitlab:a/b/release/1.0')).toBe('"gitlab:a/b/release%2F1.0"');
    expect(roundTrip(`https://example.com/foo.tar.gz?narHash=${NAR}`))
      .toBe('"https://example.com/foo.tar.gz?narHash=sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"');
    // Revisions are printed in lower case.
    expect(roundTrip(`github:o/r/${REV.toUpperCase()}`)).toBe(`"github:o/r/${REV}"`);
  });

  test('other schemes from attributes', () => {
    expect(show(`{ type = "git"; url = "/home/me/repo"; rev = "${REV}"; submodules = true; }`))
      .toBe(`"git+file:///home/me/repo?rev=${REV}&submodules=1"`);
    expect(show(`{ type = "path"; path = "/x"; lastModified = 3; narHash = "${NAR}"; __final = true; }`))
      .toBe('"path:/x?lastModified=3&narHash=sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"');
    expect(show('{ type = "indirect"; id = "nixpkgs"; ref = "nixos-unstable"; dir = "lib"; }'))
      .toBe('"flake:nixpkgs/nixos-unstable?dir=lib"');
    expect(show('{ type = "github"; owner = "a"; repo = "b"; host = "git.example.org"; }')).toBe('"github:a/b?host=git.example.org"');
    expect(show(`{ type = "hg"; url = "https://x/y"; rev = "${REV}"; }`)).toBe(`"hg+https://x/y?rev=${REV}"`);
  });

  test('errors', () => {
    expect(show('{ type = "github"; owner = "NixOS"; repo = -1; }')).toBe('error: negative value given for flake ref attr repo: -1');
    expect(show('{ type = "github"; owner = "a"; repo = [ ]; }'))
      .toBe("error: flake reference attribute sets may only contain integers, Booleans, and strings, but attribute 'repo' is a list");
    expect(show('{ type = "github"; owner = "a"; repo = 1; }'))
      .toBe('error: input attribute \'repo\' is not a string {"owner":"a","repo":1,"type":"github"}');
    expect(show('{ type = "github"; owner = "a"; repo = "b"; foo = 1; }'))
      .toBe("error: input attribute 'foo' not supported by scheme 'github'");
    expect(show('{ owner = "a"; }')).toBe("error: 'type' attribute to specify input scheme is required but not provided");
    expect(show('{ type = "weird"; x = 1; }')).toBe('error: cannot show unsupported input \'{"type":"weird","x":1}\'');
    expect(show(`{ type = "github"; owner = "a"; repo = "b"; ref = "x"; rev = "${REV}"; }`))
      .toBe(`error: input {"owner":"a","ref":"x","repo":"b","rev":"${REV}","type":"github"} contains both a commit hash ('${REV}') and a branch/tag name ('x')`);
    expect(show('{ type = "github"; owner = "a"; repo = "b"; ref = "a b"; }'))
      .toBe('error: input {"owner":"a","ref":"a b","repo":"b","type":"github"} contains an invalid branch/tag name');
    expect(show('{ type = "git"; url = "https://x"; verifyCommit = true; }'))
      .toBe("error: experimental Nix feature 'verified-fetches' is disabled; add '--extra-experimental-features verified-fetches' to enable it");
    expect(run('builtins.flakeRefToString "github:a/b"')).toBe('error: expected a set but found a string: "github:a/b"');
  });
});
