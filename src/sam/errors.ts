/** An option of a sam call that cannot be passed safely or makes no sense. Exit 2: fix the input. */
export class SamInputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'SamInputError';
  }
}

/** The sam CLI ran and failed, or could not be started. Exit 1. */
export class SamFailedError extends Error {
  readonly exitCode = 1;
  /** The last lines sam printed, for the CI log and for reports. */
  readonly outputTail: readonly string[];
  constructor(message: string, outputTail: readonly string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SamFailedError';
    this.outputTail = outputTail;
  }
}
