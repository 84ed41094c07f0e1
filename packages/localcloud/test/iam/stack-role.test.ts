// tier: integration
// The repository's sam-template.yaml as a CircleCI job meets it: the stack (created through the
// CloudFormation SDK on a manual clock) makes the deploy role, the CodeDeploy service role with its
// AWS managed policy, the instance profile and the CircleCI OIDC provider, which IAM's API reads back;
// a token of the stack's CircleCI project is exchanged for the deploy role's session, whose calls are
// evaluated against the policies as the stack wrote them (allowed within this environment, AccessDenied
// outside it, iam:PassRole of the service role only), and another project's token is refused by the role's trust policy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as cfn from '@aws-sdk/client-cloudformation';
import * as cd from '@aws-sdk/client-codedeploy';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import * as sts from '@aws-sdk/client-sts';
import { controlClient } from '../../src/control-client.js';
import { greenFleetDenial } from '../../src/iam/service-role.js';
import { CIRCLECI_ORG, CIRCLECI_PROJECT, createSamStack } from '../cloudformation/sam-stack.js';
import { caught, clientConfig, startTestCloud, type TestCloud } from '../harness.js';

const ACCOUNT = '123456789012';
const ORG = CIRCLECI_ORG;
const PROJECT = CIRCLECI_PROJECT;

describe('the stack’s deploy role, assumed with a CircleCI token', () => {
  let t: TestCloud;
  let outputs: Record<string, string>;
  const admin = () => ({
    cfn: new cfn.CloudFormationClient(clientConfig(t.lc.url)),
    iam: new iam.IAMClient(clientConfig(t.lc.url)),
  });

  before(async () => {
    t = await startTestCloud({ clock: { manual: new Date('2031-03-01T00:00:00Z') } });
    const stack = await createSamStack(t, { fleetSize: 1 });
    outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey!, o.OutputValue!]));
  });
  after(async () => t.close());

  it('IAM reads back what the stack made', async () => {
    const { iam: client } = admin();
    const serviceRole = await client.send(new iam.GetRoleCommand({ RoleName: 'web-dev-codedeploy' }));
    assert.equal(serviceRole.Role!.Arn, outputs.CodeDeployServiceRoleArn);
    const attached = await client.send(
      new iam.ListAttachedRolePoliciesCommand({ RoleName: 'web-dev-codedeploy' }),
    );
    assert.deepEqual(attached.AttachedPolicies, [
      {
        PolicyName: 'AWSCodeDeployRole',
        PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSCodeDeployRole',
      },
    ]);
    const inline = await client.send(new iam.ListRolePoliciesCommand({ RoleName: 'web-dev-codedeploy' }));
    assert.deepEqual(inline.PolicyNames, ['copy-launch-template-fleet']);
    const profile = await client.send(
      new iam.GetInstanceProfileCommand({ InstanceProfileName: 'web-dev-instance' }),
    );
    assert.deepEqual(
      profile.InstanceProfile!.Roles!.map((r) => r.RoleName),
      ['web-dev-instance'],
    );
    const providers = await client.send(new iam.ListOpenIDConnectProvidersCommand({}));
    assert.deepEqual(providers.OpenIDConnectProviderList, [
      { Arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.circleci.com/org/${ORG}` },
    ]);
    const deploy = await client.send(new iam.GetRoleCommand({ RoleName: 'web-dev-circleci-deploy' }));
    assert.equal(deploy.Role!.Arn, outputs.DeployRoleArn);
    // Four hours: the job trades its one-hour OIDC token once for a session as long as prod's longest
    // deployment (issue 17, finding B2).
    assert.equal(deploy.Role!.MaxSessionDuration, 14400);
    client.destroy();
  });

  it('the stack’s service role may make CodeDeploy’s copy of its fleet (launch template, image, tags, instance role)', async () => {
    const request = {
      serviceRoleArn: outputs.CodeDeployServiceRoleArn!,
      region: 'us-east-1',
      sourceGroupName: outputs.AutoScalingGroupName!,
      greenGroupName: 'CodeDeploy_web-dev_d-EXAMPLE01',
    };
    assert.equal(await greenFleetDenial(t.lc.cloud, request), undefined);
    // Without the template's copy-launch-template-fleet policy, AWSCodeDeployRole alone is not enough.
    const { iam: client } = admin();
    const saved = t.lc.cloud.iam.role('web-dev-codedeploy').inlinePolicies.get('copy-launch-template-fleet');
    await client.send(
      new iam.DeleteRolePolicyCommand({
        RoleName: 'web-dev-codedeploy',
        PolicyName: 'copy-launch-template-fleet',
      }),
    );
    assert.match((await greenFleetDenial(t.lc.cloud, request)) ?? '', /following AWS service: AmazonEC2\./);
    // Without its PassTheInstanceRoleOnly statement, the copy cannot hand the instances their role.
    const withoutPassRole = {
      ...saved,
      Statement: (saved!.Statement as { Sid?: string }[]).filter((s) => s.Sid !== 'PassTheInstanceRoleOnly'),
    };
    await client.send(
      new iam.PutRolePolicyCommand({
        RoleName: 'web-dev-codedeploy',
        PolicyName: 'copy-launch-template-fleet',
        PolicyDocument: JSON.stringify(withoutPassRole),
      }),
    );
    assert.match((await greenFleetDenial(t.lc.cloud, request)) ?? '', /following AWS service: AWSIAM\./);
    await client.send(
      new iam.PutRolePolicyCommand({
        RoleName: 'web-dev-codedeploy',
        PolicyName: 'copy-launch-template-fleet',
        PolicyDocument: JSON.stringify(saved),
      }),
    );
    assert.equal(await greenFleetDenial(t.lc.cloud, request), undefined);
    client.destroy();
  });

  it('the project’s job may deploy this environment and nothing else; another project may not assume the role', async () => {
    const control = controlClient(t.lc.url);
    const anonymous = new sts.STSClient({ endpoint: t.lc.url, region: 'us-east-1', maxAttempts: 1 });
    const assume = async (projectId: string) =>
      anonymous.send(
        new sts.AssumeRoleWithWebIdentityCommand({
          RoleArn: outputs.DeployRoleArn,
          RoleSessionName: 'circleci',
          WebIdentityToken: (await control.circleCiToken({ orgId: ORG, projectId })).token,
        }),
      );
    const refused = await caught(() => assume('99999999-1b1a-4918-8716-151413121110'));
    assert.equal(
      `${refused.name}: ${refused.message}`,
      'AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );

    const { Credentials } = await assume(PROJECT);
    anonymous.destroy();
    const config = {
      ...clientConfig(t.lc.url),
      maxAttempts: 1,
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!,
      },
    };
    const codedeploy = new cd.CodeDeployClient(config);
    const autoscaling = new asg.AutoScalingClient(config);
    const cloudwatch = new cw.CloudWatchClient(config);
    const bucket = new s3.S3Client({ ...config, forcePathStyle: true });
    const stacks = new cfn.CloudFormationClient(config);
    const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/web-dev-circleci-deploy/circleci`;

    // Allowed by the template's statements: ThisApplication, ReadTheFleet…, ReadThisEnvironmentsAlarms,
    // RevisionBundles, ThisStack.
    await codedeploy.send(new cd.GetApplicationCommand({ applicationName: 'web' }));
    await autoscaling.send(
      new asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-dev-asg'] }),
    );
    await cloudwatch.send(
      new cw.DescribeAlarmsCommand({ AlarmNames: ['web-dev-5xx', 'web-dev-unhealthy-hosts'] }),
    );
    // The gate reads each alarm's history over the bake.
    await cloudwatch.send(new cw.DescribeAlarmHistoryCommand({ AlarmName: 'web-dev-unhealthy-hosts' }));
    // `group apply --clean-orphans` may delete a copy CodeDeploy left for this environment (here none
    // exists: Auto Scaling itself answers), never the stack's own group.
    const orphan = await caught(() =>
      autoscaling.send(
        new asg.DeleteAutoScalingGroupCommand({
          AutoScalingGroupName: 'CodeDeploy_web-dev_d-ABCDEF123',
          ForceDelete: true,
        }),
      ),
    );
    assert.equal(orphan.name, 'ValidationError', orphan.message);
    const seed = await caught(() =>
      autoscaling.send(
        new asg.DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'web-dev-asg', ForceDelete: true }),
      ),
    );
    assert.equal(seed.name, 'AccessDenied', seed.message);
    await bucket.send(
      new s3.PutObjectCommand({ Bucket: outputs.RevisionsBucketName, Key: 'web/v1.zip', Body: 'bundle' }),
    );
    await stacks.send(new cfn.DescribeStacksCommand({ StackName: 'web-dev' }));

    // Outside it: another application, an action the policy does not name.
    const other = await caught(() =>
      codedeploy.send(new cd.GetApplicationCommand({ applicationName: 'api' })),
    );
    assert.equal(
      other.message,
      `User: ${principal} is not authorized to perform: codedeploy:GetApplication on resource: arn:aws:codedeploy:us-east-1:${ACCOUNT}:application:api because no identity-based policy allows the codedeploy:GetApplication action`,
    );
    const deleting = await caught(() =>
      codedeploy.send(new cd.DeleteApplicationCommand({ applicationName: 'web' })),
    );
    assert.equal(deleting.name, 'AccessDeniedException');
    assert.match(
      deleting.message,
      /codedeploy:DeleteApplication on resource: arn:aws:codedeploy:us-east-1:123456789012:application:web /,
    );
    const scaling = await caught(() =>
      autoscaling.send(
        new asg.SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-dev-asg', DesiredCapacity: 2 }),
      ),
    );
    assert.equal(scaling.name, 'AccessDenied');

    // CreateDeploymentGroup passes the service role: the template lets it pass the CodeDeploy role
    // to CodeDeploy, and no other role.
    const group = (serviceRoleArn: string) =>
      codedeploy.send(
        new cd.CreateDeploymentGroupCommand({
          applicationName: 'web',
          deploymentGroupName: 'web-dev',
          serviceRoleArn,
          autoScalingGroups: ['web-dev-asg'],
        }),
      );
    const instanceRole = `arn:aws:iam::${ACCOUNT}:role/web-dev-instance`;
    const passing = await caught(() => group(instanceRole));
    assert.equal(
      `${passing.name}: ${passing.message}`,
      `AccessDeniedException: User: ${principal} is not authorized to perform: iam:PassRole on resource: ${instanceRole} because no identity-based policy allows the iam:PassRole action`,
    );
    assert.match((await group(outputs.CodeDeployServiceRoleArn!)).deploymentGroupId!, /^[0-9a-f-]{36}$/);
    for (const client of [codedeploy, autoscaling, cloudwatch, bucket, stacks]) client.destroy();
  });
});
