// tier: integration
// Finding H1 of issue 17: before a COPY_AUTO_SCALING_GROUP deployment greenlight points the groups
// CodeDeploy will copy at their launch template's latest version. Against the local cloud (manual
// clock) with the real SDK clients; the groups and templates are made through the SDK.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as ec2 from '@aws-sdk/client-ec2';
import {
  fleetBehindLaunchTemplate,
  followLatestLaunchTemplate,
  launchTemplateMoves,
} from '../../src/codedeploy/launch-template.js';
import type { LogEvent } from '../../src/log/events.js';
import { startCloud, type TestCloud } from '../support/cloud.js';

describe('followLatestLaunchTemplate', () => {
  let cloud: TestCloud;
  let templateId: string;
  const events: LogEvent[] = [];
  const logger = { emit: (event: LogEvent) => void events.push(event) };

  const versionOf = async (group: string) =>
    (
      await (
        await cloud.aws.autoscaling()
      ).send(new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }))
    ).AutoScalingGroups?.[0]?.LaunchTemplate?.Version;

  before(async () => {
    cloud = await startCloud({ world: { region: 'us-east-1' } });
    const client = await cloud.aws.ec2();
    const made = await client.send(
      new ec2.CreateLaunchTemplateCommand({
        LaunchTemplateName: 'web-dev',
        LaunchTemplateData: { InstanceType: 't3.small' },
      }),
    );
    templateId = made.LaunchTemplate!.LaunchTemplateId!;
    const autoscaling = await cloud.aws.autoscaling();
    for (const [name, version] of [
      ['web-dev-asg', '1'],
      ['CodeDeploy_web-dev_d-FOLLOWS', '$Latest'],
      ['CodeDeploy_web-dev_d-DEFAULTS', '$Default'],
    ] as const) {
      await autoscaling.send(
        new asg.CreateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          LaunchTemplate: { LaunchTemplateId: templateId, Version: version },
          MinSize: 0,
          MaxSize: 1,
          DesiredCapacity: 0,
          AvailabilityZones: ['us-east-1a'],
        }),
      );
    }
    // A new AMI from `sam deploy`: version 2, then 3.
    for (const imageId of ['ami-00000000000000002', 'ami-00000000000000003']) {
      await client.send(
        new ec2.CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: templateId,
          LaunchTemplateData: { ImageId: imageId },
        }),
      );
    }
  });
  after(async () => cloud.close());

  it('says which groups are behind their template, changing nothing', async () => {
    const deps = { autoscaling: await cloud.aws.autoscaling(), ec2: await cloud.aws.ec2() };
    const groups = ['web-dev-asg', 'CodeDeploy_web-dev_d-FOLLOWS', 'CodeDeploy_web-dev_d-DEFAULTS'];
    assert.deepEqual(await launchTemplateMoves(groups, deps), [
      { group: 'web-dev-asg', launchTemplateId: templateId, from: '1', to: '3' },
    ]);
    assert.equal(
      await fleetBehindLaunchTemplate(groups, deps),
      `web-dev-asg launches from version 1 of launch template ${templateId}, which is at 3`,
    );
    assert.equal(await versionOf('web-dev-asg'), '1');
    assert.deepEqual(events, []);
  });

  it('points a group that names an older version at the latest, and says so', async () => {
    const done = await followLatestLaunchTemplate(['web-dev-asg'], {
      autoscaling: await cloud.aws.autoscaling(),
      ec2: await cloud.aws.ec2(),
      logger,
    });
    assert.deepEqual(done, [{ group: 'web-dev-asg', launchTemplateId: templateId, from: '1', to: '3' }]);
    assert.equal(await versionOf('web-dev-asg'), '3');
    assert.deepEqual(
      events.map((e) => (e.kind === 'step' ? `${e.step}: ${e.detail ?? ''}` : '')),
      [
        `launch template ${templateId} of web-dev-asg: version 1 → 3: CodeDeploy's copy launches the green fleet from it`,
      ],
    );
  });

  it('leaves a group on the latest version, or naming $Latest or $Default, as it is', async () => {
    events.length = 0;
    const groups = ['web-dev-asg', 'CodeDeploy_web-dev_d-FOLLOWS', 'CodeDeploy_web-dev_d-DEFAULTS'];
    const done = await followLatestLaunchTemplate(groups, {
      autoscaling: await cloud.aws.autoscaling(),
      ec2: await cloud.aws.ec2(),
      logger,
    });
    assert.deepEqual(done, []);
    assert.deepEqual(events, []);
    assert.equal(await versionOf('CodeDeploy_web-dev_d-FOLLOWS'), '$Latest');
    assert.equal(await versionOf('CodeDeploy_web-dev_d-DEFAULTS'), '$Default');
  });

  it('no group: nothing is asked', async () => {
    const before = await cloud.requests();
    assert.equal(
      await fleetBehindLaunchTemplate([], {
        autoscaling: await cloud.aws.autoscaling(),
        ec2: await cloud.aws.ec2(),
      }),
      undefined,
    );
    assert.deepEqual(
      await followLatestLaunchTemplate([], {
        autoscaling: await cloud.aws.autoscaling(),
        ec2: await cloud.aws.ec2(),
        logger,
      }),
      [],
    );
    assert.deepEqual(await cloud.requests(), before);
  });
});
