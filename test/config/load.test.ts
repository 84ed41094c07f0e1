// tier: unit
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveEnvironment } from '../../src/config/environment.js';
import { loadConfig } from '../../src/config/load.js';
import { configText, EXAMPLE_FILE, fixture, rejection, sampleEnvironment } from './sample.js';

describe('the example greenlight.yml', () => {
  const config = loadConfig({ path: EXAMPLE_FILE });

  it('defines dev and prod for the application web', () => {
    assert.equal(config.application, 'web');
    assert.deepEqual([...config.environments.keys()], ['dev', 'prod']);
  });

  it('resolves dev: fast AllAtOnce, traffic moves at once, blue terminated after 5 minutes', () => {
    const dev = resolveEnvironment(config, 'dev', {});
    assert.equal(dev.name, 'dev');
    assert.equal(dev.application, 'web');
    assert.equal(dev.region, 'us-east-1');
    assert.equal(dev.deploymentGroup, 'web-dev');
    assert.equal(dev.serviceRoleArn, 'arn:aws:iam::123456789012:role/web-dev-codedeploy');
    assert.equal(dev.autoScalingGroup, 'web-dev-asg');
    assert.deepEqual(dev.targetGroups, ['web-dev-tg']);
    assert.deepEqual(dev.deploymentConfig, { kind: 'named', name: 'CodeDeployDefault.AllAtOnce' });
    assert.deepEqual(dev.blueGreen, {
      greenFleet: 'COPY_AUTO_SCALING_GROUP',
      ready: { action: 'CONTINUE_DEPLOYMENT' },
      terminateBlue: { action: 'TERMINATE', waitMinutes: 5 },
    });
    assert.deepEqual(dev.autoRollback, ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']);
    assert.deepEqual(dev.alarms, ['web-dev-5xx', 'web-dev-unhealthy-hosts']);
    assert.deepEqual(dev.revision, { kind: 'github', repository: 'example/greenlight' });
    assert.deepEqual(dev.health, {
      path: '/healthcheck',
      port: 8000,
      url: 'https://dev.example.org/healthcheck',
      expectVersion: true,
    });
    assert.equal(dev.bakeMs, 10 * 60_000);
    assert.equal(dev.verifyBeforeTraffic, false);
    assert.deepEqual(dev.tags, { app: 'web', environment: 'dev' });
  });

  it('resolves prod: a custom config, green verified in Ready before traffic, a 30 minute bake', () => {
    const prod = resolveEnvironment(config, 'prod', {});
    assert.deepEqual(prod.deploymentConfig, {
      kind: 'custom',
      name: 'web-all-healthy',
      minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 },
    });
    assert.deepEqual(prod.blueGreen?.ready, { action: 'STOP_DEPLOYMENT', waitMinutes: 60 });
    assert.deepEqual(prod.blueGreen?.terminateBlue, { action: 'TERMINATE', waitMinutes: 60 });
    assert.equal(prod.verifyBeforeTraffic, true);
    assert.deepEqual(prod.expectedCapacity, { min: 4, max: 4 });
    assert.deepEqual(prod.alarms, ['web-prod-5xx', 'web-prod-unhealthy-hosts']);
    assert.equal(prod.bakeMs, 30 * 60_000);
    assert.equal(prod.health.port, 8000, 'the port comes from defaults:');
  });
});

describe('defaults', () => {
  it('fills in every optional key of a minimal environment', () => {
    const config = loadConfig({ path: fixture('minimal.yml') });
    const staging = resolveEnvironment(config, 'staging', {});
    assert.equal(staging.region, undefined);
    assert.deepEqual(staging.deploymentConfig, { kind: 'named', name: 'CodeDeployDefault.OneAtATime' });
    assert.deepEqual(staging.blueGreen, {
      greenFleet: 'COPY_AUTO_SCALING_GROUP',
      ready: { action: 'CONTINUE_DEPLOYMENT' },
      terminateBlue: { action: 'TERMINATE', waitMinutes: 60 },
    });
    assert.deepEqual(staging.autoRollback, ['DEPLOYMENT_FAILURE']);
    assert.deepEqual(staging.alarms, []);
    assert.equal(staging.ignorePollAlarmFailure, false);
    assert.deepEqual(staging.gate, { alarms: [], insufficientData: 'fail' });
    assert.deepEqual(staging.revision, {
      kind: 's3',
      bucket: 'shop-revisions',
      prefix: '',
      bundleType: 'zip',
    });
    assert.deepEqual(staging.health, { path: '/healthcheck', port: 80, expectVersion: true });
    assert.equal(staging.bakeMs, 600_000);
    assert.equal(staging.expectedCapacity, undefined);
    assert.equal(staging.outdatedInstancesStrategy, 'UPDATE');
    assert.deepEqual(staging.tags, {});
    assert.equal(staging.verifyBeforeTraffic, false);
    assert.deepEqual(staging.timeouts, {});
    assert.equal(staging.fileExistsBehavior, 'DISALLOW');
    assert.equal(staging.ignoreApplicationStopFailures, false);
  });

  it('reads DISCOVER_EXISTING with its target instances, KEEP_ALIVE, a capacity range and a wait timeout', () => {
    const qa = resolveEnvironment(loadConfig({ path: fixture('discover-existing.yml') }), 'qa', {});
    assert.equal(qa.autoScalingGroup, undefined);
    assert.deepEqual(qa.blueGreen, {
      greenFleet: 'DISCOVER_EXISTING',
      targetInstances: { tags: { fleet: 'shop-qa-green' }, autoScalingGroups: [] },
      ready: { action: 'CONTINUE_DEPLOYMENT' },
      terminateBlue: { action: 'KEEP_ALIVE' },
    });
    assert.deepEqual(qa.revision, { kind: 's3', bucket: 'shop-revisions', prefix: 'qa/', bundleType: 'tgz' });
    assert.deepEqual(qa.expectedCapacity, { min: 2, max: 6 });
    assert.deepEqual(qa.timeouts, { waitMs: 90 * 60_000 });
  });

  it('merges defaults: under each environment, the environment winning key by key', () => {
    const text = `
application: web
defaults:
  region: eu-west-1
  serviceRoleArn: arn:aws:iam::123456789012:role/web-codedeploy
  health: {path: /status, port: 9000}
  tags: {team: web, tier: frontend}
  alarms: [shared-alarm]
  revision: {s3: {bucket: web-revisions}}
  blueGreen:
    ready: {action: STOP_DEPLOYMENT, waitMinutes: 30}
    terminateBlue: {action: TERMINATE, waitMinutes: 10}
environments:
  dev:
    deploymentGroup: web-dev
    autoScalingGroup: web-dev-asg
    targetGroups: [web-dev-tg]
    health: {port: 8000}
    tags: {tier: web}
    alarms: [web-dev-5xx]
    revision: {github: example/greenlight}
    blueGreen:
      ready: {action: CONTINUE_DEPLOYMENT}
  prod:
    region: us-east-1
    deploymentGroup: web-prod
    autoScalingGroup: web-prod-asg
    targetGroups: [web-prod-tg]
`;
    const config = loadConfig({ path: 'merge.yml', text });
    const dev = resolveEnvironment(config, 'dev', {});
    const prod = resolveEnvironment(config, 'prod', {});
    assert.equal(dev.region, 'eu-west-1');
    assert.equal(prod.region, 'us-east-1');
    assert.deepEqual(
      dev.health,
      { path: '/status', port: 8000, expectVersion: true },
      'maps merge key by key',
    );
    assert.deepEqual(dev.tags, { team: 'web', tier: 'web' });
    assert.deepEqual(dev.alarms, ['web-dev-5xx'], 'lists replace');
    assert.deepEqual(prod.alarms, ['shared-alarm']);
    assert.deepEqual(
      dev.revision,
      { kind: 'github', repository: 'example/greenlight' },
      'a choice replaces whole',
    );
    assert.deepEqual(dev.blueGreen?.ready, { action: 'CONTINUE_DEPLOYMENT' }, 'no waitMinutes carried over');
    assert.deepEqual(dev.blueGreen?.terminateBlue, { action: 'TERMINATE', waitMinutes: 10 });
    assert.deepEqual(prod.blueGreen?.ready, { action: 'STOP_DEPLOYMENT', waitMinutes: 30 });
    assert.equal(prod.verifyBeforeTraffic, true, 'on by default when the deployment waits in Ready');
    assert.equal(dev.verifyBeforeTraffic, false);
  });

  it('accepts an environment with no keys of its own when defaults: covers it', () => {
    const text = `
application: web
defaults:
  deploymentGroup: web
  serviceRoleArn: arn:aws:iam::123456789012:role/web-codedeploy
  autoScalingGroup: web-asg
  targetGroups: [web-tg]
  revision: {github: example/greenlight}
environments:
  dev:
`;
    assert.equal(
      resolveEnvironment(loadConfig({ path: 'empty-env.yml', text }), 'dev', {}).deploymentGroup,
      'web',
    );
  });
});

describe('problems in the file', () => {
  it('names the file, the full key path, the line, what was expected and what was found', () => {
    const error = rejection(() => loadConfig({ path: fixture('wrong-nested-type.yml') }));
    assert.equal(error.path, 'environments.dev.blueGreen.terminateBlue.waitMinutes');
    assert.equal(error.line, 11);
    assert.equal(error.file, fixture('wrong-nested-type.yml'));
    assert.match(
      error.message,
      /wrong-nested-type\.yml:11: environments\.dev\.blueGreen\.terminateBlue\.waitMinutes: expected a number, found "five"/,
    );
  });

  it('names an unknown key and suggests the one that was meant', () => {
    const text = `application: web
environments:
  dev:
    deploymentGroup: web-dev
    serviceRoleArn: arn:aws:iam::123456789012:role/web-codedeploy
    autoScalingGroup: web-dev-asg
    targetGroups: [web-dev-tg]
    revision: {github: example/greenlight}
    health:
      paht: /healthcheck
    regoin: us-east-1
`;
    const error = rejection(() => loadConfig({ path: 'typo.yml', text }));
    assert.match(
      error.message,
      /typo\.yml:10: environments\.dev\.health\.paht: unknown key \(did you mean "path"\?\)/,
    );
    assert.match(
      error.message,
      /typo\.yml:11: environments\.dev\.regoin: unknown key \(did you mean "region"\?\)/,
    );
  });

  it('lists the accepted keys when an unknown key is not close to any', () => {
    const error = rejection(() =>
      loadConfig({ path: 'x.yml', text: configText(sampleEnvironment(), { listeners: [] }) }),
    );
    assert.match(
      error.message,
      /x\.yml:\d+: listeners: unknown key; expected one of application, defaults, environments/,
    );
  });

  it('collects every problem into one message, one per line, in file order', () => {
    const dev = { ...sampleEnvironment(), region: 'Virginia', bake: 'soon', health: { port: 'http' } };
    const error = rejection(() => loadConfig({ path: 'many.yml', text: configText(dev) }));
    const lines = error.message.split('\n');
    assert.equal(lines[0], 'many.yml: invalid configuration (3 problems):');
    assert.equal(error.problems.length, 3);
    assert.match(
      lines[1] ?? '',
      /environments\.dev\.region: expected an AWS region such as us-east-1, found "Virginia"/,
    );
    assert.match(lines[2] ?? '', /environments\.dev\.health\.port: expected a number, found "http"/);
    assert.match(lines[3] ?? '', /environments\.dev\.bake: "soon" is not a duration/);
    const numbers = error.problems.map((problem) => problem.line ?? 0);
    assert.deepEqual(
      numbers,
      [...numbers].sort((a, b) => a - b),
    );
  });

  it('reports a problem written under defaults: at defaults:, once, not once per environment', () => {
    const text = `application: web
defaults:
  bake: 90
environments:
  dev: {deploymentGroup: a, serviceRoleArn: "arn:aws:iam::123456789012:role/r", autoScalingGroup: a, targetGroups: [a], revision: {github: o/r}}
  prod: {deploymentGroup: b, serviceRoleArn: "arn:aws:iam::123456789012:role/r", autoScalingGroup: b, targetGroups: [b], revision: {github: o/r}}
`;
    const error = rejection(() => loadConfig({ path: 'defaults.yml', text }));
    assert.equal(error.problems.length, 1);
    assert.match(
      error.message,
      /defaults\.yml:3: defaults\.bake: expected a duration like 90s, 10m or 1h30m, found 90/,
    );
  });

  it('says which required key is missing, at the environment', () => {
    const dev = sampleEnvironment();
    delete dev.serviceRoleArn;
    const error = rejection(() => loadConfig({ path: 'missing.yml', text: configText(dev) }));
    assert.match(
      error.message,
      /missing\.yml:3: environments\.dev\.serviceRoleArn: required key is missing; expected an IAM role ARN/,
    );
  });

  it('reports YAML syntax errors with the line and column', () => {
    const text =
      'application: web\nenvironments:\n  dev:\n    targetGroups: [web-dev-tg\n    deploymentGroup: web-dev\n';
    const error = rejection(() => loadConfig({ path: 'broken.yml', text }));
    assert.match(error.message, /broken\.yml:5:5: YAML syntax error: Flow sequence in block collection/);
    assert.equal(error.line, 5);
  });

  it('reports a duplicated key as a YAML error', () => {
    const error = rejection(() =>
      loadConfig({ path: 'dup.yml', text: 'application: web\napplication: shop\n' }),
    );
    assert.match(error.message, /dup\.yml:2:1: YAML syntax error: Map keys must be unique/);
  });

  it('says which file is missing and how to point at another', () => {
    const directory = mkdtempSync(join(tmpdir(), 'greenlight-config-'));
    try {
      const path = join(directory, 'greenlight.yml');
      const missing = rejection(() => loadConfig({ path }));
      assert.equal(missing.file, path);
      assert.match(missing.message, new RegExp(`no configuration file at ${path.replaceAll('.', '\\.')}`));
      assert.match(missing.message, /--config PATH/);
      const isDirectory = rejection(() => loadConfig({ path: directory }));
      assert.match(isDirectory.message, /is a directory, not a configuration file/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('rejects an empty file, a file that is not a map and a file without environments', () => {
    assert.match(rejection(() => loadConfig({ path: 'e.yml', text: '' })).message, /the file is empty/);
    assert.match(
      rejection(() => loadConfig({ path: 'e.yml', text: '# nothing\n' })).message,
      /the file is empty/,
    );
    assert.match(
      rejection(() => loadConfig({ path: 'l.yml', text: '- a\n- b\n' })).message,
      /expected a map, found a list of 2 items/,
    );
    assert.match(
      rejection(() => loadConfig({ path: 'n.yml', text: 'application: web\nenvironments: {}\n' })).message,
      /environments: expected at least one environment/,
    );
    assert.match(
      rejection(() => loadConfig({ path: 'n.yml', text: 'environments: {dev: 3}\n' })).message,
      /application: required key is missing; expected a CodeDeploy application name/,
    );
  });

  it('rejects environment names that are not simple words', () => {
    const error = rejection(() =>
      loadConfig({ path: 'names.yml', text: `application: web\nenvironments:\n  "dev env": {}\n` }),
    );
    assert.match(
      error.message,
      /names\.yml:3: environments\.dev env: invalid key: expected an environment name/,
    );
  });
});
