import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { S3Client } from '@aws-sdk/client-s3';
import { greenlightVersion } from '../version.js';

// The one place SDK clients are built. Region, credentials, profile and endpoint come from the SDK's
// own environment handling (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>,
// shared config files); flags may pin region and profile. Each client module is imported the first
// time it is asked for, so a command pays the import cost only of the clients it uses.

export interface AwsClientOptions {
  region?: string;
  profile?: string;
  /** Overrides AWS_ENDPOINT_URL; tests point clients at a local cloud this way. */
  endpoint?: string;
  /** Total attempts per call, first one included (the SDK default is 3). */
  maxAttempts?: number;
  /** Credentials to use instead of the SDK's provider chain (tests against the local cloud). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface AwsClients {
  codedeploy(): Promise<CodeDeployClient>;
  autoscaling(): Promise<AutoScalingClient>;
  elbv2(): Promise<ElasticLoadBalancingV2Client>;
  ec2(): Promise<EC2Client>;
  cloudwatch(): Promise<CloudWatchClient>;
  s3(): Promise<S3Client>;
  /** Releases sockets of every client built so far. */
  destroy(): void;
}

export function createAwsClients(
  options: AwsClientOptions = {},
  env: Readonly<Record<string, string | undefined>> = {},
): AwsClients {
  // An endpoint other than AWS's (the local cloud, MinIO…) serves every bucket on one host.
  const customEndpoint = Boolean(options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? 5,
    customUserAgent: `greenlight/${greenlightVersion}`,
  };
  const built = new Map<string, Promise<{ destroy(): void }>>();

  function lazy<T extends { destroy(): void }>(name: string, build: () => Promise<T>): () => Promise<T> {
    return () => {
      let client = built.get(name);
      if (!client) {
        client = build();
        built.set(name, client);
      }
      return client as Promise<T>;
    };
  }

  return {
    codedeploy: lazy(
      'codedeploy',
      async () => new (await import('@aws-sdk/client-codedeploy')).CodeDeployClient(config),
    ),
    autoscaling: lazy(
      'autoscaling',
      async () => new (await import('@aws-sdk/client-auto-scaling')).AutoScalingClient(config),
    ),
    elbv2: lazy(
      'elbv2',
      async () =>
        new (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client(config),
    ),
    ec2: lazy('ec2', async () => new (await import('@aws-sdk/client-ec2')).EC2Client(config)),
    cloudwatch: lazy(
      'cloudwatch',
      async () => new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient(config),
    ),
    s3: lazy(
      's3',
      async () =>
        new (await import('@aws-sdk/client-s3')).S3Client({
          ...config,
          ...(customEndpoint ? { forcePathStyle: true } : {}),
        }),
    ),
    destroy() {
      for (const client of built.values()) void client.then((c) => c.destroy()).catch(() => undefined);
    },
  };
}
