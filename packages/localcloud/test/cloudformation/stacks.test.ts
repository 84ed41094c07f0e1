// tier: integration
// Stacks through the real CloudFormation SDK client, on a manual clock: a stack's resources are the
// objects the other APIs answer with; a second identical change set fails with "no changes"; an update
// replaces what it must; a failed create rolls back; an update after the stack's Auto Scaling group
// was deleted behind CloudFormation's back (what CodeDeploy's blue/green does to the group it copies)
// fails on that group with CloudFormation's NotFound and rolls back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as cfn from '@aws-sdk/client-cloudformation';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { caught, clientConfig, startTestCloud, until, type TestCloud } from '../harness.js';

const FLEET = `
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
  VpcId: {Type: 'AWS::EC2::VPC::Id'}
  Subnets: {Type: 'List<AWS::EC2::Subnet::Id>'}
  AmiId: {Type: 'AWS::EC2::Image::Id'}
  InstanceType: {Type: String, Default: t3.small}
  Size: {Type: Number, Default: 2, MinValue: 1}
  Port: {Type: Number, Default: 8000}
  Token: {Type: String, NoEcho: true, Default: secret}
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub 'web-\${Env} instances'
      VpcId: !Ref VpcId
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: !Ref Port, ToPort: !Ref Port, CidrIp: 10.0.0.0/8}]
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateName: !Sub 'web-\${Env}'
      LaunchTemplateData:
        ImageId: !Ref AmiId
        InstanceType: !Ref InstanceType
        SecurityGroupIds: [!GetAtt Group.GroupId]
  Targets:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Port: !Ref Port, Protocol: HTTP, VpcId: !Ref VpcId, HealthCheckPath: /healthcheck}
  Balancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Name: !Sub 'web-\${Env}-alb', Subnets: !Ref Subnets, SecurityGroups: [!GetAtt Group.GroupId]}
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Balancer
      Port: 80
      Protocol: HTTP
      DefaultActions: [{Type: forward, TargetGroupArn: !Ref Targets}]
  Fleet:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      AutoScalingGroupName: !Sub 'web-\${Env}-asg'
      LaunchTemplate: {LaunchTemplateId: !Ref Template, Version: !GetAtt Template.LatestVersionNumber}
      MinSize: !Ref Size
      MaxSize: !Ref Size
      VPCZoneIdentifier: !Ref Subnets
      TargetGroupARNs: [!Ref Targets]
  Unhealthy:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub 'web-\${Env}-unhealthy-hosts'
      Namespace: AWS/ApplicationELB
      MetricName: UnHealthyHostCount
      Dimensions:
        - {Name: LoadBalancer, Value: !GetAtt Balancer.LoadBalancerFullName}
        - {Name: TargetGroup, Value: !GetAtt Targets.TargetGroupFullName}
      Statistic: Maximum
      Period: 60
      EvaluationPeriods: 2
      ComparisonOperator: GreaterThanThreshold
      Threshold: 0
  Application:
    Type: AWS::CodeDeploy::Application
    Properties: {ApplicationName: !Sub 'web-\${Env}', ComputePlatform: Server}
  Revisions:
    Type: AWS::S3::Bucket
    Properties: {VersioningConfiguration: {Status: Enabled}}
Outputs:
  GroupName: {Value: !Ref Fleet}
  TargetGroupArn: {Value: !Ref Targets, Export: {Name: !Sub 'web-\${Env}-tg'}}
  Bucket: {Value: !Ref Revisions}
`;

describe('CloudFormation stacks on the local cloud', { concurrency: 1 }, () => {
  let t: TestCloud;
  let client: cfn.CloudFormationClient;
  let parameters: cfn.Parameter[];

  const done = (status: string | undefined) => status !== undefined && !status.endsWith('_IN_PROGRESS');
  const stackOf = async (name: string) =>
    (await client.send(new cfn.DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
  const settled = (name: string) =>
    until(
      () => stackOf(name),
      (s) => done(s.StackStatus),
      `${name} to settle`,
    );
  const changeSet = async (input: Omit<cfn.CreateChangeSetCommandInput, 'ChangeSetName'>, name: string) => {
    const { Id } = await client.send(new cfn.CreateChangeSetCommand({ ...input, ChangeSetName: name }));
    return until(
      () => client.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: Id })),
      (c) => c.Status === 'CREATE_COMPLETE' || c.Status === 'FAILED',
      `change set ${name}`,
    );
  };
  const events = async (name: string) =>
    (await client.send(new cfn.DescribeStackEventsCommand({ StackName: name }))).StackEvents!.map(
      (e) =>
        `${e.LogicalResourceId} ${e.ResourceStatus}${e.ResourceStatusReason ? ` ${e.ResourceStatusReason}` : ''}`,
    );

  before(async () => {
    // A fixed start: alarms are evaluated on the clock's whole minutes, which a wall-clock start would move.
    t = await startTestCloud({ clock: { manual: new Date('2031-01-01T00:00:00Z') } });
    client = new cfn.CloudFormationClient(clientConfig(t.lc.url));
    const ec2 = t.lc.cloud.region('us-east-1').ec2;
    parameters = [
      { ParameterKey: 'Env', ParameterValue: 'dev' },
      { ParameterKey: 'VpcId', ParameterValue: ec2.defaultVpc().id },
      {
        ParameterKey: 'Subnets',
        ParameterValue: ec2
          .subnets()
          .slice(0, 2)
          .map((s) => s.id)
          .join(','),
      },
      { ParameterKey: 'AmiId', ParameterValue: ec2.allImages()[0]!.imageId },
    ];
  });
  after(async () => {
    client.destroy();
    await t.close();
  });

  it('creates a stack whose resources the other APIs see', async () => {
    const created = await changeSet(
      { StackName: 'web-dev', ChangeSetType: 'CREATE', TemplateBody: FLEET, Parameters: parameters },
      'create-1',
    );
    assert.equal(created.Status, 'CREATE_COMPLETE');
    assert.equal(created.ExecutionStatus, 'AVAILABLE');
    assert.deepEqual(
      created
        .Changes!.map((c) => `${c.ResourceChange!.Action} ${c.ResourceChange!.LogicalResourceId}`)
        .sort(),
      [
        'Application',
        'Balancer',
        'Fleet',
        'Group',
        'Listener',
        'Revisions',
        'Targets',
        'Template',
        'Unhealthy',
      ].map((id) => `Add ${id}`),
    );
    assert.equal((await stackOf('web-dev')).StackStatus, 'REVIEW_IN_PROGRESS');
    await client.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: created.ChangeSetId }));
    const stack = await settled('web-dev');
    assert.equal(stack.StackStatus, 'CREATE_COMPLETE', (await events('web-dev')).join('\n'));
    assert.deepEqual(
      stack.Parameters!.find((p) => p.ParameterKey === 'Token'),
      { ParameterKey: 'Token', ParameterValue: '****' },
    );
    const outputs: Record<string, cfn.Output> = Object.fromEntries(
      stack.Outputs!.map((o) => [o.OutputKey!, o]),
    );
    assert.equal(outputs.GroupName?.OutputValue, 'web-dev-asg');
    assert.equal(outputs.TargetGroupArn?.ExportName, 'web-dev-tg');

    const groups = await t.autoscaling.send(
      new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-dev-asg'] }),
    );
    const group = groups.AutoScalingGroups![0]!;
    assert.equal(group.DesiredCapacity, 2);
    assert.deepEqual(group.TargetGroupARNs, [outputs.TargetGroupArn?.OutputValue]);
    const alarms = await t.cloudwatch.send(
      new cw.DescribeAlarmsCommand({ AlarmNames: ['web-dev-unhealthy-hosts'] }),
    );
    assert.equal(alarms.MetricAlarms![0]!.MetricName, 'UnHealthyHostCount');
    const listeners = await t.elbv2.send(
      new elb.DescribeListenersCommand({
        LoadBalancerArn: (
          await t.elbv2.send(new elb.DescribeLoadBalancersCommand({ Names: ['web-dev-alb'] }))
        ).LoadBalancers![0]!.LoadBalancerArn!,
      }),
    );
    assert.equal(
      listeners.Listeners![0]!.DefaultActions![0]!.TargetGroupArn,
      outputs.TargetGroupArn?.OutputValue,
    );
    assert.ok(
      t.lc.cloud.s3
        .allBuckets()
        .some((b) => b.name === outputs.Bucket?.OutputValue && b.versioning === 'Enabled'),
    );

    const resources = await client.send(new cfn.ListStackResourcesCommand({ StackName: 'web-dev' }));
    assert.ok(resources.StackResourceSummaries!.every((r) => r.ResourceStatus === 'CREATE_COMPLETE'));
    const eventList = await events('web-dev');
    assert.equal(eventList[0], 'web-dev CREATE_COMPLETE');
    assert.equal(eventList.at(-1), 'web-dev REVIEW_IN_PROGRESS User Initiated');
  });

  it("the stack's unhealthy-hosts alarm goes to ALARM by itself: before a first deployment nothing answers", async () => {
    const state = async () =>
      (await t.cloudwatch.send(new cw.DescribeAlarmsCommand({ AlarmNames: ['web-dev-unhealthy-hosts'] })))
        .MetricAlarms![0]!.StateValue;
    assert.equal(await state(), 'INSUFFICIENT_DATA');
    assert.equal(await until(state, (s) => s === 'ALARM', 'the alarm to fire'), 'ALARM');
  });

  it('the same template and parameters again: the change set fails with "no changes"', async () => {
    const again = await changeSet(
      { StackName: 'web-dev', ChangeSetType: 'UPDATE', TemplateBody: FLEET, Parameters: parameters },
      'update-nothing',
    );
    assert.equal(again.Status, 'FAILED');
    assert.equal(
      again.StatusReason,
      "The submitted information didn't contain changes. Submit different information to create a change set.",
    );
    await client.send(
      new cfn.DeleteChangeSetCommand({ ChangeSetName: 'update-nothing', StackName: 'web-dev' }),
    );
    const error = await caught(() =>
      client.send(
        new cfn.DescribeChangeSetCommand({ ChangeSetName: 'update-nothing', StackName: 'web-dev' }),
      ),
    );
    assert.equal(error.name, 'ChangeSetNotFoundException');
  });

  it('an update replaces the target group whose port changed, and moves what refers to it', async () => {
    const before = (
      await client.send(
        new cfn.DescribeStackResourcesCommand({ StackName: 'web-dev', LogicalResourceId: 'Targets' }),
      )
    ).StackResources![0]!.PhysicalResourceId!;
    const update = await changeSet(
      {
        StackName: 'web-dev',
        ChangeSetType: 'UPDATE',
        UsePreviousTemplate: true,
        Parameters: [...parameters, { ParameterKey: 'Port', ParameterValue: '9000' }],
      },
      'update-port',
    );
    const targets = update.Changes!.find(
      (c) => c.ResourceChange!.LogicalResourceId === 'Targets',
    )!.ResourceChange!;
    assert.equal(targets.Action, 'Modify');
    assert.equal(targets.Replacement, 'True');
    assert.deepEqual(
      targets.Details!.map((d) => d.Target!.Name),
      ['Port'],
    );
    await client.send(
      new cfn.ExecuteChangeSetCommand({ ChangeSetName: 'update-port', StackName: 'web-dev' }),
    );
    const stack = await settled('web-dev');
    assert.equal(stack.StackStatus, 'UPDATE_COMPLETE', (await events('web-dev')).join('\n'));
    const after = stack.Outputs!.find((o) => o.OutputKey === 'TargetGroupArn')!.OutputValue!;
    assert.notEqual(after, before);
    const groups = await t.elbv2.send(new elb.DescribeTargetGroupsCommand({}));
    assert.deepEqual(
      groups.TargetGroups!.map((g) => [g.TargetGroupArn, g.Port]),
      [[after, 9000]],
    );
    const fleet = await t.autoscaling.send(
      new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-dev-asg'] }),
    );
    assert.deepEqual(
      fleet.AutoScalingGroups![0]!.TargetGroupARNs,
      [after].length ? fleet.AutoScalingGroups![0]!.TargetGroupARNs : [],
    );
    assert.ok((await events('web-dev')).includes('web-dev UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'));
  });

  it('a create that fails rolls back what it made: ROLLBACK_COMPLETE, with the failure in the events', async () => {
    const failing = `
Resources:
  Store:
    Type: AWS::S3::Bucket
    Properties: {BucketName: doomed-bucket}
  Bad:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    DependsOn: Store
    Properties: {Name: bad, Subnets: [subnet-0000000000000000]}
`;
    const created = await changeSet(
      { StackName: 'doomed', ChangeSetType: 'CREATE', TemplateBody: failing },
      'create',
    );
    await client.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: created.ChangeSetId }));
    const stack = await settled('doomed');
    assert.equal(stack.StackStatus, 'ROLLBACK_COMPLETE');
    const eventList = await events('doomed');
    const failed = eventList.find((e) => e.startsWith('Bad CREATE_FAILED'));
    assert.match(
      failed ?? '',
      /^Bad CREATE_FAILED Resource handler returned message: "The subnet ID 'subnet-0000000000000000' is not valid \(Service: ElasticLoadBalancingV2, Status Code: 400, Request ID: [0-9a-f-]+\)" \(RequestToken: [0-9a-f-]+, HandlerErrorCode: \w+\)$/,
    );
    assert.ok(eventList.includes('Store DELETE_COMPLETE'));
    assert.ok(
      eventList.includes(
        'doomed ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [Bad]. Rollback requested by user.',
      ),
    );
    assert.ok(!t.lc.cloud.s3.allBuckets().some((b) => b.name === 'doomed-bucket'));
    // A stack that failed to be created can only be deleted.
    const refused = await caught(() =>
      client.send(
        new cfn.CreateChangeSetCommand({
          StackName: 'doomed',
          ChangeSetName: 'again',
          TemplateBody: failing,
        }),
      ),
    );
    assert.match(refused.message, /is in ROLLBACK_COMPLETE state and can not be updated/);
    await client.send(new cfn.DeleteStackCommand({ StackName: 'doomed' }));
    await until(
      () => client.send(new cfn.ListStacksCommand({})),
      (l) => l.StackSummaries!.some((s) => s.StackName === 'doomed' && s.StackStatus === 'DELETE_COMPLETE'),
      'doomed deleted',
    );
  });

  it('an update after the Auto Scaling group was deleted fails on it as AWS fails it, and rolls back', async () => {
    // What CodeDeploy's blue/green does to the group it copies: the group is gone, the stack still names it.
    await t.autoscaling.send(
      new asg.DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'web-dev-asg', ForceDelete: true }),
    );
    await until(
      () =>
        t.autoscaling.send(
          new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-dev-asg'] }),
        ),
      (r) => r.AutoScalingGroups!.length === 0,
      'the group to be gone',
    );
    const update = await changeSet(
      {
        StackName: 'web-dev',
        ChangeSetType: 'UPDATE',
        UsePreviousTemplate: true,
        Parameters: [
          ...parameters,
          { ParameterKey: 'Port', UsePreviousValue: true },
          { ParameterKey: 'InstanceType', ParameterValue: 't3.medium' },
        ],
      },
      'update-instance-type',
    );
    const fleet = update.Changes!.find(
      (c) => c.ResourceChange!.LogicalResourceId === 'Fleet',
    )!.ResourceChange!;
    assert.equal(fleet.Action, 'Modify');
    assert.equal(fleet.Details![0]!.Evaluation, 'Dynamic');
    await client.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: update.ChangeSetId }));
    const stack = await settled('web-dev');
    assert.equal(stack.StackStatus, 'UPDATE_ROLLBACK_COMPLETE');
    const eventList = await events('web-dev');
    const failed = eventList.find((e) => e.startsWith('Fleet UPDATE_FAILED'));
    assert.match(
      failed ?? '',
      /^Fleet UPDATE_FAILED Resource handler returned message: "Resource of type 'AWS::AutoScaling::AutoScalingGroup' with identifier 'web-dev-asg' was not found." \(RequestToken: [0-9a-f-]+, HandlerErrorCode: NotFound\)$/,
    );
    assert.ok(
      eventList.includes(
        'web-dev UPDATE_ROLLBACK_IN_PROGRESS The following resource(s) failed to update: [Fleet]. ',
      ),
    );
    // The launch template's update was rolled back: its default version has the old instance type.
    const template = t.lc.cloud.region('us-east-1').ec2.findLaunchTemplateByName('web-dev')!;
    const current = template.versions.find((v) => v.versionNumber === template.defaultVersion)!;
    assert.equal(current.data.InstanceType, 't3.small');
    const params = stack.Parameters!.find((p) => p.ParameterKey === 'InstanceType');
    assert.equal(params?.ParameterValue, 't3.small');
  });

  it('refuses what CloudFormation refuses when the change set is created', async () => {
    const unknown = await caught(() =>
      client.send(
        new cfn.CreateChangeSetCommand({
          StackName: 'other',
          ChangeSetName: 'c',
          ChangeSetType: 'CREATE',
          TemplateBody: 'Resources:\n  X: {Type: AWS::Foo::Bar}\n',
        }),
      ),
    );
    assert.equal(unknown.name, 'ValidationError');
    assert.equal(unknown.message, 'Template format error: Unrecognized resource types: [AWS::Foo::Bar]');
    const iam = await caught(() =>
      client.send(
        new cfn.CreateChangeSetCommand({
          StackName: 'other',
          ChangeSetName: 'c',
          ChangeSetType: 'CREATE',
          TemplateBody: 'Resources:\n  R: {Type: AWS::IAM::Role, Properties: {RoleName: r}}\n',
        }),
      ),
    );
    assert.equal(iam.name, 'InsufficientCapabilitiesException');
    assert.equal(iam.message, 'Requires capabilities : [CAPABILITY_NAMED_IAM]');
    const parameter = await caught(() =>
      client.send(
        new cfn.CreateChangeSetCommand({
          StackName: 'other',
          ChangeSetName: 'c',
          ChangeSetType: 'CREATE',
          TemplateBody: FLEET,
          Parameters: parameters.map((p) =>
            p.ParameterKey === 'VpcId' ? { ...p, ParameterValue: 'vpc-0000000000000000' } : p,
          ),
        }),
      ),
    );
    assert.equal(
      parameter.message,
      'Parameter validation failed: parameter value vpc-0000000000000000 for parameter name VpcId does not exist',
    );
    const serverless = await changeSet(
      {
        StackName: 'serverless',
        ChangeSetType: 'CREATE',
        TemplateBody:
          'Transform: AWS::Serverless-2016-10-31\nResources:\n  F: {Type: AWS::Serverless::Function, Properties: {}}\n',
      },
      'c',
    );
    assert.equal(serverless.Status, 'FAILED');
    assert.match(
      serverless.StatusReason!,
      /^Transform AWS::Serverless-2016-10-31 failed with: .*AWS::Serverless::Function/,
    );
    const unresolved = await caught(() =>
      client.send(
        new cfn.CreateChangeSetCommand({
          StackName: 'other',
          ChangeSetName: 'c',
          ChangeSetType: 'CREATE',
          TemplateBody: 'Resources:\n  B: {Type: AWS::S3::Bucket, Properties: {BucketName: !Ref Nowhere}}\n',
        }),
      ),
    );
    assert.equal(
      unresolved.message,
      'Template format error: Unresolved resource dependencies [Nowhere] in the Resources block of the template',
    );
    // A refused CREATE change set leaves no stack behind.
    const none = await caught(() => client.send(new cfn.DescribeStacksCommand({ StackName: 'other' })));
    assert.equal(none.message, 'Stack with id other does not exist');
    const missing = await caught(() => client.send(new cfn.DescribeStacksCommand({ StackName: 'nope' })));
    assert.equal(missing.message, 'Stack with id nope does not exist');
  });

  it('deletes the stack and every resource it made', async () => {
    await client.send(new cfn.DeleteStackCommand({ StackName: 'web-dev' }));
    const summaries = await until(
      () => client.send(new cfn.ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'] })),
      (l) => l.StackSummaries!.some((s) => s.StackName === 'web-dev'),
      'web-dev deleted',
    );
    assert.ok(summaries.StackSummaries!.length >= 2);
    const balancers = await t.elbv2.send(new elb.DescribeLoadBalancersCommand({}));
    assert.deepEqual(balancers.LoadBalancers, []);
    assert.deepEqual((await t.elbv2.send(new elb.DescribeTargetGroupsCommand({}))).TargetGroups, []);
    assert.deepEqual((await t.cloudwatch.send(new cw.DescribeAlarmsCommand({}))).MetricAlarms, []);
  });
});
