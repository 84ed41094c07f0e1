// What greenlight's benches set up alike: the dev fleet on a local cloud, its deployment group applied
// by greenlight, and a blue/green deployment of one commit started the way `greenlight deploy` does.
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { systemClock } from '../src/clock.js';
import { startDeployment } from '../src/codedeploy/deploy.js';
import { applyGroup } from '../src/codedeploy/group.js';
import { waitForDeployment } from '../src/codedeploy/wait.js';
import type { EnvironmentConfig } from '../src/config/environment.js';
import type { Logger } from '../src/log/events.js';
import { devEnvironment, devWorld, startCloud, type TestCloud } from '../test/support/cloud.js';

export const quiet: Logger = { emit: () => undefined };

export interface BenchFleet {
  readonly cloud: TestCloud;
  readonly codedeploy: CodeDeployClient;
  readonly env: EnvironmentConfig;
}

/** The dev fleet of `instances` on a fresh local cloud, with greenlight's group applied. */
export async function startBenchFleet(options: {
  readonly instances: number;
  readonly timeScale: number;
  readonly seed?: number;
  /** Absent: the sample `dev` environment. */
  readonly env?: EnvironmentConfig;
}): Promise<BenchFleet> {
  const cloud = await startCloud({
    world: devWorld(options.instances),
    timeScale: options.timeScale,
    seed: options.seed,
  });
  try {
    const codedeploy = await cloud.aws.codedeploy();
    const env = options.env ?? devEnvironment();
    await applyGroup(env, { codedeploy, autoscaling: await cloud.aws.autoscaling() }, quiet);
    return { cloud, codedeploy, env };
  } catch (error) {
    await cloud.close();
    throw error;
  }
}

/** Starts a deployment of one commit; its id. */
export async function startCommitDeployment(fleet: BenchFleet, pollMs: number): Promise<string> {
  const { deploymentId } = await startDeployment(
    {
      env: fleet.env,
      revision: {
        revisionType: 'GitHub',
        gitHubLocation: { repository: 'example/greenlight', commitId: 'a'.repeat(40) },
      },
      build: {},
      ifBusy: 'fail',
      force: true,
      busyTimeoutMs: 60_000,
      pollMs,
    },
    { codedeploy: fleet.codedeploy, clock: systemClock, logger: quiet },
  );
  return deploymentId;
}

/** A deployment of one commit, followed until it succeeds; its id. Throws if it ends otherwise. */
export async function deploySucceeded(fleet: BenchFleet, pollMs: number): Promise<string> {
  const deploymentId = await startCommitDeployment(fleet, pollMs);
  const outcome = await waitForDeployment(
    { deploymentId, pollMs },
    { codedeploy: fleet.codedeploy, clock: systemClock, logger: quiet },
  );
  if (outcome.deployment.status !== 'Succeeded')
    throw new Error(`deployment ended ${outcome.deployment.status}`);
  return deploymentId;
}
