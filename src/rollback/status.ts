import {
  BatchGetDeploymentsCommand,
  ListDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { awsCall } from '../aws/errors.js';
import type { Clock } from '../clock.js';
import { ACTIVE_STATUSES, GroupMissing, revisionLabel } from '../codedeploy/deploy.js';
import { readDeploymentGroup } from '../codedeploy/group.js';
import type { EnvironmentConfig } from '../config/environment.js';
import { formatElapsed } from '../log/format.js';
import { readLastKnownGood, type LastKnownGood } from './last-known-good.js';

// `greenlight status`: what is deployed, whether greenlight verified it, and the last-known-good.

export interface DeploymentSummary {
  readonly deploymentId: string;
  readonly revision: string;
  readonly status: string;
  readonly creator: string;
  readonly time?: string;
}

export interface EnvironmentStatus {
  readonly application: string;
  readonly deploymentGroup: string;
  /** The group's last successful deployment: what serves now. */
  readonly deployed?: DeploymentSummary & { readonly verified: boolean };
  readonly lastAttempted?: DeploymentSummary;
  readonly active: readonly DeploymentSummary[];
  readonly lastKnownGood?: LastKnownGood;
}

function summary(d: DeploymentInfo): DeploymentSummary {
  const time = (d.completeTime ?? d.createTime)?.toISOString();
  return {
    deploymentId: d.deploymentId ?? '?',
    revision: revisionLabel(d.revision),
    status: d.status ?? 'Unknown',
    creator: d.creator ?? 'user',
    ...(time ? { time } : {}),
  };
}

export async function environmentStatus(
  env: EnvironmentConfig,
  codedeploy: CodeDeployClient,
  clock: Clock,
): Promise<{ data: EnvironmentStatus; lines: string[] }> {
  const group = `${env.application}/${env.deploymentGroup}`;
  const info = await readDeploymentGroup(codedeploy, env, () => {
    throw new GroupMissing(
      `deployment group ${group} does not exist; create it with: greenlight group apply --env ${env.name}`,
    );
  });
  const [lkg, activeIds] = await Promise.all([
    readLastKnownGood(codedeploy, env),
    awsCall('ListDeployments', group, () =>
      codedeploy.send(
        new ListDeploymentsCommand({
          applicationName: env.application,
          deploymentGroupName: env.deploymentGroup,
          includeOnlyStatuses: ACTIVE_STATUSES,
        }),
      ),
    ).then((out) => out.deployments ?? []),
  ]);
  const ids = [
    ...new Set(
      [
        info?.lastSuccessfulDeployment?.deploymentId,
        info?.lastAttemptedDeployment?.deploymentId,
        ...activeIds.slice(0, 20),
      ].filter((x): x is string => Boolean(x)),
    ),
  ];
  const infos =
    ids.length > 0
      ? ((
          await awsCall('BatchGetDeployments', group, () =>
            codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: ids })),
          )
        ).deploymentsInfo ?? [])
      : [];
  const byId = new Map(infos.map((d) => [d.deploymentId, d] as const));
  const deployedInfo = byId.get(info?.lastSuccessfulDeployment?.deploymentId);
  const attemptedInfo = byId.get(info?.lastAttemptedDeployment?.deploymentId);
  const data: EnvironmentStatus = {
    application: env.application,
    deploymentGroup: env.deploymentGroup,
    ...(deployedInfo
      ? { deployed: { ...summary(deployedInfo), verified: lkg?.deploymentId === deployedInfo.deploymentId } }
      : {}),
    ...(attemptedInfo ? { lastAttempted: summary(attemptedInfo) } : {}),
    active: activeIds.flatMap((id) => {
      const d = byId.get(id);
      return d ? [summary(d)] : [];
    }),
    ...(lkg ? { lastKnownGood: lkg } : {}),
  };
  return { data, lines: statusLines(data, clock) };
}

function ago(time: string | undefined, clock: Clock): string {
  if (!time) return '';
  const ms = clock.now() - Date.parse(time);
  return Number.isFinite(ms) && ms >= 0 ? ` (${formatElapsed(ms)} ago)` : '';
}

export function statusLines(s: EnvironmentStatus, clock: Clock): string[] {
  const lines = [`${s.application}/${s.deploymentGroup}`];
  if (s.deployed) {
    const d = s.deployed;
    lines.push(
      `  deployed:        ${d.revision} in ${d.deploymentId}, ${d.status}${ago(d.time, clock)} — ${
        d.verified ? 'verified by greenlight' : 'NOT verified by greenlight'
      }`,
    );
  } else {
    lines.push('  deployed:        nothing has succeeded yet');
  }
  if (s.lastAttempted && s.lastAttempted.deploymentId !== s.deployed?.deploymentId) {
    const a = s.lastAttempted;
    lines.push(
      `  last attempt:    ${a.revision} in ${a.deploymentId}, ${a.status}${ago(a.time, clock)} (${a.creator})`,
    );
  }
  for (const a of s.active) lines.push(`  active:          ${a.revision} in ${a.deploymentId}, ${a.status}`);
  lines.push(
    s.lastKnownGood
      ? `  last-known-good: ${s.lastKnownGood.revision} in ${s.lastKnownGood.deploymentId}, verified ${s.lastKnownGood.verifiedAt}${ago(s.lastKnownGood.verifiedAt, clock)}`
      : '  last-known-good: none — greenlight has verified no deployment of this group',
  );
  return lines;
}
