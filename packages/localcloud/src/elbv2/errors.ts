// ELBv2's errors: the model's error codes (not shape names), with AWS's wording.
import { AwsApiError } from '../service.js';

export function targetGroupNotFound(): AwsApiError {
  return new AwsApiError('TargetGroupNotFound', 'One or more target groups not found');
}

export function loadBalancerNotFound(): AwsApiError {
  return new AwsApiError('LoadBalancerNotFound', 'One or more load balancers not found');
}

export function listenerNotFound(): AwsApiError {
  return new AwsApiError('ListenerNotFound', 'One or more listeners not found');
}

export function duplicateTargetGroupName(name: string): AwsApiError {
  return new AwsApiError(
    'DuplicateTargetGroupName',
    `A target group with the same name '${name}' exists, but with different settings`,
  );
}

export function duplicateLoadBalancerName(name: string): AwsApiError {
  return new AwsApiError(
    'DuplicateLoadBalancerName',
    `A load balancer with the same name '${name}' exists, but with different settings`,
  );
}

export function duplicateListener(): AwsApiError {
  return new AwsApiError(
    'DuplicateListener',
    'A listener already exists on this port for this load balancer',
  );
}

export function invalidTargetNotRunning(ids: readonly string[]): AwsApiError {
  return new AwsApiError(
    'InvalidTarget',
    `The following targets are not in a running state and cannot be registered: '${ids.join(', ')}'`,
  );
}

export function invalidTargetUnknown(ids: readonly string[]): AwsApiError {
  return new AwsApiError(
    'InvalidTarget',
    `The following targets are not valid instances: '${ids.join(', ')}'`,
  );
}

export function targetGroupInUse(arn: string): AwsApiError {
  return new AwsApiError(
    'ResourceInUse',
    `Target group '${arn}' is currently in use by a listener or a rule`,
  );
}

export function validationError(message: string): AwsApiError {
  return new AwsApiError('ValidationError', message);
}

export function missingParameter(name: string): AwsApiError {
  return validationError(
    `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
  );
}

export function tooManyNames(): AwsApiError {
  return validationError("You cannot describe more than '20' target groups at a time");
}

export function invalidMarker(): AwsApiError {
  return validationError('The marker is not valid');
}

/** An attribute key ELBv2 does not have: a ValidationError, as AWS (and botocore's docs) answer it. */
export function unknownAttribute(key: string): AwsApiError {
  return new AwsApiError('ValidationError', `Target group attribute key '${key}' is not recognized`);
}

export function subnetNotFound(id: string): AwsApiError {
  return new AwsApiError('SubnetNotFound', `The subnet ID '${id}' is not valid`);
}

export function invalidConfiguration(message: string): AwsApiError {
  return new AwsApiError('InvalidConfigurationRequest', message);
}

/** Why a bind failed, in words: the Node error code alone says little to someone reading a stack event. */
function bindCause(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return 'EADDRINUSE: another process listens on that port, on this address or on every address';
    case 'EACCES':
      return 'EACCES: the port is privileged and this process may not bind it, nor a free port instead';
    case 'EADDRNOTAVAIL':
      return 'EADDRNOTAVAIL: the host does not route this loopback address (Linux routes all of 127.0.0.0/8; elsewhere add an alias)';
    default:
      return cause instanceof Error ? cause.message : String(cause);
  }
}

/**
 * A listener the local cloud cannot serve: AWS's answer to a listener it cannot set up on the load
 * balancer is InvalidConfigurationRequest, a client error, never a silent success.
 */
export function listenerNotServed(
  loadBalancerName: string,
  address: string,
  port: number,
  cause: unknown,
): AwsApiError {
  return new AwsApiError(
    'InvalidConfigurationRequest',
    `Load balancer '${loadBalancerName}' cannot listen on port ${port}: the local cloud could not bind ${address}:${port} (${bindCause(cause)})`,
  );
}
