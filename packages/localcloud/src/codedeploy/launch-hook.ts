// The launch lifecycle hook CodeDeploy installs on each Auto Scaling group of a deployment group,
// so that instances the group launches wait in Pending:Wait until CodeDeploy has deployed to them.

import type { AutoScalingPort, LifecycleHookSpec } from '../ports.js';
import type { DeploymentGroupRecord } from './state.js';

export const launchHookPrefix = 'CodeDeploy-managed-automatic-launch-deployment-hook';

export function launchHookSpec(group: DeploymentGroupRecord): LifecycleHookSpec {
  // [I] AWS's hook times out after 600 s and CodeDeploy keeps held instances alive with heartbeats;
  // AutoScalingPort has no heartbeat, so the hook gets the longest timeout Auto Scaling allows.
  return {
    name: group.launchHookName,
    transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
    heartbeatTimeoutSeconds: 7200,
    defaultResult: 'ABANDON',
  };
}

export function installLaunchHook(
  autoscaling: AutoScalingPort,
  asgName: string,
  group: DeploymentGroupRecord,
): void {
  const asg = autoscaling.get(asgName);
  if (asg && !asg.lifecycleHooks.some((h) => h.name === group.launchHookName)) {
    autoscaling.putLifecycleHook(asgName, launchHookSpec(group));
  }
}

/** Removing a hook that is gone already (or from a group that is gone) is not an error here. */
export function removeLaunchHook(
  autoscaling: AutoScalingPort,
  asgName: string,
  group: DeploymentGroupRecord,
): void {
  const asg = autoscaling.get(asgName);
  if (asg?.lifecycleHooks.some((h) => h.name === group.launchHookName)) {
    autoscaling.deleteLifecycleHook(asgName, group.launchHookName);
  }
}
