// The abstract syntax tree, shaped like C++ Nix's Expr classes so that `--parse` output and
// error positions agree. Every node keeps `pos`: the byte offset C++ Nix records for it.

import type { NixInt } from '../value/int.js';

export type Expr =
  | ExprInt | ExprFloat | ExprString | ExprPath | ExprVar | ExprPos
  | ExprSelect | ExprHasAttr | ExprAttrs | ExprList | ExprLambda | ExprCall | ExprLet
  | ExprWith | ExprIf | ExprAssert | ExprNot | ExprBinOp | ExprConcatStrings | ExprInheritFrom;

/** The position of an expression that has none, as C++ Nix's noPos. */
export const NO_POS = -1;

/**
 * Where C++ Nix's Expr::getPos puts an expression, the position of the errors and trace lines
 * it takes from an operand (conditions, operands of `!`, `&&`, `==`, `++`, `+`, `//`, `?`, the
 * target of a selection): literals and `let` have none, a list is where its first element is,
 * `!e` and `e ? a` are where e is.
 */
export function errorPos(e: Expr): number {
  switch (e.kind) {
    case 'Int': case 'Float': case 'String': case 'Path': case 'Let':
      return NO_POS;
    case 'List':
      return e.elems.length === 0 ? NO_POS : errorPos(e.elems[0]);
    case 'Not': case 'HasAttr':
      return errorPos(e.e);
    default:
      return e.pos;
  }
}

export interface ExprInt { kind: 'Int'; pos: number; value: NixInt }
export interface ExprFloat { kind: 'Float'; pos: number; value: number }
export interface ExprString { kind: 'String'; pos: number; value: string }
/** An absolute path, already resolved against the source's directory (or $HOME). */
export interface ExprPath { kind: 'Path'; pos: number; value: string }
export interface ExprVar {
  kind: 'Var';
  pos: number;
  name: string;
  /** Filled in by scope analysis. */
  resolved?: VarResolution;
}
export type VarResolution =
  | { kind: 'local'; depth: number; index: number }
  | { kind: 'global' }
  | { kind: 'with' };
export interface ExprPos { kind: 'CurPos'; pos: number }

/** One element of an attribute path: a static name or an expression giving it. */
export type AttrName = { name: string; pos: number } | { expr: Expr; pos: number };

export interface ExprSelect { kind: 'Select'; pos: number; e: Expr; path: AttrName[]; def?: Expr }
export interface ExprHasAttr { kind: 'HasAttr'; pos: number; e: Expr; path: AttrName[] }

export interface AttrDef {
  kind: 'plain' | 'inherited' | 'inheritedFrom';
  e: Expr;
  /** Where the name is defined. */
  pos: number;
}
export interface DynamicAttrDef { name: Expr; value: Expr; pos: number }
export interface ExprAttrs {
  kind: 'Attrs';
  pos: number;
  rec: boolean;
  attrs: Map<string, AttrDef>;
  dynamic: DynamicAttrDef[];
  /** The `e` of each `inherit (e) ...`, referred to by ExprInheritFrom.index. */
  inheritFrom: Expr[];
}
/** Stands for the source of an `inherit (e)`; only appears as the `e` of a Select. */
export interface ExprInheritFrom { kind: 'InheritFrom'; pos: number; index: number }

export interface ExprList { kind: 'List'; pos: number; elems: Expr[] }

export interface Formal { name: string; pos: number; def?: Expr }
export interface Formals { entries: Formal[]; ellipsis: boolean }
export interface ExprLambda {
  kind: 'Lambda';
  pos: number;
  arg?: string;
  formals?: Formals;
  body: Expr;
  /** The attribute or let binding the lambda was defined under, for traces. */
  name?: string;
}
export interface ExprCall { kind: 'Call'; pos: number; fn: Expr; args: Expr[] }
export interface ExprLet { kind: 'Let'; pos: number; attrs: ExprAttrs; body: Expr }
export interface ExprWith { kind: 'With'; pos: number; env: Expr; body: Expr }
export interface ExprIf { kind: 'If'; pos: number; cond: Expr; then: Expr; else: Expr }
export interface ExprAssert { kind: 'Assert'; pos: number; cond: Expr; body: Expr }
export interface ExprNot { kind: 'Not'; pos: number; e: Expr }
export type BinOp = '==' | '!=' | '&&' | '||' | '->' | '//' | '++';
export interface ExprBinOp { kind: 'BinOp'; pos: number; op: BinOp; l: Expr; r: Expr }
export interface ExprConcatStrings {
  kind: 'ConcatStrings';
  pos: number;
  forceString: boolean;
  parts: Expr[];
  /** Where each part starts, for traces: a `${`, a literal piece, or an operand of `+`. */
  positions: number[];
}
