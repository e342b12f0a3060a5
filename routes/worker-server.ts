// The HTTP side of `nixeval worker`: /health (what the container image's health check asks)
// and /metrics (the worker's pool and evaluations). Jobs reach a worker through Redis, never
// through HTTP.

import Fastify, { type FastifyInstance } from 'fastify';
import { healthRoutes } from './health.js';
import type { ServiceMetrics } from './metrics.js';

export async function buildWorkerServer(metrics: ServiceMetrics, logLevel: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: logLevel }, forceCloseConnections: true });
  await app.register(healthRoutes);
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  await app.ready();
  return app;
}
