// Prints an AST exactly as `nix-instantiate --parse` does: fully parenthesised, attribute
// names and formals sorted, inherits grouped first.

import type { AttrName, Expr, ExprAttrs } from './ast.js';
import { formatFloat } from '../value/float.js';

/**
 * Nodes expand into pieces (text or sub-expressions) that are printed from an explicit
 * stack, so a tree of any depth prints without JS recursion.
 */
type Piece = string | Expr;

export function showExpr(root: Expr): string {
  const out: string[] = [];
  const stack: Piece[] = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (typeof p === 'string') { out.push(p); continue; }
    const pieces: Piece[] = [];
    expand(p, pieces);
    for (let i = pieces.length - 1; i >= 0; i--) stack.push(pieces[i]);
  }
  return out.join('');
}

/** A string literal with Nix's escapes. */
export function quoteString(s: string): string {
  // One scan by the regex engine, not a string built a character at a time (long strings,
  // such as the documentation in a module system's option list, cost the printer most).
  return '"' + (NEEDS_ESCAPE.test(s) ? s.replace(ESCAPED, escapeOne) : s) + '"';
}

/** What quoteString escapes: `"`, `\\`, newline, return, tab, and `$` before `{`. */
const NEEDS_ESCAPE = /["\\\n\r\t]|\$\{/;
const ESCAPED = /["\\\n\r\t]|\$(?=\{)/g;
const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', $: '\\$' };

function escapeOne(c: string): string {
  return ESCAPES[c];
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

function printAttrPath(path: AttrName[], out: Piece[]): void {
  path.forEach((n, i) => {
    if (i > 0) out.push('.');
    if ('name' in n) out.push(showIdentifier(n.name));
    else {
      out.push('"${');
      out.push(n.expr);
      out.push('}"');
    }
  });
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function showBindings(attrs: ExprAttrs, out: Piece[]): void {
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
    out.push(attrs.inheritFrom[index]);
    out.push(')', ...inheritsFrom.get(index)!.map((n) => ' ' + showIdentifier(n)), '; ');
  }
  for (const n of names) {
    const d = attrs.attrs.get(n)!;
    if (d.kind !== 'plain') continue;
    out.push(showIdentifier(n), ' = ');
    out.push(d.e);
    out.push('; ');
  }
  for (const d of attrs.dynamic) {
    out.push('"${');
    out.push(d.name);
    out.push('}" = ');
    out.push(d.value);
    out.push('; ');
  }
}

function expand(e: Expr, out: Piece[]): void {
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
      out.push(e.e);
      out.push(').');
      printAttrPath(e.path, out);
      if (e.def) {
        out.push(' or (');
        out.push(e.def);
        out.push(')');
      }
      return;
    case 'HasAttr':
      out.push('((');
      out.push(e.e);
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
        out.push(x);
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
            out.push(f.def);
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
      out.push(e.body);
      out.push(')');
      return;
    }
    case 'Call':
      out.push('(');
      out.push(e.fn);
      for (const a of e.args) {
        out.push(' ');
        out.push(a);
      }
      out.push(')');
      return;
    case 'Let':
      out.push('(let ');
      showBindings(e.attrs, out);
      out.push('in ');
      out.push(e.body);
      out.push(')');
      return;
    case 'With':
      out.push('(with ');
      out.push(e.env);
      out.push('; ');
      out.push(e.body);
      out.push(')');
      return;
    case 'If':
      out.push('(if ');
      out.push(e.cond);
      out.push(' then ');
      out.push(e.then);
      out.push(' else ');
      out.push(e.else);
      out.push(')');
      return;
    case 'Assert':
      out.push('assert ');
      out.push(e.cond);
      out.push('; ');
      out.push(e.body);
      return;
    case 'Not':
      out.push('(! ');
      out.push(e.e);
      out.push(')');
      return;
    case 'BinOp':
      out.push('(');
      out.push(e.l);
      out.push(' ', e.op, ' ');
      out.push(e.r);
      out.push(')');
      return;
    case 'ConcatStrings':
      out.push('(');
      e.parts.forEach((p, i) => {
        if (i > 0) out.push(' + ');
        out.push(p);
      });
      out.push(')');
      return;
  }
}
