// tier: unit
// The stack engine's pure parts: reading templates (JSON, YAML with the short-form tags), intrinsic
// functions and conditions, parameters and their checks, dependency order and change-set diffs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  resolveValue,
  TemplateResolveError,
  type ResolveContext,
} from '../../src/cloudformation/intrinsics.js';
import { ParameterError, resolveParameters } from '../../src/cloudformation/parameters.js';
import {
  evaluateTemplate,
  planChanges,
  resolveProperties,
  type CurrentStack,
  type ExistingResource,
  type StackEnvironment,
} from '../../src/cloudformation/plan.js';
import { requiredCapability } from '../../src/cloudformation/model.js';
import { parseTemplate, processedTemplate, TemplateError } from '../../src/cloudformation/template.js';

const SAM_TEMPLATE = fileURLToPath(new URL('../../../../sam-template.yaml', import.meta.url));

const env: StackEnvironment = {
  stackName: 'web-dev',
  stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/web-dev/1',
  region: 'us-east-1',
  accountId: '123456789012',
  azs: (region) => [`${region}a`, `${region}b`],
};

function context(overrides: Partial<ResolveContext> = {}): ResolveContext {
  const parameters: Record<string, unknown> = {
    Env: 'dev',
    Subnets: ['subnet-1', 'subnet-2'],
    'AWS::Region': 'us-east-1',
    'AWS::AccountId': '123456789012',
  };
  return {
    parameter: (name) => parameters[name],
    hasResource: (id) => id === 'Bucket' || id === 'Group',
    ref: (id) => `${id}-physical`,
    getAtt: (id, attribute) => `${id}.${attribute}-value`,
    condition: (name) => name === 'IsDev',
    mappings: { Sizes: { dev: { Count: 2 }, prod: { Count: 6 } } },
    azs: (region) => [`${region}a`, `${region}b`, `${region}c`],
    ...overrides,
  };
}

describe('templates', () => {
  it('reads the YAML short forms as their long forms', () => {
    const template = parseTemplate(`
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      A: !Ref Env
      B: !GetAtt Group.Arn
      C: !GetAtt [Group, GroupId]
      D: !Sub '\${Env}-x'
      E: !Sub ['\${X}', {X: !Ref Env}]
      F: !If [IsDev, !Join ['-', [a, b]], !Ref AWS::NoValue]
      G: !Select [0, !Split [',', 'a,b']]
      H: !Base64 {Fn::Sub: 'x'}
      I: !GetAZs ''
      J: !FindInMap [Sizes, !Ref Env, Count]
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  NotDev: !Not [!Condition IsDev]
  Both: !And [!Condition IsDev, !Or [!Condition IsDev, !Condition NotDev]]
`);
    const properties = template.Resources.Bucket?.Properties;
    assert.deepEqual(properties, {
      A: { Ref: 'Env' },
      B: { 'Fn::GetAtt': ['Group', 'Arn'] },
      C: { 'Fn::GetAtt': ['Group', 'GroupId'] },
      D: { 'Fn::Sub': '${Env}-x' },
      E: { 'Fn::Sub': ['${X}', { X: { Ref: 'Env' } }] },
      F: { 'Fn::If': ['IsDev', { 'Fn::Join': ['-', ['a', 'b']] }, { Ref: 'AWS::NoValue' }] },
      G: { 'Fn::Select': [0, { 'Fn::Split': [',', 'a,b'] }] },
      H: { 'Fn::Base64': { 'Fn::Sub': 'x' } },
      I: { 'Fn::GetAZs': '' },
      J: { 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Count'] },
    });
    assert.deepEqual(template.Conditions.NotDev, { 'Fn::Not': [{ Condition: 'IsDev' }] });
  });

  it('reads JSON, and refuses what is not well-formed as CloudFormation says it', () => {
    const template = parseTemplate('{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}');
    assert.equal(template.Resources.B?.Type, 'AWS::S3::Bucket');
    assert.throws(
      () => parseTemplate('{"Resources": '),
      /^TemplateError: Template format error: JSON not well-formed/,
    );
    assert.throws(
      () => parseTemplate('Resources:\n  B: [\n'),
      /Template format error: YAML not well-formed. \(line \d+, column \d+\)/,
    );
    assert.throws(() => parseTemplate('Description: x\n'), {
      message: 'Template format error: At least one Resources member must be defined.',
    });
    assert.throws(() => parseTemplate('Resources:\n  B:\n    Properties: {}\n'), {
      message: 'Template format error: [/Resources/B] Every Resources object must contain a Type member.',
    });
    assert.throws(() => parseTemplate('Resourcez: {}\nResources: {B: {Type: X}}\n'), TemplateError);
  });

  it('GetTemplate Processed is the template without its Transform', () => {
    const template = parseTemplate(
      'Transform: AWS::Serverless-2016-10-31\nResources:\n  B: {Type: AWS::S3::Bucket}\n',
    );
    assert.deepEqual(processedTemplate(template), { Resources: { B: { Type: 'AWS::S3::Bucket' } } });
  });

  it('names the capability its IAM resources need', () => {
    const named = parseTemplate('Resources:\n  R: {Type: AWS::IAM::Role, Properties: {RoleName: x}}\n');
    const unnamed = parseTemplate('Resources:\n  R: {Type: AWS::IAM::Role, Properties: {}}\n');
    const none = parseTemplate('Resources:\n  B: {Type: AWS::S3::Bucket}\n');
    assert.equal(requiredCapability(named), 'CAPABILITY_NAMED_IAM');
    assert.equal(requiredCapability(unnamed), 'CAPABILITY_IAM');
    assert.equal(requiredCapability(none), undefined);
  });
});

describe('intrinsic functions', () => {
  const resolve = (value: unknown, overrides?: Partial<ResolveContext>) =>
    resolveValue(value, context(overrides));

  it('Ref: parameters (lists as arrays), pseudo parameters and resources', () => {
    assert.equal(resolve({ Ref: 'Env' }), 'dev');
    assert.deepEqual(resolve({ Ref: 'Subnets' }), ['subnet-1', 'subnet-2']);
    assert.equal(resolve({ Ref: 'AWS::Region' }), 'us-east-1');
    assert.equal(resolve({ Ref: 'Bucket' }), 'Bucket-physical');
    assert.throws(() => resolve({ Ref: 'Nope' }), {
      message:
        'Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template',
    });
  });

  it('Fn::GetAtt in both forms, Fn::Sub in both forms, with ${!Literal}', () => {
    assert.equal(resolve({ 'Fn::GetAtt': ['Group', 'GroupId'] }), 'Group.GroupId-value');
    assert.equal(resolve({ 'Fn::GetAtt': 'Bucket.Arn' }), 'Bucket.Arn-value');
    assert.equal(
      resolve({ 'Fn::Sub': 'arn:${AWS::Region}:${Bucket}/${Bucket.Arn}/${!Literal}' }),
      'arn:us-east-1:Bucket-physical/Bucket.Arn-value/${Literal}',
    );
    assert.equal(resolve({ 'Fn::Sub': ['${A}-${Env}', { A: { Ref: 'Bucket' } }] }), 'Bucket-physical-dev');
    assert.throws(() => resolve({ 'Fn::GetAtt': ['Nope', 'Arn'] }), TemplateResolveError);
  });

  it('Fn::If with AWS::NoValue removes the property or the list item', () => {
    assert.deepEqual(
      resolve({
        A: { 'Fn::If': ['IsDev', 'yes', 'no'] },
        B: { 'Fn::If': ['IsProd', 'yes', { Ref: 'AWS::NoValue' }] },
        C: ['x', { 'Fn::If': ['IsProd', 'y', { Ref: 'AWS::NoValue' }] }],
      }),
      { A: 'yes', C: ['x'] },
    );
  });

  it('Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Base64, Fn::GetAZs', () => {
    assert.equal(resolve({ 'Fn::Join': [',', { Ref: 'Subnets' }] }), 'subnet-1,subnet-2');
    assert.equal(resolve({ 'Fn::Select': ['1', { 'Fn::Split': ['/', 'a/b/c'] }] }), 'b');
    assert.equal(resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Count'] }), 2);
    assert.equal(
      resolve({ 'Fn::Base64': { 'Fn::Sub': '#!/bin/bash\n${Env}' } }),
      Buffer.from('#!/bin/bash\ndev').toString('base64'),
    );
    assert.deepEqual(resolve({ 'Fn::GetAZs': 'eu-west-1' }), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    assert.throws(
      () => resolve({ 'Fn::Select': [5, ['a']] }),
      /Fn::Select cannot select nonexistent value at index 5/,
    );
    assert.throws(
      () => resolve({ 'Fn::FindInMap': ['Sizes', 'test', 'Count'] }),
      /Unable to get mapping for Sizes::test::Count/,
    );
  });

  it("an IAM statement's Condition map is data, not the Condition function", () => {
    const statement = {
      Effect: 'Allow',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    };
    assert.deepEqual(resolve(statement), {
      Effect: 'Allow',
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    });
    assert.deepEqual(resolve({ Condition: { StringEquals: { a: 'b' } } }), {
      Condition: { StringEquals: { a: 'b' } },
    });
  });
});

describe('parameters', () => {
  const declarations = {
    Env: { Type: 'String', Default: 'dev', AllowedValues: ['dev', 'prod'] },
    Name: { Type: 'String', AllowedPattern: '[a-z]+' },
    Size: { Type: 'Number', Default: 4, MinValue: 1, MaxValue: 20 },
    Vpc: { Type: 'AWS::EC2::VPC::Id' },
    Subnets: { Type: 'List<AWS::EC2::Subnet::Id>' },
    Secret: { Type: 'String', NoEcho: true, Default: '' },
  };
  const exists = (type: string, value: string) =>
    (type === 'AWS::EC2::VPC::Id' && value === 'vpc-1') ||
    (type === 'AWS::EC2::Subnet::Id' && value.startsWith('subnet-'));
  const given = (values: Record<string, string>) =>
    Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
  const valid = { Name: 'web', Vpc: 'vpc-1', Subnets: 'subnet-a,subnet-b' };

  it('takes given values, then defaults, as strings', () => {
    assert.deepEqual(resolveParameters(declarations, given(valid), undefined, exists), {
      Env: 'dev',
      Name: 'web',
      Size: '4',
      Vpc: 'vpc-1',
      Subnets: 'subnet-a,subnet-b',
      Secret: '',
    });
  });

  it('keeps a previous value for UsePreviousValue', () => {
    const previous = { ...valid, Env: 'prod', Size: '3', Secret: 's' };
    const values = resolveParameters(
      declarations,
      [...given(valid), { ParameterKey: 'Env', UsePreviousValue: true }],
      previous,
      exists,
    );
    assert.equal(values.Env, 'prod');
  });

  it("refuses with CloudFormation's messages", () => {
    const refuse = (values: Record<string, string>, message: string) =>
      assert.throws(
        () => resolveParameters(declarations, given({ ...valid, ...values }), undefined, exists),
        (error) => {
          assert.ok(error instanceof ParameterError);
          assert.equal(error.message, message);
          return true;
        },
      );
    assert.throws(() => resolveParameters(declarations, [], undefined, exists), {
      message: 'Parameters: [Name, Vpc, Subnets] must have values',
    });
    refuse({ Nope: 'x' }, 'Parameters: [Nope] do not exist in the template');
    refuse({ Env: 'test' }, "Parameter 'Env' must be one of AllowedValues");
    refuse({ Name: 'Web1' }, "Parameter 'Name' must match pattern [a-z]+");
    refuse({ Size: 'four' }, "Parameter 'Size' must be a number.");
    refuse({ Size: '0' }, "Parameter 'Size' must be a number not less than 1");
    refuse({ Size: '21' }, "Parameter 'Size' must be a number not greater than 20");
    refuse(
      { Vpc: 'vpc-2' },
      'Parameter validation failed: parameter value vpc-2 for parameter name Vpc does not exist',
    );
    refuse(
      { Subnets: 'subnet-a,sn-b' },
      'Parameter validation failed: parameter value sn-b for parameter name Subnets does not exist',
    );
  });
});

describe('dependencies and change sets', () => {
  const body = `
Parameters:
  Port: {Type: Number, Default: 8000}
  WithAlarm: {Type: String, Default: 'true'}
Conditions:
  HasAlarm: !Equals [!Ref WithAlarm, 'true']
Resources:
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Condition: HasAlarm
    Properties: {Dimensions: [{Name: TargetGroup, Value: !GetAtt Group.TargetGroupFullName}]}
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties: {DefaultActions: [{Type: forward, TargetGroupArn: !Ref Group}]}
  Group:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    DependsOn: Bucket
    Properties: {Port: !Ref Port}
  Bucket:
    Type: AWS::S3::Bucket
`;
  const template = parseTemplate(body);
  const types = { replaceOn: (type: string) => (type.endsWith('TargetGroup') ? ['Port'] : []) };

  function existing(port: string): CurrentStack {
    const evaluated = evaluateTemplate(template, { Port: port, WithAlarm: 'true' }, env);
    const resources = new Map<string, ExistingResource>();
    for (const id of evaluated.order) {
      const properties = resolveProperties(evaluated, id, {
        ref: (ref) => resources.get(ref)?.physicalId,
        getAtt: (ref, attribute) => resources.get(ref)?.attributes[attribute],
      });
      resources.set(id, {
        type: template.Resources[id]!.Type,
        physicalId: `${id}-1`,
        properties,
        attributes: { TargetGroupFullName: `targetgroup/${id}-1` },
      });
    }
    return { evaluated, resources };
  }

  it('orders resources after what they refer to or depend on; conditions leave resources out', () => {
    assert.deepEqual(evaluateTemplate(template, { Port: '8000', WithAlarm: 'true' }, env).order, [
      'Bucket',
      'Group',
      'Alarm',
      'Listener',
    ]);
    assert.deepEqual(evaluateTemplate(template, { Port: '8000', WithAlarm: 'false' }, env).order, [
      'Bucket',
      'Group',
      'Listener',
    ]);
  });

  it('refuses a circular dependency', () => {
    const circular = parseTemplate(`
Resources:
  A: {Type: AWS::S3::Bucket, Properties: {X: !Ref B}}
  B: {Type: AWS::S3::Bucket, Properties: {X: !GetAtt A.Arn}}
`);
    assert.throws(() => evaluateTemplate(circular, {}, env), {
      message: 'Circular dependency between resources: [A, B]',
    });
  });

  it('a new stack adds every resource; the same template again changes nothing', () => {
    const evaluated = evaluateTemplate(template, { Port: '8000', WithAlarm: 'true' }, env);
    assert.deepEqual(
      planChanges(evaluated, { resources: new Map() }, types).map((c) => `${c.action} ${c.logicalId}`),
      ['Add Bucket', 'Add Group', 'Add Alarm', 'Add Listener'],
    );
    assert.deepEqual(planChanges(evaluated, existing('8000'), types), []);
  });

  it('a resource whose attributes moved outside the stack is not a change; one the template changes is', () => {
    const current = existing('8000');
    const moved = new Map(current.resources);
    moved.set('Group', {
      ...moved.get('Group')!,
      attributes: { TargetGroupFullName: 'targetgroup/elsewhere' },
    });
    const same = evaluateTemplate(template, { Port: '8000', WithAlarm: 'true' }, env);
    assert.deepEqual(planChanges(same, { ...current, resources: moved }, types), []);
  });

  it('a replaced resource makes what refers to it a Dynamic, conditional change; a dropped condition removes', () => {
    const evaluated = evaluateTemplate(template, { Port: '9000', WithAlarm: 'false' }, env);
    const changes = planChanges(evaluated, existing('8000'), types);
    assert.deepEqual(
      changes.map((c) => [
        c.action,
        c.logicalId,
        c.replacement,
        c.details.map((d) => `${d.name}:${d.evaluation}:${d.requiresRecreation}`),
      ]),
      [
        ['Modify', 'Group', 'True', ['Port:Static:Always']],
        ['Modify', 'Listener', 'False', ['DefaultActions:Dynamic:Never']],
        ['Remove', 'Alarm', undefined, []],
      ],
    );
  });

  it("evaluates the repository's sam-template.yaml: every condition, and an order that creates the ASG after its launch template", () => {
    const sam = parseTemplate(readFileSync(SAM_TEMPLATE, 'utf8'));
    const evaluated = evaluateTemplate(
      sam,
      {
        ApplicationName: 'web',
        Environment: 'dev',
        CreateCodeDeployApplication: 'true',
        VpcId: 'vpc-1',
        PublicSubnetIds: 'subnet-a,subnet-b',
        PrivateSubnetIds: 'subnet-c,subnet-d',
        AmiId: 'ami-1',
        InstanceType: 't3.small',
        FleetSize: '2',
        CertificateArn: '',
        IngressCidr: '0.0.0.0/0',
        ServerErrorRatePercent: '5',
        CircleCIOrgId: '00000000-0000-0000-0000-000000000000',
        CircleCIProjectId: '00000000-0000-0000-0000-000000000000',
        ExistingOidcProviderArn: '',
        CloudFormationExecutionRoleArn: '',
      },
      env,
    );
    assert.equal(evaluated.conditions.get('HasCertificate'), false);
    assert.ok(!evaluated.order.includes('HttpsListener'));
    const at = (id: string) => evaluated.order.indexOf(id);
    assert.ok(at('LaunchTemplate') < at('AutoScalingGroup'));
    assert.ok(at('InstanceProfile') < at('LaunchTemplate'));
    assert.ok(at('TargetGroup') < at('HttpListener') && at('LoadBalancer') < at('HttpListener'));
    assert.ok(at('InstanceSecurityGroup') < at('LoadBalancerSecurityGroup'));
  });
});
