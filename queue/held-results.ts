// The results finished jobs hold in Redis, bounded as the embedded store bounds its own
// (routes/memory-job-store.ts): past `--max-job-result-bytes` in all, the finished jobs nearest
// their expiry (with one TTL: the oldest) are forgotten early, never the one that just finished.
// A jobset job's lines count as its result.
//
//   nixeval:results:expiry  a sorted set: the finished jobs counted, by when they expire
//   nixeval:results:bytes   a hash: each counted job's bytes
//   nixeval:results:total   the bytes of all counted jobs
//
// The worker that runs a job counts it as it ends, before it shows as finished (and forgets
// what that pushes out, so that a reader never sees both); the API, which
// forgets jobs on DELETE and on a read past their TTL, uncounts them. A job that expired
// unread is uncounted by the next count. Both go through one script each, so that workers and
// API replicas counting at once never count a job twice nor forget one twice.

import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobsetLinesStore } from './jobset-lines.js';
import { cancelledKey } from './queue.js';

const EXPIRY_KEY = 'nixeval:results:expiry';
const BYTES_KEY = 'nixeval:results:bytes';
const TOTAL_KEY = 'nixeval:results:total';

/** Uncounts a job (KEYS: expiry, bytes, total). */
const UNCOUNT = `
local function uncount(id)
  local size = tonumber(redis.call('HGET', KEYS[2], id) or '0')
  redis.call('HDEL', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
  return redis.call('DECRBY', KEYS[3], size)
end
`;

/**
 * Counts a finished job (ARGV: id, bytes, expiresAt, budget, now) after uncounting the expired
 * ones; then, while over the budget, uncounts the others nearest their expiry and returns them.
 */
const COUNT = `${UNCOUNT}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[5], 'LIMIT', 0, 1000)) do uncount(id) end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then uncount(ARGV[1]) end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local total = redis.call('INCRBY', KEYS[3], ARGV[2])
local budget = tonumber(ARGV[4])
local pushedOut = {}
local rank = 0
while total > budget do
  local id = redis.call('ZRANGE', KEYS[1], rank, rank)[1]
  if not id then break end
  if id == ARGV[1] then
    rank = rank + 1
  else
    total = uncount(id)
    table.insert(pushedOut, id)
  end
end
return pushedOut
`;

const FORGET = `${UNCOUNT}
uncount(ARGV[1])
return 1
`;

type CountCommand = (k1: string, k2: string, k3: string, id: string, bytes: number, expiresAt: number, budget: number, now: number) => Promise<string[]>;
type ForgetCommand = (k1: string, k2: string, k3: string, id: string) => Promise<number>;

/** The finished jobs' results in Redis, on one connection. */
export class HeldResults {
  private readonly countCommand: CountCommand;
  private readonly forgetCommand: ForgetCommand;

  constructor(private readonly redis: Redis, private readonly queue: Queue, private readonly lines: JobsetLinesStore) {
    if (!('nixevalCountResult' in redis)) {
      redis.defineCommand('nixevalCountResult', { numberOfKeys: 3, lua: COUNT });
      redis.defineCommand('nixevalUncountResult', { numberOfKeys: 3, lua: FORGET });
    }
    const commands = redis as unknown as { nixevalCountResult: CountCommand; nixevalUncountResult: ForgetCommand };
    this.countCommand = commands.nixevalCountResult.bind(redis);
    this.forgetCommand = commands.nixevalUncountResult.bind(redis);
  }

  /**
   * Counts the result of a job that just finished (`bytes`, until `expiresAt`), and forgets the
   * jobs that this puts over `budget` bytes in all. Returns how many were forgotten.
   */
  async count(id: string, bytes: number, expiresAt: number, budget: number): Promise<number> {
    const pushedOut = await this.countCommand(EXPIRY_KEY, BYTES_KEY, TOTAL_KEY, id, bytes, expiresAt, budget, Date.now());
    await Promise.all(pushedOut.map((other) => this.deleteJob(other)));
    return pushedOut.length;
  }

  /** Forgets a job: deletes it and what it left, and uncounts its result. */
  async forget(id: string): Promise<void> {
    await Promise.all([this.forgetCommand(EXPIRY_KEY, BYTES_KEY, TOTAL_KEY, id), this.deleteJob(id)]);
  }

  /** Deletes a job, its cancellation mark and (a jobset's) lines. */
  private async deleteJob(id: string): Promise<void> {
    await Promise.all([
      this.redis.del(cancelledKey(id)),
      this.queue.remove(id).catch(() => 0),
      this.lines.forget(id),
    ]);
  }
}
