// Errors of the command line itself, as C++ Nix prints them: a UsageError (a mistake on the
// command line or in the configuration) is `error: MESSAGE` followed by a hint to read
// --help; a CliError is `error: MESSAGE` alone. Both exit with 1.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
