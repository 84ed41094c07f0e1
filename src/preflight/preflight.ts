// `greenlight preflight --env E`: what would make a deployment fail, found before one is created.
// Each check says what it looked at and, when it fails, what to do. The usual discoveries of a failed
// release — the group drifted from greenlight.yml, an alarm was already firing, the appspec the agent
// rejects, an S3 bundle that is not there, a commit GitHub does not have — come here first.
//
// The group CodeDeploy copies — its processes, lifecycle hooks, warm pool, mixed instances policy and
// Capacity Rebalancing — is auto-scaling.ts's; whether the caller may call what a deployment calls
// (IAM's policy simulation), permissions.ts's; whether each instance's agent answers, agents.ts's. A
// check may pass, fail, warn (what CodeDeploy's documentation only recommends: said, nothing
// stopped) or be skipped with why.
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lintAppSpecPath } from '../appspec/bundle.js';
import { AwsOperationError } from '../aws/errors.js';
import type { AwsClients } from '../aws/clients.js';
import type { DeploymentGroupInfo } from '@aws-sdk/client-codedeploy';
import { groupClientsOf, planGroup, readDeploymentGroup } from '../codedeploy/group.js';
import { launchTemplateMoves, type LaunchTemplateAlignment } from '../codedeploy/launch-template.js';
import { checkCommitPushed, type RevisionRef } from '../codedeploy/revision.js';
import { revisionLocation } from '../codedeploy/revision-location.js';
import type { EnvironmentConfig } from '../config/environment.js';
import { checkAgents } from './agents.js';
import {
  checkCapacityRebalance,
  checkLifecycleHooks,
  checkMixedInstances,
  checkProcesses,
  checkWarmPool,
  readCopiedFleet,
} from './auto-scaling.js';
import { checkPermissions } from './permissions.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface PreflightCheck {
  readonly name: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly detail: string;
  /** For a failed check: what to do. */
  readonly fix?: string;
  /** A failed check whose cause is what the command was given (a bundle that is not there): exit 2. */
  readonly badInput?: boolean;
}

export interface PreflightRequest {
  readonly env: EnvironmentConfig;
  /** The revision the deployment would deploy. */
  readonly revision: RevisionRef;
  /** The bundle directory whose appspec.yml the agent would read (the checkout, for a GitHub revision). */
  readonly bundleDir: string;
  /**
   * False when the bundle directory is only a guess (deploy's working directory): without an
   * appspec.yml there, the appspec check is skipped rather than failed.
   */
  readonly bundleNamed?: boolean;
  /** The deployment uploads the revision itself (deploy --bundle): it is not there yet. */
  readonly uploads?: boolean;
  /** Why a GitHub commit is not looked up here (deploy: CI built it, or deploy checks HEAD itself). */
  readonly githubUnchecked?: string;
  readonly cwd: string;
}

export interface PreflightResult {
  readonly passed: boolean;
  /** 0: nothing failed; 1: a check failed; 2: what the command was given is wrong (bad input). */
  readonly exitCode: number;
  readonly checks: readonly PreflightCheck[];
}

export async function preflight(
  request: PreflightRequest,
  deps: { readonly aws: AwsClients },
): Promise<PreflightResult> {
  const { env } = request;
  const { aws } = deps;
  // The deployment group and the groups CodeDeploy would copy, read once for the checks that look at them.
  const info = aws.codedeploy().then((codedeploy) => readDeploymentGroup(codedeploy, env, () => undefined));
  const copied = copiedGroups(env, info);
  const moves = copied.then(async (groups) =>
    groups?.length
      ? launchTemplateMoves(groups, { autoscaling: await aws.autoscaling(), ec2: await aws.ec2() })
      : [],
  );
  const fleet = info.then((i) => readCopiedFleet(env, i, aws));
  const checks: PreflightCheck[] = await Promise.all([
    checkGroup(env, aws),
    checkAlarms(env, aws),
    env.style === 'in-place'
      ? ({
          name: 'launch-template',
          status: 'skip',
          detail:
            'an in-place deployment copies no Auto Scaling group: it installs on the instances that are there',
        } satisfies PreflightCheck)
      : checkLaunchTemplate(copied, moves),
    checkCapacity(env, copied, aws),
    checkRevision(request, aws),
    checkAppSpec(request),
    fleet.then((f) => checkProcesses(env, f)),
    fleet.then((f) => checkLifecycleHooks(f, aws)),
    fleet.then(checkWarmPool),
    fleet.then(checkMixedInstances),
    fleet.then(checkCapacityRebalance),
    Promise.all([fleet, moves]).then(([f, m]) =>
      checkPermissions(
        {
          env,
          revision: request.revision,
          uploads: Boolean(request.uploads),
          groups: 'skip' in f ? [] : f.groups,
          moves: m,
        },
        aws,
      ),
    ),
    checkAgents(env, aws),
  ]);
  const all = checks;
  const failed = all.filter((c) => c.status === 'fail');
  const exitCode = failed.some((c) => c.badInput) ? 2 : failed.length > 0 ? 1 : 0;
  return { passed: failed.length === 0, exitCode, checks: all };
}

async function checkGroup(env: EnvironmentConfig, aws: AwsClients): Promise<PreflightCheck> {
  const group = `${env.application}/${env.deploymentGroup}`;
  const plan = await planGroup(env, await groupClientsOf(aws));
  const missing = plan.references.filter((r) => r.status === 'missing');
  if (missing.length > 0) {
    return {
      name: 'deployment-group',
      status: 'fail',
      detail: `${group} refers to what does not exist: ${missing.map((r) => `${r.kind} ${r.name}`).join(', ')}`,
      fix: 'create it (sam deploy makes the fleet, target group and alarms), or name what exists in greenlight.yml',
    };
  }
  if (plan.application.action === 'create' || plan.group.action === 'create') {
    return {
      name: 'deployment-group',
      status: 'fail',
      detail: `${group} does not exist`,
      fix: `greenlight group apply --env ${env.name} creates it`,
    };
  }
  const drift = [
    ...(plan.group.action === 'update' ? plan.group.changes.map((c) => c.field) : []),
    ...(plan.deploymentConfig?.action === 'create'
      ? [`deployment config ${plan.deploymentConfig.name}`]
      : []),
    ...Object.keys(plan.tagsToSet).map((key) => `tag ${key}`),
  ];
  if (drift.length > 0) {
    return {
      name: 'deployment-group',
      status: 'fail',
      detail: `${group} differs from greenlight.yml: ${drift.join(', ')}`,
      fix: `greenlight group plan --env ${env.name} shows how; greenlight group apply --env ${env.name} brings it back`,
    };
  }
  return { name: 'deployment-group', status: 'pass', detail: `${group} is as greenlight.yml says` };
}

async function checkAlarms(env: EnvironmentConfig, aws: AwsClients): Promise<PreflightCheck> {
  const names = [...new Set([...env.alarms, ...env.gate.alarms])];
  if (names.length === 0) return { name: 'alarms', status: 'pass', detail: 'the environment names no alarm' };
  const cloudwatch = await aws.cloudwatch();
  const answer = await cloudwatch
    .send(new DescribeAlarmsCommand({ AlarmNames: names }))
    .catch((error: unknown) => {
      throw new AwsOperationError('DescribeAlarms', names.join(', '), error);
    });
  const found = new Map([
    ...(answer.MetricAlarms ?? []).map((a) => [a.AlarmName ?? '', a.StateValue ?? ''] as const),
    ...(answer.CompositeAlarms ?? []).map((a) => [a.AlarmName ?? '', a.StateValue ?? ''] as const),
  ]);
  const missing = names.filter((n) => !found.has(n));
  const firing = names.filter((n) => found.get(n) === 'ALARM');
  if (missing.length > 0 || firing.length > 0) {
    return {
      name: 'alarms',
      status: 'fail',
      detail: [
        ...(firing.length ? [`already in ALARM: ${firing.join(', ')}`] : []),
        ...(missing.length ? [`no such alarm: ${missing.join(', ')}`] : []),
      ].join('; '),
      fix: firing.length
        ? 'CodeDeploy stops a deployment while an alarm of its group is in ALARM, and the gate fails: find what the alarm measures and mend it first'
        : "create the alarm (sam deploy makes the example's), or take it out of greenlight.yml",
    };
  }
  return { name: 'alarms', status: 'pass', detail: `none in ALARM: ${names.join(', ')}` };
}

/**
 * CodeDeploy's copy launches as many instances as the group it copies wants: a group scaled away
 * from greenlight.yml's expectedCapacity makes a green fleet the verifier then fails, after the
 * whole deployment. Said before it starts.
 */
async function checkCapacity(
  env: EnvironmentConfig,
  copied: Promise<readonly string[] | undefined>,
  aws: AwsClients,
): Promise<PreflightCheck> {
  const expected = env.expectedCapacity;
  if (expected === undefined)
    return {
      name: 'capacity',
      status: 'skip',
      detail: 'greenlight.yml gives this environment no expectedCapacity',
    };
  if (env.inPlace !== undefined) return checkInPlaceCapacity(env.inPlace, expected, aws);
  const groups = await copied;
  if (groups === undefined)
    return { name: 'capacity', status: 'skip', detail: 'the green fleet is discovered, not copied' };
  if (groups.length === 0)
    return { name: 'capacity', status: 'skip', detail: 'the deployment group has no Auto Scaling group yet' };
  const autoscaling = await aws.autoscaling();
  const described = await autoscaling
    .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...groups] }))
    .catch((error: unknown) => {
      throw new AwsOperationError('DescribeAutoScalingGroups', groups.join(', '), error);
    });
  const want = expected.min === expected.max ? String(expected.min) : `${expected.min} to ${expected.max}`;
  const off = (described.AutoScalingGroups ?? []).filter((g) => {
    const desired = g.DesiredCapacity ?? 0;
    return desired < expected.min || desired > expected.max;
  });
  if (off.length > 0)
    return {
      name: 'capacity',
      status: 'fail',
      detail: `${off.map((g) => `${g.AutoScalingGroupName ?? '?'} wants ${g.DesiredCapacity ?? 0}`).join(', ')}: CodeDeploy's copy would launch that many, and greenlight.yml expects ${want}`,
      fix: `set the group's desired capacity (aws autoscaling update-auto-scaling-group --desired-capacity) or greenlight.yml's expectedCapacity`,
    };
  return {
    name: 'capacity',
    status: 'pass',
    detail: `${groups.join(', ')} wants ${(described.AutoScalingGroups ?? []).map((g) => g.DesiredCapacity ?? 0).join(', ')}, as greenlight.yml expects (${want})`,
  };
}

/**
 * In place the fleet deployed to is the groups' instances as they are: their desired capacities
 * together are its size. Instances found by tags are counted by verify, which sees them; they are not
 * guessed at here.
 */
async function checkInPlaceCapacity(
  fleet: NonNullable<EnvironmentConfig['inPlace']>,
  expected: NonNullable<EnvironmentConfig['expectedCapacity']>,
  aws: AwsClients,
): Promise<PreflightCheck> {
  const name = 'capacity';
  if (Object.keys(fleet.tags).length > 0)
    return {
      name,
      status: 'skip',
      detail:
        'the in-place fleet includes instances found by tags: verify counts it once the deployment has its targets',
    };
  const groups = fleet.autoScalingGroups;
  const autoscaling = await aws.autoscaling();
  const described = await autoscaling
    .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...groups] }))
    .catch((error: unknown) => {
      throw new AwsOperationError('DescribeAutoScalingGroups', groups.join(', '), error);
    });
  const found = described.AutoScalingGroups ?? [];
  if (found.length === 0)
    return {
      name,
      status: 'skip',
      detail: `${groups.join(', ')} does not exist (deployment-group says more)`,
    };
  const total = found.reduce((sum, g) => sum + (g.DesiredCapacity ?? 0), 0);
  const want = expected.min === expected.max ? String(expected.min) : `${expected.min} to ${expected.max}`;
  const each = found.map((g) => `${g.AutoScalingGroupName ?? '?'} ${g.DesiredCapacity ?? 0}`).join(', ');
  if (total < expected.min || total > expected.max)
    return {
      name,
      status: 'fail',
      detail: `the in-place fleet wants ${total} instance${total === 1 ? '' : 's'} (${each}), and greenlight.yml expects ${want}: verify would fail the deployment after it ran`,
      fix: `set the groups' desired capacity (aws autoscaling update-auto-scaling-group --desired-capacity) or greenlight.yml's expectedCapacity`,
    };
  return {
    name,
    status: 'pass',
    detail: `the in-place fleet wants ${total} (${each}), as greenlight.yml expects (${want})`,
  };
}

/** The Auto Scaling groups a COPY_AUTO_SCALING_GROUP deployment would copy; undefined for DISCOVER_EXISTING. */
async function copiedGroups(
  env: EnvironmentConfig,
  info: Promise<DeploymentGroupInfo | undefined>,
): Promise<readonly string[] | undefined> {
  if (env.blueGreen?.greenFleet !== 'COPY_AUTO_SCALING_GROUP') return undefined;
  return ((await info)?.autoScalingGroups ?? []).flatMap((g) => (g.name ? [g.name] : []));
}

async function checkLaunchTemplate(
  copied: Promise<readonly string[] | undefined>,
  pendingMoves: Promise<readonly LaunchTemplateAlignment[]>,
): Promise<PreflightCheck> {
  const groups = await copied;
  if (groups === undefined)
    return { name: 'launch-template', status: 'pass', detail: 'the green fleet is discovered, not copied' };
  if (groups.length === 0)
    return {
      name: 'launch-template',
      status: 'skip',
      detail: 'the deployment group has no Auto Scaling group yet',
    };
  const moves = await pendingMoves;
  if (moves.length === 0)
    return {
      name: 'launch-template',
      status: 'pass',
      detail: `CodeDeploy would copy ${groups.join(', ')}, on its launch template's latest version (or $Latest/$Default)`,
    };
  return {
    name: 'launch-template',
    status: 'pass',
    detail: moves
      .map(
        (m) =>
          `${m.group} names version ${m.from} of ${m.launchTemplateId}, at ${m.to}: deploy points it at ${m.to} first`,
      )
      .join('; '),
  };
}

export async function checkRevision(request: PreflightRequest, aws: AwsClients): Promise<PreflightCheck> {
  const { env, revision } = request;
  if (request.uploads)
    return { name: 'revision', status: 'skip', detail: 'this deployment uploads its bundle (--bundle)' };
  if (revision.type === 'GitHub' && env.revision.kind === 'github') {
    if (request.githubUnchecked !== undefined)
      return {
        name: 'revision',
        status: 'skip',
        detail: `commit ${revision.commitId}: ${request.githubUnchecked}`,
      };
    const pushed = await checkCommitPushed(revision.commitId, env.revision.repository, request.cwd);
    if (pushed.status === 'not-pushed')
      return {
        name: 'revision',
        status: 'fail',
        detail: pushed.message,
        fix: 'push the commit: CodeDeploy downloads it from GitHub on every instance',
      };
    if (pushed.status === 'unknown')
      return { name: 'revision', status: 'skip', detail: `commit ${revision.commitId}: ${pushed.message}` };
    return {
      name: 'revision',
      status: 'pass',
      detail: `commit ${revision.commitId} is on ${pushed.branch} (${env.revision.repository})`,
    };
  }
  try {
    const location = await revisionLocation(env, revision, () => aws.s3());
    const s3 = location.s3Location;
    return {
      name: 'revision',
      status: 'pass',
      detail: s3
        ? `s3://${s3.bucket}/${s3.key} exists${s3.version ? `, version ${s3.version}` : ''}${s3.eTag ? `, ETag ${s3.eTag}` : ''}`
        : 'the revision is there',
    };
  } catch (error) {
    return {
      name: 'revision',
      status: 'fail',
      detail: error instanceof Error ? error.message : String(error),
      fix: 'upload the bundle (greenlight deploy --bundle DIR packs and uploads one), or name one that exists',
      ...((error as { exitCode?: unknown } | null)?.exitCode === 2 ? { badInput: true } : {}),
    };
  }
}

async function checkAppSpec(request: PreflightRequest): Promise<PreflightCheck> {
  const found = ['appspec.yml', 'appspec.yaml'].some((name) => existsSync(join(request.bundleDir, name)));
  if (!found && request.bundleNamed === false)
    return {
      name: 'appspec',
      status: 'skip',
      detail: `no appspec.yml in ${request.bundleDir} to lint: CodeDeploy reads the revision's own`,
    };
  const lint = await lintAppSpecPath(request.bundleDir, { cwd: request.cwd });
  const errors = lint.problems.filter((p) => p.severity === 'error');
  const where = lint.appSpecFile ?? `${request.bundleDir}/appspec.yml`;
  if (errors.length > 0) {
    return {
      name: 'appspec',
      status: 'fail',
      detail: `${where}: ${errors.length} error${errors.length === 1 ? '' : 's'} the agent rejects: ${errors
        .slice(0, 3)
        .map((p) => `${p.path || '(file)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`)
        .join('; ')}`,
      fix: `greenlight appspec lint ${request.bundleDir} says each, and how to mend it`,
    };
  }
  const warnings = lint.problems.length - errors.length;
  return {
    name: 'appspec',
    status: 'pass',
    detail: `${where}: no errors${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`,
  };
}

/** The lines a command prints for a preflight: a mark per check, what to do under a failed one. */
export function preflightLines(
  result: PreflightResult,
): { level: 'info' | 'warn' | 'error'; text: string }[] {
  const marks = { pass: '✓', fail: '✗', warn: '!', skip: '-' } as const;
  const levels = { pass: 'info', fail: 'error', warn: 'warn', skip: 'info' } as const;
  return result.checks.flatMap((check) => {
    const text = `${marks[check.status]} ${check.name.padEnd(22)} ${check.detail}${check.status === 'skip' ? ' (skipped)' : ''}`;
    return [
      { level: levels[check.status], text },
      ...(check.fix ? [{ level: 'info' as const, text: `  → ${check.fix}` }] : []),
    ];
  });
}
