// The record of the calls a frame stood for before tail calls reused it (src/vm/tail-calls.ts):
// however it keeps them (one by one, counted, scanned or indexed), the trace frames it gives
// must be those of every call it absorbed, in order, with only duplicates left as a count.

import fc from 'fast-check';
import type { LambdaInfo } from '../../src/compiler/chunk.js';
import type { SourcePos, TraceFrame } from '../../src/errors/errors.js';
import { Source } from '../../src/syntax/source.js';
import { callFrames, TailCallLog } from '../../src/vm/tail-calls.js';

const source = new Source('/test.nix', 'x'.repeat(100), '/');
const lambdas: LambdaInfo[] = Array.from({ length: 12 }, (_, i) => ({ name: i % 3 === 0 ? undefined : `f${i}`, pos: i, source } as unknown as LambdaInfo));
/** Call sites: none (a builtin's call), or one of a few places. */
const sites: (SourcePos | undefined)[] = [undefined, { source, offset: 40 }, { source, offset: 57 }];

/** A frame standing for others, or one frame. */
const PLACEHOLDER = null;

/** The log's frames with repeats written out and counted duplicates as placeholders. */
function expand(frames: TraceFrame[]): (TraceFrame | null)[] {
  const out: (TraceFrame | null)[] = [];
  for (const f of frames) {
    if (f.repeat) for (let i = 0; i < f.repeat.times; i++) out.push(...f.repeat.frames);
    else if (f.duplicates !== undefined) for (let i = 0; i < f.duplicates; i++) out.push(PLACEHOLDER);
    else out.push(f);
  }
  return out;
}

const call = fc.tuple(fc.nat(lambdas.length - 1), fc.nat(sites.length - 1));
/** Runs of calls, each repeated a few times (loops of tail calls). */
const calls = fc.array(fc.record({ run: fc.array(call, { minLength: 1, maxLength: 14 }), times: fc.integer({ min: 1, max: 8 }) }), { maxLength: 6 })
  .map((runs) => runs.flatMap(({ run, times }) => Array.from({ length: times }, () => run).flat()));

test('the frames are those of every call absorbed, innermost first, with only duplicates of kept frames counted', () => {
  fc.assert(fc.property(calls, (made) => {
    const log = new TailCallLog();
    for (const [l, s] of made) log.add(lambdas[l], sites[s]);
    const frames: TraceFrame[] = [];
    log.addFramesTo(frames);
    const expected = made.slice().reverse().flatMap(([l, s]) => callFrames(lambdas[l], sites[s]));
    const got = expand(frames);
    expect(got.length).toBe(expected.length);
    const key = (f: TraceFrame): string => `${f.message} @${f.pos?.offset}`;
    const kept = new Set(got.filter((f): f is TraceFrame => f !== PLACEHOLDER).map(key));
    got.forEach((f, i) => {
      // A counted frame repeats one the trace keeps (the first call of each is never counted).
      if (f === PLACEHOLDER) expect(kept.has(key(expected[i]))).toBe(true);
      else expect(key(f)).toBe(key(expected[i]));
    });
  }), { numRuns: 300 });
});

test('a long loop of a few functions keeps a small record', () => {
  const log = new TailCallLog();
  for (let i = 0; i < 10000; i++) log.add(lambdas[i % 10], sites[1 + (i % 2)]);
  const frames: TraceFrame[] = [];
  log.addFramesTo(frames);
  expect(frames.length).toBeLessThan(30);
  expect(expand(frames).length).toBe(20000);
});
