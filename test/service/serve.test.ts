// `nixeval serve` and `nixeval worker` settings: one schema (routes/config.ts) gives the flags,
// the variables, the commands that take them, their validation, --help and the README's table.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseServeArgs, serveUsage } from '../../src/cli/serve.js';
import { configTable, serverOptions } from '../../routes/config.js';
import { parseServiceArgs, serviceUsage } from '../../src/cli/service-flags.js';

const CLI = fileURLToPath(new URL('../../src/cli.cjs', import.meta.url));
const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

test('defaults', () => {
  const o = parseServeArgs([], {});
  expect(o.port).toBe(8080);
  expect(o.host).toBe('127.0.0.1');
  expect(o.config.allowedRoots).toBeUndefined();
});

test('environment variables, then flags over them', () => {
  const env = {
    PORT: '9000', HOST: '0.0.0.0', NIXEVAL_WORKERS: '3', NIXEVAL_ALLOWED_ROOTS: '/a:/b', NIXEVAL_TIMEOUT_MS: '2000',
    NIXEVAL_MAX_MEMORY_MB: '256', NIXEVAL_RATE_LIMIT: '0', LOG_LEVEL: 'warn', NIXEVAL_TRUST_PROXY: '2', NIXEVAL_CORS_ORIGINS: 'https://a.example, https://b.example',
  };
  const fromEnv = parseServeArgs([], env);
  expect(fromEnv).toMatchObject({ port: 9000, host: '0.0.0.0' });
  expect(serverOptions(fromEnv.config)).toMatchObject({
    workers: 3, allowedRoots: ['/a', '/b'], timeoutMs: 2000, maxMemoryMb: 256, rateLimit: false, logLevel: 'warn',
    trustProxy: 2, corsOrigins: ['https://a.example', 'https://b.example'],
  });
  const flags = parseServeArgs(['--port', '9001', '--workers=4', '--allowed-root', '/c', '--allowed-root', '/d', '--timeout-ms', '500', '--max-memory-mb', '128', '--rate-limit', '60', '--trust-proxy', '10.0.0.0/8,127.0.0.1'], env);
  expect(flags.port).toBe(9001);
  expect(serverOptions(flags.config)).toMatchObject({
    workers: 4, allowedRoots: ['/c', '/d'], timeoutMs: 500, maxMemoryMb: 128, rateLimit: { max: 60, timeWindowMs: 60_000 }, trustProxy: ['10.0.0.0/8', '127.0.0.1'],
  });
});

test('a setting that is not valid is one line naming what the user set', () => {
  const message = (args: string[], env: Record<string, string> = {}): string => {
    try {
      parseServeArgs(args, env);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  expect(message(['--nope'])).toMatch(/^unknown flag '--nope'/);
  expect(message(['--port', 'x'])).toBe('--port x: expected an integer from 0 to 65535');
  expect(message(['--workers', '0'])).toBe('--workers 0: expected an integer ≥ 1');
  expect(message(['--port'])).toBe('--port needs a value');
  expect(message([], { PORT: '70000' })).toBe('PORT=70000: expected an integer from 0 to 65535');
  expect(message([], { PORT: 'abc' })).toBe('PORT=abc: expected an integer from 0 to 65535');
  expect(message([], { LOG_LEVEL: 'verbose' })).toBe('LOG_LEVEL=verbose: expected one of fatal, error, warn, info, debug, trace, silent');
  expect(message([], { NIXEVAL_MAX_MEMORY_MB: '8' })).toBe('NIXEVAL_MAX_MEMORY_MB=8: expected an integer ≥ 16');
  // The flag is named when the flag is what was wrong, even with the variable set.
  expect(message(['--log-level', 'loud'], { LOG_LEVEL: 'warn' })).toMatch(/^--log-level loud: /);
});

test('nixeval serve with a bad variable prints one line and exits 2', () => {
  const r = spawnSync(process.execPath, [CLI, 'serve'], { env: { ...process.env, PORT: 'abc' }, encoding: 'utf8', timeout: 20_000 });
  expect(r.status).toBe(2);
  expect(r.stderr).toBe('nixeval serve: PORT=abc: expected an integer from 0 to 65535\n');
  const l = spawnSync(process.execPath, [CLI, 'serve', '--port', '0'], { env: { ...process.env, LOG_LEVEL: 'verbose' }, encoding: 'utf8', timeout: 20_000 });
  expect(l.status).toBe(2);
  expect(l.stderr.trim().split('\n')).toEqual(['nixeval serve: LOG_LEVEL=verbose: expected one of fatal, error, warn, info, debug, trace, silent']);
});

test('--help lists every flag with its variable', () => {
  const u = serveUsage();
  for (const f of ['--port', '--host', '--workers', '--job-workers', '--allowed-root', '--timeout-ms', '--max-memory-mb', '--trust-proxy', '--cors-origins', 'NIXEVAL_ALLOWED_ROOTS', 'NIXEVAL_MAX_JOBS']) {
    expect(u).toContain(f);
  }
});

test('README shows the table the schema gives (node dist/routes/config.js prints it)', () => {
  expect(readFileSync(README, 'utf8')).toContain(configTable());
});

test('serve: job store bounds', () => {
  const o = parseServeArgs(['--max-jobs', '50', '--max-job-result-bytes=1000'], { NIXEVAL_MAX_JOBS: '7' });
  expect(o.server).toMatchObject({ maxJobs: 50, maxJobResultBytes: 1000 });
  expect(parseServeArgs([], { NIXEVAL_MAX_JOBS: '7' }).server.maxJobs).toBe(7);
  expect(() => parseServeArgs(['--max-jobs', '0'], {})).toThrow('--max-jobs 0: expected an integer ≥ 1');
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
