// The CodeDeploy tests' world and revisions: plain data, for the tests of the models (no server, no
// SDK) and, through cloud.ts, for those against a running local cloud.
import type { WorldInput } from '../../src/world.js';

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

export const s3Revision = (key: string) =>
  ({ revisionType: 'S3', s3Location: { bucket: 'web-revisions', key, bundleType: 'zip' } }) as const;
