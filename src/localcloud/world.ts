// The world file (DESIGN.md "The local cloud's control API"): the infrastructure a local cloud starts
// with, in YAML or JSON. It is validated with zod and applied through the service models, the same
// way the APIs would build it, except that its instances start already running and healthy.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Cloud, RegionModels } from './cloud.js';
import { DEFAULT_REGION } from './cloud.js';
import { AwsApiError } from './service.js';

const name = z.string().min(1);

const launchTemplateSchema = z
  .object({
    name,
    imageId: z.string().optional(),
    instanceType: z.string().optional(),
    userData: z.string().optional(),
  })
  .strict();

const targetGroupSchema = z
  .object({
    name,
    port: z.number().int().min(1).max(65535).default(80),
    protocol: z.enum(['HTTP', 'HTTPS', 'TCP']).default('HTTP'),
    healthCheck: z
      .object({
        path: z.string().default('/'),
        port: z.union([z.string(), z.number().int()]).optional(),
        intervalSeconds: z.number().int().min(5).max(300).default(30),
        timeoutSeconds: z.number().int().min(2).max(120).default(5),
        healthyThreshold: z.number().int().min(2).max(10).default(5),
        unhealthyThreshold: z.number().int().min(2).max(10).default(2),
        matcher: z.string().default('200'),
      })
      .strict()
      .optional(),
    deregistrationDelay: z.number().int().min(0).max(3600).default(300),
  })
  .strict();

const loadBalancerSchema = z
  .object({
    name,
    listeners: z
      .array(
        z
          .object({
            port: z.number().int().min(0).max(65535),
            targetGroup: name,
            protocol: z.enum(['HTTP', 'HTTPS']).default('HTTP'),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

const autoScalingGroupSchema = z
  .object({
    name,
    instances: z.number().int().min(0),
    minSize: z.number().int().min(0).optional(),
    maxSize: z.number().int().min(0).optional(),
    availabilityZones: z.array(z.string().min(1)).min(1),
    targetGroups: z.array(name).default([]),
    agent: z.enum(['synthetic', 'real']).default('synthetic'),
    launchTemplate: name.optional(),
    tags: z.record(z.string(), z.string()).default({}),
    healthCheckType: z.enum(['EC2', 'ELB']).optional(),
    healthCheckGracePeriod: z.number().int().min(0).optional(),
  })
  .strict();

const alarmSchema = z.union([
  name.transform((alarmName) => ({ name: alarmName, state: 'OK' as const })),
  z
    .object({
      name,
      state: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']).default('OK'),
      metricName: z.string().optional(),
      namespace: z.string().optional(),
      threshold: z.number().optional(),
    })
    .strict(),
]);

const computePlatform = z.enum(['Server', 'Lambda', 'ECS']);

// A bare name is short for {name}; preprocessing (not a union) keeps the path of a bad member in errors.
const applicationSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { name: value } : value),
  z.object({ name, computePlatform: computePlatform.default('Server') }).strict(),
);

const deploymentConfigSchema = z
  .object({
    name,
    minimumHealthyHosts: z
      .object({ type: z.enum(['HOST_COUNT', 'FLEET_PERCENT']), value: z.number().int().min(0) })
      .strict(),
    computePlatform: computePlatform.default('Server'),
  })
  .strict();

const bucketSchema = z.union([
  name.transform((bucketName) => ({ name: bucketName, versioned: false })),
  z.object({ name, versioned: z.boolean().default(false) }).strict(),
]);

export const worldSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as us-east-1')
      .default(DEFAULT_REGION),
    launchTemplates: z.array(launchTemplateSchema).default([]),
    targetGroups: z.array(targetGroupSchema).default([]),
    loadBalancers: z.array(loadBalancerSchema).default([]),
    autoScalingGroups: z.array(autoScalingGroupSchema).default([]),
    alarms: z.array(alarmSchema).default([]),
    buckets: z.array(bucketSchema).default([]),
    github: z
      .record(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected owner/repo'), z.string().min(1))
      .default({}),
    /** CodeDeploy's; applied by CodeDeploy, which listens to Cloud.onWorldApplied. */
    applications: z.array(applicationSchema).default([]),
    deploymentConfigs: z.array(deploymentConfigSchema).default([]),
  })
  .strict();

export type World = z.infer<typeof worldSchema>;
export type WorldInput = z.input<typeof worldSchema>;

export class WorldError extends Error {}

/** Validates a world (already parsed); errors name the offending path. */
export function parseWorld(raw: unknown, source = 'world'): World {
  const result = worldSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `${path}: ${issue.message}`;
  });
  throw new WorldError(`${source} is not a valid world: ${problems.join('; ')}`);
}

/** Parses YAML (which includes JSON) text into a world. */
export function parseWorldText(text: string, source = 'world'): World {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new WorldError(`${source} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  return parseWorld(raw, source);
}

export async function loadWorldFile(path: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WorldError(`cannot read world file ${path}: ${(error as Error).message}`);
  }
  return parseWorldText(text, path);
}

function applyTo(models: RegionModels, cloud: Cloud, world: World): void {
  const { ec2, elbv2, autoscaling, cloudwatch } = models;
  for (const template of world.launchTemplates) {
    ec2.createLaunchTemplate({
      name: template.name,
      data: {
        ...(template.imageId ? { ImageId: template.imageId } : {}),
        ...(template.instanceType ? { InstanceType: template.instanceType } : {}),
        ...(template.userData ? { UserData: template.userData } : {}),
      },
    });
  }
  for (const group of world.targetGroups) {
    const check = group.healthCheck;
    elbv2.createTargetGroup({
      name: group.name,
      port: group.port,
      protocol: group.protocol,
      deregistrationDelaySeconds: group.deregistrationDelay,
      ...(check
        ? {
            healthCheck: {
              path: check.path,
              ...(check.port !== undefined ? { port: String(check.port) } : {}),
              intervalSeconds: check.intervalSeconds,
              timeoutSeconds: check.timeoutSeconds,
              healthyThreshold: check.healthyThreshold,
              unhealthyThreshold: check.unhealthyThreshold,
              matcher: check.matcher,
            },
          }
        : {}),
    });
  }
  const targetGroupArn = (groupName: string, where: string): string => {
    const group = elbv2.getTargetGroupByName(groupName);
    if (!group) throw new WorldError(`${where}: target group ${groupName} is not defined in targetGroups`);
    return group.arn;
  };
  world.loadBalancers.forEach((balancer, index) => {
    const created = elbv2.createLoadBalancer({ name: balancer.name });
    balancer.listeners.forEach((listener, listenerIndex) => {
      elbv2.createListener({
        loadBalancerArn: created.arn,
        port: listener.port,
        protocol: listener.protocol,
        defaultActions: [
          {
            Type: 'forward',
            TargetGroupArn: targetGroupArn(
              listener.targetGroup,
              `loadBalancers.${index}.listeners.${listenerIndex}.targetGroup`,
            ),
          },
        ],
      });
    });
  });
  world.autoScalingGroups.forEach((group, index) => {
    const where = `autoScalingGroups.${index}`;
    const arns = group.targetGroups.map((tg, i) => targetGroupArn(tg, `${where}.targetGroups.${i}`));
    let template = group.launchTemplate ? ec2.findLaunchTemplateByName(group.launchTemplate) : undefined;
    if (group.launchTemplate && !template) {
      throw new WorldError(
        `${where}.launchTemplate: launch template ${group.launchTemplate} is not defined in launchTemplates`,
      );
    }
    template ??=
      ec2.findLaunchTemplateByName(`${group.name}-lt`) ??
      ec2.createLaunchTemplate({ name: `${group.name}-lt`, data: {} });
    const created = autoscaling.create({
      name: group.name,
      launchTemplate: { id: template.id, version: '$Default' },
      minSize: group.minSize ?? group.instances,
      maxSize: group.maxSize ?? Math.max(group.instances, group.minSize ?? 0),
      desiredCapacity: group.instances,
      availabilityZones: group.availabilityZones,
      targetGroupArns: arns,
      ...(group.healthCheckType ? { healthCheckType: group.healthCheckType } : {}),
      ...(group.healthCheckGracePeriod !== undefined
        ? { healthCheckGracePeriod: group.healthCheckGracePeriod }
        : {}),
      tags: Object.entries(group.tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      agent: group.agent,
    });
    // A world's fleet is already up: skip the boot and the initial health checks.
    for (const member of created.instances) ec2.boot(member.instanceId);
    for (const arn of arns) elbv2.settleInitialTargets(arn);
  });
  for (const alarm of world.alarms) {
    cloudwatch.putMetricAlarm(alarm.name, {
      MetricName: 'metricName' in alarm && alarm.metricName ? alarm.metricName : 'HTTPCode_Target_5XX_Count',
      Namespace: 'namespace' in alarm && alarm.namespace ? alarm.namespace : 'AWS/ApplicationELB',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 'threshold' in alarm && alarm.threshold !== undefined ? alarm.threshold : 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    cloudwatch.setAlarmState(alarm.name, alarm.state, 'Set by the local cloud world file');
  }
  for (const bucket of world.buckets) {
    if (!cloud.s3.allBuckets().some((b) => b.name === bucket.name))
      cloud.s3.createBucket(bucket.name, world.region, bucket.versioned);
  }
  for (const [repository, path] of Object.entries(world.github)) cloud.github.set(repository, path);
}

/**
 * Applies a world to the cloud through its models. A resource the world names that already exists
 * is an error (as creating it through the API would be), reported with the world path.
 */
export function applyWorld(cloud: Cloud, world: World): RegionModels {
  const models = cloud.region(world.region);
  try {
    applyTo(models, cloud, world);
    cloud.worldApplied(world, models);
  } catch (error) {
    if (error instanceof AwsApiError)
      throw new WorldError(`the world could not be applied: ${error.code}: ${error.message}`);
    throw error;
  }
  return models;
}
