// The Auto Scaling group CodeDeploy copies for a blue/green deployment, as preflight reads it, and the
// suspension greenlight puts on it when greenlight.yml asks.
//
// What CodeDeploy's documentation says, and what greenlight makes of it:
// - Processes. CodeDeploy's user guide ("Integrating CodeDeploy with Amazon EC2 Auto Scaling", Scale-out
//   events during a deployment) names AZRebalance, AlarmNotification, ScheduledActions and
//   ReplaceUnhealthy: "If you want to suspend Amazon EC2 Auto Scaling scale-out processes while
//   deployments are taking place", its load-balancing scripts do (HANDLE_PROCS=true, in-place,
//   CodeDeployDefault.OneAtATime only). Its API reference (EC2DeploymentOptions) and "Suspending Amazon
//   EC2 Auto Scaling processes during deployments" add that "CodeDeploy doesn't suspend processes for
//   blue/green deployments", and AWS told aws-codedeploy-samples#66 that blue/green needs no such
//   scripts. A recommendation, then, not a requirement: a running process is a warning, and only where
//   the copy waits in Ready (STOP_DEPLOYMENT), the window in which a scale-in takes a green instance
//   traffic is then moved to (aws-codedeploy-samples#80). `autoScaling.suspendProcesses: true` makes
//   greenlight suspend them itself, for the release (withSuspendedProcesses below).
// - Which group. The suspension goes on the group CodeDeploy copies, before the copy is made: the copy
//   carries it (AWSCodeDeployRole, the service role policy CodeDeploy documents, grants the
//   SuspendProcesses its copy needs; the local cloud's copy does the same), so the green fleet is
//   covered from its first instance. The copy is the next production fleet, so greenlight resumes the
//   processes on it as well as on the original, whatever the release's end — and only the processes it
//   suspended itself, never one somebody had suspended before.
// - Launch suspended on the group CodeDeploy copies fails: the copy launches nothing (Auto Scaling
//   suspends Launch on its own after a day of failed launches: its user guide, administrative
//   suspension).
// - Lifecycle hooks. CodeDeploy installs its own (CodeDeploy-managed-automatic-launch-deployment-hook-…,
//   and a termination hook when asked) and names them in the deployment group; others may be added,
//   but "the order in which those custom lifecycle hook events are executed cannot be predetermined"
//   (user guide). A CodeDeploy-managed hook the deployment group does not name is a leftover that
//   stops or fails deployments (its troubleshooting guide: mismatched hooks, "Heartbeat Timeout"): a
//   failure. A launch hook of the team's own is carried into the copy, whose instances then wait for
//   whoever completes it: ABANDON by default fails the green fleet when that is no one (a copy is named
//   per deployment), CONTINUE only delays each instance up to its heartbeat timeout (a warning).
// - A warm pool is copied for blue/green deployments (AWSCodeDeployRole got autoscaling:PutWarmPool
//   "to support adding warm pools to Amazon EC2 Auto Scaling groups for blue/green deployments"), but
//   CodeDeploy's launch hook is not answered for instances that enter the pool, in Warmed:Pending:Wait
//   (aws/aws-codedeploy-agent#390, open): a warning.
// - A mixed instances policy and Capacity Rebalancing: CodeDeploy's documentation says nothing of
//   them. What they bring is Spot Instances, which EC2 may interrupt mid-deployment and which
//   Capacity Rebalancing replaces as it sees fit (Auto Scaling's user guide): a warning when the group
//   can launch Spot, nothing otherwise.
import {
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
  type LifecycleHook,
} from '@aws-sdk/client-auto-scaling';
import type { DeploymentGroupInfo } from '@aws-sdk/client-codedeploy';
import { AwsOperationError } from '../aws/errors.js';
import { readDeploymentGroup } from '../codedeploy/group.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { AwsClientSource } from '../deps.js';
import type { Logger } from '../log/events.js';
import type { PreflightCheck } from './preflight.js';

/** The processes CodeDeploy's user guide names for suspension during a deployment. */
export const PROCESSES_TO_SUSPEND = [
  'AZRebalance',
  'AlarmNotification',
  'ScheduledActions',
  'ReplaceUnhealthy',
] as const;

const CODEDEPLOY_HOOK = 'CodeDeploy-managed-';

/**
 * The groups CodeDeploy would copy (blue/green) or deploy to where they are (in-place), read once for
 * the checks that look at them.
 */
export interface CopiedFleet {
  readonly groups: readonly AutoScalingGroup[];
  /** The hooks the deployment group names as CodeDeploy's own on them. */
  readonly codeDeployHooks: ReadonlySet<string>;
  /** In-place: these groups are the fleet itself, nothing is copied. */
  readonly inPlace?: boolean;
}

/** The copied groups, or why there are none to look at. */
export type FleetView = CopiedFleet | { readonly skip: string };

const isSkip = (view: FleetView): view is { readonly skip: string } => 'skip' in view;

export async function readCopiedFleet(
  env: EnvironmentConfig,
  info: DeploymentGroupInfo | undefined,
  aws: AwsClientSource,
): Promise<FleetView> {
  if (env.blueGreen === undefined) return readInPlaceFleet(env, info, aws);
  if (env.blueGreen.greenFleet !== 'COPY_AUTO_SCALING_GROUP')
    return { skip: 'the green fleet is discovered, not copied' };
  const entries = info?.autoScalingGroups ?? [];
  const names = entries.flatMap((g) => (g.name ? [g.name] : []));
  if (names.length === 0) return { skip: 'the deployment group has no Auto Scaling group yet' };
  const groups = await describeGroups(await aws.autoscaling(), names);
  if (groups.length === 0)
    return {
      skip: `${list(names)}, which the deployment group names, does not exist (deployment-group says more)`,
    };
  const codeDeployHooks = new Set(
    entries.flatMap((g) => [g.hook, g.terminationHook].filter((h) => h !== undefined)),
  );
  return { groups, codeDeployHooks };
}

/** An in-place environment's groups: exactly greenlight.yml's inPlace.autoScalingGroups. */
async function readInPlaceFleet(
  env: EnvironmentConfig,
  info: DeploymentGroupInfo | undefined,
  aws: AwsClientSource,
): Promise<FleetView> {
  const names = env.inPlace?.autoScalingGroups ?? [];
  if (names.length === 0)
    return { skip: 'the in-place fleet has no Auto Scaling group: its instances are found by their tags' };
  const groups = await describeGroups(await aws.autoscaling(), names);
  if (groups.length === 0)
    return { skip: `${list(names)}, the in-place fleet, does not exist (deployment-group says more)` };
  const codeDeployHooks = new Set(
    (info?.autoScalingGroups ?? []).flatMap((g) =>
      [g.hook, g.terminationHook].filter((h) => h !== undefined),
    ),
  );
  return { groups, codeDeployHooks, inPlace: true };
}

async function describeGroups(autoscaling: AutoScalingClient, names: readonly string[]) {
  const answer = await autoscaling
    .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...names] }))
    .catch((error: unknown) => {
      throw new AwsOperationError('DescribeAutoScalingGroups', names.join(', '), error);
    });
  return answer.AutoScalingGroups ?? [];
}

const nameOf = (group: AutoScalingGroup): string => group.AutoScalingGroupName ?? '?';
const list = (names: readonly string[]): string => names.join(', ');

export function checkProcesses(env: EnvironmentConfig, view: FleetView): PreflightCheck {
  const name = 'auto-scaling-processes';
  if (isSkip(view)) return { name, status: 'skip', detail: view.skip };
  if (view.inPlace) return checkInPlaceProcesses(env, view);
  const suspendedOn = (group: AutoScalingGroup) =>
    new Map((group.SuspendedProcesses ?? []).map((p) => [p.ProcessName ?? '', p.SuspensionReason ?? '']));
  const launchless = view.groups.filter((g) => suspendedOn(g).has('Launch'));
  if (launchless.length > 0) {
    const first = nameOf(launchless[0] as AutoScalingGroup);
    return {
      name,
      status: 'fail',
      detail: `Launch is suspended on ${list(launchless.map((g) => `${nameOf(g)} (${suspendedOn(g).get('Launch') || 'no reason given'})`))}: CodeDeploy's copy carries the suspension and launches no green instance`,
      fix: `find why (aws autoscaling describe-scaling-activities --auto-scaling-group-name ${first}: Auto Scaling suspends Launch itself after a day of failed launches), then aws autoscaling resume-processes --auto-scaling-group-name ${first} --scaling-processes Launch`,
    };
  }
  const groups = list(view.groups.map(nameOf));
  const running = [
    ...new Set(view.groups.flatMap((g) => PROCESSES_TO_SUSPEND.filter((p) => !suspendedOn(g).has(p)))),
  ];
  if (env.autoScaling?.suspendProcesses) {
    return {
      name,
      status: 'pass',
      detail:
        running.length > 0
          ? `greenlight suspends ${list(running)} on ${groups} for the deployment (CodeDeploy's copy carries them) and resumes them on both after it, however it ends`
          : `${list([...PROCESSES_TO_SUSPEND])} are suspended on ${groups} already: greenlight leaves them so`,
    };
  }
  if (running.length === 0)
    return {
      name,
      status: 'pass',
      detail: `${list([...PROCESSES_TO_SUSPEND])} are suspended on ${groups}: CodeDeploy's copy, the next fleet, keeps them suspended`,
    };
  const ready = env.blueGreen?.ready;
  if (ready?.action === 'STOP_DEPLOYMENT')
    return {
      name,
      status: 'warn',
      detail: `${list(running)} run on ${groups}, and on CodeDeploy's copy while it waits in Ready (up to ${ready.waitMinutes} min): a scale-in or replacement there takes a green instance traffic is then moved to. CodeDeploy's guide suggests suspending them; it does not for blue/green deployments`,
      fix: `autoScaling: {suspendProcesses: true} in greenlight.yml for ${env.name}: greenlight suspends them for each deployment and resumes them after it`,
    };
  return {
    name,
    status: 'pass',
    detail: `${list(running)} run on ${groups}: CodeDeploy does not suspend processes for blue/green deployments, and its copy does not wait in Ready`,
  };
}

/**
 * In place, the instances CodeDeploy installs on are the ones Auto Scaling may take away: CodeDeploy's
 * guide ("Suspending Amazon EC2 Auto Scaling processes during deployments") says a scale-in can
 * terminate an instance in the middle of its update and rebalancing can move instances between
 * Availability Zones. A scale-out is no harm to the outcome: CodeDeploy's launch hook installs the
 * group's last successful revision on a new instance, and with outdatedInstancesStrategy UPDATE a
 * follow-up deployment brings it to this one (the guide's "Amazon EC2 Auto Scaling" integration page).
 */
function checkInPlaceProcesses(env: EnvironmentConfig, view: CopiedFleet): PreflightCheck {
  const name = 'auto-scaling-processes';
  const suspended = (group: AutoScalingGroup) =>
    new Set((group.SuspendedProcesses ?? []).map((p) => p.ProcessName ?? ''));
  const groups = list(view.groups.map(nameOf));
  const running = [
    ...new Set(view.groups.flatMap((g) => PROCESSES_TO_SUSPEND.filter((p) => !suspended(g).has(p)))),
  ];
  if (running.length === 0)
    return { name, status: 'pass', detail: `${list([...PROCESSES_TO_SUSPEND])} are suspended on ${groups}` };
  if (env.autoScaling?.suspendProcesses)
    return {
      name,
      status: 'pass',
      detail: `greenlight suspends ${list(running)} on ${groups} for the deployment and resumes them after it, however it ends`,
    };
  const outdated =
    env.outdatedInstancesStrategy === 'IGNORE'
      ? '; and with outdatedInstancesStrategy IGNORE an instance launched meanwhile keeps the old revision'
      : '';
  return {
    name,
    status: 'warn',
    detail: `${list(running)} run on ${groups}: a scale-in, replacement or rebalancing during the deployment can take an instance CodeDeploy is installing on (CodeDeploy's guide suggests suspending them for in-place deployments)${outdated}`,
    fix: `autoScaling: {suspendProcesses: true} in greenlight.yml for ${env.name}: greenlight suspends them for each deployment and resumes them after it`,
  };
}

async function hooksOf(autoscaling: AutoScalingClient, group: string): Promise<LifecycleHook[]> {
  const answer = await autoscaling
    .send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: group }))
    .catch((error: unknown) => {
      throw new AwsOperationError('DescribeLifecycleHooks', group, error);
    });
  return answer.LifecycleHooks ?? [];
}

export async function checkLifecycleHooks(view: FleetView, aws: AwsClientSource): Promise<PreflightCheck> {
  const name = 'lifecycle-hooks';
  if (isSkip(view)) return { name, status: 'skip', detail: view.skip };
  const autoscaling = await aws.autoscaling();
  const all = (
    await Promise.all(
      view.groups.map(async (g) =>
        (await hooksOf(autoscaling, nameOf(g))).map((hook) => ({ group: nameOf(g), hook })),
      ),
    )
  ).flat();
  const hookName = (h: LifecycleHook) => h.LifecycleHookName ?? '?';
  const leftovers = all.filter(
    ({ hook }) => hookName(hook).startsWith(CODEDEPLOY_HOOK) && !view.codeDeployHooks.has(hookName(hook)),
  );
  if (leftovers.length > 0) {
    const { group, hook } = leftovers[0] as (typeof leftovers)[number];
    return {
      name,
      status: 'fail',
      detail: `${list(leftovers.map(({ group: g, hook: h }) => `${g} has ${hookName(h)}`))}, a hook CodeDeploy installed for a deployment group that is not this one: its launches wait on a hook nobody answers (CodeDeploy's troubleshooting guide: mismatched lifecycle hooks stop or fail deployments)`,
      fix: `aws autoscaling delete-lifecycle-hook --auto-scaling-group-name ${group} --lifecycle-hook-name ${hookName(hook)} (its deployment group was deleted, or also deploys to this group)`,
    };
  }
  const foreign = all.filter(({ hook }) => !hookName(hook).startsWith(CODEDEPLOY_HOOK));
  const launching = foreign.filter(
    ({ hook }) => hook.LifecycleTransition === 'autoscaling:EC2_INSTANCE_LAUNCHING',
  );
  const describe = ({ group, hook }: (typeof foreign)[number]) =>
    `${group}'s ${hookName(hook)} (${hook.DefaultResult ?? 'ABANDON'} after ${hook.HeartbeatTimeout ?? 3600} s)`;
  if (view.inPlace && launching.length > 0)
    // No copy: the team's own launch hook on its own group is completed as it always is.
    return {
      name,
      status: 'warn',
      detail: `launch hook ${list(launching.map(describe))}: an instance launched during the deployment waits for it as well as for CodeDeploy's, in an order that cannot be predetermined (CodeDeploy's user guide)`,
      fix: 'make sure what it waits for does not need the revision installed, or delete it',
    };
  const abandoning = launching.filter(({ hook }) => (hook.DefaultResult ?? 'ABANDON') === 'ABANDON');
  if (abandoning.length > 0) {
    const { group, hook } = abandoning[0] as (typeof abandoning)[number];
    return {
      name,
      status: 'fail',
      detail: `launch hook ${list(abandoning.map(describe))}: CodeDeploy's copy carries it, and its green instances wait for whoever completes it; for a group named per deployment (CodeDeploy_<group>_<id>) that may be no one, and each green instance is then abandoned`,
      fix: `delete it (aws autoscaling delete-lifecycle-hook --auto-scaling-group-name ${group} --lifecycle-hook-name ${hookName(hook)}), or give it DefaultResult CONTINUE if what completes it may miss CodeDeploy's copies`,
    };
  }
  if (launching.length > 0)
    return {
      name,
      status: 'warn',
      detail: `launch hook ${list(launching.map(describe))}: CodeDeploy's copy carries it, each green instance may wait out its heartbeat timeout, and its order against CodeDeploy's lifecycle events cannot be predetermined (CodeDeploy's user guide)`,
      fix: 'make sure what completes it also completes the actions of CodeDeploy_<group>_<id> groups, or delete it',
    };
  const codeDeploys = all
    .filter(({ hook }) => hookName(hook).startsWith(CODEDEPLOY_HOOK))
    .map(({ hook }) => hookName(hook));
  return {
    name,
    status: 'pass',
    detail: [
      codeDeploys.length > 0 ? `CodeDeploy's own: ${list(codeDeploys)}` : 'none of CodeDeploy’s yet',
      ...(foreign.length > 0 ? [`termination hooks of the team's: ${list(foreign.map(describe))}`] : []),
    ].join('; '),
  };
}

export function checkWarmPool(view: FleetView): PreflightCheck {
  const name = 'warm-pool';
  if (isSkip(view)) return { name, status: 'skip', detail: view.skip };
  const pooled = view.groups.filter((g) => g.WarmPoolConfiguration !== undefined);
  if (pooled.length === 0)
    return { name, status: 'pass', detail: `${list(view.groups.map(nameOf))}: no warm pool` };
  const first = nameOf(pooled[0] as AutoScalingGroup);
  // In place nothing is copied: the pool is the group's own, and so is CodeDeploy's launch hook on it.
  const whose = view.inPlace
    ? "CodeDeploy's launch hook on the group"
    : 'CodeDeploy copies it, but its launch hook';
  return {
    name,
    status: 'warn',
    detail: `${list(pooled.map((g) => `${nameOf(g)} has a warm pool (min ${g.WarmPoolConfiguration?.MinSize ?? 0}, ${g.WarmPoolConfiguration?.PoolState ?? 'Stopped'})`))}: ${whose} is not answered for instances entering the pool (Warmed:Pending:Wait, aws/aws-codedeploy-agent#390): they wait out the hook, and none gets the revision before it serves`,
    fix: `aws autoscaling delete-warm-pool --auto-scaling-group-name ${first}, unless the pool's instances are deployed to by other means`,
  };
}

/** How many of a group's instances its mixed instances policy may launch as Spot. */
function spotCapacity(group: AutoScalingGroup): number {
  const distribution = group.MixedInstancesPolicy?.InstancesDistribution;
  if (!group.MixedInstancesPolicy) return 0;
  const base = distribution?.OnDemandBaseCapacity ?? 0;
  const percent = distribution?.OnDemandPercentageAboveBaseCapacity ?? 100;
  const above = Math.max(0, (group.DesiredCapacity ?? 0) - base);
  return above - Math.ceil((above * percent) / 100);
}

export function checkMixedInstances(view: FleetView): PreflightCheck {
  const name = 'mixed-instances';
  if (isSkip(view)) return { name, status: 'skip', detail: view.skip };
  const mixed = view.groups.filter((g) => g.MixedInstancesPolicy !== undefined);
  if (mixed.length === 0)
    return { name, status: 'pass', detail: `${list(view.groups.map(nameOf))}: no mixed instances policy` };
  const spot = mixed.filter((g) => spotCapacity(g) > 0);
  if (spot.length > 0)
    return {
      name,
      status: 'warn',
      detail: `${list(spot.map((g) => `${nameOf(g)} launches ${spotCapacity(g)} of ${g.DesiredCapacity ?? 0} as Spot`))} (mixed instances policy): EC2 may interrupt one during the deployment, with two minutes' notice, and its lifecycle events then fail`,
      fix: `OnDemandPercentageAboveBaseCapacity: 100 on ${view.inPlace ? list(spot.map(nameOf)) : 'the group CodeDeploy copies'}, or accept a release that fails when EC2 reclaims an instance`,
    };
  return {
    name,
    status: 'pass',
    detail: `${list(mixed.map(nameOf))} launches On-Demand through a mixed instances policy: its launch template version is the team's to move (greenlight moves a group's own LaunchTemplate only)`,
  };
}

export function checkCapacityRebalance(view: FleetView): PreflightCheck {
  const name = 'capacity-rebalance';
  if (isSkip(view)) return { name, status: 'skip', detail: view.skip };
  const rebalancing = view.groups.filter((g) => g.CapacityRebalance === true);
  if (rebalancing.length === 0)
    return { name, status: 'pass', detail: `${list(view.groups.map(nameOf))}: Capacity Rebalancing off` };
  const spot = rebalancing.filter((g) => spotCapacity(g) > 0);
  if (spot.length === 0)
    return {
      name,
      status: 'pass',
      detail: `Capacity Rebalancing is on for ${list(rebalancing.map(nameOf))}, which launches no Spot Instance: it has nothing to replace`,
    };
  return {
    name,
    status: 'warn',
    detail: `Capacity Rebalancing is on for ${list(spot.map(nameOf))}, whose Spot Instances it replaces when EC2 recommends it (Auto Scaling's user guide): ${view.inPlace ? 'mid-deployment' : "on CodeDeploy's copy, mid-deployment"}, that takes an instance CodeDeploy is installing on`,
    fix: `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${nameOf(spot[0] as AutoScalingGroup)} --no-capacity-rebalance, or no Spot in ${view.inPlace ? 'the group' : 'the group CodeDeploy copies'}`,
  };
}

// --- The suspension around a release ----------------------------------------------------------------

/**
 * Every group whose name starts with `prefix` (DescribeAutoScalingGroups has no name filter), but
 * those being deleted: a group in `Delete in progress` runs no process worth resuming.
 */
async function groupsNamedLike(autoscaling: AutoScalingClient, prefix: string): Promise<Set<string>> {
  const names = new Set<string>();
  let token: string | undefined;
  do {
    const page = await autoscaling
      .send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 100, ...(token ? { NextToken: token } : {}) }))
      .catch((error: unknown) => {
        throw new AwsOperationError('DescribeAutoScalingGroups', `${prefix}*`, error);
      });
    for (const g of page.AutoScalingGroups ?? [])
      if (g.AutoScalingGroupName?.startsWith(prefix) && !g.Status?.startsWith('Delete'))
        names.add(g.AutoScalingGroupName);
    token = page.NextToken;
  } while (token);
  return names;
}

/**
 * Runs `release` with PROCESSES_TO_SUSPEND suspended on the groups CodeDeploy copies, when the
 * environment says `autoScaling.suspendProcesses`, and resumes them however it ends (returned,
 * thrown, cancelled): first on the originals, so that a copy made from now on carries nothing, then on
 * the copies CodeDeploy made meanwhile, which carried them. `follows` false (deploy --no-wait): nothing
 * would be there to resume them, so nothing is suspended, and that is said.
 */
export async function withSuspendedProcesses<T>(
  env: EnvironmentConfig,
  deps: { readonly aws: AwsClientSource; readonly logger: Logger; readonly follows: boolean },
  release: () => Promise<T>,
): Promise<T> {
  // In place there is no copy: the processes are suspended on the groups the deployment installs,
  // so that no instance launches, is replaced or rebalanced away while it does.
  const inPlace = env.inPlace !== undefined;
  if (
    !env.autoScaling?.suspendProcesses ||
    (!inPlace && env.blueGreen?.greenFleet !== 'COPY_AUTO_SCALING_GROUP')
  )
    return release();
  const { logger } = deps;
  const say = (level: 'info' | 'warn' | 'error', text: string) =>
    logger.emit({ kind: 'message', level, text });
  if (!deps.follows) {
    say(
      'warn',
      `autoScaling.suspendProcesses: not with --no-wait, which leaves nothing to resume them; ${list([...PROCESSES_TO_SUSPEND])} run during this deployment`,
    );
    return release();
  }
  const autoscaling = await deps.aws.autoscaling();
  const originals = inPlace
    ? [...(env.inPlace?.autoScalingGroups ?? [])]
    : (
        (await readDeploymentGroup(await deps.aws.codedeploy(), env, () => undefined))?.autoScalingGroups ??
        []
      ).flatMap((g) => (g.name ? [g.name] : []));
  if (originals.length === 0) return release();
  const copyPrefix = inPlace ? undefined : `CodeDeploy_${env.deploymentGroup}_`;
  const copiesBefore = copyPrefix ? await groupsNamedLike(autoscaling, copyPrefix) : new Set<string>();
  // Only what was running is greenlight's to suspend, and so to resume.
  const suspended = new Map<string, string[]>();
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    for (const group of await describeGroups(autoscaling, originals)) {
      const already = new Set((group.SuspendedProcesses ?? []).map((p) => p.ProcessName));
      const processes = PROCESSES_TO_SUSPEND.filter((p) => !already.has(p));
      if (processes.length === 0) continue;
      await autoscaling
        .send(
          new SuspendProcessesCommand({ AutoScalingGroupName: nameOf(group), ScalingProcesses: processes }),
        )
        .catch((error: unknown) => {
          throw new AwsOperationError('SuspendProcesses', nameOf(group), error);
        });
      suspended.set(nameOf(group), processes);
      say(
        'info',
        `suspended ${list(processes)} on ${nameOf(group)} for the deployment${inPlace ? '' : " (CodeDeploy's copy carries them)"}; greenlight resumes them when it ends`,
      );
    }
    outcome = { ok: true, value: await release() };
  } catch (error) {
    // A suspension that failed half-way is undone like any other end.
    outcome = { ok: false, error };
  }
  if (suspended.size === 0) {
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
  const failures = await resume(autoscaling, suspended, copyPrefix, copiesBefore, say);
  if (!outcome.ok) throw outcome.error;
  if (failures.length > 0) {
    const [first] = failures;
    throw new AwsOperationError(
      'ResumeProcesses',
      list(failures.map((f) => f.group)),
      first?.error,
      'resume them by hand: see above',
    );
  }
  return outcome.value;
}

async function resume(
  autoscaling: AutoScalingClient,
  suspended: ReadonlyMap<string, readonly string[]>,
  copyPrefix: string | undefined,
  copiesBefore: ReadonlySet<string>,
  say: (level: 'info' | 'warn' | 'error', text: string) => void,
): Promise<{ group: string; error: unknown }[]> {
  const failures: { group: string; error: unknown }[] = [];
  const resumeOn = async (group: string, processes: readonly string[], what: string) => {
    try {
      await autoscaling.send(
        new ResumeProcessesCommand({ AutoScalingGroupName: group, ScalingProcesses: [...processes] }),
      );
      say('info', `resumed ${list(processes)} on ${group} (${what})`);
    } catch (error) {
      failures.push({ group, error });
      say(
        'error',
        `could not resume ${list(processes)} on ${group} (${what}): ${error instanceof Error ? error.message : String(error)}; run aws autoscaling resume-processes --auto-scaling-group-name ${group} --scaling-processes ${processes.join(' ')}`,
      );
    }
  };
  // A group deleted since (TERMINATE deletes the original) has nothing to resume; one that cannot be
  // read is tried all the same, and its failure said.
  const present = await describeGroups(autoscaling, [...suspended.keys()]).then(
    (groups) => new Set(groups.filter((g) => !g.Status?.startsWith('Delete')).map(nameOf)),
    () => new Set(suspended.keys()),
  );
  for (const [group, processes] of suspended) {
    if (present.has(group))
      await resumeOn(group, processes, copyPrefix ? 'the group CodeDeploy copied' : 'deployed in place');
  }
  if (copyPrefix === undefined) return failures;
  // What every copy may carry: the union of what greenlight suspended.
  const carried = [...new Set([...suspended.values()].flat())];
  let copies: Set<string>;
  try {
    copies = await groupsNamedLike(autoscaling, copyPrefix);
  } catch (error) {
    say(
      'error',
      `could not list CodeDeploy's copies (${copyPrefix}*) to resume ${list(carried)} on them: ${error instanceof Error ? error.message : String(error)}`,
    );
    return [...failures, { group: `${copyPrefix}*`, error }];
  }
  for (const copy of copies) {
    if (!copiesBefore.has(copy) && !suspended.has(copy)) await resumeOn(copy, carried, "CodeDeploy's copy");
  }
  return failures;
}
