// The typed client of the control API under /_localcloud/ (control.ts serves it): what a test, the
// demo or a person's script uses to set up and watch a running local cloud. Everything that has a
// real AWS API (scaling, alarm state, registering targets) goes through that API, with the SDK.
import type { RoleUsage } from './iam/usage.js';
import type { ClockState, InstanceAgentState, ServedListener, SsmAgentStates } from './control.js';
import type { SsmAgentState } from './ssm/model.js';
import type { FaultRule, StoredFaultRule } from './faults.js';
import type { CircleCiTokenRequest, MintedToken } from './sts/circleci-issuer.js';
import type { Jwk } from './sts/jwt.js';
import type { WorldInput } from './world.js';

/** A control call the local cloud refused: the route and its answer. */
export class ControlError extends Error {
  constructor(
    readonly route: string,
    readonly status: number,
    body: string,
  ) {
    super(`${route}: ${status} ${body}`);
    this.name = 'ControlError';
  }
}

/** What `loadWorld` says the world made. */
export interface LoadedWorld {
  readonly region: string;
  readonly autoScalingGroups: readonly string[];
  readonly targetGroups: readonly string[];
}

export interface LocalCloudControl {
  /** `ok` while the cloud serves. */
  health(): Promise<'ok'>;
  /** Forgets everything: resources, deployments, faults, request counts. */
  reset(): Promise<void>;
  /** Adds the resources of a world (its YAML or JSON text, or the value) to the cloud. */
  loadWorld(world: WorldInput | string): Promise<LoadedWorld>;
  /** Adds a fault rule; returns its id. */
  addFault(rule: FaultRule): Promise<string>;
  clearFaults(): Promise<void>;
  faults(): Promise<readonly StoredFaultRule[]>;
  /**
   * Every load balancer listener and where it is really served (`url`): DNSName and Port, unless the
   * port is privileged and the cloud may not bind it (then a free port on the same address).
   */
  listeners(): Promise<readonly ServedListener[]>;
  /** Requests served so far, by `Service.Operation`. */
  requests(): Promise<Record<string, number>>;
  /**
   * For each role whose sessions made requests: every action asked for on each resource with the
   * decision, and the actions its policies allow that no allowed request used (least privilege by
   * running).
   */
  iamUsage(): Promise<readonly RoleUsage[]>;
  /** The cloud's clock: its mode, its time (virtual in manual mode) and, manual, its pending timers. */
  clock(): Promise<ClockState>;
  /**
   * The GREENLIGHT_CLOCK value for greenlight's CLI (`accelerated:<scale>:<virtualEpochMs>:<wallEpochMs>`):
   * put it in a process's environment and its waits, deadlines and timestamps run on the cloud's
   * accelerated time. Only an accelerated clock has one (an Error naming the cloud's mode otherwise).
   */
  greenlightClock(): Promise<string>;
  /**
   * Moves a manual clock forward by `ms` AWS milliseconds (or to an instant, or to its next timer),
   * firing every timer due by then in order; a scaled clock refuses (ControlError, 409).
   */
  advance(by: number | { to: Date } | 'next'): Promise<ClockState & { fired: number }>;
  /**
   * A CircleCI OIDC token (RS256, `iss` https://oidc.circleci.com/org/<orgId>, `aud` the org id,
   * `exp` an hour after now on the cloud's clock) that the cloud's STS accepts in
   * AssumeRoleWithWebIdentity; `claims` is what it says.
   */
  circleCiToken(request: CircleCiTokenRequest): Promise<MintedToken>;
  /** The public keys the local CircleCI issuer signs with. */
  circleCiJwks(): Promise<{ keys: Jwk[] }>;
  /**
   * The agent of new instances whose launch names none (CreateAutoScalingGroup, a stack's group,
   * their scale-outs and CodeDeploy's copies); `real` is refused on a manual clock (409).
   */
  instanceAgent(agent?: 'synthetic' | 'real'): Promise<'synthetic' | 'real'>;
  /**
   * The SSM Agent of instances: with `instanceIds`, starts (`online`), stops or removes it on those
   * instances (a registered one reads ConnectionLost, SendCommand refuses it); without, sets it for
   * every instance launched from now on. No state: reads them all.
   */
  ssmAgent(state?: SsmAgentState, instanceIds?: readonly string[]): Promise<SsmAgentStates>;
}

/** The control client of the local cloud at `url` (e.g. `http://127.0.0.1:4566`). */
export function controlClient(url: string): LocalCloudControl {
  const call = async <T>(method: string, path: string, body?: string): Promise<T> => {
    const route = `${method} /_localcloud/${path}`;
    const response = await fetch(`${url.replace(/\/+$/, '')}/_localcloud/${path}`, {
      method,
      ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new ControlError(route, response.status, text);
    return JSON.parse(text) as T;
  };
  return {
    health: async () => (await call<{ status: 'ok' }>('GET', 'health')).status,
    reset: async () => {
      await call('POST', 'reset');
    },
    loadWorld: (world) =>
      call<LoadedWorld>('POST', 'world', typeof world === 'string' ? world : JSON.stringify(world)),
    addFault: async (rule) => (await call<{ id: string }>('POST', 'faults', JSON.stringify(rule))).id,
    clearFaults: async () => {
      await call('DELETE', 'faults');
    },
    faults: async () => (await call<{ faults: StoredFaultRule[] }>('GET', 'faults')).faults,
    listeners: async () => (await call<{ listeners: ServedListener[] }>('GET', 'listeners')).listeners,
    requests: () => call<Record<string, number>>('GET', 'requests'),
    iamUsage: async () => (await call<{ roles: RoleUsage[] }>('GET', 'iam/usage')).roles,
    clock: () => call<ClockState>('GET', 'clock'),
    greenlightClock: async () => {
      const state = await call<ClockState>('GET', 'clock');
      if (state.greenlightClock === undefined) {
        throw new Error(
          `the local cloud at ${url} runs a ${state.mode} clock; GREENLIGHT_CLOCK needs one started with an accelerated clock (localcloud --clock accelerated)`,
        );
      }
      return state.greenlightClock;
    },
    circleCiToken: (request) => call<MintedToken>('POST', 'oidc/circleci/token', JSON.stringify(request)),
    circleCiJwks: () => call<{ keys: Jwk[] }>('GET', 'oidc/circleci/jwks'),
    advance: (by) =>
      call<ClockState & { fired: number }>(
        'POST',
        'clock/advance',
        JSON.stringify(
          typeof by === 'number' ? { ms: by } : by === 'next' ? { next: true } : { to: by.to.toISOString() },
        ),
      ),
    ssmAgent: (state, instanceIds) =>
      state === undefined
        ? call<SsmAgentStates>('GET', 'instances/ssm-agent')
        : call<SsmAgentStates>(
            'POST',
            'instances/ssm-agent',
            JSON.stringify({ state, ...(instanceIds ? { instanceIds } : {}) }),
          ),
    instanceAgent: async (agent) =>
      (agent === undefined
        ? await call<InstanceAgentState>('GET', 'instances/agent')
        : await call<InstanceAgentState>('POST', 'instances/agent', JSON.stringify({ agent }))
      ).agent,
  };
}
