// The file builtins' argument handling (src/builtins/io.ts) that needs no file: what is
// forced first, as C++ Nix's primops force it.

import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { evaluate } from '../../src/eval.js';
import { failure, run } from './helpers.js';

describe('scopedImport', () => {
  test('the path is realised before the scope is forced', () => {
    expect(run('builtins.scopedImport (throw "scope") (throw "path")')).toBe('error: path');
    expect(run('builtins.scopedImport (throw "scope") 1')).toBe("error: cannot coerce an integer to a string: 1");
  });
});

// C++ Nix's fetch (primops/fetchTree.cc) walks the argument set in symbol order: `name` (an
// evaluator name) before `url` and `sha256`; each value's frame is at its attribute.
describe('fetchurl and fetchTarball arguments', () => {
  test('every attribute is checked in symbol order, an unknown one refused, url required', () => {
    expect(run('builtins.fetchurl { url = 1; name = 2; }')).toBe('error: expected a string but found an integer: 2');
    expect(run('builtins.fetchurl { name = "a"; }')).toBe("error: 'url' argument required");
    expect(run('builtins.fetchTarball { url = "http://example.org/a"; foo = 1; }')).toBe("error: unsupported argument 'foo' to 'fetchTarball'");
    expect(run('builtins.fetchurl { url = "http://example.org/a"; sha256 = "zz"; }')).toBe("error: hash 'zz' has wrong length for hash algorithm 'sha256'");
  });

  test("fetchurl's name is checked by current C++ Nix's checkName: a leading period is allowed", () => {
    expect(run('builtins.fetchurl { url = "http://example.org/a"; name = ".a"; }'))
      .toBe("error: builtins.fetchurl cannot fetch 'http://example.org/a': nixeval never accesses the network");
    expect(run('builtins.fetchurl { url = "http://example.org/a"; name = ".-a"; }')).toBe(
      "error: invalid store path name when fetching URL 'http://example.org/a': name '.-a' is not valid: first dash-separated component must not be '.'. "
      + "Please change the value for the 'name' attribute passed to 'fetchurl', so that it can create a valid store path.");
  });

  test('a value of the wrong type is traced at its attribute', () => {
    const r = failureAt('builtins.fetchurl {\n  url = 1;\n}');
    expect(r).toEqual({ frame: 'while evaluating the url we should fetch', line: 2, column: 3 });
  });
});

describe('readFile and hashFile of a directory', () => {
  // Current C++ Nix's PosixDirectorySourceAccessor::readFile, on the realised path.
  test("the file is not a regular file, the directory's real path named", () => {
    const dir = realpathSync(tmpdir());
    expect(run(`builtins.readFile ${dir}`)).toBe(`error: file '${dir}' is not a regular file`);
    expect(run(`builtins.hashFile "sha256" ${dir}`)).toBe(`error: file '${dir}' is not a regular file`);
    expect(run('builtins.readFile /.')).toBe("error: '/' is not a regular file");
  });
});

describe('builtins.storePath', () => {
  // toStorePath's parseStorePath: the StorePath constructor's messages, in its order.
  test('a path in the store that is no store path: why, as C++ Nix says it', () => {
    const h = 'a'.repeat(32);
    expect(run('builtins.storePath "/nix/store/bad"')).toBe("error: 'bad' is too short to be a valid store path");
    expect(run(`builtins.storePath "/nix/store/${h}xx"`)).toBe(`error: '${h}xx' can't name a store path because the hash part is not followed by a '-'`);
    expect(run(`builtins.storePath "/nix/store/e${h.slice(1)}-x"`)).toBe(`error: store path 'e${h.slice(1)}-x' contains illegal base-32 character 'e'`);
    expect(run(`builtins.storePath "/nix/store/${h}-a b"`)).toBe(`error: path '${h}-a b' is not a valid store path: name 'a b' contains illegal character ' '`);
    expect(run(`builtins.storePath "/nix/store/${h}-x/sub"`)).toBe(`"/nix/store/${h}-x/sub"`);
    expect(run('builtins.storePath "/tmp"')).toBe("error: path '/tmp' is not in the Nix store");
  });
});

describe('builtins.path arguments', () => {
  test('attributes are checked in symbol order (name first), each traced at its attribute', () => {
    expect(run('builtins.path { path = ./.; recursive = 1; name = 2; }')).toBe('error: expected a string but found an integer: 2');
    expect(failureAt('builtins.path {\n  path = ./.;\n  recursive = 1;\n}')).toEqual({
      frame: 'while evaluating the `recursive` attribute passed to builtins.path', line: 3, column: 3,
    });
  });
});

describe('path arguments given as sets (C++ Nix\'s coerceToPath)', () => {
  test('what __toString gives is used as the path, with its "while using" line on an error', () => {
    expect(failure('builtins.path { path = { __toString = s: "rel"; }; }')).toEqual({
      message: "string 'rel' doesn't represent an absolute path",
      // The argument's line comes with the error (C++ Nix's withTrace), the "while using" line as it unwinds.
      context: ["while evaluating the 'path' attribute passed to 'builtins.path'", 'while using the result of the `__toString` attribute'],
    });
    expect(failure('builtins.storePath { __toString = s: throw "z"; }').context[0]).toBe('while calling the `__toString` attribute');
  });
  test('a set that stands for itself is a stack overflow, as in C++ Nix', () => {
    expect(failure('let s = { __toString = s: s; }; in builtins.path { path = s; }').message).toBe('stack overflow; max-call-depth exceeded');
    expect(failure('let s = { __toString = s: s; }; in builtins.storePath s').message).toBe('stack overflow; max-call-depth exceeded');
  });
});

/** The last frame of an error (the builtin's own), with its position. */
function failureAt(expr: string): { frame: string; line?: number; column?: number } {
  const r = evaluate({ expr, strict: true });
  if (r.ok) throw new Error(`expected an error from ${expr}`);
  const t = r.error.trace.find((f) => f.message.startsWith('while evaluating'))!;
  const lc = t.pos ? t.pos.source.lineCol(t.pos.offset) : undefined;
  return { frame: t.message, line: lc?.line, column: lc?.column };
}
