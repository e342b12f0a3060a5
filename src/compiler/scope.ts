import type { Expr } from '../syntax/ast.js';
import type { Source } from '../syntax/source.js';
// Placeholder until the compiler lands.
export function checkScopes(_e: Expr, _s: Source): void {}
