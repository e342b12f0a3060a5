// `nixeval instantiate`: the flags of nix-instantiate, with the same meaning and output.

import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { Source } from '../syntax/source.js';
import type { LintName } from '../syntax/parser.js';
import { showExpr } from '../syntax/show.js';
import { NixError } from '../errors/errors.js';
import { renderError } from '../errors/render.js';
import { Evaluation } from '../eval.js';
import { FsIO } from '../io/fs-io.js';
import { parseNixPath } from '../io/io.js';
import { printValue } from '../value/print.js';
import { toJSON } from '../value/json.js';
import { printValueAsXML } from '../value/xml.js';
import type { Request, Value } from '../value/values.js';
import { findAlongAttrPath } from '../value/auto-call.js';
import { getDerivations, type PackageInfo } from '../value/get-derivations.js';

export interface CliIO {
  stdout: { write(chunk: Buffer | string): unknown };
  stderr: { write(chunk: Buffer | string): unknown };
  readStdin(): string;
}

interface Options {
  parseOnly: boolean;
  eval: boolean;
  strict: boolean;
  json: boolean;
  xml: boolean;
  /**
   * C++ Nix's show-trace setting: all frames of an error's trace, and not only the first. On
   * unless `--no-show-trace`: nixeval behaves as nix-instantiate does with `show-trace = true`
   * in nix.conf, which is how the language tests (tests/functional/lang) run it.
   */
  showTrace: boolean;
  /** C++ Nix's max-call-depth setting; default none (see VmOptions.maxCallDepth). */
  maxCallDepth?: number;
  file?: string;
  exprs: string[];
  attrPaths: string[];
  args: Record<string, string>;
  argstrs: Record<string, string>;
  searchPath: string[];
  lints: Partial<Record<LintName, 'warn' | 'fatal'>>;
  features: Set<string>;
  /** `--add-root`: no root is ever made (nothing is written), but it silences the warning. */
  gcRoot?: string;
  /** Warn that no `--add-root` was given (`--no-gc-warning` turns it off). */
  gcWarning: boolean;
}

/** Flags nix-instantiate accepts that change nothing here. */
const IGNORED_FLAGS = new Set(['--no-location', '--read-write-mode', '--readonly-mode', '--impure']);
/** Flags that take one value we do not use. */
const IGNORED_WITH_VALUE = new Set<string>();
/** `--lint-NAME warn|fatal` */
const LINT_FLAGS = new Map<string, LintName>([
  ['--lint-url-literals', 'url-literals'],
  ['--lint-short-path-literals', 'short-path-literals'],
  ['--lint-absolute-path-literals', 'absolute-path-literals'],
]);

function parseArgs(args: string[]): Options {
  const o: Options = {
    parseOnly: false, eval: false, strict: false, json: false, xml: false, showTrace: true,
    exprs: [], attrPaths: [], args: {}, argstrs: {}, searchPath: [], lints: {}, features: new Set(),
    gcWarning: true,
  };
  let exprMode = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    switch (a) {
      case '--parse': o.parseOnly = true; break;
      case '--eval': o.eval = true; break;
      case '--strict': o.strict = true; break;
      case '--json': o.json = true; break;
      case '--xml': o.xml = true; break;
      case '--show-trace': o.showTrace = true; break;
      case '--no-show-trace': o.showTrace = false; break;
      case '--max-call-depth': o.maxCallDepth = settingInteger('max-call-depth', args[++i]); break;
      case '-E': case '--expr': exprMode = true; break;
      case '-A': case '--attr': o.attrPaths.push(args[++i]); break;
      case '-I': o.searchPath.push(args[++i]); break;
      case '--arg': o.args[args[i + 1]] = args[i + 2]; i += 2; break;
      case '--argstr': o.argstrs[args[i + 1]] = args[i + 2]; i += 2; break;
      case '--add-root': o.gcRoot = args[++i]; break;
      case '--indirect': break;
      case '--no-gc-warning': o.gcWarning = false; break;
      default:
        if (IGNORED_FLAGS.has(a)) break;
        if (a === '--extra-experimental-features' || a === '--experimental-features') {
          for (const f of (args[++i] ?? '').split(/\s+/)) if (f) o.features.add(f);
          break;
        }
        if (LINT_FLAGS.has(a)) {
          const level = args[++i];
          if (level === 'warn' || level === 'fatal') o.lints[LINT_FLAGS.get(a)!] = level;
          break;
        }
        if (a === '--option') {
          setOption(o, args[i + 1], args[i + 2]);
          i += 2;
          break;
        }
        if (IGNORED_WITH_VALUE.has(a)) { i += 1; break; }
        if (a.startsWith('-') && a !== '-') throw new NixError('eval', `unrecognised flag '${a}'`);
        if (exprMode) o.exprs.push(a);
        else o.file = a;
    }
  }
  return o;
}

/** `--option NAME VALUE`: the settings nixeval has; others change nothing. */
function setOption(o: Options, name: string | undefined, value: string | undefined): void {
  if (name === undefined || value === undefined) throw new NixError('eval', "flag '--option' requires 2 argument(s)");
  if (name === 'max-call-depth') o.maxCallDepth = settingInteger(name, value);
  else if (name === 'show-trace') o.showTrace = settingBool(name, value);
}

function settingInteger(name: string, value: string | undefined): number {
  if (value === undefined || !/^[0-9]+$/.test(value)) {
    throw new NixError('eval', `configuration setting '${name}' should be an integer`);
  }
  return Number(value);
}

function settingBool(name: string, value: string): boolean {
  if (value === 'true' || value === 'yes' || value === '1') return true;
  if (value === 'false' || value === 'no' || value === '0') return false;
  throw new NixError('eval', `configuration setting '${name}' should be 'true' or 'false'`);
}

function writeBytes(stream: CliIO['stdout'], s: string): void {
  stream.write(Buffer.from(s, 'latin1'));
}

export function instantiate(args: string[], io: CliIO): number {
  let showTrace = true;
  try {
    const opts = parseArgs(args);
    showTrace = opts.showTrace;
    return run(opts, io);
  } catch (e) {
    if (e instanceof NixError) {
      writeBytes(io.stderr, renderError(e, { showTrace }));
      return 1;
    }
    throw e;
  }
}

function run(opts: Options, io: CliIO): number {
  let source: Source;
  if (opts.exprs.length > 0) {
    source = Source.fromUtf8(Source.STRING, opts.exprs[0], process.cwd());
  } else if (opts.file === '-' || (opts.file === undefined && opts.parseOnly)) {
    source = new Source(Source.STDIN, io.readStdin(), process.cwd());
  } else {
    const path = resolve(opts.file ?? 'default.nix');
    source = new Source(path, readFileSync(path, 'latin1'), dirname(path));
  }
  const ev = new Evaluation({
    maxCallDepth: opts.maxCallDepth,
    strict: opts.strict || opts.json,
    args: opts.args,
    argstrs: opts.argstrs,
    home: process.env.HOME,
    lints: opts.lints,
    settings: { experimentalFeatures: opts.features },
    onMessage: (line) => writeBytes(io.stderr, line + '\n'),
    // The user's own command line, like nix-instantiate: the whole filesystem and environment.
    io: new FsIO({ allowedEnv: '*' }),
    allowedEnv: ['*'],
    searchPath: [...opts.searchPath, ...parseNixPath(process.env.NIX_PATH ?? '')],
  });
  if (opts.parseOnly) {
    // Compiling checks the names, as nix-instantiate --parse reports undefined variables.
    const ast = ev.parseSource(source);
    ev.compileAst(ast, source);
    writeBytes(io.stdout, showExpr(ast) + '\n');
    return 0;
  }
  const chunk = ev.compileSource(source);
  if (!opts.eval) return printDerivations(ev, ev.vm.evalChunk(chunk), opts, io);
  const root = ev.vm.evalChunk(chunk);
  // One result per -A path, each printed before the next is evaluated (as nix-instantiate).
  for (const attrPath of opts.attrPaths.length > 0 ? opts.attrPaths : ['']) {
    const value = ev.select(root, attrPath);
    if (opts.json) {
      writeBytes(io.stdout, ev.vm.run((function* (): Generator<Request, Value, Value> {
        return yield* toJSON(value, new Set());
      })()) as string + '\n');
    } else if (opts.xml) {
      // The XML document ends with its own newline; nix-instantiate adds none.
      // Positions of functions are not shown (as with --no-location).
      writeBytes(io.stdout, ev.vm.run((function* (): Generator<Request, Value, Value> {
        return yield* printValueAsXML(value, new Set(), { strict: opts.strict, location: false });
      })()) as string);
    } else {
      writeBytes(io.stdout, printValue(value, { trackRepeated: true }) + '\n');
    }
  }
  return 0;
}

/**
 * Without --eval: nix-instantiate's output for each -A path (or the whole value), one line
 * per derivation found, its drvPath with `!OUTPUT` when the derivation's output is not
 * `out`. The drvPaths are computed, never written: as with C++ Nix on a store that cannot
 * make GC roots, `--add-root` only silences the warning about it.
 */
function printDerivations(ev: Evaluation, root: Value, opts: Options, io: CliIO): number {
  const autoArgs = ev.autoArguments();
  const storeDir = ev.settings.storeDir;
  let warned = false;
  for (const attrPath of opts.attrPaths.length > 0 ? opts.attrPaths : ['']) {
    let drvs: PackageInfo[] = [];
    ev.vm.run((function* (): Generator<Request, Value, Value> {
      const v = yield* findAlongAttrPath(root, attrPath, autoArgs);
      drvs = yield* getDerivations(v, autoArgs, { storeDir, maxDepth: ev.settings.maxCallDepth });
      return null;
    })());
    // Each line is printed as soon as it is known: a later derivation's error comes after it.
    for (const drv of drvs) {
      let line = '';
      ev.vm.run((function* (): Generator<Request, Value, Value> {
        const drvPath = yield* drv.requireDrvPath();
        const outputName = yield* drv.queryOutputName();
        if (outputName === '') throw new NixError('eval', `derivation '${drvPath}' lacks an 'outputName' attribute`);
        line = outputName === 'out' ? drvPath : `${drvPath}!${outputName}`;
        return null;
      })());
      if (opts.gcRoot === undefined && opts.gcWarning && !warned) {
        ev.warn("you did not specify '--add-root'; the result might be removed by the garbage collector");
        warned = true;
      }
      writeBytes(io.stdout, line + '\n');
    }
  }
  return 0;
}
