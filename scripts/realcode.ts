// Real projects' pure parts, evaluated by nixeval and by C++ `nix-instantiate`, compared, and timed.
//
// Usage: node dist/scripts/realcode.js [--src DIR] [--modes json,plain,xml,lazy] [--cpu N] [--timeout S] [--service] [DRIVER...]
//
// The drivers are the Nix files under bench/realcode/ (or under the paths named; errors/ holds
// those that stop at an error); each reads its project as
// <realcode/NAME> and nixpkgs lib as <nixpkgs/lib>. The projects are unpacked under --src
// (default /tmp/realcode-src) from the snapshots the `fetch` tool leaves in /work/.mirror
// (PROJECTS below names each one's repository); a project missing there is unpacked from its
// mirror when the mirror is present. For each driver and mode (json: `--strict --json`, plain:
// `--strict`, xml: `--xml --strict`, lazy: `--eval` alone, lazyjson: `--eval --json`) the exit codes, stdout (a missing final newline of 2.8's
// --json ignored), what a successful run traced or warned (in one layout: warningsOf), the
// error's own message (scripts/error-core.ts) and position are compared; a difference
// prints both sides. With --cpu N, each side is timed N times interleaved (GNU time's user +
// system, `NIXEVAL_CACHE=0`, NODE_EXTRA_CA_CERTS unset) and the medians printed.
// A driver whose text says `nix-instantiate needs --read-write-mode` gets that flag (2.8 reads a
// store path only after writing it). Where 2.8 and current Nix differ, current Nix is right: read each difference against its source.
// With --service, each driver is also posted to the HTTP service (`serve`, started here on a
// free port with the projects, the drivers and nixpkgs lib as allowed roots, stopped at the
// end): its answer's value, warnings and traces against the CLI's `--strict --json` (parsed),
// and an error's message (its first line, without the trailing blanks the CLI's rendering drops)
// against the CLI's. The service evaluates in restricted mode: a driver reading outside the
// allowed roots fails there as `--option restrict-eval true` fails on the command line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { collectNixFiles } from './nix-files.js';
import { freePort, HOST, stop, waitUntilUp } from './local-server.js';
import { resolve, dirname, basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorCore } from './error-core.js';
import { runTimed as run } from './timed-run.js';

/** Driver-visible name -> GitHub repository (owner/name) of the snapshot it was written against. */
export const PROJECTS: Record<string, string> = {
  'rust-overlay': 'oxalica/rust-overlay',
  'home-manager': 'nix-community/home-manager',
  'flake-utils': 'numtide/flake-utils',
  'nix-unit': 'nix-community/nix-unit',
  'nixvim': 'nix-community/nixvim',
  'treefmt-nix': 'numtide/treefmt-nix',
  'disko': 'nix-community/disko',
  'nix-darwin': 'LnL7/nix-darwin',
  'git-hooks.nix': 'cachix/git-hooks.nix',
  'niv': 'nmattia/niv',
  'haskell.nix': 'input-output-hk/haskell.nix',
  'std': 'divnix/std',
  'crane': 'ipetkov/crane',
  'yants': 'divnix/yants',
  'dmerge': 'divnix/dmerge',
  'haumea': 'nix-community/haumea',
  'gomod2nix': 'nix-community/gomod2nix',
  'naersk': 'nix-community/naersk',
  'devshell': 'numtide/devshell',
  'sops-nix': 'Mic92/sops-nix',
  'colmena': 'zhaofengli/colmena',
  'deploy-rs': 'serokell/deploy-rs',
  'devenv': 'cachix/devenv',
  'fenix': 'nix-community/fenix',
  'nix2container': 'nlewo/nix2container',
  'nixago': 'nix-community/nixago',
  'snowfall-lib': 'snowfallorg/lib',
  'hercules-ci-effects': 'hercules-ci/hercules-ci-effects',
  'blueprint': 'numtide/blueprint',
};

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../src/cli.cjs');
const driversDir = resolve(here, '../../bench/realcode');


function unpack(src: string): void {
  mkdirSync(src, { recursive: true });
  for (const [name, repo] of Object.entries(PROJECTS)) {
    const dest = join(src, name);
    const mirror = `/work/.mirror/${repo.replace('/', '+')}/repo`;
    if (existsSync(dest) || !existsSync(mirror)) continue;
    mkdirSync(dest);
    const r = spawnSync('sh', ['-c', `git -C '${mirror}' archive HEAD | tar -x -C '${dest}'`], { stdio: 'inherit' });
    if (r.status !== 0) console.error(`unpacking ${repo} failed`);
  }
}

/**
 * The local inputs of the drivers: home-manager-options.nix's nixpkgs tree; niv-sources.nix's
 * file, tarball and Git repository whose hashes and revision the driver names (tar, gzip and
 * git run with fixed times, names and modes).
 */
function fixtures(src: string): void {
  // home-manager-options.nix's pkgs.path: nixpkgs lib, and the stand-ins of the NixOS modules
  // Home Manager imports (bench/realcode/stub-nixpkgs).
  // The links name this checkout's drivers: made again when they name another (an earlier
  // worktree's, perhaps gone).
  const stub = join(src, 'stub-nixpkgs');
  mkdirSync(stub, { recursive: true });
  const links: [string, string][] = [
    ['/work/shared/nixpkgs-lib/lib', 'lib'],
    [join(driversDir, 'stub-nixpkgs', 'nixos'), 'nixos'],
    [join(driversDir, 'stub-nixpkgs', 'modules'), 'modules'],
  ];
  for (const [target, name] of links) {
    const link = join(stub, name);
    let current: string | undefined;
    try { current = readlinkSync(link); } catch { /* absent */ }
    if (current === target) continue;
    if (current !== undefined) rmSync(link);
    symlinkSync(target, link);
  }
  const dir = join(src, 'niv-fixture');
  if (existsSync(dir)) return;
  const script = [
    `mkdir -p '${dir}/tree/sub' && cd '${dir}'`,
    "printf 'hello niv\\n' > file.txt && printf 'a\\n' > tree/a.txt && printf 'b\\n' > tree/sub/b.txt && chmod 644 tree/a.txt && chmod 755 tree/sub/b.txt",
    'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - tree | gzip -n > tree.tar.gz',
    'mkdir repo && cd repo && git init -q -b main && cp -r ../tree/* . && git add . && ' +
      "GIT_AUTHOR_DATE='1970-01-02T00:00:00Z' GIT_COMMITTER_DATE='1970-01-02T00:00:00Z' git -c user.name=t -c user.email=t@t commit -qm init && git tag v1",
  ].join(' && ');
  const r = spawnSync('sh', ['-c', script], { stdio: 'inherit' });
  if (r.status !== 0) console.error('making niv-fixture failed');
}

const MODES: Record<string, string[]> = {
  json: ['--eval', '--strict', '--json'],
  plain: ['--eval', '--strict'],
  xml: ['--eval', '--strict', '--xml'],
  lazy: ['--eval'],
  lazyjson: ['--eval', '--json'],
};

/**
 * What a successful run printed on stderr (builtins.trace, lib.warn / builtins.warn), in one
 * layout: 2.8's lib.warn falls back to `trace: evaluation warning: ` where current Nix's
 * builtins.warn prints `evaluation warning: ` and indents the message's further lines by 20
 * spaces (and the line after a final newline); blank lines are dropped.
 */
function warningsOf(stderr: string, isNix28: boolean): string {
  const lines = (isNix28 ? stderr.replaceAll('trace: evaluation warning: ', 'evaluation warning: ') : stderr).split('\n');
  return lines.map((l) => (!isNix28 && l.startsWith(' '.repeat(20)) ? l.slice(20) : l)).filter((l) => l.trim() !== '').join('\n');
}

/** The error's own position: the first `at FILE:LINE:COL:` after the last `error:` line. */
function errorPos(stderr: string): string {
  const lines = stderr.split('\n');
  let start = -1;
  for (let i = 0; i < lines.length; i++) if (/^\s*error:/.test(lines[i]!)) start = i;
  for (let i = Math.max(start, 0); i < lines.length; i++) {
    const m = /^\s*at (.*:\d+:\d+):$/.exec(lines[i]!);
    if (m) return m[1]!;
  }
  return 'none';
}

/** The lines that differ (by line number, the outputs compared line by line), the first 12 shown. */
function lineDiff(a: string, b: string): string {
  const la = a.split('\n'), lb = b.split('\n');
  const out: string[] = [];
  let n = 0;
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] === lb[i]) continue;
    if (++n <= 12) out.push(`  line ${i + 1}\n  nix:     ${(la[i] ?? '<none>').slice(0, 400)}\n  nixeval: ${(lb[i] ?? '<none>').slice(0, 400)}`);
  }
  return `${out.join('\n')}\n  ${n} of ${la.length} / ${lb.length} lines differ`;
}

function rel(file: string): string {
  return file.startsWith(driversDir + '/') ? file.slice(driversDir.length + 1) : file;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The CLI's `--strict --json` and the service's answer for each driver, compared. */
async function compareService(drivers: string[], search: string[], src: string, timeout: number): Promise<void> {
  const port = await freePort();
  const server = spawn(process.execPath, [cli, 'serve', '--host', HOST, '--port', String(port), '--workers', '1', '--log-level', 'silent',
    '--allowed-root', src, '--allowed-root', driversDir, '--allowed-root', '/work/shared/nixpkgs-lib',
    '--timeout-ms', String(timeout * 1000), '--max-memory-mb', '4096', '--max-output-bytes', String(1 << 28),
    '--result-cache-bytes', '0'], { stdio: 'inherit', env: { ...process.env, NIXEVAL_CACHE: '0' } });
  const base = `http://${HOST}:${port}`;
  try {
    await waitUntilUp(port, server, 30_000);
    const searchPath = search.filter((_, i) => i % 2 === 1);
    let same = 0;
    for (const file of drivers) {
      const cliRun = run([process.execPath, cli, 'instantiate', ...MODES.json!, ...search, file], timeout, { NIXEVAL_CACHE: '0' });
      const res = await fetch(`${base}/v1/eval`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ file, searchPath, strict: true, limits: { timeoutMs: timeout * 1000, maxMemoryMb: 4096 } }),
      });
      const body = await res.json() as { value?: unknown; warnings?: string[]; traces?: string[]; error?: { message?: string } };
      const kinds: string[] = [];
      if ((cliRun.code === 0) !== (res.status === 200)) kinds.push(`exit ${cliRun.code} vs HTTP ${res.status}`);
      else if (cliRun.code === 0) {
        if (JSON.stringify(JSON.parse(cliRun.stdout)) !== JSON.stringify(body.value)) kinds.push('value');
        const cliWarn = warningsOf(cliRun.stderr, false);
        const svcWarn = [...(body.traces ?? []).map((t) => `trace: ${t}`), ...(body.warnings ?? []).map((w) => `evaluation warning: ${w}`)];
        if (cliWarn.split('\n').filter((l) => l !== '').length !== svcWarn.join('\n').split('\n').filter((l) => l.trim() !== '').length) kinds.push('warnings/traces');
      } else if (!cliRun.stderr.includes((body.error?.message ?? '').split('\n')[0]!.trimEnd())) kinds.push('message');
      if (kinds.length === 0) { same++; console.log(`same  svc   ${rel(file)}`); continue; }
      console.log(`=== svc ${rel(file)}: ${kinds.join(', ')}`);
      console.log(`--- cli (${cliRun.code})\n${cliRun.stdout.slice(0, 1000)}${cliRun.stderr.slice(0, 2000)}`);
      console.log(`--- service (${res.status})\n${JSON.stringify(body).slice(0, 3000)}`);
    }
    console.log(`\n${same}/${drivers.length} the same through the service`);
  } finally {
    await stop(server);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let src = '/tmp/realcode-src', modes = ['json'], cpuRuns = 0, timeout = 300, service = false;
  const drivers: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--src') src = argv[++i]!;
    else if (a === '--modes') modes = argv[++i]!.split(',');
    else if (a === '--cpu') cpuRuns = Number(argv[++i]);
    else if (a === '--timeout') timeout = Number(argv[++i]);
    else if (a === '--service') service = true;
    else collectNixFiles(a, drivers);
  }
  unpack(src);
  fixtures(src);
  if (drivers.length === 0) {
    collectNixFiles(driversDir, drivers);
    // stub-nixpkgs/ holds modules the drivers import and fixtures/ the trees they read, not drivers.
    drivers.splice(0, drivers.length, ...drivers.filter((f) => !f.includes('/stub-nixpkgs/') && !f.includes('/fixtures/')));
  }
  const search = ['-I', `realcode=${src}`, '-I', 'nixpkgs=/work/shared/nixpkgs-lib'];
  if (service) return compareService(drivers, search, src, timeout);
  let same = 0, total = 0;
  for (const file of drivers) {
    // A driver that reads a store path it copied says so: 2.8 reads the store only when it writes it.
    const nixOnly = readFileSync(file, 'utf8').includes('nix-instantiate needs --read-write-mode') ? ['--read-write-mode'] : [];
    for (const mode of modes) {
      total++;
      const flags = [...MODES[mode]!, ...search, file];
      const nix = run(['nix-instantiate', ...nixOnly, ...flags], timeout);
      const ours = run([process.execPath, cli, 'instantiate', ...flags], timeout, { NIXEVAL_CACHE: '0' });
      const kinds: string[] = [];
      if (nix.code !== ours.code) kinds.push(`exit ${nix.code} vs ${ours.code}`);
      const nixOut = mode === 'json' && nix.code === 0 && !nix.stdout.endsWith('\n') ? `${nix.stdout}\n` : nix.stdout;
      if (nixOut !== ours.stdout) kinds.push('stdout');
      if (nix.code !== 0 && ours.code !== 0 && errorCore(nix.stderr) !== errorCore(ours.stderr)) kinds.push('message');
      if (nix.code === 0 && ours.code === 0 && warningsOf(nix.stderr, true) !== warningsOf(ours.stderr, false)) kinds.push('traces/warnings');
      if (nix.code !== 0 && ours.code !== 0 && errorPos(nix.stderr) !== errorPos(ours.stderr)) kinds.push(`position ${errorPos(nix.stderr)} vs ${errorPos(ours.stderr)}`);
      if (kinds.length === 0) { same++; console.log(`same  ${mode.padEnd(5)} ${rel(file)} (${ours.stdout.length} bytes)`); continue; }
      console.log(`=== ${mode} ${rel(file)}: ${kinds.join(', ')}`);
      if (kinds.includes('stdout') && nix.code === 0 && ours.code === 0) {
        console.log(lineDiff(nixOut, ours.stdout));
        continue;
      }
      console.log(`--- nix (${nix.code})\n${nix.stdout.slice(0, 2000)}${nix.stderr.slice(0, 3000)}`);
      console.log(`--- nixeval (${ours.code})\n${ours.stdout.slice(0, 2000)}${ours.stderr.slice(0, 3000)}`);
    }
    if (cpuRuns > 0) {
      const flags = [...MODES.json!, ...search, file];
      const a: number[] = [], b: number[] = [];
      for (let i = 0; i < cpuRuns; i++) {
        b.push(run([process.execPath, cli, 'instantiate', ...flags], timeout, { NIXEVAL_CACHE: '0' }).cpu);
        a.push(run(['nix-instantiate', ...nixOnly, ...flags], timeout).cpu);
      }
      const mb = median(b), ma = median(a);
      console.log(`cpu   ${rel(file)}: nixeval ${mb.toFixed(2)} s [${b.map((x) => x.toFixed(2)).join(' ')}], nix ${ma.toFixed(2)} s [${a.map((x) => x.toFixed(2)).join(' ')}], ratio ${(mb / Math.max(ma, 0.005)).toFixed(1)}`);
    }
  }
  console.log(`\n${same}/${total} the same`);
}

await main();
