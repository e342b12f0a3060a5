// The image on its own: non-root, read-only root filesystem, /v1/eval with a mounted allowed
// root, the health check turning unhealthy when the server stops answering, and `podman stop`
// letting in-flight work finish.

import { freePort, healthAfterCheck, http, IMAGE, podman, type Reply, ROOT, run, sleep, waitFor } from './podman.js';
import { slowEvaluation } from '../service/slow-evaluation.js';

const NAME = `nixeval-image-test-${process.pid}`;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await run('podman', ['rm', '-f', NAME]);
  // As Docker's --read-only: no writable tmpfs either. The health check has no timer here (no
  // systemd): the test runs the image's check with `podman healthcheck run`.
  await podman(['run', '-d', '--name', NAME, '--read-only', '--read-only-tmpfs=false', '--health-interval', 'disable',
    '-p', `127.0.0.1:${port}:8080`, '-v', `${ROOT}/examples/nix:/srv/nix:ro`,
    '-e', 'NIXEVAL_ALLOWED_ROOTS=/srv/nix', '-e', 'NIXEVAL_WORKERS=1', '-e', 'NIXEVAL_SHUTDOWN_GRACE_MS=60000', IMAGE]);
  expect(await waitFor(async () => (await http(base, '/health')).status === 200, 60_000)).toBe(true);
});

afterAll(async () => {
  await run('podman', ['rm', '-f', NAME]);
});

test('runs as a non-root user on a read-only root filesystem', async () => {
  expect(await podman(['inspect', NAME, '--format', '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}'])).toBe('1000:1000 true');
  expect(await podman(['exec', NAME, 'id', '-u'])).toBe('1000');
  const write = await run('podman', ['exec', NAME, 'sh', '-c', 'touch /app/x || touch /tmp/x']);
  expect(write.code).not.toBe(0);
  expect(write.stderr).toMatch(/Read-only file system/);
  // node is PID 1: it receives the runtime's SIGTERM itself.
  expect(await podman(['exec', NAME, 'cat', '/proc/1/cmdline'])).toMatch(/^node\0dist\/src\/cli\.cjs\0serve/);
});

test('answers /v1/eval, reading the mounted allowed root', async () => {
  const sum = await http(base, '/v1/eval', { body: { expr: '1 + 2' } });
  expect(sum).toMatchObject({ status: 200, body: { value: 3 } });
  const file = await http(base, '/v1/eval', { body: { file: '/srv/nix/default.nix', attrPath: 'total' } });
  expect(file).toMatchObject({ status: 200, body: { value: 15 } });
  const outside = await http(base, '/v1/eval', { body: { expr: 'builtins.readFile /etc/passwd' } });
  expect(outside.status).toBe(422);
});

test('the health check turns unhealthy when the server stops answering, and healthy again', async () => {
  expect(await healthAfterCheck(NAME)).toBe('healthy');
  // Failures count only after the image's start period.
  const [startedAt, startPeriod] = (await podman(['inspect', NAME, '--format', '{{.State.StartedAt.Unix}} {{.Config.Healthcheck.StartPeriod.Seconds}}'])).split(' ').map(Number);
  await sleep(Math.max(0, (startedAt + startPeriod + 1) * 1000 - Date.now()));
  const pid = await podman(['inspect', NAME, '--format', '{{.State.Pid}}']);
  process.kill(Number(pid), 'SIGSTOP');
  try {
    // The image's check gives up after its retries (3) failures in a row.
    const states: string[] = [];
    for (let i = 0; i < 3; i++) states.push(await healthAfterCheck(NAME));
    expect(states).toEqual(['healthy', 'healthy', 'unhealthy']);
  } finally {
    process.kill(Number(pid), 'SIGCONT');
  }
  expect(await healthAfterCheck(NAME)).toBe('healthy');
});

test('podman stop lets the in-flight evaluation finish, then the server exits 0', async () => {
  // Three times the service tests' slow evaluation (about 4 s in the container): the stop must
  // arrive while it runs, on a loaded machine too.
  const { expr, value } = slowEvaluation(24_000);
  let answered: Reply | undefined;
  let slow: Promise<Reply>;
  let busy: boolean;
  // The server sheds /v1 work (503) for a moment after its event loop lagged, as it did in CI
  // right after the previous test resumed it from SIGSTOP: such a refusal is tried again.
  for (let attempt = 0; ; attempt++) {
    answered = undefined;
    slow = http(base, '/v1/eval', { body: { expr, limits: { timeoutMs: 60_000 } } }).then((r) => (answered = r));
    busy = await waitFor(async () => answered !== undefined
      || /nixeval_pool_busy_workers\{kind="sync"\} 1/.test((await http(base, '/metrics')).body), 30_000, 20);
    const early = answered as Reply | undefined; // assigned by the callback: not narrowed
    if (early?.status !== 503 || early.body.error?.kind !== 'overloaded' || attempt >= 50) break;
    await sleep(200);
  }
  // An answer before the metrics showed the worker busy means the test stopped nothing in flight.
  expect({ busy, answered }).toEqual({ busy: true, answered: undefined });
  const t0 = Date.now();
  const stopped = podman(['stop', '-t', '60', NAME], 90_000);
  const answer = await slow;
  expect(answer).toMatchObject({ status: 200, body: { value } });
  await stopped;
  expect(Date.now() - t0).toBeLessThan(60_000); // it exited by itself, not killed at the timeout
  expect(await podman(['inspect', NAME, '--format', '{{.State.ExitCode}}'])).toBe('0');
  const logs = await run('podman', ['logs', NAME]);
  expect(logs.stdout + logs.stderr).toMatch(/shutting down.*SIGTERM|SIGTERM.*shutting down/);
});
