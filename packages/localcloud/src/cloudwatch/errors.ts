// CloudWatch's errors: the model's error codes, with AWS's wording.
import { AwsApiError } from '../service.js';

export function alarmNotFound(name: string): AwsApiError {
  return new AwsApiError('ResourceNotFound', `Alarm ${name} not found`, { status: 404 });
}

export function alarmsNotFound(names: readonly string[]): AwsApiError {
  return new AwsApiError('ResourceNotFound', `The following alarms were not found: [${names.join(', ')}]`, {
    status: 404,
  });
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
