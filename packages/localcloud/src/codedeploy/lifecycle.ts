// Which lifecycle events a target goes through, per deployment style and fleet (reference spec
// §3.4, from the hook availability table of the CodeDeploy User Guide).

export type LifecycleEventName =
  | 'ApplicationStop'
  | 'DownloadBundle'
  | 'BeforeInstall'
  | 'Install'
  | 'AfterInstall'
  | 'ApplicationStart'
  | 'ValidateService'
  | 'BeforeBlockTraffic'
  | 'BlockTraffic'
  | 'AfterBlockTraffic'
  | 'BeforeAllowTraffic'
  | 'AllowTraffic'
  | 'AfterAllowTraffic';

export const installEvents: readonly LifecycleEventName[] = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
];
export const allowTrafficEvents: readonly LifecycleEventName[] = [
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];
export const blockTrafficEvents: readonly LifecycleEventName[] = [
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
];

/** Reserved events run no scripts; CodeDeploy or the agent does the work itself. */
export const reservedEvents: ReadonlySet<LifecycleEventName> = new Set([
  'DownloadBundle',
  'Install',
  'AllowTraffic',
  'BlockTraffic',
]);

/** Events whose failure `ignoreApplicationStopFailures` lets the instance carry on past. */
export const ignorableEvents: ReadonlySet<LifecycleEventName> = new Set([
  'ApplicationStop',
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
]);

/** Events the service itself performs against the load balancer, not the agent. */
export const trafficEvents: ReadonlySet<LifecycleEventName> = new Set(['AllowTraffic', 'BlockTraffic']);

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
      return [...blockTrafficEvents, ...installEvents, ...allowTrafficEvents];
  }
}
