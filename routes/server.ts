// Builds the Fastify application with all route plugins. Used by `nixeval serve` and by the
// service tests (supertest against `app.server`).

import Fastify, { type FastifyInstance } from 'fastify';
import { healthRoutes } from './health.js';

export interface ServerOptions {
  logger?: boolean;
}

export async function buildServer(opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false });
  await app.register(healthRoutes);
  await app.ready();
  return app;
}
