// The library entry: evaluate an expression or a file and get a value or a structured
// error. The CLI and the service's workers both come through here; nothing here knows
// about HTTP or threads.

import { createHash } from './store/hash.js';
import { dirname, resolve as resolvePath } from 'node:path';
import { Source, utf8ToBytes } from './syntax/source.js';
import { NIX_VERSION } from './version.js';
import { parse, type ParseOptions } from './syntax/parser.js';
import { compile } from './compiler/compiler.js';
import type { Chunk } from './compiler/chunk.js';
import type { Expr, ExprAttrs, AttrDef } from './syntax/ast.js';
import { canonicalisePath } from './syntax/paths.js';
import {
  canonical, type EvalIO, type IOEvalState, isUrlLike, notExist, parseSearchPathEntry, type SearchPathEntry,
} from './io/io.js';
import { FsIO } from './io/fs-io.js';
import { NoIO } from './io/no-io.js';
import { StoreViewIO } from './io/store-view-io.js';
import { storeState } from './store/state.js';
import {
  compileCacheStats, compileKey, countParse, diskCacheInUse, getCompiled, getCompiledFromDisk, putCompiled, putCompiledOnDisk,
} from './io/compile-cache.js';
import { CorepkgsIO, corepkgsDisplay, corepkgsFile, isCorepkgsPath, showPath } from './io/corepkgs.js';
import { ioConstants } from './builtins/io.js';
import { autoCallFunction, findAlongAttrPath } from './value/auto-call.js';
import { derivationConstant } from './builtins/derivation.js';
import { type Tier, VM } from './vm/vm.js';
import { EvalLimits } from './limits/limits.js';
import { NixError, type SourcePos } from './errors/errors.js';
import { renderError, renderWarning } from './errors/render.js';
import { buildGlobals, builtinsFor, constants, featuresKey } from './builtins/index.js';
import { deepForce } from './builtins/core.js';
import { explicitDepth } from './value/depth.js';
import { startShapeEpoch } from './value/attrs.js';
import { startEvaluationEpoch } from './codegen/runtime.js';
import { type EvalSettings, type EvalState, force, NixAttrs, type Request, Thunk, type Value, CallRequest, rootEnv } from './value/values.js';

export interface EvaluateOptions {
  /** Expression text (UTF-8), or undefined to evaluate `file`. */
  expr?: string;
  /** A Nix file to evaluate (absolute path). */
  file?: string;
  /** Directory relative paths in `expr` resolve against. */
  baseDir?: string;
  /** Source text given as a byte string with its origin name (e.g. stdin). */
  source?: { origin: string; text: string; baseDir: string };
  /** Deep-force the result (`--strict`). */
  strict?: boolean;
  /** Attribute path to select (`-A`). */
  attrPath?: string;
  /** Arguments for a top-level function with formals (`--arg`: expressions; `--argstr`: strings). */
  args?: Record<string, string>;
  argstrs?: Record<string, string>;
  /**
   * Automatic arguments in command-line order, after `args` and `argstrs` (a later one of the
   * same name wins): an expression (UTF-8 text), a string (UTF-8), or bytes (a latin1 string,
   * as `--arg-from-file` reads them).
   */
  autoArgs?: readonly AutoArg[];
  /** Home directory for `~/` paths. */
  home?: string;
  /** Deadline in ms since epoch. */
  deadline?: number;
  /**
   * C++ Nix's max-call-depth: a function call made while this many are in progress fails with
   * "stack overflow; max-call-depth exceeded". Default: none, since evaluation does not use
   * the JS stack (C++ Nix's default is 10000).
   */
  maxCallDepth?: number;
  /**
   * Which tiers run the code: 'compiled' (hot code as JS functions, in front of the VM; the
   * default, or NIXEVAL_TIER) or 'vm' (the frame-stack VM alone). See src/codegen/.
   */
  tier?: Tier;
  /** C++ Nix's `--lint-*` settings. */
  lints?: ParseOptions['lints'];
  /** How far the evaluation may grow the JS heap (MiB); checked before every large allocation
   * (limits/limits.ts). Default: as far as the heap's own limit allows. */
  maxMemoryMb?: number;
  /** A full garbage collection, tried before an allocation fails for lack of memory. */
  collectGarbage?: () => void;
  /** Called every few thousand VM instructions; throw to stop (cancellation). */
  checkLimits?: () => void;
  settings?: Partial<EvalSettings>;
  /**
   * Receives `trace:` lines (level 'error', as C++ Nix logs them) and warnings (level 'warn'),
   * each possibly several lines long.
   */
  onMessage?: (line: string, level: MessageLevel) => void;
  /**
   * How the evaluation reaches files, the environment and the clock. Default: the whole
   * filesystem (as the CLI wants); with `restricted`, only the search path's directories;
   * with `pure`, nothing (NoIO).
   */
  io?: EvalIO;
  /** Search path entries, `prefix=path` or `path`, in lookup order (-I first, then NIX_PATH). */
  searchPath?: string[];
  /** Like `--pure-eval`: no `currentTime`, getEnv gives "", `~/` paths are errors, no IO by default. */
  pure?: boolean;
  /** Like `--restrict-eval`: getEnv gives "", and the default IO sees only the search path. */
  restricted?: boolean;
  /** Environment variables `getEnv` may read ('*' allows all). Default: none. */
  allowedEnv?: readonly string[];
  /**
   * What fetchers read through where C++ Nix's fetchers bypass the evaluation's own access
   * rules: a locked input (`rev`, `narHash`, `sha256`) in pure mode, a URL `allowed-uris` allows
   * in restricted mode. Default: `io` (so such fetches are bounded exactly as other reads).
   */
  fetchIO?: EvalIO;
}

export type MessageLevel = 'error' | 'warn';

export interface AutoArg {
  name: string;
  kind: 'expr' | 'string' | 'bytes';
  value: string;
}

/** The global names of a kind of evaluation, and their compile-cache fingerprint once needed. */
interface GlobalScope {
  names: Set<string>;
  home: string;
  variant?: string;
}

const globalScopes = new Map<string, GlobalScope>();

export const DEFAULT_SETTINGS: EvalSettings = {
  currentSystem: 'x86_64-linux',
  storeDir: '/nix/store',
  nixVersion: NIX_VERSION,
  langVersion: 6,
  pure: false,
};

export class Evaluation implements EvalState, IOEvalState {
  readonly settings: EvalSettings;
  readonly vm: VM;
  /** The memory budget and deadline of this evaluation (active while its VM runs). */
  readonly limits: EvalLimits;
  readonly io: EvalIO;
  readonly fetchIO: EvalIO;
  readonly searchPath: readonly SearchPathEntry[];
  readonly cwd: string;
  private readonly globals: Map<string, Value>;
  private readonly globalNames: Set<string>;
  /** Evaluated imports of this evaluation, by resolved path (C++ Nix's fileEvalCache). */
  private readonly imports = new Map<string, Thunk>();
  private readonly allowedEnv: ReadonlySet<string> | '*';
  private readonly home: string | undefined;
  private readonly scope: GlobalScope;
  /** The message lines, when no `onMessage` takes them. */
  readonly messages: string[] = [];
  /** Warnings the parser gave (a file that had some is not kept on disk: see compileFile). */
  private parseWarnings = 0;

  constructor(private readonly options: EvaluateOptions) {
    // What earlier evaluations left in the caches of shapes that outlive them goes (value/attrs.ts).
    startShapeEpoch();
    // Chunks that ran in earlier evaluations (a worker's) are translated at their next run.
    startEvaluationEpoch();
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    if (options.pure !== undefined) this.settings.pure = options.pure;
    if (options.maxCallDepth !== undefined) this.settings.maxCallDepth = options.maxCallDepth;
    this.cwd = options.baseDir ?? process.cwd();
    this.searchPath = (options.searchPath ?? []).filter((e) => e !== '').map(parseSearchPathEntry);
    // Store paths this evaluation made read as what they hold (nothing is written to a store).
    this.io = new StoreViewIO(
      // `<nix/fetchurl.nix>` and the other corepkgs read as files (C++ Nix's corepkgs accessor).
      new CorepkgsIO(options.io ?? defaultIO(options, this.searchPath, this.cwd)),
      canonicalisePath(this.settings.storeDir),
      (p) => storeState(this).contentsOf(p),
    );
    // Fetched trees are kept in the same store view, whichever IO they were read through.
    this.fetchIO = options.fetchIO === undefined ? this.io : new StoreViewIO(
      options.fetchIO,
      canonicalisePath(this.settings.storeDir),
      (p) => storeState(this).contentsOf(p),
    );
    if (options.restricted === true) this.settings.restrictEval = true;
    const strictEnv = this.settings.pure || options.restricted === true;
    const allowed = options.allowedEnv ?? [];
    this.allowedEnv = strictEnv ? new Set() : allowed.includes('*') ? '*' : new Set(allowed);
    this.home = this.settings.pure ? undefined : options.home;
    const builtinSpecs = builtinsFor(this.settings.experimentalFeatures);
    this.globals = buildGlobals(builtinSpecs, [...constants(this.settings), ...ioConstants(this), derivationConstant()]);
    // The names in scope depend only on which constants exist (pure or not): computing them
    // and their fingerprint once per kind keeps the cost of a small evaluation low.
    const scopeKey = `${this.settings.pure}\0${this.home ?? ''}\0${featuresKey(builtinSpecs)}`;
    let scope = globalScopes.get(scopeKey);
    if (!scope) {
      scope = { names: new Set(this.globals.keys()), home: this.home ?? '' };
      if (globalScopes.size > 64) globalScopes.clear();
      globalScopes.set(scopeKey, scope);
    }
    this.globalNames = scope.names;
    this.scope = scope;
    this.limits = new EvalLimits({
      deadline: options.deadline,
      maxMemoryBytes: options.maxMemoryMb === undefined ? undefined : options.maxMemoryMb * 1024 * 1024,
      check: options.checkLimits,
      collectGarbage: options.collectGarbage,
    });
    this.vm = new VM({ globals: this.globals, state: this, limits: this.limits, maxCallDepth: this.settings.maxCallDepth, tier: options.tier });
  }

  /**
   * What, besides a file's path and content (`text`), the compiled code depends on (compile
   * cache key): the names in scope, and the home directory where the text may hold a `~/`
   * path. The names' part is computed on first use: an expression that imports nothing never
   * needs it.
   */
  private compileVariant(text: string): string {
    this.scope.variant ??= createHash('sha256').update([...this.scope.names].sort().join('\0')).digest('hex').slice(0, 32);
    return text.includes('~/') ? `${this.scope.variant}\0home=${this.scope.home}` : this.scope.variant;
  }

  envAllowed(name: string): boolean {
    return this.allowedEnv === '*' || this.allowedEnv.has(name);
  }

  trace(message: string): void {
    this.emit(`trace: ${message}`, 'error');
  }

  warn(message: string, pos?: SourcePos): void {
    this.emit(renderWarning(message, pos), 'warn');
  }

  emitLine(line: string): void {
    this.emit(line, 'warn');
  }

  private emit(line: string, level: MessageLevel): void {
    // Kept only when no one takes them as they come (which would keep them unbounded).
    if (this.options.onMessage) this.options.onMessage(line, level);
    else this.messages.push(line);
  }

  /**
   * The AST of a source, with this evaluation's home directory, warnings and lints. Its names
   * go to `names` if given, in the order C++ Nix's parser interns them.
   */
  parseSource(source: Source, names?: string[]): Expr {
    countParse();
    const symbols = this.vm.symbols;
    return parse(source, {
      home: this.home, warn: (m, p) => { this.parseWarnings++; this.warn(m, p); }, lints: this.options.lints, names, symbolId: (n) => symbols.known(n),
    });
  }

  /**
   * Compiles an AST with this evaluation's global names (undefined variables are errors) and
   * symbol order (its names must be interned already).
   */
  compileAst(ast: Expr, source: Source): Chunk {
    const symbols = this.vm.symbols;
    return compile(ast, source, { globals: this.globalNames, symbolId: (n) => symbols.id(n) });
  }

  /** Compiles a source, interning its names as C++ Nix's parser does (value/symbols.ts). */
  compileSource(source: Source): Chunk {
    const names: string[] = [];
    const ast = this.parseSource(source, names);
    this.vm.symbols.internAll(names);
    const chunk = this.compileAst(ast, source);
    chunk.names = names;
    return chunk;
  }

  /**
   * The compiled code of a Nix file, read through the evaluation's IO. Compiled code is kept
   * in the worker-lifetime compile cache (io/compile-cache.ts) keyed by path and content hash,
   * so a file is parsed once per worker however many evaluations import it. With `scope`,
   * the file is compiled as the body of `scope: let NAME = scope.NAME; ... in FILE`, which
   * binds the names lexically, as scopedImport does.
   */
  compileFile(path: string, scope?: readonly string[]): Chunk {
    const file = canonical(path);
    const text = corepkgsFile(file) ?? this.io.readFile(file);
    const variant = scope ? `${this.compileVariant(text)}\0scope=${scope.join('\0')}` : this.compileVariant(text);
    // The lints too: a chunk comes from a parse that warned of nothing (below), and a lint
    // made fatal turns a warning into a parse error.
    const key = `${compileKey(file, text, variant)}\0lints=${JSON.stringify(this.options.lints ?? {})}`;
    const cached = getCompiled(key);
    if (cached && this.usable(cached)) return cached;
    const source = new Source(corepkgsDisplay(file) ?? file, text, dirname(file));
    const diskKey = diskCacheInUse() ? key : undefined;
    const fromDisk = cached || diskKey === undefined ? undefined : getCompiledFromDisk(key, diskKey, source);
    if (fromDisk && this.usable(fromDisk)) return fromDisk;
    const names: string[] = [];
    const warnings = this.parseWarnings;
    let ast = this.parseSource(source, names);
    if (scope) ast = wrapInScope(ast, scope);
    this.vm.symbols.internAll(names);
    const chunk = this.compileAst(ast, source);
    chunk.names = names;
    // A file whose parse warned is parsed again by the next evaluation, which must warn too
    // (as each C++ Nix process does); files that warn are rare.
    if (this.parseWarnings === warnings) {
      putCompiled(key, chunk);
      if (diskKey !== undefined) putCompiledOnDisk(diskKey, chunk);
    }
    return chunk;
  }

  /**
   * Whether cached code can run in this evaluation: its names interned (as parsing it would
   * have), and the symbol order it was compiled under still holding (code compiled under
   * another may fill its bindings in another order).
   */
  private usable(cached: Chunk): boolean {
    this.vm.symbols.internAll(cached.names ?? []);
    return this.vm.symbols.holds(cached.symbolOrderFacts ?? []);
  }

  /**
   * C++ Nix's resolveExprPath: a final symlink is followed (its target relative to the link's
   * directory, which is not itself resolved, so that `..` in the file means what it says),
   * then a directory means its default.nix.
   */
  resolveExprPath(path: string): string {
    let p = canonical(path);
    if (corepkgsFile(p) !== undefined) return p;
    let type = this.io.lstat(p);
    for (let follow = 0; type === 'symlink'; follow++) {
      if (follow >= 1024) throw new NixError('io', `too many symbolic links encountered while traversing the path '${path}'`);
      const target = this.io.readLink(p);
      p = canonicalisePath(target.startsWith('/') ? target : `${dirname(p)}/${target}`);
      type = this.io.lstat(p);
    }
    // The corepkgs accessor's lstat fails on a path it does not hold (its readFile would say 'file').
    if (type === undefined && isCorepkgsPath(p)) throw notExist(showPath(p));
    if (type === 'directory') p = p === '/' ? '/default.nix' : `${p}/default.nix`;
    return p;
  }

  importFile(path: string): Value {
    const cachedGiven = this.imports.get(path);
    if (cachedGiven) return cachedGiven;
    const file = this.resolveExprPath(path);
    const cached = this.imports.get(file);
    if (cached) return cached;
    const t = new Thunk(this.compileFile(file), rootEnv());
    this.imports.set(file, t);
    this.imports.set(path, t);
    return t;
  }

  *scopedImport(path: string, scope: NixAttrs): Generator<Request, Value, Value> {
    const file = this.resolveExprPath(path);
    const chunk = this.compileFile(file, scope.keys());
    const fn = yield* force(new Thunk(chunk, rootEnv()));
    return yield* force(yield new CallRequest(fn, [scope]));
  }

  /** Evaluates a chunk, applies -A and auto-arguments, and deep-forces if asked. */
  run(chunk: Chunk): Value {
    return this.select(this.vm.evalChunk(chunk), this.options.attrPath ?? '');
  }

  /**
   * What nix-instantiate --eval prints for one -A path of the evaluated file: the value at the
   * path (functions on the way are auto-called), itself auto-called only when there are
   * automatic arguments (so a file that is a function prints as one), deep-forced if asked.
   */
  select(root: Value, attrPath: string): Value {
    const self = this;
    return this.vm.run((function* (): Generator<Request, Value, Value> {
      const autoArgs = self.autoArguments();
      let v = yield* findAlongAttrPath(root, attrPath, autoArgs);
      if (autoArgs.size > 0) v = yield* autoCallFunction(v, autoArgs);
      if (self.options.strict) v = yield* deepForce(v, explicitDepth(self.settings, 0));
      return v;
    })());
  }

  /** The `--arg` (expressions, evaluated lazily) and `--argstr` (UTF-8 strings) values as one set. */
  autoArguments(): NixAttrs {
    this.autoArgs ??= this.buildAutoArguments();
    return this.autoArgs;
  }

  private autoArgs: NixAttrs | undefined;

  private buildAutoArguments(): NixAttrs {
    const map = new Map<string, Value>();
    for (const [k, text] of Object.entries(this.options.args ?? {})) {
      // Relative paths in an argument mean what they mean in the expression (the CLI's cwd).
      const chunk = this.compileSource(Source.fromUtf8(Source.STRING, text, this.cwd));
      map.set(k, new Thunk(chunk, rootEnv()));
    }
    for (const [k, s] of Object.entries(this.options.argstrs ?? {})) map.set(k, argString(s));
    for (const a of this.options.autoArgs ?? []) {
      if (a.kind === 'expr') map.set(a.name, new Thunk(this.compileSource(Source.fromUtf8(Source.STRING, a.value, this.cwd)), rootEnv()));
      else map.set(a.name, a.kind === 'string' ? argString(a.value) : a.value);
    }
    return NixAttrs.fromMap(map);
  }
}

/** The IO an evaluation gets when none is given. */
function defaultIO(options: EvaluateOptions, searchPath: readonly SearchPathEntry[], cwd: string): EvalIO {
  if (options.pure) return new NoIO();
  if (options.restricted) {
    // C++ Nix's restrict-eval: the search path's directories, and nothing else.
    const roots = searchPath.filter((e) => !isUrlLike(e.path)).map((e) => resolvePath(cwd, e.path));
    return new FsIO({ roots, allowedEnv: [] });
  }
  return new FsIO({ allowedEnv: '*' });
}

/** The name of scopedImport's argument: no Nix string holds a NUL, so no code can mention it. */
const SCOPE_ARG = '\0scope';

/** `SCOPE_ARG: let NAME = SCOPE_ARG.NAME; ... in ast` for scopedImport. */
function wrapInScope(ast: Expr, names: readonly string[]): Expr {
  const attrs = new Map<string, AttrDef>();
  for (const name of names) {
    attrs.set(name, {
      kind: 'plain',
      pos: 0,
      e: { kind: 'Select', pos: 0, e: { kind: 'Var', pos: 0, name: SCOPE_ARG }, path: [{ name, pos: 0 }] },
    });
  }
  const let_: ExprAttrs = { kind: 'Attrs', pos: 0, rec: true, attrs, dynamic: [], inheritFrom: [] };
  return { kind: 'Lambda', pos: 0, arg: SCOPE_ARG, body: { kind: 'Let', pos: 0, attrs: let_, body: ast } };
}

/** Parser calls so far in this process (files, expressions, arguments); for tests. */
export function parserCalls(): number {
  return compileCacheStats().parses;
}

export { compileCacheStats };

/**
 * A worker thread that evaluates calls this with its resourceLimits.stackSizeMb, so that the
 * compiled tier goes as deep as the thread's stack allows (src/codegen/crossing.ts).
 */
export { useWorkerStack } from './codegen/crossing.js';

/** What the command line does when compiled code first reaches its depth budget (src/codegen/crossing.ts). */
export { whenBudgetReached } from './codegen/crossing.js';

export interface EvalSuccess {
  ok: true;
  value: Value;
  messages: string[];
}

export interface EvalFailure {
  ok: false;
  error: NixError;
  rendered: string;
  messages: string[];
}

/** Evaluates and returns the value, or the error with its rendering. */
/**
 * An `--argstr` value as a Nix string (UTF-8 bytes). Nix strings are C strings: C++ Nix's
 * command line cannot pass a NUL byte at all, and where one would enter a string it refuses
 * it (forceNoNullByte); so does this.
 */
function argString(s: string): string {
  const bytes = Buffer.from(s, 'utf8').toString('latin1');
  if (bytes.includes('\0')) {
    throw new NixError('eval', `input string '${bytes.replaceAll('\0', utf8ToBytes('\u2400'))}' cannot be represented as Nix string because it contains null bytes`);
  }
  return bytes;
}

export function evaluate(options: EvaluateOptions): EvalSuccess | EvalFailure {
  const ev = new Evaluation(options);
  try {
    let source: Source | undefined;
    if (options.source) source = new Source(options.source.origin, options.source.text, options.source.baseDir);
    else if (!options.file) source = Source.fromUtf8(Source.STRING, options.expr ?? '', options.baseDir ?? process.cwd());
    const chunk = options.file && !options.source ? ev.compileFile(ev.resolveExprPath(resolvePath(ev.cwd, options.file))) : ev.compileSource(source!);
    const value = ev.run(chunk);
    return { ok: true, value, messages: ev.messages };
  } catch (e) {
    if (e instanceof NixError) return { ok: false, error: e, rendered: renderError(e), messages: ev.messages };
    throw e;
  }
}
