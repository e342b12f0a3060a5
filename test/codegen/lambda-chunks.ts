// Tests that look at how often a chunk ran and whether it was translated find it here.

import { Evaluation } from '../../src/eval.js';
import type { Chunk } from '../../src/compiler/chunk.js';

/** The chunks of the lambdas named `name` in a file's compiled code (from the compile cache). */
export function lambdaChunks(file: string, name: string): Chunk[] {
  const found: Chunk[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    const c = v as Partial<Chunk>;
    if (Array.isArray(c.code) && typeof c.runs === 'number') {
      if (c.lambda !== null && c.lambda !== undefined && c.name === name) found.push(c as Chunk);
      for (const k of c.consts ?? []) walk(k);
      return;
    }
    for (const x of Object.values(v as object)) walk(x);
  };
  walk(new Evaluation({}).compileFile(file));
  return found;
}
