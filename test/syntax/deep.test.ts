// Deeply nested and very long inputs. The service parses untrusted text in long-lived
// workers, so whatever the shape, the parser must either build the tree or report a
// ParseError with a position — a JS RangeError (stack overflow) is a crash of the request at
// best and of the worker's invariants at worst. C++ Nix itself gives up on some of these
// ("memory exhausted" from bison's 10,000-deep stack), so a clear ParseError is acceptable;
// silently overflowing is not.

import { parse } from '../../src/syntax/parser.js';
import { showExpr } from '../../src/syntax/show.js';
import { Source } from '../../src/syntax/source.js';
import { ParseError } from '../../src/errors/errors.js';
import type { Expr } from '../../src/syntax/ast.js';

const DEPTH = 10_000;
const CHAIN = 100_000;
const MODERATE = 300;

function source(text: string): Source {
  return new Source('/deep/t.nix', text, '/deep');
}

type Outcome = { ok: true; expr: Expr } | { ok: false; error: unknown };

function tryParse(text: string): Outcome {
  try {
    return { ok: true, expr: parse(source(text)) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** 'parsed', 'ParseError: …' with a position, or the name and message of anything else. */
function outcome(result: Outcome): string {
  if (result.ok) return 'parsed';
  const e = result.error;
  if (e instanceof ParseError) {
    // A ParseError without a position or message would not be a clear one.
    return e.pos !== undefined && e.message !== '' ? 'ParseError' : `unclear ParseError: ${JSON.stringify(e.message)}`;
  }
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

const ACCEPTABLE = /^(parsed|ParseError)$/;

/** Follows `next` from `e` iteratively, so checking a deep tree cannot overflow either. */
function chainLength(e: Expr, next: (e: Expr) => Expr | undefined): number {
  let n = 0;
  for (let cur: Expr | undefined = e; cur !== undefined; cur = next(cur)) n++;
  return n;
}

const nested: [string, (n: number) => string][] = [
  ['parentheses', (n) => '('.repeat(n) + '1' + ')'.repeat(n)],
  ['lists', (n) => '['.repeat(n) + '1' + ']'.repeat(n)],
  ['lists as elements of lists', (n) => '[ 0 '.repeat(n) + '1' + ' ]'.repeat(n)],
  ['attribute sets', (n) => '{ a = '.repeat(n) + '1' + '; }'.repeat(n)],
  ['rec attribute sets', (n) => 'rec { a = '.repeat(n) + '1' + '; }'.repeat(n)],
  ['legacy let { body }', (n) => 'let { body = '.repeat(n) + '1' + '; }'.repeat(n)],
  ['let chains (let ... in let ... in ...)', (n) => 'let a = 1; in '.repeat(n) + 'a'],
  ['lets nested in bindings', (n) => 'let a = '.repeat(n) + '1' + '; in a'.repeat(n)],
  ['lambdas (x: x: ...)', (n) => 'x: '.repeat(n) + 'x'],
  ['parenthesised lambdas', (n) => '(x: '.repeat(n) + 'x' + ')'.repeat(n)],
  ['formals lambdas', (n) => '{ x }: '.repeat(n) + 'x'],
  ['formal defaults', (n) => '{ x ? '.repeat(n) + '1' + ' }: x'.repeat(n)],
  ['if-chains in else', (n) => 'if true then 1 else '.repeat(n) + '2'],
  ['ifs in conditions', (n) => 'if '.repeat(n) + 'true' + ' then 1 else 2'.repeat(n)],
  ['ifs in then branches', (n) => 'if true then '.repeat(n) + '1' + ' else 2'.repeat(n)],
  ['with chains', (n) => 'with {}; '.repeat(n) + '1'],
  ['assert chains', (n) => 'assert true; '.repeat(n) + '1'],
  ['not (!!!...)', (n) => '!'.repeat(n) + 'true'],
  ['negation (- - - ...)', (n) => '- '.repeat(n) + '1'],
  ['negated parentheses', (n) => '-('.repeat(n) + '1' + ')'.repeat(n)],
  ['right operands in parentheses', (n) => '1 + ('.repeat(n) + '1' + ')'.repeat(n)],
  ['select defaults (a.b or a.b or ...)', (n) => 'a.b or '.repeat(n) + '1'],
  ['select defaults in parentheses', (n) => 'a.b or ('.repeat(n) + '1' + ')'.repeat(n)],
  ['string interpolations', (n) => '"${'.repeat(n) + 'x' + '}"'.repeat(n)],
  ['indented string interpolations', (n) => "''${".repeat(n) + 'x' + "}''".repeat(n)],
  ['path interpolations', (n) => './a/${'.repeat(n) + 'x' + '}'.repeat(n)],
  ['dynamic attribute names', (n) => '{ ${'.repeat(n) + 'x' + '} = 1; }'.repeat(n)],
  ['inherit-from sources', (n) => '{ inherit ('.repeat(n) + '{}' + ') a; }'.repeat(n)],
  ['selects with spaces (x . a . a ...)', (n) => 'x' + ' . a'.repeat(n)],
];

const chains: [string, (n: number) => string][] = [
  ['1 + 1 + ...', (n) => '1' + ' + 1'.repeat(n)],
  ['1 - 1 - ...', (n) => '1' + ' - 1'.repeat(n)],
  ['1 * 1 / ...', (n) => '1' + ' * 1 / 1'.repeat(n / 2)],
  ['[] ++ [] ++ ...', (n) => '[]' + ' ++ []'.repeat(n)],
  ['{} // {} // ...', (n) => '{}' + ' // {}'.repeat(n)],
  ['true && true && ...', (n) => 'true' + ' && true'.repeat(n)],
  ['true || true || ...', (n) => 'true' + ' || true'.repeat(n)],
  ['true -> true -> ...', (n) => 'true' + ' -> true'.repeat(n)],
  ['mixed precedences', (n) => '1' + ' + 2 * 3 ++ 4 // 5 && 6 || 7 -> 8'.repeat(n / 7)],
  ['1 == 1 == ... (non-associative)', (n) => '1' + ' == 1'.repeat(n)],
  ['application f 1 1 1 ...', (n) => 'f' + ' 1'.repeat(n)],
  ['list elements', (n) => '[' + ' 1'.repeat(n) + ' ]'],
  ['attribute bindings', (n) => '{' + Array.from({ length: n }, (_, i) => ` a${i} = ${i};`).join('') + ' }'],
  ['string parts', (n) => '"' + 'a${x}'.repeat(n) + '"'],
];

describe(`${DEPTH.toLocaleString('en')}-deep nesting parses or fails with a ParseError`, () => {
  test.each(nested)('%s', (_name, make) => {
    expect(outcome(tryParse(make(DEPTH)))).toMatch(ACCEPTABLE);
  });
});

// Real code nests a few dozen levels; a parser that turned every deep input into an error
// would pass the test above, so moderate depths must actually parse.
describe(`${MODERATE}-deep nesting of every shape parses`, () => {
  test.each(nested)('%s', (_name, make) => {
    expect(outcome(tryParse(make(MODERATE)))).toBe('parsed');
  });
});

describe(`${CHAIN.toLocaleString('en')}-long chains parse or fail with a ParseError`, () => {
  test.each(chains)('%s', (_name, make) => {
    expect(outcome(tryParse(make(CHAIN)))).toMatch(ACCEPTABLE);
  });
});

describe('deep inputs that parse build the right tree', () => {
  test('a + chain nests to the left', () => {
    const r = tryParse('1' + ' + 1'.repeat(CHAIN));
    if (!r.ok) return; // reported by the test above
    const n = chainLength(r.expr, (e) => (e.kind === 'ConcatStrings' ? e.parts[0] : undefined));
    expect(n).toBe(CHAIN + 1);
  });

  test('a // chain nests to the right', () => {
    const r = tryParse('{}' + ' // {}'.repeat(CHAIN));
    if (!r.ok) return;
    const n = chainLength(r.expr, (e) => (e.kind === 'BinOp' ? e.r : undefined));
    expect(n).toBe(CHAIN + 1);
  });

  test('an application chain is one call', () => {
    const r = tryParse('f' + ' 1'.repeat(CHAIN));
    if (!r.ok) return;
    expect(r.expr.kind === 'Call' && r.expr.args.length).toBe(CHAIN);
  });

  test('a lambda chain', () => {
    const r = tryParse('x: '.repeat(DEPTH) + 'x');
    if (!r.ok) return;
    const n = chainLength(r.expr, (e) => (e.kind === 'Lambda' ? e.body : undefined));
    expect(n).toBe(DEPTH + 1);
  });

  test('an else-if chain', () => {
    const r = tryParse('if true then 1 else '.repeat(DEPTH) + '2');
    if (!r.ok) return;
    const n = chainLength(r.expr, (e) => (e.kind === 'If' ? e.else : undefined));
    expect(n).toBe(DEPTH + 1);
  });

  test('parentheses vanish', () => {
    const r = tryParse('('.repeat(DEPTH) + '1' + ')'.repeat(DEPTH));
    if (!r.ok) return;
    expect(r.expr).toMatchObject({ kind: 'Int', value: 1 });
  });

  test('nested lists', () => {
    const r = tryParse('['.repeat(DEPTH) + '1' + ']'.repeat(DEPTH));
    if (!r.ok) return;
    const n = chainLength(r.expr, (e) => (e.kind === 'List' ? e.elems[0] : undefined));
    expect(n).toBe(DEPTH + 1);
  });
});

// `nixeval instantiate --parse` prints with showExpr, so a tree the parser accepted must
// print without overflowing too.
describe('showExpr prints whatever deep input parsed', () => {
  test.each([...nested.map(([n, f]) => [n, f(DEPTH)]), ...chains.map(([n, f]) => [n, f(CHAIN)])])('%s', (_name, text) => {
    const r = tryParse(text);
    if (!r.ok) return; // the parse itself is checked above
    let printed: string;
    try {
      printed = showExpr(r.expr);
    } catch (e) {
      printed = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    }
    expect(printed).not.toMatch(/^RangeError/);
  });
});

describe('a 50 MB string literal', () => {
  const SIZE = 50 * 1024 * 1024;

  test('parses to one string of that length', () => {
    const r = tryParse('"' + 'a'.repeat(SIZE) + '"');
    expect(outcome(r)).toBe('parsed');
    if (!r.ok) return;
    expect(r.expr.kind).toBe('String');
    expect(r.expr.kind === 'String' && r.expr.value.length).toBe(SIZE);
  }, 120_000);

  test('and a 10 MB one with escapes on every line', () => {
    const line = 'abc\\tdef\\n';
    const lines = Math.floor((10 * 1024 * 1024) / line.length);
    const r = tryParse('"' + line.repeat(lines) + '"');
    expect(outcome(r)).toBe('parsed');
    if (!r.ok) return;
    expect(r.expr.kind === 'String' && r.expr.value.length).toBe(lines * 8);
  }, 120_000);
});
