// `nixeval serve`: the HTTP service (embedded default: one process, a Piscina pool of
// evaluation workers, an in-memory job store; with REDIS_URL, jobs go to `nixeval worker`
// processes through Redis). The settings, their flags and variables are one schema
// (routes/config.ts, read through service-flags.ts); a setting that is not valid is one line on
// stderr naming what was set, and exit status 2.
//
// On SIGTERM or SIGINT the server drains (routes/server.ts) and the process exits within the
// grace period; a second signal exits at once.

import { buildServer } from '../../routes/server.js';
import { ConfigError } from '../../routes/config.js';
import { parseServiceArgs, type ServiceArgs, serviceUsage } from './service-flags.js';

/** The settings from flags and environment; throws ConfigError for one that is not valid. */
export function parseServeArgs(args: string[], env: Readonly<Record<string, string | undefined>>): ServiceArgs {
  return parseServiceArgs('serve', args, env);
}

export function serveUsage(): string {
  return serviceUsage('serve');
}

export async function serve(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(serveUsage());
    return 0;
  }
  let opts: ServiceArgs;
  try {
    opts = parseServeArgs(args, process.env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`nixeval serve: ${e.message}\n`);
    return 2;
  }
  const app = await buildServer(opts.server);
  const graceMs = opts.config.shutdownGraceMs ?? 30_000;
  let closing = false;
  const close = async (signal: string): Promise<void> => {
    if (closing) {
      // A second signal: stop now.
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal, graceMs }, 'shutting down: refusing new work, letting in-flight work finish');
    // Whatever happens, the process is gone shortly after the grace period.
    setTimeout(() => process.exit(1), graceMs + 2000).unref();
    try {
      await app.shutdown();
      app.log.info('shut down');
      process.exit(0);
    } catch (e) {
      app.log.error({ err: e }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void close('SIGINT'));
  process.on('SIGTERM', () => void close('SIGTERM'));
  await app.listen({ port: opts.port, host: opts.host });
  return new Promise<number>(() => {});
}
