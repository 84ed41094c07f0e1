import type { CodeDeployClient, DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { AwsOperationError } from '../aws/errors.js';
import { getDeployments, GroupMissing, listActiveDeploymentIds } from '../codedeploy/deploy.js';
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
    listActiveDeploymentIds(codedeploy, env),
  ]);
  if (!info)
    throw new AwsOperationError(
      'GetDeploymentGroup',
      group,
      new Error(`GetDeploymentGroup ${group} returned nothing`),
    );
  const servingId = info.lastSuccessfulDeployment?.deploymentId;
  const ids = [...new Set([...activeIds, ...(servingId ? [servingId] : [])])];
  const infos = await getDeployments(codedeploy, group, ids);
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
