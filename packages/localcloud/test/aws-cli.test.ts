// tier: e2e
// The AWS CLI (v2, its own botocore parsers) as an independent client of the local cloud.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { startTestCloud, type TestCloud } from './harness.js';

const run = promisify(execFile);

const WORLD = {
  targetGroups: [{ name: 'web-tg', port: 8000 }],
  // A load balancer forwards to web-tg: ELB health-checks only the targets of groups in use.
  loadBalancers: [{ name: 'web-alb', listeners: [{ port: 0, targetGroup: 'web-tg' }] }],
  autoScalingGroups: [
    {
      name: 'web-asg',
      instances: 2,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      targetGroups: ['web-tg'],
      // A running environment: its instances already answer web-tg's health check (path /).
      serves: '/',
    },
  ],
  alarms: ['web-5xx'],
  buckets: ['revisions'],
};

describe('the AWS CLI drives the local cloud', () => {
  let t: TestCloud;
  const aws = async (...args: string[]): Promise<unknown> => {
    const { stdout } = await run(
      '/usr/bin/aws',
      ['--endpoint-url', t.lc.url, '--region', 'us-east-1', '--output', 'json', ...args],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: tmpdir(),
          AWS_ACCESS_KEY_ID: 'AKIDLOCALCLOUD',
          AWS_SECRET_ACCESS_KEY: 'local-cloud-secret',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_PAGER: '',
        },
      },
    );
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as unknown);
  };

  before(async () => {
    t = await startTestCloud({ world: WORLD, timeScale: 1000 }); // scaled: the AWS CLI runs as a process
  });
  after(async () => t.close());

  it('describe-auto-scaling-groups', async () => {
    const out = (await aws(
      'autoscaling',
      'describe-auto-scaling-groups',
      '--auto-scaling-group-names',
      'web-asg',
    )) as {
      AutoScalingGroups: {
        AutoScalingGroupName: string;
        Instances: { LifecycleState: string }[];
        TargetGroupARNs: string[];
      }[];
    };
    assert.equal(out.AutoScalingGroups[0]?.AutoScalingGroupName, 'web-asg');
    assert.deepEqual(
      out.AutoScalingGroups[0]?.Instances.map((i) => i.LifecycleState),
      ['InService', 'InService'],
    );
    assert.match(
      out.AutoScalingGroups[0]?.TargetGroupARNs[0] ?? '',
      /^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/web-tg\//,
    );
  });

  it('describe-target-health', async () => {
    const groups = (await aws('elbv2', 'describe-target-groups', '--names', 'web-tg')) as {
      TargetGroups: { TargetGroupArn: string }[];
    };
    const out = (await aws(
      'elbv2',
      'describe-target-health',
      '--target-group-arn',
      groups.TargetGroups[0]!.TargetGroupArn,
    )) as {
      TargetHealthDescriptions: { TargetHealth: { State: string } }[];
    };
    assert.deepEqual(
      out.TargetHealthDescriptions.map((d) => d.TargetHealth.State),
      ['healthy', 'healthy'],
    );
  });

  it('describe-instances with a tag filter', async () => {
    const out = (await aws(
      'ec2',
      'describe-instances',
      '--filters',
      'Name=tag:aws:autoscaling:groupName,Values=web-asg',
    )) as {
      Reservations: {
        Instances: { InstanceId: string; State: { Name: string }; PrivateIpAddress: string }[];
      }[];
    };
    const instances = out.Reservations.flatMap((r) => r.Instances);
    assert.equal(instances.length, 2);
    for (const i of instances) {
      assert.equal(i.State.Name, 'running');
      assert.match(i.PrivateIpAddress, /^127\.0\.\d+\.\d+$/);
    }
  });

  it('describe-alarms and set-alarm-state over the query protocol', async () => {
    await aws(
      'cloudwatch',
      'set-alarm-state',
      '--alarm-name',
      'web-5xx',
      '--state-value',
      'ALARM',
      '--state-reason',
      'cli test',
    );
    const out = (await aws('cloudwatch', 'describe-alarms', '--alarm-names', 'web-5xx')) as {
      MetricAlarms: { StateValue: string; StateReason: string }[];
    };
    assert.equal(out.MetricAlarms[0]?.StateValue, 'ALARM');
    assert.equal(out.MetricAlarms[0]?.StateReason, 'cli test');
  });

  it('describe-alarm-history: a flap between two looks, in order, over the query protocol', async () => {
    const set = (StateValue: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', StateReason: string) =>
      t.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue, StateReason }));
    await set('OK', 'baseline');
    const since = new Date();
    await set('ALARM', 'Threshold Crossed: 5xx above 1%');
    await set('OK', 'back below 1%');
    await set('INSUFFICIENT_DATA', 'no datapoints');
    const out = (await aws(
      'cloudwatch',
      'describe-alarm-history',
      '--alarm-name',
      'web-5xx',
      '--history-item-type',
      'StateUpdate',
      '--start-date',
      since.toISOString(),
      '--scan-by',
      'TimestampAscending',
    )) as { AlarmHistoryItems: { HistorySummary: string; HistoryData: string }[] };
    assert.deepEqual(out.AlarmHistoryItems.map((h) => h.HistorySummary).slice(-3), [
      'Alarm updated from OK to ALARM',
      'Alarm updated from ALARM to OK',
      'Alarm updated from OK to INSUFFICIENT_DATA',
    ]);
    const alarmed = JSON.parse(out.AlarmHistoryItems.at(-3)?.HistoryData ?? '{}') as {
      newState?: { stateValue: string; stateReason: string };
    };
    assert.deepEqual(alarmed.newState, {
      stateValue: 'ALARM',
      stateReason: 'Threshold Crossed: 5xx above 1%',
    });
  });

  it('s3 cp of a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'localcloud-cli-'));
    const file = join(dir, 'bundle.zip');
    await writeFile(file, 'revision bundle from the CLI');
    await aws('s3', 'cp', '--only-show-errors', file, 's3://revisions/web/bundle.zip');
    const head = (await aws('s3api', 'head-object', '--bucket', 'revisions', '--key', 'web/bundle.zip')) as {
      ContentLength: number;
      ETag: string;
    };
    assert.equal(head.ContentLength, 28);
    assert.match(head.ETag, /^"[0-9a-f]{32}"$/);
    assert.equal(
      t.lc.cloud.s3.getObject('revisions', 'web/bundle.zip')?.body.toString(),
      'revision bundle from the CLI',
    );
  });
});
