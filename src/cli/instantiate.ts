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
  showTrace: boolean;
  file?: string;
  exprs: string[];
  attrPaths: string[];
  args: Record<string, string>;
  argstrs: Record<string, string>;
  searchPath: string[];
  lints: Partial<Record<LintName, 'warn' | 'fatal'>>;
  features: Set<string>;
}

/** Flags nix-instantiate accepts that change nothing here. */
const IGNORED_FLAGS = new Set(['--no-location', '--read-write-mode', '--show-trace', '--no-show-trace', '--readonly-mode', '--impure']);
/** Flags that take one value we do not use. */
const IGNORED_WITH_VALUE = new Set(['--option']);
/** `--lint-NAME warn|fatal` */
const LINT_FLAGS = new Map<string, LintName>([
  ['--lint-url-literals', 'url-literals'],
  ['--lint-short-path-literals', 'short-path-literals'],
  ['--lint-absolute-path-literals', 'absolute-path-literals'],
]);

function parseArgs(args: string[]): Options {
  const o: Options = {
    parseOnly: false, eval: false, strict: false, json: false, xml: false, showTrace: false,
    exprs: [], attrPaths: [], args: {}, argstrs: {}, searchPath: [], lints: {}, features: new Set(),
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
      case '-E': case '--expr': exprMode = true; break;
      case '-A': case '--attr': o.attrPaths.push(args[++i]); break;
      case '-I': o.searchPath.push(args[++i]); break;
      case '--arg': o.args[args[i + 1]] = args[i + 2]; i += 2; break;
      case '--argstr': o.argstrs[args[i + 1]] = args[i + 2]; i += 2; break;
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
        if (IGNORED_WITH_VALUE.has(a)) { i += a === '--option' ? 2 : 1; break; }
        if (a.startsWith('-') && a !== '-') throw new NixError('eval', `unrecognised flag '${a}'`);
        if (exprMode) o.exprs.push(a);
        else o.file = a;
    }
  }
  return o;
}

function writeBytes(stream: CliIO['stdout'], s: string): void {
  stream.write(Buffer.from(s, 'latin1'));
}

export function instantiate(args: string[], io: CliIO): number {
  try {
    return run(parseArgs(args), io);
  } catch (e) {
    if (e instanceof NixError) {
      writeBytes(io.stderr, renderError(e));
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
    strict: opts.strict || opts.json,
    attrPath: opts.attrPaths[0],
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
  if (!opts.eval) throw new NixError('eval', 'instantiating derivations is not supported; use --eval');
  const value = ev.run(chunk);
  let text: string;
  if (opts.json) {
    text = ev.vm.run((function* (): Generator<Request, Value, Value> {
      return yield* toJSON(value, new Set());
    })()) as string;
  } else if (opts.xml) {
    // The XML document ends with its own newline; nix-instantiate adds none.
    // Positions of functions are not shown (as with --no-location).
    text = ev.vm.run((function* (): Generator<Request, Value, Value> {
      return yield* printValueAsXML(value, new Set(), { strict: opts.strict, location: false });
    })()) as string;
    writeBytes(io.stdout, text);
    return 0;
  } else {
    text = printValue(value, { trackRepeated: true });
  }
  writeBytes(io.stdout, text + '\n');
  return 0;
}

