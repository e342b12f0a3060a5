// A request's logger (Fastify's `req.log`): pino's child logger with the request's id, made only
// when the request writes a line at a level that is enabled. Fastify makes one for every
// request; pino's child copies and serialises its bindings each time, which the service paid
// on every evaluation even at the levels (warn and above) where a successful request logs
// nothing.

import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level } from 'pino';

type PinoLike = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };

export class RequestLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(private readonly parent: PinoLike, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  get level(): string {
    return (this.made ?? this.parent).level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.made as PinoLike | undefined ?? this.parent).isLevelEnabled?.(level) ?? true;
  }

  private logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  private write(level: Level, args: unknown[]): void {
    if (this.isLevelEnabled(level)) (this.logger()[level] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void { this.write('fatal', args); }
  error(...args: unknown[]): void { this.write('error', args); }
  warn(...args: unknown[]): void { this.write('warn', args); }
  info(...args: unknown[]): void { this.write('info', args); }
  debug(...args: unknown[]): void { this.write('debug', args); }
  trace(...args: unknown[]): void { this.write('trace', args); }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`. */
export function requestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
