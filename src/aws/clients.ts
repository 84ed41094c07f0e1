import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import { greenlightVersion } from '../version.js';
import type * as StsSdk from './sdk/sts.js';
import { operationOfCommand, resourceOf, serviceOfClient, type AwsCallRecord } from './call-log.js';
import {
  AwsConfigurationError,
  NO_REGION,
  awsErrorCode,
  callContextOf,
  classifyAwsError,
  isCredentialsMissing,
  isRegionMissing,
  noCredentialsError,
  type CallContext,
} from './errors.js';
import { isLoopbackEndpoint } from './endpoint.js';
import { credentialSourceOf, isAwsEndpoint, type AwsIdentity } from './identity.js';
import { sessionSecondsFor, usesWebIdentity, webIdentitySession } from './web-identity.js';

export { isLoopbackEndpoint };

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
  /**
   * Told once, which AWS the clients talk to (account, region, endpoint, credential source). Given
   * this, the first call of any client also asks STS GetCallerIdentity, concurrently, and the
   * answers of the first calls wait for it (never longer than the slower of the two), so the line
   * comes before anything a command says about what AWS answered, and a refusal names the principal.
   */
  onIdentity?: (identity: AwsIdentity) => void;
  /**
   * How long the identity line waits for GetCallerIdentity (default 10 s). The first calls' answers
   * wait for the line, so an STS that never answers (a private subnet with no route to it) must not
   * hold the command: past this the line says STS did not answer, and the calls go on.
   */
  identityDeadlineMs?: number;
  /**
   * The account the clients must be in: every call waits for STS GetCallerIdentity, and none is sent
   * when the credentials are another account's (AwsConfigurationError, exit 2). An environment lives
   * in the account of its serviceRoleArn; credentials of another (the dev context on a prod job, a
   * stale profile) are refused before anything reads or changes it. When STS cannot say, calls go on.
   */
  account?: { readonly id: string; readonly owner: string };
  /**
   * How long a call's connection may sit with nothing sent or received before it fails as a timeout
   * (default SOCKET_IDLE_TIMEOUT_MS); the SDK then retries it, and a reader's deadline bounds it.
   */
  socketIdleTimeoutMs?: number;
  /** Told of every AWS call when it ends (`--verbose`); without it no call is measured. */
  onCall?: (call: AwsCallRecord) => void;
  /**
   * With a web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, nothing before them in the
   * chain), the token is traded once for a session this long (web-identity.ts), instead of the SDK's
   * one-hour sessions traded again with a token that may have expired by then.
   */
  webIdentitySessionMs?: number;
  /** Told what the web identity session is (or why it is shorter than asked). */
  onSession?: (message: string, level: 'info' | 'warn') => void;
}

export interface AwsClients {
  codedeploy(): Promise<CodeDeployClient>;
  autoscaling(): Promise<AutoScalingClient>;
  elbv2(): Promise<ElasticLoadBalancingV2Client>;
  ec2(): Promise<EC2Client>;
  cloudwatch(): Promise<CloudWatchClient>;
  s3(): Promise<S3Client>;
  sts(): Promise<STSClient>;
  /** IAM: only preflight asks it, whether the caller's role may do what a deployment does. */
  iam(): Promise<IAMClient>;
  /** Systems Manager: Run Command on a failed instance, and whether each instance's agent answers. */
  ssm(): Promise<SSMClient>;
  /**
   * Which AWS these clients talk to: asked of STS once (GetCallerIdentity), never rejected (what could
   * not be learnt is said in `problem`).
   */
  identity(): Promise<AwsIdentity>;
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
  sts: 'AWS_ENDPOINT_URL_STS',
  iam: 'AWS_ENDPOINT_URL_IAM',
  ssm: 'AWS_ENDPOINT_URL_SSM',
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

/** Who gave the credentials, when greenlight itself handed them to the SDK (no chain ran). */
function staticCredentialSource(
  options: AwsClientOptions,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (options.credentials) return 'static keys (given by the caller)';
  return clientConfig('sts', options, env).credentials ? 'env (AWS_ACCESS_KEY_ID)' : undefined;
}

/** Region and endpoints, as the clients are configured: the identity line without the account. */
export function describeTarget(
  options: AwsClientOptions,
  env: Readonly<Record<string, string | undefined>>,
): Pick<AwsIdentity, 'region' | 'endpoint' | 'serviceEndpoints' | 'endpointIsAws'> {
  const general = clientConfig('sts', { ...options }, { ...env, AWS_ENDPOINT_URL_STS: undefined });
  const serviceEndpoints: Record<string, string> = {};
  const endpoints: string[] = general.endpoint ? [general.endpoint] : [];
  for (const service of Object.keys(ENDPOINT_VARIABLE) as Service[]) {
    const endpoint = clientConfig(service, options, env).endpoint;
    if (endpoint && endpoint !== general.endpoint) {
      serviceEndpoints[service] = endpoint;
      endpoints.push(endpoint);
    }
  }
  return {
    ...(general.region ? { region: general.region } : {}),
    ...(general.endpoint ? { endpoint: general.endpoint } : {}),
    ...(Object.keys(serviceEndpoints).length > 0 ? { serviceEndpoints } : {}),
    endpointIsAws: endpoints.every(isAwsEndpoint),
  };
}

export function createAwsClients(
  options: AwsClientOptions = {},
  env: Readonly<Record<string, string | undefined>> = {},
): AwsClients {
  const config = (service: Service) => clientConfig(service, options, env);
  /** A client's configuration, with the local cloud's short retry backoff where it applies. */
  const configWithRetry = async (service: Service, maxAttempts?: number) => {
    const cfg = config(service);
    const attempts = maxAttempts ?? cfg.maxAttempts;
    return {
      ...cfg,
      ...(webIdentity ? { credentials: webIdentity } : {}),
      maxAttempts: attempts,
      // A call on a connection that went silent (a stalled proxy, a half-open socket) fails and is
      // retried instead of waiting forever: the SDK sets no such limit for most clients.
      requestHandler: {
        connectionTimeout: CONNECT_TIMEOUT_MS,
        socketTimeout: options.socketIdleTimeoutMs ?? SOCKET_IDLE_TIMEOUT_MS,
      },
      ...(cfg.endpoint && isLoopbackEndpoint(cfg.endpoint)
        ? { retryStrategy: await localCloudRetryStrategy(attempts) }
        : {}),
    };
  };
  const built = new Map<Service, Promise<SdkClient>>();
  const profile = config('sts').profile;
  const webIdentity =
    options.webIdentitySessionMs !== undefined && !options.credentials && usesWebIdentity(env, profile)
      ? webIdentitySession(env, {
          sessionSeconds: sessionSecondsFor(options.webIdentitySessionMs),
          sts: {
            ...(config('sts').region ? { region: config('sts').region } : {}),
            ...(config('sts').endpoint ? { endpoint: config('sts').endpoint } : {}),
          },
          ...(options.onSession ? { onSession: options.onSession } : {}),
        })
      : undefined;

  function lazy<T extends SdkClient>(service: Service, build: () => Promise<T>): () => Promise<T> {
    return () => {
      let client = built.get(service);
      if (!client) {
        // The identity's client is imported beside the first one a command asks for, not after it.
        if (options.onIdentity && service !== 'sts') void stsModule().catch(() => undefined);
        client = build().then((c) => instrument(withoutLogger(c), service));
        built.set(service, client);
      }
      return client as Promise<T>;
    };
  }

  let stsImport: Promise<StsModule> | undefined;
  function stsModule(): Promise<StsModule> {
    stsImport ??= import('./sdk/sts.js');
    return stsImport;
  }

  let identityLookup: Promise<AwsIdentity> | undefined;
  function identity(): Promise<AwsIdentity> {
    identityLookup ??= lookupIdentity().then((found) => {
      options.onIdentity?.(found);
      return found;
    });
    return identityLookup;
  }

  const identityDeadlineMs = options.identityDeadlineMs ?? IDENTITY_DEADLINE_MS;
  async function lookupIdentity(): Promise<AwsIdentity> {
    const target = describeTarget(options, env);
    const given = staticCredentialSource(options, env);
    try {
      const [{ GetCallerIdentityCommand }, sts] = await Promise.all([stsModule(), clients.sts()]);
      const [resolved, caller] = await Promise.allSettled([
        given ? Promise.resolve(undefined) : sts.config.credentials(),
        sts.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(identityDeadlineMs) }),
      ]);
      const credentials =
        given ??
        (resolved.status === 'fulfilled'
          ? credentialSourceOf(
              (resolved.value as { $source?: Record<string, unknown> } | undefined)?.$source,
              {
                ...(profile ? { profile } : {}),
                env,
              },
            )
          : 'none found');
      if (caller.status === 'fulfilled') {
        const { Account, Arn, UserId } = caller.value;
        return {
          ...target,
          credentials,
          ...(Account ? { account: Account } : {}),
          ...(Arn ? { arn: Arn } : {}),
          ...(UserId ? { userId: UserId } : {}),
        };
      }
      return { ...target, credentials, problem: identityProblem(caller.reason, identityDeadlineMs) };
    } catch (error) {
      return {
        ...target,
        credentials: given ?? 'unknown',
        problem: identityProblem(error, identityDeadlineMs),
      };
    }
  }

  /**
   * Every client's calls pass through here: configuration failures become errors that say what to
   * set, a failed call carries its IAM action (and, when refused, who was refused), `onCall` hears
   * of each call, and the first calls' answers wait for the identity line.
   */
  function instrument<T extends SdkClient>(client: T, service: Service): T {
    const waitsForIdentity = options.onIdentity !== undefined && service !== 'sts';
    const account = options.account;
    const onCall = options.onCall;
    (client.middlewareStack as unknown as InitializeStack).add(
      (next, context) => async (args) => {
        const started = performance.now();
        const pending = waitsForIdentity ? identity() : undefined;
        const measure = (metadata: Metadata | undefined, error?: string): AwsCallRecord => {
          const resource = resourceOf(args.input);
          return {
            service: serviceOfClient(context.clientName),
            operation: operationOfCommand(context.commandName),
            ...(resource ? { resource } : {}),
            ...(metadata?.httpStatusCode !== undefined ? { status: metadata.httpStatusCode } : {}),
            ...(error ? { error } : {}),
            durationMs: performance.now() - started,
            retries: Math.max(0, (metadata?.attempts ?? 1) - 1),
          };
        };
        // The call is measured when it ends and told after the identity line, which comes first.
        const tell = async (call: AwsCallRecord | undefined) => {
          if (pending) await pending;
          if (call) onCall?.(call);
        };
        if (account && service !== 'sts') {
          const who = await identity();
          if (who.account !== undefined && who.account !== account.id) throw wrongAccount(account, who);
        }
        try {
          const result = await next(args);
          await tell(
            onCall ? measure((result.output as { $metadata?: Metadata } | undefined)?.$metadata) : undefined,
          );
          return result;
        } catch (error) {
          const metadata = (error as { $metadata?: Metadata } | null)?.$metadata;
          let thrown: unknown = error;
          if (isRegionMissing(error))
            thrown = new AwsConfigurationError(NO_REGION, 'no region', { cause: error });
          else if (isCredentialsMissing(error))
            thrown = noCredentialsError(error, { ...(profile ? { profile } : {}), env });
          const call = onCall ? measure(metadata, awsErrorCode(thrown)) : undefined;
          if (thrown === error && typeof error === 'object' && error !== null && !callContextOf(error)) {
            const action = `${serviceOfClient(context.clientName)}:${operationOfCommand(context.commandName)}`;
            // A refusal names who was refused: the identity, which this call has been waiting for anyway.
            const who = classifyAwsError(error) === 'denied' && pending ? await pending : undefined;
            const callContext: CallContext = {
              action,
              ...(who?.arn ? { principal: who.arn } : {}),
              ...(who?.account ? { account: who.account } : {}),
            };
            Object.assign(error, { $greenlight: callContext });
          }
          await tell(call);
          throw thrown;
        }
      },
      { step: 'initialize', name: 'greenlightCallMiddleware' },
    );
    return client;
  }

  // Each class comes from a module of its own that names it (./sdk/*.ts), not from the package's
  // index: a bundler then keeps only this class and the commands greenlight sends, where the whole
  // package (EC2's is 1.9 MB of schemas) would otherwise be parsed by the first command that asks.
  const clients: AwsClients = {
    codedeploy: lazy(
      'codedeploy',
      async () =>
        new (await import('./sdk/codedeploy.js')).CodeDeployClient(await configWithRetry('codedeploy')),
    ),
    autoscaling: lazy(
      'autoscaling',
      async () =>
        new (await import('./sdk/autoscaling.js')).AutoScalingClient(await configWithRetry('autoscaling')),
    ),
    elbv2: lazy(
      'elbv2',
      async () =>
        new (await import('./sdk/elbv2.js')).ElasticLoadBalancingV2Client(await configWithRetry('elbv2')),
    ),
    ec2: lazy('ec2', async () => new (await import('./sdk/ec2.js')).EC2Client(await configWithRetry('ec2'))),
    cloudwatch: lazy(
      'cloudwatch',
      async () =>
        new (await import('./sdk/cloudwatch.js')).CloudWatchClient(await configWithRetry('cloudwatch')),
    ),
    s3: lazy('s3', async () => {
      // An endpoint other than AWS's (the local cloud, MinIO…) serves every bucket on one host.
      const s3 = await configWithRetry('s3');
      return new (await import('./sdk/s3.js')).S3Client({
        ...s3,
        ...(s3.endpoint ? { forcePathStyle: true } : {}),
      });
    }),
    // Only the identity line asks STS, and it is a courtesy: two attempts, not five.
    sts: lazy(
      'sts',
      async () =>
        new (await stsModule()).STSClient(
          await configWithRetry('sts', Math.min(2, config('sts').maxAttempts)),
        ),
    ),
    iam: lazy('iam', async () => new (await import('./sdk/iam.js')).IAMClient(await configWithRetry('iam'))),
    ssm: lazy('ssm', async () => new (await import('./sdk/ssm.js')).SSMClient(await configWithRetry('ssm'))),
    identity,
    destroy() {
      for (const client of built.values()) void client.then((c) => c.destroy()).catch(() => undefined);
    },
  };
  return clients;
}

/**
 * The SDK's standard retries with a short backoff, for an endpoint on this machine: 10 ms, 20 ms, 40 ms …
 * (at most 100 ms) instead of AWS's 100 ms and 500 ms (throttling) bases growing to 20 s. A local
 * cloud's throttles and 500s are rehearsals of AWS's, and a rehearsal of five throttles in a row need
 * not sleep half a minute of real time, which no virtual clock can move (the SDK's timers are its own).
 * The attempts, the retry quota and which errors are retried stay the standard mode's.
 */
async function localCloudRetryStrategy(maxAttempts: number) {
  const { ConfiguredRetryStrategy } = await import('@smithy/core/retry');
  return new ConfiguredRetryStrategy(maxAttempts, (attempt) =>
    Math.min(100, 10 * 2 ** Math.max(0, attempt - 1)),
  );
}

function wrongAccount(account: { id: string; owner: string }, who: AwsIdentity): AwsConfigurationError {
  return new AwsConfigurationError(
    `these credentials are account ${who.account ?? '?'}'s${who.arn ? ` (${who.arn})` : ''}, but ${account.owner} is in account ${account.id}: nothing was sent; use that account's credentials (the job's context, the profile, the role to assume)`,
    'another account',
  );
}

/** How long the identity line waits for STS unless told otherwise. */
const IDENTITY_DEADLINE_MS = 10_000;
/** Establishing a connection to an AWS endpoint. */
export const CONNECT_TIMEOUT_MS = 10_000;
/**
 * A connection with nothing sent or received for this long is dead: AWS answers a read in seconds
 * (a page of 1,000 instances included), and an upload that is moving is never idle this long.
 */
export const SOCKET_IDLE_TIMEOUT_MS = 60_000;

/** What the identity line says when GetCallerIdentity could not answer. */
function identityProblem(error: unknown, deadlineMs: number): string {
  if (error instanceof AwsConfigurationError) return error.short;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError')
    return `GetCallerIdentity did not answer within ${deadlineMs / 1000} s`;
  return `GetCallerIdentity failed: ${awsErrorCode(error)}`;
}

type StsModule = typeof StsSdk;

interface Metadata {
  readonly httpStatusCode?: number;
  readonly attempts?: number;
}

type Handler = (args: { readonly input: unknown }) => Promise<{ readonly output: unknown }>;

/** The part of an SDK client's middleware stack greenlight uses, typed for any client's inputs. */
interface InitializeStack {
  add(
    middleware: (next: Handler, context: { clientName?: string; commandName?: string }) => Handler,
    options: { step: 'initialize'; name: string },
  ): void;
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
