// One cold run of the front end, for bench/parse.ts: in this fresh process, parses and compiles
// the files named (as `Evaluation.compileFile` does, without its cache) and prints, as one line of
// JSON, the CPU time of the main thread in parsing and in compiling them and the CPU time of the
// whole process meanwhile (V8's helper threads included: TurboFan, concurrent GC).
//
//   node dist/bench/front-end-cold.js DIST FILE...
//
// DIST is the dist/ directory of the build to measure (another build's, for a before/after
// pair); the V8 flags are the command line's (src/cli/load-entry.cts).

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setCommandLineV8Flags } from '../src/cli/load-entry.cjs';

/** What one run measured, in milliseconds. */
export interface ColdFrontEnd {
  parse: number;
  compile: number;
  /** CPU of the whole process from the first parse to the end of the last compile. */
  process: number;
  /** Whether `parse` and `compile` are the main thread's (Linux) or the process's time. */
  perThread: boolean;
}

const SCHEDSTAT = '/proc/thread-self/schedstat';

/** CPU time of this thread in ms (Linux: schedstat's nanoseconds on CPU), else the process's. */
function threadCpu(): number {
  try {
    return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

function processCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const [dist, ...files] = process.argv.slice(2);
  if (dist === undefined || files.length === 0) throw new Error('usage: front-end-cold.js DIST FILE...');
  setCommandLineV8Flags();
  const { Evaluation } = await import(resolve(dist, 'src', 'eval.js')) as typeof import('../src/eval.js');
  const { Source } = await import(resolve(dist, 'src', 'syntax', 'source.js')) as typeof import('../src/syntax/source.js');
  const evaluation = new Evaluation({ baseDir: '/' });
  const texts = files.map((f) => readFileSync(f, 'latin1'));
  let parse = 0;
  let compile = 0;
  let perThread = true;
  try {
    readFileSync(SCHEDSTAT);
  } catch {
    perThread = false;
  }
  const process0 = processCpu();
  files.forEach((file, i) => {
    const t0 = threadCpu();
    const source = new Source(file, texts[i], dirname(file));
    const names: string[] = [];
    const ast = evaluation.parseSource(source, names);
    const t1 = threadCpu();
    evaluation.vm.symbols.internAll(names);
    evaluation.compileAst(ast, source);
    const t2 = threadCpu();
    parse += t1 - t0;
    compile += t2 - t1;
  });
  const result: ColdFrontEnd = { parse, compile, process: processCpu() - process0, perThread };
  console.log(JSON.stringify(result));
}

await main();
