// The library entry: evaluate an expression or a file and get a value or a structured
// error. The CLI and the service's workers both come through here; nothing here knows
// about HTTP or threads.

import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Source } from './syntax/source.js';
import { parse } from './syntax/parser.js';
import { compile } from './compiler/compiler.js';
import type { Chunk } from './compiler/chunk.js';
import { VM } from './vm/vm.js';
import { NixError } from './errors/errors.js';
import { renderError } from './errors/render.js';
import { allBuiltins, buildGlobals, constants } from './builtins/index.js';
import { deepForce } from './builtins/core.js';
import { type EvalSettings, type EvalState, force, NixAttrs, type Request, Thunk, type Value, CallRequest, Closure } from './value/values.js';

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
  /** Home directory for `~/` paths. */
  home?: string;
  /** Deadline in ms since epoch. */
  deadline?: number;
  settings?: Partial<EvalSettings>;
  /** Receives `trace:` and `warning:` lines. */
  onMessage?: (line: string) => void;
}

export const DEFAULT_SETTINGS: EvalSettings = {
  currentSystem: 'x86_64-linux',
  storeDir: '/nix/store',
  nixVersion: '2.36.0',
  langVersion: 6,
  pure: false,
};

export class Evaluation implements EvalState {
  readonly settings: EvalSettings;
  readonly vm: VM;
  private readonly globals: Map<string, Value>;
  private readonly globalNames: Set<string>;
  private readonly imports = new Map<string, Thunk>();
  readonly messages: string[] = [];

  constructor(private readonly options: EvaluateOptions) {
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.globals = buildGlobals(allBuiltins, constants(this.settings));
    this.globalNames = new Set(this.globals.keys());
    this.vm = new VM({ globals: this.globals, state: this, deadline: options.deadline });
  }

  trace(message: string): void {
    this.emit(`trace: ${message}`);
  }

  warn(message: string): void {
    this.emit(`warning: ${message}`);
  }

  private emit(line: string): void {
    this.messages.push(line);
    this.options.onMessage?.(line);
  }

  compileSource(source: Source): Chunk {
    const ast = parse(source, { home: this.options.home, warn: (m) => this.warn(m) });
    return compile(ast, source, { globals: this.globalNames });
  }

  importFile(path: string): Value {
    let file = path;
    try {
      if (statSync(file).isDirectory()) file = `${file}/default.nix`;
    } catch {
      throw new NixError('io', `path '${path}' does not exist`);
    }
    const cached = this.imports.get(file);
    if (cached) return cached;
    const text = readFileSync(file, 'latin1');
    const chunk = this.compileSource(new Source(file, text, dirname(file)));
    const t = new Thunk(chunk, [null]);
    this.imports.set(file, t);
    return t;
  }

  /** Evaluates a chunk, applies -A and auto-arguments, and deep-forces if asked. */
  run(chunk: Chunk): Value {
    const self = this;
    return this.vm.run((function* (): Generator<Request, Value, Value> {
      let v: Value = yield new Thunk(chunk, [null]);
      const autoArgs = self.autoArgs();
      if (self.options.attrPath) {
        for (const name of splitAttrPath(self.options.attrPath)) {
          v = yield* autoCall(v, autoArgs);
          if (!(v instanceof NixAttrs)) throw new NixError('eval', `the expression selected by the selection path '${self.options.attrPath}' should be a set but is ${typeof v}`);
          const next = v.get(name);
          if (next === undefined) throw new NixError('eval', `attribute '${name}' in selection path '${self.options.attrPath}' not found`);
          v = yield* force(next);
        }
      }
      v = yield* autoCall(v, autoArgs);
      if (self.options.strict) v = yield* deepForce(v);
      return v;
    })());
  }

  private autoArgs(): NixAttrs {
    const map = new Map<string, Value>();
    for (const [k, text] of Object.entries(this.options.args ?? {})) {
      const chunk = this.compileSource(Source.fromUtf8(Source.STRING, text, process.cwd()));
      map.set(k, new Thunk(chunk, [null]));
    }
    for (const [k, s] of Object.entries(this.options.argstrs ?? {})) map.set(k, Buffer.from(s, 'utf8').toString('latin1'));
    return new NixAttrs(map);
  }
}

/** Calls a top-level function that takes a set of formals with the automatic arguments. */
function* autoCall(v0: Value, args: NixAttrs): Generator<Request, Value, Value> {
  let v = yield* force(v0);
  if (v instanceof NixAttrs && v.has('__functor')) {
    const f = yield* force(v.get('__functor')!);
    v = yield* force(yield new CallRequest(f, [v]));
  }
  if (!(v instanceof Closure) || !v.lambda.formals) return v;
  const formals = v.lambda.formals;
  const map = new Map<string, Value>();
  for (const f of formals.entries) {
    const a = args.get(f.name);
    if (a !== undefined) map.set(f.name, a);
  }
  if (formals.ellipsis) for (const [k, a] of args.map) map.set(k, a);
  return yield* force(yield new CallRequest(v, [new NixAttrs(map)]));
}

export function splitAttrPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of path) {
    if (c === '"') quoted = !quoted;
    else if (c === '.' && !quoted) { out.push(cur); cur = ''; }
    else cur += c;
  }
  if (cur !== '' || out.length > 0) out.push(cur);
  return out.filter((s) => s !== '');
}

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
export function evaluate(options: EvaluateOptions): EvalSuccess | EvalFailure {
  const ev = new Evaluation(options);
  try {
    let source: Source;
    if (options.source) source = new Source(options.source.origin, options.source.text, options.source.baseDir);
    else if (options.file) source = new Source(options.file, readFileSync(options.file, 'latin1'), dirname(options.file));
    else source = Source.fromUtf8(Source.STRING, options.expr ?? '', options.baseDir ?? process.cwd());
    const chunk = ev.compileSource(source);
    const value = ev.run(chunk);
    return { ok: true, value, messages: ev.messages };
  } catch (e) {
    if (e instanceof NixError) return { ok: false, error: e, rendered: renderError(e), messages: ev.messages };
    throw e;
  }
}
