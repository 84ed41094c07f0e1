import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { S3Client } from '@aws-sdk/client-s3';
import { greenlightVersion } from '../version.js';

// The one place SDK clients are built. Region, endpoint, static credentials and profile come from the
// environment the command was given (its context's `env`, which is the process's own in the CLI and
// anything a test or the demo injects), read with the SDK's own names and precedence: AWS_REGION
// then AWS_DEFAULT_REGION; AWS_ENDPOINT_URL_<SERVICE> then AWS_ENDPOINT_URL (unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS); AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN,
// else AWS_PROFILE. Flags pin region and profile. What is not set there is left to the SDK's default
// chain (shared config files, web identity, instance metadata), which reads the process's
// environment — in the CLI, the same one. Each client module is imported the first time it is asked
// for, so a command pays the import cost only of the clients it uses.

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

/** The service part of AWS_ENDPOINT_URL_<SERVICE>, as the SDK names each client's service id. */
const ENDPOINT_VARIABLE = {
  codedeploy: 'AWS_ENDPOINT_URL_CODEDEPLOY',
  autoscaling: 'AWS_ENDPOINT_URL_AUTO_SCALING',
  elbv2: 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2',
  ec2: 'AWS_ENDPOINT_URL_EC2',
  cloudwatch: 'AWS_ENDPOINT_URL_CLOUDWATCH',
  s3: 'AWS_ENDPOINT_URL_S3',
} as const;

type Service = keyof typeof ENDPOINT_VARIABLE;

const nonEmpty = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim() !== '' ? value : undefined;

/** The SDK configuration one client gets from the options and the injected environment. */
export function clientConfig(
  service: Service,
  options: AwsClientOptions,
  env: Readonly<Record<string, string | undefined>>,
): {
  region?: string;
  profile?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  retryMode: string;
  maxAttempts: number;
  customUserAgent: string;
} {
  const region = options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  const ignoreEndpoints = /^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '');
  const endpoint =
    options.endpoint ??
    (ignoreEndpoints
      ? undefined
      : (nonEmpty(env[ENDPOINT_VARIABLE[service]]) ?? nonEmpty(env.AWS_ENDPOINT_URL)));
  const keyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secret = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  const session = nonEmpty(env.AWS_SESSION_TOKEN);
  const credentials =
    options.credentials ??
    (keyId && secret && !options.profile
      ? { accessKeyId: keyId, secretAccessKey: secret, ...(session ? { sessionToken: session } : {}) }
      : undefined);
  const profile = options.profile ?? (credentials ? undefined : nonEmpty(env.AWS_PROFILE));
  return {
    ...(region ? { region } : {}),
    ...(profile ? { profile } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? 5,
    customUserAgent: `greenlight/${greenlightVersion}`,
  };
}

export function createAwsClients(
  options: AwsClientOptions = {},
  env: Readonly<Record<string, string | undefined>> = {},
): AwsClients {
  const config = (service: Service) => clientConfig(service, options, env);
  const built = new Map<Service, Promise<SdkClient>>();

  function lazy<T extends SdkClient>(service: Service, build: () => Promise<T>): () => Promise<T> {
    return () => {
      let client = built.get(service);
      if (!client) {
        client = build().then(withoutLogger);
        built.set(service, client);
      }
      return client as Promise<T>;
    };
  }

  // Each class comes from a module of its own that names it (./sdk/*.ts), not from the package's
  // index: a bundler then keeps only this class and the commands greenlight sends, where the whole
  // package (EC2's is 1.9 MB of schemas) would otherwise be parsed by the first command that asks.
  return {
    codedeploy: lazy(
      'codedeploy',
      async () => new (await import('./sdk/codedeploy.js')).CodeDeployClient(config('codedeploy')),
    ),
    autoscaling: lazy(
      'autoscaling',
      async () => new (await import('./sdk/autoscaling.js')).AutoScalingClient(config('autoscaling')),
    ),
    elbv2: lazy(
      'elbv2',
      async () => new (await import('./sdk/elbv2.js')).ElasticLoadBalancingV2Client(config('elbv2')),
    ),
    ec2: lazy('ec2', async () => new (await import('./sdk/ec2.js')).EC2Client(config('ec2'))),
    cloudwatch: lazy(
      'cloudwatch',
      async () => new (await import('./sdk/cloudwatch.js')).CloudWatchClient(config('cloudwatch')),
    ),
    s3: lazy('s3', async () => {
      // An endpoint other than AWS's (the local cloud, MinIO…) serves every bucket on one host.
      const s3 = config('s3');
      return new (await import('./sdk/s3.js')).S3Client({
        ...s3,
        ...(s3.endpoint ? { forcePathStyle: true } : {}),
      });
    }),
    destroy() {
      for (const client of built.values()) void client.then((c) => c.destroy()).catch(() => undefined);
    },
  };
}

interface SdkClient {
  destroy(): void;
  readonly middlewareStack: { remove(name: string): boolean };
}

/**
 * greenlight gives the SDK no logger, yet the SDK's logger middleware still copies every response
 * through its sensitive-data filter (a walk of the whole output, 1,000 instances and all) to hand it
 * to a logger that does nothing. Without the middleware the responses are the same, errors still
 * propagate and retries still happen (another middleware).
 */
function withoutLogger<T extends SdkClient>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
