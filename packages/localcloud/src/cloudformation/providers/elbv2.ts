// AWS::ElasticLoadBalancingV2::LoadBalancer, TargetGroup and Listener: the region's ELBv2 load
// balancers (placed in the Availability Zones of their subnets), target groups (made by the
// CreateTargetGroup handler, attributes by ModifyTargetGroupAttributes) and listeners (real loopback
// ports, as the API's).
import { elbv2Service } from '../../elbv2/handlers.js';
import type { ListenerAction } from '../../elbv2/model.js';
import { AwsApiError, type ServiceDefinition } from '../../service.js';
import { type ProviderContext, type ResourceProperties, type ResourceProvider } from '../provider.js';
import {
  bool,
  callOperation,
  calling,
  defined,
  handlerFailure,
  list,
  number,
  tagList,
  text,
} from './support.js';

const SERVICE = 'ElasticLoadBalancingV2';

function api(ctx: ProviderContext): ServiceDefinition {
  return elbv2Service(() => ctx.models.elbv2);
}

/** What Fn::GetAtt reads of a load balancer. */
function balancerAttributes(ctx: ProviderContext, arn: string): Record<string, unknown> {
  const balancer = ctx.models.elbv2.requireLoadBalancer(arn);
  return {
    LoadBalancerArn: arn,
    LoadBalancerName: balancer.name,
    LoadBalancerFullName: arn.split(':loadbalancer/')[1] ?? balancer.name,
    DNSName: balancer.address,
    CanonicalHostedZoneID: 'Z35SXDOTRQ7X7K',
    SecurityGroups: [...balancer.securityGroups],
  };
}

const loadBalancer: ResourceProvider = {
  replaceOn: ['Name', 'Scheme', 'Type'],
  nameProperty: 'Name',
  async create(properties, ctx) {
    const name = text(properties.Name) ?? ctx.generatedName(32);
    if (ctx.models.elbv2.findLoadBalancerByName(name)) {
      throw handlerFailure(
        SERVICE,
        new AwsApiError(
          'DuplicateLoadBalancerName',
          `A load balancer with the name '${name}' already exists`,
        ),
      );
    }
    // Placed in its subnets' zones, which must exist (SubnetNotFound), as CreateLoadBalancer places it.
    // Active at once: CloudFormation's handler waits out the provisioning before CREATE_COMPLETE anyway.
    const balancer = await calling(SERVICE, () =>
      ctx.models.elbv2.createLoadBalancer(
        defined({
          name,
          scheme: text(properties.Scheme),
          type: text(properties.Type),
          subnetIds: properties.Subnets === undefined ? undefined : list<string>(properties.Subnets),
          securityGroups: list<string>(properties.SecurityGroups),
          ipAddressType: text(properties.IpAddressType),
        }) as { name: string },
      ),
    );
    return { physicalId: balancer.arn, attributes: balancerAttributes(ctx, balancer.arn) };
  },
  // Subnets, security groups and attributes are kept by the stack; the local cloud routes on loopback.
  update: (physicalId, _properties, _previous, ctx) => ({
    physicalId,
    attributes: balancerAttributes(ctx, physicalId),
  }),
  async delete(physicalId, _properties, ctx) {
    await calling(SERVICE, () => {
      ctx.models.elbv2.requireLoadBalancer(physicalId);
      ctx.models.elbv2.deleteLoadBalancer(physicalId);
    });
  },
};

function targetGroupAttributes(ctx: ProviderContext, arn: string): Record<string, unknown> {
  const group = ctx.models.elbv2.requireTargetGroup(arn);
  return {
    TargetGroupArn: arn,
    TargetGroupName: group.name,
    TargetGroupFullName: arn.slice(arn.lastIndexOf(':') + 1),
    LoadBalancerArns: [...group.loadBalancerArns],
  };
}

function healthCheckInput(properties: ResourceProperties): Record<string, unknown> {
  const matcher = properties.Matcher as { HttpCode?: unknown } | undefined;
  return defined({
    HealthCheckEnabled: bool(properties.HealthCheckEnabled),
    HealthCheckPath: text(properties.HealthCheckPath),
    HealthCheckPort: text(properties.HealthCheckPort),
    HealthCheckProtocol: text(properties.HealthCheckProtocol),
    HealthCheckIntervalSeconds: number(properties.HealthCheckIntervalSeconds),
    HealthCheckTimeoutSeconds: number(properties.HealthCheckTimeoutSeconds),
    HealthyThresholdCount: number(properties.HealthyThresholdCount),
    UnhealthyThresholdCount: number(properties.UnhealthyThresholdCount),
    Matcher: matcher?.HttpCode !== undefined ? { HttpCode: text(matcher.HttpCode) } : undefined,
  });
}

function attributeList(properties: ResourceProperties): { Key: string; Value: string }[] {
  return list<{ Key?: unknown; Value?: unknown }>(properties.TargetGroupAttributes).map((a) => ({
    Key: text(a.Key) ?? '',
    Value: text(a.Value) ?? '',
  }));
}

const targetGroup: ResourceProvider = {
  replaceOn: ['Name', 'Port', 'Protocol', 'ProtocolVersion', 'TargetType', 'VpcId'],
  nameProperty: 'Name',
  async create(properties, ctx) {
    const name = text(properties.Name) ?? ctx.generatedName(32);
    const created = await callOperation(
      SERVICE,
      api(ctx),
      'CreateTargetGroup',
      {
        Name: name,
        ...defined({
          Protocol: text(properties.Protocol),
          Port: number(properties.Port),
          VpcId: text(properties.VpcId),
          TargetType: text(properties.TargetType),
        }),
        ...healthCheckInput(properties),
        Tags: tagList(properties.Tags),
      },
      ctx,
    );
    const arn = String((created.TargetGroups as { TargetGroupArn: string }[])[0]?.TargetGroupArn);
    const attributes = attributeList(properties);
    if (attributes.length > 0) {
      await callOperation(
        SERVICE,
        api(ctx),
        'ModifyTargetGroupAttributes',
        { TargetGroupArn: arn, Attributes: attributes },
        ctx,
      );
    }
    return { physicalId: arn, attributes: targetGroupAttributes(ctx, arn) };
  },
  async update(physicalId, properties, _previous, ctx) {
    const group = await calling(SERVICE, () => ctx.models.elbv2.requireTargetGroup(physicalId));
    // ModifyTargetGroup's part: the health check changes in place.
    const check = healthCheckInput(properties);
    const settings = group.healthCheck;
    if (check.HealthCheckPath !== undefined) settings.path = check.HealthCheckPath as string;
    if (check.HealthCheckPort !== undefined) settings.port = check.HealthCheckPort as string;
    if (check.HealthCheckProtocol !== undefined) settings.protocol = check.HealthCheckProtocol as string;
    if (check.HealthCheckIntervalSeconds !== undefined)
      settings.intervalSeconds = check.HealthCheckIntervalSeconds as number;
    if (check.HealthCheckTimeoutSeconds !== undefined)
      settings.timeoutSeconds = check.HealthCheckTimeoutSeconds as number;
    if (check.HealthyThresholdCount !== undefined)
      settings.healthyThreshold = check.HealthyThresholdCount as number;
    if (check.UnhealthyThresholdCount !== undefined)
      settings.unhealthyThreshold = check.UnhealthyThresholdCount as number;
    if (check.Matcher !== undefined) settings.matcher = (check.Matcher as { HttpCode: string }).HttpCode;
    const attributes = attributeList(properties);
    if (attributes.length > 0) {
      await callOperation(
        SERVICE,
        api(ctx),
        'ModifyTargetGroupAttributes',
        { TargetGroupArn: physicalId, Attributes: attributes },
        ctx,
      );
    }
    return { physicalId, attributes: targetGroupAttributes(ctx, physicalId) };
  },
  async delete(physicalId, _properties, ctx) {
    await calling(SERVICE, () => ctx.models.elbv2.requireTargetGroup(physicalId));
    await callOperation(SERVICE, api(ctx), 'DeleteTargetGroup', { TargetGroupArn: physicalId }, ctx);
  },
};

function createListener(properties: ResourceProperties, ctx: ProviderContext) {
  return calling(SERVICE, async () => {
    const created = ctx.models.elbv2.createListener({
      loadBalancerArn: text(properties.LoadBalancerArn) ?? '',
      port: number(properties.Port) ?? 80,
      protocol: text(properties.Protocol) ?? 'HTTP',
      defaultActions: list<ListenerAction>(properties.DefaultActions),
    });
    // A listener the local cloud cannot serve fails the resource (and so the stack), by name.
    await created.ready;
    return created;
  });
}

const listener: ResourceProvider = {
  replaceOn: ['LoadBalancerArn'],
  async create(properties, ctx) {
    const created = await createListener(properties, ctx);
    return { physicalId: created.arn, attributes: { ListenerArn: created.arn } };
  },
  // There is no ModifyListener: the listener is made again on its port (a new ARN).
  async update(physicalId, properties, _previous, ctx) {
    await calling(SERVICE, () => ctx.models.elbv2.deleteListener(physicalId));
    const created = await createListener(properties, ctx);
    return { physicalId: created.arn, attributes: { ListenerArn: created.arn } };
  },
  async delete(physicalId, _properties, ctx) {
    await calling(SERVICE, () => ctx.models.elbv2.deleteListener(physicalId));
  },
};

export const elbv2Providers: ReadonlyMap<string, ResourceProvider> = new Map([
  ['AWS::ElasticLoadBalancingV2::LoadBalancer', loadBalancer],
  ['AWS::ElasticLoadBalancingV2::TargetGroup', targetGroup],
  ['AWS::ElasticLoadBalancingV2::Listener', listener],
]);
