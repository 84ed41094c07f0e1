// The contract between the local cloud's HTTP layer (routing, protocols, faults) and its services.
// A service is a set of operation handlers keyed by the AWS operation name. A handler takes the
// request already decoded into the operation's input shape (member names exactly as the botocore
// model names them), and returns the output shape as a plain object; the protocol layer renders it.

/** The SigV4 signing name, which is also how fault rules and request counts name a service. */
export type SigningName =
  | 'codedeploy'
  | 'autoscaling'
  | 'elasticloadbalancing'
  | 'ec2'
  | 'monitoring'
  | 's3'
  | 'sts'
  | 'cloudformation'
  | 'iam'
  | 'ssm';

export interface RequestContext {
  readonly region: string;
  readonly accountId: string;
  readonly requestId: string;
  /** The access key of the request's SigV4 credential; undefined for an unsigned request. */
  readonly accessKeyId?: string;
  /** The session token (`X-Amz-Security-Token`) of temporary credentials; undefined for long-term keys. */
  readonly sessionToken?: string;
}

/**
 * An error the way AWS reports it. `code` is what goes on the wire: the shape name for JSON
 * services (`DeploymentGroupDoesNotExistException`), the model's `error.code` for query services
 * (`TargetGroupNotFound`), EC2's dotted codes (`InvalidInstanceID.NotFound`).
 */
export class AwsApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** `Sender` (client fault) or `Receiver` (server fault), for query protocols. */
  readonly fault: 'Sender' | 'Receiver';
  constructor(
    code: string,
    message: string,
    options: { status?: number; fault?: 'Sender' | 'Receiver' } = {},
  ) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = options.status ?? 400;
    this.fault = options.fault ?? (this.status >= 500 ? 'Receiver' : 'Sender');
  }
}

// Handlers take and return loosely typed shapes: the protocol layer has already checked the input
// against the model, and the contract tests check the output against it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OperationInput = any;
export type OperationHandler = (input: OperationInput, ctx: RequestContext) => unknown;

export interface ServiceDefinition {
  readonly signingName: SigningName;
  readonly operations: Readonly<Record<string, OperationHandler>>;
}
