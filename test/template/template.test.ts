// tier: unit
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { stackNames } from '../../src/sam/stack.js';
import { parseTemplate } from '../../src/sam/template.js';
import { checkPolicies, findPolicyDocuments } from './iam-policies.js';
import { evaluate, templateEvaluation } from './intrinsics.js';
import { checkReferences } from './references.js';
import { checkResources, loadSpecDatabase } from './resource-spec.js';

// Static checks of sam-template.yaml, and proof that each check catches what it is for, on broken
// copies of the real template.

const TEMPLATE_FILE = new URL('../../sam-template.yaml', import.meta.url);
const templateText = readFileSync(TEMPLATE_FILE, 'utf8');
const template = parseTemplate(templateText, 'sam-template.yaml').document;
const db = loadSpecDatabase();

type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };

function resources(document: Record<string, unknown>): Record<string, Resource> {
  return document.Resources as Record<string, Resource>;
}

function copy(): Record<string, unknown> {
  return structuredClone(template);
}

function valueFor(environment: string, value: unknown): unknown {
  return evaluate(value, templateEvaluation(template, { parameters: { Environment: environment } }));
}

describe('sam-template.yaml', () => {
  it('declares only resource types and properties the CloudFormation registry knows, with every required one', () => {
    assert.deepEqual(checkResources(db, template), []);
  });

  it('refers only to parameters, resources, attributes and conditions that exist', () => {
    assert.deepEqual(checkReferences(db, template), []);
  });

  it('has IAM policies that are valid, name real actions and grant least privilege', async () => {
    assert.ok(findPolicyDocuments(template).length >= 7, 'every role and bucket policy is found');
    assert.deepEqual(await checkPolicies(db, template), []);
  });

  it('leaves the deployment group to greenlight and says why at the top', () => {
    const types = Object.values(resources(template)).map((resource) => resource.Type);
    assert.ok(!types.includes('AWS::CodeDeploy::DeploymentGroup'));
    const header = templateText.slice(0, templateText.indexOf('AWSTemplateFormatVersion'));
    assert.match(header, /DEPLOYMENT GROUP IS NOT IN THIS TEMPLATE/);
    assert.match(header, /COPY_AUTO_SCALING_GROUP/);
  });

  it('makes the names greenlight.yml uses, for every environment', () => {
    const config = loadConfig({ path: new URL('../../greenlight.yml', import.meta.url).pathname });
    const all = resources(template);
    const application = all.CodeDeployApplication!;
    assert.equal(valueFor('dev', application.Properties.ApplicationName), config.application);
    for (const [name, environment] of config.environments) {
      assert.equal(
        valueFor(name, all.AutoScalingGroup!.Properties.AutoScalingGroupName),
        environment.autoScalingGroup,
      );
      assert.deepEqual([valueFor(name, all.TargetGroup!.Properties.Name)], environment.targetGroups);
      const alarms = [all.ServerErrorRateAlarm!, all.UnhealthyHostsAlarm!].map((alarm) =>
        valueFor(name, alarm.Properties.AlarmName),
      );
      assert.deepEqual(alarms.sort(), [...environment.alarms].sort());
      // sam-deploy checks greenlight.yml against these names before it runs sam.
      const names = stackNames(config.application, name);
      assert.equal(names.autoScalingGroup, environment.autoScalingGroup);
      assert.deepEqual([names.targetGroup], environment.targetGroups);
      assert.deepEqual([...names.alarms].sort(), alarms);
      assert.equal(valueFor(name, all.CodeDeployServiceRole!.Properties.RoleName), names.serviceRole);
      // The deploy role may touch exactly this deployment group.
      const policy = JSON.stringify(valueFor(name, all.DeployRole!.Properties.Policies));
      assert.ok(
        policy.includes(`deploymentgroup:${config.application}/${environment.deploymentGroup}"`),
        policy,
      );
    }
  });

  it('keeps what the local cloud demo reads as literals or parameters with defaults', () => {
    const all = resources(template);
    assert.equal(valueFor('dev', all.AutoScalingGroup!.Properties.DesiredCapacity), '4');
    const targetGroup = all.TargetGroup!.Properties;
    assert.equal(targetGroup.HealthCheckPath, '/healthcheck');
    assert.equal(targetGroup.HealthCheckPort, '8000');
    assert.equal(targetGroup.Port, 8000);
    assert.deepEqual(targetGroup.Matcher, { HttpCode: '200' });
    assert.deepEqual(targetGroup.TargetGroupAttributes, [
      { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
    ]);
  });

  it('requires IMDSv2 and installs the CodeDeploy agent at launch', () => {
    const data = resources(template).LaunchTemplate!.Properties.LaunchTemplateData as Record<string, unknown>;
    assert.equal((data.MetadataOptions as Record<string, unknown>).HttpTokens, 'required');
    assert.deepEqual(data.ImageId, { Ref: 'AmiId' });
    assert.equal(
      (template.Parameters as Record<string, { Type: string }>).AmiId!.Type,
      'AWS::EC2::Image::Id',
    );
    const userData = Buffer.from(String(valueFor('dev', data.UserData)), 'base64').toString();
    assert.match(userData, /aws-codedeploy-us-east-1\.s3\.us-east-1\.amazonaws\.com\/latest\/install/);
    assert.match(userData, /\.\/install auto/);
  });

  it('lets only the load balancer reach the instances, on the app port', () => {
    const all = resources(template);
    const instanceGroup = all.InstanceSecurityGroup!.Properties;
    assert.equal(instanceGroup.SecurityGroupIngress, undefined, 'no inline ingress on the instances');
    const ingress = Object.values(all).filter(
      (resource) => resource.Type === 'AWS::EC2::SecurityGroupIngress',
    );
    assert.deepEqual(
      ingress.map((rule) => rule.Properties),
      [
        {
          GroupId: { 'Fn::GetAtt': ['InstanceSecurityGroup', 'GroupId'] },
          IpProtocol: 'tcp',
          FromPort: 8000,
          ToPort: 8000,
          SourceSecurityGroupId: { 'Fn::GetAtt': ['LoadBalancerSecurityGroup', 'GroupId'] },
          Description: 'the app, from the load balancer only',
        },
      ],
    );
  });

  it('keeps the revisions bucket versioned, encrypted, private and TLS-only', () => {
    const all = resources(template);
    const bucket = all.RevisionsBucket!.Properties;
    assert.deepEqual(bucket.VersioningConfiguration, { Status: 'Enabled' });
    assert.ok(bucket.BucketEncryption);
    assert.deepEqual(bucket.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.match(JSON.stringify(all.RevisionsBucketPolicy!.Properties), /aws:SecureTransport/);
  });

  it('lets only this CircleCI project assume the deploy role, and only main in production', () => {
    const trust = (environment: string): string =>
      String(
        evaluate(
          resources(template).DeployRole!.Properties.AssumeRolePolicyDocument,
          templateEvaluation(template, {
            parameters: { Environment: environment, CircleCIOrgId: 'ORG', CircleCIProjectId: 'PROJECT' },
          }),
        ),
      );
    const dev = JSON.parse(trust('dev')) as {
      Statement: { Condition: Record<string, Record<string, string>> }[];
    };
    const prod = JSON.parse(trust('prod')) as typeof dev;
    assert.equal(dev.Statement[0]!.Condition.StringEquals!['oidc.circleci.com/org/ORG:aud'], 'ORG');
    assert.equal(
      dev.Statement[0]!.Condition.StringLike!['oidc.circleci.com/org/ORG:sub'],
      'org/ORG/project/PROJECT/user/*',
    );
    assert.equal(
      prod.Statement[0]!.Condition.StringLike!['oidc.circleci.com/org/ORG:sub'],
      'org/ORG/project/PROJECT/user/*/vcs-origin/*/vcs-ref/refs/heads/main',
    );
  });

  it('has no secret in a plain parameter', () => {
    assert.deepEqual(plainSecretParameters(template), []);
  });
});

describe('the static checks catch broken copies of sam-template.yaml', () => {
  it('a service-wide wildcard action (ec2:*)', async () => {
    const broken = copy();
    const role = resources(broken).CodeDeployServiceRole!;
    const statements = firstPolicyStatements(role);
    statements[0]!.Action = 'ec2:*';
    const problems = await checkPolicies(db, broken);
    assert.ok(
      problems.some((problem) => /ec2:\* grants every action of the service/.test(problem.message)),
      JSON.stringify(problems),
    );
  });

  it('Action "*"', async () => {
    const broken = copy();
    firstPolicyStatements(resources(broken).InstanceRole!)[0]!.Action = '*';
    const problems = await checkPolicies(db, broken);
    assert.ok(
      problems.some((problem) => /Action "\*" grants every action/.test(problem.message)),
      JSON.stringify(problems),
    );
  });

  it('Resource "*" for an action that can be scoped', async () => {
    const broken = copy();
    firstPolicyStatements(resources(broken).InstanceRole!)[0]!.Resource = '*';
    const problems = await checkPolicies(db, broken);
    assert.ok(
      problems.some((problem) =>
        /Resource "\*" for actions IAM can scope to resources: s3:GetObject/.test(problem.message),
      ),
    );
  });

  it('an action IAM does not have', async () => {
    const broken = copy();
    firstPolicyStatements(resources(broken).InstanceRole!)[0]!.Action = ['s3:GetObject', 's3:GetObjetc'];
    const problems = await checkPolicies(db, broken);
    assert.ok(
      problems.some((problem) => problem.message === 'action s3:GetObjetc does not exist in IAM'),
      JSON.stringify(problems),
    );
  });

  it('iam:PassRole on any role', async () => {
    const broken = copy();
    const passRole = firstPolicyStatements(resources(broken).CodeDeployServiceRole!).find(
      (s) => s.Action === 'iam:PassRole',
    )!;
    passRole.Resource = '*';
    const problems = await checkPolicies(db, broken);
    assert.ok(
      problems.some((problem) => /iam:PassRole on a wildcard/.test(problem.message)),
      JSON.stringify(problems),
    );
  });

  it('a deploy role any CircleCI project could assume', async () => {
    const broken = copy();
    const trust = resources(broken).DeployRole!.Properties.AssumeRolePolicyDocument as {
      'Fn::Sub': [string, unknown];
    };
    const text = trust['Fn::Sub'][0];
    trust['Fn::Sub'][0] = text.replace(/,\n\s*"StringLike".*\n/, '\n');
    assert.notEqual(trust['Fn::Sub'][0], text);
    const problems = await checkPolicies(db, broken);
    assert.ok(
      problems.some((problem) => /audience and subject/.test(problem.message)),
      JSON.stringify(problems),
    );
  });

  it('an unknown property, also nested', () => {
    const broken = copy();
    resources(broken).TargetGroup!.Properties.HealthCheckUrl = '/healthcheck';
    const data = resources(broken).LaunchTemplate!.Properties.LaunchTemplateData as Record<
      string,
      Record<string, unknown>
    >;
    data.MetadataOptions!.HttpTokensRequired = true;
    const problems = checkResources(db, broken);
    assert.deepEqual(
      problems.map((problem) => problem.path),
      [
        'Resources.TargetGroup.Properties.HealthCheckUrl',
        'Resources.LaunchTemplate.Properties.LaunchTemplateData.MetadataOptions.HttpTokensRequired',
      ],
    );
    assert.match(
      problems[0]!.message,
      /AWS::ElasticLoadBalancingV2::TargetGroup has no property HealthCheckUrl/,
    );
  });

  it('a missing required property', () => {
    const broken = copy();
    delete resources(broken).InstanceProfile!.Properties.Roles;
    assert.deepEqual(checkResources(db, broken), [
      {
        path: 'Resources.InstanceProfile.Properties',
        message: 'AWS::IAM::InstanceProfile requires property Roles',
      },
    ]);
  });

  it('an unknown resource type and a value of the wrong shape', () => {
    const broken = copy();
    resources(broken).RevisionsBucket!.Type = 'AWS::S3::Bukket';
    resources(broken).TargetGroup!.Properties.Port = [8000];
    const messages = checkResources(db, broken).map((problem) => problem.message);
    assert.deepEqual(messages.sort(), [
      'expected a number, found a list',
      'unknown resource type AWS::S3::Bukket',
    ]);
  });

  it('a dangling !Ref, ${} in !Sub, !GetAtt attribute and condition', () => {
    const broken = copy();
    const all = resources(broken);
    all.AutoScalingGroup!.Properties.VPCZoneIdentifier = { Ref: 'PrivateSubnets' };
    all.InstanceProfile!.Properties.InstanceProfileName = {
      'Fn::Sub': '${ApplicationName}-${Stage}-instance',
    };
    all.LaunchTemplate!.Properties.LaunchTemplateData = {
      ...(all.LaunchTemplate!.Properties.LaunchTemplateData as object),
      IamInstanceProfile: { Arn: { 'Fn::GetAtt': ['InstanceProfile', 'ProfileArn'] } },
    };
    all.HttpsListener!.Condition = 'HasCert';
    const messages = checkReferences(db, broken).map((problem) => `${problem.path}: ${problem.message}`);
    assert.deepEqual(messages.sort(), [
      'Resources.AutoScalingGroup.Properties.VPCZoneIdentifier: !Ref PrivateSubnets: no parameter, resource or pseudo parameter has that name',
      'Resources.HttpsListener.Condition: condition HasCert is not declared under Conditions',
      'Resources.InstanceProfile.Properties.InstanceProfileName: !Ref Stage: no parameter, resource or pseudo parameter has that name',
      'Resources.LaunchTemplate.Properties.LaunchTemplateData.IamInstanceProfile.Arn: !GetAtt InstanceProfile.ProfileArn: AWS::IAM::InstanceProfile has no attribute ProfileArn (it has: Arn)',
    ]);
  });

  it('a dangling !Ref written in the YAML text', () => {
    const text = templateText.replace(
      'LoadBalancerArn: !Ref LoadBalancer',
      'LoadBalancerArn: !Ref WebLoadBalancer',
    );
    assert.notEqual(text, templateText);
    const problems = checkReferences(db, parseTemplate(text).document);
    assert.deepEqual(problems, [
      {
        path: 'Resources.HttpListener.Properties.LoadBalancerArn',
        message: '!Ref WebLoadBalancer: no parameter, resource or pseudo parameter has that name',
      },
    ]);
  });

  it('a secret in a plain parameter', () => {
    const broken = copy();
    (broken.Parameters as Record<string, unknown>).DatabasePassword = { Type: 'String', Default: 'hunter2' };
    assert.deepEqual(plainSecretParameters(broken), [
      'DatabasePassword looks like a secret: make it NoEcho without a Default, or use a dynamic reference',
    ]);
  });
});

function firstPolicyStatements(role: Resource): Record<string, unknown>[] {
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[];
  return policies[0]!.PolicyDocument.Statement;
}

/** Parameters that look like secrets must be NoEcho and carry no default value. */
function plainSecretParameters(document: Record<string, unknown>): string[] {
  const parameters = (document.Parameters ?? {}) as Record<string, { NoEcho?: unknown; Default?: unknown }>;
  return Object.entries(parameters)
    .filter(([name]) => /password|secret|token|apikey|api_key|privatekey/i.test(name))
    .filter(
      ([, parameter]) =>
        !(parameter.NoEcho === true || parameter.NoEcho === 'true') || parameter.Default !== undefined,
    )
    .map(
      ([name]) => `${name} looks like a secret: make it NoEcho without a Default, or use a dynamic reference`,
    );
}
