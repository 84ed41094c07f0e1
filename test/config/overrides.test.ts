// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveEnvironment } from '../../src/config/environment.js';
import { loadConfig } from '../../src/config/load.js';
import {
  combineOverrides,
  OVERRIDE_VARIABLES,
  readEnvOverrides,
  readFlagOverrides,
} from '../../src/config/overrides.js';
import { EXAMPLE_FILE, rejection } from './sample.js';

describe('readEnvOverrides', () => {
  it('reads every allow-listed GREENLIGHT_* variable into a typed override', () => {
    const { values, ignored } = readEnvOverrides({
      GREENLIGHT_ENV: 'prod',
      GREENLIGHT_CONFIG: 'deploy/greenlight.yml',
      GREENLIGHT_REGION: 'eu-west-1',
      GREENLIGHT_DEPLOYMENT_GROUP: 'web-prod-canary',
      GREENLIGHT_DEPLOYMENT_CONFIG: 'CodeDeployDefault.HalfAtATime',
      GREENLIGHT_BAKE: '1h30m',
      GREENLIGHT_HEALTH_URL: 'http://127.0.0.1:8080/healthcheck',
      GREENLIGHT_WAIT_TIMEOUT: '2h',
    });
    assert.deepEqual(values, {
      env: 'prod',
      config: 'deploy/greenlight.yml',
      region: 'eu-west-1',
      deploymentGroup: 'web-prod-canary',
      deploymentConfig: 'CodeDeployDefault.HalfAtATime',
      bakeMs: 5_400_000,
      healthUrl: 'http://127.0.0.1:8080/healthcheck',
      waitTimeoutMs: 7_200_000,
    });
    assert.deepEqual(ignored, []);
  });

  it('reports unknown GREENLIGHT_* names instead of using them', () => {
    const { values, ignored } = readEnvOverrides({
      GREENLIGHT_FOO: 'x',
      GREENLIGHT_REGOIN: 'eu-west-1',
      GREENLIGHT_BAKE: '5m',
      // Read by bin/greenlight.js and the command line for themselves: not unknown.
      GREENLIGHT_FROM_SOURCE: '1',
      GREENLIGHT_BUILD_DIR: '/tmp/build',
      GREENLIGHT_CLOCK: 'http://127.0.0.1:1/_localcloud/clock',
    });
    assert.deepEqual(values, { bakeMs: 300_000 });
    assert.deepEqual(ignored, ['GREENLIGHT_FOO', 'GREENLIGHT_REGOIN']);
  });

  it('never reads the value of a variable outside the allow-list', () => {
    const read: string[] = [];
    const env = new Proxy(
      {
        PATH: '/usr/bin',
        AWS_SECRET_ACCESS_KEY: 'secret',
        GREENLIGHT_FOO: 'x',
        GREENLIGHT_ENV: 'dev',
        AWS_REGION: 'eu-west-1',
      },
      {
        get(target, key, receiver) {
          if (typeof key === 'string') read.push(key);
          return Reflect.get(target, key, receiver) as unknown;
        },
      },
    );
    const { values } = readEnvOverrides(env);
    assert.deepEqual(values, { env: 'dev' });
    assert.deepEqual(read, ['GREENLIGHT_ENV']);
  });

  it('treats an empty variable as unset', () => {
    assert.deepEqual(readEnvOverrides({ GREENLIGHT_REGION: '', GREENLIGHT_BAKE: undefined }).values, {});
  });

  const bad: [string, string, RegExp][] = [
    ['GREENLIGHT_BAKE', 'ten minutes', /^GREENLIGHT_BAKE: "ten minutes" is not a duration/],
    ['GREENLIGHT_WAIT_TIMEOUT', '0s', /^GREENLIGHT_WAIT_TIMEOUT: expected a wait timeout longer than zero/],
    [
      'GREENLIGHT_REGION',
      'Ireland',
      /^GREENLIGHT_REGION: expected an AWS region such as us-east-1, found "Ireland"/,
    ],
    [
      'GREENLIGHT_HEALTH_URL',
      'dev.example.org/healthcheck',
      /^GREENLIGHT_HEALTH_URL: expected an http:\/\/ or https:\/\/ URL/,
    ],
    ['GREENLIGHT_ENV', '../prod', /^GREENLIGHT_ENV: expected an environment name/],
    [
      'GREENLIGHT_DEPLOYMENT_CONFIG',
      'CodeDeployDefault.AllAtOnc',
      /^GREENLIGHT_DEPLOYMENT_CONFIG: .*did you mean "CodeDeployDefault\.AllAtOnce"/,
    ],
  ];
  for (const [variable, value, message] of bad) {
    it(`rejects a bad ${variable}, naming the variable`, () => {
      assert.match(rejection(() => readEnvOverrides({ [variable]: value })).message, message);
    });
  }

  it('allow-lists exactly the documented variables', () => {
    assert.deepEqual(Object.keys(OVERRIDE_VARIABLES).sort(), [
      'GREENLIGHT_BAKE',
      'GREENLIGHT_CONFIG',
      'GREENLIGHT_DEPLOYMENT_CONFIG',
      'GREENLIGHT_DEPLOYMENT_GROUP',
      'GREENLIGHT_ENV',
      'GREENLIGHT_HEALTH_URL',
      'GREENLIGHT_REGION',
      'GREENLIGHT_WAIT_TIMEOUT',
    ]);
  });
});

describe('readFlagOverrides', () => {
  it('validates flag values, naming the flag', () => {
    assert.deepEqual(
      readFlagOverrides({ region: 'us-west-2', bake: '90s', timeout: 60_000, env: undefined }),
      {
        region: 'us-west-2',
        bakeMs: 90_000,
        waitTimeoutMs: 60_000,
      },
    );
    assert.match(
      rejection(() => readFlagOverrides({ bake: 'later' })).message,
      /^--bake: "later" is not a duration/,
    );
    assert.match(
      rejection(() => readFlagOverrides({ region: 'mars-1' })).message,
      /^--region: expected an AWS region/,
    );
  });
});

describe('precedence: flag > GREENLIGHT_* variable > greenlight.yml > default', () => {
  const config = loadConfig({ path: EXAMPLE_FILE });
  const env = readEnvOverrides({ GREENLIGHT_BAKE: '20m', GREENLIGHT_REGION: 'eu-west-1' }).values;

  it('uses the file when nothing overrides it', () => {
    const dev = resolveEnvironment(config, 'dev', combineOverrides({ flags: {}, env: {} }));
    assert.equal(dev.bakeMs, 600_000);
    assert.equal(dev.region, 'us-east-1');
    assert.deepEqual(dev.timeouts, {}, 'and the built-in default where the file says nothing');
  });

  it('lets a variable override the file', () => {
    const dev = resolveEnvironment(config, 'dev', combineOverrides({ flags: {}, env }));
    assert.equal(dev.bakeMs, 1_200_000);
    assert.equal(dev.region, 'eu-west-1');
  });

  it('lets a flag override the variable, and leaves what the flag does not set to the variable', () => {
    const flags = readFlagOverrides({ bake: '45s', region: undefined });
    const dev = resolveEnvironment(config, 'dev', combineOverrides({ flags, env }));
    assert.equal(dev.bakeMs, 45_000);
    assert.equal(dev.region, 'eu-west-1');
  });

  it('overrides the health URL, wait timeout, deployment group and deployment config', () => {
    const prod = resolveEnvironment(config, 'prod', {
      healthUrl: 'http://127.0.0.1:8080/healthcheck',
      waitTimeoutMs: 3_600_000,
      deploymentGroup: 'web-prod-2',
      deploymentConfig: 'CodeDeployDefault.OneAtATime',
    });
    assert.deepEqual(prod.health, {
      path: '/healthcheck',
      port: 8000,
      url: 'http://127.0.0.1:8080/healthcheck',
      expectVersion: true,
    });
    assert.deepEqual(prod.timeouts, { waitMs: 3_600_000 });
    assert.equal(prod.deploymentGroup, 'web-prod-2');
    assert.deepEqual(prod.deploymentConfig, { kind: 'named', name: 'CodeDeployDefault.OneAtATime' });
  });

  it('keeps a custom config when the override names it', () => {
    const prod = resolveEnvironment(config, 'prod', { deploymentConfig: 'web-all-healthy' });
    assert.equal(prod.deploymentConfig.kind, 'custom');
  });

  it('checks overrides built by hand too', () => {
    assert.match(
      rejection(() => resolveEnvironment(config, 'dev', { region: 'nowhere' })).message,
      /^--region \(or GREENLIGHT_REGION\): expected an AWS region/,
    );
  });
});

describe('resolveEnvironment', () => {
  const config = loadConfig({ path: EXAMPLE_FILE });

  it('lists the known environments for an unknown one, with a suggestion', () => {
    const error = rejection(() => resolveEnvironment(config, 'prd', {}));
    assert.match(
      error.message,
      /unknown environment "prd" in .*greenlight\.yml \(did you mean "prod"\?\); it defines dev, prod/,
    );
    assert.equal(error.path, 'environments.prd');
  });

  it('does not mistake an inherited property for an environment', () => {
    assert.match(
      rejection(() => resolveEnvironment(config, 'constructor', {})).message,
      /unknown environment "constructor"/,
    );
  });
});
