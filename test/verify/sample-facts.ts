// Facts of a finished blue/green deployment with the times CodeDeploy reports, built by hand for the
// pure tests of the timeline and the reports: three green instances (the first, optionally, failing
// AfterInstall), three blue ones, one target group, one alarm. Times are minutes after 10:00.
import type { Facts, LifecycleEventFact, TargetFact } from '../../src/verify/facts.js';

export const SHA = 'c'.repeat(40);
export const GREEN = ['i-0green00000000001', 'i-0green00000000002', 'i-0green00000000003'];
export const BLUE = ['i-0blue000000000001', 'i-0blue000000000002', 'i-0blue000000000003'];
export const INSTALL_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
];
export const TRAFFIC_EVENTS = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'];
export const BLOCK_EVENTS = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'];

/** 10:00 plus `minutes`, ISO-8601. */
export const at = (minutes: number): string =>
  new Date(Date.UTC(2026, 0, 2, 10, 0, 0) + minutes * 60_000).toISOString();

function ran(name: string, start: number, status = 'Succeeded'): LifecycleEventFact {
  return { name, status, startTime: at(start), endTime: at(start + 0.5) };
}

/** Green instance k: install events from minute 1 + k/10, one a minute; traffic from minute 10. */
export function greenTarget(k: number, failAfterInstall = false): TargetFact {
  const events: LifecycleEventFact[] = INSTALL_EVENTS.map((name, n) => {
    const start = 1 + k / 10 + n;
    if (!failAfterInstall || n < 4) return ran(name, start);
    if (n === 4)
      return {
        ...ran(name, start, 'Failed'),
        errorCode: 'ScriptFailed',
        scriptName: 'hooks/after-install.sh',
        message: 'Script at specified location: hooks/after-install.sh failed with exit code 3',
        logTail: '[stderr]<script>alert("x")</script> & more',
      };
    return { name, status: 'Skipped', endTime: at(5.5 + k / 10) };
  });
  const traffic: LifecycleEventFact[] = TRAFFIC_EVENTS.map((name, n) =>
    failAfterInstall ? { name, status: 'Skipped', endTime: at(5.5 + k / 10) } : ran(name, 10 + k / 10 + n),
  );
  return {
    instanceId: GREEN[k] as string,
    label: 'Green',
    status: failAfterInstall ? 'Failed' : 'Succeeded',
    events: [...events, ...traffic],
  };
}

/** Blue instance k: BlockTraffic events from minute 14. */
export function blueTarget(k: number): TargetFact {
  return {
    instanceId: BLUE[k] as string,
    label: 'Blue',
    status: 'Succeeded',
    events: BLOCK_EVENTS.map((name, n) => ran(name, 14 + k / 10 + n)),
  };
}

export function sampleFacts(options: { failFirst?: boolean } = {}, changes: Partial<Facts> = {}): Facts {
  const serving = GREEN.map((_, k) => greenTarget(k, Boolean(options.failFirst) && k === 0));
  return {
    deployment: {
      deploymentId: 'd-ABCDEFGHI',
      application: 'web',
      deploymentGroup: 'web-dev',
      status: 'Succeeded',
      creator: 'user',
      revision: SHA,
      expectedVersion: SHA,
      deploymentType: 'BLUE_GREEN',
      withTrafficControl: true,
      greenFleet: 'COPY_AUTO_SCALING_GROUP',
      ready: 'CONTINUE_DEPLOYMENT',
      terminateBlue: { action: 'TERMINATE', waitMinutes: 5 },
      instanceTerminationWaitStarted: true,
      createTime: at(0),
      startTime: at(0.2),
      completeTime: at(22),
    },
    serving,
    replaced: BLUE,
    replacedTargets: BLUE.map((_, k) => blueTarget(k)),
    asg: {
      name: 'CodeDeploy_web-dev_d-ABCDEFGHI',
      found: true,
      desiredCapacity: 3,
      instances: GREEN.map((id, k) => ({
        instanceId: id,
        availabilityZone: k % 2 ? 'us-east-1b' : 'us-east-1a',
        lifecycleState: 'InService',
        healthStatus: 'Healthy',
      })),
    },
    otherAsgs: [],
    targetGroups: [
      {
        name: 'web-dev-tg',
        found: true,
        arn: 'arn:tg',
        targets: GREEN.map((id, k) => ({
          instanceId: id,
          port: 8000,
          state: options.failFirst && k === 0 ? 'unused' : 'healthy',
        })),
      },
    ],
    instances: Object.fromEntries(
      BLUE.map((id) => [id, { instanceId: id, state: 'terminated', autoScalingGroup: 'web-dev-asg' }]),
    ),
    alarms: [{ name: 'web-dev-5xx', state: 'OK' }],
    ignoreAlarmFailure: false,
    served: {
      mode: 'instances',
      answers: Object.fromEntries(
        GREEN.map((id) => [id, { url: `http://${id}/healthcheck`, httpStatus: 200, version: SHA }]),
      ),
    },
    followUps: [],
    phase: 'after-traffic',
    trafficMoved: true,
    gatheredAt: at(23),
    ...changes,
  };
}
