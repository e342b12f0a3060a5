// The conformance suite: every test listed in passing.txt must still pass. A test that fails
// and is not on the list is no regression; `npm run conformance -- --write-passing` adds the
// ones that start to pass. Skipped, with a message, where the corpus is absent.

import { existsSync } from 'node:fs';
import {
  cliPath, defaultCorpusDir, findCorpus, firstDifference, instantiateCommand, listTests,
  normaliseNumbers, normalisePwd, passingListPath, planTest, readPassingList, renderCommand, runTests,
} from './corpus.js';

/**
 * No test is started after this long, so the suite stays within a few minutes even if a
 * broken build makes every test wait out its 20 s timeout. The list takes about 80 s per tier
 * on an idle 2-core machine; the budget leaves room for a slow or busy one.
 */
const BUDGET_MS = 900_000;

const corpus = findCorpus();

if (corpus === undefined) {
  console.log(`conformance tests skipped: the corpus is not at ${defaultCorpusDir} (set NIXEVAL_CORPUS to use another folder)`);
  test.skip('conformance (corpus absent)', () => {});
} else {
  const tests = listTests(corpus);

  describe('conformance', () => {
    test('passing.txt names only tests in MANIFEST.tsv', () => {
      const known = new Set(tests.map((t) => t.name));
      expect(readPassingList().filter((n) => !known.has(n))).toEqual([]);
    });

    test('the runner builds the commands the MANIFEST gives', () => {
      const mismatches = tests
        .map((t) => ({ name: t.name, manifest: t.manifestCommand, runner: renderCommand(planTest(corpus, t)) }))
        .filter((m) => m.manifest !== m.runner);
      expect(mismatches).toEqual([]);
    });

    // Each tier alone: the frame-stack VM, and the compiled tier with every chunk translated
    // at its first run (the default, where only hot chunks are translated, mixes the two). The
    // parse tests run once: the tiers share the parser. Both runs go at once, sharing the cores.
    test('every test in passing.txt still passes, in each tier', async () => {
      if (instantiateCommand()[1] === cliPath && !existsSync(cliPath)) {
        throw new Error(`${cliPath} is missing: build first (npx tsc -p .)`);
      }
      const listed = tests.filter((t) => readPassingList().includes(t.name));
      const deadline = Date.now() + BUDGET_MS;
      const [vm, compiled] = await Promise.all([
        runTests(corpus, listed, { deadline, env: { NIXEVAL_TIER: 'vm' } }),
        runTests(corpus, listed.filter((t) => !t.kind.startsWith('parse-')), { deadline, env: { NIXEVAL_TIER: 'compiled', NIXEVAL_JIT_THRESHOLD: '0' } }),
      ]);
      const failed = [...vm.map((r) => ({ ...r, tier: 'vm' })), ...compiled.map((r) => ({ ...r, tier: 'compiled' }))].filter((r) => !r.pass);
      if (failed.length > 0) {
        throw new Error(`${failed.length} of the ${vm.length + compiled.length} runs of tests in ${passingListPath} fail:\n`
          + failed.map((r) => `  ${r.name} (${r.tier} tier): ${r.reason}`).join('\n'));
      }
    }, BUDGET_MS + 45_000);
  });
}

// The comparison helpers themselves, on made-up output.
describe('conformance runner helpers', () => {
  test('/pwd replaces every occurrence of the working directory, on bytes', () => {
    const out = Buffer.concat([Buffer.from('at /tmp/w/lang/a.nix and /tmp/w/lang/b.nix '), Buffer.from([0xff, 0])]);
    expect(normalisePwd(out, '/tmp/w')).toEqual(
      Buffer.concat([Buffer.from('at /pwd/lang/a.nix and /pwd/lang/b.nix '), Buffer.from([0xff, 0])]));
  });

  test('derivation-name numbers are hidden as the upstream sed does, line by line', () => {
    // Nix pads line numbers to 13 columns; a number at the end of a line is not followed by the newline.
    const out = Buffer.from('           12|     x\n    at derivation-internal.nix:37:12:\n     1234567\n');
    expect(normaliseNumbers(out).toString()).toBe(
      '     <number>|     x\n    at derivation-internal.nix:<number>:<number>:\n     <number>\n');
  });

  test('differences are reported by line', () => {
    const d = (e: string, a: string): string | undefined => firstDifference('out', Buffer.from(e), Buffer.from(a));
    expect(d('a\nb\n', 'a\nb\n')).toBeUndefined();
    expect(d('a\nb\n', 'a\nc\n')).toBe('out line 2: expected "b", got "c"');
    expect(d('a\nb\n', 'a\n')).toBe('out line 2: expected "b", got end of output');
    expect(d('a\n', 'a\nb\n')).toBe('out line 2: expected end of output, got "b"');
    expect(d('a\n', 'a')).toBe('out: missing final newline');
    expect(d('a', 'a\n')).toBe('out: extra final newline');
  });
});
