// tier: e2e
// The AWS CLI (`aws ssm`, with its own botocore parsers and waiter) as an independent client of every
// Systems Manager operation the local cloud implements: the managed nodes, a command sent and waited
// for with `aws ssm wait command-executed` (which retries InvocationDoesNotExist, as AWS needs), its
// invocation read back and listed, and SSM's refusals as the CLI reports them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertCliCoverage } from './coverage.js';
import { startCliSession, type CliSession } from './session.js';

const WORLD = {
  autoScalingGroups: [
    { name: 'web-dev-asg', instances: 2, availabilityZones: ['us-east-1a'], tags: { environment: 'dev' } },
  ],
};

describe('the AWS CLI parses every Systems Manager operation of the local cloud', () => {
  let s: CliSession;
  let ids: string[] = [];

  before(async () => {
    s = await startCliSession(WORLD);
    ids = s.asgInstances('web-dev-asg').map((i) => i.instanceId);
  });
  after(async () => s.close());

  it('describe-instance-information lists the instances as Online Linux nodes', async () => {
    const out = await s.cli.call<{
      InstanceInformationList: { InstanceId: string; PingStatus: string; PlatformType: string }[];
    }>('ssm', 'describe-instance-information', { Filters: [{ Key: 'tag:environment', Values: ['dev'] }] });
    assert.deepEqual(out.InstanceInformationList.map((i) => i.InstanceId).sort(), [...ids].sort());
    assert.ok(
      out.InstanceInformationList.every((i) => i.PingStatus === 'Online' && i.PlatformType === 'Linux'),
    );
  });

  it('send-command, the command-executed waiter, get-command-invocation and list-command-invocations', async () => {
    const id = ids[0] as string;
    const sent = await s.cli.call<{ Command: { CommandId: string; Status: string; TargetCount: number } }>(
      'ssm',
      'send-command',
      { DocumentName: 'AWS-RunShellScript', InstanceIds: [id], Parameters: { commands: ['wc -l'] } },
    );
    assert.equal(sent.Command.Status, 'Pending');
    assert.equal(sent.Command.TargetCount, 1);
    const commandId = sent.Command.CommandId;
    const waited = await s.cli.command([
      'ssm',
      'wait',
      'command-executed',
      '--command-id',
      commandId,
      '--instance-id',
      id,
    ]);
    assert.equal(waited.rc, 0, waited.stderr);
    const got = await s.cli.call<{
      Status: string;
      ResponseCode: number;
      StandardOutputContent: string;
      ExecutionElapsedTime: string;
    }>('ssm', 'get-command-invocation', { CommandId: commandId, InstanceId: id });
    assert.equal(got.Status, 'Success');
    assert.equal(got.ResponseCode, 0);
    assert.equal(got.StandardOutputContent, '0\n');
    assert.match(got.ExecutionElapsedTime, /^PT[\d.]+S$/);
    const listed = await s.cli.call<{
      CommandInvocations: { CommandId: string; CommandPlugins: { Name: string; Output: string }[] }[];
    }>('ssm', 'list-command-invocations', { CommandId: commandId, Details: true });
    assert.equal(listed.CommandInvocations[0]?.CommandId, commandId);
    assert.deepEqual(
      listed.CommandInvocations[0]?.CommandPlugins.map((p) => [p.Name, p.Output]),
      [['aws:runShellScript', '0\n']],
    );
  });

  it('refusals as the CLI reports them: an unknown invocation, an instance whose agent is not registered', async () => {
    const unknown = await s.cli.command([
      'ssm',
      'get-command-invocation',
      '--command-id',
      '0f0e0d0c-0b0a-4909-8807-060504030201',
      '--instance-id',
      ids[0] as string,
    ]);
    assert.notEqual(unknown.rc, 0);
    assert.match(
      unknown.stderr,
      /\(InvocationDoesNotExist\) when calling the GetCommandInvocation operation/,
    );
    const refused = await s.cli.command([
      'ssm',
      'send-command',
      '--document-name',
      'AWS-RunShellScript',
      '--instance-ids',
      'i-0123456789abcdef0',
      '--parameters',
      'commands=true',
    ]);
    assert.notEqual(refused.rc, 0);
    assert.match(
      refused.stderr,
      /\(InvalidInstanceId\) when calling the SendCommand operation( \(reached max retries: \d+\))?: Instances \[\[i-0123456789abcdef0\]\] not in a valid state for account 123456789012/,
    );
  });

  it('answered every implemented SSM operation, as the server counted them', async () => {
    assertCliCoverage(['ssm'], {
      answered: s.cli.answeredOperations(),
      requestCounts: await s.requestCounts(),
    });
  });
});
