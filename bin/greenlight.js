#!/usr/bin/env node
// Runs the built CLI (dist/bundle/, see built-cli.js) when it was built from the sources as they are
// now, and the TypeScript sources through tsx otherwise: an edit, a pull or a checkout after
// `npm run build` is never shadowed by an older build. GREENLIGHT_FROM_SOURCE=1 always runs the
// sources. An installed package has no src/, and runs its build.
import { BUILT_CLI, builtCliIsCurrent } from './built-cli.js';

const root = new URL('../', import.meta.url);

if (!process.env.GREENLIGHT_FROM_SOURCE && builtCliIsCurrent(root)) {
  await import(new URL(BUILT_CLI, root).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('src/cli/main.ts', root).href);
}
