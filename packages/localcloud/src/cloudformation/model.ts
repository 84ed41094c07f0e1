// CloudFormation's state for one region: stacks, change sets, events. (Issue 16: the engine is
// being built; see provider.ts for how resource types plug in.)
import type { Cloud } from '../cloud.js';

export interface CloudFormationModelOptions {
  readonly cloud: Cloud;
  readonly region: string;
}

export class CloudFormationModel {
  constructor(readonly options: CloudFormationModelOptions) {}
}
