// tier: unit
// The rehearsal's stand-in for `sam deploy` reads the arguments greenlight's own `sam deploy` builds
// (src/sam/arguments.ts) and says the same to `aws cloudformation deploy`, or refuses by name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { samDeployArguments } from '../../src/sam/arguments.js';
import {
  cloudFormationDeployFor,
  parseParameterOverrides,
  SamStandInError,
} from '../../src/rehearse/sam-stand-in.js';

describe("the rehearsal's sam stand-in", () => {
  it('carries what greenlight sam deploy passes over to aws cloudformation deploy, values intact', () => {
    const parameters = {
      VpcId: 'vpc-0abc',
      PublicSubnetIds: 'subnet-1,subnet-2',
      CertificateArn: '',
      Odd: 'a "quoted" value with spaces',
    };
    const sam = samDeployArguments({
      stackName: 'web-dev',
      templateFile: '/repo/sam-template.yaml',
      region: 'us-east-1',
      roleArn: 'arn:aws:iam::123456789012:role/cfn',
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      parameterOverrides: parameters,
      tags: { app: 'web' },
    });
    const aws = cloudFormationDeployFor(sam);
    assert.equal(aws.stackName, 'web-dev');
    assert.deepEqual(aws.args, [
      'cloudformation',
      'deploy',
      '--stack-name',
      'web-dev',
      '--template-file',
      '/repo/sam-template.yaml',
      '--no-fail-on-empty-changeset',
      '--region',
      'us-east-1',
      '--role-arn',
      'arn:aws:iam::123456789012:role/cfn',
      '--capabilities',
      'CAPABILITY_IAM',
      'CAPABILITY_NAMED_IAM',
      '--parameter-overrides',
      ...Object.entries(parameters).map(([k, v]) => `${k}=${v}`),
      '--tags',
      'app=web',
    ]);
    assert.deepEqual(aws.notes, [
      '--no-confirm-changeset left out: aws cloudformation deploy never asks to confirm',
    ]);
  });

  it("reads SAM's short Key=Value form and its escapes", () => {
    assert.deepEqual(parseParameterOverrides(`A=1 B="two words" C=it\\'s D=\\"x\\"`), [
      ['A', '1'],
      ['B', 'two words'],
      ['C', "it's"],
      ['D', '"x"'],
    ]);
  });

  it('refuses what it cannot carry over, by name', () => {
    assert.throws(() => cloudFormationDeployFor(['build']), /stands in for `sam deploy` only/);
    assert.throws(
      () => cloudFormationDeployFor(['deploy', '--stack-name', 's', '--template-file', 't', '--guided']),
      (e: unknown) => e instanceof SamStandInError && /--guided: .*does not know this option/.test(e.message),
    );
    assert.throws(() => cloudFormationDeployFor(['deploy', '--template-file', 't']), /needs --stack-name/);
    assert.throws(
      () => cloudFormationDeployFor(['deploy', '--stack-name', '--template-file']),
      /needs a value/,
    );
    assert.throws(() => parseParameterOverrides('A="open'), /unclosed "/);
    assert.throws(() => parseParameterOverrides('=x'), /is not Key=Value/);
  });
});
