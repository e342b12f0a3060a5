// `builtins.parseFlakeRef` and `builtins.flakeRefToString`: flake references as C++ Nix 2.36
// parses and prints them (libflake flakeref.cc, libfetchers' input schemes, libutil url.cc).
//
// A flake reference is an input of one of the fetcher schemes (file, git, github, gitlab, hg,
// indirect, path, sourcehut, tarball) plus an optional subdirectory `dir`. Parsing tries, in
// order: a flake ID (`nixpkgs/branch`), a URL (`github:o/r`, `git+https://...`), an absolute
// path. Nothing is fetched and the file system is never consulted (the builtins pass no base
// directory). Strings are byte strings, so percent-encoding works on bytes.

import { NixError } from '../errors/errors.js';
import { force, NixAttrs, NixString, showType, type BuiltinSpec, type Value } from '../value/values.js';
import { defineBuiltin } from './util.js';
import { jsonString } from '../value/json.js';
import { forceAttrs, forceStringNoCtx, type Gen } from './strings-args.js';
import { parseAnyHash, parseHashAlgo, printHash, type Hash } from './strings-hash.js';
import { percentDecode as percentDecodeBytes, percentEncode } from '../fetchers/percent-encoding.js';

// ---- errors

/** A fetcher error. `badURL` marks C++'s `BadURL`, which the URL parser's caller catches. */
class FetchError extends Error {
  constructor(message: string, readonly badURL = false) {
    super(message);
  }
}

const badURL = (message: string): FetchError => new FetchError(message, true);
const error = (message: string): FetchError => new FetchError(message);

function experimentalError(feature: string): FetchError {
  return error(`experimental Nix feature '${feature}' is disabled; add '--extra-experimental-features ${feature}' to enable it`);
}

type Warn = (message: string) => void;

// ---- fetcher attributes: strings, unsigned integers, Booleans

type Attr = string | bigint | boolean;
type Attrs = Map<string, Attr>;

function sortedKeys<T>(m: Map<string, T>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `attrsToJSON(attrs).dump()`: compact, keys sorted. */
function attrsToJSON(attrs: Attrs): string {
  return '{' + sortedKeys(attrs).map((k) => {
    const v = attrs.get(k)!;
    return jsonString(k) + ':' + (typeof v === 'string' ? jsonString(v) : String(v));
  }).join(',') + '}';
}

function maybeGetStrAttr(attrs: Attrs, name: string): string | undefined {
  const v = attrs.get(name);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  throw error(`input attribute '${name}' is not a string ${attrsToJSON(attrs)}`);
}

function getStrAttr(attrs: Attrs, name: string): string {
  const s = maybeGetStrAttr(attrs, name);
  if (s === undefined) throw error(`input attribute '${name}' is missing`);
  return s;
}

function maybeGetIntAttr(attrs: Attrs, name: string): bigint | undefined {
  const v = attrs.get(name);
  if (v === undefined) return undefined;
  if (typeof v === 'bigint') return v;
  throw error(`input attribute '${name}' is not an integer`);
}

function maybeGetBoolAttr(attrs: Attrs, name: string): boolean | undefined {
  const v = attrs.get(name);
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  throw error(`input attribute '${name}' is not a Boolean`);
}

/** `attrsToQuery`: integers in decimal, Booleans as 1/0. */
function attrsToQuery(attrs: Attrs): Map<string, string> {
  const q = new Map<string, string>();
  for (const [k, v] of attrs) q.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  return q;
}

/** `string2Int<uint64_t>`. */
function parseUint64(s: string): bigint | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < 2n ** 64n ? n : undefined;
}

// ---- hashes

function isUsageError(e: unknown): boolean {
  return e instanceof NixError && (e.message.includes("\nTry '") || e.message.startsWith('experimental Nix feature'));
}

/** `Input::getRev`: a prefixed hash (`sha1:…`, `sha1-…`), else a bare SHA-1. */
function parseRev(s: string): Hash {
  const sep = s.includes(':') ? s.indexOf(':') : s.indexOf('-');
  if (sep >= 0) {
    try {
      return parseAnyHash(s, undefined);
    } catch (e) {
      if (isUsageError(e)) throw e;
    }
  }
  return parseAnyHash(s, 'sha1');
}

function gitRev(h: Hash): string {
  return printHash(h, 'base16', false);
}

/** `Input::getNarHash`: SRI, SHA-256 only; the empty string is the null hash. */
function parseNarHash(s: string): Hash {
  let h: Hash;
  if (s === '') {
    h = { algo: 'sha256', bytes: new Uint8Array(32) };
  } else {
    const sep = s.indexOf('-');
    if (sep < 0) throw error(`hash '${s}' is not SRI`);
    const algo = parseHashAlgo(s.slice(0, sep));
    h = parseAnyHash(`${algo}-${s.slice(sep + 1)}`, undefined);
  }
  if (h.algo !== 'sha256') throw error("narHash must use SHA-256\nTry 'nix-instantiate --help' for more information.");
  return h;
}

function getRev(attrs: Attrs): Hash | undefined {
  const s = maybeGetStrAttr(attrs, 'rev');
  return s === undefined ? undefined : parseRev(s);
}

function getNarHash(attrs: Attrs): Hash | undefined {
  const s = maybeGetStrAttr(attrs, 'narHash');
  return s === undefined ? undefined : parseNarHash(s);
}

// ---- URLs (RFC 3986, as boost::urls parses them)

type HostType = 'name' | 'ipv4' | 'ipv6' | 'ipvfuture';

interface Authority {
  hostType: HostType;
  host: string;
  user?: string;
  password?: string;
  port?: number;
}

interface ParsedURL {
  scheme: string;
  authority?: Authority;
  /** Decoded segments: "/a/b" is ["", "a", "b"], "" is [""]. */
  path: string[];
  query: Map<string, string>;
  fragment: string;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const SUB_DELIMS = "!$&'()*+,;=";

function isUnreserved(c: string): boolean {
  return UNRESERVED.test(c);
}


function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && /[0-9a-fA-F]/.test(c);
}

/** Whether `s` consists of characters allowed by `allowed` and well-formed %XX escapes. */
function validEncoded(s: string, allowed: (c: string) => boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%') {
      if (!isHexDigit(s[i + 1]) || !isHexDigit(s[i + 2])) return false;
      i += 2;
    } else if (!allowed(c)) return false;
  }
  return true;
}

function pctError(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') continue;
    if (i + 1 >= s.length || (i + 2 >= s.length && isHexDigit(s[i + 1]))) return 'incomplete pct-encoding';
    if (!isHexDigit(s[i + 1]) || !isHexDigit(s[i + 2])) return 'bad hexdig in pct-encoding';
    i += 2;
  }
  return undefined;
}

/** `percentDecode`: refuses a malformed escape. */
function percentDecode(s: string): string {
  const e = pctError(s);
  if (e !== undefined) throw badURL(`invalid URI parameter '${s}': ${e}`);
  return percentDecodeBytes(s);
}

const isPchar = (c: string): boolean => isUnreserved(c) || SUB_DELIMS.includes(c) || c === ':' || c === '@';
const isQueryChar = (c: string): boolean => isPchar(c) || c === '/' || c === '?';

/** `percentEncodeCharSet`: encodes just the given characters. */
function encodeChars(s: string, chars: string): string {
  let r = '';
  for (const c of s) r += chars.includes(c) ? percentEncode(c) : c;
  return r;
}

/** `decodeQuery`: `a=b&c=d`, the first of repeated names winning; a name without `=` is skipped with a warning. */
function decodeQuery(query: string, lenient: boolean, warn: Warn): Map<string, string> {
  const q = lenient ? encodeChars(query, ' "') : query;
  if (!validEncoded(q, isQueryChar)) throw badURL(`invalid URI query '${query}': ${pctError(q) ?? 'leftover'}`);
  const result = new Map<string, string>();
  if (q === '') return result;
  for (const param of q.split('&')) {
    const eq = param.indexOf('=');
    if (eq < 0) {
      warn(`dubious URI query '${percentDecodeBytes(param)}' is missing equal sign '=', ignoring`);
      continue;
    }
    const key = percentDecodeBytes(param.slice(0, eq));
    if (!result.has(key)) result.set(key, percentDecodeBytes(param.slice(eq + 1)));
  }
  return result;
}

const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4 = new RegExp(`^${DEC_OCTET}\\.${DEC_OCTET}\\.${DEC_OCTET}\\.${DEC_OCTET}$`);

function invalidURL(url: string, why = 'leftover'): FetchError {
  return badURL(`'${url}' is not a valid URL: ${why}`);
}

/** `ParsedURL::Authority::parse` of the text between `//` and the path. */
function parseAuthority(text: string, url: string): Authority {
  let userinfo: string | undefined;
  let rest = text;
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    userinfo = text.slice(0, at);
    rest = text.slice(at + 1);
    if (!validEncoded(userinfo, (c) => isUnreserved(c) || SUB_DELIMS.includes(c) || c === ':')) throw invalidURL(url);
  }
  let hostText: string;
  let portText: string | undefined;
  let hostType: HostType;
  let host: string;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw invalidURL(url);
    hostText = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (after[0] !== ':') throw invalidURL(url);
      portText = after.slice(1);
    }
    if (/^[vV][0-9a-fA-F]+\./.test(hostText)) hostType = 'ipvfuture';
    else if (/^[0-9a-fA-F:.]+$/.test(hostText) && hostText.includes(':')) hostType = 'ipv6';
    else throw invalidURL(url);
    host = hostText;
  } else {
    const colon = rest.indexOf(':');
    hostText = colon < 0 ? rest : rest.slice(0, colon);
    if (colon >= 0) portText = rest.slice(colon + 1);
    if (!validEncoded(hostText, (c) => isUnreserved(c) || SUB_DELIMS.includes(c))) throw invalidURL(url);
    hostType = IPV4.test(hostText) ? 'ipv4' : 'name';
    host = percentDecodeBytes(hostText);
  }
  if (portText !== undefined && !/^[0-9]*$/.test(portText)) throw invalidURL(url);
  let port: number | undefined;
  if (portText !== undefined && portText !== '') {
    const n = Number(portText);
    if (!(n > 0 && n <= 65535)) throw badURL(`port '${portText}' is invalid`);
    port = n;
  }
  const a: Authority = { hostType, host, port };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    a.user = percentDecodeBytes(colon < 0 ? userinfo : userinfo.slice(0, colon));
    if (colon >= 0) a.password = percentDecodeBytes(userinfo.slice(colon + 1));
  }
  return a;
}

function authorityToString(a: Authority): string {
  let s = '';
  if (a.user !== undefined) {
    s += percentEncode(a.user);
    if (a.password !== undefined) s += ':' + percentEncode(a.password);
    s += '@';
  }
  switch (a.hostType) {
    case 'name': s += percentEncode(a.host); break;
    case 'ipv4': s += a.host; break;
    default: s += '[' + percentEncode(a.host, ':') + ']';
  }
  if (a.port !== undefined) s += ':' + a.port;
  return s;
}

function parseUrlScheme(scheme: string): { application?: string; transport: string } {
  const plus = scheme.indexOf('+');
  return plus < 0 ? { transport: scheme } : { application: scheme.slice(0, plus), transport: scheme.slice(plus + 1) };
}

/** `parseURL`. `lenient` lets spaces and quotes through in the query and fragment. */
function parseURL(url: string, lenient = false, warn: Warn = () => {}): ParsedURL {
  let s = url;
  if (lenient) {
    let fixed = '';
    let view = url;
    const q = view.indexOf('?');
    if (q >= 0) {
      fixed += view.slice(0, q + 1);
      view = view.slice(q + 1);
      const h = view.indexOf('#');
      fixed += encodeChars(h < 0 ? view : view.slice(0, h), ' "');
      view = h < 0 ? '' : view.slice(h);
    }
    const h = view.indexOf('#');
    if (h >= 0) fixed += view.slice(0, h + 1) + encodeChars(view.slice(h + 1), ' "^');
    else fixed += view;
    s = fixed;
  }

  // URI-reference: an absolute URI when a valid scheme comes before the first ':'.
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
  let rest = m ? s.slice(m[0].length) : s;
  let fragment: string | undefined;
  let query: string | undefined;
  const h = rest.indexOf('#');
  if (h >= 0) {
    fragment = rest.slice(h + 1);
    rest = rest.slice(0, h);
  }
  const qm = rest.indexOf('?');
  if (qm >= 0) {
    query = rest.slice(qm + 1);
    rest = rest.slice(0, qm);
  }
  let authorityText: string | undefined;
  let path = rest;
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/\//);
    authorityText = end < 0 ? rest.slice(2) : rest.slice(2, 2 + end);
    path = end < 0 ? '' : rest.slice(2 + end);
  }
  if (!validEncoded(path, (c) => isPchar(c) || c === '/')) throw invalidURL(url, pctError(path) ?? 'leftover');
  if (!m && path.split('/')[0].includes(':')) throw invalidURL(url);
  if (query !== undefined && !validEncoded(query, isQueryChar)) throw invalidURL(url, pctError(query) ?? 'leftover');
  if (fragment !== undefined && !validEncoded(fragment, isQueryChar)) throw invalidURL(url, pctError(fragment) ?? 'leftover');
  const authority = authorityText === undefined ? undefined : parseAuthority(authorityText, url);
  if (!m) throw badURL(`'${s}' doesn't have a scheme`);

  const scheme = m[1];
  const transportIsFile = parseUrlScheme(scheme).transport === 'file';
  if (authority && authority.host !== '' && transportIsFile) {
    throw badURL(`file:// URL '${s}' has unexpected authority '${authorityToString(authority)}'`);
  }
  return {
    scheme,
    authority,
    path: path.split('/').map(percentDecodeBytes),
    query: query === undefined ? new Map() : decodeQuery(query, lenient, warn),
    fragment: fragment === undefined ? '' : percentDecodeBytes(fragment),
  };
}

/** `ParsedURL::to_string`. */
function urlToString(u: ParsedURL): string {
  let s = u.scheme + ':';
  if (u.authority) s += '//' + authorityToString(u.authority);
  s += u.path.map((p) => percentEncode(p, ':@')).join('/');
  if (u.query.size > 0) {
    s += '?' + sortedKeys(u.query).map((k) => percentEncode(k, ':@/?') + '=' + percentEncode(u.query.get(k)!, ':@/?')).join('&');
  }
  if (u.fragment !== '') s += '#' + percentEncode(u.fragment);
  return s;
}

function cloneURL(u: ParsedURL): ParsedURL {
  return { ...u, path: [...u.path], query: new Map(u.query) };
}

function pathSegments(u: ParsedURL): string[] {
  return u.path.filter((p) => p !== '');
}

/** `renderUrlPathEnsureLegal`. */
function renderUrlPathEnsureLegal(path: string[]): string {
  for (const comp of path) {
    if (comp.includes('/')) throw badURL(`URL path component '${comp}' contains '/', which is not allowed in file names`);
    if (comp.includes('\0')) throw badURL(`URL path component '${comp.replace(/\0/g, '\xe2\x90\x80')}' contains NUL byte which is not allowed`);
  }
  return path.join('/');
}

/** SCP-style Git URLs (`user@host:path`), as ssh:// URLs. */
function tryParseScpStyle(url: string, warn: Warn): ParsedURL | undefined {
  if (url.includes('://')) return undefined;
  const firstColon = url.indexOf(':');
  if (firstColon < 0) return undefined;
  let hostPart = url.slice(0, firstColon);
  if (hostPart.includes('/')) return undefined;
  const gitSchemes = ['ssh', 'http', 'https', 'file', 'ftp', 'ftps', 'git'];
  if (gitSchemes.includes(hostPart) || gitSchemes.some((g) => hostPart === 'git+' + g)) return undefined;
  let bracketStart = -1;
  const atBracket = url.indexOf('@[');
  if (atBracket >= 0) bracketStart = atBracket + 1;
  else if (url.startsWith('[')) bracketStart = 0;
  if (bracketStart >= 0) {
    const close = url.indexOf(']', bracketStart + 1);
    if (close >= 0) {
      if (url[close + 1] === ':') hostPart = url.slice(0, close + 1);
      else return undefined;
    }
  }
  const pathView = url.slice(hostPart.length + 1);
  let host = hostPart;
  let user: string | undefined;
  const at = host.indexOf('@');
  if (at >= 0) {
    user = host.slice(0, at);
    host = host.slice(at + 1);
  }
  let authority: Authority;
  if (IPV4.test(host)) authority = { hostType: 'ipv4', host };
  else if (host.startsWith('[') && host.endsWith(']')) {
    const inner = host.slice(1, -1);
    if (!/^[0-9a-fA-F:.]+$/.test(inner) || !inner.includes(':')) {
      throw badURL(`Git SCP bracketed URL is not valid: '${inner}' is not a valid IPv6 address`);
    }
    authority = { hostType: 'ipv6', host: inner.toLowerCase() };
  } else authority = { hostType: 'name', host };
  if (user !== undefined) authority.user = user;
  if (pathView === '') throw badURL(`SCP-style Git URL '${url}' has an empty path`);
  const res: ParsedURL = { scheme: 'ssh', authority, path: pathView.split('/'), query: new Map(), fragment: '' };
  if (res.path.length > 0 && res.path[0] !== '') {
    res.path.unshift('');
    if (!res.path[1].startsWith('~')) {
      const sshTilde = cloneURL(res);
      sshTilde.path.splice(1, 0, '~');
      warn(
        `SCP-style URL '${url}' has a relative path which cannot be faithfully converted to an SSH URL: `
        + 'we will convert it to an absolute path when making an SSH URL.\n\n'
        + `Use an explicit absolute path:\n\n    ${hostPart}:/${pathView}\n\n`
        + `or with an explicit SSH URL:\n\n    ${urlToString(res)}\n\n`
        + 'instead, to explicitly use an absolute path (and silence this warning). '
        + `Or, to be relative to the remote user's home directory:\n\n    ${hostPart}:~/${pathView}\n\n`
        + `or with an explicit SSH URL:\n\n    ${urlToString(sshTilde)}`,
      );
    }
  }
  return res;
}

/** `fixGitURL`: absolute paths become file:// URLs, SCP-style ones ssh://, and `git+` is dropped. */
function fixGitURL(url: string, warn: Warn): ParsedURL {
  if (url.startsWith('/')) {
    return { scheme: 'file', authority: { hostType: 'name', host: '' }, path: url.split('/'), query: new Map(), fragment: '' };
  }
  const scp = tryParseScpStyle(url, warn);
  if (scp) return scp;
  const parsed = parseURL(url);
  const scheme = parseUrlScheme(parsed.scheme);
  if (scheme.application === 'git') parsed.scheme = scheme.transport;
  return parsed;
}

// ---- Git ref names (libgit2's rules, as `isLegalRefName` applies them)

function allCapsAndUnderscore(s: string): boolean {
  return s.length > 0 && /^[A-Z_]+$/.test(s) && s[0] !== '_' && s[s.length - 1] !== '_';
}

/** `git_reference_name_is_valid` (one-level names allowed when all caps, like HEAD). */
function refNameIsValid(name: string): boolean {
  if (name === '') return false;
  const segments = name.split('/');
  for (const seg of segments) {
    if (seg === '') return false;
    if (seg.startsWith('.')) return false;
    for (let i = 0; i < seg.length; i++) {
      const c = seg.charCodeAt(i);
      if (c <= 0x20 || '~^:\\?[*'.includes(seg[i])) return false;
      if (i > 0 && seg[i - 1] === '.' && seg[i] === '.') return false;
      if (i > 0 && seg[i - 1] === '@' && seg[i] === '{') return false;
    }
    if (seg.endsWith('.lock')) return false;
  }
  if (name.endsWith('.')) return false;
  if (segments.length === 1) return allCapsAndUnderscore(name);
  return !allCapsAndUnderscore(segments[0]);
}

function isLegalRefName(name: string): boolean {
  if (name === '@' || name.includes('\x7f')) return false;
  if (refNameIsValid(name)) return true;
  if (name[0] !== '-' && name !== 'HEAD' && refNameIsValid('refs/heads/' + name)) return true;
  return name[0] !== '-' && refNameIsValid('refs/tags/' + name);
}

const REV_REGEX = /^[0-9a-fA-F]{40}$/;
const REF_REGEX = /^[a-zA-Z0-9@][a-zA-Z0-9_./@+-]*$/;
const FLAKE_ID_REGEX = /^[a-zA-Z][a-zA-Z0-9_-]*$/;
const HOST_REGEX = /^[a-zA-Z0-9.-]*$/;

// ---- input schemes

interface InputScheme {
  name: string;
  allowedAttrs: ReadonlySet<string>;
  /** The input for a URL of this scheme, or undefined when the URL is not one. */
  fromURL(url: ParsedURL, requireTree: boolean, warn: Warn): Attrs | undefined;
  /** Validates (and may normalise) the attributes of an input of this scheme. */
  fromAttrs(attrs: Attrs, warn: Warn): Attrs;
  toURL(attrs: Attrs): ParsedURL;
}

function newURL(scheme: string, path: string[], authority?: Authority): ParsedURL {
  return { scheme, authority, path, query: new Map(), fragment: '' };
}

function gitArchiveScheme(name: string): InputScheme {
  const scheme: InputScheme = {
    name,
    allowedAttrs: new Set(['owner', 'repo', 'ref', 'rev', 'narHash', 'lastModified', 'host', 'treeHash']),
    fromURL(url, _requireTree, warn) {
      if (url.scheme !== name) return undefined;
      const path = pathSegments(url);
      let rev: string | undefined;
      let ref: string | undefined;
      let host: string | undefined;
      if (path.length === 3) {
        if (REV_REGEX.test(path[2])) rev = path[2];
        else ref = path[2];
      } else if (path.length > 3) {
        ref = path.slice(2).join('/');
      } else if (path.length < 2) {
        throw badURL(`URL '${urlToString(url)}' is invalid`);
      }
      for (const [k, v] of url.query) {
        if (k === 'rev') {
          if (rev !== undefined) throw badURL(`URL '${urlToString(url)}' contains multiple commit hashes`);
          rev = v;
        } else if (k === 'ref') {
          if (ref !== undefined) throw badURL(`URL '${urlToString(url)}' contains multiple branch/tag names`);
          ref = v;
        } else if (k === 'host') host = v;
      }
      const attrs: Attrs = new Map([['type', name], ['owner', path[0]], ['repo', path[1]]]);
      if (rev !== undefined) attrs.set('rev', rev);
      if (ref !== undefined) attrs.set('ref', ref);
      if (host !== undefined) attrs.set('host', host);
      const narHash = url.query.get('narHash');
      if (narHash !== undefined) attrs.set('narHash', narHash);
      return scheme.fromAttrs(attrs, warn);
    },
    fromAttrs(attrs) {
      getStrAttr(attrs, 'owner');
      getStrAttr(attrs, 'repo');
      const ref = maybeGetStrAttr(attrs, 'ref');
      const rev = maybeGetStrAttr(attrs, 'rev');
      if (ref !== undefined && rev !== undefined) {
        throw badURL(`input ${attrsToJSON(attrs)} contains both a commit hash ('${rev}') and a branch/tag name ('${ref}')`);
      }
      if (rev !== undefined) parseAnyHash(rev, 'sha1');
      if (ref !== undefined && !isLegalRefName(ref)) throw badURL(`input ${attrsToJSON(attrs)} contains an invalid branch/tag name`);
      const host = maybeGetStrAttr(attrs, 'host');
      if (host !== undefined && !HOST_REGEX.test(host)) throw badURL(`input ${attrsToJSON(attrs)} contains an invalid instance host`);
      return attrs;
    },
    toURL(attrs) {
      const path = [getStrAttr(attrs, 'owner'), getStrAttr(attrs, 'repo')];
      const ref = maybeGetStrAttr(attrs, 'ref');
      const rev = getRev(attrs);
      if (ref !== undefined) path.push(ref);
      if (rev !== undefined) path.push(gitRev(rev));
      const url = newURL(name, path);
      const narHash = getNarHash(attrs);
      if (narHash) url.query.set('narHash', printHash(narHash, 'sri', true));
      const host = maybeGetStrAttr(attrs, 'host');
      if (host !== undefined) url.query.set('host', host);
      return url;
    },
  };
  return scheme;
}

const gitScheme: InputScheme = {
  name: 'git',
  allowedAttrs: new Set([
    'url', 'ref', 'rev', 'shallow', 'submodules', 'lfs', 'exportIgnore', 'lastModified', 'revCount', 'narHash',
    'allRefs', 'name', 'dirtyRev', 'dirtyShortRev', 'verifyCommit', 'keytype', 'publicKey', 'publicKeys',
  ]),
  fromURL(url, _requireTree, warn) {
    if (url.scheme !== 'git' && parseUrlScheme(url.scheme).application !== 'git') return undefined;
    const url2 = cloneURL(url);
    url2.query = new Map();
    const attrs: Attrs = new Map([['type', 'git']]);
    for (const [k, v] of url.query) {
      if (['rev', 'ref', 'keytype', 'publicKey', 'publicKeys'].includes(k)) attrs.set(k, v);
      else if (['shallow', 'submodules', 'lfs', 'exportIgnore', 'allRefs', 'verifyCommit'].includes(k)) attrs.set(k, v === '1');
      else url2.query.set(k, v);
    }
    attrs.set('url', urlToString(url2));
    return gitScheme.fromAttrs(attrs, warn);
  },
  fromAttrs(attrs, warn) {
    for (const k of sortedKeys(attrs)) {
      if (['verifyCommit', 'keytype', 'publicKey', 'publicKeys'].includes(k)) throw experimentalError('verified-fetches');
    }
    const ref = maybeGetStrAttr(attrs, 'ref');
    if (ref !== undefined && !isLegalRefName(ref)) throw badURL(`invalid Git branch/tag name '${ref}'`);
    const res = new Map(attrs);
    res.set('url', urlToString(fixGitURL(getStrAttr(attrs, 'url'), warn)));
    maybeGetBoolAttr(res, 'shallow');
    maybeGetBoolAttr(res, 'submodules');
    maybeGetBoolAttr(res, 'allRefs');
    return res;
  },
  toURL(attrs) {
    const url = parseURL(getStrAttr(attrs, 'url'));
    if (url.scheme !== 'git') url.scheme = 'git+' + url.scheme;
    const rev = getRev(attrs);
    if (rev) url.query.set('rev', gitRev(rev));
    const ref = maybeGetStrAttr(attrs, 'ref');
    if (ref !== undefined) url.query.set('ref', ref);
    if (maybeGetBoolAttr(attrs, 'shallow')) url.query.set('shallow', '1');
    if (maybeGetBoolAttr(attrs, 'lfs')) url.query.set('lfs', '1');
    if (maybeGetBoolAttr(attrs, 'submodules')) url.query.set('submodules', '1');
    if (maybeGetBoolAttr(attrs, 'exportIgnore')) url.query.set('exportIgnore', '1');
    return url;
  },
};

const hgScheme: InputScheme = {
  name: 'hg',
  allowedAttrs: new Set(['url', 'ref', 'rev', 'revCount', 'narHash', 'name']),
  fromURL(url, _requireTree, warn) {
    if (!['hg+http', 'hg+https', 'hg+ssh', 'hg+file'].includes(url.scheme)) return undefined;
    const url2 = cloneURL(url);
    url2.scheme = url.scheme.slice(3);
    url2.query = new Map();
    const attrs: Attrs = new Map([['type', 'hg']]);
    for (const [k, v] of url.query) {
      if (k === 'rev' || k === 'ref') attrs.set(k, v);
      else url2.query.set(k, v);
    }
    attrs.set('url', urlToString(url2));
    return hgScheme.fromAttrs(attrs, warn);
  },
  fromAttrs(attrs) {
    parseURL(getStrAttr(attrs, 'url'));
    const ref = maybeGetStrAttr(attrs, 'ref');
    if (ref !== undefined && !REF_REGEX.test(ref)) throw badURL(`invalid Mercurial branch/tag name '${ref}'`);
    return attrs;
  },
  toURL(attrs) {
    const url = parseURL(getStrAttr(attrs, 'url'));
    url.scheme = 'hg+' + url.scheme;
    const rev = getRev(attrs);
    if (rev) url.query.set('rev', gitRev(rev));
    const ref = maybeGetStrAttr(attrs, 'ref');
    if (ref !== undefined) url.query.set('ref', ref);
    return url;
  },
};

const indirectScheme: InputScheme = {
  name: 'indirect',
  allowedAttrs: new Set(['id', 'ref', 'rev', 'narHash']),
  fromURL(url) {
    if (url.scheme !== 'flake') return undefined;
    const path = pathSegments(url);
    const show = urlToString(url);
    let rev: Hash | undefined;
    let ref: string | undefined;
    if (path.length === 1) {
      // just the ID
    } else if (path.length === 2) {
      if (REV_REGEX.test(path[1])) rev = parseAnyHash(path[1], 'sha1');
      else if (isLegalRefName(path[1])) ref = path[1];
      else throw badURL(`in flake URL '${show}', '${path[1]}' is not a commit hash or branch/tag name`);
    } else if (path.length === 3) {
      if (!isLegalRefName(path[1])) throw badURL(`in flake URL '${show}', '${path[1]}' is not a branch/tag name`);
      ref = path[1];
      if (!REV_REGEX.test(path[2])) throw badURL(`in flake URL '${show}', '${path[2]}' is not a commit hash`);
      rev = parseAnyHash(path[2], 'sha1');
    } else {
      throw badURL(`GitHub URL '${show}' is invalid`);
    }
    const id = path[0];
    if (!FLAKE_ID_REGEX.test(id)) throw badURL(`'${id}' is not a valid flake ID`);
    const attrs: Attrs = new Map([['type', 'indirect'], ['id', id]]);
    if (rev) attrs.set('rev', gitRev(rev));
    if (ref !== undefined) attrs.set('ref', ref);
    return attrs;
  },
  fromAttrs(attrs) {
    const id = getStrAttr(attrs, 'id');
    if (!FLAKE_ID_REGEX.test(id)) throw badURL(`'${id}' is not a valid flake ID`);
    return attrs;
  },
  toURL(attrs) {
    const path = [getStrAttr(attrs, 'id')];
    const ref = maybeGetStrAttr(attrs, 'ref');
    if (ref !== undefined) path.push(ref);
    const rev = getRev(attrs);
    if (rev) path.push(gitRev(rev));
    return newURL('flake', path);
  },
};

const pathScheme: InputScheme = {
  name: 'path',
  allowedAttrs: new Set(['path', 'rev', 'revCount', 'lastModified', 'narHash']),
  fromURL(url) {
    if (url.scheme !== 'path') return undefined;
    if (url.authority && url.authority.host !== '') {
      throw error(`path URL '${urlToString(url)}' should not have an authority ('${authorityToString(url.authority)}')`);
    }
    const attrs: Attrs = new Map([['type', 'path'], ['path', renderUrlPathEnsureLegal(url.path)]]);
    for (const [k, v] of url.query) {
      if (k === 'rev' || k === 'narHash') attrs.set(k, v);
      else if (k === 'revCount' || k === 'lastModified') {
        const n = parseUint64(v);
        if (n === undefined) throw error(`path URL '${urlToString(url)}' has invalid parameter '${k}'`);
        attrs.set(k, n);
      } else throw error(`path URL '${urlToString(url)}' has unsupported parameter '${k}'`);
    }
    return attrs;
  },
  fromAttrs(attrs) {
    getStrAttr(attrs, 'path');
    return attrs;
  },
  toURL(attrs) {
    const query = attrsToQuery(attrs);
    query.delete('path');
    query.delete('type');
    query.delete('__final');
    const url = newURL('path', getStrAttr(attrs, 'path').split('/'));
    url.query = query;
    return url;
  },
};

const TARBALL_EXTENSIONS = ['.zip', '.tar', '.tgz', '.tar.gz', '.tar.xz', '.tar.bz2', '.tar.zst'];

function curlScheme(name: 'file' | 'tarball'): InputScheme {
  const allowedAttrs = new Set(['url', 'narHash', 'name', 'unpack', 'rev', 'revCount', 'lastModified']);
  const isValidURL = (url: ParsedURL, requireTree: boolean): boolean => {
    const s = parseUrlScheme(url.scheme);
    if (!['file', 'http', 'https'].includes(s.transport)) return false;
    if (s.application !== undefined) return s.application === name;
    const last = url.path.length > 0 ? url.path[url.path.length - 1] : undefined;
    const hasTarballExtension = last !== undefined && TARBALL_EXTENSIONS.some((e) => last.endsWith(e));
    return name === 'file' ? !requireTree && !hasTarballExtension : requireTree || hasTarballExtension;
  };
  return {
    name,
    allowedAttrs,
    fromURL(url0, requireTree) {
      if (!isValidURL(url0, requireTree)) return undefined;
      const url = cloneURL(url0);
      url.scheme = parseUrlScheme(url.scheme).transport;
      const attrs: Attrs = new Map();
      const narHash = url.query.get('narHash');
      if (narHash !== undefined) attrs.set('narHash', narHash);
      const rev = url.query.get('rev');
      if (rev !== undefined) attrs.set('rev', rev);
      for (const k of ['revCount', 'lastModified']) {
        const v = url.query.get(k);
        const n = v === undefined ? undefined : parseUint64(v);
        if (n !== undefined) attrs.set(k, n);
      }
      for (const k of allowedAttrs) url.query.delete(k);
      attrs.set('type', name);
      attrs.set('url', urlToString(url));
      return attrs;
    },
    fromAttrs(attrs) {
      return attrs;
    },
    toURL(attrs) {
      const url = parseURL(getStrAttr(attrs, 'url'));
      const narHash = getNarHash(attrs);
      if (narHash) url.query.set('narHash', printHash(narHash, 'sri', true));
      return url;
    },
  };
}

/** Registered schemes in the order C++ Nix tries them (a map by name). */
const SCHEMES: InputScheme[] = [
  curlScheme('file'), gitScheme, gitArchiveScheme('github'), gitArchiveScheme('gitlab'), hgScheme, indirectScheme,
  pathScheme, gitArchiveScheme('sourcehut'), curlScheme('tarball'),
];

interface Input {
  scheme: InputScheme | undefined;
  attrs: Attrs;
}

/** `fixupInput`: the common attributes must have their types. */
function fixupInput(attrs: Attrs): void {
  getStrAttr(attrs, 'type');
  maybeGetStrAttr(attrs, 'ref');
  maybeGetIntAttr(attrs, 'revCount');
  maybeGetIntAttr(attrs, 'lastModified');
}

function inputFromURL(url: ParsedURL, requireTree: boolean, warn: Warn): Input {
  for (const scheme of SCHEMES) {
    const attrs = scheme.fromURL(url, requireTree, warn);
    if (attrs) {
      fixupInput(attrs);
      return { scheme, attrs };
    }
  }
  const s = parseUrlScheme(url.scheme);
  if (s.application === 'file' && s.transport === 'git') {
    throw error(`input '${urlToString(url)}' is unsupported; did you mean 'git+file' instead of 'file+git'?`);
  }
  throw error(`input '${urlToString(url)}' is unsupported`);
}

function inputFromAttrs(attrs: Attrs, warn: Warn): Input {
  const type = maybeGetStrAttr(attrs, 'type');
  if (type === undefined) throw error("'type' attribute to specify input scheme is required but not provided");
  const scheme = SCHEMES.find((s) => s.name === type);
  if (!scheme) {
    fixupInput(attrs);
    return { scheme: undefined, attrs };
  }
  for (const k of sortedKeys(attrs)) {
    if (k !== 'type' && k !== '__final' && !scheme.allowedAttrs.has(k)) {
      throw error(`input attribute '${k}' not supported by scheme '${type}'`);
    }
  }
  const res = scheme.fromAttrs(attrs, warn);
  fixupInput(res);
  return { scheme, attrs: res };
}

/** `Input::toURLString`: the input's URL with extra query parameters (which do not override). */
function inputToURLString(input: Input, extraQuery: Map<string, string>): string {
  if (!input.scheme) throw error(`cannot show unsupported input '${attrsToJSON(input.attrs)}'`);
  const url = input.scheme.toURL(input.attrs);
  for (const [k, v] of extraQuery) if (!url.query.has(k)) url.query.set(k, v);
  return urlToString(url);
}

// ---- flake references

interface FlakeRef {
  input: Input;
  subdir: string;
}

function flakeRefToAttrs(ref: FlakeRef): Attrs {
  const attrs = new Map(ref.input.attrs);
  if (ref.subdir !== '' && !attrs.has('dir')) attrs.set('dir', ref.subdir);
  return attrs;
}

function flakeRefToURL(ref: FlakeRef): string {
  const extra = new Map<string, string>();
  if (ref.subdir !== '') extra.set('dir', ref.subdir);
  return inputToURLString(ref.input, extra);
}

function fromParsedURL(url: ParsedURL, isFlake: boolean, warn: Warn): [FlakeRef, string] {
  const dir = url.query.get('dir') ?? '';
  url.query.delete('dir');
  const fragment = url.fragment;
  url.fragment = '';
  return [{ input: inputFromURL(url, isFlake, warn), subdir: dir }, fragment];
}

const PCT = '%[0-9a-fA-F]{2}';
const FRAGMENT = `(?:[a-zA-Z0-9\\-._~!$&'"()*+,;=:@/? ^]|${PCT})*`;
const REF = '[a-zA-Z0-9@][a-zA-Z0-9_./@+-]*';
const REV = '[0-9a-fA-F]{40}';
const FLAKE_ID_REF = new RegExp(`^(([a-zA-Z][a-zA-Z0-9_-]*)(?:/(?:(${REV})|(?:(${REF})(?:/(${REV}))?)))?)(?:#(${FRAGMENT}))?$`);

function parseFlakeRefWithFragment(url: string, warn: Warn): [FlakeRef, string] {
  // A flake ID: `nixpkgs`, `nixpkgs/ref`, `nixpkgs/ref/rev`, `nixpkgs/rev`.
  const m = FLAKE_ID_REF.exec(url);
  if (m) {
    const parsed = newURL('flake', m[1].split('/'));
    return [{ input: inputFromURL(parsed, true, warn), subdir: '' }, percentDecode(m[6] ?? '')];
  }

  // A URL (a BadURL anywhere in it means: try a path instead).
  try {
    return fromParsedURL(parseURL(url, true, warn), true, warn);
  } catch (e) {
    if (!(e instanceof FetchError && e.badURL)) throw e;
  }

  // A path, which without a base directory must be absolute.
  const pm = /^([^?#]*)(\?([^#]*))?(#(.*))?$/.exec(url);
  if (!pm) throw error(`invalid flakeref '${url}'`);
  const path = pm[1];
  const query = decodeQuery(pm[3] ?? '', true, warn);
  const fragment = percentDecode(pm[5] ?? '');
  if (!path.startsWith('/')) throw badURL(`flake reference '${url}' is not an absolute path`);
  return fromParsedURL({
    scheme: 'path', authority: { hostType: 'name', host: '' }, path: path.split('/'), query, fragment,
  }, true, warn);
}

function parseFlakeRef(url: string, warn: Warn): FlakeRef {
  const [ref, fragment] = parseFlakeRefWithFragment(url, warn);
  if (fragment !== '') throw error(`unexpected fragment '${fragment}' in flake reference '${url}'`);
  return ref;
}

function flakeRefFromAttrs(attrs: Attrs, warn: Warn): FlakeRef {
  const subdir = maybeGetStrAttr(attrs, 'dir') ?? '';
  const attrs2 = new Map(attrs);
  attrs2.delete('dir');
  return { input: inputFromAttrs(attrs2, warn), subdir };
}

// ---- the builtins

function toNixError(e: unknown): unknown {
  return e instanceof FetchError ? new NixError('eval', e.message) : e;
}

/** A uint64 attribute as a Nix integer (wrapping into the signed range, as `mkInt` does). */
function attrToValue(v: Attr): Value {
  if (typeof v !== 'bigint') return v;
  const n = BigInt.asIntN(64, v);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function* parseFlakeRefBuiltin(arg: Value, warn: Warn): Gen {
  const s = yield* forceStringNoCtx(arg, 'while evaluating the argument passed to builtins.parseFlakeRef');
  let attrs: Attrs;
  try {
    attrs = flakeRefToAttrs(parseFlakeRef(s, warn));
  } catch (e) {
    throw toNixError(e);
  }
  return NixAttrs.fromMap(new Map([...attrs].map(([k, v]) => [k, attrToValue(v)])));
}

function* flakeRefToStringBuiltin(arg: Value, warn: Warn): Gen {
  const set = yield* forceAttrs(arg, 'while evaluating the argument passed to builtins.flakeRefToString');
  const attrs: Attrs = new Map();
  for (const name of set.keys()) {
    const v = yield* force(set.get(name)!);
    if (typeof v === 'number' || typeof v === 'bigint') {
      if (v < 0) throw new NixError('eval', `negative value given for flake ref attr ${name}: ${v}`);
      attrs.set(name, BigInt(v));
    } else if (typeof v === 'boolean') {
      attrs.set(name, v);
    } else if (typeof v === 'string' || v instanceof NixString) {
      attrs.set(name, typeof v === 'string' ? v : v.s);
    } else {
      throw new NixError('eval', `flake reference attribute sets may only contain integers, Booleans, and strings, but attribute '${name}' is ${showType(v)}`);
    }
  }
  try {
    return flakeRefToURL(flakeRefFromAttrs(attrs, warn));
  } catch (e) {
    throw toNixError(e);
  }
}

export const flakeBuiltins: BuiltinSpec[] = [
  defineBuiltin('parseFlakeRef', 1, ([v], ctx) => parseFlakeRefBuiltin(v, (m) => ctx.state.warn(m)), {
    lazy: [0],
    doc: 'Parses a flake reference into its attribute set form.',
  }),
  defineBuiltin('flakeRefToString', 1, ([v], ctx) => flakeRefToStringBuiltin(v, (m) => ctx.state.warn(m)), {
    lazy: [0],
    doc: 'Converts a flake reference from attribute set form to URL form.',
  }),
];
