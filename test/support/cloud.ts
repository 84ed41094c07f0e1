// A local cloud for tests of greenlight's own AWS-facing code, with greenlight's real client factory
// pointed at it. No SDK mocks: every call goes over HTTP to the emulator.
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { loadConfig } from '../../src/config/load.js';
import { resolveEnvironment, type EnvironmentConfig } from '../../src/config/environment.js';
import {
  controlClient,
  startLocalCloud,
  type FaultRule,
  type LocalCloudControl,
  type RunningLocalCloud,
  type WorldInput,
} from '@greenlight/localcloud';
import { configText, sampleEnvironment } from '../config/sample.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const credentials = { accessKeyId: 'AKIDGREENLIGHTTEST', secretAccessKey: 'local-cloud-secret' };

export interface TestCloud {
  readonly lc: RunningLocalCloud;
  readonly aws: AwsClients;
  /** Environment variables that point a spawned greenlight at this cloud. */
  readonly env: Record<string, string>;
  /** The cloud's control API (faults, request counts, world, reset). */
  readonly control: LocalCloudControl;
  fault(rule: Record<string, unknown>): Promise<string>;
  clearFaults(): Promise<void>;
  requests(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** The example `dev` fleet: one ASG behind one target group, an alarm, a revisions bucket. */
export function devWorld(instances = 4, agent: 'synthetic' | 'real' = 'synthetic'): WorldInput {
  return {
    region: 'us-east-1',
    launchTemplates: [{ name: 'web' }],
    targetGroups: [
      { name: 'web-dev-tg', port: 8000, healthCheck: { path: '/healthcheck', healthyThreshold: 2 } },
    ],
    loadBalancers: [{ name: 'web-dev-alb', listeners: [{ port: 0, targetGroup: 'web-dev-tg' }] }],
    autoScalingGroups: [
      {
        name: 'web-dev-asg',
        instances,
        maxSize: 2000,
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        targetGroups: ['web-dev-tg'],
        launchTemplate: 'web',
        agent,
      },
    ],
    alarms: [
      { name: 'web-dev-5xx', state: 'OK' },
      { name: 'web-dev-latency', state: 'OK' },
    ],
    buckets: ['web-revisions'],
  };
}

export async function startCloud(
  options: {
    world?: WorldInput;
    timeScale?: number;
    maxAttempts?: number;
    /** Seeds the local cloud's randomness (fault probabilities, jitter, ids); absent: its default. */
    seed?: number;
  } = {},
): Promise<TestCloud> {
  const lc = await startLocalCloud({
    timeScale: options.timeScale ?? 3000,
    world: options.world ?? devWorld(),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  const aws = createAwsClients({
    endpoint: lc.url,
    region: 'us-east-1',
    credentials,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  });
  const control = controlClient(lc.url);
  return {
    lc,
    aws,
    env: {
      AWS_ENDPOINT_URL: lc.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    control,
    // Rules are checked by the cloud itself: a test may hand it a bad one on purpose.
    fault: (rule) => control.addFault(rule as FaultRule),
    clearFaults: () => control.clearFaults(),
    requests: () => control.requests(),
    async close() {
      aws.destroy();
      await lc.close();
    },
  };
}

/** The sample `dev` environment of greenlight.yml, with changes. */
export function devEnvironment(changes: Record<string, unknown> = {}): EnvironmentConfig {
  const config = loadConfig({
    path: 'greenlight.yml',
    text: configText({ ...sampleEnvironment(), ...changes }),
  });
  return resolveEnvironment(config, 'dev');
}
