// Property tests of the parser.
//
// (a) Random expression trees are printed to Nix source, parsed, and the parse printed with
//     showExpr; that must equal the `--parse` text computed straight from the generated tree
//     by this file's own model of C++ Nix's desugaring (operators to `__sub`/`__lessThan`
//     calls, `+` to string concatenation, calls absorbing arguments, attribute paths to nested
//     sets, inherits grouped, names sorted, indented strings split at escapes, paths resolved)
//     and of its printer. Nothing of the parser or of show.ts is used to compute the expected
//     text, so a disagreement is a bug in one of them or in this model, never an echo.
//     Trees are printed twice: fully parenthesised with random whitespace and comments
//     between tokens, and with the fewest parentheses Nix's precedence table allows, which
//     checks precedence and associativity too.
// (b) Arbitrary bytes and shuffled Nix tokens either parse or raise a ParseError with a
//     position inside the input; never any other exception.

import fc from 'fast-check';
import { parse } from '../../src/syntax/parser.js';
import { showExpr } from '../../src/syntax/show.js';
import { Source } from '../../src/syntax/source.js';
import { ParseError } from '../../src/errors/errors.js';
import { prng } from '../../scripts/prng.js';
import { modelCanonicalise, modelQuote } from './models.js';

const BASE = '/base/dir';

// ---- generated trees

type Key =
  | { k: 'static'; name: string; style: 'bare' | 'quoted' | 'interpolated' }
  | { k: 'dyn'; e: G; quoted: boolean };

interface Entry { name: string; kind: 'plain' | 'inherit' | 'from'; group: number; tail: Key[]; value: G }
interface Binds { entries: Entry[]; froms: G[]; dyn: { key: G; quoted: boolean; value: G }[] }

type G =
  | { t: 'int'; text: string; value: bigint }
  | { t: 'float'; text: string; shown: string }
  | { t: 'str'; value: string; ind: boolean }
  | { t: 'interp'; parts: (string | G)[] }
  | { t: 'path'; abs: boolean; segs: string[] }
  | { t: 'pathInterp'; segs: string[]; e: G; tail: string }
  | { t: 'spath'; name: string }
  | { t: 'uri'; text: string }
  | { t: 'var'; name: string }
  | { t: 'curPos' }
  | { t: 'select'; e: G; path: Key[]; def?: G }
  | { t: 'has'; e: G; path: Key[] }
  | { t: 'attrs'; rec: boolean; binds: Binds }
  | { t: 'legacyLet'; binds: Binds; body: G }
  | { t: 'list'; elems: G[] }
  | { t: 'lambda'; arg?: string; formals?: { names: string[]; defs: (G | undefined)[]; ellipsis: boolean; trailingComma: boolean }; argFirst: boolean; body: G }
  | { t: 'call'; fn: G; args: G[] }
  | { t: 'let'; binds: Binds; body: G }
  | { t: 'with'; env: G; body: G }
  | { t: 'if'; c: G; a: G; b: G }
  | { t: 'assert'; c: G; body: G }
  | { t: 'not'; e: G }
  | { t: 'neg'; e: G }
  | { t: 'bin'; op: BinOp; l: G; r: G };

type BinOp = '->' | '||' | '&&' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '//' | '+' | '-' | '*' | '/' | '++';

const KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);
const IDENT = /^[a-zA-Z_][a-zA-Z0-9_'-]*$/;

// ---- arbitraries

const identifier = fc.oneof(
  fc.constantFrom('x', 'y', 'foo', 'bar-baz', "a'", '_u', 'true', 'null', 'A1', 'builtins', '__sub'),
  fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_'-]{0,5}$/),
).filter((s) => !KEYWORDS.has(s) && s !== '__curPos');

// Fragments chosen to hit every escape and every special case of the two string lexers.
const stringText = fc
  .array(fc.constantFrom('a', 'b', ' ', '  ', '\n', '\t', '\r', '"', '\\', '$', '{', '}', '${', "'", "''", '#', '/*', '\x01', '\x7f', '\xe9', '\xff', 'n'), { maxLength: 8 })
  .map((a) => a.join(''));

const attrName = fc.oneof(identifier, fc.constantFrom('or', 'if', 'in', '__curPos', 'a b', '', '1'), stringText);

const pathSeg = fc.stringMatching(/^[a-z0-9._+-]{1,4}$/);

const int = fc
  .tuple(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), fc.integer({ min: 0, max: 1000 }).map(BigInt)), fc.integer({ min: 0, max: 2 }))
  .map(([value, zeros]): G => ({ t: 'int', text: '0'.repeat(zeros) + String(value), value }));

const float = fc
  .tuple(
    fc.boolean(),
    fc.integer({ min: 1, max: 999 }),
    fc.stringMatching(/^[0-9]{0,3}$/),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 20 }))),
  )
  .map(([pointFirst, whole, frac, exp]): G => {
    // FLOAT is [1-9][0-9]*\.[0-9]* or 0?\.[0-9]+, then an optional exponent.
    const intPart = pointFirst ? '' : String(whole);
    const fracPart = pointFirst ? (frac === '' ? '5' : frac) : frac;
    const expText = exp ? `${exp[0]}${exp[1]}${exp[2]}` : '';
    const exponent = exp ? (exp[1] === '-' ? -exp[2] : exp[2]) : 0;
    return { t: 'float', text: `${intPart}.${fracPart}${expText}`, shown: formatG(intPart + fracPart, exponent - fracPart.length) };
  });

const uri = fc
  .tuple(fc.constantFrom('http', 'https', 'git+ssh', 'a.b-c', 'x'), fc.stringMatching(/^[a-z0-9/.:?=&%~_-]{1,10}$/))
  .map(([scheme, body]): G => ({ t: 'uri', text: `${scheme}:${body}` }));

const leaf: fc.Arbitrary<G> = fc.oneof(
  identifier.map((name): G => ({ t: 'var', name })),
  int,
  float,
  fc.tuple(stringText, fc.boolean()).map(([value, ind]): G => ({ t: 'str', value, ind })),
  fc.tuple(fc.boolean(), fc.array(pathSeg, { minLength: 1, maxLength: 3 })).map(([abs, segs]): G => ({ t: 'path', abs, segs })),
  fc.array(fc.stringMatching(/^[a-z0-9._+-]{1,3}$/), { minLength: 1, maxLength: 2 }).map((s): G => ({ t: 'spath', name: s.join('/') })),
  uri,
  fc.constant<G>({ t: 'curPos' }),
);

/** Expressions that are not string literals: C++ Nix treats `${"a"}` as a static name. */
function notString(g: fc.Arbitrary<G>): fc.Arbitrary<G> {
  return g.filter((e) => e.t !== 'str' && e.t !== 'uri');
}

const ops: BinOp[] = ['->', '||', '&&', '==', '!=', '<', '>', '<=', '>=', '//', '+', '-', '*', '/', '++'];

const { expr } = fc.letrec<{ expr: G; key: Key; binds: Binds }>((tie) => {
  const e = tie('expr');
  const keyArb = tie('key');
  const path = fc.array(keyArb, { minLength: 1, maxLength: 3 });
  return {
    key: fc.oneof(
      { weight: 4, arbitrary: fc.tuple(attrName, fc.constantFrom('bare', 'quoted', 'interpolated') as fc.Arbitrary<'bare' | 'quoted' | 'interpolated'>).map(([name, style]): Key => ({ k: 'static', name, style })) },
      { weight: 1, arbitrary: fc.tuple(notString(e), fc.boolean()).map(([de, quoted]): Key => ({ k: 'dyn', e: de, quoted })) },
    ),
    binds: fc
      .tuple(
        fc.uniqueArray(attrName, { maxLength: 4 }),
        fc.array(fc.tuple(fc.constantFrom('plain', 'plain', 'inherit', 'from') as fc.Arbitrary<Entry['kind']>, fc.nat(1), fc.array(keyArb, { maxLength: 2 }), e), { minLength: 4, maxLength: 4 }),
        fc.array(e, { minLength: 2, maxLength: 2 }),
        fc.array(fc.tuple(notString(e), fc.boolean(), e), { maxLength: 1 }),
      )
      .map(([names, specs, froms, dyn]): Binds => ({
        entries: names.map((name, i) => {
          const [kind, group, tail, value] = specs[i];
          // Only identifiers can be inherited from the scope; any name can be inherited from a set.
          const k = kind === 'inherit' && !IDENT.test(name) ? 'from' : kind;
          return { name, kind: k, group, tail, value };
        }),
        froms,
        dyn: dyn.map(([key, quoted, value]) => ({ key, quoted, value })),
      })),
    expr: fc.oneof(
      { depthSize: 'small', maxDepth: 5, depthIdentifier: 'expr' },
      leaf,
      fc.array(fc.oneof(stringText.filter((s) => s !== ''), notString(e)), { minLength: 1, maxLength: 4 })
        .map((parts): G => ({ t: 'interp', parts: mergeLiterals(parts) }))
        .filter((g) => g.t === 'interp' && g.parts.some((p) => typeof p !== 'string')),
      fc.tuple(fc.array(pathSeg, { maxLength: 2 }), e, fc.stringMatching(/^([a-z0-9._+-]{1,3})?(\/[a-z0-9._+-]{1,3}){0,2}$/))
        .map(([segs, pe, tail]): G => ({ t: 'pathInterp', segs, e: pe, tail })),
      fc.tuple(e, path, fc.option(e, { nil: undefined })).map(([se, p, def]): G => ({ t: 'select', e: se, path: p, def })),
      fc.tuple(e, path).map(([he, p]): G => ({ t: 'has', e: he, path: p })),
      fc.tuple(fc.boolean(), tie('binds')).map(([rec, b]): G => ({ t: 'attrs', rec, binds: b })),
      fc.tuple(tie('binds'), e).map(([b, body]): G => ({ t: 'legacyLet', binds: dropNames(b, 'body'), body })),
      fc.array(e, { maxLength: 3 }).map((elems): G => ({ t: 'list', elems })),
      fc.tuple(identifier, e).map(([arg, body]): G => ({ t: 'lambda', arg, argFirst: false, body })),
      fc.tuple(
        fc.uniqueArray(identifier, { maxLength: 3 }),
        fc.array(fc.option(e, { nil: undefined }), { minLength: 3, maxLength: 3 }),
        fc.boolean(), fc.boolean(), fc.option(identifier, { nil: undefined }), fc.boolean(), e,
      ).map(([names, defs, ellipsis, trailingComma, arg, argFirst, body]): G => ({
        t: 'lambda',
        arg: arg !== undefined && names.includes(arg) ? undefined : arg,
        formals: { names, defs: defs.slice(0, names.length), ellipsis, trailingComma: trailingComma && names.length > 0 && !ellipsis },
        argFirst,
        body,
      })),
      fc.tuple(e, fc.array(e, { minLength: 1, maxLength: 3 })).map(([fn, args]): G => ({ t: 'call', fn, args })),
      fc.tuple(tie('binds'), e).map(([b, body]): G => ({ t: 'let', binds: { ...b, dyn: [] }, body })),
      fc.tuple(e, e).map(([env, body]): G => ({ t: 'with', env, body })),
      fc.tuple(e, e, e).map(([c, a, b]): G => ({ t: 'if', c, a, b })),
      fc.tuple(e, e).map(([c, body]): G => ({ t: 'assert', c, body })),
      e.map((x): G => ({ t: 'not', e: x })),
      e.map((x): G => ({ t: 'neg', e: x })),
      fc.tuple(fc.constantFrom(...ops), e, e).map(([op, l, r]): G => ({ t: 'bin', op, l, r })),
    ),
  };
});

// Operator-heavy trees, deeper, for precedence and associativity: mostly binary operators,
// with the prefix operators, has-attr, application, selection and the low-precedence forms
// that must be parenthesised inside them.
const { opExpr } = fc.letrec<{ opExpr: G }>((tie) => {
  const e = tie('opExpr');
  const atom = fc.oneof(
    identifier.map((name): G => ({ t: 'var', name })),
    fc.integer({ min: 0, max: 9 }).map((n): G => ({ t: 'int', text: String(n), value: BigInt(n) })),
  );
  return {
    opExpr: fc.oneof(
      { depthSize: 'medium', maxDepth: 8, depthIdentifier: 'op' },
      { weight: 3, arbitrary: atom },
      { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...ops), e, e).map(([op, l, r]): G => ({ t: 'bin', op, l, r })) },
      { weight: 2, arbitrary: e.map((x): G => ({ t: 'not', e: x })) },
      { weight: 2, arbitrary: e.map((x): G => ({ t: 'neg', e: x })) },
      { weight: 1, arbitrary: fc.tuple(e, identifier).map(([x, n]): G => ({ t: 'has', e: x, path: [{ k: 'static', name: n, style: 'bare' }] })) },
      { weight: 1, arbitrary: fc.tuple(e, fc.array(e, { minLength: 1, maxLength: 2 })).map(([fn, args]): G => ({ t: 'call', fn, args })) },
      { weight: 1, arbitrary: fc.tuple(e, identifier, fc.option(e, { nil: undefined })).map(([x, n, def]): G => ({ t: 'select', e: x, path: [{ k: 'static', name: n, style: 'bare' }], def })) },
      { weight: 1, arbitrary: fc.tuple(e, e, e).map(([c, a, b]): G => ({ t: 'if', c, a, b })) },
      { weight: 1, arbitrary: fc.tuple(identifier, e).map(([arg, body]): G => ({ t: 'lambda', arg, argFirst: false, body })) },
    ),
  };
});

function mergeLiterals(parts: (string | G)[]): (string | G)[] {
  const out: (string | G)[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (typeof p === 'string' && typeof last === 'string') out[out.length - 1] = last + p;
    else out.push(p);
  }
  return out;
}

function dropNames(b: Binds, name: string): Binds {
  return { ...b, entries: b.entries.filter((en) => en.name !== name) };
}

// ---- the model of C++ Nix's `--parse` output

/** printf("%g") of the decimal `digits` × 10^`exp`, which has at most 6 significant digits. */
function formatG(digits: string, exp: number): string {
  const stripped = digits.replace(/^0+/, '');
  if (stripped === '') return '0';
  const sig = stripped.replace(/0+$/, '');
  const x = stripped.length - 1 + exp; // decimal exponent of the leading digit
  if (x < -4 || x >= 6) {
    const mant = sig.length > 1 ? `${sig[0]}.${sig.slice(1)}` : sig;
    return `${mant}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  }
  if (x < 0) return '0.' + '0'.repeat(-x - 1) + sig;
  const whole = sig.slice(0, x + 1).padEnd(x + 1, '0');
  const frac = sig.slice(x + 1);
  return frac === '' ? whole : `${whole}.${frac}`;
}

const SHOW_RESERVED = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit']);
function showName(s: string): string {
  return IDENT.test(s) && !SHOW_RESERVED.has(s) ? s : modelQuote(s);
}

/** The tokens an indented string is printed as; each becomes one part of the parse. */
function indTokens(value: string): { src: string; val: string }[] {
  const toks: { src: string; val: string }[] = [];
  let raw = '';
  const flush = (): void => {
    if (raw !== '') toks.push({ src: raw, val: raw });
    raw = '';
  };
  const escape = (src: string, val: string): void => {
    flush();
    toks.push({ src, val });
  };
  // An escape first makes the minimum indentation 0, so nothing is stripped; one last
  // escaped space keeps a final all-space line from being dropped.
  const lastNl = value.lastIndexOf('\n');
  const protectTail = lastNl >= 0 && lastNl < value.length - 1 && /^ +$/.test(value.slice(lastNl + 1));
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    const first = i === 0 && (c === ' ' || c === '\n');
    const last = protectTail && i === value.length - 1;
    if (c === '$') escape("''$", '$');
    else if (c === "'") escape("''\\'", "'");
    else if (c === '\r') escape("''\\r", '\r');
    else if (first || last) escape(c === '\n' ? "''\\n" : `''\\${c}`, c);
    else raw += c;
  }
  flush();
  return toks;
}

/** The expected `nix-instantiate --parse` text of a generated tree. */
function expected(g: G): string {
  return showR(desugar(g));
}

type R =
  | { k: 'lit'; s: string }
  | { k: 'str'; v: string }
  | { k: 'concat'; parts: R[] }
  | { k: 'call'; fn: R; args: R[] }
  | { k: 'select'; e: R; path: RKey[]; def?: R }
  | { k: 'has'; e: R; path: RKey[] }
  | { k: 'attrs'; a: RAttrs }
  | { k: 'list'; elems: R[] }
  | { k: 'lambda'; arg?: string; formals?: { names: string[]; defs: (R | undefined)[]; ellipsis: boolean }; body: R }
  | { k: 'let'; a: RAttrs; body: R }
  | { k: 'with'; env: R; body: R }
  | { k: 'if'; c: R; a: R; b: R }
  | { k: 'assert'; c: R; body: R }
  | { k: 'not'; e: R }
  | { k: 'bin'; op: string; l: R; r: R };
type RKey = { name: string } | { e: R };
interface RAttrs { rec: boolean; plain: Map<string, R>; inherits: string[]; froms: { from: R; names: string[] }[]; dyn: { key: R; value: R }[] }

const v = (s: string): R => ({ k: 'lit', s });
const call = (fn: string, args: R[]): R => ({ k: 'call', fn: v(fn), args });

function dynKey(e: G, quoted: boolean): R {
  const r = desugar(e);
  return quoted ? { k: 'concat', parts: [r] } : r;
}

function rkey(key: Key): RKey {
  return key.k === 'static' ? { name: key.name } : { e: dynKey(key.e, key.quoted) };
}

function emptyAttrs(rec: boolean): RAttrs {
  return { rec, plain: new Map(), inherits: [], froms: [], dyn: [] };
}

/** `k1.k2... = value` below the first name: one nested set per remaining key. */
function nest(tail: Key[], value: R): R {
  if (tail.length === 0) return value;
  const a = emptyAttrs(false);
  const inner = nest(tail.slice(1), value);
  const k = tail[0];
  if (k.k === 'static') a.plain.set(k.name, inner);
  else a.dyn.push({ key: dynKey(k.e, k.quoted), value: inner });
  return { k: 'attrs', a };
}

function desugarBinds(b: Binds, rec: boolean): RAttrs {
  const a = emptyAttrs(rec);
  const groups: string[][] = b.froms.map(() => []);
  for (const en of b.entries) {
    if (en.kind === 'plain') a.plain.set(en.name, nest(en.tail, desugar(en.value)));
    else if (en.kind === 'inherit') a.inherits.push(en.name);
    else groups[en.group].push(en.name);
  }
  a.inherits.sort(byBytes);
  b.froms.forEach((from, i) => {
    if (groups[i].length > 0) a.froms.push({ from: desugar(from), names: groups[i].sort(byBytes) });
  });
  for (const d of b.dyn) a.dyn.push({ key: dynKey(d.key, d.quoted), value: desugar(d.value) });
  return a;
}

function byBytes(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function desugar(g: G): R {
  switch (g.t) {
    case 'int': return v(String(g.value));
    case 'float': return v(g.shown);
    case 'str': {
      if (!g.ind) return { k: 'str', v: g.value };
      const toks = indTokens(g.value);
      if (toks.length === 0) return { k: 'str', v: '' };
      if (toks.length === 1) return { k: 'str', v: toks[0].val };
      return { k: 'concat', parts: toks.map((t) => ({ k: 'str', v: t.val })) };
    }
    case 'interp':
      return { k: 'concat', parts: g.parts.map((p) => (typeof p === 'string' ? { k: 'str', v: p } : desugar(p))) };
    case 'path':
      return v(modelCanonicalise((g.abs ? '' : BASE) + '/' + g.segs.join('/')));
    case 'pathInterp': {
      const literal = './' + g.segs.map((s) => s + '/').join('');
      const head = modelCanonicalise(BASE + '/' + literal) + (literal.length > 1 ? '/' : '');
      const parts: R[] = [v(head), desugar(g.e)];
      if (g.tail !== '') parts.push({ k: 'str', v: g.tail });
      return { k: 'concat', parts };
    }
    case 'spath': return call('__findFile', [v('__nixPath'), { k: 'str', v: g.name }]);
    case 'uri': return { k: 'str', v: g.text };
    case 'var': return v(g.name);
    case 'curPos': return v('__curPos');
    case 'select': return { k: 'select', e: desugar(g.e), path: g.path.map(rkey), def: g.def && desugar(g.def) };
    case 'has': return { k: 'has', e: desugar(g.e), path: g.path.map(rkey) };
    case 'attrs': return { k: 'attrs', a: desugarBinds(g.binds, g.rec) };
    case 'legacyLet': {
      const a = desugarBinds(g.binds, true);
      a.plain.set('body', desugar(g.body));
      return { k: 'select', e: { k: 'attrs', a }, path: [{ name: 'body' }] };
    }
    case 'list': return { k: 'list', elems: g.elems.map(desugar) };
    case 'lambda':
      return {
        k: 'lambda',
        arg: g.arg,
        formals: g.formals && { names: g.formals.names, defs: g.formals.defs.map((d) => d && desugar(d)), ellipsis: g.formals.ellipsis },
        body: desugar(g.body),
      };
    case 'call': {
      // Like C++ Nix's makeCall: arguments applied to a call join its argument list.
      const fn = desugar(g.fn);
      const args = g.args.map(desugar);
      return fn.k === 'call' ? { k: 'call', fn: fn.fn, args: [...fn.args, ...args] } : { k: 'call', fn, args };
    }
    case 'let': return { k: 'let', a: desugarBinds(g.binds, false), body: desugar(g.body) };
    case 'with': return { k: 'with', env: desugar(g.env), body: desugar(g.body) };
    case 'if': return { k: 'if', c: desugar(g.c), a: desugar(g.a), b: desugar(g.b) };
    case 'assert': return { k: 'assert', c: desugar(g.c), body: desugar(g.body) };
    case 'not': return { k: 'not', e: desugar(g.e) };
    case 'neg': return call('__sub', [v('0'), desugar(g.e)]);
    case 'bin': {
      const l = desugar(g.l);
      const r = desugar(g.r);
      switch (g.op) {
        case '+': return { k: 'concat', parts: [l, r] };
        case '-': return call('__sub', [l, r]);
        case '*': return call('__mul', [l, r]);
        case '/': return call('__div', [l, r]);
        case '<': return call('__lessThan', [l, r]);
        case '>': return call('__lessThan', [r, l]);
        case '<=': return { k: 'not', e: call('__lessThan', [r, l]) };
        case '>=': return { k: 'not', e: call('__lessThan', [l, r]) };
        default: return { k: 'bin', op: g.op, l, r };
      }
    }
  }
}

function showKeys(path: RKey[]): string {
  return path.map((p) => ('name' in p ? showName(p.name) : `"\${${showR(p.e)}}"`)).join('.');
}

function showAttrs(a: RAttrs): string {
  let s = '';
  if (a.inherits.length > 0) s += 'inherit' + a.inherits.map((n) => ' ' + showName(n)).join('') + '; ';
  for (const f of a.froms) s += `inherit (${showR(f.from)})` + f.names.map((n) => ' ' + showName(n)).join('') + '; ';
  for (const n of [...a.plain.keys()].sort(byBytes)) s += `${showName(n)} = ${showR(a.plain.get(n)!)}; `;
  for (const d of a.dyn) s += `"\${${showR(d.key)}}" = ${showR(d.value)}; `;
  return s;
}

function showR(r: R): string {
  switch (r.k) {
    case 'lit': return r.s;
    case 'str': return modelQuote(r.v);
    case 'concat': return '(' + r.parts.map(showR).join(' + ') + ')';
    case 'call': return '(' + [r.fn, ...r.args].map(showR).join(' ') + ')';
    case 'select': return `(${showR(r.e)}).${showKeys(r.path)}` + (r.def ? ` or (${showR(r.def)})` : '');
    case 'has': return `((${showR(r.e)}) ? ${showKeys(r.path)})`;
    case 'attrs': return (r.a.rec ? 'rec ' : '') + '{ ' + showAttrs(r.a) + '}';
    case 'list': return '[ ' + r.elems.map((x) => `(${showR(x)}) `).join('') + ']';
    case 'lambda': {
      let s = '(';
      if (r.formals) {
        const order = r.formals.names.map((n, i) => ({ n, d: r.formals!.defs[i] })).sort((x, y) => byBytes(x.n, y.n));
        const items = order.map(({ n, d }) => (d ? `${n} ? ${showR(d)}` : n));
        if (r.formals.ellipsis) items.push('...');
        s += '{ ' + items.join(', ') + ' }';
        if (r.arg !== undefined) s += ' @ ';
      }
      if (r.arg !== undefined) s += r.arg;
      return s + ': ' + showR(r.body) + ')';
    }
    case 'let': return '(let ' + showAttrs(r.a) + 'in ' + showR(r.body) + ')';
    case 'with': return `(with ${showR(r.env)}; ${showR(r.body)})`;
    case 'if': return `(if ${showR(r.c)} then ${showR(r.a)} else ${showR(r.b)})`;
    case 'assert': return `assert ${showR(r.c)}; ${showR(r.body)}`;
    case 'not': return `(! ${showR(r.e)})`;
    case 'bin': return `(${showR(r.l)} ${r.op} ${showR(r.r)})`;
  }
}

// ---- printing generated trees as Nix source

// Binary operator precedence (higher binds tighter) and associativity, from Nix's parser.y.
const PREC: Record<BinOp, [number, 'left' | 'right' | 'none']> = {
  '->': [1, 'right'], '||': [2, 'left'], '&&': [3, 'left'], '==': [4, 'none'], '!=': [4, 'none'],
  '<': [5, 'none'], '>': [5, 'none'], '<=': [5, 'none'], '>=': [5, 'none'], '//': [6, 'right'],
  '+': [8, 'left'], '-': [8, 'left'], '*': [9, 'left'], '/': [9, 'left'], '++': [10, 'right'],
};
const PREC_NOT = 7;
const PREC_HAS = 11;

// The grammar levels an expression can stand in: whole expressions, operands, function
// positions of applications, arguments (and list elements), and select bases.
const enum Level { Expr, Op, App, Arg, Simple }

class Printer {
  private readonly rnd: () => number;

  constructor(seed: number, private readonly minimal: boolean) {
    this.rnd = prng(seed);
  }

  /** Whitespace or comments between tokens; never empty, so tokens never fuse. */
  sp(): string {
    const r = this.rnd();
    if (r < 0.7) return ' ';
    if (this.minimal) return '\n';
    return [' /* c */ ', ' # c\n', '\n\t', '\r\n', ' /**/ '][Math.floor((r - 0.7) / 0.06)] ?? ' ';
  }

  private pick<T>(xs: T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)];
  }

  /** Prints `g` to stand where the grammar wants `level`, in parentheses if it must (or may). */
  print(g: G, level: Level): string {
    const { src, lvl } = this.bare(g);
    if (!this.minimal) return lvl === Level.Simple && this.rnd() < 0.5 ? src : `(${this.sp()}${src}${this.sp()})`;
    return lvl >= level ? src : `(${src})`;
  }

  /** An operand that may stand bare where `ok` says so. */
  private operand(g: G, ok: boolean): string {
    if (!this.minimal) return this.print(g, Level.Op);
    const src = this.bare(g).src;
    return ok ? src : `(${src})`;
  }

  private dq(value: string, interpolationFollows: boolean): string {
    let r = '';
    for (let i = 0; i < value.length; i++) {
      const c = value[i];
      if (c === '"' || c === '\\') r += '\\' + c;
      else if (c === '$' && (value[i + 1] === '{' || (i === value.length - 1 && interpolationFollows))) r += '\\$';
      else if (c === '\r') r += '\\r';
      // A raw CR, CRLF or LF all read as LF; a lone CR must not meet a following raw LF.
      else if (c === '\n') r += this.pick(value[i + 1] === '\n' ? ['\n', '\\n', '\r\n'] : ['\n', '\\n', '\r\n', '\r']);
      else if (c === '\t') r += this.pick(['\t', '\\t']);
      else r += c;
    }
    return r;
  }

  /**
   * An indented string whose every line is indented by k more spaces than its value has, so
   * stripping must remove exactly those: lines follow raw newlines and escaped ones (stripping
   * counts both), and the first character is raw or an escape at column k, which pins the
   * minimum indentation to k.
   */
  private ind(value: string): string {
    const k = Math.floor(this.rnd() * 4);
    const pad = ' '.repeat(k);
    let src = "''" + (k > 0 || this.rnd() < 0.3 ? this.pick(['\n', '  \n']) + pad : '');
    for (const t of indTokens(value)) {
      if (t.src === t.val) src += t.src.replace(/\n/g, '\n' + pad);
      else src += t.val === '\n' ? t.src + pad : t.src;
    }
    return src + "''";
  }

  private key(k: Key): string {
    if (k.k === 'dyn') {
      const inner = '${' + this.sp() + this.print(k.e, Level.Expr) + this.sp() + '}';
      return k.quoted ? `"${inner}"` : inner;
    }
    const bare = IDENT.test(k.name) && (!KEYWORDS.has(k.name) || k.name === 'or');
    if (k.style === 'bare' && bare) return k.name;
    if (k.style === 'interpolated') return '${' + this.sp() + '"' + this.dq(k.name, false) + '"' + this.sp() + '}';
    return '"' + this.dq(k.name, false) + '"';
  }

  private path(keys: Key[]): string {
    return keys.map((k) => this.key(k)).join(this.pick(['.', ' . ', '.']));
  }

  private binds(b: Binds): string {
    const s = (): string => this.sp();
    const name = (n: string): string => this.key({ k: 'static', name: n, style: this.pick(['bare', 'quoted'] as const) });
    const out: string[] = [];
    for (const en of b.entries) {
      if (en.kind === 'plain') {
        const p = en.tail.length > 0 ? name(en.name) + '.' + this.path(en.tail) : name(en.name);
        out.push(`${p}${s()}=${s()}${this.print(en.value, Level.Expr)}${s()};`);
      } else if (en.kind === 'inherit') {
        out.push(`inherit${s()}${name(en.name)}${s()};`);
      }
    }
    b.froms.forEach((from, i) => {
      const names = b.entries.filter((en) => en.kind === 'from' && en.group === i).map((en) => name(en.name));
      if (names.length > 0) out.push(`inherit${s()}(${this.print(from, Level.Expr)})${s()}${names.join(s())}${s()};`);
    });
    for (const d of b.dyn) {
      out.push(`${this.key({ k: 'dyn', e: d.key, quoted: d.quoted })}${s()}=${s()}${this.print(d.value, Level.Expr)};`);
    }
    return out.map((x) => x + s()).join('');
  }

  /** The source of `g` without outer parentheses, and the grammar level it stands at. */
  bare(g: G): { src: string; lvl: Level } {
    const s = (): string => this.sp();
    switch (g.t) {
      case 'int': return { src: g.text, lvl: Level.Arg };
      case 'float': return { src: g.text, lvl: Level.Arg };
      case 'uri': return { src: g.text, lvl: Level.Arg };
      case 'path': return { src: (g.abs ? '/' : './') + g.segs.join('/'), lvl: Level.Arg };
      case 'pathInterp':
        return { src: './' + g.segs.map((x) => x + '/').join('') + '${' + s() + this.print(g.e, Level.Expr) + s() + '}' + g.tail, lvl: Level.Arg };
      case 'spath': return { src: `<${g.name}>`, lvl: Level.Simple };
      case 'var': return { src: g.name, lvl: Level.Simple };
      case 'curPos': return { src: '__curPos', lvl: Level.Simple };
      case 'str':
        if (g.ind) return { src: this.ind(g.value), lvl: Level.Simple };
        return { src: '"' + this.dq(g.value, false) + '"', lvl: Level.Simple };
      case 'interp': {
        let src = '"';
        g.parts.forEach((p, i) => {
          if (typeof p === 'string') src += this.dq(p, i + 1 < g.parts.length);
          else src += '${' + s() + this.print(p, Level.Expr) + s() + '}';
        });
        return { src: src + '"', lvl: Level.Simple };
      }
      case 'select': {
        let src = this.print(g.e, Level.Simple) + s() + '.' + s() + this.path(g.path);
        if (g.def) src += s() + 'or' + s() + this.print(g.def, Level.Arg);
        return { src, lvl: Level.Arg };
      }
      case 'has':
        return { src: this.operand(g.e, okLeft(PREC_HAS, 'none', g.e)) + s() + '?' + s() + this.path(g.path), lvl: Level.Op };
      case 'attrs': return { src: (g.rec ? 'rec' + s() : '') + '{' + s() + this.binds(g.binds) + '}', lvl: Level.Simple };
      case 'legacyLet':
        return { src: 'let' + s() + '{' + s() + this.binds(g.binds) + 'body' + s() + '=' + s() + this.print(g.body, Level.Expr) + s() + ';' + s() + '}', lvl: Level.Simple };
      case 'list': return { src: '[' + s() + g.elems.map((x) => this.print(x, Level.Arg) + s()).join('') + ']', lvl: Level.Simple };
      case 'lambda': {
        let head: string;
        if (!g.formals) head = g.arg!;
        else {
          const items = g.formals.names.map((n, i) => {
            const d = g.formals!.defs[i];
            return d ? `${n}${s()}?${s()}${this.print(d, Level.Expr)}` : n;
          });
          if (g.formals.ellipsis) items.push('...');
          const set = '{' + s() + items.join(s() + ',' + s()) + (g.formals.trailingComma ? s() + ',' : '') + s() + '}';
          head = g.arg === undefined ? set : g.argFirst ? `${g.arg}${s()}@${s()}${set}` : `${set}${s()}@${s()}${g.arg}`;
        }
        return { src: head + s() + ':' + s() + this.print(g.body, Level.Expr), lvl: Level.Expr };
      }
      case 'call':
        return { src: [this.print(g.fn, Level.App), ...g.args.map((a) => this.print(a, Level.Arg))].join(s()), lvl: Level.App };
      case 'let':
        return { src: 'let' + s() + this.binds(g.binds) + 'in' + s() + this.print(g.body, Level.Expr), lvl: Level.Expr };
      case 'with': return { src: 'with' + s() + this.print(g.env, Level.Expr) + s() + ';' + s() + this.print(g.body, Level.Expr), lvl: Level.Expr };
      case 'if':
        return { src: `if${s()}${this.print(g.c, Level.Expr)}${s()}then${s()}${this.print(g.a, Level.Expr)}${s()}else${s()}${this.print(g.b, Level.Expr)}`, lvl: Level.Expr };
      case 'assert': return { src: 'assert' + s() + this.print(g.c, Level.Expr) + s() + ';' + s() + this.print(g.body, Level.Expr), lvl: Level.Expr };
      case 'not': return { src: '!' + s() + this.operand(g.e, opPrec(g.e) > PREC_NOT || g.e.t === 'not' || g.e.t === 'neg'), lvl: Level.Op };
      case 'neg': return { src: '-' + s() + this.operand(g.e, opPrec(g.e) === Infinity || g.e.t === 'neg'), lvl: Level.Op };
      case 'bin': {
        const [p, assoc] = PREC[g.op];
        const l = this.operand(g.l, okLeft(p, assoc, g.l));
        const r = this.operand(g.r, okRight(p, assoc, g.r));
        return { src: l + s() + g.op + s() + r, lvl: Level.Op };
      }
    }
  }
}

/** The precedence an expression binds with as an operand: Infinity for applications and tighter. */
function opPrec(g: G): number {
  switch (g.t) {
    case 'bin': return PREC[g.op][0];
    // `a ? b ? c` is valid Nix that this parser rejects (see parser.test.ts); keeping a has-attr
    // out of has-attr operands avoids testing the known defect here.
    case 'has': return PREC_HAS;
    case 'not': return PREC_NOT;
    case 'neg': return 12;
    case 'lambda': case 'let': case 'with': case 'if': case 'assert': return -1;
    default: return Infinity;
  }
}

// Whether an operand of an operator of precedence `p` can go without parentheses. A left
// operand may share the precedence only if the operator associates to the left, a right one
// only if it associates to the right; prefix operators stand wherever their own precedence
// allows; and a left operand whose text ends in a bare `! x` needs parentheses before an
// operator that binds tighter than `!`, which would otherwise join x.
function okLeft(p: number, assoc: 'left' | 'right' | 'none', x: G): boolean {
  const q = opPrec(x);
  const fits = q > p || (q === p && assoc === 'left' && x.t === 'bin') || x.t === 'neg';
  return fits && !(p > PREC_NOT && endsWithNot(x));
}

function okRight(p: number, assoc: 'left' | 'right' | 'none', x: G): boolean {
  const q = opPrec(x);
  return q > p || (q === p && assoc === 'right' && x.t === 'bin') || x.t === 'not' || x.t === 'neg';
}

/** Whether the minimal printing of `g` ends with an unparenthesised `! x`. */
function endsWithNot(g: G): boolean {
  if (g.t === 'not') return true;
  if (g.t === 'bin') {
    const [p, assoc] = PREC[g.op];
    return okRight(p, assoc, g.r) && endsWithNot(g.r);
  }
  return false;
}

// ---- properties

function parseShow(text: string): string {
  return showExpr(parse(new Source('/base/dir/gen.nix', text, BASE), { home: '/home/u' }));
}

describe('parsing printed random trees gives the tree back', () => {
  test('fully parenthesised, with random whitespace and comments', () => {
    fc.assert(
      fc.property(expr, fc.integer(), (g, seed) => {
        const text = new Printer(seed, false).print(g, Level.Expr);
        expect({ text, shown: parseShow(text) }).toEqual({ text, shown: expected(g) });
      }),
      { numRuns: 400 },
    );
  });

  test('with the fewest parentheses precedence allows', () => {
    fc.assert(
      fc.property(expr, fc.integer(), (g, seed) => {
        const text = new Printer(seed, true).print(g, Level.Expr);
        expect({ text, shown: parseShow(text) }).toEqual({ text, shown: expected(g) });
      }),
      { numRuns: 400 },
    );
  });

  test('operator-heavy trees with the fewest parentheses', () => {
    fc.assert(
      fc.property(opExpr, fc.integer(), (g, seed) => {
        const text = new Printer(seed, true).print(g, Level.Expr);
        expect({ text, shown: parseShow(text) }).toEqual({ text, shown: expected(g) });
      }),
      { numRuns: 500 },
    );
  });

  test('the model itself: a few fixed trees', () => {
    // Guards the model against drifting into agreement with a broken parser: these expected
    // strings come from nix-instantiate --parse.
    const x: G = { t: 'var', name: 'x' };
    const one: G = { t: 'int', text: '1', value: 1n };
    expect(expected({ t: 'bin', op: '>=', l: x, r: one })).toBe('(! (__lessThan x 1))');
    expect(expected({ t: 'call', fn: { t: 'neg', e: x }, args: [one] })).toBe('(__sub 0 x 1)');
    expect(expected({ t: 'str', value: "a'b", ind: true })).toBe('("a" + "\'" + "b")');
    expect(formatG('123457', 3)).toBe('1.23457e+08');
    expect(formatG('25', -8)).toBe('2.5e-07');
    expect(formatG('15', 2)).toBe('1500');
    expect(formatG('0015', -4)).toBe('0.0015');
  });
});

describe('arbitrary input raises nothing but ParseError', () => {
  function check(text: string): void {
    try {
      parse(new Source('/base/dir/junk.nix', text, BASE), { home: '/home/u' });
    } catch (e) {
      if (!(e instanceof ParseError)) throw new Error(`${String(e)} for ${JSON.stringify(text)}`);
      expect(e.pos).toBeDefined();
      expect(e.pos!.offset).toBeGreaterThanOrEqual(0);
      expect(e.pos!.offset).toBeLessThanOrEqual(text.length);
    }
  }

  test('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => check(Buffer.from(bytes).toString('latin1'))),
      { numRuns: 1500 },
    );
  });

  test('random sequences of Nix tokens', () => {
    const token = fc.constantFrom(
      'x', 'or', 'let', 'in', 'rec', 'inherit', 'if', 'then', 'else', 'assert', 'with', '__curPos',
      '1', '2.5', '9223372036854775808', '1e999', '"', '"a', '${', '}', '{', '(', ')', '[', ']', ';', ':', '=', ',', '@', '?',
      '...', '.', '+', '-', '*', '/', '//', '++', '==', '!=', '<', '>', '<=', '>=', '&&', '||', '->', '!', "''", "''$", "'''",
      './a', './a/', '/a', '~/a', '<a>', 'http://a', '#', '/*', '*/', '\\', '$', '\n', '\r', ' ', '|>', '<|', '\x00', '\xff',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), fc.constantFrom('', ' '), (toks, sep) => check(toks.join(sep))),
      { numRuns: 1500 },
    );
  });
});
