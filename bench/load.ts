// HTTP load benchmark: the nixeval service under autocannon, beside a server that spawns
// `nix-instantiate --eval --strict --json -E` per request (what a service without an
// evaluator library of its own would do) and a bare Fastify route that answers a fixed body
// (the most HTTP allows on the machine). Repeated requests are answered from the service's
// result cache; the workloads sent with `Cache-Control: no-cache` are evaluated each time.
//
//   npm run build && npm run bench:load [-- --duration S] [--runs N] [--connections N] [--workers N] [--no-write]
//                                        [--only WORKLOAD,...] [--servers nixeval,spawn,bare]
//
// `--only` and `--servers` keep a subset (a quick look while working; it writes nothing).
//
// The servers listen on 127.0.0.1 only and run in their own processes; autocannon runs in
// this one. Each workload gets a warm-up (not counted) and then `duration` seconds of load
// with `connections` connections, `runs` times; the run with the most requests/s is kept (the
// machine is shared, and other work only ever lowers the figure). The first response of each
// workload is checked against the value C++ Nix prints. The nixeval server runs as `npm start` would, with the defaults, except for
// rate limiting (off: the benchmark is one client) and the log level (warn: one log line per
// request costs a little, and the figures are about evaluation).
//
// The results replace the `## HTTP load` section of BENCHMARKS.md (other sections are left
// alone; the file is re-read just before it is written).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { writeBenchmarkSection } from './report.js';
import { freePort, HOST, snapshot, startNixeval, stop, waitUntilUp } from './service-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BENCHMARKS = join(ROOT, 'BENCHMARKS.md');
const SECTION = '## HTTP load';

interface Workload {
  name: string;
  what: string;
  expr: string;
  /** Sent with every request (`cache-control: no-cache`: past the service's result cache). */
  headers?: Record<string, string>;
  /** Which servers run it. */
  servers: ServerKind[];
}

/** nixeval; the spawner of nix-instantiate; a bare Fastify route answering a fixed body (the HTTP ceiling). */
type ServerKind = 'nixeval' | 'spawn' | 'bare';

const NO_CACHE = { 'cache-control': 'no-cache' };
const WORKLOADS: Workload[] = [
  { name: 'trivial', what: '`1 + 2`, the same request again and again (nixeval answers it from its result cache)', expr: '1 + 2', servers: ['nixeval', 'spawn', 'bare'] },
  { name: 'trivial-uncached', what: '`1 + 2` with `Cache-Control: no-cache` (evaluated each time)', expr: '1 + 2', headers: NO_CACHE, servers: ['nixeval'] },
  {
    name: 'medium',
    what: '200-attribute set built, mapped and folded, with `Cache-Control: no-cache`',
    expr: 'let xs = builtins.genList (i: { name = "k${toString i}"; value = i * i; }) 200; s = builtins.listToAttrs xs; '
      + 'in builtins.foldl\' (a: b: a + b) 0 (builtins.attrValues (builtins.mapAttrs (n: v: v + 1) s))',
    headers: NO_CACHE,
    servers: ['nixeval', 'spawn'],
  },
];

interface Options {
  duration: number;
  runs: number;
  warmup: number;
  connections: number;
  workers: number;
  write: boolean;
  /** Workloads and servers to run (all by default; a subset writes nothing). */
  only?: string[];
  servers?: ServerKind[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = { duration: 10, runs: 3, warmup: 2, connections: 32, workers: availableParallelism(), write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--duration') o.duration = Math.min(60, Math.max(1, Number(argv[++i])));
    else if (a === '--runs') o.runs = Math.min(10, Math.max(1, Number(argv[++i])));
    else if (a === '--connections') o.connections = Math.max(1, Number(argv[++i]));
    else if (a === '--workers') o.workers = Math.max(1, Number(argv[++i]));
    else if (a === '--warmup') o.warmup = Math.max(0, Number(argv[++i]));
    else if (a === '--no-write') o.write = false;
    else if (a === '--only') o.only = argv[++i].split(',');
    else if (a === '--servers') o.servers = argv[++i].split(',') as ServerKind[];
    else throw new Error(`unknown option ${a} (options: --duration S, --runs N, --connections N, --workers N, --warmup S, --no-write, --only W,..., --servers S,...)`);
  }
  if (o.only !== undefined || o.servers !== undefined) o.write = false;
  return o;
}

// ---------------------------------------------------------------------------------------
// Servers

/** This script in a process of its own as the server `mode` names (--spawn-server, --bare-server). */
async function startHelperServer(mode: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), mode, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitUntilUp(port, child);
  return { port, child };
}

/**
 * The ceiling: a bare Fastify route that parses the JSON body as nixeval's does and answers
 * the body nixeval gives for `1 + 2`, without evaluating or validating anything.
 */
async function runBareServer(port: number): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  const answer = '{"value":3,"warnings":[],"traces":[],"stats":{"durationMs":0.1,"queueMs":0,"evalMs":0,"heapGrowthMb":0,"importCacheHits":0,"importCacheMisses":0,"cached":true}}';
  app.get('/health', async () => ({ status: 'ok' }));
  app.post('/v1/eval', (_req, reply) => { reply.type('application/json; charset=utf-8').send(answer); });
  await app.listen({ port, host: HOST });
  process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
}

/** The comparison server: POST /v1/eval { expr } spawns nix-instantiate for each request. */
function runSpawnServer(port: number): void {
  const server = createHttpServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.end('{"status":"ok"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let expr: string;
      try {
        expr = JSON.parse(Buffer.concat(chunks).toString('utf8')).expr;
      } catch {
        res.statusCode = 400;
        res.end();
        return;
      }
      const p = spawn('nix-instantiate', ['--eval', '--strict', '--json', '-E', expr], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      p.stdout.on('data', (c: Buffer) => out.push(c));
      p.stderr.on('data', (c: Buffer) => err.push(c));
      p.on('close', (code) => {
        res.setHeader('content-type', 'application/json');
        if (code === 0) {
          res.end(`{"value":${Buffer.concat(out).toString('utf8').trim()}}`);
        } else {
          res.statusCode = 422;
          res.end(JSON.stringify({ error: { message: Buffer.concat(err).toString('utf8') } }));
        }
      });
    });
  });
  server.listen(port, HOST);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

// ---------------------------------------------------------------------------------------
// Load

interface Figures {
  /** CPU time the server process used per request (µs): its main thread, and all its threads. */
  cpuMainUs?: number;
  cpuAllUs?: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU time (ms) of a process's threads, from /proc: [main thread, all threads]. */
function cpuMs(pid: number | undefined): [number, number] | undefined {
  if (pid === undefined) return undefined;
  try {
    const ticks = (stat: string): number => {
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    };
    const main = ticks(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
    const all = ticks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return [(main * 1000) / CLK_TCK, (all * 1000) / CLK_TCK];
  } catch {
    return undefined;
  }
}

async function load(port: number, w: Workload, seconds: number, connections: number, pid?: number): Promise<Figures> {
  const before = cpuMs(pid);
  const r = await autocannon({
    url: `http://${HOST}:${port}/v1/eval`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...w.headers },
    body: JSON.stringify({ expr: w.expr }),
    connections,
    duration: seconds,
  });
  const after = cpuMs(pid);
  const n = Math.max(1, r.requests.total);
  return {
    cpuMainUs: before && after ? ((after[0] - before[0]) * 1000) / n : undefined,
    cpuAllUs: before && after ? ((after[1] - before[1]) * 1000) / n : undefined,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

async function check(port: number, w: Workload, expected: string): Promise<void> {
  const post = () => fetch(`http://${HOST}:${port}/v1/eval`, { method: 'POST', headers: { 'content-type': 'application/json', ...w.headers }, body: JSON.stringify({ expr: w.expr }) });
  let r = await post();
  // Just started on a busy machine, the server may shed load for a moment (event-loop lag).
  for (let i = 0; r.status === 503 && i < 50; i++) {
    await new Promise((res) => setTimeout(res, 200));
    r = await post();
  }
  const body = await r.json() as { value?: unknown };
  if (r.status !== 200 || JSON.stringify(body.value) !== JSON.stringify(JSON.parse(expected))) {
    throw new Error(`${w.name}: expected ${expected}, got ${r.status} ${JSON.stringify(body)}`);
  }
}

function cppValue(w: Workload): string {
  const r = spawnSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', w.expr], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nix-instantiate failed on ${w.name}: ${r.stderr}`);
  return r.stdout.trim();
}

// ---------------------------------------------------------------------------------------
// Report

interface Row {
  workload: Workload;
  server: ServerKind;
  f: Figures;
}

const SERVER_NAMES: Record<ServerKind, string> = {
  nixeval: 'nixeval service', spawn: 'spawn nix-instantiate per request', bare: 'bare Fastify route, a fixed answer',
};

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function report(rows: Row[], o: Options, loadStart: number[], loadEnd: number[]): string {
  const nproc = availableParallelism();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const L: string[] = [SECTION, ''];
  L.push(
    '`npm run build && npm run bench:load` starts the service as `npm start` does (embedded default: one process, a Piscina pool, '
    + `${o.workers} workers) on 127.0.0.1 and loads \`POST /v1/eval\` with autocannon (${o.connections} connections, `
    + `${o.duration} s runs after a ${o.warmup} s warm-up, the best of ${o.runs} runs kept, autocannon in the benchmark's own process on the same machine). `
    + 'Beside it, the same requests go to a small HTTP server that spawns `nix-instantiate --eval --strict --json -E EXPR` (C++ Nix 2.8) for each request, '
    + 'and the trivial one to a bare Fastify route in a process of its own that answers nixeval\'s body for it without evaluating anything: the most requests/s HTTP allows here. '
    + 'Rate limiting is off and the log level is `warn` for both runs; every response was checked to carry the value C++ Nix prints.',
    '',
    `- Machine: nproc ${nproc} (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}; `
    + `load average ${loadStart.map((x) => x.toFixed(1)).join(' / ')} before and ${loadEnd.map((x) => x.toFixed(1)).join(' / ')} after the run`
    + (loadStart[0] > nproc || loadEnd[0] > nproc ? ' (above nproc: other work shared the machine, so these figures are lower than an idle machine gives)' : ''),
    '',
    '| workload | server | requests/s | p50 latency | p99 latency | requests | errors / non-2xx |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of rows) {
    const server = SERVER_NAMES[r.server];
    L.push(`| ${r.workload.name}: ${r.workload.what} | ${server} | ${fmt(r.f.rps)} | ${r.f.p50} ms | ${r.f.p99} ms | ${fmt(r.f.requests)} | ${r.f.errors} / ${r.f.non2xx} |`);
  }
  L.push('');
  const cpuRows = rows.filter((r) => r.server === 'nixeval' && r.f.cpuAllUs !== undefined);
  if (cpuRows.length > 0) {
    L.push('CPU time the service process used per request during the same runs, all its threads (main thread, worker threads, V8\'s GC threads), from /proc. '
      + 'Contention with other work inflates it too, but less than it lowers requests/s; the last column is the upper bound that cost sets on an idle machine, '
      + 'before the load generator takes its share of the same cores:', '');
    L.push(`| workload | CPU per request, all threads | of which the main thread (HTTP, pool) | requests/s ${nproc} idle cores allow at that cost |`);
    L.push('| --- | ---: | ---: | ---: |');
    for (const r of cpuRows) {
      L.push(`| ${r.workload.name} | ${r.f.cpuAllUs!.toFixed(0)} µs | ${r.f.cpuMainUs!.toFixed(0)} µs | ${fmt((nproc * 1e6) / r.f.cpuAllUs!)} |`);
    }
    L.push('');
  }
  const bare = rows.find((r) => r.server === 'bare');
  const uncached = rows.find((r) => r.workload.name === 'trivial-uncached' && r.server === 'nixeval');
  const cached = rows.find((r) => r.workload.name === 'trivial' && r.server === 'nixeval');
  if (bare && uncached && cached) {
    const ratio = (x: Row): string => (x.f.rps / bare.f.rps).toFixed(2);
    L.push(`Against the bare route (${fmt(bare.f.rps)} requests/s): repeated requests answered from the result cache reach ${ratio(cached)} of it (aim 0.5: `
      + `${cached.f.rps / bare.f.rps >= 0.5 ? 'met' : 'not met'}), evaluated ones ${ratio(uncached)} (aim 0.3: ${uncached.f.rps / bare.f.rps >= 0.3 ? 'met' : 'not met'}), `
      + `with p99 ${cached.f.p99} and ${uncached.f.p99} ms (aim under 20 ms: ${Math.max(cached.f.p99, uncached.f.p99) < 20 ? 'met' : 'not met'}).`);
    L.push('');
  }
  const trivial = uncached;
  const trivialSpawn = rows.find((r) => r.workload.name === 'trivial' && r.server === 'spawn');
  if (trivial && trivialSpawn) {
    L.push(`The service answers a trivial expression, evaluated each time, ${(trivial.f.rps / trivialSpawn.f.rps).toFixed(0)}× as often as spawning nix-instantiate per request`
      + ` (aim: at least 3,000 requests/s; ${trivial.f.rps >= 3000 ? 'met' : 'not met'} in this run).`);
    L.push('');
  }
  return L.join('\n');
}


// ---------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--spawn-server') {
    runSpawnServer(Number(argv[1]));
    return;
  }
  if (argv[0] === '--bare-server') {
    await runBareServer(Number(argv[1]));
    return;
  }
  const o = parseOptions(argv);
  const loadStart = loadavg();
  const expected = new Map(WORKLOADS.filter((w) => o.only?.includes(w.name) ?? true).map((w) => [w.name, cppValue(w)]));
  const starters: Record<ServerKind, () => Promise<{ port: number; child: ChildProcess }>> = {
    nixeval: () => startNixeval(cli, ['--workers', String(o.workers)]),
    spawn: () => startHelperServer('--spawn-server'),
    bare: () => startHelperServer('--bare-server'),
  };
  const dir = mkdtempSync(join(tmpdir(), 'nixeval-load-'));
  const cli = snapshot(dir);
  const rows: Row[] = [];
  try {
    for (const server of (['nixeval', 'spawn', 'bare'] as const).filter((s) => o.servers?.includes(s) ?? true)) {
      const workloads = WORKLOADS.filter((x) => x.servers.includes(server) && (o.only?.includes(x.name) ?? true));
      if (workloads.length === 0) continue;
      const { port, child } = await starters[server]();
      try {
        for (const w of workloads) {
          await check(port, w, expected.get(w.name)!);
          if (o.warmup > 0) await load(port, w, o.warmup, o.connections);
          let f: Figures | undefined;
          for (let run = 0; run < o.runs; run++) {
            const g = await load(port, w, o.duration, o.connections, server === 'nixeval' ? child.pid : undefined);
            process.stderr.write(`  run ${run + 1}: ${fmt(g.rps)} req/s\n`);
            if (f === undefined || g.rps > f.rps) f = g;
          }
          f = f!;
          const cpu = f.cpuAllUs === undefined ? '' : `  CPU ${f.cpuAllUs.toFixed(0)} µs/request (main thread ${f.cpuMainUs!.toFixed(0)})`;
          process.stderr.write(`${w.name.padEnd(8)} ${server.padEnd(8)} ${fmt(f.rps).padStart(7)} req/s  p50 ${f.p50} ms  p99 ${f.p99} ms  (${f.errors} errors, ${f.non2xx} non-2xx)${cpu}\n`);
          rows.push({ workload: w, server, f: f! });
        }
      } finally {
        await stop(child);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const section = report(rows, o, loadStart, loadavg());
  process.stdout.write(section + '\n');
  if (o.write) {
    writeBenchmarkSection('## HTTP load', section);
    process.stderr.write(`wrote the ${SECTION} section of ${BENCHMARKS}\n`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`bench:load: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
