// CloudFormation's errors: the model's error codes (ChangeSetNotFound, InvalidChangeSetStatus …) and
// ValidationError, with AWS's wording.
import { AwsApiError } from '../service.js';

export function validationError(message: string): AwsApiError {
  return new AwsApiError('ValidationError', message);
}

export function stackNotFound(nameOrId: string): AwsApiError {
  // The AWS CLI's `deploy` looks for exactly these words to decide between create and update.
  return validationError(`Stack with id ${nameOrId} does not exist`);
}

export function stackAlreadyExists(name: string): AwsApiError {
  return new AwsApiError('AlreadyExistsException', `Stack [${name}] already exists`);
}

export function changeSetAlreadyExists(name: string): AwsApiError {
  return new AwsApiError('AlreadyExistsException', `ChangeSet [${name}] already exists`);
}

export function changeSetNotFound(nameOrId: string): AwsApiError {
  return new AwsApiError('ChangeSetNotFound', `ChangeSet [${nameOrId}] does not exist`, { status: 404 });
}

export function invalidChangeSetStatus(message: string): AwsApiError {
  return new AwsApiError('InvalidChangeSetStatus', message);
}

export function insufficientCapabilities(capability: string): AwsApiError {
  return new AwsApiError('InsufficientCapabilitiesException', `Requires capabilities : [${capability}]`);
}
