// CloudFormation's state for one region: stacks (live and deleted), their change sets and events. A
// change set is planned when it is created (plan.ts) and becomes CREATE_COMPLETE (or FAILED, with
// CloudFormation's reason) CHANGE_SET_MS later; executing it runs the stack operation (runner.ts) on
// the cloud's scheduler.
import type { Cloud, RegionModels } from '../cloud.js';
import { randomUuid } from '../random.js';
import * as errors from './errors.js';
import { TemplateResolveError } from './intrinsics.js';
import { ParameterError, resolveParameters, type GivenParameter } from './parameters.js';
import {
  evaluateTemplate,
  planChanges,
  type ExistingResource,
  type ResourceChange,
  type StackEnvironment,
} from './plan.js';
import type { ProviderContext, ProviderRegistry } from './provider.js';
import { defaultProviders } from './providers/index.js';
import { pauseFor, StackRunner } from './runner.js';
import type { ChangeSetRecord, StackRecord } from './stack.js';
import { parseTemplate, TemplateError, transformsOf, type Template } from './template.js';
import { templateFromUrl } from './template-source.js';

/** AWS time between CreateChangeSet and the change set's CREATE_COMPLETE (or FAILED). */
export const CHANGE_SET_MS = 1000;

export const NO_CHANGES_REASON =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

const SERVERLESS_TRANSFORM = 'AWS::Serverless-2016-10-31';

export interface CloudFormationModelOptions {
  readonly cloud: Cloud;
  readonly region: string;
  /** The resource types stacks can hold; by default every provider of providers/. */
  readonly providers?: ProviderRegistry;
}

export interface CreateChangeSetRequest {
  readonly stackName: string;
  readonly changeSetName: string;
  readonly changeSetType: 'CREATE' | 'UPDATE';
  readonly templateBody?: string;
  readonly templateUrl?: string;
  readonly usePreviousTemplate?: boolean;
  readonly parameters: readonly GivenParameter[];
  readonly capabilities: readonly string[];
  readonly tags: readonly { Key: string; Value: string }[];
  readonly description?: string;
}

/** The IAM resource types that need a capability, and the property that names each (NAMED_IAM). */
const IAM_NAME_PROPERTIES: Readonly<Record<string, string | undefined>> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::Policy': undefined,
  'AWS::IAM::AccessKey': undefined,
  'AWS::IAM::UserToGroupAddition': undefined,
};

/** The capability a template needs because of its IAM resources, if any. */
export function requiredCapability(
  template: Template,
): 'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' | undefined {
  let needed: 'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' | undefined;
  for (const resource of Object.values(template.Resources)) {
    if (!Object.hasOwn(IAM_NAME_PROPERTIES, resource.Type)) continue;
    const nameProperty = IAM_NAME_PROPERTIES[resource.Type];
    if (nameProperty !== undefined && resource.Properties?.[nameProperty] !== undefined)
      return 'CAPABILITY_NAMED_IAM';
    needed = 'CAPABILITY_IAM';
  }
  return needed;
}

function generatedSuffix(random: () => number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < 12; i++) out += alphabet.charAt(Math.floor(random() * alphabet.length));
  return out;
}

export class CloudFormationModel {
  private readonly stacks: StackRecord[] = [];
  private readonly changeSets = new Map<string, ChangeSetRecord>();
  private readonly providers: ProviderRegistry;
  private readonly runner: StackRunner;

  constructor(readonly options: CloudFormationModelOptions) {
    this.providers = options.providers ?? defaultProviders();
    const { cloud } = options;
    this.runner = new StackRunner({
      scheduler: cloud.scheduler,
      random: cloud.random,
      providers: this.providers,
      environment: (stack) => this.environment(stack),
      providerContext: (stack, logicalId) => this.providerContext(stack, logicalId),
    });
  }

  private get models(): RegionModels {
    return this.options.cloud.region(this.options.region);
  }

  private environment(stack: { name: string; stackId: string }): StackEnvironment {
    return {
      stackName: stack.name,
      stackId: stack.stackId,
      region: this.options.region,
      accountId: this.options.cloud.accountId,
      azs: (region) => this.availabilityZones(region),
    };
  }

  private availabilityZones(region: string): string[] {
    const zones = this.options.cloud.region(region).ec2.availabilityZones();
    return zones.map((zone) => zone.name);
  }

  private providerContext(stack: StackRecord, logicalId: string): ProviderContext {
    const { cloud, region } = this.options;
    return {
      cloud,
      models: this.models,
      region,
      accountId: cloud.accountId,
      stackName: stack.name,
      stackId: stack.stackId,
      logicalId,
      generatedName: (maxLength = 255) => {
        const suffix = generatedSuffix(cloud.random);
        const prefix = `${stack.name}-${logicalId}`.slice(0, Math.max(1, maxLength - suffix.length - 1));
        return `${prefix}-${suffix}`;
      },
    };
  }

  /** Whether an id of an AWS-specific parameter type exists in this account and region. */
  private exists(type: string, value: string): boolean {
    const ec2 = this.models.ec2;
    switch (type) {
      case 'AWS::EC2::VPC::Id':
        return ec2.vpc(value) !== undefined;
      case 'AWS::EC2::Subnet::Id':
        return ec2.subnet(value) !== undefined;
      case 'AWS::EC2::Image::Id':
        return ec2.image(value) !== undefined;
      case 'AWS::EC2::SecurityGroup::Id':
        return ec2.securityGroup(value) !== undefined;
      case 'AWS::EC2::AvailabilityZone::Name':
        return ec2.availabilityZones().some((zone) => zone.name === value);
      default:
        // Types the local cloud has no resources of (key pairs, hosted zones …): any value passes.
        return true;
    }
  }

  // --- Stacks --------------------------------------------------------------------------------------

  /** A stack by name (the live one) or by id (live or deleted). */
  findStack(nameOrId: string): StackRecord | undefined {
    if (nameOrId.startsWith('arn:')) return this.stacks.find((s) => s.stackId === nameOrId);
    return this.stacks.find((s) => s.name === nameOrId && s.status !== 'DELETE_COMPLETE');
  }

  requireStack(nameOrId: string): StackRecord {
    const stack = this.findStack(nameOrId);
    if (!stack) throw errors.stackNotFound(nameOrId);
    return stack;
  }

  /** Live stacks, oldest first. */
  liveStacks(): StackRecord[] {
    return this.stacks.filter((s) => s.status !== 'DELETE_COMPLETE');
  }

  allStacks(): StackRecord[] {
    return [...this.stacks];
  }

  private newStackId(name: string): string {
    const { cloud, region } = this.options;
    return `arn:aws:cloudformation:${region}:${cloud.accountId}:stack/${name}/${randomUuid(cloud.random)}`;
  }

  private newStack(name: string, stackId: string): StackRecord {
    const { cloud } = this.options;
    const stack: StackRecord = {
      stackId,
      name,
      createdTime: cloud.scheduler.now(),
      status: 'REVIEW_IN_PROGRESS',
      resources: new Map(),
      outputs: [],
      events: [],
      disableRollback: false,
    };
    stack.events.push({
      eventId: randomUuid(cloud.random),
      logicalId: name,
      physicalId: stack.stackId,
      type: 'AWS::CloudFormation::Stack',
      timestamp: stack.createdTime,
      status: 'REVIEW_IN_PROGRESS',
      reason: 'User Initiated',
    });
    this.stacks.push(stack);
    return stack;
  }

  deleteStack(nameOrId: string): void {
    const stack = this.findStack(nameOrId);
    // Deleting a stack that does not exist succeeds, as on AWS.
    if (!stack || stack.status === 'DELETE_COMPLETE' || stack.status === 'DELETE_IN_PROGRESS') return;
    if (stack.status.endsWith('_IN_PROGRESS') && stack.status !== 'REVIEW_IN_PROGRESS') {
      throw errors.validationError(`Stack [${stack.name}] cannot be deleted while in status ${stack.status}`);
    }
    for (const [id, changeSet] of this.changeSets)
      if (changeSet.stackId === stack.stackId) this.changeSets.delete(id);
    if (stack.status === 'REVIEW_IN_PROGRESS') {
      stack.status = 'DELETE_COMPLETE';
      stack.deletionTime = this.options.cloud.scheduler.now();
      return;
    }
    void this.runner.delete(stack);
  }

  // --- Templates ------------------------------------------------------------------------------------

  /** A template from a request: its body, an S3 URL, or (updates) the stack's current one. */
  templateText(
    request: { templateBody?: string; templateUrl?: string },
    stack?: StackRecord,
    usePrevious = false,
  ): string {
    if (usePrevious) {
      if (!stack?.definition)
        throw errors.validationError('UsePreviousTemplate can only be used with an existing stack');
      return stack.definition.templateBody;
    }
    if (request.templateBody !== undefined) return request.templateBody;
    if (request.templateUrl !== undefined) return templateFromUrl(this.options.cloud.s3, request.templateUrl);
    throw errors.validationError('Either Template URL or Template Body must be specified.');
  }

  /** Parses a template, turning CloudFormation's template errors into its ValidationError. */
  parse(body: string): Template {
    try {
      return parseTemplate(body);
    } catch (error) {
      if (error instanceof TemplateError) throw errors.validationError(error.message);
      throw error;
    }
  }

  /** Resource types without a provider, in template order. */
  unknownTypes(template: Template): string[] {
    const types = Object.values(template.Resources).map((r) => r.Type);
    return [...new Set(types.filter((type) => !this.providers.has(type)))];
  }

  // --- Change sets ----------------------------------------------------------------------------------

  findChangeSet(nameOrId: string, stackName?: string): ChangeSetRecord | undefined {
    if (nameOrId.startsWith('arn:')) return this.changeSets.get(nameOrId);
    if (stackName === undefined) return undefined;
    const stack = this.findStack(stackName);
    if (!stack) return undefined;
    for (const changeSet of this.changeSets.values()) {
      if (changeSet.stackId === stack.stackId && changeSet.name === nameOrId) return changeSet;
    }
    return undefined;
  }

  requireChangeSet(nameOrId: string, stackName?: string): ChangeSetRecord {
    if (!nameOrId.startsWith('arn:') && stackName === undefined) {
      throw errors.validationError(
        'StackName must be specified if ChangeSetName is not specified as an ARN.',
      );
    }
    const changeSet = this.findChangeSet(nameOrId, stackName);
    if (!changeSet) throw errors.changeSetNotFound(nameOrId);
    return changeSet;
  }

  changeSetsOf(stack: StackRecord): ChangeSetRecord[] {
    return [...this.changeSets.values()].filter((c) => c.stackId === stack.stackId);
  }

  createChangeSet(request: CreateChangeSetRequest): ChangeSetRecord {
    const { cloud, region } = this.options;
    if (!/^[a-zA-Z][-a-zA-Z0-9]*$/.test(request.changeSetName) || request.changeSetName.length > 128) {
      throw errors.validationError(
        `1 validation error detected: Value '${request.changeSetName}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
      );
    }
    if (!/^[a-zA-Z][-a-zA-Z0-9]*$|^arn:/.test(request.stackName) || request.stackName.length > 128) {
      throw errors.validationError(
        `1 validation error detected: Value '${request.stackName}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z][-a-zA-Z0-9]*)|(arn:\\b(aws|aws-us-gov|aws-cn)\\b:[-a-zA-Z0-9:/._+]*)`,
      );
    }
    let stack = this.findStack(request.stackName);
    if (request.changeSetType === 'CREATE') {
      if (stack && stack.status !== 'REVIEW_IN_PROGRESS') throw errors.stackAlreadyExists(request.stackName);
    } else {
      if (!stack) throw errors.stackNotFound(request.stackName);
      if (
        !/_COMPLETE$/.test(stack.status) ||
        stack.status === 'ROLLBACK_COMPLETE' ||
        stack.status === 'REVIEW_IN_PROGRESS'
      ) {
        throw errors.validationError(
          `Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`,
        );
      }
    }
    if (stack && this.changeSetsOf(stack).some((c) => c.name === request.changeSetName)) {
      throw errors.changeSetAlreadyExists(request.changeSetName);
    }
    const body = this.templateText(request, stack, request.usePreviousTemplate === true);
    const template = this.parse(body);
    let failure = this.admit(template, request.capabilities);
    const parameters = failure === undefined ? this.parameters(template, request, stack) : {};
    // A new stack's id is known before the stack exists: AWS::StackId resolves to it.
    const stackId = stack?.stackId ?? this.newStackId(request.stackName);
    const changes =
      failure === undefined
        ? this.plan(template, parameters, { name: request.stackName, stackId }, stack)
        : [];
    if (failure === undefined && changes.length === 0) failure = NO_CHANGES_REASON;
    stack ??= this.newStack(request.stackName, stackId);
    const changeSet: ChangeSetRecord = {
      id: `arn:aws:cloudformation:${region}:${cloud.accountId}:changeSet/${request.changeSetName}/${randomUuid(cloud.random)}`,
      name: request.changeSetName,
      stackId: stack.stackId,
      stackName: stack.name,
      type: request.changeSetType,
      createdTime: cloud.scheduler.now(),
      ...(request.description !== undefined ? { description: request.description } : {}),
      definition: {
        templateBody: body,
        template,
        parameters,
        capabilities: [...request.capabilities],
        tags: [...request.tags],
        ...(template.Description !== undefined ? { description: template.Description } : {}),
      },
      status: 'CREATE_PENDING',
      executionStatus: 'UNAVAILABLE',
      changes,
    };
    this.changeSets.set(changeSet.id, changeSet);
    changeSet.status = 'CREATE_IN_PROGRESS';
    void pauseFor(cloud.scheduler, CHANGE_SET_MS).then(() => {
      if (!this.changeSets.has(changeSet.id)) return;
      if (failure !== undefined) {
        changeSet.status = 'FAILED';
        changeSet.statusReason = failure;
        return;
      }
      changeSet.status = 'CREATE_COMPLETE';
      changeSet.executionStatus = 'AVAILABLE';
    });
    return changeSet;
  }

  /**
   * What CreateChangeSet checks of a template before its values: capabilities, resource types and
   * transforms. Throws what CreateChangeSet refuses; returns the reason a change set FAILS with (a
   * serverless resource the local cloud cannot expand), if any.
   */
  private admit(template: Template, capabilities: readonly string[]): string | undefined {
    // Capabilities are acknowledged before anything else of the template is looked at.
    const capability = requiredCapability(template);
    if (
      capability !== undefined &&
      !capabilities.includes('CAPABILITY_NAMED_IAM') &&
      !(capability === 'CAPABILITY_IAM' && capabilities.includes('CAPABILITY_IAM'))
    ) {
      throw errors.insufficientCapabilities(capability);
    }
    const unknown = this.unknownTypes(template);
    const serverless = unknown.filter((type) => type.startsWith('AWS::Serverless::'));
    const transforms = transformsOf(template);
    if (
      unknown.length > serverless.length ||
      (serverless.length > 0 && !transforms.includes(SERVERLESS_TRANSFORM))
    ) {
      throw errors.validationError(
        `Template format error: Unrecognized resource types: [${unknown.join(', ')}]`,
      );
    }
    const unsupported = transforms.find((t) => t !== SERVERLESS_TRANSFORM);
    if (unsupported !== undefined) return `Transform ${unsupported} is not supported by the local cloud`;
    if (serverless.length > 0) {
      return `Transform ${SERVERLESS_TRANSFORM} failed with: the local cloud does not expand serverless resources (${serverless.join(', ')}); declare their CloudFormation resources instead`;
    }
    return undefined;
  }

  /** The change set's parameter values, checked (a ValidationError when one fails). */
  private parameters(
    template: Template,
    request: CreateChangeSetRequest,
    stack: StackRecord | undefined,
  ): Record<string, string> {
    try {
      return resolveParameters(
        template.Parameters,
        request.parameters,
        stack?.definition?.parameters,
        (type, value) => this.exists(type, value),
      );
    } catch (error) {
      if (error instanceof ParameterError) throw errors.validationError(error.message);
      throw error;
    }
  }

  /** The changes from the stack as it is (none yet, for a new one) to the template and parameters. */
  private plan(
    template: Template,
    parameters: Readonly<Record<string, string>>,
    identity: { name: string; stackId: string },
    stack: StackRecord | undefined,
  ): ResourceChange[] {
    try {
      const environment = this.environment(identity);
      const applied = stack?.definition;
      const resources = new Map<string, ExistingResource>(
        [...(stack?.resources ?? [])].map(([id, r]) => [
          id,
          { type: r.type, physicalId: r.physicalId, properties: r.properties, attributes: r.attributes },
        ]),
      );
      return planChanges(
        evaluateTemplate(template, parameters, environment),
        {
          resources,
          ...(applied
            ? { evaluated: evaluateTemplate(applied.template, applied.parameters, environment) }
            : {}),
        },
        {
          replaceOn: (type) => {
            const provider = this.providers.get(type);
            return provider?.update ? (provider.replaceOn ?? []) : 'all';
          },
        },
      );
    } catch (error) {
      if (error instanceof TemplateResolveError) throw errors.validationError(error.message);
      throw error;
    }
  }

  deleteChangeSet(nameOrId: string, stackName?: string): void {
    const changeSet = this.requireChangeSet(nameOrId, stackName);
    if (changeSet.executionStatus === 'EXECUTE_IN_PROGRESS') {
      throw errors.invalidChangeSetStatus(
        `Cannot delete ChangeSet ${changeSet.id} because it is in ${changeSet.executionStatus} status`,
      );
    }
    this.changeSets.delete(changeSet.id);
    // A stack made for a CREATE change set goes with its last change set.
    const stack = this.findStack(changeSet.stackId);
    if (stack && stack.status === 'REVIEW_IN_PROGRESS' && this.changeSetsOf(stack).length === 0) {
      stack.status = 'DELETE_COMPLETE';
      stack.deletionTime = this.options.cloud.scheduler.now();
    }
  }

  executeChangeSet(nameOrId: string, stackName: string | undefined, disableRollback: boolean): void {
    const changeSet = this.requireChangeSet(nameOrId, stackName);
    if (changeSet.executionStatus !== 'AVAILABLE') {
      throw errors.invalidChangeSetStatus(
        `ChangeSet [${changeSet.id}] cannot be executed in its current execution status of [${changeSet.executionStatus}]`,
      );
    }
    const stack = this.requireStack(changeSet.stackId);
    if (stack.status.endsWith('_IN_PROGRESS') && stack.status !== 'REVIEW_IN_PROGRESS') {
      throw errors.invalidChangeSetStatus(
        `ChangeSet [${changeSet.id}] cannot be executed in its current execution status of [${changeSet.executionStatus}]`,
      );
    }
    changeSet.executionStatus = 'EXECUTE_IN_PROGRESS';
    stack.changeSetId = changeSet.id;
    stack.disableRollback = disableRollback;
    // Every other change set of the stack was planned against what the stack was: AWS deletes them.
    for (const other of this.changeSetsOf(stack))
      if (other.id !== changeSet.id) this.changeSets.delete(other.id);
    const run =
      changeSet.type === 'CREATE'
        ? this.runner.create(stack, changeSet.definition)
        : this.runner.update(
            stack,
            changeSet.definition,
            new Set(changeSet.changes.filter((c) => c.action === 'Modify').map((c) => c.logicalId)),
          );
    void run.then(
      () => {
        changeSet.executionStatus = /(ROLLBACK|FAILED)/.test(stack.status)
          ? 'EXECUTE_FAILED'
          : 'EXECUTE_COMPLETE';
      },
      (error: unknown) => {
        // A bug of the engine, not a resource failure: leave the stack failed rather than in progress.
        changeSet.executionStatus = 'EXECUTE_FAILED';
        stack.status = changeSet.type === 'CREATE' ? 'ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_FAILED';
        stack.statusReason = `Internal Failure (${(error as Error)?.message ?? String(error)})`;
      },
    );
  }

  /** For GetTemplateSummary and ValidateTemplate: a parsed template, or the stack's or change set's. */
  templateFor(request: { templateBody?: string; templateUrl?: string; stackName?: string }): {
    template: Template;
    body: string;
  } {
    if (request.stackName !== undefined) {
      const stack = this.requireStack(request.stackName);
      if (!stack.definition) throw errors.stackNotFound(request.stackName);
      return { template: stack.definition.template, body: stack.definition.templateBody };
    }
    const body = this.templateText(request);
    return { template: this.parse(body), body };
  }
}
