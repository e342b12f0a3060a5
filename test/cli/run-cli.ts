// Runs `nixeval instantiate` in-process and captures what it prints.

import { instantiate } from '../../src/cli/instantiate.js';

/**
 * The environment of a run: no configuration file (NIX_CONF_DIR and the user's files point
 * nowhere), no NIX_PATH, nothing of the caller's NIX_* variables; `env` adds to it.
 */
export function cliEnv(env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const base: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^_?NIX_/.test(k) && !k.startsWith('XDG_')) base[k] = v;
  return { ...base, NIX_CONF_DIR: '/nonexistent/nixeval-test', NIX_USER_CONF_FILES: '', ...env };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The exit code and output of `nixeval instantiate ARGS`. The CLI writes bytes; they are read
 * as `encoding` (UTF-8 where the output has the trace lines' `…`, latin1 to see raw bytes).
 */
export function runCli(
  args: string[], encoding: BufferEncoding = 'utf8',
  options: {
    env?: Record<string, string | undefined>; stdin?: string; cwd?: string; colourTerminal?: boolean;
    /** The build's identity (CliIO.build): given, the disk cache of compiled files is on. */
    build?: string;
  } = {},
): CliRun {
  let stdout = '';
  let stderr = '';
  const text = (c: Buffer | string): string => (typeof c === 'string' ? c : c.toString(encoding));
  const io = {
    stdout: { write: (c: Buffer | string) => { stdout += text(c); } },
    stderr: { write: (c: Buffer | string) => { stderr += text(c); } },
    readStdin: () => options.stdin ?? '',
    env: cliEnv(options.env),
    cwd: options.cwd,
    colourTerminal: options.colourTerminal,
    build: options.build === undefined ? undefined : () => options.build!,
  };
  const code = instantiate(args, io);
  return { code, stdout, stderr };
}
