// Fetching URLs without the network: `file://` URLs, read through the evaluation's EvalIO (so
// the allowed roots and the restricted and pure modes bound what is read, as for any path),
// giving what C++ Nix's curl-based fetchers give (libfetchers/tarball.cc): a plain file added
// flat (fetchurl, downloadFile) or NAR-hashed (fetchTree type "file"), or a tarball unpacked
// (fetchTarball, fetchTree type "tarball"). Other URLs need the network, which nixeval never
// reaches.
//
// And C++ Nix's restricted mode for URLs (EvalState::checkURI, isAllowedURI in eval.cc): a URL
// is allowed when `allowed-uris` has it as a prefix (or a whole scheme), a local path or file
// URL when the evaluation may read it.

import { NixError } from '../errors/errors.js';
import { type EvalIO, type IOEvalState, RestrictedPathError } from '../io/io.js';
import { MemoryIO } from '../io/memory-io.js';
import { type Hash, sha256 } from '../store/hash.js';
import { hashPath } from '../store/nar.js';
import { storeState } from '../store/state.js';
import { makeFixedOutputPath } from '../store/store-path.js';
import type { EvalState, Request, Value } from '../value/values.js';
import { percentDecode, percentEncode } from './percent-encoding.js';
import { unpackTarball } from './tar.js';

/** A URL scheme name (RFC 3986): a letter, then letters, digits, `+`, `-` and `.`. */
const SCHEME = /^[a-z][a-z0-9+.-]*$/i;

/** C++ Nix's isJustSchemePrefix: `scheme:`. */
function isJustSchemePrefix(prefix: string): boolean {
  return prefix.endsWith(':') && SCHEME.test(prefix.slice(0, -1));
}

/**
 * C++ Nix's isAllowedURI: the URL is a prefix given, or under one: after a prefix ending in
 * `/`, at a `/` after it, or anywhere in a scheme a prefix `scheme:` allows whole.
 */
export function isAllowedURI(uri: string, allowed: readonly string[]): boolean {
  for (const prefix of allowed) {
    if (uri === prefix) return true;
    if (uri.length > prefix.length && prefix.length > 0 && uri.startsWith(prefix)
      && (prefix.endsWith('/') || uri[prefix.length] === '/' || isJustSchemePrefix(prefix))) return true;
  }
  return false;
}


/**
 * The local path of a `file:` URL (`file:///p`, `file:/p`, `file://localhost/p`), decoded,
 * without query or fragment; undefined for any other URL (or a `file:` URL with a relative path
 * or another host).
 */
export function fileUrlPath(url: string): string | undefined {
  const m = /^file:(\/\/[^/?#]*)?(\/[^?#]*)(?:[?#].*)?$/is.exec(url);
  if (!m) return undefined;
  // An authority other than none or localhost is another machine.
  if (m[1] !== undefined && m[1] !== '//' && m[1].toLowerCase() !== '//localhost') return undefined;
  return percentDecode(m[2]);
}

/**
 * How restricted mode lets a fetch read the URL (C++ Nix's checkURI): 'uris' when allowed-uris
 * allows it (read through the fetch IO, as C++ Nix's fetchers read without the evaluation's
 * allow list), 'roots' when it is a path or file URL the evaluation may read (read through the
 * evaluation's IO); outside restricted mode, 'roots'. Otherwise the error.
 */
export function checkURI(st: IOEvalState, uri: string): 'uris' | 'roots' {
  if (st.settings.restrictEval !== true) return 'roots';
  if (isAllowedURI(uri, st.settings.allowedUris ?? [])) return 'uris';
  const path = uri.startsWith('/') ? uri : fileUrlPath(uri);
  if (path !== undefined) {
    // The sandbox's own check (symlinks resolved), with its error for a path outside the roots.
    st.io.lstat(path);
    return 'roots';
  }
  throw new RestrictedPathError(`access to URI '${uri}' is forbidden in restricted mode`);
}

/**
 * The IO a fetch of a URL or path reads through: the evaluation's own, or its fetch IO when
 * allowed-uris allowed the URL or the fetch is locked in pure mode outside restricted mode (where
 * C++ Nix's fetchers read the filesystem themselves rather than through the pure evaluation's
 * accessor).
 */
export function fetchIOFor(st: IOEvalState, how: 'uris' | 'roots', locked: boolean): EvalIO {
  if (how === 'uris') return st.fetchIO;
  // In restricted mode a URL allowed by the roots is read through them (symlinks and all).
  if (st.settings.pure && locked && st.settings.restrictEval !== true) return st.fetchIO;
  return st.io;
}

/** C++ Nix's curl error for a file:// URL it cannot read. */
function cannotRead(url: string): NixError {
  return new NixError('eval', `unable to download '${url}': Couldn't read a file:// file (37)`);
}

/** The bytes of the file a file:// URL names, as curl reads them (a directory reads as nothing). */
function readUrlFile(io: EvalIO, path: string, url: string): string {
  const type = io.stat(path);
  if (type === undefined) throw cannotRead(url);
  if (type === 'directory') return '';
  return io.readFile(path);
}

/** A file fetched flat (C++ Nix's downloadFile): its store path and the sha256 of its bytes. */
export function fetchFileFlat(state: EvalState, io: EvalIO, path: string, url: string, name: string): { storePath: string; hash: Hash } {
  const text = readUrlFile(io, path, url);
  const hash = sha256(text);
  const store = storeState(state);
  const storePath = makeFixedOutputPath(name, 'flat', hash, store.storeDir);
  store.addObject(storePath, new Set(), { kind: 'text', text });
  return { storePath, hash };
}

/** A file fetched as a tree (fetchTree type "file"): its store path (NAR-hashed) and NAR hash. */
export function* fetchFileTree(state: EvalState, io: EvalIO, path: string, url: string, name: string): Generator<Request, { storePath: string; narHash: Hash }, Value> {
  const { storePath: flat } = fetchFileFlat(state, io, path, url, name);
  const store = storeState(state);
  const contents = store.contentsOf(flat)!;
  const files = new MemoryIO({ '/file': Buffer.from((contents as { text: string }).text, 'latin1') });
  const narHash = yield* hashPath(files, '/file');
  const storePath = makeFixedOutputPath(name, 'recursive', narHash, store.storeDir);
  store.addObject(storePath, new Set(), contents);
  return { storePath, narHash };
}

/**
 * A local tarball unpacked (C++ Nix's downloadTarball_ and the tarball input scheme): its store
 * path under `name`, its NAR hash and its newest modification time.
 */
export function* fetchTarballTree(state: EvalState, io: EvalIO, path: string, url: string, name: string): Generator<Request, { storePath: string; narHash: Hash; lastModified: number }, Value> {
  // C++ Nix's friendly errors for a local path that is not a file.
  const type = io.stat(path);
  if (type === undefined) throw new NixError('eval', `tarball "${path}" does not exist.`);
  if (type === 'directory') {
    if (io.lstat(`${path === '/' ? '' : path}/.git`) !== undefined) {
      throw new NixError('eval', `tarball "${path}" is a git repository, not a tarball. Please use \`git+file\` as the scheme.`);
    }
    throw new NixError('eval', `tarball "${path}" is a directory, not a file.`);
  }
  const bytes = io.readFile(path);
  const tree = unpackTarball(Buffer.from(bytes, 'latin1'), `'${url}'`);
  const narHash = yield* hashPath(tree.files, tree.root);
  const store = storeState(state);
  const storePath = makeFixedOutputPath(name, 'recursive', narHash, store.storeDir);
  store.addObject(storePath, new Set(), { kind: 'io', io: tree.files, path: tree.root });
  return { storePath, narHash, lastModified: tree.lastModified };
}


/**
 * A URL as C++ Nix's ParsedURL::to_string renders it after parseURL, with `query` added to its
 * own (an attribute given twice keeps the added value; keys sorted, as its std::map): the path's
 * segments and the query re-encoded. `scheme` replaces the URL's own when given.
 */
export function renderUrl(url: string, query: ReadonlyMap<string, string> = new Map(), scheme?: string): string {
  const m = /^([a-z][a-z0-9+.-]*):(\/\/[^/?#]*)?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/is.exec(url);
  if (!m) return url;
  const all = new Map<string, string>();
  for (const kv of (m[4] ?? '').split('&')) {
    if (kv === '') continue;
    const eq = kv.indexOf('=');
    if (eq < 0) continue;
    all.set(percentDecode(kv.slice(0, eq)), percentDecode(kv.slice(eq + 1)));
  }
  for (const [k, v] of query) all.set(k, v);
  const path = m[3].split('/').map((seg) => percentEncode(percentDecode(seg), ':@')).join('/');
  const q = [...all.keys()].sort().map((k) => `${percentEncode(k, ':@/?')}=${percentEncode(all.get(k)!, ':@/?')}`);
  return `${scheme ?? m[1]}:${m[2] ?? ''}${path}${q.length > 0 ? `?${q.join('&')}` : ''}${m[5] !== undefined && m[5] !== '' ? `#${percentEncode(percentDecode(m[5]), '')}` : ''}`;
}

/** C++ Nix's baseNameOf: after the last `/`, a trailing one left out (a URL's query kept). */
export function baseNameOfUrl(url: string): string {
  const trimmed = url.endsWith('/') ? url.slice(0, -1) : url;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
