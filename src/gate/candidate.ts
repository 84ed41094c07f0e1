import {
  GetDeploymentCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import type { S3Client } from '@aws-sdk/client-s3';
import { awsCall } from '../aws/errors.js';
import { ACTIVE_STATUSES, GroupMissing } from '../codedeploy/deploy.js';
import { readDeploymentGroup } from '../codedeploy/group.js';
import type { EnvironmentConfig } from '../config/environment.js';
import { readCheckedLastKnownGood, type LastKnownGood } from '../rollback/last-known-good.js';
import { deploymentFact } from '../verify/gather.js';
import { findRelease } from '../verify/release.js';

// Which deployment the gate bakes: the group's release (the newest deployment a person or pipeline
// created), and only when greenlight verified it (the last-known-good record names it, and the
// record passes the checks every reader of it makes: record-check.ts). Baking anything else would
// promote what nobody checked. The bake's looks then judge the environment as it is.

export interface GateCandidate {
  readonly deploymentId: string;
  /** The revision as people read it: a commit, or `s3://bucket/key…`. */
  readonly revision: string;
  readonly revisionLocation?: RevisionLocation;
  /** The commit the environment must serve, when the revision names one. */
  readonly expectedVersion?: string;
  readonly status: string;
  /** The last-known-good record names this deployment and passes its checks. */
  readonly verified: boolean;
  readonly lastKnownGood?: LastKnownGood;
}

/** There is nothing to bake yet: exit 2, with what to do. */
export class NothingToGate extends Error {
  readonly exitCode = 2;
}

/** The last deployment may not be baked (unverified, or still running): exit 1, nothing was promoted. */
export class GateRefused extends Error {
  readonly exitCode = 1;
}

export async function findCandidate(
  env: EnvironmentConfig,
  codedeploy: CodeDeployClient,
  options: {
    readonly force: boolean;
    /** Checks that the last-known-good's S3 bundle still exists; without it an S3 record fails its check. */
    readonly s3?: () => Promise<S3Client>;
    /**
     * The revision this pipeline deployed (`--revision`, CircleCI's $CIRCLE_SHA1): a release of any
     * other is refused, for another pipeline deployed after this one and its gate would bake that.
     */
    readonly revision?: string;
  },
): Promise<GateCandidate> {
  const group = `${env.application}/${env.deploymentGroup}`;
  const info = await readDeploymentGroup(codedeploy, env, () => {
    throw new GroupMissing(
      `deployment group ${group} does not exist, so there is nothing to bake; create it with greenlight group apply --env ${env.name}, then deploy`,
    );
  });
  // The release, not the group's last attempt: a scale-out's automatic deployment or CodeDeploy's own
  // rollback is not what the pipeline promotes (verify/release.ts).
  const release = info?.lastAttemptedDeployment ? await findRelease(codedeploy, env) : undefined;
  const deploymentId = release?.deploymentId;
  if (!deploymentId) {
    throw new NothingToGate(
      `${group} has no deployment yet, so there is nothing to bake; deploy and verify first: greenlight deploy --env ${env.name}`,
    );
  }
  const [deployment, checked] = await Promise.all([
    awsCall('GetDeployment', deploymentId, () => codedeploy.send(new GetDeploymentCommand({ deploymentId }))),
    readCheckedLastKnownGood(env, { codedeploy, ...(options.s3 ? { s3: options.s3 } : {}) }),
  ]);
  const lkg = checked.kind === 'none' ? undefined : checked.record;
  const d: DeploymentInfo = deployment.deploymentInfo ?? { deploymentId };
  const fact = deploymentFact(d);
  const status = fact.status;
  if (options.revision !== undefined && fact.revision !== options.revision) {
    throw new GateRefused(
      `the release of ${group} is ${deploymentId} of ${fact.revision} (${status}), not of ${options.revision}: ` +
        `another deployment replaced it after it was made, so there is nothing of ${options.revision} to bake; ` +
        `the gate of the pipeline that made ${deploymentId} bakes it`,
    );
  }
  if ((ACTIVE_STATUSES as string[]).includes(status)) {
    // Even --force cannot bake a fleet that is still being installed: there is no steady state to watch.
    throw new GateRefused(
      `the release of ${group}, ${deploymentId}, is still ${status}; run the gate once it is done and verified (greenlight wait ${deploymentId}, then greenlight verify --env ${env.name})`,
    );
  }
  const verified = checked.kind === 'checked' && checked.record.deploymentId === deploymentId;
  if (!verified && !options.force) {
    const record =
      checked.kind === 'rejected'
        ? `the last-known-good record names ${checked.record.deploymentId} (${checked.record.revision || 'no revision'}) and fails its check: ${checked.reason}`
        : lkg
          ? `greenlight last verified ${lkg.deploymentId} (${lkg.revision}, ${lkg.verifiedAt})`
          : 'greenlight has verified no deployment of it';
    throw new GateRefused(
      `the release of ${group}, ${deploymentId} (${fact.revision}, ${status}), is not verified: ${record}. ` +
        `Verify it first (greenlight verify --env ${env.name}), or pass --force to bake it anyway`,
    );
  }
  return {
    deploymentId,
    revision: fact.revision,
    ...(d.revision ? { revisionLocation: d.revision } : {}),
    ...(fact.expectedVersion ? { expectedVersion: fact.expectedVersion } : {}),
    status,
    verified,
    ...(checked.kind === 'checked' ? { lastKnownGood: checked.record } : {}),
  };
}
