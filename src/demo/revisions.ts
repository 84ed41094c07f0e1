import { execFile } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The demo's releases are real commits: the example app, its appspec.yml and hooks/ are copied from
// this checkout into a scratch git repository, one commit per release, and the local cloud serves that
// repository as the GitHub repository greenlight.yml names. Each instance then runs exactly the hooks
// in this checkout, and the version every instance reports is a real commit id.

/** What a release bundle holds, relative to the repository root. */
export const BUNDLE_PATHS = ['appspec.yml', 'hooks', 'example-app'] as const;

export interface Release {
  readonly label: string;
  readonly commit: string;
}

export async function makeReleases(options: {
  sourceRoot: string;
  dir: string;
  labels: readonly string[];
}): Promise<Release[]> {
  const { dir } = options;
  await mkdir(dir, { recursive: true });
  const git = (...args: string[]) =>
    run('git', ['-c', 'user.name=greenlight demo', '-c', 'user.email=demo@greenlight.invalid', ...args], {
      cwd: dir,
    });
  await git('init', '-q', '-b', 'main');
  for (const path of BUNDLE_PATHS) {
    await cp(join(options.sourceRoot, path), join(dir, path), { recursive: true, preserveTimestamps: true });
  }
  const releases: Release[] = [];
  for (const label of options.labels) {
    // The one change between releases: a file naming the release, so each is its own commit.
    await writeFile(join(dir, 'example-app', 'RELEASE'), `${label}\n`);
    await git('add', '-A');
    await git('commit', '-q', '-m', `example app ${label}`);
    const { stdout } = await git('rev-parse', 'HEAD');
    releases.push({ label, commit: stdout.trim() });
  }
  return releases;
}
