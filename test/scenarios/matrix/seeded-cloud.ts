// A test cloud like test/support/cloud.ts's, with the local cloud's random seeded: the fault matrix
// reruns with several seeds so probabilistic faults fire on different calls each time.
import { createAwsClients } from '../../../src/aws/clients.js';
import { startLocalCloud } from '../../../src/localcloud/server.js';
import type { WorldInput } from '../../../src/localcloud/world.js';
import { credentials, type TestCloud } from '../../support/cloud.js';

export async function startSeededCloud(options: {
  world: WorldInput;
  timeScale: number;
  seed: number;
}): Promise<TestCloud> {
  const lc = await startLocalCloud({
    timeScale: options.timeScale,
    world: options.world,
    seed: options.seed,
  });
  const aws = createAwsClients({ endpoint: lc.url, region: 'us-east-1', credentials });
  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${lc.url}/_localcloud/${path}`, {
      method,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    if (!response.ok)
      throw new Error(`${method} /_localcloud/${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    lc,
    aws,
    env: {
      AWS_ENDPOINT_URL: lc.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    fault: async (rule) => ((await control('POST', 'faults', rule)) as { id: string }).id,
    clearFaults: async () => {
      await control('DELETE', 'faults');
    },
    requests: async () => (await control('GET', 'requests')) as Record<string, number>,
    async close() {
      aws.destroy();
      await lc.close();
    },
  };
}
