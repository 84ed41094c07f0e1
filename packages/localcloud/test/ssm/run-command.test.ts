// tier: integration
// Systems Manager in the local cloud, through the real SDK client on a manual clock: managed nodes
// (DescribeInstanceInformation, an agent stopped or absent), Run Command's invocations from Pending
// to their end (InvocationDoesNotExist at first, as AWS), what a synthetic instance answers — its
// simulated scripts.log, consistent with the log tail CodeDeploy reports, read with cat/head/tail/wc,
// anything else refused — the documented output limits, IAM on tagged instances and the document, and
// every answer checked against botocore's full model.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchGetDeploymentTargetsCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import * as iam from '@aws-sdk/client-iam';
import * as ssm from '@aws-sdk/client-ssm';
import * as sts from '@aws-sdk/client-sts';
import { controlClient } from '../../src/control-client.js';
import { caught, clientConfig, until } from '../harness.js';
import {
  putRevisions,
  s3Revision,
  serviceRoleArn,
  startCodeDeployCloud,
  type CodeDeployTestCloud,
} from '../codedeploy/cloud.js';
import { webWorld } from '../codedeploy/world.js';
import { ContractChecks } from '../contract/checks.js';

const ACCOUNT = '123456789012';
const ROOT = '/opt/codedeploy-agent/deployment-root';

describe('Systems Manager: managed nodes and Run Command', () => {
  let t: CodeDeployTestCloud;
  let client: ssm.SSMClient;
  let ids: string[] = [];
  const contract = new ContractChecks();
  const control = () => controlClient(t.lc.url);

  before(async () => {
    const world = webWorld(3);
    world.autoScalingGroups = world.autoScalingGroups?.map((g) => ({
      ...g,
      tags: { app: 'web', environment: 'dev' },
    }));
    t = await startCodeDeployCloud({ world });
    client = new ssm.SSMClient({ ...clientConfig(t.lc.url), maxAttempts: 1 });
    ids = t.lc.cloud
      .region('us-east-1')
      .ec2.all()
      .map((i) => i.instanceId);
  });
  after(async () => {
    client.destroy();
    await t.close();
  });

  const send = (instanceIds: string[], commands: string[], more: Partial<ssm.SendCommandCommandInput> = {}) =>
    client.send(
      new ssm.SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: instanceIds,
        Parameters: { commands },
        ...more,
      }),
    );

  /** Polls as a client must: InvocationDoesNotExist for a moment, then until the invocation ends. */
  async function finished(commandId: string, instanceId: string) {
    return until(
      async () => {
        try {
          return await client.send(
            new ssm.GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
          );
        } catch (error) {
          if ((error as Error).name === 'InvocationDoesNotExist') return undefined;
          throw error;
        }
      },
      (out) => out !== undefined && !['Pending', 'InProgress', 'Delayed'].includes(out.Status ?? ''),
      `the command ${commandId} to end on ${instanceId}`,
    ) as Promise<ssm.GetCommandInvocationCommandOutput>;
  }

  it('lists the running instances as managed nodes, Online, with their agent and platform', async () => {
    const out = await client.send(new ssm.DescribeInstanceInformationCommand({}));
    contract.check('ssm', 'DescribeInstanceInformation', out);
    assert.deepEqual(out.InstanceInformationList?.map((i) => i.InstanceId).sort(), [...ids].sort());
    const first = out.InstanceInformationList?.[0];
    assert.equal(first?.PingStatus, 'Online');
    assert.equal(first?.PlatformType, 'Linux');
    assert.equal(first?.ResourceType, 'EC2Instance');
    assert.match(first?.AgentVersion ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    const one = await client.send(
      new ssm.DescribeInstanceInformationCommand({
        Filters: [{ Key: 'InstanceIds', Values: [ids[1] as string] }],
      }),
    );
    assert.deepEqual(
      one.InstanceInformationList?.map((i) => i.InstanceId),
      [ids[1]],
    );
    const bad = await caught(() =>
      client.send(
        new ssm.DescribeInstanceInformationCommand({ Filters: [{ Key: 'Colour', Values: ['x'] }] }),
      ),
    );
    assert.equal(bad.name, 'InvalidFilterKey');
  });

  it('runs a command: InvocationDoesNotExist at first, Pending, then the answer; reading a missing file fails as tail does', async () => {
    const id = ids[0] as string;
    const sent = await send([id], ['tail -c 100 /var/log/nothing-here.log']);
    contract.check('ssm', 'SendCommand', sent);
    const commandId = sent.Command?.CommandId as string;
    assert.equal(sent.Command?.Status, 'Pending');
    assert.deepEqual(sent.Command?.InstanceIds, [id]);
    const early = await caught(() =>
      client.send(new ssm.GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id })),
    );
    assert.equal(early.name, 'InvocationDoesNotExist');
    const done = await finished(commandId, id);
    contract.check('ssm', 'GetCommandInvocation', done);
    assert.equal(done.Status, 'Failed');
    assert.equal(done.StatusDetails, 'Failed');
    assert.equal(done.ResponseCode, 1);
    assert.equal(done.StandardOutputContent, '');
    assert.equal(
      done.StandardErrorContent,
      "tail: cannot open '/var/log/nothing-here.log' for reading: No such file or directory\n",
    );
    assert.match(done.ExecutionElapsedTime ?? '', /^PT[\d.]+S$/);
    assert.equal(done.PluginName, 'aws:runShellScript');
  });

  it("a synthetic instance's scripts.log is the agent's, stamped, and ends with the log tail CodeDeploy reports", async () => {
    await t.codedeploy.send(new CreateApplicationCommand({ applicationName: 'web' }));
    await t.codedeploy.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-dev',
        serviceRoleArn,
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        autoScalingGroups: ['web-asg'],
      }),
    );
    await putRevisions(t, 'web/v1.zip');
    await control().addFault({
      scope: 'instance',
      instanceId: ids[2] as string,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    const created = await t.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-dev',
        revision: s3Revision('web/v1.zip'),
      }),
    );
    const deploymentId = created.deploymentId as string;
    await until(
      async () =>
        (await t.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status,
      (status) => status === 'Succeeded' || status === 'Failed',
      'the deployment to end',
    );
    const group = await t.codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
    );
    const groupId = group.deploymentGroupInfo?.deploymentGroupId as string;
    const targets = await t.codedeploy.send(
      new BatchGetDeploymentTargetsCommand({
        deploymentId,
        targetIds: (await t.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds,
      }),
    );
    const failed = targets.deploymentTargets?.find((d) => d.instanceTarget?.targetId === ids[2]);
    const tail = failed?.instanceTarget?.lifecycleEvents?.find((e) => e.status === 'Failed')?.diagnostics
      ?.logTail;
    assert.ok(tail, JSON.stringify(failed));

    const log = `${ROOT}/${groupId}/${deploymentId}/logs/scripts.log`;
    const sent = await send([ids[2] as string], [`wc -c ${log}`, `tail -n 2000 ${log} | tail -c 20000`]);
    const done = await finished(sent.Command?.CommandId as string, ids[2] as string);
    assert.equal(done.Status, 'Success', done.StandardErrorContent);
    assert.equal(done.ResponseCode, 0);
    const [size, ...lines] = (done.StandardOutputContent ?? '').split('\n');
    const text = lines.join('\n');
    assert.equal(size, `${Buffer.byteLength(text)} ${log}`);
    const stamp = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /;
    assert.ok(
      lines.filter(Boolean).every((line) => stamp.test(line)),
      text,
    );
    // The events before the failure ran their scripts; the failed one's entries are the tail itself.
    assert.ok(text.includes('LifecycleEvent - BeforeInstall\n'), text);
    const unstamped = lines.map((line) => line.replace(stamp, '')).join('\n');
    assert.ok(unstamped.endsWith(tail), `${unstamped}\n--- does not end with ---\n${tail}`);
    assert.doesNotMatch(unstamped, /LifecycleEvent - ApplicationStart/);

    // head, cat of two files and wc -l agree with what was written.
    const more = await send([ids[2] as string], [`head -n 1 ${log}`, `cat ${log} ${log} | wc -l`]);
    const read = await finished(more.Command?.CommandId as string, ids[2] as string);
    const [headLine, count] = (read.StandardOutputContent ?? '').trimEnd().split('\n');
    assert.equal(`${headLine}\n`, `${lines[0]}\n`);
    assert.equal(Number(count), 2 * lines.filter(Boolean).length);

    // StandardOutputContent is the first 24,000 characters; ListCommandInvocations' plugin Output 2,500.
    const copies = Math.ceil(24_000 / Buffer.byteLength(text)) + 1;
    const big = await send([ids[2] as string], [`cat ${Array(copies).fill(log).join(' ')}`]);
    const bigDone = await finished(big.Command?.CommandId as string, ids[2] as string);
    assert.equal(bigDone.StandardOutputContent?.length, 24_000);
    const listed = await client.send(
      new ssm.ListCommandInvocationsCommand({ CommandId: big.Command?.CommandId, Details: true }),
    );
    contract.check('ssm', 'ListCommandInvocations', listed);
    assert.equal(listed.CommandInvocations?.length, 1);
    assert.equal(listed.CommandInvocations?.[0]?.CommandPlugins?.[0]?.Output?.length, 2_500);
    assert.equal(listed.CommandInvocations?.[0]?.Status, 'Success');
  });

  it('a synthetic instance runs no program and no shell syntax: each refused on stderr, never a fake success', async () => {
    const id = ids[0] as string;
    const program = await finished(
      (await send([id], ['systemctl restart web'])).Command?.CommandId as string,
      id,
    );
    assert.equal(program.Status, 'Failed');
    assert.equal(program.ResponseCode, 127);
    assert.match(
      program.StandardErrorContent ?? '',
      /systemctl: not found: a synthetic instance of the local cloud runs no processes/,
    );
    const syntax = await finished(
      (await send([id], ['cat /etc/hostname; rm -rf /'])).Command?.CommandId as string,
      id,
    );
    assert.equal(syntax.ResponseCode, 2);
    assert.match(syntax.StandardErrorContent ?? '', /not run: ";"/);
    assert.equal(syntax.StandardOutputContent, '');
  });

  it('refuses what AWS refuses: unknown instance, unknown document, missing commands, unknown invocation', async () => {
    const unknown = await caught(() => send(['i-0123456789abcdef0'], ['true']));
    assert.equal(unknown.name, 'InvalidInstanceId');
    assert.equal(
      unknown.message,
      `Instances [[i-0123456789abcdef0]] not in a valid state for account ${ACCOUNT}`,
    );
    const document = await caught(() =>
      send([ids[0] as string], ['true'], { DocumentName: 'AWS-RunPowerShellScript' }),
    );
    assert.equal(document.name, 'InvalidDocument');
    const parameters = await caught(() =>
      client.send(
        new ssm.SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [ids[0] as string] }),
      ),
    );
    assert.equal(parameters.name, 'InvalidParameters');
    const duplicate = await caught(() => send([ids[0] as string, ids[0] as string], ['true']));
    assert.equal(duplicate.name, 'DuplicateInstanceId');
    const invocation = await caught(() =>
      client.send(
        new ssm.GetCommandInvocationCommand({
          CommandId: '0f0e0d0c-0b0a-4909-8807-060504030201',
          InstanceId: ids[0],
        }),
      ),
    );
    assert.equal(invocation.name, 'InvocationDoesNotExist');
  });

  it('Targets by tag reach the Online nodes that carry it', async () => {
    const sent = await client.send(
      new ssm.SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        Targets: [{ Key: 'tag:environment', Values: ['dev'] }],
        Parameters: { commands: ['wc -c /nothing'] },
      }),
    );
    assert.equal(sent.Command?.TargetCount, 3);
  });

  it('an agent stopped is ConnectionLost and refused; an agent absent never registers', async () => {
    const id = ids[1] as string;
    await control().ssmAgent('stopped', [id]);
    const info = await client.send(
      new ssm.DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [id] }] }),
    );
    assert.equal(info.InstanceInformationList?.[0]?.PingStatus, 'ConnectionLost');
    const refused = await caught(() => send([id], ['true']));
    assert.equal(refused.name, 'InvalidInstanceId');
    await control().ssmAgent('online', [id]);
    const back = await client.send(
      new ssm.DescribeInstanceInformationCommand({ Filters: [{ Key: 'PingStatus', Values: ['Online'] }] }),
    );
    assert.ok(back.InstanceInformationList?.some((i) => i.InstanceId === id));

    const states = await control().ssmAgent('absent');
    assert.equal(states.newInstances, 'absent');
    await control().loadWorld({
      autoScalingGroups: [{ name: 'bare-asg', instances: 1, availabilityZones: ['us-east-1a'] }],
    });
    await control().ssmAgent('online');
    const bare = t.lc.cloud.region('us-east-1').autoscaling.get('bare-asg')?.instances[0]
      ?.instanceId as string;
    const listed = await client.send(new ssm.DescribeInstanceInformationCommand({}));
    assert.ok(!listed.InstanceInformationList?.some((i) => i.InstanceId === bare));
    const unregistered = await caught(() => send([bare], ['true']));
    assert.equal(unregistered.message, `Instances [[${bare}]] not in a valid state for account ${ACCOUNT}`);
  });

  it('IAM: SendCommand only on instances tagged for the role and that document; reads on *', async () => {
    const admin = new iam.IAMClient(clientConfig(t.lc.url));
    const anonymous = new sts.STSClient(clientConfig(t.lc.url));
    try {
      await admin.send(
        new iam.CreateRoleCommand({
          RoleName: 'diagnose',
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        }),
      );
      await admin.send(
        new iam.PutRolePolicyCommand({
          RoleName: 'diagnose',
          PolicyName: 'read-scripts-log',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'ssm:SendCommand',
                Resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`,
                Condition: { StringEquals: { 'ssm:resourceTag/environment': 'dev' } },
              },
              {
                Effect: 'Allow',
                Action: 'ssm:SendCommand',
                Resource: 'arn:aws:ssm:us-east-1:*:document/AWS-RunShellScript',
              },
              {
                Effect: 'Allow',
                Action: ['ssm:GetCommandInvocation', 'ssm:DescribeInstanceInformation'],
                Resource: '*',
              },
            ],
          }),
        }),
      );
      const session = await anonymous.send(
        new sts.AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/diagnose`,
          RoleSessionName: 'test',
        }),
      );
      const c = session.Credentials as sts.Credentials;
      const asRole = new ssm.SSMClient({
        ...clientConfig(t.lc.url),
        maxAttempts: 1,
        credentials: {
          accessKeyId: c.AccessKeyId!,
          secretAccessKey: c.SecretAccessKey!,
          sessionToken: c.SessionToken!,
        },
      });
      try {
        const sent = await asRole.send(
          new ssm.SendCommandCommand({
            DocumentName: 'AWS-RunShellScript',
            InstanceIds: [ids[0] as string],
            Parameters: { commands: ['wc -c /nothing'] },
          }),
        );
        assert.ok(sent.Command?.CommandId);
        await asRole.send(new ssm.DescribeInstanceInformationCommand({}));
        // The instance of another group carries no environment tag.
        const bare = t.lc.cloud.region('us-east-1').autoscaling.get('bare-asg')?.instances[0]
          ?.instanceId as string;
        await control().ssmAgent('online', [bare]);
        const denied = await caught(() =>
          asRole.send(
            new ssm.SendCommandCommand({
              DocumentName: 'AWS-RunShellScript',
              InstanceIds: [bare],
              Parameters: { commands: ['true'] },
            }),
          ),
        );
        assert.equal(denied.name, 'AccessDeniedException');
        assert.match(
          denied.message,
          new RegExp(`ssm:SendCommand on resource: arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${bare}`),
        );
        const otherDocument = await caught(() =>
          asRole.send(
            new ssm.SendCommandCommand({
              DocumentName: 'AWS-RunPowerShellScript',
              InstanceIds: [ids[0] as string],
              Parameters: { commands: ['true'] },
            }),
          ),
        );
        assert.equal(otherDocument.name, 'AccessDeniedException');
      } finally {
        asRole.destroy();
      }
    } finally {
      admin.destroy();
      anonymous.destroy();
    }
  });

  it('checks every implemented operation against the model', () => {
    assert.deepEqual(contract.exercised('ssm'), [
      'DescribeInstanceInformation',
      'GetCommandInvocation',
      'ListCommandInvocations',
      'SendCommand',
    ]);
  });
});
