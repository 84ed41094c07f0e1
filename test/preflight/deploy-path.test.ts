// tier: unit
// The one list of what a deployment calls (src/preflight/permissions.ts, DEPLOY_PATH) against the
// deploy role sam-template.yaml makes: for every environment of greenlight.yml, on every path (an S3
// revision it uploads, a launch template move, suspended processes, a wait in Ready), each action on
// each resource the list names is allowed by the role's policy as the template writes it — evaluated
// by the policy engine the local cloud enforces with — so the preflight check cannot ask for what the
// template does not grant. And the caller's ARN → the policies to simulate.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { resolveEnvironment } from '../../src/config/environment.js';
import { loadConfig } from '../../src/config/load.js';
import { configText, sampleEnvironment } from '../config/sample.js';
import { DEPLOY_PATH, policySourceOf, type DeploymentFacts } from '../../src/preflight/permissions.js';
import { parseTemplate } from '../../src/sam/template.js';
import { evaluate, templateEvaluation } from '../template/intrinsics.js';

const ACCOUNT = '123456789012';
const template = parseTemplate(
  readFileSync(new URL('../../sam-template.yaml', import.meta.url), 'utf8'),
  'sam-template.yaml',
).document;
const config = loadConfig({ path: new URL('../../greenlight.yml', import.meta.url).pathname });

type Resource = { Properties: { Policies: { PolicyName: string; PolicyDocument: unknown }[] } };

/** The deploy role's policies for an environment, intrinsics evaluated (buckets as S3 ARNs). */
function deployRolePolicies(environment: string) {
  const role = (template.Resources as Record<string, Resource>).DeployRole!;
  const evaluation = templateEvaluation(template, {
    parameters: { Environment: environment },
    arnTemplate: (type) => (type === 'AWS::S3::Bucket' ? 'arn:${Partition}:s3:::${BucketName}' : undefined),
  });
  return role.Properties.Policies.map((p) => ({
    name: p.PolicyName,
    policy: evaluate(p.PolicyDocument, evaluation),
  }));
}

describe('what a deployment calls, against the deploy role the template makes', () => {
  for (const [name, env] of config.environments) {
    it(`${name}: every action of the deploy path, on its resources, on every path`, async () => {
      const group = `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:0f0e0d0c-0000-4000-8000-000000000000:autoScalingGroupName/${env.autoScalingGroup}`;
      const facts: DeploymentFacts = {
        // Every path at once: Ready, suspended processes, an uploaded S3 bundle of a version, a move.
        env: {
          ...env,
          blueGreen: {
            greenFleet: 'COPY_AUTO_SCALING_GROUP',
            terminateBlue: { action: 'TERMINATE', waitMinutes: 60 },
            ...env.blueGreen,
            ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 60 },
          },
          autoScaling: { suspendProcesses: true },
        },
        partition: 'aws',
        region: 'us-east-1',
        account: ACCOUNT,
        groups: [{ AutoScalingGroupName: env.autoScalingGroup, AutoScalingGroupARN: group } as never],
        bundle: { bucket: 'RevisionsBucket', key: `web/${'a'.repeat(40)}.zip`, version: 'v1' },
        uploads: true,
        moves: [
          { group: env.autoScalingGroup ?? '', launchTemplateId: 'LaunchTemplate', from: '1', to: '2' },
        ],
      };
      const policies = deployRolePolicies(name);
      const refused: string[] = [];
      let asked = 0;
      for (const { action, on } of DEPLOY_PATH) {
        for (const resource of on(facts)) {
          asked++;
          const result = await runSimulation(
            {
              request: {
                principal: `arn:aws:sts::${ACCOUNT}:assumed-role/web-${name}-circleci-deploy/circleci`,
                action,
                resource: { resource, accountId: ACCOUNT },
                contextVariables: {
                  'aws:RequestedRegion': 'us-east-1',
                  'ec2:CreateAction': 'RunInstances',
                },
              },
              identityPolicies: policies,
              serviceControlPolicies: [],
              resourceControlPolicies: [],
            },
            {},
          );
          const outcome = result.resultType === 'error' ? result.errors.message : result.overallResult;
          if (outcome !== 'Allowed') refused.push(`${action} on ${resource}: ${outcome}`);
        }
      }
      assert.deepEqual(refused, []);
      assert.ok(asked >= DEPLOY_PATH.length, `${asked} asked`);
    });
  }

  it('turns a session’s ARN into its role’s, and takes a user as it is', () => {
    assert.deepEqual(
      policySourceOf(`arn:aws:sts::${ACCOUNT}:assumed-role/web-dev-circleci-deploy/circleci`),
      {
        arn: `arn:aws:iam::${ACCOUNT}:role/web-dev-circleci-deploy`,
      },
    );
    assert.deepEqual(policySourceOf(`arn:aws-cn:sts::${ACCOUNT}:assumed-role/deploy/s`), {
      arn: `arn:aws-cn:iam::${ACCOUNT}:role/deploy`,
    });
    assert.deepEqual(policySourceOf(`arn:aws:iam::${ACCOUNT}:user/jackie`), {
      arn: `arn:aws:iam::${ACCOUNT}:user/jackie`,
    });
    const root = policySourceOf(`arn:aws:iam::${ACCOUNT}:root`);
    assert.ok('skip' in root && /neither a role's session nor an IAM user/.test(root.skip));
  });
});

describe('what an in-place deployment calls', () => {
  it('nothing on a copy: suspend and resume on the fleet’s own groups only, no launch template move', () => {
    const { autoScalingGroup: _asg, blueGreen: _bg, ...rest } = sampleEnvironment();
    const env = resolveEnvironment(
      loadConfig({
        path: 'greenlight.yml',
        text: configText({
          ...rest,
          style: 'in-place',
          inPlace: { autoScalingGroups: ['web-dev-asg'] },
          autoScaling: { suspendProcesses: true },
        }),
      }),
      'dev',
    );
    const fleet = `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:1:autoScalingGroupName/web-dev-asg`;
    const facts: DeploymentFacts = {
      env,
      partition: 'aws',
      region: 'us-east-1',
      account: ACCOUNT,
      groups: [{ AutoScalingGroupName: 'web-dev-asg', AutoScalingGroupARN: fleet } as AutoScalingGroup],
      uploads: false,
      moves: [],
    };
    const on = (action: string) => DEPLOY_PATH.find((a) => a.action === action)?.on(facts);
    assert.deepEqual(on('autoscaling:SuspendProcesses'), [fleet]);
    assert.deepEqual(on('autoscaling:ResumeProcesses'), [fleet]);
    assert.deepEqual(on('autoscaling:UpdateAutoScalingGroup'), []);
    assert.deepEqual(on('codedeploy:ContinueDeployment'), []);
    assert.ok(!DEPLOY_PATH.some((a) => a.action === 'autoscaling:CreateAutoScalingGroup'));
  });
});
