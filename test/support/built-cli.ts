// The greenlight CLI bundled from the sources as they are now (scripts/build.ts --cli-only), built
// once for all the test processes of a run and kept under node_modules/.cache/greenlight/test-cli/,
// keyed by the sources' stamp (bin/source-stamp.js): an edit makes a new key, so a test never spawns
// a build older than the sources. Tests that spawn greenlight many times run it this way: a process
// of the bundle costs about a quarter of the CPU of one that compiles and loads the sources through
// tsx (bench/RESULTS.md, issue 14's ninth session), and the bundle is what CI's jobs and a user's
// installed package run. bin/greenlight.js's choice between a build and the sources is tested on its
// own (test/package/bin.test.ts), the packed package's build by test/package/package.test.ts.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_CLI } from '../../bin/built-cli.js';
import { STAMP_FILE, sameStamp, sourceStamp } from '../../bin/source-stamp.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cache = join(root, 'node_modules/.cache/greenlight/test-cli');
const sources = () => sourceStamp(join(root, 'src'), join(root, 'packages/localcloud/src'));
/** A lock older than this was left by a build that died: the next test takes it over. */
const STALE_LOCK_MS = 180_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `dir` holds a bundle built from exactly these sources. */
function current(dir: string, stamp: ReturnType<typeof sources>): boolean {
  if (!existsSync(join(dir, BUILT_CLI.replace(/^dist\//, '')))) return false;
  try {
    return sameStamp(JSON.parse(readFileSync(join(dir, STAMP_FILE), 'utf8')), stamp);
  } catch {
    return false;
  }
}

function build(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/build.ts', '--out-dir', outDir, '--cli-only'],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`scripts/build.ts --cli-only failed: ${stderr}`)) : resolve(),
    );
  });
}

let built: Promise<string> | undefined;

/**
 * The path of the bundled CLI's entry (run it with `node PATH …`), built on first use in this
 * process, or by another test process of the same run, from the sources as they are now.
 */
export function builtCli(): Promise<string> {
  built ??= ensureBuilt().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

async function ensureBuilt(attempt = 1): Promise<string> {
  const stamp = sources();
  const key = `${stamp.files}-${stamp.bytes}-${Math.round(stamp.newestMs)}`;
  const dir = join(cache, key);
  const entry = join(dir, BUILT_CLI.replace(/^dist\//, ''));
  const lock = `${dir}.lock`;
  await mkdir(cache, { recursive: true });
  while (!current(dir, stamp)) {
    try {
      await mkdir(lock);
    } catch {
      // Another test process is building these sources: wait for its bundle (or its lock to go stale).
      const since = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (since > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
      await sleep(200);
      continue;
    }
    try {
      if (current(dir, stamp)) break;
      const scratch = `${dir}.${process.pid}.tmp`;
      await rm(scratch, { recursive: true, force: true });
      await build(scratch);
      await rm(dir, { recursive: true, force: true });
      await rename(scratch, dir);
      // Builds of older sources are of no use to any later run (a lock or a scratch directory may be
      // another process's: left alone).
      for (const old of await readdir(cache))
        if (old !== key && /^[\d-]+$/.test(old)) await rm(join(cache, old), { recursive: true, force: true });
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
    // The build stamps the sources as they were when it began: an edit made while it ran leaves a
    // stamp unlike these sources, and the build of the edited sources is another key's.
    if (!current(dir, stamp)) break;
  }
  if (current(dir, sources())) return entry;
  // The sources were edited while they were built: build them again, as they are now.
  if (attempt >= 3) throw new Error(`the sources kept changing while the CLI was built into ${cache}`);
  return ensureBuilt(attempt + 1);
}
