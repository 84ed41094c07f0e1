import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

// The GitHub repository a checkout pushes to: its `origin` remote, read from the git config file
// (no git process: init runs where git may not be installed, and in tests that may not spawn). A
// worktree's .git is a file naming its git directory, whose `commondir` names the repository's, where
// the config is.

export function githubOriginOf(dir: string): string | undefined {
  const config = gitConfigFile(dir);
  if (!config) return undefined;
  const url = originUrl(readFileSync(config, 'utf8'));
  return url === undefined ? undefined : githubRepository(url);
}

/** `owner/repo` of a GitHub remote URL (https, ssh or scp-like), else undefined. */
export function githubRepository(url: string): string | undefined {
  const match =
    /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|ssh:\/\/git@github\.com(?::\d+)?\/|git@github\.com:)([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(
      url.trim(),
    );
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** The `url` of `[remote "origin"]` in a git config file's text. */
export function originUrl(text: string): string | undefined {
  let inOrigin = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inOrigin = /^\[remote\s+"origin"\]$/.test(line);
      continue;
    }
    if (!inOrigin) continue;
    const url = /^url\s*=\s*(.+)$/.exec(line);
    if (url?.[1]) return url[1].trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

function gitConfigFile(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const dotGit = join(dir, '.git');
    if (existsSync(dotGit)) {
      let gitDir = dotGit;
      if (statSync(dotGit).isFile()) {
        const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
        if (!pointer) return undefined;
        gitDir = isAbsolute(pointer) ? pointer : resolve(dir, pointer);
      }
      const common = join(gitDir, 'commondir');
      if (existsSync(common)) gitDir = resolve(gitDir, readFileSync(common, 'utf8').trim());
      const config = join(gitDir, 'config');
      return existsSync(config) ? config : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
