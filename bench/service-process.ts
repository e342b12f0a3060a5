// Shared by the HTTP benchmarks (load.ts, soak.ts): `nixeval serve` started from a snapshot of
// the compiled service in a process of its own on 127.0.0.1 (the port, the wait and the stop
// from scripts/local-server.ts); and an answer read whole (the reliability suite's client
// reads them so too).

import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, symlinkSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { ROOT } from './report.js';
import { freePort, HOST, stop, waitUntilUp } from '../scripts/local-server.js';

export { freePort, HOST, stop, waitUntilUp };

/**
 * A copy of the compiled service (dist/src, dist/routes, dist/workers, with package.json and
 * a link to node_modules), so that a rebuild of dist/ while the benchmark runs (others work in
 * the same tree) cannot change what is measured. Returns the path of its cli.cjs.
 */
export function snapshot(dir: string): string {
  const snap = join(dir, 'nixeval');
  for (const d of ['src', 'routes', 'workers']) cpSync(join(ROOT, 'dist', d), join(snap, 'dist', d), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(snap, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(snap, 'node_modules'));
  return join(snap, 'dist', 'src', 'cli.cjs');
}

/** `nixeval serve` with these flags (rate limiting off, log level warn unless given). */
export async function startNixeval(cli: string, flags: string[] = [], stderr: 'inherit' | 'pipe' = 'inherit'): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'serve', '--host', HOST, '--port', String(port), '--rate-limit', '0', '--log-level', 'warn', ...flags], {
    stdio: ['ignore', 'ignore', stderr],
  });
  await waitUntilUp(port, child, 60_000);
  return { port, child };
}

/** An HTTP answer read whole: its body as text, its size, and as JSON when it is JSON. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Bytes of the body. */
  bytes: number;
  body: any;
  /** Since the request was sent (`t0`). */
  ms: number;
}

/** Reads a response to its end; rejects if the connection fails midway. */
export function readAnswer(res: IncomingMessage, t0: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const buf = Buffer.concat(chunks);
      const text = buf.toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, bytes: buf.length, body, ms: Date.now() - t0 });
    });
    res.on('error', reject);
  });
}
