// The job mix of the compose test and of bench/jobs.ts: sums over a few thousand numbers, a
// file under the mounted allowed root (/srv/nix), and evaluations that fail.

export interface MixJob {
  body: object;
  /** What the finished job must say. */
  expect: { state: 'succeeded' | 'failed'; value?: unknown; message?: string };
}

export function jobOf(i: number): MixJob {
  if (i % 10 === 3) return { body: { file: '/srv/nix/default.nix', attrPath: 'total' }, expect: { state: 'succeeded', value: 15 } };
  if (i % 10 === 7) return { body: { expr: `throw "job ${i}"` }, expect: { state: 'failed', message: `job ${i}` } };
  const n = 20_000 + (i % 5) * 10_000;
  return { body: { expr: `builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x * ${i}) ${n})` }, expect: { state: 'succeeded', value: (i * n * (n - 1)) / 2 } };
}

/** Whether a finished job (GET /v1/jobs/:id) says what `want` expects. */
export function isRight(body: any, want: MixJob['expect']): boolean {
  if (body?.state !== want.state) return false;
  return want.state === 'succeeded' ? JSON.stringify(body.result?.value) === JSON.stringify(want.value) : body.error?.message === want.message;
}
