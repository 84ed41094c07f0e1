// The lifecycle events of an EC2/on-premises deployment (reference spec §3.4, from the hook
// availability table of the CodeDeploy User Guide): the local cloud's one list, by phase. Which events
// a target goes through, which the agent runs scripts for, and what `hooks run` and the agent accept
// all derive from it.

/** Installing a revision on an instance, in order. */
export const installEvents = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
] as const;

/** Taking an instance out of its target groups, in order. */
export const blockTrafficEvents = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'] as const;

/** Putting an instance into its target groups, in order. */
export const allowTrafficEvents = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'] as const;

export type LifecycleEventName =
  (typeof installEvents)[number] | (typeof blockTrafficEvents)[number] | (typeof allowTrafficEvents)[number];

/**
 * Every event, in the order an in-place deployment with a load balancer runs them (the agent's
 * DEFAULT_ORDERED_LIFECYCLE_EVENTS, with the service's own BlockTraffic and AllowTraffic).
 */
export const lifecycleEvents: readonly LifecycleEventName[] = [
  ...blockTrafficEvents,
  ...installEvents,
  ...allowTrafficEvents,
];

/** Events the service itself performs against the load balancer, not the agent. */
export const trafficEvents: ReadonlySet<LifecycleEventName> = new Set(['AllowTraffic', 'BlockTraffic']);

/** Reserved events run no scripts; CodeDeploy or the agent does the work itself. */
export const reservedEvents: ReadonlySet<LifecycleEventName> = new Set([
  'DownloadBundle',
  'Install',
  ...trafficEvents,
]);

/** Events that run the appspec's scripts, in lifecycle order. */
export const hookEvents: readonly LifecycleEventName[] = lifecycleEvents.filter(
  (event) => !reservedEvents.has(event),
);

/** Events whose failure `ignoreApplicationStopFailures` lets the instance carry on past. */
export const ignorableEvents: ReadonlySet<LifecycleEventName> = new Set([
  'ApplicationStop',
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
]);

export type TargetRole =
  /** A replacement instance of a blue/green deployment. */
  | 'green'
  /** An original instance of a blue/green deployment. */
  | 'blue'
  /** Blue/green rollback: the original instance takes traffic back. */
  | 'rollback-blue'
  /** Blue/green rollback: the replacement instance gives traffic up. */
  | 'rollback-green'
  /** In-place, e.g. the automatic deployment to an instance an Auto Scaling group launched. */
  | 'in-place'
  | 'in-place-with-traffic';

export function eventsFor(role: TargetRole): readonly LifecycleEventName[] {
  switch (role) {
    case 'green':
      return [...installEvents, ...allowTrafficEvents];
    case 'blue':
    case 'rollback-green':
      return blockTrafficEvents;
    case 'rollback-blue':
      return allowTrafficEvents;
    case 'in-place':
      return installEvents;
    case 'in-place-with-traffic':
      return lifecycleEvents;
  }
}
