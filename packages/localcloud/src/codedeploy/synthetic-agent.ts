// An agent without processes: each event takes a simulated number of AWS seconds (with a little
// jitter), so fleets of a thousand instances deploy in moments at a large time scale. It acts out
// `fail` and `timeout` fault rules with the diagnostics the real agent would send.

import type { S3Port, Scheduler } from '../ports.js';
import type { Agent, AgentEventRequest, AgentEventResult, Diagnostics } from './agent.js';
import { eventTimeoutSeconds, succeeded } from './agent.js';
import type { LifecycleEventName } from './lifecycle.js';
import { reservedEvents } from './lifecycle.js';

/** Typical AWS seconds per event for a small web app. */
const baseSeconds: Record<LifecycleEventName, number> = {
  ApplicationStop: 2,
  DownloadBundle: 3,
  BeforeInstall: 2,
  Install: 2,
  AfterInstall: 4,
  ApplicationStart: 3,
  ValidateService: 5,
  BeforeBlockTraffic: 1,
  BlockTraffic: 1,
  AfterBlockTraffic: 1,
  BeforeAllowTraffic: 1,
  AllowTraffic: 1,
  AfterAllowTraffic: 1,
};

export interface SyntheticAgentOptions {
  readonly scheduler: Scheduler;
  readonly random: () => number;
  /** Fraction of random extra time per event (default 0.2). */
  readonly jitter?: number;
  /** When given, DownloadBundle fails as the real agent does if an S3 bundle is missing. */
  readonly s3?: S3Port;
  /**
   * AWS seconds from an instance's launch until its agent answers (default 0): on AWS the agent runs
   * only once the instance has booted and cloud-init has installed it (and, here, Node) from user data.
   * An instance of a world file is launched already running, its agent up.
   */
  readonly startSeconds?: number;
}

/** Where the synthetic revision keeps the script of an event, e.g. `hooks/after-install.sh`. */
export function syntheticScriptLocation(event: LifecycleEventName): string {
  return `hooks/${event.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? '' : '-') + c.toLowerCase())}.sh`;
}

export function createSyntheticAgent(options: SyntheticAgentOptions): Agent {
  const jitter = options.jitter ?? 0.2;
  const startMs = (options.startSeconds ?? 0) * 1000;
  return {
    runEvent(request: AgentEventRequest, signal: AbortSignal): Promise<AgentEventResult> {
      const { event } = request;
      // The event waits for the agent to come up, then runs.
      const startsIn = Math.max(
        0,
        request.instance.launchTime.getTime() + startMs - options.scheduler.now().getTime(),
      );
      // ApplicationStop has nothing to run on an instance that never had a revision (spec §6.4).
      const nothingToRun =
        event === 'ApplicationStop' &&
        request.lastRevisionOnInstance === undefined &&
        request.fault === undefined;
      const seconds = nothingToRun ? 0.1 : baseSeconds[event] * (1 + jitter * options.random());
      const fault = request.fault;
      const missing = event === 'DownloadBundle' ? missingBundle(request, options.s3) : undefined;
      const outcome: AgentEventResult = missing
        ? { status: 'Failed', diagnostics: missing }
        : fault?.effect === 'fail'
          ? { status: 'Failed', diagnostics: failedDiagnostics(event, fault.exitCode ?? 1) }
          : fault?.effect === 'timeout'
            ? { status: 'Failed', diagnostics: timedOutDiagnostics(event) }
            : { status: 'Succeeded', diagnostics: succeeded };
      const awsMs = startsIn + (fault?.effect === 'timeout' ? eventTimeoutSeconds : seconds) * 1000;
      return new Promise((resolve) => {
        const cancel = options.scheduler.after(awsMs, () => resolve(outcome));
        signal.addEventListener('abort', cancel, { once: true });
      });
    },
  };
}

function failedDiagnostics(event: LifecycleEventName, exitCode: number): Diagnostics {
  if (reservedEvents.has(event)) {
    return {
      errorCode: 'UnknownError',
      scriptName: '',
      message: `The ${event} lifecycle event failed on the instance.`,
      logTail: '',
    };
  }
  const location = syntheticScriptLocation(event);
  return {
    errorCode: 'ScriptFailed',
    scriptName: location,
    message: `Script at specified location: ${location} failed with exit code ${exitCode}`,
    logTail: `LifecycleEvent - ${event}\nScript - ${location}\n[stdout]running ${event}\n[stderr]${location}: step failed (exit ${exitCode})\n`,
  };
}

function timedOutDiagnostics(event: LifecycleEventName): Diagnostics {
  const location = syntheticScriptLocation(event);
  return {
    errorCode: 'ScriptTimedOut',
    scriptName: location,
    message: `Script at specified location: ${location} failed to complete in ${eventTimeoutSeconds} seconds`,
    logTail: `LifecycleEvent - ${event}\nScript - ${location}\n[stdout]waiting for ${event} to finish\n`,
  };
}

function missingBundle(request: AgentEventRequest, s3: S3Port | undefined): Diagnostics | undefined {
  const revision = request.deployment.revision;
  if (!s3 || revision.revisionType !== 'S3') return undefined;
  const { bucket, key, version } = revision.s3Location;
  if (s3.getObject(bucket, key, version)) return undefined;
  return {
    errorCode: 'UnknownError',
    scriptName: '',
    message: 'The specified key does not exist.',
    logTail: '',
  };
}
