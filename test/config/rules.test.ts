// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveEnvironment } from '../../src/config/environment.js';
import { loadConfig } from '../../src/config/load.js';
import { configText, rejection, sampleEnvironment } from './sample.js';

type Environment = Record<string, unknown>;

function withChange(change: (env: Environment) => void): Environment {
  const env = sampleEnvironment();
  change(env);
  return env;
}

function blueGreen(env: Environment): Record<string, unknown> {
  return env.blueGreen as Record<string, unknown>;
}

/** The sample turned into an in-place environment over its ASG. */
function inPlace(env: Environment): void {
  delete env.blueGreen;
  delete env.autoScalingGroup;
  env.style = 'in-place';
  env.inPlace = { autoScalingGroups: ['web-dev-asg'] };
}

const names = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

describe('rules greenlight.yml is checked against', () => {
  const rejected: [string, (env: Environment) => void, string, RegExp][] = [
    [
      'COPY_AUTO_SCALING_GROUP needs autoScalingGroup',
      (env) => delete env.autoScalingGroup,
      'environments.dev.autoScalingGroup',
      /required when blueGreen\.greenFleet is COPY_AUTO_SCALING_GROUP/,
    ],
    [
      'targetInstances only go with DISCOVER_EXISTING',
      (env) => (blueGreen(env).targetInstances = { tags: { fleet: 'green' } }),
      'environments.dev.blueGreen.targetInstances',
      /only applies when blueGreen\.greenFleet is DISCOVER_EXISTING/,
    ],
    [
      'DISCOVER_EXISTING needs targetInstances',
      (env) => (blueGreen(env).greenFleet = 'DISCOVER_EXISTING'),
      'environments.dev.blueGreen.targetInstances',
      /required when blueGreen\.greenFleet is DISCOVER_EXISTING/,
    ],
    [
      'targetInstances must find instances by something',
      (env) =>
        Object.assign(blueGreen(env), { greenFleet: 'DISCOVER_EXISTING', targetInstances: { tags: {} } }),
      'environments.dev.blueGreen.targetInstances',
      /expected at least one tag or Auto Scaling group/,
    ],
    [
      'the termination wait is at most 2880 minutes',
      (env) => (blueGreen(env).terminateBlue = { action: 'TERMINATE', waitMinutes: 2881 }),
      'environments.dev.blueGreen.terminateBlue.waitMinutes',
      /expected at most 2880 minutes \(CodeDeploy's limit of 2 days\), found 2881/,
    ],
    [
      'the ready wait is at most 2880 minutes',
      (env) => (blueGreen(env).ready = { action: 'STOP_DEPLOYMENT', waitMinutes: 5000 }),
      'environments.dev.blueGreen.ready.waitMinutes',
      /expected at most 2880 minutes/,
    ],
    [
      'waits are whole minutes',
      (env) => (blueGreen(env).terminateBlue = { action: 'TERMINATE', waitMinutes: 1.5 }),
      'environments.dev.blueGreen.terminateBlue.waitMinutes',
      /expected a whole number, found 1\.5/,
    ],
    [
      'STOP_DEPLOYMENT needs waitMinutes',
      (env) => (blueGreen(env).ready = { action: 'STOP_DEPLOYMENT' }),
      'environments.dev.blueGreen.ready.waitMinutes',
      /required with STOP_DEPLOYMENT/,
    ],
    [
      'CONTINUE_DEPLOYMENT takes no waitMinutes',
      (env) => (blueGreen(env).ready = { action: 'CONTINUE_DEPLOYMENT', waitMinutes: 10 }),
      'environments.dev.blueGreen.ready.waitMinutes',
      /only applies with STOP_DEPLOYMENT/,
    ],
    [
      'KEEP_ALIVE takes no waitMinutes',
      (env) => (blueGreen(env).terminateBlue = { action: 'KEEP_ALIVE', waitMinutes: 10 }),
      'environments.dev.blueGreen.terminateBlue.waitMinutes',
      /only applies with TERMINATE/,
    ],
    [
      "ready actions are CodeDeploy's",
      (env) => (blueGreen(env).ready = { action: 'STOP' }),
      'environments.dev.blueGreen.ready.action',
      /expected one of CONTINUE_DEPLOYMENT, STOP_DEPLOYMENT, found "STOP"/,
    ],
    [
      'at most 10 alarms',
      (env) => (env.alarms = names(11, 'alarm')),
      'environments.dev.alarms',
      /expected at most 10 alarms \(CodeDeploy's limit per deployment group\), found a list of 11 items/,
    ],
    [
      'no alarm twice',
      (env) => (env.alarms = ['web-dev-5xx', 'web-dev-5xx']),
      'environments.dev.alarms[1]',
      /"web-dev-5xx" is listed twice/,
    ],
    [
      'DEPLOYMENT_STOP_ON_ALARM needs an alarm',
      (env) => Object.assign(env, { alarms: [], autoRollback: ['DEPLOYMENT_STOP_ON_ALARM'] }),
      'environments.dev.autoRollback',
      /DEPLOYMENT_STOP_ON_ALARM needs at least one alarm/,
    ],
    [
      "rollback events are CodeDeploy's",
      (env) => (env.autoRollback = ['DEPLOYMENT_FAILED']),
      'environments.dev.autoRollback[0]',
      /expected one of DEPLOYMENT_FAILURE, .*found "DEPLOYMENT_FAILED" \(did you mean "DEPLOYMENT_FAILURE"\?\)/,
    ],
    [
      'a custom config cannot take the CodeDeployDefault. prefix',
      (env) =>
        (env.deploymentConfig = {
          name: 'CodeDeployDefault.AllHealthy',
          minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 },
        }),
      'environments.dev.deploymentConfig.name',
      /cannot be named CodeDeployDefault\.\*/,
    ],
    [
      'FLEET_PERCENT is below 100',
      (env) =>
        (env.deploymentConfig = {
          name: 'web-all',
          minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 100 },
        }),
      'environments.dev.deploymentConfig.minimumHealthyHosts.value',
      /FLEET_PERCENT must be from 0 to 99, found 100/,
    ],
    [
      'minimum healthy hosts are not negative',
      (env) =>
        (env.deploymentConfig = { name: 'web', minimumHealthyHosts: { type: 'HOST_COUNT', value: -1 } }),
      'environments.dev.deploymentConfig.minimumHealthyHosts.value',
      /expected at least 0, found -1/,
    ],
    [
      'a custom config says its minimum',
      (env) => (env.deploymentConfig = { name: 'web-all' }),
      'environments.dev.deploymentConfig.minimumHealthyHosts',
      /required key is missing; expected a map/,
    ],
    [
      "a CodeDeployDefault. name is one of CodeDeploy's EC2 configs",
      (env) => (env.deploymentConfig = 'CodeDeployDefault.LambdaAllAtOnce'),
      'environments.dev.deploymentConfig',
      /is not one of CodeDeploy's EC2 configs/,
    ],
    [
      'a deployment config is a name or a map',
      (env) => (env.deploymentConfig = 3),
      'environments.dev.deploymentConfig',
      /expected a string or a map, found 3/,
    ],
    [
      'serviceRoleArn is a role ARN, not a user ARN',
      (env) => (env.serviceRoleArn = 'arn:aws:iam::123456789012:user/deployer'),
      'environments.dev.serviceRoleArn',
      /expected an IAM role ARN/,
    ],
    [
      'serviceRoleArn has a 12-digit account',
      (env) => (env.serviceRoleArn = 'arn:aws:iam::1234:role/web-codedeploy'),
      'environments.dev.serviceRoleArn',
      /expected an IAM role ARN/,
    ],
    [
      'serviceRoleArn is not a bare role name',
      (env) => (env.serviceRoleArn = 'web-codedeploy'),
      'environments.dev.serviceRoleArn',
      /expected an IAM role ARN such as arn:aws:iam::123456789012:role\/web-codedeploy, found "web-codedeploy"/,
    ],
    [
      'region looks like a region',
      (env) => (env.region = 'us-east'),
      'environments.dev.region',
      /expected an AWS region such as us-east-1, found "us-east"/,
    ],
    [
      'region is lower case',
      (env) => (env.region = 'US-EAST-1'),
      'environments.dev.region',
      /expected an AWS region/,
    ],
    [
      'verifyBeforeTraffic needs a Ready wait',
      (env) => (env.verifyBeforeTraffic = true),
      'environments.dev.verifyBeforeTraffic',
      /needs blueGreen\.ready\.action STOP_DEPLOYMENT/,
    ],
    [
      'at least one target group',
      (env) => (env.targetGroups = []),
      'environments.dev.targetGroups',
      /expected at least one target group/,
    ],
    [
      'at most 10 target groups',
      (env) => (env.targetGroups = names(11, 'tg')),
      'environments.dev.targetGroups',
      /expected at most 10 target groups/,
    ],
    [
      "target group names follow ELBv2's rules",
      (env) => (env.targetGroups = ['web_dev_tg']),
      'environments.dev.targetGroups[0]',
      /expected a target group name: 1 to 32 letters, digits or hyphens/,
    ],
    [
      'a revision is github or s3, not both',
      (env) => (env.revision = { github: 'example/greenlight', s3: { bucket: 'web-revisions' } }),
      'environments.dev.revision',
      /expected exactly one of github \(owner\/repo\) or s3/,
    ],
    [
      'a GitHub revision is owner/repo',
      (env) => (env.revision = { github: 'https://github.com/example/greenlight' }),
      'environments.dev.revision.github',
      /expected a GitHub repository as owner\/repo/,
    ],
    [
      "an S3 bucket name follows S3's rules",
      (env) => (env.revision = { s3: { bucket: 'Web_Revisions' } }),
      'environments.dev.revision.s3.bucket',
      /expected an S3 bucket name/,
    ],
    [
      'the health URL is http or https',
      (env) => (env.health = { url: 'ftp://dev.example.org/healthcheck' }),
      'environments.dev.health.url',
      /expected an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'the health path starts with /',
      (env) => (env.health = { path: 'healthcheck' }),
      'environments.dev.health.path',
      /expected a path starting with "\/"/,
    ],
    [
      'the health port is a port',
      (env) => (env.health = { port: 70000 }),
      'environments.dev.health.port',
      /expected at most 65535, found 70000/,
    ],
    [
      'expectedCapacity min is at most max',
      (env) => (env.expectedCapacity = { min: 5, max: 2 }),
      'environments.dev.expectedCapacity.min',
      /expected min to be at most max/,
    ],
    [
      'expectedCapacity is a number or a range',
      (env) => (env.expectedCapacity = 'four'),
      'environments.dev.expectedCapacity',
      /expected a number or a map, found "four"/,
    ],
    [
      'the wait timeout is longer than zero',
      (env) => (env.timeouts = { wait: '0s' }),
      'environments.dev.timeouts.wait',
      /expected a wait timeout longer than zero/,
    ],
    [
      "tags starting with aws: are AWS's",
      (env) => (env.tags = { 'aws:team': 'web' }),
      'environments.dev.tags.aws:team',
      /invalid key: tag keys starting with "aws:" are reserved/,
    ],
    [
      "fileExistsBehavior is CodeDeploy's",
      (env) => (env.fileExistsBehavior = 'overwrite'),
      'environments.dev.fileExistsBehavior',
      /expected one of DISALLOW, OVERWRITE, RETAIN, found "overwrite" \(did you mean "OVERWRITE"\?\)/,
    ],
    [
      'outdatedInstancesStrategy is UPDATE or IGNORE',
      (env) => (env.outdatedInstancesStrategy = 'SKIP'),
      'environments.dev.outdatedInstancesStrategy',
      /expected one of UPDATE, IGNORE, found "SKIP"/,
    ],
    [
      'the style is blue-green or in-place',
      (env) => (env.style = 'rolling'),
      'environments.dev.style',
      /expected one of blue-green, in-place, found "rolling"/,
    ],
    [
      'in-place needs inPlace',
      (env) => {
        inPlace(env);
        delete env.inPlace;
      },
      'environments.dev.inPlace',
      /required with style: in-place/,
    ],
    [
      'in-place has no blueGreen (it may come from defaults:)',
      (env) => {
        inPlace(env);
        env.blueGreen = { greenFleet: 'COPY_AUTO_SCALING_GROUP' };
      },
      'environments.dev.blueGreen',
      /only applies with style: blue-green \(if it comes from defaults:/,
    ],
    [
      'in-place names its groups under inPlace, not autoScalingGroup',
      (env) => {
        inPlace(env);
        env.autoScalingGroup = 'web-dev-asg';
      },
      'environments.dev.autoScalingGroup',
      /with style: in-place list the groups under inPlace\.autoScalingGroups/,
    ],
    [
      'in-place finds instances by something',
      (env) => {
        inPlace(env);
        env.inPlace = { autoScalingGroups: [], tags: {} };
      },
      'environments.dev.inPlace',
      /expected at least one Auto Scaling group or tag/,
    ],
    [
      'in-place takes at most 3 tags (tag groups)',
      (env) => {
        inPlace(env);
        env.inPlace = { tags: { a: '1', b: '2', c: '3', d: '4' } };
      },
      'environments.dev.inPlace.tags',
      /expected at most 3 tags/,
    ],
    [
      'in-place is never verified before traffic',
      (env) => {
        inPlace(env);
        env.verifyBeforeTraffic = true;
      },
      'environments.dev.verifyBeforeTraffic',
      /no Ready state/,
    ],
    [
      'inPlace only with style in-place',
      (env) => (env.inPlace = { autoScalingGroups: ['web-dev-asg'] }),
      'environments.dev.inPlace',
      /only applies with style: in-place/,
    ],
    [
      'blue/green needs a target group',
      (env) => (env.targetGroups = []),
      'environments.dev.targetGroups',
      /expected at least one target group/,
    ],
  ];

  for (const [rule, change, path, message] of rejected) {
    it(`rejects: ${rule}`, () => {
      const error = rejection(() => loadConfig({ path: 'rules.yml', text: configText(withChange(change)) }));
      const problem = error.problems.find((candidate) => candidate.path === path);
      assert.ok(problem, `no problem at ${path} in:\n${error.message}`);
      assert.match(problem.message, message);
      assert.equal(typeof problem.line, 'number', 'every problem in a parsed file has a line');
      assert.ok(error.message.includes(`rules.yml:${problem.line}: ${path}: `), error.message);
    });
  }

  const accepted: [string, (env: Environment) => void][] = [
    [
      'FLEET_PERCENT 99',
      (env) =>
        (env.deploymentConfig = {
          name: 'web-most',
          minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 99 },
        }),
    ],
    [
      'HOST_COUNT above 99',
      (env) =>
        (env.deploymentConfig = { name: 'web-big', minimumHealthyHosts: { type: 'HOST_COUNT', value: 150 } }),
    ],
    ['a config made outside greenlight, by name', (env) => (env.deploymentConfig = 'team-shared-config')],
    [
      'waitMinutes of 2880',
      (env) => (blueGreen(env).terminateBlue = { action: 'TERMINATE', waitMinutes: 2880 }),
    ],
    ['10 alarms', (env) => (env.alarms = names(10, 'alarm'))],
    ['10 target groups', (env) => (env.targetGroups = names(10, 'tg'))],
    [
      'a role with a path',
      (env) => (env.serviceRoleArn = 'arn:aws:iam::123456789012:role/service-role/web-codedeploy'),
    ],
    [
      'a GovCloud role',
      (env) => (env.serviceRoleArn = 'arn:aws-us-gov:iam::123456789012:role/web-codedeploy'),
    ],
    ['region ap-southeast-2', (env) => (env.region = 'ap-southeast-2')],
    ['region us-gov-west-1', (env) => (env.region = 'us-gov-west-1')],
    [
      'STOP_DEPLOYMENT with verifyBeforeTraffic',
      (env) => {
        blueGreen(env).ready = { action: 'STOP_DEPLOYMENT', waitMinutes: 60 };
        env.verifyBeforeTraffic = true;
      },
    ],
    ['no automatic rollback', (env) => (env.autoRollback = [])],
    [
      'DISCOVER_EXISTING by ASG, no autoScalingGroup',
      (env) => {
        delete env.autoScalingGroup;
        Object.assign(blueGreen(env), {
          greenFleet: 'DISCOVER_EXISTING',
          targetInstances: { autoScalingGroups: ['web-green'] },
        });
      },
    ],
    ['in-place over an ASG', inPlace],
    [
      'in-place by tags, without a load balancer',
      (env) => {
        inPlace(env);
        env.inPlace = { tags: { app: 'web', environment: 'dev' } };
        env.targetGroups = [];
      },
    ],
  ];

  for (const [what, change] of accepted) {
    it(`accepts: ${what}`, () => {
      const config = loadConfig({ path: 'rules.yml', text: configText(withChange(change)) });
      assert.equal(resolveEnvironment(config, 'dev', {}).deploymentGroup, 'web-dev');
    });
  }

  it('an in-place environment has its fleet and no blue/green options', () => {
    const config = loadConfig({
      path: 'rules.yml',
      text: configText(
        withChange((env) => {
          inPlace(env);
          env.inPlace = { autoScalingGroups: ['web-dev-asg'], tags: { app: 'web' } };
        }),
      ),
    });
    const env = resolveEnvironment(config, 'dev', {});
    assert.equal(env.style, 'in-place');
    assert.deepEqual(env.inPlace, { autoScalingGroups: ['web-dev-asg'], tags: { app: 'web' } });
    assert.equal(env.blueGreen, undefined);
    assert.equal(env.verifyBeforeTraffic, false);
  });

  it('a blue/green environment is the default style, with its options defaulted', () => {
    const config = loadConfig({
      path: 'rules.yml',
      text: configText(withChange((env) => delete env.blueGreen)),
    });
    const env = resolveEnvironment(config, 'dev', {});
    assert.equal(env.style, 'blue-green');
    assert.equal(env.inPlace, undefined);
    assert.deepEqual(env.blueGreen, {
      greenFleet: 'COPY_AUTO_SCALING_GROUP',
      ready: { action: 'CONTINUE_DEPLOYMENT' },
      terminateBlue: { action: 'TERMINATE', waitMinutes: 60 },
    });
  });
});
