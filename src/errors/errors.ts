// Error kinds of the evaluator. Every error may carry a source position and a trace of
// frames ("while calling 'f'") that led to it; `render.ts` prints them as C++ Nix does.

import type { Source } from '../syntax/source.js';

export interface SourcePos {
  source: Source;
  offset: number;
}

export interface TraceFrame {
  message: string;
  pos?: SourcePos;
  /**
   * When the frame is shown (C++ Nix's TracePrint and its `showTrace` checks). `always`: even
   * where a trace printed without --show-trace is truncated (addErrorContext, "while
   * evaluating derivation"). `show-trace`: only with --show-trace, because C++ Nix collects
   * the frame only then (the "while calling"/"from call site" frames of function calls).
   * Unset: unless truncated.
   */
  print?: TracePrint;
  /**
   * Set on a frame that stands for others, which has an empty message: `frames` (innermost
   * first, like the trace) repeated `times` times. A loop of tail calls is recorded this way so
   * that its trace stays small however long it ran.
   */
  repeat?: { frames: TraceFrame[]; times: number };
  /**
   * Set on a frame that stands for this many frames, each identical to one shown before it in
   * the trace (so they can only print as "(N duplicate frames omitted)"); it has an empty
   * message. Also from tail-call loops.
   */
  duplicates?: number;
}

export type TracePrint = 'always' | 'show-trace';

export type ErrorKind =
  | 'parse'
  | 'eval'
  | 'throw'
  | 'assert'
  | 'abort'
  | 'infinite-recursion'
  | 'type'
  | 'undefined-variable'
  | 'io'
  | 'timeout'
  | 'memory-limit'
  | 'output-limit';

export class NixError extends Error {
  /** Frames from the innermost outwards, as they are added while the error unwinds. */
  readonly trace: TraceFrame[] = [];
  /** For type errors: the offending value, so a caller can tell which argument it was. */
  value?: unknown;
  /**
   * Raised while binding a lambda's formals: the trace shows the call site only. 'names' when
   * the argument's names do not match the formals, for which C++ Nix adds "from call site" even
   * where the call has no position (a builtin calling the lambda), as a line alone.
   */
  inFormals: false | 'value' | 'names' = false;
  /** Close matches for a misspelt name ("Did you mean ...?"). */
  suggestions: string[] = [];
  /** For infinite recursion: the thunk found under evaluation. */
  blackhole?: object;
  /**
   * The explanation of a failed `assert a == b` (how a and b differ), until the assert it
   * explains has added its line: an assertion failing inside a or b is not explained by it.
   */
  explainsAssertion = false;
  /** A line printed after everything else, unindented (C++ Nix's usage hint). */
  footer?: string;
  /**
   * Where C++ Nix's text of the message holds an (invisible) colour code, at which the
   * trimming of each printed line's trailing blanks stops (the codes are filtered out only
   * after it): 'start' for a message of user text (`throw`: a literal, which C++ Nix prefixes
   * with a reset code), 'end' for a message ending with an argument (fromTOML's "while parsing
   * TOML: %s", whose argument ends in a line break: its empty last line stays as blanks).
   * Any other line of a message loses its trailing blanks, and blank lines print empty.
   */
  colourCode?: 'start' | 'end';

  constructor(
    readonly kind: ErrorKind,
    message: string,
    public pos?: SourcePos,
  ) {
    super(message);
  }

  /** Whether `tryEval` catches this error (only `throw` and failed assertions). */
  get catchable(): boolean {
    return this.kind === 'throw' || this.kind === 'assert';
  }

  /** A fresh instance with the trace as it is now, so rethrowing it leaves this one as it was. */
  copy(): NixError {
    const e = new NixError(this.kind, this.message, this.pos);
    // Not push(...trace): a trace can hold more frames than a call may take arguments.
    for (const f of this.trace) e.trace.push(f);
    e.value = this.value;
    e.suggestions = this.suggestions;
    e.blackhole = this.blackhole;
    e.footer = this.footer;
    e.colourCode = this.colourCode;
    return e;
  }

  addTrace(message: string, pos?: SourcePos, print?: TracePrint): this {
    return this.addFrame(print === undefined ? { message, pos } : { message, pos, print });
  }

  /**
   * Adds a frame as the outermost. An error unwinding a deep recursion gets the same few
   * frames once per level: past FOLD_FROM frames, a run of frames that repeats the period
   * before it becomes one `repeat` frame, so the trace of a recursion a million levels deep
   * stays a few frames (it is built while the heap may be nearly full) and renders the same.
   */
  addFrame(frame: TraceFrame): this {
    const trace = this.trace;
    trace.push(frame);
    if (trace.length >= FOLD_FROM) foldRepeats(trace);
    return this;
  }
}

/** Traces shorter than this are kept frame by frame (what most errors have). */
const FOLD_FROM = 32;
/** The longest period of frames folded (a call and the operation around it make 3 or 4). */
const MAX_PERIOD = 6;

/** Folds the frames just added to `trace` into a `repeat` frame before them, or two equal periods into one. */
function foldRepeats(trace: TraceFrame[]): void {
  const n = trace.length;
  for (let period = 1; period <= MAX_PERIOD; period++) {
    // Another round of a repeat frame's period.
    const before = trace[n - 1 - period];
    if (before !== undefined && before.repeat !== undefined && before.repeat.frames.length === period
      && samePeriod(trace, n - period, before.repeat.frames, 0, period)) {
      // A new frame, not times++: copies of this error (copy()) share its frames.
      trace[n - 1 - period] = { message: '', repeat: { frames: before.repeat.frames, times: before.repeat.times + 1 } };
      trace.length = n - period;
      return;
    }
  }
  for (let period = 1; period <= MAX_PERIOD && 2 * period <= n; period++) {
    // Two equal periods of plain frames become a repeat frame of two rounds.
    if (samePeriod(trace, n - period, trace, n - 2 * period, period)) {
      const frames = trace.slice(n - period);
      trace.length = n - 2 * period;
      trace.push({ message: '', repeat: { frames, times: 2 } });
      return;
    }
  }
}

/** Whether `length` frames of `a` from `i` equal those of `b` from `j`. */
function samePeriod(a: readonly TraceFrame[], i: number, b: readonly TraceFrame[], j: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (!sameFrame(a[i + k], b[j + k])) return false;
  return true;
}

/** Frames that print the same: same message, position and print, or repeats of the same frames as often. */
function sameFrame(x: TraceFrame, y: TraceFrame): boolean {
  if (x.duplicates !== undefined || y.duplicates !== undefined) return false;
  const r = x.repeat;
  const t = y.repeat;
  if (r !== undefined || t !== undefined) {
    return r !== undefined && t !== undefined && r.times === t.times && r.frames.length === t.frames.length
      && samePeriod(r.frames, 0, t.frames, 0, r.frames.length);
  }
  if (x.message !== y.message || x.print !== y.print) return false;
  const p = x.pos;
  const q = y.pos;
  return p === q || (p !== undefined && q !== undefined && p.source === q.source && p.offset === q.offset);
}

export class ParseError extends NixError {
  constructor(message: string, pos?: SourcePos) {
    super('parse', message, pos);
  }
}

let jsStackExhausted = false;

/**
 * Records that the JS stack ran out and the overflow became a Nix error (the parser, the
 * compiler and the VM turn a RangeError into one): the command line then runs the evaluation
 * again on a thread with a larger stack (src/cli/instantiate-main.ts).
 */
export function noteJsStackOverflow(): void {
  jsStackExhausted = true;
}

/** Whether the JS stack ran out in this thread since it started. */
export function jsStackWasExhausted(): boolean {
  return jsStackExhausted;
}

/** Names within edit distance 2 of `query`, closest first, at most five (as C++ Nix). */
export function bestMatches(candidates: Iterable<string>, query: string): string[] {
  const scored: [number, string][] = [];
  for (const c of candidates) {
    const d = editDistance(c, query);
    if (d <= 2) scored.push([d, c]);
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return scored.slice(0, 5).map(([, c]) => c);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 0; i < a.length; i++) {
    const cur = [i + 1];
    for (let j = 0; j < b.length; j++) {
      cur.push(Math.min(prev[j + 1] + 1, cur[j] + 1, prev[j] + (a[i] === b[j] ? 0 : 1)));
    }
    prev = cur;
  }
  return prev[b.length];
}
