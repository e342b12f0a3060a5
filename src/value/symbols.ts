// The order of C++ Nix's symbol table. C++ Nix keeps an attribute set, and a function's
// formals, sorted by symbol: the number its symbol table gave the name when the evaluator
// first met it. The evaluator's own names come first (outPath, drvPath, type, ..., then the
// builtins' names, then derivation.nix's), then every name a file holds, in the order its
// parser interns them (syntax/parser.ts), when the file is parsed. Sets print, list and serialise sorted by name, but a few
// operations walk them in symbol order, and that decides which of two failing attributes
// reports its error: deep forcing (deepSeq, --strict), `==`, and a call's missing or
// unexpected argument.
//
// One table per evaluation (its VM's, put in use whenever that VM runs), so the service's
// memory does not grow with the names its requests make up. A name made at run time (listToAttrs, fromJSON,
// ...) is interned by C++ Nix when it is made; here listToAttrs's, a dynamic attribute's, a
// failed lookup's and removeAttrs/catAttrs/groupBy's are too (internName, missedName), others
// when they are first ordered, in byte order with the others met then.

/** StaticEvalSymbols' names, in C++ Nix's order (eval.hh), then the parser's. */
const EVALUATOR_NAMES = [
  '<with>', 'outPath', 'drvPath', 'type', 'meta', 'name', 'value', 'system', '__overrides', 'outputs',
  'outputName', '__ignoreNulls', 'file', 'line', 'column', '__functor', '__toString', 'right', 'wrong',
  '__structuredAttrs', '__json', 'allowedReferences', 'allowedRequisites', 'disallowedReferences',
  'disallowedRequisites', 'maxSize', 'maxClosureSize', 'builder', 'args', '__contentAddressed', '__impure',
  'outputHash', 'outputHashAlgo', 'outputHashMode', 'recurseForDerivations', 'description', 'self', '',
  'startSet', 'operator', 'key', 'path', 'prefix', 'outputSpecified', 'requiredSystemFeatures',
  '__sub', '__lessThan', '__mul', '__div', 'or', '__findFile', '__nixPath', 'body',
];

/**
 * The global names createBaseEnv adds, in its order: the constants, then the primops in the
 * order they register (primops.cc, then primops/*.cc in link order), then `derivation`.
 * A name with `__` is interned with it and then without.
 */
const BASE_ENV_NAMES = [
  'builtins', 'true', 'false', 'null', '__currentTime', '__currentSystem', '__nixVersion', '__storeDir',
  '__langVersion', '__traceVerbose', '__nixPath',
  'scopedImport', 'import', '__typeOf', 'isNull', '__isFunction', '__isInt', '__isFloat', '__isString',
  '__isBool', '__isPath', '__genericClosure', 'break', 'abort', 'throw', '__addErrorContext', '__ceil',
  '__floor', '__tryEval', '__getEnv', '__seq', '__deepSeq', '__trace', '__warn', 'derivationStrict',
  'placeholder', '__toPath', '__storePath', '__pathExists', 'baseNameOf', 'dirOf', '__readFile',
  '__findFile', '__hashFile', '__readFileType', '__readDir', '__outputOf', '__toXML', '__toJSON',
  '__fromJSON', '__toFile', '__filterSource', '__path', '__attrNames', '__attrValues', '__getAttr',
  '__unsafeGetAttrPos', '__hasAttr', '__isAttrs', 'removeAttrs', '__listToAttrs', '__intersectAttrs',
  '__catAttrs', '__functionArgs', '__mapAttrs', '__zipAttrsWith', '__isList', '__elemAt', '__head',
  '__tail', 'map', '__filter', '__elem', '__concatLists', '__length', "__foldl'", '__any', '__all',
  '__genList', '__sort', '__partition', '__groupBy', '__concatMap', '__add', '__sub', '__mul', '__div',
  '__bitAnd', '__bitOr', '__bitXor', '__lessThan', 'toString', '__substring', '__stringLength',
  '__hashString', '__convertHash', '__match', '__split', '__concatStringsSep', '__replaceStrings',
  '__parseDrvName', '__compareVersions', '__splitVersion', '__unsafeDiscardStringContext', '__hasContext',
  '__unsafeDiscardOutputDependency', '__addDrvOutputDependencies', '__getContext', '__appendContext',
  '__fetchClosure', 'fetchMercurial', 'fetchTree', 'fetchFinalTree', '__fetchurl', 'fetchTarball',
  'fetchGit', 'fromTOML', 'derivation',
];

/**
 * The names of derivation.nix, which createBaseEnv parses last, in the order its parser
 * interns them (syntax/parser.ts: a lambda's argument after its body).
 */
export const DERIVATION_NIX_NAMES = [
  'outputs', 'strict', 'derivationStrict', 'drvAttrs', 'commonAttrs', 'builtins', 'listToAttrs', 'outputsList',
  'all', 'map', 'x', 'value', 'outputToAttrListElement', 'name', 'outputName', 'outPath', 'drvPath', 'type', 'head',
];

function startNames(): Map<string, number> {
  const ids = new Map<string, number>();
  const add = (n: string): void => { if (!ids.has(n)) ids.set(n, ids.size); };
  for (const n of EVALUATOR_NAMES) add(n);
  for (const n of BASE_ENV_NAMES) {
    add(n);
    if (n.startsWith('__')) add(n.slice(2));
  }
  for (const n of DERIVATION_NIX_NAMES) add(n);
  return ids;
}

const START = startNames();

/** How many run-time names may wait to be interned (see SymbolTable.pending). */
const MAX_PENDING = 1 << 16;

export class SymbolTable {
  /**
   * The names met beyond START, numbered after it. START itself is shared and never copied:
   * copying it cost a small evaluation more than its whole run.
   */
  private readonly ids = new Map<string, number>();
  /**
   * Names made at run time, in the order they were made, not interned yet: interning hashes
   * each new string into the Map (a runtime call for a string V8 has not hashed), which cost a
   * set built by `{ ${n} = …; }` a fifth of its time; most are never ordered against a name the
   * table does not know. They are interned, in their order, before any name is numbered after
   * them (see drain), which gives the numbers eager interning would have given.
   */
  private pending: string[] = [];
  private static generations = 0;
  /** Tells tables apart, so that an order computed under another table is not reused. */
  readonly generation = ++SymbolTable.generations;

  /** Interns names in the order given (a file's names as it is parsed). */
  internAll(names: readonly string[]): void {
    this.drain();
    const ids = this.ids;
    for (const n of names) if (!START.has(n) && !ids.has(n)) ids.set(n, START.size + ids.size);
  }

  /** A name's number if the table has met it (nothing is interned). */
  known(name: string): number | undefined {
    this.drain();
    return this.ids.get(name);
  }

  /** Whether each pair of names (flattened: a0, b0, a1, b1, ...) has its `a` before its `b`. */
  holds(pairs: readonly string[]): boolean {
    for (let i = 0; i + 1 < pairs.length; i += 2) if (this.id(pairs[i]) > this.id(pairs[i + 1])) return false;
    return true;
  }

  /** A name's number, interning it if it is new (a name made at run time). */
  id(name: string): number {
    let id = START.get(name) ?? this.ids.get(name);
    if (id === undefined && this.pending.length > 0) {
      // A name the table has not numbered comes after those made before it.
      this.drain();
      id = this.ids.get(name);
    }
    if (id === undefined) this.ids.set(name, (id = START.size + this.ids.size));
    return id;
  }

  /** Interns a name if it is new (numbered when something first needs its number). */
  note(name: string): void {
    const pending = this.pending;
    pending.push(name);
    // Bounded, since one name made again and again is pushed each time.
    if (pending.length >= MAX_PENDING) this.drain();
  }

  /** Numbers the pending names that are new, in the order they were made. */
  private drain(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    const ids = this.ids;
    for (let i = 0; i < pending.length; i++) {
      const n = pending[i];
      if (!ids.has(n) && !START.has(n)) ids.set(n, START.size + ids.size);
    }
    this.pending = [];
  }

  /** Names (sorted by bytes) in symbol order; a name never met is interned now. */
  order(sortedNames: readonly string[]): string[] {
    const keyed = sortedNames.map((n) => ({ n, id: this.id(n) }));
    keyed.sort((a, b) => a.id - b.id);
    return keyed.map((k) => k.n);
  }

  /** How many names the table holds and their bytes (NIX_SHOW_STATS's `symbols`). */
  stats(): { number: number; bytes: number } {
    this.drain();
    let bytes = 0;
    for (const n of START.keys()) bytes += n.length;
    for (const n of this.ids.keys()) bytes += n.length;
    return { number: START.size + this.ids.size, bytes };
  }

  /** The name of `names` that comes first in symbol order (undefined if there is none). */
  first(names: Iterable<string>): string | undefined {
    this.drain();
    let best: string | undefined;
    let bestId = Infinity;
    for (const n of names) {
      const id = START.get(n) ?? this.ids.get(n) ?? Infinity;
      if (best === undefined || id < bestId || (id === bestId && n < best)) { best = n; bestId = id; }
    }
    return best;
  }
}

let current = new SymbolTable();

/** Makes a table the one in use: the VM of an evaluation does so whenever it runs. */
export function useSymbolTable(table: SymbolTable): void {
  current = table;
}

/** The table of the evaluation that is running (or ran last). */
export function symbolTable(): SymbolTable {
  return current;
}

/**
 * A name computed at run time, interned where C++ Nix makes its symbol (`symbols.create`):
 * removeAttrs, catAttrs and groupBy (primops.cc; listToAttrs interns its own), a dynamic
 * attribute's name (`{ ${n} = …; }`), and lookups by a computed name that find nothing
 * (missedName). It then comes where it was made in symbol order, as in C++ Nix, not where a
 * set first orders it.
 */
export function internName(name: string): string {
  current.note(name);
  return name;
}

/**
 * A lookup by a computed name that found nothing (`or`, `?`, hasAttr, unsafeGetAttrPos): C++
 * Nix made the name's symbol for the lookup. (A name found is a key of the set, made already;
 * a select or getAttr that finds nothing fails for good.)
 * Returns false, the answer of a `?` that found nothing.
 */
export function missedName(name: string): false {
  current.note(name);
  return false;
}
