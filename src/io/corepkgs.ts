// The files C++ Nix builds in and serves for `<nix/...>` when no search path entry has them
// (its "corepkgs"): only `fetchurl.nix`, the function behind `<nix/fetchurl.nix>`. It builds
// a fixed-output derivation with the `builtin:fetchurl` builder; nixeval computes such
// derivations but never runs them.
//
// Current Nix's corepkgs are a source accessor of their own (a MemorySourceAccessor shown as
// `<nix` + path + `>`): `<nix/NAME>` is a path there whatever NAME is, and reading one it does
// not hold fails then. nixeval keeps them under COREPKGS_DIR, shows them as C++ Nix does
// (showPath) and gives their path within the accessor where C++ Nix gives `path.abs()`
// (pathAbs: toString, a path coming out of `__toString` in toJSON).

import type { NixError } from '../errors/errors.js';
import { canonical, type EvalIO, type FileType, ioError, notExist } from './io.js';

/** Where corepkgs live in nixeval's path space; no real file is ever read from here. */
export const COREPKGS_DIR = '/__corepkgs__';

/** Whether a (canonical) path is in the corepkgs accessor. */
export function isCorepkgsPath(path: string): boolean {
  return path.startsWith(COREPKGS_DIR) && (path.length === COREPKGS_DIR.length || path.charCodeAt(COREPKGS_DIR.length) === 47);
}

/** A path value as C++ Nix's SourcePath::to_string shows it: `<nix/fetchurl.nix>` for corepkgs, else itself. */
export function showPath(path: string): string {
  return isCorepkgsPath(path) ? `<nix${path.slice(COREPKGS_DIR.length) || '/'}>` : path;
}

/** A path value's C++ Nix `path.abs()`: within its accessor (`/fetchurl.nix` for corepkgs), else itself. */
export function pathAbs(path: string): string {
  return isCorepkgsPath(path) ? path.slice(COREPKGS_DIR.length) || '/' : path;
}

const FETCHURL_NIX = `{
  system ? "", # obsolete
  url,
  hash ? "", # an SRI hash

  # Legacy hash specification
  md5 ? "",
  sha1 ? "",
  sha256 ? "",
  sha512 ? "",
  outputHash ?
    if hash != "" then
      hash
    else if sha512 != "" then
      sha512
    else if sha1 != "" then
      sha1
    else if md5 != "" then
      md5
    else
      sha256,
  outputHashAlgo ?
    if hash != "" then
      ""
    else if sha512 != "" then
      "sha512"
    else if sha1 != "" then
      "sha1"
    else if md5 != "" then
      "md5"
    else
      "sha256",

  executable ? false,
  unpack ? false,
  name ? baseNameOf (toString url),
  impure ? false,
}:

derivation (
  {
    builder = "builtin:fetchurl";

    # New-style output content requirements.
    outputHashMode = if unpack || executable then "recursive" else "flat";

    inherit
      name
      url
      executable
      unpack
      ;

    system = "builtin";

    # No need to double the amount of network traffic
    preferLocalBuild = true;

    impureEnvVars = [
      # We borrow these environment variables from the caller to allow
      # easy proxy configuration.  This is impure, but a fixed-output
      # derivation like fetchurl is allowed to do so since its result is
      # by definition pure.
      "http_proxy"
      "https_proxy"
      "ftp_proxy"
      "all_proxy"
      "no_proxy"
    ];

    # To make "nix-prefetch-url" work.
    urls = [ url ];
  }
  // (if impure then { __impure = true; } else { inherit outputHashAlgo outputHash; })
)
`;

const FILES = new Map<string, string>([[`${COREPKGS_DIR}/fetchurl.nix`, FETCHURL_NIX]]);

/** The text of a corepkgs file by its path, or undefined. */
export function corepkgsFile(path: string): string | undefined {
  return FILES.get(path);
}

/**
 * How current C++ Nix shows a corepkgs path in positions and traces: its corepkgs accessor's
 * display, `<nix` + the path + `>` (`<nix/fetchurl.nix>`); undefined for any other path.
 */
export function corepkgsDisplay(path: string): string | undefined {
  return isCorepkgsPath(path) ? showPath(path) : undefined;
}

/**
 * The corepkgs path for `<nix/NAME>` (C++ Nix's findFile when no search path entry has it):
 * any NAME, canonicalised within the accessor, as CanonPath makes it.
 */
export function corepkgsLookup(name: string): string | undefined {
  if (!name.startsWith('nix/')) return undefined;
  const inside = canonical(name.slice(3));
  return inside === '/' ? COREPKGS_DIR : COREPKGS_DIR + inside;
}

function missingFile(p: string): NixError {
  return ioError(`file '${showPath(p)}' does not exist`);
}

/**
 * The corepkgs accessor over another IO: a directory at COREPKGS_DIR holding FILES; any
 * other path under it does not exist (reading it: "file '<nix/NAME>' does not exist", as
 * C++ Nix's MemorySourceAccessor says; resolving it: "path '<nix/NAME>' does not exist", as
 * its lstat does), and paths elsewhere go to the IO underneath.
 */
export class CorepkgsIO implements EvalIO {
  readonly description: string;
  readonly restricted: boolean | undefined;

  constructor(private readonly base: EvalIO) {
    this.description = base.description;
    this.restricted = base.restricted;
  }

  /** The canonical path if it is a corepkgs one. */
  private core(path: string): string | undefined {
    const p = canonical(path);
    return isCorepkgsPath(p) ? p : undefined;
  }

  private type(p: string): FileType | undefined {
    return p === COREPKGS_DIR ? 'directory' : FILES.has(p) ? 'regular' : undefined;
  }

  readFile(path: string): string {
    const p = this.core(path);
    if (p === undefined) return this.base.readFile(path);
    const text = FILES.get(p);
    if (text !== undefined) return text;
    if (p === COREPKGS_DIR) throw ioError(`file '${showPath(p)}' is not a regular file`);
    throw missingFile(p);
  }

  readDir(path: string): Map<string, FileType> {
    const p = this.core(path);
    if (p === undefined) return this.base.readDir(path);
    if (p !== COREPKGS_DIR) {
      if (FILES.has(p)) throw ioError(`file '${showPath(p)}' is not a directory`);
      throw missingFile(p);
    }
    const out = new Map<string, FileType>();
    for (const f of FILES.keys()) out.set(f.slice(COREPKGS_DIR.length + 1), 'regular');
    return out;
  }

  lstat(path: string): FileType | undefined {
    const p = this.core(path);
    return p === undefined ? this.base.lstat(path) : this.type(p);
  }

  stat(path: string): FileType | undefined {
    const p = this.core(path);
    return p === undefined ? this.base.stat(path) : this.type(p);
  }

  pathExists(path: string): boolean {
    const p = this.core(path);
    return p === undefined ? this.base.pathExists(path) : this.type(p) !== undefined;
  }

  readLink(path: string): string {
    const p = this.core(path);
    if (p === undefined) return this.base.readLink(path);
    if (this.type(p) === undefined) throw missingFile(p);
    throw ioError(`file '${showPath(p)}' is not a symbolic link`);
  }

  isExecutable(path: string): boolean {
    const p = this.core(path);
    return p === undefined ? this.base.isExecutable?.(path) ?? false : false;
  }

  realpath(path: string): string {
    const p = this.core(path);
    if (p === undefined) return this.base.realpath(path);
    if (this.type(p) === undefined) throw notExist(showPath(p));
    return p;
  }

  physicalPath(path: string): string | undefined {
    return this.core(path) === undefined ? this.base.physicalPath?.(path) : undefined;
  }

  getEnv(name: string): string | undefined {
    return this.base.getEnv(name);
  }

  currentTime(): number {
    return this.base.currentTime();
  }
}
