// Load shedding by event-loop lag (routes/pressure.ts): lag is measured from the moment the
// server is ready, so a slow start is not taken for pressure; a blocked loop is, until it
// answers again, which is checked sooner than the sample period once there is pressure.

import { EventLoopPressure } from '../../routes/pressure.js';

const block = (ms: number): void => {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* busy, as a flood of work would keep it */ }
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(20);
  }
  return cond();
}

test('the loop blocked before measuring starts (a slow start) is not pressure', async () => {
  const p = new EventLoopPressure(50, 100);
  try {
    block(1000);
    p.start();
    await sleep(350);
    expect(p.reason).toBeUndefined();
  } finally {
    p.stop();
  }
});

test('a blocked loop is pressure at the next samples, and the pressure ends when the loop answers again', async () => {
  const p = new EventLoopPressure(50, 100);
  try {
    p.start();
    await sleep(250);
    expect(p.reason).toBeUndefined();
    block(1000);
    expect(await until(() => p.reason !== undefined, 500)).toBe(true);
    expect(p.reason).toMatch(/^the event loop lags \d+ ms \(more than 50 ms\)$/);
    expect(await until(() => p.reason === undefined, 2000)).toBe(true);
  } finally {
    p.stop();
  }
});

test('after one stall the pressure ends well before a whole sample period', async () => {
  // A sample period of 2 s: shedding for a whole period after the stall would still be on
  // when the check below ends.
  const p = new EventLoopPressure(50, 2000);
  try {
    p.start();
    await sleep(100);
    block(2100);
    expect(await until(() => p.reason !== undefined, 1500)).toBe(true);
    expect(await until(() => p.reason === undefined, 1500)).toBe(true);
  } finally {
    p.stop();
  }
});
