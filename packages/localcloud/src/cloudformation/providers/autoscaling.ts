// AWS::AutoScaling::AutoScalingGroup: a group of the region's Auto Scaling, made and changed through
// its own CreateAutoScalingGroup / UpdateAutoScalingGroup handlers. A group that is gone — CodeDeploy's
// blue/green deletes the group it copied — fails an update with CloudFormation's NotFound, as on AWS.
import { autoScalingService } from '../../autoscaling/handlers.js';
import type { ServiceDefinition } from '../../service.js';
import {
  ResourceFailure,
  type ProviderContext,
  type ResourceProperties,
  type ResourceProvider,
} from '../provider.js';
import { bool, callOperation, defined, list, notFound, number, text } from './support.js';

const TYPE = 'AWS::AutoScaling::AutoScalingGroup';

function api(ctx: ProviderContext): ServiceDefinition {
  return autoScalingService({
    modelFor: () => ctx.models.autoscaling,
    now: () => ctx.cloud.scheduler.now(),
    random: ctx.cloud.random,
  });
}

function launchTemplate(properties: ResourceProperties): Record<string, unknown> | undefined {
  const template = properties.LaunchTemplate as Record<string, unknown> | undefined;
  if (!template) return undefined;
  return defined({
    LaunchTemplateId: text(template.LaunchTemplateId),
    LaunchTemplateName: text(template.LaunchTemplateName),
    Version: text(template.Version),
  });
}

/** The members Create- and UpdateAutoScalingGroup share. */
function sizeAndPlacement(properties: ResourceProperties): Record<string, unknown> {
  const subnets = list<string>(properties.VPCZoneIdentifier);
  return defined({
    LaunchTemplate: launchTemplate(properties),
    MinSize: number(properties.MinSize),
    MaxSize: number(properties.MaxSize),
    DesiredCapacity: number(properties.DesiredCapacity),
    AvailabilityZones:
      properties.AvailabilityZones === undefined ? undefined : list<string>(properties.AvailabilityZones),
    VPCZoneIdentifier: subnets.length > 0 ? subnets.join(',') : undefined,
    HealthCheckType: text(properties.HealthCheckType),
    HealthCheckGracePeriod: number(properties.HealthCheckGracePeriod),
    DefaultCooldown: number(properties.Cooldown),
  });
}

/**
 * Attach- and DetachLoadBalancerTargetGroups' part (no such operations here yet): the group's
 * InService instances are registered with the target groups it gains and deregistered from those it
 * loses (a replaced target group is deleted afterwards anyway).
 */
function attachTargetGroups(name: string, wanted: readonly string[], ctx: ProviderContext): void {
  const group = ctx.models.autoscaling.require(name);
  const elbv2 = ctx.models.elbv2;
  const inService = group.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId);
  if (wanted.some((arn) => !elbv2.getTargetGroupByArn(arn))) {
    throw new ResourceFailure(
      'Resource handler returned message: "Provided Target Groups may not be valid. Please ensure they exist and try again. (Service: AutoScaling, Status Code: 400)" (HandlerErrorCode: InvalidRequest)',
    );
  }
  for (const arn of group.targetGroupArns) {
    if (!wanted.includes(arn) && elbv2.getTargetGroupByArn(arn)) elbv2.deregister(arn, inService);
  }
  for (const arn of wanted) {
    if (!group.targetGroupArns.includes(arn) && inService.length > 0) elbv2.register(arn, inService);
  }
  group.targetGroupArns = [...wanted];
}

const group: ResourceProvider = {
  replaceOn: ['AutoScalingGroupName', 'InstanceId', 'LaunchConfigurationName'],
  nameProperty: 'AutoScalingGroupName',
  async create(properties, ctx) {
    const name = text(properties.AutoScalingGroupName) ?? ctx.generatedName(255);
    await callOperation(
      'AutoScaling',
      api(ctx),
      'CreateAutoScalingGroup',
      {
        AutoScalingGroupName: name,
        ...sizeAndPlacement(properties),
        TargetGroupARNs: list<string>(properties.TargetGroupARNs),
        Tags: list<Record<string, unknown>>(properties.Tags).map((tag) => ({
          Key: text(tag.Key),
          Value: text(tag.Value) ?? '',
          PropagateAtLaunch: bool(tag.PropagateAtLaunch) === true,
        })),
      },
      ctx,
    );
    return { physicalId: name };
  },
  async update(physicalId, properties, _previous, ctx) {
    if (!ctx.models.autoscaling.get(physicalId)) throw notFound(TYPE, physicalId);
    attachTargetGroups(physicalId, list<string>(properties.TargetGroupARNs), ctx);
    await callOperation(
      'AutoScaling',
      api(ctx),
      'UpdateAutoScalingGroup',
      {
        AutoScalingGroupName: physicalId,
        ...sizeAndPlacement(properties),
      },
      ctx,
    );
    return { physicalId };
  },
  async delete(physicalId, _properties, ctx) {
    if (!ctx.models.autoscaling.get(physicalId)) throw notFound(TYPE, physicalId);
    await callOperation(
      'AutoScaling',
      api(ctx),
      'DeleteAutoScalingGroup',
      {
        AutoScalingGroupName: physicalId,
        ForceDelete: true,
      },
      ctx,
    );
  },
};

export const autoScalingProviders: ReadonlyMap<string, ResourceProvider> = new Map([[TYPE, group]]);
