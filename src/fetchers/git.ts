// builtins.fetchGit and fetchTree { type = "git"; } of a local repository, as C++ Nix's git
// fetcher gives them (libfetchers/git.cc, git-utils.cc), without the network and without
// writing anything: the tree is hashed where it is and kept in the evaluation's store view.
//
// - No `rev` or `ref`: the working tree. Its files are the tracked ones (deleted ones left
//   out, staged new ones in), without what `export-ignore` marks in the index's attributes
//   unless `exportIgnore = false`, and with the working trees of submodules when
//   `submodules = true`. A clean tree is HEAD: `rev`, `shortRev`, `revCount` (unless
//   shallow). A dirty one (any tracked file changed) has no revision: fetchGit reports rev
//   000… and revCount 0, both give `dirtyRev`/`dirtyShortRev` (HEAD-dirty), with the
//   allow-dirty / warn-dirty settings' error or warning. `lastModified` is HEAD's commit time.
// - `rev` or `ref`: that commit's tree, read from the repository's objects.
//
// The repository is read by the `git` program, run on the real path of a directory the
// evaluation may read (EvalIO.physicalPath, so the service's roots apply, to its git
// directory too), with the system's and user's git configuration, hooks, fsmonitor and every
// network protocol turned off.

import { NixError } from '../errors/errors.js';
import { EvalTimeout, timeLeftMs } from '../limits/limits.js';
import type { EvalIO } from '../io/io.js';
import { MemoryIO } from '../io/memory-io.js';
import { addToStoreWithHash } from '../store/add-path.js';
import type { Hash } from '../store/hash.js';
import { hashPath } from '../store/nar.js';
import { storeState } from '../store/state.js';
import { makeFixedOutputPath } from '../store/store-path.js';
import type { EvalState, Request, Value } from '../value/values.js';

export interface GitInput {
  /** The repository's directory, as the evaluation names it (absolute). */
  path: string;
  ref?: string;
  rev?: string;
  shallow: boolean;
  submodules: boolean;
  exportIgnore: boolean;
  /** The store path's name. */
  name: string;
}

export interface GitTree {
  storePath: string;
  narHash: Hash;
  /** The commit, for a clean working tree or a commit asked for. */
  rev?: string;
  /** For a dirty working tree: HEAD, if there is one. */
  dirtyRev?: string;
  /** Commits reachable from `rev` (not for a shallow fetch), or why there is no count. */
  revCount?: number | NixError;
  lastModified: number;
}

/** What the settings say about a dirty working tree (allow-dirty, warn-dirty). */
export interface DirtyPolicy {
  allowDirty: boolean;
  warnDirty: boolean;
  warn(message: string): void;
}

export const NULL_REV = '0000000000000000000000000000000000000000';

const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_NO_REPLACE_OBJECTS: '1',
  GIT_ALLOW_PROTOCOL: 'file',
  HOME: '/nonexistent',
  LC_ALL: 'C',
  PATH: process.env.PATH ?? '/usr/bin:/bin',
};

const GIT_CONFIG = ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null', '-c', 'protocol.allow=never', '-c', 'core.quotePath=false'];

/** Runs git in a repository; its stdout as a byte string. */
function git(dir: string, args: string[], input?: string, env: Record<string, string> = {}): string {
  const { execFileSync } = process.getBuiltinModule('node:child_process');
  // git runs to its end in this thread: past the evaluation's deadline it is killed.
  const timeout = timeLeftMs();
  try {
    return execFileSync('git', [...GIT_CONFIG, '-C', dir, ...args], {
      env: { ...GIT_ENV, ...env },
      input: input === undefined ? undefined : Buffer.from(input, 'latin1'),
      maxBuffer: 1 << 30,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout,
      killSignal: 'SIGKILL',
    }).toString('latin1');
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (timeout !== undefined && err.code === 'ETIMEDOUT') throw new EvalTimeout('evaluation timed out');
    if (err.code === 'ENOENT') throw new NixError('eval', 'fetching a Git repository needs the git program, which is not on PATH');
    const detail = err.stderr?.toString('latin1').trim().split('\n').at(-1) ?? String(e);
    throw new NixError('eval', `running git in '${dir}' failed: ${detail}`);
  }
}

/** git without an error when the command fails (for questions whose answer may be "no"). */
function gitMaybe(dir: string, args: string[]): string | undefined {
  try {
    return git(dir, args);
  } catch (e) {
    if (e instanceof EvalTimeout || (e instanceof NixError && e.message.includes('needs the git program'))) throw e;
    return undefined;
  }
}

function nulSeparated(s: string): string[] {
  return s.split('\0').filter((x) => x !== '');
}

/** The repository's real directory, checked against the sandbox, as is its git directory. */
function repositoryDir(io: EvalIO, path: string): string {
  const physical = io.physicalPath?.(path);
  if (physical === undefined) {
    throw new NixError('eval', `cannot fetch the Git repository '${path}': it is not a directory on this machine's filesystem`);
  }
  if (io.stat(path) !== 'directory') throw new NixError('eval', `cannot fetch the Git repository '${path}': it is not a directory`);
  const gitDir = gitMaybe(physical, ['rev-parse', '--absolute-git-dir'])?.trim();
  if (gitDir === undefined || gitDir === '') throw new NixError('eval', `'${path}' is not a Git repository`);
  // The git directory may be elsewhere (a worktree, a submodule): it must be readable too.
  io.physicalPath?.(gitDir);
  if (io.restricted === true) checkObjectStores(io, physical);
  return physical;
}

/** How deep git follows alternates of alternates (its alt_odb depth limit). */
const MAX_ALTERNATE_DEPTH = 5;

/**
 * In a restricted IO, what git reads besides the git directory must be inside the roots too,
 * or git would read it for the evaluation: the common directory (a worktree's), the object
 * directories (the repository's own, and those it borrows through `objects/info/alternates`,
 * followed as git follows them), and whatever a symlink in an object directory leads to.
 * Each is looked at through the IO, so a way out is refused with its usual error.
 */
function checkObjectStores(io: EvalIO, dir: string): void {
  const common = git(dir, ['rev-parse', '--path-format=absolute', '--git-common-dir']).trim();
  io.physicalPath!(common);
  const seen = new Set<string>();
  const linksIn = (d: string): void => {
    for (const [name, type] of io.readDir(d)) if (type === 'symlink') io.physicalPath!(`${d}/${name}`);
  };
  const visit = (objects: string, depth: number): void => {
    if (io.stat(objects) !== 'directory') return;
    const real = io.physicalPath!(objects)!;
    if (seen.has(real)) return;
    seen.add(real);
    for (const [name, type] of io.readDir(real)) {
      const p = `${real}/${name}`;
      if (type === 'symlink') io.physicalPath!(p);
      else if (type === 'directory') linksIn(p);
    }
    const alternates = `${real}/info/alternates`;
    if (depth >= MAX_ALTERNATE_DEPTH || io.stat(alternates) !== 'regular') return;
    for (const line of io.readFile(alternates).split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      // A quoted entry (C-style) is refused rather than parsed: git writes none itself.
      if (line.startsWith('"')) throw new NixError('eval', `cannot fetch the Git repository at '${dir}': it borrows objects from a quoted alternate path, which nixeval does not follow`);
      visit(line.startsWith('/') ? line : `${real}/${line}`, depth + 1);
    }
  };
  visit(`${common}/objects`, 0);
}

/** Fetches a local repository's tree into the evaluation's store view. */
export function* fetchLocalGit(state: EvalState, io: EvalIO, input: GitInput, dirty: DirtyPolicy): Generator<Request, GitTree, Value> {
  const dir = repositoryDir(io, input.path);
  if (input.rev !== undefined || input.ref !== undefined) return yield* fetchCommit(state, dir, input);
  const head = gitMaybe(dir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])?.trim() || undefined;
  const work = workdirFiles(dir, input);
  const tree = yield* addToStoreWithHash(state, input.path, input.name, 'recursive', allowListFilter(io.realpath(input.path), work.allowed), true, io);
  const lastModified = head === undefined ? 0 : commitTime(dir, head);
  if (work.dirty) {
    if (!dirty.allowDirty) throw new NixError('eval', `Git tree '${input.path}' is dirty`);
    if (dirty.warnDirty) dirty.warn(`Git tree '${input.path}' is dirty`);
    return { storePath: tree.path, narHash: tree.hash, dirtyRev: head, lastModified };
  }
  const rev = head ?? NULL_REV;
  const revCount = input.shallow ? undefined : head === undefined ? 0 : countCommits(dir, head, input.path);
  return { storePath: tree.path, narHash: tree.hash, rev, revCount, lastModified };
}

/** The tracked files of a working tree, whether it is dirty, and (with submodules) theirs. */
function workdirFiles(dir: string, input: GitInput, prefix = ''): { allowed: Set<string>; dirty: boolean } {
  const allowed = new Set<string>();
  const deleted = new Set(nulSeparated(git(dir, ['ls-files', '-z', '--deleted'])));
  const submodules: string[] = [];
  for (const entry of nulSeparated(git(dir, ['ls-files', '-z', '--stage']))) {
    const tab = entry.indexOf('\t');
    const mode = entry.slice(0, entry.indexOf(' '));
    const file = entry.slice(tab + 1);
    if (mode === '160000') {
      submodules.push(file);
    } else if (!deleted.has(file)) {
      allowed.add(file);
    }
  }
  let dirty = git(dir, ['status', '--porcelain', '-z', '--untracked-files=no', '--ignore-submodules=all']) !== '';
  if (input.exportIgnore && !input.submodules) {
    for (const p of exportIgnored(dir, allowed)) allowed.delete(p);
  }
  const out = new Set<string>();
  for (const f of allowed) out.add(prefix + f);
  if (input.submodules) {
    for (const sub of submodules) {
      // The submodule's own working tree, when it is checked out.
      const subDir = `${dir}/${sub}`;
      if (gitMaybe(subDir, ['rev-parse', '--show-toplevel'])?.trim() !== subDir) continue;
      const inner = workdirFiles(subDir, input, `${prefix}${sub}/`);
      for (const f of inner.allowed) out.add(f);
      if (inner.dirty) dirty = true;
    }
  }
  return { allowed: out, dirty };
}

/**
 * The paths (files and the directories above them) that `export-ignore` marks in the
 * attributes of the index (or of `indexFile`), as C++ Nix's GitExportIgnoreSourceAccessor
 * asks libgit2.
 */
function exportIgnored(dir: string, files: ReadonlySet<string>, indexFile?: string): string[] {
  const candidates = new Set<string>();
  for (const f of files) {
    candidates.add(f);
    for (let i = f.indexOf('/'); i >= 0; i = f.indexOf('/', i + 1)) candidates.add(f.slice(0, i));
  }
  if (candidates.size === 0) return [];
  const env: Record<string, string> = indexFile === undefined ? {} : { GIT_INDEX_FILE: indexFile };
  const out = nulSeparated(git(dir, ['check-attr', '--cached', '-z', '--stdin', 'export-ignore'], [...candidates].join('\0') + '\0', env));
  const ignored = new Set<string>();
  for (let i = 0; i + 2 < out.length; i += 3) if (out[i + 2] === 'set') ignored.add(out[i]);
  // A directory that is ignored takes everything below it along.
  return [...files].filter((f) => {
    if (ignored.has(f)) return true;
    for (let i = f.indexOf('/'); i >= 0; i = f.indexOf('/', i + 1)) if (ignored.has(f.slice(0, i))) return true;
    return false;
  });
}

/**
 * C++ Nix's AllowListSourceAccessor over the working tree: a path is there if it is an allowed
 * file, a directory above one, or below one (a submodule's files are listed themselves).
 */
function allowListFilter(root: string, allowed: ReadonlySet<string>) {
  const parents = new Set<string>();
  for (const f of allowed) for (let i = f.indexOf('/'); i >= 0; i = f.indexOf('/', i + 1)) parents.add(f.slice(0, i));
  return function* (p: string): Generator<Request, boolean, Value> {
    const rel = p.slice(root === '/' ? 1 : root.length + 1);
    if (allowed.has(rel) || parents.has(rel)) return true;
    for (let i = rel.lastIndexOf('/'); i >= 0; i = rel.lastIndexOf('/', i - 1)) if (allowed.has(rel.slice(0, i))) return true;
    return false;
  };
}

function commitTime(dir: string, rev: string): number {
  return Number(git(dir, ['log', '-1', '--format=%ct', rev]).trim());
}

function countCommits(dir: string, rev: string, shown: string): number | NixError {
  if (git(dir, ['rev-parse', '--is-shallow-repository']).trim() === 'true') {
    return new NixError('eval', `'${shown}' is a shallow Git repository, so 'revCount' is not available`);
  }
  return Number(git(dir, ['rev-list', '--count', rev]).trim());
}

/** A commit's tree (`rev`, or what `ref` names), read from the repository's objects. */
function* fetchCommit(state: EvalState, dir: string, input: GitInput): Generator<Request, GitTree, Value> {
  let rev = input.rev;
  if (rev !== undefined) {
    if (!/^[0-9a-f]{40}$/.test(rev)) throw new NixError('eval', `invalid Git revision '${rev}'`);
    if (gitMaybe(dir, ['cat-file', '-e', `${rev}^{commit}`]) === undefined) {
      throw new NixError('eval', `Cannot find Git revision '${rev}' in ref '${input.ref ?? 'HEAD'}' of repository '${input.path}'!`);
    }
  } else {
    const ref = input.ref!;
    const candidates = ref.startsWith('refs/') ? [ref] : [ref, `refs/heads/${ref}`, `refs/tags/${ref}`];
    for (const c of candidates) {
      rev = gitMaybe(dir, ['rev-parse', '--verify', '--quiet', `${c}^{commit}`])?.trim() || undefined;
      if (rev !== undefined) break;
    }
    if (rev === undefined) throw new NixError('eval', `resolving Git reference '${ref}' in repository '${input.path}': not found`);
  }
  const files = new MemoryIO();
  const entries = nulSeparated(git(dir, ['ls-tree', '-r', '-z', '--full-tree', rev]));
  const blobs: { path: string; mode: string; id: string }[] = [];
  for (const e of entries) {
    const tab = e.indexOf('\t');
    const [mode, type, id] = e.slice(0, tab).split(' ');
    const path = e.slice(tab + 1);
    if (type === 'commit') {
      if (input.submodules) throw new NixError('eval', `fetching the submodules of a Git commit is not supported by nixeval ('${path}' in '${input.path}')`);
      continue;
    }
    blobs.push({ path, mode, id });
  }
  if (input.exportIgnore && blobs.some((b) => b.path === '.gitattributes' || b.path.endsWith('/.gitattributes'))) {
    // The commit's own attributes: read through an index of the commit, made aside.
    const { mkdtempSync, rmSync } = process.getBuiltinModule('node:fs');
    const tmp = mkdtempSync(`${process.getBuiltinModule('node:os').tmpdir()}/nixeval-git-`);
    try {
      const index = `${tmp}/index`;
      git(dir, ['read-tree', rev], undefined, { GIT_INDEX_FILE: index });
      const ignored = new Set(exportIgnored(dir, new Set(blobs.map((b) => b.path)), index));
      blobs.splice(0, blobs.length, ...blobs.filter((b) => !ignored.has(b.path)));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const contents = readBlobs(dir, blobs.map((b) => b.id));
  files.addDirectory('/tree');
  for (const [i, b] of blobs.entries()) {
    const bytes = Buffer.from(contents[i], 'latin1');
    files.add(`/tree/${b.path}`, b.mode === '120000' ? { symlink: contents[i] } : b.mode === '100755' ? { executable: bytes } : bytes);
  }
  const narHash = yield* hashPath(files, '/tree');
  const store = storeState(state);
  const storePath = makeFixedOutputPath(input.name, 'recursive', narHash, store.storeDir);
  store.addObject(storePath, new Set(), { kind: 'io', io: files, path: '/tree' });
  const revCount = input.shallow ? undefined : countCommits(dir, rev, input.path);
  return { storePath, narHash, rev, revCount, lastModified: commitTime(dir, rev) };
}

/** The contents of blobs, by id, through one `git cat-file --batch`. */
function readBlobs(dir: string, ids: string[]): string[] {
  if (ids.length === 0) return [];
  const out = git(dir, ['cat-file', '--batch'], ids.join('\n') + '\n');
  const contents: string[] = [];
  let pos = 0;
  for (let i = 0; i < ids.length; i++) {
    const nl = out.indexOf('\n', pos);
    const size = Number(out.slice(pos, nl).split(' ')[2]);
    contents.push(out.slice(nl + 1, nl + 1 + size));
    pos = nl + 1 + size + 1;
  }
  return contents;
}

/** A short revision: the first seven hex digits. */
export function shortRev(rev: string): string {
  return rev.slice(0, 7);
}
