// Renders errors in C++ Nix's layout: `error:` with the message, `at FILE:L:C:` and the
// source lines around the position with a caret, and for evaluation errors the chain of
// `… while …` frames from the outermost inwards.

import type { NixError, SourcePos } from './errors.js';
import { utf8ToBytes } from '../syntax/source.js';

const ELLIPSIS = utf8ToBytes('…');
/** Code excerpts are indented the same in every block. */
const CODE_PREFIX = '       ';

function rtrim(s: string): string {
  return s.replace(/[ \t]+$/, '');
}

/** `at FILE:L:C:` (prefixed by `indent`) and the code excerpt (prefixed by `codePrefix`). */
export function renderPosition(pos: SourcePos, indent: string, codePrefix = CODE_PREFIX): string {
  const { line, column } = pos.source.lineCol(pos.offset);
  const lines = [`${indent}at ${pos.source.origin}:${line}:${column}:`];
  const codeLine = (n: number): void => {
    const text = pos.source.line(n);
    if (text === undefined) return;
    lines.push(rtrim(`${codePrefix} ${String(n).padStart(5)}| ${text}`));
  };
  if (line > 1) codeLine(line - 1);
  const current = pos.source.line(line);
  if (current !== undefined) {
    codeLine(line);
    lines.push(`${codePrefix}      |${' '.repeat(column)}^`);
  }
  if (line < pos.source.lineCount()) codeLine(line + 1);
  return lines.join('\n');
}

/** Later lines of a multi-line message are indented under the first, as C++ Nix does. */
function indentMessage(message: string): string {
  return message.includes('\n') ? message.split('\n').join('\n       ') : message;
}

export function renderError(err: NixError): string {
  const prefix = '       ';
  if (err.trace.length === 0) {
    let out = `error: ${indentMessage(err.message)}`;
    if (err.pos) out += '\n' + renderPosition(err.pos, prefix);
    if (err.suggestions.length > 0) out += `\n${prefix}${showSuggestions(err.suggestions)}`;
    if (err.footer) out += `\n${err.footer}`;
    return out + '\n';
  }
  const parts = ['error:'];
  for (let i = err.trace.length - 1; i >= 0; i--) {
    const f = err.trace[i];
    let block = `${prefix}${ELLIPSIS} ${f.message}`;
    if (f.pos) block += '\n' + renderPosition(f.pos, prefix + '  ');
    parts.push(block + '\n');
  }
  let last = `${prefix}error: ${indentMessage(err.message)}`;
  if (err.pos) last += '\n' + renderPosition(err.pos, prefix);
  if (err.suggestions.length > 0) last += `\n${prefix}${showSuggestions(err.suggestions)}`;
  if (err.footer) last += `\n${err.footer}`;
  parts.push(last);
  return parts.join('\n') + '\n';
}

/** "Did you mean x?" / "Did you mean one of a, b or c?" */
function showSuggestions(names: string[]): string {
  if (names.length === 1) return `Did you mean ${names[0]}?`;
  return `Did you mean one of ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}?`;
}

/** A warning about a place in the source, as C++ Nix prints lint findings. */
export function renderWarning(message: string, pos?: SourcePos): string {
  let out = `warning: ${message}`;
  if (pos) out += '\n' + renderPosition(pos, '         ', '         ');
  return out;
}
