// greenlight verify against the way teams check a deployment today: a shell script of AWS CLI calls
// (bench/compare/verify-with-aws-cli.sh), both run as processes against the same local cloud and the
// same finished blue/green deployment of 10, 100 and 1,000 instances. Wall time and API calls (counted
// by the local cloud) for each, and the ratio.
// Run: node --import tsx bench/compare-verify.ts [instances…]   (default: 10 100 1000)
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { devEnvironment } from '../test/support/cloud.js';
import { deploySucceeded, startBenchFleet } from './support.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const root = fileURLToPath(new URL('..', import.meta.url));

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; ms: number; out: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
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

console.log(
  `# verify: greenlight against an AWS CLI script — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
);
console.log(
  '| instances | greenlight s | greenlight calls | AWS CLI script s | script calls | script `aws` processes | time ratio | calls ratio | both verified |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const instances of process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0).length > 0
  ? process.argv.slice(2).map(Number)
  : [10, 100, 1000]) {
  const fleet = await startBenchFleet({
    instances,
    timeScale: 3000,
    env: devEnvironment({ health: { path: '/healthcheck', port: 8000 } }),
  });
  const { cloud } = fleet;
  try {
    const deploymentId = await deploySucceeded(fleet, 250);
    const cloudEnv = { ...cloud.env, AWS_PAGER: '' };
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    const measure = async (command: string, args: string[]) => {
      const before = total(await cloud.requests());
      const r = await run(command, args, cloudEnv);
      return { ...r, calls: total(await cloud.requests()) - before };
    };
    // One warm-up of each so neither pays for a cold page cache.
    await run('node', ['bin/greenlight.js', 'verify', deploymentId, '--no-record'], cloudEnv);
    const greenlight = await measure('node', [
      'bin/greenlight.js',
      'verify',
      deploymentId,
      '--no-record',
      '--json',
    ]);
    const script = await measure('bash', [
      'bench/compare/verify-with-aws-cli.sh',
      deploymentId,
      'web-dev-tg',
      'web-dev-5xx',
    ]);
    // Every `aws` process makes one call except list-deployment-targets, which pages 100 ids a call.
    const processes = 5 + Math.ceil(instances / 25) + 2;
    const verified = greenlight.code === 0 && script.code === 0;
    if (!verified)
      console.error(
        `greenlight exit ${greenlight.code}:\n${greenlight.out.slice(-2000)}\nscript exit ${script.code}:\n${script.out.slice(-2000)}`,
      );
    console.log(
      `| ${instances} | ${(greenlight.ms / 1000).toFixed(2)} | ${greenlight.calls} | ${(script.ms / 1000).toFixed(2)} | ${script.calls} | ${processes} | ${(script.ms / greenlight.ms).toFixed(1)}× | ${(script.calls / greenlight.calls).toFixed(2)}× | ${verified} |`,
    );
  } finally {
    await cloud.close();
  }
}
