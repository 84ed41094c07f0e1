// Lets another user pass through every directory above `dir` (search, not read: o+x), and answers how
// to put their modes back. A checkout cloned into `mktemp -d` (0700) is otherwise out of a throwaway
// user's reach (setpriv as nobody), and with it the package and its node_modules.
import { chmodSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export function openPathTo(dir: string): () => void {
  const changed: [string, number][] = [];
  for (let at = dir; ; at = dirname(at)) {
    const mode = statSync(at).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(at, mode | 0o001);
      changed.push([at, mode]);
    }
    if (dirname(at) === at) break;
  }
  return () => {
    for (const [at, mode] of changed) chmodSync(at, mode);
  };
}
