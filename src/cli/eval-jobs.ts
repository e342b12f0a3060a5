// `nixeval eval-jobs`: nix-eval-jobs' command line, for the flags that make sense without a
// store. It walks the jobset on a pool of worker threads (the service's, workers/) and prints one
// JSON line per derivation or failed attribute to stdout as it is produced (src/jobset/line.ts);
// errors are also printed, rendered, to stderr (as nix-eval-jobs does, for Hydra's log), with the
// warnings and traces of evaluation. Nothing is written to any store: derivations are computed,
// so `--gc-roots-dir` makes no roots.
//
// Exit status: 0 when the walk finished (attributes may have failed: their lines say so), 1 when
// the root itself failed or the walk stopped early, 2 for a usage error.

import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseNixPath } from '../io/io.js';
import type { JobsetSpec } from '../../workers/jobset-task.js';

export interface EvalJobsIO {
  /** A stream that reports errors (a closed pipe) stops the walk. */
  stdout: { write(chunk: string): unknown; on?(event: 'error', f: (e: Error) => void): unknown };
  stderr: { write(chunk: string): unknown };
}

const USAGE = `usage: nixeval eval-jobs [options] EXPR

Evaluates the derivations under a Nix file (or, with --expr, an expression) and prints one
JSON line per derivation, or per attribute that failed, as nix-eval-jobs does.

  --expr, -E               treat EXPR as a Nix expression, not a file
  --workers N              evaluation worker threads (default: the number of CPUs)
  --max-memory-size MB     a worker whose heap is past this after an attribute is replaced (default 4096)
  --force-recurse          walk every set, not only those with recurseForDerivations = true
  --meta                   include each derivation's meta
  --show-input-drvs        include each derivation's input derivations
  --constituents           resolve Hydra aggregate jobs' constituents
  --no-instantiate         take system from the derivation's attribute; no requiredSystemFeatures
  --select EXPR            a function of the root giving the set to walk
  --apply EXPR             a function of each derivation, whose result is printed as extraValue
  --arg NAME EXPR          an argument for the top-level function, as a Nix expression
  --argstr NAME STRING     an argument for the top-level function, as a string
  -I, --include PATH       add PATH to the search path (before NIX_PATH)
  --timeout-ms N           most time each attribute may take (default: no limit)
  --gc-roots-dir DIR       accepted; nothing is written, so no roots are made
  --show-trace, --impure   accepted (traces are always shown; the whole filesystem is readable)
`;

class UsageError extends Error {}

interface Options {
  spec: JobsetSpec;
  workers: number;
  help: boolean;
}

/** Most time of an attribute when none is given: effectively none, but a finite number. */
const NO_TIMEOUT_MS = 2 ** 31;

function parseArgs(args: string[]): Options {
  const spec: JobsetSpec = {
    allowedRoots: [], host: true, flags: {}, timeoutMs: NO_TIMEOUT_MS, maxMemoryMb: 4096, maxOutputBytes: 2 ** 30,
    maxWorkerMemoryMb: 4096, args: {}, argstrs: {}, searchPath: [],
  };
  const o: Options = { spec, workers: availableParallelism(), help: false };
  let isExpr = false;
  let release: string | undefined;
  const value = (i: number, flag: string): string => {
    if (i >= args.length) throw new UsageError(`flag '${flag}' requires an argument`);
    return args[i];
  };
  const integer = (s: string, flag: string, min: number): number => {
    if (!/^[0-9]+$/.test(s) || Number(s) < min) throw new UsageError(`flag '${flag}' requires an integer of at least ${min}, not '${s}'`);
    return Number(s);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    switch (a) {
      case '--help': o.help = true; break;
      case '-E': case '--expr': isExpr = true; break;
      case '--workers': o.workers = integer(value(++i, a), a, 1); break;
      case '--max-memory-size': spec.maxWorkerMemoryMb = spec.maxMemoryMb = integer(value(++i, a), a, 16); break;
      case '--force-recurse': spec.flags.forceRecurse = true; break;
      case '--meta': spec.flags.meta = true; break;
      case '--show-input-drvs': spec.flags.showInputDrvs = true; break;
      case '--constituents': spec.flags.constituents = true; break;
      case '--no-instantiate': spec.flags.noInstantiate = true; break;
      case '--select': spec.select = value(++i, a); break;
      case '--apply': spec.apply = value(++i, a); break;
      case '--arg': spec.args![value(i + 1, a)] = value(i + 2, a); i += 2; break;
      case '--argstr': spec.argstrs![value(i + 1, a)] = value(i + 2, a); i += 2; break;
      case '-I': case '--include': spec.searchPath!.push(value(++i, a)); break;
      case '--timeout-ms': spec.timeoutMs = integer(value(++i, a), a, 1); break;
      case '--gc-roots-dir': value(++i, a); break;
      case '--show-trace': case '--impure': break;
      case '--flake': throw new UsageError('--flake is not supported: flakes need fetching and a store; evaluate a file or an expression');
      case '--check-cache-status': throw new UsageError('--check-cache-status is not supported: there is no store to ask');
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unrecognised flag '${a}'`);
        if (release !== undefined) throw new UsageError(`unexpected argument '${a}'`);
        release = a;
    }
  }
  if (spec.flags.noInstantiate && (spec.flags.showInputDrvs || spec.flags.constituents)) {
    throw new UsageError('--no-instantiate is incompatible with --show-input-drvs and --constituents: they read the derivation');
  }
  if (o.help) return o;
  if (release === undefined) throw new UsageError('no expression specified');
  if (isExpr) spec.expr = release;
  // `<nixpkgs/…>` is looked up in the search path, as nix-eval-jobs' lookupFileArg does.
  else if (/^<.*>$/.test(release)) spec.expr = `import ${release}`;
  else spec.file = resolve(release);
  spec.searchPath!.push(...parseNixPath(process.env.NIX_PATH ?? ''));
  return o;
}

export async function evalJobs(args: string[], io: EvalJobsIO): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`error: ${e.message}\nTry 'nixeval eval-jobs --help' for more information.\n`);
    return 2;
  }
  if (opts.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  // The pool and the runner are the service's (workers/): loaded only for this command.
  const { EvalPool } = await import('../../workers/pool.js');
  const { JobsetRun, PoolExecutor } = await import('../../workers/jobset-runner.js');
  const pool = new EvalPool({
    workers: opts.workers,
    maxQueue: opts.workers,
    maxMemoryMb: opts.spec.maxMemoryMb,
    // Parsing and compiling follow the nesting of the source (the VM does not).
    stackSizeMb: 64,
    logLevel: 'silent',
  });
  let rootFailed = false;
  let closed = false;
  try {
    const run = new JobsetRun({
      executor: new PoolExecutor(pool, opts.spec, 'eval-jobs'),
      constituents: opts.spec.flags.constituents,
      onLine: (line, failed) => {
        if (closed) return;
        io.stdout.write(`${line}\n`);
        if (!failed) return;
        const { attrPath, error } = JSON.parse(line) as { attrPath: string[]; error: { rendered?: string; message: string } };
        if (attrPath.length === 0) rootFailed = true;
        io.stderr.write(error.rendered ?? `error: ${error.message}\n`);
      },
      onMessages: (_attr, messages) => {
        for (const m of messages) io.stderr.write(`${m}\n`);
      },
    });
    // Whoever reads the lines has gone (a closed pipe): nothing more is worth evaluating.
    io.stdout.on?.('error', () => {
      closed = true;
      run.cancel();
    });
    const summary = await run.done;
    if (closed) return 1;
    if (summary.error !== undefined) {
      io.stderr.write(`error: ${summary.error.message}\n`);
      return 1;
    }
    return rootFailed ? 1 : 0;
  } finally {
    await pool.close(0);
  }
}
