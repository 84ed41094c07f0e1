#!/usr/bin/env node
// Runs the built CLI (dist/bundle/, see built-cli.js) when it was built from the sources as they are
// now, and the TypeScript sources through tsx otherwise: an edit, a pull or a checkout after
// `npm run build` is never shadowed by an older build. GREENLIGHT_FROM_SOURCE=1 always runs the
// sources. An installed package has no src/, and runs its build. GREENLIGHT_BUILD_DIR=DIR looks for
// the build in DIR instead of dist/ (scripts/build.ts --out-dir DIR), under the same rule: the tests
// that run `npx greenlight` as a reader would point it at the build they share
// (test/support/built-cli.ts), never into the checkout's own dist/.
import { pathToFileURL } from 'node:url';
import { BUILT_CLI, builtCliIsCurrent } from './built-cli.js';

const root = new URL('../', import.meta.url);
const dist = process.env.GREENLIGHT_BUILD_DIR
  ? pathToFileURL(`${process.env.GREENLIGHT_BUILD_DIR.replace(/\/+$/, '')}/`)
  : new URL('dist/', root);

if (!process.env.GREENLIGHT_FROM_SOURCE && builtCliIsCurrent(root, dist)) {
  await import(new URL(BUILT_CLI.replace(/^dist\//, ''), dist).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('src/cli/main.ts', root).href);
}
