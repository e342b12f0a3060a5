// Derivations, store paths and string context against C++ Nix: every fixture in
// fixtures.json (produced by nix-instantiate 2.8 with a dummy store, see
// generate-fixtures.ts) is evaluated by nixeval in a scratch directory holding its files,
// and printed as `--eval --strict --json` prints it; the text must be identical.

import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Evaluation } from '../../src/eval.js';
import { FsIO } from '../../src/io/fs-io.js';
import { NixError } from '../../src/errors/errors.js';
import { renderError } from '../../src/errors/render.js';
import { Source } from '../../src/syntax/source.js';
import { toJSON } from '../../src/value/json.js';
import type { Request, Value } from '../../src/value/values.js';
import type { CaseFile } from './cases.js';
import { writeCaseFiles } from './files.js';

interface Fixture {
  name: string;
  expr: string;
  files?: Record<string, CaseFile>;
  json?: string;
  error?: string;
}

// dist/test/store -> test/store
const here = dirname(fileURLToPath(import.meta.url));
const fixturesPath = [join(here, 'fixtures.json'), join(here, '../../../test/store/fixtures.json')]
  .find((p) => { try { readFileSync(p); return true; } catch { return false; } })!;
const { fixtures } = JSON.parse(readFileSync(fixturesPath, 'utf8')) as { fixtures: Fixture[] };

/** Evaluates like `nix-instantiate --eval --strict --json -E expr` run in `dir`. */
export function evalJSON(expr: string, dir: string): { json?: string; error?: string; messages: string[] } {
  const messages: string[] = [];
  const ev = new Evaluation({ strict: true, baseDir: dir, io: new FsIO({ allowedEnv: [] }), onMessage: (l) => messages.push(l) });
  try {
    const chunk = ev.compileSource(Source.fromUtf8(Source.STRING, expr, dir));
    const v = ev.run(chunk);
    const json = ev.vm.run((function* (): Generator<Request, Value, Value> {
      return yield* toJSON(v, new Set());
    })()) as string;
    return { json, messages };
  } catch (e) {
    if (e instanceof NixError) return { error: renderError(e), messages };
    throw e;
  }
}

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'nixeval-store-test-')));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('there are at least 100 fixtures from C++ Nix', () => {
  expect(fixtures.filter((f) => f.json !== undefined).length).toBeGreaterThanOrEqual(100);
});

describe.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, f) => {
  test('matches C++ Nix', () => {
    writeCaseFiles(dir, f.files);
    const r = evalJSON(f.expr, dir);
    if (f.json !== undefined) {
      expect(r.error).toBeUndefined();
      // Byte strings on both sides: the JSON text is compared as C++ Nix wrote it.
      expect(Buffer.from(r.json!, 'latin1').toString('utf8')).toBe(Buffer.from(f.json, 'latin1').toString('utf8'));
    } else {
      expect(r.json).toBeUndefined();
    }
  });
});
