// `nixeval instantiate`: nix-instantiate, with its flags, settings, configuration files, output
// and exit codes (C++ Nix's src/nix/nix-instantiate/nix-instantiate.cc and the argument and
// settings machinery every legacy command shares, see args.ts and config.ts).
//
// For each file (or expression with -E, or stdin with `-`) and each -A path: --parse prints
// the AST; --eval prints the value (plain, --json, --xml or --raw); otherwise the drvPath of
// every derivation the value holds. Store paths are computed, never built, and nothing is
// written to a store; that derivations and sources "are" in the store is kept in memory for
// the evaluation (see src/store/state.ts).

import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { Source } from '../syntax/source.js';
import type { LintName } from '../syntax/parser.js';
import { showExpr } from '../syntax/show.js';
import { jsStackWasExhausted, NixError } from '../errors/errors.js';
import { renderError } from '../errors/render.js';
import { type AutoArg, Evaluation, type MessageLevel } from '../eval.js';
import { FsIO } from '../io/fs-io.js';
import { useDiskCache } from '../io/compile-cache.js';
import { diskCacheFromEnv } from '../io/disk-cache.js';
import { parseNixPath } from '../io/io.js';
import { findInSearchPath } from '../builtins/io.js';
import { OUTPUT_PRINT, printValue } from '../value/print.js';
import { toJSON } from '../value/json.js';
import { explicitDepth, MAX_CALL_DEPTH } from '../value/depth.js';
import { printValueAsXML } from '../value/xml.js';
import type { Request, Value } from '../value/values.js';
import { coerceToString } from '../value/coerce.js';
import { findAlongAttrPath } from '../value/auto-call.js';
import { getDerivations, type PackageInfo } from '../value/get-derivations.js';
import { NIX_VERSION, NIXEVAL_VERSION } from '../version.js';
import { ArgParser } from './args.js';
import { parseIntWithUnitPrefix } from './settings.js';
import { type Env, NixConfig } from './config.js';
import { CliError, UsageError } from './errors.js';
import { INSTANTIATE_HELP } from './instantiate-help.js';
import { Logger, type Sink, Verbosity } from './output.js';
import { GcRoots, writeStoreObjects } from './write-store.js';
import { startStats, writeStats } from './show-stats.js';
import { storeState } from '../store/state.js';

export interface CliIO {
  stdout: Sink;
  stderr: Sink;
  readStdin(): string;
  /** The environment (default: the process's). */
  env?: Env;
  /** The working directory (default: the process's). */
  cwd?: string;
  /**
   * Whether stderr is a terminal that shows colours (default false: escapes are filtered out),
   * or how to find out when a message is first written.
   */
  colourTerminal?: boolean | (() => boolean);
  /**
   * When the JS stack ran out (see noteJsStackOverflow), throw StackExhausted instead of
   * reporting the error: the caller runs the command again with a larger stack.
   */
  retryOnStackExhaustion?: boolean;
  /**
   * The identity of this build of nixeval (src/cli/load-entry.cts, buildId): given, files the
   * command compiles are kept on disk and read back by the next process (io/disk-cache.ts),
   * where the environment allows (NIXEVAL_CACHE, NIXEVAL_CACHE_DIR); not given, they are not.
   */
  build?: () => string;
}

/** The command failed because this thread's JS stack was too small for it. */
export class StackExhausted extends Error {}

/** The program name in messages: `nixeval instantiate` stands in for this program. */
const PROGRAM = 'nix-instantiate';

type OutputKind = 'plain' | 'raw' | 'xml' | 'json';

/** What the command line asked for (the locals of C++ Nix's main_nix_instantiate). */
interface Command {
  files: string[];
  readStdin: boolean;
  fromArgs: boolean;
  findFile: boolean;
  evalOnly: boolean;
  parseOnly: boolean;
  output: OutputKind;
  xmlLocation: boolean;
  strict: boolean;
  attrPaths: string[];
  /** `--add-root`: a root is made only with `--write-store` (write-store.ts, GcRoots); without it
   * nothing is written, and the flag only silences the warning about it. */
  gcRoot?: string;
  gcWarning: boolean;
  wantsReadWrite: boolean;
  /** `--readonly-mode` or `--dry-run`: the store is not written. */
  readOnly: boolean;
  /** nixeval's `--write-store`: in read-write mode, write what the evaluation put in the store. */
  writeStore: boolean;
  autoArgs: AutoArg[];
  /** -I, in order. */
  includes: string[];
}

/** Leaves the command at once with a status (C++ Nix's Exit: --help, --version). */
class Exit {
  constructor(readonly status: number) {}
}

/** Runs `nix-instantiate ARGS`; returns the exit code. */
export function instantiate(args: string[], io: CliIO): number {
  const env = io.env ?? process.env;
  const logger = new Logger(io.stderr, io.colourTerminal ?? false);
  const config = new NixConfig((m) => logger.warn(m));
  let showTrace = false;
  try {
    const cmd = parseCommandLine(args, io, env, config, logger);
    showTrace = config.bool('show-trace');
    const stats = startStats();
    const status = withDiskCache(io, env, () => run(cmd, io, env, config, logger));
    if (stats !== null) writeStats(stats, io.stderr, env.NIX_SHOW_STATS_PATH);
    return status;
  } catch (e) {
    if (e instanceof Exit) return e.status;
    if (io.retryOnStackExhaustion && (jsStackWasExhausted() || isStackOverflow(e))) throw new StackExhausted();
    if (e instanceof NixError) {
      logger.log(Verbosity.Error, renderError(e, { showTrace }).replace(/\n$/, ''));
      return 1;
    }
    if (e instanceof UsageError) {
      logger.log(Verbosity.Error, `error: ${e.message}`);
      logger.log(Verbosity.Error, `Try '${PROGRAM} --help' for more information.`);
      return 1;
    }
    if (e instanceof CliError) {
      logger.log(Verbosity.Error, `error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/**
 * Runs `body` with the disk cache of compiled files on (io/disk-cache.ts) when the caller
 * gave the build's identity and the environment does not turn it off.
 */
function withDiskCache<T>(io: CliIO, env: Env, body: () => T): T {
  const cache = io.build === undefined ? undefined : diskCacheFromEnv(env, io.build);
  if (cache === undefined) return body();
  useDiskCache(cache);
  try {
    return body();
  } finally {
    useDiskCache(undefined);
    // Which chunks the next process translates at once (after the output: it waits for none of this).
    cache.recordTranslated();
  }
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

function parseCommandLine(args: string[], io: CliIO, env: Env, config: NixConfig, logger: Logger): Command {
  const cmd: Command = {
    files: [], readStdin: false, fromArgs: false, findFile: false, evalOnly: false, parseOnly: false,
    output: 'plain', xmlLocation: true, strict: false, attrPaths: [], gcWarning: true, wantsReadWrite: false, readOnly: false, writeStore: false,
    autoArgs: [], includes: [],
  };
  // The configuration comes first: NIX_ABORT_ON_WARN, the files and NIX_CONFIG, then NIX_PATH,
  // which wins over the files' nix-path; the command line comes last and wins over all.
  const abortOnWarn = env.NIX_ABORT_ON_WARN;
  if (abortOnWarn === '1' || abortOnWarn === 'yes' || abortOnWarn === 'true') config.set('abort-on-warn', 'true');
  config.load(env);
  if (env.NIX_PATH !== undefined) config.set('nix-path', parseNixPath(env.NIX_PATH).join(' '));

  const p = new ArgParser();
  const on = (name: string, handler: () => void, short?: string): void => {
    p.flag(name, { arity: 0, handler }, { short });
  };
  const withArg = (name: string, handler: (v: string) => void, short?: string, legacy = false): void => {
    p.flag(name, { arity: 1, handler: ([v]) => handler(v), legacy }, { short });
  };
  /** A flag nix-instantiate parses itself (see Flag.legacy). */
  const own = (name: string, handler: () => void, short?: string): void => {
    p.flag(name, { arity: 0, handler, legacy: true }, { short });
  };
  const ignored = (name: string, arity = 0, short?: string): void => {
    p.flag(name, { arity, handler: () => {} }, { short });
  };

  // Every command's flags (libmain/common-args.cc): logging, --option, the settings.
  on('verbose', () => { logger.verbosity = Math.min(logger.verbosity + 1, Verbosity.Vomit); }, 'v');
  on('quiet', () => { logger.verbosity = Math.max(logger.verbosity - 1, Verbosity.Error); });
  on('debug', () => { logger.verbosity = Verbosity.Debug; });
  p.flag('option', {
    arity: 2,
    handler: ([name, value]) => {
      try {
        config.set(name, value);
      } catch (e) {
        // A value the setting refuses is a warning here, not an error.
        if (!(e instanceof UsageError)) throw e;
        logger.warn(e.message);
      }
    },
  });
  withArg('log-format', (f) => {
    if (!['raw', 'raw-with-logs', 'internal-json', 'bar', 'bar-with-logs'].includes(f)) {
      throw new CliError(`option 'log-format' has an invalid value '${f}'`);
    }
    if (f === 'internal-json') throw new CliError("nixeval does not have the 'internal-json' log format");
  });
  p.settingFlags(config);
  withArg('max-jobs', (v) => { config.set('max-jobs', v); }, 'j');
  // The legacy commands' flags (libmain/shared.cc): about building, which never happens here.
  ignored('no-build-output', 0, 'Q');
  ignored('keep-failed', 0, 'K');
  ignored('keep-going', 0, 'k');
  ignored('fallback');
  ignored('repair');
  for (const name of ['cores', 'max-silent-time', 'timeout']) {
    // A number of seconds or cores for builds; `timeout` does not limit evaluation in C++ Nix either.
    withArg(name, (v) => { config.set(name, parseIntWithUnitPrefix(v).toString()); });
  }
  on('readonly-mode', () => { cmd.readOnly = true; });
  on('no-gc-warning', () => { cmd.gcWarning = false; });
  withArg('store', (v) => { config.set('store', v); });
  // Evaluation flags (libcmd/common-eval-args.cc).
  p.flag('arg', { arity: 2, handler: ([name, expr]) => { cmd.autoArgs.push({ name, kind: 'expr', value: expr }); } });
  p.flag('argstr', { arity: 2, handler: ([name, s]) => { cmd.autoArgs.push({ name, kind: 'string', value: s }); } });
  p.flag('arg-from-file', {
    arity: 2,
    handler: ([name, path]) => { cmd.autoArgs.push({ name, kind: 'bytes', value: readArgFile(resolve(io.cwd ?? process.cwd(), path)) }); },
  });
  withArg('arg-from-stdin', (name) => { cmd.autoArgs.push({ name, kind: 'bytes', value: io.readStdin() }); });
  withArg('include', (v) => { cmd.includes.push(v); }, 'I');
  on('impure', () => { config.set('pure-eval', 'false'); });
  p.flag('override-flake', { arity: 2, handler: () => { throw new CliError('nixeval has no flake registry to override'); } });
  withArg('eval-store', () => {});
  // nix-instantiate's own flags.
  own('help', () => { io.stdout.write(INSTANTIATE_HELP); throw new Exit(0); });
  own('version', () => { io.stdout.write(`${PROGRAM} (nixeval ${NIXEVAL_VERSION}) ${NIX_VERSION}\n`); throw new Exit(0); });
  own('expr', () => { cmd.fromArgs = true; }, 'E');
  own('eval', () => { cmd.evalOnly = true; });
  own('eval-only', () => { cmd.evalOnly = true; });
  own('read-write-mode', () => { cmd.wantsReadWrite = true; });
  own('parse', () => { cmd.parseOnly = cmd.evalOnly = true; });
  own('parse-only', () => { cmd.parseOnly = cmd.evalOnly = true; });
  own('find-file', () => { cmd.findFile = true; });
  withArg('attr', (v) => { cmd.attrPaths.push(v); }, 'A', true);
  withArg('add-root', (v) => { cmd.gcRoot = v; }, undefined, true);
  own('indirect', () => {});
  own('raw', () => { cmd.output = 'raw'; });
  own('xml', () => { cmd.output = 'xml'; });
  own('json', () => { cmd.output = 'json'; });
  own('no-location', () => { cmd.xmlLocation = false; });
  own('strict', () => { cmd.strict = true; });
  own('dry-run', () => { cmd.readOnly = true; });
  // nixeval's own.
  own('write-store', () => { cmd.writeStore = true; });

  const needed = p.parse(args, (word) => {
    if (word === '-') cmd.readStdin = true;
    else cmd.files.push(word);
  });
  config.warnUnknownSettings();
  for (const f of needed) {
    if (!config.featureEnabled(f)) throw missingFeature(f);
  }
  return cmd;
}

function missingFeature(f: string): CliError {
  return new CliError(`experimental Nix feature '${f}' is disabled; add '--extra-experimental-features ${f}' to enable it`);
}

function readArgFile(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (e) {
    throw new CliError(`reading file '${path}': ${describeErrno(e)}`);
  }
}

function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return 'No such file or directory';
    case 'ENOTDIR': return 'Not a directory';
    case 'EACCES': return 'Permission denied';
    case 'EISDIR': return 'Is a directory';
    case 'ELOOP': return 'Too many levels of symbolic links';
    case 'ENAMETOOLONG': return 'File name too long';
    default: return code ?? String(e);
  }
}

/** The lint settings nixeval's parser has, from `lint-*` = warn | fatal. */
function lintsOf(config: NixConfig): Partial<Record<LintName, 'warn' | 'fatal'>> {
  const lints: Partial<Record<LintName, 'warn' | 'fatal'>> = {};
  for (const name of ['url-literals', 'short-path-literals', 'absolute-path-literals'] as const) {
    const v = config.get(`lint-${name}`);
    if (v === 'warn' || v === 'fatal') lints[name] = v;
  }
  return lints;
}

/**
 * C++ Nix's getHome (libutil/unix/users.cc): $HOME, unless it exists and belongs to another
 * user (or cannot be looked at); then the home directory of the user's passwd entry, with a
 * warning. Undefined when there is none (C++ Nix: "cannot determine user's home directory").
 */
function getHome(env: Env, logger: Logger): string | undefined {
  let home = env.HOME;
  let unowned: string | undefined;
  if (home !== undefined) {
    try {
      if (statSync(home).uid !== process.geteuid?.()) {
        unowned = home;
        home = undefined;
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        logger.warn(`couldn't stat $HOME ('${home}') for reason other than not existing, falling back to the one defined in the 'passwd' file: ${describeErrno(e)}`);
        home = undefined;
      }
    }
  }
  if (home !== undefined) return home;
  let passwd: string;
  try {
    passwd = userInfo().homedir;
  } catch {
    return undefined;
  }
  if (!passwd) return undefined;
  if (unowned !== undefined && unowned !== passwd) {
    logger.warn(`$HOME ('${unowned}') is not owned by you, falling back to the one defined in the 'passwd' file ('${passwd}')`);
  }
  return passwd;
}

/** C++ Nix's EvalSettings::getDefaultNixPath: the channels that exist. */
function defaultNixPath(home: string | undefined, env: Env, config: NixConfig): string[] {
  const out: string[] = [];
  const exists = (p: string): boolean => {
    try {
      lstatSync(p);
      return true;
    } catch {
      return false;
    }
  };
  home ??= '';
  const defExpr = config.bool('use-xdg-base-directories')
    ? `${env.XDG_STATE_HOME || `${home}/.local/state`}/nix/defexpr`
    : `${home}/.nix-defexpr`;
  if (exists(`${defExpr}/channels`)) out.push(`${defExpr}/channels`);
  const rootChannels = '/nix/var/nix/profiles/per-user/root/channels';
  if (exists(`${rootChannels}/nixpkgs`)) out.push(`nixpkgs=${rootChannels}/nixpkgs`);
  if (exists(rootChannels)) out.push(rootChannels);
  return out;
}

/** C++ Nix's isPseudoUrl: what nix-instantiate would download rather than read. */
function isPseudoUrl(s: string): boolean {
  if (s.startsWith('channel:')) return true;
  const i = s.indexOf('://');
  return i >= 0 && ['http', 'https', 'file', 'channel', 'git', 's3', 'ssh'].includes(s.slice(0, i));
}

/**
 * The store directory: a `store=` parameter of the store setting (whose default is
 * NIX_REMOTE, as C++ Nix's), else NIX_STORE_DIR, else /nix/store.
 */
function storeDirOf(config: NixConfig, env: Env): string {
  const store = config.get('store') ?? env.NIX_REMOTE;
  if (typeof store === 'string') {
    const m = /[?&]store=([^&]*)/.exec(store);
    if (m) return decodeURIComponent(m[1]);
  }
  return env.NIX_STORE_DIR !== undefined && env.NIX_STORE_DIR !== '' ? env.NIX_STORE_DIR : '/nix/store';
}

/**
 * The store that refuses what nix-instantiate writes, when it does write (read-write mode): a
 * dummy store, read-only unless `?read-only=false` (C++ Nix's DummyStoreConfig), named as its
 * errors name it.
 */
function unwritableStore(config: NixConfig, env: Env, readWrite: boolean): string | undefined {
  const store = config.get('store') ?? env.NIX_REMOTE;
  if (!readWrite || typeof store !== 'string') return undefined;
  const m = /^dummy:\/\/([^?]*)(?:\?(.*))?$/.exec(store);
  if (m === null) return undefined;
  const readOnly = new URLSearchParams(m[2] ?? '').get('read-only');
  return readOnly === 'false' || readOnly === '0' || readOnly === 'no' ? undefined : `dummy://${m[1]}`;
}

function run(cmd: Command, io: CliIO, env: Env, config: NixConfig, logger: Logger): number {
  const cwd = io.cwd ?? process.cwd();
  // Settings whose output nixeval cannot give: said, rather than silently left out.
  if (config.bool('trace-function-calls')) logger.warn("nixeval does not trace function calls: 'trace-function-calls' is ignored");
  const profiler = config.get('eval-profiler');
  if (profiler === 'flamegraph') logger.warn("nixeval has no evaluation profiler: 'eval-profiler' is ignored");
  const pure = config.bool('pure-eval');
  const restricted = config.bool('restrict-eval');
  const maxCallDepth = config.get('max-call-depth');
  const system = config.get('eval-system') || config.get('system');
  // getHome, as C++ Nix calls it when it makes the default search path (outside pure mode).
  const home = pure ? env.HOME : getHome(env, logger);
  const searchPath = pure ? [] : [
    ...cmd.includes, ...config.list('nix-path'), ...(restricted ? [] : defaultNixPath(home, env, config)),
  ];
  // As nix-instantiate: read-write unless --eval without --read-write-mode, or --readonly-mode.
  const readWrite = !cmd.readOnly && (!cmd.evalOnly || cmd.wantsReadWrite);
  const refusing = unwritableStore(config, env, readWrite);
  const ev = new Evaluation({
    baseDir: cwd,
    maxCallDepth: typeof maxCallDepth === 'bigint' ? Number(maxCallDepth) : undefined,
    // Only the plain output deep-forces first: JSON and XML force as they print (when --strict),
    // and --raw coerces the value as it is, as nix-instantiate does.
    strict: cmd.strict && cmd.output === 'plain',
    autoArgs: cmd.autoArgs,
    home,
    lints: lintsOf(config),
    settings: {
      experimentalFeatures: new Set(config.list('experimental-features')),
      abortOnWarn: config.bool('abort-on-warn'),
      traceVerbose: config.bool('trace-verbose'),
      allowDirty: config.bool('allow-dirty', true),
      warnDirty: config.bool('warn-dirty', true),
      allowedUris: config.list('allowed-uris'),
      storeDir: storeDirOf(config, env),
      ...(refusing !== undefined ? { unwritableStore: refusing } : {}),
      ...(typeof system === 'string' && system !== '' ? { currentSystem: system } : {}),
    },
    onMessage: (line: string, level: MessageLevel) => logger.log(level === 'error' ? Verbosity.Error : Verbosity.Warn, line),
    // The user's own command line, like nix-instantiate: the whole filesystem and environment,
    // unless pure or restricted evaluation is asked for. In pure mode no file may be read (but
    // what the evaluation itself puts in the store), and a path that may not be read does not
    // exist for pathExists, with current C++ Nix's error for the others; restricted mode
    // allows the search path's directories (src/eval.ts).
    io: pure ? new FsIO({ roots: [], allowedEnv: [], env, modeName: PURE_MODE })
      : restricted ? undefined : new FsIO({ allowedEnv: '*', env }),
    // C++ Nix's fetchers read the filesystem themselves: a locked fetch in pure mode, or a URL
    // allowed-uris allows in restricted mode, is not bounded by the evaluation's own access.
    fetchIO: pure || restricted ? new FsIO({ allowedEnv: [], env }) : undefined,
    pure,
    restricted,
    allowedEnv: ['*'],
    searchPath,
  });

  // nix-instantiate parses the --arg expressions (getAutoArgs) before anything else: their
  // syntax errors and undefined variables come before --find-file and the files' own errors.
  if (cmd.autoArgs.length > 0) ev.autoArguments();
  if (cmd.findFile) {
    for (const name of cmd.files) io.stdout.write(Buffer.from(findInSearchPath(ev, ev.searchPath, name) + '\n', 'latin1'));
    return 0;
  }
  const attrPaths = cmd.attrPaths.length > 0 ? cmd.attrPaths : [''];
  // Roots are made in read-only mode too, as nix-instantiate makes them (only the store is not written).
  const roots = cmd.gcRoot !== undefined && cmd.writeStore ? new GcRoots(resolve(cwd, cmd.gcRoot), ev.settings.storeDir) : undefined;
  try {
    if (cmd.readStdin) {
      processExpr(ev, new Source(Source.STDIN, io.readStdin(), cwd), cmd, attrPaths, io, roots);
    } else if (cmd.files.length === 0 && !cmd.fromArgs) {
      cmd.files.push('./default.nix');
    }
    for (const file of cmd.files) {
      if (cmd.fromArgs) {
        processExpr(ev, Source.fromUtf8(Source.STRING, file, cwd), cmd, attrPaths, io, roots);
      } else {
        const given = lookupFileArg(ev, file, cwd, config);
        // In pure or restricted mode, a file that may not be read is refused before it is
        // looked for, as C++ Nix's access control comes before its lstat.
        if (pure || restricted) ev.io.lstat(given);
        const path = ev.resolveExprPath(resolveExprPath(given));
        processExpr(ev, path, cmd, attrPaths, io, roots);
      }
    }
  } finally {
    // What was put in the store so far is there, as with C++ Nix, even if evaluation failed.
    if (cmd.writeStore && readWrite) {
      const store = storeState(ev);
      writeStoreObjects(ev.io, store.storeDir, [...store.contents.keys(), ...store.derivations.keys()]);
    }
  }
  return 0;
}

/** How C++ Nix names pure mode in an access error. */
const PURE_MODE = "pure evaluation mode (use '--impure' to override)";

/** C++ Nix's lookupFileArg: `<name>` through the search path, a URL refused, a path made absolute. */
function lookupFileArg(ev: Evaluation, s: string, cwd: string, config: NixConfig): string {
  if (isPseudoUrl(s)) throw new CliError(`cannot download '${s}': nixeval never accesses the network`);
  if (s.startsWith('flake:')) {
    if (!config.featureEnabled('flakes')) throw missingFeature('flakes');
    throw new CliError(`cannot fetch '${s}': nixeval never accesses the network`);
  }
  if (s.length > 2 && s.startsWith('<') && s.endsWith('>')) return findInSearchPath(ev, ev.searchPath, s.slice(1, -1));
  return resolve(cwd, s);
}

/**
 * C++ Nix's resolveExprPath for a file named on the command line: a final symlink is followed,
 * a directory means its default.nix; a path that is not there is `getting status of`'s error,
 * with the directory part resolved as C++ Nix resolves it.
 */
function resolveExprPath(path: string): string {
  let shown = path;
  try {
    const dir = realpathSync.native(dirname(path));
    shown = dir === '/' ? `/${basename(path)}` : `${dir}/${basename(path)}`;
  } catch {
    // The directory itself is missing: the error names the path as given.
  }
  try {
    lstatSync(shown);
  } catch (e) {
    throw new CliError(`getting status of '${shown}': ${describeErrno(e)}`);
  }
  return path;
}

/** The source of a file (resolved: see Evaluation.resolveExprPath). */
function fileSource(ev: Evaluation, file: string): Source {
  return new Source(file, ev.io.readFile(file), dirname(file));
}

/**
 * C++ Nix's processExpr: one expression, each -A path in turn, each printed before the next is
 * evaluated. `input`: the expression's source, or a file's resolved path (compiled through the
 * compile caches, so it is read once; its text is needed apart only to print it with --parse).
 */
function processExpr(
  ev: Evaluation, input: Source | string, cmd: Command, attrPaths: string[], io: CliIO, roots?: GcRoots,
): void {
  const out = (s: string): void => { io.stdout.write(Buffer.from(s, 'latin1')); };
  if (cmd.parseOnly) {
    // Compiling checks the names, as nix-instantiate --parse reports undefined variables.
    const source = typeof input === 'string' ? fileSource(ev, input) : input;
    // Its names interned as parsed, as when it is evaluated: the symbol order decides which
    // of several undefined variables is reported.
    const names: string[] = [];
    const ast = ev.parseSource(source, names);
    ev.vm.symbols.internAll(names);
    ev.compileAst(ast, source);
    out(showExpr(ast) + '\n');
    return;
  }
  const root = ev.vm.evalChunk(typeof input === 'string' ? ev.compileFile(input) : ev.compileSource(input));
  if (!cmd.evalOnly) {
    printDerivations(ev, root, cmd, attrPaths, out, roots);
    return;
  }
  for (const attrPath of attrPaths) {
    const value = ev.select(root, attrPath);
    // XML output counts nesting against max-call-depth, as C++ Nix's does, so a cyclic value
    // ends. JSON output has no depth limit unless one is set (deep data prints) and stops at a
    // cycle instead. With an explicit max-call-depth both count as C++ Nix's (value/depth.ts).
    const xmlDepth = explicitDepth(ev.settings, 0) ?? { start: 0, limit: MAX_CALL_DEPTH, exact: false };
    if (cmd.output === 'json') {
      out(ev.vm.run((function* (): Generator<Request, Value, Value> {
        return yield* toJSON(value, new Set(), true, explicitDepth(ev.settings, 0), undefined, cmd.strict);
      })()) as string + '\n');
    } else if (cmd.output === 'xml') {
      // The XML document ends with its own newline; nix-instantiate adds none. When printing
      // fails, what was printed, its open elements closed, still goes out before the error.
      const document: string[] = [];
      try {
        ev.vm.run((function* (): Generator<Request, Value, Value> {
          return yield* printValueAsXML(value, new Set(), { strict: cmd.strict, location: cmd.xmlLocation, depth: xmlDepth }, document);
        })());
      } finally {
        // Chunk by chunk: a document cut short by max-call-depth may be longer than a JS string.
        for (const chunk of document) out(chunk);
      }
    } else if (cmd.output === 'raw') {
      // No newline after a raw string, as nix-instantiate.
      out(ev.vm.run((function* (): Generator<Request, Value, Value> {
        try {
          return (yield* coerceToString(value, { coerceMore: false, copyToStore: true })).s;
        } catch (e) {
          if (e instanceof NixError) e.addTrace('while generating the nix-instantiate output');
          throw e;
        }
      })()) as string);
    } else {
      const limit = ev.settings.maxCallDepth;
      out(printValue(value, limit === undefined ? OUTPUT_PRINT : { ...OUTPUT_PRINT, maxCallDepth: limit }) + '\n');
    }
  }
}

/**
 * Without --eval: nix-instantiate's output for each -A path (or the whole value), one line
 * per derivation found, its drvPath with `!OUTPUT` when the derivation's output is not
 * `out`. The drvPaths are computed; with `roots` (`--add-root` and `--write-store`) each
 * gets a root, whose path is printed instead, as C++ Nix does on a local
 * store; otherwise, as with C++ Nix on a store that cannot make roots, `--add-root` only
 * silences the warning about it.
 */
function printDerivations(
  ev: Evaluation, root: Value, cmd: Command, attrPaths: string[], out: (s: string) => void, roots?: GcRoots,
): void {
  const autoArgs = ev.autoArguments();
  const storeDir = ev.settings.storeDir;
  let warned = false;
  for (const attrPath of attrPaths) {
    let drvs: PackageInfo[] = [];
    ev.vm.run((function* (): Generator<Request, Value, Value> {
      const v = yield* findAlongAttrPath(root, attrPath, autoArgs);
      drvs = yield* getDerivations(v, autoArgs, { storeDir, maxDepth: ev.settings.maxCallDepth });
      return null;
    })());
    // Each line is printed as soon as it is known: a later derivation's error comes after it.
    for (const drv of drvs) {
      let line = '';
      let path = '';
      ev.vm.run((function* (): Generator<Request, Value, Value> {
        const drvPath = yield* drv.requireDrvPath();
        const outputName = yield* drv.queryOutputName();
        if (outputName === '') throw new NixError('eval', `derivation '${drvPath}' lacks an 'outputName' attribute`);
        line = outputName === 'out' ? '' : `!${outputName}`;
        path = drvPath;
        return null;
      })());
      line = (roots ? roots.add(path) : path) + line;
      if (cmd.gcRoot === undefined && cmd.gcWarning && !warned) {
        ev.warn("you did not specify '--add-root'; the result might be removed by the garbage collector");
        warned = true;
      }
      out(line + '\n');
    }
  }
}
