import type { AsgFact, Facts } from '../verify/facts.js';
import {
  blueDeregistered,
  deployedByFollowUp,
  servedVersion,
  supersededOn,
  targetHealth,
  type Evidence,
  type RuleResult,
} from '../verify/rules.js';
import type { AlarmJudgement } from './alarm-window.js';
import type { GateWatched } from './gate.js';
import type { ScalingHistory } from './scaling-history.js';

// One look at a baking environment: target health, the served version and what is registered judged
// with the verifier's own rules over a view of the facts that fits a bake (only instances InService
// in their Auto Scaling groups are held to being healthy and serving the version, so a scale-in or a
// scale-out still launching is not mistaken for a failure; every instance registered in the target
// groups takes traffic, so each must be one the revision was installed on), the alarms judged over
// the whole bake so far by alarm-window.ts, and what Auto Scaling did since the bake began
// (scaling-history.ts): an instance it took out of service for failing a health check fell over
// during the bake, even if no look saw it go. In place, an instance a later deployment reached runs
// what that one installed (the verifier's supersededOn). Pure: facts, alarms and history in, a
// judgement out.

export type GateProblemKind = 'alarm' | 'instance' | 'version' | 'target-group' | 'fleet' | 'smoke';

export interface GateProblem {
  readonly kind: GateProblemKind;
  /** What went bad: the alarm's name, the instance id, the target group, the URL, `smoke`. */
  readonly subject: string;
  readonly detail: string;
}

export interface BakeJudgement {
  readonly ok: boolean;
  readonly problems: readonly GateProblem[];
  readonly rules: readonly RuleResult[];
  /** Alarms not OK that --ignore-alarms let through in this look. */
  readonly excusedAlarms: readonly string[];
  /** The green instances held to being healthy and serving the version. */
  readonly instances: readonly string[];
  /** Alarms still excused for the next look: one that was OK at any moment is watched like any other. */
  readonly escaped: ReadonlySet<string>;
}

export function judgeBake(
  facts: Facts,
  alarms: AlarmJudgement,
  scaling: ScalingHistory = { replacements: [], unread: [] },
): BakeJudgement {
  const asg = facts.asg;
  const inService = asg?.found
    ? new Set(asg.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId))
    : undefined;
  const onlyInService = (g: AsgFact): AsgFact =>
    g.found ? { ...g, instances: g.instances.filter((i) => i.lifecycleState === 'InService') } : g;
  const view: Facts = {
    ...facts,
    serving: inService ? facts.serving.filter((t) => inService.has(t.instanceId)) : facts.serving,
    ...(asg ? { asg: onlyInService(asg) } : {}),
    otherAsgs: facts.otherAsgs.map(onlyInService),
  };
  const instances = [
    ...new Set([...view.serving.map((t) => t.instanceId), ...deployedByFollowUp(view).keys()]),
  ];
  const rules = [
    alarms.rule,
    targetHealth(view),
    servedVersion(view),
    blueDeregistered({ ...view, serving: facts.serving }),
  ];
  // Registered: a deployed instance on its way out (scale-in) is still one the revision was installed on.
  const [, healthRule, versionRule, registeredRule] = rules as [
    RuleResult,
    RuleResult,
    RuleResult,
    RuleResult,
  ];
  const problems: GateProblem[] = [...alarms.problems];
  for (const e of failed(registeredRule))
    problems.push({ kind: 'instance', subject: e.instanceId ?? '?', detail: e.detail });
  for (const e of failed(healthRule)) {
    problems.push(
      e.instanceId
        ? { kind: 'instance', subject: e.instanceId, detail: e.detail }
        : {
            kind: 'target-group',
            subject: /target group (\S+)/.exec(e.detail)?.[1] ?? '?',
            detail: e.detail,
          },
    );
  }
  // In place, a deployment made since (another revision, or this one failing again) that reached an
  // instance replaced what is being baked there: its bake no longer says anything of this release.
  for (const id of instances) {
    const superseded = supersededOn(view, id);
    if (superseded) problems.push({ kind: 'instance', subject: id, detail: superseded.detail });
  }
  for (const r of scaling.replacements) {
    problems.push({
      kind: 'instance',
      subject: r.instanceId,
      detail: `${r.instanceId} was taken out of service by ${r.group} at ${new Date(r.at).toISOString()} for failing a health check (Auto Scaling: "${r.cause}")`,
    });
  }
  for (const group of scaling.unread) {
    problems.push({
      kind: 'fleet',
      subject: group,
      detail: `${group} has more scaling activities since the bake began than a look reads; the gate cannot say none was an instance failing its health check`,
    });
  }
  for (const e of failed(versionRule)) {
    const subject = e.instanceId ?? (facts.served.mode === 'load-balancer' ? facts.served.url : '?');
    problems.push({ kind: 'version', subject, detail: e.detail });
  }
  if (asg && !asg.found) {
    problems.push({
      kind: 'fleet',
      subject: asg.name,
      detail: `Auto Scaling group ${asg.name} does not exist`,
    });
  } else if (asg?.found && instances.length === 0) {
    // In place there is no green fleet: the group's own instances are the fleet being baked.
    const fleet = facts.deployment.deploymentType === 'IN_PLACE' ? 'the fleet' : 'the green fleet';
    problems.push({
      kind: 'fleet',
      subject: asg.name,
      detail: `no instance of ${fleet} is InService in ${asg.name}`,
    });
  }
  return {
    ok: problems.length === 0,
    problems,
    rules,
    excusedAlarms: alarms.excused,
    instances,
    escaped: alarms.escaped,
  };
}

function failed(rule: RuleResult): Evidence[] {
  return rule.verdict === 'fail' ? rule.evidence.filter((e) => e.verdict === 'fail') : [];
}

/** `alarm web-dev-5xx is ALARM: …; i-0abc is unhealthy (…) in web-dev-tg`, at most five, then a count. */
export function describeProblems(problems: readonly GateProblem[]): string {
  const shown = problems.slice(0, 5).map((p) => p.detail);
  return problems.length > 5 ? `${shown.join('; ')}; and ${problems.length - 5} more` : shown.join('; ');
}

/** What one look watched, in the rules' own words. */
export function describeLook(judgement: BakeJudgement): string {
  return judgement.rules.map((r) => `${r.rule}: ${r.summary}`).join(' · ');
}

/** `3 green instances in web-dev-tg`: what the bake held to being healthy, in the release's own terms. */
export function describeTargetHealth(
  watched: Pick<GateWatched, 'instances' | 'targetGroups' | 'inPlace'>,
): string {
  const n = watched.instances.length;
  const where = watched.targetGroups.join(', ');
  if (!watched.inPlace) return `${n} green instances in ${where || 'no target group'}`;
  const fleet = `${n} ${n === 1 ? 'instance' : 'instances'} of the fleet`;
  return where ? `${fleet} in ${where}` : `${fleet} (no target group)`;
}
