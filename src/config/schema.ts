import { z } from 'zod';
import { parseDuration } from './duration.js';
import { ConfigError } from './errors.js';
import type {
  BlueGreenOptions,
  DeploymentConfigSpec,
  EnvironmentConfig,
  RevisionSource,
  TerminateBlueOption,
} from './environment.js';
import {
  ALARM_NAME,
  APPLICATION_NAME,
  AUTO_SCALING_GROUP_NAME,
  BUCKET_NAME,
  DEPLOYMENT_CONFIG_NAME,
  DEPLOYMENT_GROUP_NAME,
  GITHUB_REPOSITORY,
  KEY_PREFIX,
  nameSchema,
  pushNameProblem,
  TARGET_GROUP_NAME,
} from './names.js';
import { didYouMean } from './suggestion.js';

// Limits are AWS's (CodeDeploy, ELBv2, CloudWatch, IAM) so a bad value fails here, with its key path,
// rather than later as an API error about a request the user never wrote.
export const MAX_WAIT_MINUTES = 2880;
export const MAX_ALARMS = 10;
export const MAX_TARGET_GROUPS = 10;
/**
 * The most of a scripts.log one SSM Run Command brings back: GetCommandInvocation returns the first
 * 24,000 characters of a command's output, and the first line of the output is the file's size.
 */
export const MAX_SCRIPTS_LOG_BYTES = 23_000;
export const DEFAULT_DIAGNOSTICS = {
  fetchLogs: false,
  maxLines: 2000,
  maxBytes: MAX_SCRIPTS_LOG_BYTES,
  timeout: 120_000,
} as const;

/** CodeDeploy's own configs for EC2 (the Lambda and ECS ones do not apply to a server group). */
export const PREDEFINED_DEPLOYMENT_CONFIGS = [
  'CodeDeployDefault.AllAtOnce',
  'CodeDeployDefault.HalfAtATime',
  'CodeDeployDefault.OneAtATime',
] as const;

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

// Each name follows its resource's AWS rule; names.ts says which rule and where it comes from.
const applicationName = nameSchema(APPLICATION_NAME);
const deploymentGroupName = nameSchema(DEPLOYMENT_GROUP_NAME);
const autoScalingGroupName = nameSchema(AUTO_SCALING_GROUP_NAME);
const alarmName = nameSchema(ALARM_NAME);
const targetGroupName = nameSchema(TARGET_GROUP_NAME);

export const region = z
  .string({ error: 'expected an AWS region such as us-east-1' })
  .regex(REGION, 'expected an AWS region such as us-east-1');
const serviceRoleArn = z
  .string({ error: 'expected an IAM role ARN such as arn:aws:iam::123456789012:role/web-codedeploy' })
  .regex(ROLE_ARN, 'expected an IAM role ARN such as arn:aws:iam::123456789012:role/web-codedeploy');

const waitMinutes = z
  .number()
  .int()
  .min(0)
  .max(MAX_WAIT_MINUTES, `expected at most ${MAX_WAIT_MINUTES} minutes (CodeDeploy's limit of 2 days)`);

export const duration = z
  .string({ error: 'expected a duration like 90s, 10m or 1h30m' })
  .transform((text, context) => {
    try {
      return parseDuration(text);
    } catch (error) {
      context.issues.push({
        code: 'custom',
        message: error instanceof ConfigError ? error.message : String(error),
        input: text,
      });
      return z.NEVER;
    }
  });

const uniqueList = <T extends z.ZodType<string>>(item: T, max: number, what: string, limit?: string) =>
  z
    .array(item, { error: `expected a list of ${what}` })
    .max(max, `expected at most ${max} ${what}${limit === undefined ? '' : ` (${limit})`}`)
    .superRefine((items, context) => {
      items.forEach((item, index) => {
        if (items.indexOf(item) !== index) {
          context.issues.push({
            code: 'custom',
            message: `${JSON.stringify(item)} is listed twice`,
            path: [index],
            input: item,
          });
        }
      });
    });

const tags = z
  .record(
    z
      .string()
      .min(1)
      .max(128, 'expected a tag key of at most 128 characters')
      .refine(
        (key) => !key.toLowerCase().startsWith('aws:'),
        'tag keys starting with "aws:" are reserved by AWS',
      ),
    z.string().max(256, 'expected a tag value of at most 256 characters'),
  )
  .refine((record) => Object.keys(record).length <= 50, 'expected at most 50 tags');

/** A deployment config by name: one of CodeDeploy's own, or a custom one (CodeDeploy's naming rule). */
export const deploymentConfigName = z.string().superRefine((value, context) => {
  if (value.startsWith('CodeDeployDefault.')) {
    if ((PREDEFINED_DEPLOYMENT_CONFIGS as readonly string[]).includes(value)) return;
    context.issues.push({
      code: 'custom',
      input: value,
      message: `${JSON.stringify(value)} is not one of CodeDeploy's EC2 configs (${PREDEFINED_DEPLOYMENT_CONFIGS.join(', ')})${didYouMean(value, PREDEFINED_DEPLOYMENT_CONFIGS)}`,
    });
    return;
  }
  pushNameProblem(DEPLOYMENT_CONFIG_NAME, value, context);
});

const customDeploymentConfig = z
  .strictObject({
    name: z.string({ error: 'expected a deployment config name' }).superRefine((value, context) => {
      if (value.startsWith('CodeDeployDefault.')) {
        context.issues.push({
          code: 'custom',
          input: value,
          message:
            "a custom deployment config cannot be named CodeDeployDefault.*: that prefix is reserved for CodeDeploy's own; choose a name such as web-all-healthy",
        });
        return;
      }
      pushNameProblem(DEPLOYMENT_CONFIG_NAME, value, context);
    }),
    minimumHealthyHosts: z.strictObject({
      type: z.enum(['HOST_COUNT', 'FLEET_PERCENT']),
      value: z.number().int().min(0),
    }),
  })
  .superRefine((config, context) => {
    const { type, value } = config.minimumHealthyHosts;
    if (type === 'FLEET_PERCENT' && value > 99) {
      context.issues.push({
        code: 'custom',
        path: ['minimumHealthyHosts', 'value'],
        input: value,
        message: `FLEET_PERCENT must be from 0 to 99, found ${value}: CodeDeploy fails a deployment whose minimum is its whole fleet; use OneAtATime or HOST_COUNT for "all but one"`,
      });
    }
  });

const deploymentConfig = z.union([deploymentConfigName, customDeploymentConfig]);

const targetInstances = z
  .strictObject({
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
    autoScalingGroups: z.array(autoScalingGroupName).optional(),
  })
  .refine(
    (value) => Object.keys(value.tags ?? {}).length + (value.autoScalingGroups?.length ?? 0) > 0,
    'expected at least one tag or Auto Scaling group to find the green instances by',
  );

const ready = z.strictObject({
  action: z.enum(['CONTINUE_DEPLOYMENT', 'STOP_DEPLOYMENT']),
  waitMinutes: waitMinutes.optional(),
});

const terminateBlue = z.strictObject({
  action: z.enum(['TERMINATE', 'KEEP_ALIVE']),
  waitMinutes: waitMinutes.optional(),
});

// The longest CodeDeploy lets blue live after success is also the one that keeps a rollback cheapest:
// an hour is long enough to catch most regressions and still reroute to the old fleet.
export const DEFAULT_TERMINATION_WAIT_MINUTES = 60;

const blueGreen = z.strictObject({
  greenFleet: z.enum(['COPY_AUTO_SCALING_GROUP', 'DISCOVER_EXISTING']).default('COPY_AUTO_SCALING_GROUP'),
  targetInstances: targetInstances.optional(),
  ready: ready.default({ action: 'CONTINUE_DEPLOYMENT' }),
  terminateBlue: terminateBlue.default({ action: 'TERMINATE' }),
});

// An in-place fleet: the group's Auto Scaling groups and the instances carrying every tag. Tags are
// written to CodeDeploy as a tag set with one tag per group (ec2TagSet), which CodeDeploy ANDs: a map
// reads as "instances with all of these", and an OR of tags (`{app: web, env: prod}` matching every
// web instance of every environment) is not what anyone writing a map means.
const inPlace = z
  .strictObject({
    autoScalingGroups: uniqueList(autoScalingGroupName, 100, 'Auto Scaling groups').default([]),
    tags: z
      .record(z.string().min(1).max(128), z.string().max(256))
      // CodeDeploy takes at most 3 tag groups in a tag set.
      .refine(
        (record) => Object.keys(record).length <= 3,
        "expected at most 3 tags (CodeDeploy's limit of 3 tag groups)",
      )
      .default({}),
  })
  .refine(
    (value) => Object.keys(value.tags).length + value.autoScalingGroups.length > 0,
    'expected at least one Auto Scaling group or tag to find the instances by',
  );

const revision = z
  .strictObject(
    {
      github: nameSchema(GITHUB_REPOSITORY).optional(),
      s3: z
        .strictObject({
          bucket: nameSchema(BUCKET_NAME),
          prefix: nameSchema(KEY_PREFIX).default(''),
          bundleType: z.enum(['zip', 'tar', 'tgz']).default('zip'),
        })
        .optional(),
    },
    { error: 'expected a revision source: {github: owner/repo} or {s3: {bucket, prefix}}' },
  )
  .superRefine((value, context) => {
    if ((value.github === undefined) === (value.s3 === undefined)) {
      context.issues.push({
        code: 'custom',
        input: value,
        message: 'expected exactly one of github (owner/repo) or s3 ({bucket, prefix})',
      });
    }
  });

const health = z.strictObject({
  path: z.string().startsWith('/', 'expected a path starting with "/"').default('/healthcheck'),
  port: z.number().int().min(1).max(65535).default(80),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
  expectVersion: z.boolean().default(true),
});

const capacity = z.number().int().min(0);
const expectedCapacity = z.union([
  capacity,
  z.strictObject({ min: capacity, max: capacity }).refine((range) => range.min <= range.max, {
    message: 'expected min to be at most max',
    path: ['min'],
  }),
]);

const autoRollbackEvent = z.enum([
  'DEPLOYMENT_FAILURE',
  'DEPLOYMENT_STOP_ON_ALARM',
  'DEPLOYMENT_STOP_ON_REQUEST',
]);

/** One environment after `defaults:` has been merged in, before the cross-field checks. */
export const environmentShape = z.strictObject({
  region: region.optional(),
  deploymentGroup: deploymentGroupName,
  serviceRoleArn,
  style: z.enum(['blue-green', 'in-place']).default('blue-green'),
  autoScalingGroup: autoScalingGroupName.optional(),
  // Required for blue/green (checkCrossFields); an in-place environment may have no load balancer.
  targetGroups: uniqueList(targetGroupName, MAX_TARGET_GROUPS, 'target groups').default([]),
  deploymentConfig: deploymentConfig.default('CodeDeployDefault.OneAtATime'),
  blueGreen: blueGreen.optional(),
  inPlace: inPlace.optional(),
  autoRollback: uniqueList(autoRollbackEvent, 3, 'events').default(['DEPLOYMENT_FAILURE']),
  alarms: uniqueList(alarmName, MAX_ALARMS, 'alarms', "CodeDeploy's limit per deployment group").default([]),
  ignorePollAlarmFailure: z.boolean().default(false),
  gate: z
    .strictObject({
      alarms: uniqueList(alarmName, 100, 'alarms').default([]),
      // An alarm without data cannot say the bake was good; `pass` is for alarms that go quiet by design.
      insufficientData: z.enum(['fail', 'pass']).default('fail'),
    })
    .default({ alarms: [], insufficientData: 'fail' }),
  revision,
  health: health.default({ path: '/healthcheck', port: 80, expectVersion: true }),
  bake: duration.default(600_000),
  expectedCapacity: expectedCapacity.optional(),
  outdatedInstancesStrategy: z.enum(['UPDATE', 'IGNORE']).default('UPDATE'),
  tags: tags.default({}),
  verifyBeforeTraffic: z.boolean().optional(),
  timeouts: z
    .strictObject({
      wait: duration.refine((ms) => ms > 0, 'expected a wait timeout longer than zero').optional(),
    })
    .default({}),
  fileExistsBehavior: z.enum(['DISALLOW', 'OVERWRITE', 'RETAIN']).default('DISALLOW'),
  ignoreApplicationStopFailures: z.boolean().default(false),
  // What greenlight does to the Auto Scaling group CodeDeploy copies (src/preflight/auto-scaling.ts).
  autoScaling: z.strictObject({ suspendProcesses: z.boolean().default(false) }).optional(),
  // A failed instance's whole scripts.log, read through SSM Run Command (src/diagnostics/).
  diagnostics: z
    .strictObject({
      fetchLogs: z.boolean().default(DEFAULT_DIAGNOSTICS.fetchLogs),
      maxLines: z.number().int().min(1).max(100_000).default(DEFAULT_DIAGNOSTICS.maxLines),
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .max(
          MAX_SCRIPTS_LOG_BYTES,
          `expected at most ${MAX_SCRIPTS_LOG_BYTES} bytes: SSM returns the first 24,000 characters of a command's output`,
        )
        .default(DEFAULT_DIAGNOSTICS.maxBytes),
      timeout: duration
        .refine((ms) => ms >= 5_000, 'expected at least 5s: the instance has to take the command and answer')
        .default(DEFAULT_DIAGNOSTICS.timeout),
    })
    .default(DEFAULT_DIAGNOSTICS),
});

type ParsedEnvironment = z.output<typeof environmentShape>;
type Problem = (path: (string | number)[], message: string) => void;

const DEFAULT_BLUE_GREEN: z.output<typeof blueGreen> = {
  greenFleet: 'COPY_AUTO_SCALING_GROUP',
  ready: { action: 'CONTINUE_DEPLOYMENT' },
  terminateBlue: { action: 'TERMINATE' },
};

/**
 * An in-place environment has no green fleet: the keys that describe one are errors, not ignored,
 * so a file copied from a blue/green environment says what no longer applies. They may come from
 * `defaults:`; the message says so.
 */
function checkInPlace(env: ParsedEnvironment, problem: Problem): void {
  const fromDefaults = ' (if it comes from defaults:, move it into the blue/green environments)';
  if (env.inPlace === undefined) {
    problem(
      ['inPlace'],
      'required with style: in-place: {autoScalingGroups: [..], tags: {Key: Value}} names the instances deployed to',
    );
  }
  if (env.blueGreen !== undefined) {
    problem(['blueGreen'], `only applies with style: blue-green${fromDefaults}`);
  }
  if (env.autoScalingGroup !== undefined) {
    problem(
      ['autoScalingGroup'],
      `names the ASG a blue/green deployment copies; with style: in-place list the groups under inPlace.autoScalingGroups${fromDefaults}`,
    );
  }
  if (env.verifyBeforeTraffic === true) {
    problem(
      ['verifyBeforeTraffic'],
      'only applies with style: blue-green: an in-place deployment has no Ready state before traffic moves',
    );
  }
  if (env.autoScaling?.suspendProcesses === true && (env.inPlace?.autoScalingGroups.length ?? 0) === 0) {
    problem(
      ['autoScaling', 'suspendProcesses'],
      'needs inPlace.autoScalingGroups: the groups whose processes are suspended',
    );
  }
  if (env.autoRollback.includes('DEPLOYMENT_STOP_ON_ALARM') && env.alarms.length === 0) {
    problem(['autoRollback'], 'DEPLOYMENT_STOP_ON_ALARM needs at least one alarm in alarms');
  }
}

/** Rules that tie keys together; they run once every key has the right type. */
function checkCrossFields(env: ParsedEnvironment, context: z.RefinementCtx): void {
  const problem: Problem = (path, message) => {
    context.issues.push({ code: 'custom', path, message, input: undefined });
  };
  if (env.style === 'in-place') {
    checkInPlace(env, problem);
    return;
  }
  if (env.inPlace !== undefined) {
    problem(['inPlace'], 'only applies with style: in-place (this environment is blue-green, the default)');
  }
  if (env.targetGroups.length === 0) {
    problem(
      ['targetGroups'],
      'expected at least one target group: blue/green deployments move traffic through a load balancer',
    );
  }
  const { greenFleet, targetInstances, ready, terminateBlue } = env.blueGreen ?? DEFAULT_BLUE_GREEN;
  if (greenFleet === 'COPY_AUTO_SCALING_GROUP') {
    if (env.autoScalingGroup === undefined) {
      problem(
        ['autoScalingGroup'],
        'required when blueGreen.greenFleet is COPY_AUTO_SCALING_GROUP: name the ASG CodeDeploy copies',
      );
    }
    if (targetInstances !== undefined) {
      problem(
        ['blueGreen', 'targetInstances'],
        'only applies when blueGreen.greenFleet is DISCOVER_EXISTING',
      );
    }
  } else if (targetInstances === undefined) {
    problem(
      ['blueGreen', 'targetInstances'],
      'required when blueGreen.greenFleet is DISCOVER_EXISTING: give tags or autoScalingGroups that find the green instances',
    );
  }
  if (env.autoScaling?.suspendProcesses === true && greenFleet !== 'COPY_AUTO_SCALING_GROUP') {
    problem(
      ['autoScaling', 'suspendProcesses'],
      'only applies when blueGreen.greenFleet is COPY_AUTO_SCALING_GROUP: greenlight suspends processes on the group CodeDeploy copies',
    );
  }
  if (ready.action === 'STOP_DEPLOYMENT' && ready.waitMinutes === undefined) {
    problem(
      ['blueGreen', 'ready', 'waitMinutes'],
      'required with STOP_DEPLOYMENT: how long the deployment waits in Ready before it is stopped',
    );
  }
  if (ready.action === 'CONTINUE_DEPLOYMENT' && ready.waitMinutes !== undefined) {
    problem(
      ['blueGreen', 'ready', 'waitMinutes'],
      'only applies with STOP_DEPLOYMENT; CONTINUE_DEPLOYMENT moves traffic at once',
    );
  }
  if (terminateBlue.action === 'KEEP_ALIVE' && terminateBlue.waitMinutes !== undefined) {
    problem(
      ['blueGreen', 'terminateBlue', 'waitMinutes'],
      'only applies with TERMINATE; KEEP_ALIVE never terminates the blue instances',
    );
  }
  if (env.verifyBeforeTraffic === true && ready.action !== 'STOP_DEPLOYMENT') {
    problem(
      ['verifyBeforeTraffic'],
      'needs blueGreen.ready.action STOP_DEPLOYMENT: only a deployment waiting in Ready can be verified before traffic moves',
    );
  }
  if (env.autoRollback.includes('DEPLOYMENT_STOP_ON_ALARM') && env.alarms.length === 0) {
    problem(['autoRollback'], 'DEPLOYMENT_STOP_ON_ALARM needs at least one alarm in alarms');
  }
}

function toDeploymentConfig(value: ParsedEnvironment['deploymentConfig']): DeploymentConfigSpec {
  return typeof value === 'string'
    ? { kind: 'named', name: value }
    : { kind: 'custom', name: value.name, minimumHealthyHosts: value.minimumHealthyHosts };
}

function toRevision(value: ParsedEnvironment['revision']): RevisionSource {
  if (value.github !== undefined) return { kind: 'github', repository: value.github };
  // The cross-field check guarantees one of the two.
  const s3 = value.s3 ?? { bucket: '', prefix: '', bundleType: 'zip' as const };
  return { kind: 's3', bucket: s3.bucket, prefix: s3.prefix, bundleType: s3.bundleType };
}

function toTerminateBlue(value: z.output<typeof terminateBlue>): TerminateBlueOption {
  return value.action === 'KEEP_ALIVE'
    ? { action: 'KEEP_ALIVE' }
    : { action: 'TERMINATE', waitMinutes: value.waitMinutes ?? DEFAULT_TERMINATION_WAIT_MINUTES };
}

type EnvironmentFields = Omit<EnvironmentConfig, 'name' | 'application'>;

function toBlueGreen(value: z.output<typeof blueGreen>): BlueGreenOptions {
  const { ready, greenFleet, targetInstances } = value;
  return {
    greenFleet,
    ...(targetInstances !== undefined && {
      targetInstances: {
        tags: targetInstances.tags ?? {},
        autoScalingGroups: targetInstances.autoScalingGroups ?? [],
      },
    }),
    ready:
      ready.action === 'STOP_DEPLOYMENT'
        ? { action: 'STOP_DEPLOYMENT', waitMinutes: ready.waitMinutes ?? 0 }
        : { action: 'CONTINUE_DEPLOYMENT' },
    terminateBlue: toTerminateBlue(value.terminateBlue),
  };
}

function toEnvironment(env: ParsedEnvironment): EnvironmentFields {
  const inPlaceStyle = env.style === 'in-place';
  const bg = inPlaceStyle ? undefined : toBlueGreen(env.blueGreen ?? DEFAULT_BLUE_GREEN);
  const capacityRange =
    env.expectedCapacity === undefined
      ? undefined
      : typeof env.expectedCapacity === 'number'
        ? { min: env.expectedCapacity, max: env.expectedCapacity }
        : env.expectedCapacity;
  return {
    ...(env.region !== undefined && { region: env.region }),
    deploymentGroup: env.deploymentGroup,
    serviceRoleArn: env.serviceRoleArn,
    style: env.style,
    ...(env.autoScalingGroup !== undefined && { autoScalingGroup: env.autoScalingGroup }),
    targetGroups: env.targetGroups,
    deploymentConfig: toDeploymentConfig(env.deploymentConfig),
    ...(bg !== undefined && { blueGreen: bg }),
    ...(inPlaceStyle &&
      env.inPlace !== undefined && {
        inPlace: { autoScalingGroups: env.inPlace.autoScalingGroups, tags: env.inPlace.tags },
      }),
    autoRollback: env.autoRollback,
    alarms: env.alarms,
    ignorePollAlarmFailure: env.ignorePollAlarmFailure,
    gate: { alarms: env.gate.alarms, insufficientData: env.gate.insufficientData },
    revision: toRevision(env.revision),
    health: {
      path: env.health.path,
      port: env.health.port,
      ...(env.health.url !== undefined && { url: env.health.url }),
      expectVersion: env.health.expectVersion,
    },
    bakeMs: env.bake,
    ...(capacityRange !== undefined && { expectedCapacity: capacityRange }),
    outdatedInstancesStrategy: env.outdatedInstancesStrategy,
    tags: env.tags,
    // Verifying before traffic is only possible when the deployment stops in Ready, and then it is
    // what greenlight is for, so it is on unless the file turns it off.
    verifyBeforeTraffic: env.verifyBeforeTraffic ?? bg?.ready.action === 'STOP_DEPLOYMENT',
    timeouts: env.timeouts.wait === undefined ? {} : { waitMs: env.timeouts.wait },
    fileExistsBehavior: env.fileExistsBehavior,
    ignoreApplicationStopFailures: env.ignoreApplicationStopFailures,
    ...(env.autoScaling !== undefined && { autoScaling: env.autoScaling }),
    diagnostics: {
      fetchLogs: env.diagnostics.fetchLogs,
      maxLines: env.diagnostics.maxLines,
      maxBytes: env.diagnostics.maxBytes,
      timeoutMs: env.diagnostics.timeout,
    },
  };
}

export const environmentSchema = environmentShape.superRefine(checkCrossFields).transform(toEnvironment);

/** The top of the file; environments are checked one by one after `defaults:` is merged into each. */
export const fileShape = z.strictObject({
  application: applicationName,
  defaults: z.union([z.record(z.string(), z.unknown()), z.null()]).optional(),
  environments: z
    .record(
      z.string().regex(ENVIRONMENT_NAME, 'expected an environment name of letters, digits, "-" or "_"'),
      z.union([z.record(z.string(), z.unknown()), z.null()]),
    )
    .refine(
      (environments) => Object.keys(environments).length > 0,
      'expected at least one environment, e.g. dev:',
    ),
});
