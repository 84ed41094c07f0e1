// A running local cloud with CodeDeploy served next to A's services, and a CodeDeploy SDK client.
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { CodeDeployModel } from '../../src/codedeploy/index.js';
import type { WorldInput } from '../../src/world.js';
import { clientConfig, startTestCloud, type TestCloud } from '../harness.js';

// The worlds and revisions (no SDK, no server) are in world.ts, for the pure tests too.
export { s3Revision, serviceRoleArn, webWorld } from './world.js';

export interface CodeDeployTestCloud extends TestCloud {
  readonly codedeploy: CodeDeployClient;
  model(region?: string): CodeDeployModel;
}

export interface CodeDeployCloudOptions {
  readonly world?: WorldInput;
  /** Scaled wall time; absent, a manual clock (harness.ts). */
  readonly timeScale?: number;
  readonly pageSize?: number;
}

/** A local cloud with a CodeDeploy client next to the infrastructure clients. */
export async function startCodeDeployCloud(
  options: CodeDeployCloudOptions = {},
): Promise<CodeDeployTestCloud> {
  const tc = await startTestCloud({
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.world ? { world: options.world } : {}),
    ...(options.pageSize !== undefined ? { codeDeployPageSize: options.pageSize } : {}),
  });
  const codedeploy = new CodeDeployClient(clientConfig(tc.lc.url));
  return {
    ...tc,
    codedeploy,
    model: (region = 'us-east-1') => tc.lc.cloud.region(region).codedeploy,
    async close() {
      codedeploy.destroy();
      await tc.close();
    },
  };
}

export async function putRevisions(tc: TestCloud, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    await tc.s3.send(
      new PutObjectCommand({ Bucket: 'web-revisions', Key: key, Body: Buffer.from(`bundle ${key}`) }),
    );
  }
}
