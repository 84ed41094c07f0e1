// Finding H1 of issue 17: CodeDeploy's copy of an Auto Scaling group launches from the launch
// template version the group it copies names. After the first blue/green deployment that group is
// CodeDeploy's own copy, which the stack does not manage, so a new launch template version (a new
// AMI, instance type or user data from `sam deploy`) would never reach the fleet. Before each
// COPY_AUTO_SCALING_GROUP deployment greenlight points the groups the deployment group will copy at
// their launch template's latest version. A group that names `$Latest` or `$Default` follows its
// template already and is left alone; so is one with no launch template (a launch configuration or a
// mixed instances policy, whose versions are the team's to choose).
import {
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplatesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { AwsOperationError } from '../aws/errors.js';
import type { Logger } from '../log/events.js';

export interface LaunchTemplateDeps {
  readonly autoscaling: AutoScalingClient;
  readonly ec2: EC2Client;
  readonly logger: Logger;
}

/** What was done to one group: its template, the version it named, and the one it names now. */
export interface LaunchTemplateAlignment {
  readonly group: string;
  readonly launchTemplateId: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The groups that name an older numbered version than their launch template's latest, and the
 * version each would be pointed at: what `followLatestLaunchTemplate` would do, nothing done.
 */
export async function launchTemplateMoves(
  groupNames: readonly string[],
  deps: Pick<LaunchTemplateDeps, 'autoscaling' | 'ec2'>,
): Promise<LaunchTemplateAlignment[]> {
  if (groupNames.length === 0) return [];
  const described = await deps.autoscaling
    .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...groupNames] }))
    .catch((error: unknown) => {
      throw new AwsOperationError('DescribeAutoScalingGroups', groupNames.join(', '), error);
    });
  const pinned = (described.AutoScalingGroups ?? []).flatMap((group) => {
    const spec = group.LaunchTemplate;
    const version = spec?.Version ?? '$Default';
    if (!group.AutoScalingGroupName || !spec?.LaunchTemplateId || !/^\d+$/.test(version)) return [];
    return [{ group: group.AutoScalingGroupName, launchTemplateId: spec.LaunchTemplateId, version }];
  });
  if (pinned.length === 0) return [];
  const ids = [...new Set(pinned.map((p) => p.launchTemplateId))];
  const templates = await deps.ec2
    .send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ids }))
    .catch((error: unknown) => {
      throw new AwsOperationError('DescribeLaunchTemplates', ids.join(', '), error);
    });
  const latest = new Map(
    (templates.LaunchTemplates ?? []).map((t) => [t.LaunchTemplateId, t.LatestVersionNumber]),
  );
  return pinned.flatMap(({ group, launchTemplateId, version }) => {
    const newest = latest.get(launchTemplateId);
    if (newest === undefined || Number(version) >= newest) return [];
    return [{ group, launchTemplateId, from: version, to: String(newest) }];
  });
}

/** Points each group at its launch template's latest version where it names an older number. */
export async function followLatestLaunchTemplate(
  groupNames: readonly string[],
  deps: LaunchTemplateDeps,
): Promise<LaunchTemplateAlignment[]> {
  const moves = await launchTemplateMoves(groupNames, deps);
  for (const { group, launchTemplateId, from, to } of moves) {
    await deps.autoscaling
      .send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: group,
          LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: to },
        }),
      )
      .catch((error: unknown) => {
        throw new AwsOperationError('UpdateAutoScalingGroup', group, error);
      });
    deps.logger.emit({
      kind: 'step',
      step: `launch template ${launchTemplateId} of ${group}`,
      status: 'done',
      detail: `version ${from} → ${to}: CodeDeploy's copy launches the green fleet from it`,
    });
  }
  return moves;
}

/**
 * What a deployment of an already verified revision would change on the fleet: the groups that
 * launch from an older version than their template's latest, said in one sentence, or undefined.
 */
export async function fleetBehindLaunchTemplate(
  groupNames: readonly string[],
  deps: Pick<LaunchTemplateDeps, 'autoscaling' | 'ec2'>,
): Promise<string | undefined> {
  const moves = await launchTemplateMoves(groupNames, deps);
  if (moves.length === 0) return undefined;
  return moves
    .map(
      (m) =>
        `${m.group} launches from version ${m.from} of launch template ${m.launchTemplateId}, which is at ${m.to}`,
    )
    .join('; ');
}
