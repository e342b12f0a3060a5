// The counts of a jobset job in Redis: a line's `done` and the jobset's activity (queued,
// running) as the line came out are written together, so the progress read with one HGETALL
// adds up; activity recorded between lines is replaced, not mixed with a later line's.

import { Redis } from 'ioredis';
import { JobsetLinesStore } from '../../queue/jobset-lines.js';
import { freePort, RedisServer } from './redis.js';

let redis: RedisServer;
let client: Redis;
let store: JobsetLinesStore;

beforeAll(async () => {
  redis = new RedisServer(await freePort());
  await redis.start();
  client = new Redis(redis.url);
  store = new JobsetLinesStore(client);
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

test('a line is counted done together with the activity after it: its attribute is no longer counted running', async () => {
  const id = 'counts';
  const expireAt = Date.now() + 60_000;
  await store.begin(id, Date.now());
  // As the worker records it between lines: 5 attributes out, one running, one waiting.
  await store.setActivity(id, 1, 1, expireAt);
  await store.add(id, '["a"]', '{"attr":"a"}', 'derivation', undefined, expireAt, { queued: 1, running: 0 });
  expect(await store.progress(id)).toMatchObject({ done: 1, failed: 0, queued: 1, running: 0 });
  await store.add(id, '["b"]', '{"attr":"b"}', 'error', undefined, expireAt, { queued: 0, running: 0 });
  expect(await store.progress(id)).toMatchObject({ done: 2, failed: 1, queued: 0, running: 0 });
  // A line not added (a duplicate) changes no count; a line without activity (the end line) keeps it.
  await store.setActivity(id, 0, 1, expireAt);
  expect(await store.add(id, '["b"]', '{"attr":"b"}', 'error', undefined, expireAt, { queued: 7, running: 7 })).toBe('duplicate');
  expect(await store.add(id, '!end', '{"error":{}}', 'end', undefined, expireAt)).toBe('added');
  expect(await store.progress(id)).toMatchObject({ done: 2, failed: 1, queued: 0, running: 1 });
});
