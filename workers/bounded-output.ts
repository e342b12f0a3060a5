// The output limit of one evaluation (its `maxOutputBytes`): everything the answer carries that
// the program decides, the value's JSON, warnings, traces and, for a failure, the error's
// message, rendered text and trace, fits in it. What does not fit is cut here, in the worker,
// before it crosses to the main thread, and each cut is marked so a client can tell.
//
// Sizes are bytes of UTF-8. Inputs are the evaluator's byte strings (one char per byte), cut at
// a character boundary and only then decoded, so a 100 MB message is never decoded whole.

/** The marker put where a text was cut. */
export function cutMarker(bytes: number): string {
  return ` … [${bytes} more bytes cut: output limit]`;
}

/** The error message always keeps this much, whatever the limit, so that it says something. */
export const MIN_MESSAGE_BYTES = 256;

const bytesToUtf8 = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');

/** A byte string's first `max` bytes, cut back to a UTF-8 character boundary. */
function headBytes(s: string, max: number): string {
  let end = Math.max(0, max);
  // Continuation bytes (10xxxxxx) belong to the character before them.
  while (end > 0 && end < s.length && (s.charCodeAt(end) & 0xc0) === 0x80) end--;
  return s.slice(0, end);
}

/**
 * A byte string decoded, cut (and marked) to at most `max` bytes of it. `fullLength`: the
 * length of the text `s` was taken from, when `s` is already a part of it.
 */
export function cutText(s: string, max: number, fullLength = s.length): string {
  if (fullLength <= max) return bytesToUtf8(s);
  const head = headBytes(s, max);
  return bytesToUtf8(head) + cutMarker(fullLength - head.length);
}

/** What is left of an output limit as texts take their share of it. */
export class OutputBudget {
  constructor(public left: number) {}

  /** The text (a byte string), decoded and cut to what is left (but at least `atLeast`); what
   * it keeps is used up. `fullLength` as for cutText. */
  take(s: string, atLeast = 0, fullLength = s.length): string {
    const room = Math.max(this.left, atLeast);
    this.left = Math.max(0, this.left - Math.min(fullLength, room));
    return cutText(s, room, fullLength);
  }
}

interface Message {
  warning: boolean;
  /** Byte string, without its `warning: ` / `trace: ` prefix (its head, if it was long). */
  text: string;
  /** The length of the whole message. */
  length: number;
}

/**
 * The warnings and traces of an evaluation as they are printed, holding at most `maxBytes` of
 * them (the one that crosses the limit is cut, later ones only counted), so a program that
 * traces in a loop costs the worker no more than the limit.
 */
export class MessageLog {
  private readonly kept: Message[] = [];
  private keptBytes = 0;
  private dropped = { warnings: 0, traces: 0 };

  constructor(private readonly maxBytes: number) {}

  /** A line of the message stream (`warning: ...`, `trace: ...`, or anything else as a warning). */
  add(line: string): void {
    const trace = line.startsWith('trace: ');
    const text = trace ? line.slice(7) : line.startsWith('warning: ') ? line.slice(9) : line;
    const room = this.maxBytes - this.keptBytes;
    if (room <= 0) {
      if (trace) this.dropped.traces++;
      else this.dropped.warnings++;
      return;
    }
    // Kept as the original slice when it fits; a cut one is marked when it is output.
    const keep = text.length <= room ? text : text.slice(0, room + 1);
    this.keptBytes += Math.min(text.length, room);
    this.kept.push({ warning: !trace, text: keep, length: text.length });
  }

  /** The messages as the answer carries them, taking from `budget`: cut and marked past it. */
  output(budget: OutputBudget): { warnings: string[]; traces: string[] } {
    const warnings: string[] = [];
    const traces: string[] = [];
    const dropped = { ...this.dropped };
    for (const m of this.kept) {
      if (budget.left <= 0) {
        if (m.warning) dropped.warnings++;
        else dropped.traces++;
        continue;
      }
      (m.warning ? warnings : traces).push(budget.take(m.text, 0, m.length));
    }
    if (dropped.warnings > 0) warnings.push(`… ${dropped.warnings} more warnings omitted: output limit`);
    if (dropped.traces > 0) traces.push(`… ${dropped.traces} more traces omitted: output limit`);
    return { warnings, traces };
  }
}
