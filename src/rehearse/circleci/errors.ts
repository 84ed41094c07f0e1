/** A location in the config: keys and list indexes from the document's root. */
export type ConfigPath = readonly (string | number)[];

/** `workflows.deliver.jobs[3].gate` */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text === '' ? '(top level)' : text;
}

/**
 * What is wrong with the config and where: the file, the line when the YAML can place it, the key
 * path, the problem. Thrown by parsing and planning; the message is ready for a user.
 */
export class CircleConfigError extends Error {
  override readonly name = 'CircleConfigError';
  readonly file: string;
  readonly path: ConfigPath;
  readonly line: number | undefined;
  readonly problem: string;

  constructor(options: { file: string; path: ConfigPath; line?: number; problem: string }) {
    const where = options.line === undefined ? options.file : `${options.file}:${options.line}`;
    super(`${where}: ${formatPath(options.path)}: ${options.problem}`);
    this.file = options.file;
    this.path = options.path;
    this.line = options.line;
    this.problem = options.problem;
  }
}

/** Raised below the config layer; turned into a CircleConfigError with the file and line. */
export class ConfigProblem extends Error {
  override readonly name = 'ConfigProblem';
  constructor(
    readonly path: ConfigPath,
    readonly problem: string,
  ) {
    super(`${formatPath(path)}: ${problem}`);
  }
}

export function problem(path: ConfigPath, message: string): ConfigProblem {
  return new ConfigProblem(path, message);
}
