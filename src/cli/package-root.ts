import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The greenlight package's root (greenlight.yml, appspec.yml, hooks/, example-app/): the nearest
 * directory above `from` whose package.json is greenlight's. Found by looking rather than by a fixed
 * number of `../`, because the same module runs from src/cli/ (tsx), dist/cli/ (tsc) and the bundled
 * CLI's directory, each at its own depth.
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(from.startsWith('file:') ? fileURLToPath(from) : from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isGreenlight(manifest)) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no greenlight package.json above ${from}`);
    dir = parent;
  }
}

function isGreenlight(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'greenlight';
  } catch {
    return false;
  }
}
