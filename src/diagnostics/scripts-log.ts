import type { GetCommandInvocationCommandOutput, SSMClient } from '@aws-sdk/client-ssm';
import { classifyAwsError } from '../aws/errors.js';
import type { Clock } from '../clock.js';

// A failed instance's whole scripts.log, read on the instance through SSM Run Command: CodeDeploy's
// API gives the last 2,048 characters of a failed event's output, the agent keeps all of it in
// <deployment root>/<group id>/<deployment id>/logs/scripts.log. AWS-RunShellScript prints the file's
// size, then its last `maxLines` lines cut to their last `maxBytes` bytes (bounded on the instance,
// so an hour of a chatty hook never leaves it); GetCommandInvocation is asked until the command ends,
// within a deadline. Every way it can go wrong is a status with a reason, never a throw: the agent
// not registered (InvalidInstanceId), the instance already terminated (a failed green fleet that
// never took traffic goes with its deployment, often before its failure is even seen), the deploy
// role not allowed (AccessDenied), the instance not answering in time, the file not there.

/** The CodeDeploy agent's root directory on Linux (its `:root_dir:`). */
export const DEPLOYMENT_ROOT = '/opt/codedeploy-agent/deployment-root';
export const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';

export type ScriptsLogStatus =
  'fetched' | 'not-registered' | 'terminated' | 'denied' | 'timed-out' | 'missing' | 'failed';

/** What greenlight learnt of a failed instance's scripts.log, and how. */
export interface ScriptsLog {
  readonly status: ScriptsLogStatus;
  /** How it was asked for: SSM Run Command. */
  readonly source: 'ssm-run-command';
  /** The file on the instance. */
  readonly path: string;
  /** The command, once SSM accepted one. */
  readonly commandId?: string;
  /** fetched: the file's text (the whole file, or its end: `whole`). */
  readonly text?: string;
  /** fetched: the file's size on the instance, in bytes. */
  readonly bytes?: number;
  /** fetched: whether `text` is the whole file. */
  readonly whole?: boolean;
  /** Not fetched: why, in a sentence that says what to do. */
  readonly reason?: string;
}

export interface ScriptsLogRequest {
  readonly instanceId: string;
  readonly deploymentId: string;
  readonly deploymentGroupId: string;
  readonly maxLines: number;
  readonly maxBytes: number;
  /** Give up waiting for the instance's answer after this long. */
  readonly timeoutMs: number;
  /** How often to ask (default 2 s). */
  readonly pollMs?: number;
}

export interface ScriptsLogDeps {
  readonly ssm: SSMClient;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /**
   * The instance's EC2 state (DescribeInstances), asked only when SSM refuses it: SendCommand's
   * InvalidInstanceId says the same of an unregistered agent and of an instance shutting down.
   */
  readonly instanceState?: (instanceId: string) => Promise<string | undefined>;
}

const DEFAULT_POLL_MS = 2_000;
/** The first look: reading a file takes an instance a moment, not a poll's worth. */
const FIRST_LOOK_MS = 500;
/** SendCommand's delivery timeout and the script's own limit: SSM's minimum, the log is read in moments. */
const COMMAND_TIMEOUT_SECONDS = 30;

export function scriptsLogPath(deploymentGroupId: string, deploymentId: string): string {
  return `${DEPLOYMENT_ROOT}/${deploymentGroupId}/${deploymentId}/logs/scripts.log`;
}

/** The commands AWS-RunShellScript runs: the size, then the end of the file, bounded on the instance. */
export function readCommands(path: string, maxLines: number, maxBytes: number): string[] {
  const quoted = `'${path}'`;
  return [`wc -c ${quoted}`, `tail -n ${maxLines} ${quoted} | tail -c ${maxBytes}`];
}

/**
 * The command's output read back: `<size> <path>` then the log. A log cut at `maxBytes` may start in
 * the middle of a line; that piece is dropped so the text starts with a whole line.
 */
export function parseReadOutput(
  output: string,
  maxBytes: number,
): { bytes: number; text: string; whole: boolean } | undefined {
  const newline = output.indexOf('\n');
  const size = /^(\d+) /.exec(newline < 0 ? output : output.slice(0, newline));
  if (!size) return undefined;
  const bytes = Number(size[1]);
  let text = newline < 0 ? '' : output.slice(newline + 1);
  const read = Buffer.byteLength(text);
  const whole = read >= bytes;
  if (!whole && read >= maxBytes) {
    const first = text.indexOf('\n');
    text = first < 0 ? '' : text.slice(first + 1);
  }
  return { bytes, text, whole };
}

export async function fetchScriptsLog(request: ScriptsLogRequest, deps: ScriptsLogDeps): Promise<ScriptsLog> {
  const path = scriptsLogPath(request.deploymentGroupId, request.deploymentId);
  const base = { source: 'ssm-run-command' as const, path };
  const { instanceId } = request;
  const deadline = deps.clock.now() + request.timeoutMs;
  // Imported when an instance has failed: a release that goes well never loads SSM's commands.
  const { GetCommandInvocationCommand, SendCommandCommand } = await import('@aws-sdk/client-ssm');
  let commandId: string;
  try {
    const sent = await deps.ssm.send(
      new SendCommandCommand({
        DocumentName: RUN_SHELL_SCRIPT,
        InstanceIds: [instanceId],
        Comment: `greenlight: scripts.log of ${request.deploymentId}`.slice(0, 100),
        TimeoutSeconds: COMMAND_TIMEOUT_SECONDS,
        Parameters: {
          commands: readCommands(path, request.maxLines, request.maxBytes),
          executionTimeout: [String(COMMAND_TIMEOUT_SECONDS)],
        },
      }),
      ...(deps.signal ? [{ abortSignal: deps.signal }] : []),
    );
    commandId = sent.Command?.CommandId ?? '';
    if (commandId === '') return { ...base, status: 'failed', reason: 'SendCommand answered no command id' };
  } catch (error) {
    const refused = refusal(error, instanceId);
    if (refused.status === 'not-registered' && deps.instanceState) {
      const state = await deps.instanceState(instanceId).catch(() => undefined);
      if (state === 'shutting-down' || state === 'terminated')
        return {
          ...base,
          status: 'terminated',
          reason: `${instanceId} is ${state}: its scripts.log went with it (a failed green fleet that never took traffic is terminated with its deployment); the log tail above is what CodeDeploy kept`,
        };
    }
    return { ...base, ...refused };
  }
  const withCommand = { ...base, commandId };
  for (let look = 0; ; look++) {
    const every = look === 0 ? FIRST_LOOK_MS : (request.pollMs ?? DEFAULT_POLL_MS);
    const wait = Math.min(every, Math.max(0, deadline - deps.clock.now()));
    try {
      await deps.clock.sleep(wait, deps.signal);
    } catch {
      return { ...withCommand, status: 'timed-out', reason: 'cancelled while waiting for the instance' };
    }
    let invocation: GetCommandInvocationCommandOutput | undefined;
    try {
      invocation = await deps.ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
      );
    } catch (error) {
      // SSM answers InvocationDoesNotExist for a moment after SendCommand; a throttle is worth another look.
      const name = (error as { name?: string } | null)?.name;
      if (name !== 'InvocationDoesNotExist' && classifyAwsError(error) !== 'throttled')
        return { ...withCommand, ...refusal(error, instanceId, 'GetCommandInvocation') };
    }
    const status = invocation?.Status;
    if (invocation && status !== 'Pending' && status !== 'InProgress' && status !== 'Delayed')
      return { ...withCommand, ...outcome(invocation, request.maxBytes, instanceId) };
    if (deps.clock.now() >= deadline) {
      return {
        ...withCommand,
        status: 'timed-out',
        reason: `${instanceId} did not answer within ${Math.round(request.timeoutMs / 1000)} s (the command is ${status ?? 'not visible yet'}); diagnostics.timeout allows longer`,
      };
    }
  }
}

/** A refused call, by what it means for the reader. */
function refusal(
  error: unknown,
  instanceId: string,
  operation = 'SendCommand',
): Pick<ScriptsLog, 'status' | 'reason'> {
  const name = (error as { name?: string } | null)?.name ?? 'Error';
  const message = (error as Error | null)?.message ?? String(error);
  if (name === 'InvalidInstanceId')
    return {
      status: 'not-registered',
      reason: `its SSM Agent is not registered with Systems Manager, or not running (${message}): the instance needs the agent running and AmazonSSMManagedInstanceCore on its instance role`,
    };
  if (classifyAwsError(error) === 'denied')
    return {
      status: 'denied',
      reason: `ssm:${operation} on ${instanceId} was refused (${name}: ${message}); the deploy role needs it on the group's instances and document ${RUN_SHELL_SCRIPT}`,
    };
  return { status: 'failed', reason: `${operation} on ${instanceId} failed: ${name}: ${message}` };
}

/** A finished invocation: the log, or why there is none. */
function outcome(
  invocation: GetCommandInvocationCommandOutput,
  maxBytes: number,
  instanceId: string,
): Pick<ScriptsLog, 'status' | 'reason' | 'text' | 'bytes' | 'whole'> {
  const stderr = (invocation.StandardErrorContent ?? '').trim();
  if (invocation.Status === 'Success') {
    const read = parseReadOutput(invocation.StandardOutputContent ?? '', maxBytes);
    if (read) return { status: 'fetched', ...read };
    return {
      status: 'failed',
      reason: `the instance answered what greenlight did not ask for: ${firstLine(invocation.StandardOutputContent ?? '')}`,
    };
  }
  if (invocation.Status === 'TimedOut') {
    return {
      status: 'timed-out',
      reason:
        invocation.StatusDetails === 'DeliveryTimedOut'
          ? `${instanceId} never took the command (DeliveryTimedOut): its SSM Agent stopped answering`
          : `reading the file on ${instanceId} took too long (${invocation.StatusDetails ?? 'TimedOut'})`,
    };
  }
  if (/No such file or directory/.test(stderr))
    return {
      status: 'missing',
      reason: `there is no such file on ${instanceId}: the agent wrote no script output for this deployment`,
    };
  return {
    status: 'failed',
    reason: `the command ended ${invocation.Status ?? '?'}${invocation.StatusDetails && invocation.StatusDetails !== invocation.Status ? ` (${invocation.StatusDetails})` : ''} with exit code ${invocation.ResponseCode ?? '?'}${stderr ? `: ${firstLine(stderr)}` : ''}`,
  };
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
