import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { InstanceFailure } from '../codedeploy/wait.js';
import { readDeploymentGroup } from '../codedeploy/group.js';
import type { EnvironmentConfig } from '../config/environment.js';
import type { Deps } from '../deps.js';
import { fetchScriptsLog, scriptsLogPath, type ScriptsLog } from './scripts-log.js';

// What greenlight does for a failed instance when the environment's diagnostics ask for it: read its
// whole scripts.log through SSM Run Command (scripts-log.ts), say it in the CI log the moment it is
// read — one clear line when it cannot be — and carry it in the result (InstanceFailure.scriptsLog).
// The SSM client is built only when an instance has failed; the deployment group's id (the
// directory the agent keeps the deployment in) is read once per wait.

export type Diagnose = (failure: InstanceFailure) => Promise<InstanceFailure>;

/** The wait's `diagnose` for this environment, or undefined when its diagnostics fetch nothing. */
export function failedInstanceDiagnosis(
  env: EnvironmentConfig,
  deps: Deps & { readonly signal?: AbortSignal },
): Diagnose | undefined {
  const { diagnostics } = env;
  if (!diagnostics.fetchLogs) return undefined;
  let groupId: Promise<string> | undefined;
  const readGroupId = async (): Promise<string> => {
    const group = await readDeploymentGroup(await deps.aws.codedeploy(), env, () => undefined);
    if (!group?.deploymentGroupId)
      throw new Error(`deployment group ${env.application}/${env.deploymentGroup} does not exist`);
    return group.deploymentGroupId;
  };
  return async (failure) => {
    let scriptsLog: ScriptsLog;
    try {
      groupId ??= readGroupId();
      scriptsLog = await fetchScriptsLog(
        {
          instanceId: failure.instanceId,
          deploymentId: failure.deploymentId,
          deploymentGroupId: await groupId,
          maxLines: diagnostics.maxLines,
          maxBytes: diagnostics.maxBytes,
          timeoutMs: diagnostics.timeoutMs,
        },
        {
          ssm: await deps.aws.ssm(),
          clock: deps.clock,
          ...(deps.signal ? { signal: deps.signal } : {}),
          instanceState: async (instanceId) => {
            const ec2 = await deps.aws.ec2();
            const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
            return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
          },
        },
      );
    } catch (error) {
      scriptsLog = {
        status: 'failed',
        source: 'ssm-run-command',
        path: scriptsLogPath('<group id>', failure.deploymentId),
        reason: (error as Error).message,
      };
    }
    deps.logger.emit({
      kind: 'instance-log',
      deploymentId: failure.deploymentId,
      instanceId: failure.instanceId,
      status: scriptsLog.status,
      path: scriptsLog.path,
      ...(scriptsLog.text !== undefined ? { text: scriptsLog.text } : {}),
      ...(scriptsLog.bytes !== undefined ? { bytes: scriptsLog.bytes } : {}),
      ...(scriptsLog.whole !== undefined ? { whole: scriptsLog.whole } : {}),
      ...(scriptsLog.reason !== undefined ? { reason: scriptsLog.reason } : {}),
    });
    return { ...failure, scriptsLog };
  };
}
