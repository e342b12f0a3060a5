// A request's logger (routes/request-logger.ts): its lines carry the request's id as pino's
// child logger's do, and a request that writes nothing at an enabled level costs no child.

import { Writable } from 'node:stream';
import { jest } from '@jest/globals';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { RequestLogger, requestLogger } from '../../routes/request-logger.js';

function capture(level: string): { log: ReturnType<typeof pino>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

test('a line written at an enabled level carries the bindings, as a pino child\'s does', () => {
  const { log, lines } = capture('info');
  const req = requestLogger(log as unknown as FastifyBaseLogger, { reqId: 'r-1' }, {});
  req.info({ route: '/v1/eval' }, 'request');
  req.debug({ route: '/v1/eval' }, 'not at this level');
  req.error('failed');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatchObject({ reqId: 'r-1', route: '/v1/eval', msg: 'request', level: 30 });
  expect(lines[1]).toMatchObject({ reqId: 'r-1', msg: 'failed', level: 50 });
});

test('no child logger is made while nothing is written at an enabled level', () => {
  const { log, lines } = capture('warn');
  const child = jest.spyOn(log, 'child');
  const req = new RequestLogger(log as unknown as FastifyBaseLogger, { reqId: 'r-2' }, {});
  expect(req.isLevelEnabled('info')).toBe(false);
  req.info({ route: '/v1/eval' }, 'request');
  req.debug('nothing');
  expect(child).not.toHaveBeenCalled();
  expect(lines).toHaveLength(0);
  req.warn('shed');
  expect(child).toHaveBeenCalledTimes(1);
  req.error('and again');
  expect(child).toHaveBeenCalledTimes(1);
  expect(lines.map((l) => [l.reqId, l.msg])).toEqual([['r-2', 'shed'], ['r-2', 'and again']]);
});

test('its level is the parent\'s until it is set, and a child of it keeps the request\'s bindings', () => {
  const { log, lines } = capture('info');
  const req = new RequestLogger(log as unknown as FastifyBaseLogger, { reqId: 'r-3' }, {});
  expect(req.level).toBe('info');
  req.child({ part: 'x' }).info('from the child');
  expect(lines[0]).toMatchObject({ reqId: 'r-3', part: 'x', msg: 'from the child' });
  req.level = 'error';
  expect(req.isLevelEnabled('warn')).toBe(false);
  expect(log.level).toBe('info');
});
