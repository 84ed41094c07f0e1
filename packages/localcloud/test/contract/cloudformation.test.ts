// tier: integration
// Contract test of CloudFormation: every implemented operation, called through the real SDK client,
// answers output that matches AWS's FULL botocore model (the local cloud ships a trimmed copy), and
// its refusals are errors the model lists for the operation (or ValidationError, the query
// protocol's error for bad input, which botocore never lists).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as cfn from '@aws-sdk/client-cloudformation';
import { loadServiceModel } from '../../src/protocol/model.js';
import { caught, clientConfig, startTestCloud, until, type TestCloud } from '../harness.js';
import { operationErrors, validateOutput, type FullModel } from './validate.js';

const BOTOCORE =
  '/usr/lib/python3/dist-packages/awscli/botocore/data/cloudformation/2010-05-15/service-2.json';

const TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: contract
Parameters:
  Name: {Type: String, Default: contract, AllowedValues: [contract, other], Description: a name}
  Secret: {Type: String, NoEcho: true, Default: hidden}
  Port: {Type: Number, Default: 8000}
Resources:
  Targets:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Name: !Sub '\${Name}-tg', Port: !Ref Port}
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub '\${Name}-alarm'
      Namespace: AWS/ApplicationELB
      MetricName: UnHealthyHostCount
      Dimensions: [{Name: TargetGroup, Value: !GetAtt Targets.TargetGroupFullName}]
      Statistic: Maximum
      Period: 60
      EvaluationPeriods: 1
      ComparisonOperator: GreaterThanThreshold
      Threshold: 0
Outputs:
  TargetGroup: {Value: !Ref Targets, Description: the group, Export: {Name: contract-tg}}
`;

/**
 * Where AWS answers what botocore's model does not list, and the local cloud follows AWS:
 * - a stack's first event, for a stack a CREATE change set made, is REVIEW_IN_PROGRESS, a stack status
 *   that ResourceStatus's enum lacks (the SDKs and the CLI do not enforce enums on output).
 */
const EXPLAINED = [/StackEvents\[\d+\]\.ResourceStatus: "REVIEW_IN_PROGRESS" is not one of/];

/** Errors AWS answers that the model does not list for the operation. */
const UNLISTED_ERRORS: Record<string, string[]> = {
  // A change set that does not exist cannot be deleted: ChangeSetNotFound, as DescribeChangeSet says.
  DeleteChangeSet: ['ChangeSetNotFoundException'],
};

describe('contract: CloudFormation matches the botocore model', () => {
  let t: TestCloud;
  let client: cfn.CloudFormationClient;
  const model = JSON.parse(readFileSync(BOTOCORE, 'utf8')) as FullModel;
  const exercised = new Set<string>();

  function check(operation: string, output: unknown): void {
    const problems = validateOutput(model, operation, output).filter(
      (problem) => !EXPLAINED.some((e) => e.test(problem)),
    );
    assert.deepEqual(problems, [], `${operation} does not match the model`);
    exercised.add(operation);
  }

  /** A refusal: its code is one the model lists for the operation, or the protocol's ValidationError. */
  async function refused(operation: string, call: () => Promise<unknown>): Promise<Error> {
    const error = await caught(call);
    const codes = [...operationErrors(model, operation), ...(UNLISTED_ERRORS[operation] ?? [])].map((shape) =>
      shape.replace(/Exception$/, ''),
    );
    const code = error.name.replace(/Exception$/, '');
    assert.ok(
      code === 'ValidationError' || codes.includes(code),
      `${operation}: ${error.name} is not an error of the model`,
    );
    return error;
  }

  before(async () => {
    t = await startTestCloud({});
    client = new cfn.CloudFormationClient(clientConfig(t.lc.url));
  });
  after(async () => {
    client.destroy();
    await t.close();
  });

  it('answers every operation as the model says', async () => {
    check('ValidateTemplate', await client.send(new cfn.ValidateTemplateCommand({ TemplateBody: TEMPLATE })));
    check(
      'GetTemplateSummary',
      await client.send(new cfn.GetTemplateSummaryCommand({ TemplateBody: TEMPLATE })),
    );
    const created = await client.send(
      new cfn.CreateChangeSetCommand({
        StackName: 'contract',
        ChangeSetName: 'create',
        ChangeSetType: 'CREATE',
        TemplateBody: TEMPLATE,
        Parameters: [{ ParameterKey: 'Secret', ParameterValue: 's3cr3t' }],
        Tags: [{ Key: 'team', Value: 'web' }],
        Description: 'first',
      }),
    );
    check('CreateChangeSet', created);
    const ready = await until(
      () => client.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: created.Id })),
      (c) => c.Status === 'CREATE_COMPLETE',
      'the change set',
    );
    check('DescribeChangeSet', ready);
    check(
      'ExecuteChangeSet',
      await client.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: created.Id })),
    );
    const stack = await until(
      () => client.send(new cfn.DescribeStacksCommand({ StackName: 'contract' })),
      (s) => s.Stacks![0]!.StackStatus === 'CREATE_COMPLETE',
      'the stack',
    );
    check('DescribeStacks', stack);
    check('DescribeStacks', await client.send(new cfn.DescribeStacksCommand({})));
    check(
      'DescribeStackEvents',
      await client.send(new cfn.DescribeStackEventsCommand({ StackName: 'contract' })),
    );
    check(
      'DescribeStackResources',
      await client.send(new cfn.DescribeStackResourcesCommand({ StackName: 'contract' })),
    );
    check(
      'ListStackResources',
      await client.send(new cfn.ListStackResourcesCommand({ StackName: 'contract' })),
    );
    const original = await client.send(new cfn.GetTemplateCommand({ StackName: 'contract' }));
    check('GetTemplate', original);
    assert.equal(original.TemplateBody, TEMPLATE);
    const processed = await client.send(
      new cfn.GetTemplateCommand({ StackName: 'contract', TemplateStage: 'Processed' }),
    );
    check('GetTemplate', processed);
    assert.equal((JSON.parse(processed.TemplateBody!) as { Transform?: unknown }).Transform, undefined);
    check(
      'GetTemplateSummary',
      await client.send(new cfn.GetTemplateSummaryCommand({ StackName: 'contract' })),
    );

    // An update with a Modify change, described and then deleted unexecuted.
    const update = await client.send(
      new cfn.CreateChangeSetCommand({
        StackName: 'contract',
        ChangeSetName: 'update',
        UsePreviousTemplate: true,
        Parameters: [
          { ParameterKey: 'Port', ParameterValue: '9000' },
          { ParameterKey: 'Secret', UsePreviousValue: true },
        ],
      }),
    );
    const described = await until(
      () => client.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: 'update', StackName: 'contract' })),
      (c) => c.Status === 'CREATE_COMPLETE',
      'the update',
    );
    check('DescribeChangeSet', described);
    assert.ok(described.Changes!.some((c) => c.ResourceChange?.Replacement === 'True'));
    check('GetTemplate', await client.send(new cfn.GetTemplateCommand({ ChangeSetName: update.Id })));
    check('DeleteChangeSet', await client.send(new cfn.DeleteChangeSetCommand({ ChangeSetName: update.Id })));
    check('DeleteStack', await client.send(new cfn.DeleteStackCommand({ StackName: 'contract' })));
    const listed = await until(
      () => client.send(new cfn.ListStacksCommand({})),
      (l) => l.StackSummaries!.some((s) => s.StackStatus === 'DELETE_COMPLETE'),
      'the stack deleted',
    );
    check('ListStacks', listed);
    check(
      'DescribeStacks',
      await client.send(new cfn.DescribeStacksCommand({ StackName: stack.Stacks![0]!.StackId })),
    );
  });

  it('refuses with errors the model lists', async () => {
    await refused('DescribeChangeSet', () =>
      client.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: 'nope', StackName: 'nope' })),
    );
    const missing = await refused('DescribeChangeSet', () =>
      client.send(
        new cfn.DescribeChangeSetCommand({
          ChangeSetName:
            'arn:aws:cloudformation:us-east-1:123456789012:changeSet/x/00000000-0000-4000-8000-000000000000',
        }),
      ),
    );
    assert.equal(missing.name, 'ChangeSetNotFoundException');
    await refused('DescribeStacks', () => client.send(new cfn.DescribeStacksCommand({ StackName: 'nope' })));
    await refused('DescribeStackEvents', () =>
      client.send(new cfn.DescribeStackEventsCommand({ StackName: 'nope' })),
    );
    await refused('DescribeStackResources', () =>
      client.send(new cfn.DescribeStackResourcesCommand({ StackName: 'nope' })),
    );
    await refused('ListStackResources', () =>
      client.send(new cfn.ListStackResourcesCommand({ StackName: 'nope' })),
    );
    await refused('GetTemplate', () => client.send(new cfn.GetTemplateCommand({ StackName: 'nope' })));
    await refused('GetTemplateSummary', () =>
      client.send(new cfn.GetTemplateSummaryCommand({ TemplateBody: '{' })),
    );
    await refused('ValidateTemplate', () =>
      client.send(new cfn.ValidateTemplateCommand({ TemplateBody: 'Resources: {}\n' })),
    );
    const capabilities = await refused('CreateChangeSet', () =>
      client.send(
        new cfn.CreateChangeSetCommand({
          StackName: 'iam',
          ChangeSetName: 'c',
          ChangeSetType: 'CREATE',
          TemplateBody: 'Resources:\n  R: {Type: AWS::IAM::Role, Properties: {}}\n',
        }),
      ),
    );
    assert.equal(capabilities.name, 'InsufficientCapabilitiesException');
    const failed = await client.send(
      new cfn.CreateChangeSetCommand({
        StackName: 'empty',
        ChangeSetName: 'c',
        ChangeSetType: 'CREATE',
        TemplateBody:
          'Transform: AWS::Serverless-2016-10-31\nResources:\n  F: {Type: AWS::Serverless::Function}\n',
      }),
    );
    await until(
      () => client.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: failed.Id })),
      (c) => c.Status === 'FAILED',
      'the change set to fail',
    );
    const execute = await refused('ExecuteChangeSet', () =>
      client.send(new cfn.ExecuteChangeSetCommand({ ChangeSetName: failed.Id })),
    );
    assert.equal(execute.name, 'InvalidChangeSetStatusException');
    await refused('DeleteChangeSet', () =>
      client.send(new cfn.DeleteChangeSetCommand({ ChangeSetName: 'nope', StackName: 'nope' })),
    );
    // DeleteStack of a stack that does not exist succeeds, as on AWS.
    check('DeleteStack', await client.send(new cfn.DeleteStackCommand({ StackName: 'nope' })));
    await refused('ListStacks', () => client.send(new cfn.ListStacksCommand({ NextToken: 'garbage' })));
  });

  it('covers every implemented operation', () => {
    assert.deepEqual(
      [...exercised].sort(),
      Object.keys(loadServiceModel('cloudformation').operations).sort(),
    );
  });
});
