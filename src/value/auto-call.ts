// What the command line does to a value before using it, as C++ Nix's libexpr does it:
// - autoCallFunction: a function taking a set of formals is called with the automatic
//   arguments (`--arg`, `--argstr`); a set with `__functor` is called first;
// - findAlongAttrPath: `-A a.b.0` selects attributes and list elements, auto-calling
//   each value it steps through.
// Generators that ask the VM for what they need, so nothing here recurses in JS.

import { bestMatches, NixError, type SourcePos } from '../errors/errors.js';
import { CallRequest, Closure, force, NixAttrs, type Request, showType, type Value } from './values.js';

/**
 * The value with its automatic arguments applied. A function with formals gets the
 * arguments it names (all of them when it has `...`); any other value, a plain `x: ...`
 * lambda included, is returned as it is. A set with `__functor` is called with itself and
 * the result auto-called in turn.
 */
export function* autoCallFunction(v0: Value, autoArgs: NixAttrs): Generator<Request, Value, Value> {
  let v = yield* force(v0);
  for (;;) {
    if (!(v instanceof NixAttrs)) break;
    const functor = v.get('__functor');
    if (functor === undefined) break;
    v = yield* force(yield new CallRequest(yield* force(functor), [v]));
  }
  if (!(v instanceof Closure) || !v.lambda.formals) return v;
  const formals = v.lambda.formals;
  let args: NixAttrs;
  if (formals.ellipsis) {
    args = autoArgs;
  } else {
    const map = new Map<string, Value>();
    for (const f of formals.entries) {
      const a = autoArgs.get(f.name);
      if (a !== undefined) map.set(f.name, a);
      else if (f.def === null) throw missingArgument(f.name, formals.positions.get(f.name));
    }
    args = NixAttrs.fromMap(map);
  }
  return yield* force(yield new CallRequest(v, [args]));
}

/** C++ Nix's error for a formal that neither a default nor an automatic argument gives a value. */
function missingArgument(name: string, pos: SourcePos | undefined): NixError {
  return new NixError('eval', [
    `cannot evaluate a function that has an argument without a value ('${name}')`,
    'Nix attempted to evaluate a function as a top level expression; in',
    'this case it must have its arguments supplied either by default',
    "values, or passed explicitly with '--arg' or '--argstr'. See",
    'https://nix.dev/manual/nix/stable/language/syntax.html#functions.',
  ].join('\n'), pos);
}

/**
 * The names of a selection path: split at dots, where a double-quoted part may hold dots.
 * An empty part between dots stays (and is an error when selected); a trailing one does not.
 */
export function parseAttrPath(path: string): string[] {
  const names: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '.') {
      names.push(cur);
      cur = '';
    } else if (c === '"') {
      const close = path.indexOf('"', i + 1);
      if (close < 0) throw new NixError('parse', `missing closing quote in selection path '${path}'`);
      cur += path.slice(i + 1, close);
      i = close;
    } else {
      cur += c;
    }
  }
  if (cur !== '') names.push(cur);
  return names;
}

/** A name that is an unsigned decimal number selects a list element. */
function listIndex(name: string): number | undefined {
  if (!/^[0-9]+$/.test(name)) return undefined;
  const n = Number(name);
  return n <= 0xffffffff ? n : undefined;
}

/**
 * The value a selection path leads to from `root` (forced), the value at each step being
 * auto-called before it is selected from. The value found is not auto-called: that is up
 * to the caller (nix-instantiate's derivation walk does it, `--eval` does it).
 */
export function* findAlongAttrPath(root: Value, attrPath: string, autoArgs: NixAttrs): Generator<Request, Value, Value> {
  let v = yield* force(root);
  for (const name of parseAttrPath(attrPath)) {
    v = yield* autoCallFunction(v, autoArgs);
    const index = listIndex(name);
    if (index === undefined) {
      if (name === '' && v instanceof NixAttrs) throw new NixError('eval', `empty attribute name in selection path '${attrPath}'`);
      v = yield* selectAttr(v, name, attrPath);
    } else {
      if (!Array.isArray(v)) {
        throw new NixError('type', `the expression selected by the selection path '${attrPath}' should be a list but is ${showType(v)}`);
      }
      if (index >= v.length) throw new NixError('eval', `list index ${index} in selection path '${attrPath}' is out of range`);
      v = yield* force(v[index]);
    }
  }
  return v;
}

/**
 * findAlongAttrPath for a path given as attribute names (a jobset's attributes, which may
 * hold dots or be digits): each name selects an attribute. `attrPath` is the path as
 * errors show it.
 */
export function* findAlongAttrNames(root: Value, names: readonly string[], autoArgs: NixAttrs, attrPath: string): Generator<Request, Value, Value> {
  let v = yield* force(root);
  for (const name of names) {
    v = yield* selectAttr(yield* autoCallFunction(v, autoArgs), name, attrPath);
  }
  return v;
}

function* selectAttr(v: Value, name: string, attrPath: string): Generator<Request, Value, Value> {
  if (!(v instanceof NixAttrs)) {
    throw new NixError('type', `the expression selected by the selection path '${attrPath}' should be a set but is ${showType(v)}`);
  }
  const next = v.get(name);
  if (next === undefined) {
    const e = new NixError('eval', `attribute '${name}' in selection path '${attrPath}' not found`);
    e.suggestions = bestMatches(v.keys(), name);
    throw e;
  }
  return yield* force(next);
}
