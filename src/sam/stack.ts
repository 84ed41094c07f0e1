import type { EnvironmentConfig } from '../config/environment.js';
import type { SamDeployOptions } from './arguments.js';
import { SamInputError } from './errors.js';

// One stack of sam-template.yaml per greenlight.yml environment. The template names its resources
// from the application and the environment; greenlight.yml names the same resources by hand. A
// mismatch would deploy infrastructure greenlight then cannot find, so it is caught before sam runs.

/** The names sam-template.yaml gives the resources of one environment. */
export interface StackNames {
  readonly stackName: string;
  readonly deploymentGroup: string;
  readonly autoScalingGroup: string;
  readonly targetGroup: string;
  readonly alarms: readonly string[];
  readonly serviceRole: string;
}

export function stackNames(application: string, environment: string): StackNames {
  const prefix = `${application}-${environment}`;
  return {
    stackName: prefix,
    deploymentGroup: prefix,
    autoScalingGroup: `${prefix}-asg`,
    targetGroup: `${prefix}-tg`,
    alarms: [`${prefix}-5xx`, `${prefix}-unhealthy-hosts`],
    serviceRole: `${prefix}-codedeploy`,
  };
}

/**
 * `--parameter Key=Value` pairs as the template's parameters. CI passes an unset variable as an
 * empty value (`CertificateArn=`): that is a value, the empty one.
 */
export function parseStackParameters(pairs: readonly string[]): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new SamInputError(`--parameter ${JSON.stringify(pair)}: expected Key=Value`);
    const key = pair.slice(0, equals);
    if (key in parameters) throw new SamInputError(`--parameter ${key} given twice`);
    parameters[key] = pair.slice(equals + 1);
  }
  return parameters;
}

/** Parameters the stack takes from greenlight.yml itself; the command line may not set them. */
const FROM_CONFIG = ['ApplicationName', 'Environment'];

export interface EnvironmentStackInput {
  readonly environment: EnvironmentConfig;
  readonly templateFile: string;
  /** The template's other parameters (VPC, subnets, AMI, CircleCI ids …). */
  readonly parameters?: Readonly<Record<string, string>>;
  readonly roleArn?: string;
  readonly s3Bucket?: string;
  readonly noExecuteChangeset?: boolean;
}

export interface EnvironmentStack {
  readonly options: SamDeployOptions;
  /** Things that will not stop the deploy but that someone should fix. */
  readonly warnings: readonly string[];
}

/** The sam deploy of one environment's stack; SamInputError when greenlight.yml and the template disagree. */
export function environmentStack(input: EnvironmentStackInput): EnvironmentStack {
  const { environment } = input;
  const names = stackNames(environment.application, environment.name);
  const where = `greenlight.yml environments.${environment.name}`;
  const mismatches: string[] = [];
  if (environment.deploymentGroup !== names.deploymentGroup) {
    mismatches.push(
      `deploymentGroup is ${environment.deploymentGroup}, but the deploy role may only use ${names.deploymentGroup}`,
    );
  }
  if (environment.autoScalingGroup !== undefined && environment.autoScalingGroup !== names.autoScalingGroup) {
    mismatches.push(
      `autoScalingGroup is ${environment.autoScalingGroup}, but the template creates ${names.autoScalingGroup}`,
    );
  }
  if (environment.targetGroups.length !== 1 || environment.targetGroups[0] !== names.targetGroup) {
    mismatches.push(
      `targetGroups is [${environment.targetGroups.join(', ')}], but the template creates [${names.targetGroup}]`,
    );
  }
  if (mismatches.length > 0) {
    throw new SamInputError(`${where} does not match sam-template.yaml:\n  ${mismatches.join('\n  ')}`);
  }

  for (const key of Object.keys(input.parameters ?? {})) {
    if (FROM_CONFIG.includes(key)) {
      throw new SamInputError(
        `parameter ${key} comes from greenlight.yml (application and --env); do not pass it`,
      );
    }
  }

  const warnings: string[] = [];
  if (!environment.serviceRoleArn.endsWith(`:role/${names.serviceRole}`)) {
    warnings.push(
      `${where}.serviceRoleArn is ${environment.serviceRoleArn}; the stack's CodeDeploy role is ${names.serviceRole}`,
    );
  }
  const made = new Set(names.alarms);
  for (const alarm of [...environment.alarms, ...environment.gate.alarms]) {
    if (!made.has(alarm)) warnings.push(`${where}: alarm ${alarm} is not one the stack creates`);
  }

  return {
    options: {
      stackName: names.stackName,
      templateFile: input.templateFile,
      parameterOverrides: {
        ApplicationName: environment.application,
        Environment: environment.name,
        ...input.parameters,
      },
      // Named roles (<app>-<env>-codedeploy …) and the SAM transform.
      capabilities: ['CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      ...(environment.region !== undefined && { region: environment.region }),
      tags: { ...environment.tags },
      noFailOnEmptyChangeset: true,
      ...(input.roleArn !== undefined && { roleArn: input.roleArn }),
      ...(input.s3Bucket !== undefined && { s3Bucket: input.s3Bucket }),
      ...(input.noExecuteChangeset !== undefined && { noExecuteChangeset: input.noExecuteChangeset }),
    },
    warnings,
  };
}
