// ELBv2 operations: parse the input, call the model, render the output shape.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   Inputs are OperationInput (service.ts): botocore shapes the protocol layer has already decoded and type-checked. */
import type { OperationInput, RequestContext, ServiceDefinition } from '../service.js';
import { paginate } from '../pagination.js';
import * as errors from './errors.js';
import type { Elbv2Model, ListenerRecord, LoadBalancerRecord, TargetGroupRecord } from './model.js';

const MAX_NAMES = 20;

function targetGroupView(group: TargetGroupRecord): Record<string, unknown> {
  return {
    TargetGroupArn: group.arn,
    TargetGroupName: group.name,
    Protocol: group.protocol,
    Port: group.port,
    VpcId: group.vpcId,
    HealthCheckProtocol: group.healthCheck.protocol,
    HealthCheckPort: group.healthCheck.port,
    HealthCheckEnabled: group.healthCheckEnabled,
    HealthCheckIntervalSeconds: group.healthCheck.intervalSeconds,
    HealthCheckTimeoutSeconds: group.healthCheck.timeoutSeconds,
    HealthyThresholdCount: group.healthCheck.healthyThreshold,
    UnhealthyThresholdCount: group.healthCheck.unhealthyThreshold,
    HealthCheckPath: group.healthCheck.path,
    Matcher: { HttpCode: group.healthCheck.matcher },
    LoadBalancerArns: [...group.loadBalancerArns],
    TargetType: group.targetType,
    ProtocolVersion: group.protocolVersion,
    IpAddressType: 'ipv4',
  };
}

function loadBalancerView(balancer: LoadBalancerRecord): Record<string, unknown> {
  return {
    LoadBalancerArn: balancer.arn,
    // Its own loopback address, where its listeners answer (addresses.ts).
    DNSName: balancer.address,
    CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
    CreatedTime: balancer.createdTime,
    LoadBalancerName: balancer.name,
    Scheme: balancer.scheme,
    VpcId: balancer.vpcId,
    State: { Code: balancer.state },
    Type: balancer.type,
    AvailabilityZones: balancer.availabilityZones.map((zone, index) => ({
      ZoneName: zone,
      SubnetId: balancer.subnetIds[index],
      LoadBalancerAddresses: [],
    })),
    SecurityGroups: balancer.securityGroups,
    IpAddressType: balancer.ipAddressType,
  };
}

function listenerView(listener: ListenerRecord): Record<string, unknown> {
  return {
    ListenerArn: listener.arn,
    LoadBalancerArn: listener.loadBalancerArn,
    Port: listener.port,
    Protocol: listener.protocol,
    DefaultActions: listener.defaultActions,
  };
}

function page<T>(items: T[], input: OperationInput): { items: T[]; NextMarker?: string } {
  const size: number = input.PageSize ?? 400;
  if (size < 1 || size > 400) throw errors.validationError('Page size must be between 1 and 400');
  const result = paginate(items, input.Marker, size, errors.invalidMarker);
  return { items: result.items, ...(result.nextToken ? { NextMarker: result.nextToken } : {}) };
}

function tagMap(tags: OperationInput): Record<string, string> {
  // Tag keys are the caller's: without a prototype, `__proto__` is a key like any other.
  const out = Object.create(null) as Record<string, string>;
  for (const tag of (tags ?? []) as { Key?: string; Value?: string }[])
    if (tag.Key) out[tag.Key] = tag.Value ?? '';
  return out;
}

export function elbv2Service(modelFor: (ctx: RequestContext) => Elbv2Model): ServiceDefinition {
  return {
    signingName: 'elasticloadbalancing',
    operations: {
      DescribeTargetGroups(input: OperationInput, ctx) {
        const model = modelFor(ctx);
        const names: string[] = input.Names ?? [];
        const arns: string[] = input.TargetGroupArns ?? [];
        if (names.length > MAX_NAMES || arns.length > MAX_NAMES) throw errors.tooManyNames();
        let groups = model.allTargetGroups();
        if (input.LoadBalancerArn !== undefined) {
          model.requireLoadBalancer(input.LoadBalancerArn);
          groups = groups.filter((g) => g.loadBalancerArns.has(input.LoadBalancerArn));
        }
        if (names.length > 0) {
          groups = names.map((name) => model.requireTargetGroupByName(name));
        }
        if (arns.length > 0) groups = arns.map((arn) => model.requireTargetGroup(arn));
        const { items, NextMarker } = page(groups, input);
        return { TargetGroups: items.map(targetGroupView), NextMarker };
      },

      CreateTargetGroup(input: OperationInput, ctx) {
        if (!input.Name) throw errors.missingParameter('name');
        const group = modelFor(ctx).createTargetGroup({
          name: input.Name,
          protocol: input.Protocol,
          port: input.Port,
          vpcId: input.VpcId,
          targetType: input.TargetType,
          healthCheck: {
            enabled: input.HealthCheckEnabled,
            path: input.HealthCheckPath,
            port: input.HealthCheckPort,
            protocol: input.HealthCheckProtocol,
            intervalSeconds: input.HealthCheckIntervalSeconds,
            timeoutSeconds: input.HealthCheckTimeoutSeconds,
            healthyThreshold: input.HealthyThresholdCount,
            unhealthyThreshold: input.UnhealthyThresholdCount,
            matcher: input.Matcher?.HttpCode,
          },
          tags: tagMap(input.Tags),
        });
        return { TargetGroups: [targetGroupView(group)] };
      },

      DeleteTargetGroup(input: OperationInput, ctx) {
        if (!input.TargetGroupArn) throw errors.missingParameter('targetGroupArn');
        modelFor(ctx).deleteTargetGroup(input.TargetGroupArn);
        return {};
      },

      DescribeTargetHealth(input: OperationInput, ctx) {
        if (!input.TargetGroupArn) throw errors.missingParameter('targetGroupArn');
        const model = modelFor(ctx);
        const group = model.requireTargetGroup(input.TargetGroupArn);
        const asked = ((input.Targets ?? []) as { Id: string; Port?: number }[]).map((t) => ({
          id: t.Id,
          port: t.Port,
        }));
        const targets =
          asked.length > 0
            ? asked
            : [...group.targets.values()].map((t) => ({ id: t.instanceId, port: t.port }));
        return {
          TargetHealthDescriptions: targets.map(({ id, port }) => {
            const health = model.health(group.arn, id);
            const targetPort = port ?? group.targets.get(id)?.port ?? group.port;
            return {
              Target: { Id: id, Port: targetPort },
              HealthCheckPort:
                group.healthCheck.port === 'traffic-port' ? String(targetPort) : group.healthCheck.port,
              TargetHealth: { State: health.state, Reason: health.reason, Description: health.description },
            };
          }),
        };
      },

      RegisterTargets(input: OperationInput, ctx) {
        if (!input.TargetGroupArn) throw errors.missingParameter('targetGroupArn');
        const targets = (input.Targets ?? []) as { Id: string; Port?: number }[];
        const model = modelFor(ctx);
        for (const target of targets) model.register(input.TargetGroupArn, [target.Id], target.Port);
        return {};
      },

      DeregisterTargets(input: OperationInput, ctx) {
        if (!input.TargetGroupArn) throw errors.missingParameter('targetGroupArn');
        const targets = (input.Targets ?? []) as { Id: string }[];
        modelFor(ctx).deregister(
          input.TargetGroupArn,
          targets.map((t) => t.Id),
        );
        return {};
      },

      DescribeLoadBalancers(input: OperationInput, ctx) {
        const model = modelFor(ctx);
        const names: string[] = input.Names ?? [];
        const arns: string[] = input.LoadBalancerArns ?? [];
        if (names.length > MAX_NAMES || arns.length > MAX_NAMES) {
          throw errors.validationError("You cannot describe more than '20' load balancers at a time");
        }
        let balancers = model.allLoadBalancers();
        if (names.length > 0) {
          balancers = names.map((name) => model.requireLoadBalancerByName(name));
        }
        if (arns.length > 0) balancers = arns.map((arn) => model.requireLoadBalancer(arn));
        const { items, NextMarker } = page(balancers, input);
        return { LoadBalancers: items.map(loadBalancerView), NextMarker };
      },

      CreateLoadBalancer(input: OperationInput, ctx) {
        if (!input.Name) throw errors.missingParameter('name');
        const subnets: string[] = [
          ...((input.Subnets ?? []) as string[]),
          ...((input.SubnetMappings ?? []) as { SubnetId?: string }[]).flatMap((m) =>
            m.SubnetId !== undefined ? [m.SubnetId] : [],
          ),
        ];
        if ((input.Type ?? 'application') === 'application' && subnets.length < 2) {
          throw errors.validationError(
            'At least two subnets in two different Availability Zones must be specified',
          );
        }
        const balancer = modelFor(ctx).createLoadBalancer({
          name: input.Name,
          scheme: input.Scheme,
          type: input.Type,
          subnetIds: subnets,
          securityGroups: input.SecurityGroups,
          ipAddressType: input.IpAddressType,
          provisioning: true,
        });
        return { LoadBalancers: [loadBalancerView(balancer)] };
      },

      async DescribeListeners(input: OperationInput, ctx) {
        const model = modelFor(ctx);
        // A listener still being bound on "any port" (a world's port 0) is listed with the port it gets.
        await model.listenersSettled();
        const arns: string[] = input.ListenerArns ?? [];
        if (input.LoadBalancerArn === undefined && arns.length === 0) {
          throw errors.validationError('You must specify either listener ARNs or a load balancer ARN');
        }
        let listeners = model.allListeners();
        if (input.LoadBalancerArn !== undefined) {
          model.requireLoadBalancer(input.LoadBalancerArn);
          listeners = listeners.filter((l) => l.loadBalancerArn === input.LoadBalancerArn);
        }
        if (arns.length > 0) listeners = arns.map((arn) => model.requireListener(arn));
        const { items, NextMarker } = page(listeners, input);
        return { Listeners: items.map(listenerView), NextMarker };
      },

      async CreateListener(input: OperationInput, ctx) {
        if (!input.LoadBalancerArn) throw errors.missingParameter('loadBalancerArn');
        if (!input.DefaultActions) throw errors.missingParameter('defaultActions');
        const listener = modelFor(ctx).createListener({
          loadBalancerArn: input.LoadBalancerArn,
          port: input.Port ?? 80,
          protocol: input.Protocol,
          defaultActions: input.DefaultActions,
        });
        // Answered once it is served: a listener that cannot be is an error here, never a silent success.
        await listener.ready;
        return { Listeners: [listenerView(listener)] };
      },

      DescribeTargetGroupAttributes(input: OperationInput, ctx) {
        if (!input.TargetGroupArn) throw errors.missingParameter('targetGroupArn');
        const group = modelFor(ctx).requireTargetGroup(input.TargetGroupArn);
        return { Attributes: [...group.attributes].map(([Key, Value]) => ({ Key, Value })) };
      },

      ModifyTargetGroupAttributes(input: OperationInput, ctx) {
        if (!input.TargetGroupArn) throw errors.missingParameter('targetGroupArn');
        const group = modelFor(ctx).modifyAttributes(input.TargetGroupArn, input.Attributes ?? []);
        return { Attributes: [...group.attributes].map(([Key, Value]) => ({ Key, Value })) };
      },
    },
  };
}
