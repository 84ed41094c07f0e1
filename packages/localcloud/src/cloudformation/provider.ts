// The contract between the CloudFormation engine and the resource types it knows. A provider creates,
// updates and deletes one resource type through the same models the other APIs answer from (a
// stack's AWS::AutoScaling::AutoScalingGroup is an Auto Scaling group DescribeAutoScalingGroups
// lists), so what a stack makes is what CodeDeploy, the CLI and greenlight see.
//
// A provider refuses what AWS refuses with an AwsApiError-free `ResourceFailure` whose message is the
// one CloudFormation shows in the resource's *_FAILED event (`Resource handler returned message: …`);
// the engine then rolls the stack back.
import { randomUUID } from 'node:crypto';
import type { Cloud, RegionModels } from '../cloud.js';
import type { AwsApiError } from '../service.js';

/** Properties as the template gives them, intrinsic functions already resolved. */
export type ResourceProperties = Readonly<Record<string, unknown>>;

export interface ProviderContext {
  readonly cloud: Cloud;
  /** The stack's region's models. */
  readonly models: RegionModels;
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly logicalId: string;
  /** `<stack>-<logicalId>-<random>`, CloudFormation's name for a resource the template does not name. */
  readonly generatedName: (maxLength?: number) => string;
}

export interface ResourceResult {
  /** What `Ref` returns and DescribeStackResources names as PhysicalResourceId. */
  readonly physicalId: string;
  /** What `Fn::GetAtt` can read. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export interface ResourceProvider {
  /** Properties whose change replaces the resource (create new, then delete old) instead of updating it. */
  readonly replaceOn?: readonly string[];
  /**
   * The property that names the resource (`AutoScalingGroupName`). A resource the template names
   * cannot be replaced: two resources of one name cannot exist at once, and CloudFormation says so.
   */
  readonly nameProperty?: string;
  create(properties: ResourceProperties, ctx: ProviderContext): Promise<ResourceResult> | ResourceResult;
  /** Updates in place; absent, every change replaces. */
  update?(
    physicalId: string,
    properties: ResourceProperties,
    previous: ResourceProperties,
    ctx: ProviderContext,
  ): Promise<ResourceResult> | ResourceResult;
  delete(physicalId: string, properties: ResourceProperties, ctx: ProviderContext): Promise<void> | void;
}

/** A resource operation that failed the way CloudFormation reports it in the stack's events. */
export class ResourceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceFailure';
  }
}

export type ProviderRegistry = ReadonlyMap<string, ResourceProvider>;

/** CloudFormation's HandlerErrorCode for a service's refusal. */
function handlerErrorCode(error: AwsApiError): string {
  if (/NotFound/i.test(error.code) || /not found|does not exist/i.test(error.message)) return 'NotFound';
  if (/AlreadyExists|Duplicate/i.test(error.code)) return 'AlreadyExists';
  if (/Throttl|RequestLimitExceeded/.test(error.code)) return 'Throttling';
  if (error.status >= 500) return 'GeneralServiceException';
  return 'InvalidRequest';
}

/**
 * A service's refusal as a resource's *_FAILED reason, the way CloudFormation's resource handlers
 * report it: `Resource handler returned message: "<message> (Service: <service>, Status Code: <status>,
 * Request ID: <id>)" (RequestToken: <token>, HandlerErrorCode: <code>)`.
 */
export function handlerFailure(service: string | undefined, error: AwsApiError): ResourceFailure {
  const origin = `${service !== undefined ? `Service: ${service}, ` : ''}Status Code: ${error.status}, Request ID: ${randomUUID()}`;
  return new ResourceFailure(
    `Resource handler returned message: "${error.message} (${origin})" (RequestToken: ${randomUUID()}, HandlerErrorCode: ${handlerErrorCode(error)})`,
  );
}
