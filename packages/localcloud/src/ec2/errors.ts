// EC2's errors, with the codes and wording EC2 uses.
import { AwsApiError } from '../service.js';

export function instanceIdNotFound(ids: readonly string[]): AwsApiError {
  const list = ids.join(', ');
  return new AwsApiError(
    'InvalidInstanceID.NotFound',
    ids.length === 1 ? `The instance ID '${list}' does not exist` : `The instance IDs '${list}' do not exist`,
  );
}

export function instanceIdMalformed(id: string): AwsApiError {
  return new AwsApiError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
}

export function invalidParameterCombination(message: string): AwsApiError {
  return new AwsApiError('InvalidParameterCombination', message);
}

export function invalidParameterValue(message: string): AwsApiError {
  return new AwsApiError('InvalidParameterValue', message);
}

export function invalidFilter(name: string): AwsApiError {
  return new AwsApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
}

export function missingParameter(name: string): AwsApiError {
  return new AwsApiError('MissingParameter', `The request must contain the parameter ${name}`);
}

export function invalidNextToken(token: string): AwsApiError {
  return new AwsApiError('InvalidNextToken', `The token '${token}' is invalid.`);
}

export function launchTemplateNameAlreadyExists(name: string): AwsApiError {
  return new AwsApiError(
    'InvalidLaunchTemplateName.AlreadyExistsException',
    `Launch template name already in use: ${name}`,
  );
}

export function launchTemplateIdNotFound(id: string): AwsApiError {
  return new AwsApiError(
    'InvalidLaunchTemplateId.NotFound',
    `The specified launch template, with template ID ${id}, does not exist.`,
  );
}

export function launchTemplateNameNotFound(name: string): AwsApiError {
  return new AwsApiError(
    'InvalidLaunchTemplateName.NotFoundException',
    `The specified launch template, with template name ${name}, does not exist.`,
  );
}

export function launchTemplateVersionNotFound(version: string): AwsApiError {
  return new AwsApiError(
    'InvalidLaunchTemplateId.VersionNotFound',
    `Could not find launch template version ${version}.`,
  );
}
