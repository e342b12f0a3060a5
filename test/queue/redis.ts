// What the queue tests share: a real redis-server on a free port, `nixeval worker` processes,
// and an API (buildServer with REDIS_URL) on an ephemeral port.

import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startServer, type TestServer, waitFor } from '../service/helpers.js';
import type { ServerOptions } from '../../routes/server.js';

const CLI = fileURLToPath(new URL('../../src/cli.cjs', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export class RedisServer {
  private child?: ChildProcess;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server (in memory only) and waits until it answers. */
  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const answers = (): Promise<boolean> => new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    const ready = await waitFor(answers, 10_000, 50);
    if (!ready) throw new Error('redis-server did not start');
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await exited(this.child);
    this.child = undefined;
  }
}

export class WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  private out = '';

  constructor(redisUrl: string, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, 'worker'], {
      env: { PATH: process.env.PATH, REDIS_URL: redisUrl, PORT: '0', NIXEVAL_WORKERS: '1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => { this.out += d.toString(); });
    this.child.stderr!.on('data', (d: Buffer) => { this.out += d.toString(); });
    this.exited = exited(this.child);
  }

  /** What a job's `worker` says when this process ran it. */
  get name(): string {
    return `${this.out.match(/"worker":"([^"]+)"/)?.[1]}`;
  }

  get output(): string {
    return this.out;
  }

  /** The worker's /metrics (it listens on a port of its choosing, which it logs). */
  async metrics(): Promise<string> {
    const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(this.out)?.[1];
    if (port === undefined) throw new Error(`the worker did not say where it listens:\n${this.out}`);
    return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  }

  /** Resolves once the worker takes jobs. */
  async ready(): Promise<void> {
    if (!(await waitFor(async () => /taking jobs from the queue/.test(this.out), 20_000, 50))) throw new Error(`worker did not start:\n${this.out}`);
  }

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

/** An API with REDIS_URL, once it is ready (connected to Redis: until then, jobs get 503). */
export async function startApi(redisUrl: string, opts: ServerOptions = {}): Promise<TestServer> {
  const api = await startServer({ redisUrl, jobTimeoutMs: 60_000, ...opts });
  if (!(await waitFor(async () => (await api.http().get('/ready')).status === 200, 20_000, 50))) throw new Error('the API did not reach Redis');
  return api;
}
