// CodeDeploy's minimum-healthy-hosts rules (reference spec §4.2–§4.3). Pure: the state machine asks
// how many instances it may start and whether the fleet can still succeed; these functions answer
// from counts alone, so a 1,000-instance fleet costs O(1) per decision.

export type MinimumHealthyHostsRule =
  | { readonly kind: 'all-at-once' }
  | { readonly kind: 'half-at-a-time' }
  | { readonly kind: 'one-at-a-time' }
  | { readonly kind: 'host-count'; readonly value: number }
  | { readonly kind: 'fleet-percent'; readonly value: number };

/**
 * The number of instances that must stay healthy, for a fleet of `fleetSize`. [I] spec §4.3: the
 * one formula that reproduces every documented example (FLEET_PERCENT rounds up).
 */
export function minimumHealthy(rule: MinimumHealthyHostsRule, fleetSize: number): number {
  switch (rule.kind) {
    case 'all-at-once':
      return 0;
    case 'half-at-a-time':
      return Math.ceil(fleetSize / 2);
    case 'one-at-a-time':
      return Math.max(0, fleetSize - 1);
    case 'host-count':
      return rule.value;
    case 'fleet-percent':
      return Math.ceil((fleetSize * rule.value) / 100);
  }
}

export interface FleetCounts {
  /** Instances in the fleet when the phase began. */
  readonly total: number;
  readonly pending: number;
  readonly inProgress: number;
  readonly succeeded: number;
  readonly failed: number;
}

/** Why a fleet cannot be deployed at all; undefined when it can. */
export function constraintsInvalid(
  rule: MinimumHealthyHostsRule,
  fleetSize: number,
): 'NO_INSTANCES' | 'HEALTH_CONSTRAINTS_INVALID' | undefined {
  if (fleetSize === 0) return 'NO_INSTANCES';
  return minimumHealthy(rule, fleetSize) >= fleetSize ? 'HEALTH_CONSTRAINTS_INVALID' : undefined;
}

/**
 * How many more instances may start now: another may start while
 * `total - failed - inProgress - 1 >= minimum`, i.e. the largest batch that cannot push the healthy
 * count below the minimum even if every instance in it fails.
 */
export function instancesThatMayStart(counts: FleetCounts, minimum: number): number {
  const room = counts.total - counts.failed - counts.inProgress - minimum;
  return Math.max(0, Math.min(counts.pending, room));
}

/**
 * True when pending instances can never start: nothing is running and the failures already leave
 * too few instances to keep the minimum. The pending instances are then Skipped and the fleet fails.
 */
export function isBlocked(counts: FleetCounts, minimum: number): boolean {
  return counts.pending > 0 && counts.inProgress === 0 && counts.total - counts.failed <= minimum;
}

/** The outcome once nothing is pending or running: at least one success, and at least the minimum. */
export function fleetSucceeded(counts: FleetCounts, minimum: number): boolean {
  return counts.succeeded >= Math.max(minimum, 1);
}

/**
 * What a phase asks of its fleet: the deployment config's minimum of healthy instances, or (original
 * instances leaving the load balancer, automatic deployments, rollbacks) that no instance failed.
 */
export type HealthConstraint = { readonly minimum: number } | 'every-instance';

export function constraintHeld(counts: FleetCounts, constraint: HealthConstraint): boolean {
  return constraint === 'every-instance' ? counts.failed === 0 : fleetSucceeded(counts, constraint.minimum);
}

/** AWS's wording for a fleet that failed its health constraint. */
export function healthConstraintsMessage(counts: FleetCounts): string {
  if (counts.succeeded === 0) return 'Deployment failed: Constraint default violated: No hosts succeeded.';
  return 'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.';
}

// The UG's error-codes page wording for HEALTH_CONSTRAINTS_INVALID.
export const healthConstraintsInvalidMessage =
  "The deployment can't start because the minimum number of healthy instances, as defined by your deployment configuration, are not available. You can reduce the required number of healthy instances by updating your deployment configuration or increase the number of instances in this deployment group.";

/**
 * [I] Traffic rerouting of the green instances that reached Ready runs as a fleet of its own, with
 * the config's rule applied to that fleet but never so strict that it cannot start (the install
 * phase already enforced the minimum): AllAtOnce reroutes all and needs one success, OneAtATime
 * fails at the first failure except on the last, HalfAtATime needs half (spec §4.1, rerouting column).
 */
export function rerouteMinimum(rule: MinimumHealthyHostsRule, fleetSize: number): number {
  return Math.max(0, Math.min(minimumHealthy(rule, fleetSize), fleetSize - 1));
}
