// Runs `nixeval instantiate` in-process and captures what it prints.

import { instantiate } from '../../src/cli/instantiate.js';

/**
 * The exit code and output of `nixeval instantiate ARGS`. The CLI writes bytes; they are read
 * as `encoding` (UTF-8 where the output has the trace lines' `…`, latin1 to see raw bytes).
 */
export function runCli(args: string[], encoding: BufferEncoding = 'utf8'): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const text = (c: Buffer | string): string => (typeof c === 'string' ? c : c.toString(encoding));
  const io = {
    stdout: { write: (c: Buffer | string) => { stdout += text(c); } },
    stderr: { write: (c: Buffer | string) => { stderr += text(c); } },
    readStdin: () => '',
  };
  const code = instantiate(args, io);
  return { code, stdout, stderr };
}
