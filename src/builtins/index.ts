// The builtin registry: every family's specs, and the global environment built from them
// (`builtins.x`, the `__x` aliases, and the names Nix binds without a prefix).

import { Builtin, type BuiltinSpec, NixAttrs, type EvalSettings, type Value } from '../value/values.js';
import { coreBuiltins } from './core.js';
import { attrsBuiltins } from './attrs.js';
import { listsBuiltins } from './lists.js';
import { stringsBuiltins } from './strings.js';
import { formatsBuiltins } from './formats.js';
import { ioBuiltins } from './io.js';
import { derivationBuiltins } from './derivation.js';
import { flakeBuiltins } from './flake.js';

export const allBuiltins: BuiltinSpec[] = [...coreBuiltins, ...attrsBuiltins, ...listsBuiltins, ...stringsBuiltins, ...formatsBuiltins, ...ioBuiltins, ...derivationBuiltins, ...flakeBuiltins];

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
    ['currentSystem', settings.currentSystem],
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

export function buildGlobals(specs: BuiltinSpec[], consts: [string, Value][]): Map<string, Value> {
  const builtinsMap = new Map<string, Value>();
  for (const s of specs) builtinsMap.set(s.name, builtinValue(s));
  for (const [n, v] of consts) builtinsMap.set(n, v);
  const builtinsSet = NixAttrs.fromMap(builtinsMap);
  builtinsMap.set('builtins', builtinsSet);
  const globals = new Map<string, Value>();
  for (const [n, v] of builtinsMap) {
    if (n !== 'true' && n !== 'false' && n !== 'null') globals.set(`__${n}`, v);
    if (UNPREFIXED.has(n)) globals.set(n, v);
  }
  globals.set('builtins', builtinsSet);
  return globals;
}
