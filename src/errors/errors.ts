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
  /** Raised while binding a lambda's formals: the trace shows the call site only. */
  inFormals = false;
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
    return e;
  }

  addTrace(message: string, pos?: SourcePos, print?: TracePrint): this {
    this.trace.push(print === undefined ? { message, pos } : { message, pos, print });
    return this;
  }
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
