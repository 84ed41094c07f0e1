// ELBv2 state: target groups with their registered targets and synthetic health, load balancers and
// listeners. Implements Elbv2Port.
//
// Health is event driven rather than polled, so fleets of thousands cost nothing between changes: a
// registered target is `initial` until healthyThreshold × interval has passed, then `healthy` if its
// app is healthy (see setAppHealthy) or `unhealthy` after unhealthyThreshold × interval otherwise. A
// change of app health moves registered targets the same way. Real HTTP health checks (part 2) plug
// in by calling setAppHealthy from a prober.
//
// Targets whose instance runs real processes (`isReal`) are health-checked over real HTTP instead
// (health-check.ts), with the reason of the last failed check.
import { startHealthChecks } from './health-check.js';
import type { Ec2Port, Elbv2Port, Scheduler, TargetGroup, TargetHealth } from '../ports.js';
import type { Random } from '../random.js';
import { randomHex } from '../random.js';
import * as errors from './errors.js';
import { createLoadBalancerAddresses, type LoadBalancerAddresses } from './addresses.js';

export type HealthCheckSettings = TargetGroup['healthCheck'];

export interface RegisteredTarget {
  readonly instanceId: string;
  port: number;
  state: 'initial' | 'healthy' | 'unhealthy' | 'draining';
  /** Set while the first health checks run. */
  initialReason?: 'Elb.RegistrationInProgress' | 'Elb.InitialHealthChecking';
  /** Real health checks: why the target is unhealthy, as AWS words it. */
  unhealthyReason?: { code: string; description: string };
  cancelPending?: () => void;
}

export interface TargetGroupRecord extends TargetGroup {
  readonly vpcId: string;
  readonly protocolVersion: string;
  readonly targetType: string;
  healthCheckEnabled: boolean;
  readonly loadBalancerArns: Set<string>;
  readonly targets: Map<string, RegisteredTarget>;
  readonly attributes: Map<string, string>;
  readonly tags: Map<string, string>;
}

export interface LoadBalancerRecord {
  readonly arn: string;
  readonly name: string;
  readonly createdTime: Date;
  readonly scheme: string;
  readonly type: string;
  readonly availabilityZones: string[];
  /** The subnet in each of availabilityZones, in the same order. */
  readonly subnetIds: string[];
  readonly vpcId: string;
  readonly securityGroups: string[];
  readonly ipAddressType: string;
  /** Its own loopback address: DNSName, and where its listeners are served (addresses.ts). */
  readonly address: string;
  /** `provisioning` for LOAD_BALANCER_PROVISIONING_MS after CreateLoadBalancer, then `active`. */
  state: 'provisioning' | 'active';
}

/**
 * How long a new load balancer stays `provisioning` (AWS time). AWS documents no figure; application
 * load balancers usually take a few minutes, and CloudFormation waits for `active`.
 */
export const LOAD_BALANCER_PROVISIONING_MS = 3 * 60_000;

/** Listed by AWS for target groups of application, network and gateway load balancers (and Lambda targets). */
const TARGET_GROUP_ATTRIBUTE_KEYS = new Set([
  'deregistration_delay.timeout_seconds',
  'deregistration_delay.connection_termination.enabled',
  'stickiness.enabled',
  'stickiness.type',
  'stickiness.app_cookie.cookie_name',
  'stickiness.app_cookie.duration_seconds',
  'stickiness.lb_cookie.duration_seconds',
  'load_balancing.algorithm.type',
  'load_balancing.algorithm.anomaly_mitigation',
  'load_balancing.cross_zone.enabled',
  'slow_start.duration_seconds',
  'target_group_health.dns_failover.minimum_healthy_targets.count',
  'target_group_health.dns_failover.minimum_healthy_targets.percentage',
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count',
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage',
  'target_health_state.unhealthy.connection_termination.enabled',
  'target_health_state.unhealthy.draining_interval_seconds',
  'preserve_client_ip.enabled',
  'proxy_protocol_v2.enabled',
  'connection_termination.enabled',
  'target_failover.on_deregistration',
  'target_failover.on_unhealthy',
  'lambda.multi_value_headers.enabled',
]);

/** What ELBv2 needs of EC2's network: the subnets a load balancer is placed in, and the default VPC. */
type Ec2Placement = Ec2Port &
  Partial<{
    subnet(id: string): { id: string; availabilityZone: string; vpcId: string } | undefined;
    defaultSubnet(zone: string): { id: string; availabilityZone: string; vpcId: string } | undefined;
    defaultVpc(): { id: string };
    vpc(id: string): { id: string } | undefined;
    securityGroupByName(name: string, vpcId?: string): { id: string } | undefined;
  }>;

export interface ListenerAction {
  Type: string;
  TargetGroupArn?: string;
  ForwardConfig?: { TargetGroups?: { TargetGroupArn?: string; Weight?: number }[] };
  [member: string]: unknown;
}

export interface ServedAt {
  readonly address: string;
  readonly port: number;
}

export interface ListenerRecord {
  readonly arn: string;
  readonly loadBalancerArn: string;
  /**
   * The port the caller asked for (DescribeListeners' Port), even when it is served on another; a
   * world's port 0 ("any free port") becomes the port it is served on.
   */
  port: number;
  readonly protocol: string;
  readonly defaultActions: ListenerAction[];
  /**
   * Where the local cloud really serves it: the load balancer's address and `port`, or a free port on
   * that address when `port` is privileged and the process may not bind it. Undefined until bound,
   * and without listener proxies (the models' own tests).
   */
  served?: ServedAt;
  /**
   * Settles once the listener is served; rejects (InvalidConfigurationRequest, naming the load
   * balancer, port and cause) when it cannot be, and the listener is then gone.
   */
  ready: Promise<void>;
}

/** A listener's traffic port, being bound (listener-proxy.ts). */
export interface OpenedListener {
  /** Where it is served; rejects with the bind error when it cannot be served at all. */
  readonly served: Promise<ServedAt>;
  close(): void;
}

/**
 * Opens the listener's traffic port on its load balancer's address. Without one, the requested port
 * is recorded as is (port 0 gets a placeholder from 20000 up) and nothing is bound.
 */
export type ListenerOpener = (listener: {
  loadBalancerArn: string;
  address: string;
  port: number;
  targetGroupArns: string[];
}) => OpenedListener;

export interface Elbv2ModelDeps {
  readonly region: string;
  readonly accountId: string;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly ec2: Ec2Placement;
  readonly openListener?: ListenerOpener;
  /** The load balancers' own addresses; without it, a range of this model's own. */
  readonly loadBalancerAddresses?: LoadBalancerAddresses;
  /** True for instances whose app really runs: their targets get real HTTP health checks. */
  readonly isReal?: (instanceId: string) => boolean;
  /**
   * Whether something on a synthetic instance answers a health check at `path`: a revision a
   * deployment installed, or an image or world that says it serves the path. Without it every
   * synthetic instance answers (the models' own unit tests).
   */
  readonly answers?: (instanceId: string, path: string) => boolean;
}

export interface CreateTargetGroupRequest {
  name: string;
  protocol?: string;
  port?: number;
  vpcId?: string;
  targetType?: string;
  healthCheck?: Partial<HealthCheckSettings> & { enabled?: boolean };
  deregistrationDelaySeconds?: number;
  tags?: Record<string, string>;
}

const TARGET_GROUP_ATTRIBUTE_DEFAULTS: Record<string, string> = {
  'deregistration_delay.timeout_seconds': '300',
  'stickiness.enabled': 'false',
  'stickiness.type': 'lb_cookie',
  'stickiness.lb_cookie.duration_seconds': '86400',
  'load_balancing.algorithm.type': 'round_robin',
  'slow_start.duration_seconds': '0',
};

const DESCRIPTIONS: Record<string, string> = {
  'Elb.RegistrationInProgress': 'Target registration is in progress',
  'Elb.InitialHealthChecking': 'Initial health checks in progress',
  'Target.FailedHealthChecks': 'Health checks failed',
  'Target.NotRegistered': 'Target is not registered to the target group',
  'Target.InvalidState': 'Target is in the stopped or terminated state',
  'Target.DeregistrationInProgress': 'Target deregistration is in progress',
  'Target.HealthCheckDisabled': 'Health checks are disabled',
  'Target.NotInUse': 'Target group is not configured to receive traffic from the load balancer',
};

function health(state: TargetHealth['state'], reason?: string): TargetHealth {
  return reason ? { state, reason, description: DESCRIPTIONS[reason] ?? reason } : { state };
}

/** True when a load balancer forwards to the group: only then does ELB check its targets. */
function inUse(group: TargetGroupRecord): boolean {
  return group.loadBalancerArns.size > 0;
}

function forwardedTargetGroupArns(actions: readonly ListenerAction[]): string[] {
  return actions.flatMap((action) => [
    ...(action.TargetGroupArn ? [action.TargetGroupArn] : []),
    ...(action.ForwardConfig?.TargetGroups ?? []).flatMap((t) =>
      t.TargetGroupArn ? [t.TargetGroupArn] : [],
    ),
  ]);
}

function healthCheckOf(request: CreateTargetGroupRequest): HealthCheckSettings {
  const check = request.healthCheck ?? {};
  return {
    path: check.path ?? '/',
    port: check.port ?? 'traffic-port',
    protocol: check.protocol ?? request.protocol ?? 'HTTP',
    intervalSeconds: check.intervalSeconds ?? 30,
    timeoutSeconds: check.timeoutSeconds ?? 5,
    healthyThreshold: check.healthyThreshold ?? 5,
    unhealthyThreshold: check.unhealthyThreshold ?? 2,
    matcher: check.matcher ?? '200',
  };
}

export class Elbv2Model implements Elbv2Port {
  private readonly targetGroups = new Map<string, TargetGroupRecord>();
  private readonly loadBalancers = new Map<string, LoadBalancerRecord>();
  private readonly listeners = new Map<string, ListenerRecord>();
  /** Instances whose app fails health checks; every other instance passes. */
  private readonly unhealthyApps = new Set<string>();
  private nextPlaceholderPort = 20000;
  private readonly addresses: LoadBalancerAddresses;
  /** Closes what openListener bound, by listener ARN. */
  private readonly closers = new Map<string, () => void>();

  constructor(private readonly deps: Elbv2ModelDeps) {
    this.addresses = deps.loadBalancerAddresses ?? createLoadBalancerAddresses();
    deps.ec2.onStateChange((instance) => {
      if (instance.state === 'running') return;
      // A target whose instance stops running has its pending health transitions cancelled; it reads
      // as unused / Target.InvalidState (see health()).
      for (const group of this.targetGroups.values()) {
        const target = group.targets.get(instance.instanceId);
        if (target && target.state !== 'draining') {
          target.cancelPending?.();
          delete target.cancelPending;
        }
      }
    });
  }

  // --- Elbv2Port ---------------------------------------------------------------------------------

  getTargetGroupByName(name: string): TargetGroupRecord | undefined {
    for (const group of this.targetGroups.values()) if (group.name === name) return group;
    return undefined;
  }

  getTargetGroupByArn(arn: string): TargetGroupRecord | undefined {
    return this.targetGroups.get(arn);
  }

  register(targetGroupArn: string, instanceIds: string[], port?: number): void {
    const group = this.requireTargetGroup(targetGroupArn);
    const unknown = instanceIds.filter((id) => !this.deps.ec2.get(id));
    if (unknown.length > 0) throw errors.invalidTargetUnknown(unknown);
    const notRunning = instanceIds.filter((id) => this.deps.ec2.get(id)?.state !== 'running');
    if (notRunning.length > 0) throw errors.invalidTargetNotRunning(notRunning);
    for (const instanceId of instanceIds) {
      const existing = group.targets.get(instanceId);
      if (existing && existing.state !== 'draining') continue;
      existing?.cancelPending?.();
      const target: RegisteredTarget = {
        instanceId,
        port: port ?? group.port,
        state: 'initial',
        initialReason: 'Elb.RegistrationInProgress',
      };
      group.targets.set(instanceId, target);
      // ELB health-checks the targets of groups a load balancer forwards to, and only those.
      if (inUse(group)) this.scheduleHealth(group, target);
    }
  }

  deregister(targetGroupArn: string, instanceIds: string[]): void {
    const group = this.requireTargetGroup(targetGroupArn);
    for (const instanceId of instanceIds) {
      const target = group.targets.get(instanceId);
      if (!target || target.state === 'draining') continue;
      target.cancelPending?.();
      target.state = 'draining';
      delete target.initialReason;
      const cancel = this.deps.scheduler.after(group.deregistrationDelaySeconds * 1000, () => {
        if (group.targets.get(instanceId) === target) group.targets.delete(instanceId);
      });
      target.cancelPending = cancel;
    }
  }

  health(targetGroupArn: string, instanceId: string): TargetHealth {
    const group = this.requireTargetGroup(targetGroupArn);
    const target = group.targets.get(instanceId);
    if (!target) return health('unused', 'Target.NotRegistered');
    if (target.state === 'draining') return health('draining', 'Target.DeregistrationInProgress');
    const instance = this.deps.ec2.get(instanceId);
    if (!instance || instance.state !== 'running') return health('unused', 'Target.InvalidState');
    if (!inUse(group)) return health('unused', 'Target.NotInUse');
    if (!group.healthCheckEnabled) return health('unavailable', 'Target.HealthCheckDisabled');
    if (target.state === 'initial')
      return health('initial', target.initialReason ?? 'Elb.InitialHealthChecking');
    if (target.state === 'unhealthy') {
      const reason = target.unhealthyReason;
      return reason
        ? { state: 'unhealthy', reason: reason.code, description: reason.description }
        : health('unhealthy', 'Target.FailedHealthChecks');
    }
    return health('healthy');
  }

  // --- Synthetic app health ------------------------------------------------------------------------

  /** Marks an instance's app as passing or failing health checks; registered targets follow. */
  setAppHealthy(instanceId: string, healthy: boolean): void {
    if (healthy) this.unhealthyApps.delete(instanceId);
    else this.unhealthyApps.add(instanceId);
    for (const group of this.targetGroups.values()) {
      const target = group.targets.get(instanceId);
      if (!target || target.state === 'draining' || this.deps.isReal?.(instanceId) || !inUse(group)) continue;
      if ((healthy && target.state === 'healthy') || (!healthy && target.state === 'unhealthy')) {
        target.cancelPending?.();
        delete target.cancelPending;
        continue;
      }
      this.scheduleHealth(group, target);
    }
  }

  /**
   * Something on a synthetic instance began or stopped answering (a deployment installed a revision):
   * its registered targets move as the health checks would see it.
   */
  appChanged(instanceId: string): void {
    for (const group of this.targetGroups.values()) {
      const target = group.targets.get(instanceId);
      if (!target || target.state === 'draining' || this.deps.isReal?.(instanceId) || !inUse(group)) continue;
      const healthy = this.appAnswers(group, instanceId);
      if ((healthy && target.state === 'healthy') || (!healthy && target.state === 'unhealthy')) continue;
      this.scheduleHealth(group, target);
    }
  }

  /** A synthetic target passes its checks when its app is not failing and something answers the path. */
  private appAnswers(group: TargetGroupRecord, instanceId: string): boolean {
    if (this.unhealthyApps.has(instanceId)) return false;
    return this.deps.answers?.(instanceId, group.healthCheck.path) ?? true;
  }

  /** Skips the initial health checks of a group's targets: a world file describes a settled fleet. */
  settleInitialTargets(targetGroupArn: string): void {
    const group = this.requireTargetGroup(targetGroupArn);
    // Targets of a group no load balancer uses are not checked; they start over when one does.
    if (!inUse(group)) return;
    for (const target of group.targets.values()) {
      if (target.state !== 'initial') continue;
      if (this.deps.isReal?.(target.instanceId)) {
        // Settled as healthy, like every world target; its real checks keep running and decide from here.
        target.state = 'healthy';
        delete target.initialReason;
        continue;
      }
      target.cancelPending?.();
      this.settle(target, this.appAnswers(group, target.instanceId));
    }
  }

  private scheduleHealth(group: TargetGroupRecord, target: RegisteredTarget): void {
    target.cancelPending?.();
    if (this.deps.isReal?.(target.instanceId)) {
      this.checkReally(group, target);
      return;
    }
    const { intervalSeconds, healthyThreshold, unhealthyThreshold } = group.healthCheck;
    const healthy = this.appAnswers(group, target.instanceId);
    const checks = healthy ? healthyThreshold : unhealthyThreshold;
    if (target.state === 'initial') {
      // The first check starts one interval after registration.
      target.cancelPending = this.deps.scheduler.after(intervalSeconds * 1000, () => {
        if (target.state === 'initial') target.initialReason = 'Elb.InitialHealthChecking';
        target.cancelPending = this.deps.scheduler.after(
          Math.max(0, checks - 1) * intervalSeconds * 1000,
          () => this.settle(target, healthy),
        );
      });
      return;
    }
    target.cancelPending = this.deps.scheduler.after(checks * intervalSeconds * 1000, () =>
      this.settle(target, healthy),
    );
  }

  /** Real HTTP checks; the thresholds count consecutive results, as ELB does. */
  private checkReally(group: TargetGroupRecord, target: RegisteredTarget): void {
    const instance = this.deps.ec2.get(target.instanceId);
    if (!instance) return;
    const settings = group.healthCheck;
    const port = settings.port === 'traffic-port' ? target.port : Number(settings.port);
    let passes = 0;
    let failures = 0;
    target.cancelPending = startHealthChecks({
      scheduler: this.deps.scheduler,
      address: instance.privateIpAddress,
      port,
      settings,
      onResult: (result) => {
        if (target.state === 'draining') return;
        if (target.state === 'initial') target.initialReason = 'Elb.InitialHealthChecking';
        if (result.ok) {
          passes++;
          failures = 0;
          if (target.state !== 'healthy' && passes >= settings.healthyThreshold) {
            target.state = 'healthy';
            delete target.initialReason;
            delete target.unhealthyReason;
          }
          return;
        }
        failures++;
        passes = 0;
        if (target.state === 'unhealthy' || failures >= settings.unhealthyThreshold) {
          target.state = 'unhealthy';
          delete target.initialReason;
          target.unhealthyReason = { code: result.reason, description: result.description };
        }
      },
    });
  }

  private settle(target: RegisteredTarget, healthy: boolean): void {
    delete target.cancelPending;
    if (target.state === 'draining') return;
    target.state = healthy ? 'healthy' : 'unhealthy';
    delete target.initialReason;
  }

  // --- Target groups -------------------------------------------------------------------------------

  requireTargetGroup(arn: string): TargetGroupRecord {
    const group = this.targetGroups.get(arn);
    if (!group) throw errors.targetGroupNotFound();
    return group;
  }

  requireTargetGroupByName(name: string): TargetGroupRecord {
    const group = this.getTargetGroupByName(name);
    if (!group) throw errors.targetGroupNotFound();
    return group;
  }

  allTargetGroups(): TargetGroupRecord[] {
    return [...this.targetGroups.values()];
  }

  /**
   * Throws what CreateTargetGroup would: a name that is not valid, or taken by a group with other
   * settings. Returns the group CreateTargetGroup would answer with instead of creating one (AWS
   * answers a repeated identical create with the existing group).
   */
  checkTargetGroup(request: CreateTargetGroupRequest): TargetGroupRecord | undefined {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/.test(request.name)) {
      throw errors.validationError(
        `Target group name '${request.name}' can have a maximum of 32 characters, can contain only alphanumeric characters or hyphens, and cannot begin or end with a hyphen`,
      );
    }
    const existing = this.getTargetGroupByName(request.name);
    if (!existing) return undefined;
    const same =
      existing.protocol === (request.protocol ?? 'HTTP') &&
      existing.port === (request.port ?? existing.port) &&
      JSON.stringify(existing.healthCheck) === JSON.stringify(healthCheckOf(request));
    if (!same) throw errors.duplicateTargetGroupName(request.name);
    return existing;
  }

  createTargetGroup(request: CreateTargetGroupRequest): TargetGroupRecord {
    if (request.vpcId !== undefined && this.deps.ec2.vpc && !this.deps.ec2.vpc(request.vpcId))
      throw errors.validationError(`The VPC ID '${request.vpcId}' is not found`);
    const existing = this.checkTargetGroup(request);
    if (existing) return existing;
    const protocol = request.protocol ?? 'HTTP';
    const check = request.healthCheck ?? {};
    const healthCheck = healthCheckOf(request);
    const attributes = new Map(Object.entries(TARGET_GROUP_ATTRIBUTE_DEFAULTS));
    const delay = request.deregistrationDelaySeconds ?? 300;
    attributes.set('deregistration_delay.timeout_seconds', String(delay));
    const group: TargetGroupRecord = {
      name: request.name,
      arn: `arn:aws:elasticloadbalancing:${this.deps.region}:${this.deps.accountId}:targetgroup/${request.name}/${randomHex(this.deps.random, 16)}`,
      port: request.port ?? 80,
      protocol,
      protocolVersion: 'HTTP1',
      vpcId: request.vpcId ?? this.deps.ec2.defaultVpc?.().id ?? 'vpc-localcloud',
      targetType: request.targetType ?? 'instance',
      healthCheck,
      healthCheckEnabled: check.enabled ?? true,
      deregistrationDelaySeconds: delay,
      loadBalancerArns: new Set(),
      targets: new Map(),
      attributes,
      tags: new Map(Object.entries(request.tags ?? {})),
    };
    this.targetGroups.set(group.arn, group);
    return group;
  }

  deleteTargetGroup(arn: string): void {
    const group = this.targetGroups.get(arn);
    if (!group) return;
    if (group.loadBalancerArns.size > 0) throw errors.targetGroupInUse(arn);
    for (const target of group.targets.values()) target.cancelPending?.();
    this.targetGroups.delete(arn);
  }

  modifyAttributes(arn: string, attributes: { Key?: string; Value?: string }[]): TargetGroupRecord {
    const group = this.requireTargetGroup(arn);
    for (const { Key, Value } of attributes) {
      if (Key === undefined || !TARGET_GROUP_ATTRIBUTE_KEYS.has(Key))
        throw errors.unknownAttribute(Key ?? '');
      if (Key === 'deregistration_delay.timeout_seconds') {
        const seconds = Number(Value);
        if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
          throw errors.validationError(
            `'${Value}' must be an integer between 0 and 3600 for attribute '${Key}'`,
          );
        }
        group.deregistrationDelaySeconds = seconds;
      }
      group.attributes.set(Key, Value ?? '');
    }
    return group;
  }

  // --- Load balancers and listeners ------------------------------------------------------------------

  createLoadBalancer(request: {
    name: string;
    scheme?: string;
    type?: string;
    /** Zones, each placed in its default subnet (the world, CloudFormation); `subnetIds` wins. */
    availabilityZones?: string[];
    /** CreateLoadBalancer's Subnets: each must exist (SubnetNotFound), its zone is where the balancer is. */
    subnetIds?: string[];
    securityGroups?: string[];
    ipAddressType?: string;
    /**
     * Start `provisioning` and turn `active` after LOAD_BALANCER_PROVISIONING_MS, as CreateLoadBalancer
     * does. Without it the balancer is `active` at once: a world describes a settled account.
     */
    provisioning?: boolean;
  }): LoadBalancerRecord {
    for (const existing of this.loadBalancers.values()) {
      if (existing.name === request.name) return existing;
    }
    const type = request.type ?? 'application';
    const kind = type === 'network' ? 'net' : 'app';
    const placement = this.placementOf(request.subnetIds, request.availabilityZones);
    if (type === 'application' && request.subnetIds?.length && new Set(placement.zones).size < 2) {
      throw errors.validationError(
        'At least two subnets in two different Availability Zones must be specified',
      );
    }
    const vpcId = placement.vpcId ?? this.deps.ec2.defaultVpc?.().id ?? 'vpc-localcloud';
    const defaultGroup = this.deps.ec2.securityGroupByName?.('default', vpcId)?.id;
    const balancer: LoadBalancerRecord = {
      arn: `arn:aws:elasticloadbalancing:${this.deps.region}:${this.deps.accountId}:loadbalancer/${kind}/${request.name}/${randomHex(this.deps.random, 16)}`,
      name: request.name,
      createdTime: this.deps.scheduler.now(),
      scheme: request.scheme ?? 'internet-facing',
      type,
      availabilityZones: placement.zones,
      subnetIds: placement.subnetIds,
      vpcId,
      // An application load balancer created without groups gets its VPC's default group, as on AWS.
      securityGroups: request.securityGroups?.length
        ? request.securityGroups
        : type === 'application' && defaultGroup !== undefined
          ? [defaultGroup]
          : [],
      ipAddressType: request.ipAddressType ?? 'ipv4',
      address: this.addresses.next(),
      state: request.provisioning === true ? 'provisioning' : 'active',
    };
    this.loadBalancers.set(balancer.arn, balancer);
    if (balancer.state === 'provisioning') {
      this.deps.scheduler.after(LOAD_BALANCER_PROVISIONING_MS, () => {
        balancer.state = 'active';
      });
    }
    return balancer;
  }

  /** Zones and subnets of a new load balancer: from its subnets, else its zones' default subnets, else a and b. */
  private placementOf(
    subnetIds: string[] | undefined,
    zones: string[] | undefined,
  ): { zones: string[]; subnetIds: string[]; vpcId?: string } {
    const ec2 = this.deps.ec2;
    if (subnetIds?.length) {
      const subnets = subnetIds.map((id) => {
        // Without EC2's network (the models' own unit tests) a subnet id is taken at its word.
        if (!ec2.subnet) return { id, availabilityZone: `${this.deps.region}a`, vpcId: 'vpc-localcloud' };
        const subnet = ec2.subnet(id);
        if (!subnet) throw errors.subnetNotFound(id);
        return subnet;
      });
      const vpcs = new Set(subnets.map((s) => s.vpcId));
      if (vpcs.size > 1) throw errors.invalidConfiguration('The subnets must all be in the same VPC');
      return {
        zones: subnets.map((s) => s.availabilityZone),
        subnetIds: subnets.map((s) => s.id),
        ...(subnets[0] ? { vpcId: subnets[0].vpcId } : {}),
      };
    }
    const chosen = zones?.length ? zones : [`${this.deps.region}a`, `${this.deps.region}b`];
    return {
      zones: chosen,
      subnetIds: chosen.map((zone) => ec2.defaultSubnet?.(zone)?.id ?? `subnet-${zone}`),
    };
  }

  requireLoadBalancer(arn: string): LoadBalancerRecord {
    const balancer = this.loadBalancers.get(arn);
    if (!balancer) throw errors.loadBalancerNotFound();
    return balancer;
  }

  findLoadBalancerByName(name: string): LoadBalancerRecord | undefined {
    for (const balancer of this.loadBalancers.values()) if (balancer.name === name) return balancer;
    return undefined;
  }

  requireLoadBalancerByName(name: string): LoadBalancerRecord {
    const balancer = this.findLoadBalancerByName(name);
    if (!balancer) throw errors.loadBalancerNotFound();
    return balancer;
  }

  allLoadBalancers(): LoadBalancerRecord[] {
    return [...this.loadBalancers.values()];
  }

  createListener(request: {
    loadBalancerArn: string;
    port: number;
    protocol?: string;
    defaultActions: ListenerAction[];
  }): ListenerRecord {
    const balancer = this.requireLoadBalancer(request.loadBalancerArn);
    const targetGroupArns = forwardedTargetGroupArns(request.defaultActions);
    const groups = targetGroupArns.map((arn) => this.requireTargetGroup(arn));
    if (request.port !== 0) {
      for (const listener of this.listeners.values()) {
        if (listener.loadBalancerArn === balancer.arn && listener.port === request.port)
          throw errors.duplicateListener();
      }
    }
    const opened = this.deps.openListener?.({
      loadBalancerArn: balancer.arn,
      address: balancer.address,
      port: request.port,
      targetGroupArns,
    });
    const lbId = balancer.arn.split(':loadbalancer/')[1] ?? balancer.name;
    const listener: ListenerRecord = {
      arn: `arn:aws:elasticloadbalancing:${this.deps.region}:${this.deps.accountId}:listener/${lbId}/${randomHex(this.deps.random, 16)}`,
      loadBalancerArn: balancer.arn,
      port: opened || request.port !== 0 ? request.port : this.nextPlaceholderPort++,
      protocol: request.protocol ?? 'HTTP',
      defaultActions: request.defaultActions,
      ready: Promise.resolve(),
    };
    if (opened) {
      this.closers.set(listener.arn, () => opened.close());
      listener.ready = opened.served.then(
        (served) => {
          listener.served = served;
          if (request.port === 0) listener.port = served.port;
        },
        (cause: unknown) => {
          // Not served at all: the listener does not stay behind, listed but answering nothing.
          if (this.listeners.get(listener.arn) === listener) this.deleteListener(listener.arn);
          throw errors.listenerNotServed(balancer.name, balancer.address, request.port, cause);
        },
      );
      // Whoever asks (CreateListener, a stack, a world) gets the rejection; nobody asking is no crash.
      listener.ready.catch(() => undefined);
    }
    for (const group of groups) {
      const wasInUse = inUse(group);
      group.loadBalancerArns.add(balancer.arn);
      if (!wasInUse) this.startChecking(group);
    }
    this.listeners.set(listener.arn, listener);
    return listener;
  }

  /**
   * Removes a listener and closes its port. There is no DeleteListener operation yet: a world that
   * failed to apply takes its listeners back with it.
   */
  deleteListener(arn: string): void {
    const listener = this.requireListener(arn);
    this.listeners.delete(arn);
    this.closers.get(arn)?.();
    this.closers.delete(arn);
    const stillForwarded = new Set(
      [...this.listeners.values()]
        .filter((l) => l.loadBalancerArn === listener.loadBalancerArn)
        .flatMap((l) => forwardedTargetGroupArns(l.defaultActions)),
    );
    for (const groupArn of forwardedTargetGroupArns(listener.defaultActions)) {
      const group = this.targetGroups.get(groupArn);
      if (!group || stillForwarded.has(groupArn)) continue;
      group.loadBalancerArns.delete(listener.loadBalancerArn);
      if (!inUse(group)) this.stopChecking(group);
    }
  }

  /** Removes a load balancer and its listeners (a world that failed to apply takes it back). */
  deleteLoadBalancer(arn: string): void {
    for (const listener of [...this.listeners.values()])
      if (listener.loadBalancerArn === arn) this.deleteListener(listener.arn);
    const balancer = this.loadBalancers.get(arn);
    this.loadBalancers.delete(arn);
    if (balancer) this.addresses.release(balancer.address);
  }

  /** A group a load balancer starts forwarding to: its targets start over with initial health checks. */
  private startChecking(group: TargetGroupRecord): void {
    for (const target of group.targets.values()) {
      if (target.state === 'draining') continue;
      target.cancelPending?.();
      delete target.cancelPending;
      target.state = 'initial';
      target.initialReason = 'Elb.RegistrationInProgress';
      delete target.unhealthyReason;
      this.scheduleHealth(group, target);
    }
  }

  /** A group no load balancer forwards to any more: its health checks stop. */
  private stopChecking(group: TargetGroupRecord): void {
    for (const target of group.targets.values()) {
      if (target.state === 'draining') continue;
      target.cancelPending?.();
      delete target.cancelPending;
    }
  }

  allListeners(): ListenerRecord[] {
    return [...this.listeners.values()];
  }

  /** Waits until every listener is bound or gone, so each one's served port is known. */
  async listenersSettled(): Promise<void> {
    await Promise.allSettled([...this.listeners.values()].map((l) => l.ready));
  }

  /** Waits until every listener is served; rejects with the first that cannot be (a world's). */
  async listenersServed(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((l) => l.ready));
  }

  requireListener(arn: string): ListenerRecord {
    const listener = this.listeners.get(arn);
    if (!listener) throw errors.listenerNotFound();
    return listener;
  }

  /** Cancels every pending health or draining transition (reset). */
  dispose(): void {
    for (const group of this.targetGroups.values())
      for (const target of group.targets.values()) target.cancelPending?.();
  }
}
