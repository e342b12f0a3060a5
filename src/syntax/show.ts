// Prints an AST exactly as `nix-instantiate --parse` does: fully parenthesised, attribute
// names and formals sorted, inherits grouped first.

import type { AttrName, Expr, ExprAttrs } from './ast.js';
import { formatFloat } from '../value/float.js';

export function showExpr(e: Expr): string {
  const out: string[] = [];
  show(e, out);
  return out.join('');
}

/** A string literal with Nix's escapes. */
export function quoteString(s: string): string {
  let r = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === '\\') r += '\\' + c;
    else if (c === '\n') r += '\\n';
    else if (c === '\r') r += '\\r';
    else if (c === '\t') r += '\\t';
    else if (c === '$' && s[i + 1] === '{') r += '\\$';
    else r += c;
  }
  return r + '"';
}

const RESERVED = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit']);

/** An attribute name bare when it is a valid identifier, quoted otherwise. */
export function showIdentifier(s: string): string {
  if (RESERVED.has(s) || !/^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(s)) return quoteString(s);
  return s;
}

/** An attribute path as traces show it: `a.b."${expr}"`. */
export function showAttrPath(path: AttrName[], showDynamic: (e: Expr) => string): string {
  return path.map((n) => ('name' in n ? showIdentifier(n.name) : `"\${${showDynamic(n.expr)}}"`)).join('.');
}

function printAttrPath(path: AttrName[], out: string[]): void {
  path.forEach((n, i) => {
    if (i > 0) out.push('.');
    if ('name' in n) out.push(showIdentifier(n.name));
    else {
      out.push('"${');
      show(n.expr, out);
      out.push('}"');
    }
  });
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function showBindings(attrs: ExprAttrs, out: string[]): void {
  const names = [...attrs.attrs.keys()].sort(byName);
  const inherits: string[] = [];
  const inheritsFrom = new Map<number, string[]>();
  for (const n of names) {
    const d = attrs.attrs.get(n)!;
    if (d.kind === 'inherited') inherits.push(n);
    else if (d.kind === 'inheritedFrom') {
      const sel = d.e as { e: { index: number } };
      const list = inheritsFrom.get(sel.e.index) ?? [];
      list.push(n);
      inheritsFrom.set(sel.e.index, list);
    }
  }
  if (inherits.length > 0) out.push('inherit', ...inherits.map((n) => ' ' + showIdentifier(n)), '; ');
  for (const index of [...inheritsFrom.keys()].sort((a, b) => a - b)) {
    out.push('inherit (');
    show(attrs.inheritFrom[index], out);
    out.push(')', ...inheritsFrom.get(index)!.map((n) => ' ' + showIdentifier(n)), '; ');
  }
  for (const n of names) {
    const d = attrs.attrs.get(n)!;
    if (d.kind !== 'plain') continue;
    out.push(showIdentifier(n), ' = ');
    show(d.e, out);
    out.push('; ');
  }
  for (const d of attrs.dynamic) {
    out.push('"${');
    show(d.name, out);
    out.push('}" = ');
    show(d.value, out);
    out.push('; ');
  }
}

function show(e: Expr, out: string[]): void {
  switch (e.kind) {
    case 'Int': out.push(String(e.value)); return;
    case 'Float': out.push(formatFloat(e.value)); return;
    case 'String': out.push(quoteString(e.value)); return;
    case 'Path': out.push(e.value); return;
    case 'Var': out.push(e.name); return;
    case 'CurPos': out.push('__curPos'); return;
    case 'InheritFrom': out.push('<inherit-from>'); return;
    case 'Select':
      out.push('(');
      show(e.e, out);
      out.push(').');
      printAttrPath(e.path, out);
      if (e.def) {
        out.push(' or (');
        show(e.def, out);
        out.push(')');
      }
      return;
    case 'HasAttr':
      out.push('((');
      show(e.e, out);
      out.push(') ? ');
      printAttrPath(e.path, out);
      out.push(')');
      return;
    case 'Attrs':
      if (e.rec) out.push('rec ');
      out.push('{ ');
      showBindings(e, out);
      out.push('}');
      return;
    case 'List':
      out.push('[ ');
      for (const x of e.elems) {
        out.push('(');
        show(x, out);
        out.push(') ');
      }
      out.push(']');
      return;
    case 'Lambda': {
      out.push('(');
      if (e.formals) {
        out.push('{ ');
        const sorted = [...e.formals.entries].sort((a, b) => byName(a.name, b.name));
        sorted.forEach((f, i) => {
          if (i > 0) out.push(', ');
          out.push(f.name);
          if (f.def) {
            out.push(' ? ');
            show(f.def, out);
          }
        });
        if (e.formals.ellipsis) {
          if (sorted.length > 0) out.push(', ');
          out.push('...');
        }
        out.push(' }');
        if (e.arg !== undefined) out.push(' @ ');
      }
      if (e.arg !== undefined) out.push(e.arg);
      out.push(': ');
      show(e.body, out);
      out.push(')');
      return;
    }
    case 'Call':
      out.push('(');
      show(e.fn, out);
      for (const a of e.args) {
        out.push(' ');
        show(a, out);
      }
      out.push(')');
      return;
    case 'Let':
      out.push('(let ');
      showBindings(e.attrs, out);
      out.push('in ');
      show(e.body, out);
      out.push(')');
      return;
    case 'With':
      out.push('(with ');
      show(e.env, out);
      out.push('; ');
      show(e.body, out);
      out.push(')');
      return;
    case 'If':
      out.push('(if ');
      show(e.cond, out);
      out.push(' then ');
      show(e.then, out);
      out.push(' else ');
      show(e.else, out);
      out.push(')');
      return;
    case 'Assert':
      out.push('assert ');
      show(e.cond, out);
      out.push('; ');
      show(e.body, out);
      return;
    case 'Not':
      out.push('(! ');
      show(e.e, out);
      out.push(')');
      return;
    case 'BinOp':
      out.push('(');
      show(e.l, out);
      out.push(' ', e.op, ' ');
      show(e.r, out);
      out.push(')');
      return;
    case 'ConcatStrings':
      out.push('(');
      e.parts.forEach((p, i) => {
        if (i > 0) out.push(' + ');
        show(p, out);
      });
      out.push(')');
      return;
  }
}
