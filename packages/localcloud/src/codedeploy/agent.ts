// What CodeDeploy asks of the agent on an instance. The synthetic agent (this issue) simulates
// durations; the real agent (a later issue) runs the revision's hooks in a sandbox. Both answer the
// same way the real CodeDeploy agent reports to the service: a status and one diagnostic.

import type { Ec2Instance, InstanceFault } from '../ports.js';
import type { LifecycleEventName } from './lifecycle.js';

export interface S3Revision {
  readonly revisionType: 'S3';
  readonly s3Location: { bucket: string; key: string; bundleType?: string; version?: string; eTag?: string };
}
export interface GitHubRevision {
  readonly revisionType: 'GitHub';
  readonly gitHubLocation: { repository: string; commitId: string };
}
export type Revision = S3Revision | GitHubRevision;

export type LifecycleErrorCode =
  'Success' | 'ScriptMissing' | 'ScriptNotExecutable' | 'ScriptTimedOut' | 'ScriptFailed' | 'UnknownError';

export interface Diagnostics {
  readonly errorCode: LifecycleErrorCode;
  /** The hook's `location`, or '' when the failure is not in a script. */
  readonly scriptName: string;
  readonly message: string;
  /** At most 2,048 characters, whole lines. */
  readonly logTail: string;
}

export interface AgentEventResult {
  readonly status: 'Succeeded' | 'Failed';
  readonly diagnostics: Diagnostics;
}

export interface AgentDeployment {
  readonly deploymentId: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly deploymentGroupId: string;
  readonly creator: string;
  readonly deploymentType: 'IN_PLACE' | 'BLUE_GREEN';
  readonly revision: Revision;
  /** The group's last successful revision before this deployment (ApplicationStop and block-traffic scripts run from it). */
  readonly lastSuccessfulRevision?: Revision;
  /** For a rollback: the revision of the deployment being rolled back (block-traffic scripts of a blue/green rollback run from it). */
  readonly mostRecentRevision?: Revision;
  readonly ignoreApplicationStopFailures: boolean;
  readonly fileExistsBehavior: 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
}

export interface AgentEventRequest {
  readonly instance: Ec2Instance;
  readonly deployment: AgentDeployment;
  readonly event: LifecycleEventName;
  readonly fleet: 'green' | 'blue' | 'in-place';
  /** Position of the instance in its fleet, in launch order. */
  readonly index: number;
  /** The revision that last ran on this instance for this deployment group, if any. */
  readonly lastRevisionOnInstance?: Revision;
  /** A `fail` or `timeout` fault rule the agent must act out (the script fails, or runs past its timeout). */
  readonly fault?: InstanceFault;
}

export interface Agent {
  /**
   * Runs one lifecycle event. Aborting `signal` cancels it (the real agent kills the script's
   * process group); the promise's outcome is then ignored.
   */
  runEvent(request: AgentEventRequest, signal: AbortSignal): Promise<AgentEventResult>;
}

/** The default per-script timeout and the service's own limit for one lifecycle event, in seconds. */
export const eventTimeoutSeconds = 3600;

export const succeeded: Diagnostics = {
  errorCode: 'Success',
  scriptName: '',
  message: 'Succeeded',
  logTail: '',
};

/** The message the service shows when an event never reached the agent (agent stopped, instance gone). */
export const agentUnreachableMessage =
  'CodeDeploy agent was not able to receive the lifecycle event. Check the CodeDeploy agent logs on your host and make sure the agent is running and can connect to the CodeDeploy server.';
