// The local cloud's HTTP server: one port on 127.0.0.1 for every service (router.ts says which
// service answers a request). startLocalCloud puts the parts together: the listener proxies and the
// cloud behind them, the world, the router, the server and what closing it stops.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cloud } from './cloud.js';
import {
  createAcceleratedScheduler,
  createManualScheduler,
  greenlightClockValue,
  type AcceleratedScheduler,
  type ManualScheduler,
  type WallClock,
} from './clock.js';
import { refuseRealAgents } from './control.js';
import { ListenerProxies } from './elbv2/listener-proxy.js';
import { createRouter } from './router.js';
import { AwsApiError } from './service.js';
import { applyWorld, loadWorldFile, parseWorld, WorldError, type WorldInput } from './world.js';

export const HOST = '127.0.0.1';

/**
 * How time runs in the cloud (packages/localcloud/README.md, "Time"):
 * - `'scaled'` (the default): wall time, AWS durations divided by `timeScale`;
 * - `'manual'`: virtual time from the instant the cloud starts, moving only when advanced (the
 *   control API's `POST /_localcloud/clock/advance`, or `virtualTime(cloud)` in the same process);
 * - `{ manual: start }`: the same, from a given instant;
 * - `'accelerated'`: AWS time runs `timeScale` times faster than the wall clock, timestamps included
 *   (a one-hour token expires after an hour of it); `{ accelerated: { start, wall } }` anchors it at
 *   another instant, or on a test's wall clock. Processes follow it through GREENLIGHT_CLOCK.
 * A manual clock runs synthetic instances only: a world with `agent: real` is refused.
 */
export type ClockOption =
  | 'scaled'
  | 'manual'
  | { readonly manual: Date | number | string }
  | 'accelerated'
  | { readonly accelerated: AcceleratedClockOption };

export interface AcceleratedClockOption {
  /** The virtual instant at start (default: the wall instant the cloud starts). */
  readonly start?: Date | number | string;
  /** The wall it runs on (default Date.now and setTimeout); tests move their own. */
  readonly wall?: WallClock;
}

export interface LocalCloudOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Scaled and accelerated modes: AWS time per wall time (default 1). */
  readonly timeScale?: number;
  /** Scaled wall time (the default), a manual virtual clock, or accelerated virtual time. */
  readonly clock?: ClockOption;
  /** A world, or the path of a world file (YAML or JSON), applied before the server answers. */
  readonly world?: WorldInput | string;
  readonly seed?: number;
  /** Page size of CodeDeploy's List* operations (small in tests that exercise pagination). */
  readonly codeDeployPageSize?: number;
  /**
   * The account every ARN, STS identity and `AWS::AccountId` is in (12 digits; DEFAULT_ACCOUNT_ID
   * by default): two clouds with two ids stand for two accounts, e.g. dev and prod apart.
   */
  readonly accountId?: string;
  /**
   * AWS seconds from an instance's launch until its synthetic agent answers: 0 by default (events run
   * as soon as an instance is InService); a rehearsal gives the time cloud-init takes on AWS.
   */
  readonly syntheticAgentStartSeconds?: number;
}

/** Why `value` is no AWS account id, or undefined when it is one (12 digits). */
export function accountIdProblem(value: string): string | undefined {
  return /^\d{12}$/.test(value) ? undefined : 'expected an AWS account id: 12 digits, such as 123456789012';
}

export interface RunningLocalCloud {
  readonly url: string;
  readonly port: number;
  readonly cloud: Cloud;
  /** The manual clock, when the cloud was started with one (`clock: 'manual'`); undefined in scaled mode. */
  readonly manualClock: ManualScheduler | undefined;
  /**
   * The accelerated clock, when the cloud was started with one (`clock: 'accelerated'`): its anchors
   * give GREENLIGHT_CLOCK (`greenlightClock(cloud)`).
   */
  readonly acceleratedClock: AcceleratedScheduler | undefined;
  /**
   * Requests this server has received and not yet answered (AWS and control API alike): what an
   * auto-advancing driver waits on before it moves virtual time.
   */
  inFlight(): number;
  close(): Promise<void>;
}

/** The manual scheduler a clock option asks for; undefined for scaled time. */
export function manualSchedulerFor(
  clock: ClockOption | undefined,
  timeScale?: number,
): ManualScheduler | undefined {
  if (clock === undefined || clock === 'scaled' || clock === 'accelerated') return undefined;
  if (typeof clock === 'object' && 'accelerated' in clock) return undefined;
  if (timeScale !== undefined && timeScale !== 1) {
    throw new Error(
      `timeScale ${timeScale} is for a scaled clock; a manual clock runs AWS time only as it is advanced`,
    );
  }
  if (clock === 'manual') return createManualScheduler();
  const start = typeof clock.manual === 'string' ? Date.parse(clock.manual) : clock.manual;
  return createManualScheduler({ start });
}

/**
 * The GREENLIGHT_CLOCK value that puts greenlight's CLI (a process of its own) on this cloud's time;
 * only an accelerated clock has one. Over HTTP: `controlClient(url).greenlightClock()`.
 */
export function greenlightClock(cloud: Pick<RunningLocalCloud, 'acceleratedClock'>): string {
  if (!cloud.acceleratedClock) {
    throw new Error(
      "GREENLIGHT_CLOCK is for a local cloud on an accelerated clock: startLocalCloud({ clock: 'accelerated', timeScale })",
    );
  }
  return greenlightClockValue(cloud.acceleratedClock);
}

/** The accelerated scheduler a clock option asks for; undefined for the other modes. */
export function acceleratedSchedulerFor(
  clock: ClockOption | undefined,
  timeScale?: number,
): AcceleratedScheduler | undefined {
  let settings: AcceleratedClockOption;
  if (clock === 'accelerated') settings = {};
  else if (typeof clock === 'object' && 'accelerated' in clock) settings = clock.accelerated;
  else return undefined;
  const start = typeof settings.start === 'string' ? Date.parse(settings.start) : settings.start;
  return createAcceleratedScheduler({
    timeScale: timeScale ?? 1,
    ...(start !== undefined ? { start } : {}),
    ...(settings.wall ? { wall: settings.wall } : {}),
  });
}

/** The cloud behind its listener proxies, with the world applied; `stop` undoes all of it. */
async function createCloud(
  options: LocalCloudOptions,
  manualClock: ManualScheduler | undefined,
  acceleratedClock: AcceleratedScheduler | undefined,
): Promise<{ cloud: Cloud; stop: () => Promise<void> }> {
  // Listeners are real reverse proxies; they find targets through the cloud created just below.
  const ref: { cloud?: Cloud } = {};
  const listeners = new ListenerProxies({
    modelsOf: (loadBalancerArn) => {
      const region = loadBalancerArn.split(':')[3];
      return region && ref.cloud ? ref.cloud.region(region) : undefined;
    },
    isReal: (instanceId) => ref.cloud?.instances.get(instanceId) !== undefined,
    versionOf: (instanceId) => ref.cloud?.installedVersion(instanceId),
    // The time a synthetic instance's /healthcheck reports: the cloud's own on an accelerated clock.
    now: () => acceleratedClock?.now() ?? new Date(),
  });
  const cloud = new Cloud({
    openListener: (listener) => listeners.openListener(listener),
    // Real instances run real processes in real time: a manual clock has none (worlds asking for
    // them are refused, see refuseRealAgents).
    realInstances: { enabled: manualClock === undefined },
    ...(manualClock ? { scheduler: manualClock } : {}),
    ...(acceleratedClock ? { scheduler: acceleratedClock } : {}),
    ...(options.timeScale !== undefined && !manualClock && !acceleratedClock
      ? { timeScale: options.timeScale }
      : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.codeDeployPageSize !== undefined ? { codeDeployPageSize: options.codeDeployPageSize } : {}),
    ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
    ...(options.syntheticAgentStartSeconds !== undefined
      ? { syntheticAgentStartSeconds: options.syntheticAgentStartSeconds }
      : {}),
  });
  ref.cloud = cloud;
  cloud.onReset(() => void listeners.closeListeners());
  // Whatever fails from here on (a world refused, the port taken) must not leave timers, sandboxes
  // or listener ports behind.
  const stop = async (): Promise<void> => {
    await cloud.close();
    await listeners.close();
  };
  try {
    if (options.world !== undefined) {
      const world =
        typeof options.world === 'string' ? await loadWorldFile(options.world) : parseWorld(options.world);
      refuseRealAgents(cloud, world);
      applyWorld(cloud, world);
      // A world listener that cannot be served fails the start, naming its load balancer and port:
      // the world's to fix (the CLIs exit 2), as a world the models refuse.
      try {
        for (const models of cloud.allRegions()) await models.elbv2.listenersServed();
      } catch (error) {
        if (error instanceof AwsApiError) throw new WorldError(`the world: ${error.message}`);
        throw error;
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { cloud, stop };
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<RunningLocalCloud> {
  const badAccount = options.accountId === undefined ? undefined : accountIdProblem(options.accountId);
  if (badAccount !== undefined)
    throw new TypeError(`accountId ${JSON.stringify(options.accountId)}: ${badAccount}`);
  const manualClock = manualSchedulerFor(options.clock, options.timeScale);
  const acceleratedClock = acceleratedSchedulerFor(options.clock, options.timeScale);
  const { cloud, stop: stopCloud } = await createCloud(options, manualClock, acceleratedClock);
  const route = createRouter(cloud);
  // Counted from the moment the request is parsed until its answer is sent or its connection drops.
  let inFlight = 0;
  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    inFlight++;
    response.once('close', () => inFlight--);
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const body = JSON.stringify({
        __type: 'InternalFailure',
        message: (error as Error).message ?? String(error),
      });
      response.writeHead(500, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      });
      response.end(body);
    });
  });
  // A client-side protocol error (malformed HTTP) must not crash the process; the client gets the
  // answer Node itself would give, when the socket can still carry one.
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await stopCloud();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  cloud.instances.setEndpoint(`http://${HOST}:${port}`);

  return {
    url: `http://${HOST}:${port}`,
    port,
    cloud,
    manualClock,
    acceleratedClock,
    inFlight: () => inFlight,
    close: async () => {
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await stopCloud();
      await closed;
    },
  };
}
