// The test tiers. Every test file (test/**/*.test.ts) says its tier on its first line:
//
//   // tier: unit          pure: no local cloud, no child process, no server, no sandbox
//   // tier: integration   the synthetic local cloud and greenlight's commands, in this process
//   // tier: e2e           sandboxes, the AWS CLI, spawned processes, the fault matrix, the demo
//   // tier: rehearsal     whole rehearsals of the pipeline (a minute or more each): the finding
//                          scenarios of issue 17; `npm run test:rehearsal`, not part of `npm test`
//
// scripts/test-tier.ts runs one tier and refuses to run any while a file has no tier (or two), so no
// file is ever left out; test/support/tier-guard.ts fails a unit or integration file that breaks its
// tier's rule while it runs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const TIERS = ['unit', 'integration', 'e2e', 'rehearsal'] as const;
export type Tier = (typeof TIERS)[number];

const MARKER = /^\/\/ tier: (\S+)\s*$/;

export interface Classified {
  readonly byTier: Record<Tier, string[]>;
  /** One line per file that belongs to no tier or to more than one. */
  readonly problems: string[];
}

/** Sorts files into tiers by their first line; `text` reads a file's content. */
export function classify(files: readonly string[], text: (file: string) => string): Classified {
  const byTier: Record<Tier, string[]> = { unit: [], integration: [], e2e: [], rehearsal: [] };
  const problems: string[] = [];
  const usage = `its first line must be one of: ${TIERS.map((t) => `"// tier: ${t}"`).join(', ')}`;
  for (const file of [...files].sort()) {
    const lines = text(file).split('\n');
    const markers = lines.filter((line) => line.startsWith('// tier:'));
    const tier = MARKER.exec(lines[0] ?? '')?.[1];
    if (tier === undefined) {
      problems.push(`${file}: no tier — ${usage}`);
    } else if (!(TIERS as readonly string[]).includes(tier)) {
      problems.push(`${file}: unknown tier "${tier}" — ${usage}`);
    } else if (markers.length > 1) {
      problems.push(`${file}: ${markers.length} tier lines — a file belongs to exactly one tier`);
    } else {
      byTier[tier as Tier].push(file);
    }
  }
  return { byTier, problems };
}

/**
 * How many files of a tier run at once. Unit and integration files keep the two cores busy on their
 * own; e2e files mostly wait (on sandboxes, spawned CLIs, the demo's scaled clock), so a third runs
 * beside them. Every e2e file passes beside a CPU hog, which is a heavier neighbour than a third file.
 */
export const CONCURRENCY: Record<Tier, number> = { unit: 2, integration: 2, e2e: 3, rehearsal: 2 };

/**
 * Unit and integration files run in shards, CONCURRENCY processes each importing its share of the
 * files, instead of a process per file: starting Node, tsx and the SDK clients costs about a second
 * of CPU per process, more than most of these files take to run. A file's before/after hooks sit in
 * a describe so that they stay its own in a shared process. e2e files keep a process each.
 */
export const SHARDED: Record<Tier, boolean> = { unit: true, integration: true, e2e: false, rehearsal: false };

/**
 * The e2e files that take longest (wall time here, idle: the rehearsal of the whole pipeline 2.5 min, the demo's story 37 s, the package build and
 * install 28 s, the fault matrix 27 s …), started first so that none of them begins last and runs on
 * alone while the cores idle. Only the order depends on it: a file missing here, or a stale name,
 * just starts in path order.
 */
export const LONGEST_FIRST: readonly string[] = [
  'test/rehearse/rehearse.test.ts',
  'test/demo/story.test.ts',
  'test/package/package.test.ts',
  'test/scenarios/matrix.test.ts',
  'test/readme/readme.test.ts',
  'test/hooks/e2e.test.ts',
  'packages/localcloud/test/real/traffic.test.ts',
  'packages/localcloud/test/real/first-boot.test.ts',
  'test/hooks/e2e-hooks-run.test.ts',
  'test/cli/deploy.test.ts',
];

/** Files in the order they start: LONGEST_FIRST's first, then the rest in path order. */
export function startOrder(files: readonly string[]): string[] {
  const rank = (file: string) => {
    const at = LONGEST_FIRST.indexOf(file);
    return at < 0 ? LONGEST_FIRST.length : at;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Splits files into `count` shards of about equal size (in bytes, the heaviest placed first). */
export function shardsOf(
  files: readonly string[],
  count: number,
  size: (file: string) => number = (file) => statSync(file).size,
): string[][] {
  const shards = Array.from({ length: Math.max(1, Math.min(count, files.length)) }, () => ({
    bytes: 0,
    files: [] as string[],
  }));
  const bySize = files.map((file) => ({ file, bytes: size(file) })).sort((a, b) => b.bytes - a.bytes);
  for (const { file, bytes } of bySize) {
    const lightest = shards.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.bytes += bytes;
    lightest.files.push(file);
  }
  return shards.map((shard) => shard.files.sort());
}

/** The text of a shard's entry file: it imports each of its test files, in order. */
export function shardEntry(files: readonly string[], root = process.cwd()): string {
  const lines = files.map(
    (file) => `await import(${JSON.stringify(pathToFileURL(resolve(root, file)).href)});`,
  );
  return `// A shard of scripts/test-tier.ts: these test files, in one process.\n${lines.join('\n')}\n`;
}

/**
 * The `node` arguments that run `files` of one tier: CONCURRENCY at a time, the spec report on stdout, and
 * with GREENLIGHT_TEST_JUNIT_DIR set (CI) a JUnit report too, one file per tier: `<dir>/test-<tier>.xml`.
 */
export function nodeTestArguments(
  tier: Tier,
  files: readonly string[],
  options: readonly string[] = [],
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  const junit = env.GREENLIGHT_TEST_JUNIT_DIR;
  const reporters =
    junit === undefined || junit === ''
      ? ['--test-reporter=spec']
      : [
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          '--test-reporter=junit',
          `--test-reporter-destination=${join(junit, `test-${tier}.xml`)}`,
        ];
  return [
    '--import',
    'tsx',
    '--import',
    './test/support/tier-guard.ts',
    '--test',
    `--test-concurrency=${CONCURRENCY[tier]}`,
    ...reporters,
    ...options,
    ...files,
  ];
}

/** Every test file under `root` (relative paths, `/`-separated, sorted). */
export function testFiles(root = 'test'): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.test.ts'))
    .map((path) => join(root, path).split('\\').join('/'))
    .sort();
}

/** Where the checkout's tests live: greenlight's, and each workspace package's own. */
export const TEST_ROOTS = ['test', 'packages/localcloud/test'] as const;

/** The checkout's test files, classified. */
export function classifyTests(roots: readonly string[] = TEST_ROOTS): Classified {
  return classify(
    roots.flatMap((root) => testFiles(root)),
    (file) => readFileSync(file, 'utf8'),
  );
}
