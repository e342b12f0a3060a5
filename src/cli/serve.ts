// `nixeval serve`: the HTTP service (embedded default: one process, a Piscina pool of
// evaluation workers, an in-memory job store; with REDIS_URL, jobs go to `nixeval worker`
// processes through Redis). Its flags and their variables: service-flags.ts.

import { buildServer } from '../../routes/server.js';
import { parseServiceArgs, type ServiceArgs, serviceUsage } from './service-flags.js';

export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv): ServiceArgs {
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
  const opts = parseServeArgs(args, process.env);
  const app = await buildServer(opts.server);
  let closing = false;
  const close = async (signal: string): Promise<void> => {
    if (closing) {
      // A second signal: stop now.
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down: refusing new work, letting in-flight work finish');
    try {
      await app.close();
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
