// Liveness: the process is up and answering.

import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/health', {
    schema: {
      summary: 'Liveness',
      description: 'The process is up and answering.',
      tags: ['operations'],
      operationId: 'health',
      response: { 200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'], description: 'Up.' } },
    },
  }, async () => ({ status: 'ok' }));
}
