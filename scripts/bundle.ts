// The last step of `npm run build`: bundles the compiled `nixeval instantiate`
// (dist/src/cli/instantiate-main.js and all it imports) into dist/bundle/instantiate.cjs,
// records its inputs, and makes a V8 code cache by running a small evaluation with it, so
// that a cold `nixeval instantiate` neither resolves sixty modules nor parses them
// (src/cli/load-entry.cts says how the bundle is used, and when it is not).
//
// Usage: node dist/scripts/bundle.js [DIST]   (DIST: the build's directory, default dist/)

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleFiles, type BundleInputs, type InstantiateEntry, inputStamp, runCommonJs, setCommandLineV8Flags } from '../src/cli/load-entry.cjs';

const distDir = resolve(process.argv[2] ?? fileURLToPath(new URL('../', import.meta.url)));
const { bundle: BUNDLE_FILE, cache: BUNDLE_CACHE_FILE, inputs: BUNDLE_INPUTS_FILE } = bundleFiles(distDir);
const entry = join(distDir, 'src', 'cli', 'instantiate-main.js');

/** What the cache is made from: code a typical evaluation runs (parse, compile, VM, common builtins, printing). */
const WARM_UP_EXPRESSION = `
  let
    xs = builtins.genList (i: { name = "n\${toString i}"; value = i * 2; }) 50;
    set = builtins.listToAttrs xs // { s = builtins.concatStringsSep "," (map (x: x.name) xs); };
  in {
    inherit (set) s;
    sum = builtins.foldl' (a: b: a + b) 0 (builtins.attrValues (removeAttrs set [ "s" ]));
    m = builtins.match "n([0-9]+)" "n42";
    j = builtins.fromJSON (builtins.toJSON { a = [ 1 2.5 "x" null true ]; });
    f = ({ a, b ? 2, ... }@args: a + b) { a = 1; };
    r = rec { x = 1; y = x + 1; };
    p = baseNameOf ./.;
  }
`;

/**
 * A library file the warm-up imports, as real code is written (nixpkgs lib, flake-parts,
 * module systems): its functions run often enough to be translated by the compiled tier (past
 * its threshold of 16 runs, and some past the 5,000 after which a translated chunk gets its
 * optimised version), so the translator, the generated code's runtime helpers and the
 * builtins real code calls are in the cache too; a cold process otherwise compiles each of
 * them lazily at its first call (BENCHMARKS.md, "Cold lib-fix and real projects"). Longer
 * than the disk cache's smallest file, so that writing and reading a compiled file are in it.
 */
const WARM_UP_LIBRARY = `
# The file's own functions, each called from lists of a few hundred items.
let
  inherit (builtins) attrNames concatLists concatStringsSep elem filter foldl' genList hasAttr head
    isAttrs isFunction isList isString length listToAttrs map mapAttrs match removeAttrs replaceStrings
    split stringLength substring tail toJSON tryEval typeOf;
  range = a: b: genList (i: a + i) (b - a + 1);
  nameValuePair = name: value: { inherit name value; };
  mapAttrsToList = f: set: map (n: f n set.\${n}) (attrNames set);
  filterAttrs = pred: set: listToAttrs (concatLists (map (n: let v = set.\${n}; in if pred n v then [ (nameValuePair n v) ] else [ ]) (attrNames set)));
  foldr = op: nul: list: let len = length list; fold' = n: if n == len then nul else op (builtins.elemAt list n) (fold' (n + 1)); in fold' 0;
  optional = cond: x: if cond then [ x ] else [ ];
  optionalString = cond: s: if cond then s else "";
  recursiveUpdate = lhs: rhs: lhs // rhs // builtins.intersectAttrs lhs (mapAttrs (n: v: if isAttrs v && isAttrs (lhs.\${n} or null) then recursiveUpdate lhs.\${n} v else v) rhs);
  fix = f: let x = f x; in x;
  extends = overlay: f: final: let prev = f final; in prev // overlay final prev;
  toUpperFirst = s: "\${builtins.replaceStrings [ "a" "b" "c" "p" ] [ "A" "B" "C" "P" ] (substring 0 1 s)}\${substring 1 (-1) s}";
  module = i: { config, options ? { }, ... }@args: {
    name = "m\${toString i}";
    enable = config.enable or (i / 3 * 3 == i);
    port = 8000 + i;
    tags = optional (i > 10) "big" ++ [ "t\${toString i}" ];
    describe = concatStringsSep "," (map toString [ i (i * 2) (i * 3.5) null true ]);
  };
  modules = map module (range 0 300);
  config = { enable = true; };
  results = map (m: m { inherit config; }) modules;
  byName = listToAttrs (map (r: nameValuePair r.name r) results);
  pkgs = fix (extends (final: prev: { p2 = prev.p2 // { patched = true; }; }) (self: listToAttrs (map (i: nameValuePair "p\${toString i}" {
    name = "p\${toString i}";
    deps = if i == 0 then [ ] else [ self."p\${toString (i / 2)}" ];
    depth = if i == 0 then 0 else 1 + self."p\${toString (i / 2)}".depth;
  }) (range 0 400))));
  rec' = rec { a = 1; b = a + 1; c = with { d = b; }; d * 2; };
  strings = map (r: toUpperFirst "\${r.name}-\${optionalString r.enable "on"}") results;
  parsed = map (s: match "([a-zA-Z])([0-9]+)-?(.*)" s) strings;
  splitted = map (s: split "-" s) strings;
  # What a module system does with definitions: closures of imports, merging by option, priorities.
  closure = builtins.genericClosure { startSet = [ { key = 0; } ]; operator = m: map (k: { key = k; }) (filter (k: k < 300) [ (m.key * 2 + 1) (m.key * 2 + 2) ]); };
  defs = map (m: { file = "m\${toString m.key}.nix"; value = { port = m.key; enable = m.key / 2 * 2 == m.key; }; priority = if m.key < 10 then 50 else 100; }) closure;
  merged' = builtins.zipAttrsWith (name: values: builtins.sort builtins.lessThan values) (map (d: d.value) defs);
  grouped = builtins.groupBy (d: toString d.priority) defs;
  highest = foldl' (a: d: if d.priority < a then d.priority else a) 1000 defs;
  parts = builtins.partition (d: d.priority == highest) defs;
  checked = builtins.all (d: isAttrs d.value) defs && builtins.any (d: d.value.enable) defs;
  positions = builtins.unsafeGetAttrPos "port" (head defs).value;
  files = builtins.readDir ./.;
in {
  count = length (filter (r: r.enable) results);
  ports = foldl' (a: r: a + r.port) 0 results;
  folded = foldr (r: acc: acc + stringLength r.describe) 0 results;
  names = length (attrNames (filterAttrs (n: v: elem "big" v.tags) byName));
  listed = length (mapAttrsToList (n: v: v.port) byName);
  deepest = foldl' (a: n: if pkgs.\${n}.depth > a then pkgs.\${n}.depth else a) 0 (attrNames pkgs);
  patched = pkgs.p2.patched;
  merged = recursiveUpdate { a = { b = 1; c = 2; }; x = 1; } { a = { b = 3; }; y = 2; };
  inherit (rec') c;
  json = stringLength (toJSON (head results));
  removed = attrNames (removeAttrs (head results) [ "tags" ]);
  has = hasAttr "port" (head results) && !(isList (head results)) && isString (head strings) && isFunction module;
  matched = head (tail parsed);
  splits = length (head splitted);
  replaced = replaceStrings [ "on" ] [ "ON" ] (head strings);
  types = map typeOf [ 1 1.5 "s" null true [ ] { } module ];
  caught = (tryEval (throw "no")).success;
  formals = builtins.functionArgs (module 0);
  closed = length closure;
  ports' = builtins.elemAt merged'.port 3;
  groups = builtins.attrValues (mapAttrs (n: v: length v) grouped);
  winners = length parts.right;
  inherit checked;
  line = positions.line;
  here = builtins.hasAttr "library.nix" files && builtins.pathExists ./library.nix && baseNameOf ./library.nix == "library.nix";
  sequenced = builtins.deepSeq (builtins.catAttrs "file" defs) (builtins.seq merged' (builtins.concatMap (d: [ d.file ]) defs) != [ ]);
  fromJSON = (builtins.fromJSON (toJSON { a = [ 1 2 ]; })).a;
}
`;

/** The configuration file of the warm-up: settings that change nothing in its evaluation. */
const WARM_UP_CONFIG = `# comment
sandbox = false
max-jobs = 1
experimental-features = nix-command flakes
`;

async function main(): Promise<void> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: BUNDLE_FILE,
    metafile: true,
    logLevel: 'warning',
    // No comments and no blank space: a smaller file to read, and one in ASCII only (esbuild
    // escapes other characters in code, but not in comments), which the loader reads as latin1.
    minifyWhitespace: true,
    legalComments: 'none',
    // The global `performance`, loaded only if used (src/cli/lazy-performance.ts says why).
    inject: [join(distDir, 'src', 'cli', 'lazy-performance.js')],
  });
  const source = readFileSync(BUNDLE_FILE, 'latin1');
  if (/[^\x00-\x7f]/.test(source)) throw new Error(`${BUNDLE_FILE} is not ASCII`);
  const inputs: BundleInputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = relative(distDir, resolve(input));
    // npm packages are left out: the bundle holds its own copy of the ones it uses, which
    // stays right when node_modules is installed again (the image's comes from another stage,
    // with other times); what a rebuild changes is the project's own files, under dist/.
    if (file.startsWith('..')) continue;
    inputs[file] = inputStamp(join(distDir, file));
  }
  writeFileSync(BUNDLE_INPUTS_FILE, JSON.stringify(inputs));

  // Run the bundle as the command line will (under its V8 flags, without which V8 would
  // refuse the cache), then keep what V8 compiled.
  setCommandLineV8Flags();
  const { exports, script } = runCommonJs(source, BUNDLE_FILE);
  const instantiate = (exports as InstantiateEntry).instantiate;
  const sink = { write: () => {} };
  // A configuration file as most machines have one (/etc/nix/nix.conf), so that reading it
  // is in the cache too.
  const confDir = mkdtempSync(join(tmpdir(), 'nixeval-bundle-'));
  try {
    writeFileSync(join(confDir, 'nix.conf'), WARM_UP_CONFIG);
    const env = { HOME: '/nonexistent', NIX_CONF_DIR: confDir, NIX_USER_CONF_FILES: '' };
    const library = join(confDir, 'library.nix');
    writeFileSync(library, WARM_UP_LIBRARY);
    // The library twice with a disk cache: the first run writes its compiled file, the second reads it back.
    const withCache = { ...env, NIXEVAL_CACHE_DIR: join(confDir, 'cache') };
    const runs: [string[], Record<string, string>][] = [
      [['--eval', '--strict', '--json', '-E', WARM_UP_EXPRESSION], env],
      [['--eval', '--strict', '-E', WARM_UP_EXPRESSION], env],
      [['--eval', '--strict', library], withCache],
      [['--eval', '--strict', '--json', library], withCache],
    ];
    for (const [args, runEnv] of runs) {
      const code = instantiate(args, { stdout: sink, stderr: sink, readStdin: () => '', env: runEnv });
      if (code !== 0) throw new Error(`the warm-up evaluation failed (${args.join(' ')})`);
    }
  } finally {
    rmSync(confDir, { recursive: true, force: true });
  }
  mkdirSync(dirname(BUNDLE_CACHE_FILE), { recursive: true });
  writeFileSync(BUNDLE_CACHE_FILE, script.createCachedData());
}

main().catch((e: unknown) => {
  process.stderr.write(`bundle: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
