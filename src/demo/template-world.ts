import type { WorldInput } from '@greenlight/localcloud';

// The demo's world is read from sam-template.yaml, not kept as a second copy of its numbers: the
// Auto Scaling group, the target group and its health check, the listener and the alarms the
// template declares for an environment become the local cloud's fleet. Only the intrinsics such a
// template uses for names and sizes are evaluated (Ref, Sub, If, Equals, Not, And, Or, GetAtt of a
// name); anything else is a clear error, never a guess.

export class TemplateWorldError extends Error {
  readonly exitCode = 2;
}

type Data = unknown;

interface Resource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, Data>;
}

export interface TemplateWorldOptions {
  /** Parameter values; the template's defaults fill in the rest. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly accountId: string;
  readonly region: string;
  /** Overrides the ASG's size (the demo's --instances). */
  readonly instances?: number;
  readonly agent: 'synthetic' | 'real';
  readonly availabilityZones: readonly string[];
  readonly github?: Readonly<Record<string, string>>;
}

export function worldFromTemplate(template: Record<string, Data>, options: TemplateWorldOptions): WorldInput {
  const resources = (template.Resources ?? {}) as Record<string, Resource>;
  const declared = (template.Parameters ?? {}) as Record<string, { Default?: Data }>;
  const parameters: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const fallback = spec.Default;
    const value =
      options.parameters[name] ??
      (typeof fallback === 'string' || typeof fallback === 'number' ? String(fallback) : undefined);
    if (value !== undefined) parameters[name] = value;
  }
  const pseudo: Record<string, string> = {
    'AWS::AccountId': options.accountId,
    'AWS::Region': options.region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const conditions = (template.Conditions ?? {}) as Record<string, Data>;

  const nameOf = (logicalId: string): string => {
    const resource = resources[logicalId];
    if (!resource)
      throw new TemplateWorldError(`sam-template.yaml: !Ref ${logicalId} names no parameter or resource`);
    const nameKey = {
      'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
      'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
      'AWS::EC2::LaunchTemplate': 'LaunchTemplateName',
      'AWS::AutoScaling::AutoScalingGroup': 'AutoScalingGroupName',
      'AWS::S3::Bucket': 'BucketName',
      'AWS::CloudWatch::Alarm': 'AlarmName',
    }[resource.Type];
    const name = nameKey ? resource.Properties?.[nameKey] : undefined;
    return name === undefined ? logicalId : text(evaluate(name), `${logicalId}.${nameKey ?? 'name'}`);
  };

  const evaluate = (value: Data): Data => {
    if (Array.isArray(value)) return value.map(evaluate);
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value as Record<string, Data>);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined) {
      switch (key) {
        case 'Ref': {
          const name = String(arg);
          // A parameter without a value (a VPC id, say) matters only if the demo reads it: undefined.
          if (name in declared) return parameters[name];
          return pseudo[name] ?? nameOf(name);
        }
        case 'Fn::Sub': {
          const [pattern, vars] = Array.isArray(arg)
            ? [String(arg[0]), (arg[1] ?? {}) as Record<string, Data>]
            : [String(arg), {}];
          return pattern.replace(/\$\{([^}!]+)\}/g, (_, ref: string) => {
            if (ref in vars) return text(evaluate(vars[ref]), ref);
            if (ref.includes('.')) return nameOf(ref.split('.')[0] ?? ref);
            return text(evaluate({ Ref: ref }), ref);
          });
        }
        case 'Fn::If': {
          const [condition, whenTrue, whenFalse] = arg as [string, Data, Data];
          return evaluate(holds(condition) ? whenTrue : whenFalse);
        }
        case 'Fn::Equals': {
          const [a, b] = (arg as Data[]).map(evaluate);
          return String(a) === String(b);
        }
        case 'Fn::Not':
          return !truthy(evaluate((arg as Data[])[0]));
        case 'Fn::And':
          return (arg as Data[]).every((x) => truthy(evaluate(x)));
        case 'Fn::Or':
          return (arg as Data[]).some((x) => truthy(evaluate(x)));
        case 'Condition':
          return holds(String(arg));
        case 'Fn::GetAtt': {
          const [logicalId] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
          return nameOf(String(logicalId));
        }
        default:
          if (key.startsWith('Fn::')) return undefined;
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, evaluate(v)]));
  };
  const truthy = (v: Data): boolean => v === true || v === 'true';
  const holds = (condition: string): boolean => {
    if (!(condition in conditions))
      throw new TemplateWorldError(`sam-template.yaml: unknown condition ${condition}`);
    return truthy(evaluate(conditions[condition]));
  };

  const present = Object.entries(resources).filter(([, r]) => !r.Condition || holds(r.Condition));
  const ofType = (type: string) => present.filter(([, r]) => r.Type === type);
  const props = (r: Resource): Record<string, Data> => evaluate(r.Properties ?? {}) as Record<string, Data>;

  const targetGroups = ofType('AWS::ElasticLoadBalancingV2::TargetGroup').map(([id, r]) => {
    const p = props(r);
    const attributes = (p.TargetGroupAttributes ?? []) as { Key: string; Value: string }[];
    const delay = attributes.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
    return {
      name: text(p.Name ?? id, `${id}.Name`),
      port: number(p.Port ?? 80, `${id}.Port`),
      healthCheck: {
        path: text(p.HealthCheckPath ?? '/', `${id}.HealthCheckPath`),
        ...(p.HealthCheckPort !== undefined
          ? { port: text(p.HealthCheckPort, `${id}.HealthCheckPort`) }
          : {}),
        intervalSeconds: number(p.HealthCheckIntervalSeconds ?? 30, `${id}.HealthCheckIntervalSeconds`),
        timeoutSeconds: number(p.HealthCheckTimeoutSeconds ?? 5, `${id}.HealthCheckTimeoutSeconds`),
        healthyThreshold: number(p.HealthyThresholdCount ?? 5, `${id}.HealthyThresholdCount`),
        unhealthyThreshold: number(p.UnhealthyThresholdCount ?? 2, `${id}.UnhealthyThresholdCount`),
        matcher: text((p.Matcher as { HttpCode?: Data } | undefined)?.HttpCode ?? '200', `${id}.Matcher`),
      },
      ...(delay !== undefined ? { deregistrationDelay: number(delay, `${id}.deregistration_delay`) } : {}),
    };
  });

  // Listeners that forward to a target group; each gets a free loopback port in the local cloud.
  const listenersByBalancer = new Map<string, { port: number; targetGroup: string }[]>();
  for (const [id, r] of ofType('AWS::ElasticLoadBalancingV2::Listener')) {
    const p = props(r);
    const forward = ((p.DefaultActions ?? []) as { Type?: string; TargetGroupArn?: Data }[]).find(
      (a) => a.Type === 'forward',
    );
    if (!forward?.TargetGroupArn) continue;
    const balancer = text(p.LoadBalancerArn, `${id}.LoadBalancerArn`);
    const list = listenersByBalancer.get(balancer) ?? [];
    list.push({ port: 0, targetGroup: text(forward.TargetGroupArn, `${id}.TargetGroupArn`) });
    listenersByBalancer.set(balancer, list);
  }

  const launchTemplates = ofType('AWS::EC2::LaunchTemplate').map(([id, r]) => ({
    name: text(props(r).LaunchTemplateName ?? id, `${id}.LaunchTemplateName`),
  }));

  const autoScalingGroups: NonNullable<WorldInput['autoScalingGroups']> = ofType(
    'AWS::AutoScaling::AutoScalingGroup',
  ).map(([id, r]) => {
    const p = props(r);
    const desired = options.instances ?? number(p.DesiredCapacity ?? p.MinSize ?? 1, `${id}.DesiredCapacity`);
    const template = (p.LaunchTemplate ?? {}) as { LaunchTemplateId?: Data; LaunchTemplateName?: Data };
    const launchTemplate = template.LaunchTemplateName ?? template.LaunchTemplateId;
    const healthCheckType = p.HealthCheckType;
    return {
      name: text(p.AutoScalingGroupName ?? id, `${id}.AutoScalingGroupName`),
      instances: desired,
      minSize: Math.min(desired, number(p.MinSize ?? 0, `${id}.MinSize`)),
      maxSize: Math.max(desired, number(p.MaxSize ?? desired, `${id}.MaxSize`)),
      availabilityZones: [...options.availabilityZones],
      targetGroups: ((p.TargetGroupARNs ?? []) as Data[]).map((t, i) =>
        text(t, `${id}.TargetGroupARNs[${i}]`),
      ),
      agent: options.agent,
      ...(launchTemplate !== undefined
        ? { launchTemplate: text(launchTemplate, `${id}.LaunchTemplate`) }
        : {}),
      ...(healthCheckType === 'ELB' || healthCheckType === 'EC2' ? { healthCheckType } : {}),
    };
  });

  return {
    region: options.region,
    launchTemplates,
    targetGroups,
    loadBalancers: [...listenersByBalancer].map(([name, listeners]) => ({ name, listeners })),
    autoScalingGroups,
    alarms: ofType('AWS::CloudWatch::Alarm').map(([id, r]) => ({
      name: text(props(r).AlarmName ?? id, `${id}.AlarmName`),
      state: 'OK' as const,
    })),
    buckets: ofType('AWS::S3::Bucket').map(([id, r]) => text(props(r).BucketName ?? id, `${id}.BucketName`)),
    ...(options.github ? { github: { ...options.github } } : {}),
  };
}

function text(value: Data, where: string): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new TemplateWorldError(
    `sam-template.yaml: ${where} is not a plain value the demo can read: ${JSON.stringify(value)}`,
  );
}

function number(value: Data, where: string): number {
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new TemplateWorldError(`sam-template.yaml: ${where} is not a number: ${JSON.stringify(value)}`);
  return n;
}
