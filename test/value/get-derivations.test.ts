// The derivation walk as a library (what nix-instantiate and, later, jobset evaluation use):
// which derivations it finds, under which attribute paths, and the options nix-env uses.
// The command line's output is tested in test/cli/instantiate.test.ts.

import { Evaluation } from '../../src/eval.js';
import { NixError } from '../../src/errors/errors.js';
import { Source } from '../../src/syntax/source.js';
import { findAlongAttrPath, parseAttrPath } from '../../src/value/auto-call.js';
import { getDerivations, type GetDerivationsOptions, type PackageInfo } from '../../src/value/get-derivations.js';
import { NixAttrs, type Request, type Value } from '../../src/value/values.js';

interface Found {
  attrPath: string;
  name: string;
  drvPath: string | undefined;
}

/** Walks the value of `expr` and reads each derivation's name and drvPath. */
function walk(expr: string, options: Partial<GetDerivationsOptions> = {}, autoArgs = NixAttrs.EMPTY): Found[] {
  const ev = new Evaluation({});
  const root = ev.vm.evalChunk(ev.compileSource(Source.fromUtf8(Source.STRING, expr, process.cwd())));
  const found: Found[] = [];
  ev.vm.run((function* (): Generator<Request, Value, Value> {
    const drvs: PackageInfo[] = yield* getDerivations(root, autoArgs, { storeDir: ev.settings.storeDir, ...options });
    for (const d of drvs) found.push({ attrPath: d.attrPath, name: yield* d.queryName(), drvPath: yield* d.queryDrvPath() });
    return null;
  })());
  return found;
}

function drv(name: string): string {
  return `derivation { name = "${name}"; system = "x86_64-linux"; builder = "/bin/sh"; }`;
}

// From nix-instantiate 2.8.0 (NIX_REMOTE=dummy:// nix-instantiate --readonly-mode -E ...).
const A_DRV = '/nix/store/7g5giqf764p3y3zv7a8rqsy9sqqq5kw4-a.drv';
const B_DRV = '/nix/store/dsvph895is8lh67mkss2l0hk90ps1lgb-b.drv';

describe('getDerivations', () => {
  test('reports where each derivation was found', () => {
    const expr = `[ { top = ${drv('a')}; pkgs = { recurseForDerivations = true; inner = ${drv('b')}; list = [ (${drv('b')}) ]; }; } ]`;
    // A list in a set is not entered, whatever its set's recurseForDerivations.
    expect(walk(expr)).toEqual([
      { attrPath: '0.pkgs.inner', name: 'b', drvPath: B_DRV },
      { attrPath: '0.top', name: 'a', drvPath: A_DRV },
    ]);
    expect(walk(drv('a'), { pathPrefix: 'hello' })).toEqual([{ attrPath: 'hello', name: 'a', drvPath: A_DRV }]);
  });

  test('a derivation without drvPath is found; asking for it is what fails', () => {
    expect(walk('{ x = { type = "derivation"; name = "n"; }; }')).toEqual([{ attrPath: 'x', name: 'n', drvPath: undefined }]);
  });

  test('with _combineChannels every attribute is walked as a whole value', () => {
    const expr = `{ _combineChannels = { }; c = [ (${drv('a')}) ]; d = { x = ${drv('b')}; }; }`;
    expect(walk(expr).map((f) => f.attrPath)).toEqual(['c.0', 'd.x']);
  });

  test('failed assertions skip a derivation only when asked to', () => {
    const expr = `{ bad = assert false; ${drv('b')}; good = ${drv('a')}; }`;
    expect(() => walk(expr)).toThrow(NixError);
    expect(walk(expr, { ignoreAssertionFailures: true }).map((f) => f.name)).toEqual(['a']);
    // Other errors are not skipped.
    expect(() => walk(`{ bad = throw "no"; good = ${drv('a')}; }`, { ignoreAssertionFailures: true })).toThrow('no');
  });

  test('without a depth limit, nesting is bounded by memory only', () => {
    const expr = `let f = n: if n == 0 then ${drv('a')} else [ (f (n - 1)) ]; in f 100000`;
    expect(walk(expr, { maxDepth: Infinity })).toEqual([{ attrPath: '0.'.repeat(99999) + '0', name: 'a', drvPath: A_DRV }]);
  });

  test('auto-arguments reach the functions it calls', () => {
    const args = NixAttrs.fromMap(new Map<string, Value>([['n', 'a']]));
    expect(walk('[ ({ n }: derivation { name = n; system = "x86_64-linux"; builder = "/bin/sh"; }) ]', {}, args))
      .toEqual([{ attrPath: '0', name: 'a', drvPath: A_DRV }]);
  });
});

describe('selection paths', () => {
  test('parseAttrPath splits at dots outside quotes', () => {
    expect(parseAttrPath('')).toEqual([]);
    expect(parseAttrPath('a.b.0')).toEqual(['a', 'b', '0']);
    expect(parseAttrPath('a."b.c".d')).toEqual(['a', 'b.c', 'd']);
    expect(parseAttrPath('a..b.')).toEqual(['a', '', 'b']);
    expect(() => parseAttrPath('a."b')).toThrow("missing closing quote in selection path 'a.\"b'");
  });

  test('findAlongAttrPath auto-calls each step and reports what it cannot select', () => {
    const ev = new Evaluation({});
    const select = (expr: string, path: string): Value => {
      const root = ev.vm.evalChunk(ev.compileSource(Source.fromUtf8(Source.STRING, expr, process.cwd())));
      return ev.vm.run(findAlongAttrPath(root, path, NixAttrs.EMPTY));
    };
    expect(select('{ a ? 1 }: { x = [ 5 6 ]; }', 'x.1')).toBe(6);
    expect(select('{ "b.c" = 2; }', '"b.c"')).toBe(2);
    expect(() => select('{ x = 1; }', 'x.y')).toThrow("the expression selected by the selection path 'x.y' should be a set but is an integer");
    expect(() => select('{ x = 1; }', 'x.0')).toThrow("the expression selected by the selection path 'x.0' should be a list but is an integer");
    expect(() => select('{ x = 1; }', 'a..b')).toThrow("attribute 'a' in selection path 'a..b' not found");
    expect(() => select('{ a = { }; }', 'a..b')).toThrow("empty attribute name in selection path 'a..b'");
  });
});
