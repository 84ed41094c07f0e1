import { UsageError } from '../exit-codes.js';
import { ACCOUNT_PLACEHOLDER } from '../config/placeholder.js';
import { RUNTIMES, type Runtime } from './runtime.js';

// What `greenlight init` (without --from-group) is told, by flags or by a person answering, and the
// defaults that follow this repository's naming: deployment group <app>-<env>, ASG <app>-<env>-asg,
// target group <app>-<env>-tg, alarms <app>-<env>-5xx and -unhealthy-hosts and service role
// <app>-<env>-codedeploy, as sam-template.yaml makes them.

/** What init can write besides greenlight.yml, which it always writes. */
export const WRITABLE = ['appspec', 'hooks', 'circleci', 'sam', 'example'] as const;
export type Writable = (typeof WRITABLE)[number];

export type RevisionAnswer =
  | { readonly github: string }
  | { readonly s3: { readonly bucket: string; readonly prefix: string } }
  /** Each environment's bucket from sam-template.yaml: <app>-<env>-revisions-<account>-<region>. */
  | { readonly stackBucket: true };

/** blue-green: onto a copy of the fleet, then traffic moves; in-place: onto the instances that serve. */
export const STYLES = ['blue-green', 'in-place'] as const;
export type Style = (typeof STYLES)[number];

export interface InitAnswers {
  readonly application: string;
  readonly style: Style;
  /** In delivery order: the last one is production. */
  readonly environments: readonly string[];
  readonly region: string;
  /** Undefined: the placeholder goes where the account belongs, and greenlight.yml will not load. */
  readonly account?: string;
  /** A name, or a pattern with {app} and {env}. Undefined only in place, when tags find the fleet. */
  readonly autoScalingGroup?: string;
  /** In place: the EC2 tags (values may hold {app} and {env}) every deployed instance carries. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Empty only in place: no load balancer, deployed without traffic control. */
  readonly targetGroups: readonly string[];
  readonly healthPath: string;
  readonly healthPort: number;
  readonly revision: RevisionAnswer;
  readonly runtime: Runtime;
  readonly write: readonly Writable[];
}

export const DEFAULT_ENVIRONMENTS = ['dev', 'prod'] as const;
export const DEFAULT_ASG = '{app}-{env}-asg';
export const DEFAULT_TARGET_GROUP = '{app}-{env}-tg';
export const DEFAULT_HEALTH_PATH = '/healthcheck';
export const DEFAULT_PORT = 8000;
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_STYLE: Style = 'blue-green';
/** The answer that names no Auto Scaling group, target group or tag (in place only). */
export const NONE = 'none';

/**
 * The application names the Linux user, the unit, the directories on the instance and, with
 * sam-template.yaml, every resource (its ApplicationName pattern), so it follows the strictest of them.
 */
const APPLICATION = /^[a-z][a-z0-9-]{0,19}$/;
/** An environment names CircleCI jobs and contexts and every resource; short, so target group names fit 32. */
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,11}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const HEALTH_PATH = /^\/[\w./~-]*$/;

/** A package or directory name made into an application name (`@acme/Web_App` → `web-app`). */
export function applicationNameFrom(name: string | undefined): string {
  const cleaned = (name ?? '')
    .replace(/^@[^/]+\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 20)
    .replace(/-+$/, '');
  return cleaned === '' ? 'app' : cleaned;
}

export function checkApplication(value: string): string {
  if (!APPLICATION.test(value))
    throw new UsageError(
      `application ${JSON.stringify(value)}: lower-case letters, digits and -, starting with a letter, at most 20 (it names the app's Linux user, its unit and directories, and sam-template.yaml's resources)`,
    );
  return value;
}

/** `dev,prod` or several flags: the environments in delivery order, each once. */
export function checkEnvironments(values: readonly string[]): string[] {
  const names = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (names.length === 0)
    throw new UsageError('no environment: name at least one (e.g. --env dev --env prod)');
  for (const name of names) {
    if (!ENVIRONMENT.test(name))
      throw new UsageError(
        `environment ${JSON.stringify(name)}: lower-case letters, digits and -, starting with a letter, at most 12 (it names resources such as <app>-<env>-tg, which may have 32 characters)`,
      );
  }
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) throw new UsageError(`environment ${twice} is named twice`);
  return names;
}

export function checkRegion(value: string): string {
  if (!REGION.test(value))
    throw new UsageError(`region ${JSON.stringify(value)}: expected an AWS region such as us-east-1`);
  return value;
}

export function checkAccount(value: string): string {
  if (!ACCOUNT.test(value))
    throw new UsageError(`account ${JSON.stringify(value)}: expected the 12 digits of an AWS account id`);
  return value;
}

export function checkHealthPath(value: string, runtime: Runtime): string {
  if (!HEALTH_PATH.test(value) || value.split('/').includes('..'))
    throw new UsageError(
      `health path ${JSON.stringify(value)}: expected a path such as /healthcheck (letters, digits, / . _ ~ -)`,
    );
  if (runtime === 'static' && value.endsWith('/'))
    throw new UsageError(
      `health path ${value}: a static site's health check is a file, so the path cannot end with /`,
    );
  return value;
}

export function checkPort(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new UsageError(`port ${value}: expected a port from 1 to 65535`);
  return value;
}

/** A name pattern: with several environments it must say {env}, or two groups would share one ASG. */
export function checkPattern(what: string, value: string, environments: readonly string[]): string {
  if (!/^[\w{}.-]+$/.test(value) || /\{(?!app\}|env\})/.test(value))
    throw new UsageError(
      `${what} ${JSON.stringify(value)}: expected a name, or a pattern with {app} and {env} such as {app}-{env}-asg`,
    );
  if (environments.length > 1 && !value.includes('{env}'))
    throw new UsageError(
      `${what} ${JSON.stringify(value)} names one resource for ${environments.length} environments: use {env} in it (e.g. {app}-{env}-asg)`,
    );
  return value;
}

export function checkStyle(value: string): Style {
  if (!(STYLES as readonly string[]).includes(value))
    throw new UsageError(`style ${JSON.stringify(value)}: expected blue-green or in-place`);
  return value as Style;
}

/** CodeDeploy takes at most 3 tag groups in a tag set, greenlight's inPlace.tags. */
const MAX_TAGS = 3;

/**
 * `Key=Value,Key2=Value2`: the tags every instance of an in-place fleet carries. Values may say
 * {app} and {env}; with several environments one must say {env}, or they would share their instances.
 */
export function checkTags(value: string, environments: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of value.split(',').map((t) => t.trim())) {
    const match = /^([^=]{1,128})=(.{0,256})$/.exec(item);
    if (!match || /\{(?!app\}|env\})/.test(item))
      throw new UsageError(
        `tag ${JSON.stringify(item)}: expected Key=Value, comma-separated, e.g. app={app},env={env}`,
      );
    const key = (match[1] as string).trim();
    if (key in tags) throw new UsageError(`tag ${key} is named twice`);
    tags[key] = (match[2] as string).trim();
  }
  if (Object.keys(tags).length > MAX_TAGS)
    throw new UsageError(
      `tags ${value}: at most ${MAX_TAGS} (CodeDeploy's limit of ${MAX_TAGS} tag groups in a tag set)`,
    );
  if (environments.length > 1 && !Object.values(tags).some((v) => v.includes('{env}')))
    throw new UsageError(
      `tags ${value} find the same instances for ${environments.length} environments: use {env} in a value (e.g. env={env})`,
    );
  return tags;
}

export function checkRuntime(value: string): Runtime {
  if (!(RUNTIMES as readonly string[]).includes(value))
    throw new UsageError(`runtime ${JSON.stringify(value)}: expected one of ${RUNTIMES.join(', ')}`);
  return value as Runtime;
}

/** `appspec,hooks,sam`: what to write besides greenlight.yml. */
export function checkWritable(values: readonly string[]): Writable[] {
  const names = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const unknown = names.filter((n) => !(WRITABLE as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new UsageError(
      `--with ${unknown.join(',')}: expected some of ${WRITABLE.join(', ')} (greenlight.yml is always written)`,
    );
  return WRITABLE.filter((w) => names.includes(w));
}

export function expandName(pattern: string, app: string, env: string): string {
  return pattern.replaceAll('{app}', app).replaceAll('{env}', env);
}

/** The partition of an ARN in this region (arn:aws-cn:… in China, arn:aws-us-gov:… in GovCloud). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Whether the environment is production: the last one delivered to. */
export function isProduction(answers: Pick<InitAnswers, 'environments'>, env: string): boolean {
  return answers.environments.at(-1) === env;
}

/** The environment of greenlight.yml that `answers` describe for `env`, as greenlight.yml spells it. */
export function environmentSpec(answers: InitAnswers, env: string): Record<string, unknown> {
  const app = answers.application;
  const production = isProduction(answers, env);
  const account = answers.account ?? ACCOUNT_PLACEHOLDER;
  const revision =
    'stackBucket' in answers.revision
      ? { s3: { bucket: `${app}-${env}-revisions-${account}-${answers.region}`, prefix: `${app}/` } }
      : answers.revision;
  const targetGroups = answers.targetGroups.map((t) => expandName(t, app, env));
  // sam-template.yaml's alarms watch the load balancer: without one there is nothing for them to see.
  const alarms = targetGroups.length > 0 ? [`${app}-${env}-5xx`, `${app}-${env}-unhealthy-hosts`] : [];
  const asg =
    answers.autoScalingGroup !== undefined ? expandName(answers.autoScalingGroup, app, env) : undefined;
  const fleet =
    answers.style === 'in-place'
      ? {
          style: 'in-place',
          inPlace: {
            ...(asg !== undefined ? { autoScalingGroups: [asg] } : {}),
            ...(answers.tags !== undefined && Object.keys(answers.tags).length > 0
              ? {
                  tags: Object.fromEntries(
                    Object.entries(answers.tags).map(([k, v]) => [k, expandName(v, app, env)]),
                  ),
                }
              : {}),
          },
          ...(targetGroups.length > 0 ? { targetGroups } : {}),
          // In place, the instances that install are out of service: one at a time everywhere, so the
          // rest keep serving and the first failure stops the deployment.
          deploymentConfig: 'CodeDeployDefault.OneAtATime',
        }
      : {
          autoScalingGroup: asg,
          targetGroups,
          // greenlight verifies every instance whatever CodeDeploy says; production also installs one
          // at a time, stopping at the first failure, and waits in Ready while greenlight verifies green.
          deploymentConfig: production ? 'CodeDeployDefault.OneAtATime' : 'CodeDeployDefault.AllAtOnce',
          blueGreen: {
            greenFleet: 'COPY_AUTO_SCALING_GROUP',
            ready: production
              ? { action: 'STOP_DEPLOYMENT', waitMinutes: 60 }
              : { action: 'CONTINUE_DEPLOYMENT' },
            terminateBlue: { action: 'TERMINATE', waitMinutes: production ? 60 : 5 },
          },
          ...(production ? { verifyBeforeTraffic: true } : {}),
        };
  return {
    region: answers.region,
    deploymentGroup: `${app}-${env}`,
    serviceRoleArn: `arn:${partitionOf(answers.region)}:iam::${account}:role/${app}-${env}-codedeploy`,
    ...fleet,
    autoRollback:
      alarms.length > 0 ? ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] : ['DEPLOYMENT_FAILURE'],
    ...(alarms.length > 0 ? { alarms } : {}),
    revision,
    health: { path: answers.healthPath, port: answers.healthPort },
    bake: production ? '30m' : '10m',
    tags: { app, environment: env },
  };
}

/** The comment written above an environment. */
export function environmentComment(answers: InitAnswers, env: string): string {
  const app = answers.application;
  // The template's alarms watch its load balancer: an environment without target groups has neither.
  const lines =
    answers.targetGroups.length > 0
      ? [
          `Written by greenlight init. Names as sam-template.yaml makes them: ${app}-${env}-asg, ${app}-${env}-tg,`,
          `alarms ${app}-${env}-5xx and ${app}-${env}-unhealthy-hosts, service role ${app}-${env}-codedeploy.`,
        ]
      : [
          `Written by greenlight init. The service role is named as sam-template.yaml makes it (${app}-${env}-codedeploy);`,
          'without a load balancer there is no target group and no load-balancer alarm.',
        ];
  if (isProduction(answers, env) && answers.style === 'in-place')
    lines.push(
      `${env} is production (the last environment): installed in place one instance at a time, as every`,
      'environment is, and a 30m bake.',
    );
  else if (isProduction(answers, env))
    lines.push(
      `${env} is production (the last environment): one instance at a time, green verified in Ready before`,
      'traffic moves, blue kept an hour for a rollback, a 30m bake.',
    );
  if (answers.account === undefined)
    lines.push(
      `${ACCOUNT_PLACEHOLDER}: put the environment's AWS account id; greenlight refuses this file until then.`,
    );
  return lines.map((line) => ` ${line}`).join('\n');
}
