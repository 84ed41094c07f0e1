// Exit codes are a contract (DESIGN.md): CI scripts branch on them, and the library's operations
// return them so the CLI, the deployscripts and any other caller end the same way.
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

/** Bad input from the person or program calling greenlight. Exit 2, message only, no stack. */
export class UsageError extends Error {
  readonly exitCode: number = ExitCode.Usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Errors that know their exit code (UsageError, ConfigError, AwsOperationError, …) carry it. */
export function exitCodeOf(error: unknown): number | undefined {
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === 'number' ? code : undefined;
}
