// Shared by the builtin tests: evaluate an expression and look at its value or its error.

import { evaluate } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';

/** The printed value (as `nix-instantiate --eval --strict`), or `error: MESSAGE`. */
export function run(expr: string): string {
  const r = evaluate({ expr, strict: true });
  // Output is a byte string: decode its UTF-8 («repeated»).
  if (r.ok) return Buffer.from(printValue(r.value, { trackRepeated: true }), 'latin1').toString('utf8');
  return `error: ${Buffer.from(r.error.message, 'latin1').toString('utf8')}`;
}

/**
 * As run, the expression read as the file /test.nix: positions as values (`__curPos`,
 * `unsafeGetAttrPos`) exist only in files, as C++ Nix's mkPos gives null for -E and stdin.
 */
export function runInFile(expr: string): string {
  const r = evaluate({ source: { origin: '/test.nix', text: Buffer.from(expr, 'utf8').toString('latin1'), baseDir: '/' }, strict: true });
  if (r.ok) return Buffer.from(printValue(r.value, { trackRepeated: true }), 'latin1').toString('utf8');
  return `error: ${Buffer.from(r.error.message, 'latin1').toString('utf8')}`;
}

/** The error's message and the context lines the builtin added (not the VM's call frames). */
export function failure(expr: string): { message: string; context: string[] } {
  const r = evaluate({ expr, strict: true });
  if (r.ok) throw new Error(`expected an error from ${expr}, got ${printValue(r.value)}`);
  const context = r.error.trace.map((t) => t.message)
    .filter((m) => !/^while calling (the '.*' builtin|anonymous lambda|'[^']*')$/.test(m) && m !== 'from call site');
  return { message: Buffer.from(r.error.message, 'latin1').toString('utf8'), context };
}
