// A jobset run as a job (`POST /v1/jobs` with `"kind": "jobset"`): its lines kept in order as they
// come, so that `GET /v1/jobs/:id/results` can give them from any offset, and follow the ones
// still to come. Each line is counted against the job store's budget of result bytes as it
// comes (`hold`), so running jobsets cannot together hold more than the store allows; a jobset
// whose next line does not fit stops with `output-limit`, the lines it has kept readable.

import { type Service } from './service.js';
import { startJobset } from './jobsets.js';
import { type JobsetJobSpec, type JobsetRun, type JobsetSummary, stoppedLine } from '../workers/jobset-runner.js';

export class JobsetJob {
  readonly run: JobsetRun;
  private readonly lines: string[] = [];
  /** Bytes of the lines held. */
  bytes = 0;
  summary: JobsetSummary | undefined;
  /** Its lines no longer fit: the rest are dropped. */
  private stopped = false;
  private readonly listeners = new Set<() => void>();

  /**
   * `hold(bytes)` asks the job store to count a line's bytes; it answers with the bytes the store
   * could not make room for (0 when the line fits).
   */
  constructor(svc: Service, spec: JobsetJobSpec, reqId: string, hold: (bytes: number) => number) {
    this.run = startJobset(svc, spec, reqId, {
      onLine: (line) => {
        if (this.summary !== undefined || this.stopped) return;
        const bytes = line.length + 1;
        const over = hold(bytes);
        if (over > 0) {
          this.stopped = true;
          this.run.fail({ kind: 'output-limit', message: `the jobset's lines take more than the job store can hold (${over} bytes past its limit)` });
          return;
        }
        this.lines.push(line);
        this.bytes += bytes;
        this.notify();
      },
    });
    void this.run.done.then((summary) => {
      this.summary = summary;
      const stopped = stoppedLine(summary);
      if (stopped !== undefined) this.lines.push(stopped);
      this.notify();
    });
  }

  /** Lines held. */
  get count(): number {
    return this.lines.length;
  }

  /** The lines from `offset` on (a copy). */
  linesFrom(offset: number): string[] {
    return this.lines.slice(offset);
  }

  /** Calls `f` when lines are added or the jobset finishes; returns how to stop. */
  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private notify(): void {
    for (const f of this.listeners) f();
  }
}
