// The world file (DESIGN.md "The local cloud's control API"): the infrastructure a local cloud starts
// with, in YAML or JSON. It is validated with zod and applied through the service models, the same
// way the APIs would build it, except that its instances start already running and healthy.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Cloud, RegionModels } from './cloud.js';
import { DEFAULT_REGION } from './cloud.js';
import type { Ec2Model, LaunchTemplateRecord } from './ec2/model.js';
import type { CreateTargetGroupRequest } from './elbv2/model.js';
import { expandLacks, ImageLacksError } from './instance/images.js';
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

// Tags become [key, value] pairs: a record schema assigns each key to a plain object, where a tag
// named `__proto__` would vanish.
const tagsSchema = z
  .custom<Record<string, string>>(() => true)
  .optional()
  .transform((value, ctx): [string, string][] => {
    if (value === undefined) return [];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'expected a map of tag keys to values' });
      return z.NEVER;
    }
    const entries = Object.entries(value);
    for (const [key, tagValue] of entries)
      if (typeof tagValue !== 'string')
        ctx.addIssue({ code: 'custom', message: 'expected a string', path: [key] });
    return entries;
  });

const healthPath = z.string().startsWith('/', 'expected a path such as /healthcheck');

// `lacks` entries are host paths or bundle names (instance/images.ts), expanded when the world is read.
const imageSchema = z
  .object({
    id: z.string().regex(/^ami-[0-9a-f]{8,17}$/, 'expected an image id such as ami-0123456789abcdef0'),
    name: z.string().min(1).optional(),
    lacks: z.array(z.string().min(1)).default([]),
    serves: healthPath.optional(),
  })
  .strict()
  .transform((image, ctx) => {
    try {
      return { ...image, lacks: expandLacks(image.lacks, process.execPath) };
    } catch (error) {
      if (!(error instanceof ImageLacksError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message, path: ['lacks'] });
      return z.NEVER;
    }
  });

const autoScalingGroupSchema = z
  .object({
    name,
    instances: z.number().int().min(0),
    minSize: z.number().int().min(0).optional(),
    maxSize: z.number().int().min(0).optional(),
    availabilityZones: z.array(z.string().min(1)).min(1),
    targetGroups: z.array(name).default([]),
    /** Without it, the world's `instances.agent` (else the cloud's default for new instances). */
    agent: z.enum(['synthetic', 'real']).optional(),
    /**
     * A health path the world's instances of this group already answer: an app a deployment made
     * before the world begins. Instances the group launches later answer only once deployed to.
     */
    serves: healthPath.optional(),
    launchTemplate: name.optional(),
    tags: tagsSchema,
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
    /** Images the launch templates name: what their instances lack and serve. */
    images: z.array(imageSchema).default([]),
    /** New instances: the agent of groups that name none (here, through the APIs, or a stack). */
    instances: z
      .object({
        agent: z.enum(['synthetic', 'real']).optional(),
        /** Their SSM Agent: online (the default, as Amazon Linux 2023 ships it), stopped or absent. */
        ssmAgent: z.enum(['online', 'stopped', 'absent']).optional(),
      })
      .strict()
      .default({}),
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

/**
 * What applying a world has done so far, as the steps that undo it. A world that fails part way is
 * taken back in reverse order, so a refused world leaves the cloud as it found it.
 */
export class WorldJournal {
  private readonly undos: (() => void)[] = [];

  record(undo: () => void): void {
    this.undos.push(undo);
  }

  rollBack(): void {
    // Every step is attempted: one that fails must not keep the others' resources in place.
    for (const undo of this.undos.splice(0).reverse()) {
      try {
        undo();
      } catch {
        continue;
      }
    }
  }
}

/** Runs a model's own check, reporting what it refuses at the world path that asked for it. */
function checkAt(problems: string[], where: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof AwsApiError)) throw error;
    problems.push(`${where}: ${error.code}: ${error.message}`);
  }
}

function duplicates(problems: string[], list: string, names: readonly string[]): void {
  names.forEach((entry, index) => {
    const first = names.indexOf(entry);
    if (first !== index) problems.push(`${list}.${index}: ${entry} is already defined at ${list}.${first}`);
  });
}

/**
 * Everything the world needs from the cloud and from itself, checked before anything is created:
 * names free and valid, no name twice, every reference to something that exists or that the world
 * defines, sizes within bounds. The models' own checks do the judging, so this says what creating
 * each resource would say.
 */
function checkWorld(models: RegionModels, cloud: Cloud, world: World): void {
  const { ec2, elbv2, autoscaling } = models;
  const problems: string[] = [];
  const names = {
    launchTemplates: world.launchTemplates.map((t) => t.name),
    images: world.images.map((i) => i.id),
    targetGroups: world.targetGroups.map((g) => g.name),
    loadBalancers: world.loadBalancers.map((b) => b.name),
    autoScalingGroups: world.autoScalingGroups.map((g) => g.name),
    alarms: world.alarms.map((a) => a.name),
    buckets: world.buckets.map((b) => b.name),
  };
  for (const [list, listed] of Object.entries(names)) duplicates(problems, list, listed);

  world.launchTemplates.forEach((template, index) =>
    checkAt(problems, `launchTemplates.${index}`, () => ec2.checkLaunchTemplateName(template.name)),
  );
  world.targetGroups.forEach((group, index) =>
    checkAt(problems, `targetGroups.${index}`, () => elbv2.checkTargetGroup(targetGroupRequest(group))),
  );
  const targetGroupKnown = (name: string) =>
    names.targetGroups.includes(name) || elbv2.getTargetGroupByName(name) !== undefined;
  const launchTemplateKnown = (name: string) =>
    names.launchTemplates.includes(name) || ec2.findLaunchTemplateByName(name) !== undefined;

  world.loadBalancers.forEach((balancer, index) => {
    const existing = elbv2.findLoadBalancerByName(balancer.name);
    const taken = new Set(
      elbv2
        .allListeners()
        .filter((l) => existing && l.loadBalancerArn === existing.arn)
        .map((l) => l.port),
    );
    balancer.listeners.forEach((listener, listenerIndex) => {
      const where = `loadBalancers.${index}.listeners.${listenerIndex}`;
      if (!targetGroupKnown(listener.targetGroup))
        problems.push(
          `${where}.targetGroup: target group ${listener.targetGroup} is not defined in targetGroups`,
        );
      if (listener.port !== 0 && taken.has(listener.port))
        problems.push(
          `${where}.port: load balancer ${balancer.name} already listens on port ${listener.port}`,
        );
      taken.add(listener.port);
    });
  });

  world.autoScalingGroups.forEach((group, index) => {
    const where = `autoScalingGroups.${index}`;
    checkAt(problems, where, () => autoscaling.checkGroupName(group.name));
    group.targetGroups.forEach((name, i) => {
      if (!targetGroupKnown(name))
        problems.push(`${where}.targetGroups.${i}: target group ${name} is not defined in targetGroups`);
    });
    if (group.launchTemplate !== undefined && !launchTemplateKnown(group.launchTemplate))
      problems.push(
        `${where}.launchTemplate: launch template ${group.launchTemplate} is not defined in launchTemplates`,
      );
    // Without one, the group gets a template of its own, named after it.
    const ownTemplate = `${group.name}-lt`;
    if (group.launchTemplate === undefined && !launchTemplateKnown(ownTemplate))
      checkAt(problems, where, () => ec2.checkLaunchTemplateName(ownTemplate));
    const sizes = groupSizes(group);
    checkAt(problems, where, () =>
      autoscaling.checkCapacity(sizes.minSize, sizes.maxSize, sizes.desiredCapacity),
    );
  });

  world.buckets.forEach((bucket, index) => {
    if (cloud.s3.allBuckets().some((b) => b.name === bucket.name)) return;
    checkAt(problems, `buckets.${index}`, () => cloud.s3.checkBucketName(bucket.name));
  });

  if (problems.length > 0) throw new WorldError(`the world could not be applied: ${problems.join('; ')}`);
}

function targetGroupRequest(group: World['targetGroups'][number]): CreateTargetGroupRequest {
  const check = group.healthCheck;
  return {
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
  };
}

function groupSizes(group: World['autoScalingGroups'][number]): {
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
} {
  return {
    minSize: group.minSize ?? group.instances,
    maxSize: group.maxSize ?? Math.max(group.instances, group.minSize ?? 0),
    desiredCapacity: group.instances,
  };
}

/**
 * Creates the world's resources, recording how to undo each. Auto Scaling groups come last: they
 * launch instances, which no undo takes back without a trace (terminated instances stay visible, as
 * on AWS), so nothing that could still fail runs after them.
 */
function applyTo(models: RegionModels, cloud: Cloud, world: World, journal: WorldJournal): void {
  const { ec2, elbv2, autoscaling, cloudwatch } = models;
  for (const image of world.images) {
    const before = cloud.images.get(image.id);
    journal.record(() => (before ? cloud.images.add(before) : cloud.images.remove(image.id)));
    cloud.images.add({
      imageId: image.id,
      lacks: image.lacks,
      ...(image.serves !== undefined ? { serves: image.serves } : {}),
    });
    // EC2's record of it (DescribeImages), as the account's own; a world taken back leaves it there.
    // An image EC2 already has (Amazon Linux 2023, public) keeps its record: the world only says what
    // its instances lack or serve.
    if (ec2.image(image.id) === undefined) {
      ec2.addImage({
        imageId: image.id,
        name: image.name ?? image.id,
        description: 'An image the world names',
      });
    }
  }
  if (world.instances.agent !== undefined) {
    const before = cloud.defaultAgent;
    journal.record(() => (cloud.defaultAgent = before));
    cloud.defaultAgent = world.instances.agent;
  }
  if (world.instances.ssmAgent !== undefined) {
    const before = cloud.defaultSsmAgent;
    journal.record(() => (cloud.defaultSsmAgent = before));
    cloud.defaultSsmAgent = world.instances.ssmAgent;
  }
  for (const template of world.launchTemplates) {
    const created = ec2.createLaunchTemplate({
      name: template.name,
      data: {
        ...(template.imageId ? { ImageId: template.imageId } : {}),
        ...(template.instanceType ? { InstanceType: template.instanceType } : {}),
        // The world has the text (a script or #cloud-config); EC2 stores it base64-encoded.
        ...(template.userData ? { UserData: Buffer.from(template.userData).toString('base64') } : {}),
      },
    });
    journal.record(() => ec2.deleteLaunchTemplate(created.id));
  }
  for (const group of world.targetGroups) {
    // An identical group that already exists is the one CreateTargetGroup answers with: not ours to undo.
    const existed = elbv2.getTargetGroupByName(group.name) !== undefined;
    const created = elbv2.createTargetGroup(targetGroupRequest(group));
    if (!existed) journal.record(() => elbv2.deleteTargetGroup(created.arn));
  }
  const targetGroupArn = (groupName: string): string => elbv2.requireTargetGroupByName(groupName).arn;
  for (const balancer of world.loadBalancers) {
    const existed = elbv2.findLoadBalancerByName(balancer.name) !== undefined;
    const created = elbv2.createLoadBalancer({ name: balancer.name });
    if (!existed) journal.record(() => elbv2.deleteLoadBalancer(created.arn));
    for (const listener of balancer.listeners) {
      const opened = elbv2.createListener({
        loadBalancerArn: created.arn,
        port: listener.port,
        protocol: listener.protocol,
        defaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn(listener.targetGroup) }],
      });
      journal.record(() => elbv2.deleteListener(opened.arn));
    }
  }
  for (const alarm of world.alarms) {
    const before = cloudwatch.snapshotAlarm(alarm.name);
    journal.record(() => cloudwatch.restoreAlarm(alarm.name, before));
    // Held: the world's alarms have no dimensions to measure; their state moves only when told to.
    cloudwatch.putMetricAlarm(
      alarm.name,
      {
        MetricName:
          'metricName' in alarm && alarm.metricName ? alarm.metricName : 'HTTPCode_Target_5XX_Count',
        Namespace: 'namespace' in alarm && alarm.namespace ? alarm.namespace : 'AWS/ApplicationELB',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 'threshold' in alarm && alarm.threshold !== undefined ? alarm.threshold : 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
      undefined,
      { held: true },
    );
    cloudwatch.setAlarmState(alarm.name, alarm.state, 'Set by the local cloud world file');
  }
  for (const bucket of world.buckets) {
    if (cloud.s3.allBuckets().some((b) => b.name === bucket.name)) continue;
    cloud.s3.createBucket(bucket.name, world.region, bucket.versioned);
    journal.record(() => cloud.s3.deleteBucket(bucket.name));
  }
  for (const [repository, path] of Object.entries(world.github)) {
    const before = cloud.github.get(repository);
    journal.record(() =>
      before === undefined ? cloud.github.delete(repository) : cloud.github.set(repository, before),
    );
    cloud.github.set(repository, path);
  }
  cloud.worldApplied(world, models, journal);
  for (const group of world.autoScalingGroups) {
    const arns = group.targetGroups.map(targetGroupArn);
    const template =
      (group.launchTemplate ? ec2.findLaunchTemplateByName(group.launchTemplate) : undefined) ??
      ec2.findLaunchTemplateByName(`${group.name}-lt`) ??
      createDefaultTemplate(ec2, `${group.name}-lt`, journal);
    const created = autoscaling.create({
      name: group.name,
      launchTemplate: { id: template.id, version: '$Default' },
      ...groupSizes(group),
      availabilityZones: group.availabilityZones,
      targetGroupArns: arns,
      ...(group.healthCheckType ? { healthCheckType: group.healthCheckType } : {}),
      ...(group.healthCheckGracePeriod !== undefined
        ? { healthCheckGracePeriod: group.healthCheckGracePeriod }
        : {}),
      tags: group.tags.map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      agent: group.agent ?? cloud.defaultAgent,
    });
    journal.record(() => autoscaling.delete(created.name));
    // A world's fleet is already up: skip the boot and the initial health checks.
    for (const member of created.instances) {
      if (group.serves !== undefined) cloud.servesAlready(member.instanceId, group.serves);
      ec2.boot(member.instanceId);
    }
    for (const arn of arns) elbv2.settleInitialTargets(arn);
  }
}

function createDefaultTemplate(ec2: Ec2Model, name: string, journal: WorldJournal): LaunchTemplateRecord {
  const created = ec2.createLaunchTemplate({ name, data: {} });
  journal.record(() => ec2.deleteLaunchTemplate(created.id));
  return created;
}

/**
 * Applies a world to the cloud through its models, whole or not at all. A resource the world names
 * that already exists is an error (as creating it through the API would be), reported with the world
 * path; so is a reference to a resource that neither the world nor the cloud has. Those are checked
 * before anything is created; whatever still fails part way (CodeDeploy's own checks, say) takes
 * back what the world had created.
 */
export function applyWorld(cloud: Cloud, world: World): RegionModels {
  const models = cloud.region(world.region);
  checkWorld(models, cloud, world);
  const journal = new WorldJournal();
  try {
    applyTo(models, cloud, world, journal);
  } catch (error) {
    journal.rollBack();
    if (error instanceof AwsApiError)
      throw new WorldError(`the world could not be applied: ${error.code}: ${error.message}`);
    throw error;
  }
  return models;
}
