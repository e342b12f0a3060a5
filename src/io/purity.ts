// Whether an evaluation's answer depended on nothing but what it was given: an IO that passes
// every call on to another and notes the calls whose answer can differ from one evaluation of
// the same request to the next. Those are the clock, always, and, when the filesystem is not
// part of the request (the server's own, as opposed to posted files), any look at a file or
// directory: a file can change between two evaluations. The environment an evaluation sees is
// fixed by the server, so reading it leaves the evaluation pure.
//
// The service caches only pure evaluations' answers (routes/result-cache.ts).

import type { EvalIO } from './io.js';

/** An IO that notes impure calls; `pure` is false once one was made. */
export interface WatchedIO {
  io: EvalIO;
  readonly pure: boolean;
}

/** `io` watched; `filesAreInput`: its files are part of the request (posted), so reading them is pure. */
export function watchPurity(io: EvalIO, filesAreInput: boolean): WatchedIO {
  const watched = { io, pure: true };
  const impure = (name: PropertyKey): boolean => name === 'currentTime' || (!filesAreInput && name !== 'getEnv' && name !== 'description');
  watched.io = new Proxy(io, {
    get(target, name) {
      const v: unknown = Reflect.get(target, name, target);
      if (typeof v !== 'function') return v;
      if (!impure(name)) return v.bind(target);
      return (...args: unknown[]): unknown => {
        watched.pure = false;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return watched;
}
