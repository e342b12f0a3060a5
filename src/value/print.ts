// Prints values as `nix-instantiate --eval` does. Iterative (an explicit work stack), so
// data nested to any depth prints without JS recursion. Thunks that have not been evaluated
// print as «thunk»; a set or list met a second time prints as «repeated».

import { formatFloat } from './float.js';
import { Builtin, Closure, NixAttrs, NixFloat, NixPath, NixString, Thunk, ThunkState, type Value } from './values.js';
import { quoteString, showIdentifier } from '../syntax/show.js';
import { utf8ToBytes } from '../syntax/source.js';

// Output is a byte string; these markers are UTF-8.
const THUNK = utf8ToBytes('«thunk»');
const REPEATED = utf8ToBytes('«repeated»');

export interface PrintOptions {
  /** Track sets and lists already printed and show «repeated» for them (output printing). */
  trackRepeated?: boolean;
  /** Stop descending below this depth, printing «...» (error messages). */
  maxDepth?: number;
}

type Work = { v: Value; depth: number } | string;

export function printValue(root: Value, options: PrintOptions = {}): string {
  const out: string[] = [];
  const seen = options.trackRepeated ? new Set<object>() : undefined;
  const maxDepth = options.maxDepth ?? Infinity;
  const work: Work[] = [{ v: root, depth: 0 }];
  while (work.length > 0) {
    const w = work.pop()!;
    if (typeof w === 'string') { out.push(w); continue; }
    let v = w.v;
    if (v instanceof Thunk) {
      if (v.state !== ThunkState.Done) { out.push(THUNK); continue; }
      v = v.value!;
    }
    if (v === null) { out.push('null'); continue; }
    switch (typeof v) {
      case 'boolean': out.push(v ? 'true' : 'false'); continue;
      case 'number': case 'bigint': out.push(String(v)); continue;
      case 'string': out.push(quoteString(v)); continue;
    }
    if (v instanceof NixString) { out.push(quoteString(v.s)); continue; }
    if (v instanceof NixFloat) { out.push(formatFloat(v.value)); continue; }
    if (v instanceof NixPath) { out.push(v.path); continue; }
    if (v instanceof Closure) { out.push('<LAMBDA>'); continue; }
    if (v instanceof Builtin) { out.push(v.args.length > 0 ? '<PRIMOP-APP>' : '<PRIMOP>'); continue; }
    if (Array.isArray(v)) {
      if (v.length === 0) { out.push('[ ]'); continue; }
      if (seen) {
        // C++ Nix stores lists of one or two elements inside the value that holds them, so
        // such a list is "the same" only when reached through the same thunk.
        const key = v.length <= 2 && w.v instanceof Thunk ? w.v : v;
        if (seen.has(key)) { out.push(REPEATED); continue; }
        seen.add(key);
      }
      if (w.depth >= maxDepth) { out.push('[ ... ]'); continue; }
      out.push('[ ');
      work.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        work.push(' ');
        work.push({ v: v[i], depth: w.depth + 1 });
      }
      continue;
    }
    if (v instanceof NixAttrs) {
      if (v.size === 0) { out.push('{ }'); continue; }
      if (seen) {
        if (seen.has(v)) { out.push(REPEATED); continue; }
        seen.add(v);
      }
      if (w.depth >= maxDepth) { out.push('{ ... }'); continue; }
      out.push('{ ');
      work.push('}');
      const keys = v.keys();
      for (let i = keys.length - 1; i >= 0; i--) {
        work.push('; ');
        work.push({ v: v.get(keys[i])!, depth: w.depth + 1 });
        work.push(showIdentifier(keys[i]) + ' = ');
      }
      continue;
    }
    out.push('«unknown»');
  }
  return out.join('');
}

/** The short form used in error messages. */
export function printForError(v: Value): string {
  return printValue(v, { maxDepth: 1 });
}
