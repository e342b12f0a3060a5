// `nixeval serve` and `nixeval worker` flags and environment variables.

import { parseServeArgs, serveUsage } from '../../src/cli/serve.js';
import { parseServiceArgs, serviceUsage } from '../../src/cli/service-flags.js';

test('defaults', () => {
  const o = parseServeArgs([], {});
  expect(o.port).toBe(8080);
  expect(o.host).toBe('127.0.0.1');
  expect(o.server.allowedRoots).toBeUndefined();
});

test('environment variables, then flags over them', () => {
  const env = {
    PORT: '9000', HOST: '0.0.0.0', NIXEVAL_WORKERS: '3', NIXEVAL_ALLOWED_ROOTS: '/a:/b', NIXEVAL_TIMEOUT_MS: '2000',
    NIXEVAL_MAX_MEMORY_MB: '256', NIXEVAL_RATE_LIMIT: '0', LOG_LEVEL: 'warn',
  };
  const fromEnv = parseServeArgs([], env);
  expect(fromEnv).toMatchObject({ port: 9000, host: '0.0.0.0' });
  expect(fromEnv.server).toMatchObject({ workers: 3, allowedRoots: ['/a', '/b'], timeoutMs: 2000, maxMemoryMb: 256, rateLimit: false, logLevel: 'warn' });
  const flags = parseServeArgs(['--port', '9001', '--workers=4', '--allowed-root', '/c', '--allowed-root', '/d', '--timeout-ms', '500', '--max-memory-mb', '128', '--rate-limit', '60'], env);
  expect(flags.port).toBe(9001);
  expect(flags.server).toMatchObject({ workers: 4, allowedRoots: ['/c', '/d'], timeoutMs: 500, maxMemoryMb: 128, rateLimit: { max: 60, timeWindowMs: 60_000 } });
});

test('bad flags and values are refused', () => {
  expect(() => parseServeArgs(['--nope'], {})).toThrow(/unknown flag/);
  expect(() => parseServeArgs(['--port', 'x'], {})).toThrow(/invalid value/);
  expect(() => parseServeArgs(['--workers', '0'], {})).toThrow(/invalid value/);
  expect(() => parseServeArgs(['--port'], {})).toThrow(/needs a value/);
  expect(() => parseServeArgs([], { PORT: '70000' })).toThrow(/invalid port/);
});

test('usage lists every flag with its variable', () => {
  const u = serveUsage();
  for (const f of ['--port', '--host', '--workers', '--allowed-root', '--timeout-ms', '--max-memory-mb', 'NIXEVAL_ALLOWED_ROOTS']) expect(u).toContain(f);
});

test('serve: job store bounds', () => {
  const o = parseServeArgs(['--max-jobs', '50', '--max-job-result-bytes=1000'], { NIXEVAL_MAX_JOBS: '7' });
  expect(o.server).toMatchObject({ maxJobs: 50, maxJobResultBytes: 1000 });
  expect(parseServeArgs([], { NIXEVAL_MAX_JOBS: '7' }).server.maxJobs).toBe(7);
  expect(() => parseServeArgs(['--max-jobs', '0'], {})).toThrow(/invalid value/);
});

test('worker: its own flags, its own default port; the API\'s variables are ignored, its flags refused', () => {
  const w = parseServiceArgs('worker', ['--queue-lock-ms', '500', '--workers', '2'], { REDIS_URL: 'redis://r:6379', NIXEVAL_RATE_LIMIT: '5', NIXEVAL_JOB_TTL_MS: '9' });
  expect(w.port).toBe(8081);
  expect(w.server).toEqual({ logger: true, redisUrl: 'redis://r:6379', queueLockMs: 500, workers: 2 });
  expect(parseServiceArgs('worker', [], { PORT: '9100' }).port).toBe(9100);
  for (const flag of ['--rate-limit', '--job-ttl-ms', '--timeout-ms', '--max-jobs', '--body-limit']) {
    expect(() => parseServiceArgs('worker', [flag, '1'], {})).toThrow(/unknown flag .* for nixeval worker/);
  }
  expect(() => parseServeArgs(['--queue-lock-ms', '500'], {})).toThrow(/unknown flag .* for nixeval serve/);
  const u = serviceUsage('worker');
  expect(u).toMatch(/^usage: nixeval worker/);
  expect(u).toMatch(/--port +PORT +port to listen on \(default 8081\)/);
  expect(u).toContain('--queue-lock-ms');
  expect(u).not.toContain('--rate-limit');
  expect(serveUsage()).toMatch(/--port +PORT +port to listen on \(default 8080\)/);
});
