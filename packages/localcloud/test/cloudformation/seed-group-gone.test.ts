// tier: integration
// Finding H1 of issue 17 on a manual clock. After the first blue/green deployment the stack's first
// Auto Scaling group is gone (CodeDeploy deletes the group it copied). A later `sam deploy` with a
// new AMI makes a new launch template version:
//  - when the group names the template's LatestVersionNumber (the template's pre-fix shape), the
//    change reaches the group, CloudFormation's update of it finds nothing (NotFound), and the stack
//    rolls back: the pipeline stops there;
//  - when the group names version 1 for good (the shipped template), only the template changes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as cfn from '@aws-sdk/client-cloudformation';
import * as ec2 from '@aws-sdk/client-ec2';
import { createSamStack, SAM_TEMPLATE, updateSamStack } from './sam-stack.js';
import { clientConfig, startTestCloud, until, type TestCloud } from '../harness.js';

const shipped = readFileSync(SAM_TEMPLATE, 'utf8');
/** The seed group as the template first had it (test/rehearse/findings/h1-*.patch). */
const preFix = shipped.replace(
  /\n(\s+)Version: '1'\n/,
  (_, indent: string) => `\n${indent}Version: !GetAtt LaunchTemplate.LatestVersionNumber\n`,
);
const NEW_AMI = 'ami-0b0de0c0ffee00042';

describe('finding H1: a new AMI after CodeDeploy deleted the stack’s first group', () => {
  let t: TestCloud | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function afterFirstDeployment(templateBody: string) {
    t = await startTestCloud({ clock: { manual: new Date('2031-06-01T00:00:00Z') } });
    await createSamStack(t, { fleetSize: 1, templateBody });
    t.lc.cloud.region('us-east-1').ec2.addImage({ imageId: NEW_AMI, name: 'web-al2023-node20' });
    // What a blue/green deployment's end does to the group it copied.
    await t.autoscaling.send(
      new asg.DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'web-dev-asg', ForceDelete: true }),
    );
    const tc = t;
    await until(
      async () =>
        (
          await tc.autoscaling.send(
            new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-dev-asg'] }),
          )
        ).AutoScalingGroups ?? [],
      (groups) => groups.length === 0,
      'web-dev-asg deleted',
    );
    return tc;
  }

  const latestImage = async (tc: TestCloud) => {
    const client = new ec2.EC2Client(clientConfig(tc.lc.url));
    const { LaunchTemplateVersions } = await client.send(
      new ec2.DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web-dev', Versions: ['$Latest'] }),
    );
    client.destroy();
    return LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId;
  };

  it('pre-fix template: the update fails on the group that is gone, and the stack rolls back', async () => {
    const tc = await afterFirstDeployment(preFix);
    const stack = await updateSamStack(tc, { AmiId: NEW_AMI }, { templateBody: preFix });
    assert.equal(stack.StackStatus, 'UPDATE_ROLLBACK_COMPLETE');
    const client = new cfn.CloudFormationClient(clientConfig(tc.lc.url));
    const events = (await client.send(new cfn.DescribeStackEventsCommand({ StackName: 'web-dev' })))
      .StackEvents!;
    client.destroy();
    const failed = events.find(
      (e) => e.LogicalResourceId === 'AutoScalingGroup' && e.ResourceStatus === 'UPDATE_FAILED',
    );
    assert.ok(failed, events.map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}`).join('\n'));
    assert.match(failed.ResourceStatusReason ?? '', /web-dev-asg/);
  });

  it('shipped template: only the launch template changes, and its latest version has the new AMI', async () => {
    const tc = await afterFirstDeployment(shipped);
    const stack = await updateSamStack(tc, { AmiId: NEW_AMI });
    assert.equal(stack.StackStatus, 'UPDATE_COMPLETE', stack.StackStatusReason);
    assert.equal(await latestImage(tc), NEW_AMI);
  });
});
