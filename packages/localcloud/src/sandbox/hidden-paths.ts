// Paths an instance's image lacks (instance/images.ts) must not exist inside its sandbox, although the
// host's file system is bound into it whole. A directory that holds a lacked entry is replaced by a
// directory of the same entries but that one: each other entry a symlink to the same name in the host
// directory, which is bound read-only at a place of its own under SANDBOX_TOOLS_DIR (relative and
// absolute symlinks are copied as they are). Both backends mount these like the local cloud's other
// read-only binds, so `command -v node` finds nothing and `#!/usr/bin/env node` fails as on an image
// without Node, while everything else resolves to the host's files. Paths in the instance's own
// directories (/etc, /opt …) are removed from its copy instead.
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { chmod, mkdir, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, relative } from 'node:path';
import { INSTANCE_DIRS, SANDBOX_TOOLS_DIR } from './layout.js';

/** Where the host directories behind a replaced directory are bound inside an instance. */
export const HIDDEN_PATHS_DIR = `${SANDBOX_TOOLS_DIR}/image`;
/** Where the replacement directories are built, in the instance's directory on the host. */
const REPLACEMENTS_DIR = '.image';

export interface HiddenPathsPlan {
  /** Host directory → the names in it to hide (directories by their real path). */
  readonly replaced: ReadonlyMap<string, ReadonlySet<string>>;
  /** Paths inside the instance's own directories, removed from its copy. */
  readonly removed: readonly string[];
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
}

/**
 * Which host directories must be replaced to hide `lacks` (absolute paths), and which paths are the
 * instance's own to remove. Paths the host does not have are already absent. Every directory between
 * two replaced ones is replaced too, so a replaced directory's mount point is never a symlink.
 */
export function planHiddenPaths(lacks: readonly string[]): HiddenPathsPlan {
  const replaced = new Map<string, Set<string>>();
  const removed: string[] = [];
  for (const path of lacks) {
    let parent: string;
    try {
      parent = realpathSync(dirname(path));
      lstatSync(join(parent, basename(path)));
    } catch {
      continue;
    }
    const top = parent.split('/')[1] ?? '';
    if ((INSTANCE_DIRS as readonly string[]).includes(top)) {
      removed.push(posix.join(parent, basename(path)));
      continue;
    }
    const names = replaced.get(parent) ?? new Set<string>();
    names.add(basename(path));
    replaced.set(parent, names);
  }
  // What is under a lacked directory is gone with it.
  const hidden = [...replaced].flatMap(([dir, names]) => [...names].map((name) => posix.join(dir, name)));
  for (const dir of [...replaced.keys()]) if (hidden.some((path) => isUnder(dir, path))) replaced.delete(dir);
  for (const inner of [...replaced.keys()])
    for (const outer of [...replaced.keys()]) {
      if (inner === outer || !isUnder(inner, outer)) continue;
      for (let dir = dirname(inner); dir !== outer && dir !== '/'; dir = dirname(dir))
        if (!replaced.has(dir)) replaced.set(dir, new Set());
    }
  return { replaced, removed };
}

/**
 * Builds the replacement directories under the instance's `root` on the host, removes the instance's
 * own lacked paths, and returns the read-only binds that hide the rest, in mount order. `mountTargets`
 * are paths later binds mount over (the local cloud's systemctl): they become empty files, since a
 * mount through a symlink would follow it out of the sandbox's root.
 */
export async function prepareHiddenPaths(
  root: string,
  lacks: readonly string[],
  mountTargets: readonly string[],
): Promise<{ source: string; target: string }[]> {
  const plan = planHiddenPaths(lacks);
  for (const path of plan.removed) await rm(join(root, path), { recursive: true, force: true });
  const dirs = [...plan.replaced.keys()].sort((a, b) => a.split('/').length - b.split('/').length);
  const hostCopies: { source: string; target: string }[] = [];
  const replacements: { source: string; target: string }[] = [];
  for (const [index, dir] of dirs.entries()) {
    const hostCopy = `${HIDDEN_PATHS_DIR}/${index}`;
    await mkdir(join(root, relative('/', hostCopy)), { recursive: true });
    hostCopies.push({ source: dir, target: hostCopy });
    const replacement = join(root, REPLACEMENTS_DIR, String(index));
    await mkdir(replacement, { recursive: true });
    const hidden = plan.replaced.get(dir) ?? new Set<string>();
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (hidden.has(entry.name)) continue;
      const path = posix.join(dir, entry.name);
      const into = join(replacement, entry.name);
      if (plan.replaced.has(path)) await mkdir(into);
      else if (mountTargets.includes(path)) await writeFile(into, '');
      else if (entry.isSymbolicLink()) await symlink(await readlink(path), into);
      else await symlink(`${hostCopy}/${entry.name}`, into);
    }
    await chmod(replacement, statSync(dir).mode & 0o7777);
    replacements.push({ source: replacement, target: dir });
  }
  return [...hostCopies, ...replacements];
}
