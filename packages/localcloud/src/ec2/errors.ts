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

/** `Invalid id: "x" (expecting "vpc-...")`: an id that is not of the resource's shape. */
export function malformedId(code: string, id: string, prefix: string): AwsApiError {
  return new AwsApiError(code, `Invalid id: "${id}" (expecting "${prefix}-...")`);
}

/** `The vpc ID 'vpc-x' does not exist`, or the plural naming them all. */
export function notFound(code: string, what: string, ids: readonly string[]): AwsApiError {
  const list = ids.join(', ');
  return new AwsApiError(
    code,
    ids.length === 1 ? `The ${what} '${list}' does not exist` : `The ${what}s '${list}' do not exist`,
  );
}

export function securityGroupNotFound(id: string): AwsApiError {
  return new AwsApiError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
}

export function securityGroupNameNotFound(name: string, vpcId: string): AwsApiError {
  return new AwsApiError(
    'InvalidGroup.NotFound',
    `The security group '${name}' does not exist in default VPC '${vpcId}'`,
  );
}

export function securityGroupDuplicate(name: string, vpcId: string): AwsApiError {
  return new AwsApiError(
    'InvalidGroup.Duplicate',
    `The security group '${name}' already exists for VPC '${vpcId}'`,
  );
}

export function cannotDeleteDefaultGroup(id: string): AwsApiError {
  return new AwsApiError(
    'CannotDelete',
    `the specified group: "${id}" name: "default" cannot be deleted by a user`,
  );
}

export function dependencyViolation(id: string): AwsApiError {
  return new AwsApiError('DependencyViolation', `resource ${id} has a dependent object`);
}

export function permissionDuplicate(rule: string): AwsApiError {
  return new AwsApiError('InvalidPermission.Duplicate', `the specified rule "${rule}" already exists`);
}

export function permissionNotFound(): AwsApiError {
  return new AwsApiError(
    'InvalidPermission.NotFound',
    'The specified rule does not exist in this security group.',
  );
}

export function imageNotFound(ids: readonly string[]): AwsApiError {
  return new AwsApiError(
    'InvalidAMIID.NotFound',
    ids.length === 1
      ? `The image id '[${ids.join(', ')}]' does not exist`
      : `The image ids '[${ids.join(', ')}]' do not exist`,
  );
}

export function securityGroupRuleNotFound(id: string): AwsApiError {
  return new AwsApiError(
    'InvalidSecurityGroupRuleId.NotFound',
    `The security group rule ID '${id}' does not exist`,
  );
}
