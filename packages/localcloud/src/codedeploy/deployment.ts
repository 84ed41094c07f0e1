// The deployment state machine: one run per deployment, driven by the Scheduler in scaled AWS time.
// Blue/green (spec §3.2): Created → InProgress → green fleet → install on green in batches (§4.3) →
// Ready (optional wait) → reroute: green allow traffic, blue block traffic → termination wait → blue
// terminated or kept → Succeeded. Also the rollback of a blue/green deployment (§5) and in-place
// deployments (the automatic ones for instances an Auto Scaling group launches).

import { setMaxListeners } from 'node:events';
import type {
  AlarmState,
  AutoScalingPort,
  CloudWatchPort,
  Ec2Instance,
  Ec2Port,
  Elbv2Port,
  InstanceFault,
  InstanceFaultPort,
  Scheduler,
} from '../ports.js';
import type { Agent, AgentDeployment, AgentEventResult, Diagnostics, Revision } from './agent.js';
import { agentUnreachableMessage, eventTimeoutSeconds } from './agent.js';
import { instancesMatchingTags, isLive, liveMembers, membersOfGroups } from './fleets.js';
import type { FleetCounts, HealthConstraint, MinimumHealthyHostsRule } from './health-rules.js';
import {
  constraintHeld,
  constraintsInvalid,
  healthConstraintsInvalidMessage,
  healthConstraintsMessage,
  instancesThatMayStart,
  isBlocked,
  minimumHealthy,
  rerouteMinimum,
} from './health-rules.js';
import type { LifecycleEventName, TargetRole } from './lifecycle.js';
import { installLaunchHook, removeLaunchHook } from './launch-hook.js';
import {
  allowTrafficEvents,
  blockTrafficEvents,
  eventsFor,
  ignorableEvents,
  installEvents,
  lifecycleEvents,
  trafficEvents,
} from './lifecycle.js';
import type {
  AutoRollbackEvent,
  DeploymentGroupRecord,
  DeploymentRecord,
  TargetRecord,
  TargetStatus,
} from './state.js';
import { addTarget, setTargetStatus } from './state.js';

/** AWS durations the service itself waits, in AWS milliseconds. */
export const timing = {
  /** Created → InProgress. */
  startDelayMs: 1_000,
  /** How often the service looks at ASG lifecycle states and target health. */
  pollMs: 5_000,
  /** An event the agent never picks up fails after 5 minutes (spec §6.5). */
  agentUnreachableMs: 300_000,
  /** The service's own limit for one lifecycle event and for AllowTraffic/BlockTraffic. */
  eventTimeoutMs: eventTimeoutSeconds * 1000,
  /** How long the green ASG's instances may take to reach InService. */
  greenFleetTimeoutMs: 3_600_000,
};

export interface DeploymentEnd {
  /** What may trigger an automatic rollback of this end. */
  readonly trigger?: AutoRollbackEvent;
  /** StopDeployment's autoRollbackEnabled, when given. */
  readonly rollbackRequested?: boolean;
}

export interface EngineContext {
  readonly scheduler: Scheduler;
  readonly ec2: Ec2Port;
  readonly autoscaling: AutoScalingPort;
  readonly elbv2: Elbv2Port;
  readonly cloudwatch: CloudWatchPort;
  readonly faults: InstanceFaultPort;
  readonly agentFor: (instance: Ec2Instance) => Agent;
  group(deploymentGroupId: string): DeploymentGroupRecord | undefined;
  deployment(deploymentId: string): DeploymentRecord | undefined;
  healthRule(deploymentConfigName: string): MinimumHealthyHostsRule;
  agentDeployment(record: DeploymentRecord): AgentDeployment;
  /** The revision that last ran on an instance for a deployment group. */
  lastRevisionOn(deploymentGroupId: string, instanceId: string): Revision | undefined;
  recordInstalled(deploymentGroupId: string, instanceId: string, revision: Revision): void;
  /** Called once, when the deployment reaches a terminal status. */
  finished(record: DeploymentRecord, end: DeploymentEnd): void;
  /**
   * Why the deployment group's service role may not make a COPY_AUTO_SCALING_GROUP green fleet (the
   * deployment's IAM_ROLE_PERMISSIONS message), or undefined; absent, every role may (iam/service-role.ts).
   */
  greenFleetDenial?(request: {
    serviceRoleArn: string;
    sourceGroupName: string;
    greenGroupName: string;
  }): Promise<string | undefined>;
}

/** Thrown out of every wait once the deployment has ended; the run's pending work is dropped. */
class DeploymentEnded extends Error {}

interface Waiter {
  readonly check: () => boolean;
  remainingMs: number;
  readonly resolve: (ok: boolean) => void;
}

interface InFlight {
  readonly controller: AbortController;
  readonly gone: (result: AgentEventResult) => void;
}

interface FleetGate {
  mayStart(counts: FleetCounts): number;
  blocked(counts: FleetCounts): boolean;
}

const allAtOnce: FleetGate = { mayStart: (c) => c.pending, blocked: () => false };

function minimumGate(minimum: number): FleetGate {
  return { mayStart: (c) => instancesThatMayStart(c, minimum), blocked: (c) => isBlocked(c, minimum) };
}

/** Which fleet an agent event belongs to, as fault rules and the agent see it. */
type AgentFleet = 'green' | 'blue' | 'in-place';

const failed = (errorCode: Diagnostics['errorCode'], message: string): AgentEventResult => ({
  status: 'Failed',
  diagnostics: { errorCode, scriptName: '', message, logTail: '' },
});

export type ContinueType = 'READY_WAIT' | 'TERMINATION_WAIT';

export class DeploymentRun {
  private ended = false;
  private readonly timers = new Set<() => void>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly waiters = new Set<Waiter>();
  private pollerArmed = false;
  private rejectEnded!: (err: Error) => void;
  private readonly endedSignal: Promise<never>;
  private continueWaiter?: { type: ContinueType; resolve: (continued: boolean) => void };
  private targetGroupArns: string[] = [];
  /** While true, instances the green ASG launches join the green fleet. */
  private greenFleetForming = false;

  constructor(
    private readonly ctx: EngineContext,
    readonly record: DeploymentRecord,
  ) {
    this.endedSignal = new Promise<never>((_, reject) => {
      this.rejectEnded = reject;
    });
    this.endedSignal.catch(() => undefined);
  }

  start(): void {
    void this.main();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Whether a launch into the green ASG right now becomes part of this deployment's green fleet. */
  acceptsGreenLaunch(): boolean {
    return this.greenFleetForming;
  }

  /** Whether this deployment waits for the given ContinueDeployment type right now. */
  waitsFor(type: ContinueType): boolean {
    return this.continueWaiter?.type === type;
  }

  continue(type: ContinueType): void {
    const waiter = this.continueWaiter;
    if (waiter?.type !== type) return;
    this.continueWaiter = undefined;
    waiter.resolve(true);
  }

  /** StopDeployment, an alarm, or any other stop from outside the run. */
  stop(code: string, message: string, end: DeploymentEnd): void {
    this.end('Stopped', { code, message }, end);
  }

  /** An instance of this deployment left `running` (terminated, stopped): its event in flight fails. */
  instanceGone(instanceId: string): void {
    this.inFlight
      .get(instanceId)
      ?.gone(
        failed(
          'UnknownError',
          `The instance ${instanceId} was terminated or stopped while the lifecycle event was running.`,
        ),
      );
  }

  /** An alarm of this deployment's alarm configuration changed state. */
  alarmChanged(name: string, state: AlarmState): void {
    const config = this.record.alarmConfiguration;
    if (this.ended || this.record.status === 'Created' || !config.enabled || state !== 'ALARM') return;
    if (!(config.alarms ?? []).some((a) => a.name === name)) return;
    this.stop(
      'ALARM_ACTIVE',
      `One or more alarms have been activated according to the Amazon CloudWatch metrics. The alarm(s) are: ${name}.`,
      {
        trigger: 'DEPLOYMENT_STOP_ON_ALARM',
      },
    );
  }

  private async main(): Promise<void> {
    try {
      await this.sleep(timing.startDelayMs);
      const now = this.ctx.scheduler.now();
      this.record.status = 'InProgress';
      this.record.startTime = now;
      const alarm = this.alarmProblem();
      if (alarm) {
        this.stop('ALARM_ACTIVE', alarm, { trigger: 'DEPLOYMENT_STOP_ON_ALARM' });
        return;
      }
      this.targetGroupArns = (this.record.loadBalancerInfo?.targetGroupInfoList ?? []).flatMap((tg) => {
        const found = tg.name === undefined ? undefined : this.ctx.elbv2.getTargetGroupByName(tg.name);
        return found ? [found.arn] : [];
      });
      if (this.record.rollbackOf !== undefined) await this.rollBackBlueGreen(this.record.rollbackOf);
      else if (this.record.launchedInstances) await this.inPlace();
      else if (this.record.deploymentStyle.deploymentType === 'BLUE_GREEN') await this.blueGreen();
      else await this.inPlace();
    } catch (err) {
      if (err instanceof DeploymentEnded || this.ended) return;
      this.end(
        'Failed',
        { code: 'INTERNAL_ERROR', message: `Internal error in the local cloud: ${String(err)}` },
        {},
      );
    }
  }

  private alarmProblem(): string | undefined {
    const config = this.record.alarmConfiguration;
    if (!config.enabled) return undefined;
    const inAlarm: string[] = [];
    for (const { name } of config.alarms ?? []) {
      if (name === undefined) continue;
      const state = this.ctx.cloudwatch.alarmState(name);
      if (state === 'ALARM') inAlarm.push(name);
      else if (state === undefined && !config.ignorePollAlarmFailure) {
        return `The deployment was stopped because the state of alarm ${name} could not be retrieved from Amazon CloudWatch.`;
      }
    }
    return inAlarm.length > 0
      ? `One or more alarms have been activated according to the Amazon CloudWatch metrics. The alarm(s) are: ${inAlarm.join(', ')}.`
      : undefined;
  }

  // ---- blue/green --------------------------------------------------------------------------------

  private async blueGreen(): Promise<void> {
    const record = this.record;
    const bg = record.blueGreenDeploymentConfiguration ?? {};
    const fleets =
      bg.greenFleetProvisioningOption?.action === 'COPY_AUTO_SCALING_GROUP'
        ? await this.copyAutoScalingGroup()
        : this.discoverExisting();
    if (!fleets) return;
    const green = fleets.green.map((id, index) => this.newTarget(id, 'green', 'Green', index));
    const blue = fleets.blue.map((id, index) => this.newTarget(id, 'blue', 'Blue', index));
    const rule = this.ctx.healthRule(record.deploymentConfigName);
    if (this.failIfInvalid(rule, green.length)) return;

    const minimum = minimumHealthy(rule, green.length);
    const install = await this.install(green, minimumGate(minimum));
    if (!this.healthConstraintHeld(install, { minimum })) return;
    const ready = green.filter((t) => t.status === 'Ready');

    const readyOption = bg.deploymentReadyOption ?? {};
    if (readyOption.actionOnTimeout === 'STOP_DEPLOYMENT') {
      record.status = 'Ready';
      const continued = await this.waitForContinue(
        'READY_WAIT',
        (readyOption.waitTimeInMinutes ?? 0) * 60_000,
      );
      if (!continued) {
        // [I] AWS documents only that the status becomes Stopped; TIMEOUT is the closest error code.
        this.end(
          'Stopped',
          {
            code: 'TIMEOUT',
            message:
              'The deployment timed out while waiting for a ContinueDeployment call to reroute traffic.',
          },
          {},
        );
        return;
      }
      record.status = 'InProgress';
    }

    const rerouteMin = rerouteMinimum(rule, ready.length);
    const reroute = await this.allowTraffic(ready, 'green', minimumGate(rerouteMin));
    if (!this.healthConstraintHeld(reroute, { minimum: rerouteMin })) return;

    // Any original instance that fails to leave the load balancer fails the deployment (spec §3.2 step 5).
    const block = await this.blockTraffic(blue, 'blue');
    const blocked = this.healthConstraintHeld(block, 'every-instance', {
      message: `The deployment failed because ${block.failed} original instance(s) could not be deregistered from the load balancer.`,
    });
    if (!blocked) return;

    const termination = bg.terminateBlueInstancesOnDeploymentSuccess ?? {};
    if (termination.action === 'KEEP_ALIVE') {
      this.keepBlueAlive(blue);
    } else {
      // [I] The deployment stays InProgress through the termination wait (spec §3.2 step 6).
      record.instanceTerminationWaitTimeStarted = true;
      await this.waitForContinue(
        'TERMINATION_WAIT',
        (termination.terminationWaitTimeInMinutes ?? 0) * 60_000,
      );
      this.terminateBlue(blue);
    }
    this.moveGroupToGreen();
    this.end('Succeeded', undefined, {});
  }

  /** COPY_AUTO_SCALING_GROUP: the green fleet is a copy of the group's ASG, sized to its healthy count. */
  private async copyAutoScalingGroup(): Promise<{ green: string[]; blue: string[] } | undefined> {
    const { autoscaling } = this.ctx;
    const record = this.record;
    const sourceName = record.blueAutoScalingGroups[0];
    const source = sourceName === undefined ? undefined : autoscaling.get(sourceName);
    if (!source || sourceName === undefined) {
      this.end(
        'Failed',
        {
          code: 'AUTO_SCALING_CONFIGURATION',
          message: `The Auto Scaling group ${sourceName ?? ''} of the deployment group could not be found.`,
        },
        { trigger: 'DEPLOYMENT_FAILURE' },
      );
      return undefined;
    }
    // The blue fleet is the source group's members when the copy is made; instances it launches
    // later are in neither fleet (their launch hook waits for this deployment to end).
    const blue = liveMembers(source);
    const healthy = blue.filter(
      (i) => i.lifecycleState === 'InService' && i.healthStatus === 'Healthy',
    ).length;
    const greenName = `CodeDeploy_${record.deploymentGroupName}_${record.deploymentId}`;
    // CodeDeploy copies the group as its service role, which must be allowed to.
    const serviceRoleArn = this.ctx.group(record.deploymentGroupId)?.settings.serviceRoleArn;
    const denial =
      serviceRoleArn === undefined
        ? undefined
        : await this.ctx.greenFleetDenial?.({
            serviceRoleArn,
            sourceGroupName: sourceName,
            greenGroupName: greenName,
          });
    if (denial !== undefined) {
      this.end(
        'Failed',
        { code: 'IAM_ROLE_PERMISSIONS', message: denial },
        { trigger: 'DEPLOYMENT_FAILURE' },
      );
      return undefined;
    }
    record.greenAutoScalingGroup = greenName;
    this.greenFleetForming = true;
    autoscaling.copy(sourceName, greenName, healthy);
    const group = this.ctx.group(record.deploymentGroupId);
    if (group) installLaunchHook(autoscaling, greenName, group);
    const inService = await this.until(() => {
      const g = autoscaling.get(greenName);
      if (!g) return false;
      const members = liveMembers(g);
      return (
        members.length >= g.desiredCapacity &&
        members.every(
          (i) => i.lifecycleState === 'InService' && this.ctx.ec2.get(i.instanceId)?.state === 'running',
        )
      );
    }, timing.greenFleetTimeoutMs);
    // The green fleet is fixed when the install begins: later launches get an automatic deployment afterwards.
    this.greenFleetForming = false;
    if (!inService) {
      this.end(
        'Failed',
        {
          code: 'TIMEOUT',
          message: `The instances of the replacement Auto Scaling group ${greenName} did not reach InService in time.`,
        },
        { trigger: 'DEPLOYMENT_FAILURE' },
      );
      return undefined;
    }
    const greenGroup = autoscaling.get(greenName);
    return {
      green: greenGroup ? liveMembers(greenGroup).map((i) => i.instanceId) : [],
      blue: blue.map((i) => i.instanceId).filter((id) => isLive(this.ctx.ec2, id)),
    };
  }

  /** DISCOVER_EXISTING: green is what `targetInstances` selects; blue is the group's own instances. */
  private discoverExisting(): { green: string[]; blue: string[] } {
    const { ec2, autoscaling } = this.ctx;
    const targets = this.record.targetInstances ?? {};
    const green = unique([
      ...membersOfGroups(autoscaling, targets.autoScalingGroups ?? []),
      ...instancesMatchingTags(ec2, targets.tagFilters ?? [], targets.ec2TagSet?.ec2TagSetList),
    ]).filter((id) => isLive(ec2, id));
    const group = this.ctx.group(this.record.deploymentGroupId);
    const greenSet = new Set(green);
    const blue = unique([
      ...membersOfGroups(autoscaling, this.record.blueAutoScalingGroups),
      ...(group
        ? instancesMatchingTags(ec2, group.settings.ec2TagFilters, group.settings.ec2TagSet?.ec2TagSetList)
        : []),
    ]).filter((id) => !greenSet.has(id) && isLive(ec2, id));
    return { green, blue };
  }

  private keepBlueAlive(blue: readonly TargetRecord[]): void {
    // [I] KEEP_ALIVE: the original instances leave their ASGs (which stay, without the launch hook)
    // and keep running, outside the deployment group.
    const { autoscaling } = this.ctx;
    for (const name of this.record.blueAutoScalingGroups) {
      const group = autoscaling.get(name);
      if (!group) continue;
      for (const t of blue) {
        if (group.instances.some((i) => i.instanceId === t.instanceId))
          autoscaling.detachInstance(name, t.instanceId);
      }
    }
  }

  private terminateBlue(blue: readonly TargetRecord[]): void {
    const { autoscaling, ec2 } = this.ctx;
    const inGroups = new Set<string>();
    if (this.record.greenAutoScalingGroup !== undefined) {
      // [I] COPY_AUTO_SCALING_GROUP: the original ASG goes with its instances (spec §3.2 step 6).
      for (const name of this.record.blueAutoScalingGroups) {
        const group = autoscaling.get(name);
        if (!group) continue;
        for (const i of group.instances) inGroups.add(i.instanceId);
        autoscaling.delete(name);
      }
    }
    for (const t of blue)
      if (!inGroups.has(t.instanceId) && isLive(ec2, t.instanceId)) ec2.terminate(t.instanceId);
  }

  /** After success, the group's ASG is the green copy, and the launch hook moves with it. */
  private moveGroupToGreen(): void {
    const record = this.record;
    const group = this.ctx.group(record.deploymentGroupId);
    const greenName = record.greenAutoScalingGroup;
    if (!group) return;
    const { autoscaling } = this.ctx;
    let next: string[];
    if (greenName !== undefined) next = [greenName];
    else if ((record.targetInstances?.autoScalingGroups ?? []).length > 0)
      next = record.targetInstances?.autoScalingGroups ?? [];
    else return;
    for (const name of group.settings.autoScalingGroups)
      if (!next.includes(name)) removeLaunchHook(autoscaling, name, group);
    for (const name of next) installLaunchHook(autoscaling, name, group);
    group.settings.autoScalingGroups = next;
  }

  // ---- rollback of a blue/green deployment --------------------------------------------------------

  /**
   * Nothing is reinstalled (spec §5): the original instances take traffic back (BeforeAllowTraffic,
   * AllowTraffic, AfterAllowTraffic) and the replacement instances give it up (BeforeBlockTraffic,
   * BlockTraffic, AfterBlockTraffic). [I] The copied green ASG is then deleted.
   */
  private async rollBackBlueGreen(originalId: string): Promise<void> {
    const original = this.ctx.deployment(originalId);
    const { ec2, autoscaling } = this.ctx;
    const originals = original ? [...original.targets.values()] : [];
    const blue = originals
      .filter((t) => t.label === 'Blue' && isLive(ec2, t.instanceId))
      .map((t, index) => this.newTarget(t.instanceId, 'rollback-blue', 'Blue', index));
    const green = originals
      .filter((t) => t.label === 'Green' && isLive(ec2, t.instanceId))
      .map((t, index) => this.newTarget(t.instanceId, 'rollback-green', 'Green', index));
    this.record.greenAutoScalingGroup = original?.greenAutoScalingGroup;
    const allow = await this.allowTraffic(blue, 'blue', allAtOnce);
    const block = await this.blockTraffic(green, 'green');
    const greenName = original?.greenAutoScalingGroup;
    if (greenName !== undefined && autoscaling.get(greenName)) autoscaling.delete(greenName);
    // Both fleets must make it; the message is the one for the original instances taking traffic back.
    const both = { ...allow, failed: allow.failed + block.failed };
    const held = this.healthConstraintHeld(both, 'every-instance', {
      message: healthConstraintsMessage(allow),
      end: {},
    });
    if (held) this.end('Succeeded', undefined, {});
  }

  // ---- in-place -----------------------------------------------------------------------------------

  private async inPlace(): Promise<void> {
    const record = this.record;
    const { ec2, autoscaling } = this.ctx;
    const withTraffic =
      record.deploymentStyle.deploymentOption === 'WITH_TRAFFIC_CONTROL' && this.targetGroupArns.length > 0;
    const role: TargetRole = withTraffic ? 'in-place-with-traffic' : 'in-place';
    let ids: string[];
    if (record.launchedInstances) {
      ids = [...record.launchedInstances.keys()];
    } else {
      const group = this.ctx.group(record.deploymentGroupId);
      ids = unique([
        ...membersOfGroups(autoscaling, record.blueAutoScalingGroups),
        ...(group
          ? instancesMatchingTags(ec2, group.settings.ec2TagFilters, group.settings.ec2TagSet?.ec2TagSetList)
          : []),
      ]);
    }
    const targets = ids.map((id, index) => this.newTarget(id, role, undefined, index));
    if (record.launchedInstances) {
      // [I] An automatic deployment deploys to every launched instance at once; each instance's
      // launch hook then continues or abandons on its own result.
      const result = await this.deployInPlace(targets, allAtOnce);
      if (this.healthConstraintHeld(result, 'every-instance')) this.end('Succeeded', undefined, {});
      return;
    }
    const rule = this.ctx.healthRule(record.deploymentConfigName);
    if (this.failIfInvalid(rule, targets.length)) return;
    const minimum = minimumHealthy(rule, targets.length);
    const result = await this.deployInPlace(targets, minimumGate(minimum));
    if (this.healthConstraintHeld(result, { minimum })) this.end('Succeeded', undefined, {});
  }

  // ---- phases: what each runs on a fleet, and the health constraint on its outcome ------------------

  /** Installs the revision on the replacement instances; each that makes it is Ready. */
  private install(targets: readonly TargetRecord[], gate: FleetGate): Promise<FleetCounts> {
    return this.runFleet(targets, (t) => this.runPhase(t, installEvents, 'green', 'Ready'), gate);
  }

  /** Registers the instances with the target groups, between their allow-traffic hooks. */
  private allowTraffic(
    targets: readonly TargetRecord[],
    fleet: 'green' | 'blue',
    gate: FleetGate,
  ): Promise<FleetCounts> {
    return this.runFleet(targets, (t) => this.runPhase(t, allowTrafficEvents, fleet, 'Succeeded'), gate);
  }

  /** Deregisters the instances from the target groups, between their block-traffic hooks; all at once. */
  private blockTraffic(targets: readonly TargetRecord[], fleet: 'green' | 'blue'): Promise<FleetCounts> {
    return this.runFleet(targets, (t) => this.runPhase(t, blockTrafficEvents, fleet, 'Succeeded'), allAtOnce);
  }

  /** Every event of an in-place target: block traffic (with a load balancer), install, allow traffic. */
  private deployInPlace(targets: readonly TargetRecord[], gate: FleetGate): Promise<FleetCounts> {
    return this.runFleet(targets, (t) => this.runPhase(t, lifecycleEvents, 'in-place', 'Succeeded'), gate);
  }

  /**
   * CodeDeploy's health constraint on a phase's outcome. When it does not hold, the deployment ends
   * Failed with HEALTH_CONSTRAINTS (AWS's message for the fleet unless another is given) and an
   * automatic rollback may follow (DEPLOYMENT_FAILURE unless `end` says otherwise).
   */
  private healthConstraintHeld(
    counts: FleetCounts,
    constraint: HealthConstraint,
    failure: { readonly message?: string; readonly end?: DeploymentEnd } = {},
  ): boolean {
    if (constraintHeld(counts, constraint)) return true;
    this.end(
      'Failed',
      { code: 'HEALTH_CONSTRAINTS', message: failure.message ?? healthConstraintsMessage(counts) },
      failure.end ?? { trigger: 'DEPLOYMENT_FAILURE' },
    );
    return false;
  }

  private failIfInvalid(rule: MinimumHealthyHostsRule, fleetSize: number): boolean {
    const invalid = constraintsInvalid(rule, fleetSize);
    if (invalid === undefined) return false;
    const message =
      invalid === 'NO_INSTANCES'
        ? 'The deployment failed because no instances were found for your deployment group. Check your deployment group settings to make sure the tags for your Amazon EC2 instances or Auto Scaling groups correctly identify the instances you want to deploy to, and then try again.'
        : healthConstraintsInvalidMessage;
    this.end('Failed', { code: invalid, message }, { trigger: 'DEPLOYMENT_FAILURE' });
    return true;
  }

  // ---- fleets, targets and events ----------------------------------------------------------------

  private newTarget(
    instanceId: string,
    role: TargetRole,
    label: 'Blue' | 'Green' | undefined,
    index: number,
  ): TargetRecord {
    const events = eventsFor(role).map((name) => ({ lifecycleEventName: name, status: 'Pending' as const }));
    const target: TargetRecord = {
      instanceId,
      role,
      index,
      status: 'Pending',
      lastUpdatedAt: this.ctx.scheduler.now(),
      events,
      ...(label ? { label } : {}),
    };
    addTarget(this.record, target);
    return target;
  }

  /**
   * Runs `work` on the targets, starting as many as the gate allows whenever one finishes. Counting
   * is incremental, so each decision is O(1) whatever the fleet size. Targets the gate blocks for
   * good are Skipped.
   */
  private runFleet(
    targets: readonly TargetRecord[],
    work: (t: TargetRecord) => Promise<boolean>,
    gate: FleetGate,
  ): Promise<FleetCounts> {
    return this.wait(
      new Promise<FleetCounts>((resolve) => {
        const counts = {
          total: targets.length,
          pending: targets.length,
          inProgress: 0,
          succeeded: 0,
          failed: 0,
        };
        let next = 0;
        const pump = (): void => {
          if (this.ended) return;
          const n = gate.mayStart(counts);
          for (let i = 0; i < n; i++) {
            const target = targets[next++];
            if (!target) break;
            counts.pending -= 1;
            counts.inProgress += 1;
            work(target).then(
              (ok) => {
                counts.inProgress -= 1;
                if (ok) counts.succeeded += 1;
                else counts.failed += 1;
                pump();
              },
              () => undefined,
            );
          }
          if (counts.inProgress > 0) return;
          if (counts.pending > 0 && gate.blocked(counts)) {
            const now = this.ctx.scheduler.now();
            for (const target of targets.slice(next)) this.skipRest(target, now, 'Skipped');
            counts.pending = 0;
          }
          if (counts.pending === 0) resolve({ ...counts });
        };
        pump();
      }),
    );
  }

  /**
   * Runs the target's events of one phase in order; the first failure Skips the rest. The phase that
   * runs a target's last event records the revision as installed on it.
   */
  private async runPhase(
    target: TargetRecord,
    phase: readonly LifecycleEventName[],
    fleet: AgentFleet,
    finalStatus: TargetStatus,
  ): Promise<boolean> {
    const record = this.record;
    setTargetStatus(record, target, 'InProgress', this.ctx.scheduler.now());
    for (const [i, event] of target.events.entries()) {
      if (!phase.includes(event.lifecycleEventName)) continue;
      const result = await this.runEvent(target, i, fleet);
      const now = this.ctx.scheduler.now();
      event.status = result.status;
      event.endTime = now;
      event.diagnostics = result.diagnostics;
      target.lastUpdatedAt = now;
      if (
        result.status === 'Failed' &&
        !(record.ignoreApplicationStopFailures && ignorableEvents.has(event.lifecycleEventName))
      ) {
        this.skipRest(target, now, 'Failed');
        return false;
      }
    }
    const last = target.events.at(-1);
    if (last !== undefined && phase.includes(last.lifecycleEventName)) {
      const group = this.ctx.group(record.deploymentGroupId);
      if (group && fleet !== 'blue' && target.role !== 'rollback-green')
        this.ctx.recordInstalled(group.deploymentGroupId, target.instanceId, record.revision);
    }
    setTargetStatus(record, target, finalStatus, this.ctx.scheduler.now());
    return true;
  }

  /** Events not yet run become Skipped (endTime, no startTime) and the target takes `status`. */
  private skipRest(target: TargetRecord, now: Date, status: TargetStatus): void {
    for (const event of target.events) {
      if (event.status === 'Pending') {
        event.status = 'Skipped';
        event.endTime = now;
      }
    }
    setTargetStatus(this.record, target, status, now);
  }

  private async runEvent(target: TargetRecord, index: number, fleet: AgentFleet): Promise<AgentEventResult> {
    const event = target.events[index];
    if (!event) throw new Error(`no event ${index} on ${target.instanceId}`);
    const name = event.lifecycleEventName;
    const { ec2, faults, scheduler } = this.ctx;
    const instance = ec2.get(target.instanceId);
    const fault = faults.forInstanceEvent({
      deploymentGroup: this.record.deploymentGroupName,
      deploymentId: this.record.deploymentId,
      instanceId: target.instanceId,
      // [I] In-place (automatic) deployments ask as the green fleet: their instances receive the revision.
      fleet: fleet === 'blue' ? 'blue' : 'green',
      index: target.index,
      event: name,
    });
    if (!instance || instance.state !== 'running' || fault?.effect === 'agent-down') {
      // The event never reaches an agent: it stays Pending and the service fails it after 5 minutes.
      await this.sleep(timing.agentUnreachableMs);
      return failed('UnknownError', agentUnreachableMessage);
    }
    event.status = 'InProgress';
    event.startTime = scheduler.now();
    target.lastUpdatedAt = event.startTime;
    if (fault?.effect === 'hang') {
      await this.sleep(timing.eventTimeoutMs);
      return failed(
        'UnknownError',
        `The lifecycle event ${name} did not complete within ${eventTimeoutSeconds} seconds.`,
      );
    }
    if (trafficEvents.has(name)) return this.trafficEvent(instance, name, fault);
    return this.agentEvent(instance, target, name, fleet, fault);
  }

  private async agentEvent(
    instance: Ec2Instance,
    target: TargetRecord,
    name: LifecycleEventName,
    fleet: AgentFleet,
    fault: InstanceFault | undefined,
  ): Promise<AgentEventResult> {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    let gone!: (result: AgentEventResult) => void;
    const vanished = new Promise<AgentEventResult>((resolve) => {
      gone = resolve;
    });
    this.inFlight.set(instance.instanceId, { controller, gone });
    const outcomes: Promise<AgentEventResult>[] = [
      this.ctx.agentFor(instance).runEvent(
        {
          instance,
          deployment: this.ctx.agentDeployment(this.record),
          event: name,
          fleet,
          index: target.index,
          ...optional(
            'lastRevisionOnInstance',
            this.ctx.lastRevisionOn(this.record.deploymentGroupId, instance.instanceId),
          ),
          ...(fault && (fault.effect === 'fail' || fault.effect === 'timeout') ? { fault } : {}),
        },
        controller.signal,
      ),
      vanished,
    ];
    if (instance.agent === 'real') {
      // A real agent can hang; the service fails the event at its own limit.
      outcomes.push(
        this.sleep(timing.eventTimeoutMs + 60_000).then(() =>
          failed(
            'UnknownError',
            `The lifecycle event ${name} did not complete within ${eventTimeoutSeconds} seconds.`,
          ),
        ),
      );
    }
    if (fault?.effect === 'terminate') {
      this.after(1_000, () => {
        this.ctx.ec2.terminate(instance.instanceId);
        this.instanceGone(instance.instanceId);
      });
    }
    try {
      return await this.wait(Promise.race(outcomes));
    } finally {
      controller.abort();
      this.inFlight.delete(instance.instanceId);
    }
  }

  /** AllowTraffic and BlockTraffic: CodeDeploy itself registers or deregisters the instance. */
  private async trafficEvent(
    instance: Ec2Instance,
    name: LifecycleEventName,
    fault: InstanceFault | undefined,
  ): Promise<AgentEventResult> {
    const { elbv2 } = this.ctx;
    const id = instance.instanceId;
    if (fault?.effect === 'fail')
      return failed('UnknownError', `The ${name} lifecycle event failed on instance ${id}.`);
    if (fault?.effect === 'timeout') {
      await this.sleep(timing.eventTimeoutMs);
      return failed(
        'UnknownError',
        `The ${name} lifecycle event did not complete within ${eventTimeoutSeconds} seconds.`,
      );
    }
    const arns = this.targetGroupArns;
    if (name === 'AllowTraffic') {
      for (const arn of arns) elbv2.register(arn, [id]);
      this.record.trafficShifted ||= this.record.rollbackOf === undefined && arns.length > 0;
      const healthy = await this.until(
        () => arns.every((arn) => elbv2.health(arn, id).state === 'healthy'),
        timing.eventTimeoutMs,
      );
      return healthy
        ? { status: 'Succeeded', diagnostics: succeededDiagnostics }
        : failed(
            'UnknownError',
            `The instance ${id} did not become healthy in its target group(s) within ${eventTimeoutSeconds} seconds.`,
          );
    }
    for (const arn of arns) elbv2.deregister(arn, [id]);
    const drained = await this.until(
      () =>
        arns.every((arn) => {
          const state = elbv2.health(arn, id).state;
          return state === 'unused';
        }),
      timing.eventTimeoutMs,
    );
    return drained
      ? { status: 'Succeeded', diagnostics: succeededDiagnostics }
      : failed(
          'UnknownError',
          `The instance ${id} was not deregistered from its target group(s) within ${eventTimeoutSeconds} seconds.`,
        );
  }

  // ---- time ---------------------------------------------------------------------------------------

  /** Rejects with DeploymentEnded as soon as the run ends, so no step runs after the end. */
  private wait<T>(promise: Promise<T>): Promise<T> {
    if (this.ended) return Promise.reject(new DeploymentEnded());
    return Promise.race([promise, this.endedSignal]);
  }

  private after(awsMs: number, fn: () => void): void {
    const cancel = this.ctx.scheduler.after(awsMs, () => {
      this.timers.delete(cancel);
      fn();
    });
    this.timers.add(cancel);
  }

  private sleep(awsMs: number): Promise<void> {
    return this.wait(new Promise<void>((resolve) => this.after(awsMs, resolve)));
  }

  /**
   * Resolves true when `check` holds, false after `timeoutMs`. One poll timer serves every waiter of
   * the run, so a thousand targets waiting for health cost one timer per poll.
   */
  private until(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return this.wait(
      new Promise<boolean>((resolve) => {
        this.waiters.add({ check, remainingMs: timeoutMs, resolve });
        this.armPoller();
      }),
    );
  }

  private armPoller(): void {
    if (this.pollerArmed) return;
    this.pollerArmed = true;
    this.after(timing.pollMs, () => {
      this.pollerArmed = false;
      for (const waiter of this.waiters) {
        waiter.remainingMs -= timing.pollMs;
        if (waiter.check()) {
          this.waiters.delete(waiter);
          waiter.resolve(true);
        } else if (waiter.remainingMs <= 0) {
          this.waiters.delete(waiter);
          waiter.resolve(false);
        }
      }
      if (this.waiters.size > 0 && !this.ended) this.armPoller();
    });
  }

  private waitForContinue(type: ContinueType, timeoutMs: number): Promise<boolean> {
    return this.wait(
      new Promise<boolean>((resolve) => {
        this.continueWaiter = { type, resolve };
        this.after(timeoutMs, () => {
          if (this.continueWaiter?.type !== type) return;
          this.continueWaiter = undefined;
          resolve(false);
        });
      }),
    );
  }

  // ---- the end ------------------------------------------------------------------------------------

  private end(
    status: 'Succeeded' | 'Failed' | 'Stopped',
    error: { code: string; message: string } | undefined,
    end: DeploymentEnd,
  ): void {
    if (this.ended) return;
    this.ended = true;
    const now = this.ctx.scheduler.now();
    const record = this.record;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    this.waiters.clear();
    this.continueWaiter = undefined;
    for (const flight of this.inFlight.values()) flight.controller.abort();
    this.inFlight.clear();
    this.rejectEnded(new DeploymentEnded());
    // Events cut by a stop fail; events that never ran are Skipped.
    for (const target of record.targets.values()) {
      let cut = false;
      for (const event of target.events) {
        if (event.status === 'InProgress') {
          event.status = 'Failed';
          event.endTime = now;
          event.diagnostics = {
            errorCode: 'UnknownError',
            scriptName: '',
            message: 'The lifecycle event was cut short because the deployment stopped.',
            logTail: '',
          };
          cut = true;
        } else if (event.status === 'Pending') {
          event.status = 'Skipped';
          event.endTime = now;
        }
      }
      if (cut || target.status === 'InProgress') setTargetStatus(record, target, 'Failed', now);
      else if (target.status === 'Pending') setTargetStatus(record, target, 'Skipped', now);
    }
    record.status = status;
    record.completeTime = now;
    record.startTime ??= now;
    if (error) record.errorInformation = error;
    this.ctx.finished(record, end);
  }
}

const succeededDiagnostics: Diagnostics = {
  errorCode: 'Success',
  scriptName: '',
  message: 'Succeeded',
  logTail: '',
};

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
