// Soak benchmark: the service under a long run of mixed good and bad requests (every class of
// issue 11, chosen at random) from many concurrent connections, with rate limiting off. What it
// measures is what an operator needs to trust a shared evaluation service: the process never
// dies, no accepted job is lost, memory stays bounded, good requests keep being answered (their
// p99 latency, and the share answered rather than shed with 503), and every bad request gets
// the answer its class should get (its error kind, a bounded body).
//
//   npm run build && npm run bench:soak [-- --duration S] [--connections N] [--workers N] [--no-write]
//
// The server runs as `npm start` would, with the defaults, except rate limiting (off), the log
// level (warn) and the job TTL (longer than the run, so that every tracked job can be checked
// at the end). A server that dies is counted as a crash and started again, so the run goes on.
// The results replace the `## Soak` section of BENCHMARKS.md.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeBenchmarkSection } from './report.js';
import { type Answer, HOST, readAnswer, snapshot, startNixeval, stop } from './service-process.js';

const SECTION = '## Soak';

interface Options {
  duration: number;
  connections: number;
  workers: number;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { duration: 600, connections: 200, workers: availableParallelism(), write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--duration') o.duration = Math.max(5, Number(argv[++i]));
    else if (a === '--connections') o.connections = Math.max(1, Number(argv[++i]));
    else if (a === '--workers') o.workers = Math.max(1, Number(argv[++i]));
    else if (a === '--no-write') o.write = false;
    else throw new Error(`unknown option ${a} (options: --duration S, --connections N, --workers N, --no-write)`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// The mix

/** One request of a class, and whether its answer is the one the class should get. */
interface Sent {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Abort the request this long after sending it (a client that goes away). */
  abortAfterMs?: number;
  /** A job to check at the end: its id comes from the answer, its expected value here. */
  trackJob?: unknown;
}

interface RequestClass {
  name: string;
  /** Which item of issue 11 it exercises (0: a good request). */
  item: number;
  /** Relative frequency in the mix. */
  weight: number;
  good?: boolean;
  make(n: number): Sent;
  /** What the class should answer (503 is counted apart, as shed). */
  expected: string;
  ok(a: Answer): boolean;
}

const DOUBLE = 'let d = s: n: if n == 0 then s else d (s + s) (n - 1); in';
/** Endless (10^15 steps) at a constant call depth: a tail-recursive loop ends at max-call-depth. */
const LOOP = 'let l = builtins.genList (x: x) 100000; in builtins.foldl\' (a: i: builtins.foldl\' (b: j: builtins.foldl\' (c: k: c) b l) a l) 0 l';
const kind = (a: Answer): string | undefined => a.body?.error?.kind;
/** Slack for the fixed members of an answer (stats, keys) and the cut markers. */
const OVERHEAD = 4096;
const MEDIUM = 'let xs = builtins.genList (i: { name = "k${toString i}"; value = i * i; }) 200; s = builtins.listToAttrs xs; '
  + 'in builtins.foldl\' (a: b: a + b) 0 (builtins.attrValues (builtins.mapAttrs (n: v: v + 1) s))';
const SERVER_MAX_OUTPUT = 16 * 1024 * 1024;

const CLASSES: RequestClass[] = [
  {
    name: 'good: small expression', item: 0, weight: 30, good: true,
    make: (n) => ({ method: 'POST', path: '/v1/eval', body: { expr: `${n} + 1` } }),
    expected: '200, the value',
    ok: (a) => a.status === 200 && typeof a.body?.value === 'number',
  },
  {
    name: 'good: 200-attribute set built, mapped and folded', item: 0, weight: 20, good: true,
    make: () => ({ method: 'POST', path: '/v1/eval', body: { expr: MEDIUM } }),
    expected: '200, 2646900',
    ok: (a) => a.status === 200 && a.body?.value === 2646900,
  },
  {
    name: 'list bomb (230 bytes of `++`)', item: 1, weight: 3,
    make: () => ({
      method: 'POST', path: '/v1/eval',
      body: { expr: 'let l = builtins.genList (x: 1) 1000000; l2 = l ++ l; l4 = l2 ++ l2; l8 = l4 ++ l4; l16 = l8 ++ l8; l32 = l16 ++ l16; l64 = l32 ++ l32; l128 = l64 ++ l64; in builtins.length l128' },
    }),
    expected: '422 memory-limit',
    ok: (a) => a.status === 422 && kind(a) === 'memory-limit',
  },
  {
    name: 'string bomb (`s + s`, 2^30 bytes)', item: 1, weight: 3,
    make: () => ({ method: 'POST', path: '/v1/eval', body: { expr: `builtins.stringLength (${DOUBLE} d "x" 30)` } }),
    expected: '422 memory-limit',
    ok: (a) => a.status === 422 && kind(a) === 'memory-limit',
  },
  {
    name: 'error of 128 MiB, maxOutputBytes 1000', item: 2, weight: 3,
    make: () => ({ method: 'POST', path: '/v1/eval', body: { expr: `throw (${DOUBLE} d "x" 27)`, limits: { maxOutputBytes: 1000 } } }),
    expected: '422 throw, under 1000 bytes and the overhead',
    ok: (a) => a.status === 422 && kind(a) === 'throw' && a.bytes < 1000 + OVERHEAD,
  },
  {
    name: 'batch of 40 errors of 64 MiB', item: 2, weight: 2,
    make: () => ({ method: 'POST', path: '/v1/eval/batch', body: { requests: Array.from({ length: 40 }, () => ({ expr: `throw (${DOUBLE} d "x" 26)` })) } }),
    expected: '200, 40 throw items within the output limit',
    ok: (a) => a.status === 200 && a.body?.results?.length === 40 && a.bytes < SERVER_MAX_OUTPUT + 40 * OVERHEAD
      && a.body.results.every((r: any) => r.error?.kind === 'throw' || r.error?.kind === 'overloaded'),
  },
  {
    name: 'job with an error of 128 MiB (job-store flood)', item: 3, weight: 3,
    make: () => ({ method: 'POST', path: '/v1/jobs', body: { expr: `throw (${DOUBLE} d "x" 27)` } }),
    expected: '202',
    ok: (a) => a.status === 202,
  },
  {
    name: 'small job, checked at the end', item: 3, weight: 4,
    make: (n) => ({ method: 'POST', path: '/v1/jobs', body: { expr: `${n} * 2` }, trackJob: n * 2 }),
    expected: '202, then succeeded with its value',
    ok: (a) => a.status === 202,
  },
  {
    name: 'large regex, different each time (regex-cache flood)', item: 4, weight: 3,
    make: (n) => ({ method: 'POST', path: '/v1/eval', body: { expr: `builtins.match "${`(a${n}|b)*c`.repeat(2000)}" "x"` } }),
    expected: '200 null',
    ok: (a) => a.status === 200 && a.body?.value === null,
  },
  {
    name: 'looping job (5 s)', item: 5, weight: 2,
    make: () => ({ method: 'POST', path: '/v1/jobs', body: { expr: LOOP, limits: { timeoutMs: 5000 } } }),
    expected: '202',
    ok: (a) => a.status === 202,
  },
  {
    name: 'looping evaluation, timeoutMs 1000', item: 5, weight: 3,
    make: () => ({ method: 'POST', path: '/v1/eval', body: { expr: LOOP, limits: { timeoutMs: 1000 } } }),
    expected: '422 timeout',
    ok: (a) => a.status === 422 && kind(a) === 'timeout',
  },
  {
    name: 'client that goes away after 200 ms', item: 6, weight: 3,
    make: () => ({ method: 'POST', path: '/v1/eval', body: { expr: LOOP, limits: { timeoutMs: 5000 } }, abortAfterMs: 200 }),
    expected: 'no answer (the client left)',
    ok: () => true,
  },
  {
    name: 'args resolving a relative path', item: 7, weight: 2,
    make: () => ({ method: 'POST', path: '/v1/eval', body: { expr: '{ a }: toString a', args: { a: './.' }, files: { 'x.nix': '1' } } }),
    expected: '200 "/"',
    ok: (a) => a.status === 200 && a.body?.value === '/',
  },
  {
    name: 'select path of 20,000 parts', item: 9, weight: 2,
    make: () => ({ method: 'POST', path: '/v1/eval', body: { expr: `{ a = 1; }${'.a'.repeat(20_000)}` } }),
    expected: '422 type (a number is not a set)',
    ok: (a) => a.status === 422 && kind(a) === 'type',
  },
  {
    name: '60,000 unary minus signs', item: 9, weight: 2,
    make: () => ({ method: 'POST', path: '/v1/eval', body: { expr: `${'-'.repeat(60_000)}1` } }),
    expected: '422 parse (nested too deeply), at once',
    ok: (a) => a.status === 422 && kind(a) === 'parse',
  },
  {
    name: 'printing a cyclic value, not strict', item: 9, weight: 2,
    make: () => ({ method: 'POST', path: '/v1/eval', body: { expr: 'let x = { a = x; }; in x', strict: false } }),
    expected: '422 timeout, output-limit or memory-limit',
    ok: (a) => a.status === 422 && ['timeout', 'output-limit', 'memory-limit'].includes(kind(a) ?? ''),
  },
  {
    name: 'genList of 2^25', item: 9, weight: 2,
    make: () => ({ method: 'POST', path: '/v1/eval', body: { expr: 'builtins.length (builtins.genList (x: x) 33554432)' } }),
    expected: '422 memory-limit',
    ok: (a) => a.status === 422 && kind(a) === 'memory-limit',
  },
  {
    name: 'jobset of two attributes, streamed', item: 0, weight: 2,
    make: () => ({
      method: 'POST', path: '/v1/jobsets',
      body: { expr: '{ hello = derivation { name = "hello"; system = "x86_64-linux"; builder = "/bin/sh"; }; broken = throw "no"; }' },
    }),
    expected: '200, two lines',
    ok: (a) => a.status === 200 && a.text.split('\n').filter((l) => l !== '').length === 2,
  },
];

// ---------------------------------------------------------------------------------------
// Sending

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
/** A request with no answer in this long counts as unanswered. */
const CLIENT_TIMEOUT_MS = 120_000;

function send(port: number, s: Sent): Promise<Answer | 'aborted' | 'no-answer'> {
  const t0 = Date.now();
  const payload = s.body === undefined ? undefined : Buffer.from(JSON.stringify(s.body));
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Answer | 'aborted' | 'no-answer'): void => {
      if (!settled) { settled = true; resolve(r); }
    };
    const req = httpRequest({
      host: HOST, port, path: s.path, method: s.method, agent,
      headers: payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {},
      timeout: CLIENT_TIMEOUT_MS,
    }, (res) => {
      readAnswer(res, t0).then(done, () => done('no-answer'));
    });
    req.on('timeout', () => { req.destroy(); done('no-answer'); });
    req.on('error', () => done(settled ? 'aborted' : s.abortAfterMs !== undefined ? 'aborted' : 'no-answer'));
    if (s.abortAfterMs !== undefined) setTimeout(() => { req.destroy(); done('aborted'); }, s.abortAfterMs);
    if (payload) req.write(payload);
    req.end();
  });
}

interface Tally {
  sent: number;
  expected: number;
  shed: number;
  unexpected: number;
  noAnswer: number;
  latencies: number[];
  maxBytes: number;
  /** A few unexpected answers, to say what went wrong. */
  samples: string[];
}

const newTally = (): Tally => ({ sent: 0, expected: 0, shed: 0, unexpected: 0, noAnswer: 0, latencies: [], maxBytes: 0, samples: [] });

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

interface Run {
  tallies: Map<RequestClass, Tally>;
  crashes: string[];
  peakRssMb: number;
  jobsTracked: number;
  jobsLost: string[];
  elapsedS: number;
  /** The server's own counters at the end (of its last start): shed by reason, workers replaced. */
  counters: Record<string, number>;
}

async function soak(cli: string, o: Options): Promise<Run> {
  const flags = ['--workers', String(o.workers), '--job-ttl-ms', String((o.duration + 600) * 1000)];
  let server = await startNixeval(cli, flags, 'pipe');
  const crashes: string[] = [];
  let peakRssKb = 0;
  let restarting: Promise<void> | undefined;
  const watch = (child: ChildProcess): void => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
    child.once('exit', (code, signal) => {
      peakRssKb = Math.max(peakRssKb, lastHwm);
      if (stopping) return;
      crashes.push(`exit ${code ?? signal}: ${err.trim().split('\n').slice(-3).join(' / ')}`);
      restarting = startNixeval(cli, flags, 'pipe').then((s) => { server = s; watch(s.child); restarting = undefined; });
    });
  };
  let stopping = false;
  let lastHwm = 0;
  watch(server.child);
  const sampler = setInterval(() => {
    lastHwm = Math.max(lastHwm, statusKb(server.child.pid!, 'VmHWM'));
    peakRssKb = Math.max(peakRssKb, lastHwm);
  }, 1000);

  const tallies = new Map(CLASSES.map((c) => [c, newTally()]));
  const tracked: { id: string; value: unknown }[] = [];
  const total = CLASSES.reduce((s, c) => s + c.weight, 0);
  const pick = (): RequestClass => {
    let r = Math.random() * total;
    for (const c of CLASSES) if ((r -= c.weight) < 0) return c;
    return CLASSES[0];
  };
  const t0 = Date.now();
  const end = t0 + o.duration * 1000;
  let n = 0;
  const connection = async (): Promise<void> => {
    while (Date.now() < end) {
      if (restarting) { await restarting; continue; }
      const c = pick();
      const s = c.make(++n);
      const t = tallies.get(c)!;
      t.sent++;
      const a = await send(server.port, s);
      if (a === 'aborted') { t.expected++; continue; }
      if (a === 'no-answer') { t.noAnswer++; continue; }
      t.maxBytes = Math.max(t.maxBytes, a.bytes);
      if (a.status === 503) { t.shed++; continue; }
      if (c.ok(a)) {
        t.expected++;
        t.latencies.push(a.ms);
        if (s.trackJob !== undefined) tracked.push({ id: a.body.id, value: s.trackJob });
      } else {
        t.unexpected++;
        if (t.samples.length < 3) t.samples.push(`${a.status} ${a.text.slice(0, 200)}`);
      }
    }
  };
  const progress = setInterval(() => {
    const done = [...tallies.values()].reduce((s, t) => s + t.sent, 0);
    process.stderr.write(`  ${Math.round((Date.now() - t0) / 1000)} s: ${done} requests, RSS ${Math.round(statusKb(server.child.pid!, 'VmRSS') / 1024)} MiB, ${crashes.length} crashes\n`);
  }, 30_000);
  await Promise.all(Array.from({ length: o.connections }, () => connection()));
  clearInterval(progress);
  const elapsedS = (Date.now() - t0) / 1000;

  // Every tracked job must finish and still be there with its value.
  const jobsLost: string[] = [];
  const deadline = Date.now() + 10 * 60_000;
  for (const j of tracked) {
    for (;;) {
      const a = await send(server.port, { method: 'GET', path: `/v1/jobs/${j.id}` });
      if (a === 'aborted' || a === 'no-answer') { jobsLost.push(`${j.id}: no answer`); break; }
      if (a.status !== 200) { jobsLost.push(`${j.id}: ${a.status}`); break; }
      const state = a.body.state;
      if (state === 'succeeded' && a.body.result?.value === j.value) break;
      if (state !== 'queued' && state !== 'running') {
        // A job the server gave up on before it could start (overloaded) was answered, not lost.
        if (a.body.error?.kind !== 'overloaded') jobsLost.push(`${j.id}: ${state} ${JSON.stringify(a.body.error ?? a.body.result).slice(0, 200)}`);
        break;
      }
      if (Date.now() > deadline) { jobsLost.push(`${j.id}: still ${state}`); break; }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const metrics = await send(server.port, { method: 'GET', path: '/metrics' });
  const counters: Record<string, number> = {};
  if (typeof metrics === 'object') {
    for (const line of metrics.text.split('\n')) {
      const m = /^(nixeval_requests_shed_total\{reason="[^"]+"\}|nixeval_pool_workers_replaced_total|nixeval_evaluations_cancelled_total\{[^}]*\}|nodejs_eventloop_lag_max_seconds) (\S+)$/.exec(line);
      if (m) counters[m[1]] = Number(m[2]);
    }
  }
  clearInterval(sampler);
  lastHwm = Math.max(lastHwm, statusKb(server.child.pid!, 'VmHWM'));
  peakRssKb = Math.max(peakRssKb, lastHwm);
  stopping = true;
  await stop(server.child);
  return { tallies, crashes, peakRssMb: peakRssKb / 1024, jobsTracked: tracked.length, jobsLost, elapsedS, counters };
}

// ---------------------------------------------------------------------------------------
// Report

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (a: number, b: number): string => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)} %`);

function report(r: Run, o: Options, loadStart: number[], loadEnd: number[]): string {
  const nproc = availableParallelism();
  const L: string[] = [SECTION, ''];
  L.push(
    `\`npm run build && npm run bench:soak\` runs \`nixeval serve\` (defaults, ${o.workers} workers, rate limiting off, job TTL longer than the run) `
    + `and sends it ${o.connections} concurrent connections of requests chosen at random for ${fmt(r.elapsedS)} s: good requests, and every class of issue 11 `
    + '(memory bombs, huge error bodies and batches of them, job-store floods, regex-cache floods, looping jobs and evaluations, clients that go away, '
    + 'relative paths in `args`, quadratic-parse and deadline cases, jobsets). Each answer is checked against what its class should get. '
    + 'A 503 (`overloaded`: the queue is full, or a request could not start within its own time limit) is counted as shed. '
    + 'Every small job accepted is checked at the end: finished, and still there with its value.',
    '',
    `- Machine: nproc ${nproc} (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}; `
    + `load average ${loadStart.map((x) => x.toFixed(1)).join(' / ')} before and ${loadEnd.map((x) => x.toFixed(1)).join(' / ')} after`
    + (loadStart[0] > nproc || loadEnd[0] > nproc ? ' (above nproc: other work shared the machine)' : ''),
    '',
  );
  const all = [...r.tallies.values()];
  const good = CLASSES.filter((c) => c.good).map((c) => r.tallies.get(c)!);
  const goodSent = good.reduce((s, t) => s + t.sent, 0);
  const goodOk = good.reduce((s, t) => s + t.expected, 0);
  const goodShed = good.reduce((s, t) => s + t.shed, 0);
  const goodLat = good.flatMap((t) => t.latencies);
  const sent = all.reduce((s, t) => s + t.sent, 0);
  const shed = all.reduce((s, t) => s + t.shed, 0);
  const unexpected = all.reduce((s, t) => s + t.unexpected + t.noAnswer, 0);
  L.push(
    `- Process crashes: **${r.crashes.length}**${r.crashes.length ? ` (${r.crashes.join('; ')})` : ''}`,
    `- Jobs lost: **${r.jobsLost.length}** of ${fmt(r.jobsTracked)} small jobs accepted${r.jobsLost.length ? ` (${r.jobsLost.slice(0, 3).join('; ')})` : ''}`,
    `- Peak RSS of the server process (all threads): **${fmt(r.peakRssMb)} MiB**`,
    `- Good requests: ${fmt(goodSent)} sent, ${pct(goodOk, goodSent)} answered with their value, ${pct(goodShed, goodSent)} shed with 503; `
    + `latency of those answered p50 ${fmt(percentile(goodLat, 50))} ms, **p99 ${fmt(percentile(goodLat, 99))} ms**`,
    `- All requests: ${fmt(sent)} (${fmt(sent / r.elapsedS)}/s), ${pct(sent - shed - unexpected, sent)} answered as their class should be, ${pct(shed, sent)} shed with 503, `
    + `${fmt(unexpected)} answered otherwise or not at all`,
    '',
    'Each connection sends its next request as soon as it has an answer, and a 503 comes back at once, so the connections offer far more '
    + `than ${o.workers} workers can evaluate when about half the requests (the bad ones) each hold a worker for up to their time limit: `
    + 'the share shed measures that overload. A request is shed at once when its queue is full, or when it could not start within its own time limit.',
    '',
    `- The server's counters at the end: ${Object.entries(r.counters).map(([k, v]) => `\`${k}\` ${fmt(v)}`).join(', ') || 'not read'}`,
    '',
    '| class | issue 11 item | expected answer | sent | as expected | shed (503) | otherwise | no answer | p99 latency | largest body |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const c of CLASSES) {
    const t = r.tallies.get(c)!;
    L.push(`| ${c.name} | ${c.item || '–'} | ${c.expected} | ${fmt(t.sent)} | ${fmt(t.expected)} | ${fmt(t.shed)} | ${fmt(t.unexpected)} | ${fmt(t.noAnswer)} | `
      + `${t.latencies.length ? `${fmt(percentile(t.latencies, 99))} ms` : '–'} | ${t.maxBytes ? `${fmt(t.maxBytes)} B` : '–'} |`);
  }
  L.push('');
  const odd = CLASSES.filter((c) => r.tallies.get(c)!.samples.length > 0);
  if (odd.length > 0) {
    L.push('Answers other than expected (first few of each class):', '');
    for (const c of odd) for (const s of r.tallies.get(c)!.samples) L.push(`- ${c.name}: \`${s.replace(/`/g, "'").replace(/\n/g, ' ')}\``);
    L.push('');
  }
  return L.join('\n');
}

async function main(argv: string[]): Promise<void> {
  const o = parseOptions(argv);
  const loadStart = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'nixeval-soak-'));
  let run: Run;
  try {
    run = await soak(snapshot(dir), o);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const section = report(run, o, loadStart, loadavg());
  process.stdout.write(section + '\n');
  if (o.write) {
    writeBenchmarkSection(SECTION, section);
    process.stderr.write(`wrote the ${SECTION} section of BENCHMARKS.md\n`);
  }
  if (run.crashes.length > 0 || run.jobsLost.length > 0) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`bench:soak: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
