// Where the build puts the CLI, and whether that build is of the sources as they are now. Shared by
// bin/greenlight.js, which runs the build only then, and the benchmarks, which refuse to time
// anything else. The build (scripts/build.ts) leaves a stamp of the sources it compiled
// (source-stamp.js); a dist/ without one (built by hand, or before stamps) is not trusted. An
// installed package has no src/: its dist/ is the only code there is.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { STAMP_FILE, sameStamp, sourceStamp } from './source-stamp.js';

/** The bundled CLI (scripts/bundle-cli.ts), relative to the package root. */
export const BUILT_CLI = 'dist/bundle/greenlight.js';

/**
 * @param {URL} root the package root, ending in '/'
 * @param {URL} dist the build's directory, ending in '/' (dist/ unless said otherwise)
 */
export function builtCliIsCurrent(root, dist = new URL('dist/', root)) {
  if (!existsSync(new URL(BUILT_CLI.replace(/^dist\//, ''), dist))) return false;
  const sources = fileURLToPath(new URL('src/', root));
  if (!existsSync(sources)) return true;
  try {
    const stamp = JSON.parse(readFileSync(new URL(STAMP_FILE, dist), 'utf8'));
    return sameStamp(stamp, sourceStamp(sources, fileURLToPath(new URL('packages/localcloud/src/', root))));
  } catch {
    return false;
  }
}
