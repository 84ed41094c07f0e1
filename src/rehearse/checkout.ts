// What CircleCI's `checkout` step gives a job, made on this machine: a clone of the repository at
// the rehearsal's revision. The revision is the working tree as it is (a commit of its files made
// without touching the branch or the index), so a rehearsal tries what is about to be pushed. The clone shares the repository's
// objects (git clone --shared), links the repository's installed node_modules instead of running
// `npm ci`, and is built once before any job starts: a build takes real time, which the rehearsal's
// accelerated clock would count many times over.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);

export class CheckoutError extends Error {}

async function git(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run('git', [...args], {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
      ...(env ? { env } : {}),
    });
    return stdout.trim();
  } catch (error) {
    const said = (error as { stderr?: string }).stderr?.trim() ?? (error as Error).message;
    throw new CheckoutError(`git ${args[0] ?? ''} in ${cwd} failed: ${said}`);
  }
}

/**
 * The commit the rehearsal deploys: the working tree as it is, new files included (those git does not
 * ignore). It is written through a throwaway index, so the repository's index, branch and stash stay
 * as they were; when nothing differs from HEAD, it is HEAD.
 */
export async function snapshotRevision(root: string): Promise<{ revision: string; uncommitted: boolean }> {
  const head = await git(root, ['rev-parse', 'HEAD']);
  const scratch = await mkdtemp(join(tmpdir(), 'greenlight-rehearsal-index-'));
  try {
    const env = { ...process.env, GIT_INDEX_FILE: join(scratch, 'index') };
    await git(root, ['read-tree', 'HEAD'], env);
    await git(root, ['add', '--all', '.'], env);
    const tree = await git(root, ['write-tree'], env);
    if (tree === (await git(root, ['rev-parse', 'HEAD^{tree}'])))
      return { revision: head, uncommitted: false };
    const commit = await git(
      root,
      ['commit-tree', tree, '-p', head, '-m', 'greenlight rehearse: the working tree'],
      env,
    );
    return { revision: commit, uncommitted: true };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The current branch's name, or undefined on a detached HEAD. */
export async function currentBranch(root: string): Promise<string | undefined> {
  const name = await git(root, ['rev-parse', '--abbrev-ref', 'HEAD']);
  return name === 'HEAD' ? undefined : name;
}

/** A commit with the same tree as `revision`, on top of it: the "second commit" of a rehearsal. */
export async function nextCommit(root: string, revision: string, message: string): Promise<string> {
  return git(root, ['commit-tree', `${revision}^{tree}`, '-p', revision, '-m', message]);
}

export interface Checkout {
  readonly dir: string;
  readonly revision: string;
}

/** Clones `root` into `dir` at `revision`, with the repository's node_modules linked in. */
export async function prepareCheckout(root: string, dir: string, revision: string): Promise<Checkout> {
  await git(root, ['clone', '--quiet', '--shared', '--no-checkout', root, dir]);
  await git(dir, ['checkout', '--quiet', '--detach', revision]);
  await linkNodeModules(root, dir);
  return { dir, revision };
}

/**
 * CircleCI's `checkout` for one job: the clone back at the revision, with nothing an earlier job left
 * behind (reports, markers, files in ~/project) — only the linked node_modules and the build stay.
 */
export async function resetCheckout(checkout: Checkout): Promise<void> {
  await git(checkout.dir, ['checkout', '--quiet', '--force', '--detach', checkout.revision]);
  await git(checkout.dir, ['clean', '-ffdxq', '-e', 'node_modules', '-e', 'dist']);
}

/** Moves the clone to another revision (a second commit). */
export async function moveCheckout(checkout: Checkout, revision: string): Promise<Checkout> {
  const moved = { dir: checkout.dir, revision };
  await resetCheckout(moved);
  return moved;
}

/**
 * The clone's node_modules: each of the repository's entries linked, except the workspace package
 * (`@greenlight/localcloud`), which must be the clone's own sources, not the repository's.
 */
async function linkNodeModules(root: string, dir: string): Promise<void> {
  const from = join(root, 'node_modules');
  if (!existsSync(from)) throw new CheckoutError(`${from} does not exist: run npm install first`);
  const to = join(dir, 'node_modules');
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.name === '@greenlight') continue;
    await symlink(join(from, entry.name), join(to, entry.name));
  }
  await mkdir(join(to, '@greenlight'), { recursive: true });
  await symlink('../../packages/localcloud', join(to, '@greenlight', 'localcloud'));
  const packageModules = join(root, 'packages/localcloud/node_modules');
  if (existsSync(packageModules))
    await symlink(packageModules, join(dir, 'packages/localcloud/node_modules'));
}

/** The GitHub repositories greenlight.yml deploys from (`revision: {github: owner/repo}`). */
export function githubRepositories(greenlightYml: string): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'github' && typeof inner === 'string') found.add(inner);
        else visit(inner);
      }
    }
  };
  visit(parse(greenlightYml));
  return [...found];
}
