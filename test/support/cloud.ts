// A local cloud for tests of greenlight's own AWS-facing code, with greenlight's real client factory
// pointed at it. No SDK mocks: every call goes over HTTP to the emulator.
//
// In-process tests run it on a manual clock (the default): virtual time that moves only when nothing
// is in flight, to the next due timer — the cloud's or a sleep of greenlight's through `cloud.clock` —
// so an outcome never depends on how busy the CPU is. Tests that spawn greenlight or the AWS CLI ask
// for scaled wall time with `timeScale`.
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { resolveEnvironment, type EnvironmentConfig } from '../../src/config/environment.js';
import {
  controlClient,
  startLocalCloud,
  type FaultRule,
  type LocalCloudControl,
  type RunningLocalCloud,
  type VirtualTime,
  virtualTime,
  type WorldInput,
} from '@greenlight/localcloud';
import { parseDuration } from '../../src/config/duration.js';
import { configText, sampleEnvironment } from '../config/sample.js';
import { until } from './until.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const credentials = { accessKeyId: 'AKIDGREENLIGHTTEST', secretAccessKey: 'local-cloud-secret' };

export interface TestCloud {
  readonly lc: RunningLocalCloud;
  readonly aws: AwsClients;
  /** Environment variables that point a spawned greenlight at this cloud. */
  readonly env: Record<string, string>;
  /** The cloud's control API (faults, request counts, world, reset). */
  readonly control: LocalCloudControl;
  /**
   * greenlight's Clock for this cloud: its virtual time on a manual clock (pass it as `clock` to the
   * library and to runCli), the system clock on scaled time.
   */
  readonly clock: Clock;
  /** Virtual time and its driver; undefined on scaled time. */
  readonly time: VirtualTime | undefined;
  /**
   * Reads until `ok` accepts the value: on a manual clock by stepping virtual time between reads
   * (`within` is AWS time), on scaled time by polling (`within` is wall time).
   */
  until<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, what: string, within?: string): Promise<T>;
  fault(rule: Record<string, unknown>): Promise<string>;
  clearFaults(): Promise<void>;
  requests(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** An image with another team's app baked in: its instances answer /healthcheck without a deployment. */
export const OTHER_APP_IMAGE = 'ami-0a11ce0f0e1ce0b0b';

/**
 * The example `dev` fleet: one ASG behind one target group, an alarm, a revisions bucket. Its
 * instances run no app until a deployment installs one (their targets are unhealthy until then), as
 * on AWS; `other-app`, a launch template of an image that serves /healthcheck, is for instances
 * another team runs.
 */
export function devWorld(instances = 4, agent: 'synthetic' | 'real' = 'synthetic'): WorldInput {
  return {
    region: 'us-east-1',
    images: [{ id: OTHER_APP_IMAGE, name: 'other-team-app', serves: '/healthcheck' }],
    launchTemplates: [{ name: 'web' }, { name: 'other-app', imageId: OTHER_APP_IMAGE }],
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
    /** Scaled wall time at this scale (for tests that spawn processes); absent: a manual clock. */
    timeScale?: number;
    maxAttempts?: number;
    /** Seeds the local cloud's randomness (fault probabilities, jitter, ids); absent: its default. */
    seed?: number;
    /** Page size of CodeDeploy's List* operations (small to read a group's history across pages). */
    codeDeployPageSize?: number;
  } = {},
): Promise<TestCloud> {
  const lc = await startLocalCloud({
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : { clock: 'manual' as const }),
    world: options.world ?? devWorld(),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.codeDeployPageSize !== undefined ? { codeDeployPageSize: options.codeDeployPageSize } : {}),
  });
  const time = lc.manualClock ? virtualTime(lc) : undefined;
  // Time moves on its own whenever nothing is in flight, as long as the cloud runs.
  const stopDriving = time?.start();
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
    clock: time ? time.clock : systemClock,
    time,
    until: (read, ok, what, within = '24h') =>
      time ? time.until(read, ok, what, parseDuration(within)) : until(read, ok, what, within),
    // Rules are checked by the cloud itself: a test may hand it a bad one on purpose.
    fault: (rule) => control.addFault(rule as FaultRule),
    clearFaults: () => control.clearFaults(),
    requests: () => control.requests(),
    async close() {
      await stopDriving?.();
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
