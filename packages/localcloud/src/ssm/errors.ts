// SSM's refusals, one constructor per error code, as the JSON 1.1 protocol names them (the shape
// name: `InvalidInstanceId`, not `…Exception`). Wording: AWS's where it is known, else [I] a message
// that names the resource and the rule.
import { AwsApiError } from '../service.js';

/** SendCommand to an instance SSM cannot reach: AWS's own wording. */
export function instancesNotValid(instanceIds: readonly string[], accountId: string): AwsApiError {
  return new AwsApiError(
    'InvalidInstanceId',
    `Instances [[${instanceIds.join(', ')}]] not in a valid state for account ${accountId}`,
  );
}

export function invalidInstanceId(message: string): AwsApiError {
  return new AwsApiError('InvalidInstanceId', message);
}

export function duplicateInstanceId(): AwsApiError {
  return new AwsApiError('DuplicateInstanceId', 'Instance IDs must be unique.');
}

export function invalidDocument(name: string): AwsApiError {
  return new AwsApiError('InvalidDocument', `Document with name ${name} does not exist.`);
}

export function invalidDocumentVersion(version: string): AwsApiError {
  return new AwsApiError(
    'InvalidDocumentVersion',
    `Document version ${version} is not valid: this document has version 1 ($DEFAULT, $LATEST).`,
  );
}

export function invalidParameters(message: string): AwsApiError {
  return new AwsApiError('InvalidParameters', message);
}

/** The shape has no message member; the SDK reads the code. */
export function invocationDoesNotExist(): AwsApiError {
  return new AwsApiError(
    'InvocationDoesNotExist',
    'An invocation with this command id and instance id does not exist.',
  );
}

export function invalidCommandId(): AwsApiError {
  return new AwsApiError('InvalidCommandId', 'The command id is not valid.');
}

export function invalidPluginName(): AwsApiError {
  return new AwsApiError('InvalidPluginName', 'The plugin name is not valid.');
}

export function invalidFilterKey(key: string): AwsApiError {
  return new AwsApiError('InvalidFilterKey', `The filter key ${key} is not valid.`);
}

export function invalidFilterValue(message: string): AwsApiError {
  return new AwsApiError('InvalidInstanceInformationFilterValue', message);
}

export function invalidNextToken(): AwsApiError {
  return new AwsApiError('InvalidNextToken', 'The specified token is not valid.');
}

/** A member outside the model's bounds: the JSON services' validation error. */
export function validationError(value: unknown, member: string, constraint: string): AwsApiError {
  return new AwsApiError(
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}
