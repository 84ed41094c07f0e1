/** The typed result of loading greenlight.yml, fully defaulted, and how one environment of it is chosen. */
import { ConfigError } from './errors.js';
import { checkOverrides } from './overrides.js';
import type { Overrides } from './overrides.js';
import { closestMatch } from './suggestion.js';

export type MinimumHealthyHostsType = 'HOST_COUNT' | 'FLEET_PERCENT';

export interface MinimumHealthyHosts {
  readonly type: MinimumHealthyHostsType;
  readonly value: number;
}

/**
 * `named`: a config that already exists (one of CodeDeploy's own, or one made outside greenlight);
 * `custom`: one greenlight creates, so the deployment group can use it.
 */
export type DeploymentConfigSpec =
  | { readonly kind: 'named'; readonly name: string }
  | { readonly kind: 'custom'; readonly name: string; readonly minimumHealthyHosts: MinimumHealthyHosts };

export type GreenFleetAction = 'COPY_AUTO_SCALING_GROUP' | 'DISCOVER_EXISTING';

/** Which instances make up the green fleet with DISCOVER_EXISTING (`CreateDeployment.targetInstances`). */
export interface TargetInstances {
  /** EC2 tags, each matched as KEY_AND_VALUE. */
  readonly tags: Readonly<Record<string, string>>;
  readonly autoScalingGroups: readonly string[];
}

export type ReadyOption =
  | { readonly action: 'CONTINUE_DEPLOYMENT' }
  | { readonly action: 'STOP_DEPLOYMENT'; readonly waitMinutes: number };

export type TerminateBlueOption =
  { readonly action: 'TERMINATE'; readonly waitMinutes: number } | { readonly action: 'KEEP_ALIVE' };

export interface BlueGreenOptions {
  readonly greenFleet: GreenFleetAction;
  /** Present exactly when `greenFleet` is DISCOVER_EXISTING. */
  readonly targetInstances?: TargetInstances;
  readonly ready: ReadyOption;
  readonly terminateBlue: TerminateBlueOption;
}

/**
 * How CodeDeploy deploys the environment. `blue-green`: onto a new (green) fleet, then traffic moves
 * to it and the old (blue) one goes. `in-place`: onto the instances that serve, a few at a time as
 * the deployment config allows, each taken out of the load balancer while it installs.
 */
export type DeploymentStyle = 'blue-green' | 'in-place';

/** The fleet of an in-place environment: every instance of these groups, and every one with these tags. */
export interface InPlaceOptions {
  /** The deployment group's Auto Scaling groups; each instance they launch is deployed to. */
  readonly autoScalingGroups: readonly string[];
  /** EC2 instances carrying every one of these tags (each its own tag group, so they are ANDed). */
  readonly tags: Readonly<Record<string, string>>;
}

export type AutoRollbackEvent =
  'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST';

export type BundleType = 'zip' | 'tar' | 'tgz';

export type RevisionSource =
  | { readonly kind: 'github'; readonly repository: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly prefix: string;
      readonly bundleType: BundleType;
    };

export interface HealthCheck {
  /** Path each instance answers on, e.g. `/healthcheck`. */
  readonly path: string;
  /** Port the app listens on, on each instance's private address. */
  readonly port: number;
  /** A public URL (usually through the load balancer), for when instances are not reachable from CI. */
  readonly url?: string;
  /** Whether the `version` the endpoint reports must be the deployed commit. */
  readonly expectVersion: boolean;
}

export interface CapacityRange {
  readonly min: number;
  readonly max: number;
}

export type OutdatedInstancesStrategy = 'UPDATE' | 'IGNORE';

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN';

export interface EnvironmentConfig {
  /** The environment's key under `environments:` (`dev`, `prod` …). */
  readonly name: string;
  /** CodeDeploy application. */
  readonly application: string;
  /** Absent: the AWS SDK's own resolution (AWS_REGION, the profile) decides. */
  readonly region?: string;
  readonly deploymentGroup: string;
  readonly serviceRoleArn: string;
  readonly style: DeploymentStyle;
  /**
   * Blue/green only: the group's first ASG; after COPY_AUTO_SCALING_GROUP deployments CodeDeploy's
   * copy takes over. An in-place environment names its groups in `inPlace.autoScalingGroups`.
   */
  readonly autoScalingGroup?: string;
  /** Blue/green: 1 to 10. In-place: 0 (no load balancer: WITHOUT_TRAFFIC_CONTROL) to 10. */
  readonly targetGroups: readonly string[];
  readonly deploymentConfig: DeploymentConfigSpec;
  /** Present exactly when `style` is `blue-green`. */
  readonly blueGreen?: BlueGreenOptions;
  /** Present exactly when `style` is `in-place`. */
  readonly inPlace?: InPlaceOptions;
  /** Empty: automatic rollback disabled. */
  readonly autoRollback: readonly AutoRollbackEvent[];
  /** CloudWatch alarms of the deployment group (at most 10). */
  readonly alarms: readonly string[];
  readonly ignorePollAlarmFailure: boolean;
  /** The promotion gate: what it watches in addition to the group's alarms, and how it reads them. */
  readonly gate: {
    readonly alarms: readonly string[];
    /** Whether an alarm in INSUFFICIENT_DATA at any moment of the bake fails it (`fail`, the default). */
    readonly insufficientData: 'fail' | 'pass';
  };
  readonly revision: RevisionSource;
  readonly health: HealthCheck;
  readonly bakeMs: number;
  /** When set, the green fleet's size must fall in this range. */
  readonly expectedCapacity?: CapacityRange;
  readonly outdatedInstancesStrategy: OutdatedInstancesStrategy;
  readonly tags: Readonly<Record<string, string>>;
  /** Verify the green fleet while the deployment waits in Ready, before any traffic moves. */
  readonly verifyBeforeTraffic: boolean;
  readonly timeouts: {
    /** Overrides the wait deadline greenlight derives from the group's timeouts. */
    readonly waitMs?: number;
  };
  readonly fileExistsBehavior: FileExistsBehavior;
  readonly ignoreApplicationStopFailures: boolean;
  /**
   * `suspendProcesses`: greenlight suspends the Auto Scaling processes CodeDeploy's guide names
   * (AZRebalance, AlarmNotification, ScheduledActions, ReplaceUnhealthy) on the group CodeDeploy
   * copies for the deployment, and resumes them afterwards (src/preflight/auto-scaling.ts).
   */
  readonly autoScaling?: { readonly suspendProcesses: boolean };
  /** What greenlight fetches from a failed instance, beyond CodeDeploy's 2,048-character log tail. */
  readonly diagnostics: Diagnostics;
}

export interface Diagnostics {
  /** Read a failed instance's whole scripts.log through SSM Run Command (AWS-RunShellScript). */
  readonly fetchLogs: boolean;
  /** At most this many of its last lines, and of its last bytes, read on the instance. */
  readonly maxLines: number;
  readonly maxBytes: number;
  /** How long to wait for the instance's answer. */
  readonly timeoutMs: number;
}

export interface Config {
  /** The file it was loaded from, for messages. */
  readonly file: string;
  readonly application: string;
  /** Each environment with `defaults:` merged in and validated; overrides are applied by `resolveEnvironment`. */
  readonly environments: ReadonlyMap<string, EnvironmentConfig>;
}

/**
 * The environment `name` of `config`, with overrides applied (see `Overrides` for the precedence).
 * An unknown name is a ConfigError that lists the known ones.
 */
export function resolveEnvironment(
  config: Config,
  name: string,
  overrides: Overrides = {},
): EnvironmentConfig {
  const environment = config.environments.get(name);
  if (environment === undefined) {
    const known = [...config.environments.keys()];
    const likely = likelyEnvironment(name, known);
    const hint = likely === undefined ? '' : ` (did you mean ${JSON.stringify(likely)}?)`;
    throw new ConfigError(
      `unknown environment ${JSON.stringify(name)} in ${config.file}${hint}; ` +
        `it defines ${known.length === 0 ? 'none' : known.join(', ')}`,
      { file: config.file, path: `environments.${name}` },
    );
  }
  const checked = checkOverrides(overrides);
  const deploymentConfig =
    checked.deploymentConfig === undefined || checked.deploymentConfig === environment.deploymentConfig.name
      ? environment.deploymentConfig
      : { kind: 'named' as const, name: checked.deploymentConfig };
  return {
    ...environment,
    ...(checked.region !== undefined && { region: checked.region }),
    ...(checked.deploymentGroup !== undefined && { deploymentGroup: checked.deploymentGroup }),
    deploymentConfig,
    ...(checked.bakeMs !== undefined && { bakeMs: checked.bakeMs }),
    health:
      checked.healthUrl === undefined
        ? environment.health
        : { ...environment.health, url: checked.healthUrl },
    timeouts: checked.waitTimeoutMs === undefined ? environment.timeouts : { waitMs: checked.waitTimeoutMs },
  };
}

/**
 * The environment a mistyped name most likely means: a typo of one (`dve`), or a longer or shorter
 * spelling of one (`production` for `prod`, `develop` for `dev`, `stag` for `staging`).
 */
export function likelyEnvironment(name: string, known: readonly string[]): string | undefined {
  const typo = closestMatch(name, known);
  if (typo !== undefined) return typo;
  const lower = name.toLowerCase();
  const spelled = known.filter((k) => {
    const candidate = k.toLowerCase();
    const [short, long] = candidate.length <= lower.length ? [candidate, lower] : [lower, candidate];
    return short.length >= 3 && long.startsWith(short);
  });
  return spelled.length === 1 ? spelled[0] : undefined;
}
