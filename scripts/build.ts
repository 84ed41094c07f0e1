// `npm run build`: the CLI and the library compiled into dist/ (or --out-dir DIR), with everything the
// code reads at run time besides its own modules, and a stamp of the sources it was built from.
//   node --import tsx scripts/build.ts [--out-dir DIR] [--cli-only] [--no-check]
// --cli-only builds what bin/greenlight.js runs and nothing of the library (no tsc: no dist/index.js,
// no declarations), in a fraction of the time: the short rehearsal's jobs run the CLI that way.
// --no-check emits the library and its declarations without type-checking them (tsc --noCheck), in
// half tsc's CPU: for test/package/package.test.ts, beside npm test's own type check of the same sources.
// - The output directory is emptied first: a module deleted from src/ must not live on in dist/.
// - Every file under src/ that is not TypeScript is copied to the same place (the local cloud's
//   service models, read next to protocol/model.js; the verify report's JSON schema, for consumers).
// - The local cloud (the workspace package packages/localcloud, TypeScript all the way) is bundled
//   into one file, dist/localcloud/index.js, with its service models and its sandbox programs next to
//   it (packages/localcloud/src/assets.ts finds them there); greenlight's compiled modules import it
//   by a relative path instead of '@greenlight/localcloud', so an installed greenlight needs no
//   workspace. The sandbox programs get a package.json saying they are ES modules: inside an
//   instance they are bound at their own path, far from any package.json.
// - The CLI is bundled with esbuild into dist/bundle/ (scripts/bundle-cli.ts): what bin/greenlight.js
//   runs, ES module chunks so that each command loads only what it uses. The library stays tsc's
//   dist/index.js with its declarations.
// - The stamp (bin/source-stamp.js) is the sources as they were *before* compiling: an edit made while
//   tsc runs makes the stamp disagree with the sources, so the bin runs the sources, never a dist/
//   that may have missed the edit.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP_FILE, sourceStamp } from '../bin/source-stamp.js';
import { bundleCli } from './bundle-cli.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const src = join(root, 'src');
const localCloud = join(root, 'packages/localcloud/src');
const LOCAL_CLOUD_API = '@greenlight/localcloud';

function outDirFromArgs(args: readonly string[]): string {
  const at = args.indexOf('--out-dir');
  if (at < 0) return join(root, 'dist');
  const value = args[at + 1];
  if (!value) throw new Error('--out-dir needs a directory');
  const dir = resolve(value);
  // The directory is emptied: never the checkout, anything holding it, or the sources.
  const holds = (outer: string, inner: string) => !relative(outer, inner).startsWith('..');
  if (holds(dir, root) || holds(src, dir)) {
    throw new Error(`--out-dir ${value}: ${dir} is not a directory a build may empty`);
  }
  return dir;
}

async function assetsUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await assetsUnder(path)));
    else if (!entry.name.endsWith('.ts')) found.push(path);
  }
  return found;
}

/** The local cloud as one module, dist/localcloud/index.js, with its models, IAM data, sandbox programs and AWS CLI driver. */
async function bundleLocalCloud(outDir: string): Promise<void> {
  const esbuild = await import('esbuild');
  const target = join(outDir, 'localcloud');
  await esbuild.build({
    entryPoints: [join(localCloud, 'index.ts')],
    outfile: join(target, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  await mkdir(join(target, 'models'), { recursive: true });
  for (const model of await readdir(join(localCloud, 'models'))) {
    await copyFile(join(localCloud, 'models', model), join(target, 'models', model));
  }
  await mkdir(join(target, 'iam/data'), { recursive: true });
  for (const data of await readdir(join(localCloud, 'iam/data'))) {
    await copyFile(join(localCloud, 'iam/data', data), join(target, 'iam/data', data));
  }
  await mkdir(join(target, 'aws-cli'), { recursive: true });
  await copyFile(join(localCloud, 'aws-cli/driver.py'), join(target, 'aws-cli/driver.py'));
  const programs = join(localCloud, 'sandbox/programs');
  await esbuild.build({
    entryPoints: (await readdir(programs)).filter((f) => f.endsWith('.ts')).map((f) => join(programs, f)),
    outdir: join(target, 'sandbox/programs'),
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  await writeFile(join(target, 'sandbox/programs/package.json'), '{"type":"module"}\n');
}

/** Points greenlight's compiled imports of the local cloud at its bundle. */
async function linkLocalCloud(outDir: string): Promise<number> {
  let linked = 0;
  for (const file of await readdir(outDir, { recursive: true })) {
    if (!/\.(js|d\.ts)$/.test(file) || file.startsWith('localcloud/')) continue;
    const path = join(outDir, file);
    const text = await readFile(path, 'utf8');
    if (!text.includes(`'${LOCAL_CLOUD_API}'`)) continue;
    let bundle = relative(dirname(path), join(outDir, 'localcloud/index.js')).split(sep).join('/');
    if (!bundle.startsWith('.')) bundle = `./${bundle}`;
    await writeFile(path, text.replaceAll(`'${LOCAL_CLOUD_API}'`, `'${bundle}'`));
    linked += 1;
  }
  return linked;
}

async function build(outDir: string, cliOnly: boolean, check: boolean): Promise<void> {
  const before = sourceStamp(src, localCloud);
  await rm(outDir, { recursive: true, force: true });
  if (!cliOnly) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const compiled = spawnSync(
      process.execPath,
      [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir, ...(check ? [] : ['--noCheck'])],
      {
        stdio: 'inherit',
      },
    );
    if (compiled.status !== 0) throw new Error(`tsc exited ${compiled.status ?? compiled.signal}`);
  }

  const assets = await assetsUnder(src);
  for (const asset of assets) {
    const target = join(outDir, relative(src, asset));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(asset, target);
  }
  await bundleLocalCloud(outDir);
  if (!cliOnly) {
    const linked = await linkLocalCloud(outDir);
    if (linked === 0) throw new Error(`no compiled module imports ${LOCAL_CLOUD_API}: is the CLI built?`);
  }
  const bundle = await bundleCli(root, outDir);

  await writeFile(join(outDir, STAMP_FILE), `${JSON.stringify(before)}\n`);
  console.log(
    `built ${relative(process.cwd(), outDir) || '.'}${cliOnly ? ' (--cli-only: no library, no declarations)' : ''}: ${before.files} sources, ${assets.length} assets copied, ` +
      `the CLI bundled into ${bundle.files} files (${(bundle.bytes / 1024 / 1024).toFixed(1)} MB)`,
  );
}

try {
  const args = process.argv.slice(2);
  await build(outDirFromArgs(args), args.includes('--cli-only'), !args.includes('--no-check'));
} catch (error) {
  console.error(`build failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
