// Shared by the benchmarks that run evaluators as processes: each command runs under GNU time
// (`/usr/bin/time -f '%U %S %M %e'`), so nixeval and C++ Nix are measured the same way: CPU time
// is user + system of the whole process (start-up and every thread included), memory its peak
// RSS. Also: what the machine was, and a copy of the build to measure.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './report.js';
import { bundleFiles, type BundleInputs, inputStamp, inputsUnchanged } from '../src/cli/load-entry.cjs';

export const TIME = '/usr/bin/time';

export interface Sample {
  ok: boolean;
  /** stdout, trimmed (the printed value) */
  out: string;
  /** the first line of stderr that says what went wrong, when !ok */
  error: string;
  cpu: number; // seconds, user + sys
  rssKiB: number;
  wall: number; // seconds
}

export interface RunOptions {
  timeoutSeconds: number;
  /** Where GNU time writes its figures. */
  dir: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function runOnce(argv: string[], o: RunOptions): Sample {
  const timeFile = join(o.dir, 'time.out');
  rmSync(timeFile, { force: true });
  const r = spawnSync(TIME, ['-f', '%U %S %M %e', '-o', timeFile, ...argv], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: o.timeoutSeconds * 1000,
    killSignal: 'SIGKILL',
    cwd: o.cwd,
    env: o.env,
  });
  const stdout = (r.stdout ?? '').trim();
  const stderr = r.stderr ?? '';
  // GNU time writes "Command exited with non-zero status N" / "Command terminated by
  // signal N" before the figures; the figures are the last line.
  const timeLines = existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim().split('\n') : [];
  const figures = (timeLines[timeLines.length - 1] ?? '').split(' ').map(Number);
  const [user, sys, rssKiB, wall] = figures.length === 4 && figures.every(Number.isFinite) ? figures : [NaN, NaN, NaN, NaN];
  let error = '';
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') error = `timed out after ${o.timeoutSeconds} s`;
  else if (r.error) error = String(r.error.message);
  else if (r.status !== 0) {
    const signalLine = timeLines.find((l) => l.startsWith('Command terminated by signal'));
    const errLine = stderr.split('\n').find((l) => l.startsWith('error:')) ?? stderr.split('\n').find((l) => l.trim() !== '');
    error = (errLine ?? '').trim() || signalLine || `exit status ${r.status}`;
    if (signalLine && !errLine) error = signalLine.replace('Command terminated by', 'killed by');
  }
  return { ok: error === '', out: stdout, error, cpu: user + sys, rssKiB, wall };
}

/**
 * One measured run of `argv`. GNU time now and then reports a CPU time the process cannot have
 * used (seen here: 10 s of user time in 0.02 s of wall time); such a sample is taken again.
 */
export function measure(argv: string[], o: RunOptions): Sample {
  const cores = availableParallelism();
  let s = runOnce(argv, o);
  for (let retry = 0; retry < 3 && Number.isFinite(s.cpu) && s.cpu > s.wall * cores + 0.05; retry++) {
    process.stderr.write(`  (implausible sample from time: cpu ${s.cpu} s in ${s.wall} s wall; running again)\n`);
    s = runOnce(argv, o);
  }
  return s;
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/** The lines of a section that say when, where and with what the figures were made. */
export function machine(): string[] {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const nproc = sh('nproc', []) || String(availableParallelism());
  const nix = sh('nix-instantiate', ['--version']) || 'nix-instantiate (version unknown)';
  const commit = sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const busy = loadavg()[1] > Number(nproc) ? ' (above nproc: other work shared the machine, so CPU times carry some contention; the ratios are the figures to compare)' : '';
  const dirty = sh('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no']) !== '';
  return [
    `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `- Machine: nproc ${nproc} (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}; load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} at the end of the run${busy}`,
    `- Node ${process.version}; ${nix}; measured with GNU time (\`${TIME} -f '%U %S %M %e'\`)`,
    `- nixeval at ${commit || 'an unknown commit'}${dirty ? ' with uncommitted changes' : ''}`,
  ];
}

/** Why the benchmark cannot run here (no build, no GNU time, no C++ Nix), or undefined. */
export function missingTool(): string | undefined {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli.cjs'))) return 'dist/src/cli.cjs is missing: build first (npm run build)';
  if (!existsSync(TIME)) return `${TIME} is missing: install GNU time (apt-get install -y time)`;
  if (spawnSync('nix-instantiate', ['--version']).status !== 0) return 'nix-instantiate is not on PATH (apt-get install nix-bin)';
  return undefined;
}

/**
 * Copies the compiled program (dist/src, dist/workers, dist/routes and the bundle in dist/bundle, with
 * package.json and a link to node_modules) into `dir` and returns its cli.cjs, so that a rebuild
 * of dist/ while the benchmark runs (others work in the same tree) cannot mix two builds into
 * one table. Times are kept, so the bundle still matches its inputs in the copy.
 */
export function snapshot(dir: string): string {
  const snap = join(dir, 'nixeval');
  for (const part of ['src', 'workers', 'routes', 'bundle']) {
    if (existsSync(join(ROOT, 'dist', part))) {
      cpSync(join(ROOT, 'dist', part), join(snap, 'dist', part), { recursive: true, preserveTimestamps: true });
    }
  }
  cpSync(join(ROOT, 'package.json'), join(snap, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(snap, 'node_modules'), 'dir');
  recordCopiedInputs(join(snap, 'dist'));
  return join(snap, 'dist', 'src', 'cli.cjs');
}

/**
 * The bundle is used only while its inputs are as the build recorded them (size and
 * modification time, src/cli/load-entry.cts): a bundle that matched the tree copied still
 * matches the copy, whose files have new times, so its record is made again from the copy.
 */
function recordCopiedInputs(dist: string): void {
  const file = bundleFiles(dist).inputs;
  if (!existsSync(file)) return;
  const inputs = JSON.parse(readFileSync(file, 'utf8')) as BundleInputs;
  // A bundle already out of date in the tree stays out of date in the copy.
  if (!inputsUnchanged(join(ROOT, 'dist'), inputs)) return;
  for (const name of Object.keys(inputs)) inputs[name] = inputStamp(join(dist, name));
  writeFileSync(file, JSON.stringify(inputs));
}
