import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from './errors.js';
import type { ConfigProblem } from './errors.js';
import type { Config, EnvironmentConfig } from './environment.js';
import { hasValueAt, mergeDefaults } from './merge.js';
import { placeholderProblems } from './placeholder.js';
import { inFileOrder, problemsFromIssues } from './problems.js';
import { ENVIRONMENT_NAME, environmentSchema, fileShape } from './schema.js';
import { readYaml } from './yaml-source.js';
import type { YamlSource } from './yaml-source.js';

export interface LoadConfigInput {
  /** Where the configuration lives; named in every message. */
  readonly path: string;
  /** The file's text, when the caller already has it; otherwise the file at `path` is read. */
  readonly text?: string;
}

/**
 * Reads and validates greenlight.yml: every environment with `defaults:` merged in, fully defaulted.
 * Every problem in the file is reported at once, as one ConfigError (exit code 2).
 */
export function loadConfig(input: LoadConfigInput): Config {
  const file = input.text === undefined ? findConfigFile(input.path) : input.path;
  const source = readYaml(input.text ?? readConfigFile(file));
  if (source.syntaxProblems.length > 0) throw ConfigError.fromProblems(file, source.syntaxProblems);
  if (source.value === undefined || source.value === null) {
    throw ConfigError.fromProblems(file, [
      {
        message:
          'the file is empty; expected application: and environments: (see the example greenlight.yml)',
      },
    ]);
  }

  const problems: ConfigProblem[] = [];
  const top = fileShape.safeParse(source.value, { reportInput: true });
  if (!top.success) {
    problems.push(
      ...problemsFromIssues(top.error.issues, {
        input: source.value,
        schema: fileShape,
        toFilePath: (path) => path,
        lineOf: source.lineOf,
      }),
    );
  }

  const environments = new Map<string, EnvironmentConfig>();
  const raw = asMap(source.value);
  const application = top.success ? top.data.application : '';
  const defaults = raw?.defaults;
  const rawEnvironments = asMap(raw?.environments);
  if (isMapOrNothing(defaults) && rawEnvironments !== undefined) {
    for (const [name, body] of Object.entries(rawEnvironments)) {
      if (!ENVIRONMENT_NAME.test(name) || !isMapOrNothing(body)) continue;
      const checked = checkEnvironment(name, defaults ?? {}, body ?? {}, source);
      if (checked.environment !== undefined)
        environments.set(name, { name, application, ...checked.environment });
      problems.push(...checked.problems);
    }
  }

  // A placeholder greenlight init wrote is said as such, instead of as a malformed ARN or bucket.
  const placeholders = placeholderProblems(source.value, source.lineOf);
  if (placeholders.length > 0) {
    const at = new Set(placeholders.map((p) => p.path));
    problems.splice(0, problems.length, ...placeholders, ...problems.filter((p) => !at.has(p.path)));
  }
  if (problems.length > 0) throw ConfigError.fromProblems(file, inFileOrder(unique(problems)));
  return { file, application, environments };
}

function checkEnvironment(
  name: string,
  defaults: unknown,
  body: unknown,
  source: YamlSource,
): { environment?: Omit<EnvironmentConfig, 'name' | 'application'>; problems: ConfigProblem[] } {
  const merged = mergeDefaults(defaults, body);
  const result = environmentSchema.safeParse(merged, { reportInput: true });
  if (result.success) return { environment: result.data, problems: [] };
  return {
    problems: problemsFromIssues(result.error.issues, {
      input: merged,
      schema: environmentSchema,
      toFilePath: (path) => whereInFile(name, defaults, body, path),
      lineOf: source.lineOf,
    }),
  };
}

/**
 * An environment is validated after `defaults:` is merged in; a problem is reported where its value
 * was written: under the environment when it set (a parent of) the key, else under `defaults:`.
 */
function whereInFile(
  name: string,
  defaults: unknown,
  body: unknown,
  path: readonly PropertyKey[],
): PropertyKey[] {
  for (let length = path.length; length > 0; length -= 1) {
    const prefix = path.slice(0, length);
    if (hasValueAt(body, prefix)) break;
    if (hasValueAt(defaults, prefix)) return ['defaults', ...path];
  }
  return ['environments', name, ...path];
}

/** The name greenlight looks for, in the working directory and then upwards. */
export const CONFIG_FILE_NAME = 'greenlight.yml';

/**
 * Where the configuration is: `path` when it exists; else, when `path` names a greenlight.yml, the
 * nearest greenlight.yml above its directory up to the repository's root (the first directory with a
 * `.git`), so a command run from `src/` or `hooks/` finds the repository's. `Config.file` says which
 * file was used. Otherwise `path`, for the error that says it is missing.
 */
export function findConfigFile(path: string): string {
  if (existsSync(path) || basename(path) !== CONFIG_FILE_NAME) return path;
  let dir = dirname(path);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return path;
    const parent = dirname(dir);
    if (parent === dir) return path;
    dir = parent;
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
  }
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(
        `no configuration file at ${path}${basename(path) === CONFIG_FILE_NAME ? ' (nor in a directory above it, up to the repository root)' : ''}: create it (the repository's greenlight.yml is an example) or pass --config PATH (or set GREENLIGHT_CONFIG)`,
        { file: path, cause: error },
      );
    }
    if (code === 'EISDIR') {
      throw new ConfigError(
        `${path} is a directory, not a configuration file: pass --config PATH to greenlight.yml`,
        {
          file: path,
          cause: error,
        },
      );
    }
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, { file: path, cause: error });
  }
}

function asMap(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function isMapOrNothing(value: unknown): value is Record<string, unknown> | null | undefined {
  return value === null || value === undefined || asMap(value) !== undefined;
}

function unique(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path ?? ''}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
