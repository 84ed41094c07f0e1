// A local cloud, a scratch directory (the CLI's HOME and its files) and an AwsCli pointed at both.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegionModels } from '../../src/cloud.js';
import type { AsgInstance } from '../../src/ports.js';
import type { WorldInput } from '../../src/world.js';
import { startTestCloud, type TestCloud } from '../harness.js';
import { AwsCli } from './aws-cli.js';

export interface CliSession {
  readonly cloud: TestCloud;
  readonly cli: AwsCli;
  readonly scratch: string;
  /**
   * The region's models, read in-process: waiting on state costs no CLI call (each is most of a
   * second) and leaves the server's request counts to the CLI alone.
   */
  models(): RegionModels;
  asgInstances(groupName: string): AsgInstance[];
  requestCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * 200× time: a lifecycle hook's two-hour heartbeat timeout (36 s here) outlasts a few slow CLI
 * calls, while a blue/green deployment still runs from Created to Ready in a few seconds.
 */
export const CLI_TIME_SCALE = 200;

export async function startCliSession(world: WorldInput): Promise<CliSession> {
  const cloud = await startTestCloud({ world, timeScale: CLI_TIME_SCALE });
  const scratch = await mkdtemp(join(tmpdir(), 'localcloud-aws-cli-'));
  const cli = new AwsCli({ endpoint: cloud.lc.url, concurrency: 3, home: scratch });
  const models = () => cloud.lc.cloud.region('us-east-1');
  return {
    cloud,
    cli,
    scratch,
    models,
    asgInstances: (groupName) => models().autoscaling.get(groupName)?.instances ?? [],
    requestCounts: async () =>
      (await (await fetch(`${cloud.lc.url}/_localcloud/requests`)).json()) as Record<string, number>,
    async close() {
      cli.close();
      await cloud.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
