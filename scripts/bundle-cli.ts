// The CLI as bin/greenlight.js runs it: src/cli/main.ts bundled by esbuild into
// <out>/bundle/greenlight.js, an ES module split into chunks, so what a command imports inside its
// action (its implementation, the SDK clients it uses) is a chunk loaded only when that command runs.
// Called by scripts/build.ts after tsc; the library (dist/index.js and its declarations) stays tsc's.
// - Dependencies are bundled from their ES module builds ("module" before "main"), which lets esbuild
//   keep only what greenlight uses: the SDK clients' schema tables are rewritten on the way in so
//   that unused shapes can be dropped (inlineSdkSchemaKeys, below) — EC2's 1.9 MB of them become
//   the few kilobytes DescribeInstances needs.
// - The local cloud is not bundled again: '@greenlight/localcloud' stays an import of the build's own
//   <out>/localcloud/index.js, which finds its service models and sandbox programs next to it.
// - The version is written in: src/version.ts reads ../package.json next to itself, which the
//   bundle's directory does not have.
// - CommonJS dependencies (commander) call require() for Node's modules; a require made with
//   createRequire stands in for it in every chunk.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';

export const BUNDLE_DIR = 'bundle';
export const BUNDLE_ENTRY = 'greenlight.js';
const LOCAL_CLOUD_API = '@greenlight/localcloud';

export async function bundleCli(root: string, outDir: string): Promise<{ files: number; bytes: number }> {
  const esbuild = await import('esbuild');
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { greenlight: join(root, 'src/cli/main.ts') },
    outdir: join(outDir, BUNDLE_DIR),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    // Less to parse at every start (about a third of the bytes; measured: 5 % off verify's wall
    // time), names kept, so stack traces still read; the linked source maps give the lines back.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __greenlightCreateRequire } from 'node:module'; const require = __greenlightCreateRequire(import.meta.url);",
    },
    plugins: [localCloudOfTheBuild(), versionWrittenIn(version), inlineSdkSchemaKeys()],
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => !file.endsWith('.map'));
  return { files: outputs.length, bytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0) };
}

/** '@greenlight/localcloud' → the build's bundle of it, one directory up from every chunk. */
function localCloudOfTheBuild(): Plugin {
  return {
    name: 'greenlight-localcloud-of-the-build',
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${LOCAL_CLOUD_API}$`) }, () => ({
        path: '../localcloud/index.js',
        external: true,
      }));
    },
  };
}

function versionWrittenIn(version: string): Plugin {
  return {
    name: 'greenlight-version',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => ({
        contents: `export const greenlightVersion = ${JSON.stringify(version)};\n`,
        loader: 'ts',
      }));
    },
  };
}

/**
 * The SDK clients' schema tables (dist-es/schemas/schemas_0.js) describe every shape of the service
 * as a top-level array, and esbuild drops the ones nothing uses — unless an array holds an object
 * with a computed key, `{ [_xN]: _II }`, which it must keep in case the key's toString has effects.
 * The keys are the file's own string constants (`const _xN = "xmlName";`), so writing them in
 * (`{ "xmlName": _II }`) changes no value and lets the unused shapes go.
 */
function inlineSdkSchemaKeys(): Plugin {
  return {
    name: 'greenlight-inline-sdk-schema-keys',
    setup(build) {
      build.onLoad(
        { filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
        async (args) => {
          const text = await readFile(args.path, 'utf8');
          const strings = new Map<string, string>();
          for (const match of text.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) {
            strings.set(match[1]!, match[2]!);
          }
          const contents = text.replace(/\[(_\w+)\]:/g, (key, name: string) => {
            const value = strings.get(name);
            // A literal "__proto__" key would set the prototype where the computed one makes a property.
            return value === undefined || value === '"__proto__"' ? key : `${value}:`;
          });
          return { contents, loader: 'js' };
        },
      );
    },
  };
}
