// CloudFormation over the query protocol (Version=2010-05-15).
import type { RequestContext, ServiceDefinition } from '../service.js';
import type { CloudFormationModel } from './model.js';

export function cloudFormationService(
  _modelFor: (ctx: RequestContext) => CloudFormationModel,
): ServiceDefinition {
  return { signingName: 'cloudformation', operations: {} };
}
