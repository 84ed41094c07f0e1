// One constructor per CodeDeploy exception. The code on the wire is the shape name (JSON 1.1, spec
// §1.2); messages follow AWS's wording where it was seen publicly, the model's documentation otherwise.

import { AwsApiError } from '../service.js';

const e = (code: string, message: string): AwsApiError => new AwsApiError(code, message);

export const applicationNameRequired = () =>
  e('ApplicationNameRequiredException', 'Application name is required.');
export const invalidApplicationName = (name: string) =>
  e('InvalidApplicationNameException', `Application name is invalid: ${name}`);
export const applicationDoesNotExist = (name: string) =>
  e('ApplicationDoesNotExistException', `No application found for name: ${name}`);
export const applicationAlreadyExists = (name: string) =>
  e('ApplicationAlreadyExistsException', `Application already exists: ${name}`);
export const applicationLimitExceeded = () =>
  e('ApplicationLimitExceededException', 'More applications were attempted to be created than are allowed.');
export const invalidComputePlatform = (value: string) =>
  e(
    'InvalidComputePlatformException',
    `The computePlatform ${value} is invalid. The computePlatform should be Lambda, Server, or ECS.`,
  );

export const deploymentGroupNameRequired = () =>
  e('DeploymentGroupNameRequiredException', 'Deployment Group name is required.');
export const invalidDeploymentGroupName = (name: string) =>
  e('InvalidDeploymentGroupNameException', `Deployment Group name is invalid: ${name}`);
export const deploymentGroupDoesNotExist = (name: string) =>
  e('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`);
export const deploymentGroupAlreadyExists = (name: string) =>
  e('DeploymentGroupAlreadyExistsException', `Deployment Group already exists with name ${name}`);
export const deploymentGroupLimitExceeded = () =>
  e('DeploymentGroupLimitExceededException', 'The deployment groups limit was exceeded.');
export const roleRequired = () =>
  e('RoleRequiredException', 'Role ARN is required for the deployment group.');
export const invalidRole = (arn: string) => e('InvalidRoleException', `Invalid service role ARN: ${arn}`);
export const invalidAutoScalingGroup = (message: string) => e('InvalidAutoScalingGroupException', message);
export const invalidEc2TagCombination = () =>
  e(
    'InvalidEC2TagCombinationException',
    'Ec2TagFilters and Ec2TagSet cannot both be specified; use only one of these data types in a single call.',
  );
export const invalidEc2Tag = (message: string) => e('InvalidEC2TagException', message);
export const tagSetListLimitExceeded = () =>
  e(
    'TagSetListLimitExceededException',
    'The number of tag groups included in the tag set list exceeded the maximum allowed limit of 3.',
  );
export const alarmsLimitExceeded = () =>
  e('AlarmsLimitExceededException', 'The maximum number of alarms for a deployment group (10) was exceeded.');
export const invalidAlarmConfig = (message: string) => e('InvalidAlarmConfigException', message);
export const invalidAutoRollbackConfig = (message: string) =>
  e('InvalidAutoRollbackConfigException', message);
export const invalidLoadBalancerInfo = (message: string) => e('InvalidLoadBalancerInfoException', message);
export const invalidDeploymentStyle = (message: string) => e('InvalidDeploymentStyleException', message);
export const invalidBlueGreenDeploymentConfiguration = (message: string) =>
  e('InvalidBlueGreenDeploymentConfigurationException', message);
export const invalidTriggerConfig = (message: string) => e('InvalidTriggerConfigException', message);
export const invalidInput = (message: string) => e('InvalidInputException', message);
export const invalidTagsToAdd = (message: string) => e('InvalidTagsToAddException', message);
export const invalidArn = (arn: string) =>
  e('InvalidArnException', `The specified ARN is not in a valid format: ${arn}`);
export const resourceArnRequired = () =>
  e('ResourceArnRequiredException', 'The ARN of a resource is required.');
export const arnNotSupported = (arn: string) =>
  e('ArnNotSupportedException', `The specified ARN is not supported: ${arn}`);
export const tagRequired = () => e('TagRequiredException', 'A tag was not specified.');

export const deploymentConfigNameRequired = () =>
  e('DeploymentConfigNameRequiredException', 'Deployment configuration name is required.');
export const invalidDeploymentConfigName = (name: string) =>
  e('InvalidDeploymentConfigNameException', `Deployment configuration name is invalid: ${name}`);
export const deploymentConfigDoesNotExist = (name: string) =>
  e('DeploymentConfigDoesNotExistException', `No deployment configuration found for name: ${name}`);
export const deploymentConfigAlreadyExists = (name: string) =>
  e('DeploymentConfigAlreadyExistsException', `Deployment configuration already exists with name ${name}`);
export const deploymentConfigInUse = (name: string) =>
  e('DeploymentConfigInUseException', `The deployment configuration ${name} is still in use.`);
export const deploymentConfigLimitExceeded = () =>
  e('DeploymentConfigLimitExceededException', 'The deployment configurations limit was exceeded.');
export const invalidMinimumHealthyHostValue = (message: string) =>
  e('InvalidMinimumHealthyHostValueException', message);
export const invalidOperation = (message: string) => e('InvalidOperationException', message);

export const deploymentIdRequired = () => e('DeploymentIdRequiredException', 'Deployment ID is required.');
export const invalidDeploymentId = (id: string) =>
  e('InvalidDeploymentIdException', `Deployment ID is invalid: ${id}`);
export const deploymentDoesNotExist = (id: string) =>
  e('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`);
// Wording seen in public reports (spec §2.3).
export const deploymentLimitExceeded = (group: string, active: string) =>
  e(
    'DeploymentLimitExceededException',
    `The Deployment Group '${group}' already has an active Deployment '${active}'`,
  );
export const revisionRequired = () => e('RevisionRequiredException', 'Revision is required.');
export const invalidRevision = (message: string) => e('InvalidRevisionException', message);
export const revisionDoesNotExist = (message: string) => e('RevisionDoesNotExistException', message);
export const descriptionTooLong = () =>
  e('DescriptionTooLongException', 'The description is too long. The maximum length is 256 characters.');
export const invalidTargetInstances = (message: string) => e('InvalidTargetInstancesException', message);
export const invalidFileExistsBehavior = (value: string) =>
  e(
    'InvalidFileExistsBehaviorException',
    `Invalid fileExistsBehavior: ${value}. Valid values are DISALLOW, OVERWRITE and RETAIN.`,
  );
export const batchLimitExceeded = (limit: number) =>
  e(
    'BatchLimitExceededException',
    `The maximum number of names or IDs allowed for this request (${limit}) was exceeded.`,
  );
export const invalidNextToken = () =>
  e('InvalidNextTokenException', 'The next token was specified in an invalid format.');
export const invalidTimeRange = () =>
  e('InvalidTimeRangeException', 'The specified time range was specified in an invalid format.');
export const invalidDeploymentStatus = (status: string) =>
  e('InvalidDeploymentStatusException', `Invalid deployment status: ${status}`);
export const deploymentAlreadyCompleted = (id: string) =>
  e('DeploymentAlreadyCompletedException', `Deployment ${id} has already completed.`);
export const deploymentIsNotInReadyState = () =>
  e(
    'DeploymentIsNotInReadyStateException',
    "The deployment does not have a status of Ready and can't continue yet.",
  );
export const invalidDeploymentWaitType = (value: string) =>
  e('InvalidDeploymentWaitTypeException', `The wait type is invalid: ${value}`);
export const unsupportedActionForDeploymentType = (message: string) =>
  e('UnsupportedActionForDeploymentTypeException', message);
export const deploymentNotStarted = (id: string) =>
  e('DeploymentNotStartedException', `The deployment ${id} has not started.`);

export const deploymentTargetIdRequired = () =>
  e('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.');
export const invalidDeploymentTargetId = (id: string) =>
  e('InvalidDeploymentTargetIdException', `The target ID provided was not valid: ${id}`);
export const deploymentTargetDoesNotExist = (id: string, deploymentId: string) =>
  e(
    'DeploymentTargetDoesNotExistException',
    `The target ${id} does not belong to the deployment ${deploymentId}.`,
  );
// [I] AWS documents this exception for ECS and Lambda only; no other fits a 26-id EC2 request (spec §2.4).
export const deploymentTargetListSizeExceeded = (limit: number) =>
  e(
    'DeploymentTargetListSizeExceededException',
    `The maximum number of targets per request (${limit}) was exceeded.`,
  );
export const invalidTargetFilterName = (name: string) =>
  e('InvalidTargetFilterNameException', `The target filter name is invalid: ${name}`);
export const invalidInstanceStatus = (status: string) =>
  e('InvalidInstanceStatusException', `The specified instance status does not exist: ${status}`);
export const invalidInstanceType = (value: string) =>
  e('InvalidInstanceTypeException', `Invalid instance type: ${value}. Valid values are Blue and Green.`);
export const invalidDeploymentInstanceType = () =>
  e(
    'InvalidDeploymentInstanceTypeException',
    'An instance type was specified for an in-place deployment. Instance types are supported for blue/green deployments only.',
  );
export const instanceIdRequired = () =>
  e('InstanceIdRequiredException', 'The instance ID was not specified.');
export const instanceDoesNotExist = (id: string) =>
  e('InstanceDoesNotExistException', `The instance ${id} does not exist in the deployment.`);
