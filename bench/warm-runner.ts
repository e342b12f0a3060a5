// Warm runs, as the service runs them: one workload evaluated again and again by one worker of
// the service's own pool (workers/pool.ts: the same Piscina worker file, resourceLimits and task
// entry as `nixeval serve`), in a process of its own started by bench/eval.ts. The process sets
// the V8 flags every `nixeval` command sets (src/cli/load-entry.cts) before the pool starts.
//
//   node dist/bench/warm-runner.js DIST RUNS TIMEOUT_S FILE ROOT...
//
// DIST is the dist/ directory to measure (bench/eval.ts's snapshot); FILE is evaluated RUNS
// times with the service's defaults (strict, the whole memory budget), ROOT... are the allowed
// roots. Prints one JSON line: each run's process CPU (process.cpuUsage, all threads: the
// worker's, V8's background compiler and collector threads, and this idle main thread), wall
// time, and the answer's JSON or error.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type { EvalPool } from '../workers/pool.js';

export interface WarmRun {
  cpuMs: number;
  wallMs: number;
  ok: boolean;
  /** The answer's JSON when ok, else the error's kind and message. */
  out: string;
}

async function main(argv: string[]): Promise<void> {
  const [dist, runsArg, timeoutArg, file, ...roots] = argv;
  const require = createRequire(import.meta.url);
  // As `nixeval serve` does first: worker threads share the process's V8 flags.
  (require(join(dist, 'src', 'cli', 'load-entry.cjs')) as { setCommandLineV8Flags(longRunning: boolean): void }).setCommandLineV8Flags(true);
  const { EvalPool: Pool } = (await import(pathToFileURL(join(dist, 'workers', 'pool.js')).href)) as { EvalPool: typeof EvalPool };
  // As routes/server.ts makes it, with one worker, so every run lands in the same one.
  const pool = new Pool({ workers: 1, logLevel: 'silent' });
  const runs: WarmRun[] = [];
  try {
    for (let i = 0; i < Number(runsArg); i++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await pool.run(
        { file, strict: true, allowedRoots: roots, timeoutMs: Number(timeoutArg) * 1000, maxMemoryMb: 512, maxOutputBytes: 16 * 1024 * 1024 },
        { reqId: `warm-${i}` },
      );
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      runs.push({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs, ok: r.ok, out: r.ok ? r.json : `${r.error.kind}: ${r.error.message}` });
      if (!r.ok) break;
    }
  } finally {
    await pool.close();
  }
  process.stdout.write(JSON.stringify(runs) + '\n');
}

await main(process.argv.slice(2));
