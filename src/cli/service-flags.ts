// What `nixeval serve` and `nixeval worker` make of their flags and environment variables: the
// settings of the one schema (routes/config.ts, which says which command takes each flag) as
// the server's options, and where the command listens.

import type { ServerOptions } from '../../routes/server.js';
import { configHelp, DEFAULT_PORT, parseConfig, serverOptions, type ServiceCommand, type ServiceConfig } from '../../routes/config.js';

export { DEFAULT_PORT, type ServiceCommand };

export interface ServiceArgs {
  port: number;
  host: string;
  /** The settings given (flags and variables), validated. */
  config: Partial<ServiceConfig>;
  /** The same as buildServer's options (defaults left to it). */
  server: ServerOptions;
}

/** The settings of `command`; throws ConfigError (one line naming what was set) for one that is not valid. */
export function parseServiceArgs(command: ServiceCommand, args: string[], env: Readonly<Record<string, string | undefined>>): ServiceArgs {
  const config = parseConfig(command, args, env);
  return { port: config.port ?? DEFAULT_PORT[command], host: config.host ?? '127.0.0.1', config, server: serverOptions(config) };
}

export function serviceUsage(command: ServiceCommand): string {
  return configHelp(command);
}
