// The regex engine behind builtins.match and builtins.split (src/builtins/regex.ts), checked
// against the executor it replaced: a transcription of libstdc++'s backtracking matcher
// (test/builtins/regex-backtracking.ts), whose answers are C++ Nix's. The linear executor,
// the native JS fast path and the reference must agree on every pattern and input.

import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Regex, RegexError, compileRegex, compileRegexEmulated, type RegexMatch } from '../../src/builtins/regex.js';
import { BacktrackingExecutor, BudgetExceeded } from './regex-backtracking.js';
import { failure, run } from './helpers.js';

/** The reference's answers, or null when it would take too long (it is exponential). */
function reference(pattern: string, s: string): { match: RegexMatch | null; all: RegexMatch[] } | null {
  const re = new Regex(pattern, false, (p) => new BacktrackingExecutor(p, 200000));
  try {
    return { match: re.match(s), all: re.searchAll(s) };
  } catch (e) {
    if (e instanceof BudgetExceeded) return null;
    throw e;
  }
}

function answers(re: Regex, s: string): { match: RegexMatch | null; all: RegexMatch[] } {
  return { match: re.match(s), all: re.searchAll(s) };
}

const patterns = [
  'a|ab', '(a|ab)(c|bcd)(d*)', '(a*)*', '(|a)*', '((a)|b)+', 'b*', 'x*', '', '^', '$', '(a)|b',
  '[[:space:]]+|([\',.!?])', 'fo{1,2}', '(fo*)', '(o+)', '[^a]*b', '(ab|cd)+', '(a|b|c)(b|c)?', '^a.*$',
  'mirror://([a-z]+)/(.*)', '((.*)/)?([^/]*)\\.(nix|cc)', '(.*)e?abi.*', '[[:alnum:]+_?=-][[:alnum:]+._?=-]*',
  '((a*)|(a*))+(a*)?', '(a|(a|)+)(a|)+', '(a|a)*b', '(a*)*b', '(a{0,2}){2,3}', '(^a|b$)*',
];
const strings = ['', 'a', 'ab', 'abcd', 'xabc', 'aab', 'aaab', 'ooof', 'foo bar, baz!', 'mirror://gnu/hello', '/a/b.nix', 'linux', 'bab'];

describe('the linear executor gives the answers of libstdc++', () => {
  test.each(patterns)('%s', (p) => {
    const linear = compileRegexEmulated(p);
    const fast = compileRegex(p);
    for (const s of strings) {
      const expected = reference(p, s);
      expect(expected).not.toBeNull();
      expect([p, s, answers(linear, s)]).toEqual([p, s, expected]);
      expect([p, s, answers(fast, s)]).toEqual([p, s, expected]);
    }
  });

  // Patterns built from the pieces where libstdc++ is peculiar: empty alternatives and
  // groups, nested and counted repetitions, anchors inside groups.
  const piece: fc.Memo<string> = fc.memo((depth) =>
    depth <= 1
      ? fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '()', '^', '$', 'x')
      : fc.oneof(
          piece(depth - 1),
          fc.tuple(piece(depth - 1), piece(depth - 1)).map(([x, y]) => x + y),
          fc.tuple(piece(depth - 1), piece(depth - 1)).map(([x, y]) => `(${x}|${y})`),
          fc.tuple(piece(depth - 1), fc.constantFrom('*', '+', '?', '{2}', '{0,2}', '{1,3}')).map(([x, q]) => `(${x})${q}`),
          fc.tuple(fc.constantFrom('a', 'b', '.'), fc.constantFrom('*', '+', '?')).map(([x, q]) => x + q),
        ),
  );
  const input = fc.array(fc.constantFrom('a', 'b', 'x'), { maxLength: 7 }).map((cs) => cs.join(''));

  test('random patterns and inputs', () => {
    let compared = 0;
    fc.assert(
      fc.property(piece(4), fc.array(input, { minLength: 1, maxLength: 6 }), (p, inputs) => {
        const linear = compileRegexEmulated(p);
        const fast = compileRegex(p);
        for (const s of inputs) {
          const expected = reference(p, s);
          if (expected === null) continue;
          compared++;
          expect([p, s, answers(linear, s)]).toEqual([p, s, expected]);
          expect([p, s, answers(fast, s)]).toEqual([p, s, expected]);
        }
      }),
      { numRuns: 1500 },
    );
    // The budget must not have excused most of them.
    expect(compared).toBeGreaterThan(3000);
  });

  const corpus = new URL('../../../../shared/nix-lang-tests/eval-okay-regex-match2.nix', import.meta.url);
  (existsSync(corpus) ? test : test.skip)('nixpkgs regexes (corpus eval-okay-regex-match2)', () => {
    const text = readFileSync(corpus, 'latin1');
    const pairs = [...text.matchAll(/\[\s*''(.*?)''\s*''(.*?)''\s*\]/g)];
    expect(pairs.length).toBeGreaterThan(100);
    for (const [, p, s] of pairs) {
      const re = p.replace(/'''/g, "''");
      const expected = reference(re, s);
      expect(expected).not.toBeNull();
      expect([re, compileRegex(re).match(s)]).toEqual([re, expected!.match]);
      expect([re, compileRegexEmulated(re).match(s)]).toEqual([re, expected!.match]);
    }
  });
});

describe('native JS RegExps', () => {
  test('only for whole-string matches where the next byte decides every choice', () => {
    expect(compileRegex('([^,]*),').native).toBe(true);
    expect(compileRegex('mirror://([a-z]+)/(.*)').native).toBe(true);
    // Ambiguous: backtracking could take more than linear time.
    expect(compileRegex('a|ab').native).toBe(false);
    expect(compileRegex('(.*)\\.(nix|cc)').native).toBe(false);
    expect(compileRegex('(a|a)*b').native).toBe(false);
    expect(compileRegex('a*a*b').native).toBe(false);
    // Groups in a repetition: a JS RegExp reports them differently.
    expect(compileRegex('((a)|b)*').native).toBe(false);
  });
  test('an input too long for V8 falls back to the linear executor', () => {
    const re = compileRegex('(a|b)*');
    expect(re.native).toBe(true);
    expect(re.match('ab'.repeat(2_000_000))).toEqual({ start: 0, end: 4_000_000, groups: ['b'] });
  });
});

describe('shortcuts', () => {
  test('whole-string matches remembered by input give the answers found afresh', () => {
    const re = compileRegex('(.*)e?abi.*');
    expect(re.native).toBe(false);
    const inputs = ['gnueabi', 'linux', 'eabihf', 'abi', '', 'musleabi', 'x'.repeat(200) + 'abi'];
    for (let round = 0; round < 3; round++) {
      for (const s of inputs) expect([s, re.match(s)]).toEqual([s, compileRegexEmulated('(.*)e?abi.*').match(s)]);
    }
  });
  test('a plain string is split where it occurs, left to right', () => {
    for (const [p, s] of [[' ', 'a b  c '], ['ab', 'abababa'], ['\\.', 'a.b..c'], ['x', 'abc'], ['aa', 'aaaaa']] as const) {
      expect([p, s, compileRegex(p).searchAll(s)]).toEqual([p, s, compileRegexEmulated(p).searchAll(s)]);
    }
  });
});

describe('searches jump to the bytes a match can start with', () => {
  test('over long inputs, as the emulation that looks at every byte', () => {
    // One byte (a quote), a class of them, and a pattern that may match empty (no jump).
    const doc = Array.from({ length: 400 }, (_, i) => `Set "opt${i}" or "x-${i % 7}" to ${i % 3 ? 'a' : 'ac'} "9x"; `).join('');
    for (const p of ['"([A-Za-z][A-Za-z0-9_+.-]*)"', '[ab]c', '(x|q)+-', 'c*', '^S|;$']) {
      const fast = compileRegex(p);
      const all = fast.searchAll(doc);
      expect([p, all]).toEqual([p, compileRegexEmulated(p).searchAll(doc)]);
      expect(all.length).toBeGreaterThan(0);
    }
  });
});

describe('adversarial patterns finish', () => {
  // libstdc++ (and so C++ Nix) takes exponential time on these, or overflows its stack.
  // bench/regex.ts measures how the time grows; here the answers must come at all.
  const long = 'a'.repeat(20000);
  test('match', () => {
    expect(compileRegex('(a|a)*b').match(long)).toBeNull();
    expect(compileRegex('(a*)*b').match(long)).toBeNull();
    expect(compileRegex('a*a*a*b').match(long)).toBeNull();
    expect(compileRegex('(a|aa)*').match(long)?.groups).toEqual(['a']);
  });
  test('split', () => {
    expect(compileRegex('a*b').searchAll(long)).toHaveLength(0);
    expect(compileRegex('(a|a)*b').searchAll(long + 'b')).toEqual([{ start: 0, end: 20001, groups: ['a'] }]);
    expect(run(`builtins.length (builtins.split "(a|aa)*c" (builtins.concatStringsSep "" (builtins.genList (i: "a") 20000)))`)).toBe('1');
  });
  test('memory is bounded: past its budget the executor gives up with error_space', () => {
    // About 7000 states times 20,000 positions of outcomes, with a budget of 64 pages.
    const re = compileRegexEmulated('(a|aa){1,1000}c', 64);
    expect(() => re.searchAll('a'.repeat(20000))).toThrow(RegexError);
    expect(() => re.searchAll('a'.repeat(20000))).toThrow(expect.objectContaining({ space: true }));
    // The regex is not broken for later, shorter inputs.
    expect(re.searchAll('aac')).toEqual([{ start: 0, end: 3, groups: ['a'] }]);
  });
});

describe('the cache of compiled patterns', () => {
  test('each pattern gets its own regex, with more patterns in turn than the cache keeps in front', () => {
    // Twenty patterns, each matching only its own number, asked for round robin three times:
    // the recent entries in front of the cache are replaced while others are still asked for.
    const patterns = Array.from({ length: 20 }, (_, i) => `n${i}-([a-z]+)`);
    for (let round = 0; round < 3; round++) {
      patterns.forEach((p, i) => {
        expect([p, compileRegex(p).match(`n${i}-abc`)?.groups]).toEqual([p, ['abc']]);
        expect([p, compileRegex(p).match(`n${(i + 1) % 20}-abc`)]).toEqual([p, null]);
      });
    }
    // The same regex again while it is recent; one refused by libstdc++ is refused every time.
    expect(compileRegex(patterns[19])).toBe(compileRegex(patterns[19]));
    for (let i = 0; i < 3; i++) expect(() => compileRegex('a(b')).toThrow(RegexError);
  });
  test('match and split report a refused pattern, then go on with a good one', () => {
    for (let i = 0; i < 2; i++) {
      expect(failure('builtins.match "a(b" "ab"').message).toBe("invalid regular expression 'a(b'");
      expect(failure('builtins.split "a(b" "ab"').message).toBe("invalid regular expression 'a(b'");
      expect(run('builtins.match "a(b)" "ab"')).toBe('[ "b" ]');
      expect(run('builtins.split "(b)" "abc"')).toBe('[ "a" [ "b" ] "c" ]');
    }
  });
});
