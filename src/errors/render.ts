// Renders errors in C++ Nix's layout: for evaluation errors the chain of `… while …` frames
// from the outermost inwards, then `error:` with the message, `at FILE:L:C:` and the source
// lines around the position with a caret. Everything after the first line is indented by
// seven columns (the width of `error: `), and every line loses its trailing blanks.
//
// Which frames are shown follows C++ Nix (libutil/error.cc, showErrorInfo):
// - a frame identical to one already shown (same message, same position) is skipped; a run
//   of at most five skipped frames is printed anyway when the next new frame comes (or the
//   trace ends), a longer run becomes one "(N duplicate frames omitted)" line. The frames
//   already shown are remembered for the whole trace: a frame shown before a run of
//   duplicates is still a duplicate after it.
// - without --show-trace, the frames C++ Nix only collects with it (function calls) are
//   left out, and once the frames shown weigh more than 3 (a frame with a position weighs 2)
//   the rest is cut, except frames marked to print always; the cut is announced with
//   "(stack trace truncated; ...)".

import type { NixError, SourcePos, TraceFrame } from './errors.js';
import { utf8ToBytes } from '../syntax/source.js';

const ELLIPSIS = utf8ToBytes('…');
/** Code excerpts are indented the same in every block. */
const CODE_PREFIX = '       ';
/** The width of `error: `, under which every later line is indented. */
const INDENT = '       ';
/** Runs of duplicate frames up to this long are printed rather than counted. */
const MAX_DUPLICATES_PRINTED = 5;
/** Without --show-trace, the weight of frames shown before the trace is cut. */
const UNTRUNCATED_WEIGHT = 3;
const TRUNCATED_NOTE = "(stack trace truncated; use '--show-trace' to show the full, detailed trace)";

export interface RenderOptions {
  /** As --show-trace: all frames. Default true (nixeval's default, see cli/instantiate.ts). */
  showTrace?: boolean;
}

/** C++ Nix's chomp: trailing blanks and line ends go (not other bytes JS counts as space). */
function rtrim(s: string): string {
  // A loop, not /[ \t\r\n]+$/: that regex retries from every blank of a long run of blanks
  // followed by something else (a caret under column 20000), which takes quadratic time.
  let end = s.length;
  for (let c = s.charCodeAt(end - 1); c === 32 || c === 9 || c === 13 || c === 10; c = s.charCodeAt(end - 1)) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** `at FILE:L:C:` (prefixed by `indent`) and the code excerpt (prefixed by `codePrefix`). */
export function renderPosition(pos: SourcePos, indent: string, codePrefix = CODE_PREFIX): string {
  return positionLines(pos, indent, codePrefix).lines.join('\n');
}

/** The lines of a position; `excerpt` says whether source lines could be shown. */
function positionLines(pos: SourcePos, indent: string, codePrefix: string): { lines: string[]; excerpt: boolean } {
  const { line, column } = pos.source.lineCol(pos.offset);
  const lines = [`${indent}at ${pos.source.origin}:${line}:${column}:`];
  const current = pos.source.line(line);
  if (current === undefined) return { lines, excerpt: false };
  const codeLine = (n: number): void => {
    const text = pos.source.line(n);
    if (text === undefined) return;
    lines.push(rtrim(`${codePrefix} ${String(n).padStart(5)}| ${text}`));
  };
  if (line > 1) codeLine(line - 1);
  codeLine(line);
  lines.push(`${codePrefix}      |${' '.repeat(column)}^`);
  if (line < pos.source.lineCount()) codeLine(line + 1);
  return { lines, excerpt: true };
}

/** One entry of a trace as it is shown, outermost first. */
export type ShownTraceEntry = { frame: TraceFrame } | { omitted: number };

export interface ShownTrace {
  entries: ShownTraceEntry[];
  /** Frames were cut (only without --show-trace). */
  truncated: boolean;
  /** Whether the error has any frame at all as C++ Nix would have collected it. */
  collected: boolean;
}

/** Identity of a frame for duplicate detection: its message and where it points. */
function frameKey(f: TraceFrame): string {
  if (!f.pos) return `\0${f.message}`;
  const { line, column } = f.pos.source.lineCol(f.pos.offset);
  return `${f.pos.source.origin}\0${line}\0${column}\0${f.message}`;
}

const enum FrameOutcome { Ignored, Duplicate, Shown }

/** Walks frames outermost first and decides, as showErrorInfo does, which are shown. */
class TraceSelector {
  readonly entries: ShownTraceEntry[] = [];
  truncated = false;
  collected = false;
  private readonly seen = new Set<string>();
  /** The current run of duplicates: its length, and its first frames (enough to print a short run). */
  private skippedCount = 0;
  private skipped: TraceFrame[] = [];
  /** Weight of what is shown so far, for the cut without --show-trace. */
  private weight = 0;

  constructor(private readonly showTrace: boolean) {}

  /** Whether C++ Nix would have collected the frame at all. */
  private collects(f: TraceFrame): boolean {
    return this.showTrace || f.print !== 'show-trace';
  }

  /** Whether a collected frame survives the cut. */
  private passesCut(f: TraceFrame): boolean {
    if (!this.showTrace && this.weight > UNTRUNCATED_WEIGHT) this.truncated = true;
    return !this.truncated || f.print === 'always';
  }

  /** Takes one frame (outermost first). A block of repeated frames counts as shown (so a block around it is replayed round by round). */
  frame(f: TraceFrame): FrameOutcome {
    if (f.repeat) {
      this.repeated(f.repeat.frames, f.repeat.times);
      return FrameOutcome.Shown;
    }
    if (!this.collects(f)) return FrameOutcome.Ignored;
    this.collected = true;
    if (f.duplicates !== undefined) {
      if (!this.passesCut(f)) return FrameOutcome.Ignored;
      this.skippedCount += f.duplicates;
      return FrameOutcome.Duplicate;
    }
    if (f.message === '' || !this.passesCut(f)) return FrameOutcome.Ignored;
    const key = frameKey(f);
    if (this.seen.has(key)) {
      if (this.skipped.length <= MAX_DUPLICATES_PRINTED) this.skipped.push(f);
      this.skippedCount++;
      return FrameOutcome.Duplicate;
    }
    this.seen.add(key);
    this.flushDuplicates();
    this.weight++;
    this.show(f);
    return FrameOutcome.Shown;
  }

  /**
   * `frames` (innermost first) `times` over. A round that shows nothing changes nothing but
   * the length of the current run of duplicates, so every later round does the same: once
   * the run is too long to be printed anyway, the remaining rounds are counted at once.
   */
  private repeated(frames: TraceFrame[], times: number): void {
    for (let round = 0; round < times; round++) {
      let duplicates = 0;
      let shown = false;
      for (let i = frames.length - 1; i >= 0; i--) {
        const outcome = this.frame(frames[i]);
        if (outcome === FrameOutcome.Duplicate) duplicates++;
        else if (outcome === FrameOutcome.Shown) shown = true;
      }
      if (shown) continue;
      if (duplicates === 0) return;
      if (this.skippedCount > MAX_DUPLICATES_PRINTED) {
        this.skippedCount += duplicates * (times - round - 1);
        return;
      }
    }
  }

  private show(f: TraceFrame): void {
    this.entries.push({ frame: f });
    if (f.pos) this.weight++;
  }

  /** A new frame ends the run of duplicates: a short run is printed, a long one counted. */
  flushDuplicates(): void {
    if (this.skippedCount === 0) return;
    if (this.skippedCount <= MAX_DUPLICATES_PRINTED && this.skipped.length === this.skippedCount) {
      for (const f of this.skipped) this.show(f);
    } else {
      this.entries.push({ omitted: this.skippedCount });
    }
    this.skipped = [];
    this.skippedCount = 0;
  }
}

/** The frames of an error as they are shown, outermost first. */
export function shownTrace(err: NixError, options: RenderOptions = {}): ShownTrace {
  const selector = new TraceSelector(options.showTrace ?? true);
  for (let i = err.trace.length - 1; i >= 0; i--) selector.frame(err.trace[i]);
  selector.flushDuplicates();
  return { entries: selector.entries, truncated: selector.truncated, collected: selector.collected };
}

/**
 * Characters of trace past which renderError shows no more frames (the error itself is still
 * shown, after a line saying how many were left out). Each frame shows its source line, so a
 * trace of many frames on a long line (an error at the end of a generated 200,000-term chain)
 * would be a string past V8's limit (about 512 MiB), which cannot be made at all; C++ Nix prints
 * such a trace as it goes. Far above any trace real code makes.
 */
const MAX_TRACE_TEXT = 64 * 1024 * 1024;

export function renderError(err: NixError, options: RenderOptions = {}): string {
  const shown = shownTrace(err, options);
  // The text is built unindented as C++ Nix builds it, then indented as a whole.
  let text = '';
  if (shown.collected) {
    let shownFrames = 0;
    for (const entry of shown.entries) {
      if (text.length > MAX_TRACE_TEXT) break;
      shownFrames++;
      if ('omitted' in entry) {
        text += `\n(${entry.omitted} duplicate frames omitted)\n`;
        continue;
      }
      text += `\n${ELLIPSIS} ${entry.frame.message}\n`;
      if (entry.frame.pos) text += positionText(entry.frame.pos, '  ');
    }
    const unshown = shown.entries.length - shownFrames;
    if (unshown > 0) text += `\n(${unshown} more frames not shown: the trace is too long to print)\n`;
    if (shown.truncated) text += `\n${TRUNCATED_NOTE}\n`;
    text += '\nerror: ';
  }
  text += withColourCode(err.message, err.colourCode) + '\n';
  if (err.pos) text += positionText(err.pos, '');
  if (err.suggestions.length > 0) text += showSuggestions(err.suggestions) + '\n';
  let out = indentLines(rtrim(text).split('\n')).replaceAll(KEEP, '');
  if (err.footer) out += `\n${err.footer}`;
  return out + '\n';
}

/**
 * Stands for a colour code of C++ Nix's message text (NixError.colourCode): the trimming of
 * blanks stops at it, and it is removed after. The mark is not a byte, so no message has it.
 */
const KEEP = '\uE000';

function withColourCode(message: string, at: NixError['colourCode']): string {
  return at === 'start' ? KEEP + message : at === 'end' ? message + KEEP : message;
}

/** `at FILE:L:C:`, then (on the next lines, followed by a newline) the source excerpt if there is one. */
function positionText(pos: SourcePos, indent: string): string {
  const { lines, excerpt } = positionLines(pos, indent, '');
  return excerpt ? lines.join('\n') + '\n' : lines[0];
}

/** The first line after `error: `, the others after seven blanks; every line loses its trailing blanks. */
function indentLines(lines: string[]): string {
  return lines.map((l, i) => rtrim((i === 0 ? 'error: ' : INDENT) + l)).join('\n');
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
