// One classification of AWS errors, used everywhere a caller must decide what an error means.
// "Does not exist" is the only class that may lead to creating something; every other class is
// reported as what it is.

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
 * An AWS call that failed after the SDK's retries, named by operation and resource so the person
 * reading the CI log knows what was being done. Exit code 3 unless the caller decides otherwise.
 */
export class AwsOperationError extends Error {
  readonly exitCode = 3;
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
    const hint = hints[errorClass];
    const more = note ? ` (${note})` : '';
    super(`${operation} on ${resource} failed: ${code}: ${detail}${tries}${more}${hint ? `; ${hint}` : ''}`, {
      cause,
    });
    this.name = 'AwsOperationError';
    this.operation = operation;
    this.resource = resource;
    this.code = code;
    this.errorClass = errorClass;
    this.attempts = attempts;
  }
}

/** Runs one AWS call and names the operation and resource if it fails. */
export async function awsCall<T>(operation: string, resource: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new AwsOperationError(operation, resource, error);
  }
}
