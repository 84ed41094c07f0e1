// API calls and wall time to verify a finished blue/green deployment of 10, 100 and 1,000 instances on
// the local cloud (synthetic agent), next to the fewest calls the APIs allow:
//   GetDeployment + GetDeploymentGroup + ListDeploymentTargets pages (green and blue, 100 a page)
//   + BatchGetDeploymentTargets (green, 25 a batch) + DescribeTargetGroups + one DescribeTargetHealth
//   per target group + DescribeAutoScalingGroups + DescribeAlarms.
// EC2 is extra and listed on its own: the blue instances' state (terminated?), 200 ids a call.
// Run: node --import tsx bench/verify-calls.ts [instances…]   (default: 10 100 1000)
import { cpus } from 'node:os';
import { createAwsClients } from '../src/aws/clients.js';
import { systemClock } from '../src/clock.js';
import { startDeployment } from '../src/codedeploy/deploy.js';
import { applyGroup } from '../src/codedeploy/group.js';
import { waitForDeployment } from '../src/codedeploy/wait.js';
import { startLocalCloud } from '../src/localcloud/server.js';
import { gatherFacts, verifyClientsOf } from '../src/verify/gather.js';
import { judge } from '../src/verify/verdict.js';
import { devEnvironment, devWorld } from '../test/support/cloud.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const sizes = process.argv.slice(2).map(Number);
const quiet = { emit: () => undefined };
const PAGE = 100;

console.log(
  `# verify: API calls and wall time — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
);
console.log('| instances | calls | minimum | of which EC2 | by operation | wall ms | verified |');
console.log('|---:|---:|---:|---:|---|---:|---|');
for (const instances of sizes.length > 0 ? sizes : [10, 100, 1000]) {
  const lc = await startLocalCloud({ timeScale: 3000, world: devWorld(instances) });
  const aws = createAwsClients({
    endpoint: lc.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    const codedeploy = await aws.codedeploy();
    const env = devEnvironment();
    await applyGroup(env, { codedeploy, autoscaling: await aws.autoscaling() }, quiet);
    const { deploymentId } = await startDeployment(
      {
        env,
        revision: {
          revisionType: 'GitHub',
          gitHubLocation: { repository: 'example/greenlight', commitId: 'a'.repeat(40) },
        },
        build: {},
        ifBusy: 'fail',
        force: true,
        busyTimeoutMs: 60_000,
        pollMs: 250,
      },
      { codedeploy, clock: systemClock, logger: quiet },
    );
    const outcome = await waitForDeployment(
      { deploymentId, pollMs: 250 },
      { codedeploy, clock: systemClock, logger: quiet },
    );
    if (outcome.deployment.status !== 'Succeeded')
      throw new Error(`deployment ended ${outcome.deployment.status}`);
    const clients = await verifyClientsOf(aws);
    const counts = async () =>
      (await (await fetch(`${lc.url}/_localcloud/requests`)).json()) as Record<string, number>;
    const before = await counts();
    const started = performance.now();
    const verdict = judge(
      await gatherFacts({ deploymentId, health: env.health, alarms: env.alarms }, clients, systemClock),
    );
    const wall = performance.now() - started;
    const after = await counts();
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
      2 + 2 * Math.ceil(instances / PAGE) + Math.ceil(instances / 25) + 1 + env.targetGroups.length + 1 + 1;
    const ops = Object.entries(delta)
      .map(([k, n]) => `${k.split(':')[1] ?? k} ${n}`)
      .join(', ');
    console.log(
      `| ${instances} | ${total} | ${minimum} | ${ec2} | ${ops} | ${wall.toFixed(0)} | ${verdict.verified} |`,
    );
  } finally {
    aws.destroy();
    await lc.close();
  }
}
