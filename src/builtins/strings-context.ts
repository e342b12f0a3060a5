// String context builtins (C++ Nix primops/context.cc). A context is a set of strings in C++
// Nix's encoding: "/nix/store/..." for a plain store path (opaque), "=/nix/store/x.drv" for
// a derivation with all its outputs (deep), "!out!/nix/store/x.drv" for one output (built).

import { NixError } from '../errors/errors.js';
import { canonicalisePath } from '../syntax/paths.js';
import { showIdentifier } from '../syntax/show.js';
import { type BuiltinSpec, makeString, NixAttrs, type Value } from '../value/values.js';
import { symbolTable } from '../value/symbols.js';
import { attrsOf, defineBuiltin } from './util.js';
import { NIX32_CHARS } from './strings-hash.js';
import {
  coerceArg, forceAttrs, forceBool, forceList, forceString, forceStringNoCtx, lazyBuiltin, run,
} from './strings-args.js';

function evalError(message: string): NixError {
  return new NixError('eval', message);
}

function isDerivation(path: string): boolean {
  return path.endsWith('.drv');
}

/** A context element taken apart. */
type Elem =
  | { kind: 'opaque'; path: string }
  | { kind: 'deep'; drvPath: string }
  | { kind: 'built'; drvPath: string; output: string };

function parseElem(c: string): Elem {
  if (c.startsWith('=')) return { kind: 'deep', drvPath: c.slice(1) };
  if (c.startsWith('!')) {
    const i = c.indexOf('!', 1);
    return { kind: 'built', drvPath: c.slice(i + 1), output: c.slice(1, i) };
  }
  return { kind: 'opaque', path: c };
}

const NAME_CHAR = /^[0-9a-zA-Z+\-._?=]*$/;

/** `Store::isStorePath`: directly in the store, with a valid hash part and name. */
function isStorePath(path: string, storeDir: string): boolean {
  if (!path.startsWith('/')) return false;
  const p = canonicalisePath(path);
  const slash = p.lastIndexOf('/');
  if ((slash === 0 ? '/' : p.slice(0, slash)) !== storeDir) return false;
  const base = p.slice(slash + 1);
  if (base.length < 33) return false;
  for (let i = 0; i < 32; i++) if (!NIX32_CHARS.includes(base[i])) return false;
  const name = base.slice(33);
  if (name === '' || name.length > 211 || !NAME_CHAR.test(name)) return false;
  if (name[0] === '.') {
    if (name.length === 1 || name[1] === '-') return false;
    if (name[1] === '.' && (name.length === 2 || name[2] === '-')) return false;
  }
  return true;
}

const HASCONTEXT_ARG = 'while evaluating the argument passed to builtins.hasContext';
const GETCONTEXT_ARG = 'while evaluating the argument passed to builtins.getContext';
export const contextBuiltins: BuiltinSpec[] = [
  lazyBuiltin('unsafeDiscardStringContext', 1, function* (args) {
    return (yield* coerceArg(args[0], 'while evaluating the argument passed to builtins.unsafeDiscardStringContext')).s;
  }),

  lazyBuiltin('hasContext', 1, function* (args) {
    const r = yield* forceString(args[0], HASCONTEXT_ARG);
    return r.context !== undefined && r.context.size > 0;
  }, undefined, undefined, HASCONTEXT_ARG),

  lazyBuiltin('unsafeDiscardOutputDependency', 1, function* (args) {
    const r = yield* coerceArg(args[0], 'while evaluating the argument passed to builtins.unsafeDiscardOutputDependency');
    if (r.context === undefined) return r.s;
    const context = new Set<string>();
    for (const c of r.context) context.add(c.startsWith('=') ? c.slice(1) : c);
    return makeString(r.s, context);
  }),

  lazyBuiltin('addDrvOutputDependencies', 1, function* (args) {
    const r = yield* coerceArg(args[0], 'while evaluating the argument passed to builtins.addDrvOutputDependencies');
    const size = r.context?.size ?? 0;
    if (size !== 1) throw evalError(`context of string '${r.s}' must have exactly one element, but has ${size}`);
    const e = parseElem([...r.context!][0]);
    switch (e.kind) {
      case 'opaque':
        if (!isDerivation(e.path)) throw evalError(`path '${e.path}' is not a derivation`);
        return makeString(r.s, new Set(['=' + e.path]));
      case 'built':
        throw evalError(`\`addDrvOutputDependencies\` can only act on derivations, not on a derivation output such as '${e.output}'`);
      case 'deep':
        return makeString(r.s, r.context);
    }
  }),

  lazyBuiltin('getContext', 1, function* (args) {
    const r = yield* forceString(args[0], GETCONTEXT_ARG);
    const info = new Map<string, { path: boolean; allOutputs: boolean; outputs: string[] }>();
    const get = (p: string): { path: boolean; allOutputs: boolean; outputs: string[] } => {
      let i = info.get(p);
      if (i === undefined) {
        i = { path: false, allOutputs: false, outputs: [] };
        info.set(p, i);
      }
      return i;
    };
    for (const c of r.context ?? []) {
      const e = parseElem(c);
      if (e.kind === 'opaque') get(e.path).path = true;
      else if (e.kind === 'deep') get(e.drvPath).allOutputs = true;
      else get(e.drvPath).outputs.push(e.output);
    }
    const entries: [string, Value][] = [];
    for (const [p, i] of info) {
      const fields: [string, Value][] = [];
      if (i.path) fields.push(['path', true]);
      if (i.allOutputs) fields.push(['allOutputs', true]);
      // The context is an ordered set, so a derivation's outputs come out sorted.
      if (i.outputs.length > 0) fields.push(['outputs', i.outputs.sort()]);
      entries.push([p, attrsOf(fields)]);
    }
    return attrsOf(entries);
  }, undefined, undefined, GETCONTEXT_ARG),

  defineBuiltin('appendContext', 2, (args, ctx) => run((function* () {
    const orig = yield* forceString(args[0], 'while evaluating the first argument passed to builtins.appendContext');
    const attrs: NixAttrs = yield* forceAttrs(args[1], 'while evaluating the second argument passed to builtins.appendContext');
    const context = new Set<string>(orig.context ?? []);
    const storeDir = ctx.state.settings.storeDir;
    // In symbol order, as C++ Nix walks a set; errors are at the attribute they are about.
    for (const name of symbolTable().order(attrs.keys())) {
      const at = attrs.positions?.get(name);
      // Names are shown as C++ Nix shows a symbol: quoted unless an identifier.
      if (!isStorePath(name, storeDir)) throw new NixError('eval', `context key '${showIdentifier(name)}' is not a store path`, at);
      const value = yield* forceAttrs(attrs.get(name)!, 'while evaluating the value of a string context', at);
      const path = value.get('path');
      if (path !== undefined && (yield* forceBool(path, 'while evaluating the `path` attribute of a string context', value.positions?.get('path')))) {
        context.add(name);
      }
      const all = value.get('allOutputs');
      if (all !== undefined && (yield* forceBool(all, 'while evaluating the `allOutputs` attribute of a string context', value.positions?.get('allOutputs')))) {
        if (!isDerivation(name)) {
          throw new NixError('eval', `tried to add all-outputs context of ${showIdentifier(name)}, which is not a derivation, to a string`, at);
        }
        context.add('=' + name);
      }
      const outputs = value.get('outputs');
      if (outputs !== undefined) {
        const outputsAt = value.positions?.get('outputs');
        const list = yield* forceList(outputs, 'while evaluating the `outputs` attribute of a string context', outputsAt);
        if (list.length > 0 && !isDerivation(name)) {
          throw new NixError('eval', `tried to add derivation output context of ${showIdentifier(name)}, which is not a derivation, to a string`, at);
        }
        for (const o of list) {
          const out = yield* forceStringNoCtx(o, 'while evaluating an output name within a string context', outputsAt);
          context.add(`!${out}!${name}`);
        }
      }
    }
    return makeString(orig.s, context);
  })()), { lazy: [0, 1] }),
];
