import { DescribeScalingActivitiesCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { AwsRead } from '../aws/patient-read.js';

// What Auto Scaling did to the baked fleet since the bake began: its scaling activities, newest first
// (DescribeScalingActivities). A look sees the fleet as it is; an instance that failed a health check
// and was replaced between two looks is gone by the next one (Terminating, then terminated, its
// registration draining) and its replacement is still launching, so no look sees anything wrong. Auto
// Scaling keeps the record: "Terminating EC2 instance: i-0abc", caused "At 2026-12-05T20:11:53Z an
// instance was taken out of service in response to an ELB system health check failure." A scale-in,
// an instance refresh or a person's TerminateInstanceInAutoScalingGroup is not a health failure and
// its cause says so ("… in response to a difference between desired and actual capacity …").
// Paged by hand, as gather.ts pages its listings: each page is a patient read retried on its own,
// and the read stops at the first finished activity from before the bake.

/** DescribeScalingActivities' largest page. */
const PAGE = 100;
/** Pages read per group and look; a bake with more activities than this is judged as not passing. */
export const MAX_ACTIVITY_PAGES = 20;

/** The status codes of a finished activity; every other (Pending, PreInService, …) is in progress. */
const FINISHED = new Set(['Successful', 'Failed', 'Cancelled']);

/** An instance Auto Scaling took out of service because a health check said it was unhealthy. */
export interface HealthReplacement {
  readonly group: string;
  readonly instanceId: string;
  /** Epoch ms: when the activity started. */
  readonly at: number;
  /** Auto Scaling's own words. */
  readonly cause: string;
}

export interface ScalingHistory {
  readonly replacements: readonly HealthReplacement[];
  /** Groups whose activities since the bake began were more than the look reads. */
  readonly unread: readonly string[];
}

/**
 * The causes AWS writes when a health check takes an instance out of service: an ELB or VPC Lattice
 * health check failure, an EC2 health check ("indicating it has been terminated or stopped"), EC2
 * status checks, an EBS health check, a custom one ("a user health-check").
 */
export function isHealthFailureCause(cause: string): boolean {
  return /taken out of service in response to [^.]*(health[ -]?check|status checks?)/i.test(cause);
}

/** `Terminating EC2 instance: i-0abc` → `i-0abc`. */
export function terminatedInstance(description: string): string | undefined {
  return /^Terminating EC2 instance: (i-[0-9a-z]+)/i.exec(description.trim())?.[1];
}

export async function readScalingHistory(
  deps: { readonly autoscaling: AutoScalingClient; readonly read: AwsRead },
  groups: readonly string[],
  since: number,
): Promise<ScalingHistory> {
  const replacements: HealthReplacement[] = [];
  const unread: string[] = [];
  for (const group of [...new Set(groups)]) {
    let token: string | undefined;
    let pages = 0;
    let older = false;
    do {
      const out = await deps.read('DescribeScalingActivities', group, (abortSignal) =>
        deps.autoscaling.send(
          new DescribeScalingActivitiesCommand({
            AutoScalingGroupName: group,
            MaxRecords: PAGE,
            ...(token ? { NextToken: token } : {}),
          }),
          abortSignal ? { abortSignal } : {},
        ),
      );
      pages++;
      for (const activity of out.Activities ?? []) {
        const at = activity.StartTime?.getTime();
        if (at !== undefined && at < since) {
          // Activities still in progress come first, then the finished ones newest first: a finished
          // one from before the bake means every one after it is older still.
          if (FINISHED.has(activity.StatusCode ?? '')) older = true;
          continue;
        }
        const instanceId = terminatedInstance(activity.Description ?? '');
        const cause = activity.Cause ?? '';
        if (instanceId && isHealthFailureCause(cause)) {
          replacements.push({ group, instanceId, at: at ?? since, cause: cause.trim() });
        }
      }
      token = older ? undefined : out.NextToken;
    } while (token && pages < MAX_ACTIVITY_PAGES);
    if (token) unread.push(group);
  }
  replacements.sort((a, b) => a.at - b.at);
  return { replacements, unread };
}
