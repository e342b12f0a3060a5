// What the container tests share: running podman and podman-compose, free ports, HTTP with
// retries. The tests expect podman configured as ../shared/tools/container-env.sh leaves it
// (.ci/run sources it), and the base images of the Dockerfile and docker-compose.yml present.

import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The project's top folder (the build context). */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The tag the tests build once and the compose file runs (its `image:`). */
export const IMAGE = 'localhost/nixeval:latest';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...opts.env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
  });
}

/** Runs podman and fails with its output when it exits non-zero. */
export async function podman(args: string[], timeoutMs?: number): Promise<string> {
  const r = await run('podman', args, { timeoutMs });
  if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/** Takes a compose project down with its volumes and its network (which podman-compose 1.0
 * leaves behind, one more CNI bridge each run). */
export async function composeDown(project: string, env: NodeJS.ProcessEnv): Promise<void> {
  await run('podman-compose', ['-p', project, 'down', '-v', '-t', '5'], { env, timeoutMs: 300_000 });
  await run('podman', ['network', 'rm', `${project}_default`]);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `f` returns true or `ms` pass. */
export async function waitFor(f: () => Promise<boolean>, ms: number, every = 250): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f().catch(() => false)) return true;
    await sleep(every);
  }
  return false;
}

export interface Reply {
  status: number;
  body: any;
}

/** One JSON request; a connection error rejects. */
export async function http(base: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<Reply> {
  const r = await fetch(base + path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await r.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* not JSON (metrics) */ }
  return { status: r.status, body };
}

/** The health status podman records for a container after running its check now. */
export async function healthAfterCheck(container: string): Promise<string> {
  await run('podman', ['healthcheck', 'run', container], { timeoutMs: 30_000 });
  return podman(['inspect', container, '--format', '{{.State.Health.Status}}']);
}

/** POST /v1/jobs, waiting out 503s (a busy machine makes a fresh server shed load for a moment). */
export async function submitJob(base: string, body: object): Promise<string> {
  for (let i = 0; ; i++) {
    const r = await http(base, '/v1/jobs', { body });
    if (r.status === 202) return r.body.id as string;
    if (r.status !== 503 || i >= 300) throw new Error(`submission refused: ${r.status} ${JSON.stringify(r.body)}`);
    await sleep(100);
  }
}
