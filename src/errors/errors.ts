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
}

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

  addTrace(message: string, pos?: SourcePos): this {
    this.trace.push({ message, pos });
    return this;
  }
}

export class ParseError extends NixError {
  constructor(message: string, pos?: SourcePos) {
    super('parse', message, pos);
  }
}
