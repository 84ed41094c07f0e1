// Auto Scaling's scaling activities (DescribeScalingActivities): each instance a group launches or
// takes out of service, with AWS's Description and Cause ("At 2026-04-12T23:05:00Z an instance was
// taken out of service in response to an ELB system health check failure."). A launch is InProgress
// until the instance is InService; a termination until EC2 reports it terminated.
import type { Random } from '../random.js';
import { randomUuid } from '../random.js';

export type ActivityStatus = 'InProgress' | 'Successful' | 'Cancelled';

export interface ActivityRecord {
  readonly activityId: string;
  readonly groupName: string;
  readonly groupArn: string;
  readonly description: string;
  readonly cause: string;
  readonly startTime: Date;
  endTime?: Date;
  statusCode: ActivityStatus;
  progress: number;
  readonly details: string;
}

const DESCRIPTIONS = {
  launch: 'Launching a new EC2 instance',
  terminate: 'Terminating EC2 instance',
  detach: 'Detaching EC2 instance',
} as const;

/** An activity as DescribeScalingActivities and the operations that start one answer it. */
export function activityView(a: ActivityRecord): Record<string, unknown> {
  return {
    ActivityId: a.activityId,
    AutoScalingGroupName: a.groupName,
    AutoScalingGroupARN: a.groupArn,
    Description: a.description,
    Cause: a.cause,
    StartTime: a.startTime,
    ...(a.endTime ? { EndTime: a.endTime } : {}),
    StatusCode: a.statusCode,
    Progress: a.progress,
    Details: a.details,
  };
}

/** An instant as Auto Scaling's causes write it: 2026-04-12T23:05:00Z. */
export function causeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Activities by group, oldest first; they outlive a deleted group, as AWS's do for a while. */
export class ScalingActivities {
  private readonly byGroup = new Map<string, ActivityRecord[]>();

  constructor(private readonly random: Random) {}

  start(
    group: { name: string; arn: string },
    kind: 'launch' | 'terminate' | 'detach',
    instance: { instanceId: string; availabilityZone: string },
    cause: string,
    now: Date,
  ): ActivityRecord {
    const activity: ActivityRecord = {
      activityId: randomUuid(this.random),
      groupName: group.name,
      groupArn: group.arn,
      description: `${DESCRIPTIONS[kind]}: ${instance.instanceId}`,
      cause,
      startTime: now,
      statusCode: 'InProgress',
      progress: 50,
      details: JSON.stringify({ 'Availability Zone': instance.availabilityZone }),
    };
    const list = this.byGroup.get(group.name) ?? [];
    list.push(activity);
    this.byGroup.set(group.name, list);
    return activity;
  }

  finish(
    activity: ActivityRecord | undefined,
    status: Exclude<ActivityStatus, 'InProgress'>,
    now: Date,
  ): void {
    if (!activity || activity.statusCode !== 'InProgress') return;
    activity.statusCode = status;
    activity.progress = 100;
    activity.endTime = now;
  }

  /** The newest activity of an instance in a group. */
  latest(groupName: string, instanceId: string): ActivityRecord | undefined {
    const suffix = `: ${instanceId}`;
    return this.list(groupName).find((a) => a.description.endsWith(suffix));
  }

  /** Newest first; every group's when no name is given. */
  list(groupName?: string): ActivityRecord[] {
    const all =
      groupName === undefined ? [...this.byGroup.values()].flat() : (this.byGroup.get(groupName) ?? []);
    return [...all].reverse().sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  }
}
