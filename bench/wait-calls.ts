// API calls greenlight makes while following a deployment, against the number of polls (ticks), for a
// 100- and a 1,000-instance blue/green deployment on the local cloud (synthetic agent).
// Run: [TIME_SCALE=60] node --import tsx bench/wait-calls.ts [instances…]   (default: 100 1000)
import { cpus } from 'node:os';
import { systemClock } from '../src/clock.js';
import { waitForDeployment } from '../src/codedeploy/wait.js';
import { quiet, startBenchFleet, startCommitDeployment } from './support.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const sizes = process.argv.slice(2).map(Number);

console.log(
  `# wait: API calls per deployment — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
);
console.log(
  '| instances | poll | ticks (GetDeployment) | ListDeploymentTargets | BatchGetDeploymentTargets | other | total | wall s |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const instances of sizes.length > 0 ? sizes : [100, 1000]) {
  const fleet = await startBenchFleet({ instances, timeScale: Number(process.env.TIME_SCALE ?? 60) });
  const { cloud, codedeploy } = fleet;
  try {
    const deploymentId = await startCommitDeployment(fleet, 250);
    const before = await cloud.requests();
    const pollMs = 250;
    const started = Date.now();
    const outcome = await waitForDeployment(
      { deploymentId, pollMs },
      { codedeploy, clock: systemClock, logger: quiet },
    );
    const wall = (Date.now() - started) / 1000;
    const afterCounts = await cloud.requests();
    const delta = (op: string) => (afterCounts[`codedeploy:${op}`] ?? 0) - (before[`codedeploy:${op}`] ?? 0);
    const total = Object.keys(afterCounts).reduce(
      (sum, k) => sum + (afterCounts[k] ?? 0) - (before[k] ?? 0),
      0,
    );
    const ticks = delta('GetDeployment');
    const list = delta('ListDeploymentTargets');
    const batch = delta('BatchGetDeploymentTargets');
    if (outcome.deployment.status !== 'Succeeded')
      throw new Error(`deployment ended ${outcome.deployment.status}`);
    console.log(
      `| ${instances} | ${pollMs} ms | ${ticks} | ${list} | ${batch} | ${total - ticks - list - batch} | ${total} | ${wall.toFixed(1)} |`,
    );
  } finally {
    await cloud.close();
  }
}
