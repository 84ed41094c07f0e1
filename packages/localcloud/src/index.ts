// The local cloud's public API: everything greenlight (its CLI, demo, `hooks run` and tests) and
// anyone else may use. Nothing outside this package imports the modules behind it; a lint rule in
// the repository's eslint.config.js holds that line.
//
//   import { startLocalCloud, controlClient } from '@greenlight/localcloud';
//   const cloud = await startLocalCloud({ port: 0, world: 'world.yml', timeScale: 60 });
//   // AWS_ENDPOINT_URL=cloud.url: the SDK clients and the AWS CLI talk to it as to AWS.
//   await controlClient(cloud.url).addFault({ scope: 'api', service: 'codedeploy', operation: 'GetDeployment', effect: 'throttle' });
//   await cloud.close();

// --- Running a cloud ------------------------------------------------------------------------------
export {
  startLocalCloud,
  greenlightClock,
  accountIdProblem,
  type AcceleratedClockOption,
  type ClockOption,
  type LocalCloudOptions,
  type RunningLocalCloud,
} from './server.js';
export { runLocalCloud, type RunLocalCloudOptions } from './main.js';
export { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from './cloud.js';
/** Amazon Linux 2023's id in every region of the local cloud (DescribeImages --owners amazon). */
export { DEFAULT_IMAGE_ID } from './ec2/model.js';

// --- Time: scaled wall time, a manual clock a test advances, or accelerated virtual time -------
export {
  virtualTime,
  BUSY_RESOURCES,
  type VirtualClock,
  type VirtualTime,
  type VirtualTimeOptions,
} from './virtual-time.js';
export { createManualScheduler, type ManualScheduler, type ManualSchedulerOptions } from './clock.js';
export {
  createAcceleratedScheduler,
  systemWall,
  type AcceleratedScheduler,
  type AcceleratedSchedulerOptions,
  type ClockAnchors,
  type WallClock,
} from './clock.js';
export type { ClockState, ServedListener, SsmAgentStates } from './control.js';
export type { SsmAgentState } from './ssm/model.js';

// --- What it holds: the world ---------------------------------------------------------------------
export {
  parseWorld,
  parseWorldText,
  loadWorldFile,
  WorldError,
  type World,
  type WorldInput,
} from './world.js';

// --- Steering a running cloud ---------------------------------------------------------------------
export { controlClient, ControlError, type LoadedWorld, type LocalCloudControl } from './control-client.js';
export type { ActionUse, RoleUsage } from './iam/usage.js';
export type { CircleCiTokenRequest, MintedToken } from './sts/circleci-issuer.js';
export type { FaultRule, ApiFaultRule, InstanceFaultRule, StoredFaultRule } from './faults.js';

// --- Instances: sandboxes and the hooks of one instance -------------------------------------------
export { checkConfinement, type ConfinementCheck } from './sandbox/confinement.js';
export {
  runHooksInSandbox,
  eventPlan,
  ConfinementUnavailableError,
  DEFAULT_EVENTS,
  LOCAL_APPLICATION,
  LOCAL_DEPLOYMENT_GROUP,
  type SandboxBundle,
  type HooksRunOptions,
  type HooksRunResult,
  type EventResult,
} from './hooks-run.js';
export type { Diagnostics, LifecycleErrorCode } from './codedeploy/agent.js';
export type { LifecycleEventName } from './codedeploy/lifecycle.js';
/** Where the agent keeps each deployment on an instance: `<root>/<group id>/<deployment id>/…`. */
export { DEPLOYMENT_ROOT } from './agent/real-agent.js';

// --- Inside an instance ---------------------------------------------------------------------------
/** A real instance's sandbox: `exec` runs a command inside it, `hostPath` finds its files from outside. */
export type { SandboxedInstance } from './instance/sandboxed-instance.js';
/** The command line the agent runs a hook script with (`su <runas> -c …` for runas hooks). */
export { scriptCommand } from './agent/script-runner.js';

// --- The agent's reading of appspec.yml -----------------------------------------------------------
/** An appspec as the CodeDeploy agent reads it: its defaults, and its words when it fails a deployment. */
export {
  readAppSpecAsAgent,
  AppSpecRejectedError,
  type AgentAppSpec,
  type AgentScript,
  type AgentPermission,
  type AgentFileMapping,
  type AgentReadOptions,
} from './agent/appspec.js';

// --- The AWS CLI, kept in one process ---------------------------------------------------------------
/** Debian's AWS CLI run through its own entry point in a long-lived Python process: a command in tens of ms. */
export { AwsCliDriver, AWS_CLI, AWS_CLI_COMMAND_DEADLINE_MS, type AwsCliResult } from './aws-cli/driver.js';
