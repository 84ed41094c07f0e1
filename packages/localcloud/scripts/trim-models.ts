// Vendors trimmed botocore service models into packages/localcloud/src/models/: metadata, the operations the
// local cloud implements, and the closure of the shapes they reference, without documentation.
// The protocol layer decodes requests and renders responses from these shapes.
//
//   npx tsx packages/localcloud/scripts/trim-models.ts [botocore data dir]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { codeDeployOperations } from '../src/codedeploy/handlers.js';
import { ssmOperations } from '../src/ssm/handlers.js';

const DEFAULT_BOTOCORE_DATA = '/usr/lib/python3/dist-packages/awscli/botocore/data';

/** Which operations each vendored model keeps. The local cloud implements these and no others. */
export const IMPLEMENTED_OPERATIONS: Record<string, { dir: string; operations: string[] }> = {
  codedeploy: {
    dir: 'codedeploy/2014-10-06',
    // The CodeDeploy service's own handler table decides.
    operations: [...codeDeployOperations],
  },
  ssm: {
    dir: 'ssm/2014-11-06',
    // Run Command with AWS-RunShellScript and the managed nodes it reaches: the SSM service's own
    // handler table decides.
    operations: [...ssmOperations],
  },
  autoscaling: {
    dir: 'autoscaling/2011-01-01',
    operations: [
      'DescribeAutoScalingGroups',
      'CreateAutoScalingGroup',
      'UpdateAutoScalingGroup',
      'DeleteAutoScalingGroup',
      'SetDesiredCapacity',
      'DescribeAutoScalingInstances',
      'PutLifecycleHook',
      'DescribeLifecycleHooks',
      'DeleteLifecycleHook',
      'CompleteLifecycleAction',
      'RecordLifecycleActionHeartbeat',
      'TerminateInstanceInAutoScalingGroup',
      'DetachInstances',
      // Why instances came and went: launches, scale-ins, health check replacements.
      'DescribeScalingActivities',
      // What a deployment must not meet unawares: processes suspended or running, a warm pool.
      'SuspendProcesses',
      'ResumeProcesses',
      'PutWarmPool',
      'DescribeWarmPool',
      'DeleteWarmPool',
    ],
  },
  elbv2: {
    dir: 'elbv2/2015-12-01',
    operations: [
      'DescribeTargetGroups',
      'CreateTargetGroup',
      'DeleteTargetGroup',
      'DescribeTargetHealth',
      'RegisterTargets',
      'DeregisterTargets',
      'DescribeLoadBalancers',
      'CreateLoadBalancer',
      'DescribeListeners',
      'CreateListener',
      'DescribeTargetGroupAttributes',
      'ModifyTargetGroupAttributes',
    ],
  },
  ec2: {
    dir: 'ec2/2016-11-15',
    operations: [
      'DescribeInstances',
      'DescribeInstanceStatus',
      'TerminateInstances',
      'CreateLaunchTemplate',
      'CreateLaunchTemplateVersion',
      'DescribeLaunchTemplates',
      'DescribeLaunchTemplateVersions',
      'DescribeTags',
      'DescribeAvailabilityZones',
      'DescribeVpcs',
      'DescribeSubnets',
      'DescribeSecurityGroups',
      'CreateSecurityGroup',
      'DeleteSecurityGroup',
      'AuthorizeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
      'DescribeImages',
    ],
  },
  cloudwatch: {
    dir: 'cloudwatch/2010-08-01',
    operations: [
      'DescribeAlarms',
      'DescribeAlarmHistory',
      'SetAlarmState',
      'PutMetricAlarm',
      // An alarm of alarms: what a team watches instead of each metric alarm on its own.
      'PutCompositeAlarm',
      'DeleteAlarms',
      // Metrics: what alarms evaluate, and what a person or a pipeline reads while a release bakes.
      'PutMetricData',
      'GetMetricData',
      'GetMetricStatistics',
      'ListMetrics',
    ],
  },
  sts: {
    dir: 'sts/2011-06-15',
    // Which account and principal a client talks to, and the roles a CI job (or a test) assumes.
    operations: ['GetCallerIdentity', 'AssumeRole', 'AssumeRoleWithWebIdentity'],
  },
  cloudformation: {
    dir: 'cloudformation/2010-05-15',
    // What `aws cloudformation deploy` and its waiters call, and what a stack is read and removed with.
    operations: [
      'CreateChangeSet',
      'DescribeChangeSet',
      'ExecuteChangeSet',
      'DeleteChangeSet',
      'DescribeStacks',
      'DescribeStackEvents',
      'DescribeStackResources',
      'ListStackResources',
      'GetTemplate',
      'GetTemplateSummary',
      'DeleteStack',
      'ListStacks',
      'ValidateTemplate',
    ],
  },
  iam: {
    dir: 'iam/2010-05-08',
    // What a stack's IAM resources can be checked with, and a role and provider built without one.
    operations: [
      'CreateRole',
      'GetRole',
      'ListRoles',
      'DeleteRole',
      'PutRolePolicy',
      'GetRolePolicy',
      'ListRolePolicies',
      'DeleteRolePolicy',
      'AttachRolePolicy',
      'DetachRolePolicy',
      'ListAttachedRolePolicies',
      'CreateInstanceProfile',
      'AddRoleToInstanceProfile',
      'GetInstanceProfile',
      'CreateOpenIDConnectProvider',
      'GetOpenIDConnectProvider',
      'ListOpenIDConnectProviders',
      // What a role may do, asked of the same policy engine that decides its requests.
      'SimulatePrincipalPolicy',
    ],
  },
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function withoutDocumentation(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutDocumentation);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    if (key === 'documentation' || key === 'documentationUrl' || key === 'examples') continue;
    out[key] = withoutDocumentation(member);
  }
  return out;
}

function shapeRefs(shape: JsonObject): string[] {
  const refs: string[] = [];
  const add = (ref: Json | undefined): void => {
    if (ref && typeof ref === 'object' && !Array.isArray(ref) && typeof ref.shape === 'string')
      refs.push(ref.shape);
  };
  if (shape.members && typeof shape.members === 'object' && !Array.isArray(shape.members)) {
    for (const member of Object.values(shape.members)) add(member);
  }
  add(shape.member);
  add(shape.key);
  add(shape.value);
  return refs;
}

export function trimModel(model: JsonObject, operations: string[]): JsonObject {
  const allOperations = model.operations as Record<string, JsonObject>;
  const allShapes = model.shapes as Record<string, JsonObject>;
  const keptOperations: Record<string, Json> = {};
  const pending: string[] = [];
  for (const name of operations) {
    const operation = allOperations[name];
    if (!operation) throw new Error(`operation ${name} is not in the botocore model`);
    keptOperations[name] = withoutDocumentation(operation);
    for (const key of ['input', 'output'] as const) {
      const ref = operation[key] as JsonObject | undefined;
      if (ref && typeof ref.shape === 'string') pending.push(ref.shape);
    }
    for (const error of (operation.errors as JsonObject[] | undefined) ?? [])
      pending.push(error.shape as string);
  }
  const keptShapes: Record<string, Json> = {};
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (name in keptShapes) continue;
    const shape = allShapes[name];
    if (!shape) throw new Error(`shape ${name} is not in the botocore model`);
    keptShapes[name] = withoutDocumentation(shape);
    pending.push(...shapeRefs(shape));
  }
  const sortedShapes = Object.fromEntries(Object.entries(keptShapes).sort(([a], [b]) => a.localeCompare(b)));
  return { metadata: model.metadata as Json, operations: keptOperations, shapes: sortedShapes };
}

function main(): void {
  const dataDir = process.argv[2] ?? DEFAULT_BOTOCORE_DATA;
  const outDir = join(import.meta.dirname, '..', 'src', 'models');
  mkdirSync(outDir, { recursive: true });
  for (const [service, { dir, operations }] of Object.entries(IMPLEMENTED_OPERATIONS)) {
    const model = JSON.parse(readFileSync(join(dataDir, dir, 'service-2.json'), 'utf8')) as JsonObject;
    const trimmed = trimModel(model, operations);
    const path = join(outDir, `${service}.json`);
    writeFileSync(path, JSON.stringify(trimmed) + '\n');
    console.log(
      `${path}: ${operations.length} operations, ${Object.keys(trimmed.shapes as object).length} shapes`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
