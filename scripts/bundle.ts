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
    for (const args of [['--eval', '--strict', '--json', '-E', WARM_UP_EXPRESSION], ['--eval', '--strict', '-E', WARM_UP_EXPRESSION]]) {
      const code = instantiate(args, { stdout: sink, stderr: sink, readStdin: () => '', env });
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
