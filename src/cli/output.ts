// Where a command's output goes, written as C++ Nix writes it.
//
// - stdout gets the results as bytes. Once the reader has gone (EPIPE: `… | head -c 100`),
//   later output is dropped without a word and the command ends as it would have, as
//   nix-instantiate does (its iostreams fail silently and SIGPIPE is ignored).
// - stderr gets messages (errors, warnings, traces) through C++ Nix's SimpleLogger: a message
//   above the verbosity is not shown, and each passes through filterANSIEscapes, which keeps
//   colour codes only when stderr is a terminal, drops every other escape sequence, `\r` and
//   `\a`, and expands tabs.
//
// The file descriptors are written with writeSync, never through process.stdout, so output
// is the same from the main thread and from a worker thread, and a closed pipe is an error
// code rather than an 'error' event.

import { writeSync } from 'node:fs';

/** What a command writes to (a file descriptor, or a buffer in tests). */
export interface Sink {
  write(chunk: Buffer | string): unknown;
}

/** C++ Nix's verbosity levels. */
export const enum Verbosity { Error = 0, Warn = 1, Notice = 2, Info = 3, Talkative = 4, Chatty = 5, Debug = 6, Vomit = 7 }

/** A sink on a file descriptor that goes quiet once the reader has gone. */
export class FdSink implements Sink {
  private closed = false;
  /** Bytes given to write so far (written or not). */
  written = 0;

  /** `skip`: the first bytes given are left out (they were written by an earlier run). */
  constructor(private readonly fd: number, private skip = 0) {}

  write(chunk: Buffer | string): void {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    this.written += buf.length;
    if (this.skip > 0) {
      const n = Math.min(this.skip, buf.length);
      this.skip -= n;
      buf = buf.subarray(n);
    }
    if (this.closed) return;
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(this.fd, buf, off, buf.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          // A non-blocking descriptor that is full: wait a little for the reader.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
          continue;
        }
        // EPIPE, or any other failure to write: the output is dropped, as C++ Nix's is.
        this.closed = true;
        return;
      }
    }
  }
}

/** Whether C++ Nix would colour its messages: stderr is a terminal and colour is not refused. */
export function stderrIsColourTerminal(env: Readonly<Record<string, string | undefined>>, fd = 2): boolean {
  if ((env.TERM ?? 'dumb') === 'dumb' || env.NO_COLOR !== undefined || env.NOCOLOR !== undefined) return false;
  // node:tty is loaded only when the answer depends on it.
  return process.getBuiltinModule('node:tty').isatty(fd);
}

/** The messages of a command, filtered as C++ Nix's SimpleLogger filters them. */
export class Logger {
  verbosity: Verbosity = Verbosity.Info;

  /** `tty`: whether stderr shows colours, or how to find out (asked once, when a message is written). */
  constructor(private readonly sink: Sink, private tty: boolean | (() => boolean)) {}

  /** Writes a message (a byte string, possibly several lines) if `level` is shown. */
  log(level: Verbosity, message: string): void {
    if (level > this.verbosity) return;
    if (typeof this.tty === 'function') this.tty = this.tty();
    this.sink.write(Buffer.from(filterANSIEscapes(message, !this.tty) + '\n', 'latin1'));
  }

  warn(message: string): void {
    this.log(Verbosity.Warn, `warning: ${message}`);
  }
}

/**
 * C++ Nix's filterANSIEscapes over a byte string: escape sequences go (colour codes stay
 * unless `filterAll`), `\r` and `\a` go, and a tab becomes the blanks up to the next multiple
 * of eight columns, columns counted from the start of the message.
 */
export function filterANSIEscapes(s: string, filterAll: boolean): string {
  let out = '';
  let width = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x1b) {
      const start = i++;
      let last = 0;
      if (i < s.length && s[i] === '[') {
        i++;
        while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x3f) i++;
        while (i < s.length && s.charCodeAt(i) >= 0x20 && s.charCodeAt(i) <= 0x2f) i++;
        if (i < s.length && s.charCodeAt(i) >= 0x40 && s.charCodeAt(i) <= 0x7e) last = s.charCodeAt(i++);
      } else if (i < s.length && s[i] === ']') {
        // An operating system command, ended by ESC (then a backslash) or BEL.
        i++;
        while (i < s.length && s[i] !== '\x1b' && s[i] !== '\x07') i++;
        if (i < s.length) {
          const v = s[i++];
          if (i < s.length && v === '\x1b' && s[i] === '\\') last = s.charCodeAt(i++);
        }
      } else if (i < s.length && s.charCodeAt(i) >= 0x40 && s.charCodeAt(i) <= 0x5f) {
        i++;
      }
      if (!filterAll && last === 0x6d /* m */) out += s.slice(start, i);
    } else if (c === 0x09) {
      do {
        width++;
        out += ' ';
      } while (width % 8 !== 0);
      i++;
    } else if (c === 0x0d || c === 0x07) {
      i++;
    } else {
      const [w, bytes] = charWidth(s, i);
      width += w;
      out += s.slice(i, i + bytes);
      i += bytes;
    }
  }
  return out;
}

/**
 * The display width of the UTF-8 character at `i` (a byte string) and its length in bytes.
 * Control characters take no column, wide East Asian characters two, combining marks none;
 * an invalid byte is one column.
 */
function charWidth(s: string, i: number): [number, number] {
  const b = s.charCodeAt(i);
  let bytes = 1;
  let cp = b;
  let max = 0x80;
  if ((b & 0x80) === 0) {
    // ASCII
  } else if ((b & 0xe0) === 0xc0) {
    cp = b & 0x1f; bytes = 2; max = 1 << 11;
  } else if ((b & 0xf0) === 0xe0) {
    cp = b & 0x0f; bytes = 3; max = 1 << 16;
  } else if ((b & 0xf8) === 0xf0) {
    cp = b & 0x07; bytes = 4; max = 0x110000;
  } else {
    return [1, 1];
  }
  for (let k = 1; k < bytes; k++) {
    const c = s.charCodeAt(i + k);
    if (i + k >= s.length || (c & 0xc0) !== 0x80) return [k, k];
    cp = (cp << 6) | (c & 0x3f);
  }
  if (cp >= max) return [bytes, bytes]; // an overlong encoding
  return [codePointWidth(cp), bytes];
}

function codePointWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3)
    || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60)
    || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}
