// Regenerates test/jobsets/fixture.json, what C++ Nix computes for every attribute of the test
// package set (pkgset/) as a jobset reports it:
//
//   npx tsc -p . && node dist/test/jobsets/generate-fixture.js [path/to/nix-instantiate]
//
// The walk a jobset makes (nix-eval-jobs' rules: sorted names, sets walked when they say
// `recurseForDerivations = true`, each value auto-called) is written in Nix below, and C++ Nix
// evaluates it with `--eval --strict --json` (NIX_REMOTE=dummy://: paths are computed, nothing is
// written), giving each derivation's name, system, drvPath, outputs, required system features
// and showable meta. The attributes in BAD fail on purpose; the walk leaves them out (an error
// there would stop it) and each is evaluated on its own, its error's first line recorded. The
// one that loops until its time limit is not given to C++ Nix (it would only overflow its stack):
// its expected error is a timeout.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Attributes that fail, with the kind of error nixeval reports for each. */
export const BAD: { path: string[]; kind: string }[] = [
  { path: ['broken-abort'], kind: 'abort' },
  { path: ['broken-assert'], kind: 'assert' },
  { path: ['broken-loop'], kind: 'timeout' },
  { path: ['broken-missing-dep'], kind: 'eval' },
  { path: ['broken-outpath'], kind: 'eval' },
  { path: ['broken-recursion'], kind: 'infinite-recursion' },
  { path: ['broken-set', 'bad'], kind: 'throw' },
  { path: ['broken-throw'], kind: 'throw' },
  { path: ['broken-type'], kind: 'type' },
  { path: ['fetchurl'], kind: 'eval' },
  { path: ['python3Packages', 'buildPythonPackage'], kind: 'eval' },
];

/** How the package set is called. */
export const ROOT_ARGS = '{ }';

/** The jobset walk and what it reports, in Nix. */
const WALK = `
let
  isDerivation = v: builtins.isAttrs v && v ? type && v.type == "derivation";
  # A function with formals is called with the (no) automatic arguments.
  autoCall = v: if builtins.isFunction v && builtins.functionArgs v != { } then v { } else v;
  showable = v:
    if builtins.isList v then builtins.all showable v
    else if builtins.isAttrs v then !(v ? outPath) && builtins.all (n: showable v.\${n}) (builtins.attrNames v)
    else builtins.isInt v || builtins.isBool v || builtins.isString v || builtins.isFloat v;
  metaOf = d:
    if !(d ? meta) then null else
    let names = builtins.filter (n: showable d.meta.\${n}) (builtins.attrNames d.meta);
    in if names == [ ] then null else builtins.listToAttrs (map (n: { name = n; value = d.meta.\${n}; }) names);
  sortedUnique = l: builtins.attrNames (builtins.listToAttrs (map (x: { name = x; value = null; }) l));
  features = d:
    let a = d.drvAttrs; in
    if !(a ? requiredSystemFeatures) then [ ]
    else if builtins.isList a.requiredSystemFeatures then sortedUnique a.requiredSystemFeatures
    else sortedUnique (builtins.filter (x: builtins.isString x && x != "") (builtins.split "[ \\t\\n\\r]+" a.requiredSystemFeatures));
  outputsOf = d:
    if d ? outputs
    then builtins.listToAttrs (map (o: { name = o; value = d.\${o}.outPath; }) (builtins.filter (o: d ? \${o} && d.\${o} ? outPath) d.outputs))
    else { out = d.outPath; };
  info = path: d: {
    attrPath = path; name = d.name; drvPath = d.drvPath; system = d.drvAttrs.system;
    outputs = outputsOf d; requiredSystemFeatures = features d; meta = metaOf d;
  };
  walk = skip: path: v0:
    if builtins.elem path skip then [ ] else
    let v = autoCall v0; in
    if !(builtins.isAttrs v) then [ ]
    else if isDerivation v then [ (info path v) ]
    else
      let walkIt = if v ? recurseForDerivations then v.recurseForDerivations else path == [ ];
      in if walkIt then builtins.concatMap (n: walk skip (path ++ [ n ]) v.\${n}) (builtins.attrNames v) else [ ];
  select = path: v: builtins.foldl' (v: n: (autoCall v).\${n}) v path;
in
`;

export interface ExpectedAttribute {
  attrPath: string[];
  name?: string;
  drvPath?: string;
  system?: string;
  outputs?: Record<string, string>;
  requiredSystemFeatures?: string[];
  meta?: unknown;
  /** For a bad attribute: the kind nixeval reports, and C++ Nix's error (first line) unless it is a timeout. */
  errorKind?: string;
  cppError?: string;
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = resolve(here, '../../../test/jobsets');
  const nix = process.argv[2] ?? 'nix-instantiate';
  const version = execFileSync(nix, ['--version'], { encoding: 'utf8' }).trim();
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: source, NIX_REMOTE: 'dummy://', NIX_STORE_DIR: '/nix/store' };
  // With an automatic argument, nix-instantiate auto-calls a function it is to print, as a
  // jobset auto-calls every attribute (and fails the same way when a formal has no value).
  const evalJson = (expr: string): string => execFileSync(nix, ['--readonly-mode', '--eval', '--strict', '--json', '--arg', 'jobsetProbe', 'null', '-E', expr], {
    cwd: source, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, timeout: 120_000,
  });
  const root = `(import ./pkgset ${ROOT_ARGS})`;
  const skip = JSON.stringify(JSON.stringify(BAD.map((b) => b.path)));
  const good = JSON.parse(evalJson(`${WALK} walk (builtins.fromJSON ${skip}) [ ] ${root}`)) as ExpectedAttribute[];
  const expected: ExpectedAttribute[] = [...good];
  for (const bad of BAD) {
    const e: ExpectedAttribute = { attrPath: bad.path, errorKind: bad.kind };
    if (bad.kind !== 'timeout') {
      const path = JSON.stringify(JSON.stringify(bad.path));
      try {
        // What a jobset reads of a derivation, in nix-eval-jobs' order: name, outputs, drvPath.
        evalJson(`${WALK} let v = select (builtins.fromJSON ${path}) ${root}; in if builtins.isFunction v then v else if isDerivation v then builtins.deepSeq [ v.name (outputsOf v) v.drvPath ] (info [ ] v) else null`);
        throw new Error(`${bad.path.join('.')}: C++ Nix evaluated it without an error`);
      } catch (err) {
        const stderr = String((err as { stderr?: string }).stderr ?? '');
        const line = stderr.split('\n').find((l) => l.startsWith('error:'));
        if (line === undefined) throw err;
        // Paths in messages are relative to test/jobsets, wherever it is.
        e.cppError = line.split(`${source}/`).join('');
      }
    }
    expected.push(e);
  }
  expected.sort((a, b) => (JSON.stringify(a.attrPath) < JSON.stringify(b.attrPath) ? -1 : 1));
  const file = join(source, 'fixture.json');
  const lines = expected.map((e) => JSON.stringify(e));
  writeFileSync(file, `{"generator":${JSON.stringify(version)},"store":"dummy://","root":${JSON.stringify(ROOT_ARGS)},"attributes":[\n${lines.join(',\n')}\n]}\n`);
  process.stdout.write(`${good.length} derivations and ${BAD.length} failing attributes written to ${file} by ${version}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) main();
