// The builtin registry: every family's specs, and the global environment built from them
// (`builtins.x`, the `__x` aliases, and the names Nix binds without a prefix).

import { Builtin, type BuiltinSpec, NixAttrs, type EvalSettings, type Value } from '../value/values.js';
import type { AttrShape } from '../value/attrs.js';
import { coreBuiltins } from './core.js';
import { attrsBuiltins } from './attrs.js';
import { listsBuiltins } from './lists.js';
import { stringsBuiltins } from './strings.js';
import { formatsBuiltins } from './formats.js';
import { ioBuiltins } from './io.js';
import { derivationBuiltins } from './derivation.js';
import { flakeBuiltins } from './flake.js';

export const allBuiltins: BuiltinSpec[] = [...coreBuiltins, ...attrsBuiltins, ...listsBuiltins, ...stringsBuiltins, ...formatsBuiltins, ...ioBuiltins, ...derivationBuiltins, ...flakeBuiltins];

const byFeatures = new Map<string, BuiltinSpec[]>();
const featureKeys = new WeakMap<BuiltinSpec[], string>();

/** Which builtins of experimental features `specs` (from builtinsFor) holds, as a string. */
export function featuresKey(specs: BuiltinSpec[]): string {
  return featureKeys.get(specs) ?? 'all';
}

/**
 * The builtins an evaluation has: as C++ Nix registers a builtin of an experimental feature only
 * when the feature is on, those of features not in `features` are left out (neither
 * `builtins.fetchTree` nor `fetchTree` exist). Without a list of features, all of them.
 * The same array for the same features, so that the globals made from it are shared.
 */
export function builtinsFor(features: ReadonlySet<string> | undefined): BuiltinSpec[] {
  if (features === undefined) return allBuiltins;
  const wanted = allBuiltins.filter((s) => s.experimentalFeature === undefined || features.has(s.experimentalFeature));
  const key = wanted.filter((s) => s.experimentalFeature !== undefined).map((s) => s.name).join('\0');
  let specs = byFeatures.get(key);
  if (!specs) {
    byFeatures.set(key, (specs = wanted));
    featureKeys.set(specs, key);
  }
  return specs;
}

/** Builtins and constants that are in scope without the `builtins.` prefix. */
const UNPREFIXED = new Set([
  'abort', 'baseNameOf', 'break', 'derivation', 'derivationStrict', 'dirOf', 'fetchGit', 'fetchMercurial',
  'fetchTarball', 'fetchTree', 'fromTOML', 'import', 'isNull', 'map', 'placeholder', 'removeAttrs',
  'scopedImport', 'throw', 'toString', 'true', 'false', 'null', 'builtins',
]);

export function constants(settings: EvalSettings): [string, Value][] {
  return [
    ['true', true],
    ['false', false],
    ['null', null],
    // Impure, as currentTime: C++ Nix leaves it out in pure evaluation mode.
    ...(settings.pure ? [] : [['currentSystem', settings.currentSystem] as [string, Value]]),
    ['storeDir', settings.storeDir],
    ['nixVersion', settings.nixVersion],
    ['langVersion', settings.langVersion],
  ];
}

/** One Builtin value per spec, shared by every evaluation (they are immutable). */
const builtinValues = new WeakMap<BuiltinSpec, Builtin>();
function builtinValue(spec: BuiltinSpec): Builtin {
  let b = builtinValues.get(spec);
  if (!b) builtinValues.set(spec, (b = new Builtin(spec)));
  return b;
}

/**
 * What buildGlobals makes that is the same for every evaluation with the same builtins and the
 * same constant names: the names of `builtins` sorted (its shape, shared as every literal's
 * shape is), the builtins' values in it, and the global names. An evaluation then only copies
 * them and puts in its own constants (its clock, its `derivation`, its search path), so that
 * the service's small evaluations do not each sort and index a set of 170 names.
 */
interface GlobalsTemplate {
  shape: AttrShape;
  /** The values of `builtins`, the constants' slots empty (an evaluation fills them). */
  values: Value[];
  /** For each constant, in the order given: its index in `builtins`. */
  slots: number[];
  /** The global names of the builtins (not of the constants, nor `builtins` itself). */
  globals: Map<string, Value>;
  /** The index of `builtins` in itself: C++ Nix binds it as a constant, so `builtins.builtins` is the set. */
  self: number;
}

const templates = new WeakMap<BuiltinSpec[], Map<string, GlobalsTemplate>>();

function globalsTemplate(specs: BuiltinSpec[], consts: [string, Value][]): GlobalsTemplate {
  let bySpecs = templates.get(specs);
  if (!bySpecs) templates.set(specs, (bySpecs = new Map()));
  const key = consts.map(([n]) => n).join('\0');
  let t = bySpecs.get(key);
  if (t) return t;
  const byName = new Map<string, Value>();
  for (const s of specs) byName.set(s.name, builtinValue(s));
  for (const [n, v] of consts) byName.set(n, v);
  byName.set('builtins', null);
  const set = NixAttrs.fromMap(byName);
  const globals = new Map<string, Value>();
  for (const s of specs) {
    if (byName.get(s.name) !== builtinValue(s)) continue; // a constant of the same name wins
    globals.set(`__${s.name}`, builtinValue(s));
    if (UNPREFIXED.has(s.name)) globals.set(s.name, builtinValue(s));
  }
  t = { shape: set.shape, values: set.values, slots: consts.map(([n]) => set.shape.indexOf(n)), globals, self: set.shape.indexOf('builtins') };
  // Not the first evaluation's constants: its clock and `derivation` would keep it alive.
  for (const i of t.slots) t.values[i] = null;
  if (bySpecs.size > 16) bySpecs.clear();
  bySpecs.set(key, t);
  return t;
}

export function buildGlobals(specs: BuiltinSpec[], consts: [string, Value][]): Map<string, Value> {
  const t = globalsTemplate(specs, consts);
  const values = t.values.slice();
  const builtinsSet = new NixAttrs(t.shape, values);
  values[t.self] = builtinsSet;
  const globals = new Map(t.globals);
  const bind = (n: string, v: Value): void => {
    if (n !== 'true' && n !== 'false' && n !== 'null') globals.set(`__${n}`, v);
    if (UNPREFIXED.has(n)) globals.set(n, v);
  };
  for (let i = 0; i < consts.length; i++) {
    const [n, v] = consts[i];
    values[t.slots[i]] = v;
    bind(n, v);
  }
  bind('builtins', builtinsSet);
  return globals;
}
