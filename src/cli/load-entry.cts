// Loads the code of `nixeval instantiate` as fast as a cold process can.
//
// The build bundles src/cli/instantiate-main.ts and everything it imports into one CommonJS
// file (scripts/bundle.ts) with a V8 code cache made by running it once: loading it is one
// file read and no parsing, where the compiled ES modules cost about 60 module resolutions
// and a parse of each (about 0.1 s of CPU, more than the rest of a small evaluation).
//
// The bundle is used only when it was built from the compiled files as they are now: the
// build records the size and modification time of each of the project's compiled files it
// holds (not of npm packages: it holds its own copy of those), and any difference (a file
// recompiled by `tsc` since) means the compiled modules are imported instead. A cache that V8
// refuses only costs the parse; V8 refuses one made by another Node version or under other V8
// flags, so the command line and the build both set the flags here (setCommandLineV8Flags)
// before they compile the bundle.
//
// A CommonJS module, as the command line's entry (src/cli.cts) is: Node starts a CommonJS
// entry without its ES module loader, so `nixeval instantiate` runs without a single ES
// module when the bundle is there.

import type { Script } from 'node:vm';
import type * as InstantiateMain from './instantiate-main.js' with { 'resolution-mode': 'import' };

// Node's modules come through getBuiltinModule: only the functions needed, from modules Node
// has loaded for itself at start.
const { readdirSync, readFileSync, statSync } = process.getBuiltinModule('node:fs');
const { dirname, join } = process.getBuiltinModule('node:path');

export type InstantiateEntry = typeof InstantiateMain;

/**
 * V8's budget for inlining into one optimised function, lowered from 920 bytes of bytecode:
 * the compiled tier makes hundreds of small JS functions that call the same runtime helpers,
 * and inlining those helpers into each made TurboFan's compile time (CPU on its own threads)
 * a large part of a cold evaluation of real code; measured in BENCHMARKS.md (Evaluation).
 */
const INLINING_BUDGET_FLAG = '--max-inlined-bytecode-size-cumulative=300';

/**
 * TurboFan leaves alone the compiled tier's cold functions (src/codegen/codegen.ts,
 * COLD_FUNCTION_NAME, which a test checks this names): a chunk gets a function V8 optimises
 * only once it has run often enough to repay the compile; measured in BENCHMARKS.md
 * ("Cold runs (coldjit helper)").
 */
export const COLD_FUNCTIONS_FLAG = '--turbo-filter=-coldCompiled';

/**
 * For a command that runs once (not the service): V8 moves an allocation site's objects to
 * the old generation once most of them survive a scavenge, and deoptimises every optimised
 * function that allocates there to do so. In a cold process that reads compiled files back or
 * compiles a large file (nearly every object made survives), the reader's and the compiler's
 * largest functions were optimised three or four times each, TurboFan's CPU on V8's own
 * threads. A long-running worker keeps it (its warm runs gain from it); measured in
 * BENCHMARKS.md ("Cold lib-fix and real projects").
 */
const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/**
 * Sets the command line's V8 flags (worker threads share them); `longRunning` for every
 * command but `instantiate`: the service and the queue's worker evaluate many times in one
 * process, and eval-jobs a whole jobset. V8 accepts a code cache only under the flags it was
 * made with, so the build sets them too (as `instantiate` does) before it makes the bundle's.
 */
export function setCommandLineV8Flags(longRunning = false): void {
  const v8 = process.getBuiltinModule('node:v8');
  v8.setFlagsFromString(INLINING_BUDGET_FLAG);
  v8.setFlagsFromString(COLD_FUNCTIONS_FLAG);
  if (!longRunning) v8.setFlagsFromString(NO_PRETENURING_FLAG);
}

/** dist/, where the bundle lives beside src/. */
const distDir = join(__dirname, '..', '..');

/** The bundle's files under a dist/ directory. */
export function bundleFiles(dist: string): { bundle: string; cache: string; inputs: string } {
  const bundle = join(dist, 'bundle', 'instantiate.cjs');
  return { bundle, cache: `${bundle}.cache`, inputs: `${bundle}.inputs.json` };
}

/**
 * Each input of the bundle (relative to dist/) with its size and modification time in whole
 * milliseconds, compared to within a millisecond (a copy that keeps times, as the
 * benchmark's snapshot, keeps them only that precisely), or to the second when the file's
 * time is a whole second (an image layer keeps whole seconds only).
 */
export type BundleInputs = Record<string, [size: number, mtimeMs: number]>;

export async function loadInstantiate(): Promise<InstantiateEntry> {
  return loadBundle(distDir) ?? import('./instantiate-main.js');
}

/** The record of the bundle's inputs, when `loadInstantiate` loaded the bundle. */
let loadedInputs: string | undefined;

/**
 * What identifies the code of this nixeval (the disk cache of compiled files keys on it, so
 * that a rebuilt evaluator never reads what another build wrote): the record of the bundle's
 * inputs (each compiled file's size and time) when it runs from the bundle, else the same
 * taken of the compiled modules under dist/src.
 */
export function buildId(): string {
  let record = loadedInputs;
  if (record === undefined) {
    const stamps: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.c?js$/.test(entry.name)) stamps.push(`${path}\0${inputStamp(path).join('\0')}`);
      }
    };
    walk(join(distDir, 'src'));
    record = `modules\0${stamps.sort().join('\0')}`;
  }
  const { createHash } = process.getBuiltinModule('node:crypto');
  return createHash('sha256').update(record).digest('hex').slice(0, 32);
}

/** The bundle under `dist`, if it is there and was built from the files there as they are. */
export function loadBundle(dist: string): InstantiateEntry | undefined {
  const files = bundleFiles(dist);
  let source: string;
  let inputs: BundleInputs;
  try {
    // esbuild writes ASCII (it escapes other characters), so latin1 reads it as fast as can be.
    source = readFileSync(files.bundle, 'latin1');
    inputs = JSON.parse(readFileSync(files.inputs, 'utf8')) as BundleInputs;
  } catch {
    return undefined;
  }
  if (!inputsUnchanged(dist, inputs)) return undefined;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(files.cache);
  } catch {
    cachedData = undefined;
  }
  const entry = runCommonJs(source, files.bundle, cachedData).exports as InstantiateEntry;
  if (dist === distDir) loadedInputs = `bundle\0${JSON.stringify(inputs)}`;
  return entry;
}

/** What the record holds for a file: its size and its modification time in whole milliseconds. */
export function inputStamp(file: string): [size: number, mtimeMs: number] {
  const st = statSync(file);
  return [st.size, Math.trunc(st.mtimeMs)];
}

/** Whether every input under `dist` is as recorded. */
export function inputsUnchanged(dist: string, inputs: BundleInputs): boolean {
  for (const [file, [size, mtimeMs]] of Object.entries(inputs)) {
    const st = statSync(join(dist, file), { throwIfNoEntry: false });
    if (st === undefined || st.size !== size || !sameTime(st.mtimeMs, mtimeMs)) return false;
  }
  return true;
}

function sameTime(fileMs: number, recordedMs: number): boolean {
  if (Math.abs(fileMs - recordedMs) < 1) return true;
  return fileMs % 1000 === 0 && fileMs === Math.floor(recordedMs / 1000) * 1000;
}

/**
 * Runs a CommonJS file's source as Node's loader would, with a code cache if given. The bundle
 * requires nothing but Node's built-in modules, and they are all `require` gives it.
 */
export function runCommonJs(source: string, filename: string, cachedData?: Buffer): { exports: unknown; script: Script } {
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new (process.getBuiltinModule('node:vm').Script)(wrapped, { filename, cachedData });
  const fn = script.runInThisContext() as (e: unknown, r: (id: string) => unknown, m: { exports: unknown }, f: string, d: string) => void;
  const module = { exports: {} as unknown };
  const require = (id: string): unknown => {
    const m = process.getBuiltinModule(id);
    if (m === undefined) throw new Error(`the bundle requires '${id}', which is not a built-in module`);
    return m;
  };
  fn(module.exports, require, module, filename, dirname(filename));
  return { exports: module.exports, script };
}
