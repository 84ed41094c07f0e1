import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';

export const EXAMPLE_FILE = fileURLToPath(new URL('../../greenlight.yml', import.meta.url));

export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));
}

/** A valid `dev` environment; tests change one thing in it at a time. */
export function sampleEnvironment(): Record<string, unknown> {
  return {
    region: 'us-east-1',
    deploymentGroup: 'web-dev',
    serviceRoleArn: 'arn:aws:iam::123456789012:role/web-codedeploy',
    autoScalingGroup: 'web-dev-asg',
    targetGroups: ['web-dev-tg'],
    deploymentConfig: 'CodeDeployDefault.AllAtOnce',
    blueGreen: {
      greenFleet: 'COPY_AUTO_SCALING_GROUP',
      ready: { action: 'CONTINUE_DEPLOYMENT' },
      terminateBlue: { action: 'TERMINATE', waitMinutes: 5 },
    },
    autoRollback: ['DEPLOYMENT_FAILURE'],
    alarms: ['web-dev-5xx'],
    revision: { github: 'example/greenlight' },
    health: { path: '/healthcheck', port: 8000 },
    bake: '10m',
  };
}

/** greenlight.yml text with `dev` as given (and optional extra top-level keys). */
export function configText(dev: Record<string, unknown>, top: Record<string, unknown> = {}): string {
  return stringify({ application: 'web', ...top, environments: { dev } });
}

/** Runs `load` and returns the ConfigError it must throw. */
export function rejection(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error;
  }
  assert.fail('expected a ConfigError, but the configuration was accepted');
}
