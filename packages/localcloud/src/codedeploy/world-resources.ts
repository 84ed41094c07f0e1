// The CodeDeploy part of a world file: applications and custom deployment configs, created through
// the model's own operations so that they get AWS's validation (a name taken twice fails as
// CreateApplication would). Deployment configs come first, so nothing in the world can refer to one
// that is not there yet.

import type { World, WorldJournal } from '../world.js';
import { AwsApiError } from '../service.js';
import type { CodeDeployModel } from './model.js';

export function applyWorldResources(
  model: CodeDeployModel,
  world: Pick<World, 'applications' | 'deploymentConfigs'>,
  journal: Pick<WorldJournal, 'record'>,
): void {
  world.deploymentConfigs.forEach((config, index) => {
    atPath(`deploymentConfigs.${index}`, () =>
      model.createDeploymentConfig({
        deploymentConfigName: config.name,
        minimumHealthyHosts: config.minimumHealthyHosts,
        computePlatform: config.computePlatform,
      }),
    );
    journal.record(() => model.deleteDeploymentConfig({ deploymentConfigName: config.name }));
  });
  world.applications.forEach((application, index) => {
    atPath(`applications.${index}`, () =>
      model.createApplication({
        applicationName: application.name,
        computePlatform: application.computePlatform,
      }),
    );
    journal.record(() => model.deleteApplication({ applicationName: application.name }));
  });
}

/** The world path goes in front of the message, so the error says which entry was refused. */
function atPath(path: string, create: () => unknown): void {
  try {
    create();
  } catch (error) {
    if (error instanceof AwsApiError)
      throw new AwsApiError(error.code, `${path}: ${error.message}`, { status: error.status });
    throw error;
  }
}
