// `rollback --if-release ID`: a CI job rolls back only what it deployed. Its on_fail step runs after
// any failed step — an `npm ci`, an AccessDenied in `group apply` — and without this would redeploy
// the last-known-good over an environment nothing touched, or over another pipeline's release made
// since (issue 17, H2). The job's deploy step names its deployment (deploy --id-file); the rollback
// goes on only while that deployment is still the environment's release.
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { EnvironmentConfig } from '../config/environment.js';
import { UsageError } from '../cli/errors.js';
import { findRelease } from '../verify/release.js';

const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;

export type StillTheRelease = { readonly ok: true } | { readonly ok: false; readonly message: string };

export async function stillTheRelease(
  env: EnvironmentConfig,
  deploymentId: string,
  codedeploy: CodeDeployClient,
): Promise<StillTheRelease> {
  const id = deploymentId.trim();
  if (!DEPLOYMENT_ID.test(id)) {
    throw new UsageError(
      `--if-release ${JSON.stringify(deploymentId)} is not a deployment id (d- and 9 letters or digits)`,
    );
  }
  const group = `${env.application}/${env.deploymentGroup}`;
  const release = await findRelease(codedeploy, env);
  if (release?.deploymentId === id) return { ok: true };
  return {
    ok: false,
    message: release
      ? `${id} is no longer the release of ${group}: ${release.deploymentId} (${release.revision}, created by ${release.creator}) replaced it; not rolling back what another deployment put there`
      : `${group} has no release greenlight could find, so ${id} is not it; nothing to roll back`,
  };
}
