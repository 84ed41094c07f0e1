import type { CodeDeployClient, DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { plainRead, type AwsRead } from '../aws/patient-read.js';
import { revisionLabel } from '../codedeploy/deploy.js';
import { newestRelease } from '../codedeploy/release-history.js';

// Which deployment `verify --env` and the gate judge: the environment's release, chosen on purpose
// (codedeploy/release-history.ts), and said why. Automatic deployments count only as the way
// scale-out instances got its revision, which the verifier checks instance by instance.

export interface Release {
  readonly deploymentId: string;
  readonly revision: string;
  readonly creator: string;
  /** Why this one: one line for the log. */
  readonly why: string;
}

/** How much of the history is read before giving up: 10 pages of ListDeployments (1,000 deployments). */
const MAX_PAGES = 10;

/** The newest release of the group, or undefined when it has none among the history read. */
export async function findRelease(
  codedeploy: CodeDeployClient,
  group: { readonly application: string; readonly deploymentGroup: string },
  read: AwsRead = plainRead,
): Promise<Release | undefined> {
  const found = await newestRelease(codedeploy, group, { maxPages: MAX_PAGES, read });
  if (found.kind !== 'found') return undefined;
  const d = found.deployment;
  return {
    deploymentId: d.deploymentId ?? '?',
    revision: revisionLabel(d.revision),
    creator: d.creator ?? 'user',
    why: whyThis(d, found.skipped),
  };
}

function whyThis(d: DeploymentInfo, skipped: readonly DeploymentInfo[]): string {
  const what = `${d.deploymentId ?? '?'} (${revisionLabel(d.revision)}, created by ${d.creator ?? 'user'}${
    d.createTime ? ` at ${d.createTime.toISOString()}` : ''
  }, ${d.status ?? '?'})`;
  if (skipped.length === 0) return `judging ${what}: the group's newest deployment`;
  const later = skipped
    .slice(0, 3)
    .map((s) => `${s.deploymentId ?? '?'} by ${s.creator ?? '?'}`)
    .join(', ');
  return `judging ${what}: the newest deployment a person or pipeline created; the ${skipped.length} newer one${
    skipped.length === 1 ? ' is' : 's are'
  } CodeDeploy's own (${later}${skipped.length > 3 ? ', …' : ''}) and count only for the instances they installed`;
}
