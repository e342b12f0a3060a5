// A source position as a Nix value: what `__curPos` and `builtins.unsafeGetAttrPos` give.

import type { Source } from '../syntax/source.js';
import { NixAttrs, Thunk, type Value } from './values.js';

/**
 * C++ Nix's EvalState::mkPos: `{ column; file; line; }` when the position is in a file (the
 * path without an accessor's display prefix: Source.positionFile), else null (-E, stdin). The
 * line and column are lazy there (makePositionThunks applies a primop to the position), so
 * non-strict output shows them as <CODE>: here values built at once that count as unforced.
 */
export function positionValue(source: Source, offset: number): NixAttrs | null {
  const file = source.positionFile();
  if (file === undefined) return null;
  const { line, column } = source.lineCol(offset);
  return NixAttrs.fromMap(new Map<string, Value>([['column', Thunk.unforced(column)], ['file', file], ['line', Thunk.unforced(line)]]));
}
