// The revision `greenlight hooks run` installs: the appspec and what it references (the `files`
// sources and the hook scripts) of a bundle directory, packed as the tar the agent would download,
// never node_modules or .git. Checked first with the appspec linter, as `deploy --bundle` does.
import { execFile } from 'node:child_process';
import { posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { formatProblem, hasErrors, type AppSpec, type AppSpecProblem } from '../appspec/appspec.js';
import { lintBundleDetailed } from '../appspec/bundle.js';

const run = promisify(execFile);

/** The bundle cannot be installed as it is (exit 2): the problems say why. */
export class BundleProblemError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly problems: readonly AppSpecProblem[] = [],
  ) {
    super(message);
    this.name = 'BundleProblemError';
  }
}

export interface LocalBundle {
  /** Absolute path of the bundle's root (where the appspec is). */
  readonly dir: string;
  readonly spec: AppSpec;
  /** Bundle-relative paths packed, in order. */
  readonly paths: readonly string[];
  readonly tar: Buffer;
  /** `git rev-parse HEAD` of the bundle's directory, when it is in a git work tree. */
  readonly commit?: string;
  readonly warnings: readonly AppSpecProblem[];
}

/**
 * The paths to pack: the appspec, every `files` source ("/" is the whole bundle), and the directory of
 * every hook script (hooks source their siblings, like hooks/lib.sh), or the script alone when it sits
 * at the bundle's root.
 */
export function referencedPaths(appSpecFile: string, spec: AppSpec): string[] {
  const scripts = [...spec.hooks.values()].flat().map((h) => {
    const dir = posix.dirname(posix.normalize(h.location.replace(/^\/+/, '')));
    return dir === '.' ? h.location : dir;
  });
  const wanted = [appSpecFile, ...spec.files.map((f) => f.source), ...scripts].map((p) => {
    const normal = posix.normalize(p.replace(/^\/+/, '') || '.');
    return normal === '' ? '.' : normal.replace(/\/+$/, '');
  });
  if (wanted.includes('.')) return ['.'];
  const unique = [...new Set(wanted)].sort();
  // A path inside another packed one is already in the tar.
  return unique.filter((p) => !unique.some((other) => other !== p && p.startsWith(`${other}/`)));
}

export async function packLocalBundle(dir: string, cwd: string): Promise<LocalBundle> {
  const lint = await lintBundleDetailed(dir, { cwd });
  const errors = lint.problems.filter((p) => p.severity === 'error');
  if (hasErrors(lint.problems) || !lint.spec || !lint.appSpecFile) {
    throw new BundleProblemError(
      `the bundle at ${dir} cannot be installed:\n${errors.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
      lint.problems,
    );
  }
  const root = resolve(cwd, lint.bundleDir);
  // The agent reads the appspec at the bundle's root.
  const appSpecName = posix.basename(lint.appSpecFile);
  const paths = referencedPaths(appSpecName, lint.spec);
  if (paths.some((p) => p === '..' || p.startsWith('../'))) {
    throw new BundleProblemError(`the appspec at ${lint.appSpecFile} names paths outside the bundle`);
  }
  const { stdout } = await run(
    'tar',
    [
      '-cf',
      '-',
      '--exclude=node_modules',
      '--exclude=.git',
      '--exclude=.greenlight',
      '-C',
      root,
      ...paths.map((p) => `./${p === '.' ? '' : p}`),
    ],
    { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 },
  );
  const commit = await headCommit(root);
  return {
    dir: root,
    spec: lint.spec,
    paths,
    tar: stdout,
    ...(commit ? { commit } : {}),
    warnings: lint.problems.filter((p) => p.severity === 'warning'),
  };
}

async function headCommit(dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
    const commit = stdout.trim();
    return /^[0-9a-f]{40,64}$/.test(commit) ? commit : undefined;
  } catch {
    // Not a git work tree, no commit yet, or no git: the hooks fall back to the bundle's REVISION file.
    return undefined;
  }
}
