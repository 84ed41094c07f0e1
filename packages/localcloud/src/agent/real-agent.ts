// The CodeDeploy agent of a `real` instance (reference spec §6), running the revision's hooks as real
// processes in the instance's sandbox:
//   DownloadBundle  fetch the bundle (local S3, or `git archive` of a mapped GitHub repository) into
//                   <root>/<dg-id>/<d-id>/bundle.tar, unpack it into deployment-archive/, and record
//                   the deployment as the group's most recent install
//   Install         apply `files` (with the file-exists behaviour) and `permissions`, then record the
//                   deployment as the group's last successful install
//   hook events     run the event's scripts in order, from the revision spec §6.4 says: ApplicationStop
//                   and the block-traffic hooks from the last successful install (the most recent one
//                   for block traffic in a blue/green rollback), the others from this deployment
// Output goes to <root>/<dg-id>/<d-id>/logs/scripts.log; the diagnostic carries the log tail.
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { eventTimeoutSeconds } from '../codedeploy/agent.js';
import type {
  Agent,
  AgentEventRequest,
  AgentEventResult,
  Diagnostics,
  LifecycleErrorCode,
} from '../codedeploy/agent.js';
import { reservedEvents, type LifecycleEventName } from '../codedeploy/lifecycle.js';
import type { SandboxedInstance } from '../instance/sandboxed-instance.js';
import type { Scheduler } from '../ports.js';
import { AppSpecRejectedError, readAppSpecAsAgent, type AgentAppSpec, type AgentScript } from './appspec.js';
import { bundleEnvironment, fetchBundle, type BundleSources } from './revision-bundle.js';
import { ScriptLog, scriptsLogStamp } from './script-log.js';
import { runScript, type ScriptOutcome, type ScriptToRun } from './script-runner.js';

/** The agent's `:root_dir:` (spec §6.2). */
export const DEPLOYMENT_ROOT = '/opt/codedeploy-agent/deployment-root';
const INSTRUCTIONS = `${DEPLOYMENT_ROOT}/deployment-instructions`;
const APPSPEC_NAMES = ['appspec.yml', 'appspec.yaml'];

export interface RealAgentDeps extends BundleSources {
  /** The sandbox of an instance, undefined when it has none (never started, or stopped). */
  readonly sandboxOf: (instanceId: string) => SandboxedInstance | undefined;
  /** Acts out `timeout` fault rules in AWS time. */
  readonly scheduler: Scheduler;
}

class AgentError extends Error {}

/** Which deployment's archive an event's scripts come from (HookExecutor's mapping). */
type ScriptSource = 'current' | 'last-successful' | 'most-recent';

export function scriptSource(
  event: LifecycleEventName,
  deployment: { creator: string; deploymentType: string },
): ScriptSource {
  const blueGreenRollback =
    deployment.creator === 'codeDeployRollback' && deployment.deploymentType === 'BLUE_GREEN';
  switch (event) {
    case 'ApplicationStop':
      return 'last-successful';
    case 'BeforeBlockTraffic':
    case 'AfterBlockTraffic':
      return blueGreenRollback ? 'most-recent' : 'last-successful';
    case 'BeforeAllowTraffic':
    case 'AfterAllowTraffic':
      return blueGreenRollback ? 'last-successful' : 'current';
    default:
      return 'current';
  }
}

function diagnostics(
  errorCode: LifecycleErrorCode,
  scriptName: string,
  message: string,
  logTail: string,
): Diagnostics {
  return { errorCode, scriptName, message, logTail };
}

function failed(
  errorCode: LifecycleErrorCode,
  scriptName: string,
  message: string,
  logTail = '',
): AgentEventResult {
  return { status: 'Failed', diagnostics: diagnostics(errorCode, scriptName, message, logTail) };
}

function succeeded(logTail = ''): AgentEventResult {
  return { status: 'Succeeded', diagnostics: diagnostics('Success', '', 'Succeeded', logTail) };
}

/** The diagnostic of a script outcome, worded as the agent words it (spec §6.5). */
export function scriptDiagnostics(
  script: ScriptToRun,
  outcome: Exclude<ScriptOutcome, { kind: 'succeeded' } | { kind: 'aborted' }>,
  logTail: string,
): AgentEventResult {
  const at = `Script at specified location: ${script.location}`;
  switch (outcome.kind) {
    case 'missing':
      return failed(
        'ScriptMissing',
        script.location,
        `Script does not exist at specified location: ${script.path}`,
        logTail,
      );
    case 'not-executable':
      return failed(
        'ScriptNotExecutable',
        script.location,
        `Unable to set script at specified location: ${script.location} as executable`,
        logTail,
      );
    case 'timed-out':
      return failed(
        'ScriptTimedOut',
        script.location,
        `${at} failed to complete in ${script.timeoutSeconds} seconds`,
        logTail,
      );
    case 'failed':
      return failed(
        'ScriptFailed',
        script.location,
        script.runas !== undefined
          ? `${at} run as user ${script.runas} failed with exit code ${outcome.exitCode}`
          : `${at} failed with exit code ${outcome.exitCode}`,
        logTail,
      );
    case 'stdout-left-open':
      // Agent code 6 has no API name; [I] UnknownError, as spec §6.5 decides.
      return failed('UnknownError', script.location, `${at} failed to close STDOUT`, logTail);
  }
}

export function createRealAgent(deps: RealAgentDeps): Agent {
  return {
    async runEvent(request: AgentEventRequest, signal: AbortSignal): Promise<AgentEventResult> {
      const instance = deps.sandboxOf(request.instance.instanceId);
      if (!instance) {
        return failed(
          'UnknownError',
          '',
          `The instance ${request.instance.instanceId} has no running sandbox.`,
        );
      }
      try {
        // The agent starts once first boot has finished (user data run), as on EC2.
        await instance.bootFinished();
        return await new EventRun(deps, instance, request, signal).run();
      } catch (error) {
        if (error instanceof AgentError || error instanceof AppSpecRejectedError)
          return failed('UnknownError', '', error.message);
        return failed('UnknownError', '', `The local cloud's agent failed: ${(error as Error).message}`);
      }
    },
  };
}

/** One lifecycle event on one instance. */
class EventRun {
  private readonly deployment: AgentEventRequest['deployment'];
  private readonly deploymentDir: string;
  private readonly log = new ScriptLog();
  /** scripts.log appends, one after another so the file keeps the output's order. */
  private logWrites: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: RealAgentDeps,
    private readonly instance: SandboxedInstance,
    private readonly request: AgentEventRequest,
    private readonly signal: AbortSignal,
  ) {
    this.deployment = request.deployment;
    this.deploymentDir = `${DEPLOYMENT_ROOT}/${this.deployment.deploymentGroupId}/${this.deployment.deploymentId}`;
  }

  async run(): Promise<AgentEventResult> {
    const { event, fault } = this.request;
    if (fault?.effect === 'fail' || fault?.effect === 'timeout')
      return this.actOutFault(fault.effect, fault.exitCode);
    switch (event) {
      case 'DownloadBundle':
        await this.downloadBundle();
        return succeeded();
      case 'Install':
        await this.install();
        return succeeded();
      default:
        return this.runHooks(event);
    }
  }

  // ---- reserved events -----------------------------------------------------------------------------

  private async downloadBundle(): Promise<void> {
    let bundle: Buffer;
    try {
      bundle = await fetchBundle(this.deployment.revision, this.deps);
    } catch (error) {
      throw new AgentError((error as Error).message);
    }
    const bundlePath = `${this.deploymentDir}/bundle.tar`;
    const archive = `${this.deploymentDir}/deployment-archive`;
    await this.instance.write(bundlePath, bundle);
    const unpacked = await this.instance.installer(['unpack', bundlePath, archive]);
    if (unpacked.code !== 0) throw new AgentError(installerMessage(unpacked.stdout, unpacked.stderr));
    if (!this.appSpecFile(archive)) {
      throw new AgentError(
        `The CodeDeploy agent did not find an AppSpec file within the unpacked revision directory at revision-relative path "appspec.yml". The revision was unpacked to directory "${archive}", and the AppSpec file was expected but not found at path "${archive}/appspec.yml". Consult the AWS CodeDeploy Appspec documentation for more information at http://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file.html`,
      );
    }
    await this.instance.write(this.instruction('most_recent_install'), this.deploymentDir);
  }

  private async install(): Promise<void> {
    const archive = `${this.deploymentDir}/deployment-archive`;
    const spec = this.readAppSpec(archive);
    const plan = {
      archiveDir: archive,
      files: spec.files,
      fileExistsBehavior: spec.fileExistsBehavior ?? this.deployment.fileExistsBehavior,
      permissions: spec.permissions.map((p) => ({
        object: p.object,
        pattern: p.pattern,
        except: p.except,
        type: p.type,
        ...(p.owner !== undefined ? { owner: p.owner } : {}),
        ...(p.group !== undefined ? { group: p.group } : {}),
        ...(p.mode !== undefined ? { mode: p.mode } : {}),
      })),
      cleanupFile: `${INSTRUCTIONS}/${this.deployment.deploymentGroupId}-cleanup`,
    };
    const result = await this.instance.installer(['install'], JSON.stringify(plan));
    if (result.code !== 0) throw new AgentError(installerMessage(result.stdout, result.stderr));
    await this.instance.write(this.instruction('last_successful_install'), this.deploymentDir);
  }

  // ---- hook events ---------------------------------------------------------------------------------

  private async runHooks(event: LifecycleEventName): Promise<AgentEventResult> {
    const dir = this.scriptsDir(event);
    if (dir === undefined || reservedEvents.has(event)) return succeeded();
    const archive = `${dir}/deployment-archive`;
    const spec = this.readAppSpec(archive);
    const scripts = spec.hooks.get(event) ?? [];
    if (scripts.length === 0) return succeeded();
    const result = await this.runScripts(event, archive, scripts, this.record);
    await this.logWrites;
    return result;
  }

  /** Writes one entry, stamped, to the deployment's scripts.log (after the ones before it). */
  private readonly record = (entry: string): void => {
    const logFile = `${this.deploymentDir}/logs/scripts.log`;
    const line = scriptsLogStamp(new Date()) + entry;
    // scripts.log is the agent's bookkeeping; a hook that broke its directory does not fail the event.
    this.logWrites = this.logWrites.then(() => this.instance.append(logFile, line)).catch(() => undefined);
  };

  private async runScripts(
    event: LifecycleEventName,
    archive: string,
    scripts: readonly AgentScript[],
    record: (entry: string) => void,
  ): Promise<AgentEventResult> {
    record(this.log.append(`LifecycleEvent - ${event}`));
    const env = this.environment(event);
    for (const script of scripts) {
      const toRun = this.scriptToRun(archive, script);
      record(this.log.append(`Script - ${script.location}`));
      const outcome = await runScript(toRun, {
        instance: this.instance,
        env,
        log: this.log,
        record,
        signal: this.signal,
      });
      if (outcome.kind === 'aborted')
        return failed('UnknownError', script.location, 'The lifecycle event was cancelled.', this.log.tail());
      if (outcome.kind !== 'succeeded') return scriptDiagnostics(toRun, outcome, this.log.tail());
    }
    return succeeded(this.log.tail());
  }

  /** The deployment directory whose archive holds this event's scripts, or undefined: nothing to run. */
  private scriptsDir(event: LifecycleEventName): string | undefined {
    const source = scriptSource(event, this.deployment);
    const current = this.deploymentDir;
    if (source === 'current') return current;
    // The previous revision's scripts run only while this deployment's archive is not there yet.
    if (source === 'last-successful' && this.exists(`${current}/deployment-archive`)) return current;
    const recorded = this.readInstruction(
      source === 'most-recent' ? 'most_recent_install' : 'last_successful_install',
    );
    if (recorded === undefined || !this.exists(`${recorded}/deployment-archive`)) return undefined;
    return recorded;
  }

  private scriptToRun(archive: string, script: AgentScript): ScriptToRun {
    return {
      location: script.location,
      path: posix.join(archive, script.location),
      timeoutSeconds: script.timeoutSeconds,
      ...(script.runas !== undefined ? { runas: script.runas } : {}),
      ...(script.sudo ? { sudo: true } : {}),
    };
  }

  private environment(event: LifecycleEventName): Record<string, string> {
    const d = this.deployment;
    return {
      ...this.instance.baseEnvironment(),
      LIFECYCLE_EVENT: event,
      DEPLOYMENT_ID: d.deploymentId,
      APPLICATION_NAME: d.applicationName,
      DEPLOYMENT_GROUP_NAME: d.deploymentGroupName,
      DEPLOYMENT_GROUP_ID: d.deploymentGroupId,
      ...bundleEnvironment(d.revision),
    };
  }

  // ---- faults ----------------------------------------------------------------------------------------

  /**
   * A `fail` rule runs a stand-in for the event's first script that exits with the rule's code; a
   * `timeout` rule runs one that never finishes and is killed at the script's timeout, in AWS time.
   */
  private async actOutFault(effect: 'fail' | 'timeout', exitCode = 1): Promise<AgentEventResult> {
    const event = this.request.event;
    if (reservedEvents.has(event)) {
      return effect === 'fail'
        ? failed('UnknownError', '', `The ${event} lifecycle event failed on the instance.`)
        : failed(
            'UnknownError',
            '',
            `The ${event} lifecycle event did not complete within ${eventTimeoutSeconds} seconds.`,
          );
    }
    let first: AgentScript | undefined;
    const dir = this.scriptsDir(event);
    if (dir !== undefined) {
      try {
        first = this.readAppSpec(`${dir}/deployment-archive`).hooks.get(event)?.[0];
      } catch {
        first = undefined;
      }
    }
    const location = first?.location ?? `hooks/${event}.sh`;
    const timeoutSeconds = first?.timeoutSeconds ?? eventTimeoutSeconds;
    const script: ScriptToRun = {
      location,
      path: location,
      timeoutSeconds,
      ...(first?.runas !== undefined ? { runas: first.runas } : {}),
    };
    // The stand-in's output goes to scripts.log as a script's would: what the log tail says, the file says.
    const entry = (text: string) => this.record(this.log.append(text));
    entry(`LifecycleEvent - ${event}`);
    entry(`Script - ${location}`);
    if (effect === 'fail') {
      const result = await this.instance.exec([
        '/bin/sh',
        '-c',
        `echo "${event}: failing as a local cloud fault rule asks"; echo "exit ${exitCode}" >&2; exit ${exitCode}`,
      ]);
      for (const line of result.stdout.split('\n').filter(Boolean)) entry(`[stdout]${line}`);
      for (const line of result.stderr.split('\n').filter(Boolean)) entry(`[stderr]${line}`);
      await this.logWrites;
      return scriptDiagnostics(script, { kind: 'failed', exitCode: result.code }, this.log.tail());
    }
    entry(`[stdout]${event}: hanging as a local cloud fault rule asks`);
    await new Promise<void>((resolve) => {
      const cancel = this.deps.scheduler.after(timeoutSeconds * 1000, resolve);
      this.signal.addEventListener(
        'abort',
        () => {
          cancel();
          resolve();
        },
        { once: true },
      );
    });
    await this.logWrites;
    return scriptDiagnostics(script, { kind: 'timed-out' }, this.log.tail());
  }

  // ---- the instance's files --------------------------------------------------------------------------

  private instruction(kind: 'most_recent_install' | 'last_successful_install'): string {
    return `${INSTRUCTIONS}/${this.deployment.deploymentGroupId}_${kind}`;
  }

  private readInstruction(kind: 'most_recent_install' | 'last_successful_install'): string | undefined {
    const host = this.instance.hostPath(this.instruction(kind));
    if (!existsSync(host)) return undefined;
    const dir = readFileSync(host, 'utf8').trim();
    return dir === '' ? undefined : dir;
  }

  private exists(instancePath: string): boolean {
    try {
      return existsSync(this.instance.hostPath(instancePath));
    } catch {
      return false;
    }
  }

  private appSpecFile(archive: string): string | undefined {
    return APPSPEC_NAMES.map((name) => `${archive}/${name}`).find((path) => this.exists(path));
  }

  /** The agent's own reading (agent/appspec.ts), with the agent's words when it fails the event. */
  private readAppSpec(archive: string): AgentAppSpec {
    const file = this.appSpecFile(archive);
    if (!file) throw new AgentError(`The deployment archive ${archive} holds no appspec.yml.`);
    return readAppSpecAsAgent(readFileSync(this.instance.hostPath(file), 'utf8'), {
      file: posix.basename(file),
    });
  }
}

function installerMessage(stdout: string, stderr: string): string {
  try {
    const answer = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { message?: string };
    if (answer.message) return answer.message;
  } catch {
    // Not the installer's answer: say what the process said.
  }
  return (stderr || stdout).trim() || 'the agent could not complete its file work on the instance';
}
