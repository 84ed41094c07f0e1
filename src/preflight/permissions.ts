// Whether the caller (the deploy role, in CI) may call every operation a deployment of this
// environment makes, on the resources it makes them on — asked of IAM's policy simulation
// (SimulatePrincipalPolicy on the caller's role: its assumed-role ARN from GetCallerIdentity, turned
// back into the role's), before anything is created. A role that may not simulate its own policies
// (AccessDenied), or a caller that is no role or user, leaves the check skipped with that reason:
// never failed for what it could not ask.
//
// DEPLOY_PATH is the one list of what a deployment calls (preflight itself included, since deploy
// runs it), and on which resource; each action it calls only on some paths says which, and the
// rehearsal's least-privilege report takes those paths from here (src/rehearse/least-privilege.ts).
// test/template checks that sam-template.yaml's deploy role grants every one of them.
import {
  SimulatePrincipalPolicyCommand,
  type ContextEntry,
  type EvaluationResult,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { awsErrorCode, classifyAwsError } from '../aws/errors.js';
import type { LaunchTemplateAlignment } from '../codedeploy/launch-template.js';
import type { RevisionRef } from '../codedeploy/revision.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { AwsClientSource } from '../deps.js';
import type { PreflightCheck } from './preflight.js';

/** What the resources of one deployment are, for the ARNs its actions act on. */
export interface DeploymentFacts {
  readonly env: EnvironmentConfig;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The groups CodeDeploy copies, as DescribeAutoScalingGroups answers them (their ARNs). */
  readonly groups: readonly AutoScalingGroup[];
  /** The S3 object the deployment reads, when its revision is a bundle in S3. */
  readonly bundle?: { readonly bucket: string; readonly key: string; readonly version?: string };
  /** The deployment uploads the bundle itself (deploy --bundle). */
  readonly uploads: boolean;
  /** The groups deploy points at their launch template's latest version first. */
  readonly moves: readonly LaunchTemplateAlignment[];
}

export interface DeployAction {
  readonly action: string;
  /** The resources of this deployment it acts on; none when this deployment does not call it. */
  readonly on: (facts: DeploymentFacts) => readonly string[];
  /** When a deployment calls it only on some paths: which (the rehearsal's report says it). */
  readonly path?: string;
}

const arn = (f: DeploymentFacts, service: string, resource: string, region = f.region) =>
  `arn:${f.partition}:${service}:${region}:${f.account}:${resource}`;
const application = (f: DeploymentFacts) => [arn(f, 'codedeploy', `application:${f.env.application}`)];
const deploymentGroup = (f: DeploymentFacts) => [
  arn(f, 'codedeploy', `deploymentgroup:${f.env.application}/${f.env.deploymentGroup}`),
];
const everything = () => ['*'];
/** The groups CodeDeploy copies. */
const originals = (f: DeploymentFacts) =>
  f.groups.flatMap((g) => (g.AutoScalingGroupARN ? [g.AutoScalingGroupARN] : []));
/**
 * The copies CodeDeploy makes of them, named per deployment. An in-place deployment makes none: it
 * installs on the groups' own instances, so it needs no call on a copy (nor CodeDeploy's
 * CreateAutoScalingGroup, which is the service role's, not the caller's, in either style).
 */
const copies = (f: DeploymentFacts) =>
  f.env.style === 'in-place'
    ? []
    : [
        arn(
          f,
          'autoscaling',
          `autoScalingGroup:*:autoScalingGroupName/CodeDeploy_${f.env.deploymentGroup}_*`,
        ),
      ];
const bundle = (f: DeploymentFacts) =>
  f.bundle ? [`arn:${f.partition}:s3:::${f.bundle.bucket}/${f.bundle.key}`] : [];
const waitsInReady = (f: DeploymentFacts) => f.env.blueGreen?.ready.action === 'STOP_DEPLOYMENT';

const S3 = 'an S3 revision (revision: s3 in greenlight.yml), and sam deploy --s3-bucket';
const NEW_TEMPLATE_VERSION =
  'a deployment after a stack update: the group CodeDeploy copies is pointed at the new launch template version, which Auto Scaling lets only a caller who may launch from the template do';
const SUSPEND =
  "autoScaling.suspendProcesses in greenlight.yml: the processes CodeDeploy names are suspended on the group it copies (in place: on the fleet's groups) for the deployment, and resumed after it";

export const DEPLOY_PATH: readonly DeployAction[] = [
  { action: 'codedeploy:GetApplication', on: application },
  { action: 'codedeploy:GetDeploymentGroup', on: deploymentGroup },
  {
    action: 'codedeploy:GetDeploymentConfig',
    on: (f) => [arn(f, 'codedeploy', `deploymentconfig:${f.env.deploymentConfig.name}`)],
  },
  { action: 'codedeploy:ListTagsForResource', on: deploymentGroup },
  // The verified revision is recorded on the deployment group (last-known-good).
  { action: 'codedeploy:TagResource', on: deploymentGroup },
  { action: 'codedeploy:CreateDeployment', on: deploymentGroup },
  {
    // CodeDeploy's API reference: "If you specify an overrideAlarmConfiguration, you need the
    // UpdateDeploymentGroup IAM permission when calling CreateDeployment."
    action: 'codedeploy:UpdateDeploymentGroup',
    on: (f) => (f.env.alarms.length > 0 ? deploymentGroup(f) : []),
    path: 'a rollback in a group with alarms: its deployment does not poll them (overrideAlarmConfiguration), which CodeDeploy allows only a caller who may update the group',
  },
  { action: 'codedeploy:GetDeployment', on: deploymentGroup },
  { action: 'codedeploy:BatchGetDeployments', on: deploymentGroup },
  { action: 'codedeploy:ListDeployments', on: deploymentGroup },
  { action: 'codedeploy:ListDeploymentTargets', on: everything },
  { action: 'codedeploy:BatchGetDeploymentTargets', on: everything },
  {
    action: 'codedeploy:ContinueDeployment',
    on: (f) => (waitsInReady(f) ? ['*'] : []),
    path: 'an environment whose deployments wait in Ready: continued once verified',
  },
  {
    action: 'codedeploy:StopDeployment',
    on: (f) => (waitsInReady(f) ? ['*'] : []),
    path: 'a green fleet that fails verification before traffic, or a rollback that replaces a deployment',
  },
  { action: 'autoscaling:DescribeAutoScalingGroups', on: everything },
  { action: 'autoscaling:DescribeLifecycleHooks', on: everything },
  {
    action: 'autoscaling:UpdateAutoScalingGroup',
    on: (f) =>
      f.groups
        .filter((g) => f.moves.some((m) => m.group === g.AutoScalingGroupName))
        .flatMap((g) => (g.AutoScalingGroupARN ? [g.AutoScalingGroupARN] : [])),
    path: NEW_TEMPLATE_VERSION,
  },
  {
    action: 'ec2:RunInstances',
    on: (f) => [...new Set(f.moves.map((m) => arn(f, 'ec2', `launch-template/${m.launchTemplateId}`)))],
    path: NEW_TEMPLATE_VERSION,
  },
  {
    action: 'ec2:CreateTags',
    on: (f) => (f.moves.length > 0 ? [arn(f, 'ec2', 'instance/*')] : []),
    path: NEW_TEMPLATE_VERSION,
  },
  {
    action: 'autoscaling:SuspendProcesses',
    on: (f) => (f.env.autoScaling?.suspendProcesses ? originals(f) : []),
    path: SUSPEND,
  },
  {
    action: 'autoscaling:ResumeProcesses',
    on: (f) => (f.env.autoScaling?.suspendProcesses ? [...originals(f), ...copies(f)] : []),
    path: SUSPEND,
  },
  { action: 'elasticloadbalancing:DescribeTargetGroups', on: everything },
  { action: 'elasticloadbalancing:DescribeTargetHealth', on: everything },
  { action: 'ec2:DescribeInstances', on: everything },
  { action: 'ec2:DescribeLaunchTemplates', on: everything },
  {
    action: 'cloudwatch:DescribeAlarms',
    on: (f) =>
      [...new Set([...f.env.alarms, ...f.env.gate.alarms])].map((name) =>
        arn(f, 'cloudwatch', `alarm:${name}`),
      ),
  },
  { action: 's3:GetObject', on: bundle, path: S3 },
  { action: 's3:GetObjectVersion', on: (f) => (f.bundle?.version ? bundle(f) : []), path: S3 },
  { action: 's3:PutObject', on: (f) => (f.uploads ? bundle(f) : []), path: S3 },
];

/** The deploy path's actions that a deployment calls only on some paths, and which. */
export function deployPathsByAction(): Record<string, string> {
  return Object.fromEntries(DEPLOY_PATH.flatMap((a) => (a.path ? [[a.action, a.path] as const] : [])));
}

/** The role (or user) whose policies decide what the caller may do, from GetCallerIdentity's ARN. */
export function policySourceOf(callerArn: string): { arn: string } | { skip: string } {
  const assumed = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  // The session's ARN drops the role's path; a role with one is not found by this name (NoSuchEntity).
  if (assumed) return { arn: `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` };
  if (/^arn:[\w-]+:iam::\d{12}:user\/.+$/.test(callerArn)) return { arn: callerArn };
  return {
    skip: `the caller is ${callerArn}, neither a role's session nor an IAM user: IAM has no policies of it to simulate`,
  };
}

/** One SimulatePrincipalPolicy call per resource: its actions, every page. */
async function simulate(
  iam: IAMClient,
  source: string,
  resource: string,
  actions: readonly string[],
  context: ContextEntry[],
): Promise<EvaluationResult[]> {
  const results: EvaluationResult[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: source,
        ActionNames: [...actions],
        ...(resource !== '*' ? { ResourceArns: [resource] } : {}),
        ContextEntries: context,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    results.push(...(page.EvaluationResults ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return results;
}

export interface PermissionsRequest {
  readonly env: EnvironmentConfig;
  readonly revision: RevisionRef;
  readonly uploads: boolean;
  readonly groups: readonly AutoScalingGroup[];
  readonly moves: readonly LaunchTemplateAlignment[];
}

export async function checkPermissions(
  request: PermissionsRequest,
  aws: AwsClientSource,
): Promise<PreflightCheck> {
  const name = 'permissions';
  const identity = await aws.identity();
  if (!identity.arn || !identity.account)
    return {
      name,
      status: 'skip',
      detail: `who the caller is is unknown: ${identity.problem ?? 'GetCallerIdentity said nothing'}`,
    };
  const source = policySourceOf(identity.arn);
  if ('skip' in source) return { name, status: 'skip', detail: source.skip };
  const { env } = request;
  const region = env.region ?? identity.region;
  if (!region) return { name, status: 'skip', detail: 'no region: the resources cannot be named' };
  const bundle =
    request.revision.type === 'S3'
      ? request.revision
      : env.revision.kind === 's3'
        ? {
            bucket: env.revision.bucket,
            key: `${env.revision.prefix}${request.revision.commitId}.${env.revision.bundleType}`,
          }
        : undefined;
  const facts: DeploymentFacts = {
    env,
    partition: identity.arn.split(':')[1] ?? 'aws',
    region,
    account: identity.account,
    groups: request.groups,
    ...(bundle ? { bundle } : {}),
    uploads: request.uploads,
    moves: request.moves,
  };
  const byResource = new Map<string, string[]>();
  for (const { action, on } of DEPLOY_PATH)
    for (const resource of on(facts)) byResource.set(resource, [...(byResource.get(resource) ?? []), action]);
  // The condition keys the deploy role's statements test, with the values a deployment's calls carry.
  const context: ContextEntry[] = [
    { ContextKeyName: 'aws:RequestedRegion', ContextKeyValues: [region], ContextKeyType: 'string' },
    { ContextKeyName: 'ec2:CreateAction', ContextKeyValues: ['RunInstances'], ContextKeyType: 'string' },
  ];
  const iam = await aws.iam();
  let results: EvaluationResult[];
  try {
    results = (
      await Promise.all(
        [...byResource].map(([resource, actions]) => simulate(iam, source.arn, resource, actions, context)),
      )
    ).flat();
  } catch (error) {
    const code = awsErrorCode(error);
    const why =
      classifyAwsError(error) === 'denied'
        ? `${source.arn} may not call iam:SimulatePrincipalPolicy on itself (${code}); grant it that, on its own ARN, to have this checked`
        : `IAM could not simulate ${source.arn}'s policies (${code}: ${error instanceof Error ? error.message : String(error)})`;
    return { name, status: 'skip', detail: why };
  }
  const refused = results.filter((r) => r.EvalDecision !== 'allowed');
  const actions = new Set(results.map((r) => r.EvalActionName));
  if (refused.length === 0)
    return {
      name,
      status: 'pass',
      detail: `${source.arn} may call the ${actions.size} actions a deployment of ${env.name} makes, on its resources (IAM's policy simulation)`,
    };
  return {
    name,
    status: 'fail',
    detail: `${source.arn} may not call ${refused
      .map(
        (r) =>
          `${r.EvalActionName}${r.EvalResourceName && r.EvalResourceName !== '*' ? ` on ${r.EvalResourceName}` : ''} (${r.EvalDecision})`,
      )
      .join(', ')}: the deployment would stop there`,
    fix: 'grant them to the role: sam-template.yaml’s DeployRole has what a deployment needs (sam deploy updates it), or add them to the policy of your own role',
  };
}
