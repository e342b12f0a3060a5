// Derivations and the store, computed and never written (DESIGN.md, "IO and imports"):
// derivationStrict, derivation (C++ Nix's Nix-language wrapper, compiled once), toFile,
// placeholder, storePath, path and filterSource. Paths and hashes are those C++ Nix computes
// (src/store/); errors and their traces follow C++ Nix 2.36 (primops.cc).

import { NixError, type SourcePos } from '../errors/errors.js';
import { renderError } from '../errors/render.js';
import { compile } from '../compiler/compiler.js';
import { type Chunk, type LambdaInfo, Op } from '../compiler/chunk.js';
import { parse } from '../syntax/parser.js';
import { Source, utf8ToBytes } from '../syntax/source.js';
import { canonicalisePath } from '../syntax/paths.js';
import { showIdentifier } from '../syntax/show.js';
import { ioState } from '../io/io.js';
import { coercePeeled, coerceToString, type Coerced } from '../value/coerce.js';
import { jsonCallDepth, jsonNumber, toJSON, jsonString, utf8Problem } from '../value/json.js';
import { parseJSON } from './formats.js';
import type { DepthCount } from '../value/depth.js';
import {
  type BuiltinContext, type BuiltinSpec, CallRequest, Closure, type EvalState, force, makeString, NixAttrs, NixFloat, NixPath, NixString,
  rootEnv, Thunk, type Value,
} from '../value/values.js';
import { defineBuiltin } from './util.js';
import { symbolTable } from '../value/symbols.js';
import { type HashAlgo, newHashAllowEmpty, parseHashAlgoOpt, sha256 } from '../store/hash.js';
import {
  badNameReason, DRV_EXTENSION, type FileIngestionMethod, hashPlaceholder, isDerivationPath, isInStore, isStorePath, storePathBaseNameError,
  makeFixedOutputPath, makeTextPath, storePathBaseName, toStorePath,
} from '../store/store-path.js';
import { type Derivation, writeDerivation } from '../store/derivation.js';
import { storeState } from '../store/state.js';
import { addToStore } from '../store/add-path.js';
import type { NarFilter } from '../store/nar.js';

import {
  forceAttrs, forceBool, forceFunction, forceList, forceString, forceStringNoCtx, type Gen,
} from './force-args.js';

// Forcing with C++ Nix's error frames: force-args.ts (an empty frame adds none), at the position
// C++ Nix gives the frame when there is one (an attribute's, for an argument set).

/** coerceToString with C++ Nix's error frame, which goes on the "cannot coerce" error. */
function* coerce(v: Value, frame: string, coerceMore: boolean, copyToStore: boolean): Gen<Coerced> {
  return yield* coerceToString(v, { coerceMore, copyToStore, errorCtx: frame === '' ? undefined : { message: frame } });
}

/** C++ Nix's coerceToPath: a path value, `__toString` giving one, or an absolute path string. */
function* coerceToPath(v0: Value, frame: string): Gen<{ path: string; context: ReadonlySet<string> | undefined }> {
  let v: Value;
  try {
    v = yield* force(v0);
  } catch (e) {
    if (e instanceof NixError) e.addTrace(frame);
    throw e;
  }
  if (v instanceof NixPath) return { path: v.path, context: undefined };
  if (v instanceof NixAttrs) {
    // C++ Nix's peelToStringOutPath: what the set stands for may be a path value.
    const peeled = yield* coercePeeled(v, (u) => coerceToPath(u, frame));
    if (peeled !== undefined) return peeled;
  }
  const r = yield* coerce(v, frame, false, false);
  if (r.s === '' || r.s[0] !== '/') {
    throw new NixError('eval', `string '${r.s}' doesn't represent an absolute path`).addTrace(frame);
  }
  return { path: canonicalisePath(r.s), context: r.context };
}

function addContext(into: Set<string>, from: ReadonlySet<string> | undefined): void {
  if (from) for (const c of from) into.add(c);
}

function showPos(pos: SourcePos | undefined): string {
  if (!pos) return utf8ToBytes('«none»');
  const lc = pos.source.lineCol(pos.offset);
  return `${pos.source.origin}:${lc.line}:${lc.column}`;
}

/**
 * An experimental feature's derivations, which nixeval does not compute: C++ Nix's error
 * when the feature is off; when it is on, that nixeval cannot (rather than telling the user
 * to add the flag they gave).
 */
function experimentalFeature(name: string, state: EvalState): NixError {
  if (state.settings.experimentalFeatures?.has(name)) {
    return new NixError('eval', `nixeval does not support the derivations of the experimental Nix feature '${name}'`);
  }
  return new NixError('eval', `experimental Nix feature '${name}' is disabled; add '--extra-experimental-features ${name}' to enable it`);
}

/**
 * A warning with a trace, laid out as C++ Nix logs one: `warning:`, the trace, then the
 * message and its position, indented under the header.
 */
function warnWithTrace(state: EvalState, message: string, pos: SourcePos | undefined, trace: string): void {
  const e = new NixError('eval', message, pos).addTrace(trace);
  const lines = renderError(e).replace(/\n$/, '').split('\n');
  let last = -1;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] !== '') lines[i] = '  ' + lines[i];
    if (lines[i].startsWith('         error: ')) last = i;
  }
  lines[0] = 'warning:';
  if (last > 0) lines[last] = '         warning: ' + lines[last].slice('         error: '.length);
  const text = lines.join('\n');
  // The evaluation's message sink takes the whole block; `warn` would put text after the header.
  const emit = (state as unknown as { emit?: (line: string) => void }).emit;
  if (typeof emit === 'function') emit.call(state, text);
  else state.warn(text.slice('warning:'.length).replace(/^\n */, ''));
}

// ---------------------------------------------------------------------------------------------
// derivationStrict

const LEGACY_OUTPUT_CHECKS = new Set(['allowedReferences', 'allowedRequisites', 'disallowedReferences', 'disallowedRequisites', 'maxSize', 'maxClosureSize']);

/** `tokenizeString` on whitespace, as the `outputs` attribute of a non-structured derivation is split. */
function tokenize(s: string): string[] {
  return s.split(/[ \t\n\r]+/).filter((t) => t !== '');
}

function* derivationStrict(args: Value[], ctx: BuiltinContext): Gen {
  const attrs = yield* forceAttrs(args[0], 'while evaluating the argument passed to builtins.derivationStrict');
  const nameV = attrs.get('name');
  if (nameV === undefined) {
    throw new NixError('eval', "attribute 'name' missing").addTrace('in the attrset passed as argument to builtins.derivationStrict');
  }
  const namePos = attrs.positions?.get('name');
  let drvName: string;
  try {
    drvName = yield* forceStringNoCtx(nameV, 'while evaluating the `name` attribute passed to builtins.derivationStrict');
  } catch (e) {
    if (e instanceof NixError) e.addTrace("while evaluating the derivation attribute 'name'", namePos);
    throw e;
  }
  try {
    return yield* derivationStrictInternal(ctx.state, drvName, attrs, jsonCallDepth(ctx));
  } catch (e) {
    if (e instanceof NixError) {
      // Shown even where a trace without --show-trace is cut, so that one sees which package
      // failed; the position is text, not an excerpt (as in C++ Nix).
      e.addTrace(`while evaluating derivation '${drvName}'\n  whose name attribute is located at ${showPos(namePos)}`, undefined, 'always');
    }
    throw e;
  }
}

/**
 * The `__json` attribute as current C++ Nix writes it in the derivation: parsed as JSON
 * (StructuredAttrs::parse; an error is "cannot process __json attribute: ..."), then dumped
 * compactly, object keys in byte order (the last of repeated keys wins), numbers as
 * nlohmann::json prints them. (fromJSON's parser is nlohmann's, in its `dom` mode: NUL bytes in
 * strings and integers up to 2^64 - 1 are kept, as nlohmann's DOM keeps them.)
 */
class JsonText {
  constructor(readonly text: string) {}
}

function reserialiseJSON(text: string): string {
  let v: Value;
  try {
    v = parseJSON(text, true);
  } catch (e) {
    if (e instanceof NixError) throw new NixError('eval', `cannot process __json attribute: ${e.message}`);
    throw e;
  }
  const out: string[] = [];
  // Iterative: what is left to write, values and the text between them.
  const work: (Value | JsonText)[] = [v];
  while (work.length > 0) {
    const x = work.pop()!;
    if (x instanceof JsonText) { out.push(x.text); continue; }
    if (x === null) out.push('null');
    else if (typeof x === 'boolean') out.push(x ? 'true' : 'false');
    else if (typeof x === 'number' || typeof x === 'bigint') out.push(String(x));
    else if (typeof x === 'string') out.push(jsonString(x));
    else if (x instanceof NixFloat) out.push(jsonNumber(x.value));
    else if (Array.isArray(x)) {
      work.push(new JsonText(']'));
      for (let i = x.length - 1; i >= 0; i--) {
        work.push(x[i]);
        if (i > 0) work.push(new JsonText(','));
      }
      out.push('[');
    } else if (x instanceof NixAttrs) {
      const keys = x.keys();
      work.push(new JsonText('}'));
      for (let i = keys.length - 1; i >= 0; i--) {
        work.push(x.get(keys[i])!);
        work.push(new JsonText((i > 0 ? ',' : '') + jsonString(keys[i]) + ':'));
      }
      out.push('{');
    }
  }
  return out.join('');
}

/** `jsonDepth`: where structured attributes start counting nesting, and against what (see jsonCallDepth). */
function* derivationStrictInternal(state: EvalState, drvName: string, attrs: NixAttrs, jsonDepth: DepthCount): Gen {
  const nameProblem = badNameReason(drvName);
  if (nameProblem !== undefined) {
    throw new NixError('eval', `invalid derivation name: ${nameProblem}. Please pass a different 'name'.`);
  }
  const store = storeState(state);
  const storeDir = store.storeDir;

  let structured: Map<string, string> | undefined;
  const sa = attrs.get('__structuredAttrs');
  if (sa !== undefined && (yield* forceBool(sa, 'while evaluating the `__structuredAttrs` attribute passed to builtins.derivationStrict'))) {
    structured = new Map();
  }
  let ignoreNulls = false;
  const inl = attrs.get('__ignoreNulls');
  if (inl !== undefined) ignoreNulls = yield* forceBool(inl, 'while evaluating the `__ignoreNulls` attribute passed to builtins.derivationStrict');

  const drv: Derivation = {
    name: drvName, outputs: new Map(), inputDrvs: new Map(), inputSrcs: new Set(), platform: '', builder: '', args: [], env: new Map(),
  };
  const context = new Set<string>();
  let outputHash: string | undefined;
  let outputHashAlgo: HashAlgo | undefined;
  let ingestionMethod: FileIngestionMethod | undefined;
  let outputs: string[] = ['out'];

  const handleHashMode = (s: string): void => {
    if (s === 'recursive' || s === 'nar') ingestionMethod = 'recursive';
    else if (s === 'flat') ingestionMethod = 'flat';
    else if (s === 'text') throw experimentalFeature('dynamic-derivations', state);
    else if (s === 'git') throw experimentalFeature('git-hashing', state);
    else throw new NixError('eval', `invalid value '${s}' for 'outputHashMode' attribute`);
  };
  const handleOutputs = (ss: string[]): void => {
    const seen = new Set<string>();
    for (const j of ss) {
      if (seen.has(j)) throw new NixError('eval', `duplicate derivation output '${j}'`);
      if (j === 'drvPath') throw new NixError('eval', "invalid derivation output name 'drvPath'");
      seen.add(j);
    }
    if (seen.size === 0) throw new NixError('eval', 'derivation cannot have an empty set of outputs');
    outputs = [...seen];
  };

  for (const key of attrs.keys()) {
    if (key === '__ignoreNulls') continue;
    const v0 = attrs.get(key)!;
    try {
      if (ignoreNulls && (yield* force(v0)) === null) continue;
      if (key === '__contentAddressed') {
        if (yield* forceBool(v0, '')) throw experimentalFeature('ca-derivations', state);
      } else if (key === '__impure') {
        if (yield* forceBool(v0, '')) throw experimentalFeature('impure-derivations', state);
      } else if (key === 'args') {
        for (const elem of yield* forceList(v0, '')) {
          const r = yield* coerce(elem, 'while evaluating an element of the argument list', true, true);
          addContext(context, r.context);
          drv.args.push(r.s);
        }
      } else if (structured) {
        if (key === '__structuredAttrs') continue;
        structured.set(key, yield* toJSON(v0, context, true, jsonDepth));
        switch (key) {
          case 'builder': {
            const r = yield* forceString(v0, '');
            addContext(context, r.context);
            drv.builder = r.s;
            break;
          }
          case 'system': drv.platform = yield* forceStringNoCtx(v0, ''); break;
          case 'outputHash': outputHash = yield* forceStringNoCtx(v0, ''); break;
          case 'outputHashAlgo': outputHashAlgo = parseHashAlgoOpt(yield* forceStringNoCtx(v0, '')); break;
          case 'outputHashMode': handleHashMode(yield* forceStringNoCtx(v0, '')); break;
          case 'outputs': {
            const ss: string[] = [];
            for (const e of yield* forceList(v0, '')) ss.push(yield* forceStringNoCtx(e, ''));
            handleOutputs(ss);
            break;
          }
        }
        if (LEGACY_OUTPUT_CHECKS.has(key)) {
          warnWithTrace(
            state,
            `'structuredAttrs' disables the effect of the derivation attribute '${key}'; use 'outputChecks.<output>.${key}' instead`,
            attrs.positions?.get(key),
            `while evaluating derivation '${drvName}'`,
          );
        }
      } else {
        const r = yield* coerce(v0, '', true, true);
        addContext(context, r.context);
        const s = r.s;
        if (key === '__json') {
          warnWithTrace(
            state,
            "setting structured attributes via '__json' is deprecated, and may be disallowed in future versions of Nix. Set '__structuredAttrs = true' instead.",
            attrs.positions?.get(key),
            `while evaluating derivation '${drvName}'`,
          );
        }
        // C++ Nix parses `__json` (nlohmann::json) and writes it back out with dump().
        drv.env.set(key, key === '__json' ? reserialiseJSON(s) : s);
        switch (key) {
          case 'builder': drv.builder = s; break;
          case 'system': drv.platform = s; break;
          case 'outputHash': outputHash = s; break;
          case 'outputHashAlgo': outputHashAlgo = parseHashAlgoOpt(s); break;
          case 'outputHashMode': handleHashMode(s); break;
          case 'outputs': handleOutputs(tokenize(s)); break;
        }
      }
    } catch (e) {
      if (e instanceof NixError) e.addTrace(`while evaluating attribute '${showIdentifier(key)}' of derivation '${drvName}'`, attrs.positions?.get(key));
      throw e;
    }
  }

  if (structured) {
    // nlohmann::json's dump() of the object: keys in byte order, no spaces.
    const parts: string[] = [];
    for (const [k, json] of structured) {
      const bad = utf8Problem(k);
      if (bad !== undefined) throw new NixError('eval', `JSON serialization error: [json.exception.type_error.316] ${bad}`);
      parts.push(`${jsonString(k)}:${json}`);
    }
    drv.env.set('__json', `{${parts.join(',')}}`);
  }

  // Everything the strings refer to becomes an input.
  for (const c of context) {
    if (c.startsWith('=')) {
      // The whole closure of the derivation, with all outputs of every derivation in it.
      for (const p of store.closure(c.slice(1))) {
        drv.inputSrcs.add(p);
        if (isDerivationPath(p)) drv.inputDrvs.set(p, new Set(store.outputNames(p)));
      }
    } else if (c.startsWith('!')) {
      const i = c.indexOf('!', 1);
      const output = c.slice(1, i);
      const drvPath = c.slice(i + 1);
      let set = drv.inputDrvs.get(drvPath);
      if (set === undefined) drv.inputDrvs.set(drvPath, (set = new Set()));
      set.add(output);
    } else {
      drv.inputSrcs.add(c);
    }
  }

  if (drv.builder === '') throw new NixError('eval', "required attribute 'builder' missing");
  if (drv.platform === '') throw new NixError('eval', "required attribute 'system' missing");
  if (isDerivationPath(drvName)) {
    throw new NixError('eval', `derivation names are allowed to end in '${DRV_EXTENSION}' only if they produce a single derivation file`);
  }

  outputs.sort();
  if (outputHash !== undefined) {
    if (outputs.length !== 1 || outputs[0] !== 'out') {
      throw new NixError('eval', 'multiple outputs are not supported in fixed-output derivations');
    }
    const h = newHashAllowEmpty(outputHash, outputHashAlgo, (m) => state.warn(m));
    const method = ingestionMethod ?? 'flat';
    const path = makeFixedOutputPath(drvName, method, h, storeDir);
    drv.env.set('out', path);
    drv.outputs.set('out', { kind: 'fixed', method, hash: h, path });
  } else {
    for (const o of outputs) {
      drv.env.set(o, '');
      drv.outputs.set(o, { kind: 'deferred' });
    }
  }

  const { drvPath, hashes } = writeDerivation(drv, (p) => store.drvHashes.get(p), storeDir);
  // Outside read-only mode C++ Nix writes the derivation to the store, which a read-only dummy
  // store refuses.
  if (state.settings.unwritableStore !== undefined) {
    throw new NixError('eval', `operation 'writeDerivation' is not supported by store '${state.settings.unwritableStore}'`);
  }
  store.addDerivation(drvPath, drv, hashes);

  const map = new Map<string, Value>();
  map.set('drvPath', new NixString(drvPath, new Set(['=' + drvPath])));
  for (const [name, o] of drv.outputs) {
    const path = (o as { path: string }).path;
    map.set(name, new NixString(path, new Set([`!${name}!${drvPath}`])));
  }
  return NixAttrs.fromMap(map);
}

// ---------------------------------------------------------------------------------------------
// derivation: the Nix-language wrapper around derivationStrict, as C++ Nix has it
// (src/libexpr/primops/derivation.nix, served as «nix-internal»/derivation-internal.nix; the
// line numbers matter, they show in traces).

export const DERIVATION_NIX = `# This is the implementation of the ‘derivation’ builtin function.
# It's actually a wrapper around the ‘derivationStrict’ primop.
# Note that the following comment will be shown in :doc in the repl, but not in the manual.

/**
  Create a derivation.

  # Inputs

  The single argument is an attribute set that describes what to build and how to build it.
  See https://nix.dev/manual/nix/2.23/language/derivations

  # Output

  The result is an attribute set that describes the derivation.
  Notably it contains the outputs, which in the context of the Nix language are special strings that refer to the output paths, which may not yet exist.
  The realisation of these outputs only occurs when needed; for example

    * When \`nix-build\` or a similar command is run, it realises the outputs that were requested on its command line.
      See https://nix.dev/manual/nix/2.23/command-ref/nix-build

    * When \`import\`, \`readFile\`, \`readDir\` or some other functions are called, they have to realise the outputs they depend on.
      This is referred to as "import from derivation".
      See https://nix.dev/manual/nix/2.23/language/import-from-derivation

  Note that \`derivation\` is very bare-bones, and provides almost no commands during the build.
  Most likely, you'll want to use functions like \`stdenv.mkDerivation\` in Nixpkgs to set up a basic environment.
*/
drvAttrs@{
  outputs ? [ "out" ],
  ...
}:

let

  strict = derivationStrict drvAttrs;

  commonAttrs =
    drvAttrs
    // (builtins.listToAttrs outputsList)
    // {
      all = map (x: x.value) outputsList;
      inherit drvAttrs;
    };

  outputToAttrListElement = outputName: {
    name = outputName;
    value = commonAttrs // {
      outPath = strict.\${outputName};
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };

  outputsList = map outputToAttrListElement outputs;

in
(builtins.head outputsList).value
`;

export const DERIVATION_ORIGIN = utf8ToBytes('«nix-internal»/derivation-internal.nix');

let derivationChunk: Chunk | undefined;

/** The compiled wrapper (once per process); it refers to nothing but globals. */
function derivationCode(): Chunk {
  if (derivationChunk === undefined) {
    const source = Source.fromUtf8(DERIVATION_ORIGIN, DERIVATION_NIX, '/');
    derivationChunk = compile(parse(source), source, { globals: new Set(['derivationStrict', 'builtins', 'map']) });
  }
  return derivationChunk;
}

/**
 * `derivation` (and `builtins.derivation`): the wrapper itself, a lambda as in C++ Nix, which
 * evaluates derivation-internal.nix when it starts: so `builtins.functionArgs derivation` is
 * `{ outputs = true; }` and non-strict output shows `<LAMBDA>` for it. The file's code is a
 * lambda expression and nothing else; its closure is made here as the file's code would make
 * it (the lambda over the file's environment), once per evaluation.
 */
export function derivationConstant(): [string, Value] {
  const file = derivationCode();
  if (file.code[0] !== Op.Closure) throw new Error('derivation-internal.nix: expected a lambda');
  return ['derivation', new Closure(file.consts[file.code[1]] as LambdaInfo, rootEnv())];
}

// ---------------------------------------------------------------------------------------------
// toFile, placeholder, storePath

function contextElementName(c: string): string {
  // C++ Nix prints a context element with store paths by their base names.
  if (c[0] === '=') return '=' + storePathBaseName(c.slice(1));
  if (c[0] === '!') {
    const i = c.indexOf('!', 1);
    return c.slice(0, i + 1) + storePathBaseName(c.slice(i + 1));
  }
  return storePathBaseName(c);
}

function* toFile(args: Value[], ctx: { state: EvalState }): Gen {
  const name = yield* forceStringNoCtx(args[0], 'while evaluating the first argument passed to builtins.toFile');
  const contents = yield* forceString(args[1], 'while evaluating the second argument passed to builtins.toFile');
  const refs = new Set<string>();
  for (const c of contents.context ?? []) {
    if (c[0] === '=' || c[0] === '!') {
      throw new NixError('eval', `files created by builtins.toFile may not reference derivations, but ${name} references ${contextElementName(c)}`);
    }
    refs.add(c);
  }
  const store = storeState(ctx.state);
  const path = makeTextPath(name, sha256(contents.s), refs, store.storeDir);
  store.addObject(path, refs, { kind: 'text', text: contents.s });
  return new NixString(path, new Set([path]));
}

function* placeholder(args: Value[]): Gen {
  const output = yield* forceStringNoCtx(args[0], 'while evaluating the first argument passed to builtins.placeholder');
  return hashPlaceholder(output);
}

function* storePath(args: Value[], ctx: { state: EvalState }): Gen {
  const state = ctx.state;
  if (state.settings.pure) throw new NixError('eval', "'builtins.storePath' is not allowed in pure evaluation mode");
  const { path: p0, context: ctx0 } = yield* coerceToPath(args[0], "while evaluating the first argument passed to 'builtins.storePath'");
  const storeDir = state.settings.storeDir;
  let path = p0;
  // Symlinks are resolved unless the path is itself directly in the store.
  if (!isStorePath(path, storeDir)) {
    const io = ioState(state).io;
    if (io.lstat(path) !== undefined) path = io.realpath(path);
  }
  const sp = toStorePath(path, storeDir);
  if (!isInStore(path, storeDir) || sp === undefined) throw new NixError('eval', `path '${path}' is not in the Nix store`);
  // toStorePath's parseStorePath: the StorePath constructor's own message.
  const bad = storePathBaseNameError(sp.storePath.slice(storeDir.length + 1));
  if (bad !== undefined) throw new NixError('eval', bad);
  const context = new Set<string>(ctx0 ?? []);
  context.add(sp.storePath);
  return makeString(path, context);
}

// ---------------------------------------------------------------------------------------------
// path and filterSource

function pathFilter(filterFn: Value): NarFilter {
  return function* (path, type) {
    const r = yield new CallRequest(filterFn, [path, type]);
    return yield* forceBool(r instanceof Thunk ? yield* force(r) : r, 'while evaluating the return value of the path filter function');
  };
}

function baseNameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function* addPath(
  state: EvalState, name: string, path: string, filterFn: Value | undefined, method: FileIngestionMethod,
  expected: { hash: ReturnType<typeof newHashAllowEmpty> } | undefined,
): Gen {
  try {
    const storeDir = state.settings.storeDir;
    const expectedPath = expected ? makeFixedOutputPath(name, method, expected.hash, storeDir) : undefined;
    // Nothing is ever valid in the store nixeval computes paths for: the path is hashed.
    const dst = yield* addToStore(state, path, name, method, filterFn === undefined ? undefined : pathFilter(filterFn), true);
    if (expectedPath !== undefined && expectedPath !== dst) {
      throw new NixError('eval', `store path mismatch in (possibly filtered) path added from '${path}'`);
    }
    return new NixString(dst, new Set([dst]));
  } catch (e) {
    if (e instanceof NixError) e.addTrace(`while adding path '${path}'`);
    throw e;
  }
}

function* filterSource(args: Value[], ctx: { state: EvalState }): Gen {
  const { path } = yield* coerceToPath(args[1], "while evaluating the second argument (the path to filter) passed to 'builtins.filterSource'");
  const fn = yield* forceFunction(args[0], 'while evaluating the first argument passed to builtins.filterSource');
  return yield* addPath(ctx.state, baseNameOf(path), path, fn, 'recursive', undefined);
}

function* pathBuiltin(args: Value[], ctx: { state: EvalState }): Gen {
  const attrs = yield* forceAttrs(args[0], "while evaluating the argument passed to 'builtins.path'");
  let path: string | undefined;
  let name = '';
  let filterFn: Value | undefined;
  let method: FileIngestionMethod = 'recursive';
  let expected: { hash: ReturnType<typeof newHashAllowEmpty> } | undefined;
  // In symbol order, as C++ Nix walks the set, each frame at its attribute.
  for (const key of symbolTable().order(attrs.keys())) {
    const v = attrs.get(key)!;
    const at = attrs.positions?.get(key);
    switch (key) {
      case 'path':
        path = (yield* coerceToPath(v, "while evaluating the 'path' attribute passed to 'builtins.path'")).path;
        break;
      case 'name':
        name = yield* forceStringNoCtx(v, 'while evaluating the `name` attribute passed to builtins.path', at);
        break;
      case 'filter':
        filterFn = yield* forceFunction(v, 'while evaluating the `filter` parameter passed to builtins.path', at);
        break;
      case 'recursive':
        method = (yield* forceBool(v, 'while evaluating the `recursive` attribute passed to builtins.path', at)) ? 'recursive' : 'flat';
        break;
      case 'sha256': {
        const s = yield* forceStringNoCtx(v, 'while evaluating the `sha256` attribute passed to builtins.path', at);
        expected = { hash: newHashAllowEmpty(s, 'sha256', (m) => ctx.state.warn(m)) };
        break;
      }
      default:
        throw new NixError('eval', `unsupported argument '${showIdentifier(key)}' to 'builtins.path'`, attrs.positions?.get(key));
    }
  }
  if (path === undefined) throw new NixError('eval', "missing required 'path' attribute in the first argument to 'builtins.path'");
  if (name === '') name = baseNameOf(path);
  return yield* addPath(ctx.state, name, path, filterFn, method, expected);
}

// ---------------------------------------------------------------------------------------------

export const derivationBuiltins: BuiltinSpec[] = [
  defineBuiltin('derivationStrict', 1, (args, ctx) => derivationStrict(args, ctx), {
    lazy: [0], doc: 'Computes a store derivation (its .drv path and output paths) from a set of attributes; nothing is written or built.',
  }),
  defineBuiltin('toFile', 2, (args, ctx) => toFile(args, ctx), {
    lazy: [0, 1], doc: 'The store path a text file with the given name and contents would have (its references are the store paths in its context).',
  }),
  defineBuiltin('placeholder', 1, (args) => placeholder(args), {
    lazy: [0], doc: 'The placeholder for a derivation output, replaced by the output path at build time.',
  }),
  defineBuiltin('storePath', 1, (args, ctx) => storePath(args, ctx), {
    lazy: [0], doc: 'A store path as a string that depends on that store path.',
  }),
  defineBuiltin('path', 1, (args, ctx) => pathBuiltin(args, ctx), {
    lazy: [0], doc: 'The store path of a file or directory (optionally filtered, renamed, flat-hashed, or checked against a sha256).',
  }),
  defineBuiltin('filterSource', 2, (args, ctx) => filterSource(args, ctx), {
    lazy: [0, 1], doc: 'The store path of a directory with only the entries a predicate accepts.',
  }),
];
