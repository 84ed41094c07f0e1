// IAM over the query protocol (Version=2010-05-08). Global: every region's endpoint answers from the
// one IamModel.
import type { ServiceDefinition } from '../service.js';
import type { IamModel } from './model.js';

export function iamService(_model: () => IamModel): ServiceDefinition {
  return { signingName: 'iam', operations: {} };
}
