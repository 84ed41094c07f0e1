import {
  BatchGetDeploymentsCommand,
  ListDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { AwsOperationError, awsCall } from '../aws/errors.js';
import { ACTIVE_STATUSES, GroupMissing } from '../codedeploy/deploy.js';
import { readDeploymentGroup } from '../codedeploy/group.js';
import { TERMINAL_STATUSES } from '../codedeploy/wait.js';
import type { EnvironmentConfig } from '../config/environment.js';

// One look at a deployment group as a rollback decides from it: the deployments that hold its slot,
// and the deployment it serves from — the group's last successful one, which is also where CodeDeploy
// sends a stop-with-rollback (CodeDeploy rolls back to the last successful revision, not to the last
// one greenlight verified).

export interface GroupNow {
  /** Active deployments (newest first), each with its revision and creator. */
  readonly active: readonly DeploymentInfo[];
  /** The group's last successful deployment. */
  readonly serving?: DeploymentInfo;
}

export async function lookAtGroup(env: EnvironmentConfig, codedeploy: CodeDeployClient): Promise<GroupNow> {
  const group = `${env.application}/${env.deploymentGroup}`;
  const [info, activeIds] = await Promise.all([
    readDeploymentGroup(codedeploy, env, (cause) => {
      throw new GroupMissing(
        `deployment group ${group} does not exist (${cause.message}); there is nothing to roll back`,
      );
    }),
    listActive(env, codedeploy),
  ]);
  if (!info)
    throw new AwsOperationError(
      'GetDeploymentGroup',
      group,
      new Error(`GetDeploymentGroup ${group} returned nothing`),
    );
  const servingId = info.lastSuccessfulDeployment?.deploymentId;
  const ids = [...new Set([...activeIds, ...(servingId ? [servingId] : [])])];
  const infos = await batchGet(group, ids, codedeploy);
  const byId = new Map(infos.map((d) => [d.deploymentId, d] as const));
  const serving = servingId ? byId.get(servingId) : undefined;
  return {
    // The list may be stale by a moment: only what is still active.
    active: activeIds.flatMap((id) => {
      const d = byId.get(id);
      return d && !TERMINAL_STATUSES.has(d.status ?? '') ? [d] : [];
    }),
    ...(serving ? { serving } : {}),
  };
}

async function listActive(env: EnvironmentConfig, codedeploy: CodeDeployClient): Promise<string[]> {
  const group = `${env.application}/${env.deploymentGroup}`;
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall('ListDeployments', group, () =>
      codedeploy.send(
        new ListDeploymentsCommand({
          applicationName: env.application,
          deploymentGroupName: env.deploymentGroup,
          includeOnlyStatuses: ACTIVE_STATUSES,
          ...(nextToken ? { nextToken } : {}),
        }),
      ),
    );
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

async function batchGet(group: string, ids: readonly string[], codedeploy: CodeDeployClient) {
  const infos: DeploymentInfo[] = [];
  for (let i = 0; i < ids.length; i += 25) {
    const batch = ids.slice(i, i + 25);
    const out = await awsCall('BatchGetDeployments', group, () =>
      codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: batch })),
    );
    infos.push(...(out.deploymentsInfo ?? []));
  }
  return infos;
}
