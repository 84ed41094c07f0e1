// One AWS call as `--verbose` prints it: service, operation, the resource it was about, the answer
// (HTTP status, error code), how long it took and how many times the SDK retried it. Pure: the
// middleware in clients.ts measures, this module names.

export interface AwsCallRecord {
  /** The IAM service prefix: `codedeploy`, `autoscaling`, `elasticloadbalancing`, `ec2`, … */
  readonly service: string;
  readonly operation: string;
  readonly resource?: string;
  /** The HTTP status of the last attempt; undefined when no answer came (network, configuration). */
  readonly status?: number;
  /** The error's code when the call failed. */
  readonly error?: string;
  readonly durationMs: number;
  readonly retries: number;
}

/** The IAM service prefix of each SDK client greenlight builds. */
const SERVICE_OF_CLIENT: Readonly<Record<string, string>> = {
  CodeDeployClient: 'codedeploy',
  AutoScalingClient: 'autoscaling',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
  EC2Client: 'ec2',
  CloudWatchClient: 'cloudwatch',
  S3Client: 's3',
  STSClient: 'sts',
  IAMClient: 'iam',
  SSMClient: 'ssm',
};

export function serviceOfClient(clientName: string | undefined): string {
  if (!clientName) return 'aws';
  return SERVICE_OF_CLIENT[clientName] ?? clientName.replace(/Client$/, '').toLowerCase();
}

export function operationOfCommand(commandName: string | undefined): string {
  return (commandName ?? 'Unknown').replace(/Command$/, '');
}

type Input = Readonly<Record<string, unknown>>;

const MAX_LISTED = 3;

function list(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return shortArn(value);
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const names = value.map((v) => (typeof v === 'string' ? shortArn(v) : JSON.stringify(v)));
  const shown = names.slice(0, MAX_LISTED).join(',');
  return names.length > MAX_LISTED ? `${shown},… (${names.length})` : shown;
}

/** `arn:aws:elasticloadbalancing:…:targetgroup/web-dev-tg/0123` → `targetgroup/web-dev-tg`. */
function shortArn(value: string): string {
  if (!value.startsWith('arn:')) return value;
  const resource = value.split(':').slice(5).join(':');
  const parts = resource.split('/');
  return parts.length >= 3 && /^[0-9a-f]{6,}$/.test(parts[parts.length - 1] ?? '')
    ? parts.slice(0, -1).join('/')
    : resource || value;
}

// The members that name what a call is about, in the order they are looked for: the first found wins.
const RESOURCE_MEMBERS = [
  'deploymentId',
  'deploymentIds',
  'deploymentConfigName',
  'AutoScalingGroupName',
  'AutoScalingGroupNames',
  'TargetGroupArn',
  'TargetGroupArns',
  'LoadBalancerArn',
  'LoadBalancerArns',
  'ListenerArns',
  'Names',
  'AlarmName',
  'AlarmNames',
  'InstanceIds',
  'instanceIds',
  'targetIds',
  'LaunchTemplateName',
  'LaunchTemplateNames',
  'LaunchTemplateId',
  'ResourceArn',
  'applicationNames',
] as const;

/** What a call is about, from its input: `web/web-dev`, `d-ABCDEFGHI`, `s3://bucket/key`, … */
export function resourceOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const i = input as Input;
  const app = typeof i.applicationName === 'string' ? i.applicationName : undefined;
  const group =
    typeof i.deploymentGroupName === 'string'
      ? i.deploymentGroupName
      : typeof i.currentDeploymentGroupName === 'string'
        ? i.currentDeploymentGroupName
        : undefined;
  if (app && group) return `${app}/${group}`;
  if (typeof i.Bucket === 'string') return `s3://${i.Bucket}${typeof i.Key === 'string' ? `/${i.Key}` : ''}`;
  for (const member of RESOURCE_MEMBERS) {
    const found = list(i[member]);
    if (found) return found;
  }
  return app;
}

/** `codedeploy GetDeploymentGroup web/web-dev → 200 (34 ms)`, `… → 400 ThrottlingException (1.2 s, 2 retries)`. */
export function formatCall(call: AwsCallRecord): string {
  const answer = [
    call.status !== undefined ? String(call.status) : 'no answer',
    ...(call.error ? [call.error] : []),
  ].join(' ');
  const took =
    call.durationMs < 1000 ? `${Math.round(call.durationMs)} ms` : `${(call.durationMs / 1000).toFixed(1)} s`;
  const retries = call.retries > 0 ? `, ${call.retries} ${call.retries === 1 ? 'retry' : 'retries'}` : '';
  return `aws ${call.service} ${call.operation}${call.resource ? ` ${call.resource}` : ''} → ${answer} (${took}${retries})`;
}
