import {
  BatchGetDeploymentsCommand,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  paginateListDeployments,
  type CodeDeployClient,
  type DeploymentGroupInfo,
  type DeploymentInfo,
  type DeploymentStatus,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { AwsOperationError, awsCall } from '../aws/errors.js';
import type { Clock } from '../clock.js';
import { formatDuration } from '../config/duration.js';
import type { EnvironmentConfig } from '../config/environment.js';
import { warn, type Logger } from '../log/events.js';
import { readDeploymentGroup } from './group.js';
import { newestRelease } from './release-history.js';
import { TERMINAL_STATUSES, WaitTimeoutError } from './wait.js';

// Creating a deployment safely: never a second deployment of a revision that is already on its way,
// never a collision with another deployment of the group, never an older build over a newer one.

/** CodeDeploy counts these as holding the group's one deployment slot. */
export const ACTIVE_STATUSES: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Ready', 'Baking'];

/** Where the CI run comes from, as recorded in the deployment's description. */
export interface BuildInfo {
  readonly commit?: string;
  readonly buildNumber?: number;
  /** GitHub Actions: the run's attempt (GITHUB_RUN_ATTEMPT), 1 for its first; recorded, not compared. */
  readonly attempt?: number;
  readonly workflowId?: string;
  /**
   * Why there is no build number although this runs in CI: said (a warning) when the build-order
   * check would need it, so the check is never skipped silently.
   */
  readonly buildNumberProblem?: string;
}

/** A CI build number (CircleCI's, GitHub's run number): a positive whole number in decimal digits. */
export function parseBuildNumber(text: string | undefined): number | undefined {
  const trimmed = text?.trim() ?? '';
  if (!/^[1-9]\d*$/.test(trimmed)) return undefined;
  const number = Number(trimmed);
  return Number.isSafeInteger(number) ? number : undefined;
}

/** The CI variable that says this runs in CI (`CI`, else `CIRCLECI`), as `CI=true`; absent outside CI. */
function ciMarker(env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const name of ['CI', 'CIRCLECI']) {
    const value = env[name];
    if (value !== undefined && value !== '' && value.toLowerCase() !== 'false' && value !== '0')
      return `${name}=${value}`;
  }
  return undefined;
}

/**
 * The CI run: CircleCI's job (CIRCLE_BUILD_NUM, which a re-run renews), or on GitHub Actions
 * (GITHUB_ACTIONS=true) the workflow's run (GITHUB_RUN_NUMBER). GitHub keeps a run's number when it
 * is re-run and counts the re-runs in GITHUB_RUN_ATTEMPT instead ("This number does not change if you
 * re-run the workflow run", GitHub's variables reference): so a re-run of the release's own run is the
 * same build, and a re-run of an older run stays older — refused like any older build. The attempt
 * and the run's id (GITHUB_RUN_ID) are recorded beside the number.
 */
export function buildInfoFromEnv(env: Readonly<Record<string, string | undefined>>): BuildInfo {
  const github = env.GITHUB_ACTIONS === 'true';
  const variable = github ? 'GITHUB_RUN_NUMBER' : 'CIRCLE_BUILD_NUM';
  const text = env[variable];
  const number = parseBuildNumber(text);
  const ci = ciMarker(env);
  const problem =
    number !== undefined || ci === undefined
      ? undefined
      : text === undefined || text === ''
        ? `${variable} is not set although ${ci}`
        : `${variable} is ${JSON.stringify(text)}, not a build number`;
  const commit = github ? env.GITHUB_SHA : env.CIRCLE_SHA1;
  const workflowId = github ? env.GITHUB_RUN_ID : env.CIRCLE_WORKFLOW_ID;
  const attempt = github && number !== undefined ? parseBuildNumber(env.GITHUB_RUN_ATTEMPT) : undefined;
  return {
    ...(commit ? { commit } : {}),
    ...(number !== undefined ? { buildNumber: number } : {}),
    ...(attempt !== undefined ? { attempt } : {}),
    ...(workflowId ? { workflowId } : {}),
    ...(problem !== undefined ? { buildNumberProblem: problem } : {}),
  };
}

/** `greenlight revision=<…> build=<n> [attempt=<n>] workflow=<id>`: readable, and parseable here. */
export function describeDeployment(revision: RevisionLocation, build: BuildInfo): string {
  const parts = [`greenlight revision=${revisionLabel(revision)}`];
  if (build.buildNumber !== undefined) parts.push(`build=${build.buildNumber}`);
  if (build.attempt !== undefined) parts.push(`attempt=${build.attempt}`);
  if (build.workflowId) parts.push(`workflow=${build.workflowId}`);
  return parts.join(' ').slice(0, 256);
}

export function parseDescription(description: string | undefined): { buildNumber?: number } {
  const match = /(?:^|\s)build=(\d+)(?:\s|$)/.exec(description ?? '');
  return match?.[1] ? { buildNumber: Number(match[1]) } : {};
}

export function revisionLabel(revision: RevisionLocation | undefined): string {
  if (!revision) return '(none)';
  if (revision.revisionType === 'GitHub') return revision.gitHubLocation?.commitId ?? '?';
  if (revision.revisionType === 'S3') {
    const s3 = revision.s3Location;
    const pin = s3?.version ? `?versionId=${s3.version}` : s3?.eTag ? `#${s3.eTag}` : '';
    return `s3://${s3?.bucket ?? '?'}/${s3?.key ?? '?'}${pin}`;
  }
  return revision.revisionType ?? '?';
}

export function sameRevision(a: RevisionLocation | undefined, b: RevisionLocation | undefined): boolean {
  if (!a || !b || a.revisionType !== b.revisionType) return false;
  if (a.revisionType === 'GitHub') {
    return a.gitHubLocation?.commitId?.toLowerCase() === b.gitHubLocation?.commitId?.toLowerCase();
  }
  if (a.revisionType === 'S3') {
    const x = a.s3Location;
    const y = b.s3Location;
    if (x?.bucket !== y?.bucket || x?.key !== y?.key) return false;
    if (x?.version && y?.version) return x.version === y.version;
    if (x?.eTag && y?.eTag) return x.eTag.replace(/"/g, '') === y.eTag.replace(/"/g, '');
    return true;
  }
  return false;
}

export type BusyMode = 'wait' | 'attach' | 'fail';

export interface StartRequest {
  readonly env: EnvironmentConfig;
  readonly revision: RevisionLocation;
  readonly build: BuildInfo;
  readonly ifBusy: BusyMode;
  readonly force: boolean;
  /**
   * How long `--if-busy wait` waits for the group to be free, in all: a group that takes on another
   * deployment as each one ends (a scale-out loop, another pipeline) does not get a new budget each time.
   */
  readonly busyTimeoutMs: number;
  readonly pollMs: number;
  /** Whether a deployment was verified by greenlight (the last-known-good record); absent: never. */
  readonly isVerified?: (deploymentId: string) => Promise<boolean>;
  /**
   * A rollback to a verified revision: CodeDeploy does not poll the group's alarms for it
   * (`overrideAlarmConfiguration`), since the alarms firing are why it rolls back. CodeDeploy's API
   * reference describes exactly this use: "create a new deployment that uses a previous application
   * revision that is known to work, and set its alarm configuration to turn off alarm polling", so
   * the new deployment "proceeds without being blocked by the alarm that was generated by the
   * previous, failed, deployment". It needs codedeploy:UpdateDeploymentGroup on the group besides
   * CreateDeployment (sam-template.yaml's deploy role has both). greenlight verifies the rollback
   * afterwards, alarms included.
   */
  readonly alarmPollingOff?: boolean;
  readonly signal?: AbortSignal;
}

export type StartOutcome =
  | { readonly kind: 'created'; readonly deploymentId: string }
  | { readonly kind: 'attached'; readonly deploymentId: string; readonly reason: string }
  | { readonly kind: 'already-verified'; readonly deploymentId: string };

/** The deployment cannot be created as asked; says why and what to do. Exit 1: nothing was deployed. */
export class DeploymentRefused extends Error {
  readonly exitCode = 1;
}

export class GroupMissing extends Error {
  readonly exitCode = 2;
}

export interface StartDeps {
  readonly codedeploy: CodeDeployClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Called with the Auto Scaling groups a COPY_AUTO_SCALING_GROUP deployment is about to copy, just
   * before it is created: `followLatestLaunchTemplate` (launch-template.ts, finding H1).
   */
  readonly beforeCopy?: (groupNames: readonly string[]) => Promise<unknown>;
  /**
   * Why the groups a COPY_AUTO_SCALING_GROUP deployment would copy launch something the running
   * fleet does not (a newer launch template version: a new AMI from `sam deploy`), or undefined.
   * A verified revision is then deployed again rather than answered `already-verified`: the fleet
   * must get the new launch template even when the commit is the same.
   */
  readonly fleetBehind?: (groupNames: readonly string[]) => Promise<string | undefined>;
}

const groupNamesOf = (info: DeploymentGroupInfo): string[] =>
  (info.autoScalingGroups ?? []).flatMap((g) => (g.name ? [g.name] : []));

export async function startDeployment(request: StartRequest, deps: StartDeps): Promise<StartOutcome> {
  const { env } = request;
  const group = `${env.application}/${env.deploymentGroup}`;
  const label = revisionLabel(request.revision);
  // What keeps the build-order check from running is said once, however often the loop looks again.
  const said = new Set<string>();
  const warnOnce = (text: string) => {
    if (!said.has(text)) warn(deps.logger, text);
    said.add(text);
  };
  const busySince = deps.clock.now();
  // A DeploymentLimitExceededException after our check means someone else got the slot first; look
  // again, a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    const info = await readGroup(request, deps);
    const active = await activeDeployments(request, deps);
    const same = active.find((d) => sameRevision(d.revision, request.revision));
    if (same?.deploymentId) {
      return {
        kind: 'attached',
        deploymentId: same.deploymentId,
        reason: `${label} is already being deployed`,
      };
    }
    const busy = active[0];
    if (busy?.deploymentId) {
      const other = `${busy.deploymentId} (${revisionLabel(busy.revision)}, ${busy.status ?? '?'})`;
      // Attaching to another revision's deployment would report its outcome as this one's.
      if (request.ifBusy === 'attach') {
        throw new DeploymentRefused(
          `${group} is busy with ${other}, not ${label}: --if-busy attach follows only a deployment of the same revision; deploy ${label} after it with --if-busy wait, or stop it`,
        );
      }
      if (request.ifBusy === 'fail') {
        throw new DeploymentRefused(
          `${group} is busy with ${other}; wait for it (--if-busy wait), or stop it`,
        );
      }
      await waitUntilDone(busy.deploymentId, other, request, deps, busySince);
      continue;
    }

    if (!request.force) await checkBuildOrder(request, deps, warnOnce);
    const latestId = info.lastAttemptedDeployment?.deploymentId;
    const latest = latestId ? await getDeployment(latestId, deps) : undefined;
    if (!request.force) {
      const lastOk = info.lastSuccessfulDeployment?.deploymentId;
      if (lastOk && lastOk === latestId && latest && sameRevision(latest.revision, request.revision)) {
        if (request.isVerified && (await request.isVerified(lastOk))) {
          const behind =
            deps.fleetBehind && env.blueGreen?.greenFleet === 'COPY_AUTO_SCALING_GROUP'
              ? await deps.fleetBehind(groupNamesOf(info))
              : undefined;
          if (behind === undefined) return { kind: 'already-verified', deploymentId: lastOk };
          deps.logger.emit({
            kind: 'message',
            level: 'info',
            text: `${label} is verified in ${lastOk}, but ${behind}: deploying it again, so the fleet launches from it`,
          });
        }
      }
    }

    if (deps.beforeCopy && env.blueGreen?.greenFleet === 'COPY_AUTO_SCALING_GROUP') {
      await deps.beforeCopy(groupNamesOf(info));
    }
    try {
      const out = await deps.codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: env.application,
          deploymentGroupName: env.deploymentGroup,
          revision: request.revision,
          description: describeDeployment(request.revision, request.build),
          fileExistsBehavior: env.fileExistsBehavior,
          ignoreApplicationStopFailures: env.ignoreApplicationStopFailures,
          ...(request.alarmPollingOff && env.alarms.length > 0
            ? { overrideAlarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] } }
            : {}),
          ...(env.blueGreen?.targetInstances
            ? {
                targetInstances: {
                  tagFilters: Object.entries(env.blueGreen.targetInstances.tags).map(([Key, Value]) => ({
                    Key,
                    Value,
                    Type: 'KEY_AND_VALUE' as const,
                  })),
                  autoScalingGroups: [...env.blueGreen.targetInstances.autoScalingGroups],
                },
              }
            : {}),
        }),
      );
      if (!out.deploymentId) throw new Error(`CreateDeployment on ${group} returned no deployment id`);
      return { kind: 'created', deploymentId: out.deploymentId };
    } catch (error) {
      const code = (error as { name?: string }).name;
      if (code === 'DeploymentLimitExceededException' && attempt < 5) {
        deps.logger.emit({
          kind: 'message',
          level: 'info',
          text: `${group} became busy just now; looking again`,
        });
        continue;
      }
      throw new AwsOperationError('CreateDeployment', group, error);
    }
  }
}

/**
 * Never an older build over a newer one: compares this build with the newest deployment of the group
 * a person or pipeline created (not CodeDeploy's automatic scale-out deployments, nor its rollbacks,
 * which carry no build of their own). Whatever keeps the check from running is said, never skipped
 * silently.
 */
async function checkBuildOrder(
  request: StartRequest,
  deps: StartDeps,
  warnOnce: (text: string) => void,
): Promise<void> {
  const { env } = request;
  const group = `${env.application}/${env.deploymentGroup}`;
  const label = revisionLabel(request.revision);
  const ours = request.build.buildNumber;
  if (ours === undefined) {
    if (request.build.buildNumberProblem !== undefined)
      warnOnce(`${request.build.buildNumberProblem}: the build-order check is skipped`);
    return;
  }
  const found = await newestRelease(deps.codedeploy, env, { maxPages: HISTORY_PAGES });
  if (found.kind === 'none') return;
  if (found.kind === 'not-found') {
    warnOnce(
      `no deployment a person or pipeline created among ${group}'s newest ${found.looked} deployments: the build-order check is skipped`,
    );
    return;
  }
  const newest = found.deployment;
  const what = `${newest.deploymentId ?? '?'} (${revisionLabel(newest.revision)})`;
  const theirs = parseDescription(newest.description).buildNumber;
  if (theirs === undefined) {
    warnOnce(
      `${group}'s newest deployment a person or pipeline created, ${what}, records no build number: the build-order check is skipped`,
    );
    return;
  }
  if (theirs > ours && !sameRevision(newest.revision, request.revision)) {
    throw new DeploymentRefused(
      `refusing to deploy build ${ours} (${label}): ${group} last deployed build ${theirs} ` +
        `(${revisionLabel(newest.revision)}, ${newest.deploymentId ?? '?'}); an older build must not replace a newer one — use --force to do it anyway`,
    );
  }
}

/** How many pages of the group's history (newest first) are read looking for a pipeline's deployment. */
export const HISTORY_PAGES = 5;

async function readGroup(request: StartRequest, deps: StartDeps): Promise<DeploymentGroupInfo> {
  const { env } = request;
  const group = `${env.application}/${env.deploymentGroup}`;
  const info = await readDeploymentGroup(deps.codedeploy, env, (cause) => {
    throw new GroupMissing(
      `deployment group ${group} does not exist (${cause.message}); create it with: greenlight group apply --env ${env.name}`,
    );
  });
  if (!info)
    throw new AwsOperationError(
      'GetDeploymentGroup',
      group,
      new Error(`GetDeploymentGroup ${group} returned nothing`),
    );
  return info;
}

/** The ids of the group's deployments that hold its slot (CodeDeploy's list, newest first, every page). */
export async function listActiveDeploymentIds(
  codedeploy: CodeDeployClient,
  group: { readonly application: string; readonly deploymentGroup: string },
): Promise<string[]> {
  const name = `${group.application}/${group.deploymentGroup}`;
  return awsCall('ListDeployments', name, async () => {
    const ids: string[] = [];
    const pages = paginateListDeployments(
      { client: codedeploy },
      {
        applicationName: group.application,
        deploymentGroupName: group.deploymentGroup,
        includeOnlyStatuses: ACTIVE_STATUSES,
      },
    );
    for await (const page of pages) ids.push(...(page.deployments ?? []));
    return ids;
  });
}

/** BatchGetDeployments over any number of ids, 25 a call; `group` names the calls in errors. */
export async function getDeployments(
  codedeploy: CodeDeployClient,
  group: string,
  ids: readonly string[],
): Promise<DeploymentInfo[]> {
  const infos: DeploymentInfo[] = [];
  for (let i = 0; i < ids.length; i += 25) {
    const batch = ids.slice(i, i + 25);
    const out = await awsCall('BatchGetDeployments', group, () =>
      codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: batch })),
    );
    infos.push(...(out.deploymentsInfo ?? []));
  }
  return infos;
}

async function activeDeployments(request: StartRequest, deps: StartDeps): Promise<DeploymentInfo[]> {
  const { env } = request;
  const ids = await listActiveDeploymentIds(deps.codedeploy, env);
  const infos = await getDeployments(deps.codedeploy, `${env.application}/${env.deploymentGroup}`, ids);
  // The list may be stale by a moment: keep only what is still active.
  return infos.filter((d) => !TERMINAL_STATUSES.has(d.status ?? ''));
}

async function getDeployment(id: string, deps: StartDeps): Promise<DeploymentInfo | undefined> {
  const out = await awsCall('GetDeployment', id, () =>
    deps.codedeploy.send(new GetDeploymentCommand({ deploymentId: id })),
  );
  return out.deploymentInfo;
}

async function waitUntilDone(
  id: string,
  what: string,
  request: StartRequest,
  deps: StartDeps,
  busySince: number,
): Promise<void> {
  const until = busySince + request.busyTimeoutMs;
  deps.logger.emit({ kind: 'step', step: `wait for ${what} to finish`, status: 'started' });
  for (;;) {
    const d = await getDeployment(id, deps);
    if (!d || TERMINAL_STATUSES.has(d.status ?? '')) {
      deps.logger.emit({
        kind: 'step',
        step: `wait for ${what} to finish`,
        status: 'done',
        detail: d?.status ?? 'gone',
      });
      return;
    }
    if (deps.clock.now() >= until) {
      const group = `${request.env.application}/${request.env.deploymentGroup}`;
      throw new WaitTimeoutError(
        `${group} has been busy for ${formatDuration(Math.max(0, Math.round(deps.clock.now() - busySince)))}, more than the ${formatDuration(request.busyTimeoutMs)} it may be waited for: ${what} is still ${d.status ?? '?'}; try again later, or stop it`,
      );
    }
    await deps.clock.sleep(request.pollMs, request.signal);
  }
}
