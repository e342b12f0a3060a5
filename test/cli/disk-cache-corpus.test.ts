// The language corpus through the command line twice, sharing one disk cache of compiled files
// (src/io/disk-cache.ts, every file kept whatever its size): the first run compiles and writes,
// the second reads back. Every test in passing.txt must pass both times (the corpus compares
// output, errors, positions and traces byte for byte), and the second run must have read the
// files, not written them again.

import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createWorkspace, disposeWorkspace, findCorpus, listTests, readPassingList, runTest, type TestCase, type TestResult, TIMEOUT_MS,
} from '../conformance/corpus.js';

const corpus = findCorpus();

/**
 * The cache's compiled files (not the records of translated chunks, which a run rewrites when
 * it translated others than the last run that read the file), each with what changes when it
 * is written again (a rename makes a new inode).
 */
function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const sub of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, sub))) {
      if (name.endsWith('.hot')) continue;
      const st = statSync(join(dir, sub, name));
      out.set(name, `${st.ino}:${st.size}:${st.mtimeMs}`);
    }
  }
  return out;
}

(corpus === undefined ? describe.skip : describe)('the corpus read back from the disk cache', () => {
  test('every test in passing.txt passes when it compiles and writes, and when it reads back', async () => {
    // Tests of files (parse tests read stdin, which is never cached).
    const passing = new Set(readPassingList());
    const tests = listTests(corpus!).filter((t) => passing.has(t.name) && !t.kind.startsWith('parse-'));
    const cacheDir = mkdtempSync(join(tmpdir(), 'nixeval-corpus-cache-'));
    const ws = createWorkspace(corpus!);
    const env = { NIXEVAL_CACHE_DIR: cacheDir, NIXEVAL_CACHE_MIN_BYTES: '0' };
    const runAll = async (): Promise<TestResult[]> => {
      const results: TestResult[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < tests.length) {
          const t: TestCase = tests[next++];
          results.push(await runTest(corpus!, t, TIMEOUT_MS, ws, env));
        }
      };
      await Promise.all([worker(), worker()]);
      return results;
    };
    try {
      const first = await runAll();
      const written = files(cacheDir);
      const second = await runAll();
      const failed = [...first.map((r) => ({ ...r, run: 'writing' })), ...second.map((r) => ({ ...r, run: 'reading back' }))].filter((r) => !r.pass);
      expect(failed.map((r) => `${r.name} (${r.run}): ${r.reason}`)).toEqual([]);
      expect(written.size).toBeGreaterThan(200);
      // Nothing written again: each file was read back (a file with `~/` paths, whose key holds
      // each test's own HOME, is the only kind compiled again, under a new name).
      const after = files(cacheDir);
      const rewritten = [...written].filter(([name, stamp]) => after.get(name) !== stamp);
      expect(rewritten).toEqual([]);
      expect(after.size - written.size).toBeLessThan(10);
    } finally {
      disposeWorkspace(ws);
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 15 * 60_000);
});
