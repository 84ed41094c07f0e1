// What the verifier knows about one deployment, gathered once (gather.ts) and then only read by the
// rules (rules.ts). Plain data: no clients, no promises, so every rule is a pure function of it and
// tests can build facts by hand.

export type TargetLabel = 'Blue' | 'Green';

export interface LifecycleEventFact {
  readonly name: string;
  readonly status: string;
  readonly errorCode?: string;
  readonly scriptName?: string;
  readonly message?: string;
  readonly logTail?: string;
  /** When the agent began the event (ISO-8601); absent for an event that never ran (Skipped, Pending). */
  readonly startTime?: string;
  /** When it ended (ISO-8601); a Skipped event has an end and no start. */
  readonly endTime?: string;
}

export interface TargetFact {
  readonly instanceId: string;
  /** Absent for in-place deployments. */
  readonly label?: TargetLabel;
  readonly status: string;
  readonly events: readonly LifecycleEventFact[];
}

export interface DeploymentFact {
  readonly deploymentId: string;
  readonly application: string;
  readonly deploymentGroup: string;
  readonly status: string;
  /** `user`, `autoscaling`, `codeDeployRollback` … */
  readonly creator: string;
  /** The commit, or `s3://bucket/key?versionId=…#etag`. */
  readonly revision: string;
  /** What `/healthcheck` must report as `version`: the commit being deployed, when the revision names one. */
  readonly expectedVersion?: string;
  readonly deploymentType: 'BLUE_GREEN' | 'IN_PLACE';
  readonly withTrafficControl: boolean;
  readonly greenFleet?: 'COPY_AUTO_SCALING_GROUP' | 'DISCOVER_EXISTING';
  readonly ready?: 'CONTINUE_DEPLOYMENT' | 'STOP_DEPLOYMENT';
  readonly terminateBlue?: { readonly action: 'TERMINATE' | 'KEEP_ALIVE'; readonly waitMinutes: number };
  /** The deployment this one rolls back (CodeDeploy's own rollback deployments). */
  readonly rollbackOf?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly instanceTerminationWaitStarted: boolean;
  readonly createTime?: string;
  /** When CodeDeploy began the deployment (ISO-8601). */
  readonly startTime?: string;
  readonly completeTime?: string;
}

export interface AsgInstanceFact {
  readonly instanceId: string;
  readonly availabilityZone: string;
  readonly lifecycleState: string;
  readonly healthStatus: string;
}

export type AsgFact =
  | {
      readonly name: string;
      readonly found: true;
      readonly desiredCapacity: number;
      readonly instances: readonly AsgInstanceFact[];
    }
  | { readonly name: string; readonly found: false };

export interface TargetHealthFact {
  readonly instanceId: string;
  readonly port?: number;
  /** `initial`, `healthy`, `unhealthy`, `unused`, `draining`, `unavailable`. */
  readonly state: string;
  readonly reason?: string;
  readonly description?: string;
}

export type TargetGroupFact =
  | {
      readonly name: string;
      readonly found: true;
      readonly arn: string;
      readonly targets: readonly TargetHealthFact[];
    }
  | { readonly name: string; readonly found: false };

export interface InstanceFact {
  readonly instanceId: string;
  /** EC2 state name; `missing` when EC2 no longer knows the instance. */
  readonly state: string;
  readonly availabilityZone?: string;
  readonly privateIpAddress?: string;
  /** The Auto Scaling group that launched it (its `aws:autoscaling:groupName` tag). */
  readonly autoScalingGroup?: string;
}

export interface AlarmFact {
  readonly name: string;
  /** Absent: CloudWatch does not know the alarm. */
  readonly state?: string;
  readonly reason?: string;
}

/** One answer of a health endpoint. */
export interface HealthAnswer {
  readonly url: string;
  readonly httpStatus?: number;
  readonly version?: string;
  /** Why there is no usable answer: connection refused, timeout, not JSON … */
  readonly error?: string;
  /** The connection itself failed (as opposed to a bad answer). */
  readonly unreachable?: boolean;
}

export type ServedFacts =
  | { readonly mode: 'skipped'; readonly reason: string }
  | { readonly mode: 'instances'; readonly answers: Readonly<Record<string, HealthAnswer>> }
  | {
      readonly mode: 'load-balancer';
      /** Why the instances were not asked directly. */
      readonly why: string;
      readonly url: string;
      readonly answers: readonly HealthAnswer[];
      /** How many distinct targets the requests were meant to reach. */
      readonly targets: number;
    };

/**
 * A deployment after the verified one that reached some of the instances asked about: an automatic
 * one (scale-out) for instances it never targeted, any in place for its own instances.
 */
export interface FollowUpFact {
  readonly deploymentId: string;
  readonly status: string;
  readonly creator: string;
  /** The revision it installed, as people read it. */
  readonly revision: string;
  /** It installed the judged deployment's revision (only then do its instances count as deployed). */
  readonly sameRevision: boolean;
  readonly targets: readonly TargetFact[];
}

export interface Facts {
  readonly deployment: DeploymentFact;
  /** The targets that take traffic when the deployment is done (green; blue for a blue/green rollback). */
  readonly serving: readonly TargetFact[];
  /** The instances traffic moves away from (blue; green for a blue/green rollback). Ids only. */
  readonly replaced: readonly string[];
  /**
   * The replaced instances as CodeDeploy's targets, with their (BlockTraffic) events: asked only when
   * the request wants the whole timeline (GatherRequest.replacedEvents); absent otherwise.
   */
  readonly replacedTargets?: readonly TargetFact[];
  /** The Auto Scaling group the serving fleet lives in; absent when there is none to compare with. */
  readonly asg?: AsgFact;
  readonly asgAbsentReason?: string;
  /**
   * The deployment group's current Auto Scaling groups other than `asg` (after traffic moved): their
   * instances are part of the environment's fleet too.
   */
  readonly otherAsgs: readonly AsgFact[];
  /**
   * In-place: the running (or pending) EC2 instances the deployment group's tag filters or tag set
   * match, which CodeDeploy deploys to besides its Auto Scaling groups' instances. Absent for
   * blue/green and automatic deployments, and when the group has no tags.
   */
  readonly tagged?: { readonly filter: string; readonly instanceIds: readonly string[] };
  /** The environment's target groups (greenlight.yml's and the group's), with every registered target. */
  readonly targetGroups: readonly TargetGroupFact[];
  /** EC2 state of the instances that needed it (replaced ones, unreachable ones, address lookups). */
  readonly instances: Readonly<Record<string, InstanceFact>>;
  readonly alarms: readonly AlarmFact[];
  readonly ignoreAlarmFailure: boolean;
  readonly served: ServedFacts;
  readonly followUps: readonly FollowUpFact[];
  /**
   * In place: deployments of the group created after this one (by anyone) that reached one of its
   * own instances, oldest first. The newest of them on an instance is what it runs now. Absent when
   * not looked for (blue/green, an automatic deployment, before traffic).
   */
  readonly later?: readonly FollowUpFact[];
  /** The green fleet's size must fall in this range (greenlight.yml expectedCapacity). */
  readonly expectedCapacity?: { readonly min: number; readonly max: number };
  /** `after-traffic`: the deployment is done; `before-traffic`: green waits in Ready. */
  readonly phase: 'after-traffic' | 'before-traffic';
  /**
   * Traffic moved to the serving fleet. False before traffic, and for a blue/green deployment that
   * failed or was stopped before AllowTraffic: then the original fleet still serves.
   */
  readonly trafficMoved: boolean;
  readonly gatheredAt: string;
}
