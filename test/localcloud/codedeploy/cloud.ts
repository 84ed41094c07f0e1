// A running local cloud with CodeDeploy served next to A's services, and a CodeDeploy SDK client.
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { CodeDeployModel } from '../../../src/localcloud/codedeploy/index.js';
import type { WorldInput } from '../../../src/localcloud/world.js';
import { clientConfig, startTestCloud, type TestCloud } from '../harness.js';

export interface CodeDeployTestCloud extends TestCloud {
  readonly codedeploy: CodeDeployClient;
  model(region?: string): CodeDeployModel;
}

export interface CodeDeployCloudOptions {
  readonly world?: WorldInput;
  readonly timeScale?: number;
  readonly pageSize?: number;
}

/** A local cloud with a CodeDeploy client next to the infrastructure clients. */
export async function startCodeDeployCloud(
  options: CodeDeployCloudOptions = {},
): Promise<CodeDeployTestCloud> {
  const tc = await startTestCloud({
    timeScale: options.timeScale ?? 2000,
    ...(options.world ? { world: options.world } : {}),
    ...(options.pageSize !== undefined ? { codeDeployPageSize: options.pageSize } : {}),
  });
  const codedeploy = new CodeDeployClient(clientConfig(tc.lc.url));
  return {
    ...tc,
    codedeploy,
    model: (region = 'us-east-1') => tc.lc.cloud.region(region).codedeploy,
    async close() {
      codedeploy.destroy();
      await tc.close();
    },
  };
}

export const serviceRoleArn = 'arn:aws:iam::123456789012:role/web-codedeploy';

/** A web fleet behind one target group, with an alarm and a bucket holding two revisions. */
export function webWorld(instances = 3): WorldInput {
  return {
    region: 'us-east-1',
    launchTemplates: [{ name: 'web' }],
    targetGroups: [
      { name: 'web-tg', port: 8000, healthCheck: { path: '/healthcheck', healthyThreshold: 2 } },
    ],
    loadBalancers: [{ name: 'web-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
    autoScalingGroups: [
      {
        name: 'web-asg',
        instances,
        maxSize: 2000,
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        targetGroups: ['web-tg'],
        launchTemplate: 'web',
      },
    ],
    alarms: [{ name: 'web-5xx', state: 'OK' }],
    buckets: ['web-revisions'],
  };
}

export async function putRevisions(tc: TestCloud, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    await tc.s3.send(
      new PutObjectCommand({ Bucket: 'web-revisions', Key: key, Body: Buffer.from(`bundle ${key}`) }),
    );
  }
}

export const s3Revision = (key: string) =>
  ({ revisionType: 'S3', s3Location: { bucket: 'web-revisions', key, bundleType: 'zip' } }) as const;
