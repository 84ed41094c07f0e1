// tier: e2e
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, it } from 'node:test';
import { BUILT_CLI } from '../../bin/built-cli.js';
import { STAMP_FILE, sourceStamp } from '../../bin/source-stamp.js';

// bin/greenlight.js chooses between the built CLI (dist/bundle/greenlight.js) and the sources.
// Checked on a package root of its own (the real bin, a one-line "CLI" in each of dist/ and src/), so
// every case is a file-system state set up on purpose, and the repository's own dist/ is never built
// or touched.

const repo = fileURLToPath(new URL('../../', import.meta.url));
let root: string;

function bin(
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/greenlight.js')], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runs(expected: 'compiled' | 'sources', env: Record<string, string> = {}): Promise<void> {
  const result = await bin(env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${expected}\n`);
}

/** A build of the sources as they are now: the built CLI and its stamp. */
async function build(): Promise<void> {
  await mkdir(dirname(join(root, BUILT_CLI)), { recursive: true });
  await writeFile(join(root, BUILT_CLI), "process.stdout.write('compiled\\n');\n");
  await writeFile(join(root, 'dist', STAMP_FILE), JSON.stringify(sourceStamp(join(root, 'src'))));
}

/** Sets a file's modification time `ms` after the stamp's newest, as an edit after the build would. */
async function touchAfterBuild(file: string, ms = 2_000): Promise<void> {
  const when = new Date(sourceStamp(join(root, 'src')).newestMs + ms);
  await utimes(join(root, file), when, when);
}

describe('bin/greenlight.js: never a dist/ older than the sources', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'greenlight-bin-'));
    await cp(join(repo, 'bin'), join(root, 'bin'), { recursive: true });
    await writeFile(join(root, 'package.json'), '{"type":"module"}\n');
    // The sources run through tsx, which the bin finds next to it, as in the checkout.
    await symlink(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await rm(join(root, 'src'), { recursive: true, force: true });
    await rm(join(root, 'dist'), { recursive: true, force: true });
    await rm(join(root, 'packages'), { recursive: true, force: true });
    await mkdir(join(root, 'src/cli'), { recursive: true });
    await writeFile(
      join(root, 'src/cli/main.ts'),
      "const said: string = 'sources';\nprocess.stdout.write(`${said}\\n`);\n",
    );
    await writeFile(join(root, 'src/clock.ts'), 'export const second = 1000;\n');
  });

  it('runs dist/ built from the sources as they are', async () => {
    await build();
    await runs('compiled');
  });

  it('runs the sources when one was edited after the build', async () => {
    await build();
    await touchAfterBuild('src/clock.ts');
    await runs('sources');
  });

  it('runs the sources when an edit keeps the time but changes the size', async () => {
    await build();
    const { newestMs } = sourceStamp(join(root, 'src'));
    await writeFile(join(root, 'src/clock.ts'), 'export const second = 1_000;\n');
    const when = new Date(newestMs);
    await utimes(join(root, 'src/clock.ts'), when, when);
    await utimes(join(root, 'src'), when, when);
    await runs('sources');
  });

  it('runs the sources when a file was added or deleted after the build', async () => {
    await build();
    await writeFile(join(root, 'src/new.ts'), 'export {};\n');
    await touchAfterBuild('src/new.ts');
    await runs('sources');
    await rm(join(root, 'src/new.ts'));
    await touchAfterBuild('src');
    await runs('sources');
  });

  it('runs the sources when dist/ has no stamp (built by hand, or before stamps)', async () => {
    await build();
    await rm(join(root, 'dist', STAMP_FILE));
    await runs('sources');
  });

  it('runs the sources without dist/, and when GREENLIGHT_FROM_SOURCE asks', async () => {
    await runs('sources');
    await build();
    await runs('sources', { GREENLIGHT_FROM_SOURCE: '1' });
  });

  it('runs the build GREENLIGHT_BUILD_DIR names instead of dist/, under the same rule', async () => {
    const elsewhere = join(root, 'elsewhere');
    await rm(elsewhere, { recursive: true, force: true });
    await build();
    // A build elsewhere that says another thing, so the output tells which one ran.
    await mkdir(join(elsewhere, 'bundle'), { recursive: true });
    await writeFile(join(elsewhere, 'bundle/greenlight.js'), "process.stdout.write('elsewhere\\n');\n");
    await writeFile(join(elsewhere, STAMP_FILE), JSON.stringify(sourceStamp(join(root, 'src'))));
    const result = await bin({ GREENLIGHT_BUILD_DIR: elsewhere });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'elsewhere\n');
    await runs('compiled');
    // Older than the sources: the sources run, never that build (nor dist/, which is not looked at).
    await touchAfterBuild('src/clock.ts');
    await writeFile(join(root, 'dist', STAMP_FILE), JSON.stringify(sourceStamp(join(root, 'src'))));
    await runs('compiled');
    await runs('sources', { GREENLIGHT_BUILD_DIR: `${elsewhere}/` });
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('runs dist/ where there are no sources (an installed package)', async () => {
    await build();
    await rm(join(root, 'src'), { recursive: true });
    await runs('compiled');
  });

  it('runs the sources when the build has no bundled CLI (only tsc’s output, from before bundles)', async () => {
    await build();
    await rm(join(root, BUILT_CLI));
    await mkdir(join(root, 'dist/cli'), { recursive: true });
    await writeFile(join(root, 'dist/cli/main.js'), "process.stdout.write('compiled\\n');\n");
    await runs('sources');
  });

  it('runs the sources when the local cloud’s sources changed after the build', async () => {
    await mkdir(join(root, 'packages/localcloud/src'), { recursive: true });
    await writeFile(join(root, 'packages/localcloud/src/index.ts'), 'export {};\n');
    await mkdir(dirname(join(root, BUILT_CLI)), { recursive: true });
    await writeFile(join(root, BUILT_CLI), "process.stdout.write('compiled\\n');\n");
    const stamp = () => sourceStamp(join(root, 'src'), join(root, 'packages/localcloud/src'));
    await writeFile(join(root, 'dist', STAMP_FILE), JSON.stringify(stamp()));
    await runs('compiled');
    await writeFile(join(root, 'packages/localcloud/src/world.ts'), 'export {};\n');
    await runs('sources');
  });
});
