// A jobset job's lines and progress in Redis: written by the worker that runs the jobset, read
// by the API (GET /v1/jobs/:id/results from an offset, and the job's progress).
//
//   nixeval:jobset:ID        a hash: startedAt (the first start), finishedAt, summary (JSON),
//                            done, failed, bytes (of the lines), queued, running
//   nixeval:jobset:ID:lines  a list: the lines, in the order they were added
//   nixeval:jobset:ID:keys   a set: what each line is of (its attribute path, or END_KEY)
//
// The hash's queued and running are written with each line, by the same script that counts it
// done, and between lines every ACTIVITY_MS (queue/worker.ts): the API reads all the counts in
// one HGETALL, so they always add up as they did at one moment on the worker; written apart,
// a line's `done` read with the last activity's `running` counted its attribute twice.
//
// A line is added by one script, atomically, only when its attribute has no line yet, when
// the lines stay within the job's byte bound, and while the job is not cancelled. So a jobset
// resumed on another worker after its first one died (or run twice at once, when a worker lost
// its lock while still alive) never repeats a line, and lines already read keep their offsets.
// Every added line is announced on LINES_CHANNEL (the job's id), which the API's followers
// listen to. The keys expire with the job: its most time after its first start plus the TTL
// while it runs, the TTL after it finished.

import type { Redis } from 'ioredis';
import type { JobsetSummary } from '../workers/jobset-runner.js';
import { cancelledKey } from './queue.js';

/** Where the job ids of added lines are published. */
export const LINES_CHANNEL = 'nixeval:lines';
/** The key of the line that says why a jobset stopped before its end (not an attribute path, which is JSON). */
export const END_KEY = '!end';

const hashKey = (id: string): string => `nixeval:jobset:${id}`;
const linesKey = (id: string): string => `nixeval:jobset:${id}:lines`;
const keysKey = (id: string): string => `nixeval:jobset:${id}:keys`;

/** A line's kind: an attribute's derivation or error, or the end line (counted in neither). */
export type LineKind = 'derivation' | 'error' | 'end';

/** What adding a line did. */
export type Added = 'added' | 'duplicate' | 'over-limit' | 'cancelled';

const APPEND = `
if redis.call('EXISTS', KEYS[4]) == 1 then return -2 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
local size = string.len(ARGV[2]) + 1
if ARGV[4] ~= '' then
  local bytes = tonumber(redis.call('HGET', KEYS[3], 'bytes') or '0')
  if bytes + size > tonumber(ARGV[4]) then
    redis.call('SREM', KEYS[2], ARGV[1])
    return -1
  end
end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'bytes', size)
if ARGV[3] ~= 'end' then redis.call('HINCRBY', KEYS[3], 'done', 1) end
if ARGV[3] == 'error' then redis.call('HINCRBY', KEYS[3], 'failed', 1) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[3], 'queued', ARGV[7], 'running', ARGV[8]) end
for i = 1, 3 do redis.call('PEXPIREAT', KEYS[i], ARGV[5]) end
redis.call('PUBLISH', '${LINES_CHANNEL}', ARGV[6])
return 1
`;

type AppendCommand = (k1: string, k2: string, k3: string, k4: string, key: string, line: string, kind: LineKind, maxBytes: string, expireAt: number, id: string, queued: string, running: string) => Promise<number>;

/** The attributes of a jobset waiting and being evaluated. */
export interface Activity {
  queued: number;
  running: number;
}

/** A jobset job's progress as stored. */
export interface StoredProgress {
  startedAt?: number;
  finishedAt?: number;
  done: number;
  failed: number;
  bytes: number;
  queued: number;
  running: number;
}

/** The lines and progress of jobset jobs, on one Redis connection. */
export class JobsetLinesStore {
  private readonly append: AppendCommand;

  constructor(private readonly redis: Redis) {
    const name = 'nixevalAppendJobsetLine';
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 4, lua: APPEND });
    const command = (redis as unknown as Record<string, AppendCommand>)[name];
    this.append = command.bind(redis);
  }

  /**
   * Adds a line (`key`: what it is of) unless one of the same key is there, the lines would
   * take more than `maxBytes` (undefined: no bound), or the job is cancelled. Its keys then
   * expire at `expireAt` (ms since epoch). `activity`, the jobset's as the line came out, is
   * recorded with it.
   */
  async add(id: string, key: string, line: string, kind: LineKind, maxBytes: number | undefined, expireAt: number, activity?: Activity): Promise<Added> {
    const r = await this.append(
      linesKey(id), keysKey(id), hashKey(id), cancelledKey(id), key, line, kind, maxBytes === undefined ? '' : String(maxBytes), expireAt, id,
      activity === undefined ? '' : String(activity.queued), activity === undefined ? '' : String(activity.running),
    );
    return r === 1 ? 'added' : r === 0 ? 'duplicate' : r === -1 ? 'over-limit' : 'cancelled';
  }

  /**
   * A worker starts (or resumes) the jobset: its first start (kept from an earlier attempt), the
   * keys of the lines already there, and its summary if an earlier attempt finished it.
   */
  async begin(id: string, now: number): Promise<{ firstStartedAt: number; keys: Set<string>; summary?: JobsetSummary }> {
    const r = await this.redis.multi()
      .hsetnx(hashKey(id), 'startedAt', String(now))
      .hmget(hashKey(id), 'startedAt', 'summary')
      .smembers(keysKey(id))
      .exec();
    const failed = r?.find(([e]) => e !== null);
    if (!r || failed) throw failed?.[0] ?? new Error('Redis did not run the transaction');
    const [startedAt, summary] = r[1][1] as (string | null)[];
    return {
      firstStartedAt: Number(startedAt), keys: new Set(r[2][1] as string[]),
      summary: summary === null ? undefined : JSON.parse(summary) as JobsetSummary,
    };
  }

  /** Records the attributes waiting and being evaluated; the keys expire at `expireAt`. */
  async setActivity(id: string, queued: number, running: number, expireAt: number): Promise<void> {
    await this.redis.multi().hset(hashKey(id), 'queued', queued, 'running', running).pexpireat(hashKey(id), expireAt).exec();
  }

  /** The jobset is over (its keys are kept `ttlMs` from `finishedAt`). */
  async finish(id: string, finishedAt: number, ttlMs: number, summary: JobsetSummary): Promise<void> {
    const at = finishedAt + ttlMs;
    await this.redis.multi()
      .hset(hashKey(id), 'finishedAt', finishedAt, 'summary', JSON.stringify(summary), 'queued', 0, 'running', 0)
      .pexpireat(hashKey(id), at).pexpireat(linesKey(id), at).pexpireat(keysKey(id), at)
      .exec();
  }

  /** The lines from `offset` on. */
  lines(id: string, offset: number): Promise<string[]> {
    return this.redis.lrange(linesKey(id), offset, -1);
  }

  /** The progress, or undefined when no worker has started the jobset. */
  async progress(id: string): Promise<StoredProgress | undefined> {
    const h = await this.redis.hgetall(hashKey(id));
    if (h.startedAt === undefined) return undefined;
    const n = (v: string | undefined): number => (v === undefined ? 0 : Number(v));
    return {
      startedAt: n(h.startedAt),
      finishedAt: h.finishedAt === undefined ? undefined : n(h.finishedAt),
      done: n(h.done), failed: n(h.failed), bytes: n(h.bytes), queued: n(h.queued), running: n(h.running),
    };
  }

  /** Keeps the lines `ttlMs` from now (a job cancelled or given up by the API). */
  async expireIn(id: string, ttlMs: number): Promise<void> {
    await this.redis.multi().pexpire(hashKey(id), ttlMs).pexpire(linesKey(id), ttlMs).pexpire(keysKey(id), ttlMs).exec();
  }

  /** Forgets the lines and progress. */
  async forget(id: string): Promise<void> {
    await this.redis.del(hashKey(id), linesKey(id), keysKey(id));
  }
}
