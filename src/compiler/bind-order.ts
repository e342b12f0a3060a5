// Which undefined variable C++ Nix reports when an expression has several. C++ Nix finds them
// as it binds the variables of the whole tree (Expr::bindVars, nixexpr.cc) before evaluating
// anything, and reports the first it meets in that walk's order; the compiler meets them in
// the order it emits code, which differs in places (a set's attributes are compiled in byte
// order, the operands of `//` right to left, a selection's default after its path). This
// walk, run only once compiling has failed on an undefined variable, follows bindVars' order.

import type { AttrName, Expr, ExprAttrs } from '../syntax/ast.js';

/** A static environment of the walk: the names a scope binds, or (null) a `with`. */
interface Env {
  names: ReadonlySet<string> | null;
  up: Env | null;
}

/**
 * The first variable of `ast` C++ Nix's bindVars finds bound nowhere (no enclosing binding,
 * no global, no `with` around it): its name and position, or undefined if there is none.
 * `symbolId` gives C++ Nix's symbol order, in which a set's attributes and a function's
 * formals are bound (undefined: the order of the tree). Recursive: called for a tree that
 * failed to compile, it may run out of stack on a deep one (the caller keeps its own error then).
 */
export function firstUndefinedVariable(
  ast: Expr, globals: ReadonlySet<string>, symbolId: ((name: string) => number) | undefined,
): { name: string; pos: number } | undefined {
  const bySymbol = (names: string[]): string[] => {
    if (symbolId === undefined) return names;
    const ids = new Map(names.map((n) => [n, symbolId(n)]));
    return names.slice().sort((a, b) => ids.get(a)! - ids.get(b)!);
  };

  const lookup = (name: string, env: Env | null): boolean => {
    let withSeen = false;
    for (let s = env; s !== null; s = s.up) {
      if (s.names === null) withSeen = true;
      else if (s.names.has(name)) return true;
    }
    return withSeen || globals.has(name);
  };

  const path = (p: AttrName[], env: Env | null): void => {
    for (const n of p) if ('expr' in n) walk(n.expr, env);
  };

  // ExprAttrs::bindVars and ExprLet::bindVars: the sources of `inherit (e)` (in the new scope
  // of a `rec` or `let`), then the attributes in symbol order (an `inherit x` looks x up
  // outside), then the dynamic attributes (a `let` has none).
  const bindings = (attrs: ExprAttrs, env: Env | null, scoped: boolean): Env | null => {
    const inner: Env | null = scoped ? { names: new Set(attrs.attrs.keys()), up: env } : env;
    for (const src of attrs.inheritFrom) walk(src, inner);
    for (const name of bySymbol([...attrs.attrs.keys()])) {
      const def = attrs.attrs.get(name)!;
      if (def.kind === 'plain') walk(def.e, inner);
      else if (def.kind === 'inherited') walk(def.e, env);
      // inheritedFrom: a selection from the source, bound above.
    }
    for (const d of attrs.dynamic) {
      walk(d.name, inner);
      walk(d.value, inner);
    }
    return inner;
  };

  class Found {
    constructor(readonly name: string, readonly pos: number) {}
  }

  const walk = (e: Expr, env: Env | null): void => {
    switch (e.kind) {
      case 'Int': case 'Float': case 'String': case 'Path': case 'CurPos': case 'InheritFrom':
        return;
      case 'Var':
        if (!lookup(e.name, env)) throw new Found(e.name, e.pos);
        return;
      case 'Select':
        walk(e.e, env);
        if (e.def) walk(e.def, env);
        path(e.path, env);
        return;
      case 'HasAttr':
        walk(e.e, env);
        path(e.path, env);
        return;
      case 'Attrs':
        bindings(e, env, e.rec);
        return;
      case 'List':
        for (const x of e.elems) walk(x, env);
        return;
      case 'Lambda': {
        const names = new Set<string>();
        if (e.arg !== undefined) names.add(e.arg);
        for (const f of e.formals?.entries ?? []) names.add(f.name);
        const inner: Env = { names, up: env };
        if (e.formals) {
          const byName = new Map(e.formals.entries.map((f) => [f.name, f]));
          for (const name of bySymbol([...byName.keys()])) {
            const def = byName.get(name)!.def;
            if (def) walk(def, inner);
          }
        }
        walk(e.body, inner);
        return;
      }
      case 'Call':
        walk(e.fn, env);
        for (const a of e.args) walk(a, env);
        return;
      case 'Let':
        walk(e.body, bindings(e.attrs, env, true));
        return;
      case 'With':
        walk(e.env, env);
        walk(e.body, { names: null, up: env });
        return;
      case 'If':
        walk(e.cond, env);
        walk(e.then, env);
        walk(e.else, env);
        return;
      case 'Assert':
        walk(e.cond, env);
        walk(e.body, env);
        return;
      case 'Not':
        walk(e.e, env);
        return;
      case 'BinOp':
        walk(e.l, env);
        walk(e.r, env);
        return;
      case 'ConcatStrings':
        for (const p of e.parts) walk(p, env);
        return;
    }
  };

  try {
    walk(ast, null);
  } catch (found) {
    if (found instanceof Found) return { name: found.name, pos: found.pos };
    throw found;
  }
  return undefined;
}
