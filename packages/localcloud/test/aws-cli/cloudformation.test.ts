// tier: e2e
// Debian's AWS CLI deploys the repository's sam-template.yaml to the local cloud with
// `aws cloudformation deploy`, as a release does: the stack is created; a second run with nothing
// changed says "No changes to deploy"; an update applies; and after the stack's Auto Scaling group is
// gone — replaced by a CodeDeploy blue/green deployment (COPY_AUTO_SCALING_GROUP), which copies it,
// moves the traffic to the copy and deletes it — an update that touches the group fails on it as AWS fails
// it (UPDATE_FAILED, "… was not found.") and the stack rolls back to UPDATE_ROLLBACK_COMPLETE. Then
// every other CloudFormation operation answers through the CLI, and the last test compares what the
// CLI answered, and what the server counted, with the implemented operations.
//
// `deploy` polls with the waiters' delays in real seconds (5 s for the change set, 30 s for the
// stack) after an immediate first poll; the cloud runs at 10,000× so a change set and a stack
// operation (an AWS second per resource) are done before that first poll.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startTestCloud, until, type TestCloud } from '../harness.js';
import { AwsCli } from './aws-cli.js';
import { assertCliCoverage } from './coverage.js';

const SAM_TEMPLATE = fileURLToPath(new URL('../../../../sam-template.yaml', import.meta.url));
const STACK = 'web-dev';
const TIME_SCALE = 10_000;

interface StackEvent {
  LogicalResourceId: string;
  ResourceType: string;
  ResourceStatus: string;
  ResourceStatusReason?: string;
}

describe('the AWS CLI deploys sam-template.yaml with `aws cloudformation deploy`', { concurrency: 1 }, () => {
  let t: TestCloud;
  let cli: AwsCli;
  let scratch: string;
  let overrides: string[];
  /** The version of the revision bundle the bucket (versioned) holds. */
  let revisionVersion = '';

  const models = () => t.lc.cloud.region('us-east-1');
  /**
   * The CLI names a change set after the wall-clock second (`awscli-cloudformation-package-deploy-<epoch
   * seconds>`), and a FAILED "no changes" change set stays, as on AWS: two deploys in one second would
   * clash (AlreadyExistsException). Each deploy starts in a second after the one the last one ended in.
   */
  let lastDeployEnded = 0;
  const deploy = async (capabilities = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM']) => {
    while (Math.floor(Date.now() / 1000) <= lastDeployEnded) await new Promise((r) => setTimeout(r, 20));
    const result = await cli.command([
      'cloudformation',
      'deploy',
      '--template-file',
      SAM_TEMPLATE,
      '--stack-name',
      STACK,
      '--parameter-overrides',
      ...overrides,
      ...(capabilities.length > 0 ? ['--capabilities', ...capabilities] : []),
    ]);
    lastDeployEnded = Math.floor(Date.now() / 1000);
    return result;
  };
  const stackStatus = async () =>
    (
      await cli.call<{ Stacks: { StackStatus: string }[] }>('cloudformation', 'describe-stacks', {
        StackName: STACK,
      })
    ).Stacks[0]!.StackStatus;

  before(async () => {
    t = await startTestCloud({ timeScale: TIME_SCALE });
    scratch = await mkdtemp(join(tmpdir(), 'localcloud-cloudformation-'));
    cli = new AwsCli({ endpoint: t.lc.url, concurrency: 2, home: scratch });
    const ec2 = models().ec2;
    const subnets = ec2.subnets().map((subnet) => subnet.id);
    overrides = [
      'ApplicationName=web',
      'Environment=dev',
      `VpcId=${ec2.defaultVpc().id}`,
      `PublicSubnetIds=${subnets.slice(0, 2).join(',')}`,
      `PrivateSubnetIds=${subnets.slice(0, 2).join(',')}`,
      `AmiId=${ec2.allImages()[0]!.imageId}`,
      'FleetSize=2',
      'CircleCIOrgId=0f0e0d0c-0b0a-4908-8706-050403020100',
      'CircleCIProjectId=1f1e1d1c-1b1a-4918-8716-151413121110',
    ];
  });
  after(async () => {
    cli.close();
    await t.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it("without CAPABILITY_NAMED_IAM the template's named IAM roles are refused, as AWS refuses them", async () => {
    const run = await deploy([]);
    assert.equal(run.rc, 254, run.stdout);
    assert.match(
      run.stderr,
      /An error occurred \(InsufficientCapabilitiesException\) when calling the CreateChangeSet operation.*: Requires capabilities : \[CAPABILITY_NAMED_IAM\]/,
    );
  });

  it("creates the stack: its group, target group, load balancer and alarms are the other APIs' objects", async () => {
    const run = await deploy();
    assert.equal(run.rc, 0, run.stderr);
    assert.match(run.stdout, /Waiting for changeset to be created\.\./);
    assert.match(run.stdout, /Successfully created\/updated stack - web-dev/);
    assert.equal(await stackStatus(), 'CREATE_COMPLETE');
    const group = models().autoscaling.get('web-dev-asg');
    assert.equal(group?.desiredCapacity, 2);
    assert.equal(group?.healthCheckType, 'ELB');
    const targetGroup = models().elbv2.getTargetGroupByName('web-dev-tg');
    // The seed group is not in the target group (issue 17, finding B3): CodeDeploy registers each green
    // instance there at AllowTraffic, so nothing unhealthy is registered before the first deployment.
    assert.deepEqual(group?.targetGroupArns, []);
    assert.equal(targetGroup?.healthCheck.path, '/healthcheck');
    assert.ok(models().elbv2.findLoadBalancerByName('web-dev-alb'));
    assert.deepEqual(
      models()
        .cloudwatch.all()
        .map((alarm) => alarm.name),
      ['web-dev-5xx', 'web-dev-unhealthy-hosts'],
    );
    assert.ok(t.lc.cloud.s3.allBuckets().some((b) => b.name === 'web-dev-revisions-123456789012-us-east-1'));
    // The security groups are EC2's, with the template's rules: the instances take the app's port
    // from the load balancer's group only, and that group sends only there.
    const groups = models().ec2.securityGroups();
    const balancerGroup = groups.find((g) => g.description === 'web-dev load balancer')!;
    const instanceGroup = groups.find((g) => g.description.startsWith('web-dev instances'))!;
    const rule = (r: {
      ipProtocol: string;
      fromPort?: number;
      toPort?: number;
      referencedGroupId?: string;
    }) => `${r.ipProtocol} ${r.fromPort}-${r.toPort} ${r.referencedGroupId}`;
    assert.deepEqual(instanceGroup.ingress.map(rule), [`tcp 8000-8000 ${balancerGroup.id}`]);
    assert.deepEqual(balancerGroup.egress.map(rule), [`tcp 8000-8000 ${instanceGroup.id}`]);
    // The IAM roles are IAM's: the deploy role CircleCI assumes is the one the stack's output names.
    const { Stacks: stacks } = await cli.call<{
      Stacks: { Outputs: { OutputKey: string; OutputValue: string }[] }[];
    }>('cloudformation', 'describe-stacks', { StackName: STACK });
    const deployRole = stacks[0]!.Outputs.find((o) => o.OutputKey === 'DeployRoleArn')?.OutputValue;
    assert.equal(deployRole, t.lc.cloud.iam.role('web-dev-circleci-deploy').arn);
  });

  it('the same template and parameters again: "No changes to deploy"', async () => {
    const run = await deploy();
    assert.equal(run.rc, 0, run.stderr);
    assert.match(run.stdout, /No changes to deploy\. Stack web-dev is up to date/);
    assert.equal(await stackStatus(), 'CREATE_COMPLETE');
  });

  it('an update applies: a bigger first fleet', async () => {
    overrides = overrides.map((o) => (o === 'FleetSize=2' ? 'FleetSize=3' : o));
    const run = await deploy();
    assert.equal(run.rc, 0, run.stderr);
    assert.match(run.stdout, /Successfully created\/updated stack - web-dev/);
    assert.equal(await stackStatus(), 'UPDATE_COMPLETE');
    assert.equal(models().autoscaling.get('web-dev-asg')?.desiredCapacity, 3);
  });

  it("a CodeDeploy blue/green deployment replaces the stack's group; a new instance type still updates, one touching the group fails as on AWS and rolls back", async () => {
    // A release as greenlight makes it: the deployment group (not in the template) copies the stack's
    // group, moves the target group to the copy and deletes the original.
    const bucket = 'web-dev-revisions-123456789012-us-east-1';
    const bundle = join(scratch, 'web-v1.zip');
    await writeFile(bundle, 'revision bundle v1');
    const upload = await cli.call<{ VersionId: string }>('s3api', 'put-object', undefined, [
      '--bucket',
      bucket,
      '--key',
      'web/v1.zip',
      '--body',
      bundle,
    ]);
    revisionVersion = upload.VersionId;
    const outputs = (
      await cli.call<{ Stacks: { Outputs: { OutputKey: string; OutputValue: string }[] }[] }>(
        'cloudformation',
        'describe-stacks',
        { StackName: STACK },
      )
    ).Stacks[0]!.Outputs;
    // The stack's own CodeDeploy service role, which CodeDeploy's copy of the fleet is checked against.
    const serviceRoleArn = outputs.find((o) => o.OutputKey === 'CodeDeployServiceRoleArn')!.OutputValue;
    assert.equal(serviceRoleArn, 'arn:aws:iam::123456789012:role/web-dev-codedeploy');
    await cli.call('deploy', 'create-deployment-group', {
      applicationName: 'web',
      deploymentGroupName: 'web-dev',
      serviceRoleArn,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      autoScalingGroups: ['web-dev-asg'],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-dev-tg' }] },
    });
    const { deploymentId } = await cli.call<{ deploymentId: string }>('deploy', 'create-deployment', {
      applicationName: 'web',
      deploymentGroupName: 'web-dev',
      revision: { revisionType: 'S3', s3Location: { bucket, key: 'web/v1.zip', bundleType: 'zip' } },
    });
    const status = () =>
      (models().codedeploy.getDeployment({ deploymentId }) as { deploymentInfo: { status: string } })
        .deploymentInfo.status;
    await until(
      status,
      (s) => ['Succeeded', 'Failed', 'Stopped'].includes(s),
      'the deployment to end',
      '60s',
    );
    assert.equal(status(), 'Succeeded');
    await until(
      () => models().autoscaling.get('web-dev-asg'),
      (g) => g === undefined,
      'the blue group deleted',
      '60s',
    );
    assert.ok(
      models()
        .autoscaling.all()
        .some((g) => g.name.startsWith('CodeDeploy_web-dev_')),
    );

    // A new instance type is a new launch template version; the group names version 1 for good
    // (finding H1 of issue 17), so only the template changes.
    overrides = [...overrides, 'InstanceType=t3.medium'];
    const changed = await deploy();
    assert.equal(changed.rc, 0, `${changed.stdout}${changed.stderr}`);
    assert.equal(await stackStatus(), 'UPDATE_COMPLETE');

    // FleetSize is the group's own: its update finds the group gone.
    overrides = overrides.map((o) => (o.startsWith('FleetSize=') ? 'FleetSize=4' : o));
    const run = await deploy();
    assert.equal(run.rc, 255, run.stdout);
    assert.match(`${run.stdout}${run.stderr}`, /Failed to create\/update the stack/);
    assert.equal(await stackStatus(), 'UPDATE_ROLLBACK_COMPLETE');
    const { StackEvents: events } = await cli.call<{ StackEvents: StackEvent[] }>(
      'cloudformation',
      'describe-stack-events',
      { StackName: STACK },
    );
    const failed = events.find((e) => e.ResourceStatus === 'UPDATE_FAILED');
    assert.equal(failed?.LogicalResourceId, 'AutoScalingGroup');
    assert.match(
      failed?.ResourceStatusReason ?? '',
      /^Resource handler returned message: "Resource of type 'AWS::AutoScaling::AutoScalingGroup' with identifier 'web-dev-asg' was not found\." \(RequestToken: [0-9a-f-]+, HandlerErrorCode: NotFound\)$/,
    );
    const stackEvents = events.filter((e) => e.ResourceType === 'AWS::CloudFormation::Stack');
    assert.equal(stackEvents[0]?.ResourceStatus, 'UPDATE_ROLLBACK_COMPLETE');
    assert.ok(
      stackEvents.some(
        (e) =>
          e.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS' &&
          e.ResourceStatusReason === 'The following resource(s) failed to update: [AutoScalingGroup]. ',
      ),
    );
    overrides = overrides.map((o) => (o === 'FleetSize=4' ? 'FleetSize=3' : o));
  });

  it('answers every other operation: change sets by hand, templates, resources, stacks, deletion', async () => {
    const body = readFileSync(SAM_TEMPLATE, 'utf8');
    const validated = await cli.call<{ Parameters: { ParameterKey: string }[] }>(
      'cloudformation',
      'validate-template',
      {
        TemplateBody: body,
      },
    );
    assert.ok(validated.Parameters.some((p) => p.ParameterKey === 'FleetSize'));
    const summary = await cli.call<{ ResourceTypes: string[] }>('cloudformation', 'get-template-summary', {
      StackName: STACK,
    });
    assert.ok(summary.ResourceTypes.includes('AWS::AutoScaling::AutoScalingGroup'));
    const original = await cli.call<{ TemplateBody: unknown }>('cloudformation', 'get-template', {
      StackName: STACK,
    });
    assert.ok(original.TemplateBody);
    const processed = await cli.call<{ TemplateBody: Record<string, unknown> | string }>(
      'cloudformation',
      'get-template',
      {
        StackName: STACK,
        TemplateStage: 'Processed',
      },
    );
    const processedBody =
      typeof processed.TemplateBody === 'string'
        ? (JSON.parse(processed.TemplateBody) as Record<string, unknown>)
        : processed.TemplateBody;
    assert.equal(processedBody.Transform, undefined);
    assert.ok(processedBody.Resources);

    // An update that leaves the missing group alone succeeds: only the 5xx alarm's threshold moves.
    const parameters = overrides.map((o) => {
      const [ParameterKey, ...value] = o.split('=');
      return { ParameterKey, ParameterValue: value.join('=') };
    });
    const created = await cli.call<{ Id: string }>('cloudformation', 'create-change-set', {
      StackName: STACK,
      ChangeSetName: 'threshold',
      UsePreviousTemplate: true,
      Parameters: [...parameters, { ParameterKey: 'ServerErrorRatePercent', ParameterValue: '10' }],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    });
    const described = await until(
      () =>
        cli.call<{
          Status: string;
          Changes: { ResourceChange: { LogicalResourceId: string; Action: string } }[];
        }>('cloudformation', 'describe-change-set', { ChangeSetName: created.Id }),
      (c) => c.Status === 'CREATE_COMPLETE',
      'the change set',
      '30s',
    );
    assert.deepEqual(
      described.Changes.map((c) => `${c.ResourceChange.Action} ${c.ResourceChange.LogicalResourceId}`),
      ['Modify ServerErrorRateAlarm'],
    );
    await cli.call('cloudformation', 'execute-change-set', { ChangeSetName: created.Id });
    await until(
      () => stackStatus(),
      (s) => s === 'UPDATE_COMPLETE',
      'the update',
      '30s',
    );

    const spare = await cli.call<{ Id: string }>('cloudformation', 'create-change-set', {
      StackName: STACK,
      ChangeSetName: 'spare',
      UsePreviousTemplate: true,
      Parameters: [...parameters, { ParameterKey: 'ServerErrorRatePercent', ParameterValue: '20' }],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    });
    await cli.call('cloudformation', 'delete-change-set', { ChangeSetName: spare.Id });

    const resources = await cli.call<{
      StackResources: { LogicalResourceId: string; PhysicalResourceId: string }[];
    }>('cloudformation', 'describe-stack-resources', { StackName: STACK });
    assert.equal(
      resources.StackResources.find((r) => r.LogicalResourceId === 'TargetGroup')?.PhysicalResourceId,
      models().elbv2.getTargetGroupByName('web-dev-tg')?.arn,
    );
    const listed = await cli.call<{ StackResourceSummaries: unknown[] }>(
      'cloudformation',
      'list-stack-resources',
      {
        StackName: STACK,
      },
    );
    assert.equal(listed.StackResourceSummaries.length, resources.StackResources.length);

    // As on AWS, the stack cannot go while CodeDeploy's copy of its group uses its instances'
    // security group and its bucket holds a revision: DELETE_FAILED, naming both.
    const listDeleted = () =>
      cli.call<{ StackSummaries: { StackName: string; StackStatus: string; StackStatusReason?: string }[] }>(
        'cloudformation',
        'list-stacks',
        { StackStatusFilter: ['DELETE_COMPLETE', 'DELETE_FAILED'] },
      );
    await cli.call('cloudformation', 'delete-stack', { StackName: STACK });
    const refused = await until(
      async () => (await listDeleted()).StackSummaries.find((s) => s.StackName === STACK),
      (s) => s !== undefined,
      'the stack deletion to end',
      '30s',
    );
    assert.equal(refused?.StackStatus, 'DELETE_FAILED');
    assert.equal(
      refused?.StackStatusReason,
      'The following resource(s) failed to delete: [InstanceSecurityGroup, RevisionsBucket]. ',
    );
    assert.equal(models().elbv2.findLoadBalancerByName('web-dev-alb'), undefined);

    // Once the copy and the revision are gone, deleting again completes.
    const copy = models()
      .autoscaling.all()
      .find((g) => g.name.startsWith('CodeDeploy_web-dev_'))!.name;
    await cli.call('autoscaling', 'delete-auto-scaling-group', {
      AutoScalingGroupName: copy,
      ForceDelete: true,
    });
    await cli.call('s3api', 'delete-object', undefined, [
      '--bucket',
      'web-dev-revisions-123456789012-us-east-1',
      '--key',
      'web/v1.zip',
      '--version-id',
      revisionVersion,
    ]);
    await until(
      () => models().autoscaling.get(copy),
      (g) => g === undefined,
      'the copy to be gone',
      '30s',
    );
    await cli.call('cloudformation', 'delete-stack', { StackName: STACK });
    const deleted = await until(
      async () => (await listDeleted()).StackSummaries.find((s) => s.StackName === STACK),
      (s) => s?.StackStatus === 'DELETE_COMPLETE',
      'the stack deleted',
      '30s',
    );
    assert.equal(deleted?.StackStatus, 'DELETE_COMPLETE');
    assert.ok(!t.lc.cloud.s3.allBuckets().some((b) => b.name === 'web-dev-revisions-123456789012-us-east-1'));
  });

  it('answered exactly the implemented CloudFormation operations, and the server counted the same', async () => {
    const counts = (await (await fetch(`${t.lc.url}/_localcloud/requests`)).json()) as Record<string, number>;
    assertCliCoverage(['cloudformation'], { answered: cli.answeredOperations(), requestCounts: counts });
  });
});
