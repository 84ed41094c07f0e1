// The control API under /_localcloud/ (DESIGN.md): health, reset, world, fault rules, request counts,
// and the clock (read it; advance it when it is manual).
// Everything that has a real AWS API (scaling, alarm state, registering targets) goes through that
// API instead.
import type { Cloud } from './cloud.js';
import { greenlightClockValue, isAcceleratedScheduler, isManualScheduler } from './clock.js';
import { FaultRuleError } from './faults.js';
import { AwsApiError } from './service.js';
import { SSM_AGENT_STATES, type SsmAgentState } from './ssm/model.js';
import { circleCiIssuer, type CircleCiTokenRequest } from './sts/circleci-issuer.js';
import { applyWorld, parseWorldText, WorldError, type World } from './world.js';

export const CONTROL_PREFIX = '/_localcloud/';

export interface ControlResponse {
  readonly status: number;
  readonly body: unknown;
}

function problem(status: number, message: string): ControlResponse {
  return { status, body: { error: message } };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new FaultRuleError(`the body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * A manual clock has no real instances: their hooks are real processes that run in real time, which
 * virtual time cannot hold still or hurry. A world that asks for them is refused, naming the group.
 */
export function refuseRealAgents(cloud: Cloud, world: World): void {
  if (!isManualScheduler(cloud.scheduler)) return;
  if (world.instances.agent === 'real') throw new WorldError(manualClockRefusal('instances.agent'));
  const index = world.autoScalingGroups.findIndex((group) => group.agent === 'real');
  const group = world.autoScalingGroups[index];
  if (group) {
    throw new WorldError(
      `autoScalingGroups.${index}: ${group.name} asks for agent: real, but this local cloud runs on a manual clock: ` +
        'real instances run real processes in real time; use agent: synthetic, or start the cloud with a scaled clock',
    );
  }
}

function manualClockRefusal(what: string): string {
  return (
    `${what} asks for agent: real, but this local cloud runs on a manual clock: ` +
    'real instances run real processes in real time; use agent: synthetic, or start the cloud with a scaled clock'
  );
}

/** What `GET` and `POST /_localcloud/instances/agent` answer: the agent of new instances. */
export interface InstanceAgentState {
  readonly agent: 'synthetic' | 'real';
}

/** Sets the agent of instances whose launch names none; `{"agent": "real"}` or `"synthetic"`. */
function setInstanceAgent(cloud: Cloud, body: Buffer): ControlResponse {
  const parsed = parseJson(body) as { agent?: unknown } | null;
  const agent = parsed?.agent;
  if (agent !== 'real' && agent !== 'synthetic')
    return problem(400, 'instances/agent takes {"agent": "real"} or {"agent": "synthetic"}');
  if (agent === 'real' && isManualScheduler(cloud.scheduler))
    return problem(409, manualClockRefusal('POST /_localcloud/instances/agent'));
  cloud.defaultAgent = agent;
  return { status: 200, body: { agent } satisfies InstanceAgentState };
}

/** What `GET` and `POST /_localcloud/instances/ssm-agent` answer: each instance's SSM Agent, and new ones'. */
export interface SsmAgentStates {
  readonly newInstances: SsmAgentState;
  readonly instances: Readonly<Record<string, SsmAgentState>>;
}

function ssmAgentStates(cloud: Cloud): SsmAgentStates {
  const instances: Record<string, SsmAgentState> = {};
  for (const models of cloud.allRegions()) Object.assign(instances, models.ssm.agentStates());
  return { newInstances: cloud.defaultSsmAgent, instances };
}

/**
 * Starts, stops or removes the SSM Agent: `{"state": "stopped", "instanceIds": ["i-…"]}` for those
 * instances (a registered one then reads ConnectionLost; one that never registered is not a managed
 * node), `{"state": "absent"}` for every instance launched from now on.
 */
function setSsmAgent(cloud: Cloud, body: Buffer): ControlResponse {
  const parsed = parseJson(body) as { state?: unknown; instanceIds?: unknown } | null;
  const state = parsed?.state;
  const ids = parsed?.instanceIds;
  const usage = `instances/ssm-agent takes {"state": "${SSM_AGENT_STATES.join('" | "')}"} and, for instances already launched, "instanceIds": ["i-…"]`;
  if (!SSM_AGENT_STATES.includes(state as SsmAgentState)) return problem(400, usage);
  if (ids === undefined) {
    cloud.defaultSsmAgent = state as SsmAgentState;
    return { status: 200, body: ssmAgentStates(cloud) };
  }
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string'))
    return problem(400, usage);
  const regions = cloud.allRegions();
  const unknown = ids.filter((id) => !regions.some((models) => models.ssm.knows(id)));
  if (unknown.length > 0) return problem(400, `instances/ssm-agent: no such instance: ${unknown.join(', ')}`);
  for (const id of ids) {
    for (const models of regions) if (models.ssm.knows(id)) models.ssm.setAgent(id, state as SsmAgentState);
  }
  return { status: 200, body: ssmAgentStates(cloud) };
}

/** What `GET /_localcloud/clock` answers. */
export interface ClockState {
  readonly mode: 'scaled' | 'manual' | 'accelerated';
  /** The cloud's time: virtual in manual and accelerated modes, wall time in scaled mode. */
  readonly now: string;
  readonly nowMs: number;
  readonly timeScale: number;
  /** Manual mode: timers waiting, and when the next is due. */
  readonly pending?: number;
  readonly nextDue?: string;
  /**
   * Accelerated mode: where virtual time meets the wall (virtual = virtualMs + (Date.now() − wallMs) ×
   * timeScale), and the GREENLIGHT_CLOCK value that puts greenlight's CLI on the same time.
   */
  readonly anchors?: { readonly virtualMs: number; readonly wallMs: number };
  readonly greenlightClock?: string;
}

export function clockState(cloud: Cloud): ClockState {
  const scheduler = cloud.scheduler;
  const now = scheduler.now();
  if (isAcceleratedScheduler(scheduler)) {
    return {
      mode: 'accelerated',
      now: now.toISOString(),
      nowMs: now.getTime(),
      timeScale: scheduler.timeScale,
      pending: scheduler.pending(),
      anchors: scheduler.anchors,
      greenlightClock: greenlightClockValue(scheduler),
    };
  }
  if (!isManualScheduler(scheduler)) {
    return { mode: 'scaled', now: now.toISOString(), nowMs: now.getTime(), timeScale: scheduler.timeScale };
  }
  const next = scheduler.nextDue();
  return {
    mode: 'manual',
    now: now.toISOString(),
    nowMs: now.getTime(),
    timeScale: scheduler.timeScale,
    pending: scheduler.pending(),
    ...(next !== undefined ? { nextDue: new Date(next).toISOString() } : {}),
  };
}

/** `POST clock/advance`: `{"ms": N}` (AWS milliseconds), `{"to": "<ISO instant>"}` or `{"next": true}`. */
async function advanceClock(cloud: Cloud, body: Buffer): Promise<ControlResponse> {
  const scheduler = cloud.scheduler;
  if (!isManualScheduler(scheduler)) {
    return problem(
      409,
      `the clock is ${isAcceleratedScheduler(scheduler) ? 'accelerated' : 'scaled'} wall time and runs on its own; ` +
        'only a cloud started with a manual clock (clock: manual) can be advanced',
    );
  }
  const raw = body.length === 0 ? {} : parseJson(body);
  const request = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  let to: number;
  if (typeof request.ms === 'number' && Number.isFinite(request.ms) && request.ms >= 0) {
    to = scheduler.nowMs() + request.ms;
  } else if (typeof request.to === 'string' && Number.isFinite(Date.parse(request.to))) {
    to = Date.parse(request.to);
  } else if (request.next === true) {
    to = scheduler.nextDue() ?? scheduler.nowMs();
  } else {
    return problem(
      400,
      'advance takes {"ms": <milliseconds, 0 or more>}, {"to": "<ISO 8601 instant>"} or {"next": true}',
    );
  }
  const fired = await scheduler.advanceTo(to);
  return { status: 200, body: { ...clockState(cloud), fired } };
}

/**
 * `POST oidc/circleci/token`: a CircleCI OIDC token for `{orgId, projectId, userId?, contextIds?,
 * vcsOrigin?, vcsRef?, ttlSeconds?}`, issued now on the cloud's clock (sts/circleci-issuer.ts).
 */
function mintCircleCiToken(cloud: Cloud, body: Buffer): ControlResponse {
  const request = parseJson(body);
  if (typeof request !== 'object' || request === null) {
    return problem(400, 'oidc/circleci/token takes {"orgId": "<uuid>", "projectId": "<uuid>", …}');
  }
  try {
    return { status: 200, body: circleCiIssuer(cloud).mint(request as CircleCiTokenRequest) };
  } catch (error) {
    if (error instanceof TypeError) return problem(400, error.message);
    throw error;
  }
}

/**
 * A listener and where it is really served: its load balancer's DNSName and the Port asked for, or,
 * for a privileged port the process may not bind, a free port on the same address (`url` is right
 * either way).
 */
export interface ServedListener {
  readonly region: string;
  readonly loadBalancerName: string;
  readonly loadBalancerArn: string;
  readonly listenerArn: string;
  /** DescribeLoadBalancers' DNSName: the load balancer's own loopback address. */
  readonly dnsName: string;
  /** DescribeListeners' Port: what the caller asked for. */
  readonly port: number;
  readonly servedAddress: string;
  readonly servedPort: number;
  /** `http://<servedAddress>:<servedPort>` */
  readonly url: string;
}

async function servedListeners(cloud: Cloud): Promise<ServedListener[]> {
  const out: ServedListener[] = [];
  for (const models of cloud.allRegions()) {
    await models.elbv2.listenersSettled();
    for (const listener of models.elbv2.allListeners()) {
      const balancer = models.elbv2.requireLoadBalancer(listener.loadBalancerArn);
      const served = listener.served ?? { address: balancer.address, port: listener.port };
      out.push({
        region: models.region,
        loadBalancerName: balancer.name,
        loadBalancerArn: balancer.arn,
        listenerArn: listener.arn,
        dnsName: balancer.address,
        port: listener.port,
        servedAddress: served.address,
        servedPort: served.port,
        url: `http://${served.address}:${served.port}`,
      });
    }
  }
  return out;
}

export async function handleControl(
  cloud: Cloud,
  method: string,
  path: string,
  body: Buffer,
): Promise<ControlResponse> {
  const route = `${method} ${path.slice(CONTROL_PREFIX.length).replace(/\/+$/, '')}`;
  try {
    switch (route) {
      case 'GET health':
        return { status: 200, body: { status: 'ok' } };
      case 'POST reset':
        cloud.reset();
        return { status: 200, body: { status: 'ok' } };
      case 'POST world': {
        const world = parseWorldText(body.toString('utf8'), 'the posted world');
        refuseRealAgents(cloud, world);
        applyWorld(cloud, world);
        // Answered once its listeners are served; one that cannot be is the world's error (400).
        try {
          for (const models of cloud.allRegions()) await models.elbv2.listenersServed();
        } catch (error) {
          if (error instanceof AwsApiError) return problem(400, `the posted world: ${error.message}`);
          throw error;
        }
        return {
          status: 200,
          body: {
            status: 'ok',
            region: world.region,
            autoScalingGroups: world.autoScalingGroups.map((g) => g.name),
            targetGroups: world.targetGroups.map((g) => g.name),
          },
        };
      }
      case 'POST faults':
        return { status: 200, body: { id: cloud.faults.add(parseJson(body)) } };
      case 'DELETE faults':
        cloud.faults.clear();
        return { status: 200, body: { status: 'ok' } };
      case 'GET faults':
        return { status: 200, body: { faults: cloud.faults.list() } };
      case 'GET iam/usage':
        return { status: 200, body: { roles: cloud.iamUsage.report(cloud.iam) } };
      case 'GET listeners':
        return { status: 200, body: { listeners: await servedListeners(cloud) } };
      case 'GET requests':
        return { status: 200, body: cloud.requests.snapshot() };
      case 'GET clock':
        return { status: 200, body: clockState(cloud) };
      case 'POST clock/advance':
        return await advanceClock(cloud, body);
      case 'GET instances/agent':
        return { status: 200, body: { agent: cloud.defaultAgent } satisfies InstanceAgentState };
      case 'POST instances/agent':
        return setInstanceAgent(cloud, body);
      case 'GET instances/ssm-agent':
        return { status: 200, body: ssmAgentStates(cloud) };
      case 'POST instances/ssm-agent':
        return setSsmAgent(cloud, body);
      case 'POST oidc/circleci/token':
        return mintCircleCiToken(cloud, body);
      case 'GET oidc/circleci/jwks':
        return { status: 200, body: circleCiIssuer(cloud).jwks() };
      default:
        return problem(
          404,
          `no control endpoint ${method} ${path}; see the control API in packages/localcloud/README.md`,
        );
    }
  } catch (error) {
    if (error instanceof WorldError || error instanceof FaultRuleError) return problem(400, error.message);
    throw error;
  }
}
