// Auto Scaling state: groups, their instances' lifecycle, lifecycle hooks. Implements AutoScalingPort.
//
// An instance goes Pending → (EC2 running) → Pending:Wait while launch hooks are open → InService,
// and is then registered with the group's target groups, as AWS does. Scale-in and termination
// deregister first, wait for the target groups' deregistration delay, then terminate through EC2.
//
// Health: an instance terminated behind the group's back is replaced (EC2 health). A group with
// HealthCheckType ELB also replaces an InService instance that one of its target groups reports
// `unhealthy`, once HealthCheckGracePeriod has passed since it entered InService (with launch hooks,
// the grace period starts when they complete, as AWS documents): it is marked Unhealthy,
// terminated (deregistered and drained first) and a replacement is launched.
//
// Suspended processes (SuspendProcesses) are honoured where the local cloud has the process: Launch
// (no instance is launched, for any reason), Terminate (no scale-in), HealthCheck (no instance is
// marked unhealthy), ReplaceUnhealthy (an unhealthy instance is marked, not replaced), AddToLoadBalancer
// (new instances are not registered with the target groups) and AZRebalance (instances in a zone the
// group no longer uses stay there). AlarmNotification, ScheduledActions and InstanceRefresh have no
// process here to stop: the local cloud has no scaling policies, scheduled actions or refreshes; they
// are kept and reported all the same.
import type {
  AgentMode,
  AsgInstance,
  AutoScalingGroup,
  AutoScalingPort,
  Ec2Instance,
  Elbv2Port,
  LifecycleHookSpec,
  Scheduler,
} from '../ports.js';
import { awsMsPerTimestampMs } from '../clock.js';
import type { Random } from '../random.js';
import { randomUuid } from '../random.js';
import type { Ec2Model } from '../ec2/model.js';
import { causeTime, ScalingActivities, type ActivityRecord } from './activities.js';
import { AwsApiError } from '../service.js';
import * as errors from './errors.js';

const GROUP_NAME_TAG = 'aws:autoscaling:groupName';
/** AWS-time pause before replacing an instance that was lost (health check grace, cooldown). */
const REPLACEMENT_DELAY_MS = 10_000;
/** [I] How often Auto Scaling reads ELB health (AWS does not document it): every 30 s of AWS time. */
export const ELB_HEALTH_CHECK_INTERVAL_MS = 30_000;

export interface AsgInstanceRecord extends AsgInstance {
  readonly instanceType: string;
  readonly launchTemplate?: { id: string; name: string; version: string };
  /** Open lifecycle actions by hook name. */
  readonly pendingActions: Map<string, PendingAction>;
  /** When it entered InService (the health check grace period starts then). */
  inServiceAt?: Date;
  /** The scaling activities of its launch and its termination. */
  launchActivity?: ActivityRecord;
  terminateActivity?: ActivityRecord;
}

/** Auto Scaling's processes, as SuspendProcesses and ResumeProcesses name them. */
export const SCALING_PROCESSES = [
  'Launch',
  'Terminate',
  'AddToLoadBalancer',
  'AlarmNotification',
  'AZRebalance',
  'HealthCheck',
  'InstanceRefresh',
  'ReplaceUnhealthy',
  'ScheduledActions',
] as const;

export type ScalingProcess = (typeof SCALING_PROCESSES)[number];

/** A warm pool's configuration (PutWarmPool). [I] The local cloud launches no instance into it. */
export interface WarmPoolRecord {
  readonly maxGroupPreparedCapacity?: number;
  readonly minSize: number;
  readonly poolState: 'Stopped' | 'Running' | 'Hibernated';
  readonly instanceReusePolicy?: { ReuseOnScaleIn?: boolean };
}

/** A launch template as a request names it. */
export interface LaunchTemplateRef {
  id?: string;
  name?: string;
  version?: string;
}

/**
 * A mixed instances policy as CreateAutoScalingGroup takes it: the launch template (with instance
 * type overrides) and how On-Demand and Spot Instances are mixed. [I] The local cloud launches every
 * instance On-Demand from the policy's launch template, with the template's own instance type.
 */
export interface MixedInstancesPolicyRecord {
  readonly launchTemplate: { readonly overrides: readonly Record<string, unknown>[] };
  readonly instancesDistribution: Readonly<Record<string, unknown>>;
}

export interface PendingAction {
  readonly token: string;
  readonly hook: LifecycleHookSpec;
  cancelTimeout: () => void;
}

export interface GroupRecord extends AutoScalingGroup {
  instances: AsgInstanceRecord[];
  defaultCooldown: number;
  vpcZoneIdentifier?: string;
  /** Tag keys whose PropagateAtLaunch is true. */
  readonly propagatedTags: Set<string>;
  /** Set while a forced delete waits for its instances to terminate. */
  status?: 'Delete in progress';
  readonly hookDetails: Map<
    string,
    { notificationMetadata?: string; roleArn?: string; notificationTargetArn?: string }
  >;
  /** Suspended processes and why (SuspensionReason). */
  readonly suspendedProcesses: Map<ScalingProcess, string>;
  warmPool?: WarmPoolRecord;
  /** Set when the group launches through a mixed instances policy (its template is `launchTemplate`). */
  mixedInstancesPolicy?: MixedInstancesPolicyRecord;
  capacityRebalance: boolean;
}

export interface CreateGroupRequest {
  name: string;
  launchTemplate?: LaunchTemplateRef;
  /** Instead of `launchTemplate`: the policy and the template it launches from. */
  mixedInstancesPolicy?: { launchTemplate: LaunchTemplateRef; policy: MixedInstancesPolicyRecord };
  capacityRebalance?: boolean;
  minSize: number;
  maxSize: number;
  desiredCapacity?: number;
  availabilityZones?: string[];
  vpcZoneIdentifier?: string;
  targetGroupArns?: string[];
  healthCheckType?: 'EC2' | 'ELB';
  healthCheckGracePeriod?: number;
  defaultCooldown?: number;
  tags?: { key: string; value: string; propagateAtLaunch: boolean }[];
  lifecycleHooks?: LifecycleHookSpec[];
  agent?: AgentMode;
  /** Not of the API: what a copy of a group carries over before it launches anything. */
  copied?: {
    hookDetails: GroupRecord['hookDetails'];
    suspendedProcesses: readonly ScalingProcess[];
    warmPool?: WarmPoolRecord;
  };
}

export interface UpdateGroupRequest {
  launchTemplate?: LaunchTemplateRef;
  mixedInstancesPolicy?: { launchTemplate: LaunchTemplateRef; policy: MixedInstancesPolicyRecord };
  capacityRebalance?: boolean;
  minSize?: number;
  maxSize?: number;
  desiredCapacity?: number;
  availabilityZones?: string[];
  vpcZoneIdentifier?: string;
  healthCheckType?: 'EC2' | 'ELB';
  healthCheckGracePeriod?: number;
  defaultCooldown?: number;
}

export interface AutoScalingModelDeps {
  readonly region: string;
  readonly accountId: string;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly ec2: Ec2Model;
  readonly elbv2: Elbv2Port;
  /** The agent of a group whose request names none (the cloud's setting for new instances). */
  readonly defaultAgent?: () => AgentMode;
}

/** The AZs behind subnets: `subnet-<az>` (how the local cloud names subnets) or the region's a, b, c. */
/** The subnet ids of a group's VPCZoneIdentifier (`subnet-a,subnet-b`). */
export function subnetsOf(vpcZoneIdentifier: string): string[] {
  return vpcZoneIdentifier
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The Availability Zones of a group's subnets, each once: a subnet EC2 has is in its own zone. A
 * subnet EC2 does not have is taken by its name (`subnet-us-east-1a`, as worlds and older tests name
 * them) or, failing that, by its position (a, b, c) — the local cloud's allowance for made-up ids.
 */
export function zonesOfSubnets(
  region: string,
  vpcZoneIdentifier: string,
  zoneOf: (subnetId: string) => string | undefined = () => undefined,
): string[] {
  const zones = subnetsOf(vpcZoneIdentifier).map((subnet, index) => {
    const known = zoneOf(subnet);
    if (known) return known;
    const named = /^subnet-([a-z]{2}-[a-z]+-\d[a-z])$/.exec(subnet);
    return named?.[1] ?? `${region}${'abc'.charAt(index % 3)}`;
  });
  return [...new Set(zones)];
}

function isLive(instance: AsgInstance): boolean {
  return !instance.lifecycleState.startsWith('Terminat') && !instance.lifecycleState.startsWith('Detach');
}

/**
 * The largest MaxSize (hence DesiredCapacity) a group may have. AWS has no per-group cap of its own:
 * what stops a group is the account's EC2 instance quota, which a default account meets long before
 * this. The local cloud stands in for that quota with a ValidationError, so a typo cannot launch a
 * million in-memory instances; 10,000 is well above its 1,000-instance benchmark.
 */
export const MAX_GROUP_SIZE = 10_000;

export class AutoScalingModel implements AutoScalingPort {
  private readonly zoneOfSubnet = (subnetId: string) => this.deps.ec2.subnet(subnetId)?.availabilityZone;
  private readonly groups = new Map<string, GroupRecord>();
  private readonly memberOf = new Map<string, { group: GroupRecord; member: AsgInstanceRecord }>();
  private readonly launchHookListeners: ((
    groupName: string,
    hookName: string,
    instanceId: string,
  ) => void)[] = [];
  /** Cancels the pending ELB health round; set while some group uses ELB health checks. */
  private elbHealthRound?: () => void;
  readonly activities: ScalingActivities;

  constructor(private readonly deps: AutoScalingModelDeps) {
    this.activities = new ScalingActivities(deps.random);
    deps.ec2.onStateChange((instance) => this.onInstanceState(instance));
  }

  /** "At <now> " as a scaling activity's cause starts. */
  private at(): string {
    return `At ${causeTime(this.deps.scheduler.now())}`;
  }

  // --- AutoScalingPort -----------------------------------------------------------------------------

  get(name: string): GroupRecord | undefined {
    return this.groups.get(name);
  }

  /**
   * [I] What CodeDeploy's copy carries over beyond the launch template, sizes and health check (its
   * user guide: "the same number of running instances and many other configuration options"): the
   * original's mixed instances policy, Capacity Rebalancing, warm pool, suspended processes and
   * lifecycle hooks other than CodeDeploy's own (CodeDeploy installs its hook on the copy itself).
   * AWSCodeDeployRole, the service role policy CodeDeploy documents, pairs DescribeAutoScalingGroups
   * and DescribeLifecycleHooks with PutWarmPool ("to support adding warm pools to Amazon EC2 Auto
   * Scaling groups for blue/green deployments"), SuspendProcesses and PutLifecycleHook: the calls
   * such a copy makes. A suspension on the original is therefore one on the new fleet too.
   */
  copy(sourceName: string, newName: string, desiredCapacity: number): GroupRecord {
    const source = this.require(sourceName);
    const mixed = source.mixedInstancesPolicy;
    return this.create({
      name: newName,
      ...(mixed && source.launchTemplate
        ? { mixedInstancesPolicy: { launchTemplate: source.launchTemplate, policy: mixed } }
        : source.launchTemplate
          ? { launchTemplate: source.launchTemplate }
          : {}),
      capacityRebalance: source.capacityRebalance,
      lifecycleHooks: source.lifecycleHooks.filter((h) => !h.name.startsWith('CodeDeploy-managed-')),
      copied: {
        hookDetails: new Map(
          [...source.hookDetails].filter(([name]) => !name.startsWith('CodeDeploy-managed-')),
        ),
        suspendedProcesses: [...source.suspendedProcesses.keys()],
        ...(source.warmPool ? { warmPool: source.warmPool } : {}),
      },
      minSize: Math.min(source.minSize, desiredCapacity),
      maxSize: Math.max(source.maxSize, desiredCapacity),
      desiredCapacity,
      availabilityZones: source.availabilityZones,
      ...(source.vpcZoneIdentifier ? { vpcZoneIdentifier: source.vpcZoneIdentifier } : {}),
      healthCheckType: source.healthCheckType,
      healthCheckGracePeriod: source.healthCheckGracePeriod,
      defaultCooldown: source.defaultCooldown,
      tags: [...source.tags].map(([key, value]) => ({
        key,
        value,
        propagateAtLaunch: source.propagatedTags.has(key),
      })),
      agent: source.agent,
    });
  }

  delete(name: string): void {
    const group = this.require(name);
    group.status = 'Delete in progress';
    const why = `${this.at()} a user request update of AutoScalingGroup constraints to min: 0, max: 0, desired: 0 changing the desired capacity from ${group.desiredCapacity} to 0.  ${this.shrinking(group.instances.filter(isLive).length, 0)}`;
    group.desiredCapacity = 0;
    group.minSize = 0;
    for (const member of [...group.instances]) this.terminateMember(group, member, why);
    this.removeIfDrained(group);
  }

  putLifecycleHook(groupName: string, hook: LifecycleHookSpec): void {
    const group = this.require(groupName);
    const index = group.lifecycleHooks.findIndex((h) => h.name === hook.name);
    if (index >= 0) group.lifecycleHooks[index] = hook;
    else group.lifecycleHooks.push(hook);
  }

  deleteLifecycleHook(groupName: string, hookName: string): void {
    const group = this.require(groupName);
    const index = group.lifecycleHooks.findIndex((h) => h.name === hookName);
    if (index < 0) throw errors.lifecycleHookNotFound(hookName, groupName);
    group.lifecycleHooks.splice(index, 1);
    group.hookDetails.delete(hookName);
    // Instances waiting on a deleted hook proceed with its default result, as AWS does.
    for (const member of group.instances) {
      const action = member.pendingActions.get(hookName);
      if (action) this.finishAction(group, member, action, action.hook.defaultResult);
    }
  }

  onLaunchHook(listener: (groupName: string, hookName: string, instanceId: string) => void): void {
    this.launchHookListeners.push(listener);
  }

  completeLifecycleAction(
    groupName: string,
    hookName: string,
    instanceId: string,
    result: 'CONTINUE' | 'ABANDON',
  ): void {
    const group = this.require(groupName);
    const member = group.instances.find((m) => m.instanceId === instanceId);
    const action = member?.pendingActions.get(hookName);
    if (!member || !action) throw errors.noActiveLifecycleAction(instanceId);
    this.finishAction(group, member, action, result);
  }

  detachInstance(groupName: string, instanceId: string, decrementDesired = true): void {
    const group = this.require(groupName);
    const member = group.instances.find((m) => m.instanceId === instanceId);
    if (!member || !isLive(member)) throw errors.instanceNotInGroup(instanceId);
    member.lifecycleState = 'Detaching';
    const now = this.deps.scheduler.now();
    this.activities.finish(member.launchActivity, 'Cancelled', now);
    const detaching = this.activities.start(
      group,
      'detach',
      member,
      `${this.at()} instance ${instanceId} was detached in response to a user request${decrementDesired ? `, shrinking the capacity from ${group.desiredCapacity} to ${Math.max(0, group.desiredCapacity - 1)}` : ''}.`,
      now,
    );
    this.activities.finish(detaching, 'Successful', now);
    this.deregisterFromTargetGroups(group, member);
    group.instances = group.instances.filter((m) => m !== member);
    member.lifecycleState = 'Detached';
    this.memberOf.delete(instanceId);
    if (decrementDesired) {
      group.desiredCapacity = Math.max(0, group.desiredCapacity - 1);
      group.minSize = Math.min(group.minSize, group.desiredCapacity);
    } else {
      this.reconcile(group);
    }
  }

  // --- Operations behind the API ---------------------------------------------------------------------

  require(name: string): GroupRecord {
    const group = this.groups.get(name);
    if (!group) throw errors.groupNotFound(name);
    return group;
  }

  all(): GroupRecord[] {
    return [...this.groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  memberFor(instanceId: string): { group: GroupRecord; member: AsgInstanceRecord } | undefined {
    return this.memberOf.get(instanceId);
  }

  /** Throws what CreateAutoScalingGroup would for a name that is taken. */
  checkGroupName(name: string): void {
    if (this.groups.has(name)) throw errors.alreadyExists(name);
  }

  create(request: CreateGroupRequest): GroupRecord {
    this.checkGroupName(request.name);
    if (request.launchTemplate && request.mixedInstancesPolicy) throw errors.launchTemplateAndMixedPolicy();
    const reference = request.launchTemplate ?? request.mixedInstancesPolicy?.launchTemplate;
    const launchTemplate = reference ? this.resolveLaunchTemplate(reference) : undefined;
    if (!launchTemplate) throw errors.noLaunchSource();
    const desired = request.desiredCapacity ?? request.minSize;
    this.checkCapacity(request.minSize, request.maxSize, desired);
    const zones = request.availabilityZones?.length
      ? request.availabilityZones
      : request.vpcZoneIdentifier
        ? zonesOfSubnets(this.deps.region, request.vpcZoneIdentifier, this.zoneOfSubnet)
        : [];
    if (zones.length === 0) throw errors.noAvailabilityZones();
    const targetGroupArns = request.targetGroupArns ?? [];
    if (targetGroupArns.some((arn) => !this.deps.elbv2.getTargetGroupByArn(arn)))
      throw errors.invalidTargetGroups();
    const tags = request.tags ?? [];
    const group: GroupRecord = {
      name: request.name,
      arn: `arn:aws:autoscaling:${this.deps.region}:${this.deps.accountId}:autoScalingGroup:${randomUuid(this.deps.random)}:autoScalingGroupName/${request.name}`,
      minSize: request.minSize,
      maxSize: request.maxSize,
      desiredCapacity: desired,
      availabilityZones: [...zones],
      targetGroupArns: [...targetGroupArns],
      launchTemplate,
      healthCheckType: request.healthCheckType ?? 'EC2',
      healthCheckGracePeriod: request.healthCheckGracePeriod ?? (request.healthCheckType === 'ELB' ? 300 : 0),
      tags: new Map(tags.map((t) => [t.key, t.value])),
      propagatedTags: new Set(tags.filter((t) => t.propagateAtLaunch).map((t) => t.key)),
      instances: [],
      lifecycleHooks: [...(request.lifecycleHooks ?? [])],
      hookDetails: new Map(request.copied?.hookDetails ?? []),
      suspendedProcesses: new Map(
        (request.copied?.suspendedProcesses ?? []).map((p) => [p, this.suspensionReason()]),
      ),
      ...(request.copied?.warmPool ? { warmPool: request.copied.warmPool } : {}),
      ...(request.mixedInstancesPolicy ? { mixedInstancesPolicy: request.mixedInstancesPolicy.policy } : {}),
      capacityRebalance: request.capacityRebalance ?? false,
      agent: request.agent ?? this.deps.defaultAgent?.() ?? 'synthetic',
      createdTime: this.deps.scheduler.now(),
      defaultCooldown: request.defaultCooldown ?? 300,
      ...(request.vpcZoneIdentifier ? { vpcZoneIdentifier: request.vpcZoneIdentifier } : {}),
    };
    this.groups.set(group.name, group);
    this.reconcile(
      group,
      `${this.at()} a user request created an AutoScalingGroup changing the desired capacity from 0 to ${desired}.  `,
    );
    this.watchElbHealth();
    return group;
  }

  update(name: string, request: UpdateGroupRequest): GroupRecord {
    const group = this.require(name);
    const minSize = request.minSize ?? group.minSize;
    const maxSize = request.maxSize ?? group.maxSize;
    // As on AWS, changing only a bound drags the desired capacity along with it.
    const desired = request.desiredCapacity ?? Math.min(Math.max(group.desiredCapacity, minSize), maxSize);
    this.checkCapacity(minSize, maxSize, desired);
    if (request.launchTemplate && request.mixedInstancesPolicy) throw errors.launchTemplateAndMixedPolicy();
    if (request.mixedInstancesPolicy && group.warmPool) throw errors.warmPoolWithMixedPolicy(group.name);
    // [I] A group takes either: a launch template replaces the policy, a policy replaces the template.
    if (request.launchTemplate) {
      group.launchTemplate = this.resolveLaunchTemplate(request.launchTemplate);
      delete group.mixedInstancesPolicy;
    }
    if (request.mixedInstancesPolicy) {
      group.launchTemplate = this.resolveLaunchTemplate(request.mixedInstancesPolicy.launchTemplate);
      group.mixedInstancesPolicy = request.mixedInstancesPolicy.policy;
    }
    if (request.capacityRebalance !== undefined) group.capacityRebalance = request.capacityRebalance;
    const zonesBefore = group.availabilityZones;
    if (request.availabilityZones?.length) group.availabilityZones = [...request.availabilityZones];
    if (request.vpcZoneIdentifier) {
      group.vpcZoneIdentifier = request.vpcZoneIdentifier;
      group.availabilityZones = zonesOfSubnets(
        this.deps.region,
        request.vpcZoneIdentifier,
        this.zoneOfSubnet,
      );
    }
    if (request.healthCheckType) group.healthCheckType = request.healthCheckType;
    if (request.healthCheckGracePeriod !== undefined)
      group.healthCheckGracePeriod = request.healthCheckGracePeriod;
    if (request.defaultCooldown !== undefined) group.defaultCooldown = request.defaultCooldown;
    const before = group.desiredCapacity;
    group.minSize = minSize;
    group.maxSize = maxSize;
    group.desiredCapacity = desired;
    this.leaveRemovedZones(group, zonesBefore);
    this.reconcile(
      group,
      before === desired
        ? ''
        : `${this.at()} a user request update of AutoScalingGroup constraints to min: ${minSize}, max: ${maxSize}, desired: ${desired} changing the desired capacity from ${before} to ${desired}.  `,
    );
    this.watchElbHealth();
    return group;
  }

  deleteGroup(name: string, force: boolean): void {
    const group = this.require(name);
    if (!force && group.instances.length > 0) throw errors.resourceInUse();
    this.delete(name);
  }

  setDesiredCapacity(name: string, desired: number): void {
    const group = this.require(name);
    if (desired < group.minSize || desired > group.maxSize) {
      throw errors.validationError(
        `New SetDesiredCapacity value ${desired} is below min value ${group.minSize} or above max value ${group.maxSize} for the AutoScalingGroup.`,
      );
    }
    const before = group.desiredCapacity;
    group.desiredCapacity = desired;
    this.reconcile(
      group,
      `${this.at()} a user request explicitly set group desired capacity changing the desired capacity from ${before} to ${desired}.  `,
    );
  }

  /** SuspendProcesses: every process when none is named. */
  suspendProcesses(name: string, processes: readonly string[]): void {
    const group = this.require(name);
    for (const process of this.processesNamed(processes)) {
      if (!group.suspendedProcesses.has(process))
        group.suspendedProcesses.set(process, this.suspensionReason());
    }
  }

  /** ResumeProcesses: every process when none is named; what was held back goes on. */
  resumeProcesses(name: string, processes: readonly string[]): void {
    const group = this.require(name);
    for (const process of this.processesNamed(processes)) group.suspendedProcesses.delete(process);
    // What was marked Unhealthy while ReplaceUnhealthy was suspended is replaced now.
    if (!this.isSuspended(group, 'ReplaceUnhealthy')) {
      for (const member of group.instances.filter(
        (m) => m.lifecycleState === 'InService' && m.healthStatus === 'Unhealthy',
      )) {
        this.terminateMember(
          group,
          member,
          `${this.at()} an instance was taken out of service in response to a health check indicating it is unhealthy, now that ReplaceUnhealthy is resumed.`,
        );
      }
    }
    this.leaveRemovedZones(group, group.availabilityZones);
    this.reconcile(group);
  }

  isSuspended(group: GroupRecord, process: ScalingProcess): boolean {
    return group.suspendedProcesses.has(process);
  }

  putWarmPool(name: string, pool: Partial<WarmPoolRecord>): void {
    const group = this.require(name);
    if (group.mixedInstancesPolicy) throw errors.warmPoolWithMixedPolicy(group.name);
    group.warmPool = {
      ...(pool.maxGroupPreparedCapacity !== undefined
        ? { maxGroupPreparedCapacity: pool.maxGroupPreparedCapacity }
        : {}),
      minSize: pool.minSize ?? 0,
      poolState: pool.poolState ?? 'Stopped',
      ...(pool.instanceReusePolicy ? { instanceReusePolicy: pool.instanceReusePolicy } : {}),
    };
  }

  deleteWarmPool(name: string): void {
    const group = this.require(name);
    if (!group.warmPool) throw errors.noWarmPool(group.name);
    delete group.warmPool;
  }

  private processesNamed(processes: readonly string[]): ScalingProcess[] {
    if (processes.length === 0) return [...SCALING_PROCESSES];
    for (const process of processes) {
      if (!(SCALING_PROCESSES as readonly string[]).includes(process)) throw errors.invalidProcess(process);
    }
    return processes as ScalingProcess[];
  }

  /** AWS's reason for a suspension a user asked for: `User suspended at 2015-09-03T16:18:38Z`. */
  private suspensionReason(): string {
    return `User suspended at ${this.deps.scheduler
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z')}`;
  }

  /**
   * AZRebalance: instances left in a zone the group no longer uses are taken out of service, and the
   * group launches their replacements in its zones. [I] AWS launches the replacements first (up to
   * 10% over the maximum size); here they follow the termination, as a scale-out would.
   */
  private leaveRemovedZones(group: GroupRecord, zonesBefore: readonly string[]): void {
    if (['AZRebalance', 'Launch', 'Terminate'].some((p) => this.isSuspended(group, p as ScalingProcess)))
      return;
    const stranded = group.instances.filter(
      (m) => isLive(m) && !group.availabilityZones.includes(m.availabilityZone),
    );
    for (const member of stranded) {
      this.terminateMember(
        group,
        member,
        `${this.at()} an instance was taken out of service in response to an Availability Zone rebalancing: its zone ${member.availabilityZone} is no longer one of the group's (${zonesBefore.join(', ')} → ${group.availabilityZones.join(', ')}).`,
      );
    }
  }

  terminateInstance(instanceId: string, decrementDesired: boolean): GroupRecord {
    const found = this.memberOf.get(instanceId);
    if (!found || !isLive(found.member)) throw errors.instanceNotInGroup(instanceId);
    const { group, member } = found;
    if (decrementDesired) {
      if (group.desiredCapacity - 1 < group.minSize) {
        throw errors.validationError(
          `Currently, desiredSize equals minSize (${group.minSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
        );
      }
      group.desiredCapacity--;
    }
    this.terminateMember(
      group,
      member,
      `${this.at()} instance ${instanceId} was taken out of service in response to a user request${decrementDesired ? `, shrinking the capacity from ${group.desiredCapacity + 1} to ${group.desiredCapacity}` : ''}.`,
    );
    if (!decrementDesired) this.reconcile(group);
    return group;
  }

  recordHeartbeat(
    groupName: string,
    hookName: string,
    instanceId: string | undefined,
    token: string | undefined,
  ): void {
    const group = this.require(groupName);
    const member = group.instances.find(
      (m) =>
        (instanceId !== undefined && m.instanceId === instanceId) ||
        (token !== undefined && m.pendingActions.get(hookName)?.token === token),
    );
    const action = member?.pendingActions.get(hookName);
    if (!member || !action) throw errors.noActiveLifecycleAction(instanceId);
    action.cancelTimeout();
    action.cancelTimeout = this.actionTimeout(group, member, action);
  }

  /** Finds the instance a CompleteLifecycleAction names by instance id or by token. */
  instanceForAction(
    groupName: string,
    hookName: string,
    instanceId: string | undefined,
    token: string | undefined,
  ): string {
    const group = this.require(groupName);
    if (!group.lifecycleHooks.some((h) => h.name === hookName))
      throw errors.lifecycleHookNotFound(hookName, groupName);
    const member = group.instances.find(
      (m) =>
        (instanceId !== undefined && m.instanceId === instanceId) ||
        (token !== undefined && m.pendingActions.get(hookName)?.token === token),
    );
    if (!member) throw errors.noActiveLifecycleAction(instanceId);
    return member.instanceId;
  }

  // --- Lifecycle ---------------------------------------------------------------------------------------

  private resolveLaunchTemplate(ref: { id?: string; name?: string; version?: string }): {
    id: string;
    name: string;
    version: string;
  } {
    try {
      const template = this.deps.ec2.requireLaunchTemplate(ref);
      const version = ref.version ?? '$Default';
      this.deps.ec2.templateVersion(template, version);
      return { id: template.id, name: template.name, version };
    } catch (error) {
      if (error instanceof AwsApiError) throw errors.invalidLaunchTemplate(error.message);
      throw error;
    }
  }

  /** Throws what CreateAutoScalingGroup and UpdateAutoScalingGroup would for these sizes. */
  checkCapacity(min: number, max: number, desired: number): void {
    if (max > MAX_GROUP_SIZE) throw errors.maxSizeOverQuota(max, MAX_GROUP_SIZE);
    if (min > max) throw errors.sizeBounds(min, max);
    if (desired < min || desired > max) throw errors.desiredOutOfBounds(desired, min, max);
  }

  /** `why`: what changed the desired capacity, the first sentence of the activities' cause. */
  private reconcile(group: GroupRecord, why = ''): void {
    if (this.groups.get(group.name) !== group) return;
    const live = group.instances.filter(isLive);
    if (live.length < group.desiredCapacity && !this.isSuspended(group, 'Launch'))
      this.launchInto(
        group,
        group.desiredCapacity - live.length,
        `${why}${this.at()} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${live.length} to ${group.desiredCapacity}.`,
      );
    if (live.length > group.desiredCapacity && !this.isSuspended(group, 'Terminate')) {
      // Default termination policy, simplified: balance AZs, then the newest instance goes first.
      const victims: AsgInstanceRecord[] = [];
      const remaining = [...live];
      for (let n = live.length - group.desiredCapacity; n > 0; n--) {
        const counts = new Map<string, number>();
        for (const m of remaining) counts.set(m.availabilityZone, (counts.get(m.availabilityZone) ?? 0) + 1);
        const busiest = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
        const victim = [...remaining]
          .reverse()
          .find((m) => m.availabilityZone === busiest) as AsgInstanceRecord;
        remaining.splice(remaining.indexOf(victim), 1);
        victims.push(victim);
      }
      const shrink = `${why}${this.shrinking(live.length, group.desiredCapacity)}`;
      for (const victim of victims) this.terminateMember(group, victim, shrink);
    }
  }

  private shrinking(from: number, to: number): string {
    return `${this.at()} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${from} to ${to}.`;
  }

  private launchInto(group: GroupRecord, count: number, cause: string): void {
    const counts = new Map(group.availabilityZones.map((zone) => [zone, 0]));
    for (const m of group.instances.filter(isLive)) {
      const count = counts.get(m.availabilityZone);
      if (count !== undefined) counts.set(m.availabilityZone, count + 1);
    }
    const zones = [...counts].sort((a, b) => a[1] - b[1]).map(([zone]) => zone);
    // Tag keys are the caller's: without a prototype, `__proto__` is a key like any other.
    const tags = Object.create(null) as Record<string, string>;
    for (const key of group.propagatedTags) tags[key] = group.tags.get(key) ?? '';
    tags[GROUP_NAME_TAG] = group.name;
    const launched = this.deps.ec2.launch({
      count,
      availabilityZones: zones,
      tags,
      agent: group.agent,
      ...(group.launchTemplate ? { launchTemplate: group.launchTemplate } : {}),
      ...(group.vpcZoneIdentifier ? { subnetIds: subnetsOf(group.vpcZoneIdentifier) } : {}),
    });
    for (const instance of launched) {
      const member: AsgInstanceRecord = {
        instanceId: instance.instanceId,
        availabilityZone: instance.availabilityZone,
        lifecycleState: 'Pending',
        healthStatus: 'Healthy',
        instanceType: instance.instanceType,
        ...(group.launchTemplate ? { launchTemplate: group.launchTemplate } : {}),
        pendingActions: new Map(),
      };
      member.launchActivity = this.activities.start(
        group,
        'launch',
        member,
        cause,
        this.deps.scheduler.now(),
      );
      group.instances.push(member);
      this.memberOf.set(instance.instanceId, { group, member });
    }
  }

  private onInstanceState(instance: Ec2Instance): void {
    const found = this.memberOf.get(instance.instanceId);
    if (!found) return;
    const { group, member } = found;
    if (instance.state === 'running' && member.lifecycleState === 'Pending') {
      this.enterHooks(group, member, 'autoscaling:EC2_INSTANCE_LAUNCHING');
      return;
    }
    if (instance.state === 'shutting-down' || instance.state === 'terminated') {
      if (isLive(member)) {
        // Terminated behind the group's back: the health check marks it Unhealthy and it is replaced.
        member.healthStatus = 'Unhealthy';
        this.activities.finish(member.launchActivity, 'Cancelled', this.deps.scheduler.now());
        member.terminateActivity = this.activities.start(
          group,
          'terminate',
          member,
          `${this.at()} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.`,
          this.deps.scheduler.now(),
        );
        member.lifecycleState = 'Terminating';
        for (const action of member.pendingActions.values()) action.cancelTimeout();
        member.pendingActions.clear();
        this.deregisterFromTargetGroups(group, member);
        // ReplaceUnhealthy suspended: the group stays short until it is resumed.
        this.deps.scheduler.after(REPLACEMENT_DELAY_MS, () => {
          if (!this.isSuspended(group, 'ReplaceUnhealthy')) this.reconcile(group);
        });
      }
      if (instance.state === 'terminated') {
        this.activities.finish(member.terminateActivity, 'Successful', this.deps.scheduler.now());
        member.lifecycleState = 'Terminated';
        group.instances = group.instances.filter((m) => m !== member);
        this.memberOf.delete(instance.instanceId);
        this.removeIfDrained(group);
      }
    }
  }

  private enterHooks(
    group: GroupRecord,
    member: AsgInstanceRecord,
    transition: LifecycleHookSpec['transition'],
  ): void {
    const hooks = group.lifecycleHooks.filter((h) => h.transition === transition);
    const launching = transition === 'autoscaling:EC2_INSTANCE_LAUNCHING';
    if (hooks.length === 0) {
      this.proceed(group, member, launching);
      return;
    }
    member.lifecycleState = launching ? 'Pending:Wait' : 'Terminating:Wait';
    for (const hook of hooks) {
      const action: PendingAction = {
        token: randomUuid(this.deps.random),
        hook,
        cancelTimeout: () => undefined,
      };
      action.cancelTimeout = this.actionTimeout(group, member, action);
      member.pendingActions.set(hook.name, action);
    }
    if (launching) {
      for (const hook of hooks) {
        if (!member.pendingActions.has(hook.name)) continue;
        for (const listener of this.launchHookListeners) listener(group.name, hook.name, member.instanceId);
      }
    }
  }

  private actionTimeout(group: GroupRecord, member: AsgInstanceRecord, action: PendingAction): () => void {
    return this.deps.scheduler.after(action.hook.heartbeatTimeoutSeconds * 1000, () => {
      if (member.pendingActions.get(action.hook.name) === action)
        this.finishAction(group, member, action, action.hook.defaultResult);
    });
  }

  private finishAction(
    group: GroupRecord,
    member: AsgInstanceRecord,
    action: PendingAction,
    result: 'CONTINUE' | 'ABANDON',
  ): void {
    action.cancelTimeout();
    member.pendingActions.delete(action.hook.name);
    const launching = action.hook.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING';
    if (launching && result === 'ABANDON') {
      // An abandoned launch is terminated; the group launches a replacement.
      for (const other of member.pendingActions.values()) other.cancelTimeout();
      member.pendingActions.clear();
      this.terminateMember(
        group,
        member,
        `${this.at()} an instance was taken out of service in response to a launch lifecycle action being abandoned.`,
      );
      this.deps.scheduler.after(REPLACEMENT_DELAY_MS, () => this.reconcile(group));
      return;
    }
    if (member.pendingActions.size === 0) this.proceed(group, member, launching);
  }

  private proceed(group: GroupRecord, member: AsgInstanceRecord, launching: boolean): void {
    if (!launching) {
      member.lifecycleState = 'Terminating:Proceed';
      this.deps.ec2.terminate(member.instanceId);
      return;
    }
    member.lifecycleState = 'InService';
    member.inServiceAt = this.deps.scheduler.now();
    this.activities.finish(member.launchActivity, 'Successful', member.inServiceAt);
    if (this.isSuspended(group, 'AddToLoadBalancer')) return;
    for (const arn of group.targetGroupArns) {
      if (this.deps.elbv2.getTargetGroupByArn(arn)) this.deps.elbv2.register(arn, [member.instanceId]);
    }
  }

  private terminateMember(group: GroupRecord, member: AsgInstanceRecord, cause: string): void {
    if (!isLive(member)) return;
    const now = this.deps.scheduler.now();
    this.activities.finish(member.launchActivity, 'Cancelled', now);
    member.terminateActivity = this.activities.start(group, 'terminate', member, cause, now);
    for (const action of member.pendingActions.values()) action.cancelTimeout();
    member.pendingActions.clear();
    const wasInService = member.lifecycleState === 'InService';
    member.lifecycleState = 'Terminating';
    const drainSeconds = wasInService ? this.deregisterFromTargetGroups(group, member) : 0;
    const startTermination = (): void => {
      if (group.lifecycleHooks.some((h) => h.transition === 'autoscaling:EC2_INSTANCE_TERMINATING')) {
        this.enterHooks(group, member, 'autoscaling:EC2_INSTANCE_TERMINATING');
      } else {
        this.proceed(group, member, false);
      }
    };
    if (drainSeconds > 0) this.deps.scheduler.after(drainSeconds * 1000, startTermination);
    else startTermination();
  }

  // --- ELB health checks ---------------------------------------------------------------------------

  /** Runs ELB health rounds while some group has HealthCheckType ELB, and only then. */
  private watchElbHealth(): void {
    const wanted = [...this.groups.values()].some((g) => g.healthCheckType === 'ELB');
    if (!wanted) {
      this.elbHealthRound?.();
      this.elbHealthRound = undefined;
      return;
    }
    this.elbHealthRound ??= this.deps.scheduler.after(ELB_HEALTH_CHECK_INTERVAL_MS, () => {
      this.elbHealthRound = undefined;
      this.checkElbHealth();
      this.watchElbHealth();
    });
  }

  /** Replaces every InService instance past its grace period that a target group reports unhealthy. */
  private checkElbHealth(): void {
    const now = this.deps.scheduler.now().getTime();
    // The grace period is AWS time; timestamps are wall time on a scaled clock (an AWS second is
    // 1/timeScale of theirs), AWS time on the manual and accelerated ones.
    const awsMsPerMs = awsMsPerTimestampMs(this.deps.scheduler);
    for (const group of [...this.groups.values()]) {
      if (group.healthCheckType !== 'ELB' || group.status === 'Delete in progress') continue;
      if (this.isSuspended(group, 'HealthCheck')) continue;
      const failing = group.instances.filter(
        (member) =>
          member.lifecycleState === 'InService' &&
          member.inServiceAt !== undefined &&
          (now - member.inServiceAt.getTime()) * awsMsPerMs >= group.healthCheckGracePeriod * 1000 &&
          group.targetGroupArns.some(
            (arn) =>
              this.deps.elbv2.getTargetGroupByArn(arn) !== undefined &&
              this.deps.elbv2.health(arn, member.instanceId).state === 'unhealthy',
          ),
      );
      for (const member of failing) {
        member.healthStatus = 'Unhealthy';
        // ReplaceUnhealthy suspended: marked Unhealthy, left in service.
        if (this.isSuspended(group, 'ReplaceUnhealthy')) continue;
        this.terminateMember(
          group,
          member,
          `${this.at()} an instance was taken out of service in response to an ELB system health check failure.`,
        );
      }
      if (failing.length > 0 && !this.isSuspended(group, 'ReplaceUnhealthy')) this.reconcile(group);
    }
  }

  /** Deregisters from the group's target groups; returns the longest deregistration delay. */
  private deregisterFromTargetGroups(group: GroupRecord, member: AsgInstanceRecord): number {
    let delay = 0;
    for (const arn of group.targetGroupArns) {
      const targetGroup = this.deps.elbv2.getTargetGroupByArn(arn);
      if (!targetGroup) continue;
      const { state, reason } = this.deps.elbv2.health(arn, member.instanceId);
      // A group no load balancer uses reads `unused` for targets that are registered all the same.
      if ((state === 'unused' && reason !== 'Target.NotInUse') || state === 'draining') continue;
      this.deps.elbv2.deregister(arn, [member.instanceId]);
      delay = Math.max(delay, targetGroup.deregistrationDelaySeconds);
    }
    return delay;
  }

  private removeIfDrained(group: GroupRecord): void {
    if (
      group.status === 'Delete in progress' &&
      group.instances.length === 0 &&
      this.groups.get(group.name) === group
    ) {
      this.groups.delete(group.name);
    }
  }
}
