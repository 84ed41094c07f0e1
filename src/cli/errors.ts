// Exit codes are a contract (DESIGN.md): CI scripts branch on them.
export const ExitCode = {
  /** Done and verified. */
  Ok: 0,
  /** The deployment or its verification failed. */
  Failed: 1,
  /** Bad flag, bad greenlight.yml or appspec, unknown environment or deployment. */
  Usage: 2,
  /** An AWS error the retries could not get past. */
  Aws: 3,
  /** A deadline passed. */
  Timeout: 4,
  /** Failed, rolled back, and the rollback verified. */
  RolledBack: 5,
  /** Interrupted by SIGINT (128 + 2); SIGTERM gives 143. */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad input from the person or script running greenlight. Exit 2, message only, no stack. */
export class UsageError extends Error {
  readonly exitCode: number = ExitCode.Usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

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

/** Errors that know their exit code (UsageError, ConfigError, AwsOperationError, …) carry it. */
export function exitCodeOf(error: unknown): number | undefined {
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === 'number' ? code : undefined;
}
