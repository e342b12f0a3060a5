// The calls a VM frame stood for before tail calls reused it. C++ Nix has no tail calls: each
// call stays on its stack until the callee returns, and an error passing through it gets its
// "while calling 'f'" and "from call site" frames. The VM reuses the frame instead, so the
// frame keeps a record of the calls it absorbed, outermost first, to give the same trace.
//
// The record must stay small however long a tail-recursive loop runs. Two things keep it so:
// - a call identical to the one before (same function, same call site: plain self-recursion)
//   only counts up the previous entry;
// - calls that repeat earlier ones of the record (a loop of several functions) are kept one
//   by one only while their frames number fewer than six in a row; from then on they are only
//   counted. Their frames are duplicates of frames shown before them, at least six in a row,
//   which the trace prints only as "(N duplicate frames omitted)" however many there are, so
//   the count is all the trace needs.
// So the record grows only with calls not seen before in it, that is, with the size of the
// program, not with the length of the loop.

import type { LambdaInfo } from '../compiler/chunk.js';
import type { SourcePos, TraceFrame } from '../errors/errors.js';

/** Frames of a row of repeated calls kept as calls; a longer row is only counted. */
const REPEATED_FRAMES_KEPT = 5;
/** Entries a TailCallLog scans to tell a known call before it makes an index of them. */
const SCANNED_ENTRIES = 8;
/** Size of TailCallLog's cache of known calls (a power of two). */
const RECENT_SLOTS = 16;

interface Entry {
  /** The function called; null for a count of repeated calls. */
  lambda: LambdaInfo | null;
  callPos: SourcePos | undefined;
  /** How many times in a row this call was made (for a count: how many frames). */
  times: number;
  /** The call already appears earlier in the record. */
  repeated: boolean;
}

function samePos(a: SourcePos | undefined, b: SourcePos | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.offset === b.offset && a.source === b.source);
}

export class TailCallLog {
  private readonly entries: Entry[] = [];
  /** The last entry (kept apart: it is what most calls look at). */
  private last: Entry | undefined = undefined;
  /**
   * Every call site of each function the record holds, to tell a repeated call; null while the
   * record is short and has counted nothing, when its entries are all its calls and a scan of
   * them tells (most records are a chain of two or three calls: they allocate no index).
   */
  private known: Map<LambdaInfo, (SourcePos | undefined)[]> | null = null;
  /**
   * Calls known to be in the record, by call site offset: in a loop the same few calls come
   * again and again, and this finds them without a lookup in `known` (a loop of tail calls
   * must not get much slower for being recorded). Made with `known`.
   */
  private recentLambda: (LambdaInfo | undefined)[] | null = null;
  private recentPos: (SourcePos | undefined)[] | null = null;

  /**
   * Records that the frame stood for a call of `lambda` from `callPos` before it was reused.
   * The two cases of a running loop (the call before once more; a call of a loop already
   * being counted) are decided here without more calls; the rest is addOther's.
   */
  add(lambda: LambdaInfo, callPos: SourcePos | undefined): void {
    const last = this.last;
    if (last !== undefined) {
      if (last.lambda === lambda) {
        if (samePos(last.callPos, callPos)) {
          last.times++;
          return;
        }
      } else if (last.lambda === null && this.recentLambda !== null) {
        const slot = callPos === undefined ? 0 : callPos.offset & (RECENT_SLOTS - 1);
        if (this.recentLambda[slot] === lambda && samePos(this.recentPos![slot], callPos)) {
          last.times += callPos === undefined ? 1 : 2;
          return;
        }
      }
    }
    this.addOther(lambda, callPos);
  }

  private addOther(lambda: LambdaInfo, callPos: SourcePos | undefined): void {
    const last = this.last;
    if (!this.isKnown(lambda, callPos)) {
      this.push({ lambda, callPos, times: 1, repeated: false });
      return;
    }
    if (last !== undefined && last.lambda === null) {
      last.times += frameCount(callPos);
      return;
    }
    this.push({ lambda, callPos, times: 1, repeated: true });
    const entries = this.entries;
    // Repeated calls at the end of the record: past REPEATED_FRAMES_KEPT frames, keep only their number.
    let frames = 0;
    let first = entries.length;
    while (first > 0 && entries[first - 1].repeated && entries[first - 1].lambda !== null) {
      first--;
      frames += entries[first].times * frameCount(entries[first].callPos);
    }
    if (frames > REPEATED_FRAMES_KEPT) {
      // The entries dropped stay known: the index must hold them before they go.
      this.index();
      entries.length = first;
      this.push({ lambda: null, callPos: undefined, times: frames, repeated: true });
    }
  }

  private push(entry: Entry): void {
    this.entries.push(entry);
    this.last = entry;
  }

  /** Whether the call is in the record already; if not, it is remembered as being so from now on. */
  private isKnown(lambda: LambdaInfo, callPos: SourcePos | undefined): boolean {
    if (this.known === null) {
      if (this.entries.length < SCANNED_ENTRIES) {
        // Every call so far is an entry (the caller pushes this one if it is new).
        for (const entry of this.entries) if (entry.lambda === lambda && samePos(entry.callPos, callPos)) return true;
        return false;
      }
      this.index();
    }
    const recentLambda = this.recentLambda!;
    const recentPos = this.recentPos!;
    const slot = callPos === undefined ? 0 : callPos.offset & (RECENT_SLOTS - 1);
    const known = recentLambda[slot] === lambda && samePos(recentPos[slot], callPos);
    recentLambda[slot] = lambda;
    recentPos[slot] = callPos;
    if (known) return true;
    let sites = this.known!.get(lambda);
    if (sites === undefined) this.known!.set(lambda, sites = []);
    for (const site of sites) if (samePos(site, callPos)) return true;
    sites.push(callPos);
    return false;
  }

  /** Makes the index of known calls from the entries, if there is none yet (they are then all the calls made). */
  private index(): void {
    if (this.known !== null) return;
    const known = new Map<LambdaInfo, (SourcePos | undefined)[]>();
    for (const { lambda, callPos } of this.entries) {
      if (lambda === null) continue;
      let sites = known.get(lambda);
      if (sites === undefined) known.set(lambda, sites = []);
      if (!sites.some((site) => samePos(site, callPos))) sites.push(callPos);
    }
    this.known = known;
    this.recentLambda = new Array(RECENT_SLOTS).fill(undefined);
    this.recentPos = new Array(RECENT_SLOTS).fill(undefined);
  }

  /**
   * Adds the trace frames of the absorbed calls to `trace` (innermost first, as errors collect
   * them). They are frames C++ Nix collects only with --show-trace.
   */
  addFramesTo(trace: TraceFrame[]): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (entry.lambda === null) {
        trace.push({ message: '', print: 'show-trace', duplicates: entry.times });
        continue;
      }
      const frames = callFrames(entry.lambda, entry.callPos);
      if (entry.times === 1) trace.push(...frames);
      else trace.push({ message: '', print: 'show-trace', repeat: { frames, times: entry.times } });
    }
  }
}

/** The frames of one call: "while calling" and, where there is a call site, "from call site". */
function frameCount(callPos: SourcePos | undefined): number {
  return callPos ? 2 : 1;
}

/**
 * The frames an error leaving a call of `lambda` from `callPos` gets, innermost first. Calls
 * made by builtins (foldl', sort, ...) have no call site, as in C++ Nix.
 */
export function callFrames(lambda: LambdaInfo, callPos: SourcePos | undefined): TraceFrame[] {
  const calling: TraceFrame = { message: `while calling ${lambdaName(lambda)}`, pos: { source: lambda.source, offset: lambda.pos }, print: 'show-trace' };
  return callPos ? [calling, { message: 'from call site', pos: callPos, print: 'show-trace' }] : [calling];
}

/** `'f'`, or `anonymous lambda`, as traces and messages name a function. */
export function lambdaName(lambda: LambdaInfo): string {
  return lambda.name !== undefined ? `'${lambda.name}'` : 'anonymous lambda';
}
