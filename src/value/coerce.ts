// Coercion to string, as C++ Nix's coerceToString: strings as they are, paths as their text
// (or copied to the store when interpolated), sets through `__toString` or `outPath`, and
// with `coerceMore` (toString) also numbers, Booleans, null and lists.

import { NixError } from '../errors/errors.js';
import { formatFixed } from './float.js';
import { CallRequest, force, NixAttrs, NixFloat, NixPath, NixString, type Request, showType, type Value } from './values.js';
import { printForError } from './print.js';

export interface CoerceOptions {
  coerceMore: boolean;
  copyToStore: boolean;
}

export interface Coerced {
  s: string;
  context: ReadonlySet<string> | undefined;
}

/** Hook for copying a path to the store (set by the store module); returns the store path. */
export let copyPathToStore: (path: string) => Coerced = (path) => {
  throw new NixError('eval', `cannot copy path '${path}' to the store: not supported`);
};

export function setCopyPathToStore(f: (path: string) => Coerced): void {
  copyPathToStore = f;
}

export function* coerceToString(v0: Value, opts: CoerceOptions): Generator<Request, Coerced, Value> {
  let v = yield* force(v0);
  for (;;) {
    if (typeof v === 'string') return { s: v, context: undefined };
    if (v instanceof NixString) return { s: v.s, context: v.context };
    if (v instanceof NixPath) return opts.copyToStore ? copyPathToStore(v.path) : { s: v.path, context: undefined };
    if (v instanceof NixAttrs) {
      const toString = v.get('__toString');
      if (toString !== undefined) {
        const f = yield* force(toString);
        const r = yield* force(yield new CallRequest(f, [v]));
        if (typeof r === 'string') return { s: r, context: undefined };
        if (r instanceof NixString) return { s: r.s, context: r.context };
        const e = new NixError('type', `\`__toString\` should return a string, but got ${showType(r)}: ${printForError(r)}`);
        throw e.addTrace('while using the result of the `__toString` attribute', v.positions?.get('__toString'));
      }
      const outPath = v.get('outPath');
      if (outPath !== undefined) {
        v = yield* force(outPath);
        continue;
      }
    }
    if (opts.coerceMore) {
      if (v === true) return { s: '1', context: undefined };
      if (v === false || v === null) return { s: '', context: undefined };
      if (typeof v === 'number' || typeof v === 'bigint') return { s: String(v), context: undefined };
      if (v instanceof NixFloat) return { s: formatFixed(v.value), context: undefined };
      if (Array.isArray(v)) {
        let s = '';
        let context: Set<string> | undefined;
        for (let i = 0; i < v.length; i++) {
          const e = yield* force(v[i]);
          const r = yield* coerceToString(e, opts);
          s += r.s;
          if (r.context && r.context.size > 0) {
            context ??= new Set();
            for (const c of r.context) context.add(c);
          }
          // C++ Nix adds no separator after an empty list element.
          if (i < v.length - 1 && !(Array.isArray(e) && e.length === 0)) s += ' ';
        }
        return { s, context };
      }
    }
    throw new NixError('type', `cannot coerce ${showType(v)} to a string: ${printForError(v)}`);
  }
}
