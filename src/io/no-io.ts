// No IO at all (pure evaluation without files): every operation fails with an error that
// names it and the path, so the user sees what the expression tried to do.

import { type EvalIO, type FileType, ioError } from './io.js';

function refused(operation: string, what?: string): Error {
  const target = what === undefined ? '' : ` '${what}'`;
  return ioError(`${operation}${target} is not allowed: this evaluation has no access to files, the environment or the clock (pure evaluation)`);
}

export class NoIO implements EvalIO {
  readonly description = 'none';

  readFile(path: string): string {
    throw refused('reading file', path);
  }

  readDir(path: string): Map<string, FileType> {
    throw refused('reading directory', path);
  }

  lstat(path: string): FileType | undefined {
    throw refused('getting the type of', path);
  }

  stat(path: string): FileType | undefined {
    throw refused('getting the type of', path);
  }

  pathExists(path: string): boolean {
    throw refused('checking the existence of', path);
  }

  readLink(path: string): string {
    throw refused('reading symbolic link', path);
  }

  isExecutable(path: string): boolean {
    throw refused('getting the type of', path);
  }

  realpath(path: string): string {
    throw refused('resolving', path);
  }

  getEnv(name: string): string | undefined {
    throw refused('reading environment variable', name);
  }

  currentTime(): number {
    throw refused('reading the current time');
  }
}
