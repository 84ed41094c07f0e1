// CloudWatch's errors: the model's error codes, with AWS's wording.
import { AwsApiError } from '../service.js';

export function alarmNotFound(name: string): AwsApiError {
  return new AwsApiError('ResourceNotFound', `Alarm ${name} not found`, { status: 404 });
}

/** An enum value outside the model's set, worded as AWS's request validation words it. */
export function invalidStateValue(value: string): AwsApiError {
  return new AwsApiError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]`,
  );
}

export function validationError(message: string): AwsApiError {
  return new AwsApiError('ValidationError', message);
}

export function invalidParameterValue(message: string): AwsApiError {
  return new AwsApiError('InvalidParameterValue', message);
}

export function missingParameter(name: string): AwsApiError {
  return new AwsApiError('MissingParameter', `The parameter ${name} is required.`);
}

export function invalidNextToken(): AwsApiError {
  return new AwsApiError('InvalidNextToken', 'The service returned an invalid next token.');
}

export function invalidParameterCombination(message: string): AwsApiError {
  return new AwsApiError('InvalidParameterCombination', message);
}
