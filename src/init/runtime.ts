import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../exit-codes.js';

// What kind of app a repository holds, read from its files: package.json → Node.js (its entry from
// scripts.start or main), requirements.txt or pyproject.toml → Python, index.html → a static site.
// The hooks and the unit are written for what is found; --runtime and --entry say otherwise.

export const RUNTIMES = ['node', 'python', 'static'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export interface DetectedApp {
  readonly runtime: Runtime;
  /** What the appspec copies: `/` (the whole revision) or a directory of it. */
  readonly source: string;
  /**
   * The file the unit runs, relative to `source` (Node.js, Python); for a static site the page that
   * shows it is one.
   */
  readonly entry: string;
  /** The entry's file exists; when not, init can write an example that keeps the hooks' contract. */
  readonly entryExists: boolean;
  /** Node.js: `npm start` runs the app (scripts.start is not `node FILE`). */
  readonly npmStart: boolean;
  /** Node.js: the entry is an ES module (package.json `type: module`, or .mjs). */
  readonly esm: boolean;
  /** Node.js: package.json has a test script of its own (not npm init's "no test specified"). */
  readonly tests: boolean;
  /** What AfterInstall installs before the app starts. */
  readonly dependencies: { kind: 'none' } | { kind: 'npm' } | { kind: 'pip'; arguments: string };
  /** The default name of the application, from the package's own name when it has one. */
  readonly name?: string;
  /** How each choice was made, said to the user. */
  readonly notes: readonly string[];
}

/** A path the unit file and the hooks can hold without quoting: letters, digits, `.`, `_`, `-`, `/`. */
const SAFE_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w.@+-]+(?:\/[\w.@+-]+)*$/;

export function detectApp(dir: string, wanted: { runtime?: Runtime; entry?: string } = {}): DetectedApp {
  const has = (file: string) => existsSync(join(dir, file));
  const runtime =
    wanted.runtime ??
    (has('package.json')
      ? 'node'
      : has('requirements.txt') || has('pyproject.toml')
        ? 'python'
        : has('index.html') || has('public/index.html')
          ? 'static'
          : undefined);
  if (runtime === undefined) {
    throw new UsageError(
      `cannot tell what app ${dir} holds: no package.json (Node.js), requirements.txt or pyproject.toml (Python), or index.html (a static site); say it with --runtime node|python|static`,
    );
  }
  const found = runtime === 'node' ? node(dir) : runtime === 'python' ? python(dir) : staticSite(dir);
  const detected = wanted.entry === undefined ? found : { ...found, entry: wanted.entry, npmStart: false };
  if (!SAFE_PATH.test(detected.entry)) {
    throw new UsageError(
      `the entry ${JSON.stringify(detected.entry)} is not a plain relative path (letters, digits, . _ - @ + and /, no ..): the unit file runs it unquoted; pass --entry FILE`,
    );
  }
  const notes = [...detected.notes];
  notes.unshift(
    wanted.runtime !== undefined
      ? `runtime ${runtime}: as told`
      : `runtime ${runtime}: ${runtime === 'node' ? 'package.json' : runtime === 'python' ? (has('requirements.txt') ? 'requirements.txt' : 'pyproject.toml') : 'index.html'}`,
  );
  if (wanted.entry !== undefined) notes.push(`entry ${wanted.entry}: from --entry`);
  const entryExists = has(detected.source === '/' ? detected.entry : join(detected.source, detected.entry));
  return { ...detected, entryExists, notes };
}

type Found = Omit<DetectedApp, 'entryExists'>;

function readJson(path: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(
      `${path} is not valid JSON (${(error as Error).message}); fix it, or pass --runtime and --entry`,
    );
  }
  throw new UsageError(`${path} is not a JSON object; fix it, or pass --runtime and --entry`);
}

function node(dir: string): Found {
  const path = join(dir, 'package.json');
  const pkg = existsSync(path) ? readJson(path) : {};
  const notes: string[] = [];
  const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
  const start = typeof scripts.start === 'string' ? scripts.start.trim() : undefined;
  const main = typeof pkg.main === 'string' ? pkg.main.replace(/^\.\//, '') : undefined;
  let entry = 'index.js';
  let npmStart = false;
  const direct = start !== undefined ? /^node\s+(?:\.\/)?([\w./@+-]+)$/.exec(start) : null;
  if (direct?.[1]) {
    entry = direct[1];
    notes.push(`entry ${entry}: from package.json scripts.start (${start})`);
  } else if (start !== undefined) {
    npmStart = true;
    entry = main ?? 'index.js';
    notes.push(`the unit runs npm start: package.json scripts.start is "${start}", not node FILE`);
  } else if (main) {
    entry = main;
    notes.push(`entry ${entry}: from package.json main`);
  } else {
    notes.push('entry index.js: package.json names no main and no start script');
  }
  const deps = pkg.dependencies;
  const hasDependencies = typeof deps === 'object' && deps !== null && Object.keys(deps).length > 0;
  if (hasDependencies)
    notes.push('AfterInstall installs the dependencies of package.json (npm ci --omit=dev)');
  const name = typeof pkg.name === 'string' ? pkg.name.replace(/^@[^/]+\//, '') : undefined;
  const test = scripts.test;
  return {
    runtime: 'node',
    tests: typeof test === 'string' && !/no test specified/.test(test),
    source: '/',
    entry,
    npmStart,
    esm: pkg.type === 'module' ? !entry.endsWith('.cjs') : entry.endsWith('.mjs'),
    dependencies: hasDependencies ? { kind: 'npm' } : { kind: 'none' },
    ...(name ? { name } : {}),
    notes,
  };
}

function python(dir: string): Found {
  const has = (file: string) => existsSync(join(dir, file));
  const notes: string[] = [];
  const candidates = ['app.py', 'main.py', 'wsgi.py', 'server.py'];
  const entry = candidates.find(has) ?? 'app.py';
  notes.push(has(entry) ? `entry ${entry}: found` : `entry app.py: none of ${candidates.join(', ')} exists`);
  const read = (file: string) => (has(file) ? readFileSync(join(dir, file), 'utf8') : undefined);
  const requirements = read('requirements.txt');
  const pyproject = read('pyproject.toml');
  let dependencies: DetectedApp['dependencies'] = { kind: 'none' };
  // Only what names a requirement needs a virtual environment: an app of the standard library
  // runs on the instance's python3 as it is.
  if (requirements !== undefined && /^\s*[^#\s]/m.test(requirements)) {
    dependencies = { kind: 'pip', arguments: '--requirement requirements.txt' };
    notes.push('AfterInstall installs requirements.txt into a virtual environment, .venv');
  } else if (pyproject !== undefined && /^\s*dependencies\s*=\s*\[\s*["']/m.test(pyproject)) {
    dependencies = { kind: 'pip', arguments: '.' };
    notes.push('AfterInstall installs the project (pyproject.toml) into a virtual environment, .venv');
  } else {
    notes.push("no dependencies to install: the app runs on the instance's python3");
  }
  const name = pyproject ? /^\s*name\s*=\s*["']([^"']+)["']/m.exec(pyproject)?.[1] : undefined;
  return {
    runtime: 'python',
    tests: false,
    source: '/',
    entry,
    npmStart: false,
    esm: false,
    dependencies,
    ...(name ? { name } : {}),
    notes,
  };
}

function staticSite(dir: string): Found {
  const inPublic = existsSync(join(dir, 'public/index.html')) && !existsSync(join(dir, 'index.html'));
  return {
    runtime: 'static',
    tests: false,
    source: inPublic ? 'public' : '/',
    entry: 'index.html',
    npmStart: false,
    esm: false,
    dependencies: { kind: 'none' },
    notes: inPublic
      ? ['the site is public/: the appspec copies it, and only it is served']
      : [
          'the site is the whole revision (index.html at its root): everything in it is served, hooks/ and greenlight.yml too; move the site into public/ and run init again to serve only that',
        ],
  };
}
