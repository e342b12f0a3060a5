// One command run under GNU time for the differential scripts: its exit code, output and CPU time.
import { spawnSync } from 'node:child_process';

export interface Outcome { code: number | null; stdout: string; stderr: string; cpu: number }

/**
 * Runs `cmd` under /usr/bin/time, without NODE_EXTRA_CA_CERTS (Node parses that CA file at
 * start, which would weigh on nixeval's side alone), with `extraEnv` added. `cpu`: user +
 * system seconds; `code`: null when the command timed out or could not run.
 */
export function runTimed(cmd: string[], timeout: number, extraEnv: Record<string, string> = {}): Outcome {
  const env: Record<string, string | undefined> = { ...process.env, ...extraEnv };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync('/usr/bin/time', ['-f', '\u0001%U %S', ...cmd], { env, encoding: 'utf8', timeout: timeout * 1000, maxBuffer: 1 << 28 });
  let stderr = r.stderr ?? '';
  let cpu = 0;
  const cut = stderr.lastIndexOf('\u0001');
  if (cut >= 0) {
    const [u, s] = stderr.slice(cut + 1).trim().split(' ').map(Number);
    cpu = (u ?? 0) + (s ?? 0);
    stderr = stderr.slice(0, cut);
  }
  // /usr/bin/time reports a signalled child as "Command terminated by signal N" / exit status.
  stderr = stderr.replace(/^Command (exited with non-zero status \d+|terminated by signal \d+)\n/m, '');
  return { code: r.error ? null : r.status, stdout: r.stdout ?? '', stderr, cpu };
}
