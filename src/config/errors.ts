/** One thing wrong with a configuration: where it is and what is wrong with it. */
export interface ConfigProblem {
  /** Dotted key path in the file, e.g. `environments.dev.blueGreen.terminateBlue.waitMinutes`. */
  readonly path?: string;
  /** 1-based line in the file, when the YAML document could place the key. */
  readonly line?: number;
  /** 1-based column, for YAML syntax errors. */
  readonly column?: number;
  readonly message: string;
}

export interface ConfigErrorOptions {
  readonly file?: string;
  readonly path?: string;
  readonly line?: number;
  readonly problems?: readonly ConfigProblem[];
  readonly cause?: unknown;
}

/**
 * A usage or configuration error: invalid greenlight.yml, a bad GREENLIGHT_* variable or flag value.
 * The CLI prints `message` as is and exits with `exitCode`, so the message must stand on its own.
 */
export class ConfigError extends Error {
  readonly exitCode = 2;
  readonly file?: string;
  readonly path?: string;
  readonly line?: number;
  readonly problems: readonly ConfigProblem[];

  constructor(message: string, options: ConfigErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigError';
    if (options.file !== undefined) this.file = options.file;
    if (options.path !== undefined) this.path = options.path;
    if (options.line !== undefined) this.line = options.line;
    this.problems = options.problems ?? [];
  }

  /** Builds one error out of every problem found in `file`, one problem per line. */
  static fromProblems(file: string, problems: readonly ConfigProblem[]): ConfigError {
    const first = problems[0];
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((problem) => `  ${describeProblem(file, problem)}`);
    return new ConfigError([`${file}: invalid configuration (${count}):`, ...lines].join('\n'), {
      file,
      ...(first?.path !== undefined && { path: first.path }),
      ...(first?.line !== undefined && { line: first.line }),
      problems,
    });
  }
}

/** `greenlight.yml:12:5: environments.dev.bake: …`, the form editors and CI logs turn into links. */
export function describeProblem(file: string, problem: ConfigProblem): string {
  let where = file;
  if (problem.line !== undefined) where += `:${problem.line}`;
  if (problem.line !== undefined && problem.column !== undefined) where += `:${problem.column}`;
  const key = problem.path === undefined || problem.path === '' ? '' : `${problem.path}: `;
  return `${where}: ${key}${problem.message}`;
}
