// Renders errors in C++ Nix's layout: `error:` with the message, `at FILE:L:C:` and the
// source lines around the position with a caret, and for evaluation errors the chain of
// `… while …` frames from the outermost inwards.

import type { NixError, SourcePos } from './errors.js';

function rtrim(s: string): string {
  return s.replace(/[ \t]+$/, '');
}

/** `at FILE:L:C:` and the code excerpt, each line prefixed by `indent`. */
export function renderPosition(pos: SourcePos, indent: string): string {
  const { line, column } = pos.source.lineCol(pos.offset);
  const lines = [`${indent}at ${pos.source.origin}:${line}:${column}:`];
  const codeLine = (n: number): void => {
    const text = pos.source.line(n);
    if (text === undefined) return;
    lines.push(rtrim(`${indent} ${String(n).padStart(5)}| ${text}`));
  };
  if (line > 1) codeLine(line - 1);
  const current = pos.source.line(line);
  if (current !== undefined) {
    codeLine(line);
    lines.push(`${indent}      |${' '.repeat(column)}^`);
  }
  if (line < pos.source.lineCount()) codeLine(line + 1);
  return lines.join('\n');
}

export function renderError(err: NixError): string {
  const prefix = '       ';
  if (err.trace.length === 0) {
    let out = `error: ${err.message}`;
    if (err.pos) out += '\n' + renderPosition(err.pos, prefix);
    return out + '\n';
  }
  const parts = ['error:'];
  for (let i = err.trace.length - 1; i >= 0; i--) {
    const f = err.trace[i];
    let block = `${prefix}… ${f.message}`;
    if (f.pos) block += '\n' + renderPosition(f.pos, prefix + '  ');
    parts.push(block + '\n');
  }
  let last = `${prefix}error: ${err.message}`;
  if (err.pos) last += '\n' + renderPosition(err.pos, prefix);
  parts.push(last);
  return parts.join('\n') + '\n';
}
