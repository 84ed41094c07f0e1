// Time from the first failed instance to a non-zero exit, greenlight against the common CircleCI orb's
// wait (`aws deploy wait deployment-successful`: GetDeployment every 15 s until a final status). The
// deployment: AllAtOnce on 10 instances, the first green instance fails AfterInstall at once, the second
// runs ValidateService into its one-hour script timeout, so CodeDeploy itself only ends then. Times
// are in the local cloud's simulated (AWS) seconds; every contender polls every 15 simulated seconds.
// Run: node --import tsx bench/compare-fail-fast.ts [timeScale]   (default 600)
import {
  BatchGetDeploymentTargetsCommand,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
  type CodeDeployClient,
} from '@aws-sdk/client-codedeploy';
import { cpus } from 'node:os';
import { systemClock } from '../src/clock.js';
import { waitForDeployment } from '../src/codedeploy/wait.js';
import { quiet, startBenchFleet, startCommitDeployment } from './support.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const scale = Number(process.argv[2] ?? 600);
const pollMs = 15_000 / scale;
const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped']);

type Contender = (codedeploy: CodeDeployClient, id: string) => Promise<{ exit: number; diagnostics: string }>;

const contenders: Record<string, Contender> = {
  // What `aws deploy wait deployment-successful` does: poll, stop at a final status, say nothing else.
  'orb: aws deploy wait deployment-successful': async (codedeploy, id) => {
    for (;;) {
      const d = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
      if (d?.status === 'Succeeded') return { exit: 0, diagnostics: '' };
      if (TERMINAL.has(d?.status ?? ''))
        return {
          exit: 255,
          diagnostics: 'Waiter DeploymentSuccessful failed: Waiter encountered a terminal failure state',
        };
      await systemClock.sleep(pollMs);
    }
  },
  'greenlight wait (reports at once, exits at the final status)': async (codedeploy, id) => {
    const events: string[] = [];
    const logger = { emit: (e: { kind: string }) => void events.push(JSON.stringify(e)) };
    const outcome = await waitForDeployment(
      { deploymentId: id, pollMs },
      { codedeploy, clock: systemClock, logger },
    );
    const f = outcome.failures[0];
    return {
      exit: outcome.failures.length > 0 ? 1 : 0,
      diagnostics: f ? `${f.instanceId} ${f.lifecycleEvent} ${f.scriptName} ${f.errorCode}` : '',
    };
  },
  'greenlight wait --rollback-on-failure': async (codedeploy, id) => {
    const outcome = await waitForDeployment(
      { deploymentId: id, pollMs, rollbackOnFailure: true },
      { codedeploy, clock: systemClock, logger: quiet },
    );
    const f = outcome.failures[0];
    return {
      exit: outcome.failures.length > 0 ? 1 : 0,
      diagnostics: f ? `${f.instanceId} ${f.lifecycleEvent} ${f.scriptName} ${f.errorCode}` : '',
    };
  },
};

async function firstFailureAt(codedeploy: CodeDeployClient, id: string): Promise<number> {
  const ids =
    (
      await codedeploy.send(
        new ListDeploymentTargetsCommand({ deploymentId: id, targetFilters: { TargetStatus: ['Failed'] } }),
      )
    ).targetIds ?? [];
  const out = await codedeploy.send(
    new BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds: ids.slice(0, 25) }),
  );
  const ends = (out.deploymentTargets ?? []).flatMap((t) =>
    (t.instanceTarget?.lifecycleEvents ?? [])
      .filter((e) => e.status === 'Failed')
      .map((e) => e.endTime?.getTime() ?? Infinity),
  );
  return Math.min(...ends);
}

console.log(
  `# fail fast — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, time scale ${scale}, poll 15 s (${pollMs} ms real)`,
);
console.log('| waiter | exit | first failure → exit (AWS s) | diagnostics at exit |');
console.log('|---|---:|---:|---|');
for (const [name, contender] of Object.entries(contenders)) {
  const fleet = await startBenchFleet({ instances: 10, timeScale: scale, seed: 1 });
  const { cloud, codedeploy } = fleet;
  try {
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 1,
      event: 'ValidateService',
      effect: 'hang',
    });
    const deploymentId = await startCommitDeployment(fleet, pollMs);
    const result = await contender(codedeploy, deploymentId);
    const exitedAt = cloud.lc.cloud.scheduler.now().getTime();
    const failedAt = await firstFailureAt(codedeploy, deploymentId);
    console.log(
      `| ${name} | ${result.exit} | ${((exitedAt - failedAt) / 1000).toFixed(0)} | ${result.diagnostics || '—'} |`,
    );
  } finally {
    await cloud.close();
  }
}
