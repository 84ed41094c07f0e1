import {
  BatchGetDeploymentTargetsCommand,
  ListDeploymentTargetsCommand,
  type CodeDeployClient,
  type InstanceTarget,
  type TargetStatus,
} from '@aws-sdk/client-codedeploy';
import { plainRead, type AwsRead } from '../aws/patient-read.js';

/** BatchGetDeploymentTargets takes at most 25 ids. */
export const TARGET_BATCH = 25;
/** Batches in flight at once: enough to hide latency, few enough not to be throttled. */
const IN_FLIGHT = 4;

export async function listTargetIds(
  codedeploy: CodeDeployClient,
  deploymentId: string,
  filter?: { status?: TargetStatus[]; label?: ('Blue' | 'Green')[] },
  read: AwsRead = plainRead,
): Promise<string[]> {
  const targetFilters: Record<string, string[]> = {};
  if (filter?.status) targetFilters.TargetStatus = filter.status;
  if (filter?.label) targetFilters.ServerInstanceLabel = filter.label;
  const ids: string[] = [];
  // The SDK has no paginator for ListDeploymentTargets (and each page is a read that may be patient).
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await read('ListDeploymentTargets', deploymentId, (abortSignal) =>
      codedeploy.send(
        new ListDeploymentTargetsCommand({
          deploymentId,
          ...(Object.keys(targetFilters).length > 0 ? { targetFilters } : {}),
          ...(token ? { nextToken: token } : {}),
        }),
        { abortSignal },
      ),
    );
    ids.push(...(page.targetIds ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

/** The instance targets with their lifecycle events, fetched in batches of 25, a few at a time. */
export async function getInstanceTargets(
  codedeploy: CodeDeployClient,
  deploymentId: string,
  targetIds: readonly string[],
  read: AwsRead = plainRead,
): Promise<InstanceTarget[]> {
  const batches: string[][] = [];
  for (let i = 0; i < targetIds.length; i += TARGET_BATCH) batches.push(targetIds.slice(i, i + TARGET_BATCH));
  const results: InstanceTarget[][] = new Array<InstanceTarget[]>(batches.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const index = next++;
      const ids = batches[index] ?? [];
      const out = await read(
        'BatchGetDeploymentTargets',
        `${deploymentId} (${ids.length} targets)`,
        (abortSignal) =>
          codedeploy.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ids }), {
            abortSignal,
          }),
      );
      results[index] = (out.deploymentTargets ?? []).flatMap((t) =>
        t.instanceTarget ? [t.instanceTarget] : [],
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, batches.length) }, worker));
  return results.flat();
}
