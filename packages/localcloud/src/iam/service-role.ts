// CodeDeploy's own actions, evaluated against its service role. A blue/green deployment with
// COPY_AUTO_SCALING_GROUP creates a copy of the deployment group's Auto Scaling group, which launches
// from the group's launch template: CodeDeploy does that as its service role, which needs
// autoscaling:CreateAutoScalingGroup, ec2:RunInstances on the launch template and its image,
// ec2:CreateTags on what it launches, and iam:PassRole of the instance profile's role to EC2 (AWS's
// AWSCodeDeployRole has the first, and "If you create your Auto Scaling group with a launch template,
// you must add ec2:RunInstances, ec2:CreateTags, iam:PassRole", as CodeDeploy's user guide says).
//
// [I] Only a service role the cloud's IAM holds is checked (a stack's, or one made with CreateRole);
// an ARN naming no role here is taken on trust, as before IAM existed. The failure is the deployment's
// IAM_ROLE_PERMISSIONS with the message AWS gives for a service the role may not use, naming the
// service of the first action refused (AmazonAutoScaling and AmazonEC2 as AWS names them; AWSIAM for
// iam:PassRole is a guess).
import { evaluateRole } from './evaluate.js';
import type { Cloud, RegionModels } from '../cloud.js';

export interface GreenFleetRequest {
  readonly serviceRoleArn: string;
  readonly region: string;
  /** The Auto Scaling group CodeDeploy copies. */
  readonly sourceGroupName: string;
  /** `CodeDeploy_<group>_<deployment id>` */
  readonly greenGroupName: string;
}

export interface Check {
  readonly awsService: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
}

const SERVICE_NAMES: Readonly<Record<string, string>> = {
  autoscaling: 'AmazonAutoScaling',
  ec2: 'AmazonEC2',
  iam: 'AWSIAM',
};

/** One action on one resource, with the service AWS names when the role may not use it. */
function check(action: string, resource: string, context?: Record<string, string>): Check {
  return {
    awsService: SERVICE_NAMES[action.split(':')[0] ?? ''] ?? action,
    action,
    resource,
    ...(context ? { context } : {}),
  };
}

function checksFor(cloud: Cloud, models: RegionModels, request: GreenFleetRequest): Check[] {
  const { region } = request;
  const account = cloud.accountId;
  const checks = [
    check(
      'autoscaling:CreateAutoScalingGroup',
      `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/${request.greenGroupName}`,
    ),
  ];
  const reference = models.autoscaling.get(request.sourceGroupName)?.launchTemplate;
  return reference ? [...checks, ...launchTemplateChecks(cloud, models, reference)] : checks;
}

/**
 * What launching from a launch template version asks of whoever does it: ec2:RunInstances on the
 * template and its image, ec2:CreateTags on what it launches, iam:PassRole of the instance profile's
 * role to EC2. CodeDeploy's copy of a group checks them against its service role; Auto Scaling checks
 * them against the caller of CreateAutoScalingGroup or UpdateAutoScalingGroup with a launch template
 * (the "ec2:RunInstances and iam:PassRole permission validation" of Auto Scaling's user guide).
 * A template or version that does not exist asks nothing here: the operation itself refuses it.
 */
export function launchTemplateChecks(
  cloud: Cloud,
  models: RegionModels,
  reference: { readonly id?: string; readonly name?: string; readonly version?: string },
): Check[] {
  const region = models.region;
  const account = cloud.accountId;
  const checks: Check[] = [];
  let data;
  let templateId;
  try {
    const template = models.ec2.requireLaunchTemplate({
      ...(reference.id !== undefined ? { id: reference.id } : {}),
      ...(reference.name !== undefined ? { name: reference.name } : {}),
    });
    templateId = template.id;
    const version =
      reference.version === undefined || reference.version === '$Default'
        ? String(template.defaultVersion)
        : reference.version;
    data = models.ec2.templateVersion(template, version).data;
  } catch {
    return checks;
  }
  checks.push(check('ec2:RunInstances', `arn:aws:ec2:${region}:${account}:launch-template/${templateId}`));
  if (data.ImageId) checks.push(check('ec2:RunInstances', `arn:aws:ec2:${region}::image/${data.ImageId}`));
  checks.push(
    check('ec2:CreateTags', `arn:aws:ec2:${region}:${account}:instance/*`, {
      'ec2:CreateAction': 'RunInstances',
    }),
  );
  const profileRef = data.IamInstanceProfile;
  const profileName = profileRef?.Name ?? profileRef?.Arn?.split('/').pop();
  const profile = profileName ? cloud.iam.instanceProfiles.get(profileName.toLowerCase()) : undefined;
  for (const roleName of profile?.roles ?? []) {
    const role = cloud.iam.roles.get(roleName.toLowerCase());
    if (role) checks.push(check('iam:PassRole', role.arn, { 'iam:PassedToService': 'ec2.amazonaws.com' }));
  }
  return checks;
}

/**
 * Why the service role may not make the green fleet (the deployment's IAM_ROLE_PERMISSIONS message),
 * or undefined when it may.
 */
export async function greenFleetDenial(
  cloud: Cloud,
  request: GreenFleetRequest,
): Promise<string | undefined> {
  const role = cloud.iam.roleByArn(request.serviceRoleArn);
  if (!role) return undefined;
  const principal = `arn:aws:sts::${cloud.accountId}:assumed-role/${role.name}/AWSCodeDeploy`;
  for (const check of checksFor(cloud, cloud.region(request.region), request)) {
    const { decision } = await evaluateRole(cloud.iam, role, {
      principal,
      action: check.action,
      resource: check.resource,
      accountId: cloud.accountId,
      context: { 'aws:PrincipalArn': role.arn, ...check.context },
    });
    if (decision !== 'Allowed') {
      return (
        `The IAM role ${role.arn} does not give you permission to perform operations in the following AWS service: ${check.awsService}. ` +
        'Contact your AWS administrator if you need help. If you are an AWS administrator, you can grant permissions to your users or groups by creating IAM policies.'
      );
    }
  }
  return undefined;
}
