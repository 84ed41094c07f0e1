// Run Command with AWS-RunShellScript. A command's invocations move as AWS documents them
// ("Understanding command statuses", SSM User Guide): Pending until the agent takes it, InProgress
// while it runs, then Success, Failed or TimedOut (DeliveryTimedOut: never delivered within
// TimeoutSeconds; ExecutionTimedOut: ran past executionTimeout), or Failed/Undeliverable when the
// instance is gone. A real instance runs the script in its sandbox (sandbox-run.ts); a synthetic one
// reads its simulated files (read-only-shell.ts).
//
// [I] Timing: an invocation becomes visible to GetCommandInvocation and ListCommandInvocations half
// an AWS second after SendCommand (AWS answers InvocationDoesNotExist for a moment, and clients such
// as the CLI's waiter retry it), and its agent takes it after one AWS second.
import type { SandboxedInstance } from '../instance/sandboxed-instance.js';
import { paginate } from '../pagination.js';
import type { Ec2Instance, Ec2Port, Scheduler } from '../ports.js';
import { randomUuid, type Random } from '../random.js';
import * as errors from './errors.js';
import { INSTANCE_ID, str, strings, type Input } from './input.js';
import type { ManagedNodes } from './managed-nodes.js';
import { runReadOnlyScript } from './read-only-shell.js';
import { runInSandbox } from './sandbox-run.js';
import type { SimulatedFiles } from './simulated-files.js';

export const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';
export const PLUGIN_NAME = 'aws:runShellScript';

/** AWS's documented limits of GetCommandInvocation's content, and of a plugin's Output in a listing. */
export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;
export const PLUGIN_OUTPUT_LIMIT = 2_500;

const VISIBLE_AFTER_MS = 500;
const DELIVERY_MS = 1_000;
/** How long a synthetic instance takes to read its files. */
const SYNTHETIC_RUN_MS = 500;
const DEFAULT_DELIVERY_TIMEOUT_S = 3600;
const DEFAULT_EXECUTION_TIMEOUT_S = 3600;
const PAGE_SIZE = 50;

export type InvocationStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut';

interface InvocationRecord {
  readonly commandId: string;
  readonly instanceId: string;
  status: InvocationStatus;
  statusDetails: string;
  responseCode: number;
  stdout: string;
  stderr: string;
  startedAt?: Date;
  endedAt?: Date;
  readonly visibleAt: number;
}

interface CommandRecord {
  readonly commandId: string;
  readonly documentName: string;
  readonly documentVersion: string;
  readonly comment: string;
  readonly parameters: Readonly<Record<string, string[]>>;
  readonly commands: readonly string[];
  readonly workingDirectory: string;
  readonly executionTimeoutSeconds: number;
  readonly instanceIds: readonly string[];
  readonly targets: readonly { Key: string; Values: string[] }[];
  readonly requestedAt: Date;
  readonly timeoutSeconds: number;
  readonly invocations: Map<string, InvocationRecord>;
}

export interface RunCommandDeps {
  readonly region: string;
  readonly accountId: string;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly ec2: Ec2Port;
  readonly nodes: ManagedNodes;
  /** The sandbox of a real instance; undefined for a synthetic one (or one the host could not confine). */
  readonly sandboxOf: (instanceId: string) => SandboxedInstance | undefined;
  /** What synthetic instances can read. */
  readonly files: SimulatedFiles;
}

const COMMAND_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const terminal = (status: InvocationStatus) => status !== 'Pending' && status !== 'InProgress';

/** `PT0.013S`, as GetCommandInvocation writes an elapsed time. */
function elapsed(from: Date, to: Date): string {
  return `PT${((to.getTime() - from.getTime()) / 1000).toFixed(3).replace(/\.?0+$/, '')}S`;
}

/** At most `limit` characters (code points), as AWS counts them. */
function firstCharacters(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return Array.from(text).slice(0, limit).join('');
}

export class RunCommand {
  private readonly commands = new Map<string, CommandRecord>();

  constructor(private readonly deps: RunCommandDeps) {}

  sendCommand(input: Input): unknown {
    const documentName = str(input.DocumentName) ?? '';
    this.checkDocument(documentName, str(input.DocumentVersion));
    const parameters = this.checkParameters(input.Parameters);
    const timeoutSeconds = typeof input.TimeoutSeconds === 'number' ? input.TimeoutSeconds : undefined;
    if (timeoutSeconds !== undefined && (timeoutSeconds < 30 || timeoutSeconds > 2_592_000)) {
      throw errors.validationError(
        timeoutSeconds,
        'timeoutSeconds',
        'Member must have value between 30 and 2592000',
      );
    }
    const instanceIds = this.targetInstances(input);
    const now = this.deps.scheduler.now();
    const command: CommandRecord = {
      commandId: randomUuid(this.deps.random),
      documentName,
      documentVersion: str(input.DocumentVersion) ?? '$DEFAULT',
      comment: str(input.Comment) ?? '',
      parameters,
      commands: parameters.commands ?? [],
      workingDirectory: parameters.workingDirectory?.[0] ?? '',
      executionTimeoutSeconds: Number(parameters.executionTimeout?.[0] ?? DEFAULT_EXECUTION_TIMEOUT_S),
      instanceIds: strings(input.InstanceIds),
      targets: this.targetsOf(input),
      requestedAt: now,
      timeoutSeconds: timeoutSeconds ?? DEFAULT_DELIVERY_TIMEOUT_S,
      invocations: new Map(),
    };
    for (const instanceId of instanceIds) {
      command.invocations.set(instanceId, {
        commandId: command.commandId,
        instanceId,
        status: 'Pending',
        statusDetails: 'Pending',
        responseCode: -1,
        stdout: '',
        stderr: '',
        visibleAt: now.getTime() + VISIBLE_AFTER_MS,
      });
    }
    this.commands.set(command.commandId, command);
    for (const invocation of command.invocations.values()) this.schedule(command, invocation);
    return { Command: this.commandView(command) };
  }

  /**
   * The instances a SendCommand names, for the handler and for IAM (which evaluates ssm:SendCommand
   * on each): `InstanceIds`, every one a managed node that answers, or what `Targets` selects among
   * the nodes that answer.
   */
  targetInstances(input: Input): string[] {
    const ids = strings(input.InstanceIds);
    const targets = this.targetsOf(input);
    if (ids.length > 0 && targets.length > 0)
      throw errors.invalidParameters('InstanceIds and Targets cannot be used together.');
    if (ids.length === 0 && targets.length === 0)
      throw errors.invalidParameters('Either InstanceIds or Targets must be specified.');
    if (ids.length > 50)
      throw errors.validationError(
        ids.length,
        'instanceIds',
        'Member must have length less than or equal to 50',
      );
    for (const id of ids) {
      if (!INSTANCE_ID.test(id)) {
        throw errors.validationError(
          id,
          'instanceIds',
          'Member must satisfy regular expression pattern: (^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)',
        );
      }
    }
    if (new Set(ids).size !== ids.length) throw errors.duplicateInstanceId();
    if (ids.length > 0) {
      const unreachable = ids.filter((id) => this.deps.nodes.pingStatus(id) !== 'Online');
      if (unreachable.length > 0) throw errors.instancesNotValid(unreachable, this.deps.accountId);
      return ids;
    }
    return this.deps.ec2
      .all()
      .filter((instance) => this.deps.nodes.pingStatus(instance.instanceId) === 'Online')
      .filter((instance) => targets.every((target) => this.matches(instance, target)))
      .map((instance) => instance.instanceId);
  }

  private targetsOf(input: Input): { Key: string; Values: string[] }[] {
    const raw = Array.isArray(input.Targets) ? (input.Targets as Input[]) : [];
    return raw.map((target) => {
      const key = str(target.Key) ?? '';
      if (key !== 'InstanceIds' && key !== 'tag-key' && !key.startsWith('tag:')) {
        throw errors.invalidParameters(
          `Target key ${key} is not supported here: InstanceIds, tag:<key> or tag-key.`,
        );
      }
      return { Key: key, Values: strings(target.Values) };
    });
  }

  private matches(instance: Ec2Instance, target: { Key: string; Values: string[] }): boolean {
    if (target.Key === 'InstanceIds') return target.Values.includes(instance.instanceId);
    if (target.Key === 'tag-key') return target.Values.some((key) => instance.tags.has(key));
    const value = instance.tags.get(target.Key.slice('tag:'.length));
    return value !== undefined && target.Values.includes(value);
  }

  private checkDocument(name: string, version: string | undefined): void {
    const arn = new RegExp(
      `^arn:aws[\\w-]*:ssm:${this.deps.region}:(\\d{12})?:document/${RUN_SHELL_SCRIPT}$`,
    );
    if (name !== RUN_SHELL_SCRIPT && !arn.test(name)) throw errors.invalidDocument(name);
    if (version !== undefined && !['$DEFAULT', '$LATEST', '1'].includes(version))
      throw errors.invalidDocumentVersion(version);
  }

  /** AWS-RunShellScript's parameters: commands (required), workingDirectory, executionTimeout. */
  private checkParameters(raw: unknown): Record<string, string[]> {
    const parameters: Record<string, string[]> = {};
    if (typeof raw === 'object' && raw !== null) {
      for (const [name, values] of Object.entries(raw as Record<string, unknown>)) {
        if (!['commands', 'workingDirectory', 'executionTimeout'].includes(name))
          throw errors.invalidParameters(
            `Parameter "${name}" is not defined in document ${RUN_SHELL_SCRIPT}.`,
          );
        parameters[name] = strings(values);
      }
    }
    if (!parameters.commands || parameters.commands.length === 0)
      throw errors.invalidParameters(`Parameter "commands" is required by document ${RUN_SHELL_SCRIPT}.`);
    for (const name of ['workingDirectory', 'executionTimeout']) {
      if (parameters[name] && parameters[name].length !== 1)
        throw errors.invalidParameters(`Parameter "${name}" takes one value.`);
    }
    const timeout = parameters.executionTimeout?.[0];
    // The document's allowedPattern: 1 to 172800 seconds.
    if (timeout !== undefined && !(/^[1-9]\d{0,5}$/.test(timeout) && Number(timeout) <= 172_800))
      throw errors.invalidParameters(
        `Parameter "executionTimeout" must be a number of seconds from 1 to 172800, not "${timeout}".`,
      );
    return parameters;
  }

  // ---- an invocation's life -------------------------------------------------------------------------

  private schedule(command: CommandRecord, invocation: InvocationRecord): void {
    const { scheduler } = this.deps;
    scheduler.after(DELIVERY_MS, () => this.deliver(command, invocation));
    scheduler.after(command.timeoutSeconds * 1000, () => {
      if (invocation.status === 'Pending') this.finish(invocation, 'TimedOut', 'DeliveryTimedOut');
    });
  }

  /** The agent takes the command when it answers; otherwise it waits (deliverPending, or the timeout). */
  private deliver(command: CommandRecord, invocation: InvocationRecord): void {
    if (invocation.status !== 'Pending' || this.deps.nodes.pingStatus(invocation.instanceId) !== 'Online')
      return;
    invocation.status = 'InProgress';
    invocation.statusDetails = 'InProgress';
    invocation.startedAt = this.deps.scheduler.now();
    const sandbox = this.deps.sandboxOf(invocation.instanceId);
    if (sandbox) {
      void this.runReal(command, invocation, sandbox);
      return;
    }
    const run = runReadOnlyScript(command.commands, {
      files: this.deps.files.of(invocation.instanceId),
      ...(command.workingDirectory ? { cwd: command.workingDirectory } : {}),
    });
    this.deps.scheduler.after(SYNTHETIC_RUN_MS, () => {
      if (invocation.status !== 'InProgress') return;
      invocation.stdout = run.stdout.toString('utf8');
      invocation.stderr = run.stderr;
      this.finishWith(invocation, run.exitCode);
    });
  }

  private async runReal(
    command: CommandRecord,
    invocation: InvocationRecord,
    sandbox: SandboxedInstance,
  ): Promise<void> {
    try {
      const result = await runInSandbox({
        instance: sandbox,
        commandId: command.commandId,
        commands: command.commands,
        ...(command.workingDirectory ? { workingDirectory: command.workingDirectory } : {}),
        executionTimeoutMs: command.executionTimeoutSeconds * 1000,
      });
      if (invocation.status !== 'InProgress') return;
      invocation.stdout = result.stdout;
      invocation.stderr = result.stderr;
      if (result.timedOut) this.finish(invocation, 'TimedOut', 'ExecutionTimedOut');
      else this.finishWith(invocation, result.exitCode);
    } catch (error) {
      if (invocation.status !== 'InProgress') return;
      invocation.stderr = `the instance stopped running the command: ${(error as Error).message}\n`;
      this.finish(invocation, 'Failed', 'Failed');
    }
  }

  private finishWith(invocation: InvocationRecord, exitCode: number): void {
    invocation.responseCode = exitCode;
    if (exitCode === 0) this.finish(invocation, 'Success', 'Success');
    else this.finish(invocation, 'Failed', 'Failed');
  }

  private finish(invocation: InvocationRecord, status: InvocationStatus, details: string): void {
    invocation.status = status;
    invocation.statusDetails = details;
    invocation.endedAt = this.deps.scheduler.now();
  }

  /** An agent answers (again): what waits for it is delivered. */
  deliverPending(instanceId: string): void {
    for (const command of this.commands.values()) {
      const invocation = command.invocations.get(instanceId);
      if (invocation?.status === 'Pending')
        this.deps.scheduler.after(DELIVERY_MS, () => this.deliver(command, invocation));
    }
  }

  /** An instance that is gone takes no command: what waited for it is Undeliverable. */
  undeliverable(instanceId: string): void {
    for (const command of this.commands.values()) {
      const invocation = command.invocations.get(instanceId);
      if (invocation?.status === 'Pending') this.finish(invocation, 'Failed', 'Undeliverable');
    }
    if (this.deps.ec2.get(instanceId)?.state === 'terminated') this.deps.files.forget(instanceId);
  }

  // ---- reading invocations --------------------------------------------------------------------------

  getCommandInvocation(input: Input): unknown {
    const commandId = str(input.CommandId) ?? '';
    const instanceId = str(input.InstanceId) ?? '';
    if (!COMMAND_ID.test(commandId)) throw errors.invalidCommandId();
    if (!INSTANCE_ID.test(instanceId))
      throw errors.invalidInstanceId(`Instance id ${instanceId} is not valid.`);
    const plugin = str(input.PluginName);
    if (plugin !== undefined && plugin !== PLUGIN_NAME) throw errors.invalidPluginName();
    const command = this.commands.get(commandId);
    const invocation = command?.invocations.get(instanceId);
    if (!command || !invocation || !this.visible(invocation)) throw errors.invocationDoesNotExist();
    const { startedAt, endedAt } = invocation;
    return {
      CommandId: command.commandId,
      InstanceId: invocation.instanceId,
      Comment: command.comment,
      DocumentName: command.documentName,
      DocumentVersion: command.documentVersion,
      PluginName: PLUGIN_NAME,
      ResponseCode: invocation.responseCode,
      ExecutionStartDateTime: startedAt ? startedAt.toISOString() : '',
      ExecutionElapsedTime: startedAt ? elapsed(startedAt, endedAt ?? this.deps.scheduler.now()) : '',
      ExecutionEndDateTime: endedAt ? endedAt.toISOString() : '',
      Status: invocation.status,
      StatusDetails: invocation.statusDetails,
      StandardOutputContent: firstCharacters(invocation.stdout, STDOUT_LIMIT),
      StandardOutputUrl: '',
      StandardErrorContent: firstCharacters(invocation.stderr, STDERR_LIMIT),
      StandardErrorUrl: '',
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
    };
  }

  listCommandInvocations(input: Input): unknown {
    const commandId = str(input.CommandId);
    const instanceId = str(input.InstanceId);
    if (commandId !== undefined && !COMMAND_ID.test(commandId)) throw errors.invalidCommandId();
    if (instanceId !== undefined && !INSTANCE_ID.test(instanceId))
      throw errors.invalidInstanceId(`Instance id ${instanceId} is not valid.`);
    const maxResults = typeof input.MaxResults === 'number' ? input.MaxResults : PAGE_SIZE;
    if (maxResults < 1 || maxResults > 50)
      throw errors.validationError(maxResults, 'maxResults', 'Member must have value between 1 and 50');
    const filters = this.invocationFilters(input.Filters);
    const details = input.Details === true;
    const found = [...this.commands.values()]
      .filter((command) => commandId === undefined || command.commandId === commandId)
      .sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime())
      .flatMap((command) =>
        [...command.invocations.values()]
          .filter((invocation) => this.visible(invocation))
          .filter((invocation) => instanceId === undefined || invocation.instanceId === instanceId)
          .filter((invocation) => filters.every((accept) => accept(command, invocation)))
          .map((invocation) => ({ command, invocation })),
      );
    const page = paginate(found, str(input.NextToken), maxResults, () => errors.invalidNextToken());
    return {
      CommandInvocations: page.items.map(({ command, invocation }) =>
        this.invocationView(command, invocation, details),
      ),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  private invocationFilters(
    raw: unknown,
  ): ((command: CommandRecord, invocation: InvocationRecord) => boolean)[] {
    const list = Array.isArray(raw) ? (raw as Input[]) : [];
    return list.map((filter) => {
      const key = str(filter.key) ?? '';
      const value = str(filter.value) ?? '';
      switch (key) {
        case 'InvokedAfter':
          return (command) => command.requestedAt.getTime() >= Date.parse(value);
        case 'InvokedBefore':
          return (command) => command.requestedAt.getTime() <= Date.parse(value);
        case 'Status':
          return (_, invocation) => invocation.status === value;
        case 'ExecutionStage':
          return (_, invocation) => (value === 'Complete') === terminal(invocation.status);
        case 'DocumentName':
          return (command) => command.documentName === value;
        default:
          throw errors.invalidFilterKey(key);
      }
    });
  }

  private visible(invocation: InvocationRecord): boolean {
    return this.deps.scheduler.now().getTime() >= invocation.visibleAt;
  }

  private invocationView(command: CommandRecord, invocation: InvocationRecord, details: boolean): unknown {
    // [I] No notification: AWS answers NotificationType "" here, outside its own enum; left out.
    const none = { NotificationArn: '', NotificationEvents: [] };
    const output = invocation.stderr
      ? `${invocation.stdout}\n----------ERROR-------\n${invocation.stderr}`
      : invocation.stdout;
    return {
      CommandId: command.commandId,
      InstanceId: invocation.instanceId,
      InstanceName: this.deps.nodes.computerName(invocation.instanceId),
      Comment: command.comment,
      DocumentName: command.documentName,
      DocumentVersion: command.documentVersion,
      RequestedDateTime: command.requestedAt,
      Status: invocation.status,
      StatusDetails: invocation.statusDetails,
      TraceOutput: '',
      StandardOutputUrl: '',
      StandardErrorUrl: '',
      CommandPlugins: details
        ? [
            {
              Name: PLUGIN_NAME,
              Status: invocation.status,
              StatusDetails: invocation.statusDetails,
              ResponseCode: invocation.responseCode,
              ...(invocation.startedAt ? { ResponseStartDateTime: invocation.startedAt } : {}),
              ...(invocation.endedAt ? { ResponseFinishDateTime: invocation.endedAt } : {}),
              Output: firstCharacters(output, PLUGIN_OUTPUT_LIMIT),
              StandardOutputUrl: '',
              StandardErrorUrl: '',
              OutputS3Region: this.deps.region,
              OutputS3BucketName: '',
              OutputS3KeyPrefix: '',
            },
          ]
        : [],
      ServiceRole: '',
      NotificationConfig: none,
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
    };
  }

  private commandView(command: CommandRecord): unknown {
    const expires = new Date(
      command.requestedAt.getTime() + (command.timeoutSeconds + command.executionTimeoutSeconds) * 1000,
    );
    return {
      CommandId: command.commandId,
      DocumentName: command.documentName,
      DocumentVersion: command.documentVersion,
      Comment: command.comment,
      ExpiresAfter: expires,
      Parameters: command.parameters,
      InstanceIds: command.instanceIds,
      Targets: command.targets,
      RequestedDateTime: command.requestedAt,
      Status: 'Pending',
      StatusDetails: 'Pending',
      OutputS3Region: this.deps.region,
      OutputS3BucketName: '',
      OutputS3KeyPrefix: '',
      MaxConcurrency: '50',
      MaxErrors: '0',
      TargetCount: command.invocations.size,
      CompletedCount: 0,
      ErrorCount: 0,
      DeliveryTimedOutCount: 0,
      ServiceRole: '',
      NotificationConfig: { NotificationArn: '', NotificationEvents: [] },
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
      TimeoutSeconds: command.timeoutSeconds,
    };
  }
}
