import type { Facts } from './facts.js';
import {
  RULES,
  deployedByFollowUp,
  type Evidence,
  type RuleName,
  type RuleResult,
  type RuleVerdict,
} from './rules.js';
import { timelineOf, type Timeline } from './timeline.js';

// The verdict: every rule applied to the facts, then folded into one row per instance. Every report
// (table, JSON, JUnit, Markdown) is rendered from this one value, so they cannot disagree.

/** Why an instance is in the report. */
export type InstanceRole = 'green' | 'in-place' | 'scale-out' | 'undeployed' | 'blue' | 'other';

export interface InstanceRow {
  readonly instanceId: string;
  readonly role: InstanceRole;
  readonly availabilityZone?: string;
  /** The Auto Scaling group it belongs to (its membership, else its EC2 tag). */
  readonly autoScalingGroup?: string;
  /** The deployment whose target it is (a scale-out instance's automatic one), and its status there. */
  readonly deployedBy?: { readonly deploymentId: string; readonly status: string };
  readonly targetStatus?: string;
  readonly failedEvent?: string;
  readonly scriptName?: string;
  readonly errorCode?: string;
  readonly logTail?: string;
  /** Target health per target group, e.g. `healthy` or `web-tg: unhealthy`. */
  readonly health?: string;
  /** The same, one entry per target group (`unused`: not registered in it). */
  readonly targetHealth?: readonly {
    readonly targetGroup: string;
    readonly state: string;
    readonly reason?: string;
  }[];
  readonly version?: string;
  readonly verdict: 'pass' | 'fail';
  /** What failed, one entry per failing rule. */
  readonly problems: readonly { readonly rule: RuleName; readonly detail: string }[];
}

export interface Verdict {
  readonly verified: boolean;
  readonly deploymentId: string;
  readonly application: string;
  readonly deploymentGroup: string;
  readonly revision: string;
  readonly codedeployStatus: string;
  readonly phase: Facts['phase'];
  /** `CodeDeploy: Succeeded — greenlight: FAILED, 1 of 6 instances failed (…)`. */
  readonly headline: string;
  /** Instances of the fleet that should serve (green, scale-out, undeployed). */
  readonly fleetSize: number;
  readonly failedInstances: number;
  readonly rules: readonly RuleResult[];
  readonly instances: readonly InstanceRow[];
  /** The deployment in time: per instance its lifecycle events with their times (timeline.ts). */
  readonly timeline: Timeline;
  readonly gatheredAt: string;
}

export function judge(facts: Facts): Verdict {
  const rules = RULES.map((rule) => rule(facts));
  const instances = instanceRows(facts, rules);
  const verified = rules.every((r) => r.verdict !== 'fail');
  const fleet = instances.filter((i) => i.role !== 'blue' && i.role !== 'other');
  const failedFleet = fleet.filter((i) => i.verdict === 'fail');
  const d = facts.deployment;
  return {
    verified,
    deploymentId: d.deploymentId,
    application: d.application,
    deploymentGroup: d.deploymentGroup,
    revision: d.revision,
    codedeployStatus: d.status,
    phase: facts.phase,
    headline:
      headline(d.status, verified, fleet.length, failedFleet, rules, facts.phase) + stillServing(facts),
    fleetSize: fleet.length,
    failedInstances: failedFleet.length,
    rules,
    instances,
    timeline: timelineOf(facts),
    gatheredAt: facts.gatheredAt,
  };
}

function headline(
  status: string,
  verified: boolean,
  fleet: number,
  failed: readonly InstanceRow[],
  rules: readonly RuleResult[],
  phase: Facts['phase'],
): string {
  const what = phase === 'before-traffic' ? 'green fleet before traffic' : 'instances';
  if (verified) return `CodeDeploy: ${status} — greenlight: verified, ${fleet} of ${fleet} ${what}`;
  const named = failed
    .slice(0, 5)
    .map(
      (i) =>
        `${i.instanceId}${i.failedEvent ? ` ${i.failedEvent}` : i.problems[0] ? ` ${i.problems[0].rule}` : ''}`,
    )
    .join(', ');
  const parts: string[] = [];
  if (failed.length > 0) {
    parts.push(`${failed.length} of ${fleet} ${what} failed (${named}${failed.length > 5 ? ', …' : ''})`);
  }
  // Failures that are not about one instance of the fleet (status, alarms, blue, counts).
  const other = rules
    .filter((r) => r.verdict === 'fail')
    .flatMap((r) =>
      r.evidence.filter(
        (e) => e.verdict === 'fail' && (!e.instanceId || !failed.some((i) => i.instanceId === e.instanceId)),
      ),
    )
    .map((e) => e.detail);
  if (other.length > 0) parts.push(other.slice(0, 3).join('; ') + (other.length > 3 ? ' …' : ''));
  return `CodeDeploy: ${status} — greenlight: FAILED, ${parts.join('; ')}`;
}

/** A failed blue/green deployment that never moved traffic left the original fleet serving: say so. */
function stillServing(facts: Facts): string {
  const d = facts.deployment;
  if (facts.phase !== 'after-traffic' || facts.trafficMoved || d.deploymentType !== 'BLUE_GREEN') return '';
  const blue = facts.replaced.length;
  return `; traffic never moved, so the original fleet${blue > 0 ? ` (${blue} instance${blue === 1 ? '' : 's'})` : ''} still serves`;
}

function instanceRows(facts: Facts, rules: readonly RuleResult[]): InstanceRow[] {
  const roles = new Map<string, InstanceRole>();
  const targetRole = facts.deployment.deploymentType === 'IN_PLACE' ? 'in-place' : 'green';
  for (const t of facts.serving) roles.set(t.instanceId, targetRole);
  for (const id of deployedByFollowUp(facts).keys()) if (!roles.has(id)) roles.set(id, 'scale-out');
  const replaced = new Set(facts.replaced);
  const problems = new Map<string, { rule: RuleName; detail: string }[]>();
  const eventOf = new Map<string, Evidence>();
  for (const r of rules) {
    for (const e of r.evidence) {
      if (!e.instanceId || e.verdict !== 'fail') continue;
      if (!roles.has(e.instanceId)) {
        roles.set(
          e.instanceId,
          replaced.has(e.instanceId)
            ? 'blue'
            : r.rule === 'capacity' || / is undeployed/.test(e.detail)
              ? 'undeployed'
              : 'other',
        );
      }
      const list = problems.get(e.instanceId) ?? [];
      list.push({ rule: r.rule, detail: e.detail });
      problems.set(e.instanceId, list);
      if (e.lifecycleEvent && !eventOf.has(e.instanceId)) eventOf.set(e.instanceId, e);
    }
  }
  const asgAz = new Map(
    facts.asg?.found ? facts.asg.instances.map((i) => [i.instanceId, i.availabilityZone] as const) : [],
  );
  const asgOf = new Map<string, string>();
  for (const g of [...(facts.asg ? [facts.asg] : []), ...facts.otherAsgs])
    if (g.found) for (const i of g.instances) if (!asgOf.has(i.instanceId)) asgOf.set(i.instanceId, g.name);
  const targets = new Map(facts.serving.map((t) => [t.instanceId, t] as const));
  const deployedBy = new Map(
    facts.serving.map((t) => [
      t.instanceId,
      { deploymentId: facts.deployment.deploymentId, status: t.status },
    ]),
  );
  for (const f of facts.followUps) {
    for (const t of f.targets) {
      if (!targets.has(t.instanceId)) targets.set(t.instanceId, t);
      if (!deployedBy.has(t.instanceId))
        deployedBy.set(t.instanceId, { deploymentId: f.deploymentId, status: t.status });
    }
  }
  const answers = facts.served.mode === 'instances' ? facts.served.answers : {};
  return [...roles.entries()].map(([id, role]) => {
    const failed = eventOf.get(id);
    const targetHealth = facts.targetGroups.flatMap((tg) => {
      if (!tg.found) return [];
      // One row per registration: an instance registered on two ports is shown on both.
      const registrations = tg.targets.filter((t) => t.instanceId === id);
      if (registrations.length === 0) return [{ targetGroup: tg.name, state: 'unused' }];
      return registrations.map((found) => ({
        targetGroup: registrations.length > 1 ? `${tg.name}:${found.port ?? '?'}` : tg.name,
        state: found.state,
        ...(found.reason ? { reason: found.reason } : {}),
      }));
    });
    const health = targetHealth
      .map((h) => (targetHealth.length === 1 ? h.state : `${h.targetGroup}: ${h.state}`))
      .join(', ');
    const asg = asgOf.get(id) ?? facts.instances[id]?.autoScalingGroup;
    const by = deployedBy.get(id);
    const answer = answers[id];
    const version = answer?.version ?? (answer?.error ? `(${answer.error})` : undefined);
    const az = asgAz.get(id) ?? facts.instances[id]?.availabilityZone;
    const target = targets.get(id);
    const list = problems.get(id) ?? [];
    return {
      instanceId: id,
      role,
      ...(az ? { availabilityZone: az } : {}),
      ...(asg ? { autoScalingGroup: asg } : {}),
      ...(by ? { deployedBy: by } : {}),
      ...(target ? { targetStatus: target.status } : {}),
      ...(failed?.lifecycleEvent ? { failedEvent: failed.lifecycleEvent } : {}),
      ...(failed?.scriptName ? { scriptName: failed.scriptName } : {}),
      ...(failed?.errorCode ? { errorCode: failed.errorCode } : {}),
      ...(failed?.logTail ? { logTail: failed.logTail } : {}),
      ...(health && facts.phase === 'after-traffic' ? { health, targetHealth } : {}),
      ...(version ? { version } : {}),
      verdict: list.length > 0 ? 'fail' : 'pass',
      problems: list,
    } satisfies InstanceRow;
  });
}

export type { RuleResult, RuleVerdict, Evidence, RuleName, Timeline };
