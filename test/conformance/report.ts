// `npm run conformance [--write-passing] [TEST|KIND ...]`: runs the corpus and reports.
//
// Prints the count of passing tests per kind and every failing test with its reason. With
// test or kind names, runs only those. With --write-passing, rewrites passing.txt from the
// results (a listed test that now fails is dropped, after being reported as a regression);
// after a partial run only the entries of the tests that ran change, so checking one test
// never drops the others from the list.
//
// Exit status: 1 if a test listed in passing.txt failed (a regression), 2 on a usage error or
// a missing corpus, 0 otherwise. Failures of tests not yet on the list are expected while the
// evaluator grows, so they alone do not fail the command.

import {
  KINDS, defaultCorpusDir, findCorpus, isKind, listTests, passingListPath, readPassingList, runTests, writePassingList,
  type TestCase, type TestResult,
} from './corpus.js';

const USAGE = 'usage: node dist/test/conformance/report.js [--write-passing] [TEST-NAME | KIND ...]\n'
  + `  KIND is one of: ${KINDS.join(', ')}\n`;

async function main(argv: string[]): Promise<number> {
  let writePassing = false;
  const selectors: string[] = [];
  for (const a of argv) {
    if (a === '--write-passing') writePassing = true;
    else if (a === '--help' || a === '-h') { process.stdout.write(USAGE); return 0; }
    else if (a.startsWith('-')) { process.stderr.write(`unknown option '${a}'\n${USAGE}`); return 2; }
    else selectors.push(a);
  }

  const corpus = findCorpus();
  if (corpus === undefined) {
    process.stderr.write(`conformance: corpus not found at ${defaultCorpusDir} (set NIXEVAL_CORPUS to its folder)\n`);
    return 2;
  }
  const all = listTests(corpus);
  const known = new Set(all.map((t) => t.name));
  const unknown = selectors.filter((s) => !isKind(s) && !known.has(s));
  if (unknown.length > 0) {
    process.stderr.write(`not a test or kind in MANIFEST.tsv: ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const selected = selectors.length === 0
    ? all
    : all.filter((t) => selectors.includes(t.name) || selectors.includes(t.kind));
  const toRun = selected.filter((t) => !t.disabled);

  const started = Date.now();
  let done = 0;
  const progress = process.stderr.isTTY
    ? (): void => { process.stderr.write(`\r${++done}/${toRun.length}`); }
    : undefined;
  const results = await runTests(corpus, toRun, {
    onResult: progress,
    onNote: (note) => process.stderr.write(`note: ${note}\n`),
  });
  if (progress) process.stderr.write('\r\x1b[K');

  printReport(selected, results, (Date.now() - started) / 1000);

  const listed = new Set(readPassingList());
  const regressions = results.filter((r) => !r.pass && listed.has(r.name));
  const newlyPassing = results.filter((r) => r.pass && !listed.has(r.name));
  if (regressions.length > 0) {
    process.stdout.write(`\nregressions (in passing.txt, now failing): ${regressions.length}\n`);
    for (const r of regressions) process.stdout.write(`  ${r.name}: ${r.reason}\n`);
  }

  if (writePassing) {
    const ran = new Set(results.map((r) => r.name));
    const keep = [...listed].filter((n) => !ran.has(n) && known.has(n));
    writePassingList([...keep, ...results.filter((r) => r.pass).map((r) => r.name)]);
    process.stdout.write(`\nwrote ${passingListPath}\n`);
  } else if (newlyPassing.length > 0) {
    process.stdout.write(`\nnewly passing, not yet in passing.txt: ${newlyPassing.map((r) => r.name).join(' ')}\n`
      + '(run with --write-passing to add them)\n');
  }
  return regressions.length > 0 ? 1 : 0;
}

function printReport(selected: TestCase[], results: TestResult[], seconds: number): void {
  const out: string[] = [];
  let passed = 0;
  for (const kind of KINDS) {
    const ofKind = results.filter((r) => r.kind === kind);
    const disabled = selected.filter((t) => t.kind === kind && t.disabled).length;
    if (ofKind.length === 0 && disabled === 0) continue;
    const n = ofKind.filter((r) => r.pass).length;
    passed += n;
    out.push(`${kind}: ${n}/${ofKind.length}${disabled > 0 ? ` (${disabled} disabled, not run)` : ''}`);
  }
  out.push(`total: ${passed}/${results.length} (${seconds.toFixed(1)} s)`);

  const failing = results.filter((r) => !r.pass);
  if (failing.length > 0) {
    out.push('', `failing: ${failing.length}`);
    for (const r of failing) out.push(`  ${r.name}: ${r.reason}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`conformance: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 2;
  },
);
