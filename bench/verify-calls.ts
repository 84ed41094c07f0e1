// API calls and wall time to verify a finished blue/green deployment of 10, 100 and 1,000 instances on
// the local cloud (synthetic agent), next to the fewest calls the APIs allow:
//   GetDeployment + GetDeploymentGroup + ListDeploymentTargets pages (green and blue, 100 a page)
//   + BatchGetDeploymentTargets (green and, for the timeline, blue; 25 a batch) + DescribeTargetGroups + one DescribeTargetHealth
//   per target group + DescribeAutoScalingGroups + DescribeAlarms.
// EC2 is extra and listed on its own: the blue instances' state (terminated?), 200 ids a call.
// Run: node --import tsx bench/verify-calls.ts [instances…]   (default: 10 100 1000)
import { cpus } from 'node:os';
import { systemClock } from '../src/clock.js';
import { gatherFacts, verifyClientsOf } from '../src/verify/gather.js';
import { judge } from '../src/verify/verdict.js';
import { deploySucceeded, startBenchFleet } from './support.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const sizes = process.argv.slice(2).map(Number);
const PAGE = 100;

console.log(
  `# verify: API calls and wall time — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
);
console.log('| instances | calls | minimum | of which EC2 | by operation | wall ms | verified |');
console.log('|---:|---:|---:|---:|---|---:|---|');
for (const instances of sizes.length > 0 ? sizes : [10, 100, 1000]) {
  const fleet = await startBenchFleet({ instances, timeScale: 3000 });
  const { cloud, env } = fleet;
  try {
    const deploymentId = await deploySucceeded(fleet, 250);
    const clients = await verifyClientsOf(cloud.aws);
    const before = await cloud.requests();
    const started = performance.now();
    const verdict = judge(
      await gatherFacts({ deploymentId, health: env.health, alarms: env.alarms }, clients, systemClock),
    );
    const wall = performance.now() - started;
    const after = await cloud.requests();
    const delta = Object.fromEntries(
      Object.keys(after)
        .map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
    const total = Object.values(delta).reduce((a, b) => a + b, 0);
    const ec2 = Object.entries(delta)
      .filter(([k]) => k.startsWith('ec2:'))
      .reduce((a, [, n]) => a + n, 0);
    const minimum =
      2 +
      2 * Math.ceil(instances / PAGE) +
      2 * Math.ceil(instances / 25) +
      1 +
      env.targetGroups.length +
      1 +
      1;
    const ops = Object.entries(delta)
      .map(([k, n]) => `${k.split(':')[1] ?? k} ${n}`)
      .join(', ');
    console.log(
      `| ${instances} | ${total} | ${minimum} | ${ec2} | ${ops} | ${wall.toFixed(0)} | ${verdict.verified} |`,
    );
  } finally {
    await cloud.close();
  }
}
