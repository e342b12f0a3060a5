// Values to JSON as C++ Nix's printValueAsJSON followed by nlohmann::json's dump():
// - sets are peeled first: `__toString` is called (its result must end in a string or a
//   path, else "`__toString` should/must return a string"), `outPath` is followed; a set
//   that peels to nothing more is an object;
// - paths are copied to the store (but not when they come out of a `__toString`);
// - functions are an error; strings must be valid UTF-8 (checked as dump() does, after
//   the whole value has been evaluated);
// - for builtins.toJSON, nesting counts against max-call-depth as it does in C++ Nix;
// - an error gets the lines of C++ Nix's recursion: the attributes and list elements it is
//   nested in, and the `outPath` or `__toString` results it came through.
// Iterative over an explicit work stack (one cursor per list or set being written, so memory
// grows with depth, not size), forcing through the VM as it goes; every step counts against
// the deadline and the text against the memory budget (limits.ts), and an output bound stops
// it with `output-limit` as soon as the text passes it.

import { NixError, type SourcePos } from '../errors/errors.js';
import { callToString, copyPathToStore } from './coerce.js';
import { pathAbs } from '../io/corepkgs.js';
import { printForError } from './print.js';
import { reserve, reserveString, tick } from '../limits/limits.js';
import { showIdentifier } from '../syntax/show.js';
import { callDepthAt, type DepthCount, builtinDepth, determinePos, forceAtDepth, MAX_CALL_DEPTH, MAX_NESTING, stackOverflow } from './depth.js';
import {
  type BuiltinContext, Closure, force, NixAttrs, NixFloat, NixPath, NixString, type Request, showType, Thunk, ThunkState,
  type Value,
} from './values.js';


/**
 * The count builtins.toJSON (and structured attributes, and toXML) nest against, as C++ Nix's
 * printValueAsJSON recursion counts: its first level is at the builtin's call depth. With a
 * max-call-depth set (--max-call-depth), as in C++ Nix (depth.ts): from the calls in
 * progress, against that setting. Without one (nixeval's default, where calls are not
 * limited since they cost no JS stack), nesting alone counts, against C++ Nix's default of
 * 10000, as for a call at the top level (one level more for the call forcing an element
 * makes there): deeper data is rare and is what C++ Nix rejects. The JSON output of --json and
 * of the service, deepSeq and --strict do not count then (they handle data nested as deep as
 * memory allows).
 */
export function jsonCallDepth(ctx: BuiltinContext): DepthCount {
  return builtinDepth(ctx) ?? { start: 2, limit: MAX_CALL_DEPTH, exact: false };
}

const HEX = '0123456789ABCDEF';

function hexByte(b: number): string {
  return HEX[b >> 4] + HEX[b & 15];
}

/** What may follow a lead byte of well-formed UTF-8: `need` bytes, the first in [lo, hi], the rest in [0x80, 0xbf]. */
export interface Utf8Lead {
  readonly need: number;
  readonly lo: number;
  readonly hi: number;
}

const LEAD_TWO: Utf8Lead = { need: 1, lo: 0x80, hi: 0xbf };
const LEAD_E0: Utf8Lead = { need: 2, lo: 0xa0, hi: 0xbf };
const LEAD_THREE: Utf8Lead = { need: 2, lo: 0x80, hi: 0xbf };
const LEAD_ED: Utf8Lead = { need: 2, lo: 0x80, hi: 0x9f };
const LEAD_F0: Utf8Lead = { need: 3, lo: 0x90, hi: 0xbf };
const LEAD_FOUR: Utf8Lead = { need: 3, lo: 0x80, hi: 0xbf };
const LEAD_F4: Utf8Lead = { need: 3, lo: 0x80, hi: 0x8f };

/**
 * The sequence a byte >= 0x80 begins in well-formed UTF-8 (the ranges nlohmann::json checks,
 * dumping and scanning alike), or undefined for a byte no sequence begins with.
 */
export function utf8Lead(c: number): Utf8Lead | undefined {
  if (c >= 0xc2 && c <= 0xdf) return LEAD_TWO;
  if (c === 0xe0) return LEAD_E0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return LEAD_THREE;
  if (c === 0xed) return LEAD_ED;
  if (c === 0xf0) return LEAD_F0;
  if (c >= 0xf1 && c <= 0xf3) return LEAD_FOUR;
  if (c === 0xf4) return LEAD_F4;
  return undefined;
}

/**
 * Where a byte string stops being well-formed UTF-8, as nlohmann::json's dump() reports
 * it ("invalid UTF-8 byte at index 3: 0xFF"), or undefined when it is valid.
 */
export function utf8Problem(s: string): string | undefined {
  // Most strings are ASCII: one native scan finds the first byte above it, if any.
  let i = s.search(NOT_ASCII);
  if (i < 0) return undefined;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x80) { i++; continue; }
    const lead = utf8Lead(c);
    if (lead === undefined) return `invalid UTF-8 byte at index ${i}: 0x${hexByte(c)}`;
    for (let k = 1; k <= lead.need; k++) {
      if (i + k >= n) return `incomplete UTF-8 string; last byte: 0x${hexByte(s.charCodeAt(n - 1))}`;
      const d = s.charCodeAt(i + k);
      const l = k === 1 ? lead.lo : 0x80;
      const h = k === 1 ? lead.hi : 0xbf;
      if (d < l || d > h) return `invalid UTF-8 byte at index ${i + k}: 0x${hexByte(d)}`;
    }
    i += lead.need + 1;
  }
  return undefined;
}

const NOT_ASCII = /[^\x00-\x7f]/;
/** What JSON escapes: a quote, a backslash, control characters. */
const JSON_ESCAPED = /["\\\x00-\x1f]/;

/** JSON text of a byte string as nlohmann::json dumps it: escapes what JSON requires, passes other bytes through. */
export function jsonString(s: string): string {
  if (!JSON_ESCAPED.test(s)) return '"' + s + '"';
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 34 && c !== 92) continue;
    let rep: string;
    if (c === 34) rep = '\\"';
    else if (c === 92) rep = '\\\\';
    else if (c === 10) rep = '\\n';
    else if (c === 13) rep = '\\r';
    else if (c === 9) rep = '\\t';
    else if (c === 8) rep = '\\b';
    else if (c === 12) rep = '\\f';
    else rep = '\\u' + c.toString(16).padStart(4, '0');
    out += s.slice(start, i) + rep;
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

/**
 * A float as nlohmann::json dumps it: the shortest digits that read back the same number,
 * fixed notation while the decimal point is within -4 < n <= 15 (`100.0`, `0.0001`),
 * exponent notation beyond (`1e+15`, `1e-05`), and `null` for inf and NaN.
 */
export function jsonNumber(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const k = digits.length;
  const n = Number(expStr) + 1; // position of the decimal point relative to the digits
  let body: string;
  if (k <= n && n <= 15) body = digits + '0'.repeat(n - k) + '.0';
  else if (n > 0 && n <= 15) body = digits.slice(0, n) + '.' + digits.slice(n);
  else if (n > -4 && n <= 0) body = '0.' + '0'.repeat(-n) + digits;
  else {
    const e = n - 1;
    const ae = Math.abs(e);
    body = (k === 1 ? digits : digits[0] + '.' + digits.slice(1)) + 'e' + (e < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  }
  return sign + body;
}

/**
 * The trace lines a value's serialisation is nested in ("while evaluating attribute 'a'",
 * "while evaluating list element at index 3", "while using the `outPath` attribute"), innermost
 * first through `parent`: added to an error raised at that value, as C++ Nix's recursion does.
 */
interface TraceLink {
  /**
   * The line, or for an element or attribute what makes it (its index, its name): the line is
   * written only for an error, not for each of the thousands of values a text holds.
   */
  kind: LinkKind;
  text: string;
  index: number;
  pos: SourcePos | undefined;
  parent: TraceLink | null;
}

const enum LinkKind { None, Message, Element, Attribute }

function linkMessage(l: TraceLink): string {
  switch (l.kind) {
    case LinkKind.Element: return `while evaluating list element at index ${l.index}`;
    case LinkKind.Attribute: return `while evaluating attribute '${showIdentifier(l.text)}'`;
    default: return l.text;
  }
}

/**
 * A value to serialise; `pos` is the position C++ Nix's printValueAsJSON is given for it (the
 * attribute it is the value of, kept for list elements). It is itself the innermost link of
 * the lines around it (its element's or attribute's, at `pos`; none for the root), one object
 * a value rather than two.
 */
interface ValueWork extends TraceLink {
  v: Value;
  depth: number;
  copyToStore: boolean;
}

/** A list or set being written: the element or attribute to write next. */
interface Cursor {
  items: Value[] | NixAttrs;
  keys: readonly string[] | null;
  i: number;
  depth: number;
  copyToStore: boolean;
  pos: SourcePos | undefined;
  frames: TraceLink | null;
}

type Work = ValueWork | Cursor;

/** A JSON text larger than its caller allows (the service's output limit). */
export class OutputTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the JSON text is larger than ${maxBytes} bytes`);
  }
}

function addTraces(e: unknown, frames: TraceLink | null): void {
  if (!(e instanceof NixError)) return;
  for (let l = frames; l; l = l.parent) if (l.kind !== LinkKind.None) e.addTrace(linkMessage(l), l.pos);
}

/**
 * A function has no JSON form: the error is at the lambda, or for a builtin (which has no
 * position) at the value's place (C++ Nix's `v.determinePos(pos)`). Nor has a value not
 * evaluated yet (without --strict): a lazy application (map's, mapAttrs', genList's and
 * zipAttrsWith's values) is C++ Nix's tApp, "a function application" at its function's
 * position (the lambda's once evaluated, else the value's place), any other a thunk.
 */
function cannotConvert(v: Value, pos: SourcePos | undefined): NixError {
  if (v instanceof Closure) pos = { source: v.lambda.source, offset: v.lambda.pos };
  let type: string;
  // A thunk whose evaluation failed is C++ Nix's nFailed, "an error".
  if (v instanceof Thunk && v.state === ThunkState.Failed) type = 'an error';
  else if (v instanceof Thunk && v.isPendingApplication()) {
    type = 'a function application';
    pos = determinePos(v) ?? pos;
  } else type = showType(v);
  return new NixError('type', `cannot convert ${type} to JSON`, pos);
}

/**
 * The JSON text of a value; the context of the strings in it is added to `context`.
 * With `depth` (where the serialisation starts counting: see jsonCallDepth and depth.ts),
 * nesting counts against max-call-depth as C++ Nix's printValueAsJSON recursion does;
 * without it, depth is bounded by MAX_NESTING only, and a value that contains itself (a cycle,
 * whose text would never end) fails at once with the error C++ Nix reaches at max-call-depth. Past
 * `maxBytes` of text, OutputTooLarge. Not `strict` (nix-instantiate --eval --json without
 * --strict): a value not evaluated yet is an error, as in C++ Nix since 2.2x (2.8 printed the
 * text up to it, then failed), and the sets peeled on the way are still forced.
 */
export function* toJSON(root: Value, context: Set<string>, copyToStore = true, depthCount?: DepthCount, maxBytes = Infinity, strict = true): Generator<Request, string, Value> {
  const out: string[] = [];
  let size = 0;
  const emit = (text: string): void => {
    size += text.length;
    if (size > maxBytes) throw new OutputTooLarge(maxBytes);
    reserve(text.length + 8);
    out.push(text);
  };
  /** A string's JSON is at least as long as the string: refuse a long one before escaping it. */
  const emitString = (str: string): void => {
    if (size + str.length + 2 > maxBytes) throw new OutputTooLarge(maxBytes);
    // Escaping and checking a long string takes a while.
    tick(str.length >>> 10);
    reserveString(str.length);
    emit(jsonString(str));
  };
  const limit = depthCount === undefined ? MAX_NESTING : depthCount.limit;
  // Without a depth limit, the lists and sets being written: one met again inside itself is a cycle.
  const open = depthCount === undefined ? new Set<object>() : null;
  const work: Work[] = [{ kind: LinkKind.None, text: '', index: 0, pos: undefined, parent: null, v: root, depth: depthCount?.start ?? 0, copyToStore }];
  // dump() runs after the value is built: an invalid string is reported only if evaluation succeeds.
  let utf8Error: string | undefined;
  const checkUtf8 = (s: string): void => {
    if (utf8Error === undefined) utf8Error = utf8Problem(s);
  };
  /**
   * Writes an element or attribute value that is null, a Boolean, an integer or a string
   * without context, evaluated (a value that cannot fail or need anything more), as the loop
   * below would, but without a work item (most values of a text are such): true if it did.
   */
  const writtenAsScalar = (e: Value): boolean => {
    if (e instanceof Thunk) {
      if (e.code !== null) return false;
      e = e.value!;
    }
    if (e === null) { emit('null'); return true; }
    switch (typeof e) {
      case 'boolean': emit(e ? 'true' : 'false'); return true;
      case 'number': case 'bigint': emit(String(e)); return true;
      case 'string': checkUtf8(e); emitString(e); return true;
      default: return false;
    }
  };
  while (work.length > 0) {
    tick();
    const w = work.pop()!;
    if ('items' in w) {
      // The next element or attribute of a list or set, or its end.
      const c = w;
      const n = c.keys === null ? (c.items as Value[]).length : c.keys.length;
      if (c.i === n) { emit(c.keys === null ? ']' : '}'); open?.delete(c.items); continue; }
      const i = c.i++;
      work.push(c);
      if (i > 0) emit(',');
      if (c.keys === null) {
        const e = (c.items as Value[])[i];
        if (c.depth <= limit && writtenAsScalar(e)) continue;
        // An element is at the list's own position.
        work.push({ kind: LinkKind.Element, text: '', index: i, pos: c.pos, parent: c.frames, v: e, depth: c.depth, copyToStore: c.copyToStore });
      } else {
        const name = c.keys[i];
        const set = c.items as NixAttrs;
        checkUtf8(name);
        emit(jsonString(name) + ':');
        // A set's values are in the order of its names (keys()).
        const e = set.values[i];
        if (c.depth <= limit && writtenAsScalar(e)) continue;
        work.push({ kind: LinkKind.Attribute, text: name, index: 0, pos: set.positions?.get(name), parent: c.frames, v: e, depth: c.depth, copyToStore: c.copyToStore });
      }
      continue;
    }
    let { depth, pos } = w;
    let frames: TraceLink | null = w;
    try {
      if (depth > limit) throw stackOverflow(pos);
      depth++;
      if (!strict && w.v instanceof Thunk && w.v.code !== null) throw cannotConvert(w.v, pos);
      // An evaluated value without a generator's call (most of them, under --strict).
      let v: Value = w.v;
      if (v instanceof Thunk) v = v.code === null ? v.value! : yield* forceAtDepth(v, depth, depthCount, pos);
      let toStore = w.copyToStore;
      if (v instanceof NixAttrs) {
        // Peel `__toString` and `outPath` until something that is not a set, or a set with
        // neither, as current Nix's peelToStringOutPath: each step one level deeper, checked
        // at the position the step was reached from (`peelPos`: this value's, then the
        // attribute's it came out of). What comes out is serialised "while using" the
        // attribute it came from, at this value's position (`pos`, kept).
        let peelPos = pos;
        let throughToString = false;
        for (;;) {
          if (!(v instanceof NixAttrs)) {
            if (throughToString && !(typeof v === 'string' || v instanceof NixString || v instanceof NixPath)) {
              throw new NixError('type', `\`__toString\` should return a string, but got ${showType(v)}: ${printForError(v)}`, peelPos);
            }
            break;
          }
          const toString: Value | undefined = v.get('__toString');
          if (toString !== undefined) {
            // Called at this level's depth, as C++ Nix's peelToStringOutPath calls it.
            const r: Value = yield* callToString(v, toString, callDepthAt(depth, depthCount));
            const toStringPos: SourcePos | undefined = v.positions?.get('__toString');
            frames = { kind: LinkKind.Message, text: 'while using the result of the `__toString` attribute', index: 0, pos: toStringPos, parent: frames };
            throughToString = true;
            if (depth > limit) throw stackOverflow(peelPos);
            depth++;
            peelPos = toStringPos;
            v = r;
            continue;
          }
          const outPath: Value | undefined = v.get('outPath');
          if (outPath !== undefined) {
            const outPathPos: SourcePos | undefined = v.positions?.get('outPath');
            try {
              v = yield* forceAtDepth(outPath, depth, depthCount, outPathPos);
            } catch (e) {
              // Not evaluated: C++ Nix's WhileTryingToUse says so.
              if (e instanceof NixError) e.addTrace('while evaluating the `outPath` attribute', outPathPos);
              throw e;
            }
            frames = { kind: LinkKind.Message, text: 'while using the `outPath` attribute', index: 0, pos: outPathPos, parent: frames };
            if (depth > limit) throw stackOverflow(peelPos);
            depth++;
            peelPos = outPathPos;
            continue;
          }
          if (throughToString) {
            throw new NixError('type', `\`__toString\` must return a string, but got ${showType(v)}: ${printForError(v)}`, peelPos);
          }
          break;
        }
        if (!(v instanceof NixAttrs)) {
          // The peeled value is printed by a nested call at this value's position; a path from
          // `__toString` stays a path string.
          if (depth > limit) throw stackOverflow(pos);
          depth++;
          if (throughToString) toStore = false;
        }
      }
      if (v === null) { emit('null'); continue; }
      switch (typeof v) {
        case 'boolean': emit(v ? 'true' : 'false'); continue;
        case 'number': case 'bigint': emit(String(v)); continue;
        case 'string': checkUtf8(v); emitString(v); continue;
      }
      if (v instanceof NixString) {
        for (const c of v.context) context.add(c);
        checkUtf8(v.s);
        emitString(v.s);
        continue;
      }
      if (v instanceof NixFloat) { emit(jsonNumber(v.value)); continue; }
      if (v instanceof NixPath) {
        let s = pathAbs(v.path);
        if (toStore) {
          const r = yield* copyPathToStore(v.path);
          for (const c of r.context ?? []) context.add(c);
          s = r.s;
        }
        checkUtf8(s);
        emitString(s);
        continue;
      }
      if (open !== null && (Array.isArray(v) || v instanceof NixAttrs)) {
        if (open.has(v)) throw stackOverflow(pos);
        open.add(v);
      }
      if (Array.isArray(v)) {
        emit('[');
        work.push({ items: v, keys: null, i: 0, depth, copyToStore: toStore, pos, frames });
        continue;
      }
      if (v instanceof NixAttrs) {
        emit('{');
        work.push({ items: v, keys: v.keys(), i: 0, depth, copyToStore: toStore, pos, frames });
        continue;
      }
      throw cannotConvert(v, pos);
    } catch (e) {
      addTraces(e, frames);
      throw e;
    }
  }
  if (utf8Error !== undefined) {
    throw new NixError('eval', `JSON serialization error: [json.exception.type_error.316] ${utf8Error}`);
  }
  reserveString(size);
  return out.join('');
}

