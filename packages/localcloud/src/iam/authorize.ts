// Every API request passes here after it is decoded and before its handler runs: credentials that
// expired are refused as AWS refuses them, and requests signed with an assumed role's credentials
// are evaluated against that role's policies. Unsigned requests and static test credentials are
// allowed, as before IAM existed here.
//
// [I] Which credentials are "static": any access key STS did not issue, with or without a session
// token (tests and tools sign with made-up keys, some with a made-up token). Only an `ASIA…` key with
// a session token that STS never issued (a session from before a reset, say) is refused as an
// unknown token, the way AWS refuses a token it does not know.
import type { Cloud } from '../cloud.js';
import { AwsApiError, type RequestContext, type SigningName } from '../service.js';
import { evaluateRole, type Decision } from './evaluate.js';
import type { Session } from './model.js';
import { dependentActions, passedRoles, requestAuthorization } from './request-actions.js';
import { launchTemplateChecks, type Check } from './service-role.js';

export interface AuthorizationRequest {
  readonly ctx: RequestContext;
  readonly service: SigningName;
  readonly operation: string;
  /** The decoded input (model services) or the S3 route. */
  readonly input: unknown;
}

/** Each service's refusal of a session past its Expiration. */
export function expiredToken(service: SigningName): AwsApiError {
  switch (service) {
    case 'codedeploy':
    case 'ssm':
      return new AwsApiError(
        'ExpiredTokenException',
        'The security token included in the request is expired',
      );
    case 's3':
      return new AwsApiError('ExpiredToken', 'The provided token has expired.');
    case 'ec2':
      return new AwsApiError('ExpiredToken', 'The security token included in the request is expired');
    default:
      return new AwsApiError('ExpiredToken', 'The security token included in the request is expired', {
        status: 403,
      });
  }
}

/** Each service's refusal of a session token it does not know (or of a key it does not go with). */
export function invalidToken(service: SigningName): AwsApiError {
  switch (service) {
    case 'codedeploy':
    case 'ssm':
      return new AwsApiError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    case 's3':
      return new AwsApiError('InvalidToken', 'The provided token is malformed or otherwise invalid.');
    case 'ec2':
      return new AwsApiError('AuthFailure', 'AWS was not able to validate the provided access credentials', {
        status: 401,
      });
    default:
      return new AwsApiError(
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
        {
          status: 403,
        },
      );
  }
}

/** Each service's AccessDenied, naming the principal, the action and (unless `*`) the resource. */
export function accessDenied(
  service: SigningName,
  principal: string,
  action: string,
  resource: string,
  explicit: boolean,
): AwsApiError {
  const on = resource === '*' ? '' : ` on resource: ${service === 's3' ? `"${resource}"` : resource}`;
  const why = explicit
    ? `with an explicit deny in an identity-based policy`
    : `because no identity-based policy allows the ${action} action`;
  const message = `User: ${principal} is not authorized to perform: ${action}${on} ${why}`;
  switch (service) {
    case 'codedeploy':
    case 'ssm':
      return new AwsApiError('AccessDeniedException', message);
    case 'ec2':
      return new AwsApiError(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. ${message}`,
        {
          status: 403,
        },
      );
    default:
      return new AwsApiError('AccessDenied', message, { status: 403 });
  }
}

/** The session a request is signed with, checked; undefined for unsigned and static credentials. */
export function sessionOf(cloud: Cloud, ctx: RequestContext, service: SigningName): Session | undefined {
  if (!ctx.accessKeyId) return undefined;
  const session = cloud.iam.session(ctx.accessKeyId);
  if (!session) {
    if (ctx.accessKeyId.startsWith('ASIA') && ctx.sessionToken !== undefined) throw invalidToken(service);
    return undefined;
  }
  if (ctx.sessionToken !== session.sessionToken) throw invalidToken(service);
  if (cloud.scheduler.now().getTime() >= session.expiration.getTime()) throw expiredToken(service);
  return session;
}

/** How a session's role's policies (as they are now) decide one action on one resource. */
export async function sessionDecision(
  cloud: Cloud,
  session: Session,
  ctx: RequestContext,
  action: string,
  resource: string,
  context: Record<string, string> = {},
): Promise<Decision> {
  const role = cloud.iam.roles.get(session.roleName.toLowerCase());
  // A deleted role's sessions may do nothing.
  const { decision } = await evaluateRole(cloud.iam, role?.arn === session.roleArn ? role : undefined, {
    principal: session.assumedRoleArn,
    action,
    resource,
    accountId: ctx.accountId,
    context: {
      'aws:PrincipalArn': session.roleArn,
      'aws:PrincipalAccount': ctx.accountId,
      'aws:RequestedRegion': ctx.region,
      ...context,
    },
  });
  return decision;
}

/** Throws the service's AwsApiError when the request may not go on. */
export async function authorize(cloud: Cloud, request: AuthorizationRequest): Promise<void> {
  const { ctx, service, operation, input } = request;
  const session = sessionOf(cloud, ctx, service);
  if (!session) return;
  // STS: GetCallerIdentity needs no permission (as on AWS); AssumeRole checks the caller's
  // sts:AssumeRole itself, with the target role's trust policy (sts/handlers.ts).
  if (service === 'sts') return;
  const evaluate = async (action: string, resource: string, context: Record<string, string> = {}) => {
    const outcome = await sessionDecision(cloud, session, ctx, action, resource, context);
    cloud.iamUsage.record(session.roleArn, action, resource, outcome === 'Allowed');
    if (outcome !== 'Allowed') {
      throw accessDenied(service, session.assumedRoleArn, action, resource, outcome === 'ExplicitlyDenied');
    }
  };
  const { action, resources, contexts } = requestAuthorization(cloud, ctx, service, operation, input);
  for (const resource of resources) await evaluate(action, resource, contexts?.get(resource));
  for (const also of dependentActions(cloud, ctx, service, operation, input)) {
    await evaluate(also.action, also.resource);
  }
  for (const passed of passedRoles(service, operation, input)) {
    await evaluate('iam:PassRole', passed.roleArn, { 'iam:PassedToService': passed.toService });
  }
  for (const check of launchTemplateUse(cloud, ctx, service, operation, input)) {
    await evaluate(check.action, check.resource, check.context);
  }
}

/**
 * A group created or updated with a launch template: Auto Scaling checks that the caller may launch
 * from it (service-role.ts, launchTemplateChecks).
 */
function launchTemplateUse(
  cloud: Cloud,
  ctx: RequestContext,
  service: string,
  operation: string,
  input: unknown,
): Check[] {
  if (service !== 'autoscaling') return [];
  if (operation !== 'CreateAutoScalingGroup' && operation !== 'UpdateAutoScalingGroup') return [];
  const spec = (input as { LaunchTemplate?: Record<string, unknown> } | undefined)?.LaunchTemplate;
  if (typeof spec !== 'object' || spec === null) return [];
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const id = text(spec.LaunchTemplateId);
  const name = text(spec.LaunchTemplateName);
  const version = text(spec.Version);
  return launchTemplateChecks(cloud, cloud.region(ctx.region), {
    ...(id !== undefined ? { id } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(version !== undefined ? { version } : {}),
  });
}
