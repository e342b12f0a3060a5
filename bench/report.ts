// Shared by the benchmarks: BENCHMARKS.md, one `## ` section per benchmark, each rewritten
// by its own script without touching the others.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is compiled to dist/bench/). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCHMARKS = join(ROOT, 'BENCHMARKS.md');

const INTRO = '# Benchmarks\n\nnixeval measured against C++ Nix; each section says how its figures were made and how to reproduce them.\n';

/** Replaces the section headed `heading` (up to the next `## `) with `section`, or appends it. */
export function writeBenchmarkSection(heading: string, section: string): void {
  // Re-read just before writing: another benchmark may have rewritten its own section meanwhile.
  const current = existsSync(BENCHMARKS) ? readFileSync(BENCHMARKS, 'utf8') : INTRO;
  const lines = current.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  let next: string;
  if (start < 0) {
    next = current.replace(/\n*$/, '\n\n') + section;
  } else {
    let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    if (end < 0) end = lines.length;
    const before = lines.slice(0, start).join('\n');
    const after = lines.slice(end).join('\n');
    next = (before ? before.replace(/\n*$/, '\n\n') : '') + section + (after ? '\n' + after : '');
  }
  writeFileSync(BENCHMARKS, next.replace(/\n*$/, '\n'));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
