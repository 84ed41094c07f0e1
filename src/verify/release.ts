import {
  BatchGetDeploymentsCommand,
  ListDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { plainRead, type AwsRead } from '../aws/patient-read.js';
import { revisionLabel } from '../codedeploy/deploy.js';

// Which deployment `verify --env` judges: the release, chosen on purpose. The group's
// `lastAttemptedDeployment` is whatever CodeDeploy did last — an automatic deployment to one
// scale-out instance, or its own rollback — and judging that would judge one instance, or the
// rollback, instead of what the pipeline released. The release is the newest deployment a person or
// a pipeline created; automatic deployments count only as the way scale-out instances got its
// revision, which the verifier checks instance by instance.

/** Creators that are CodeDeploy acting on its own, not a release. */
export const AUTOMATIC_CREATORS: ReadonlySet<string> = new Set([
  'autoscaling',
  'autoscalingTermination',
  'codeDeployRollback',
  'CloudFormationRollback',
  'CodeDeployAutoUpdate',
]);

export interface Release {
  readonly deploymentId: string;
  readonly revision: string;
  readonly creator: string;
  /** Why this one: one line for the log. */
  readonly why: string;
}

/** How many deployments (newest first) are looked at before giving up: 10 pages of ListDeployments. */
const MAX_LOOKED_AT = 1_000;

/** The newest release of the group, or undefined when it has none. */
export async function findRelease(
  codedeploy: CodeDeployClient,
  group: { readonly application: string; readonly deploymentGroup: string },
  read: AwsRead = plainRead,
): Promise<Release | undefined> {
  const name = `${group.application}/${group.deploymentGroup}`;
  const skipped: DeploymentInfo[] = [];
  let looked = 0;
  let token: string | undefined;
  do {
    const next = token;
    const page = await read('ListDeployments', name, (abortSignal) =>
      codedeploy.send(
        new ListDeploymentsCommand({
          applicationName: group.application,
          deploymentGroupName: group.deploymentGroup,
          ...(next ? { nextToken: next } : {}),
        }),
        { abortSignal },
      ),
    );
    const ids = page.deployments ?? [];
    for (let i = 0; i < ids.length; i += 25) {
      const batch = ids.slice(i, i + 25);
      const out = await read('BatchGetDeployments', name, (abortSignal) =>
        codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: batch }), { abortSignal }),
      );
      // ListDeployments answers newest first; the batch answer has no order of its own.
      const infos = newestFirst(out.deploymentsInfo ?? []);
      for (const d of infos) {
        if (AUTOMATIC_CREATORS.has(d.creator ?? 'user')) {
          skipped.push(d);
          continue;
        }
        return {
          deploymentId: d.deploymentId ?? '?',
          revision: revisionLabel(d.revision),
          creator: d.creator ?? 'user',
          why: whyThis(d, skipped),
        };
      }
    }
    looked += ids.length;
    token = page.nextToken;
  } while (token && looked < MAX_LOOKED_AT);
  return undefined;
}

function newestFirst(infos: readonly DeploymentInfo[]): DeploymentInfo[] {
  return [...infos].sort((a, b) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0));
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
