// `greenlight localcloud`: starts the local cloud, says where it listens, stops when `signal` aborts.
import type { Writable } from 'node:stream';
import { greenlightClock, startLocalCloud, type RunningLocalCloud } from './server.js';

export interface RunLocalCloudOptions {
  readonly port?: number;
  readonly worldFile?: string;
  readonly timeScale?: number;
  /** Scaled (the default) or accelerated time (a manual clock needs a driver in the same process). */
  readonly clock?: 'scaled' | 'accelerated';
  readonly seed?: number;
  /** The cloud's account (12 digits; 123456789012 by default). */
  readonly accountId?: string;
  readonly signal: AbortSignal;
  /** Where progress goes; stderr unless a test says otherwise. */
  readonly stderr?: Writable;
  /** Called once the server listens (tests use it to find the port). */
  readonly onListening?: (cloud: RunningLocalCloud) => void;
}

export async function runLocalCloud(options: RunLocalCloudOptions): Promise<void> {
  const stderr = options.stderr ?? process.stderr;
  const cloud = await startLocalCloud({
    port: options.port ?? 4566,
    ...(options.worldFile !== undefined ? { world: options.worldFile } : {}),
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
  });
  stderr.write(`local cloud listening on ${cloud.url}\n`);
  if (options.accountId !== undefined) stderr.write(`its account is ${cloud.cloud.accountId}\n`);
  stderr.write(
    `use it with: export AWS_ENDPOINT_URL=${cloud.url} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1\n`,
  );
  // Older AWS CLIs (Debian 12's 2.9 among them) ignore AWS_ENDPOINT_URL and would call the real AWS;
  // version 1 reads AWS_DEFAULT_REGION, not AWS_REGION. So both go on the command itself.
  stderr.write(
    `the AWS CLI needs the endpoint on each command: aws --endpoint-url ${cloud.url} --region us-east-1 deploy list-applications\n`,
  );
  if (cloud.acceleratedClock) {
    stderr.write(
      `its clock is accelerated (${cloud.acceleratedClock.timeScale}× AWS time, timestamps included); put greenlight on it with: export GREENLIGHT_CLOCK=${greenlightClock(cloud)}\n`,
    );
  }
  options.onListening?.(cloud);
  if (!options.signal.aborted) {
    await new Promise<void>((resolve) =>
      options.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  await cloud.close();
  stderr.write('local cloud stopped\n');
}
