// What the local cloud's services need from one another. The infrastructure models (EC2, Auto
// Scaling, ELBv2, CloudWatch, S3) implement these; CodeDeploy's state machine consumes them. Keeping
// the contract here lets each side be built and tested on its own.

/** Time in the local cloud. AWS durations are divided by `timeScale` before they are waited for. */
export interface Scheduler {
  readonly timeScale: number;
  /** Wall-clock time, used for every timestamp the APIs return. */
  now(): Date;
  /** Runs `fn` after `awsMs` milliseconds of AWS time (awsMs / timeScale of real time). */
  after(awsMs: number, fn: () => void): () => void;
  /** Cancels every pending timer (reset, shutdown). */
  cancelAll(): void;
}

export type AgentMode = 'synthetic' | 'real';

export type Ec2StateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export interface Ec2Instance {
  readonly instanceId: string;
  state: Ec2StateName;
  readonly availabilityZone: string;
  /** In `real` mode, the loopback address the instance's processes bind (127.0.x.y). */
  readonly privateIpAddress: string;
  readonly launchTime: Date;
  readonly imageId: string;
  readonly instanceType: string;
  readonly launchTemplate?: { id: string; name: string; version: string };
  tags: Map<string, string>;
  readonly agent: AgentMode;
}

export interface LaunchRequest {
  count: number;
  availabilityZones: string[];
  tags: Record<string, string>;
  agent: AgentMode;
  launchTemplate?: { id: string; name: string; version: string };
  /**
   * The group's subnets (VPCZoneIdentifier): an instance launched in a zone goes to the one of these
   * in that zone, else to the zone's default subnet.
   */
  subnetIds?: string[];
}

export interface Ec2Port {
  /** Instances start `pending` and become `running` after a short (scaled) boot time. */
  launch(request: LaunchRequest): Ec2Instance[];
  /** `shutting-down` now, `terminated` after a short (scaled) delay; stops the instance's processes. */
  terminate(instanceId: string): void;
  get(instanceId: string): Ec2Instance | undefined;
  /** Every instance of the region in launch order, terminated ones too until EC2 forgets them. */
  all(): Ec2Instance[];
  /** Subscribe to state changes (e.g. an instance terminated under a running deployment). */
  onStateChange(listener: (instance: Ec2Instance) => void): void;
}

export type AsgLifecycleState =
  | 'Pending'
  | 'Pending:Wait'
  | 'Pending:Proceed'
  | 'InService'
  | 'Terminating'
  | 'Terminating:Wait'
  | 'Terminating:Proceed'
  | 'Terminated'
  | 'Detaching'
  | 'Detached'
  | 'Standby';

export interface AsgInstance {
  readonly instanceId: string;
  readonly availabilityZone: string;
  lifecycleState: AsgLifecycleState;
  healthStatus: 'Healthy' | 'Unhealthy';
}

export interface LifecycleHookSpec {
  name: string;
  transition: 'autoscaling:EC2_INSTANCE_LAUNCHING' | 'autoscaling:EC2_INSTANCE_TERMINATING';
  heartbeatTimeoutSeconds: number;
  defaultResult: 'CONTINUE' | 'ABANDON';
}

export interface AutoScalingGroup {
  readonly name: string;
  readonly arn: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  availabilityZones: string[];
  /** Target group ARNs. */
  targetGroupArns: string[];
  launchTemplate?: { id: string; name: string; version: string };
  healthCheckType: 'EC2' | 'ELB';
  healthCheckGracePeriod: number;
  tags: Map<string, string>;
  instances: AsgInstance[];
  lifecycleHooks: LifecycleHookSpec[];
  readonly agent: AgentMode;
  readonly createdTime: Date;
}

export interface AutoScalingPort {
  get(name: string): AutoScalingGroup | undefined;
  /**
   * Creates a group like `source` (launch template or mixed instances policy, sizes, AZs, health
   * check, tags, agent mode, and — autoscaling/model.ts says why — its Capacity Rebalancing, warm
   * pool, suspended processes and lifecycle hooks other than CodeDeploy's) with `desiredCapacity`
   * instances: what CodeDeploy's COPY_AUTO_SCALING_GROUP does. Target groups of the copy are NOT
   * attached (CodeDeploy registers green instances itself).
   */
  copy(sourceName: string, newName: string, desiredCapacity: number): AutoScalingGroup;
  /** Deletes the group and terminates its instances. */
  delete(name: string): void;
  putLifecycleHook(groupName: string, hook: LifecycleHookSpec): void;
  deleteLifecycleHook(groupName: string, hookName: string): void;
  /**
   * Instances entering Pending:Wait because of a launch lifecycle hook are reported here; the
   * listener (CodeDeploy) later calls `completeLifecycleAction`.
   */
  onLaunchHook(listener: (groupName: string, hookName: string, instanceId: string) => void): void;
  completeLifecycleAction(
    groupName: string,
    hookName: string,
    instanceId: string,
    result: 'CONTINUE' | 'ABANDON',
  ): void;
  /** Removes an instance from its group (KEEP_ALIVE of the blue fleet) without terminating it. */
  detachInstance(groupName: string, instanceId: string): void;
}

export type TargetHealthState =
  'initial' | 'healthy' | 'unhealthy' | 'unhealthy.draining' | 'unused' | 'draining' | 'unavailable';

export interface TargetHealth {
  state: TargetHealthState;
  reason?: string;
  description?: string;
}

export interface TargetGroup {
  readonly name: string;
  readonly arn: string;
  readonly port: number;
  readonly protocol: string;
  readonly healthCheck: {
    path: string;
    port: string;
    protocol: string;
    intervalSeconds: number;
    timeoutSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
    matcher: string;
  };
  deregistrationDelaySeconds: number;
}

export interface Elbv2Port {
  getTargetGroupByName(name: string): TargetGroup | undefined;
  getTargetGroupByArn(arn: string): TargetGroup | undefined;
  /**
   * Registers instance targets; they go `initial` → `healthy` (or `unhealthy`) per the health check,
   * once a load balancer forwards to the group: until then they read `unused` (Target.NotInUse).
   */
  register(targetGroupArn: string, instanceIds: string[]): void;
  /** Deregisters; targets go `draining` for the deregistration delay, then disappear. */
  deregister(targetGroupArn: string, instanceIds: string[]): void;
  health(targetGroupArn: string, instanceId: string): TargetHealth;
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface CloudWatchPort {
  /** undefined when the alarm does not exist. */
  alarmState(name: string): AlarmState | undefined;
  onAlarmStateChange(listener: (name: string, state: AlarmState) => void): void;
}

export interface S3Object {
  readonly body: Buffer;
  readonly etag: string;
  readonly versionId?: string;
  readonly lastModified: Date;
  readonly contentType?: string;
}

export interface S3Port {
  getObject(bucket: string, key: string, versionId?: string): S3Object | undefined;
}

export type InstanceFaultEffect = 'fail' | 'timeout' | 'hang' | 'agent-down' | 'terminate';

export interface InstanceFault {
  readonly ruleId: string;
  readonly effect: InstanceFaultEffect;
  /** For `fail`: the script's exit code (default 1). */
  readonly exitCode?: number;
}

export interface InstanceEventQuery {
  readonly deploymentGroup: string;
  readonly deploymentId: string;
  readonly instanceId: string;
  /** green = replacement instance, blue = original instance. */
  readonly fleet: 'green' | 'blue';
  /** Position of the instance in its fleet for this deployment, in launch order. */
  readonly index: number;
  readonly event: string;
}

export interface InstanceFaultPort {
  /**
   * The fault to apply when an instance starts a lifecycle event, if a rule matches. Rules with
   * `fleet` + `index` bind to the first deployment of their group that asks after they were added;
   * rules with a `count` are used up as they fire.
   */
  forInstanceEvent(query: InstanceEventQuery): InstanceFault | undefined;
}
