// The records CloudFormation keeps per stack: the stack itself, its resources, events and change sets.
import type { ResourceChange } from './plan.js';
import type { Template } from './template.js';

export type StackStatus =
  | 'REVIEW_IN_PROGRESS'
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_COMPLETE'
  | 'ROLLBACK_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_FAILED'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE';

export type ResourceStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_FAILED'
  | 'CREATE_COMPLETE'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_FAILED'
  | 'DELETE_COMPLETE'
  | 'DELETE_SKIPPED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_FAILED'
  | 'UPDATE_COMPLETE';

export interface StackResourceRecord {
  readonly logicalId: string;
  readonly type: string;
  physicalId: string;
  /** Properties as last applied, intrinsic functions resolved. */
  properties: Record<string, unknown>;
  attributes: Record<string, unknown>;
  status: ResourceStatus;
  statusReason?: string;
  lastUpdated: Date;
}

/** What a template and its parameters were when they were applied. */
export interface StackDefinition {
  readonly templateBody: string;
  readonly template: Template;
  readonly parameters: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[];
  readonly tags: readonly { Key: string; Value: string }[];
  readonly description?: string;
}

export interface StackEventRecord {
  readonly eventId: string;
  readonly logicalId: string;
  readonly physicalId: string;
  readonly type: string;
  readonly timestamp: Date;
  readonly status: string;
  readonly reason?: string;
  readonly properties?: string;
}

export interface StackOutput {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
  readonly exportName?: string;
}

export interface StackRecord {
  readonly stackId: string;
  readonly name: string;
  readonly createdTime: Date;
  lastUpdatedTime?: Date;
  deletionTime?: Date;
  status: StackStatus;
  statusReason?: string;
  /** The applied definition; undefined while a new stack waits for its first change set. */
  definition?: StackDefinition;
  readonly resources: Map<string, StackResourceRecord>;
  outputs: StackOutput[];
  /** Newest last. */
  readonly events: StackEventRecord[];
  /** The change set that made it what it is. */
  changeSetId?: string;
  disableRollback: boolean;
}

export type ChangeSetStatus =
  'CREATE_PENDING' | 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'DELETE_COMPLETE' | 'FAILED';
export type ExecutionStatus =
  'UNAVAILABLE' | 'AVAILABLE' | 'EXECUTE_IN_PROGRESS' | 'EXECUTE_COMPLETE' | 'EXECUTE_FAILED' | 'OBSOLETE';

export interface ChangeSetRecord {
  readonly id: string;
  readonly name: string;
  readonly stackId: string;
  readonly stackName: string;
  readonly type: 'CREATE' | 'UPDATE';
  readonly createdTime: Date;
  readonly description?: string;
  readonly definition: StackDefinition;
  status: ChangeSetStatus;
  statusReason?: string;
  executionStatus: ExecutionStatus;
  changes: ResourceChange[];
}
