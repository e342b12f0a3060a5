// Values to XML as C++ Nix's printValueAsXML (`builtins.toXML`, `nix-instantiate --xml`):
// an `<expr>` document indented by two spaces per level, attribute sets in sorted order,
// derivations as `<derivation>` (their attributes shown once per drvPath, `<repeated />`
// after that), functions as their argument pattern, built-in functions as `<unevaluated />`.
// Iterative over an explicit work stack, forcing through the VM as it goes, so data nested
// to any depth prints without JS recursion.

import { formatFloat } from './float.js';
import { showPath } from '../io/corepkgs.js';
import { type DepthCount, forceAtDepth, stackOverflow } from './depth.js';
import type { Source } from '../syntax/source.js';
import type { SourcePos } from '../errors/errors.js';
import {
  Builtin, Closure, compareBytes, NixAttrs, NixFloat, NixPath, NixString, type Request, Thunk,
  type Value,
} from './values.js';
import { OBJECT_BYTES, reserve, reserveList, reserveString, SLOT_BYTES, tick } from '../limits/limits.js';

export interface XmlOptions {
  /** Force values while printing (toXML, `--strict`); otherwise unevaluated thunks print as `<unevaluated />`. */
  strict: boolean;
  /** Show the source position of attributes and functions (`column`, `line`, `path`); C++ Nix's CLI without `--no-location`. */
  location: boolean;
  /**
   * Values nested past the count's limit are an error ("stack overflow; max-call-depth
   * exceeded"), as C++ Nix's printValueAsXML counts each value it prints (not each element: an
   * attribute set's `<attr>` is not a level) from the calls in progress; so a cyclic value
   * (`let x = { inherit x; }; in x`) ends. Forced at each level's depth when the count is exact
   * (value/depth.ts). Default: no limit.
   */
  depth?: DepthCount;
}

const HEADER = "<?xml version='1.0' encoding='utf-8'?>\n";

/** An attribute value escaped as XMLWriter does: `"<>&` and newlines; other bytes pass through. */
export function xmlEscape(s: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 34) rep = '&quot;';
    else if (c === 60) rep = '&lt;';
    else if (c === 62) rep = '&gt;';
    else if (c === 38) rep = '&amp;';
    else if (c === 10) rep = '&#xA;';
    if (rep !== undefined) {
      // Each replacement makes two strings (a long run of them made gigabytes unasked).
      tick();
      reserve(2 * OBJECT_BYTES);
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return start === 0 ? s : out + s.slice(start);
}

/** XML attributes in the order of a std::map (sorted by name). */
function attrsText(attrs: [string, string][]): string {
  if (attrs.length > 1) attrs.sort((a, b) => compareBytes(a[0], b[0]));
  let out = '';
  for (const [k, v] of attrs) out += ` ${k}="${xmlEscape(v)}"`;
  return out;
}

/** C++ Nix's posToXML: `path` (only for a file), `line` and `column`. */
function positionAttrs(source: Source, offset: number): [string, string][] {
  const lc = source.lineCol(offset);
  const attrs: [string, string][] = [['line', String(lc.line)], ['column', String(lc.column)]];
  const file = source.positionFile();
  if (file !== undefined) attrs.push(['path', file]);
  return attrs;
}

function indent(depth: number): string {
  return '  '.repeat(depth);
}

function emptyElement(depth: number, name: string, attrs: [string, string][] = []): string {
  return `${indent(depth)}<${name}${attrsText(attrs)} />\n`;
}

function openElement(depth: number, name: string, attrs: [string, string][] = []): string {
  return `${indent(depth)}<${name}${attrsText(attrs)}>\n`;
}

function closeElement(depth: number, name: string): string {
  return `${indent(depth)}</${name}>\n`;
}

/** What is left to print: a value, the attributes of a set, an element to open, the innermost open one to close, or an empty element. */
type Work =
  // `depth` is the element depth (indentation), `level` the value's call depth (maxDepth).
  // `pos`: where a value past maxDepth is reported (its attribute's position, or its list's).
  | { kind: 'value'; v: Value; depth: number; level: number; pos: SourcePos | undefined }
  | { kind: 'attrs'; set: NixAttrs; depth: number; level: number }
  | { kind: 'open'; depth: number; name: string; attrs: [string, string][] }
  | { kind: 'close' }
  | string;

const CLOSE: Work = { kind: 'close' };

/**
 * The XML document of a value, with the string context of the strings it shows added to
 * `context`. The text ends with a newline after `</expr>`. The document is built in `out`:
 * when printing fails, `out` holds what was printed before the error with every open element
 * closed, as C++ Nix's XMLWriter leaves it (nix-instantiate --xml shows that partial document
 * before the error).
 */
export function* printValueAsXML(
  root: Value, context: Set<string>, options: XmlOptions, out: string[] = [],
): Generator<Request, string, Value> {
  out.push(HEADER, '<expr>\n');
  let size = HEADER.length + 7;
  const emit = (text: string): void => {
    size += text.length;
    tick(text.length >>> 10);
    reserve(text.length + SLOT_BYTES);
    out.push(text);
  };
  // The closing tags of the elements opened and not yet closed, innermost last.
  const openTags: string[] = ['</expr>\n'];
  const open = (depth: number, name: string, attrs: [string, string][] = []): void => {
    emit(openElement(depth, name, attrs));
    openTags.push(closeElement(depth, name));
  };
  const drvsSeen = new Set<string>();
  const work: Work[] = [CLOSE, { kind: 'value', v: root, depth: 1, level: options.depth?.start ?? 0, pos: undefined }];
  try {
    yield* printWork(work, options, context, drvsSeen, emit, open, () => emit(openTags.pop()!));
  } catch (e) {
    while (openTags.length > 0) out.push(openTags.pop()!);
    throw e;
  }
  reserveString(size);
  return out.join('');
}

function* printWork(
  work: Work[], options: XmlOptions, context: Set<string>, drvsSeen: Set<string>,
  emit: (text: string) => void, open: (depth: number, name: string, attrs?: [string, string][]) => void,
  close: () => void,
): Generator<Request, void, Value> {
  while (work.length > 0) {
    tick();
    const w = work.pop()!;
    if (typeof w === 'string') { emit(w); continue; }
    if (w.kind === 'close') { close(); continue; }
    if (w.kind === 'open') { open(w.depth, w.name, w.attrs); continue; }
    if (w.kind === 'attrs') {
      // The attributes of a set, each as <attr name="...">value</attr>, in sorted order.
      const keys = w.set.keys();
      reserveList(3 * keys.length, OBJECT_BYTES);
      for (let i = keys.length - 1; i >= 0; i--) {
        work.push(CLOSE);
        const pos = w.set.positions?.get(keys[i]);
        work.push({ kind: 'value', v: w.set.get(keys[i])!, depth: w.depth + 1, level: w.level + 1, pos });
        const attrs: [string, string][] = [['name', keys[i]]];
        if (options.location && pos !== undefined) attrs.push(...positionAttrs(pos.source, pos.offset));
        work.push({ kind: 'open', depth: w.depth, name: 'attr', attrs });
      }
      continue;
    }
    const depth = w.depth;
    const level = w.level;
    if (options.depth !== undefined && level > options.depth.limit) throw stackOverflow(w.pos);
    let v = w.v;
    if (v instanceof Thunk) {
      if (options.strict) v = yield* forceAtDepth(v, level + 1, options.depth, w.pos);
      else if (v.code === null) v = v.value!;
      else { emit(emptyElement(depth, 'unevaluated')); continue; }
    }
    if (v === null) { emit(emptyElement(depth, 'null')); continue; }
    switch (typeof v) {
      case 'boolean': emit(emptyElement(depth, 'bool', [['value', v ? 'true' : 'false']])); continue;
      case 'number': case 'bigint': emit(emptyElement(depth, 'int', [['value', String(v)]])); continue;
      case 'string': emit(emptyElement(depth, 'string', [['value', v]])); continue;
    }
    if (v instanceof NixString) {
      for (const c of v.context) context.add(c);
      emit(emptyElement(depth, 'string', [['value', v.s]]));
      continue;
    }
    if (v instanceof NixFloat) { emit(emptyElement(depth, 'float', [['value', formatFloat(v.value)]])); continue; }
    if (v instanceof NixPath) { emit(emptyElement(depth, 'path', [['value', showPath(v.path)]])); continue; }
    if (Array.isArray(v)) {
      open(depth, 'list');
      work.push(CLOSE);
      reserveList(v.length, OBJECT_BYTES);
      for (let i = v.length - 1; i >= 0; i--) work.push({ kind: 'value', v: v[i], depth: depth + 1, level: level + 1, pos: w.pos });
      continue;
    }
    if (v instanceof NixAttrs) {
      // `type`, `drvPath` and `outPath` are forced at this value's level, as C++ Nix's
      // printValueAsXML forces them (its callDepth counting this level).
      if (yield* isDerivation(v, level + 1, options.depth)) {
        const attrs: [string, string][] = [];
        const drvPath = yield* stringAttr(v, 'drvPath', options.strict, level + 1, options.depth);
        if (drvPath !== undefined) attrs.push(['drvPath', drvPath]);
        const outPath = yield* stringAttr(v, 'outPath', options.strict, level + 1, options.depth);
        if (outPath !== undefined) attrs.push(['outPath', outPath]);
        open(depth, 'derivation', attrs);
        work.push(CLOSE);
        if (drvPath !== undefined && drvPath !== '' && !drvsSeen.has(drvPath)) {
          drvsSeen.add(drvPath);
          work.push({ kind: 'attrs', set: v, depth: depth + 1, level });
        } else {
          work.push(emptyElement(depth + 1, 'repeated'));
        }
        continue;
      }
      open(depth, 'attrs');
      work.push(CLOSE);
      work.push({ kind: 'attrs', set: v, depth: depth + 1, level });
      continue;
    }
    if (v instanceof Closure) {
      const lambda = v.lambda;
      const attrs: [string, string][] = [];
      if (options.location) attrs.push(...positionAttrs(lambda.source, lambda.pos));
      emit(openElement(depth, 'function', attrs));
      const formals = lambda.formals;
      if (formals) {
        const patAttrs: [string, string][] = [];
        if (lambda.arg !== undefined) patAttrs.push(['name', lambda.arg]);
        if (formals.ellipsis) patAttrs.push(['ellipsis', '1']);
        emit(openElement(depth + 1, 'attrspat', patAttrs));
        const names = formals.entries.map((e) => e.name).sort(compareBytes);
        for (const n of names) emit(emptyElement(depth + 2, 'attr', [['name', n]]));
        emit(closeElement(depth + 1, 'attrspat'));
      } else {
        emit(emptyElement(depth + 1, 'varpat', [['name', lambda.arg ?? '']]));
      }
      emit(closeElement(depth, 'function'));
      continue;
    }
    if (v instanceof Builtin) {
      // C++ Nix does not serialise primops either.
      emit(emptyElement(depth, 'unevaluated'));
      continue;
    }
    emit(emptyElement(depth, 'unevaluated'));
  }
}

/**
 * Whether a set is a derivation: its `type` attribute (forced, at `depth` with `count`: see
 * forceAtDepth) is the string "derivation".
 */
function* isDerivation(v: NixAttrs, depth: number, count: DepthCount | undefined): Generator<Request, boolean, Value> {
  const t = v.get('type');
  if (t === undefined) return false;
  const tv = yield* forceAtDepth(t, depth, count, v.positions?.get('type'));
  const s = typeof tv === 'string' ? tv : tv instanceof NixString ? tv.s : undefined;
  return s === 'derivation';
}

/** The string value of a derivation's attribute, if it is a string (forced only when strict, as isDerivation forces). */
function* stringAttr(
  v: NixAttrs, name: string, strict: boolean, depth: number, count: DepthCount | undefined,
): Generator<Request, string | undefined, Value> {
  let a = v.get(name);
  if (a === undefined) return undefined;
  if (a instanceof Thunk) {
    if (strict) a = yield* forceAtDepth(a, depth, count, v.positions?.get(name));
    else if (a.code === null) a = a.value!;
    else return undefined;
  }
  return typeof a === 'string' ? a : a instanceof NixString ? a.s : undefined;
}
