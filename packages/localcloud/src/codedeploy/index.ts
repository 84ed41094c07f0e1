// The local cloud's CodeDeploy: the model (state, operations, deployment state machine) and the
// service definition the HTTP layer routes to.

import type { CodeDeployDeps } from './model.js';
import { CodeDeployModel } from './model.js';

export type { CodeDeployDeps } from './model.js';
export { CodeDeployModel } from './model.js';
export { codeDeployService, codeDeployOperations } from './handlers.js';
export type {
  Agent,
  AgentEventRequest,
  AgentEventResult,
  AgentDeployment,
  Diagnostics,
  Revision,
} from './agent.js';
export { createSyntheticAgent } from './synthetic-agent.js';
export { timing } from './deployment.js';
export { applyWorldResources } from './world-resources.js';

export function createCodeDeployModel(deps: CodeDeployDeps): CodeDeployModel {
  return new CodeDeployModel(deps);
}
