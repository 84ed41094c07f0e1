// tier: integration
// The "done when": a stack's unhealthy-hosts alarm goes to ALARM by itself when no instance
// answers its health check. The repository's sam-template.yaml is created through the CloudFormation
// SDK on a manual clock; its fleet launches with nothing deployed, so nothing on the instances
// answers /healthcheck, their targets turn unhealthy, and the stack's UnhealthyHostsAlarm (Maximum of
// UnHealthyHostCount by load balancer and target group, 2 periods of 60 s) goes from INSUFFICIENT_DATA
// to ALARM with nobody touching it. Its 5xx-rate alarm (metric math) has no requests to measure, and
// treats the missing data as not breaching: OK.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as cfn from '@aws-sdk/client-cloudformation';
import * as cw from '@aws-sdk/client-cloudwatch';
import { clientConfig, startTestCloud, until, type TestCloud } from '../harness.js';

const SAM_TEMPLATE = fileURLToPath(new URL('../../../../sam-template.yaml', import.meta.url));

describe("the stack's alarms move by themselves", () => {
  let t: TestCloud;
  let client: cfn.CloudFormationClient;
  before(async () => {
    t = await startTestCloud({ clock: { manual: new Date('2026-04-12T22:59:30Z') } });
    client = new cfn.CloudFormationClient(clientConfig(t.lc.url));
  });
  after(async () => {
    client.destroy();
    await t.close();
  });

  const alarm = async (name: string) =>
    (await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!;

  it('UnhealthyHostsAlarm goes to ALARM when no instance answers its health check', async () => {
    const ec2 = t.lc.cloud.region('us-east-1').ec2;
    const subnets = ec2
      .subnets()
      .slice(0, 2)
      .map((s) => s.id)
      .join(',');
    const parameters: Record<string, string> = {
      ApplicationName: 'web',
      Environment: 'dev',
      VpcId: ec2.defaultVpc().id,
      PublicSubnetIds: subnets,
      PrivateSubnetIds: subnets,
      AmiId: ec2.allImages()[0]!.imageId,
      FleetSize: '2',
      CircleCIOrgId: '0f0e0d0c-0b0a-4908-8706-050403020100',
      CircleCIProjectId: '1f1e1d1c-1b1a-4918-8716-151413121110',
    };
    const { Id } = await client.send(
      new cfn.CreateChangeSetCommand({
        StackName: 'web-dev',
        ChangeSetName: 'create',
        ChangeSetType: 'CREATE',
        TemplateBody: readFileSync(SAM_TEMPLATE, 'utf8'),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
        Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({
          ParameterKey,
          ParameterValue,
        })),
      }),
    );
    const changeSet = await until(
      () => client.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: Id })),
      (c) => c.Status === 'CREATE_COMPLETE' || c.Status === 'FAILED',
      'the change set',
    );
    assert.equal(changeSet.Status, 'CREATE_COMPLETE', changeSet.StatusReason);
    await client.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: Id }));
    const stack = await until(
      async () => (await client.send(new cfn.DescribeStacksCommand({ StackName: 'web-dev' }))).Stacks![0]!,
      (s) => !s.StackStatus!.endsWith('_IN_PROGRESS'),
      'the stack',
    );
    assert.equal(stack.StackStatus, 'CREATE_COMPLETE', stack.StackStatusReason);

    const created = await alarm('web-dev-unhealthy-hosts');
    assert.equal(created.Namespace, 'AWS/ApplicationELB');
    assert.equal(created.Threshold, 0);
    const unhealthy = await until(
      () => alarm('web-dev-unhealthy-hosts'),
      (a) => a.StateValue === 'ALARM',
      'the unhealthy-hosts alarm in ALARM',
    );
    assert.match(
      unhealthy.StateReason!,
      /^Threshold Crossed: 2 out of the last 2 datapoints \[2\.0 \(.*\), 2\.0 \(.*\)\] were greater than the threshold \(0\.0\)/,
    );
    const history = await t.cloudwatch.send(
      new cw.DescribeAlarmHistoryCommand({
        AlarmName: 'web-dev-unhealthy-hosts',
        HistoryItemType: 'StateUpdate',
        ScanBy: 'TimestampAscending',
      }),
    );
    const summaries = history.AlarmHistoryItems!.map((h) => h.HistorySummary);
    assert.equal(summaries[0]?.startsWith('Alarm updated from INSUFFICIENT_DATA to '), true);
    assert.equal(summaries[summaries.length - 1]?.endsWith(' to ALARM'), true);

    // No requests reached the load balancer: the rate has no datapoints, treated as not breaching.
    const rate = await alarm('web-dev-5xx');
    assert.equal(rate.StateValue, 'OK');
    assert.match(rate.StateReason!, /missing datapoints were treated as \[NonBreaching\]/);
  });
});
