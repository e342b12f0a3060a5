// What the store knows during one evaluation. Nothing is written anywhere: derivations made
// by `derivationStrict`, files made by `toFile` and paths "copied" to the store exist only
// here, for as long as the evaluation lives (keyed by its EvalState), so that later
// derivations can find their inputs' hashes and closures, and so that reading a store path
// the evaluation made reads what it holds (src/io/store-view-io.ts), as if it had been
// written.

import { NixError } from '../errors/errors.js';
import type { EvalIO } from '../io/io.js';
import type { EvalState } from '../value/values.js';
import { type Derivation, type DrvHashes, hashDerivationModulo, derivationReferences, unparseDerivation } from './derivation.js';
import { isDerivationPath } from './store-path.js';

/** What a store object holds, for reading it back. */
export type StoreContents =
  /**
   * A file or directory of the evaluation's own filesystem, copied as it is (`source` is read
   * through the evaluation's EvalIO, so the sandbox still applies). With `included`, only the
   * paths below the root that a filter kept (relative, `a/b`) are there.
   */
  | { kind: 'copy'; source: string; included?: ReadonlySet<string> }
  /** A regular file with these bytes (toFile, a derivation). */
  | { kind: 'text'; text: string }
  /**
   * What another EvalIO holds at `path` (a Git commit's files, in memory; a tree a fetcher read
   * through its own IO), with `included` as for a copy.
   */
  | { kind: 'io'; io: EvalIO; path: string; included?: ReadonlySet<string> };

export class StoreState {
  /** Derivations by .drv path. */
  readonly derivations = new Map<string, Derivation>();
  /** hashDerivationModulo (unmasked) by .drv path: C++ Nix's drvHashes. */
  readonly drvHashes = new Map<string, DrvHashes>();
  /** The references of every store object made in this evaluation. */
  readonly references = new Map<string, ReadonlySet<string>>();
  /** Paths already "copied" to the store (C++ Nix's srcToStore), by source path. */
  readonly srcToStore = new Map<string, string>();
  /** What each store object made in this evaluation holds, by store path. */
  readonly contents = new Map<string, StoreContents>();

  constructor(readonly storeDir: string) {}

  /** Records a derivation written (not really) at `drvPath`, with its hashes modulo if they are known (writeDerivation). */
  addDerivation(drvPath: string, drv: Derivation, hashes?: DrvHashes): void {
    this.derivations.set(drvPath, drv);
    this.references.set(drvPath, derivationReferences(drv));
    this.drvHashes.set(drvPath, hashes ?? hashDerivationModulo(drv, false, (p) => this.drvHashes.get(p)));
  }

  addObject(path: string, references: ReadonlySet<string>, contents?: StoreContents): void {
    if (!this.references.has(path)) this.references.set(path, references);
    if (contents !== undefined && !this.contents.has(path)) this.contents.set(path, contents);
  }

  /** What a store object made in this evaluation holds (a derivation: its ATerm), if it is one. */
  contentsOf(path: string): StoreContents | undefined {
    const c = this.contents.get(path);
    if (c !== undefined) return c;
    const drv = this.derivations.get(path);
    return drv === undefined ? undefined : { kind: 'text', text: unparseDerivation(drv, false) };
  }

  readDerivation(drvPath: string): Derivation {
    const drv = this.derivations.get(drvPath);
    if (drv === undefined) throw invalidPath(drvPath);
    return drv;
  }

  /**
   * `computeFSClosure`: the path and everything it refers to, transitively. Only objects made
   * in this evaluation are known; an unknown derivation is not valid.
   */
  closure(path: string): Set<string> {
    const out = new Set<string>();
    const todo = [path];
    while (todo.length > 0) {
      const p = todo.pop()!;
      if (out.has(p)) continue;
      const refs = this.references.get(p);
      out.add(p);
      if (refs === undefined) {
        // A derivation must be known to give its outputs; any other path (say from
        // builtins.storePath) is taken as it is, without references of its own.
        if (isDerivationPath(p)) throw invalidPath(p);
        continue;
      }
      for (const r of refs) if (!out.has(r)) todo.push(r);
    }
    return out;
  }

  /** The output names of a known derivation. */
  outputNames(drvPath: string): string[] {
    if (!isDerivationPath(drvPath)) throw invalidPath(drvPath);
    return [...this.readDerivation(drvPath).outputs.keys()];
  }
}

export function invalidPath(path: string): NixError {
  return new NixError('eval', `path '${path}' is not valid`);
}

const states = new WeakMap<EvalState, StoreState>();

/** The store state of an evaluation, created on first use. */
export function storeState(state: EvalState): StoreState {
  let s = states.get(state);
  if (s === undefined) {
    s = new StoreState(state.settings.storeDir);
    states.set(state, s);
  }
  return s;
}
