// A jobset of a package set shaped like nixpkgs (pkgset/: about 2,000 derivations through
// callPackage, overlays, nested sets, and attributes that fail in ten ways), streamed by POST
// /v1/jobsets on two workers: every line equals, attribute for attribute, what C++ Nix computes
// (fixture.json), and every failing attribute is its own error line while all others succeed.
// The command line (`nixeval eval-jobs`) prints the same lines.

import { startServer, type TestServer } from '../service/helpers.js';
import { evalJobs } from '../../src/cli/eval-jobs.js';
import { compareWithFixture, fixture, JOBSETS_DIR, type Line, parseLines, PKGSET } from './fixture.js';

let s: TestServer;

beforeAll(async () => {
  s = await startServer({ workers: 2, allowedRoots: [JOBSETS_DIR], timeoutMs: 10_000, jobTimeoutMs: 600_000 });
});

afterAll(async () => {
  await s.app.close();
});

test('the fixture is C++ Nix\'s, with thousands of derivations and the failing attributes', () => {
  expect(fixture.generator).toMatch(/^nix-instantiate \(Nix\) 2\./);
  expect(fixture.attributes.filter((a) => a.drvPath !== undefined).length).toBeGreaterThanOrEqual(1900);
  expect(fixture.attributes.filter((a) => a.errorKind !== undefined).length).toBeGreaterThanOrEqual(10);
});

test('POST /v1/jobsets of the package set: every line as C++ Nix computes it, every failing attribute its own error', async () => {
  const r = await s.post('/v1/jobsets', {
    file: 'pkgset/default.nix',
    meta: true,
    // The attribute that loops stops here; every other one takes far less.
    limits: { timeoutMs: 3000 },
  });
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^application\/x-ndjson/);
  const lines = parseLines(r.text);
  expect(compareWithFixture(lines, fixture.attributes, true)).toEqual([]);
  // Both workers took part, and every line says what it cost and where it ran.
  const workers = new Set(lines.map((l) => l.stats?.worker));
  expect(workers.size).toBeGreaterThanOrEqual(2);
  for (const l of lines) {
    expect(l.stats!.evalMs).toBeGreaterThanOrEqual(0);
    expect(l.stats!.heapGrowthMb).toBeGreaterThanOrEqual(0);
  }
  const loop = lines.find((l) => l.attr === 'broken-loop')!;
  expect(loop.error!.message).toBe('evaluation timed out after 3000 ms');
  // nix-eval-jobs' `attr` quotes a name that holds a dot.
  expect(lines.find((l) => l.attrPath.join('/') === 'myTools/with.dots')!.attr).toBe('myTools."with.dots"');
});

test('with forceRecurse, the sets that do not ask to be walked are walked too', async () => {
  const r = await s.post('/v1/jobsets', { file: 'pkgset/default.nix', forceRecurse: true, select: 'p: { inherit (p) perlPackages nodePackages tests; }' });
  expect(r.status).toBe(200);
  const lines = parseLines(r.text);
  const attrs = lines.map((l) => l.attr);
  expect(attrs).toContain('nodePackages.left-pad');
  expect(attrs).toContain('perlPackages.Perl-Mod-200');
  expect(lines.filter((l) => l.attrPath[0] === 'perlPackages').length).toBe(200);
  expect(lines.every((l) => l.error === undefined)).toBe(true);
});

function capture(): { io: Parameters<typeof evalJobs>[1]; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (c: string) => { out += c; } }, stderr: { write: (c: string) => { err += c; } } },
    out: () => out,
    err: () => err,
  };
}

test('nixeval eval-jobs prints the same lines (a part of the set, chosen with --select)', async () => {
  const c = capture();
  const code = await evalJobs([
    '--workers', '2', '--meta', '--timeout-ms', '3000',
    '--select', 'p: { inherit (p) hello git openssl myTools broken-set broken-throw python3Packages; }',
    `${PKGSET}/default.nix`,
  ], c.io);
  expect(code).toBe(0);
  const lines = parseLines(c.out());
  const chosen = new Set(['hello', 'git', 'openssl', 'myTools', 'broken-set', 'broken-throw', 'python3Packages']);
  const expected = fixture.attributes.filter((a) => chosen.has(a.attrPath[0]));
  expect(expected.length).toBeGreaterThan(600);
  expect(compareWithFixture(lines, expected, true)).toEqual([]);
  // Errors are also printed, rendered, to stderr (as nix-eval-jobs does for Hydra's log).
  expect(c.err()).toContain('broken-throw: this package is marked as broken');
});

test('nixeval eval-jobs with one worker prints the lines in nix-eval-jobs\' order: smallest attribute path first', async () => {
  const c = capture();
  const code = await evalJobs(['--workers', '1', '--select', 'p: p.linuxKernel', `${PKGSET}/default.nix`], c.io);
  expect(code).toBe(0);
  const paths = parseLines(c.out()).map((l: Line) => l.attrPath);
  const sorted = [...paths].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length - b.length;
  });
  expect(paths).toEqual(sorted);
  expect(paths[0]).toEqual(['kernels', 'linux_6_1']);
  expect(paths.length).toBe(2 + 60 + 1);
});
