// The test package set (pkgset/) and what C++ Nix computes for it (fixture.json, written by
// generate-fixture.ts), and the comparison of a jobset's lines with it.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExpectedAttribute } from './generate-fixture.js';

// dist/test/jobsets -> test/jobsets
export const JOBSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../test/jobsets');
export const PKGSET = join(JOBSETS_DIR, 'pkgset');

export const fixture = JSON.parse(readFileSync(join(JOBSETS_DIR, 'fixture.json'), 'utf8')) as {
  generator: string;
  attributes: ExpectedAttribute[];
};

/** A jobset's line: the fields the fixture has, and the line's own. */
export interface Line extends Omit<ExpectedAttribute, 'errorKind' | 'cppError'> {
  attr: string;
  error?: { kind: string; message: string; rendered?: string };
  stats?: { evalMs: number; heapGrowthMb: number; worker?: number };
}

export function parseLines(text: string): Line[] {
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line);
}

/**
 * C++ Nix's message for a failed attribute, and ours, made comparable: which formal without a
 * value is reported first depends on the order C++ Nix keeps formals in (2.8: as written; later:
 * by symbol), and 2.8 words a missing argument of a call differently than current Nix (which
 * nixeval follows).
 */
function comparableMessage(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/argument without a value \('[^']*'\)/, 'argument without a value (…)')
    .replace(/^anonymous function at \S+ called without required argument/, "function 'anonymous lambda' called without required argument");
}

/**
 * Mismatches between a jobset's lines and the fixture, attribute for attribute (an empty list
 * when they agree): the same attributes; for a derivation the same name, system, drvPath,
 * outputs, required system features and (if `withMeta`) meta; for a failing attribute an error
 * of the expected kind whose message holds C++ Nix's.
 */
export function compareWithFixture(lines: Line[], attributes: ExpectedAttribute[], withMeta: boolean): string[] {
  const problems: string[] = [];
  const byPath = new Map<string, Line>();
  for (const l of lines) {
    const key = JSON.stringify(l.attrPath);
    if (byPath.has(key)) problems.push(`${l.attr}: reported twice`);
    byPath.set(key, l);
  }
  for (const e of attributes) {
    const key = JSON.stringify(e.attrPath);
    const l = byPath.get(key);
    byPath.delete(key);
    const attr = e.attrPath.join('.');
    if (l === undefined) {
      problems.push(`${attr}: missing`);
      continue;
    }
    if (e.errorKind !== undefined) {
      if (l.error === undefined) problems.push(`${attr}: expected an error (${e.errorKind})`);
      else if (l.error.kind !== e.errorKind) problems.push(`${attr}: error kind ${l.error.kind}, expected ${e.errorKind}: ${l.error.message}`);
      else if (e.cppError !== undefined && !comparableMessage(l.error.message).includes(comparableMessage(e.cppError))) {
        problems.push(`${attr}: error '${l.error.message}' does not say C++ Nix's '${e.cppError}'`);
      }
      continue;
    }
    if (l.error !== undefined) {
      problems.push(`${attr}: unexpected error ${l.error.kind}: ${l.error.message}`);
      continue;
    }
    const fields: (keyof Line & keyof ExpectedAttribute)[] = ['name', 'system', 'drvPath', 'outputs', 'requiredSystemFeatures'];
    if (withMeta) fields.push('meta');
    for (const f of fields) {
      const ours = JSON.stringify(l[f]);
      const theirs = JSON.stringify(e[f]);
      if (ours !== theirs) problems.push(`${attr}: ${f} is ${ours}, C++ Nix gives ${theirs}`);
    }
  }
  for (const l of byPath.values()) problems.push(`${l.attr}: not expected`);
  return problems;
}
