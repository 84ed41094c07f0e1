// The control API under /_localcloud/ (DESIGN.md): health, reset, world, fault rules, request counts.
// Everything that has a real AWS API (scaling, alarm state, registering targets) goes through that
// API instead.
import type { Cloud } from './cloud.js';
import { FaultRuleError } from './faults.js';
import { applyWorld, parseWorldText, WorldError } from './world.js';

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

export function handleControl(cloud: Cloud, method: string, path: string, body: Buffer): ControlResponse {
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
        applyWorld(cloud, world);
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
      case 'GET requests':
        return { status: 200, body: cloud.requests.snapshot() };
      default:
        return problem(404, `no control endpoint ${method} ${path}; see the control API in packages/localcloud/README.md`);
    }
  } catch (error) {
    if (error instanceof WorldError || error instanceof FaultRuleError) return problem(400, error.message);
    throw error;
  }
}
