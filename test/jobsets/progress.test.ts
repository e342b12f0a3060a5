// A jobset's progress as its walk reports it: every attribute found is counted in exactly one of
// done, running and queued, also when read as a line goes out (the moment queue/worker.ts
// records the counts in Redis), within a batch of several attributes, and after an attribute
// the executor did not evaluate is handed out again.

import { errorBody } from '../../workers/evaluate-json.js';
import type { AttributeResult } from '../../workers/jobset-task.js';
import { type AttributeExecutor, type JobsetProgress, JobsetRun } from '../../workers/jobset-runner.js';

const stats = { evalMs: 1, heapGrowthMb: 0 };
const NAMES = Array.from({ length: 40 }, (_, i) => `a${String(i).padStart(2, '0')}`);

/** The root is a set of NAMES; each name evaluates to an error; `skipOnce` is not evaluated the first time it is handed out. */
class FakeExecutor implements AttributeExecutor {
  readonly parallelism = 1;
  readonly closed = false;
  readonly batches: number[] = [];
  private skipped = false;

  constructor(private readonly skipOnce: string) {}

  async evaluate(paths: string[][]): Promise<(AttributeResult | undefined)[]> {
    this.batches.push(paths.length);
    await new Promise((r) => setImmediate(r));
    return paths.map((p): AttributeResult | undefined => {
      if (p.length === 0) return { kind: 'attrs', names: NAMES, stats, messages: [] };
      if (p[0] === this.skipOnce && !this.skipped) {
        this.skipped = true;
        return undefined;
      }
      return { kind: 'error', error: errorBody('eval', `${p[0]} fails`), stats, messages: [] };
    });
  }
}

test('read as each line goes out, done + running + queued is the number of attributes: none counted twice, in a batch or handed out again', async () => {
  const executor = new FakeExecutor('a05');
  const seen: JobsetProgress[] = [];
  const run: JobsetRun = new JobsetRun({ executor, onLine: () => { seen.push(run.progress()); } });
  const summary = await run.done;
  expect(summary).toMatchObject({ state: 'succeeded', done: 40, failed: 40 });
  // Batches of several attributes were handed out (a line within one is read while the rest of it is out).
  expect(Math.max(...executor.batches)).toBeGreaterThan(1);
  expect(seen.map((p) => p.done)).toEqual(NAMES.map((_, i) => i + 1));
  for (const p of seen) expect(p.done + p.running + p.queued).toBe(NAMES.length);
  expect(run.progress()).toMatchObject({ done: 40, running: 0, queued: 0 });
});
