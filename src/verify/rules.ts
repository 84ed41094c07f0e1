import { ALLOW_TRAFFIC_EVENTS } from '../appspec/lifecycle-events.js';
import type { Facts, FollowUpFact, LifecycleEventFact, TargetFact, TargetHealthFact } from './facts.js';

// The verifier's rules: pure functions of the facts. Each has a name, a verdict (pass, fail, or skip
// with the reason the deployment's style does not support it — never a silent pass) and evidence,
// per instance where the rule is about instances.

export type RuleName =
  | 'deployment-status'
  | 'lifecycle-events'
  | 'capacity'
  | 'target-health'
  | 'blue-deregistered'
  | 'blue-fleet'
  | 'alarms'
  | 'served-version'
  | 'scale-out-deployments';

export type RuleVerdict = 'pass' | 'fail' | 'skip';

export interface Evidence {
  readonly verdict: 'pass' | 'fail';
  readonly instanceId?: string;
  readonly detail: string;
  readonly lifecycleEvent?: string;
  readonly scriptName?: string;
  readonly errorCode?: string;
  readonly logTail?: string;
}

export interface RuleResult {
  readonly rule: RuleName;
  readonly verdict: RuleVerdict;
  /** One line: what was found, or why the rule was skipped. */
  readonly summary: string;
  readonly evidence: readonly Evidence[];
}

export type Rule = (facts: Facts) => RuleResult;

/** Lifecycle events that run only once traffic moves; in Ready they are still Pending. */
const TRAFFIC_EVENTS: ReadonlySet<string> = new Set(ALLOW_TRAFFIC_EVENTS);
/** Auto Scaling states of an instance that is leaving or has left its group. */
const LEAVING = new Set([
  'Terminating',
  'Terminating:Wait',
  'Terminating:Proceed',
  'Terminated',
  'Detaching',
  'Detached',
]);
const GONE_EC2 = new Set(['shutting-down', 'terminated', 'stopping', 'stopped', 'missing']);

function result(rule: RuleName, evidence: Evidence[], passSummary: string, failSummary?: string): RuleResult {
  const failed = evidence.filter((e) => e.verdict === 'fail');
  return {
    rule,
    verdict: failed.length > 0 ? 'fail' : 'pass',
    summary: failed.length > 0 ? (failSummary ?? failed.map((e) => e.detail).join('; ')) : passSummary,
    evidence,
  };
}

function skip(rule: RuleName, reason: string): RuleResult {
  return { rule, verdict: 'skip', summary: reason, evidence: [] };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const deploymentStatus: Rule = (f) => {
  const expected = f.phase === 'before-traffic' ? 'Ready' : 'Succeeded';
  const d = f.deployment;
  const why = d.errorCode ? ` (${d.errorCode}: ${d.errorMessage ?? ''})` : '';
  return result(
    'deployment-status',
    [
      {
        verdict: d.status === expected ? 'pass' : 'fail',
        detail: `${d.deploymentId} is ${d.status}${d.status === expected ? '' : `, expected ${expected}`}${why}`,
      },
    ],
    `${d.deploymentId} is ${expected}`,
  );
};

/** The first event that keeps a target from counting as deployed, if any. */
function firstBadEvent(target: TargetFact, beforeTraffic: boolean): LifecycleEventFact | undefined {
  const relevant = target.events.filter((e) => !(beforeTraffic && TRAFFIC_EVENTS.has(e.name)));
  return relevant.find((e) => e.status === 'Failed') ?? relevant.find((e) => e.status !== 'Succeeded');
}

function eventEvidence(target: TargetFact, beforeTraffic: boolean): Evidence {
  const id = target.instanceId;
  const wanted = beforeTraffic ? ['Ready', 'Succeeded'] : ['Succeeded'];
  const bad = firstBadEvent(target, beforeTraffic);
  if (target.events.length === 0) {
    return {
      verdict: 'fail',
      instanceId: id,
      detail: `${id}: no lifecycle events reported (target ${target.status})`,
    };
  }
  if (bad) {
    const script = bad.scriptName ? ` (${bad.scriptName})` : '';
    const code = bad.errorCode && bad.errorCode !== 'Success' ? `: ${bad.errorCode}` : '';
    const message = bad.message && bad.status === 'Failed' ? ` — ${bad.message}` : '';
    const skipped = bad.status === 'Skipped' ? ' (an earlier event failed or the instance was skipped)' : '';
    return {
      verdict: 'fail',
      instanceId: id,
      detail: `${id}: ${bad.name} ${bad.status}${script}${code}${message}${skipped}`,
      lifecycleEvent: bad.name,
      ...(bad.scriptName ? { scriptName: bad.scriptName } : {}),
      ...(bad.errorCode && bad.errorCode !== 'Success' ? { errorCode: bad.errorCode } : {}),
      ...(bad.logTail ? { logTail: bad.logTail } : {}),
    };
  }
  if (!wanted.includes(target.status)) {
    return {
      verdict: 'fail',
      instanceId: id,
      detail: `${id}: target is ${target.status}, expected ${wanted[0]}`,
    };
  }
  return {
    verdict: 'pass',
    instanceId: id,
    detail: `${id}: ${target.status}, ${plural(target.events.length, 'event')} Succeeded`,
  };
}

/**
 * An in-place deployment of a person, a pipeline or CodeDeploy's rollback: it goes to every instance
 * of the group's Auto Scaling groups and tags, so its fleet is all of them (not an automatic
 * deployment, which installs only the instances that launched).
 */
export function isInPlaceRelease(f: Facts): boolean {
  return f.deployment.deploymentType === 'IN_PLACE' && f.deployment.creator !== 'autoscaling';
}

/**
 * In place, the deployment's verdict is about every instance of the fleet: each target must have
 * Succeeded every event, and an instance the deployment never targeted (launched or tagged since, or
 * missed) runs another revision unless an automatic deployment of this revision installed it later.
 */
function inPlaceEvents(f: Facts): RuleResult {
  const d = f.deployment;
  const targets = new Set(f.serving.map((t) => t.instanceId));
  const byFollowUp = deployedByFollowUp(f);
  const evidence: Evidence[] = f.serving.map((t) => {
    const e = eventEvidence(t, false);
    if (e.verdict === 'pass') return supersededOn(f, t.instanceId) ?? e;
    if (t.status !== 'Skipped') return e;
    // OneAtATime stops at the first failure: the rest are Skipped, still on the revision before.
    return {
      ...e,
      detail: `${t.instanceId}: Skipped — ${d.deploymentId} never installed ${d.revision} on it, so it still runs the revision before`,
    };
  });
  for (const id of fleetIds(f)) {
    if (targets.has(id)) continue;
    const later = byFollowUp.get(id);
    evidence.push(
      later
        ? {
            verdict: 'pass',
            instanceId: id,
            detail: `${id}: joined the fleet later and was deployed by automatic deployment ${later}`,
          }
        : {
            verdict: 'fail',
            instanceId: id,
            detail: `${id} is undeployed: it is in the fleet but has no target in ${d.deploymentId}; ${undeployedWhy(f, id)}`,
          },
    );
  }
  const instances = evidence.filter((e) => e.instanceId !== undefined).length;
  if (instances === 0)
    return result('lifecycle-events', [{ verdict: 'fail', detail: `${d.deploymentId} has no instance` }], '');
  const failed = evidence.filter((e) => e.verdict === 'fail');
  return result(
    'lifecycle-events',
    evidence,
    `every one of ${plural(instances, 'instance')} of the fleet Succeeded every lifecycle event`,
    `${failed.length} of ${plural(instances, 'instance')} did not succeed: ${failed
      .slice(0, 5)
      .map((e) => e.detail)
      .join('; ')}${failed.length > 5 ? ' …' : ''}`,
  );
}

/**
 * In place, a later deployment that reached one of the judged deployment's instances replaced what
 * it installed there, unless it installed the same revision and Succeeded on it: the newest one to
 * reach the instance is what it runs (CodeDeploy keeps each deployment's targets as they ended, so
 * an old deployment's Succeeded instances say nothing of today's).
 */
export function supersededOn(f: Facts, instanceId: string): Evidence | undefined {
  let newest: { d: FollowUpFact; status: string } | undefined;
  for (const d of f.later ?? []) {
    const t = d.targets.find((x) => x.instanceId === instanceId);
    // Pending or Skipped: it never began on the instance, which still runs what it ran.
    if (t && t.status !== 'Pending' && t.status !== 'Skipped') newest = { d, status: t.status };
  }
  if (!newest || (newest.d.sameRevision && newest.status === 'Succeeded')) return undefined;
  const { d, status } = newest;
  const what = d.sameRevision ? `${f.deployment.revision} again` : d.revision;
  return {
    verdict: 'fail',
    instanceId,
    detail: `${instanceId}: superseded — ${d.deploymentId} (created by ${d.creator}, ${status} on it) deployed ${what} on it after ${f.deployment.deploymentId}, so it no longer runs what ${f.deployment.deploymentId} installed`,
  };
}

export const lifecycleEvents: Rule = (f) => {
  if (isInPlaceRelease(f) && f.phase === 'after-traffic') return inPlaceEvents(f);
  if (f.serving.length === 0) {
    return result(
      'lifecycle-events',
      [{ verdict: 'fail', detail: `${f.deployment.deploymentId} has no instance that takes traffic` }],
      '',
    );
  }
  const evidence = f.serving.map((t) => eventEvidence(t, f.phase === 'before-traffic'));
  const failed = evidence.filter((e) => e.verdict === 'fail').length;
  return result(
    'lifecycle-events',
    evidence,
    `every one of ${plural(f.serving.length, 'instance')} Succeeded every lifecycle event`,
    `${failed} of ${plural(f.serving.length, 'instance')} did not succeed: ${evidence
      .filter((e) => e.verdict === 'fail')
      .slice(0, 5)
      .map((e) => e.detail)
      .join('; ')}${failed > 5 ? ' …' : ''}`,
  );
};

/**
 * Instances an automatic (scale-out) deployment after this one deployed successfully with this
 * deployment's revision. One of another revision installed something else: not deployed.
 */
export function deployedByFollowUp(f: Facts): Map<string, string> {
  const deployed = new Map<string, string>();
  for (const d of f.followUps) {
    if (d.status !== 'Succeeded' || !d.sameRevision) continue;
    for (const t of d.targets) {
      if (t.status === 'Succeeded' && t.events.every((e) => e.status === 'Succeeded'))
        deployed.set(t.instanceId, d.deploymentId);
    }
  }
  return deployed;
}

/** Why an instance with no target in the deployment is still undeployed. */
function undeployedWhy(f: Facts, instanceId: string): string {
  for (const d of f.followUps) {
    const t = d.targets.find((x) => x.instanceId === instanceId);
    if (!t) continue;
    if (!d.sameRevision)
      return `automatic deployment ${d.deploymentId} installed ${d.revision} on it, not ${f.deployment.revision}`;
    const bad = firstBadEvent(t, false);
    const event = bad ? `, ${bad.name} ${bad.status}${bad.scriptName ? ` (${bad.scriptName})` : ''}` : '';
    return `its automatic deployment ${d.deploymentId} is ${d.status}${event}`;
  }
  return `no deployment of ${f.deployment.application}/${f.deployment.deploymentGroup} installed ${f.deployment.revision} on it`;
}

/** Why the rules about the new fleet's traffic do not apply: it never took any. */
function trafficNeverMoved(f: Facts): string | undefined {
  if (f.phase !== 'after-traffic' || f.trafficMoved) return undefined;
  return `traffic never moved: ${f.deployment.deploymentId} is ${f.deployment.status} before AllowTraffic, so the original fleet still serves`;
}

/**
 * In place, every one of the group's Auto Scaling groups is the fleet: each is held to desired =
 * InService = deployed, and greenlight.yml's expectedCapacity is the size of the whole fleet (its
 * groups' instances, its tagged ones and what is registered), not one group's.
 */
function inPlaceCapacity(f: Facts): RuleResult {
  const groups = [...(f.asg ? [f.asg] : []), ...f.otherAsgs];
  const evidence: Evidence[] = [];
  const targets = new Set(f.serving.map((t) => t.instanceId));
  const byFollowUp = deployedByFollowUp(f);
  const counts: string[] = [];
  for (const g of groups) {
    if (!g.found) {
      evidence.push({ verdict: 'fail', detail: `Auto Scaling group ${g.name} does not exist` });
      continue;
    }
    const live = g.instances.filter((i) => !LEAVING.has(i.lifecycleState));
    const inService = live.filter((i) => i.lifecycleState === 'InService').length;
    const deployed = live.filter((i) => targets.has(i.instanceId) || byFollowUp.has(i.instanceId)).length;
    const text = `${g.name}: desired ${g.desiredCapacity}, InService ${inService}, deployed ${deployed}`;
    counts.push(text);
    const consistent = g.desiredCapacity === inService && inService === deployed && deployed === live.length;
    evidence.push({
      verdict: consistent ? 'pass' : 'fail',
      detail: consistent ? text : `${text} — they must be equal`,
    });
  }
  const size = currentMembers(f).length;
  const range = f.expectedCapacity;
  if (range && (size < range.min || size > range.max)) {
    const want = range.min === range.max ? `${range.min}` : `${range.min} to ${range.max}`;
    evidence.push({
      verdict: 'fail',
      detail: `the fleet has ${plural(size, 'instance')}; greenlight.yml expects ${want}`,
    });
  }
  if (evidence.length === 0) {
    if (!range)
      return skip('capacity', f.asgAbsentReason ?? 'the fleet has no Auto Scaling group to compare with');
    evidence.push({ verdict: 'pass', detail: `the fleet has ${plural(size, 'instance')}` });
  }
  const summary = counts.length > 0 ? counts.join('; ') : `the fleet has ${plural(size, 'instance')}`;
  return result('capacity', evidence, summary);
}

export const capacity: Rule = (f) => {
  const never = trafficNeverMoved(f);
  if (never) return skip('capacity', never);
  if (isInPlaceRelease(f) && f.phase === 'after-traffic') return inPlaceCapacity(f);
  const asg = f.asg;
  if (!asg)
    return skip('capacity', f.asgAbsentReason ?? 'the fleet has no Auto Scaling group to compare with');
  if (!asg.found) {
    return result(
      'capacity',
      [{ verdict: 'fail', detail: `Auto Scaling group ${asg.name} does not exist` }],
      '',
    );
  }
  const evidence: Evidence[] = [];
  const targets = new Set(f.serving.map((t) => t.instanceId));
  const live = asg.instances.filter((i) => !LEAVING.has(i.lifecycleState));
  const members = new Set(live.map((i) => i.instanceId));
  const byFollowUp = deployedByFollowUp(f);
  let deployed = 0;
  for (const i of live) {
    if (targets.has(i.instanceId)) {
      deployed++;
    } else if (byFollowUp.has(i.instanceId)) {
      deployed++;
      evidence.push({
        verdict: 'pass',
        instanceId: i.instanceId,
        detail: `${i.instanceId} joined ${asg.name} later and was deployed by automatic deployment ${byFollowUp.get(i.instanceId) ?? '?'}`,
      });
    } else {
      evidence.push({
        verdict: 'fail',
        instanceId: i.instanceId,
        detail: `${i.instanceId} is undeployed: it is in ${asg.name} (${i.lifecycleState}) but has no target in ${f.deployment.deploymentId}; ${undeployedWhy(f, i.instanceId)}`,
      });
    }
  }
  for (const t of f.serving) {
    if (members.has(t.instanceId)) continue;
    const ec2 = f.instances[t.instanceId]?.state;
    evidence.push({
      verdict: 'fail',
      instanceId: t.instanceId,
      detail: `${t.instanceId} is gone: it was deployed but is no longer in ${asg.name}${ec2 ? ` (EC2: ${ec2})` : ''}`,
    });
  }
  const inService = live.filter((i) => i.lifecycleState === 'InService').length;
  const counts = `desired ${asg.desiredCapacity}, InService ${inService}, deployed ${deployed}`;
  const consistent = asg.desiredCapacity === inService && inService === deployed && deployed === live.length;
  evidence.push({
    verdict: consistent ? 'pass' : 'fail',
    detail: `${asg.name}: ${counts}${consistent ? '' : ' — they must be equal'}`,
  });
  // The group's other current Auto Scaling groups: every live instance of theirs is in the fleet.
  for (const other of f.otherAsgs) {
    if (!other.found) {
      evidence.push({
        verdict: 'fail',
        detail: `Auto Scaling group ${other.name} of the deployment group does not exist`,
      });
      continue;
    }
    for (const i of other.instances) {
      if (LEAVING.has(i.lifecycleState) || targets.has(i.instanceId) || byFollowUp.has(i.instanceId))
        continue;
      evidence.push({
        verdict: 'fail',
        instanceId: i.instanceId,
        detail: `${i.instanceId} is undeployed: it is in ${other.name} (${i.lifecycleState}), which the deployment group now follows besides ${asg.name}, and ${undeployedWhy(f, i.instanceId)}`,
      });
    }
  }
  const range = f.expectedCapacity;
  if (range && (asg.desiredCapacity < range.min || asg.desiredCapacity > range.max)) {
    const want = range.min === range.max ? `${range.min}` : `${range.min} to ${range.max}`;
    evidence.push({
      verdict: 'fail',
      detail: `${asg.name} has ${asg.desiredCapacity} instances; greenlight.yml expects ${want}`,
    });
  }
  return result('capacity', evidence, `${asg.name}: ${counts}`);
};

function noTraffic(f: Facts): string | undefined {
  if (f.phase === 'before-traffic') return 'traffic has not moved yet: green is registered when it does';
  if (!f.deployment.withTrafficControl) return 'the deployment moves no traffic (no load balancer)';
  const never = trafficNeverMoved(f);
  if (never) return never;
  if (f.targetGroups.length === 0) return 'the deployment group has no target group';
  return undefined;
}

/** Instances that must take traffic: the serving targets and scale-out instances deployed later. */
function servingIds(f: Facts): string[] {
  return [...new Set([...f.serving.map((t) => t.instanceId), ...deployedByFollowUp(f).keys()])];
}

/**
 * The whole fleet after traffic moved: the serving instances, every instance registered in the
 * target groups (but blue ones, which blue-deregistered names) and every live member of the group's
 * Auto Scaling groups. Before traffic: the green fleet.
 */
export function fleetIds(f: Facts): string[] {
  const ids = new Set(servingIds(f));
  if (f.phase === 'after-traffic' && f.trafficMoved)
    for (const id of currentMembers(f, new Set(f.replaced))) ids.add(id);
  return [...ids];
}

/**
 * The environment's instances as they stand, but `except`: every one registered in its target groups
 * (in any state but `unused`), every live member of the group's Auto Scaling groups, every tagged one.
 */
function currentMembers(f: Facts, except: ReadonlySet<string> = new Set()): string[] {
  const ids = new Set<string>();
  for (const tg of f.targetGroups)
    if (tg.found) for (const t of tg.targets) if (t.state !== 'unused') ids.add(t.instanceId);
  for (const g of [f.asg, ...f.otherAsgs])
    if (g?.found) for (const i of g.instances) if (!LEAVING.has(i.lifecycleState)) ids.add(i.instanceId);
  for (const id of f.tagged?.instanceIds ?? []) ids.add(id);
  return [...ids].filter((id) => !except.has(id));
}

const describeHealth = (h: TargetHealthFact | undefined) =>
  !h
    ? 'not registered'
    : `${h.state}${h.reason ? ` (${h.reason}${h.description ? `: ${h.description}` : ''})` : ''}`;

export const targetHealth: Rule = (f) => {
  const why = noTraffic(f);
  if (why) return skip('target-health', why);
  const evidence: Evidence[] = [];
  for (const tg of f.targetGroups) {
    if (!tg.found) evidence.push({ verdict: 'fail', detail: `target group ${tg.name} does not exist` });
  }
  const groups = f.targetGroups.flatMap((tg) => (tg.found ? [tg] : []));
  // In place, CodeDeploy registers every instance it deployed (AllowTraffic): the whole fleet.
  for (const id of isInPlaceRelease(f) ? fleetIds(f) : servingIds(f)) {
    const bad = groups.flatMap((tg) => {
      // Every registration of the instance (one per port) takes traffic and must be healthy; one
      // draining beside a healthy one is a port being let go of, and takes no new requests.
      const registrations = tg.targets.filter((t) => t.instanceId === id);
      if (registrations.length === 0) return [`${describeHealth(undefined)} in ${tg.name}`];
      const anyHealthy = registrations.some((h) => h.state === 'healthy');
      return registrations
        .filter((h) => h.state !== 'healthy' && !(anyHealthy && h.state === 'draining'))
        .map((h) =>
          registrations.length > 1
            ? `${describeHealth(h)} on port ${h.port ?? '?'} in ${tg.name}`
            : `${describeHealth(h)} in ${tg.name}`,
        );
    });
    evidence.push(
      bad.length > 0
        ? { verdict: 'fail', instanceId: id, detail: `${id} is ${bad.join(', ')}` }
        : {
            verdict: 'pass',
            instanceId: id,
            detail: `${id} is healthy in ${groups.map((g) => g.name).join(', ')}`,
          },
    );
  }
  const failed = evidence.filter((e) => e.verdict === 'fail').length;
  return result(
    'target-health',
    evidence,
    `every instance is healthy in ${groups.map((g) => g.name).join(', ')}`,
    `${failed} not healthy: ${evidence
      .filter((e) => e.verdict === 'fail')
      .slice(0, 5)
      .map((e) => e.detail)
      .join('; ')}`,
  );
};

/**
 * Every instance registered in the environment's target groups (in any state but `unused`) must be
 * one this revision was installed on. Which Auto Scaling group launched it does not excuse it: an
 * instance of another group (another team's, an old fleet's, registered by hand) takes this
 * environment's traffic with a revision nobody verified here.
 */
export const blueDeregistered: Rule = (f) => {
  const why = noTraffic(f);
  if (why) return skip('blue-deregistered', why);
  const serving = new Set(servingIds(f));
  const replaced = new Set(f.replaced);
  const evidence: Evidence[] = [];
  for (const tg of f.targetGroups) {
    if (!tg.found) continue;
    for (const t of tg.targets) {
      if (serving.has(t.instanceId) || t.state === 'unused') continue;
      const id = t.instanceId;
      if (replaced.has(id)) {
        evidence.push({
          verdict: 'fail',
          instanceId: id,
          detail: `${id} (blue) is still registered in ${tg.name} (${t.state}) after traffic moved`,
        });
        continue;
      }
      evidence.push({
        verdict: 'fail',
        instanceId: id,
        detail: `${id} is undeployed: registered in ${tg.name} (${t.state}) ${originOf(f, id)}, and ${undeployedWhy(f, id)}, so it serves a revision that was never verified`,
      });
    }
  }
  return result(
    'blue-deregistered',
    evidence,
    'no blue or undeployed instance is registered in the target groups',
  );
};

/** How an instance got into the fleet, as far as EC2 and Auto Scaling tell. */
function originOf(f: Facts, id: string): string {
  const i = f.instances[id];
  if (!i) return 'from outside the deployment';
  if (i.state === 'missing') return 'though EC2 does not know it';
  const own = f.asg?.name;
  if (i.autoScalingGroup && i.autoScalingGroup === own)
    return `from ${own}, the fleet's own Auto Scaling group`;
  if (i.autoScalingGroup) return `from Auto Scaling group ${i.autoScalingGroup}, not the fleet's`;
  return 'launched outside any Auto Scaling group';
}

export const blueFleet: Rule = (f) => {
  const d = f.deployment;
  if (d.deploymentType !== 'BLUE_GREEN') return skip('blue-fleet', 'in-place deployments have no blue fleet');
  const never = trafficNeverMoved(f);
  if (never) return skip('blue-fleet', never);
  if (d.rollbackOf)
    return skip('blue-fleet', `a rollback of ${d.rollbackOf}: CodeDeploy removes the green copy itself`);
  if (f.phase === 'before-traffic') return skip('blue-fleet', 'traffic has not moved yet: blue still serves');
  if (!d.terminateBlue) return skip('blue-fleet', 'the group does not say what happens to blue instances');
  if (f.replaced.length === 0)
    return result(
      'blue-fleet',
      [{ verdict: 'pass', detail: 'there was no blue instance' }],
      'there was no blue instance',
    );
  const { action, waitMinutes } = d.terminateBlue;
  if (action === 'TERMINATE' && d.status !== 'Succeeded' && d.instanceTerminationWaitStarted) {
    const text = `${plural(f.replaced.length, 'blue instance')} scheduled for termination after ${waitMinutes} minutes`;
    return result('blue-fleet', [{ verdict: 'pass', detail: text }], text);
  }
  const evidence: Evidence[] = [];
  for (const id of f.replaced) {
    const state = f.instances[id]?.state ?? 'unknown';
    if (action === 'TERMINATE' && !GONE_EC2.has(state)) {
      evidence.push({
        verdict: 'fail',
        instanceId: id,
        detail: `${id} (blue) is ${state}; the group terminates blue instances after ${waitMinutes} minutes`,
      });
    } else if (action === 'KEEP_ALIVE' && state !== 'running') {
      evidence.push({
        verdict: 'fail',
        instanceId: id,
        detail: `${id} (blue) is ${state}; the group keeps blue instances alive`,
      });
    }
  }
  const passText =
    action === 'TERMINATE'
      ? `${plural(f.replaced.length, 'blue instance')} terminated`
      : `${plural(f.replaced.length, 'blue instance')} kept alive`;
  if (evidence.length === 0) evidence.push({ verdict: 'pass', detail: passText });
  return result('blue-fleet', evidence, passText);
};

export const alarms: Rule = (f) => {
  if (f.alarms.length === 0) return skip('alarms', 'the deployment group has no alarms');
  const evidence: Evidence[] = f.alarms.map((a) => {
    if (a.state === undefined) {
      return {
        verdict: f.ignoreAlarmFailure ? 'pass' : 'fail',
        detail: `alarm ${a.name} does not exist in CloudWatch${f.ignoreAlarmFailure ? ' (ignorePollAlarmFailure)' : ''}`,
      };
    }
    return {
      verdict: a.state === 'ALARM' ? 'fail' : 'pass',
      detail: `alarm ${a.name} is ${a.state}${a.state === 'ALARM' && a.reason ? `: ${a.reason}` : ''}`,
    };
  });
  return result('alarms', evidence, `no alarm in ALARM (${f.alarms.map((a) => a.name).join(', ')})`);
};

/** A reported version matches the commit when equal, or when one is an abbreviation (≥ 7) of the other. */
export function sameVersion(reported: string, expected: string): boolean {
  const a = reported.trim().toLowerCase();
  const b = expected.trim().toLowerCase();
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return short.length >= 7 && /^[0-9a-f]+$/.test(short) && long.startsWith(short);
}

export const servedVersion: Rule = (f) => {
  const served = f.served;
  if (served.mode === 'skipped') return skip('served-version', served.reason);
  const expected = f.deployment.expectedVersion;
  if (!expected)
    return skip('served-version', `the revision ${f.deployment.revision} names no commit to compare with`);
  if (served.mode === 'instances') {
    const evidence: Evidence[] = fleetIds(f).map((id) => {
      const a = served.answers[id];
      if (!a) return { verdict: 'fail', instanceId: id, detail: `${id}: not asked (no address)` };
      if (a.version === undefined)
        return { verdict: 'fail', instanceId: id, detail: `${id}: ${a.url} ${a.error ?? 'gave no version'}` };
      return sameVersion(a.version, expected)
        ? { verdict: 'pass', instanceId: id, detail: `${id} serves ${a.version}` }
        : {
            verdict: 'fail',
            instanceId: id,
            detail: `${id} serves ${a.version}, expected ${expected} (${a.url})`,
          };
    });
    const failed = evidence.filter((e) => e.verdict === 'fail');
    return result(
      'served-version',
      evidence,
      `every instance serves ${expected}`,
      `${failed.length} of ${plural(evidence.length, 'instance')} do not serve ${expected}: ${failed
        .slice(0, 5)
        .map((e) => e.detail)
        .join('; ')}`,
    );
  }
  const wrong = served.answers.filter((a) => a.version === undefined || !sameVersion(a.version, expected));
  const seen = [...new Set(served.answers.map((a) => a.version ?? a.error ?? '?'))];
  const evidence: Evidence[] = [
    {
      verdict: wrong.length === 0 && served.answers.length > 0 ? 'pass' : 'fail',
      detail: `${served.answers.length} requests to ${served.url} for ${plural(served.targets, 'target')} (${served.why}): ${
        wrong.length === 0
          ? `all reported ${expected}`
          : `${wrong.length} did not report ${expected} (saw ${seen.join(', ')})`
      }`,
    },
  ];
  return result('served-version', evidence, evidence[0]?.detail ?? '');
};

export const scaleOutDeployments: Rule = (f) => {
  if (f.followUps.length === 0)
    // Follow-ups are read for the fleet's live instances this deployment did not reach; one that went
    // to an instance since abandoned or terminated is not among them (capacity counts that instance).
    return skip('scale-out-deployments', 'no automatic deployment after this one reached a live instance');
  const evidence: Evidence[] = [];
  for (const d of f.followUps) {
    if (d.status !== 'Succeeded') {
      evidence.push({ verdict: 'fail', detail: `automatic deployment ${d.deploymentId} is ${d.status}` });
    }
    for (const t of d.targets) {
      const e = eventEvidence(t, false);
      evidence.push({ ...e, detail: `${d.deploymentId} ${e.detail}` });
    }
  }
  return result(
    'scale-out-deployments',
    evidence,
    `${plural(f.followUps.length, 'automatic deployment')} after this one succeeded on every instance`,
  );
};

/** Every rule, in report order. */
export const RULES: readonly Rule[] = [
  deploymentStatus,
  lifecycleEvents,
  capacity,
  targetHealth,
  blueDeregistered,
  blueFleet,
  alarms,
  servedVersion,
  scaleOutDeployments,
];
