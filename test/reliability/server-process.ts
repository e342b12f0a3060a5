// The reliability suite's server: `nixeval serve` in a process of its own, so that whatever a
// request does to it (abort, run out of memory, hang) shows as a dead or stuck process rather
// than taking the test runner down, and so that its memory can be measured (RSS of the whole
// process, worker threads included) and its shutdown watched from outside.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type Answer, readAnswer } from '../../bench/service-process.js';

export type { Answer };

export const CLI = fileURLToPath(new URL('../../src/cli.cjs', import.meta.url));

export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process printed on stderr (a V8 abort prints there). */
  stderr(): string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Answer>;
  get(path: string, headers?: Record<string, string>): Promise<Answer>;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>, agent?: Agent): Promise<Answer>;
  /** A metric's value from /metrics (the first sample matching `name` and its labels). */
  metric(sample: string): Promise<number | undefined>;
  /** Resident memory now, and at its peak (MiB). */
  rssMb(): number;
  peakRssMb(): number;
  alive(): boolean;
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** Starts `nixeval serve` on an ephemeral port with these settings (variables) and flags. */
export async function startServerProcess(env: Record<string, string> = {}, args: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    env: {
      ...process.env, NIXEVAL_RATE_LIMIT: '0', NIXEVAL_WORKERS: '2', NIXEVAL_MAX_EVENT_LOOP_DELAY_MS: '0', LOG_LEVEL: 'info', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        // Keep draining the log so the child never blocks on a full pipe.
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((e) => reject(new Error(`server exited before listening (${e.code ?? e.signal}): ${err}`)));
    setTimeout(() => reject(new Error(`server did not start: ${out}${err}`)), 30_000).unref();
  });

  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, via: Agent = agent): Promise<Answer> => {
    const t0 = Date.now();
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1', port, path, method, agent: via,
        headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}), ...headers },
      }, (res) => {
        readAnswer(res, t0).then(resolve, reject);
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  };

  const server: ServerProcess = {
    port,
    pid: child.pid!,
    child,
    stderr: () => err,
    post: (path, body, headers) => request('POST', path, body, headers),
    get: (path, headers) => request('GET', path, undefined, headers),
    request,
    async metric(sample: string): Promise<number | undefined> {
      const text = (await request('GET', '/metrics')).text;
      for (const line of text.split('\n')) {
        if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
      }
      return undefined;
    },
    rssMb: () => statusField(child.pid!, 'VmRSS'),
    peakRssMb: () => statusField(child.pid!, 'VmHWM'),
    alive: () => child.exitCode === null && child.signalCode === null,
    exited,
    async stop() {
      if (server.alive()) child.kill('SIGTERM');
      return exited;
    },
  };
  return server;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `let d = s: n: ...` doubles a string n times: 2^n copies of it. */
export const DOUBLE = 'let d = s: n: if n == 0 then s else d (s + s) (n - 1); in';

/**
 * An endless loop the VM stops at its deadline (10^15 steps at a constant call depth: a
 * tail-recursive loop ends at max-call-depth, as in C++ Nix, within a second).
 */
export const LOOP = 'let l = builtins.genList (x: x) 100000; in builtins.foldl\' (a: i: builtins.foldl\' (b: j: builtins.foldl\' (c: k: c) b l) a l) 0 l';
