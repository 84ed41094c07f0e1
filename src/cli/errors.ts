import { ExitCode, UsageError } from '../exit-codes.js';

// The exit codes and the usage error belong to the library (src/exit-codes.ts); the CLI adds the
// errors only a command line has.
export { ExitCode, UsageError, exitCodeOf, type ExitCodeValue } from '../exit-codes.js';

export class NotImplementedError extends UsageError {
  constructor(command: string) {
    super(`greenlight ${command} is not implemented yet`);
    this.name = 'NotImplementedError';
  }
}

export class CancelledError extends Error {
  readonly exitCode: number;
  constructor(signal: string) {
    super(`cancelled by ${signal}`);
    this.name = 'CancelledError';
    this.exitCode = signal === 'SIGTERM' ? 143 : ExitCode.Interrupted;
  }
}
