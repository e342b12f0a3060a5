import request from 'supertest';
import { buildServer } from '../../routes/server.js';

test('GET /health answers ok', async () => {
  const app = await buildServer();
  try {
    const res = await request(app.server).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  } finally {
    await app.close();
  }
});

test('an unknown route is a 404', async () => {
  const app = await buildServer();
  try {
    const res = await request(app.server).get('/nope');
    expect(res.status).toBe(404);
  } finally {
    await app.close();
  }
});
