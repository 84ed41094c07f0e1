// Which greenlight the action runs (the `cli` input, like the orb's `cli` parameter). The action
// itself is only its entry point: greenlight comes from the project, or from the registry at the
// action's own version, so that a change to greenlight never needs a rebuild of the action.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionInputError, splitArgs } from './invocation.js';

/** How greenlight is run: a program and the words before greenlight's own arguments. */
export interface Cli {
  readonly program: string;
  readonly args: readonly string[];
  /** Where it comes from, for the step's log: the input, the project, or the registry. */
  readonly source: 'input' | 'installed' | 'published';
}

/** The action's package (package.json at the root of the action's repository, at its tag). */
export interface ActionPackage {
  readonly name: string;
  readonly version: string;
}

/** The project's own greenlight, where `npm ci` puts the bin of a (dev) dependency. */
export const INSTALLED_BIN = join('node_modules', '.bin', 'greenlight');

/**
 * The `cli` input as words (split as `args` is, without a shell), else the project's installed
 * greenlight when `workingDirectory` has one, else the published package at the action's version:
 * `uses: …/greenlight@v0.1.0` runs greenlight 0.1.0, never whatever is newest on the registry.
 */
export function chooseCli(
  input: string,
  workingDirectory: string,
  action: ActionPackage,
  exists: (path: string) => boolean,
): Cli {
  if (input.trim() !== '') {
    const [program, ...args] = splitArgs(input, 'cli');
    if (!program) throw new ActionInputError('cli: names no program to run');
    return { program, args, source: 'input' };
  }
  const installed = join(workingDirectory, INSTALLED_BIN);
  if (exists(installed)) return { program: installed, args: [], source: 'installed' };
  // npx runs the package's one bin (greenlight) and passes every word after the package to it.
  // --yes: no prompt to install (there is no terminal to answer it).
  return { program: 'npx', args: ['--yes', `${action.name}@${action.version}`], source: 'published' };
}

/** The name and version in the action's package.json. */
export function readActionPackage(path: string): ActionPackage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the action's package.json (${path}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  const { name, version } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof name !== 'string' || name === '' || typeof version !== 'string' || version === '') {
    throw new Error(`the action's package.json (${path}) has no name and version`);
  }
  return { name, version };
}

/** The command line as the step's log shows it. */
export function describeCli(cli: Cli): string {
  const words = [cli.program, ...cli.args].map((word) =>
    /[\s'"\\]/.test(word) ? JSON.stringify(word) : word,
  );
  const from = {
    input: 'the cli input',
    installed: "the project's own",
    published: "the published package, at the action's version",
  }[cli.source];
  return `${words.join(' ')} (${from})`;
}
