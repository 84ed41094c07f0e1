// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  encodeParameterOverride,
  parameterOverrideArguments,
  samBuildArguments,
  samDeployArguments,
} from '../../src/sam/arguments.js';
import { SamInputError } from '../../src/sam/errors.js';
import { samParameterOverrides } from './sam-parameter-parser.js';

/** What SAM reads from the arguments the wrapper builds. */
function overridesSamSees(args: readonly string[]): Record<string, string> {
  const at = args.indexOf('--parameter-overrides');
  return at === -1 ? {} : samParameterOverrides([args[at + 1]!]);
}

describe('samDeployArguments', () => {
  it('builds the argument array of a deploy', () => {
    const args = samDeployArguments({
      stackName: 'web-dev',
      templateFile: 'sam-template.yaml',
      parameterOverrides: { Environment: 'dev', FleetSize: '4' },
      capabilities: ['CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      region: 'us-east-1',
      tags: { app: 'web', environment: 'dev' },
      roleArn: 'arn:aws:iam::123456789012:role/web-dev-cloudformation',
    });
    assert.deepEqual(args, [
      'deploy',
      '--stack-name',
      'web-dev',
      '--template-file',
      'sam-template.yaml',
      '--no-confirm-changeset',
      '--no-fail-on-empty-changeset',
      '--region',
      'us-east-1',
      '--role-arn',
      'arn:aws:iam::123456789012:role/web-dev-cloudformation',
      '--capabilities',
      'CAPABILITY_NAMED_IAM',
      'CAPABILITY_AUTO_EXPAND',
      '--parameter-overrides',
      'ParameterKey=Environment,ParameterValue="dev" ParameterKey=FleetSize,ParameterValue="4"',
      '--tags',
      'app=web',
      'environment=dev',
    ]);
  });

  it('passes bucket, prefix, managed bucket, dry run and fail-on-empty when asked', () => {
    const named = samDeployArguments({
      stackName: 'web-dev',
      templateFile: 't.yaml',
      s3Bucket: 'web-artifacts',
      s3Prefix: 'sam/web-dev',
      noExecuteChangeset: true,
      noFailOnEmptyChangeset: false,
    });
    assert.deepEqual(named.slice(5), [
      '--no-confirm-changeset',
      '--no-execute-changeset',
      '--s3-bucket',
      'web-artifacts',
      '--s3-prefix',
      'sam/web-dev',
    ]);
    assert.ok(
      samDeployArguments({ stackName: 'web-dev', templateFile: 't.yaml', resolveS3: true }).includes(
        '--resolve-s3',
      ),
    );
  });

  const refused: [string, Parameters<typeof samDeployArguments>[0], RegExp][] = [
    [
      'a stack name sam would read as an option',
      { stackName: '--debug', templateFile: 't.yaml' },
      /stack name "--debug" is not valid/,
    ],
    [
      'a stack name with a space',
      { stackName: 'web dev', templateFile: 't.yaml' },
      /stack name "web dev" is not valid/,
    ],
    [
      'a template path that starts with -',
      { stackName: 'web-dev', templateFile: '-t.yaml' },
      /starts with "-": write \.\/-t\.yaml/,
    ],
    [
      'both a bucket and resolveS3',
      { stackName: 'web-dev', templateFile: 't.yaml', s3Bucket: 'b-b-b', resolveS3: true },
      /not both/,
    ],
    [
      'a prefix without a bucket',
      { stackName: 'web-dev', templateFile: 't.yaml', s3Prefix: 'x' },
      /s3Prefix needs s3Bucket/,
    ],
    [
      'a region that is not one',
      { stackName: 'web-dev', templateFile: 't.yaml', region: 'us-east-1 --debug' },
      /not an AWS region/,
    ],
    [
      'an unknown capability',
      { stackName: 'web-dev', templateFile: 't.yaml', capabilities: ['CAPABILITY_ALL' as 'CAPABILITY_IAM'] },
      /capability "CAPABILITY_ALL"/,
    ],
    [
      'a role that is not a role ARN',
      { stackName: 'web-dev', templateFile: 't.yaml', roleArn: 'admin' },
      /not an IAM role ARN/,
    ],
    [
      'a tag with a space',
      { stackName: 'web-dev', templateFile: 't.yaml', tags: { team: 'web ops' } },
      /sam reads tags split on "=" and spaces/,
    ],
    ['a tag with =', { stackName: 'web-dev', templateFile: 't.yaml', tags: { 'a=b': 'c' } }, /tag "a=b"/],
    [
      'a parameter name with punctuation',
      { stackName: 'web-dev', templateFile: 't.yaml', parameterOverrides: { 'Vpc-Id': 'x' } },
      /parameter name "Vpc-Id" is not valid/,
    ],
  ];
  for (const [what, options, message] of refused) {
    it(`refuses ${what} before running sam`, () => {
      assert.throws(
        () => samDeployArguments(options),
        (error: unknown) => {
          assert.ok(error instanceof SamInputError);
          assert.equal(error.exitCode, 2);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});

describe('samBuildArguments', () => {
  it('builds the argument array of a build', () => {
    assert.deepEqual(
      samBuildArguments({
        templateFile: 'sam-template.yaml',
        buildDir: '.aws-sam/build',
        region: 'eu-west-1',
        useContainer: true,
        parameterOverrides: { Environment: 'prod' },
      }),
      [
        'build',
        '--template-file',
        'sam-template.yaml',
        '--build-dir',
        '.aws-sam/build',
        '--region',
        'eu-west-1',
        '--use-container',
        '--parameter-overrides',
        'ParameterKey=Environment,ParameterValue="prod"',
      ],
    );
  });
});

describe('--parameter-overrides, as the SAM CLI parses it', () => {
  it('gives back values with spaces, quotes, commas, = and both parameter syntaxes', () => {
    const overrides = {
      Description: 'the "web" app, dev',
      Pattern: "it's a=b c",
      Injected: 'x ParameterKey=Evil,ParameterValue=1 Other=2',
      Json: '{"a": [1, 2]}',
      Backslashes: 'C:\\path\\to\\file and \\d+',
      Empty: '',
      Unicode: 'grüße – ✓',
      Lines: 'one\ntwo',
    };
    assert.deepEqual(overridesSamSees(parameterOverrideArguments(overrides)), overrides);
  });

  it('shows why: in the Key=Value form SAM would let a value add a parameter', () => {
    assert.deepEqual(samParameterOverrides(['A=1 B=ParameterKey=X,ParameterValue=evil']), { X: 'evil' });
  });

  it('round-trips every value it accepts, and refuses the rest', () => {
    const key = fc.stringMatching(/^[A-Za-z0-9]{1,12}$/);
    const value = fc.oneof(
      fc.string({
        unit: fc.constantFrom('a', ' ', '"', "'", '\\', '=', ',', '\n', 'P', 'K', '$', '{', '}'),
        maxLength: 24,
      }),
      fc.string({ unit: 'grapheme', maxLength: 24 }),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), (overrides) => {
        const entries = Object.entries(overrides);
        const encodable = entries.every(
          ([, text]) => !/\\(?=["' \n\r]|$)/.test(text) && !text.includes('\0'),
        );
        if (!encodable) {
          assert.throws(() => parameterOverrideArguments(overrides), SamInputError);
          return;
        }
        // fast-check's dictionaries have no prototype; compare the entries.
        assert.deepEqual(overridesSamSees(parameterOverrideArguments(overrides)), { ...overrides });
      }),
      { numRuns: 500 },
    );
  });

  it('names the parameter whose value cannot pass through sam', () => {
    assert.throws(
      () => encodeParameterOverride('Path', 'C:\\dir\\'),
      /parameter Path: a backslash before a quote, a space, a line break or at the end/,
    );
    assert.throws(() => encodeParameterOverride('Quote', 'say \\"hi\\"'), /parameter Quote/);
  });
});
