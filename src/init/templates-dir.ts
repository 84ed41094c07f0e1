import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../cli/package-root.js';

// Where the scaffold's templates are: beside this module when it runs from src/ (tsx) or from tsc's
// dist/init/; from the bundled CLI (dist/bundle/, a chunk of which this module is part), in the
// package's dist/init/templates, where `npm run build` copies every file of src/ that is not code.

export function templatesDir(): string {
  const beside = fileURLToPath(new URL('./templates/', import.meta.url));
  const candidates = [beside, join(packageRoot(import.meta.url), 'dist/init/templates')];
  const dir = candidates.find((candidate) => existsSync(join(candidate, 'appspec.yml')));
  if (!dir) throw new Error(`the scaffold's templates are missing (looked in ${candidates.join(' and ')})`);
  return dir;
}

export function readTemplate(path: string): string {
  return readFileSync(join(templatesDir(), path), 'utf8');
}
