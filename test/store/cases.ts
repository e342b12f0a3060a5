// The derivation expressions of the fixture suite (test/store/fixtures.json). Their expected
// values were produced by C++ Nix (nix-instantiate 2.8 with a dummy store) by
// generate-fixtures.ts; the test itself only reads fixtures.json.
//
// Every expression is evaluated in a directory holding the case's files (relative path
// literals refer to them) and printed as `nix-instantiate --eval --strict --json` prints it.

import { createHash } from 'node:crypto';

/**
 * A file of a case: text, an executable, raw bytes (base64), a text repeated `count` times
 * (large files), a symlink, or an empty directory.
 */
export type CaseFile = string | { executable: string } | { base64: string } | { repeat: string; count: number } | { symlink: string } | { dir: true };

export interface Case {
  name: string;
  expr: string;
  files?: Record<string, CaseFile>;
}

/** Helpers every expression sees. */
export const PRELUDE = `let
  mk = args: derivation ({ system = "x86_64-linux"; builder = "/bin/sh"; } // args);
  info = d: { drv = d.drvPath; out = d.outPath; };
  outs = d: builtins.listToAttrs (map (o: { name = o; value = d.\${o}.outPath; }) d.outputs) // { drv = d.drvPath; };
  ctx = s: builtins.getContext s;
in `;

function h(algo: string, s: string, enc: 'hex' | 'base64' | 'nix32' | 'sri'): string {
  const bytes = createHash(algo).update(s).digest();
  if (enc === 'hex') return bytes.toString('hex');
  if (enc === 'base64') return bytes.toString('base64');
  if (enc === 'sri') return `${algo}-${bytes.toString('base64')}`;
  // Nix base-32
  const chars = '0123456789abcdfghijklmnpqrsvwxyz';
  const len = Math.floor((bytes.length * 8 - 1) / 5) + 1;
  let out = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = (bytes[i] >> j) | (i >= bytes.length - 1 ? 0 : (bytes[i + 1] << (8 - j)) & 0xff);
    out += chars[c & 0x1f];
  }
  return out;
}

const cases: Case[] = [];
function add(name: string, expr: string, files?: Record<string, CaseFile>): void {
  cases.push({ name, expr, files });
}

// ---- simple derivations
add('simple', 'info (mk { name = "hello"; })');
add('simple-system', 'info (mk { name = "hello"; system = "aarch64-darwin"; })');
add('simple-builder-string', 'info (mk { name = "b"; builder = "/usr/bin/env"; })');
add('simple-args', 'info (mk { name = "args"; args = [ "-c" "echo hi > $out" ]; })');
add('simple-args-empty', 'info (mk { name = "args"; args = [ ]; })');
add('simple-name-chars', 'info (mk { name = "a-b_c.d+e?f=g-1.2.3"; })');
add('simple-env-int', 'info (mk { name = "env"; n = 42; neg = -7; })');
add('simple-env-bool-null', 'info (mk { name = "env"; t = true; f = false; z = null; })');
add('simple-env-float', 'info (mk { name = "env"; x = 1.5; y = 0.1; z = 1.0e20; w = -2.25; })');
add('simple-env-list', 'info (mk { name = "env"; l = [ "a" 1 true null [ "b" [ ] "c" ] 2.5 ]; })');
add('simple-env-escapes', 'info (mk { name = "env"; s = "quote \\" backslash \\\\ newline \\n tab \\t cr \\r dollar \\${x}"; })');
add('simple-env-unicode', 'info (mk { name = "env"; s = "héllo wörld ✓ 🎉"; })');
add('simple-env-empty', 'info (mk { name = "env"; e = ""; })');
add('simple-env-many', 'info (mk { name = "many"; a = "1"; b = "2"; c = "3"; Z = "4"; _x = "5"; "with space" = "6"; "a.b" = "7"; })');
add('simple-outputs-explicit', 'info (mk { name = "o"; outputs = [ "out" ]; })');
add('simple-ignore-nulls', 'info (mk { name = "n"; __ignoreNulls = true; a = null; b = "x"; })');
add('simple-ignore-nulls-false', 'info (mk { name = "n"; __ignoreNulls = false; a = null; b = "x"; })');
add('simple-pass-as-file', 'info (mk { name = "paf"; passAsFile = [ "big" ]; big = "lots of text"; })');
add('simple-attrs', 'let d = mk { name = "attrs"; foo = "bar"; }; in { inherit (d) name system builder foo type outputName; drvPath = d.drvPath; outPath = d.outPath; all = map (x: x.outPath) d.all; }');
add('simple-drvattrs', 'let d = mk { name = "attrs"; foo = "bar"; }; in builtins.attrNames d.drvAttrs');
add('simple-json-derivation', 'mk { name = "as-json"; }');
add('simple-long-name', `info (mk { name = "${'x'.repeat(200)}"; })`);
add('derivationStrict-direct', 'builtins.derivationStrict { name = "strict"; system = "x86_64-linux"; builder = "/bin/sh"; }');
add('derivationStrict-outputs-string', 'builtins.derivationStrict { name = "strict"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = "out  dev\tbin"; }');
add('derivation-tostring', 'let d = mk { name = "ts"; }; in { s = "${d}"; t = toString d; c = ctx "${d}"; }');
add('simple-builder-path', 'info (mk { name = "bp"; builder = ./builder.sh; })', { 'builder.sh': '#!/bin/sh\necho hi\n' });
add('simple-args-path', 'info (mk { name = "ap"; args = [ ./script.sh "x" ]; })', { 'script.sh': 'echo script\n' });

// ---- several outputs
add('outputs-two', 'outs (mk { name = "two"; outputs = [ "out" "dev" ]; })');
add('outputs-bin-first', 'let d = mk { name = "bf"; outputs = [ "bin" "out" ]; }; in outs d // { outPath = d.outPath; outputName = d.outputName; }');
add('outputs-four', 'outs (mk { name = "four"; outputs = [ "dev" "lib" "out" "doc" ]; })');
add('outputs-unsorted', 'outs (mk { name = "uns"; outputs = [ "out" "a" "z" ]; })');
add('outputs-select', 'let d = mk { name = "sel"; outputs = [ "out" "dev" ]; }; in { dev = d.dev.outPath; devName = d.dev.outputName; devDrv = d.dev.drvPath; outOfDev = d.dev.out.outPath; }');
add('outputs-all', 'let d = mk { name = "all"; outputs = [ "a" "b" "c" ]; }; in map (x: { n = x.outputName; p = x.outPath; }) d.all');
add('outputs-depend-one', 'let d = mk { name = "multi"; outputs = [ "out" "dev" ]; }; in info (mk { name = "user"; dep = "${d.dev}"; })');
add('outputs-depend-both', 'let d = mk { name = "multi"; outputs = [ "out" "dev" ]; }; in info (mk { name = "user"; a = "${d.dev}"; b = d.out; })');
add('outputs-context', 'let d = mk { name = "multi"; outputs = [ "out" "dev" "lib" ]; }; in ctx "${d.dev}${d.lib}${d}"');

// ---- fixed-output derivations: every algorithm, mode and encoding
const CONTENT = 'fixed output content';
for (const algo of ['md5', 'sha1', 'sha256', 'sha512']) {
  for (const mode of ['flat', 'recursive']) {
    for (const enc of ['hex', 'nix32', 'base64', 'sri'] as const) {
      if (enc === 'base64' && algo !== 'sha256' && algo !== 'sha512') continue;
      const hash = h(algo, `${CONTENT} ${algo} ${mode}`, enc);
      const algoAttr = enc === 'sri' ? '' : `outputHashAlgo = "${algo}"; `;
      add(`fixed-${algo}-${mode}-${enc}`, `info (mk { name = "fixed"; outputHashMode = "${mode}"; ${algoAttr}outputHash = "${hash}"; })`);
    }
  }
}
add('fixed-prefixed-hash', `info (mk { name = "pre"; outputHash = "sha256:${h('sha256', 'p', 'nix32')}"; })`);
add('fixed-sri-with-algo', `info (mk { name = "pre"; outputHashAlgo = "sha256"; outputHash = "${h('sha256', 'q', 'sri')}"; })`);
add('fixed-default-mode', `info (mk { name = "def"; outputHashAlgo = "sha256"; outputHash = "${h('sha256', 'd', 'hex')}"; })`);
add('fixed-empty-hash', 'info (mk { name = "empty"; outputHashAlgo = "sha256"; outputHash = ""; })');
add('fixed-empty-hash-recursive', 'info (mk { name = "empty"; outputHashMode = "recursive"; outputHashAlgo = "sha512"; outputHash = ""; })');
add('fixed-different-builders-same-out', `let
  a = mk { name = "src"; builder = "/a"; outputHashAlgo = "sha256"; outputHash = "${h('sha256', 'same', 'hex')}"; };
  b = mk { name = "src"; builder = "/b"; outputHashAlgo = "sha256"; outputHash = "${h('sha256', 'same', 'hex')}"; };
in { a = info a; b = info b; ua = info (mk { name = "user"; src = a; }); ub = info (mk { name = "user"; src = b; }); }`);
add('fixed-depends-on-regular', `let dep = mk { name = "dep"; }; in info (mk { name = "fod"; inherit dep; outputHashAlgo = "sha1"; outputHash = "${h('sha1', 'f', 'hex')}"; })`);
add('fixed-fetchurl', `let f = import <nix/fetchurl.nix> { url = "http://example.org/foo.tar.gz"; sha256 = "${h('sha256', 'tarball', 'nix32')}"; }; in info f`);
add('fixed-fetchurl-unpack', `let f = import <nix/fetchurl.nix> { url = "http://example.org/foo.tar.gz"; hash = "${h('sha256', 'tarball', 'sri')}"; unpack = true; name = "src"; }; in info f`);
add('fixed-structured', `info (mk { name = "fs"; __structuredAttrs = true; outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "${h('sha256', 's', 'hex')}"; })`);

// ---- derivations depending on derivations
add('dep-chain', `let
  a = mk { name = "a"; };
  b = mk { name = "b"; inherit a; };
  c = mk { name = "c"; inherit b; };
in { a = info a; b = info b; c = info c; }`);
add('dep-diamond', `let
  a = mk { name = "a"; };
  b = mk { name = "b"; inherit a; };
  c = mk { name = "c"; inherit a; };
  d = mk { name = "d"; inherit b c; };
in info d`);
add('dep-interpolation', 'let a = mk { name = "a"; }; in info (mk { name = "b"; script = "run ${a}/bin/a --flag"; })');
add('dep-args', 'let a = mk { name = "a"; }; in info (mk { name = "b"; args = [ "-c" "${a}/bin/x" ]; })');
add('dep-builder', 'let a = mk { name = "tool"; }; in info (mk { name = "b"; builder = "${a}/bin/sh"; })');
add('dep-list', 'let a = mk { name = "a"; }; b = mk { name = "b"; }; in info (mk { name = "c"; deps = [ a b ]; })');
add('dep-drvpath-opaque', 'let a = mk { name = "a"; }; in info (mk { name = "b"; drv = builtins.unsafeDiscardOutputDependency a.drvPath; })');
add('dep-discarded-context', 'let a = mk { name = "a"; }; in info (mk { name = "b"; x = builtins.unsafeDiscardStringContext "${a}"; })');
add('dep-same-twice', 'let a = mk { name = "a"; }; in info (mk { name = "b"; x = "${a}"; y = "${a}"; z = a; })');
add('dep-context-of-dependent', 'let a = mk { name = "a"; }; b = mk { name = "b"; inherit a; }; in ctx "${b}${a}"');
add('dep-toFile-and-drv', 'let f = builtins.toFile "f" "x"; a = mk { name = "a"; }; in info (mk { name = "b"; inherit f a; })');
add('dep-deep-chain', `let
  step = prev: n: mk { name = "s\${toString n}"; inherit prev; };
  last = builtins.foldl' step (mk { name = "s0"; }) [ 1 2 3 4 5 6 7 8 9 10 ];
in info last`);
add('dep-output-of-multi', 'let m = mk { name = "m"; outputs = [ "lib" "out" ]; }; in info (mk { name = "u"; l = m.lib; o = m.out; })');

// ---- toFile
add('toFile-simple', '{ p = builtins.toFile "hello.txt" "Hello, world!\\n"; }');
add('toFile-empty', '{ p = builtins.toFile "empty" ""; }');
add('toFile-unicode', '{ p = builtins.toFile "u" "héllo ✓\\n"; }');
add('toFile-reference', 'let a = builtins.toFile "a" "aaa"; b = builtins.toFile "b" "see ${a}"; in { inherit a b; c = ctx b; }');
add('toFile-two-references', 'let a = builtins.toFile "a" "aaa"; b = builtins.toFile "b" "bbb"; c = builtins.toFile "c" "${a} ${b}"; in { inherit c; }');
add('toFile-reference-source', '{ p = builtins.toFile "t" "source is ${./data.txt}"; }', { 'data.txt': 'data\n' });
add('toFile-as-builder', 'info (mk { name = "tb"; builder = builtins.toFile "builder.sh" "echo hi > $out"; })');
add('toFile-context', 'ctx (builtins.toFile "t" "x")');
add('toFile-name-dots', '{ p = builtins.toFile "config.json" (builtins.toJSON { a = 1; }); }');

// ---- files and directories coerced to store paths
const TREE: Record<string, CaseFile> = {
  'src/a.txt': 'a\n',
  'src/b/c.txt': 'c content\n',
  'src/b/run.sh': { executable: '#!/bin/sh\necho run\n' },
  'src/link': { symlink: 'a.txt' },
  'src/empty': { dir: true },
};
add('path-file', '{ p = "${./file.txt}"; }', { 'file.txt': 'some text\n' });
add('path-file-context', 'ctx "${./file.txt}"', { 'file.txt': 'some text\n' });
add('path-executable', '{ p = "${./tool}"; }', { tool: { executable: '#!/bin/sh\n' } });
add('path-binary', '{ p = "${./blob}"; }', { blob: { base64: Buffer.from([0, 1, 2, 255, 254, 10, 13, 128]).toString('base64') } });
add('path-empty-file', '{ p = "${./empty}"; }', { empty: '' });
add('path-dir', '{ p = "${./src}"; }', TREE);
add('path-subdir', '{ p = "${./src/b}"; }', TREE);
add('path-symlink', '{ p = "${./src/link}"; }', TREE);
add('path-empty-dir', '{ p = "${./src/empty}"; }', TREE);
add('path-in-derivation', 'info (mk { name = "src"; src = ./src; })', TREE);
add('path-in-list', 'info (mk { name = "srcs"; srcs = [ ./src/a.txt ./src/b ]; })', TREE);
add('path-concat', '{ p = "${./src}/b/c.txt"; q = "${./src + "/b"}"; }', TREE);
add('path-tostring-no-copy', '{ s = builtins.substring 0 1 (toString ./src); b = baseNameOf (toString ./src); }', TREE);
add('path-builtin-path', '{ p = builtins.path { path = ./src; }; }', TREE);
add('path-builtin-path-name', '{ p = builtins.path { path = ./src; name = "source"; }; }', TREE);
add('path-builtin-path-flat', '{ p = builtins.path { path = ./src/a.txt; recursive = false; }; }', TREE);
add('path-builtin-path-filter', '{ p = builtins.path { path = ./src; filter = path: type: type != "directory" || baseNameOf path != "b"; }; }', TREE);
add('path-builtin-path-filter-types', '{ p = builtins.path { path = ./src; name = "regular-only"; filter = path: type: type == "regular"; }; }', TREE);
add('path-builtin-path-sha256', '{ p = builtins.path { path = ./src/a.txt; recursive = false; sha256 = "' + h('sha256', 'a\n', 'nix32') + '"; }; }', TREE);
add('path-filterSource', '{ p = builtins.filterSource (path: type: baseNameOf path != "link") ./src; }', TREE);
add('path-filterSource-none', '{ p = builtins.filterSource (path: type: false) ./src; }', TREE);
add('path-json', '{ j = builtins.toJSON { a = ./src/a.txt; l = [ ./src/b ]; }; }', TREE);
add('path-dot-name', '{ p = "${./.hidden}"; }', { '.hidden': 'h\n' });

// ---- structured attrs
add('structured-simple', 'info (mk { name = "sa"; __structuredAttrs = true; })');
add('structured-values', 'info (mk { name = "sa"; __structuredAttrs = true; i = 1; f = 1.5; b = true; n = null; l = [ 1 "two" [ 3 ] ]; s = { x = { y = "z"; }; }; u = "ünïcode"; })');
add('structured-outputs', 'outs (mk { name = "sa"; __structuredAttrs = true; outputs = [ "out" "dev" ]; })');
add('structured-dependency', 'let a = mk { name = "a"; }; in info (mk { name = "sa"; __structuredAttrs = true; deps = [ a ]; nested = { inherit a; }; })');
add('structured-path', 'info (mk { name = "sa"; __structuredAttrs = true; src = ./src; })', TREE);
add('structured-ignore-nulls', 'info (mk { name = "sa"; __structuredAttrs = true; __ignoreNulls = true; a = null; b = 1; })');
add('structured-legacy-attrs', 'info (mk { name = "sa"; __structuredAttrs = true; allowedReferences = [ ]; maxSize = 10; })');
add('structured-false', 'info (mk { name = "sa"; __structuredAttrs = false; l = [ "a" "b" ]; })');
add('structured-json-string', 'info (mk { name = "sa"; __json = builtins.toJSON { a = 1; }; })');
// Floats whose JSON text C++ Nix 2.8 and later versions agree on (2.8 prints 100.0 as 100).
add('structured-floats', 'info (mk { name = "sa"; __structuredAttrs = true; a = 0.1; b = 1.0e20; c = 1.0e-5; d = 0.5; e = -2.25; })');
add('structured-escapes', 'info (mk { name = "sa"; __structuredAttrs = true; s = "q\\" b\\\\ n\\n t\\t"; })');

// ---- placeholders
add('placeholder-out', '{ p = builtins.placeholder "out"; }');
add('placeholder-others', '{ dev = builtins.placeholder "dev"; bin = builtins.placeholder "bin"; x = placeholder "x"; }');
add('placeholder-in-env', 'info (mk { name = "ph"; prefix = placeholder "out"; outputs = [ "out" "dev" ]; dev = placeholder "dev"; })');
add('placeholder-in-args', 'info (mk { name = "ph"; args = [ "--prefix=${placeholder "out"}" ]; })');
add('placeholder-structured', 'info (mk { name = "ph"; __structuredAttrs = true; p = placeholder "out"; })');

// ---- string context through string operations
const D = 'let d = mk { name = "ctxdrv"; outputs = [ "out" "dev" ]; }; in ';
add('ctx-interpolation', D + '{ s = "prefix ${d} suffix"; c = ctx "prefix ${d} suffix"; }');
add('ctx-replaceStrings', D + 'let s = builtins.replaceStrings [ "ctxdrv" ] [ "other" ] "${d}"; in { inherit s; c = ctx s; u = info (mk { name = "u"; x = s; }); }');
add('ctx-substring', D + 'let s = builtins.substring 0 20 "${d.dev}"; in { inherit s; c = ctx s; u = info (mk { name = "u"; x = s; }); }');
add('ctx-substring-empty', D + 'let s = builtins.substring 0 0 "${d}"; in { inherit s; c = ctx s; u = info (mk { name = "u"; x = s; }); }');
add('ctx-concatStringsSep', D + 'let s = builtins.concatStringsSep ":" [ "${d}/bin" "${d.dev}/bin" "/usr/bin" ]; in { inherit s; c = ctx s; }');
add('ctx-plus', D + 'let s = "a" + d.outPath + "b"; in { inherit s; c = ctx s; }');
add('ctx-toJSON', D + 'let s = builtins.toJSON { inherit d; l = [ d.dev ]; }; in { inherit s; c = ctx s; u = info (mk { name = "u"; json = s; }); }');
add('ctx-toString-list', D + 'let s = toString [ d d.dev "x" ]; in { inherit s; c = ctx s; }');
add('ctx-baseNameOf', D + 'let s = baseNameOf "${d}"; in { inherit s; c = ctx s; }');
add('ctx-dirOf', D + 'let s = dirOf "${d}/bin/x"; in { inherit s; c = ctx s; }');
add('ctx-unsafeDiscardOutputDependency', D + 'let s = builtins.unsafeDiscardOutputDependency d.drvPath; in { inherit s; c = ctx s; }');
add('ctx-drvPath', D + '{ c = ctx d.drvPath; }');
add('ctx-appendContext', D + 'let s = builtins.appendContext "hello" { ${builtins.unsafeDiscardStringContext d.drvPath} = { outputs = [ "dev" ]; }; }; in { inherit s; c = ctx s; u = info (mk { name = "u"; x = s; }); }');
add('ctx-toXML', D + 'let s = builtins.toXML { inherit d; }; in { c = ctx s; }');
add('ctx-attr-names-drop', D + 'let s = builtins.concatStringsSep "," (builtins.attrNames { ${d.name} = 1; }); in { inherit s; c = ctx s; }');
add('ctx-hasContext', D + '{ a = builtins.hasContext "${d}"; b = builtins.hasContext (builtins.unsafeDiscardStringContext "${d}"); }');
add('ctx-replace-in-dep', D + 'info (mk { name = "u"; script = builtins.replaceStrings [ "@dev@" "@out@" ] [ "${d.dev}" "${d}" ] "dev=@dev@ out=@out@"; })');
add('ctx-storePath', '{ s = builtins.storePath "/nix/store/00000000000000000000000000000000-foo"; c = ctx (builtins.storePath "/nix/store/00000000000000000000000000000000-foo"); u = info (mk { name = "u"; x = builtins.storePath "/nix/store/00000000000000000000000000000000-foo"; }); }');
add('ctx-lib-style', D + `let
  concatMapStrings = f: l: builtins.concatStringsSep "" (map f l);
  s = concatMapStrings (x: "\${x}\\n") [ d d.dev ];
in { inherit s; c = ctx s; }`);

// ---- more trees: sorting, names, sizes, symlinks
const TREE2: Record<string, CaseFile> = {
  'tree/B.txt': 'upper\n',
  'tree/a.txt': 'lower\n',
  'tree/.dot': 'dot\n',
  'tree/_u': 'underscore\n',
  'tree/ünï.txt': 'unicode name\n',
  'tree/deep/er/and/deeper/leaf': 'leaf\n',
  'tree/big.bin': { repeat: 'abcdefgh', count: 12800 },
  'tree/links/to-dir': { symlink: '../deep' },
  'tree/links/dangling': { symlink: '/nonexistent/target' },
  'tree/links/abs': { symlink: '/etc/hostname' },
  'tree/exe/x': { executable: 'x' },
  'tree/exe/y': 'y',
};
add('tree-sorting-and-names', '{ p = "${./tree}"; }', TREE2);
add('tree-big-file', '{ p = "${./tree/big.bin}"; }', TREE2);
add('tree-symlink-to-dir-not-followed', '{ p = "${./tree/links/to-dir}"; }', TREE2);
add('tree-dangling-symlink', '{ p = "${./tree/links/dangling}"; }', TREE2);
add('tree-unicode-file', '{ p = "${./tree + "/ünï.txt"}"; }', TREE2);
add('tree-filter-symlinks', '{ p = builtins.path { path = ./tree; name = "no-links"; filter = path: type: type != "symlink"; }; }', TREE2);
add('tree-filter-by-name', '{ p = builtins.filterSource (path: type: builtins.match ".*\\\\.txt" path != null || type == "directory") ./tree; }', TREE2);
// Not here: builtins.path on a symlink. C++ Nix 2.8 hashes the link itself; later versions
// (SourcePath::resolveSymlinks) follow it, as nixeval does.
add('tree-in-structured', 'info (mk { name = "t"; __structuredAttrs = true; srcs = [ ./tree/exe ./tree/a.txt ]; })', TREE2);
add('hashFile-algos', '{ md5 = builtins.hashFile "md5" ./tree/a.txt; sha1 = builtins.hashFile "sha1" ./tree/a.txt; sha256 = builtins.hashFile "sha256" ./tree/big.bin; sha512 = builtins.hashFile "sha512" ./tree/a.txt; }', TREE2);

// ---- more derivation shapes
add('fixed-depends-on-fixed', `let
  a = mk { name = "a"; outputHashAlgo = "sha256"; outputHash = "${h('sha256', 'fa', 'hex')}"; };
  b = mk { name = "b"; inherit a; outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "${h('sha256', 'fb', 'hex')}"; };
in { a = info a; b = info b; c = info (mk { name = "c"; inherit b; }); }`);
add('fixed-recursive-sha1-dependent', `let
  a = mk { name = "a"; outputHashMode = "recursive"; outputHashAlgo = "sha1"; outputHash = "${h('sha1', 'r', 'nix32')}"; };
in info (mk { name = "u"; inherit a; })`);
// Written as nlohmann::json's dump() writes it: C++ Nix 2.8 keeps `__json` as given, current Nix
// parses and dumps it again (test/cli/small-edges.test.ts), and both agree on this text.
add('json-env-non-structured', 'info (mk { name = "j"; __json = "{\\"a\\":[1,2.5],\\"not\\":\\"reformatted\\"}"; })');
add('structured-pass-as-file', 'info (mk { name = "s"; __structuredAttrs = true; passAsFile = [ "x" ]; x = "y"; })');
add('structured-placeholders-multi', 'outs (mk { name = "s"; __structuredAttrs = true; outputs = [ "out" "dev" ]; paths = { out = placeholder "out"; dev = placeholder "dev"; }; })');
add('structured-derivation-value', 'let a = mk { name = "a"; outputs = [ "out" "lib" ]; }; in info (mk { name = "s"; __structuredAttrs = true; dep = a; lib = a.lib; all = a.all; })');
add('structured-unicode-key', 'info (mk { name = "s"; __structuredAttrs = true; "ключ" = "значение"; })');
add('many-outputs-dependent', `let
  a = mk { name = "a"; outputs = [ "out" "bin" "dev" "man" ]; };
in info (mk { name = "u"; x = [ a.bin a.man ]; })`);
add('drvAttrs-override', `let
  a = mk { name = "a"; v = "1"; };
  b = derivation (a.drvAttrs // { v = "2"; });
in { a = info a; b = info b; }`);
add('derivation-name-from-interpolation', 'let v = "1.2"; in info (mk { name = "pkg-${v}"; })');
add('toFile-long-contents', '{ p = builtins.toFile "long" (builtins.concatStringsSep "\\n" (builtins.genList toString 5000)); }');
add('toFile-reference-chain', `let
  a = builtins.toFile "a" "a";
  b = builtins.toFile "b" "b \${a}";
  c = builtins.toFile "c" "c \${b} \${a}";
in { inherit c; u = info (mk { name = "u"; inherit c; }); }`);

// ---- errors: C++ Nix fails, and so must nixeval
add('error-missing-builder', 'info (derivation { name = "x"; system = "x86_64-linux"; })');
add('error-missing-system', 'info (derivation { name = "x"; builder = "/bin/sh"; })');
add('error-name-drv', 'info (mk { name = "x.drv"; })');
add('error-bad-name', 'info (mk { name = "a b"; })');
add('error-fixed-multiple-outputs', `info (mk { name = "x"; outputs = [ "out" "dev" ]; outputHashAlgo = "sha256"; outputHash = "${h('sha256', 'm', 'hex')}"; })`);
add('error-bad-hash', 'info (mk { name = "x"; outputHashAlgo = "sha256"; outputHash = "abc"; })');
add('error-hash-without-algo', `info (mk { name = "x"; outputHash = "${h('sha256', 'n', 'hex')}"; })`);
add('error-hash-algo-mismatch', `info (mk { name = "x"; outputHashAlgo = "sha1"; outputHash = "sha256:${h('sha256', 'n', 'hex')}"; })`);
add('error-bad-hash-mode', `info (mk { name = "x"; outputHashMode = "weird"; outputHashAlgo = "sha256"; outputHash = "${h('sha256', 'n', 'hex')}"; })`);
// Not here: an output named drvPath, which 2.8 accepts and later versions refuse (corpus:
// eval-fail-derivationStrict-14).
add('error-duplicate-output', 'info (mk { name = "x"; outputs = [ "out" "out" ]; })');
add('error-toFile-drv-reference', 'builtins.toFile "x" "${mk { name = "a"; }}"');
add('error-toFile-drvPath-reference', 'builtins.toFile "x" (mk { name = "a"; }).drvPath');
add('error-coerce-drv-file', '{ p = "${./f.drv}"; }', { 'f.drv': 'x' });
add('error-missing-path', '{ p = "${./missing}"; }');
add('error-path-sha256-mismatch', `{ p = builtins.path { path = ./f; sha256 = "${h('sha256', 'wrong', 'nix32')}"; }; }`, { f: 'content' });
add('error-placeholder-context', 'builtins.placeholder "${mk { name = "a"; }}"');
add('error-env-function', 'info (mk { name = "x"; f = x: x; })');
add('error-system-context', 'info (mk { name = "x"; __structuredAttrs = true; system = "${mk { name = "a"; }}"; })');

// ---- more context propagation
add('ctx-replace-unused-replacement', D + 'let s = builtins.replaceStrings [ "zzz" "a" ] [ "${d.dev}" "b" ] "${d}"; in { inherit s; c = ctx s; }');
add('ctx-replace-empty-pattern', D + 'let s = builtins.replaceStrings [ "" ] [ "${d.dev}" ] "ab"; in { inherit s; c = ctx s; }');
add('ctx-sort', D + 'let s = builtins.head (builtins.sort builtins.lessThan [ "${d.dev}" "${d}" ]); in { inherit s; c = ctx s; }');
add('ctx-mapAttrs', D + 'let s = builtins.head (builtins.attrValues (builtins.mapAttrs (n: v: "${v}/${n}") { x = d; })); in { inherit s; c = ctx s; }');
add('ctx-toString-functor', D + 'let s = toString { __toString = self: "${d}"; }; t = toString { outPath = d.dev; }; in { inherit s t; c = ctx s; e = ctx t; }');
add('ctx-catAttrs', D + 'let s = builtins.elemAt (builtins.catAttrs "x" [ { x = "${d}"; } ]) 0; in { inherit s; c = ctx s; }');
add('ctx-split-drops', D + '{ c = map ctx (builtins.filter builtins.isString (builtins.split "/" "${d}")); }');
add('ctx-match-drops', D + '{ c = map ctx (builtins.match "(.*)/(.*)" "${d}"); }');
add('ctx-hashString-drops', D + '{ c = ctx (builtins.hashString "sha256" "${d}"); }');
add('ctx-equality-ignores', D + '{ a = "${d}" == d.outPath; b = builtins.elem "${d}" [ d.outPath ]; }');
add('ctx-path-and-drv', D + 'let s = "${d}:${./f}"; in { inherit s; c = ctx s; u = info (mk { name = "u"; x = s; }); }', { f: 'f\n' });

export { cases };
