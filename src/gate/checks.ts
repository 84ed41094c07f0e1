import type { Facts } from '../verify/facts.js';
import {
  alarms,
  deployedByFollowUp,
  servedVersion,
  targetHealth,
  type Evidence,
  type RuleResult,
} from '../verify/rules.js';

// One look at a baking environment, judged with the verifier's own rules (alarms, target health,
// served version) over a view of the facts that fits a bake: alarms that --ignore-alarms excuses are
// left out, and only the green instances still InService in their Auto Scaling group are held to
// being healthy, so a scale-in during the bake is not mistaken for a failure. Pure: facts in, a
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
  /** Alarms still excused for the next look: one that went back to OK is watched like any other. */
  readonly escaped: ReadonlySet<string>;
}

/**
 * The --ignore-alarms names that are not OK at the gate's first look. Only these are excused, and
 * only while they stay that way: the escape is for an alarm that was already firing, not a licence
 * to ignore it for the whole bake.
 */
export function escapedAtStart(facts: Facts, ignore: readonly string[]): Set<string> {
  const names = new Set(ignore);
  return new Set(facts.alarms.filter((a) => names.has(a.name) && a.state !== 'OK').map((a) => a.name));
}

export function judgeBake(facts: Facts, escaped: ReadonlySet<string>): BakeJudgement {
  const still = new Set(
    [...escaped].filter((name) => facts.alarms.find((a) => a.name === name)?.state !== 'OK'),
  );
  const watchedAlarms = facts.alarms.filter((a) => !still.has(a.name));
  const asg = facts.asg;
  const inService = asg?.found
    ? new Set(asg.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId))
    : undefined;
  const view: Facts = {
    ...facts,
    alarms: watchedAlarms,
    serving: inService ? facts.serving.filter((t) => inService.has(t.instanceId)) : facts.serving,
  };
  const instances = [
    ...new Set([...view.serving.map((t) => t.instanceId), ...deployedByFollowUp(view).keys()]),
  ];
  const rules = [alarms(view), targetHealth(view), servedVersion(view)];
  const [alarmRule, healthRule, versionRule] = rules as [RuleResult, RuleResult, RuleResult];
  const problems: GateProblem[] = [];
  alarmRule.evidence.forEach((e, i) => {
    // The alarms rule gives one piece of evidence per alarm, in the order of the facts.
    if (e.verdict === 'fail')
      problems.push({ kind: 'alarm', subject: watchedAlarms[i]?.name ?? '?', detail: e.detail });
  });
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
    problems.push({
      kind: 'fleet',
      subject: asg.name,
      detail: `no instance of the green fleet is InService in ${asg.name}`,
    });
  }
  return {
    ok: problems.length === 0,
    problems,
    rules,
    excusedAlarms: facts.alarms.filter((a) => still.has(a.name)).map((a) => a.name),
    instances,
    escaped: still,
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
