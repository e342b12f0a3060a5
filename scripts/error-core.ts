// The error's own message in nix-instantiate's stderr, for comparing two evaluators' errors
// without their traces (scripts/differential.ts, scripts/order-fuzz.ts).

/**
 * From the last line starting with `error:` (after indentation), without trace lines (`at`,
 * source excerpts, `…` frames) and the closing hints; `skip` drops more lines (trimmed).
 */
export function errorCore(stderr: string, skip?: RegExp): string {
  const lines = stderr.split('\n');
  let start = -1;
  for (let i = 0; i < lines.length; i++) if (/^\s*error:/.test(lines[i]!)) start = i;
  if (start < 0) return stderr.trim();
  const kept: string[] = [];
  for (let i = start; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '' || /^at .*:\d+:\d+:$/.test(l) || /^\d+\|/.test(l) || /^\|/.test(l) || l.startsWith('…')) continue;
    if (/^\(stack trace truncated|^\(use '--show-trace'/.test(l) || skip?.test(l)) continue;
    kept.push(l.replace(/^error: /, ''));
  }
  return kept.join('\n');
}
