import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { S3Client } from '@aws-sdk/client-s3';
import { systemClock } from '../../clock.js';
import { sameRevision } from '../../codedeploy/deploy.js';
import type { EnvironmentConfig } from '../../config/environment.js';
import type { Logger } from '../../log/events.js';
import { readCheckedLastKnownGood, recordLastKnownGood } from '../../rollback/last-known-good.js';
import type { FollowResult } from '../../verify/follow.js';
import { verdictJson } from '../../verify/report-json.js';
import { ExitCode } from '../errors.js';

// What a followed and verified deployment comes to, for `deploy` and `wait` alike: verified (record
// it, exit 0), rolled back by CodeDeploy (exit 5 only when the rollback verified *and* landed on the
// last verified revision), or failed. `undefined`: neither verified nor rolled back — the caller
// decides (deploy may roll back itself).

export interface Settled {
  readonly exitCode: number;
  readonly result: Record<string, unknown>;
}

export interface SettleDeps {
  readonly codedeploy: CodeDeployClient;
  readonly s3: () => Promise<S3Client>;
  readonly logger: Logger;
}

export async function settleFollowed(
  followed: FollowResult,
  env: EnvironmentConfig | undefined,
  result: Record<string, unknown>,
  deps: SettleDeps,
): Promise<Settled | undefined> {
  const { codedeploy, logger } = deps;
  if (followed.verdict?.verified) {
    if (env) result.lastKnownGood = await recordLastKnownGood(codedeploy, env, followed.verdict, systemClock);
    return { exitCode: ExitCode.Ok, result };
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
  result.rollback = {
    deploymentId: followed.rollback.deploymentId,
    status: followed.rollback.status,
    how: 'stopped',
    verified: Boolean(rv?.verified),
    onLastVerifiedRevision: onLastVerified,
    ...(rv ? { verification: verdictJson(rv) } : {}),
  };
  if (rv?.verified && onLastVerified && env) {
    result.lastKnownGood = await recordLastKnownGood(codedeploy, env, rv, systemClock);
    return { exitCode: ExitCode.RolledBack, result };
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
  return { exitCode: ExitCode.Failed, result };
}
