// `nixeval serve`: the HTTP service (embedded default: one process, in-memory state).

import { buildServer } from '../../routes/server.js';

export interface ServeOptions {
  port: number;
  host: string;
}

export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv): ServeOptions {
  const o: ServeOptions = { port: Number(env.PORT ?? 8080), host: env.HOST ?? '127.0.0.1' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--port') o.port = Number(args[++i]);
    else if (a === '--host') o.host = args[++i];
    else throw new Error(`unknown flag '${a}'`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`invalid port '${o.port}'`);
  return o;
}

export async function serve(args: string[]): Promise<number> {
  const opts = parseServeArgs(args, process.env);
  const app = await buildServer({ logger: true });
  const close = async (): Promise<void> => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  await app.listen({ port: opts.port, host: opts.host });
  return new Promise<number>(() => {});
}
