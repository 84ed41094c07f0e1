// What a forged record is made of, through the real AWS APIs: a Succeeded deployment of another
// application (its own ASG, application and in-place group), and tags written on web/web-dev's group
// as anyone allowed to tag it could write them.
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { tagGroup } from '../../src/codedeploy/group-tags.js';
import type { TestCloud } from '../support/cloud.js';

export const WEB_DEV = {
  application: 'web',
  deploymentGroup: 'web-dev',
  serviceRoleArn: 'arn:aws:iam::123456789012:role/web-codedeploy',
} as const;

export const github = (commitId: string) =>
  ({ revisionType: 'GitHub', gitHubLocation: { repository: 'example/greenlight', commitId } }) as const;

/** Waits (polling, no fixed sleep) until the deployment has ended; returns its status. */
export async function ended(cloud: TestCloud, deploymentId: string): Promise<string> {
  const codedeploy = await cloud.aws.codedeploy();
  const status = await cloud.until(
    async () => (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status,
    (s) => s === 'Succeeded' || s === 'Failed' || s === 'Stopped',
    `${deploymentId} to end`,
  );
  return status ?? '';
}

/**
 * A Succeeded in-place deployment of `commitId` in api/api-dev (created on first use, with its own
 * one-instance ASG): a real deployment that greenlight never verified for web/web-dev.
 */
export async function foreignDeployment(cloud: TestCloud, commitId: string): Promise<string> {
  const codedeploy = await cloud.aws.codedeploy();
  const autoscaling = await cloud.aws.autoscaling();
  try {
    await autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'api-dev-asg',
        MinSize: 1,
        MaxSize: 1,
        DesiredCapacity: 1,
        AvailabilityZones: ['us-east-1a'],
        LaunchTemplate: { LaunchTemplateName: 'web' },
      }),
    );
    // An in-place deployment installs the instances that are running when it starts.
    await cloud.until(
      async () =>
        (
          await autoscaling.send(
            new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['api-dev-asg'] }),
          )
        ).AutoScalingGroups?.[0]?.Instances ?? [],
      (instances) => instances.some((x) => x.LifecycleState === 'InService'),
      'an instance of api-dev-asg InService',
    );
    await codedeploy.send(
      new CreateApplicationCommand({ applicationName: 'api', computePlatform: 'Server' }),
    );
    await codedeploy.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'api',
        deploymentGroupName: 'api-dev',
        serviceRoleArn: WEB_DEV.serviceRoleArn,
        autoScalingGroups: ['api-dev-asg'],
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      }),
    );
  } catch (error) {
    if (!/AlreadyExists/.test((error as Error).name)) throw error;
  }
  const out = await codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: 'api',
      deploymentGroupName: 'api-dev',
      revision: github(commitId),
    }),
  );
  const id = out.deploymentId ?? '';
  const status = await ended(cloud, id);
  if (status !== 'Succeeded') {
    const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
    throw new Error(
      `the api/api-dev deployment ${id} ended ${status}: ${JSON.stringify(info?.errorInformation)}`,
    );
  }
  return id;
}

/** Writes a record's tags on web/web-dev's group, as `aws deploy tag-resource` would. */
export async function forgeTags(cloud: TestCloud, tags: Record<string, string>): Promise<void> {
  await tagGroup(await cloud.aws.codedeploy(), WEB_DEV, tags);
}
