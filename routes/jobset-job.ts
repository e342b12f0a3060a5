// A jobset run as a job (`POST /v1/jobs` with `"kind": "jobset"`): its lines kept in order as they
// come, so that `GET /v1/jobs/:id/results` can give them from any offset, and follow the ones
// still to come. The lines count against the job store's budget of result bytes; a jobset whose
// lines alone exceed it stops with `output-limit`.

import { type Service } from './service.js';
import { startJobset } from './jobsets.js';
import { type JobsetJobSpec, type JobsetRun, type JobsetSummary, stoppedLine } from '../workers/jobset-runner.js';

export class JobsetJob {
  readonly run: JobsetRun;
  private readonly lines: string[] = [];
  /** Bytes of the lines held. */
  bytes = 0;
  summary: JobsetSummary | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(svc: Service, spec: JobsetJobSpec, reqId: string, maxBytes: number) {
    this.run = startJobset(svc, spec, reqId, {
      onLine: (line) => {
        this.lines.push(line);
        this.bytes += line.length + 1;
        if (this.bytes > maxBytes) {
          this.run.fail({ kind: 'output-limit', message: `the jobset's lines take more than the limit of ${maxBytes} bytes` });
        }
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
