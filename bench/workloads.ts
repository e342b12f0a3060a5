// The evaluation benchmark's workloads: Nix programs, each written to a file and evaluated
// with `instantiate --eval --strict` by nixeval and by C++ Nix (see bench/eval.ts).
//
// Sizes are chosen so C++ Nix 2.8 takes roughly 0.2–2 s of CPU on each (bar `deep`, which
// it cannot finish). The `lib-` workloads run nixpkgs' lib (read where it is, not copied):
// its systems test suite and its module system, fixed points, strings and lists at the
// scale of a small package set. Loops are written as divide-and-conquer recursion (depth log n) where
// they do not mean to test depth: C++ Nix recurses natively and overflows its stack at a
// few tens of thousands of nested calls. Results are kept small (a number, a few strings)
// so printing the result costs next to nothing.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './report.js';

export interface Workload {
  /** Short name, used in the table and for the generated file (`<name>.nix`). */
  name: string;
  /** One line: what the workload does. */
  description: string;
  /** Builtins (`builtins.<name>`) the workload needs; it is skipped if nixeval lacks one. */
  requires: string[];
  /** Files or directories the workload reads; it is skipped where one is missing. */
  reads?: string[];
  /** The Nix source. */
  source: string;
}

/**
 * nixpkgs' lib, read where it is (../shared/nixpkgs-lib, or NIXPKGS_LIB): the real-code
 * workloads import it and its test suites.
 */
const NIXPKGS_LIB = process.env.NIXPKGS_LIB ?? join(ROOT, '..', 'shared', 'nixpkgs-lib', 'lib');

/** A Nix string literal of a path (any byte the path has, quoted as Nix wants). */
function nixString(s: string): string {
  return `"${s.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

const LIB = `import ${nixString(NIXPKGS_LIB)}`;

/** Shared helpers, in plain Nix: `range lo hi f` sums `f i` over lo <= i < hi by halving. */
const PRELUDE = `
  sumRange = f: lo: hi:
    if hi - lo == 1 then f lo
    else let mid = lo + (hi - lo) / 2; in sumRange f lo mid + sumRange f mid hi;
`;

function calls(): Workload {
  const n = 30;
  return {
    name: 'calls',
    description: `non-tail-recursive function calls: \`fib ${n}\` (1.6 M calls)`,
    requires: [],
    source: `let
  fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2);
in fib ${n}
`,
  };
}

function attrs(): Workload {
  const n = 40000; // small sets built and merged
  const m = 20000; // keys of the set built by merging singletons
  return {
    name: 'attrs',
    description: `${n} small sets built with \`rec\`, dynamic keys and \`//\`, and selected from; a ${m}-key set built by merging singletons with \`//\` (divide and conquer), then every key selected`,
    requires: [],
    source: `let
  ${PRELUDE}
  small = i:
    let
      s = rec { a = i; b = a + 1; c = b * 2; } // { d = i + 3; } // { "k\${toString i}" = i; };
      t = s // { a = 0; e = s.c; } // (if i / 2 * 2 == i then { even = true; } else { });
      u = { inherit (t) a b e; nested.x.y = t.d; };
    in u.b + u.e + u.nested.x.y + t."k\${toString i}" + (if t ? even then 1 else 0) + (t.missing or 1);
  build = lo: hi:
    if hi - lo == 1 then { "k\${toString lo}" = lo; }
    else let mid = lo + (hi - lo) / 2; in build lo mid // build mid hi;
  big = build 0 ${m};
in {
  small = sumRange small 0 ${n};
  big = sumRange (i: big."k\${toString i}") 0 ${m};
  has = big ? k0 && big ? "k${m - 1}" && !(big ? "k${m}");
}
`,
  };
}

function lists(): Workload {
  const n = 100000;
  const rounds = 10;
  return {
    name: 'lists',
    description: `builtins over ${n / 1000}k-element lists, ${rounds} rounds: \`genList\`, \`map\`, \`filter\`, \`foldl'\`, \`length\`, \`elemAt\``,
    requires: ['genList', 'map', 'filter', "foldl'", 'length', 'elemAt'],
    source: `let
  ${PRELUDE}
  n = ${n};
  round = r:
    let
      xs = builtins.genList (i: i * 3 + r) n;
      ys = builtins.map (x: x + 1) xs;
      zs = builtins.filter (x: x / 2 * 2 == x) ys;
      total = builtins.foldl' (a: b: a + b) 0 zs;
      picks = builtins.foldl' (a: i: a + builtins.elemAt ys (i * 7)) 0 (builtins.genList (i: i) (n / 7));
    in builtins.length zs + total + picks + builtins.elemAt zs (builtins.length zs - 1);
in sumRange round 0 ${rounds}
`,
  };
}

function listsConcat(): Workload {
  const n = 100000;
  const rounds = 4;
  return {
    name: 'lists-concat',
    description: `plain-Nix lists (no list builtins): ${n / 1000}k-element lists built with \`++\` (divide and conquer) in two shapes and compared with \`==\`, ${rounds} rounds`,
    requires: [],
    source: `let
  ${PRELUDE}
  build = lo: hi:
    if hi - lo == 1 then [ (lo * 2) ]
    else let mid = lo + (hi - lo) / 2; in build lo mid ++ build mid hi;
  build3 = lo: hi:
    if hi - lo < 3 then (if hi - lo == 1 then [ (lo * 2) ] else [ (lo * 2) (lo * 2 + 2) ])
    else let a = lo + (hi - lo) / 3; b = lo + 2 * (hi - lo) / 3; in build3 lo a ++ build3 a b ++ build3 b hi;
  round = r: if build r (r + ${n}) == build3 r (r + ${n}) then 1 else 0;
in sumRange round 0 ${rounds}
`,
  };
}

function strings(): Workload {
  const n = 100000;
  return {
    name: 'strings',
    description: `${n / 1000}k short strings from \`toString\` and interpolation, concatenated with \`+\` and with interpolation (divide and conquer, ~1 MB each), compared with \`==\``,
    requires: [],
    source: `let
  item = i: "<item \${toString i}: \${toString (i * i)}>";
  plus = lo: hi:
    if hi - lo == 1 then "<item " + toString lo + ": " + toString (lo * lo) + ">"
    else let mid = lo + (hi - lo) / 2; in plus lo mid + plus mid hi;
  interp = lo: hi:
    if hi - lo == 1 then item lo
    else let a = lo + (hi - lo) / 3; b = lo + 2 * (hi - lo) / 3;
    in if hi - lo == 2 then "\${item lo}\${item (lo + 1)}" else "\${interp lo a}\${interp a b}\${interp b hi}";
  s1 = plus 0 ${n};
  s2 = interp 0 ${n};
in {
  equal = s1 == s2;
  differs = s1 == plus 1 ${n + 1};
  tail = "\${item ${n - 1}}";
}
`,
  };
}

function overlays(): Workload {
  const packages = 5000;
  const overlayCount = 10;
  const systems = [
    'x86_64-linux', 'aarch64-linux', 'x86_64-darwin', 'aarch64-darwin',
    'i686-linux', 'armv7l-linux', 'riscv64-linux', 'powerpc64le-linux',
  ];
  let composed = 'base system';
  for (let k = 1; k <= overlayCount; k++) composed = `extends (overlay ${k}) (${composed})`;
  return {
    name: 'overlays',
    description: `lazy fixed point as in nixpkgs: \`fix\` over ${overlayCount} overlays composed with \`extends\`, ${packages} packages each depending on two others through \`self\`/\`super\`, every package forced, for ${systems.length} systems`,
    requires: [],
    source: `let
  fix = f: let x = f x; in x;
  extends = overlay: f: self: let super = f self; in super // overlay self super;
  # the union of g i for lo <= i < hi, merged with // by halving
  range = lo: hi: g:
    if hi - lo == 1 then g lo
    else let mid = lo + (hi - lo) / 2; in range lo mid g // range mid hi g;
  n = ${packages};
  name = i: "p\${toString i}";
  leaf = system: name: { inherit name system; depth = 0; id = "\${name}-\${system}"; };
  mk = system: name: a: b: {
    inherit name system;
    depth = (if a.depth > b.depth then a.depth else b.depth) + 1;
    deps = [ a.name b.name ];
    id = "\${name}-\${system}+\${toString a.depth}+\${toString b.depth}";
  };
  base = system: self: {
    inherit system;
    p0 = leaf system "p0";
    p1 = leaf system "p1";
  } // range 2 n (i: { "\${name i}" = mk self.system (name i) self.\${name (i - 1)} self.\${name (i / 2)}; });
  # overlay k overrides every ${overlayCount}th package (a different one each time): the even
  # ones by patching super's value, the odd ones by rebuilding on self; and adds one attribute.
  overlay = k: self: super:
    range 0 (n / ${overlayCount}) (j:
      let i = j * ${overlayCount} + k + 1; in
      if i >= n then { }
      else if i / 2 * 2 == i then { "\${name i}" = super.\${name i} // { depth = super.\${name i}.depth + 1; overlay = k; }; }
      else { "\${name i}" = mk self.system (name i) self.\${name (i - 1)} super.\${name (i / 3)}; })
    // { "extra\${toString k}" = mk self.system "extra\${toString k}" self.\${name (n - 1)} super.\${name k}; };
  pkgsFor = system: fix (${composed});
  sumDepth = pkgs: lo: hi:
    if hi - lo == 1 then pkgs.\${name lo}.depth
    else let mid = lo + (hi - lo) / 2; in sumDepth pkgs lo mid + sumDepth pkgs mid hi;
  report = system: let pkgs = pkgsFor system; in {
    total = sumDepth pkgs 0 n;
    last = pkgs.\${name (n - 1)}.id;
    extra = pkgs.extra${overlayCount}.id;
    deps = pkgs.\${name (n - 2)}.deps;
  };
in {
${systems.map((s) => `  "${s}" = report "${s}";`).join('\n')}
}
`,
  };
}

function deep(): Workload {
  const n = 100000;
  return {
    name: 'deep',
    description: `non-tail recursion ${n.toLocaleString('en-US')} deep: \`f = n: if n == 0 then 0 else 1 + f (n - 1)\``,
    requires: [],
    source: `let
  f = n: if n == 0 then 0 else 1 + f (n - 1);
in f ${n}
`,
  };
}

function deepRepeated(): Workload {
  const n = 10000;
  const rounds = 150;
  return {
    name: 'deep-10k',
    description: `the same recursion ${n.toLocaleString('en-US')} deep (which C++ Nix survives), ${rounds} times`,
    requires: [],
    source: `let
  ${PRELUDE}
  f = n: if n == 0 then 0 else 1 + f (n - 1);
in sumRange (r: f (${n} + r)) 0 ${rounds}
`,
  };
}

// ---- real code: nixpkgs lib

function libSystems(): Workload {
  const extras = ['{ }', '{ useLLVM = true; }', '{ isStatic = true; }', '{ linker = "gold"; }', '{ useAndroidPrebuilt = false; }',
    '{ rust.rustcTarget = "custom"; }', '{ isStatic = true; useLLVM = true; }', '{ linker = "lld"; }'];
  return {
    name: 'lib-systems',
    description: `nixpkgs lib: its own test suite \`lib/tests/systems.nix\`, then \`lib.systems.elaborate\` of every system in \`lib.systems.doubles.all\` in ${extras.length} variants, each described by a string of a dozen of its attributes, de-duplicated with \`lib.unique\`, and matched against every predicate of \`lib.systems.inspect\``,
    requires: [],
    reads: [NIXPKGS_LIB],
    source: `let
  lib = ${LIB};
  tests = import ${nixString(join(NIXPKGS_LIB, 'tests', 'systems.nix'))};
  variants = d: map (extra: { system = d; } // extra) [ ${extras.join(' ')} ];
  elaborated = lib.concatMap (d: map lib.systems.elaborate (variants d)) lib.systems.doubles.all;
  str = x: if x == null then "-" else toString x;
  describe = e: "\${e.config} \${e.parsed.cpu.name} \${toString e.parsed.cpu.bits} \${e.parsed.kernel.name} \${str (e.linuxArch or null)} \${str (e.qemuArch or null)} \${lib.boolToString e.isStatic} \${str (e.rust.rustcTarget or null)} \${lib.systems.parse.tripleFromSystem e.parsed}";
  predicates = lib.attrValues lib.systems.inspect.predicates;
  holding = e: lib.length (lib.filter (p: p e.parsed) predicates);
in {
  inherit tests;
  count = lib.length elaborated;
  described = lib.length (lib.unique (map describe elaborated));
  predicates = lib.foldl' (n: e: n + holding e) 0 elaborated;
}
`,
  };
}

function libModules(): Workload {
  const n = 400;
  return {
    name: 'lib-modules',
    description: `nixpkgs lib: \`lib.evalModules\` over ${n} modules, each declaring a service's options (bool, port, str, list of str, attrs of submodules) and setting others' with \`mkIf\`, \`mkMerge\`, \`mkDefault\`, some depending on \`config\`; every option of every service read`,
    requires: [],
    reads: [NIXPKGS_LIB],
    source: `let
  lib = ${LIB};
  inherit (lib) mkOption types mkIf mkDefault mkMerge;
  n = ${n};
  name = i: "s\${toString i}";
  mod = i: { config, ... }: {
    options.services.\${name i} = {
      enable = mkOption { type = types.bool; default = false; description = "Whether to enable service \${toString i}."; };
      port = mkOption { type = types.port; default = 1000 + i; };
      user = mkOption { type = types.str; default = "user-\${toString i}"; };
      tags = mkOption { type = types.listOf types.str; default = [ ]; };
      settings = mkOption {
        type = types.attrsOf (types.submodule {
          options.value = mkOption { type = types.int; default = 0; };
          options.label = mkOption { type = types.str; default = "x"; };
        });
        default = { };
      };
    };
    config = mkMerge [
      { services.\${name i}.tags = [ "t\${toString (lib.mod i 7)}" ]; }
      (mkIf (lib.mod i 3 == 0) { services.\${name i}.enable = true; })
      { services.\${name (lib.mod (i + 1) n)}.settings."from\${toString i}" = { value = i; }; }
      (mkIf config.services.\${name i}.enable { services.\${name (lib.mod (i + 7) n)}.tags = [ "enabled-by-\${toString i}" ]; })
      { services.\${name (lib.mod (i + 13) n)}.user = mkDefault "default-\${toString i}"; }
    ];
  };
  services = lib.attrValues (lib.evalModules { modules = map mod (lib.range 0 (n - 1)); }).config.services;
in {
  enabled = lib.length (lib.filter (s: s.enable) services);
  ports = lib.foldl' (a: s: a + s.port) 0 services;
  tags = lib.length (lib.concatMap (s: s.tags) services);
  users = lib.length (lib.unique (map (s: s.user) services));
  settings = lib.foldl' (a: s: a + lib.foldl' (b: v: b + v.value) 0 (lib.attrValues s.settings)) 0 services;
}
`,
  };
}

function libFix(): Workload {
  const n = 2500;
  const overlays = 10;
  const packages: string[] = [];
  for (let i = 0; i < n; i++) {
    const deps = [...new Set(i === 0 ? [] : i === 1 ? [0] : [i - 1, Math.floor(i / 2)])].sort((a, b) => a - b).map((d) => `p${d}`);
    const depth = deps.length === 0 ? '0' : `1 + lib.foldl' lib.max 0 (map (d: d.depth) [ ${deps.join(' ')} ])`;
    packages.push(`    p${i} = self.callPackage ({ lib, ${[...deps, 'extra ? 0'].join(', ')} }: { name = "p${i}"; version = "1.${i % 10}"; deps = [ ${deps.join(' ')} ]; depth = ${depth} + extra; }) { };`);
  }
  return {
    name: 'lib-fix',
    description: `nixpkgs lib: a package set of ${n} packages made with \`lib.makeExtensible\` and \`lib.callPackageWith\` (each package a function of two others), extended by ${overlays} overlays composed with \`lib.composeManyExtensions\` that \`.override\` every ${overlays}th package; every package's depth, version and name read`,
    requires: [],
    reads: [NIXPKGS_LIB],
    source: `let
  lib = ${LIB};
  base = self: {
    callPackage = lib.callPackageWith (self // { inherit lib; });
${packages.join('\n')}
  };
  overlay = k: final: prev: lib.listToAttrs (map (j: let i = j * ${overlays} + k; name = "p\${toString i}"; in lib.nameValuePair name (prev.\${name}.override { extra = k; })) (lib.range 0 ${Math.floor(n / overlays) - 2}));
  pkgs = (lib.makeExtensible base).extend (lib.composeManyExtensions (map overlay (lib.range 1 ${overlays})));
  names = lib.genList (i: "p\${toString i}") ${n};
in {
  depth = lib.foldl' (a: n: a + pkgs.\${n}.depth) 0 names;
  versions = lib.length (lib.unique (map (n: pkgs.\${n}.version) names));
  last = pkgs.p${n - 1}.name;
}
`,
  };
}

function libStringsLists(): Workload {
  const n = 20000;
  return {
    name: 'lib-strings-lists',
    description: `nixpkgs lib: \`lib.strings\` and \`lib.lists\` over ${n} numbers and words: splitString, toUpper, escapeShellArg, replaceStrings, hasPrefix/hasSuffix, fixedWidthString, foldl'/foldr, partition, sort, zipListsWith, imap1, flatten, groupBy, unique, count, range, listToAttrs, mapAttrs, filterAttrs`,
    requires: [],
    reads: [NIXPKGS_LIB],
    source: `let
  lib = ${LIB};
  n = ${n};
  nums = lib.range 1 n;
  words = map (i: "word\${toString i}") nums;
  text = lib.concatStringsSep " " words;
  split = lib.splitString " " text;
  upper = map lib.toUpper split;
  attrs = lib.listToAttrs (map (w: lib.nameValuePair w (lib.stringLength w)) (lib.take 5000 words));
in {
  split = lib.length split;
  escaped = lib.stringLength (lib.concatMapStringsSep "," lib.escapeShellArg (lib.take 5000 upper));
  replaced = lib.stringLength (lib.replaceStrings [ "word1" "word2" " " ] [ "W1" "W2" "_" ] text);
  prefixed = lib.length (lib.filter (lib.hasPrefix "word1") words);
  suffixed = lib.length (lib.filter (lib.hasSuffix "99") words);
  padded = lib.stringLength (lib.concatMapStrings (w: lib.fixedWidthString 12 "." w) (lib.take 5000 words));
  sum = lib.foldl' (a: b: a + b) 0 nums;
  sumr = lib.foldr (a: b: a + b) 0 (lib.take 5000 nums);
  parts = lib.length (lib.partition (x: lib.mod x 3 == 0) nums).right;
  sorted = lib.head (lib.sort (a: b: a > b) (lib.take 5000 (lib.reverseList nums)));
  zipped = lib.foldl' (a: b: a + b) 0 (lib.zipListsWith (a: b: a * b) nums (lib.reverseList nums));
  indexed = lib.foldl' (a: b: a + b) 0 (lib.imap1 (i: x: i + x) nums);
  flat = lib.length (lib.flatten (map (x: [ x [ x ] ]) (lib.take 5000 nums)));
  groups = lib.mapAttrs (k: v: lib.length v) (lib.groupBy (x: toString (lib.mod x 10)) nums);
  unique = lib.length (lib.unique (map (x: lib.mod x 500) (lib.take 5000 nums)));
  counted = lib.count (x: lib.mod x 7 == 0) nums;
  ranges = lib.length (lib.concatMap (i: lib.range 0 (lib.mod i 20)) (lib.take 2000 nums));
  attrsSum = lib.foldl' (a: b: a + b) 0 (lib.attrValues (lib.mapAttrs (k: v: v * 2) attrs));
  filtered = lib.length (lib.attrNames (lib.filterAttrs (k: v: v > 7) attrs));
}
`,
  };
}

export function workloads(): Workload[] {
  return [
    calls(), attrs(), lists(), listsConcat(), strings(), overlays(), deep(), deepRepeated(),
    libSystems(), libModules(), libFix(), libStringsLists(),
  ];
}

/** Why a workload cannot run here (a file it reads is missing), or undefined. */
export function missingInput(w: Workload): string | undefined {
  const missing = (w.reads ?? []).find((f) => !existsSync(f));
  return missing === undefined ? undefined : `${missing} is missing`;
}
