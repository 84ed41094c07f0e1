// `npm run build:action`: the GitHub Action's entry point as the runner runs it, committed under
// action/dist/ (a JavaScript action runs from the repository at its tag, with no `npm install`):
//   node --import tsx scripts/bundle-action.ts [--out-dir DIR]         (default action/dist)
// - index.js: action/src/main.ts with @actions/core, what action.yml's runs.main names. Not minified:
//   it is a few hundred lines a reviewer can read in a diff.
// - package.json: `"type": "module"`, so index.js is an ES module whatever sits above action/.
// greenlight itself is not in it: the entry point runs the project's own or the published package
// (action/src/cli.ts), so a change to src/ needs no rebuild. The modules it bundles are
// ACTION_MODULES; test/action/dist.test.ts rebuilds into a temporary directory and fails when the
// committed files differ or that list changed: run this after changing action/src/ or one of them,
// and commit action/dist/.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
export const ACTION_DIST = join(root, 'action/dist');
export const ACTION_FILES = ['index.js', 'package.json'] as const;

/**
 * The repository's own modules in index.js: the action's, and the report renderers the summary of a
 * deploy or wait shares with `greenlight verify --markdown/--junit` (summary.ts). Anything else of
 * src/ that creeps in (the config, the SDK) fails test/action/dist.test.ts.
 */
export const ACTION_MODULES = [
  'action/src/cli.ts',
  'action/src/invocation.ts',
  'action/src/main.ts',
  'action/src/outcome.ts',
  'action/src/summary.ts',
  'src/log/junit.ts',
  'src/verify/report-junit.ts',
  'src/verify/report-markdown.ts',
] as const;

/** Builds action/dist into outDir; returns the bundled modules (paths relative to the repository). */
export async function bundleAction(outDir: string): Promise<{ modules: string[] }> {
  const esbuild = await import('esbuild');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { index: join(root, 'action/src/main.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'warning',
    plugins: [unusedCommonJsDropped(['undici', 'tunnel'])],
  });
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
  const modules = Object.values(result.metafile.outputs).flatMap((output) => Object.keys(output.inputs));
  return { modules: [...new Set(modules)].sort() };
}

/**
 * @actions/core imports @actions/http-client for its OIDC token client, which imports undici and
 * tunnel: CommonJS, which esbuild keeps whole (half a megabyte) because it cannot tell that loading
 * them does nothing. Marked free of side effects, they are dropped when nothing the action calls uses
 * them — and kept, unchanged, if something ever does.
 */
function unusedCommonJsDropped(packages: readonly string[]): Plugin {
  const filter = new RegExp(`^(${packages.join('|')})$`);
  return {
    name: 'greenlight-unused-commonjs-dropped',
    setup(build) {
      build.onResolve({ filter }, async (args) => {
        if ((args.pluginData as { again?: boolean } | undefined)?.again) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { again: true },
        });
        return resolved.errors.length > 0 ? { errors: resolved.errors } : { ...resolved, sideEffects: false };
      });
    },
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const at = process.argv.indexOf('--out-dir');
  const outDir = at >= 0 ? resolve(process.argv[at + 1] ?? '') : ACTION_DIST;
  try {
    await bundleAction(outDir);
    console.log(`built ${outDir}: ${ACTION_FILES.join(', ')}`);
  } catch (error) {
    console.error(`build:action failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
