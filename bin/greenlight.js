#!/usr/bin/env node
// Runs the compiled CLI (dist/) when it was built from the sources as they are now, and the
// TypeScript sources through tsx otherwise: an edit, a pull or a checkout after `npm run build` is
// never shadowed by an older dist/. The build leaves a stamp of the sources it compiled
// (source-stamp.js); a dist/ without one (built by hand, or before stamps) is not trusted. An
// installed package has no src/, and runs dist/.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { STAMP_FILE, sameStamp, sourceStamp } from './source-stamp.js';

const root = new URL('../', import.meta.url);
const compiled = new URL('dist/cli/main.js', root);

function compiledIsCurrent() {
  if (!existsSync(compiled)) return false;
  const sources = fileURLToPath(new URL('src/', root));
  if (!existsSync(sources)) return true;
  try {
    const stamp = JSON.parse(readFileSync(new URL(`dist/${STAMP_FILE}`, root), 'utf8'));
    return sameStamp(stamp, sourceStamp(sources, fileURLToPath(new URL('packages/localcloud/src/', root))));
  } catch {
    return false;
  }
}

if (!process.env.GREENLIGHT_FROM_SOURCE && compiledIsCurrent()) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
