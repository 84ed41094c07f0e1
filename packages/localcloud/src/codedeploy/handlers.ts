// CodeDeploy's operations over JSON 1.1: each handler hands the decoded input to the region's model
// and returns the output shape the protocol layer renders.

import type { ServiceDefinition, RequestContext } from '../service.js';
import type { CodeDeployModel, Input } from './model.js';

export function codeDeployService(modelFor: (ctx: RequestContext) => CodeDeployModel): ServiceDefinition {
  return {
    signingName: 'codedeploy',
    operations: {
      CreateApplication: (input: Input, ctx) => modelFor(ctx).createApplication(input),
      GetApplication: (input: Input, ctx) => modelFor(ctx).getApplication(input),
      ListApplications: (input: Input, ctx) => modelFor(ctx).listApplications(input),
      BatchGetApplications: (input: Input, ctx) => modelFor(ctx).batchGetApplications(input),
      DeleteApplication: (input: Input, ctx) => modelFor(ctx).deleteApplication(input),
      CreateDeploymentGroup: (input: Input, ctx) => modelFor(ctx).createDeploymentGroup(input),
      GetDeploymentGroup: (input: Input, ctx) => modelFor(ctx).getDeploymentGroup(input),
      UpdateDeploymentGroup: (input: Input, ctx) => modelFor(ctx).updateDeploymentGroup(input),
      ListDeploymentGroups: (input: Input, ctx) => modelFor(ctx).listDeploymentGroups(input),
      BatchGetDeploymentGroups: (input: Input, ctx) => modelFor(ctx).batchGetDeploymentGroups(input),
      DeleteDeploymentGroup: (input: Input, ctx) => modelFor(ctx).deleteDeploymentGroup(input),
      CreateDeploymentConfig: (input: Input, ctx) => modelFor(ctx).createDeploymentConfig(input),
      GetDeploymentConfig: (input: Input, ctx) => modelFor(ctx).getDeploymentConfig(input),
      ListDeploymentConfigs: (input: Input, ctx) => modelFor(ctx).listDeploymentConfigs(input),
      DeleteDeploymentConfig: (input: Input, ctx) => modelFor(ctx).deleteDeploymentConfig(input),
      CreateDeployment: (input: Input, ctx) => modelFor(ctx).createDeployment(input),
      GetDeployment: (input: Input, ctx) => modelFor(ctx).getDeployment(input),
      BatchGetDeployments: (input: Input, ctx) => modelFor(ctx).batchGetDeployments(input),
      ListDeployments: (input: Input, ctx) => modelFor(ctx).listDeployments(input),
      StopDeployment: (input: Input, ctx) => modelFor(ctx).stopDeployment(input),
      ContinueDeployment: (input: Input, ctx) => modelFor(ctx).continueDeployment(input),
      ListDeploymentTargets: (input: Input, ctx) => modelFor(ctx).listDeploymentTargets(input),
      BatchGetDeploymentTargets: (input: Input, ctx) => modelFor(ctx).batchGetDeploymentTargets(input),
      GetDeploymentTarget: (input: Input, ctx) => modelFor(ctx).getDeploymentTarget(input),
      ListDeploymentInstances: (input: Input, ctx) => modelFor(ctx).listDeploymentInstances(input),
      BatchGetDeploymentInstances: (input: Input, ctx) => modelFor(ctx).batchGetDeploymentInstances(input),
      GetDeploymentInstance: (input: Input, ctx) => modelFor(ctx).getDeploymentInstance(input),
      TagResource: (input: Input, ctx) => modelFor(ctx).tagResource(input),
      UntagResource: (input: Input, ctx) => modelFor(ctx).untagResource(input),
      ListTagsForResource: (input: Input, ctx) => modelFor(ctx).listTagsForResource(input),
    },
  };
}

/** The operations the local cloud implements, for the model trimming script and the contract tests. */
export const codeDeployOperations: readonly string[] = Object.keys(
  codeDeployService(() => {
    throw new Error('only the operation names are read');
  }).operations,
);
