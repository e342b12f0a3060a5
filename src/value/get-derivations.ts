// The derivations a value holds, found as C++ Nix's getDerivations (libexpr/get-drvs.cc)
// finds them for nix-instantiate and nix-env:
// - the value is auto-called, then: a derivation (a set whose `type` is "derivation") is
//   taken; a set has its attributes looked at in sorted order; a list its elements; any
//   other value is an error;
// - an attribute whose name is not a plain identifier-like name is skipped; a derivation
//   is taken; a set is entered only when its `recurseForDerivations` is true (or when the
//   outer set has `_combineChannels`, where every attribute is walked as a whole value);
// - a list element that is a derivation is taken; anything else is walked as a whole
//   value (so functions in a list are auto-called and a list of numbers is an error);
// - the same set met twice (the very same attributes, as `let d = ...; in [ d d ]`) is
//   taken once;
// - an error while looking at an attribute gets "while evaluating the attribute 'NAME'",
//   one line per enclosing attribute;
// - each value walked inside another counts against max-call-depth, as C++ Nix's
//   recursion does.
// The walk runs over an explicit stack, asking the VM to force and call through
// generators, so deeply nested values need no JS recursion. It reads `name` of each
// derivation it takes; everything else is read on demand through PackageInfo.

import { NixError, type SourcePos } from '../errors/errors.js';
import { forceAttrs, forceList, forceStringNoCtx } from '../builtins/strings-args.js';
import { isStorePathBaseName, DRV_EXTENSION } from '../store/store-path.js';
import { canonicalisePath } from '../syntax/paths.js';
import { autoCallFunction } from './auto-call.js';
import { coerceToString } from './coerce.js';
import { atDepth, type DepthCount, determinePos, MAX_CALL_DEPTH, stackOverflow } from './depth.js';
import { printForError } from './print.js';
import { force, isString, NixAttrs, NixFloat, type Request, showType, stringOf, type Value } from './values.js';

type Gen<T> = Generator<Request, T, Value>;

const DRV_PATH_CONTEXT = "while evaluating the 'drvPath' attribute of a derivation";

/** A derivation found by the walk: its attributes and where it was found. */
export class PackageInfo {
  private name: string | undefined;
  /** null once looked up and absent. */
  private drvPath: string | null | undefined;
  private outputName: string | undefined;

  constructor(
    /** Dotted path from the walked value (`a.b`, `pkgs.0`); empty for the value itself. */
    readonly attrPath: string,
    readonly attrs: NixAttrs,
    private readonly storeDir: string,
  ) {}

  /** The `name` attribute, which must be a string without context. */
  *queryName(): Gen<string> {
    if (this.name === undefined) {
      const v = this.attrs.get('name');
      if (v === undefined) throw new NixError('type', 'derivation name missing');
      this.name = yield* forceStringNoCtx(v, "while evaluating the 'name' attribute of a derivation");
    }
    return this.name;
  }

  /**
   * The `drvPath` attribute as a store path (storeDir/hash-name.drv), or undefined when
   * there is none. It must coerce to a string naming a store path (not a path inside one)
   * whose name ends in `.drv`.
   */
  *queryDrvPath(): Gen<string | undefined> {
    if (this.drvPath === undefined) {
      const v = this.attrs.get('drvPath');
      if (v === undefined) {
        this.drvPath = null;
      } else {
        const pos: SourcePos | undefined = this.attrs.positions?.get('drvPath');
        const path = yield* this.coerceToStorePath(v, DRV_PATH_CONTEXT, pos);
        if (!path.endsWith(DRV_EXTENSION)) {
          throw new NixError('eval', `store path '${path.slice(this.storeDir.length + 1)}' is not a valid derivation path`).addTrace(DRV_PATH_CONTEXT, pos);
        }
        this.drvPath = path;
      }
    }
    return this.drvPath ?? undefined;
  }

  /** C++ Nix's coerceToStorePath: a string (no copying, no `toString` coercions) naming a store path. */
  private *coerceToStorePath(v: Value, context: string, pos: SourcePos | undefined): Gen<string> {
    const { s } = yield* coerceToString(v, { coerceMore: false, copyToStore: false, errorCtx: { message: context, pos } });
    const base = storePathBaseNameOf(s, this.storeDir);
    if (base === undefined) throw new NixError('eval', `path '${s}' is not in the Nix store`).addTrace(context, pos);
    return `${this.storeDir}/${base}`;
  }

  /** queryDrvPath, where a derivation without `drvPath` is an error. */
  *requireDrvPath(): Gen<string> {
    const drvPath = yield* this.queryDrvPath();
    if (drvPath === undefined) throw new NixError('eval', "derivation does not contain a 'drvPath' attribute");
    return drvPath;
  }

  /** The `outputName` attribute, or "" when there is none. */
  *queryOutputName(): Gen<string> {
    if (this.outputName === undefined) {
      const v = this.attrs.get('outputName');
      this.outputName = v === undefined ? '' : yield* forceStringNoCtx(v, 'while evaluating the output name of a derivation');
    }
    return this.outputName;
  }

  /** The `system` attribute (a string without context), or "unknown" when there is none. */
  *querySystem(): Gen<string> {
    const v = this.attrs.get('system');
    if (v === undefined) return 'unknown';
    return yield* forceStringNoCtx(v, "while evaluating the 'system' attribute of a derivation");
  }

  /**
   * The outputs and their paths, by name in sorted order: each name of the `outputs` list
   * whose attribute is a set with an `outPath` (others are skipped, as in C++ Nix), or
   * `out` with the derivation's own `outPath` when there is no `outputs` list.
   */
  *queryOutputs(): Gen<Map<string, string>> {
    const found = new Map<string, string>();
    const list = this.attrs.get('outputs');
    if (list === undefined) {
      const outPath = this.attrs.get('outPath');
      if (outPath === undefined) throw new NixError('eval', 'CA derivations are not yet supported');
      found.set('out', yield* this.coerceToStorePath(outPath, 'while evaluating the output path of a derivation', this.attrs.positions?.get('outPath')));
    } else {
      const listPos = this.attrs.positions?.get('outputs');
      for (const elem of yield* forceList(list, "while evaluating the 'outputs' attribute of a derivation")) {
        const name = yield* forceStringNoCtx(elem, 'while evaluating the name of an output of a derivation');
        const out = this.attrs.get(name);
        if (out === undefined) continue;
        const outAttrs = yield* forceAttrs(out, 'while evaluating an output of a derivation');
        const outPath = outAttrs.get('outPath');
        if (outPath === undefined) continue;
        const path = yield* this.coerceToStorePath(outPath, 'while evaluating an output path of a derivation', outAttrs.positions?.get('outPath') ?? listPos);
        // A name listed twice keeps its first path.
        if (!found.has(name)) found.set(name, path);
      }
    }
    return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** The `meta` set, or undefined when there is none. */
  private *getMeta(): Gen<NixAttrs | undefined> {
    const v = this.attrs.get('meta');
    if (v === undefined) return undefined;
    return yield* forceAttrs(v, "while evaluating the 'meta' attribute of a derivation");
  }

  /**
   * The `meta` attributes that tools can show, in sorted order: those whose value is made
   * only of integers, floats, Booleans, strings, lists and sets that are not derivations (no
   * `outPath`); others are left out, as nix-env and nix-eval-jobs leave them out.
   */
  *queryMeta(): Gen<Map<string, Value>> {
    const shown = new Map<string, Value>();
    const meta = yield* this.getMeta();
    if (meta === undefined) return shown;
    for (const name of meta.keys()) {
      const v = meta.get(name)!;
      if (yield* isShowableMeta(v)) shown.set(name, v);
    }
    return shown;
  }
}

/**
 * C++ Nix's checkMeta, over an explicit stack: whether a meta value holds only numbers,
 * Booleans, strings, and lists and sets of those (a set with `outPath` does not qualify).
 */
function* isShowableMeta(v0: Value): Gen<boolean> {
  const todo: Value[] = [v0];
  while (todo.length > 0) {
    const v = yield* force(todo.pop()!);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) todo.push(v[i]);
    } else if (v instanceof NixAttrs) {
      if (v.has('outPath')) return false;
      const names = v.keys();
      for (let i = names.length - 1; i >= 0; i--) todo.push(v.get(names[i])!);
    } else if (!(typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof NixFloat || isString(v))) {
      return false;
    }
  }
  return true;
}

/**
 * The base name (hash-name) of the store path a string names, or undefined when it names
 * none: after lexical normalisation it must sit directly in the store directory, with a
 * valid hash and name.
 */
function storePathBaseNameOf(s: string, storeDir: string): string | undefined {
  if (!s.startsWith('/')) return undefined;
  const p = canonicalisePath(s);
  const slash = p.lastIndexOf('/');
  if (p.slice(0, slash) !== storeDir) return undefined;
  const base = p.slice(slash + 1);
  return isStorePathBaseName(base) ? base : undefined;
}

export interface GetDerivationsOptions {
  /** The store directory drvPaths must be in. */
  storeDir: string;
  /** Prefix of the attribute paths reported (PackageInfo.attrPath). Default: none. */
  pathPrefix?: string;
  /** Skip what fails an `assert` instead of failing (nix-env does; nix-instantiate does not). */
  ignoreAssertionFailures?: boolean;
  /**
   * How deep walked values may nest (C++ Nix's max-call-depth). Given (an explicit
   * max-call-depth), each level also forces and calls at its depth, as in C++ Nix (value/depth.ts).
   * Default: its default, nesting alone counted.
   */
  maxDepth?: number;
}

/** An attribute being looked at, for the "while evaluating the attribute" lines. */
interface AttrFrame {
  name: string;
  pos: SourcePos | undefined;
  parent: AttrFrame | undefined;
}

/**
 * What is left to do. `walk` is getDerivations proper (auto-call, then take, enter or
 * fail); `attr` and `elem` look at one member of a set or list, which may lead to a walk.
 * `depth` counts the walks this one is inside of.
 */
type Step =
  | { kind: 'walk'; value: Value; path: string; frame: AttrFrame | undefined; depth: number }
  | { kind: 'attr'; value: Value; path: string; frame: AttrFrame; depth: number; combineChannels: boolean }
  | { kind: 'elem'; value: Value; path: string; frame: AttrFrame | undefined; depth: number };

/** The attribute names the walk looks at: `[A-Za-z_][A-Za-z0-9-_+]*`. */
const ATTR_PATH_COMPONENT = /^[A-Za-z_][A-Za-z0-9\-_+]*$/;

function joinPath(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/** The derivations `root` holds, in the order C++ Nix finds them. */
export function* getDerivations(root: Value, autoArgs: NixAttrs, options: GetDerivationsOptions): Gen<PackageInfo[]> {
  const found: PackageInfo[] = [];
  const seen = new Set<NixAttrs>();

  /**
   * Forces `v` and, if it is a derivation not met before, records it. Whether the caller
   * should look further into `v` (false for any derivation, new or not).
   */
  function* takeDerivation(v0: Value, attrPath: string): Gen<boolean> {
    try {
      const v = yield* force(v0);
      if (!(v instanceof NixAttrs) || !(yield* isDerivation(v))) return true;
      if (seen.has(v)) return false;
      seen.add(v);
      const drv = new PackageInfo(attrPath, v, options.storeDir);
      yield* drv.queryName();
      found.push(drv);
      return false;
    } catch (e) {
      if (options.ignoreAssertionFailures && e instanceof NixError && e.kind === 'assert') return false;
      throw e;
    }
  }

  const maxDepth = options.maxDepth ?? MAX_CALL_DEPTH;
  // Counted from no call in progress, as nix-instantiate and nix-env call getDerivations.
  const count: DepthCount | undefined = options.maxDepth === undefined ? undefined : { start: 0, limit: maxDepth, exact: true };
  const steps: Step[] = [{ kind: 'walk', value: root, path: options.pathPrefix ?? '', frame: undefined, depth: 0 }];
  while (steps.length > 0) {
    const step = steps.pop()!;
    try {
      switch (step.kind) {
        case 'walk': {
          // C++ Nix's getDerivations counts a level (at the value's position), then works
          // inside it: a set's attributes and a list's elements are looked at from there.
          if (step.depth > maxDepth) throw stackOverflow(determinePos(step.value));
          const depth = step.depth + 1;
          const v = yield* atDepth(autoCallFunction(step.value, autoArgs), depth, count);
          if (!(yield* atDepth(takeDerivation(v, step.path), depth, count))) break;
          if (v instanceof NixAttrs) {
            const combineChannels = v.has('_combineChannels');
            const names = v.keys();
            // Pushed last to first, so that they are looked at in sorted order, each (with
            // whatever it leads to) before the next.
            for (let i = names.length - 1; i >= 0; i--) {
              const name = names[i];
              if (!ATTR_PATH_COMPONENT.test(name)) continue;
              steps.push({
                kind: 'attr', value: v.get(name)!, path: joinPath(step.path, name), depth, combineChannels,
                frame: { name, pos: v.positions?.get(name), parent: step.frame },
              });
            }
          } else if (Array.isArray(v)) {
            for (let i = v.length - 1; i >= 0; i--) {
              steps.push({ kind: 'elem', value: v[i], path: joinPath(step.path, String(i)), frame: step.frame, depth });
            }
          } else {
            throw new NixError('type', 'expression does not evaluate to a derivation (or a set or list of those)');
          }
          break;
        }
        case 'attr': {
          if (step.combineChannels) {
            steps.push({ kind: 'walk', value: step.value, path: step.path, frame: step.frame, depth: step.depth });
            break;
          }
          if (!(yield* atDepth(takeDerivation(step.value, step.path), step.depth, count))) break;
          const v = yield* force(step.value);
          if (v instanceof NixAttrs && (yield* atDepth(recurseForDerivations(v), step.depth, count))) {
            steps.push({ kind: 'walk', value: v, path: step.path, frame: step.frame, depth: step.depth });
          }
          break;
        }
        case 'elem':
          if (yield* atDepth(takeDerivation(step.value, step.path), step.depth, count)) {
            steps.push({ kind: 'walk', value: step.value, path: step.path, frame: step.frame, depth: step.depth });
          }
          break;
      }
    } catch (e) {
      if (e instanceof NixError) {
        for (let f = step.frame; f !== undefined; f = f.parent) e.addTrace(`while evaluating the attribute '${f.name}'`, f.pos);
      }
      throw e;
    }
  }
  return found;
}

/**
 * C++ Nix's getDerivation of one value: the value (forced) as a derivation, its name read,
 * or undefined when it is not a derivation.
 */
export function* getDerivation(v0: Value, storeDir: string): Gen<PackageInfo | undefined> {
  const v = yield* force(v0);
  if (!(v instanceof NixAttrs) || !(yield* isDerivation(v))) return undefined;
  const drv = new PackageInfo('', v, storeDir);
  yield* drv.queryName();
  return drv;
}

/** Whether a set is a derivation: its `type`, forced, is the string "derivation". */
function* isDerivation(v: NixAttrs): Gen<boolean> {
  const type = v.get('type');
  if (type === undefined) return false;
  const t = yield* force(type);
  return isString(t) && stringOf(t) === 'derivation';
}

/** A set's `recurseForDerivations`, which must be a Boolean when present. */
function* recurseForDerivations(v: NixAttrs): Gen<boolean> {
  const flag = v.get('recurseForDerivations');
  if (flag === undefined) return false;
  const b = yield* force(flag);
  if (typeof b === 'boolean') return b;
  throw new NixError('type', `expected a Boolean but found ${showType(b)}: ${printForError(b)}`)
    .addTrace('while evaluating the attribute `recurseForDerivations`', v.positions?.get('recurseForDerivations'));
}
