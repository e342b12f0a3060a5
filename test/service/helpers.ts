// Shared set-up of the service tests: a server on an ephemeral loopback port (so that
// supertest can send requests concurrently), closed after the file's tests.

import request from 'supertest';
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions } from '../../routes/server.js';

export interface TestServer {
  app: FastifyInstance;
  http: () => ReturnType<typeof request>;
  post: (path: string, body: unknown) => request.Test;
}

export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  // Event-loop-lag shedding is off unless a test turns it on: a busy machine would make
  // other tests' requests fail with 503.
  const app = await buildServer({ workers: 2, processMetrics: false, rateLimit: false, maxEventLoopDelayMs: false, ...opts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const http = () => request(app.server);
  return { app, http, post: (path, body) => http().post(path).send(body as object) };
}

/** Resolves once the server has taken its next request: routed, so past the check that refuses
 * requests arriving while it closes (Fastify's listener runs before this one). */
export function nextRequest(s: TestServer): Promise<void> {
  return new Promise((resolve) => s.app.server.once('request', () => resolve()));
}

/** Sends a supertest request now (a supertest Test is only sent once awaited). */
export function send(t: request.Test): Promise<request.Response> {
  return t.then((r) => r);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `f` returns true or `ms` pass. */
export async function waitFor(f: () => Promise<boolean>, ms = 5000, every = 25): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return true;
    await sleep(every);
  }
  return false;
}

/**
 * An endless loop (10^15 steps) at a constant call depth: a tail-recursive loop ends at
 * max-call-depth, as in C++ Nix, within a second.
 */
export const LOOP = 'let l = builtins.genList (x: x) 100000; in builtins.foldl\' (a: i: builtins.foldl\' (b: j: builtins.foldl\' (c: k: c) b l) a l) 0 l';
