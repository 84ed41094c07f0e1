// AWS::CodeDeploy::Application: an application of the region's CodeDeploy, as CreateApplication makes it.
import type { ResourceProvider } from '../provider.js';
import { calling, tagList, text } from './support.js';

const application: ResourceProvider = {
  replaceOn: ['ApplicationName', 'ComputePlatform'],
  nameProperty: 'ApplicationName',
  async create(properties, ctx) {
    const name = text(properties.ApplicationName) ?? ctx.generatedName(100);
    await calling('CodeDeploy', () =>
      ctx.models.codedeploy.createApplication({
        applicationName: name,
        computePlatform: text(properties.ComputePlatform) ?? 'Server',
        tags: tagList(properties.Tags),
      }),
    );
    return { physicalId: name, attributes: { ApplicationName: name } };
  },
  // Only Tags are left to change in place; the application keeps the tags it was created with.
  update: (physicalId) => ({ physicalId }),
  async delete(physicalId, _properties, ctx) {
    await calling('CodeDeploy', () =>
      ctx.models.codedeploy.deleteApplication({ applicationName: physicalId }),
    );
  },
};

export const codeDeployProviders: ReadonlyMap<string, ResourceProvider> = new Map([
  ['AWS::CodeDeploy::Application', application],
]);
