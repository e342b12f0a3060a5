// EvalIO: the only way an evaluation touches the world (DESIGN.md, "IO and imports"). Reading
// files and directories, looking at paths, environment variables and the clock all go through
// one of these; builtins never call node:fs or process.env themselves.
//
// Implementations: fs-io.ts (the real filesystem, read-only, optionally restricted to allowed
// roots), memory-io.ts (files given as a map) and no-io.ts (pure: everything fails).
//
// Paths are absolute and given as byte strings (one char per byte, as Nix strings are);
// implementations canonicalise them lexically (`.`, `..`, `//`) before anything else. Errors
// are NixError of kind 'io' with C++ Nix's messages where it has one.

import { NixError } from '../errors/errors.js';
import type { EvalState, NixAttrs, Request, Value } from '../value/values.js';
import { canonicalisePath } from '../syntax/paths.js';

/** What `builtins.readFileType` and `builtins.readDir` report. */
export type FileType = 'regular' | 'directory' | 'symlink' | 'unknown';

export interface EvalIO {
  /** Shown in errors and logs: 'fs', 'fs (restricted)', 'memory', 'none'. */
  readonly description: string;
  /**
   * Whether it refuses the machine's paths outside some roots (FsIO with roots): then what a
   * tool reads on its own (git) must be checked against the roots too.
   */
  readonly restricted?: boolean;
  /** The contents of a file (symlinks followed) as a byte string. */
  readFile(path: string): string;
  /** The entries of a directory (the path's symlinks followed), each with its own type (not followed). */
  readDir(path: string): Map<string, FileType>;
  /** The type of the path itself (a final symlink is not followed); undefined if it does not exist. */
  lstat(path: string): FileType | undefined;
  /** The type of what the path leads to (symlinks followed); undefined if missing or a dangling link. */
  stat(path: string): FileType | undefined;
  /** Whether the path exists (a dangling symlink exists). */
  pathExists(path: string): boolean;
  /** The target of a symlink, as stored. */
  readLink(path: string): string;
  /**
   * Whether the file the path leads to (symlinks followed) has its owner-execute bit set: the
   * `executable` flag of a NAR serialisation. Optional; without it nothing is executable.
   */
  isExecutable?(path: string): boolean;
  /** The path with every symlink resolved; an error if it does not exist. */
  realpath(path: string): string;
  /**
   * Where the path is on the machine's own filesystem (symlinks resolved, the sandbox checked),
   * for a tool that must read it there itself (git); undefined when it is not on the real
   * filesystem. Optional: an IO without it has nothing on disk.
   */
  physicalPath?(path: string): string | undefined;
  /** An environment variable, or undefined when unset or not allowed. */
  getEnv(name: string): string | undefined;
  /** Seconds since the epoch. */
  currentTime(): number;
}

/** An IO error with C++ Nix's wording. */
export function ioError(message: string): NixError {
  return new NixError('io', message);
}

export function notExist(path: string): NixError {
  return ioError(`path '${path}' does not exist`);
}

/**
 * Reading a directory as a file: current Nix's source accessor checks the type after opening
 * it (the root is the accessor's own root, said without the word 'file').
 */
export function notRegularFile(path: string): NixError {
  return ioError(`${path === '/' ? '' : 'file '}'${path}' is not a regular file`);
}

/** Access outside the allowed roots (C++ Nix's RestrictedPathError). */
export class RestrictedPathError extends NixError {
  constructor(message: string) {
    super('io', message);
  }
}

/** Current C++ Nix's words, for a path as given and one reached through symlinks alike. */
export function forbidden(path: string, mode = 'restricted mode'): RestrictedPathError {
  return new RestrictedPathError(`access to absolute path '${path}' is forbidden in ${mode}`);
}

/** `//`, a `.` or `..` segment, or a trailing slash (other than `/` itself). */
const NOT_CANONICAL = /\/\/|\/\.\.?(\/|$)|.\/$/;

/** Lexically canonical absolute path; refuses relative paths and NUL bytes. */
export function canonical(path: string): string {
  if (path.includes('\0')) throw ioError(`path '${path.replace(/\0/g, '␀')}' contains a NUL byte`);
  if (!path.startsWith('/')) throw ioError(`path '${path}' is not absolute`);
  // Most paths are canonical already (path values always are).
  if (!NOT_CANONICAL.test(path)) return path;
  return canonicalisePath(path);
}

/** Whether `path` is `root` or inside it (both canonical). */
export function isUnder(path: string, root: string): boolean {
  if (root === '/') return true;
  return path === root || (path.startsWith(root) && path.charCodeAt(root.length) === 47 /* / */);
}

// ---------------------------------------------------------------------------------------------
// The search path

/** One element of the search path: `prefix=path`, or a bare path (empty prefix). */
export interface SearchPathEntry {
  prefix: string;
  path: string;
}

export function parseSearchPathEntry(entry: string): SearchPathEntry {
  const eq = entry.indexOf('=');
  // `https://host/x?a=b` has '=' only after '://': a bare URL, not a prefix.
  const scheme = entry.indexOf('://');
  if (eq < 0 || (scheme >= 0 && scheme < eq)) return { prefix: '', path: entry };
  return { prefix: entry.slice(0, eq), path: entry.slice(eq + 1) };
}

/**
 * Splits NIX_PATH on ':' as C++ Nix does: a ':' that begins '://' (a URL) does not split, nor
 * does the one after a `channel:` or `flake:` scheme.
 */
export function parseNixPath(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ':') {
      const tail = cur.slice(cur.lastIndexOf('=') + 1);
      if (s.startsWith('//', i + 1) || tail === 'channel' || tail === 'flake') { cur += c; continue; }
      if (cur !== '') out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** Whether a search path element is a URL-like reference (nixeval never fetches). */
export function isUrlLike(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith('channel:') || path.startsWith('flake:');
}

// ---------------------------------------------------------------------------------------------
// What IO builtins need from the evaluation

/** The evaluation as IO builtins see it (implemented by Evaluation in eval.ts). */
export interface IOEvalState extends EvalState {
  readonly io: EvalIO;
  /**
   * What fetchers read through where C++ Nix's fetchers read the filesystem themselves rather
   * than through the evaluation's accessor: a locked input in pure mode, a URL allowed-uris
   * allows in restricted mode (src/fetchers/url.ts fetchIOFor). `io` unless the embedder gives
   * another (EvaluateOptions.fetchIO).
   */
  readonly fetchIO: EvalIO;
  /** The search path (-I, NIX_PATH, the request), in lookup order. */
  readonly searchPath: readonly SearchPathEntry[];
  /** Directory relative search path entries resolve against. */
  readonly cwd: string;
  /** Whether `builtins.getEnv` may read this variable. */
  envAllowed(name: string): boolean;
  /** Evaluates the file at `path` with the attributes of `scope` bound lexically around it. */
  scopedImport(path: string, scope: NixAttrs): Generator<Request, Value, Value>;
  /** Follows a final symlink and appends `/default.nix` to a directory, as `import` does. */
  resolveExprPath(path: string): string;
}

export function ioState(state: EvalState): IOEvalState {
  if ('io' in state && 'searchPath' in state) return state as IOEvalState;
  throw ioError('this evaluation has no IO layer');
}
