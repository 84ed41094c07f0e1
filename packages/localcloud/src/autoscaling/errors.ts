// Auto Scaling's errors: the model's error codes, with AWS's wording.
import { AwsApiError } from '../service.js';

export function validationError(message: string): AwsApiError {
  return new AwsApiError('ValidationError', message);
}

export function missingParameter(name: string): AwsApiError {
  return validationError(
    `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
  );
}

export function groupNotFound(name: string): AwsApiError {
  return validationError(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
}

export function alreadyExists(name: string): AwsApiError {
  return new AwsApiError(
    'AlreadyExists',
    `AutoScalingGroup by this name already exists - A group with the name ${name} already exists`,
  );
}

export function resourceInUse(): AwsApiError {
  return new AwsApiError(
    'ResourceInUse',
    'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.',
  );
}

export function invalidNextToken(token: string): AwsApiError {
  return new AwsApiError('InvalidNextToken', `The token '${token}' is invalid.`);
}

export function noLaunchSource(): AwsApiError {
  return validationError(
    'Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.',
  );
}

export function invalidLaunchTemplate(detail: string): AwsApiError {
  return validationError(`You must use a valid fully-formed launch template. ${detail}`);
}

export function sizeBounds(min: number, max: number): AwsApiError {
  return validationError(`Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
}

export function maxSizeOverQuota(max: number, quota: number): AwsApiError {
  return validationError(
    `Max bound, ${max}, must be less than or equal to ${quota}, the local cloud's limit on a group's size (standing in for the account's instance quota)`,
  );
}

export function desiredOutOfBounds(desired: number, min: number, max: number): AwsApiError {
  return validationError(
    `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
  );
}

export function noAvailabilityZones(): AwsApiError {
  return validationError('At least one Availability Zone or VPC Subnet is required.');
}

export function invalidTargetGroups(): AwsApiError {
  return validationError('Provided Target Groups may not be valid. Please ensure they exist and try again.');
}

export function noActiveLifecycleAction(instanceId: string | undefined): AwsApiError {
  return validationError(`No active Lifecycle Action found with instance ID ${instanceId ?? 'null'}`);
}

export function lifecycleHookNotFound(hookName: string, groupName: string): AwsApiError {
  return validationError(`No Lifecycle Hook found with name ${hookName} for group ${groupName}`);
}

export function instanceNotInGroup(instanceId: string): AwsApiError {
  return validationError(`Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
}

export function invalidFilter(name: string): AwsApiError {
  return validationError(
    `Filter name ${name} is not supported. Valid filter names are: tag-key, tag-value, tag:<key>`,
  );
}

export function maxRecords(value: number): AwsApiError {
  return validationError(`Value ${value} for MaxRecords must be between 1 and 100`);
}

// [I] The wording of the four below is the local cloud's: AWS answers these with a ValidationError
// whose exact text the local cloud has not seen.

export function launchTemplateAndMixedPolicy(): AwsApiError {
  return validationError(
    'Valid requests must contain only one of LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.',
  );
}

/** A warm pool and a mixed instances policy exclude each other (PutWarmPool's API reference). */
export function warmPoolWithMixedPolicy(groupName: string): AwsApiError {
  return validationError(
    `You cannot add a warm pool to an Auto Scaling group that has a mixed instances policy: ${groupName}.`,
  );
}

export function noWarmPool(groupName: string): AwsApiError {
  return validationError(`The Auto Scaling group ${groupName} has no warm pool.`);
}

export function invalidProcess(name: string): AwsApiError {
  return validationError(
    `Invalid scaling process name: ${name}. Valid names are Launch, Terminate, AddToLoadBalancer, AlarmNotification, AZRebalance, HealthCheck, InstanceRefresh, ReplaceUnhealthy, ScheduledActions.`,
  );
}
