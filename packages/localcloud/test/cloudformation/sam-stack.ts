// The repository's own sam-template.yaml made into a stack through the CloudFormation SDK, as a
// first `sam deploy` would (a CREATE change set, executed), with parameters that fit the local
// cloud's account: its default VPC, two of its subnets and its first image.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as cfn from '@aws-sdk/client-cloudformation';
import { clientConfig, until, type TestCloud } from '../harness.js';

export const SAM_TEMPLATE = fileURLToPath(new URL('../../../../sam-template.yaml', import.meta.url));
export const CIRCLECI_ORG = '0f0e0d0c-0b0a-4908-8706-050403020100';
export const CIRCLECI_PROJECT = '1f1e1d1c-1b1a-4918-8716-151413121110';

/** The parameters a first `sam deploy` gives the stack `web-<environment>` in this cloud. */
function samParameters(t: TestCloud, environment: string, fleetSize: number): Record<string, string> {
  const ec2 = t.lc.cloud.region('us-east-1').ec2;
  const subnets = ec2
    .subnets()
    .slice(0, 2)
    .map((s) => s.id)
    .join(',');
  return {
    ApplicationName: 'web',
    Environment: environment,
    VpcId: ec2.defaultVpc().id,
    PublicSubnetIds: subnets,
    PrivateSubnetIds: subnets,
    AmiId: ec2.allImages()[0]!.imageId,
    FleetSize: String(fleetSize),
    CircleCIOrgId: CIRCLECI_ORG,
    CircleCIProjectId: CIRCLECI_PROJECT,
  };
}

/** Creates the stack `web-<environment>` and answers it once CREATE_COMPLETE (asserted). */
export async function createSamStack(
  t: TestCloud,
  options: { environment?: string; fleetSize?: number; templateBody?: string } = {},
): Promise<cfn.Stack> {
  const environment = options.environment ?? 'dev';
  const parameters = samParameters(t, environment, options.fleetSize ?? 2);
  const stack = await runChangeSet(t, `web-${environment}`, 'CREATE', parameters, options.templateBody);
  assert.equal(stack.StackStatus, 'CREATE_COMPLETE', stack.StackStatusReason);
  return stack;
}

/**
 * Updates the stack `web-<environment>` as a later `sam deploy` would: the same template (or
 * `templateBody`) with the stack's parameters and `changes` over them. Answers the stack once the
 * update has ended, whichever way.
 */
export async function updateSamStack(
  t: TestCloud,
  changes: Record<string, string>,
  options: { environment?: string; templateBody?: string } = {},
): Promise<cfn.Stack> {
  const stackName = `web-${options.environment ?? 'dev'}`;
  const client = new cfn.CloudFormationClient(clientConfig(t.lc.url));
  const current = (await client.send(new cfn.DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
  client.destroy();
  const parameters = Object.fromEntries(
    (current.Parameters ?? []).map((p) => [p.ParameterKey!, p.ParameterValue!]),
  );
  return runChangeSet(t, stackName, 'UPDATE', { ...parameters, ...changes }, options.templateBody);
}

async function runChangeSet(
  t: TestCloud,
  stackName: string,
  type: 'CREATE' | 'UPDATE',
  parameters: Record<string, string>,
  templateBody: string | undefined,
): Promise<cfn.Stack> {
  const client = new cfn.CloudFormationClient(clientConfig(t.lc.url));
  try {
    const { Id } = await client.send(
      new cfn.CreateChangeSetCommand({
        StackName: stackName,
        ChangeSetName: type.toLowerCase(),
        ChangeSetType: type,
        TemplateBody: templateBody ?? readFileSync(SAM_TEMPLATE, 'utf8'),
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
    return await until(
      async () => (await client.send(new cfn.DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!,
      (s) => !s.StackStatus!.endsWith('_IN_PROGRESS'),
      'the stack',
    );
  } finally {
    client.destroy();
  }
}
