// greenlight verify against its honest peer: one Python process that makes the same checks with boto3
// (bench/compare/verify-with-boto3.py — the same API calls one for one, with the same concurrency).
// Both run as whole processes, in turn (A B, B A, …), against one local cloud holding one finished
// blue/green deployment of 1,000 instances; wall time from spawn to exit, API calls counted by the
// local cloud. Then `greenlight --version` against a bare `node -e 0`.
// greenlight runs built, through its bin: the bench first runs `npm run build`'s script into a package
// root of its own (bin/, package.json, dist/, node_modules linked; no sources, as installed), so the
// sources others edit meanwhile cannot send the bin to tsx. (In a checkout the bin also compares the
// sources with the build's stamp: one stat per source file, a few milliseconds.)
// Run: npm run bench:verify-vs-boto3   (= node --import tsx bench/verify-vs-boto3.ts)
//      node --import tsx bench/verify-vs-boto3.ts [--instances 1000] [--runs 7] [--version-runs 15]
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { cp, mkdtemp, symlink } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUILT_CLI } from '../bin/built-cli.js';
import { devEnvironment } from '../test/support/cloud.js';
import { deploySucceeded, startBenchFleet } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  readonly code: number;
  readonly ms: number;
  readonly calls: number;
  readonly out: string;
}

function usage(message: string): never {
  console.error(
    `${message}\nusage: node --import tsx bench/verify-vs-boto3.ts [--instances N] [--runs N] [--version-runs N]`,
  );
  process.exit(2);
}

function count(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} ${value}: expected a whole number of at least 1`);
  return n;
}

function spawnTimed(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<Omit<Run, 'calls'>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, ms: performance.now() - started, out }));
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};
const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const spread = (xs: readonly number[]): string =>
  `${seconds(median(xs))} (${seconds(Math.min(...xs))}–${seconds(Math.max(...xs))})`;

let options: { instances?: string; runs?: string; 'version-runs'?: string };
try {
  options = parseArgs({
    options: {
      instances: { type: 'string' },
      runs: { type: 'string' },
      'version-runs': { type: 'string' },
    },
  }).values;
} catch (error) {
  usage((error as Error).message);
}
const instances = count(options.instances, 1000, 'instances');
const runs = count(options.runs, 7, 'runs');
const versionRuns = count(options['version-runs'], 15, 'version-runs');

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const python = process.env.PYTHON ?? 'python3';
const pythonVersion = await spawnTimed(
  python,
  ['-c', 'import sys, boto3; print(sys.version.split()[0], boto3.__version__)'],
  {},
);
if (pythonVersion.code !== 0) {
  console.error(`${python} with boto3 is needed for the peer:\n${pythonVersion.out}`);
  process.exit(2);
}
const [pyVersion, boto3Version] = pythonVersion.out.trim().split(' ');

// The build, in a package root of its own.
const pkg = await mkdtemp(join(tmpdir(), 'greenlight-bench-'));
// Synchronous: an 'exit' listener cannot wait for a promise.
process.on('exit', () => rmSync(pkg, { recursive: true, force: true }));
await cp(join(root, 'bin'), join(pkg, 'bin'), { recursive: true });
await cp(join(root, 'package.json'), join(pkg, 'package.json'));
await symlink(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
const built = await spawnTimed(
  'node',
  ['--import', 'tsx', 'scripts/build.ts', '--out-dir', join(pkg, 'dist')],
  {},
);
if (built.code !== 0 || !existsSync(join(pkg, BUILT_CLI))) {
  console.error(`the build failed (exit ${built.code}):\n${built.out.slice(-3000)}`);
  process.exit(1);
}
const greenlight = join(pkg, 'bin/greenlight.js');

const fleet = await startBenchFleet({
  instances,
  timeScale: 3000,
  env: devEnvironment({ health: { path: '/healthcheck', port: 8000 } }),
});
const { cloud } = fleet;
try {
  const deploymentId = await deploySucceeded(fleet, 250);
  // boto3 reads the region from AWS_DEFAULT_REGION; the SDK for JavaScript from AWS_REGION.
  const env = { ...cloud.env, AWS_DEFAULT_REGION: cloud.env.AWS_REGION ?? 'us-east-1' };
  const total = async () => Object.values(await cloud.requests()).reduce((a, b) => a + b, 0);
  const peers = {
    greenlight: ['node', [greenlight, 'verify', deploymentId, '--no-record']],
    boto3: [python, ['bench/compare/verify-with-boto3.py', deploymentId]],
  } as const;
  const measure = async (who: keyof typeof peers): Promise<Run> => {
    const [command, args] = peers[who];
    const before = await total();
    const run = await spawnTimed(command, [...args], env);
    return { ...run, calls: (await total()) - before };
  };

  // One warm-up of each, so neither pays for a cold page cache.
  for (const who of ['greenlight', 'boto3'] as const) {
    const warm = await measure(who);
    if (warm.code !== 0) throw new Error(`${who} warm-up exited ${warm.code}:\n${warm.out.slice(-2000)}`);
  }
  const results: Record<keyof typeof peers, Run[]> = { greenlight: [], boto3: [] };
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? (['greenlight', 'boto3'] as const) : (['boto3', 'greenlight'] as const);
    for (const who of order) results[who].push(await measure(who));
  }
  const failed = [...results.greenlight, ...results.boto3].find((r) => r.code !== 0);
  if (failed) console.error(`a run exited ${failed.code}:\n${failed.out.slice(-2000)}`);

  const version: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < versionRuns; i++) {
    const v = await spawnTimed('node', [greenlight, '--version'], {});
    if (v.code !== 0) throw new Error(`greenlight --version exited ${v.code}: ${v.out}`);
    version.push(v.ms);
    node.push((await spawnTimed('node', ['-e', '0'], {})).ms);
  }

  const g = results.greenlight.map((r) => r.ms);
  const b = results.boto3.map((r) => r.ms);
  const pairRatios = g.map((ms, i) => (b[i] ?? NaN) / ms);
  const calls = (rs: readonly Run[]) => [...new Set(rs.map((r) => r.calls))].join('/');
  console.log(
    `# verify at ${instances} instances: greenlight (built CLI) against boto3 — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, Python ${pyVersion}, boto3 ${boto3Version}; ${runs} runs each, alternating`,
  );
  console.log('');
  console.log('| process | median s (min–max) | API calls | exit codes |');
  console.log('|---|---:|---:|---|');
  console.log(
    `| \`node bin/greenlight.js verify <id> --no-record\` | ${spread(g)} | ${calls(results.greenlight)} | ${[...new Set(results.greenlight.map((r) => r.code))].join('/')} |`,
  );
  console.log(
    `| \`python3 bench/compare/verify-with-boto3.py <id>\` | ${spread(b)} | ${calls(results.boto3)} | ${[...new Set(results.boto3.map((r) => r.code))].join('/')} |`,
  );
  console.log('');
  console.log(
    `greenlight is **${(median(b) / median(g)).toFixed(2)}×** as fast as boto3 (ratio of medians; pair by pair: median ${median(pairRatios).toFixed(2)}×, ${Math.min(...pairRatios).toFixed(2)}–${Math.max(...pairRatios).toFixed(2)}×)`,
  );
  console.log('');
  console.log(`| ${versionRuns} runs | median s (min–max) |`);
  console.log('|---|---:|');
  console.log(`| \`node bin/greenlight.js --version\` | ${spread(version)} |`);
  console.log(`| \`node -e 0\` (Node's own start) | ${spread(node)} |`);
  if (failed) process.exitCode = 1;
} finally {
  await cloud.close();
}
