import {
  BatchGetDeploymentsCommand,
  ListDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { plainRead, type AwsRead } from '../aws/patient-read.js';

// The group's release: the newest deployment a person or a pipeline created. The group's
// `lastAttemptedDeployment` is whatever CodeDeploy did last — an automatic deployment to one scale-out
// instance, or its own rollback — so what was released is read from the history instead: verify
// --env and the gate judge it, and the build-order check compares build numbers with it.

/** Creators that are CodeDeploy acting on its own, not a release. */
export const AUTOMATIC_CREATORS: ReadonlySet<string> = new Set([
  'autoscaling',
  'autoscalingTermination',
  'codeDeployRollback',
  'CloudFormationRollback',
  'CodeDeployAutoUpdate',
]);

export type ReleaseLookup =
  /** `skipped`: CodeDeploy's own deployments newer than the release, newest first. */
  | {
      readonly kind: 'found';
      readonly deployment: DeploymentInfo;
      readonly skipped: readonly DeploymentInfo[];
    }
  /** The group has no deployment a person or pipeline created. */
  | { readonly kind: 'none' }
  /** None among the `looked` newest, and there are older ones not read. */
  | { readonly kind: 'not-found'; readonly looked: number };

/**
 * Reads the group's history newest first (ListDeployments' order, one page at a time, at most
 * `maxPages`) and stops at the first deployment a person or pipeline created.
 */
export async function newestRelease(
  codedeploy: CodeDeployClient,
  group: { readonly application: string; readonly deploymentGroup: string },
  options: { readonly maxPages: number; readonly read?: AwsRead },
): Promise<ReleaseLookup> {
  const read = options.read ?? plainRead;
  const name = `${group.application}/${group.deploymentGroup}`;
  const skipped: DeploymentInfo[] = [];
  let looked = 0;
  // By hand, not paginateListDeployments: it stops at the release and after maxPages, and each page
  // is a read that may be patient (retried on its own); a paginator whose page request throws is
  // finished, and asked again would report no more pages.
  let token: string | undefined;
  for (let page = 0; page < options.maxPages; page++) {
    const next = token;
    const out = await read('ListDeployments', name, (abortSignal) =>
      codedeploy.send(
        new ListDeploymentsCommand({
          applicationName: group.application,
          deploymentGroupName: group.deploymentGroup,
          ...(next ? { nextToken: next } : {}),
        }),
        { abortSignal },
      ),
    );
    const ids = out.deployments ?? [];
    for (let i = 0; i < ids.length; i += 25) {
      const batch = ids.slice(i, i + 25);
      const infos = await read('BatchGetDeployments', name, (abortSignal) =>
        codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: batch }), { abortSignal }),
      );
      // BatchGetDeployments promises no order: the list's order (newest first) decides.
      const byId = new Map((infos.deploymentsInfo ?? []).map((d) => [d.deploymentId, d]));
      for (const id of batch) {
        const info = byId.get(id);
        if (!info) continue;
        if (!AUTOMATIC_CREATORS.has(info.creator ?? 'user'))
          return { kind: 'found', deployment: info, skipped };
        skipped.push(info);
      }
      looked += batch.length;
    }
    token = out.nextToken;
    if (!token) return { kind: 'none' };
  }
  return { kind: 'not-found', looked };
}
