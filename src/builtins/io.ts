// Builtins that reach outside the evaluation, all through the evaluation's EvalIO
// (src/io/io.ts): import, scopedImport, readFile, readFileType, readDir, pathExists, hashFile,
// findFile and the search path (`<name>`, `__nixPath`), getEnv, currentTime, toPath; and the
// fetchers, which read local inputs only (paths, Git repositories, file:// URLs:
// src/fetchers/): nixeval never reaches the network.
//
// Semantics and messages follow C++ Nix 2.36 (src/libexpr/primops.cc, eval.cc).

import { createHash } from '../store/hash.js';
import { NixError } from '../errors/errors.js';
import {
  Builtin, type BuiltinContext, type BuiltinSpec, force, NixAttrs, NixPath, NixString, type Request, showType, Thunk, ThunkState, type Value,
  makeString,
} from '../value/values.js';
import { fetchLocalGit, NULL_REV, shortRev } from '../fetchers/git.js';
import { fetchLocalPath } from '../fetchers/path.js';
import { type Hash, newHashAllowEmpty, printHash } from '../store/hash.js';
import {
  baseNameOfUrl, checkURI, fetchFileFlat, fetchFileTree, fetchIOFor, fetchTarballTree, fileUrlPath, renderUrl,
} from '../fetchers/url.js';
import { percentEncode } from '../fetchers/percent-encoding.js';
import { badNameReason, storePathHashPart, toStorePath } from '../store/store-path.js';
import { storeState } from '../store/state.js';
import { internName, symbolTable } from '../value/symbols.js';
import { coercePeeled, coerceToString } from '../value/coerce.js';
import { canonicalisePath } from '../syntax/paths.js';
import { defineBuiltin } from './util.js';
import { getAttrCtx } from './lists.js';
import { attrsCtx, forceStringNoCtxAt, listCtx } from './force-args.js';
import {
  type IOEvalState, ioState, isUrlLike, notExist, RestrictedPathError, type SearchPathEntry,
} from '../io/io.js';
import { corepkgsDisplay, corepkgsLookup } from '../io/corepkgs.js';

type Gen<T = Value> = Generator<Request, T, Value>;

const REALISE_CTX = 'while realising the context of a path';

function addTrace(e: unknown, message: string): unknown {
  if (e instanceof NixError) e.addTrace(message);
  return e;
}

/**
 * C++ Nix's coerceToPath: a path value, a set's `__toString` result or `outPath` (each
 * coerced to a path in turn), or a string holding an absolute path.
 */
function* coerceToPath(v0: Value, errorCtx: string): Gen<{ s: string; context: ReadonlySet<string> | undefined }> {
  const v = yield* force(v0);
  if (v instanceof NixPath) return { s: v.path, context: undefined };
  if (v instanceof NixAttrs) {
    // Peeled here rather than by coerceToString: what they give may be a path value.
    const peeled = yield* coercePeeled(v, (u) => coerceToPath(u, errorCtx));
    if (peeled !== undefined) return peeled;
  }
  let r;
  try {
    r = yield* coerceToString(v, { coerceMore: false, copyToStore: false });
  } catch (e) {
    throw addTrace(e, errorCtx);
  }
  if (r.s === '' || !r.s.startsWith('/')) {
    throw new NixError('eval', `string '${r.s}' doesn't represent an absolute path`).addTrace(errorCtx);
  }
  return r;
}

/**
 * C++ Nix's realisePath: coerceToPath, canonicalised. A string whose context names a
 * derivation output would need that derivation built first: import from derivation, which
 * nixeval does not do.
 */
function* realisePath(v: Value, builtin: string, errorCtx = REALISE_CTX): Gen<{ path: string; context: ReadonlySet<string> | undefined }> {
  const r = yield* coerceToPath(v, errorCtx);
  if (r.context) {
    for (const c of r.context) {
      if (c.startsWith('!')) {
        const [, output, drv] = c.split('!');
        throw new NixError(
          'eval',
          `builtins.${builtin} cannot use '${r.s}': it needs '${drv}^${output}' built during evaluation (import from derivation), and nixeval computes derivations but never builds them`,
        );
      }
    }
  }
  return { path: canonicalisePath(r.s), context: r.context };
}

/**
 * The context of a file's contents read by readFile (C++ Nix's prim_readFile): for a file in
 * the store, the references of its store object that occur in the text (found by their hash
 * parts, as PathRefScanSink), as plain paths; none for a store object the evaluation did not
 * make (queryPathInfo failing) or a file outside the store. Not the argument's context: the
 * path's own store path is not one of its references.
 */
function fileReferences(state: BuiltinContext['state'], path: string, text: string): Set<string> | undefined {
  const sp = toStorePath(path, state.settings.storeDir);
  if (sp === undefined) return undefined;
  const refs = storeState(state).references.get(sp.storePath);
  if (refs === undefined) return undefined;
  let out: Set<string> | undefined;
  for (const r of refs) if (text.includes(storePathHashPart(r))) (out ??= new Set()).add(r);
  return out;
}

function* pathOf(v: Value, builtin: string): Gen<string> {
  return (yield* realisePath(v, builtin)).path;
}

// ---- the search path

/** The value of `__nixPath`: `[ { path; prefix; } ... ]`, paths as given. */
export function nixPathValue(entries: readonly SearchPathEntry[]): Value[] {
  return entries.map((e) => NixAttrs.fromMap(new Map<string, Value>([['path', e.path], ['prefix', e.prefix]])));
}

/** C++ Nix's LookupPath::Prefix::suffixIfPotentialMatch. */
function suffixIfMatch(prefix: string, name: string): string | undefined {
  const n = prefix.length;
  const needSeparator = n > 0 && n < name.length;
  if (needSeparator && name[n] !== '/') return undefined;
  if (!name.startsWith(prefix)) return undefined;
  return needSeparator ? name.slice(n + 1) : name.slice(n);
}

/** The search path entries an evaluation has warned about (a URL, a missing directory): once each. */
const warnedEntries = new WeakMap<IOEvalState, Set<string>>();

function warnEntryOnce(st: IOEvalState, entry: string, message: string): void {
  let warned = warnedEntries.get(st);
  if (!warned) warnedEntries.set(st, (warned = new Set()));
  if (warned.has(entry)) return;
  warned.add(entry);
  st.warn(message);
}

/** EvalState::findFile: the first search path entry that has `name`, symlinks resolved. */
export function findInSearchPath(st: IOEvalState, entries: readonly SearchPathEntry[], name: string): string {
  for (const e of entries) {
    const suffix = suffixIfMatch(e.prefix, name);
    if (suffix === undefined) continue;
    if (isUrlLike(e.path)) {
      warnEntryOnce(st, e.path, `Nix search path entry '${e.path}' is a URL; nixeval never downloads anything, ignoring it`);
      continue;
    }
    const root = e.path.startsWith('/') ? e.path : `${st.cwd}/${e.path}`;
    // resolveLookupPathPath: an entry whose path is not there is skipped, with a warning the
    // first time a lookup reaches it.
    if (st.io.stat(canonicalisePath(root)) === undefined) {
      warnEntryOnce(st, e.path, `Nix search path entry '${e.path}' does not exist, ignoring`);
      continue;
    }
    const candidate = canonicalisePath(suffix === '' ? root : `${root}/${suffix}`);
    if (st.io.stat(candidate) !== undefined) return st.io.realpath(candidate);
  }
  const core = corepkgsLookup(name);
  if (core !== undefined) return core;
  throw new NixError('throw', st.settings.pure
    ? `cannot look up '<${name}>' in pure evaluation mode (use '--impure' to override)`
    : `file '${name}' was not found in the Nix search path (add it using $NIX_PATH or -I)`);
}

/** Constants that depend on the evaluation: `nixPath`, and `currentTime` outside pure mode. */
export function ioConstants(st: IOEvalState): [string, Value][] {
  const out: [string, Value][] = [['nixPath', nixPathValue(st.searchPath)]];
  if (!st.settings.pure) {
    const clock: BuiltinSpec = defineBuiltin('currentTime', 1, () => st.io.currentTime());
    out.push(['currentTime', Thunk.apply(new Builtin(clock), [null])]);
  }
  return out;
}

// ---- fetchers

function noNetwork(builtin: string, what: string): NixError {
  return new NixError('eval', `builtins.${builtin} cannot fetch ${what}: nixeval never accesses the network`);
}

/** fetchurl / fetchTarball: the argument checked as C++ Nix's `fetch` checks it; a file:// URL read, any other refused. */
function* fetchUrlLike(builtin: 'fetchurl' | 'fetchTarball', arg0: Value, ctx: BuiltinContext): Gen {
  const warn = (m: string): void => ctx.state.warn(m);
  const arg = yield* force(arg0);
  let url: string | undefined;
  let name: string | undefined;
  let expected: Hash | undefined;
  const isArgAttrs = arg instanceof NixAttrs;
  if (arg instanceof NixAttrs) {
    // In symbol order, as C++ Nix's fetch walks the set, each frame at its attribute.
    for (const n of symbolTable().order(arg.keys())) {
      const at = arg.positions?.get(n);
      if (n === 'url') {
        url = yield* forceStringNoCtxAt(arg.get(n)!, 'while evaluating the url we should fetch', at);
      } else if (n === 'sha256') {
        expected = newHashAllowEmpty(yield* forceStringNoCtxAt(arg.get(n)!, 'while evaluating the sha256 of the content we should fetch', at), 'sha256', warn);
      } else if (n === 'name') {
        name = yield* forceStringNoCtxAt(arg.get(n)!, 'while evaluating the name of the content we should fetch', at);
      } else {
        throw new NixError('eval', `unsupported argument '${n}' to '${builtin}'`);
      }
    }
    if (url === undefined) throw new NixError('eval', "'url' argument required");
  } else {
    // forceStringNoCtx, as C++ Nix: not a path, nor a string with context.
    url = yield* forceStringNoCtxAt(arg, 'while evaluating the url we should fetch');
  }
  const st = ioState(ctx.state);
  const how = checkURI(st, url);
  const nameAttrPassed = name !== undefined;
  let storeName = name ?? (builtin === 'fetchTarball' ? 'source' : '');
  if (storeName === '') storeName = baseNameOfUrl(url);
  const bad = badNameReason(storeName);
  if (bad !== undefined) {
    const advice = nameAttrPassed
      ? `Please change the value for the 'name' attribute passed to '${builtin}', so that it can create a valid store path.`
      : isArgAttrs
        ? `Please add a valid 'name' attribute to the argument for '${builtin}', so that it can create a valid store path.`
        : `Please pass an attribute set with 'url' and 'name' attributes to '${builtin}',  so that it can create a valid store path.`;
    throw new NixError('eval', `invalid store path name when fetching URL '${url}': ${bad}. ${advice}`);
  }
  if (st.settings.pure && expected === undefined) throw new NixError('eval', `in pure evaluation mode, '${builtin}' requires a 'sha256' argument`);
  const path = fileUrlPath(url);
  if (path === undefined) {
    if (builtin === 'fetchTarball' && /^file:(?!\/)/i.test(url)) throw relativeTarball(url, renderUrl(url));
    throw noNetwork(builtin, `'${url}'`);
  }
  const io = fetchIOFor(st, how, expected !== undefined);
  if (builtin === 'fetchurl') {
    const { storePath, hash } = fetchFileFlat(ctx.state, io, path, url, storeName);
    if (expected !== undefined && !sameHash(hash, expected)) {
      throw new NixError('eval', `hash mismatch in file downloaded from '${url}':\n  specified: ${printHash(expected, 'nix32', true)}\n  got:       ${printHash(hash, 'nix32', true)}`);
    }
    return new NixString(storePath, new Set([storePath]));
  }
  // fetchTarball: the tarball input scheme, its NAR hash checked as an input's (checkLocks).
  const shown = renderUrl(url, expected === undefined ? new Map() : new Map([['narHash', printHash(expected, 'sri')]]));
  let tree;
  try {
    tree = yield* fetchTarballTree(ctx.state, io, path, url, storeName);
    const got = printHash(tree.narHash, 'sri');
    if (expected !== undefined && !sameHash(tree.narHash, expected)) {
      throw new NixError('eval', `NAR hash mismatch in input '${shown}', expected '${printHash(expected, 'sri')}' but got '${got}'`);
    }
  } catch (e) {
    throw addTrace(e, `while fetching the input '${shown}'`);
  }
  return new NixString(tree.storePath, new Set([tree.storePath]));
}

function sameHash(a: Hash, b: Hash): boolean {
  return a.algo === b.algo && Buffer.from(a.bytes).equals(Buffer.from(b.bytes));
}

/** A fetcher argument's value, as C++ Nix's fetchTree reads it: a string, a Boolean or a number. */
type FetchAttr = string | boolean | bigint;

/**
 * C++ Nix's fetchTree argument: the attributes of a set (paths and strings coerced without
 * copying, Booleans, non-negative integers), or a URL string. `type` is read before (fetchType)
 * and given; the others are forced in symbol order, as C++ Nix walks the set (the first
 * error is theirs), and kept in the set's order.
 */
function* fetchArgs(arg: NixAttrs, fetcher: string, type?: string): Generator<Request, Map<string, FetchAttr>, Value> {
  const read = new Map<string, FetchAttr>();
  if (type !== undefined) read.set('type', type);
  for (const k of symbolTable().order(arg.keys())) {
    if (k === 'type') continue;
    const v = yield* force(arg.get(k)!);
    if (typeof v === 'boolean') {
      read.set(k, v);
    } else if (typeof v === 'number' || typeof v === 'bigint') {
      if (v < 0) throw new NixError('eval', `negative value given for '${fetcher}' argument '${k}': ${v}`);
      read.set(k, BigInt(v));
    } else if (typeof v === 'string' || v instanceof NixString || v instanceof NixPath) {
      read.set(k, (yield* coerceToString(v, { coerceMore: false, copyToStore: false })).s);
    } else {
      throw new NixError('type', `argument '${k}' to '${fetcher}' is ${showType(v)} while a string, Boolean or integer is expected`);
    }
  }
  const out = new Map<string, FetchAttr>();
  for (const k of arg.keys()) if (read.has(k)) out.set(k, read.get(k)!);
  return out;
}

/**
 * fetchTree's `type`, read first as C++ Nix does: forceStringNoCtx at the attribute, with its
 * line; missing, an error before any other attribute is forced.
 */
function* fetchType(arg: NixAttrs): Gen<string> {
  const v = arg.get('type');
  if (v === undefined) throw new NixError('eval', "argument 'type' is missing in call to 'fetchTree'");
  return yield* forceStringNoCtxAt(v, "while evaluating the `type` argument passed to 'fetchTree'", arg.positions?.get('type'));
}

function* fetchTree(arg0: Value, ctx: BuiltinContext): Gen {
  const arg = yield* force(arg0);
  if (arg instanceof NixAttrs) {
    const type = yield* fetchType(arg);
    const attrs = yield* fetchArgs(arg, 'fetchTree', type);
    if (type === 'git' && !attrs.has('shallow')) attrs.set('shallow', true);
    if (attrs.has('name')) throw new NixError('eval', "argument 'name' isn\u2019t supported in call to 'fetchTree'");
    if (type === 'git') return yield* fetchGitTree(attrs, ctx, 'fetchTree');
    if (type === 'path') return yield* fetchPathTree(attrs, ctx);
    if (type === 'file' || type === 'tarball') return yield* fetchUrlTree(type, attrs, ctx);
    const url = attrs.get('url');
    throw noNetwork('fetchTree', url !== undefined ? `'${url}'` : `an input of type '${type}'`);
  }
  const url = (yield* coerceToString(arg, { coerceMore: false, copyToStore: false })).s;
  if (ctx.state.settings.experimentalFeatures?.has('flakes') !== true) {
    throw new NixError('eval', "passing a string argument to 'fetchTree' requires the 'flakes' experimental feature");
  }
  const m = /^(?:git\+|tarball\+)?file:(?!\/)(.*)$/.exec(url);
  if (m && !url.startsWith('file://')) {
    throw new NixError('eval', `tarball '${url}' must use an absolute path. The 'file' scheme does not support relative paths.`)
      .addTrace(`while fetching the input '${url}'`);
  }
  const curl = /^(?:(file|tarball)\+)?(file:.*)$/is.exec(url);
  if (curl) {
    // The curl input schemes' URLs: `file+` or `tarball+`, or a tarball's extension, says which.
    const type = curl[1]?.toLowerCase() ?? (TARBALL_EXTENSION.test(curl[2].replace(/[?#].*$/s, '')) ? 'tarball' : 'file');
    return yield* fetchUrlTree(type as 'file' | 'tarball', urlInputAttrs(type, curl[2]), ctx);
  }
  throw noNetwork('fetchTree', `'${url}'`);
}

/** downloadTarball_'s error for a file URL with a relative path, with getAccessor's line. */
function relativeTarball(url: string, shown: string): NixError {
  return new NixError('eval', `tarball '${url}' must use an absolute path. The 'file' scheme does not support relative paths.`)
    .addTrace(`while fetching the input '${shown}'`);
}

/** C++ Nix's CurlInputScheme::hasTarballExtension. */
const TARBALL_EXTENSION = /\.(zip|tar|tgz|tar\.gz|tar\.xz|tar\.bz2|tar\.zst)$/;

/** The input a curl scheme's URL makes (inputFromURL): its narHash, rev, revCount and lastModified taken from the query. */
function urlInputAttrs(type: string, url: string): Map<string, FetchAttr> {
  const attrs = new Map<string, FetchAttr>([['type', type]]);
  const q = url.indexOf('?');
  if (q < 0) {
    attrs.set('url', url);
    return attrs;
  }
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const kept: string[] = [];
  for (const kv of query.split('&')) {
    const eq = kv.indexOf('=');
    const k = eq < 0 ? kv : decodeURIComponent(kv.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(kv.slice(eq + 1));
    if (k === 'narHash' || k === 'rev') attrs.set(k, v);
    else if (k === 'revCount' || k === 'lastModified') { if (/^[0-9]+$/.test(v)) attrs.set(k, BigInt(v)); }
    else if (kv !== '') kept.push(kv);
  }
  attrs.set('url', `${url.slice(0, q)}${kept.length > 0 ? `?${kept.join('&')}` : ''}${hash < 0 ? '' : url.slice(hash)}`);
  return attrs;
}

/** The attributes C++ Nix's curl input schemes (file, tarball) accept. */
const URL_INPUT_ATTRS = new Set(['type', 'url', 'narHash', 'name', 'unpack', 'rev', 'revCount', 'lastModified', '__final']);

/**
 * fetchTree { type = "file" | "tarball"; url = "file:///…"; }: a local file (NAR-hashed) or
 * tarball (unpacked), read as fetchurl and fetchTarball read it (src/fetchers/url.ts).
 */
function* fetchUrlTree(type: 'file' | 'tarball', attrs: Map<string, FetchAttr>, ctx: BuiltinContext): Gen {
  for (const k of attrs.keys()) {
    if (!URL_INPUT_ATTRS.has(k)) throw new NixError('eval', `input attribute '${k}' not supported by scheme '${type}'`);
  }
  const url = inputStrAttr(attrs, 'url');
  const st = ioState(ctx.state);
  const narHashAttr = maybeInputStrAttr(attrs, 'narHash');
  const expected = narHashAttr === undefined ? undefined : newHashAllowEmpty(narHashAttr, 'sha256', (m) => st.warn(m));
  const shown = renderUrl(url, expected === undefined ? new Map() : new Map([['narHash', printHash(expected, 'sri')]]));
  if (st.settings.pure && expected === undefined) {
    throw new NixError('eval', `in pure evaluation mode, 'fetchTree' doesn't fetch unlocked input '${shown}'`);
  }
  const how = checkURI(st, shown);
  const path = fileUrlPath(url);
  if (path === undefined) {
    if (type === 'tarball' && /^file:(?!\/)/i.test(url)) throw relativeTarball(url, shown);
    throw noNetwork('fetchTree', `'${url}'`);
  }
  const io = fetchIOFor(st, how, expected !== undefined);
  const name = maybeInputStrAttr(attrs, 'name') ?? 'source';
  let tree: { storePath: string; narHash: Hash; lastModified?: number };
  try {
    tree = type === 'file'
      ? yield* fetchFileTree(ctx.state, io, path, url, name)
      : yield* fetchTarballTree(ctx.state, io, path, url, name);
    if (expected !== undefined && !sameHash(tree.narHash, expected)) {
      throw new NixError('eval', `NAR hash mismatch in input '${shown}', expected '${printHash(expected, 'sri')}' but got '${printHash(tree.narHash, 'sri')}'`);
    }
  } catch (e) {
    throw addTrace(e, `while fetching the input '${shown}'`);
  }
  return fetchedTreeAttrs(tree.storePath, printHash(tree.narHash, 'sri'), attrs, tree.lastModified || undefined);
}

/**
 * The set fetchTree gives for a local tree: outPath, narHash, the input's rev and revCount,
 * and lastModified (the input's own, which C++ Nix trusts, else the tree's if it has one).
 */
function fetchedTreeAttrs(storePath: string, narHash: string, attrs: Map<string, FetchAttr>, treeLastModified: number | undefined): NixAttrs {
  const out = new Map<string, Value>();
  out.set('outPath', new NixString(storePath, new Set([storePath])));
  out.set('narHash', narHash);
  const rev = attrs.get('rev');
  if (rev !== undefined) {
    out.set('rev', String(rev));
    out.set('shortRev', shortRev(String(rev)));
  }
  const revCount = attrs.get('revCount');
  if (revCount !== undefined) out.set('revCount', revCount);
  const given = attrs.get('lastModified');
  const lastModified = typeof given === 'bigint' ? Number(given) : treeLastModified;
  if (lastModified !== undefined) {
    out.set('lastModified', typeof given === 'bigint' ? given : lastModified);
    out.set('lastModifiedDate', utcTimestamp(lastModified));
  }
  return NixAttrs.fromMap(out);
}

/** The attributes C++ Nix's path input scheme accepts. */
const PATH_INPUT_ATTRS = new Set(['type', 'path', 'rev', 'revCount', 'lastModified', 'narHash', '__final']);

/** An input as C++ Nix's Input::to_string shows it: its URL, the other attributes as the query. */
function inputUrl(scheme: string, location: string, attrs: Map<string, FetchAttr>, leftOut: string[]): string {
  const query = [...attrs.keys()].filter((k) => !leftOut.includes(k)).sort()
    .map((k) => `${percentEncode(k, ':@/?')}=${percentEncode(String(attrs.get(k)), ':@/?')}`);
  const path = location.split('/').map((segment) => percentEncode(segment, ':@')).join('/');
  return `${scheme}:${path}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/** fetchTree { type = "path"; path = "/abs"; }: a local tree (src/fetchers/path.ts). */
function* fetchPathTree(attrs: Map<string, FetchAttr>, ctx: BuiltinContext): Gen {
  for (const k of attrs.keys()) {
    if (!PATH_INPUT_ATTRS.has(k)) throw new NixError('eval', `input attribute '${k}' not supported by scheme 'path'`);
  }
  const path = attrs.get('path');
  if (path === undefined) throw new NixError('eval', "input attribute 'path' is missing");
  if (typeof path !== 'string') throw new NixError('eval', "input attribute 'path' is not a string");
  const url = inputUrl('path', path, attrs, ['type', 'path', '__final']);
  if (!path.startsWith('/')) throw new NixError('eval', `cannot fetch input '${url}' because it uses a relative path`);
  const st = ioState(ctx.state);
  if (st.settings.pure && !attrs.has('narHash')) {
    throw new NixError('eval', `in pure evaluation mode, 'fetchTree' doesn't fetch unlocked input '${url}'`);
  }
  const how = checkURI(st, url);
  const tree = yield* fetchLocalPath(ctx.state, fetchIOFor(st, how, attrs.has('narHash')), canonicalisePath(path));
  const narHash = printHash(tree.narHash, 'sri');
  const expected = attrs.get('narHash');
  if (expected !== undefined && expected !== narHash) {
    throw new NixError('eval', `NAR hash mismatch in input '${url}', expected '${expected}' but got '${narHash}'`);
  }
  return fetchedTreeAttrs(tree.storePath, narHash, attrs, tree.lastModified);
}

function* fetchGit(arg0: Value, ctx: BuiltinContext): Gen {
  const arg = yield* force(arg0);
  let attrs: Map<string, FetchAttr>;
  if (arg instanceof NixAttrs) {
    if (arg.has('type')) throw new NixError('eval', "unexpected argument 'type'");
    attrs = yield* fetchArgs(arg, 'fetchGit');
  } else {
    try {
      attrs = new Map([['url', (yield* coerceToString(arg, { coerceMore: false, copyToStore: false })).s]]);
    } catch (e) {
      throw addTrace(e, "while evaluating the first argument passed to 'fetchGit'");
    }
  }
  return yield* fetchGitTree(attrs, ctx, 'fetchGit');
}

/** The attributes C++ Nix's git input scheme accepts. */
const GIT_INPUT_ATTRS = new Set([
  'type', 'url', 'ref', 'rev', 'shallow', 'submodules', 'lfs', 'exportIgnore', 'lastModified', 'revCount', 'narHash',
  'allRefs', 'name', 'dirtyRev', 'dirtyShortRev', 'verifyCommit', 'keytype', 'publicKey', 'publicKeys',
]);

/**
 * The local path a Git URL names (C++ Nix's fixGitURL): an absolute path, or a file:// or
 * git+file:// URL. Any other URL would need the network.
 */
function localGitPath(url: string, fetcher: string): string {
  if (url.startsWith('/')) return url;
  const m = /^(?:git\+)?file:(?:\/\/)?(\/[^?#]*)$/.exec(url);
  if (m) return decodeURIComponent(m[1]);
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || /^[^/]*:/.test(url)) throw noNetwork(fetcher, `'${url}'`);
  throw new NixError('eval', `'${url}' is not a valid URL`);
}

/**
 * The input's attributes as C++ Nix's fetchGit makes them before the git scheme reads them:
 * its `type`, and `exportIgnore` unless submodules are fetched.
 */
function withFetchGitDefaults(attrs: Map<string, FetchAttr>): Map<string, FetchAttr> {
  const all = new Map<string, FetchAttr>([['type', 'git'], ...attrs]);
  const url = all.get('url');
  if (typeof url === 'string') all.set('url', gitUrlShown(url));
  if (!all.has('exportIgnore') && all.get('submodules') !== true) all.set('exportIgnore', true);
  return all;
}

/**
 * A git input as C++ Nix's GitInputScheme::toURL shows it: its url (fixGitURL'd) with `git+`
 * before a scheme other than git, and as its query the revision, ref and the flags set.
 */
function gitInputUrl(all: Map<string, FetchAttr>): string {
  const url = gitUrlShown(String(all.get('url')));
  const query = new Map<string, string>();
  const rev = all.get('rev');
  if (typeof rev === 'string') query.set('rev', rev);
  const ref = all.get('ref');
  if (typeof ref === 'string') query.set('ref', ref);
  for (const flag of ['shallow', 'lfs', 'submodules', 'exportIgnore', 'verifyCommit']) {
    if (all.get(flag) === true) query.set(flag, '1');
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  if (scheme === undefined) return url;
  return renderUrl(url, query, scheme === 'git' ? scheme : `git+${scheme}`);
}

/** What a URL path segment holds as it is besides the unreserved characters (RFC 3986 pchar). */
const URL_PATH_KEEP = "!$&'()*+,;=:@";

/**
 * The url as fetchGit keeps it among the input's attributes (C++ Nix's fixGitURL, rendered):
 * an absolute path becomes a file:// URL, and `git+` is dropped from a scheme. Only shown in
 * messages: the repository is found from the url as given (localGitPath).
 */
function gitUrlShown(url: string): string {
  if (url.startsWith('/')) return `file://${url.split('/').map((segment) => percentEncode(segment, URL_PATH_KEEP)).join('/')}`;
  return url.replace(/^git\+(?=[a-z][a-z0-9+.-]*:)/i, '');
}

/**
 * C++ Nix's maybeGetStrAttr of an input's attributes (libfetchers/attrs.cc): undefined when
 * absent; when not a string, the attributes shown as JSON (keys in order, as its std::map).
 */
function maybeInputStrAttr(attrs: Map<string, FetchAttr>, name: string): string | undefined {
  const v = attrs.get(name);
  if (v === undefined || typeof v === 'string') return v;
  const json = [...attrs.keys()].sort().map((k) => {
    const a = attrs.get(k)!;
    return `${JSON.stringify(k)}:${typeof a === 'bigint' ? a.toString() : JSON.stringify(a)}`;
  });
  throw new NixError('eval', `input attribute '${name}' is not a string {${json.join(',')}}`);
}

/** C++ Nix's getStrAttr: maybeInputStrAttr of an attribute that must be there. */
function inputStrAttr(attrs: Map<string, FetchAttr>, name: string): string {
  const v = maybeInputStrAttr(attrs, name);
  if (v === undefined) throw new NixError('eval', `input attribute '${name}' is missing`);
  return v;
}

/** C++ Nix's maybeGetBoolAttr, with a default for an absent attribute. */
function inputBoolAttr(attrs: Map<string, FetchAttr>, name: string, fallback: boolean): boolean {
  const v = attrs.get(name);
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new NixError('eval', `input attribute '${name}' is not a Boolean`);
  return v;
}

/** C++ Nix's maybeGetIntAttr (only its type check: the values are the fetched tree's). */
function checkInputIntAttr(attrs: Map<string, FetchAttr>, name: string): void {
  const v = attrs.get(name);
  if (v !== undefined && typeof v !== 'bigint') throw new NixError('eval', `input attribute '${name}' is not an integer`);
}

/** fetchGit and fetchTree { type = "git"; }: a local repository's tree (src/fetchers/git.ts). */
function* fetchGitTree(attrs: Map<string, FetchAttr>, ctx: BuiltinContext, fetcher: 'fetchGit' | 'fetchTree'): Gen {
  for (const k of attrs.keys()) {
    if (!GIT_INPUT_ATTRS.has(k)) throw new NixError('eval', `input attribute '${k}' not supported by scheme 'git'`);
  }
  // The attributes are read in the order of C++ Nix's GitInputScheme::inputFromAttrs and
  // fixupInput, so that of two bad ones the same is reported.
  const all = fetcher === 'fetchGit' ? withFetchGitDefaults(attrs) : attrs;
  inputBoolAttr(all, 'verifyCommit', false);
  const ref = maybeInputStrAttr(all, 'ref');
  inputStrAttr(all, 'url');
  const url = attrs.get('url') as string;
  const shallow = inputBoolAttr(all, 'shallow', false);
  const submodules = inputBoolAttr(all, 'submodules', false);
  inputBoolAttr(all, 'allRefs', false);
  checkInputIntAttr(all, 'revCount');
  checkInputIntAttr(all, 'lastModified');
  const str = (name: string): string | undefined => maybeInputStrAttr(all, name);
  const st = ioState(ctx.state);
  const input = {
    path: canonicalisePath(localGitPath(url, fetcher)),
    ref,
    rev: str('rev'),
    shallow,
    submodules,
    // fetchGit leaves out what export-ignore marks, unless it fetches submodules.
    exportIgnore: inputBoolAttr(all, 'exportIgnore', fetcher === 'fetchGit' && !submodules),
    name: str('name') ?? 'source',
  };
  const shown = gitInputUrl(all);
  const locked = input.rev !== undefined && input.rev !== NULL_REV;
  if (st.settings.pure && !locked) {
    if (!attrs.has('narHash')) throw new NixError('eval', `in pure evaluation mode, '${fetcher}' doesn't fetch unlocked input '${shown}'`);
    st.warn(`Input '${shown}' is unlocked (e.g. lacks a Git revision) but is checked by NAR hash. This is not reproducible and will break after garbage collection or when shared.`);
  }
  const how = checkURI(st, shown);
  const settings = st.settings;
  const tree = yield* fetchLocalGit(st, fetchIOFor(st, how, locked || attrs.has('narHash')), input, {
    allowDirty: settings.allowDirty ?? true,
    warnDirty: settings.warnDirty ?? true,
    warn: (m) => st.warn(m),
  });
  const narHash = printHash(tree.narHash, 'sri');
  const expected = str('narHash');
  if (expected !== undefined && expected !== narHash) {
    throw new NixError('eval', `NAR hash mismatch in input '${shown}', expected '${expected}' but got '${narHash}'`)
      .addTrace(`while fetching the input '${shown}'`);
  }
  const out = new Map<string, Value>();
  out.set('outPath', new NixString(tree.storePath, new Set([tree.storePath])));
  out.set('narHash', narHash);
  out.set('submodules', submodules);
  // fetchGit gives a dirty tree an all-zero revision and count (emptyRevFallback).
  const rev = tree.rev ?? (fetcher === 'fetchGit' ? NULL_REV : undefined);
  if (rev !== undefined) {
    out.set('rev', rev);
    out.set('shortRev', shortRev(rev));
  }
  const revCount = tree.revCount ?? (fetcher === 'fetchGit' ? 0 : undefined);
  if (revCount instanceof NixError) {
    const failing = defineBuiltin('revCount', 1, () => { throw revCount; });
    out.set('revCount', Thunk.apply(new Builtin(failing), [null]));
  } else if (revCount !== undefined) {
    out.set('revCount', revCount);
  }
  if (tree.dirtyRev !== undefined) {
    out.set('dirtyRev', `${tree.dirtyRev}-dirty`);
    out.set('dirtyShortRev', `${shortRev(tree.dirtyRev)}-dirty`);
  }
  out.set('lastModified', tree.lastModified);
  out.set('lastModifiedDate', utcTimestamp(tree.lastModified));
  return NixAttrs.fromMap(out);
}

/** %Y%m%d%H%M%S in UTC, as C++ Nix's lastModifiedDate. */
function utcTimestamp(seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
}

function* fetchOther(builtin: string, arg0: Value): Gen {
  const arg = yield* force(arg0);
  let what = 'anything';
  if (arg instanceof NixAttrs) {
    const url = arg.get('url') ?? arg.get('fromPath') ?? arg.get('fromStore');
    if (url !== undefined) what = `'${(yield* coerceToString(url, { coerceMore: false, copyToStore: false })).s}'`;
  } else {
    what = `'${(yield* coerceToString(arg, { coerceMore: false, copyToStore: false })).s}'`;
  }
  throw noNetwork(builtin, what);
}

// ---- the builtins

const HASH_ALGOS: Record<string, string> = { md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' };

export const ioBuiltins: BuiltinSpec[] = [
  defineBuiltin('import', 1, function* ([v], ctx) {
    const path = yield* pathOf(v, 'import');
    const file = ctx.state.importFile(path);
    // C++ Nix's evalFile: an error evaluating the file (not one memoised by an earlier import,
    // nor one met importing it again while it is evaluated) gets this line, without a position.
    if (!(file instanceof Thunk) || file.state !== ThunkState.Pending) return yield* force(file);
    try {
      return yield* force(file);
    } catch (e) {
      if (e instanceof NixError) {
        const resolved = ctx.state.resolveExprPath(path);
        const line = { message: `while evaluating the file '${corepkgsDisplay(resolved) ?? resolved}':` };
        // Inside the file's evaluation: before the line its thunk adds when it is the one found under evaluation.
        const last = e.trace.length - 1;
        if (e.blackhole === file && last >= 0 && e.trace[last].message === 'entering the infinite recursion') e.trace.splice(last, 0, line);
        else e.addFrame(line);
      }
      throw e;
    }
  }, { doc: 'Evaluates the Nix file at a path (a directory means its default.nix); once per evaluation.' }),

  defineBuiltin('scopedImport', 2, function* ([scope0, file], ctx) {
    // The path first, then the scope, as C++ Nix.
    const path = yield* pathOf(file, 'scopedImport');
    const scope = attrsCtx(yield* force(scope0), 'while evaluating the first argument passed to builtins.scopedImport');
    return yield* ioState(ctx.state).scopedImport(path, scope);
  }, { lazy: [0, 1], doc: 'Like import, with the attributes of a set in scope in the file.' }),

  defineBuiltin('readFile', 1, function* ([v], ctx) {
    const { path } = yield* realisePath(v, 'readFile');
    const s = ioState(ctx.state).io.readFile(path);
    if (s.includes('\0')) throw new NixError('eval', `the contents of the file '${path}' cannot be represented as a Nix string`);
    return makeString(s, fileReferences(ctx.state, path, s));
  }, { doc: 'The contents of a file, as a string.' }),

  defineBuiltin('readFileType', 1, function* ([v], ctx) {
    const path = yield* pathOf(v, 'readFileType');
    const t = ioState(ctx.state).io.lstat(path);
    if (t === undefined) throw notExist(path);
    return t;
  }, { doc: 'The type of a path: "regular", "directory", "symlink" or "unknown".' }),

  defineBuiltin('readDir', 1, function* ([v], ctx) {
    const path = yield* pathOf(v, 'readDir');
    const entries = ioState(ctx.state).io.readDir(path);
    const map = new Map<string, Value>();
    // C++ Nix makes each entry's symbol here, in the order of its sorted listing (primops.cc
    // prim_readDir: attrs.alloc(name) / symbols.create(name)).
    const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, t] of sorted) map.set(internName(name), t);
    return NixAttrs.fromMap(map);
  }, { doc: 'The entries of a directory and their types.' }),

  defineBuiltin('pathExists', 1, function* ([v0], ctx) {
    const st = ioState(ctx.state);
    const v = yield* force(v0);
    const raw = typeof v === 'string' ? v : v instanceof NixString ? v.s : undefined;
    const mustBeDir = raw !== undefined && (raw.endsWith('/') || raw.endsWith('/.'));
    const path = yield* pathOf(v, 'pathExists');
    // The store is always there, even when nothing is in it (nothing is ever written to it).
    if (path === canonicalisePath(st.settings.storeDir)) return true;
    try {
      return mustBeDir ? st.io.stat(path) === 'directory' : st.io.lstat(path) !== undefined;
    } catch (e) {
      // As in C++ Nix, a path the evaluation may not see does not exist for pathExists.
      if (e instanceof RestrictedPathError) return false;
      throw e;
    }
  }, { doc: 'Whether a path exists.' }),

  defineBuiltin('hashFile', 2, function* ([algo0, file], ctx) {
    const algo = yield* forceStringNoCtxAt(algo0, 'while evaluating the first argument passed to builtins.hashFile');
    const node = HASH_ALGOS[algo];
    if (node === undefined) {
      if (algo === 'blake3') throw new NixError('eval', `hash algorithm 'blake3' is not supported by nixeval`);
      throw new NixError('eval', `unknown hash algorithm '${algo}', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'`);
    }
    const path = yield* pathOf(file, 'hashFile');
    const bytes = ioState(ctx.state).io.readFile(path);
    return createHash(node).update(Buffer.from(bytes, 'latin1')).digest('hex');
  }, { lazy: [0, 1], doc: 'The hash of a file\'s contents, in base 16.' }),

  defineBuiltin('findFile', 2, function* ([list0, name0], ctx) {
    const st = ioState(ctx.state);
    const list = listCtx(yield* force(list0), 'while evaluating the first argument passed to builtins.findFile');
    const entries: SearchPathEntry[] = [];
    for (const e0 of list) {
      const e = attrsCtx(yield* force(e0), 'while evaluating an element of the list passed to builtins.findFile');
      let prefix = '';
      const p = e.get('prefix');
      if (p !== undefined) {
        prefix = yield* forceStringNoCtxAt(p, 'while evaluating the `prefix` attribute of an element of the list passed to builtins.findFile');
      }
      const pathV = getAttrCtx(e, 'path', 'in an element of the __nixPath');
      let path: string;
      try {
        path = (yield* coerceToString(pathV, { coerceMore: false, copyToStore: false })).s;
      } catch (err) {
        if (err instanceof NixError && err.kind === 'type') err.addTrace('while evaluating the `path` attribute of an element of the list passed to builtins.findFile');
        throw err;
      }
      entries.push({ prefix, path });
    }
    const name = yield* forceStringNoCtxAt(name0, 'while evaluating the second argument passed to builtins.findFile');
    return new NixPath(findInSearchPath(st, entries, name));
  }, { lazy: [0, 1], doc: 'Looks a name up in a search path (what `<name>` does).' }),

  defineBuiltin('getEnv', 1, function* ([v], ctx) {
    const name = yield* forceStringNoCtxAt(v, 'while evaluating the first argument passed to builtins.getEnv');
    const st = ioState(ctx.state);
    if (!st.envAllowed(name)) return '';
    return st.io.getEnv(name) ?? '';
  }, { lazy: [0], doc: 'An environment variable, if the evaluation allows it; otherwise "".' }),

  defineBuiltin('toPath', 1, function* ([v]) {
    const { path, context } = yield* realisePath(v, 'toPath', 'while evaluating the first argument passed to builtins.toPath');
    return makeString(path, context);
  }, { doc: 'An absolute path string, canonicalised (deprecated).' }),

  defineBuiltin('fetchurl', 1, ([v], ctx) => fetchUrlLike('fetchurl', v, ctx), { lazy: [0], doc: 'A local file (a file:// URL), added to the store flat; other URLs fail: nixeval never accesses the network.' }),
  defineBuiltin('fetchTarball', 1, ([v], ctx) => fetchUrlLike('fetchTarball', v, ctx), { lazy: [0], doc: 'A local tarball (a file:// URL, tar or tar.gz) unpacked; other URLs fail: nixeval never accesses the network.' }),
  defineBuiltin('fetchGit', 1, ([v], ctx) => fetchGit(v, ctx), { lazy: [0], doc: 'A local Git repository\'s tree (never the network).' }),
  defineBuiltin('fetchMercurial', 1, ([v]) => fetchOther('fetchMercurial', v), { lazy: [0], doc: 'Fails: nixeval never accesses the network.' }),
  defineBuiltin('fetchClosure', 1, ([v]) => fetchOther('fetchClosure', v), {
    lazy: [0], doc: 'Fails: nixeval never accesses a binary cache.', experimentalFeature: 'fetch-closure',
  }),
  defineBuiltin('fetchTree', 1, ([v], ctx) => fetchTree(v, ctx), {
    lazy: [0], doc: 'A local Git repository\'s tree (type "git") or a local path (type "path"); other inputs fail: nixeval never accesses the network.',
    experimentalFeature: 'fetch-tree',
  }),
];
