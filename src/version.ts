import { readFileSync } from 'node:fs';

// package.json sits one level above both src/version.ts and dist/version.js, so this works from either.
function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const greenlightVersion: string = readVersion();
