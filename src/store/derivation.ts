// Store derivations (C++ Nix libstore derivations.cc): the ATerm serialisation, the path of
// the .drv file, and hashDerivationModulo, which input-addressed output paths are computed
// from.
//
//   Derive([("out","/nix/store/…-name","",""),…],          outputs (name, path, hashAlgo, hash)
//          [("/nix/store/…-dep.drv",["out"]),…],            input derivations and their outputs
//          ["/nix/store/…-src",…],                           input sources
//          "x86_64-linux","/bin/sh",["-c","…"],              platform, builder, args
//          [("name","value"),…])                             environment
//
// Everything is sorted (outputs, inputs, env keys) and strings are escaped as C++ Nix does.
// When hashing modulo, each input derivation is replaced by the hex of its own hash modulo,
// so that a fixed-output dependency changes nothing as long as its output path stays.

import { NixError } from '../errors/errors.js';
import { base16Encode, type Hash, sha256 } from './hash.js';
import { makeFixedOutputPath, makeOutputPath, makeTextPath, type FileIngestionMethod } from './store-path.js';

/** One output of a derivation. */
export type DerivationOutput =
  /** Input-addressed: the path is computed from hashDerivationModulo. */
  | { kind: 'inputAddressed'; path: string }
  /** Fixed-output: the path follows from the expected hash. */
  | { kind: 'fixed'; method: FileIngestionMethod; hash: Hash; path: string }
  /** Not known yet (while computing the masked hash). */
  | { kind: 'deferred' };

export interface Derivation {
  name: string;
  /** By output name. */
  outputs: Map<string, DerivationOutput>;
  /** Input derivation paths and the outputs used from each. */
  inputDrvs: Map<string, Set<string>>;
  inputSrcs: Set<string>;
  platform: string;
  builder: string;
  args: string[];
  env: Map<string, string>;
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `printString`: a quoted ATerm string. */
const NEEDS_ESCAPE = /["\\\n\r\t]/;

function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 34) rep = '\\"';
    else if (c === 92) rep = '\\\\';
    else if (c === 10) rep = '\\n';
    else if (c === 13) rep = '\\r';
    else if (c === 9) rep = '\\t';
    if (rep === undefined) continue;
    out += s.slice(start, i) + rep;
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

/** An ATerm list of quoted strings. */
function quotedList(items: Iterable<string>): string {
  let s = '[';
  let first = true;
  for (const item of items) {
    s += first ? quote(item) : ',' + quote(item);
    first = false;
  }
  return s + ']';
}

/** `hashAlgo` field of a fixed output: `r:sha256` (recursive) or `sha256` (flat). */
export function outputHashAlgoField(method: FileIngestionMethod, algo: string): string {
  return (method === 'recursive' ? 'r:' : '') + algo;
}

/**
 * `Derivation::unparse`. With `maskOutputs`, output paths and the environment variables of
 * the outputs are empty. With `inputsModulo`, those replace the input derivations (keys are
 * the hex hashes of the inputs modulo).
 */
export function unparseDerivation(drv: Derivation, maskOutputs: boolean, inputsModulo?: Map<string, Set<string>>): string {
  const order = sortedKeys(drv);
  return aterm(outputsText(drv, order, maskOutputs), inputsText(inputsModulo ?? drv.inputDrvs), middleText(drv), envText(drv, order, maskOutputs));
}

// The ATerm is built by concatenation, in parts: the parts that the three unparses of an
// input-addressed derivation have in common (see writeDerivation) are made once.

/** The names a derivation's ATerm lists in order: its outputs and its environment's keys. */
interface SortedKeys {
  outputs: string[];
  env: string[];
}

function sortedKeys(drv: Derivation): SortedKeys {
  return { outputs: [...drv.outputs.keys()].sort(byKey), env: [...drv.env.keys()].sort(byKey) };
}

function aterm(outputs: string, inputs: string, middle: string, env: string): string {
  return 'Derive([' + outputs + '],[' + inputs + '],' + middle + ',[' + env + '])';
}

function outputsText(drv: Derivation, order: SortedKeys, maskOutputs: boolean): string {
  let s = '';
  for (const name of order.outputs) {
    const o = drv.outputs.get(name)!;
    s += (s === '' ? '(' : ',(') + quote(name);
    switch (o.kind) {
      case 'inputAddressed':
        s += ',' + quote(maskOutputs ? '' : o.path) + ',"","")';
        break;
      case 'fixed':
        s += ',' + quote(maskOutputs ? '' : o.path) + ',' + quote(outputHashAlgoField(o.method, o.hash.algo)) + ',' + quote(base16Encode(o.hash.bytes)) + ')';
        break;
      case 'deferred':
        s += ',"","","")';
        break;
    }
  }
  return s;
}

function inputsText(inputs: Map<string, Set<string>>): string {
  let s = '';
  for (const key of [...inputs.keys()].sort(byKey)) {
    s += (s === '' ? '(' : ',(') + quote(key) + ',' + quotedList([...inputs.get(key)!].sort(byKey)) + ')';
  }
  return s;
}

/** Input sources, platform, builder and arguments. */
function middleText(drv: Derivation): string {
  return quotedList([...drv.inputSrcs].sort(byKey)) + ',' + quote(drv.platform) + ',' + quote(drv.builder) + ',' + quotedList(drv.args);
}

function envText(drv: Derivation, order: SortedKeys, maskOutputs: boolean): string {
  let s = '';
  let first = true;
  for (const key of order.env) {
    const value = maskOutputs && drv.outputs.has(key) ? '' : drv.env.get(key)!;
    s += (first ? '(' : ',(') + quote(key) + ',' + quote(value) + ')';
    first = false;
  }
  return s;
}

/** What hashDerivationModulo gives for each output of a derivation. */
export type DrvHashes = Map<string, Hash>;

/** Looks up the hashes modulo of a known derivation path (undefined if unknown). */
export type DrvHashLookup = (drvPath: string) => DrvHashes | undefined;

export function isFixedOutput(drv: Derivation): boolean {
  if (drv.outputs.size !== 1) return false;
  return drv.outputs.get('out')?.kind === 'fixed';
}

/**
 * `hashDerivationModulo`: for a fixed-output derivation, the hash of
 * "fixed:out:<algo>:<hex>:<path>"; otherwise the hash of the ATerm with each input
 * derivation replaced by its own hash modulo (inputs must already be known).
 */
export function hashDerivationModulo(drv: Derivation, maskOutputs: boolean, lookup: DrvHashLookup): DrvHashes {
  if (isFixedOutput(drv)) return fixedOutputHashes(drv);
  return hashesOf(drv, sha256(unparseDerivation(drv, maskOutputs, inputsModulo(drv, lookup))));
}

function fixedOutputHashes(drv: Derivation): DrvHashes {
  const o = drv.outputs.get('out') as Extract<DerivationOutput, { kind: 'fixed' }>;
  const h = sha256(`fixed:out:${outputHashAlgoField(o.method, o.hash.algo)}:${base16Encode(o.hash.bytes)}:${o.path}`);
  return new Map([['out', h]]);
}

/** The same hash for every output. */
function hashesOf(drv: Derivation, h: Hash): DrvHashes {
  const out: DrvHashes = new Map();
  for (const name of drv.outputs.keys()) out.set(name, h);
  return out;
}

/** The input derivations replaced by the hex of their hashes modulo (inputs must already be known). */
function inputsModulo(drv: Derivation, lookup: DrvHashLookup): Map<string, Set<string>> {
  const inputs = new Map<string, Set<string>>();
  for (const [drvPath, outputs] of drv.inputDrvs) {
    const hashes = lookup(drvPath);
    if (hashes === undefined) {
      throw new NixError('eval', `path '${drvPath}' is not valid`);
    }
    for (const output of outputs) {
      const h = hashes.get(output);
      if (h === undefined) throw new NixError('eval', `no hash for output '${output}' of derivation '${drvPath}'`);
      const key = base16Encode(h.bytes);
      let set = inputs.get(key);
      if (set === undefined) inputs.set(key, (set = new Set()));
      set.add(output);
    }
  }
  return inputs;
}

/**
 * What writing a derivation computes (C++ Nix's derivationStrict after the checks): the
 * output paths of an input-addressed one whose outputs are deferred and whose output
 * environment variables are empty (fillInOutputPaths, from the masked hash modulo), the
 * path of the .drv file, and its hashes modulo (unmasked, for the derivations that depend
 * on it). The three unparses share their inputs modulo and their sorted parts.
 */
export function writeDerivation(drv: Derivation, lookup: DrvHashLookup, storeDir: string): { drvPath: string; hashes: DrvHashes } {
  if (isFixedOutput(drv)) return { drvPath: derivationPath(drv, storeDir), hashes: fixedOutputHashes(drv) };
  const order = sortedKeys(drv);
  const modulo = inputsText(inputsModulo(drv, lookup));
  const middle = middleText(drv);
  const masked = sha256(aterm(outputsText(drv, order, true), modulo, middle, envText(drv, order, true)));
  for (const name of order.outputs) setOutputPath(drv, name, masked, storeDir);
  const outputs = outputsText(drv, order, false);
  const env = envText(drv, order, false);
  const drvPath = makeTextPath(drv.name + '.drv', sha256(aterm(outputs, inputsText(drv.inputDrvs), middle, env)), derivationReferences(drv), storeDir);
  return { drvPath, hashes: hashesOf(drv, sha256(aterm(outputs, modulo, middle, env))) };
}

/**
 * Fills in the output paths of an input-addressed derivation whose outputs are deferred and
 * whose output environment variables are empty (C++ Nix's fillInOutputPaths).
 */
export function fillInOutputPaths(drv: Derivation, lookup: DrvHashLookup, storeDir: string): void {
  for (const [name, h] of hashDerivationModulo(drv, true, lookup)) setOutputPath(drv, name, h, storeDir);
}

function setOutputPath(drv: Derivation, name: string, h: Hash, storeDir: string): void {
  const path = makeOutputPath(name, h, drv.name, storeDir);
  drv.env.set(name, path);
  drv.outputs.set(name, { kind: 'inputAddressed', path });
}

/** The path of a fixed output. */
export function fixedOutputPath(drvName: string, method: FileIngestionMethod, hash: Hash, storeDir: string): string {
  return makeFixedOutputPath(drvName, method, hash, storeDir);
}

/** The references of the .drv file: its input sources and input derivations. */
export function derivationReferences(drv: Derivation): Set<string> {
  const refs = new Set(drv.inputSrcs);
  for (const p of drv.inputDrvs.keys()) refs.add(p);
  return refs;
}

/** `writeDerivation` without the writing: the path of the .drv file. */
export function derivationPath(drv: Derivation, storeDir: string): string {
  const text = unparseDerivation(drv, false);
  return makeTextPath(drv.name + '.drv', sha256(text), derivationReferences(drv), storeDir);
}
