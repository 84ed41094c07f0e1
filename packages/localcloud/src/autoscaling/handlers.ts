// Auto Scaling operations: parse the input, call the model, render the output shape.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   Inputs are OperationInput (service.ts): botocore shapes the protocol layer has already decoded and type-checked. */
import type { LifecycleHookSpec } from '../ports.js';
import type { OperationInput, RequestContext, ServiceDefinition } from '../service.js';
import { paginate } from '../pagination.js';
import type { Random } from '../random.js';
import { activityView, type ActivityRecord } from './activities.js';
import * as errors from './errors.js';
import type {
  AsgInstanceRecord,
  AutoScalingModel,
  GroupRecord,
  LaunchTemplateRef,
  MixedInstancesPolicyRecord,
  WarmPoolRecord,
} from './model.js';

function launchTemplateView(
  template: { id: string; name: string; version: string } | undefined,
): Record<string, unknown> | undefined {
  return template
    ? { LaunchTemplateId: template.id, LaunchTemplateName: template.name, Version: template.version }
    : undefined;
}

function instanceView(member: AsgInstanceRecord): Record<string, unknown> {
  return {
    InstanceId: member.instanceId,
    InstanceType: member.instanceType,
    AvailabilityZone: member.availabilityZone,
    LifecycleState: member.lifecycleState,
    HealthStatus: member.healthStatus,
    LaunchTemplate: launchTemplateView(member.launchTemplate),
    ProtectedFromScaleIn: false,
  };
}

function warmPoolView(pool: WarmPoolRecord): Record<string, unknown> {
  return {
    MaxGroupPreparedCapacity: pool.maxGroupPreparedCapacity,
    MinSize: pool.minSize,
    PoolState: pool.poolState,
    InstanceReusePolicy: pool.instanceReusePolicy,
  };
}

function groupView(group: GroupRecord): Record<string, unknown> {
  const mixed = group.mixedInstancesPolicy;
  return {
    AutoScalingGroupName: group.name,
    AutoScalingGroupARN: group.arn,
    // A group launching through a mixed instances policy has its template there, not here.
    LaunchTemplate: mixed ? undefined : launchTemplateView(group.launchTemplate),
    MixedInstancesPolicy: mixed
      ? {
          LaunchTemplate: {
            LaunchTemplateSpecification: launchTemplateView(group.launchTemplate),
            Overrides: mixed.launchTemplate.overrides,
          },
          InstancesDistribution: mixed.instancesDistribution,
        }
      : undefined,
    MinSize: group.minSize,
    MaxSize: group.maxSize,
    DesiredCapacity: group.desiredCapacity,
    DefaultCooldown: group.defaultCooldown,
    AvailabilityZones: group.availabilityZones,
    LoadBalancerNames: [],
    TargetGroupARNs: group.targetGroupArns,
    HealthCheckType: group.healthCheckType,
    HealthCheckGracePeriod: group.healthCheckGracePeriod,
    Instances: group.instances.map(instanceView),
    CreatedTime: group.createdTime,
    SuspendedProcesses: [...group.suspendedProcesses].map(([ProcessName, SuspensionReason]) => ({
      ProcessName,
      SuspensionReason,
    })),
    VPCZoneIdentifier: group.vpcZoneIdentifier,
    EnabledMetrics: [],
    Status: group.status,
    Tags: [...group.tags].map(([Key, Value]) => ({
      ResourceId: group.name,
      ResourceType: 'auto-scaling-group',
      Key,
      Value,
      PropagateAtLaunch: group.propagatedTags.has(Key),
    })),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${group.arn.split(':')[4]}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    CapacityRebalance: group.capacityRebalance,
    ...(group.warmPool
      ? // [I] No instance waits in the local cloud's warm pools.
        { WarmPoolConfiguration: warmPoolView(group.warmPool), WarmPoolSize: 0 }
      : {}),
    TrafficSources: group.targetGroupArns.map((arn) => ({ Identifier: arn, Type: 'elbv2' })),
  };
}

function hookView(group: GroupRecord, hook: LifecycleHookSpec): Record<string, unknown> {
  const details = group.hookDetails.get(hook.name) ?? {};
  return {
    LifecycleHookName: hook.name,
    AutoScalingGroupName: group.name,
    LifecycleTransition: hook.transition,
    NotificationTargetARN: details.notificationTargetArn,
    RoleARN: details.roleArn,
    NotificationMetadata: details.notificationMetadata,
    HeartbeatTimeout: hook.heartbeatTimeoutSeconds,
    GlobalTimeout: Math.min(100 * hook.heartbeatTimeoutSeconds, 172800),
    DefaultResult: hook.defaultResult,
  };
}

function checkMaxRecords(value: number | undefined): number {
  const max = value ?? 50;
  if (max < 1 || max > 100) throw errors.maxRecords(max);
  return max;
}

function matchesFilter(group: GroupRecord, filter: { Name?: string; Values?: string[] }): boolean {
  const name = filter.Name ?? '';
  const values = filter.Values ?? [];
  if (name === 'tag-key') return values.some((v) => group.tags.has(v));
  if (name === 'tag-value') return values.some((v) => [...group.tags.values()].includes(v));
  if (name.startsWith('tag:')) {
    const value = group.tags.get(name.slice(4));
    return value !== undefined && values.includes(value);
  }
  throw errors.invalidFilter(name);
}

function templateRef(spec: OperationInput): LaunchTemplateRef {
  return { id: spec.LaunchTemplateId, name: spec.LaunchTemplateName, version: spec.Version };
}

function launchTemplateRef(input: OperationInput): LaunchTemplateRef | undefined {
  return input.LaunchTemplate ? templateRef(input.LaunchTemplate) : undefined;
}

/**
 * The InstancesDistribution AWS answers for a policy that leaves fields out: the defaults its API
 * reference gives (all On-Demand, prioritized by the overrides' order; Spot, were any asked for,
 * lowest-price across 2 pools).
 */
const DISTRIBUTION_DEFAULTS = {
  OnDemandAllocationStrategy: 'prioritized',
  OnDemandBaseCapacity: 0,
  OnDemandPercentageAboveBaseCapacity: 100,
  SpotAllocationStrategy: 'lowest-price',
  SpotInstancePools: 2,
};

function mixedInstancesPolicyOf(
  input: OperationInput,
): { launchTemplate: LaunchTemplateRef; policy: MixedInstancesPolicyRecord } | undefined {
  const spec = input.MixedInstancesPolicy;
  if (!spec) return undefined;
  const template = spec.LaunchTemplate?.LaunchTemplateSpecification;
  if (!template)
    throw errors.missingParameter('mixedInstancesPolicy.launchTemplate.launchTemplateSpecification');
  return {
    launchTemplate: templateRef(template),
    policy: {
      launchTemplate: { overrides: spec.LaunchTemplate.Overrides ?? [] },
      instancesDistribution: { ...DISTRIBUTION_DEFAULTS, ...(spec.InstancesDistribution ?? {}) },
    },
  };
}

export interface AutoScalingServiceDeps {
  readonly modelFor: (ctx: RequestContext) => AutoScalingModel;
  /** Unused since the model keeps the scaling activities (their times and ids are its own). */
  readonly now?: () => Date;
  readonly random?: Random;
}

export function autoScalingService({ modelFor }: AutoScalingServiceDeps): ServiceDefinition {
  return {
    signingName: 'autoscaling',
    operations: {
      DescribeAutoScalingGroups(input: OperationInput, ctx) {
        const names: string[] = input.AutoScalingGroupNames ?? [];
        const filters: { Name?: string; Values?: string[] }[] = input.Filters ?? [];
        const groups = modelFor(ctx)
          .all()
          .filter((g) => names.length === 0 || names.includes(g.name))
          .filter((g) => filters.every((f) => matchesFilter(g, f)));
        const page = paginate(
          groups,
          input.NextToken,
          checkMaxRecords(input.MaxRecords),
          errors.invalidNextToken,
        );
        return { AutoScalingGroups: page.items.map(groupView), NextToken: page.nextToken };
      },

      CreateAutoScalingGroup(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        if (input.MinSize === undefined) throw errors.missingParameter('minSize');
        if (input.MaxSize === undefined) throw errors.missingParameter('maxSize');
        const model = modelFor(ctx);
        const hooks = ((input.LifecycleHookSpecificationList ?? []) as OperationInput[]).map((spec) => ({
          name: spec.LifecycleHookName,
          transition: spec.LifecycleTransition,
          heartbeatTimeoutSeconds: spec.HeartbeatTimeout ?? 3600,
          defaultResult: spec.DefaultResult ?? 'ABANDON',
        }));
        const mixed = mixedInstancesPolicyOf(input);
        model.create({
          name: input.AutoScalingGroupName,
          launchTemplate: launchTemplateRef(input),
          ...(mixed ? { mixedInstancesPolicy: mixed } : {}),
          ...(input.CapacityRebalance !== undefined ? { capacityRebalance: input.CapacityRebalance } : {}),
          minSize: input.MinSize,
          maxSize: input.MaxSize,
          desiredCapacity: input.DesiredCapacity,
          availabilityZones: input.AvailabilityZones,
          vpcZoneIdentifier: input.VPCZoneIdentifier,
          targetGroupArns: input.TargetGroupARNs,
          healthCheckType: input.HealthCheckType,
          healthCheckGracePeriod: input.HealthCheckGracePeriod,
          defaultCooldown: input.DefaultCooldown,
          tags: ((input.Tags ?? []) as OperationInput[]).map((t) => ({
            key: t.Key,
            value: t.Value ?? '',
            propagateAtLaunch: t.PropagateAtLaunch === true,
          })),
          lifecycleHooks: hooks,
        });
        return {};
      },

      UpdateAutoScalingGroup(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        const mixed = mixedInstancesPolicyOf(input);
        modelFor(ctx).update(input.AutoScalingGroupName, {
          launchTemplate: launchTemplateRef(input),
          ...(mixed ? { mixedInstancesPolicy: mixed } : {}),
          ...(input.CapacityRebalance !== undefined ? { capacityRebalance: input.CapacityRebalance } : {}),
          minSize: input.MinSize,
          maxSize: input.MaxSize,
          desiredCapacity: input.DesiredCapacity,
          availabilityZones: input.AvailabilityZones,
          vpcZoneIdentifier: input.VPCZoneIdentifier,
          healthCheckType: input.HealthCheckType,
          healthCheckGracePeriod: input.HealthCheckGracePeriod,
          defaultCooldown: input.DefaultCooldown,
        });
        return {};
      },

      DeleteAutoScalingGroup(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        modelFor(ctx).deleteGroup(input.AutoScalingGroupName, input.ForceDelete === true);
        return {};
      },

      SetDesiredCapacity(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        if (input.DesiredCapacity === undefined) throw errors.missingParameter('desiredCapacity');
        modelFor(ctx).setDesiredCapacity(input.AutoScalingGroupName, input.DesiredCapacity);
        return {};
      },

      // Newest first, as AWS lists them. [I] An unknown group has no activities rather than an error.
      DescribeScalingActivities(input: OperationInput, ctx) {
        const ids: string[] = input.ActivityIds ?? [];
        const activities = modelFor(ctx)
          .activities.list(input.AutoScalingGroupName)
          .filter((a) => ids.length === 0 || ids.includes(a.activityId));
        const page = paginate(
          activities,
          input.NextToken,
          checkMaxRecords(input.MaxRecords ?? 100),
          errors.invalidNextToken,
        );
        return {
          Activities: page.items.map(activityView),
          NextToken: page.nextToken,
        };
      },

      DescribeAutoScalingInstances(input: OperationInput, ctx) {
        const model = modelFor(ctx);
        const ids: string[] = input.InstanceIds ?? [];
        const members =
          ids.length > 0
            ? ids.map((id) => model.memberFor(id)).filter((m) => m !== undefined)
            : model.all().flatMap((group) => group.instances.map((member) => ({ group, member })));
        const page = paginate(
          members,
          input.NextToken,
          checkMaxRecords(input.MaxRecords),
          errors.invalidNextToken,
        );
        return {
          AutoScalingInstances: page.items.map(({ group, member }) => ({
            ...instanceView(member),
            AutoScalingGroupName: group.name,
          })),
          NextToken: page.nextToken,
        };
      },

      PutLifecycleHook(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        if (!input.LifecycleHookName) throw errors.missingParameter('lifecycleHookName');
        const model = modelFor(ctx);
        const group = model.require(input.AutoScalingGroupName);
        const existing = group.lifecycleHooks.find((h) => h.name === input.LifecycleHookName);
        const transition = input.LifecycleTransition ?? existing?.transition;
        if (
          transition !== 'autoscaling:EC2_INSTANCE_LAUNCHING' &&
          transition !== 'autoscaling:EC2_INSTANCE_TERMINATING'
        ) {
          throw errors.validationError(`Invalid Lifecycle Transition: ${String(transition)}`);
        }
        model.putLifecycleHook(group.name, {
          name: input.LifecycleHookName,
          transition,
          heartbeatTimeoutSeconds: input.HeartbeatTimeout ?? existing?.heartbeatTimeoutSeconds ?? 3600,
          defaultResult: input.DefaultResult ?? existing?.defaultResult ?? 'ABANDON',
        });
        group.hookDetails.set(input.LifecycleHookName, {
          notificationMetadata: input.NotificationMetadata,
          roleArn: input.RoleARN,
          notificationTargetArn: input.NotificationTargetARN,
        });
        return {};
      },

      DescribeLifecycleHooks(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        const group = modelFor(ctx).require(input.AutoScalingGroupName);
        const names: string[] = input.LifecycleHookNames ?? [];
        const hooks = group.lifecycleHooks.filter((h) => names.length === 0 || names.includes(h.name));
        return { LifecycleHooks: hooks.map((hook) => hookView(group, hook)) };
      },

      DeleteLifecycleHook(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        if (!input.LifecycleHookName) throw errors.missingParameter('lifecycleHookName');
        modelFor(ctx).deleteLifecycleHook(input.AutoScalingGroupName, input.LifecycleHookName);
        return {};
      },

      CompleteLifecycleAction(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        if (!input.LifecycleHookName) throw errors.missingParameter('lifecycleHookName');
        const result = input.LifecycleActionResult;
        if (result !== 'CONTINUE' && result !== 'ABANDON') {
          throw errors.validationError(
            `Invalid lifecycle action result: ${String(result)}. Valid values are CONTINUE and ABANDON`,
          );
        }
        const model = modelFor(ctx);
        const instanceId = model.instanceForAction(
          input.AutoScalingGroupName,
          input.LifecycleHookName,
          input.InstanceId,
          input.LifecycleActionToken,
        );
        model.completeLifecycleAction(
          input.AutoScalingGroupName,
          input.LifecycleHookName,
          instanceId,
          result,
        );
        return {};
      },

      RecordLifecycleActionHeartbeat(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        if (!input.LifecycleHookName) throw errors.missingParameter('lifecycleHookName');
        modelFor(ctx).recordHeartbeat(
          input.AutoScalingGroupName,
          input.LifecycleHookName,
          input.InstanceId,
          input.LifecycleActionToken,
        );
        return {};
      },

      TerminateInstanceInAutoScalingGroup(input: OperationInput, ctx) {
        if (!input.InstanceId) throw errors.missingParameter('instanceId');
        if (input.ShouldDecrementDesiredCapacity === undefined)
          throw errors.missingParameter('shouldDecrementDesiredCapacity');
        const decrement = input.ShouldDecrementDesiredCapacity === true;
        const model = modelFor(ctx);
        const group = model.terminateInstance(input.InstanceId, decrement);
        return {
          Activity: activityView(model.activities.latest(group.name, input.InstanceId) as ActivityRecord),
        };
      },

      SuspendProcesses(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        modelFor(ctx).suspendProcesses(input.AutoScalingGroupName, input.ScalingProcesses ?? []);
        return {};
      },

      ResumeProcesses(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        modelFor(ctx).resumeProcesses(input.AutoScalingGroupName, input.ScalingProcesses ?? []);
        return {};
      },

      PutWarmPool(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        modelFor(ctx).putWarmPool(input.AutoScalingGroupName, {
          maxGroupPreparedCapacity: input.MaxGroupPreparedCapacity,
          minSize: input.MinSize,
          poolState: input.PoolState,
          instanceReusePolicy: input.InstanceReusePolicy,
        });
        return {};
      },

      // [I] The pool's instances: none (the local cloud launches none into a warm pool).
      DescribeWarmPool(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        checkMaxRecords(input.MaxRecords);
        const group = modelFor(ctx).require(input.AutoScalingGroupName);
        return {
          WarmPoolConfiguration: group.warmPool ? warmPoolView(group.warmPool) : undefined,
          Instances: [],
        };
      },

      DeleteWarmPool(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        modelFor(ctx).deleteWarmPool(input.AutoScalingGroupName);
        return {};
      },

      DetachInstances(input: OperationInput, ctx) {
        if (!input.AutoScalingGroupName) throw errors.missingParameter('autoScalingGroupName');
        if (input.ShouldDecrementDesiredCapacity === undefined)
          throw errors.missingParameter('shouldDecrementDesiredCapacity');
        const model = modelFor(ctx);
        const group = model.require(input.AutoScalingGroupName);
        const ids: string[] = input.InstanceIds ?? [];
        for (const id of ids)
          model.detachInstance(group.name, id, input.ShouldDecrementDesiredCapacity === true);
        return {
          Activities: ids.map((id) =>
            activityView(model.activities.latest(group.name, id) as ActivityRecord),
          ),
        };
      },
    },
  };
}
