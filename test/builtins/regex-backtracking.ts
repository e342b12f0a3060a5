// The executor nixeval used before it remembered outcomes: a direct transcription of
// libstdc++'s depth-first POSIX _Executor (exponential on patterns like `(a|a)*b`). Tests run
// it as the reference the linear executor in src/builtins/regex.ts must agree with.

import { Op, NOT_NULL, PREV_AVAIL } from '../../src/builtins/regex.js';
import type { RegexExecutor, RegexProgram } from '../../src/builtins/regex.js';

const enum Task { Visit, SetCur, RestoreFirst, RestoreSub, RepRestore, RepNext, AltRight, AltDone }

/** The reference gave up (see `budget`). */
export class BudgetExceeded extends Error {}

export class BacktrackingExecutor implements RegexExecutor {
  private readonly op: Int32Array;
  private readonly next: Int32Array;
  private readonly alt: Int32Array;
  private readonly arg: Int32Array;
  private readonly table: (Uint8Array | null)[];
  private readonly repPos: Int32Array;
  private readonly repCnt: Int32Array;
  private readonly cf: Int32Array;
  private readonly cs: Int32Array;
  private readonly cm: Uint8Array;
  private stack = new Int32Array(256);
  readonly nsub: number;

  private readonly startState: number;
  private s = '';
  private exact = false;

  /** At most this many steps per attempt: the reference is exponential on some patterns. */
  constructor(nfa: RegexProgram, private readonly budget = Infinity) {
    const nsub = nfa.subCount;
    this.startState = nfa.start;
    this.op = Int32Array.from(nfa.op);
    this.next = Int32Array.from(nfa.next);
    this.alt = Int32Array.from(nfa.alt);
    this.arg = Int32Array.from(nfa.arg);
    this.table = nfa.table;
    this.repPos = new Int32Array(nfa.op.length).fill(-1);
    this.repCnt = new Int32Array(nfa.op.length);
    this.nsub = nsub;
    this.cf = new Int32Array(nsub).fill(-1);
    this.cs = new Int32Array(nsub).fill(-1);
    this.cm = new Uint8Array(nsub);
  }

  /**
   * One depth-first run from `begin` (libstdc++ _M_main_dispatch). Returns the submatches
   * (start, end pairs; -1 when unmatched) or null.
   */
  reset(s: string, exact: boolean): void {
    this.s = s;
    this.exact = exact;
    // A run cut short by the budget leaves these as they were when it stopped.
    this.repPos.fill(-1);
    this.repCnt.fill(0);
    this.cf.fill(-1);
    this.cs.fill(-1);
    this.cm.fill(0);
  }

  release(): void {
    this.s = '';
  }

  run(begin: number, flags: number): Int32Array | null {
    const { s, exact } = this;
    const end = s.length;
    const { op, next, alt, arg, table, repPos, repCnt } = this;
    const n = this.nsub;
    // Every change to these is undone as the search unwinds, so they start out clean.
    const { cf, cs, cm } = this;
    let results: Int32Array | null = null;
    let hasSol = false;
    let solPos = -1;
    let cur = begin;
    // The work stack: tasks and their operands, as numbers (one task pushes at most 8).
    let st = this.stack;
    let sp = 0;
    st[sp++] = this.startState;
    st[sp++] = Task.Visit;
    let steps = 0;
    while (sp > 0) {
      if (++steps > this.budget) throw new BudgetExceeded();
      if (sp + 16 > st.length) {
        const bigger = new Int32Array(st.length * 2);
        bigger.set(st);
        st = this.stack = bigger;
      }
      const task = st[--sp];
      switch (task) {
        case Task.Visit: {
          const i = st[--sp];
          switch (op[i]) {
            case Op.MatchChar:
              if (cur < end && s.charCodeAt(cur) === arg[i]) {
                st[sp++] = cur; st[sp++] = Task.SetCur;
                cur++;
                st[sp++] = next[i]; st[sp++] = Task.Visit;
              }
              break;
            case Op.Match:
              if (cur < end && table[i]![s.charCodeAt(cur)]) {
                st[sp++] = cur; st[sp++] = Task.SetCur;
                cur++;
                st[sp++] = next[i]; st[sp++] = Task.Visit;
              }
              break;
            case Op.Repeat: {
              st[sp++] = i; st[sp++] = Task.RepNext;
              const rp = repPos[i];
              const rc = repCnt[i];
              if (rc === 0 || rp !== cur) {
                st[sp++] = i; st[sp++] = rp; st[sp++] = rc; st[sp++] = Task.RepRestore;
                repPos[i] = cur;
                repCnt[i] = 1;
                st[sp++] = alt[i]; st[sp++] = Task.Visit;
              } else if (rc < 2) {
                st[sp++] = i; st[sp++] = rp; st[sp++] = rc; st[sp++] = Task.RepRestore;
                repCnt[i] = rc + 1;
                st[sp++] = alt[i]; st[sp++] = Task.Visit;
              }
              break;
            }
            case Op.Alt:
              st[sp++] = i; st[sp++] = Task.AltRight;
              st[sp++] = alt[i]; st[sp++] = Task.Visit;
              break;
            case Op.SubBegin: {
              const k = arg[i];
              st[sp++] = k; st[sp++] = cf[k]; st[sp++] = Task.RestoreFirst;
              cf[k] = cur;
              st[sp++] = next[i]; st[sp++] = Task.Visit;
              break;
            }
            case Op.SubEnd: {
              const k = arg[i];
              st[sp++] = k; st[sp++] = cf[k]; st[sp++] = cs[k]; st[sp++] = cm[k]; st[sp++] = Task.RestoreSub;
              cs[k] = cur;
              cm[k] = 1;
              st[sp++] = next[i]; st[sp++] = Task.Visit;
              break;
            }
            case Op.LineBegin:
              if (cur === begin && (flags & PREV_AVAIL) === 0) { st[sp++] = next[i]; st[sp++] = Task.Visit; }
              break;
            case Op.LineEnd:
              if (cur === end) { st[sp++] = next[i]; st[sp++] = Task.Visit; }
              break;
            case Op.Accept: {
              hasSol = exact ? cur === end : true;
              if (cur === begin && (flags & NOT_NULL) !== 0) hasSol = false;
              if (hasSol && (solPos === -1 || solPos - begin < cur - begin)) {
                solPos = cur;
                results ??= new Int32Array(2 * n);
                for (let k = 0; k < n; k++) {
                  if (cm[k]) {
                    results[2 * k] = cf[k];
                    results[2 * k + 1] = cs[k];
                  } else {
                    results[2 * k] = -1;
                    results[2 * k + 1] = -1;
                  }
                }
              }
              break;
            }
            default:
              break;
          }
          break;
        }
        case Task.SetCur:
          cur = st[--sp];
          break;
        case Task.RestoreFirst: {
          const f = st[--sp];
          cf[st[--sp]] = f;
          break;
        }
        case Task.RestoreSub: {
          const m = st[--sp];
          const e = st[--sp];
          const f = st[--sp];
          const k = st[--sp];
          cf[k] = f;
          cs[k] = e;
          cm[k] = m;
          break;
        }
        case Task.RepRestore: {
          const rc = st[--sp];
          const rp = st[--sp];
          const i = st[--sp];
          repPos[i] = rp;
          repCnt[i] = rc;
          break;
        }
        case Task.RepNext: {
          const i = st[--sp];
          if (!hasSol) { st[sp++] = next[i]; st[sp++] = Task.Visit; }
          break;
        }
        case Task.AltRight: {
          const i = st[--sp];
          st[sp++] = hasSol ? 1 : 0; st[sp++] = Task.AltDone;
          hasSol = false;
          st[sp++] = next[i]; st[sp++] = Task.Visit;
          break;
        }
        case Task.AltDone:
          if (st[--sp]) hasSol = true;
          break;
      }
    }
    // Do not keep a big stack alive in the regex cache.
    if (st.length > 65536) this.stack = new Int32Array(256);
    return hasSol ? results : null;
  }
}
