// How much JS stack one activation of compiled code takes, at most: the figure behind the
// compiled tier's depth budget (src/codegen/crossing.ts, BYTES_PER_UNIT).
//
//   npm run build && node [--no-opt] dist/bench/stack-depth.js [--stack-mb N]
//
// (With --no-opt every function stays in V8's interpreter, whose frames are the largest: the
// worst case, which the budget must allow for, since code runs interpreted before V8
// optimises it.)
//
// In a worker with a known stack size, with the budget lifted (so compiled code recurses until
// V8 runs out of stack), each kind of recursion below is run at increasing depths until it
// fails with a stack overflow; the deepest activation count reached (stack.depth at the
// overflow) gives the bytes per activation for that kind. Every kind of Nix recursion goes
// through callLambda or forceThunk, which count activations, but the JS frames between two
// counted activations differ: a plain call has few, a call made by a builtin's generator or
// a coercion through `__toString` has many. The largest figure is what the budget must use.

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

interface Kind {
  name: string;
  /** A program recursing `n` levels deep. */
  program: (n: number) => string;
}

const KINDS: Kind[] = [
  { name: 'non-tail call', program: (n) => `let f = x: if x == 0 then 0 else 1 + f (x - 1); in f ${n}` },
  { name: 'thunk chain through elemAt', program: (n) => `let xs = builtins.genList (i: if i == 0 then 0 else builtins.elemAt xs (i - 1) + 1) ${n}; in builtins.elemAt xs ${n - 1}` },
  { name: "call made by foldl'", program: (n) => `let f = x: if x == 0 then 0 else builtins.foldl' (a: b: a + b) 1 [ (f (x - 1)) ]; in f ${n}` },
  { name: 'map and head', program: (n) => `let f = x: if x == 0 then 0 else builtins.head (builtins.map (y: y + 1) [ (f (x - 1)) ]); in f ${n}` },
  { name: 'attribute selection', program: (n) => `let s = x: if x == 0 then { v = 0; } else { v = (s (x - 1)).v + 1; }; in (s ${n}).v` },
  { name: 'with', program: (n) => `let f = x: with { y = x; }; if y == 0 then 0 else 1 + f (y - 1); in f ${n}` },
  { name: 'interpolation', program: (n) => `let f = x: if x == 0 then "" else "a\${f (x - 1)}"; in builtins.stringLength (f ${n})` },
  { name: '__toString coercion', program: (n) => `let mk = x: if x == 0 then "x" else { __toString = self: "\${mk (x - 1)}"; }; in builtins.stringLength (toString (mk ${n}))` },
  { name: 'sort comparator', program: (n) => `let f = x: if x == 0 then 0 else builtins.head (builtins.sort (a: b: a < b) [ (f (x - 1)) 0 ]); in f ${n}` },
  { name: 'tryEval', program: (n) => `let f = x: if x == 0 then 0 else (builtins.tryEval (f (x - 1))).value + 1; in f ${n}` },
  { name: 'a function with 300 locals', program: (n) => `let f = x: if x == 0 then 0 else builtins.head [ (f (x - 1)) ${Array.from({ length: 300 }, (_, i) => i).join(' ')} ]; in f ${n}` },
  { name: 'functor', program: (n) => `let f = { __functor = self: x: if x == 0 then 0 else 1 + self (x - 1); }; in f ${n}` },
];

interface Result {
  name: string;
  /** Deepest activation count reached before V8's stack ran out. */
  units: number;
  bytesPerUnit: number;
}

async function measure(stackMb: number): Promise<Result[]> {
  const { evaluate } = await import('../src/eval.js');
  const { stack } = await import('../src/codegen/crossing.js');
  const { setHotRuns } = await import('../src/codegen/runtime.js');
  setHotRuns(0);
  stack.budget = Number.MAX_SAFE_INTEGER;
  // The deepest count reached: every activation goes through stack.depth.
  let depth = 0;
  let peak = 0;
  Object.defineProperty(stack, 'depth', {
    get: () => depth,
    set: (v: number) => { depth = v; if (v > peak) peak = v; },
  });
  const results: Result[] = [];
  for (const kind of KINDS) {
    peak = 0;
    for (let n = 1000; n < 10_000_000; n *= 2) {
      const r = evaluate({ expr: kind.program(n), tier: 'compiled' });
      if (!r.ok) break;
    }
    results.push({ name: kind.name, units: peak, bytesPerUnit: Math.round((stackMb * 1024 * 1024) / Math.max(1, peak)) });
  }
  return results;
}

async function main(): Promise<void> {
  if (isMainThread) {
    const i = process.argv.indexOf('--stack-mb');
    const stackMb = i >= 0 ? Number(process.argv[i + 1]) : 4;
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { stackMb }, resourceLimits: { stackSizeMb: stackMb } });
    worker.on('message', (results: Result[]) => {
      console.log(`JS stack ${stackMb} MiB; activations of compiled code reached before it ran out, by kind of recursion:\n`);
      console.log('| recursion | activations | bytes per activation |');
      console.log('| --- | ---: | ---: |');
      for (const r of results) console.log(`| ${r.name} | ${r.units} | ${r.bytesPerUnit} |`);
      const worst = Math.max(...results.map((r) => r.bytesPerUnit));
      console.log(`\nLargest: ${worst} bytes per activation.`);
    });
    worker.on('error', (e) => { console.error(e); process.exitCode = 1; });
    return;
  }
  const { stackMb } = workerData as { stackMb: number };
  parentPort!.postMessage(await measure(stackMb));
}

void main();
