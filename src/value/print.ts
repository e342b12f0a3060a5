// Prints values as `nix-instantiate --eval` does, and in the shortened form C++ Nix uses in
// error messages (at most 10 levels deep, 10 attributes and 10 list items in all, then
// «N attributes elided»). Iterative over an explicit stack, so data nested to any depth
// prints without JS recursion. Unevaluated thunks print as «thunk» (<CODE> in output); a
// set or list met a second time prints as «repeated» when repeats are tracked.

import { formatFloat } from './float.js';
import { showPath } from '../io/corepkgs.js';
import { Builtin, Closure, NixAttrs, NixFloat, NixPath, NixString, Thunk, ThunkState, type Value } from './values.js';
import { quoteString, showIdentifier } from '../syntax/show.js';
import { utf8ToBytes } from '../syntax/source.js';
import { reserve, reserveString, SLOT_BYTES, tick } from '../limits/limits.js';
import { determinePos, stackOverflow } from './depth.js';

// Output is a byte string; these markers are UTF-8.
const THUNK = utf8ToBytes('«thunk»');
const BLACKHOLE = utf8ToBytes('«potential infinite recursion»');
const REPEATED = utf8ToBytes('«repeated»');
const UNKNOWN = utf8ToBytes('«unknown»');

export interface PrintOptions {
  /** Sets and lists already printed show as «repeated». */
  trackRepeated?: boolean;
  /**
   * Output printing, as C++ Nix's printAmbiguous (nix-instantiate's result): unevaluated
   * values show as <CODE> rather than «thunk».
   */
  ambiguous?: boolean;
  /** Below this depth sets and lists print as `{ ... }` / `[ ... ]`. */
  maxDepth?: number;
  /** Attributes printed in all before the rest are elided. */
  maxAttrs?: number;
  /** List items printed in all before the rest are elided. */
  maxListItems?: number;
  /** Show functions as C++ Nix does in errors: «lambda f @ file:line:col», «primop map». */
  describeFunctions?: boolean;
  /**
   * An explicit max-call-depth (value/depth.ts): a value nested deeper fails with "stack
   * overflow; max-call-depth exceeded", as C++ Nix's printers count depth against it.
   */
  maxCallDepth?: number;
}

/** What C++ Nix prints of a value inside an error message. */
export const ERROR_PRINT: PrintOptions = { maxDepth: 10, maxAttrs: 10, maxListItems: 10, describeFunctions: true };

/** What nix-instantiate --eval prints (printAmbiguous). */
export const OUTPUT_PRINT: PrintOptions = { trackRepeated: true, ambiguous: true };

/** What builtins.trace prints of a value that is not a string (C++ Nix's ValuePrinter, default options). */
export const TRACE_PRINT: PrintOptions = { trackRepeated: true, describeFunctions: true };

/** A set or list being printed, one element after another. */
type Frame =
  | { kind: 'attrs'; set: NixAttrs; keys: readonly string[]; i: number; depth: number }
  | { kind: 'list'; list: Value[]; i: number; depth: number };

function elided(n: number, one: string, many: string): string {
  return utf8ToBytes(`«${n} ${n === 1 ? one : many} elided»`);
}

export function printValue(root: Value, options: PrintOptions = {}): string {
  const out: string[] = [];
  let size = 0;
  const emit = (p: string): void => {
    size += p.length;
    reserve(p.length + SLOT_BYTES);
    out.push(p);
  };
  const seen = options.trackRepeated ? new Set<object>() : undefined;
  const maxDepth = options.maxDepth ?? Infinity;
  const maxAttrs = options.maxAttrs ?? Infinity;
  const maxItems = options.maxListItems ?? Infinity;
  let attrsPrinted = 0;
  let itemsPrinted = 0;
  const stack: Frame[] = [];
  // The value to print next (the root, then each element a set's or list's frame gives), held
  // here rather than in a frame of its own: one object less per value printed.
  let raw: Value = root;
  let depth = 0;
  let hasValue = true;
  while (hasValue || stack.length > 0) {
    tick();
    if (!hasValue) {
      const f = stack[stack.length - 1];
      if (f.kind === 'attrs') {
        if (f.i > 0) attrsPrinted++;
        if (f.i > 0) emit(';');
        if (f.i === f.keys.length) { emit(' }'); stack.pop(); continue; }
        emit(' ');
        if (attrsPrinted >= maxAttrs) {
          emit(elided(f.keys.length - f.i, 'attribute', 'attributes'));
          emit(' }');
          stack.pop();
          continue;
        }
        // A set's values are in the order of its names (keys()).
        const i = f.i++;
        emit(showIdentifier(f.keys[i]));
        emit(' = ');
        raw = f.set.values[i];
      } else {
        if (f.i > 0) itemsPrinted++;
        if (f.i === f.list.length) { emit(' ]'); stack.pop(); continue; }
        emit(' ');
        if (itemsPrinted >= maxItems) {
          emit(elided(f.list.length - f.i, 'item', 'items'));
          emit(' ]');
          stack.pop();
          continue;
        }
        raw = f.list[f.i++];
      }
      depth = f.depth + 1;
      hasValue = true;
      continue;
    }
    hasValue = false;
    if (options.maxCallDepth !== undefined && depth > options.maxCallDepth) throw stackOverflow(determinePos(raw));
    let v = raw;
    if (v instanceof Thunk) {
      if (v.code !== null) {
        // Under evaluation: its value may well exist once that ends, so not «infinite recursion».
        if (v.state === ThunkState.Blackhole) emit(BLACKHOLE);
        else emit(options.ambiguous ? '<CODE>' : THUNK);
        continue;
      }
      v = v.value!;
    }
    if (v === null) { emit('null'); continue; }
    switch (typeof v) {
      case 'boolean': emit(v ? 'true' : 'false'); continue;
      case 'number': case 'bigint': emit(String(v)); continue;
      case 'string': reserveString(v.length); emit(quoteString(v)); continue;
    }
    if (v instanceof NixString) { reserveString(v.s.length); emit(quoteString(v.s)); continue; }
    if (v instanceof NixFloat) { emit(formatFloat(v.value)); continue; }
    if (v instanceof NixPath) { emit(showPath(v.path)); continue; }
    if (v instanceof Closure) {
      if (!options.describeFunctions) { emit('<LAMBDA>'); continue; }
      const { line, column } = v.lambda.source.lineCol(v.lambda.pos);
      const name = v.lambda.name !== undefined ? `${showIdentifier(v.lambda.name)} ` : '';
      emit(utf8ToBytes(`«lambda ${name}@ `) + `${v.lambda.source.origin}:${line}:${column}` + utf8ToBytes('»'));
      continue;
    }
    if (v instanceof Builtin) {
      if (!options.describeFunctions) { emit(v.args.length > 0 ? '<PRIMOP-APP>' : '<PRIMOP>'); continue; }
      emit(utf8ToBytes(v.args.length > 0 ? `«partially applied primop ${v.spec.name}»` : `«primop ${v.spec.name}»`));
      continue;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) { emit('[ ]'); continue; }
      if (seen) {
        // C++ Nix (printAmbiguous) knows a list by the place holding it: the same thunk or the
        // same list stored directly (a set, by its attributes, below).
        if (seen.has(raw as object)) { emit(REPEATED); continue; }
        seen.add(raw as object);
      }
      if (depth >= maxDepth) { emit('[ ... ]'); continue; }
      emit('[');
      stack.push({ kind: 'list', list: v, i: 0, depth });
      continue;
    }
    if (v instanceof NixAttrs) {
      if (v.size === 0) { emit('{ }'); continue; }
      if (seen) {
        if (seen.has(v)) { emit(REPEATED); continue; }
        seen.add(v);
      }
      if (depth >= maxDepth) { emit('{ ... }'); continue; }
      emit('{');
      stack.push({ kind: 'attrs', set: v, keys: v.keys(), i: 0, depth });
      continue;
    }
    emit(UNKNOWN);
  }
  reserveString(size);
  return out.join('');
}

/** The form used in error messages. */
export function printForError(v: Value): string {
  return printValue(v, ERROR_PRINT);
}
