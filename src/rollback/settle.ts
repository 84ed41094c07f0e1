import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../clock.js';
import { sameRevision } from '../codedeploy/deploy.js';
import type { EnvironmentConfig } from '../config/environment.js';
import { ExitCode } from '../exit-codes.js';
import type { Logger } from '../log/events.js';
import type { FollowResult } from '../verify/follow.js';
import { verdictJson, type VerifyReport } from '../verify/report-json.js';
import { readCheckedLastKnownGood, recordLastKnownGood, type LastKnownGood } from './last-known-good.js';

// What a followed and verified deployment comes to, for `deploy` and `wait` alike: verified (record
// it, exit 0), rolled back by CodeDeploy (exit 5 only when the rollback verified *and* landed on the
// last verified revision), or failed. `undefined`: neither verified nor rolled back — the caller
// decides (deploy may roll back itself).

/** CodeDeploy's rollback of a followed deployment, as the result documents show it. */
export interface CodeDeployRollback {
  readonly deploymentId: string;
  readonly status: string;
  readonly how: 'stopped';
  readonly verified: boolean;
  /** The rollback landed on the last-known-good's revision. */
  readonly onLastVerifiedRevision: boolean;
  readonly verification?: VerifyReport;
}

export interface Settled {
  readonly exitCode: number;
  readonly rollback?: CodeDeployRollback;
  readonly lastKnownGood?: LastKnownGood;
}

export interface SettleDeps {
  readonly codedeploy: CodeDeployClient;
  readonly s3: () => Promise<S3Client>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export async function settleFollowed(
  followed: FollowResult,
  env: EnvironmentConfig | undefined,
  deps: SettleDeps,
): Promise<Settled | undefined> {
  const { codedeploy, logger, clock } = deps;
  if (followed.verdict?.verified) {
    return {
      exitCode: ExitCode.Ok,
      ...(env ? { lastKnownGood: await recordLastKnownGood(codedeploy, env, followed.verdict, clock) } : {}),
    };
  }
  if (!followed.rollback) return undefined;
  // CodeDeploy rolled it back (on failure, or greenlight stopped it). CodeDeploy's rollback goes to
  // the group's last *successful* revision, which greenlight may never have verified: exit 5 only
  // when the rollback verified and is the last-known-good's revision.
  const rv = followed.rollback.verdict;
  const lkg = env ? await readCheckedLastKnownGood(env, { codedeploy, s3: deps.s3 }) : undefined;
  const lastVerified = lkg?.kind === 'checked' ? lkg.revision : undefined;
  const onLastVerified = Boolean(
    lastVerified && followed.rollback.revision && sameRevision(followed.rollback.revision, lastVerified),
  );
  const rollback: CodeDeployRollback = {
    deploymentId: followed.rollback.deploymentId,
    status: followed.rollback.status,
    how: 'stopped',
    verified: Boolean(rv?.verified),
    onLastVerifiedRevision: onLastVerified,
    ...(rv ? { verification: verdictJson(rv) } : {}),
  };
  if (rv?.verified && onLastVerified && env) {
    const lastKnownGood = await recordLastKnownGood(codedeploy, env, rv, clock);
    return { exitCode: ExitCode.RolledBack, rollback, lastKnownGood };
  }
  if (rv?.verified) {
    const where =
      lkg?.kind === 'checked'
        ? `not the last verified revision (${lkg.record.revision} in ${lkg.record.deploymentId})`
        : lkg?.kind === 'rejected'
          ? `and the last-known-good record cannot be trusted (${lkg.reason})`
          : 'and greenlight has no last verified revision of this group to compare with';
    logger.emit({
      kind: 'message',
      level: 'error',
      text: `CodeDeploy rolled back to ${rv.revision} in ${followed.rollback.deploymentId}, which verifies now but is ${where}; not a rollback to a verified revision${
        env ? ` (greenlight rollback --env ${env.name} goes back to it)` : ''
      }`,
    });
  }
  return { exitCode: ExitCode.Failed, rollback };
}
