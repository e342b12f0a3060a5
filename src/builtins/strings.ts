// String builtins: lengths and slices, replacing and joining, regular expressions, package
// names and versions, hashes, path-like names, and string contexts.
//
// Every builtin here takes its arguments lazily and forces them itself, in the order C++ Nix
// does, so that which error wins (and whether an argument is forced at all) is the same.
// The bodies are generators; when all arguments are already values they run to the end at
// once (see `run`), so the common case costs no VM frame.
//
// Arguments are read with the idiom
//     asX(a) ?? asX(isPending(a) ? yield a : a) ?? (yield* coerceArg(a, FRAME))
// that is: the value, if it already is one of the right type; else force it (a thunk is
// yielded to the VM directly, no generator) and look again; else the generator helper, which
// raises C++ Nix's error with its "while evaluating the first argument passed to builtins.x"
// frame. An argument C++ Nix forces with forceString, forceStringNoCtx or forceInt is read
//     asX(a) ?? (yield* forceX(a, FRAME))
// instead: their frame goes on any error raised while forcing it too (force-args.ts), as it
// does in the direct versions' forceTracedDirect.
//
// Results keep string context as C++ Nix does: the union of the inputs' contexts, except
// where it drops it (match, split, hashString, ...).

import { NixError } from '../errors/errors.js';
import { showIdentifier } from '../syntax/show.js';
import type { NixInt } from '../value/int.js';
import { type BuiltinContext, type BuiltinSpec, type DirectEval, force, makeString, NixPath, NixString, type Value } from '../value/values.js';
import { attrsOf, defineBuiltin } from './util.js';
import {
  asInt, asList, asPlainString, asString, coerceArg, COERCE_NO_COPY, evalError, forceAttrs, forceInt, forceList,
  forceString, forceStringNoCtx, forceTracedDirect, type Gen, isPending, lazyBuiltin, run, unionContext, withFrame,
} from './strings-args.js';
import type { Coerced } from '../value/coerce.js';
import { compileRegex, RegexError, type Regex, type RegexMatch } from './regex.js';
import { compareVersions, parseDrvName, splitVersion } from './strings-version.js';
import { hashString, parseAnyHash, parseHashAlgo, parseHashFormat, printHash, type HashAlgo } from './strings-hash.js';
import { contextBuiltins } from './strings-context.js';
import { MAX_STRING_LENGTH, OBJECT_BYTES, reserve, reserveList, reserveString, SLOT_BYTES, tick } from '../limits/limits.js';
import { internName } from '../value/symbols.js';

// ---------------------------------------------------------------------------------------------
// The builtins

const SUBSTRING_START = 'while evaluating the first argument (the start offset) passed to builtins.substring';
const SUBSTRING_LENGTH = 'while evaluating the second argument (the substring length) passed to builtins.substring';

function* substring(args: Value[]): Gen {
  const start = asInt(args[0])
    ?? (yield* forceInt(args[0], SUBSTRING_START));
  if (start < 0) throw evalError("negative start position in 'substring'");
  const len = asInt(args[1])
    ?? (yield* forceInt(args[1], SUBSTRING_LENGTH));
  if (len === 0 || len === 0n) {
    // Empty substrings keep the context without looking at the string.
    const v = yield* force(args[2]);
    if (typeof v === 'string') return '';
    if (v instanceof NixString) return makeString('', v.context);
  }
  const r = asString(args[2]) ?? asString(isPending(args[2]) ? yield args[2] : args[2])
    ?? (yield* coerceArg(args[2], 'while evaluating the third argument (the string) passed to builtins.substring'));
  return substringOf(start, len, r.s, r.context);
}

function substringOf(start: NixInt, len: NixInt, s: string, context: ReadonlySet<string> | undefined): Value {
  if (start >= s.length) return makeString('', context);
  const from = Number(start);
  const out = len < 0 || from + Number(len) >= s.length ? s.slice(from) : s.slice(from, from + Number(len));
  return makeString(out, context);
}

/** substring on values that need no forcing or checking. */
function substringFast(args: Value[]): Value | undefined {
  const [start, len, s] = args;
  if (typeof start !== 'number' || start < 0 || typeof len !== 'number') return undefined;
  if (typeof s === 'string') return substringOf(start, len, s, undefined);
  if (s instanceof NixString) return len === 0 ? makeString('', s.context) : substringOf(start, len, s.s, s.context);
  return undefined;
}

/**
 * substring in the compiled tier: the arguments forced in the body's order (start, length,
 * string) while each is what the common case needs; anything else is left to the body,
 * which finds the ones forced so far already evaluated.
 */
function substringDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const start = forceTracedDirect(ev, args[0], SUBSTRING_START);
  if (typeof start === 'number' && start >= 0) {
    const len = forceTracedDirect(ev, args[1], SUBSTRING_LENGTH);
    if (typeof len === 'number') {
      // A length of 0 (lib's addContextFrom) keeps only the string's context.
      const s = ev.force(args[2]);
      if (len === 0) {
        if (typeof s === 'string') return '';
        if (s instanceof NixString) return makeString('', s.context);
      } else {
        const r = substringFast([start, len, s]);
        if (r !== undefined) return r;
      }
    }
  }
  return ev.drive(substring(args));
}

/**
 * The patterns of a `replaceStrings` call, ready to search (the first in the list that
 * matches at a place wins). A long list gets, for each first byte, the patterns that start
 * with it, in list order, made once per list (lib's toUpper and escape functions pass the
 * same list every time) once all its elements are strings: a list's elements never change
 * once forced. A short list is searched as it is.
 */
interface ReplacePlan {
  readonly pats: readonly string[];
  /** Indexes into `pats` by first byte (undefined where no pattern starts with it), or null
   * for a short list. */
  readonly byFirst: readonly (readonly number[] | undefined)[] | null;
  /** The first empty pattern, or -1: an empty pattern matches at every place. */
  readonly empty: number;
}

/** Lists of at most this many patterns are searched without an index. */
const SHORT_PATTERN_LIST = 4;

const replacePlans = new WeakMap<Value[], ReplacePlan>();

function replacePlan(from: Value[], pats: readonly string[]): ReplacePlan {
  const empty = pats.indexOf('');
  if (pats.length <= SHORT_PATTERN_LIST) return { pats, byFirst: null, empty };
  let plan = replacePlans.get(from);
  if (plan === undefined) {
    const byFirst: (number[] | undefined)[] = new Array(256).fill(undefined);
    for (let i = 0; i < pats.length; i++) {
      const p = pats[i];
      if (p !== '') (byFirst[p.charCodeAt(0)] ??= []).push(i);
    }
    plan = { pats, byFirst, empty };
    replacePlans.set(from, plan);
  }
  return plan;
}

/** The index of the first pattern of the plan that matches `s` at `p` (< s.length), or -1. */
function patternAt(plan: ReplacePlan, s: string, p: number): number {
  const { pats, byFirst, empty } = plan;
  const c = s.charCodeAt(p);
  if (byFirst === null) {
    for (let i = 0; i < pats.length; i++) {
      const pat = pats[i];
      if (pat === '' || (pat.charCodeAt(0) === c && s.startsWith(pat, p))) return i;
    }
    return -1;
  }
  const cands = byFirst[c];
  if (cands !== undefined) {
    for (const i of cands) {
      // An empty pattern earlier in the list wins over any pattern after it.
      if (empty >= 0 && empty < i) break;
      if (s.startsWith(pats[i], p)) return i;
    }
  }
  return empty;
}

/** The patterns of `from`, each already a string; undefined if one is not (yet). */
function patternsOf(from: Value[]): string[] | undefined {
  const pats: string[] = [];
  for (const e of from) {
    const r = asString(e);
    if (r === undefined) return undefined;
    pats.push(r.s);
  }
  return pats;
}

/**
 * The replacement of every match of the plan's patterns in `s`, or undefined when
 * `replacement` cannot give one of the replacements it needs (left to the generator body,
 * which reports the error). Replacements are asked for once each, in the order of first use.
 */
function replaceAll(
  plan: ReplacePlan, s: string, inputContext: ReadonlySet<string> | undefined,
  replacement: (i: number) => Coerced | undefined,
): Value | undefined {
  const { pats, empty } = plan;
  // One pattern that is not empty: from one occurrence to the next.
  const only = pats.length === 1 && empty < 0 ? pats[0] : undefined;
  let context = unionContext(undefined, inputContext);
  const reps: (string | undefined)[] = new Array(pats.length).fill(undefined);
  let out = '';
  let replaced = false;
  let copied = 0; // s[copied..p) is still to be copied to the output
  for (let p = 0; p <= s.length;) {
    const found = p < s.length ? patternAt(plan, s, p) : empty;
    if (found < 0) {
      if (only === undefined) {
        // A long run without a match looks at the deadline too (once a kilobyte).
        if ((++p & 1023) === 0) tick();
      } else {
        const next = s.indexOf(only, p + 1);
        p = next < 0 ? s.length + 1 : next;
      }
      continue;
    }
    let rep = reps[found];
    if (rep === undefined) {
      const r = replacement(found);
      if (r === undefined) return undefined;
      rep = reps[found] = r.s;
      context = unionContext(context, r.context);
    }
    tick();
    reserve(2 * (SLOT_BYTES + OBJECT_BYTES));
    replaced = true;
    // (Checked before the engine's own limit would throw.)
    if (out.length + (p - copied) + rep.length + 1 > MAX_STRING_LENGTH) reserveString(out.length + (p - copied) + rep.length + 1);
    if (p > copied) out += s.slice(copied, p);
    out += rep;
    const pat = pats[found];
    if (pat === '') {
      if (p < s.length) out += s[p];
      p++;
    } else {
      p += pat.length;
    }
    copied = Math.min(p, s.length);
  }
  if (!replaced) out = s;
  else if (copied < s.length) out += s.slice(copied);
  reserveString(out.length);
  return makeString(out, context);
}

const REPLACE_FROM = 'while evaluating one of the strings to replace passed to builtins.replaceStrings';
const REPLACE_TO = 'while evaluating one of the replacement strings passed to builtins.replaceStrings';
const REPLACE_INPUT = 'while evaluating the third argument passed to builtins.replaceStrings';

function* replaceStrings(args: Value[]): Gen {
  const from = asList(args[0]) ?? asList(isPending(args[0]) ? yield args[0] : args[0])
    ?? (yield* forceList(args[0], 'while evaluating the first argument passed to builtins.replaceStrings'));
  const to = asList(args[1]) ?? asList(isPending(args[1]) ? yield args[1] : args[1])
    ?? (yield* forceList(args[1], 'while evaluating the second argument passed to builtins.replaceStrings'));
  if (from.length !== to.length) {
    throw evalError("'from' and 'to' arguments passed to builtins.replaceStrings have different lengths");
  }
  const pats: string[] = [];
  for (const e of from) {
    pats.push((asString(e)
      ?? (yield* forceString(e, REPLACE_FROM))).s);
  }
  const input = asString(args[2])
    ?? (yield* forceString(args[2], REPLACE_INPUT));
  // Each replacement forced when first needed, then the search run again with all it forced:
  // the generator cannot yield from inside replaceAll's callback.
  for (;;) {
    let missing = -1;
    const r = replaceAll(replacePlan(from, pats), input.s, input.context, (i) => {
      const v = asString(to[i]);
      if (v === undefined) missing = i;
      return v;
    });
    if (r !== undefined) return r;
    yield* forceString(to[missing], REPLACE_TO);
  }
}

/** replaceStrings on arguments that are already values of the right types. */
function replaceStringsFast(args: Value[]): Value | undefined {
  const from = asList(args[0]);
  const to = asList(args[1]);
  if (from === undefined || to === undefined || from.length !== to.length) return undefined;
  const pats = replacePlans.get(from)?.pats ?? patternsOf(from);
  const input = asString(args[2]);
  if (pats === undefined || input === undefined) return undefined;
  return replaceAll(replacePlan(from, pats), input.s, input.context, (i) => asString(to[i]));
}

/**
 * replaceStrings in the compiled tier: the arguments, the patterns and the replacements
 * forced in the body's order while each is of the right type; anything else is left to the
 * body, which finds the ones forced so far already evaluated.
 */
function replaceStringsDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const from = ev.force(args[0]);
  if (Array.isArray(from)) {
    const to = ev.force(args[1]);
    if (Array.isArray(to) && from.length === to.length) {
      let pats = replacePlans.get(from)?.pats;
      if (pats === undefined) {
        for (const e of from) if (asString(forceTracedDirect(ev, e, REPLACE_FROM)) === undefined) return ev.drive(replaceStrings(args));
        pats = patternsOf(from)!;
      }
      const input = asString(forceTracedDirect(ev, args[2], REPLACE_INPUT));
      if (input !== undefined) {
        const r = replaceAll(replacePlan(from, pats), input.s, input.context, (i) => asString(forceTracedDirect(ev, to[i], REPLACE_TO)));
        if (r !== undefined) return r;
      }
    }
  }
  return ev.drive(replaceStrings(args));
}

const CONCAT_SEP = 'while evaluating the first argument (the separator string) passed to builtins.concatStringsSep';

function* concatStringsSep(args: Value[]): Gen {
  const sep = asString(args[0])
    ?? (yield* forceString(args[0], CONCAT_SEP));
  const list = asList(args[1]) ?? asList(isPending(args[1]) ? yield args[1] : args[1])
    ?? (yield* forceList(args[1], 'while evaluating the second argument (the list of strings to concat) passed to builtins.concatStringsSep'));
  reserveList(list.length);
  const parts: Coerced[] = [];
  for (const e of list) {
    tick();
    parts.push(asString(e) ?? asString(isPending(e) ? yield e : e)
      ?? (yield* coerceArg(e, 'while evaluating one element of the list of strings to concat passed to builtins.concatStringsSep')));
  }
  return joinStrings(sep, parts);
}

/** The strings joined by the separator, with the union of all their contexts. */
function joinStrings(sep: Coerced, parts: readonly Coerced[]): Value {
  let context = unionContext(undefined, sep.context);
  let length = Math.max(0, parts.length - 1) * sep.s.length;
  for (const r of parts) {
    length += r.s.length;
    context = unionContext(context, r.context);
  }
  reserveString(length);
  const strings: string[] = new Array(parts.length);
  for (let i = 0; i < parts.length; i++) strings[i] = parts[i].s;
  return makeString(strings.join(sep.s), context);
}

/**
 * concatStringsSep in the compiled tier: the separator, the list and its elements forced in
 * the body's order while each is a string; anything else (an element to coerce, an error) is
 * left to the body, which finds the ones forced so far already evaluated.
 */
function concatStringsSepDirect(args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value {
  const sep = asString(forceTracedDirect(ev, args[0], CONCAT_SEP));
  if (sep !== undefined) {
    const list = ev.force(args[1]);
    if (Array.isArray(list)) {
      reserveList(list.length);
      const parts: Coerced[] = [];
      for (const e of list) {
        tick();
        const r = asString(ev.force(e));
        if (r === undefined) return ev.drive(concatStringsSep(args));
        parts.push(r);
      }
      return joinStrings(sep, parts);
    }
  }
  return ev.drive(concatStringsSep(args));
}

/**
 * What compiling or running a regex threw, as C++ Nix reports it: what libstdc++ would refuse
 * is its error. (A catch at each call rather than a function taking a closure: match and split
 * run once per option name in real code, and a closure each was a tenth of their allocation.)
 */
function regexFailure(re: string, e: unknown): unknown {
  if (!(e instanceof RegexError)) return e;
  return evalError(e.space ? `memory limit exceeded by regular expression '${re}'` : `invalid regular expression '${re}'`);
}

function regexFor(re: string): Regex {
  try {
    return compileRegex(re);
  } catch (e) {
    throw regexFailure(re, e);
  }
}

const MATCH_RE = 'while evaluating the first argument passed to builtins.match';
const MATCH_STRING = 'while evaluating the second argument passed to builtins.match';
const SPLIT_RE = 'while evaluating the first argument passed to builtins.split';
const SPLIT_STRING = 'while evaluating the second argument passed to builtins.split';

function* match(args: Value[]): Gen {
  const re = asPlainString(args[0])
    ?? (yield* forceStringNoCtx(args[0], MATCH_RE));
  const regex = regexFor(re);
  const s = (asString(args[1])
    ?? (yield* forceString(args[1], MATCH_STRING))).s;
  return matchOf(re, regex, s);
}

function matchOf(re: string, regex: Regex, s: string): Value {
  let m: RegexMatch | null;
  try {
    m = regex.match(s);
  } catch (e) {
    throw regexFailure(re, e);
  }
  return m === null ? null : m.groups;
}

function* split(args: Value[]): Gen {
  const re = asPlainString(args[0])
    ?? (yield* forceStringNoCtx(args[0], SPLIT_RE));
  const regex = regexFor(re);
  const s = (asString(args[1]) ?? (yield* forceString(args[1], SPLIT_STRING))).s;
  return splitOf(re, regex, s, args[1]);
}

/** The pieces of `s` between the matches, and the matches' groups; `arg` is `s` as given. */
function splitOf(re: string, regex: Regex, s: string, arg: Value): Value {
  let matches: RegexMatch[];
  try {
    matches = regex.searchAll(s);
  } catch (e) {
    throw regexFailure(re, e);
  }
  // No match: the argument itself (the same place), context and all.
  if (matches.length === 0) return [arg];
  reserveList(2 * matches.length + 1, SLOT_BYTES + OBJECT_BYTES);
  const out: Value[] = [];
  let prev = 0;
  for (const m of matches) {
    out.push(s.slice(prev, m.start));
    out.push(m.groups);
    prev = m.end;
  }
  out.push(s.slice(prev));
  return out;
}

/**
 * `match` and `split` in the compiled tier: the pattern, then the string, forced as the body
 * forces them while each is a string as the common case needs; anything else is left to the
 * body, which finds the ones forced so far already evaluated.
 */
function regexDirect(
  body: (args: Value[]) => Gen, tail: (re: string, regex: Regex, s: string, arg: Value) => Value, reFrame: string, sFrame: string,
) {
  return (args: Value[], _ctx: BuiltinContext, ev: DirectEval): Value => {
    const re = asPlainString(forceTracedDirect(ev, args[0], reFrame));
    if (re !== undefined) {
      const regex = regexFor(re);
      const s = asString(forceTracedDirect(ev, args[1], sFrame));
      if (s !== undefined) return tail(re, regex, s.s, args[1]);
    }
    return ev.drive(body(args));
  };
}

function* hashStringBuiltin(args: Value[]): Gen {
  const algo = parseHashAlgo(asPlainString(args[0])
    ?? (yield* forceStringNoCtx(args[0], 'while evaluating the first argument passed to builtins.hashString')));
  const s = (asString(args[1])
    ?? (yield* forceString(args[1], 'while evaluating the second argument passed to builtins.hashString'))).s;
  return printHash(hashString(algo, s), 'base16', false);
}

function* convertHash(args: Value[], warn: (m: string) => void): Gen {
  const attrs = yield* forceAttrs(args[0], 'while evaluating the first argument passed to builtins.convertHash');
  const getAttr = (name: string, frame: string): Value => {
    const v = attrs.get(name);
    if (v === undefined) throw withFrame(new NixError('type', `attribute '${showIdentifier(name)}' missing`), frame);
    return v;
  };
  const hashAttr = getAttr('hash', "while locating the attribute 'hash'");
  const hash = asPlainString(hashAttr)
    ?? (yield* forceStringNoCtx(hashAttr, "while evaluating the attribute 'hash'"));
  const algoAttr = attrs.get('hashAlgo');
  let algo: HashAlgo | undefined;
  if (algoAttr !== undefined) {
    algo = parseHashAlgo(asPlainString(algoAttr)
      ?? (yield* forceStringNoCtx(algoAttr, "while evaluating the attribute 'hashAlgo'")));
  }
  const formatAttr = getAttr('toHashFormat', "while locating the attribute 'toHashFormat'");
  const format = parseHashFormat(asPlainString(formatAttr)
    ?? (yield* forceStringNoCtx(formatAttr, "while evaluating the attribute 'toHashFormat'")), warn);
  return printHash(parseAnyHash(hash, algo), format, format === 'sri');
}

/** C++ Nix's `baseNameOf` for strings: one trailing slash is ignored. */
export function legacyBaseNameOf(path: string): string {
  if (path === '') return '';
  let last = path.length - 1;
  if (path[last] === '/' && last > 0) last--;
  const slash = path.lastIndexOf('/', last);
  const pos = slash < 0 ? 0 : slash + 1;
  return path.slice(pos, last + 1);
}

function* dirOf(args: Value[]): Gen {
  const v = yield* force(args[0]);
  if (v instanceof NixPath) {
    const p = v.path;
    if (p === '/') return v;
    const i = p.lastIndexOf('/');
    return new NixPath(i <= 0 ? '/' : p.slice(0, i));
  }
  const r = asString(v) ?? asString(isPending(v) ? yield v : v)
    ?? (yield* coerceArg(v, "while evaluating the first argument passed to 'builtins.dirOf'", COERCE_NO_COPY));
  const i = r.s.lastIndexOf('/');
  return makeString(i < 0 ? '.' : i === 0 ? '/' : r.s.slice(0, i), r.context);
}

/** stringLength of a string (see BuiltinSpec.quick1): anything else is coerced by its body. */
function stringLengthQuick(v: Value): Value | undefined {
  return typeof v === 'string' ? v.length : v instanceof NixString ? v.s.length : undefined;
}

const PARSEDRVNAME_ARG = 'while evaluating the first argument passed to builtins.parseDrvName';
const SPLITVERSION_ARG = 'while evaluating the first argument passed to builtins.splitVersion';

export const stringsBuiltins: BuiltinSpec[] = [
  {
    ...lazyBuiltin('stringLength', 1, function* (args) {
      const r = asString(args[0]) ?? asString(isPending(args[0]) ? yield args[0] : args[0])
        ?? (yield* coerceArg(args[0], 'while evaluating the argument passed to builtins.stringLength'));
      return r.s.length;
    }, (args) => stringLengthQuick(args[0])),
    quick1: stringLengthQuick,
  },
  lazyBuiltin('substring', 3, substring, substringFast, substringDirect),
  lazyBuiltin('replaceStrings', 3, replaceStrings, replaceStringsFast, replaceStringsDirect),
  lazyBuiltin('concatStringsSep', 2, concatStringsSep, undefined, concatStringsSepDirect),
  lazyBuiltin('match', 2, match, undefined, regexDirect(match, matchOf, MATCH_RE, MATCH_STRING)),
  lazyBuiltin('split', 2, split, undefined, regexDirect(split, splitOf, SPLIT_RE, SPLIT_STRING)),
  lazyBuiltin('parseDrvName', 1, function* (args) {
    const r = parseDrvName(asPlainString(args[0]) ?? (yield* forceStringNoCtx(args[0], PARSEDRVNAME_ARG)));
    // C++ Nix makes the symbol `version` here (attrs.alloc("version")); `name` is its own.
    return attrsOf([['name', r.name], [internName('version'), r.version]]);
  }, undefined, undefined, PARSEDRVNAME_ARG),
  lazyBuiltin('compareVersions', 2, function* (args) {
    const a = asPlainString(args[0])
      ?? (yield* forceStringNoCtx(args[0], 'while evaluating the first argument passed to builtins.compareVersions'));
    const b = asPlainString(args[1])
      ?? (yield* forceStringNoCtx(args[1], 'while evaluating the second argument passed to builtins.compareVersions'));
    return compareVersions(a, b);
  }),
  lazyBuiltin('splitVersion', 1, function* (args) {
    return splitVersion(asPlainString(args[0]) ?? (yield* forceStringNoCtx(args[0], SPLITVERSION_ARG)));
  }, undefined, undefined, SPLITVERSION_ARG),
  lazyBuiltin('baseNameOf', 1, function* (args) {
    const r = asString(args[0]) ?? asString(isPending(args[0]) ? yield args[0] : args[0])
      ?? (yield* coerceArg(args[0], 'while evaluating the first argument passed to builtins.baseNameOf', COERCE_NO_COPY));
    return makeString(legacyBaseNameOf(r.s), r.context);
  }, (args) => {
    const r = asString(args[0]);
    return r === undefined ? undefined : makeString(legacyBaseNameOf(r.s), r.context);
  }),
  lazyBuiltin('dirOf', 1, dirOf),
  lazyBuiltin('hashString', 2, hashStringBuiltin),
  defineBuiltin('convertHash', 1, (args, ctx) => run(convertHash(args, (m) => ctx.state.warn(m))), { lazy: [0] }),
  ...contextBuiltins,
];
