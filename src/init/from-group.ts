import {
  BatchGetDeploymentsCommand,
  GetDeploymentConfigCommand,
  ListDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentGroupInfo,
  type DeploymentInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { awsCall } from '../aws/errors.js';
import { readDeploymentGroup } from '../codedeploy/group.js';
import {
  showEc2Tag,
  showSpecValue,
  tagGroupsOf,
  type Ec2Tag,
  type Ec2TagGroup,
} from '../codedeploy/group-spec.js';
import { readGroupTags } from '../codedeploy/group-tags.js';
import { UsageError } from '../exit-codes.js';

// `greenlight init --from-group APP/GROUP`: a live deployment group read back into the environment of
// greenlight.yml that describes it. What the group holds maps to keys one for one; what it does not
// hold (the revision source, the health check) comes from the group's last deployment or from flags.
// Whether the result describes the group exactly is not decided here but by the same comparison
// `group plan` makes (init.ts), so a setting this mapping misses cannot pass unnoticed.

/** A setting of the group that greenlight.yml cannot say, and what becomes of it. */
export interface UnsupportedSetting {
  readonly setting: string;
  readonly value: string;
  /**
   * `kept`: greenlight never sends it, so `group apply` leaves it as it is (but does not manage it);
   * `changed`: `group apply` would change it — the environment cannot describe this group.
   */
  readonly effect: 'kept' | 'changed';
  readonly why: string;
}

export interface ImportedEnvironment {
  readonly application: string;
  /** The environment's keys, as greenlight.yml spells them. */
  readonly environment: Record<string, unknown>;
  readonly unsupported: readonly UnsupportedSetting[];
  /** Where a value came from when the group itself does not hold it. */
  readonly notes: readonly string[];
}

export interface ImportRequest {
  readonly application: string;
  readonly deploymentGroup: string;
  /** The region the group lives in (written into the environment). */
  readonly region?: string;
  /** `github:owner/repo` or `s3://bucket/prefix`, when the group's last deployment should not decide. */
  readonly revision?: string;
  readonly healthPath?: string;
  readonly healthPort?: number;
}

const DEFAULT_CONFIGS = /^CodeDeployDefault\./;
/** Tags greenlight keeps records in, and AWS's own: not the team's to write into greenlight.yml. */
const RECORD_TAG = /^(greenlight:|aws:)/;

export async function importGroup(
  request: ImportRequest,
  codedeploy: CodeDeployClient,
): Promise<ImportedEnvironment> {
  const { application, deploymentGroup } = request;
  const info = (await readDeploymentGroup(codedeploy, { application, deploymentGroup }, () => {
    throw new UsageError(
      `--from-group ${application}/${deploymentGroup}: CodeDeploy has no deployment group ${deploymentGroup} in application ${application}` +
        (request.region ? ` in ${request.region}` : '') +
        ' (check the names and --region)',
    );
  })) as DeploymentGroupInfo;

  const unsupported: UnsupportedSetting[] = [];
  const notes: string[] = [];
  const environment: Record<string, unknown> = {};
  if (request.region) environment.region = request.region;
  environment.deploymentGroup = deploymentGroup;
  environment.serviceRoleArn = info.serviceRoleArn;

  const style = info.deploymentStyle;
  const inPlace = (style?.deploymentType ?? 'IN_PLACE') === 'IN_PLACE';
  if (inPlace) environment.style = 'in-place';
  else if (style?.deploymentOption !== 'WITH_TRAFFIC_CONTROL') {
    unsupported.push({
      setting: 'deploymentStyle',
      value: `BLUE_GREEN ${style?.deploymentOption ?? 'WITHOUT_TRAFFIC_CONTROL'}`,
      effect: 'changed',
      why: 'a blue/green group on EC2 moves traffic through a load balancer; `group apply` would turn traffic control on',
    });
  }
  if (info.computePlatform && info.computePlatform !== 'Server') {
    unsupported.push({
      setting: 'computePlatform',
      value: info.computePlatform,
      effect: 'changed',
      why: 'greenlight deploys to EC2 (the Server platform)',
    });
  }

  const asgs = (info.autoScalingGroups ?? []).map((g) => g.name ?? '');
  const lastDeployment = await latestDeployment(codedeploy, application, deploymentGroup);
  if (inPlace) environment.inPlace = inPlaceFleet(info, asgs, unsupported);
  const targetGroups = (info.loadBalancerInfo?.targetGroupInfoList ?? []).map((t) => t.name ?? '');
  environment.targetGroups = targetGroups;
  if (!inPlace && targetGroups.length === 0) {
    unsupported.push({
      setting: 'loadBalancerInfo.targetGroupInfoList',
      value: 'none',
      effect: 'changed',
      why: 'greenlight moves traffic through 1 to 10 ELBv2 target groups, and this group names none',
    });
  }
  if (inPlace && style?.deploymentOption === 'WITHOUT_TRAFFIC_CONTROL' && targetGroups.length > 0) {
    unsupported.push({
      setting: 'deploymentStyle.deploymentOption',
      value: `WITHOUT_TRAFFIC_CONTROL, naming ${targetGroups.join(', ')}`,
      effect: 'changed',
      why: 'an in-place environment with target groups deploys with traffic control; `group apply` would turn it on (or drop the target groups from greenlight.yml to go without)',
    });
  }
  if ((info.loadBalancerInfo?.elbInfoList ?? []).length > 0) {
    unsupported.push({
      setting: 'loadBalancerInfo.elbInfoList',
      value: (info.loadBalancerInfo?.elbInfoList ?? []).map((e) => e.name).join(', '),
      effect: 'changed',
      why: 'greenlight moves traffic through ELBv2 target groups; `group apply` would drop the Classic Load Balancers',
    });
  }

  environment.deploymentConfig = await deploymentConfigOf(codedeploy, info.deploymentConfigName, notes);
  if (!inPlace) {
    environment.blueGreen = blueGreenOf(info, asgs, lastDeployment, environment, unsupported, notes);
  }

  const rollback = info.autoRollbackConfiguration;
  environment.autoRollback = rollback?.enabled ? [...(rollback.events ?? [])].sort() : [];
  const alarmConfig = info.alarmConfiguration;
  const alarms = (alarmConfig?.alarms ?? []).map((a) => a.name ?? '');
  environment.alarms = alarmConfig?.enabled ? alarms : [];
  if (!alarmConfig?.enabled && alarms.length > 0) {
    unsupported.push({
      setting: 'alarmConfiguration',
      value: `disabled, listing ${alarms.join(', ')}`,
      effect: 'changed',
      why: 'greenlight.yml lists the alarms it watches; an empty list (off) would clear the listed alarms',
    });
  }
  if (alarmConfig?.ignorePollAlarmFailure) environment.ignorePollAlarmFailure = true;
  environment.outdatedInstancesStrategy = info.outdatedInstancesStrategy ?? 'UPDATE';

  environment.revision = revisionOf(
    request.revision,
    lastDeployment,
    `${application}/${deploymentGroup}`,
    notes,
  );
  environment.health = {
    path: request.healthPath ?? '/healthcheck',
    port: request.healthPort ?? 80,
  };
  if (request.healthPath === undefined || request.healthPort === undefined) {
    notes.push(
      `health: ${request.healthPath === undefined ? 'path /healthcheck' : ''}${request.healthPath === undefined && request.healthPort === undefined ? ' and ' : ''}${request.healthPort === undefined ? 'port 80' : ''} by default — the group does not know where the app answers; check them (--health-path, --health-port)`,
    );
  }

  const tags = await readGroupTags(codedeploy, {
    application,
    deploymentGroup,
    ...(info.serviceRoleArn ? { serviceRoleArn: info.serviceRoleArn } : {}),
  });
  const teamTags = Object.fromEntries([...tags].filter(([key]) => !RECORD_TAG.test(key)).sort());
  if (Object.keys(teamTags).length > 0) environment.tags = teamTags;

  // What greenlight never sends: `group apply` leaves it, but greenlight.yml cannot say it.
  const kept: [string, unknown, string][] = [
    ['triggerConfigurations', info.triggerConfigurations, 'notifications (SNS triggers)'],
    // An in-place group's EC2 tags are its fleet (inPlace.tags, above); a blue/green group's are not
    // greenlight's to manage.
    ...(inPlace
      ? []
      : ([
          ['ec2TagFilters', info.ec2TagFilters, 'instances chosen by EC2 tags'],
          ['ec2TagSet', info.ec2TagSet?.ec2TagSetList, 'instances chosen by EC2 tag sets'],
        ] as [string, unknown, string][])),
    ['onPremisesInstanceTagFilters', info.onPremisesInstanceTagFilters, 'on-premises instances'],
    ['onPremisesTagSet', info.onPremisesTagSet?.onPremisesTagSetList, 'on-premises instances'],
  ];
  for (const [setting, value, what] of kept) {
    if (Array.isArray(value) && value.length > 0) {
      unsupported.push({
        setting,
        value: JSON.stringify(value),
        effect: 'kept',
        why: `greenlight does not manage ${what}; group apply leaves them as they are`,
      });
    }
  }
  if (info.terminationHookEnabled) {
    unsupported.push({
      setting: 'terminationHookEnabled',
      value: 'true',
      effect: 'kept',
      why: 'greenlight does not manage the termination hook; group apply leaves it as it is',
    });
  }
  return { application, environment, unsupported, notes };
}

/**
 * The keys of `blueGreen:`, and the ASG of a group that copies it. A DISCOVER_EXISTING group's green
 * fleet lives in each deployment, so it is read from the last one.
 */
function blueGreenOf(
  info: DeploymentGroupInfo,
  asgs: readonly string[],
  lastDeployment: DeploymentInfo | undefined,
  environment: Record<string, unknown>,
  unsupported: UnsupportedSetting[],
  notes: string[],
): Record<string, unknown> {
  const { applicationName: application, deploymentGroupName: deploymentGroup } = info;
  const bg = info.blueGreenDeploymentConfiguration;
  // CodeDeploy's default for a blue/green group.
  const greenFleet = bg?.greenFleetProvisioningOption?.action ?? 'DISCOVER_EXISTING';
  if (greenFleet === 'COPY_AUTO_SCALING_GROUP' && asgs.length === 1) {
    environment.autoScalingGroup = asgs[0];
    if (asgs[0]?.startsWith(`CodeDeploy_${deploymentGroup}_`)) {
      notes.push(
        `autoScalingGroup ${asgs[0]} is CodeDeploy's copy from an earlier deployment; greenlight follows each new copy, so it stays up to date`,
      );
    }
  } else if (asgs.length > 0 && greenFleet === 'COPY_AUTO_SCALING_GROUP') {
    unsupported.push({
      setting: 'autoScalingGroups',
      value: asgs.join(', '),
      effect: 'changed',
      why: 'a group that copies its Auto Scaling group has exactly one',
    });
  }
  const blueGreen: Record<string, unknown> = { greenFleet };
  if (greenFleet === 'DISCOVER_EXISTING') {
    const target = lastDeployment?.targetInstances;
    const tags = Object.fromEntries(
      (target?.tagFilters ?? []).flatMap((f) => (f.Key && f.Value !== undefined ? [[f.Key, f.Value]] : [])),
    );
    const fromAsgs = target?.autoScalingGroups ?? [];
    if (Object.keys(tags).length === 0 && fromAsgs.length === 0) {
      throw new UsageError(
        `${application}/${deploymentGroup} discovers its green fleet, and which instances it is lives in each deployment, not in the group: ` +
          'it has no deployment to read them from. Write blueGreen.targetInstances ({tags, autoScalingGroups}) by hand',
      );
    }
    blueGreen.targetInstances = { tags, autoScalingGroups: fromAsgs };
    notes.push(`blueGreen.targetInstances: from the group's last deployment ${lastDeployment?.deploymentId}`);
  }
  const ready = bg?.deploymentReadyOption;
  blueGreen.ready =
    ready?.actionOnTimeout === 'STOP_DEPLOYMENT'
      ? { action: 'STOP_DEPLOYMENT', waitMinutes: ready.waitTimeInMinutes ?? 0 }
      : { action: 'CONTINUE_DEPLOYMENT' };
  const terminate = bg?.terminateBlueInstancesOnDeploymentSuccess;
  blueGreen.terminateBlue =
    terminate?.action === 'KEEP_ALIVE'
      ? { action: 'KEEP_ALIVE' }
      : { action: 'TERMINATE', waitMinutes: terminate?.terminationWaitTimeInMinutes ?? 0 };
  return blueGreen;
}

/**
 * `inPlace:` of an in-place group: every ASG it names, and its EC2 tags when they read as greenlight.yml
 * says them — instances carrying every one of a few `Key: Value` tags, i.e. one KEY_AND_VALUE tag per
 * group of a tag set (or a single tag filter). Anything else (tags ORed within a group, KEY_ONLY or
 * VALUE_ONLY, one key twice) is reported as what `group apply` would change, and no tags are written
 * for it.
 */
function inPlaceFleet(
  info: DeploymentGroupInfo,
  asgs: readonly string[],
  unsupported: UnsupportedSetting[],
): Record<string, unknown> {
  const groups = tagGroupsOf(info);
  const fleet: Record<string, unknown> = { autoScalingGroups: [...asgs] };
  if (groups.length === 0) return fleet;
  const problem = tagProblem(groups);
  if (problem === undefined) {
    fleet.tags = Object.fromEntries(groups.map((group) => [group[0]?.key, group[0]?.value]));
    return fleet;
  }
  const filters = (info.ec2TagFilters ?? []).length > 0;
  unsupported.push({
    setting: filters ? 'ec2TagFilters' : 'ec2TagSet',
    value: showSpecValue(groups),
    effect: 'changed',
    why: `${problem}; inPlace.tags are instances carrying all of up to 3 Key: Value tags, so \`group apply\` would replace them`,
  });
  return fleet;
}

function tagProblem(groups: readonly Ec2TagGroup[]): string | undefined {
  if (groups.some((group) => group.length > 1)) return 'an instance needs only one of several tags (ORed)';
  const tags = groups.map((group) => group[0] as Ec2Tag);
  const typed = tags.find((tag) => tag.type !== 'KEY_AND_VALUE');
  if (typed)
    return `${showEc2Tag(typed)} matches a ${typed.type === 'KEY_ONLY' ? 'key with any value' : 'value under any key'}`;
  const keys = tags.map((tag) => tag.key);
  const twice = keys.find((key, i) => keys.indexOf(key) !== i);
  if (twice !== undefined) return `tag ${twice} is asked for with two values`;
  return undefined;
}

async function deploymentConfigOf(
  codedeploy: CodeDeployClient,
  name: string | undefined,
  notes: string[],
): Promise<unknown> {
  const configName = name ?? 'CodeDeployDefault.OneAtATime';
  if (DEFAULT_CONFIGS.test(configName)) return configName;
  const out = await awsCall('GetDeploymentConfig', configName, () =>
    codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: configName })),
  );
  const hosts = out.deploymentConfigInfo?.minimumHealthyHosts;
  if (hosts?.type && hosts.value !== undefined && !out.deploymentConfigInfo?.zonalConfig) {
    // Written whole, so `group apply` makes the same config in an account that lacks it.
    return { name: configName, minimumHealthyHosts: { type: hosts.type, value: hosts.value } };
  }
  notes.push(
    `deploymentConfig ${configName}: named, not described (greenlight.yml cannot describe a zonal config)`,
  );
  return configName;
}

/** The group's most recent deployment (its revision and targets say what the group itself does not). */
async function latestDeployment(
  codedeploy: CodeDeployClient,
  application: string,
  deploymentGroup: string,
): Promise<DeploymentInfo | undefined> {
  const listed = await awsCall('ListDeployments', `${application}/${deploymentGroup}`, () =>
    codedeploy.send(
      new ListDeploymentsCommand({ applicationName: application, deploymentGroupName: deploymentGroup }),
    ),
  );
  // ListDeployments answers newest first; the first page is enough for the newest.
  const ids = (listed.deployments ?? []).slice(0, 25);
  if (ids.length === 0) return undefined;
  const got = await awsCall('BatchGetDeployments', ids.join(', '), () =>
    codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: ids })),
  );
  const infos = got.deploymentsInfo ?? [];
  return infos.sort((a, b) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0))[0];
}

function revisionOf(
  given: string | undefined,
  last: DeploymentInfo | undefined,
  group: string,
  notes: string[],
): unknown {
  if (given !== undefined) return revisionFlag(given);
  const location: RevisionLocation | undefined = last?.revision;
  if (location?.revisionType === 'GitHub' && location.gitHubLocation?.repository) {
    notes.push(
      `revision: from the group's last deployment ${last?.deploymentId} (GitHub ${location.gitHubLocation.repository})`,
    );
    return { github: location.gitHubLocation.repository };
  }
  const s3 = location?.s3Location;
  if (location?.revisionType === 'S3' && s3?.bucket && s3.key) {
    const slash = s3.key.lastIndexOf('/');
    const prefix = slash >= 0 ? s3.key.slice(0, slash + 1) : '';
    const bundleType = s3.bundleType === 'tar' || s3.bundleType === 'tgz' ? s3.bundleType : 'zip';
    notes.push(
      `revision: from the group's last deployment ${last?.deploymentId} (s3://${s3.bucket}/${s3.key})`,
    );
    return { s3: { bucket: s3.bucket, prefix, bundleType } };
  }
  throw new UsageError(
    `${group} has no deployment to say where its revisions come from: pass --revision github:OWNER/REPO or --revision s3://BUCKET/PREFIX`,
  );
}

/** `github:owner/repo` or `s3://bucket/prefix/` as the revision source of greenlight.yml. */
export function revisionFlag(text: string): unknown {
  const github = /^github:([\w.-]+\/[\w.-]+)$/.exec(text);
  if (github) return { github: github[1] };
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (s3) return { s3: { bucket: s3[1], prefix: s3[2] ?? '' } };
  throw new UsageError(
    `--revision ${JSON.stringify(text)}: expected github:OWNER/REPO or s3://BUCKET/PREFIX (e.g. github:example/web, s3://web-revisions/web/)`,
  );
}
