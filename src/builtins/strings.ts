// String builtins: lengths and slices, replacing and joining, regular expressions, package
// names and versions, hashes, path-like names, and string contexts.
//
// Every builtin here takes its arguments lazily and forces them itself, in the order C++ Nix
// does, so that which error wins (and whether an argument is forced at all) is the same.
// The bodies are generators; when all arguments are already values they run to the end at
// once (see `run`), so the common case costs no VM frame.
//
// Arguments are read with the idiom
//     asX(a) ?? asX(isPending(a) ? yield a : a) ?? (yield* forceX(a, FRAME))
// that is: the value, if it already is one of the right type; else force it (a thunk is
// yielded to the VM directly, no generator) and look again; else the generator helper, which
// raises C++ Nix's type error with its "while evaluating the first argument passed to
// builtins.x" frame (or coerces, for the builtins that coerce).
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
  forceString, forceStringNoCtx, type Gen, isPending, lazyBuiltin, run, unionContext, withFrame,
} from './strings-args.js';
import { compileRegex, RegexError, type Regex } from './regex.js';
import { compareVersions, parseDrvName, splitVersion } from './strings-version.js';
import { hashString, parseAnyHash, parseHashAlgo, parseHashFormat, printHash, type HashAlgo } from './strings-hash.js';
import { contextBuiltins } from './strings-context.js';
import { OBJECT_BYTES, reserve, reserveList, reserveString, SLOT_BYTES, tick } from '../limits/limits.js';

// ---------------------------------------------------------------------------------------------
// The builtins

function* substring(args: Value[]): Gen {
  const start = asInt(args[0]) ?? asInt(isPending(args[0]) ? yield args[0] : args[0])
    ?? (yield* forceInt(args[0], 'while evaluating the first argument (the start offset) passed to builtins.substring'));
  if (start < 0) throw evalError("negative start position in 'substring'");
  const len = asInt(args[1]) ?? asInt(isPending(args[1]) ? yield args[1] : args[1])
    ?? (yield* forceInt(args[1], 'while evaluating the second argument (the substring length) passed to builtins.substring'));
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
  const start = ev.force(args[0]);
  if (typeof start === 'number' && start >= 0) {
    const len = ev.force(args[1]);
    // (A length of 0 does not force the string the same way.)
    if (typeof len === 'number' && len !== 0) {
      const r = substringFast([start, len, ev.force(args[2])]);
      if (r !== undefined) return r;
    }
  }
  return ev.drive(substring(args));
}

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
    pats.push((asString(e) ?? asString(isPending(e) ? yield e : e)
      ?? (yield* forceString(e, 'while evaluating one of the strings to replace passed to builtins.replaceStrings'))).s);
  }
  const input = asString(args[2]) ?? asString(isPending(args[2]) ? yield args[2] : args[2])
    ?? (yield* forceString(args[2], 'while evaluating the third argument passed to builtins.replaceStrings'));
  const s = input.s;
  let context = unionContext(undefined, input.context);
  const cache = new Map<number, string>();
  // Which patterns can start with a given byte (an empty pattern matches anywhere).
  const hasEmpty = pats.some((p) => p === '');
  const firsts = new Uint8Array(256);
  for (const p of pats) if (p !== '') firsts[p.charCodeAt(0)] = 1;
  const parts: string[] = [];
  let length = 0; // of the output so far
  let copied = 0; // s[copied..p) is still to be copied to the output
  for (let p = 0; p <= s.length;) {
    if (!hasEmpty && (p === s.length || !firsts[s.charCodeAt(p)])) {
      p++;
      continue;
    }
    let found = -1;
    for (let i = 0; i < pats.length; i++) {
      if (s.startsWith(pats[i], p)) {
        found = i;
        break;
      }
    }
    if (found < 0) {
      p++;
      continue;
    }
    let rep = cache.get(found);
    if (rep === undefined) {
      const t = to[found];
      const r = asString(t) ?? asString(isPending(t) ? yield t : t)
        ?? (yield* forceString(t, 'while evaluating one of the replacement strings passed to builtins.replaceStrings'));
      rep = r.s;
      cache.set(found, rep);
      context = unionContext(context, r.context);
    }
    tick();
    // At most three parts (each a slice or a shared string) for this match.
    reserve(3 * (SLOT_BYTES + OBJECT_BYTES));
    length += p - copied + rep.length;
    if (p > copied) parts.push(s.slice(copied, p));
    parts.push(rep);
    const pat = pats[found];
    if (pat === '') {
      if (p < s.length) { parts.push(s[p]); length++; }
      p++;
    } else {
      p += pat.length;
    }
    copied = Math.min(p, s.length);
  }
  if (copied < s.length) parts.push(s.slice(copied));
  reserveString(length + s.length - copied);
  return makeString(parts.join(''), context);
}

function* concatStringsSep(args: Value[]): Gen {
  const sep = asString(args[0]) ?? asString(isPending(args[0]) ? yield args[0] : args[0])
    ?? (yield* forceString(args[0], 'while evaluating the first argument (the separator string) passed to builtins.concatStringsSep'));
  const list = asList(args[1]) ?? asList(isPending(args[1]) ? yield args[1] : args[1])
    ?? (yield* forceList(args[1], 'while evaluating the second argument (the list of strings to concat) passed to builtins.concatStringsSep'));
  let context = unionContext(undefined, sep.context);
  reserveList(list.length);
  const parts: string[] = [];
  let length = 0;
  for (const e of list) {
    tick();
    const r = asString(e) ?? asString(isPending(e) ? yield e : e)
      ?? (yield* coerceArg(e, 'while evaluating one element of the list of strings to concat passed to builtins.concatStringsSep'));
    parts.push(r.s);
    length += r.s.length;
    context = unionContext(context, r.context);
  }
  reserveString(length + Math.max(0, list.length - 1) * sep.s.length);
  return makeString(parts.join(sep.s), context);
}

/** Compiles or runs a regex; what libstdc++ would refuse is C++ Nix's error. */
function withRegex<T>(re: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof RegexError)) throw e;
    throw evalError(e.space ? `memory limit exceeded by regular expression '${re}'` : `invalid regular expression '${re}'`);
  }
}

function regexFor(re: string): Regex {
  return withRegex(re, () => compileRegex(re));
}

function* match(args: Value[]): Gen {
  const re = asPlainString(args[0]) ?? asPlainString(isPending(args[0]) ? yield args[0] : args[0])
    ?? (yield* forceStringNoCtx(args[0], 'while evaluating the first argument passed to builtins.match'));
  const regex = regexFor(re);
  const s = (asString(args[1]) ?? asString(isPending(args[1]) ? yield args[1] : args[1])
    ?? (yield* forceString(args[1], 'while evaluating the second argument passed to builtins.match'))).s;
  const m = withRegex(re, () => regex.match(s));
  return m === null ? null : m.groups;
}

function* split(args: Value[]): Gen {
  const re = asPlainString(args[0]) ?? asPlainString(isPending(args[0]) ? yield args[0] : args[0])
    ?? (yield* forceStringNoCtx(args[0], 'while evaluating the first argument passed to builtins.split'));
  const regex = regexFor(re);
  const v = isPending(args[1]) ? yield args[1] : args[1];
  const s = (asString(v) ?? (yield* forceString(v, 'while evaluating the second argument passed to builtins.split'))).s;
  const matches = withRegex(re, () => regex.searchAll(s));
  // No match: the argument itself (the same place), context and all.
  if (matches.length === 0) return [args[1]];
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

function* hashStringBuiltin(args: Value[]): Gen {
  const algo = parseHashAlgo(asPlainString(args[0]) ?? asPlainString(isPending(args[0]) ? yield args[0] : args[0])
    ?? (yield* forceStringNoCtx(args[0], 'while evaluating the first argument passed to builtins.hashString')));
  const s = (asString(args[1]) ?? asString(isPending(args[1]) ? yield args[1] : args[1])
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
  const hash = asPlainString(hashAttr) ?? asPlainString(isPending(hashAttr) ? yield hashAttr : hashAttr)
    ?? (yield* forceStringNoCtx(hashAttr, "while evaluating the attribute 'hash'"));
  const algoAttr = attrs.get('hashAlgo');
  let algo: HashAlgo | undefined;
  if (algoAttr !== undefined) {
    algo = parseHashAlgo(asPlainString(algoAttr) ?? asPlainString(isPending(algoAttr) ? yield algoAttr : algoAttr)
      ?? (yield* forceStringNoCtx(algoAttr, "while evaluating the attribute 'hashAlgo'")));
  }
  const formatAttr = getAttr('toHashFormat', "while locating the attribute 'toHashFormat'");
  const format = parseHashFormat(asPlainString(formatAttr) ?? asPlainString(isPending(formatAttr) ? yield formatAttr : formatAttr)
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

export const stringsBuiltins: BuiltinSpec[] = [
  lazyBuiltin('stringLength', 1, function* (args) {
    const r = asString(args[0]) ?? asString(isPending(args[0]) ? yield args[0] : args[0])
      ?? (yield* coerceArg(args[0], 'while evaluating the argument passed to builtins.stringLength'));
    return r.s.length;
  }, (args) => {
    const v = args[0];
    return typeof v === 'string' ? v.length : v instanceof NixString ? v.s.length : undefined;
  }),
  lazyBuiltin('substring', 3, substring, substringFast, substringDirect),
  lazyBuiltin('replaceStrings', 3, replaceStrings),
  lazyBuiltin('concatStringsSep', 2, concatStringsSep),
  lazyBuiltin('match', 2, match),
  lazyBuiltin('split', 2, split),
  lazyBuiltin('parseDrvName', 1, function* (args) {
    const r = parseDrvName(asPlainString(args[0]) ?? asPlainString(isPending(args[0]) ? yield args[0] : args[0])
      ?? (yield* forceStringNoCtx(args[0], 'while evaluating the first argument passed to builtins.parseDrvName')));
    return attrsOf([['name', r.name], ['version', r.version]]);
  }),
  lazyBuiltin('compareVersions', 2, function* (args) {
    const a = asPlainString(args[0]) ?? asPlainString(isPending(args[0]) ? yield args[0] : args[0])
      ?? (yield* forceStringNoCtx(args[0], 'while evaluating the first argument passed to builtins.compareVersions'));
    const b = asPlainString(args[1]) ?? asPlainString(isPending(args[1]) ? yield args[1] : args[1])
      ?? (yield* forceStringNoCtx(args[1], 'while evaluating the second argument passed to builtins.compareVersions'));
    return compareVersions(a, b);
  }),
  lazyBuiltin('splitVersion', 1, function* (args) {
    return splitVersion(asPlainString(args[0]) ?? asPlainString(isPending(args[0]) ? yield args[0] : args[0])
      ?? (yield* forceStringNoCtx(args[0], 'while evaluating the first argument passed to builtins.splitVersion')));
  }),
  lazyBuiltin('baseNameOf', 1, function* (args) {
    const r = asString(args[0]) ?? asString(isPending(args[0]) ? yield args[0] : args[0])
      ?? (yield* coerceArg(args[0], 'while evaluating the first argument passed to builtins.baseNameOf', COERCE_NO_COPY));
    return makeString(legacyBaseNameOf(r.s), r.context);
  }),
  lazyBuiltin('dirOf', 1, dirOf),
  lazyBuiltin('hashString', 2, hashStringBuiltin),
  defineBuiltin('convertHash', 1, (args, ctx) => run(convertHash(args, (m) => ctx.state.warn(m))), { lazy: [0] }),
  ...contextBuiltins,
];
