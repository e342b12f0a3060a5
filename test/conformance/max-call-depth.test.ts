// The corpus's stack-overflow tests with max-call-depth set as C++ Nix has it by default
// (10000): deepSeq, toJSON and structured attributes then stop where C++ Nix's recursion does,
// with its trace byte for byte. nixeval's default has no such limit on deep forcing (data
// nested 100,000 deep must evaluate), so the plain conformance run cannot check this.
// Skipped, with a message, where the corpus is absent.

import { existsSync } from 'node:fs';
import { cliPath, createWorkspace, disposeWorkspace, findCorpus, listTests, runTest, type Workspace } from './corpus.js';

const corpus = findCorpus();
const NAMES = ['eval-fail-deepseq-stack-overflow', 'eval-fail-derivation-structuredAttrs-stack-overflow', 'eval-fail-toJSON-stack-overflow'];
const TIERS: [string, Record<string, string>][] = [
  ['vm', { NIXEVAL_TIER: 'vm' }],
  ['compiled', { NIXEVAL_TIER: 'compiled', NIXEVAL_JIT_THRESHOLD: '0' }],
];

if (corpus === undefined) {
  console.log('max-call-depth conformance tests skipped: the corpus is absent (set NIXEVAL_CORPUS)');
  test.skip('max-call-depth conformance (corpus absent)', () => {});
} else {
  describe('the stack-overflow tests of the corpus, with max-call-depth 10000', () => {
    let ws: Workspace;
    beforeAll(() => {
      if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: build first (npm run build)`);
      ws = createWorkspace(corpus);
    });
    afterAll(() => disposeWorkspace(ws));
    const tests = listTests(corpus).filter((t) => NAMES.includes(t.name));

    test('the corpus has them', () => {
      expect(tests.map((t) => t.name).sort()).toEqual([...NAMES].sort());
    });

    for (const [tier, env] of TIERS) {
      test.each(NAMES)(`%s, --max-call-depth 10000 (${tier} tier)`, async (name) => {
        const r = await runTest(corpus, tests.find((t) => t.name === name)!, 60_000, ws, env, ['--max-call-depth', '10000']);
        expect(r.reason).toBe('');
      }, 90_000);
    }

    test('--option max-call-depth is the same setting', async () => {
      const r = await runTest(corpus, tests.find((t) => t.name === NAMES[0])!, 60_000, ws, {}, ['--option', 'max-call-depth', '10000']);
      expect(r.reason).toBe('');
    }, 90_000);

    test('one more or less moves the error: the count is exact', async () => {
      // 10001: the deepest `head` is forced one level later, so one frame more is omitted.
      const r = await runTest(corpus, tests.find((t) => t.name === NAMES[0])!, 60_000, ws, {}, ['--max-call-depth', '10001']);
      expect(r.reason).toBe('output line 16: expected "       (9997 duplicate frames omitted)", got "       (9998 duplicate frames omitted)"');
    }, 90_000);
  });
}
