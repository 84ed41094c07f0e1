// CloudFormation over the query protocol (Version=2010-05-15): parse the input, call the model,
// render the output shape.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   Inputs are OperationInput (service.ts): botocore shapes the protocol layer has already decoded and type-checked. */
import { paginate } from '../pagination.js';
import type { OperationInput, RequestContext, ServiceDefinition } from '../service.js';
import * as errors from './errors.js';
import { requiredCapability, type CloudFormationModel } from './model.js';
import { isNoEcho } from './parameters.js';
import type { ResourceChange } from './plan.js';
import type { ChangeSetRecord, StackDefinition, StackRecord, StackResourceRecord } from './stack.js';
import { processedTemplate, transformsOf, type Template } from './template.js';

const EVENTS_PAGE = 100;
const STACKS_PAGE = 100;

function invalidToken(): Error {
  return errors.validationError('Invalid NextToken');
}

function parametersView(definition: StackDefinition | undefined): Record<string, unknown>[] {
  if (!definition) return [];
  return Object.entries(definition.parameters).map(([key, value]) => {
    const declaration = definition.template.Parameters[key];
    return {
      ParameterKey: key,
      // NoEcho parameters are never shown again, as on AWS.
      ParameterValue: declaration && isNoEcho(declaration) ? '****' : value,
    };
  });
}

function driftInformation(): Record<string, unknown> {
  return { StackDriftStatus: 'NOT_CHECKED' };
}

function stackView(stack: StackRecord): Record<string, unknown> {
  const definition = stack.definition;
  return {
    StackId: stack.stackId,
    StackName: stack.name,
    ...(stack.changeSetId !== undefined ? { ChangeSetId: stack.changeSetId } : {}),
    ...(definition?.description !== undefined ? { Description: definition.description } : {}),
    Parameters: parametersView(definition),
    CreationTime: stack.createdTime,
    ...(stack.lastUpdatedTime ? { LastUpdatedTime: stack.lastUpdatedTime } : {}),
    ...(stack.deletionTime ? { DeletionTime: stack.deletionTime } : {}),
    RollbackConfiguration: {},
    StackStatus: stack.status,
    ...(stack.statusReason !== undefined ? { StackStatusReason: stack.statusReason } : {}),
    DisableRollback: stack.disableRollback,
    NotificationARNs: [],
    ...(definition && definition.capabilities.length > 0
      ? { Capabilities: [...definition.capabilities] }
      : {}),
    ...(stack.outputs.length > 0
      ? {
          Outputs: stack.outputs.map((output) => ({
            OutputKey: output.key,
            OutputValue: output.value,
            ...(output.description !== undefined ? { Description: output.description } : {}),
            ...(output.exportName !== undefined ? { ExportName: output.exportName } : {}),
          })),
        }
      : {}),
    Tags: definition ? [...definition.tags] : [],
    EnableTerminationProtection: false,
    DriftInformation: driftInformation(),
  };
}

function changeView(change: ResourceChange): Record<string, unknown> {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: change.action,
      LogicalResourceId: change.logicalId,
      ...(change.physicalId !== undefined ? { PhysicalResourceId: change.physicalId } : {}),
      ResourceType: change.type,
      ...(change.replacement !== undefined ? { Replacement: change.replacement } : {}),
      Scope: change.details.length > 0 ? ['Properties'] : [],
      Details: change.details.map((detail) => ({
        Target: {
          Attribute: 'Properties',
          Name: detail.name,
          RequiresRecreation: detail.requiresRecreation,
        },
        Evaluation: detail.evaluation,
        ChangeSource: detail.evaluation === 'Dynamic' ? 'ResourceAttribute' : 'DirectModification',
      })),
    },
  };
}

function changeSetView(changeSet: ChangeSetRecord): Record<string, unknown> {
  const { definition } = changeSet;
  return {
    ChangeSetName: changeSet.name,
    ChangeSetId: changeSet.id,
    StackId: changeSet.stackId,
    StackName: changeSet.stackName,
    ...(changeSet.description !== undefined ? { Description: changeSet.description } : {}),
    Parameters: parametersView(definition),
    CreationTime: changeSet.createdTime,
    ExecutionStatus: changeSet.executionStatus,
    Status: changeSet.status,
    ...(changeSet.statusReason !== undefined ? { StatusReason: changeSet.statusReason } : {}),
    NotificationARNs: [],
    RollbackConfiguration: {},
    ...(definition.capabilities.length > 0 ? { Capabilities: [...definition.capabilities] } : {}),
    Tags: [...definition.tags],
    Changes: changeSet.changes.map(changeView),
    IncludeNestedStacks: false,
  };
}

function resourceView(stack: StackRecord, resource: StackResourceRecord): Record<string, unknown> {
  return {
    StackName: stack.name,
    StackId: stack.stackId,
    LogicalResourceId: resource.logicalId,
    PhysicalResourceId: resource.physicalId,
    ResourceType: resource.type,
    Timestamp: resource.lastUpdated,
    ResourceStatus: resource.status,
    ...(resource.statusReason !== undefined ? { ResourceStatusReason: resource.statusReason } : {}),
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  };
}

function resourceSummaryView(resource: StackResourceRecord): Record<string, unknown> {
  return {
    LogicalResourceId: resource.logicalId,
    PhysicalResourceId: resource.physicalId,
    ResourceType: resource.type,
    LastUpdatedTimestamp: resource.lastUpdated,
    ResourceStatus: resource.status,
    ...(resource.statusReason !== undefined ? { ResourceStatusReason: resource.statusReason } : {}),
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  };
}

/** ValidateTemplate's and GetTemplateSummary's common part. */
function templateParameters(template: Template, withConstraints: boolean): Record<string, unknown>[] {
  return Object.entries(template.Parameters).map(([key, declaration]) => ({
    ParameterKey: key,
    ...(declaration.Default !== undefined
      ? {
          DefaultValue: Array.isArray(declaration.Default)
            ? declaration.Default.map(String).join(',')
            : String(declaration.Default as string),
        }
      : {}),
    ...(withConstraints ? { ParameterType: declaration.Type } : {}),
    NoEcho: isNoEcho(declaration),
    ...(declaration.Description !== undefined ? { Description: declaration.Description } : {}),
    ...(withConstraints
      ? {
          ParameterConstraints: declaration.AllowedValues
            ? { AllowedValues: declaration.AllowedValues.map(String) }
            : {},
        }
      : {}),
  }));
}

function capabilitiesView(template: Template): Record<string, unknown> {
  const capability = requiredCapability(template);
  if (!capability) return {};
  return {
    Capabilities: [capability],
    CapabilitiesReason: `The following resource(s) require capabilities: [${[
      ...new Set(
        Object.values(template.Resources)
          .map((r) => r.Type)
          .filter((t) => t.startsWith('AWS::IAM::')),
      ),
    ].join(', ')}]`,
  };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? (value as string[]) : [];
}

export function cloudFormationService(
  modelFor: (ctx: RequestContext) => CloudFormationModel,
): ServiceDefinition {
  return {
    signingName: 'cloudformation',
    operations: {
      CreateChangeSet(input: OperationInput, ctx) {
        if (!input.StackName)
          throw errors.validationError(
            "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null",
          );
        if (!input.ChangeSetName)
          throw errors.validationError(
            "1 validation error detected: Value null at 'changeSetName' failed to satisfy constraint: Member must not be null",
          );
        const type = input.ChangeSetType ?? 'UPDATE';
        if (type !== 'CREATE' && type !== 'UPDATE') {
          throw errors.validationError(
            `ChangeSetType ${String(type)} is not supported by the local cloud (CREATE or UPDATE)`,
          );
        }
        const changeSet = modelFor(ctx).createChangeSet({
          stackName: input.StackName,
          changeSetName: input.ChangeSetName,
          changeSetType: type,
          ...(input.TemplateBody !== undefined ? { templateBody: input.TemplateBody } : {}),
          ...(input.TemplateURL !== undefined ? { templateUrl: input.TemplateURL } : {}),
          usePreviousTemplate: input.UsePreviousTemplate === true,
          parameters: input.Parameters ?? [],
          capabilities: stringList(input.Capabilities),
          tags: input.Tags ?? [],
          ...(input.Description !== undefined ? { description: input.Description } : {}),
        });
        return { Id: changeSet.id, StackId: changeSet.stackId };
      },

      DescribeChangeSet(input: OperationInput, ctx) {
        const changeSet = modelFor(ctx).requireChangeSet(input.ChangeSetName, input.StackName);
        return changeSetView(changeSet);
      },

      ExecuteChangeSet(input: OperationInput, ctx) {
        modelFor(ctx).executeChangeSet(input.ChangeSetName, input.StackName, input.DisableRollback === true);
        return {};
      },

      DeleteChangeSet(input: OperationInput, ctx) {
        modelFor(ctx).deleteChangeSet(input.ChangeSetName, input.StackName);
        return {};
      },

      DescribeStacks(input: OperationInput, ctx) {
        const model = modelFor(ctx);
        const stacks: StackRecord[] =
          input.StackName !== undefined
            ? [model.requireStack(input.StackName)]
            : model.liveStacks().reverse();
        const page = paginate(stacks, input.NextToken, STACKS_PAGE, invalidToken);
        return {
          Stacks: page.items.map(stackView),
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
        };
      },

      ListStacks(input: OperationInput, ctx) {
        const filter = stringList(input.StackStatusFilter);
        const stacks = modelFor(ctx)
          .allStacks()
          .reverse()
          .filter((stack) => filter.length === 0 || filter.includes(stack.status));
        const page = paginate(stacks, input.NextToken, STACKS_PAGE, invalidToken);
        return {
          StackSummaries: page.items.map((stack) => ({
            StackId: stack.stackId,
            StackName: stack.name,
            ...(stack.definition?.description !== undefined
              ? { TemplateDescription: stack.definition.description }
              : {}),
            CreationTime: stack.createdTime,
            ...(stack.lastUpdatedTime ? { LastUpdatedTime: stack.lastUpdatedTime } : {}),
            ...(stack.deletionTime ? { DeletionTime: stack.deletionTime } : {}),
            StackStatus: stack.status,
            ...(stack.statusReason !== undefined ? { StackStatusReason: stack.statusReason } : {}),
            DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
          })),
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
        };
      },

      DescribeStackEvents(input: OperationInput, ctx) {
        if (!input.StackName) throw errors.validationError('StackName must not be null');
        const stack = modelFor(ctx).requireStack(input.StackName);
        const events = [...stack.events].reverse();
        const page = paginate(events, input.NextToken, EVENTS_PAGE, invalidToken);
        return {
          StackEvents: page.items.map((event) => ({
            StackId: stack.stackId,
            EventId: event.eventId,
            StackName: stack.name,
            LogicalResourceId: event.logicalId,
            PhysicalResourceId: event.physicalId,
            ResourceType: event.type,
            Timestamp: event.timestamp,
            ResourceStatus: event.status,
            ...(event.reason !== undefined ? { ResourceStatusReason: event.reason } : {}),
            ...(event.properties !== undefined ? { ResourceProperties: event.properties } : {}),
          })),
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
        };
      },

      DescribeStackResources(input: OperationInput, ctx) {
        const model = modelFor(ctx);
        let stack: StackRecord | undefined;
        if (input.StackName !== undefined) stack = model.requireStack(input.StackName);
        else if (input.PhysicalResourceId !== undefined) {
          stack = model
            .liveStacks()
            .find((s) => [...s.resources.values()].some((r) => r.physicalId === input.PhysicalResourceId));
          if (!stack)
            throw errors.validationError(`Stack for ${String(input.PhysicalResourceId)} does not exist`);
        } else {
          throw errors.validationError('Either StackName or PhysicalResourceId must be specified.');
        }
        const found = stack;
        const resources = [...found.resources.values()].filter(
          (r) =>
            (input.LogicalResourceId === undefined || r.logicalId === input.LogicalResourceId) &&
            (input.PhysicalResourceId === undefined ||
              input.StackName !== undefined ||
              r.physicalId === input.PhysicalResourceId),
        );
        return { StackResources: resources.map((r) => resourceView(found, r)) };
      },

      ListStackResources(input: OperationInput, ctx) {
        if (!input.StackName) throw errors.validationError('StackName must not be null');
        const stack = modelFor(ctx).requireStack(input.StackName);
        const page = paginate([...stack.resources.values()], input.NextToken, EVENTS_PAGE, invalidToken);
        return {
          StackResourceSummaries: page.items.map(resourceSummaryView),
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
        };
      },

      GetTemplate(input: OperationInput, ctx) {
        const model = modelFor(ctx);
        let definition: StackDefinition | undefined;
        if (input.ChangeSetName !== undefined) {
          definition = model.requireChangeSet(input.ChangeSetName, input.StackName).definition;
        } else {
          if (!input.StackName)
            throw errors.validationError('Either StackName or ChangeSetName must be specified.');
          definition = model.requireStack(input.StackName).definition;
          if (!definition) throw errors.stackNotFound(input.StackName);
        }
        const hasTransform = transformsOf(definition.template).length > 0;
        // Processed: what the transforms made; a template without one is its own processed form.
        const body =
          input.TemplateStage === 'Processed' && hasTransform
            ? JSON.stringify(processedTemplate(definition.template))
            : definition.templateBody;
        return { TemplateBody: body, StagesAvailable: ['Original', 'Processed'] };
      },

      GetTemplateSummary(input: OperationInput, ctx) {
        const { template } = modelFor(ctx).templateFor({
          ...(input.TemplateBody !== undefined ? { templateBody: input.TemplateBody } : {}),
          ...(input.TemplateURL !== undefined ? { templateUrl: input.TemplateURL } : {}),
          ...(input.StackName !== undefined ? { stackName: input.StackName } : {}),
        });
        const transforms = transformsOf(template);
        return {
          Parameters: templateParameters(template, true),
          ...(template.Description !== undefined ? { Description: template.Description } : {}),
          ...capabilitiesView(template),
          ResourceTypes: [...new Set(Object.values(template.Resources).map((r) => r.Type))],
          ...(template.AWSTemplateFormatVersion !== undefined
            ? { Version: template.AWSTemplateFormatVersion }
            : {}),
          ...(transforms.length > 0 ? { DeclaredTransforms: transforms } : {}),
          ResourceIdentifierSummaries: [],
        };
      },

      ValidateTemplate(input: OperationInput, ctx) {
        const { template } = modelFor(ctx).templateFor({
          ...(input.TemplateBody !== undefined ? { templateBody: input.TemplateBody } : {}),
          ...(input.TemplateURL !== undefined ? { templateUrl: input.TemplateURL } : {}),
        });
        const transforms = transformsOf(template);
        return {
          Parameters: templateParameters(template, false),
          ...(template.Description !== undefined ? { Description: template.Description } : {}),
          ...capabilitiesView(template),
          ...(transforms.length > 0 ? { DeclaredTransforms: transforms } : {}),
        };
      },

      DeleteStack(input: OperationInput, ctx) {
        if (!input.StackName)
          throw errors.validationError(
            "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null",
          );
        modelFor(ctx).deleteStack(input.StackName);
        return {};
      },
    },
  };
}
