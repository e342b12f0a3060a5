// A source file as the evaluator sees it: a byte string (each JS char holds one byte, as
// latin1 decoding gives) plus a line table, so offsets, columns and string lengths are all
// counted in bytes, as C++ Nix counts them.

export class Source {
  private lineStarts: number[] | undefined;

  constructor(
    /** Shown in positions: an absolute path, «stdin» / «string», or an internal file's display. */
    readonly origin: string,
    /** The text as a byte string. */
    readonly text: string,
    /** The directory relative paths in this source resolve against. */
    readonly baseDir: string,
  ) {}

  /** Names C++ Nix shows for sources that are not files. */
  static readonly STDIN = utf8ToBytes('«stdin»');
  static readonly STRING = utf8ToBytes('«string»');

  /** The prefix of sources C++ Nix keeps in its internal accessor (derivation-internal.nix). */
  static readonly INTERNAL_PREFIX = utf8ToBytes('«nix-internal»');

  /**
   * The `file` of this source's positions as values (`__curPos`, `unsafeGetAttrPos`) and the
   * `path` of XML output: C++ Nix's mkPos and posToXML give a position only when its origin is a
   * SourcePath, and then its path without the accessor's display prefix, so an internal file is
   * `/derivation-internal.nix`; an expression from -E or stdin has none (mkPos gives null).
   */
  positionFile(): string | undefined {
    const o = this.origin;
    if (o.startsWith('/')) return o;
    if (o.startsWith(Source.INTERNAL_PREFIX) && o.charCodeAt(Source.INTERNAL_PREFIX.length) === 47) return o.slice(Source.INTERNAL_PREFIX.length);
    // A corepkgs file, shown `<nix/fetchurl.nix>` (src/io/corepkgs.ts): its path is `/fetchurl.nix`.
    if (o.startsWith('<nix/') && o.endsWith('>')) return o.slice(4, -1);
    return undefined;
  }

  static fromUtf8(origin: string, text: string, baseDir: string): Source {
    return new Source(origin, utf8ToBytes(text), baseDir);
  }

  private starts(): number[] {
    if (this.lineStarts) return this.lineStarts;
    const starts = [0];
    const t = this.text;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        // CR and CRLF end lines too, as Nix's position table counts them.
        if (t.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
    return starts;
  }

  /** 1-based line and column of a byte offset. */
  lineCol(offset: number): { line: number; column: number } {
    const starts = this.starts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  }

  /** The text of a 1-based line without its terminator, or undefined past the end. */
  line(n: number): string | undefined {
    const starts = this.starts();
    if (n < 1 || n > starts.length) return undefined;
    const start = starts[n - 1];
    let end = n < starts.length ? starts[n] : this.text.length;
    while (end > start && (this.text.charCodeAt(end - 1) === 10 || this.text.charCodeAt(end - 1) === 13)) end--;
    return this.text.slice(start, end);
  }

  lineCount(): number {
    return this.starts().length;
  }
}

export function utf8ToBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

export function bytesToUtf8(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}
