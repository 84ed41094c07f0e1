// What the sources look like at a glance: how many files src/ (and the local cloud's
// packages/localcloud/src/, which the build bundles) holds, their total size, and the newest
// modification time of any file or directory in it. `npm run build` writes it next to the compiled
// code (scripts/build.ts); bin/greenlight.js compares it with the sources as they are now and runs
// the compiled code only when the two agree. A glance, not a hash: one stat per file (about 200) costs
// a millisecond or two at every start, where reading and hashing every source would cost more; an
// edit, a new or deleted file, a checkout or a pull all change the newest time, the count or the size.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The stamp's file name inside the build's output directory. */
export const STAMP_FILE = 'source-stamp.json';

/**
 * The stamp of `dir` and of each of `more` that exists (a checkout has packages/, a scratch copy may not).
 * @param {string} dir @param {...string} more @returns {{ files: number, bytes: number, newestMs: number }}
 */
export function sourceStamp(dir, ...more) {
  let files = 0;
  let bytes = 0;
  let newestMs = 0;
  /** @param {string} path */
  const walk = (path) => {
    // A directory's own time changes when an entry is added, removed or renamed.
    newestMs = Math.max(newestMs, statSync(path).mtimeMs);
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) {
        walk(child);
        continue;
      }
      const info = statSync(child);
      files += 1;
      bytes += info.size;
      newestMs = Math.max(newestMs, info.mtimeMs);
    }
  };
  walk(dir);
  for (const extra of more) if (existsSync(extra)) walk(extra);
  return { files, bytes, newestMs };
}

/** @param {unknown} a @param {{ files: number, bytes: number, newestMs: number }} b */
export function sameStamp(a, b) {
  const x = /** @type {Partial<Record<string, unknown>> | null} */ (a);
  return x?.files === b.files && x?.bytes === b.bytes && x?.newestMs === b.newestMs;
}
