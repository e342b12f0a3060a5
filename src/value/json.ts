// Values to JSON as C++ Nix's printValueAsJSON: sets with `__toString` or `outPath` become
// strings, paths are copied to the store, functions are an error. Iterative over an
// explicit work stack, forcing through the VM as it goes.

import { NixError } from '../errors/errors.js';
import { coerceToString, copyPathToStore } from './coerce.js';
import { formatJsonNumber } from './float.js';
import { Builtin, Closure, force, NixAttrs, NixFloat, NixPath, NixString, type Request, type Value } from './values.js';

type Work = { v: Value } | string;

/** JSON text of a byte string: escapes what JSON requires, passes other bytes through. */
export function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) out += '\\"';
    else if (c === 92) out += '\\\\';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c < 0x20 || c === 0x7f) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

export function* toJSON(root: Value, context: Set<string>, copyToStore = true): Generator<Request, string, Value> {
  const out: string[] = [];
  const work: Work[] = [{ v: root }];
  while (work.length > 0) {
    const w = work.pop()!;
    if (typeof w === 'string') { out.push(w); continue; }
    const v = yield* force(w.v);
    if (v === null) { out.push('null'); continue; }
    switch (typeof v) {
      case 'boolean': out.push(v ? 'true' : 'false'); continue;
      case 'number': case 'bigint': out.push(String(v)); continue;
      case 'string': out.push(jsonString(v)); continue;
    }
    if (v instanceof NixString) {
      for (const c of v.context) context.add(c);
      out.push(jsonString(v.s));
      continue;
    }
    if (v instanceof NixFloat) { out.push(formatJsonNumber(v.value)); continue; }
    if (v instanceof NixPath) {
      if (!copyToStore) { out.push(jsonString(v.path)); continue; }
      const r = copyPathToStore(v.path);
      for (const c of r.context ?? []) context.add(c);
      out.push(jsonString(r.s));
      continue;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) { out.push('[]'); continue; }
      out.push('[');
      work.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        work.push({ v: v[i] });
        if (i > 0) work.push(',');
      }
      continue;
    }
    if (v instanceof NixAttrs) {
      if (v.has('__toString')) {
        const r = yield* coerceToString(v, { coerceMore: false, copyToStore: false });
        for (const c of r.context ?? []) context.add(c);
        out.push(jsonString(r.s));
        continue;
      }
      const outPath = v.get('outPath');
      if (outPath !== undefined) { work.push({ v: outPath }); continue; }
      const keys = v.keys();
      if (keys.length === 0) { out.push('{}'); continue; }
      out.push('{');
      work.push('}');
      for (let i = keys.length - 1; i >= 0; i--) {
        work.push({ v: v.get(keys[i])! });
        work.push(jsonString(keys[i]) + ':');
        if (i > 0) work.push(',');
      }
      continue;
    }
    if (v instanceof Closure || v instanceof Builtin) throw new NixError('type', 'cannot convert a function to JSON');
    throw new NixError('type', `cannot convert ${typeof v} to JSON`);
  }
  return out.join('');
}
