import {
  BatchGetDeploymentsCommand,
  ListDeploymentsCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { awsCall } from '../aws/errors.js';
import type { Clock } from '../clock.js';
import { ACTIVE_STATUSES, GroupMissing, revisionLabel } from '../codedeploy/deploy.js';
import { readDeploymentGroup } from '../codedeploy/group.js';
import type { EnvironmentConfig } from '../config/environment.js';
import { formatElapsed } from '../log/format.js';
import { readCheckedLastKnownGood, type LastKnownGood } from './last-known-good.js';
import type { RecordCheckDeps } from './record-check.js';

// `greenlight status`: what is deployed, whether greenlight verified it, and the last-known-good.
// "Verified" is not a memory: the last-known-good record must name the deployment that serves now
// and pass the checks every reader of it makes (record-check.ts); a record that fails them is shown
// as stale, with the reason.

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
  /** Why the last-known-good record cannot be trusted, when it fails its checks. */
  readonly lastKnownGoodStale?: string;
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
  deps: RecordCheckDeps,
  clock: Clock,
): Promise<{ data: EnvironmentStatus; lines: string[] }> {
  const { codedeploy } = deps;
  const group = `${env.application}/${env.deploymentGroup}`;
  const info = await readDeploymentGroup(codedeploy, env, () => {
    throw new GroupMissing(
      `deployment group ${group} does not exist; create it with: greenlight group apply --env ${env.name}`,
    );
  });
  const [checked, activeIds] = await Promise.all([
    readCheckedLastKnownGood(env, deps),
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
  const lkg = checked.kind === 'none' ? undefined : checked.record;
  const trusted = checked.kind === 'checked' ? checked.record.deploymentId : undefined;
  const deployedInfo = byId.get(info?.lastSuccessfulDeployment?.deploymentId);
  const attemptedInfo = byId.get(info?.lastAttemptedDeployment?.deploymentId);
  const data: EnvironmentStatus = {
    application: env.application,
    deploymentGroup: env.deploymentGroup,
    ...(deployedInfo
      ? { deployed: { ...summary(deployedInfo), verified: trusted === deployedInfo.deploymentId } }
      : {}),
    ...(attemptedInfo ? { lastAttempted: summary(attemptedInfo) } : {}),
    active: activeIds.flatMap((id) => {
      const d = byId.get(id);
      return d ? [summary(d)] : [];
    }),
    ...(lkg ? { lastKnownGood: lkg } : {}),
    ...(checked.kind === 'rejected' ? { lastKnownGoodStale: checked.reason } : {}),
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
        d.verified ? 'verified by greenlight' : `NOT verified by greenlight${notVerifiedWhy(s)}`
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
  const lkg = s.lastKnownGood;
  if (!lkg) {
    lines.push('  last-known-good: none — greenlight has verified no deployment of this group');
  } else if (s.lastKnownGoodStale) {
    lines.push(
      `  last-known-good: STALE — the record (${lkg.revision || 'no revision'} in ${lkg.deploymentId}, recorded ${lkg.verifiedAt || 'at no time'}) fails its check: ${s.lastKnownGoodStale}; greenlight will not roll back to it`,
    );
  } else {
    lines.push(
      `  last-known-good: ${lkg.revision} in ${lkg.deploymentId}, verified ${lkg.verifiedAt}${ago(lkg.verifiedAt, clock)}`,
    );
  }
  return lines;
}

/** Why what serves is not called verified, when a record exists. */
function notVerifiedWhy(s: EnvironmentStatus): string {
  if (!s.lastKnownGood) return '';
  if (s.lastKnownGoodStale) return ' (the last-known-good record is stale, below)';
  return ` (the last-known-good is ${s.lastKnownGood.deploymentId}, not what serves now)`;
}
