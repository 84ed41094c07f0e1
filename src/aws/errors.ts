// One classification of AWS errors, used everywhere a caller must decide what an error means.
// "Does not exist" is the only class that may lead to creating something; every other class is
// reported as what it is.
import { ExitCode } from '../exit-codes.js';

export type AwsErrorClass =
  'not-found' | 'throttled' | 'conflict' | 'denied' | 'validation' | 'network' | 'other';

const notFound = new Set([
  'ApplicationDoesNotExistException',
  'DeploymentGroupDoesNotExistException',
  'DeploymentConfigDoesNotExistException',
  'DeploymentDoesNotExistException',
  'DeploymentTargetDoesNotExistException',
  'InstanceDoesNotExistException',
  'RevisionDoesNotExistException',
  'ResourceNotFoundException',
  'TargetGroupNotFound',
  'TargetGroupNotFoundException',
  'LoadBalancerNotFound',
  'LoadBalancerNotFoundException',
  'ListenerNotFound',
  'InvalidInstanceID.NotFound',
  'InvalidLaunchTemplateName.NotFoundException',
  'InvalidLaunchTemplateId.NotFound',
  'ResourceNotFound',
  'NoSuchKey',
  'NoSuchBucket',
  'NotFound',
]);

const throttled = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'PriorRequestNotComplete',
  'SlowDown',
  'EC2ThrottledException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
]);

const conflict = new Set([
  'ApplicationAlreadyExistsException',
  'DeploymentGroupAlreadyExistsException',
  'DeploymentConfigAlreadyExistsException',
  'DeploymentLimitExceededException',
  'DeploymentAlreadyCompletedException',
  'DeploymentIsNotInReadyStateException',
  'ApplicationLimitExceededException',
  'DeploymentGroupLimitExceededException',
  'DeploymentConfigLimitExceededException',
  'AlreadyExists',
  'AlreadyExistsFault',
  'LimitExceeded',
  'LimitExceededFault',
  'ResourceInUse',
  'ResourceInUseFault',
  'ResourceContention',
  'ScalingActivityInProgress',
  'DuplicateTargetGroupName',
  'BucketAlreadyOwnedByYou',
]);

const denied = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'AuthFailure',
  'InvalidRoleException',
  'IamRoleMissing',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
]);

const network = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'TimeoutError',
  'EAI_AGAIN',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The AWS error code of an SDK error (its `name`), or a Node error code for network failures. */
export function awsErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as ErrorLike;
  if (typeof e.code === 'string' && network.has(e.code)) return e.code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.code === 'string') return e.code;
  return 'Error';
}

export function classifyAwsError(error: unknown): AwsErrorClass {
  const code = awsErrorCode(error);
  if (notFound.has(code) || code.endsWith('.NotFound')) return 'not-found';
  if (throttled.has(code)) return 'throttled';
  if (conflict.has(code)) return 'conflict';
  if (denied.has(code)) return 'denied';
  if (network.has(code)) return 'network';
  if (
    code === 'ValidationError' ||
    code === 'ValidationException' ||
    code === 'InvalidParameterValue' ||
    code === 'InvalidParameterCombination' ||
    (code.startsWith('Invalid') && code.endsWith('Exception')) ||
    code.endsWith('RequiredException')
  ) {
    return 'validation';
  }
  const status = (error as ErrorLike | null)?.$metadata?.httpStatusCode;
  if (status === 404) return 'not-found';
  if (status === 403) return 'denied';
  if (status === 429) return 'throttled';
  return 'other';
}

const hints: Partial<Record<AwsErrorClass, string>> = {
  throttled: 'AWS kept throttling after the SDK retries; try again later or lower the polling rate',
  denied: 'check the credentials and that the role allows this action',
  network: 'could not reach the AWS endpoint; check AWS_ENDPOINT_URL, the region and the network',
};

/**
 * What greenlight's SDK middleware (clients.ts) learns about a failed call and attaches to the SDK's
 * error as `$greenlight`: the IAM action it needed and, for a refusal, who was refused.
 */
export interface CallContext {
  /** `codedeploy:GetDeploymentGroup`: the IAM action of the call. */
  readonly action?: string;
  /** The caller's ARN and account, from the identity line (GetCallerIdentity). */
  readonly principal?: string;
  readonly account?: string;
}

export function callContextOf(error: unknown): CallContext | undefined {
  const context = (error as { $greenlight?: CallContext } | null)?.$greenlight;
  return typeof context === 'object' && context !== null ? context : undefined;
}

/**
 * AWS cannot be called at all as configured: no region, or no credentials anywhere the SDK's chain
 * looks. Exit 2, a configuration error (DESIGN.md's exit codes): no call reached AWS and none will
 * until the person or the CI context sets something, so a retry (what exit 3 invites) cannot help.
 */
export class AwsConfigurationError extends Error {
  readonly exitCode: number = ExitCode.Usage;
  /** A few words for the identity line: `no region`, `no credentials`. */
  readonly short: string;
  constructor(message: string, short: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AwsConfigurationError';
    this.short = short;
  }
}

export const NO_REGION =
  'no AWS region: set AWS_REGION, pass --region, or give the environment a region in greenlight.yml';

/** The SDK's own error for a client without a region (`Error: Region is missing`). */
export function isRegionMissing(error: unknown): boolean {
  return error instanceof Error && error.message === 'Region is missing';
}

/** The credential chain found nothing (or a named profile, SSO session or token file failed). */
export function isCredentialsMissing(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'CredentialsProviderError' || name === 'TokenProviderError';
}

const GENERIC_CHAIN_FAILURE = 'Could not load credentials from any providers';

/**
 * What the SDK's default chain tried, in its order, and what to set. `profile` is the profile the
 * clients were given (--profile or AWS_PROFILE), if any.
 */
export function noCredentialsError(
  cause: unknown,
  inputs: { profile?: string; env: Readonly<Record<string, string | undefined>> },
): AwsConfigurationError {
  const said = cause instanceof Error ? cause.message : String(cause);
  const sdk = said && said !== GENERIC_CHAIN_FAILURE ? ` (the SDK said: ${said})` : '';
  const profile = inputs.profile ?? inputs.env.AWS_PROFILE;
  if (profile) {
    return new AwsConfigurationError(
      `no AWS credentials from profile ${profile}${sdk}: check that ~/.aws/config (or AWS_CONFIG_FILE) has ` +
        `[profile ${profile}] with credentials, a role or an SSO session; for SSO run \`aws sso login --profile ${profile}\`; ` +
        'or unset AWS_PROFILE and export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      'no credentials',
      { cause },
    );
  }
  const metadata = /^true$/i.test(inputs.env.AWS_EC2_METADATA_DISABLED ?? '')
    ? ''
    : ', container and instance metadata (there is no EC2 instance role here)';
  return new AwsConfigurationError(
    `no AWS credentials${sdk}: the SDK looked for AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the default profile ` +
      'in ~/.aws/credentials and ~/.aws/config (keys, SSO, credential_process), a web identity token ' +
      `(AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN)${metadata}; set AWS_PROFILE (or pass --profile) to a ` +
      'configured profile, export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login --profile NAME` ' +
      'and use that profile',
    'no credentials',
    { cause },
  );
}

/**
 * An AWS call that failed after the SDK's retries, named by operation and resource so the person
 * reading the CI log knows what was being done. Exit code 3 unless the caller decides otherwise; a
 * call that could not be made for want of a region or credentials is a configuration error (exit 2)
 * and says only what to set.
 */
export class AwsOperationError extends Error {
  readonly exitCode: number;
  readonly operation: string;
  readonly resource: string;
  readonly code: string;
  readonly errorClass: AwsErrorClass;
  readonly attempts: number | undefined;

  constructor(operation: string, resource: string, cause: unknown, note?: string) {
    const code = awsErrorCode(cause);
    const errorClass = classifyAwsError(cause);
    const detail = cause instanceof Error ? cause.message : String(cause);
    const attempts = (cause as { $metadata?: { attempts?: number } } | null)?.$metadata?.attempts;
    const tries = attempts && attempts > 1 ? ` (after ${attempts} attempts)` : '';
    const more = note ? ` (${note})` : '';
    const configuration = cause instanceof AwsConfigurationError ? cause : undefined;
    const hint =
      errorClass === 'denied' ? deniedHint(operation, resource, callContextOf(cause)) : hints[errorClass];
    super(
      configuration
        ? configuration.message
        : `${operation} on ${resource} failed: ${code}: ${detail}${tries}${more}${hint ? `; ${hint}` : ''}`,
      { cause },
    );
    this.name = 'AwsOperationError';
    this.exitCode = configuration ? configuration.exitCode : ExitCode.Aws;
    this.operation = operation;
    this.resource = resource;
    this.code = code;
    this.errorClass = errorClass;
    this.attempts = attempts;
  }
}

/** Access denied: who was refused what, on what, and what to change. */
function deniedHint(operation: string, resource: string, context: CallContext | undefined): string {
  const action = context?.action ?? operation;
  const who = context?.principal
    ? `${context.principal}${context.account && !context.principal.includes(context.account) ? ` (account ${context.account})` : ''}`
    : 'the caller (GetCallerIdentity could not say who)';
  return (
    `${who} may not call ${action} on ${resource}: allow ${action} in that principal's IAM policy, ` +
    'or use credentials that may (AWS_PROFILE, --profile)'
  );
}

/** Runs one AWS call and names the operation and resource if it fails. */
export async function awsCall<T>(operation: string, resource: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new AwsOperationError(operation, resource, error);
  }
}
