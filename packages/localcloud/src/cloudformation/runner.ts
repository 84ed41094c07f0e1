// Runs a stack operation — create, update, delete — one resource at a time in dependency order, on
// the cloud's scheduler (each resource operation takes RESOURCE_STEP_MS of AWS time, so a manual
// clock steps through it), recording CloudFormation's events; a failure rolls the stack back as
// CloudFormation does.
import { AwsApiError } from '../service.js';
import type { Scheduler } from '../ports.js';
import { randomUuid, type Random } from '../random.js';
import { resolveValue, scalarText, TemplateResolveError } from './intrinsics.js';
import {
  changedProperties,
  evaluateTemplate,
  resolveProperties,
  type EvaluatedTemplate,
  type StackEnvironment,
} from './plan.js';
import {
  handlerFailure,
  ResourceFailure,
  type ProviderContext,
  type ProviderRegistry,
  type ResourceProperties,
  type ResourceProvider,
} from './provider.js';
import type { StackDefinition, StackOutput, StackRecord, StackResourceRecord, StackStatus } from './stack.js';

/** AWS time one resource operation takes. Short: what matters is the order, not the minutes AWS spends. */
export const RESOURCE_STEP_MS = 1000;

/**
 * Waits `awsMs` of AWS time on the scheduler. A wait shorter than a real millisecond at the clock's
 * scale (10,000× and up) is not worth a timer, whose real minimum is a millisecond: the work goes on
 * at once. So on a fast scaled clock a stack operation is done before the AWS CLI's first poll (its
 * waiters then sleep 5 to 30 real seconds), while a manual clock still steps through every resource.
 */
export function pauseFor(scheduler: Scheduler, awsMs: number): Promise<void> {
  if (awsMs / scheduler.timeScale < 1) return Promise.resolve();
  return new Promise((resolve) => scheduler.after(awsMs, resolve));
}

export interface RunnerDeps {
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly providers: ProviderRegistry;
  readonly environment: (stack: StackRecord) => StackEnvironment;
  readonly providerContext: (stack: StackRecord, logicalId: string) => ProviderContext;
}

/** CloudFormation's words for a failed resource handler, naming the service error it got. */
export function handlerMessage(error: unknown): string {
  if (error instanceof ResourceFailure || error instanceof TemplateResolveError) return error.message;
  if (error instanceof AwsApiError) return handlerFailure(undefined, error).message;
  return `Internal Failure (${(error as Error)?.message ?? String(error)})`;
}

export class StackRunner {
  constructor(private readonly deps: RunnerDeps) {}

  private pause(): Promise<void> {
    return pauseFor(this.deps.scheduler, RESOURCE_STEP_MS);
  }

  private event(
    stack: StackRecord,
    fields: {
      logicalId: string;
      physicalId: string;
      type: string;
      status: string;
      reason?: string;
      properties?: unknown;
    },
  ): void {
    stack.events.push({
      // AWS names a resource's events `<logical id>-<status>-<time>`; a uuid after it keeps two events
      // of one instant (a fast clock) apart.
      eventId:
        fields.logicalId === stack.name
          ? randomUuid(this.deps.random)
          : `${fields.logicalId}-${fields.status}-${this.deps.scheduler.now().toISOString()}-${randomUuid(this.deps.random).slice(0, 8)}`,
      logicalId: fields.logicalId,
      physicalId: fields.physicalId,
      type: fields.type,
      timestamp: this.deps.scheduler.now(),
      status: fields.status,
      ...(fields.reason !== undefined ? { reason: fields.reason } : {}),
      ...(fields.properties !== undefined ? { properties: JSON.stringify(fields.properties) } : {}),
    });
  }

  private stackStatus(stack: StackRecord, status: StackStatus, reason?: string): void {
    stack.status = status;
    if (reason !== undefined) stack.statusReason = reason;
    else delete stack.statusReason;
    this.event(stack, {
      logicalId: stack.name,
      physicalId: stack.stackId,
      type: 'AWS::CloudFormation::Stack',
      status,
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  private provider(type: string): ResourceProvider {
    const provider = this.deps.providers.get(type);
    if (!provider) throw new ResourceFailure(`Template format error: Unrecognized resource types: [${type}]`);
    return provider;
  }

  private lookup(stack: StackRecord) {
    return {
      ref: (id: string) => stack.resources.get(id)?.physicalId,
      getAtt: (id: string, attribute: string) => {
        const attributes = stack.resources.get(id)?.attributes ?? {};
        if (!Object.hasOwn(attributes, attribute)) {
          throw new TemplateResolveError(
            `Template error: resource ${id} does not support attribute type ${attribute} in Fn::GetAtt`,
          );
        }
        return attributes[attribute];
      },
    };
  }

  private evaluate(stack: StackRecord, definition: StackDefinition): EvaluatedTemplate {
    return evaluateTemplate(definition.template, definition.parameters, this.deps.environment(stack));
  }

  /** Creates one resource; returns its record, or the failure's message. */
  private async createOne(
    stack: StackRecord,
    evaluated: EvaluatedTemplate,
    logicalId: string,
    phase: 'CREATE' | 'UPDATE',
  ): Promise<StackResourceRecord | string> {
    const type = evaluated.template.Resources[logicalId]?.Type ?? '';
    const initiated =
      phase === 'CREATE'
        ? undefined
        : 'Requested update requires the creation of a new physical resource; hence creating one.';
    let properties: Record<string, unknown> = {};
    try {
      properties = resolveProperties(evaluated, logicalId, this.lookup(stack));
      this.event(stack, {
        logicalId,
        physicalId: '',
        type,
        status: `${phase}_IN_PROGRESS`,
        ...(initiated ? { reason: initiated } : {}),
        properties,
      });
      await this.pause();
      const provider = this.provider(type);
      const result = await provider.create(properties, this.deps.providerContext(stack, logicalId));
      if (phase === 'CREATE') {
        this.event(stack, {
          logicalId,
          physicalId: result.physicalId,
          type,
          status: 'CREATE_IN_PROGRESS',
          reason: 'Resource creation Initiated',
          properties,
        });
      }
      this.event(stack, {
        logicalId,
        physicalId: result.physicalId,
        type,
        status: `${phase}_COMPLETE`,
        properties,
      });
      return {
        logicalId,
        type,
        physicalId: result.physicalId,
        properties,
        attributes: { ...(result.attributes ?? {}) },
        status: `${phase}_COMPLETE`,
        lastUpdated: this.deps.scheduler.now(),
      };
    } catch (error) {
      const reason = handlerMessage(error);
      this.event(stack, { logicalId, physicalId: '', type, status: `${phase}_FAILED`, reason, properties });
      return reason;
    }
  }

  /** Deletes one resource; a resource already gone counts as deleted, as CloudFormation counts it. */
  private async deleteOne(stack: StackRecord, record: StackResourceRecord): Promise<string | undefined> {
    const { logicalId, physicalId, type } = record;
    const policy = stack.definition?.template.Resources[logicalId]?.DeletionPolicy;
    if (policy === 'Retain') {
      this.event(stack, { logicalId, physicalId, type, status: 'DELETE_SKIPPED' });
      return undefined;
    }
    this.event(stack, { logicalId, physicalId, type, status: 'DELETE_IN_PROGRESS' });
    await this.pause();
    try {
      if (physicalId !== '') {
        await this.provider(type).delete(
          physicalId,
          record.properties,
          this.deps.providerContext(stack, logicalId),
        );
      }
    } catch (error) {
      const reason = handlerMessage(error);
      if (!reason.includes('HandlerErrorCode: NotFound')) {
        this.event(stack, { logicalId, physicalId, type, status: 'DELETE_FAILED', reason });
        record.status = 'DELETE_FAILED';
        record.statusReason = reason;
        return reason;
      }
    }
    this.event(stack, { logicalId, physicalId, type, status: 'DELETE_COMPLETE' });
    return undefined;
  }

  private outputs(stack: StackRecord, evaluated: EvaluatedTemplate): StackOutput[] {
    const context = evaluated.context(this.lookup(stack));
    const outputs: StackOutput[] = [];
    for (const [key, output] of Object.entries(evaluated.template.Outputs)) {
      if (output.Condition !== undefined && !evaluated.conditions.get(output.Condition)) continue;
      const value = resolveValue(output.Value, context);
      const exportName = output.Export ? resolveValue(output.Export.Name, context) : undefined;
      outputs.push({
        key,
        value: Array.isArray(value) ? value.map(scalarText).join(',') : scalarText(value),
        ...(output.Description !== undefined ? { description: output.Description } : {}),
        ...(exportName !== undefined ? { exportName: scalarText(exportName) } : {}),
      });
    }
    return outputs;
  }

  async create(stack: StackRecord, definition: StackDefinition): Promise<void> {
    stack.definition = definition;
    this.stackStatus(stack, 'CREATE_IN_PROGRESS', 'User Initiated');
    const evaluated = this.evaluate(stack, definition);
    const created: StackResourceRecord[] = [];
    let failed: { logicalId: string; reason: string } | undefined;
    for (const logicalId of evaluated.order) {
      const result = await this.createOne(stack, evaluated, logicalId, 'CREATE');
      if (typeof result === 'string') {
        failed = { logicalId, reason: result };
        break;
      }
      stack.resources.set(logicalId, result);
      created.push(result);
    }
    if (!failed) {
      try {
        stack.outputs = this.outputs(stack, evaluated);
        this.stackStatus(stack, 'CREATE_COMPLETE');
        return;
      } catch (error) {
        failed = { logicalId: stack.name, reason: handlerMessage(error) };
      }
    }
    if (stack.disableRollback) {
      this.stackStatus(
        stack,
        'CREATE_FAILED',
        `The following resource(s) failed to create: [${failed.logicalId}]. `,
      );
      return;
    }
    this.stackStatus(
      stack,
      'ROLLBACK_IN_PROGRESS',
      `The following resource(s) failed to create: [${failed.logicalId}]. Rollback requested by user.`,
    );
    let rollbackFailed = false;
    for (const record of [...created].reverse()) {
      if ((await this.deleteOne(stack, record)) !== undefined) rollbackFailed = true;
      else stack.resources.delete(record.logicalId);
    }
    const failedType = evaluated.template.Resources[failed.logicalId]?.Type;
    if (failedType !== undefined) {
      this.event(stack, {
        logicalId: failed.logicalId,
        physicalId: '',
        type: failedType,
        status: 'DELETE_COMPLETE',
      });
    }
    stack.outputs = [];
    this.stackStatus(stack, rollbackFailed ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE');
  }

  /**
   * Runs an update. `modified` names the resources the change set modifies: the others are left as
   * they are, as CloudFormation leaves them.
   */
  async update(
    stack: StackRecord,
    definition: StackDefinition,
    modified: ReadonlySet<string>,
  ): Promise<void> {
    const previousDefinition = stack.definition;
    this.stackStatus(stack, 'UPDATE_IN_PROGRESS', 'User Initiated');
    stack.lastUpdatedTime = this.deps.scheduler.now();
    const evaluated = this.evaluate(stack, definition);
    /** What ran, in order, for the rollback: the record before (undefined: the resource is new). */
    const done: { logicalId: string; before?: StackResourceRecord; replaced: boolean }[] = [];
    /** Physical resources to delete once the update is done (removed, or replaced). */
    const cleanup: StackResourceRecord[] = [];
    let failed: { logicalId: string; reason: string } | undefined;
    for (const logicalId of evaluated.order) {
      const type = evaluated.template.Resources[logicalId]?.Type ?? '';
      const current = stack.resources.get(logicalId);
      if (!current || current.type !== type) {
        const result = await this.createOne(stack, evaluated, logicalId, 'CREATE');
        if (typeof result === 'string') {
          failed = { logicalId, reason: result };
          break;
        }
        if (current) cleanup.push(current);
        stack.resources.set(logicalId, result);
        done.push({ logicalId, ...(current ? { before: current } : {}), replaced: current !== undefined });
        continue;
      }
      if (!modified.has(logicalId)) continue;
      let properties: Record<string, unknown>;
      try {
        properties = resolveProperties(evaluated, logicalId, this.lookup(stack));
      } catch (error) {
        failed = { logicalId, reason: handlerMessage(error) };
        this.event(stack, {
          logicalId,
          physicalId: current.physicalId,
          type,
          status: 'UPDATE_FAILED',
          reason: failed.reason,
        });
        break;
      }
      const names = changedProperties(current.properties, properties);
      if (names.length === 0) continue;
      const provider = this.deps.providers.get(type);
      const replaces = !provider?.update || names.some((name) => (provider.replaceOn ?? []).includes(name));
      if (replaces) {
        const nameProperty = provider?.nameProperty;
        if (nameProperty !== undefined && properties[nameProperty] !== undefined) {
          failed = {
            logicalId,
            reason: `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${scalarText(properties[nameProperty])} and update the stack again.`,
          };
          this.event(stack, {
            logicalId,
            physicalId: current.physicalId,
            type,
            status: 'UPDATE_FAILED',
            reason: failed.reason,
          });
          break;
        }
        const result = await this.createOne(stack, evaluated, logicalId, 'UPDATE');
        if (typeof result === 'string') {
          failed = { logicalId, reason: result };
          break;
        }
        cleanup.push(current);
        stack.resources.set(logicalId, result);
        done.push({ logicalId, before: current, replaced: true });
        continue;
      }
      this.event(stack, {
        logicalId,
        physicalId: current.physicalId,
        type,
        status: 'UPDATE_IN_PROGRESS',
        properties,
      });
      await this.pause();
      try {
        const result = await provider.update!(
          current.physicalId,
          properties,
          current.properties,
          this.deps.providerContext(stack, logicalId),
        );
        const updated: StackResourceRecord = {
          ...current,
          physicalId: result.physicalId,
          properties,
          attributes: { ...current.attributes, ...(result.attributes ?? {}) },
          status: 'UPDATE_COMPLETE',
          lastUpdated: this.deps.scheduler.now(),
        };
        stack.resources.set(logicalId, updated);
        done.push({ logicalId, before: current, replaced: false });
        this.event(stack, {
          logicalId,
          physicalId: updated.physicalId,
          type,
          status: 'UPDATE_COMPLETE',
          properties,
        });
      } catch (error) {
        const reason = handlerMessage(error);
        this.event(stack, {
          logicalId,
          physicalId: current.physicalId,
          type,
          status: 'UPDATE_FAILED',
          reason,
          properties,
        });
        stack.resources.set(logicalId, { ...current, status: 'UPDATE_FAILED', statusReason: reason });
        failed = { logicalId, reason };
        break;
      }
    }
    let outputs: StackOutput[] = stack.outputs;
    if (!failed) {
      try {
        outputs = this.outputs(stack, evaluated);
      } catch (error) {
        failed = { logicalId: stack.name, reason: handlerMessage(error) };
      }
    }
    if (!failed) {
      const kept = new Set(evaluated.order);
      const removed = [...stack.resources.values()].filter((r) => !kept.has(r.logicalId)).reverse();
      stack.definition = definition;
      stack.outputs = outputs;
      if (removed.length + cleanup.length > 0) {
        this.stackStatus(stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
        for (const record of [...cleanup.reverse(), ...removed]) {
          await this.deleteOne(stack, record);
          if (!kept.has(record.logicalId)) stack.resources.delete(record.logicalId);
        }
      }
      this.stackStatus(stack, 'UPDATE_COMPLETE');
      return;
    }
    await this.rollbackUpdate(stack, failed, done, previousDefinition);
  }

  private async rollbackUpdate(
    stack: StackRecord,
    failed: { logicalId: string; reason: string },
    done: readonly { logicalId: string; before?: StackResourceRecord; replaced: boolean }[],
    previousDefinition: StackDefinition | undefined,
  ): Promise<void> {
    this.stackStatus(
      stack,
      'UPDATE_ROLLBACK_IN_PROGRESS',
      `The following resource(s) failed to update: [${failed.logicalId}]. `,
    );
    const toDelete: StackResourceRecord[] = [];
    let rollbackFailed = false;
    for (const step of [...done].reverse()) {
      const now = stack.resources.get(step.logicalId);
      if (!now) continue;
      if (!step.before) {
        toDelete.push(now);
        stack.resources.delete(step.logicalId);
        continue;
      }
      if (step.replaced) {
        // The old physical resource was never touched: the stack points at it again.
        toDelete.push(now);
        stack.resources.set(step.logicalId, {
          ...step.before,
          status: 'UPDATE_COMPLETE',
          lastUpdated: this.deps.scheduler.now(),
        });
        this.event(stack, {
          logicalId: step.logicalId,
          physicalId: step.before.physicalId,
          type: now.type,
          status: 'UPDATE_COMPLETE',
        });
        continue;
      }
      this.event(stack, {
        logicalId: step.logicalId,
        physicalId: now.physicalId,
        type: now.type,
        status: 'UPDATE_IN_PROGRESS',
        properties: step.before.properties,
      });
      await this.pause();
      try {
        const provider = this.provider(now.type);
        const result = await provider.update!(
          now.physicalId,
          step.before.properties,
          now.properties,
          this.deps.providerContext(stack, step.logicalId),
        );
        // An update in place can still give a new id (a listener made again): the stack follows it.
        stack.resources.set(step.logicalId, {
          ...step.before,
          physicalId: result.physicalId,
          attributes: { ...step.before.attributes, ...(result.attributes ?? {}) },
          status: 'UPDATE_COMPLETE',
          lastUpdated: this.deps.scheduler.now(),
        });
        this.event(stack, {
          logicalId: step.logicalId,
          physicalId: now.physicalId,
          type: now.type,
          status: 'UPDATE_COMPLETE',
        });
      } catch (error) {
        rollbackFailed = true;
        this.event(stack, {
          logicalId: step.logicalId,
          physicalId: now.physicalId,
          type: now.type,
          status: 'UPDATE_FAILED',
          reason: handlerMessage(error),
        });
      }
    }
    // The resource that failed is left as it was before the update.
    const failedRecord = stack.resources.get(failed.logicalId);
    if (failedRecord && failedRecord.status === 'UPDATE_FAILED') {
      stack.resources.set(failed.logicalId, {
        ...failedRecord,
        status: 'UPDATE_COMPLETE',
        lastUpdated: this.deps.scheduler.now(),
      });
      delete stack.resources.get(failed.logicalId)!.statusReason;
    }
    if (rollbackFailed) {
      this.stackStatus(stack, 'UPDATE_ROLLBACK_FAILED');
      return;
    }
    if (previousDefinition) stack.definition = previousDefinition;
    if (toDelete.length > 0) {
      this.stackStatus(stack, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
      for (const record of toDelete) await this.deleteOne(stack, record);
    }
    this.stackStatus(stack, 'UPDATE_ROLLBACK_COMPLETE');
  }

  async delete(stack: StackRecord): Promise<void> {
    this.stackStatus(stack, 'DELETE_IN_PROGRESS', 'User Initiated');
    const failed: string[] = [];
    for (const record of [...stack.resources.values()].reverse()) {
      if ((await this.deleteOne(stack, record)) !== undefined) failed.push(record.logicalId);
      else stack.resources.delete(record.logicalId);
    }
    if (failed.length > 0) {
      this.stackStatus(
        stack,
        'DELETE_FAILED',
        `The following resource(s) failed to delete: [${failed.sort().join(', ')}]. `,
      );
      return;
    }
    stack.deletionTime = this.deps.scheduler.now();
    stack.outputs = [];
    this.stackStatus(stack, 'DELETE_COMPLETE');
  }
}

/** Properties as a provider receives them (re-exported for providers' signatures). */
export type { ResourceProperties };
