// tier: e2e
// The AWS CLI (v2, its own botocore parsers) as an independent client of EVERY operation the local
// cloud implements. Each is driven through `/usr/bin/aws … --endpoint-url` in an order that makes
// sense (create before describe, a lifecycle action completed while the instance waits on it), and
// its parsed output is checked. The last test compares what the CLI answered, and what the server
// counted, with what the server implements, so an operation added without a CLI check fails.
//
// One CLI call costs most of a second of CPU, so CodeDeploy, whose deployment runs through its
// states, has its own file: aws-cli/codedeploy.test.ts. This one covers every other
// service, including any service added later.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SigningName } from '../src/service.js';
import { assertCliCoverage, implementedOperations } from './aws-cli/coverage.js';
import { startCliSession, type CliSession } from './aws-cli/session.js';
import { until } from '../../../test/support/until.js';

const WORLD = {
  targetGroups: [{ name: 'api-tg', port: 9000 }],
  autoScalingGroups: [
    // Its app already runs and answers /health (jobs-tg's check below).
    {
      name: 'api-asg',
      instances: 1,
      availabilityZones: ['us-east-1a'],
      targetGroups: ['api-tg'],
      serves: '/health',
    },
  ],
  buckets: ['web-revisions'],
};

const account = '123456789012';
/** Covered by their own files under aws-cli/ (codedeploy.test.ts, cloudformation.test.ts, iam.test.ts: IAM and STS, ssm.test.ts). */
const coveredElsewhere: readonly SigningName[] = ['codedeploy', 'cloudformation', 'iam', 'sts', 'ssm'];

type Attributes = { Attributes: { Key: string; Value: string }[] };
const attribute = (output: Attributes, key: string) => output.Attributes.find((a) => a.Key === key)?.Value;

describe('the AWS CLI parses every operation of the local cloud (CodeDeploy aside)', () => {
  let s: CliSession;

  before(async () => {
    s = await startCliSession(WORLD);
  });
  after(async () => s.close());

  // Services share nothing, so their chains run side by side; within a chain, steps run in order.
  describe('every service at once', { concurrency: true }, () => {
    describe('S3 (s3api)', { concurrency: 1 }, () => {
      const bucket = 'cli-scratch';
      const body = 'release notes, uploaded by the AWS CLI\n';
      let etag = '';
      let versionId = '';

      it('create-bucket, head-bucket, get-bucket-location', async () => {
        const created = await s.cli.call('s3api', 'create-bucket', { Bucket: bucket });
        assert.equal(created.Location, `/${bucket}`);
        const [head, location] = await Promise.all([
          s.cli.call('s3api', 'head-bucket', { Bucket: bucket }),
          s.cli.call('s3api', 'get-bucket-location', { Bucket: bucket }),
        ]);
        assert.deepEqual(head, {});
        assert.equal(location.LocationConstraint, null, 'us-east-1 has no location constraint');
      });

      it('put-bucket-versioning, get-bucket-versioning', async () => {
        const put = await s.cli.call('s3api', 'put-bucket-versioning', {
          Bucket: bucket,
          VersioningConfiguration: { Status: 'Enabled' },
        });
        assert.deepEqual(put, {});
        const versioning = await s.cli.call('s3api', 'get-bucket-versioning', { Bucket: bucket });
        assert.equal(versioning.Status, 'Enabled');
      });

      it('put-object, head-object, get-object', async () => {
        const file = join(s.scratch, 'notes.txt');
        await writeFile(file, body);
        const put = await s.cli.call('s3api', 'put-object', undefined, [
          '--bucket',
          bucket,
          '--key',
          'notes/v1.txt',
          '--body',
          file,
          '--content-type',
          'text/plain',
          '--metadata',
          'purpose=cli',
        ]);
        etag = String(put.ETag);
        assert.match(etag, /^"[0-9a-f]{32}"$/);
        versionId = String(put.VersionId);
        assert.ok(versionId.length > 0, 'a versioned bucket answers with the new version');
        const downloaded = join(s.scratch, 'downloaded.txt');
        const [head, got] = await Promise.all([
          s.cli.call('s3api', 'head-object', { Bucket: bucket, Key: 'notes/v1.txt' }),
          s.cli.call('s3api', 'get-object', undefined, [
            '--bucket',
            bucket,
            '--key',
            'notes/v1.txt',
            downloaded,
          ]),
        ]);
        assert.equal(head.ContentLength, Buffer.byteLength(body));
        assert.equal(head.ContentType, 'text/plain');
        assert.deepEqual(head.Metadata, { purpose: 'cli' });
        assert.equal(head.ETag, etag);
        assert.equal(head.VersionId, versionId);
        assert.equal(got.ContentLength, Buffer.byteLength(body));
        assert.equal(got.ETag, etag);
        assert.equal(await readFile(downloaded, 'utf8'), body);
      });

      it('list-buckets, list-objects, list-objects-v2', async () => {
        const [buckets, v1, v2] = await Promise.all([
          s.cli.call<{ Buckets: { Name: string }[] }>('s3api', 'list-buckets'),
          s.cli.call<{ Contents: { Key: string; Size: number; ETag: string }[] }>('s3api', 'list-objects', {
            Bucket: bucket,
            Prefix: 'notes/',
          }),
          // The CLI's paginator keeps only the result keys; --no-paginate shows the whole answer.
          s.cli.call<{ KeyCount: number; CommonPrefixes: { Prefix: string }[] }>(
            's3api',
            'list-objects-v2',
            { Bucket: bucket, Delimiter: '/' },
            ['--no-paginate'],
          ),
        ]);
        // In name order, as S3 lists them; web-revisions was created first.
        assert.deepEqual(
          buckets.Buckets.map((b) => b.Name),
          [bucket, 'web-revisions'],
        );
        assert.deepEqual(
          v1.Contents.map((o) => [o.Key, o.Size, o.ETag]),
          [['notes/v1.txt', Buffer.byteLength(body), etag]],
        );
        assert.equal(v2.KeyCount, 1);
        assert.deepEqual(v2.CommonPrefixes, [{ Prefix: 'notes/' }]);
      });

      it('delete-object, delete-bucket', async () => {
        // The bucket is versioned: a delete adds a delete marker, and every version stays.
        const deleted = await s.cli.call<{ DeleteMarker: boolean; VersionId: string }>(
          's3api',
          'delete-object',
          { Bucket: bucket, Key: 'notes/v1.txt' },
        );
        assert.equal(deleted.DeleteMarker, true);
        assert.ok(deleted.VersionId && deleted.VersionId !== versionId, 'the marker has its own version');
        const [current, old] = await Promise.allSettled([
          s.cli.call('s3api', 'head-object', { Bucket: bucket, Key: 'notes/v1.txt' }),
          s.cli.call<{ VersionId: string; ContentLength: number }>('s3api', 'head-object', {
            Bucket: bucket,
            Key: 'notes/v1.txt',
            VersionId: versionId,
          }),
        ]);
        assert.ok(current.status === 'rejected', 'the key reads as deleted');
        assert.match(String(current.reason), /\(404\)/);
        assert.ok(old.status === 'fulfilled', 'the old version is still there');
        assert.equal(old.value.VersionId, versionId);
        await assert.rejects(
          s.cli.call('s3api', 'delete-bucket', { Bucket: bucket }),
          /BucketNotEmpty/,
          'a bucket holding versions is not empty',
        );
        // Deleting every version (the marker included) empties it.
        for (const version of [deleted.VersionId, versionId]) {
          const removed = await s.cli.call<{ VersionId: string }>('s3api', 'delete-object', {
            Bucket: bucket,
            Key: 'notes/v1.txt',
            VersionId: version,
          });
          assert.equal(removed.VersionId, version);
        }
        assert.deepEqual(await s.cli.call('s3api', 'delete-bucket', { Bucket: bucket }), {});
        assert.ok(!s.cloud.lc.cloud.s3.allBuckets().some((b) => b.name === bucket));
      });
    });

    describe('CloudWatch (the query protocol, as this CLI speaks it)', { concurrency: 1 }, () => {
      it('put-metric-alarm, set-alarm-state, describe-alarms, describe-alarm-history, put-composite-alarm, delete-alarms', async () => {
        const put = await s.cli.call('cloudwatch', 'put-metric-alarm', {
          AlarmName: 'api-latency',
          MetricName: 'TargetResponseTime',
          Namespace: 'AWS/ApplicationELB',
          Statistic: 'Average',
          Period: 60,
          EvaluationPeriods: 2,
          Threshold: 0.5,
          ComparisonOperator: 'GreaterThanThreshold',
          Dimensions: [{ Name: 'LoadBalancer', Value: 'app/api-alb/123' }],
          // The alarm is evaluated every AWS minute (300 ms here); with no datapoints and `ignore` the
          // evaluations keep the state set-alarm-state gives it.
          TreatMissingData: 'ignore',
        });
        assert.deepEqual(put, {});
        const set = await s.cli.call('cloudwatch', 'set-alarm-state', {
          AlarmName: 'api-latency',
          StateValue: 'ALARM',
          StateReason: 'set by the AWS CLI',
        });
        assert.deepEqual(set, {});
        const described = await s.cli.call<{
          MetricAlarms: {
            AlarmName: string;
            StateValue: string;
            StateReason: string;
            Threshold: number;
            Dimensions: { Name: string; Value: string }[];
            StateUpdatedTimestamp: string;
          }[];
        }>('cloudwatch', 'describe-alarms', { AlarmNames: ['api-latency'] });
        const [alarm] = described.MetricAlarms;
        assert.equal(alarm?.StateValue, 'ALARM');
        assert.equal(alarm?.StateReason, 'set by the AWS CLI');
        assert.equal(alarm?.Threshold, 0.5);
        assert.deepEqual(alarm?.Dimensions, [{ Name: 'LoadBalancer', Value: 'app/api-alb/123' }]);
        assert.ok(!Number.isNaN(Date.parse(alarm?.StateUpdatedTimestamp ?? '')), 'a timestamp');
        const history = await s.cli.call<{
          AlarmHistoryItems: { HistorySummary: string; HistoryData: string; Timestamp: string }[];
        }>('cloudwatch', 'describe-alarm-history', {
          AlarmName: 'api-latency',
          HistoryItemType: 'StateUpdate',
          StartDate: new Date(Date.now() - 3_600_000).toISOString(),
        });
        const [change] = history.AlarmHistoryItems;
        assert.equal(change?.HistorySummary, 'Alarm updated from INSUFFICIENT_DATA to ALARM');
        assert.ok(!Number.isNaN(Date.parse(change?.Timestamp ?? '')), 'a timestamp');
        assert.equal(
          (JSON.parse(change?.HistoryData ?? '{}') as { newState?: { stateReason?: string } }).newState
            ?.stateReason,
          'set by the AWS CLI',
        );
        // A composite over it, in ALARM with it; describe-alarms names it only when --alarm-types asks.
        assert.deepEqual(
          await s.cli.call('cloudwatch', 'put-composite-alarm', {
            AlarmName: 'api-any',
            AlarmRule: 'ALARM("api-latency")',
          }),
          {},
        );
        const composites = await s.cli.call<{ CompositeAlarms: { AlarmName: string; StateValue: string }[] }>(
          'cloudwatch',
          'describe-alarms',
          { AlarmNames: ['api-any'], AlarmTypes: ['CompositeAlarm'] },
        );
        assert.deepEqual(
          composites.CompositeAlarms.map((a) => [a.AlarmName, a.StateValue]),
          [['api-any', 'ALARM']],
        );
        assert.deepEqual(
          await s.cli.call('cloudwatch', 'delete-alarms', { AlarmNames: ['api-any', 'api-latency'] }),
          {},
        );
        assert.equal(s.models().cloudwatch.alarmState('api-latency'), undefined);
        await assert.rejects(
          s.cli.call('cloudwatch', 'set-alarm-state', {
            AlarmName: 'web',
            StateValue: 'BROKEN',
            StateReason: 'x',
          }),
          (error: Error) =>
            /\(ValidationError\)/.test(error.message) && /'BROKEN' at 'stateValue'/.test(error.message),
        );
      });

      it('put-metric-data, get-metric-statistics, get-metric-data, list-metrics', async () => {
        const dimensions = [{ Name: 'Service', Value: 'api' }];
        const now = Date.now();
        const put = await s.cli.call('cloudwatch', 'put-metric-data', {
          Namespace: 'Cli',
          MetricData: [
            { MetricName: 'Errors', Dimensions: dimensions, Value: 2, Unit: 'Count' },
            { MetricName: 'Errors', Dimensions: dimensions, Values: [1, 3], Counts: [1, 2], Unit: 'Count' },
          ],
        });
        assert.deepEqual(put, {});
        const range = {
          StartTime: new Date(now - 3_600_000).toISOString(),
          EndTime: new Date(now + 3_600_000).toISOString(),
        };
        const statistics = await s.cli.call<{
          Label: string;
          Datapoints: { Sum: number; SampleCount: number; Maximum: number; Unit: string }[];
        }>('cloudwatch', 'get-metric-statistics', {
          Namespace: 'Cli',
          MetricName: 'Errors',
          Dimensions: dimensions,
          ...range,
          Period: 7200,
          Statistics: ['Sum', 'SampleCount', 'Maximum'],
        });
        assert.equal(statistics.Label, 'Errors');
        // The two hours hold one or two periods, depending on where the hour boundary falls.
        const total = statistics.Datapoints.reduce((n, d) => n + d.Sum, 0);
        assert.equal(total, 2 + 1 + 3 * 2);
        assert.equal(
          statistics.Datapoints.reduce((n, d) => n + d.SampleCount, 0),
          4,
        );
        assert.ok(statistics.Datapoints.every((d) => d.Unit === 'Count'));
        const data = await s.cli.call<{
          MetricDataResults: {
            Id: string;
            Label: string;
            StatusCode: string;
            Values: number[];
            Timestamps: string[];
          }[];
        }>('cloudwatch', 'get-metric-data', {
          ...range,
          MetricDataQueries: [
            {
              Id: 'errors',
              MetricStat: {
                Metric: { Namespace: 'Cli', MetricName: 'Errors', Dimensions: dimensions },
                Period: 60,
                Stat: 'Sum',
              },
              ReturnData: false,
            },
            { Id: 'doubled', Expression: '2 * errors', Label: 'twice the errors' },
          ],
        });
        const [doubled] = data.MetricDataResults;
        assert.equal(data.MetricDataResults.length, 1, 'ReturnData false is left out');
        assert.equal(doubled?.Label, 'twice the errors');
        assert.equal(doubled?.StatusCode, 'Complete');
        assert.equal(
          doubled?.Values.reduce((n, v) => n + v, 0),
          2 * total,
        );
        assert.ok(doubled?.Timestamps.every((t) => !Number.isNaN(Date.parse(t))));
        const listed = await s.cli.call<{
          Metrics: { Namespace: string; MetricName: string; Dimensions: unknown[] }[];
        }>('cloudwatch', 'list-metrics', { Namespace: 'Cli' });
        assert.deepEqual(listed.Metrics, [
          { Namespace: 'Cli', MetricName: 'Errors', Dimensions: dimensions },
        ]);
      });
    });

    describe('ELBv2', { concurrency: 1 }, () => {
      let jobsArn = '';

      it('describe-target-groups, describe-target-group-attributes, modify-target-group-attributes', async () => {
        const groups = await s.cli.call<{ TargetGroups: { TargetGroupArn: string; Port: number }[] }>(
          'elbv2',
          'describe-target-groups',
          { Names: ['api-tg'] },
        );
        assert.equal(groups.TargetGroups[0]?.Port, 9000);
        const apiArn = groups.TargetGroups[0]?.TargetGroupArn ?? '';
        assert.match(
          apiArn,
          new RegExp(`^arn:aws:elasticloadbalancing:us-east-1:${account}:targetgroup/api-tg/`),
        );
        const described = await s.cli.call<Attributes>('elbv2', 'describe-target-group-attributes', {
          TargetGroupArn: apiArn,
        });
        assert.equal(attribute(described, 'deregistration_delay.timeout_seconds'), '300');
        const modified = await s.cli.call<Attributes>('elbv2', 'modify-target-group-attributes', {
          TargetGroupArn: apiArn,
          Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
        });
        assert.equal(attribute(modified, 'deregistration_delay.timeout_seconds'), '30');
        // No load balancer forwards to api-tg: its targets are registered but not in use, as on AWS.
        const health = await s.cli.call<{
          TargetHealthDescriptions: {
            TargetHealth: { State: string; Reason: string; Description: string };
          }[];
        }>('elbv2', 'describe-target-health', { TargetGroupArn: apiArn });
        assert.deepEqual(
          health.TargetHealthDescriptions.map((d) => d.TargetHealth),
          [
            {
              State: 'unused',
              Reason: 'Target.NotInUse',
              Description: 'Target group is not configured to receive traffic from the load balancer',
            },
          ],
        );
      });

      it('create-target-group, create-load-balancer, create-listener, describe-load-balancers, describe-listeners', async () => {
        const [group, balancer] = await Promise.all([
          s.cli.call<{ TargetGroups: { TargetGroupArn: string; Port: number; HealthCheckPath: string }[] }>(
            'elbv2',
            'create-target-group',
            {
              Name: 'jobs-tg',
              Protocol: 'HTTP',
              Port: 9100,
              VpcId: s.models().ec2.defaultVpc().id,
              HealthCheckPath: '/health',
            },
          ),
          s.cli.call<{
            LoadBalancers: {
              LoadBalancerArn: string;
              DNSName: string;
              State: { Code: string };
              AvailabilityZones: { ZoneName: string }[];
            }[];
          }>('elbv2', 'create-load-balancer', {
            Name: 'jobs-alb',
            Subnets: ['us-east-1a', 'us-east-1b'].map((zone) => s.models().ec2.defaultSubnet(zone)!.id),
          }),
        ]);
        jobsArn = group.TargetGroups[0]?.TargetGroupArn ?? '';
        assert.match(jobsArn, /:targetgroup\/jobs-tg\/[0-9a-f]{16}$/);
        assert.equal(group.TargetGroups[0]?.Port, 9100);
        assert.equal(group.TargetGroups[0]?.HealthCheckPath, '/health');
        const loadBalancerArn = balancer.LoadBalancers[0]?.LoadBalancerArn ?? '';
        assert.match(loadBalancerArn, /:loadbalancer\/app\/jobs-alb\/[0-9a-f]{16}$/);
        assert.deepEqual(
          balancer.LoadBalancers[0]?.AvailabilityZones.map((z) => z.ZoneName),
          ['us-east-1a', 'us-east-1b'],
        );
        assert.equal(balancer.LoadBalancers[0]?.State.Code, 'provisioning');
        const listener = await s.cli.call<{
          Listeners: { ListenerArn: string; DefaultActions: { Type: string; TargetGroupArn: string }[] }[];
        }>('elbv2', 'create-listener', {
          LoadBalancerArn: loadBalancerArn,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: jobsArn }],
        });
        const listenerArn = listener.Listeners[0]?.ListenerArn ?? '';
        assert.match(listenerArn, /:listener\/app\/jobs-alb\//);
        assert.deepEqual(listener.Listeners[0]?.DefaultActions, [
          { Type: 'forward', TargetGroupArn: jobsArn },
        ]);
        const [balancers, listeners] = await Promise.all([
          s.cli.call<{ LoadBalancers: { LoadBalancerArn: string; DNSName: string }[] }>(
            'elbv2',
            'describe-load-balancers',
            { Names: ['jobs-alb'] },
          ),
          s.cli.call<{ Listeners: { ListenerArn: string }[] }>('elbv2', 'describe-listeners', {
            LoadBalancerArn: loadBalancerArn,
          }),
        ]);
        assert.equal(balancers.LoadBalancers[0]?.LoadBalancerArn, loadBalancerArn);
        assert.match(balancers.LoadBalancers[0]?.DNSName ?? '', /^127\.\d+\.\d+\.\d+$/);
        assert.deepEqual(
          listeners.Listeners.map((l) => l.ListenerArn),
          [listenerArn],
        );
      });

      it('register-targets, describe-target-health, deregister-targets', async () => {
        const instanceId = s.asgInstances('api-asg')[0]?.instanceId ?? '';
        const registered = await s.cli.call('elbv2', 'register-targets', {
          TargetGroupArn: jobsArn,
          Targets: [{ Id: instanceId, Port: 9100 }],
        });
        assert.deepEqual(registered, {});
        const health = await s.cli.call<{
          TargetHealthDescriptions: {
            Target: { Id: string; Port: number };
            TargetHealth: { State: string };
          }[];
        }>('elbv2', 'describe-target-health', { TargetGroupArn: jobsArn });
        assert.deepEqual(
          health.TargetHealthDescriptions.map((d) => [d.Target.Id, d.Target.Port]),
          [[instanceId, 9100]],
        );
        // How far its health checks got depends on how long the CLI took; the app answers them.
        assert.ok(
          ['initial', 'healthy'].includes(health.TargetHealthDescriptions[0]?.TargetHealth.State ?? ''),
        );
        const deregistered = await s.cli.call('elbv2', 'deregister-targets', {
          TargetGroupArn: jobsArn,
          Targets: [{ Id: instanceId }],
        });
        assert.deepEqual(deregistered, {});
        // Draining, or already gone if the 300 s delay (1.5 s here) ran out while the CLI exited.
        assert.ok(['draining', 'unused'].includes(s.models().elbv2.health(jobsArn, instanceId).state));
      });

      it('delete-target-group', async () => {
        const spare = await s.cli.call<{ TargetGroups: { TargetGroupArn: string }[] }>(
          'elbv2',
          'create-target-group',
          { Name: 'spare-tg', Port: 81 },
        );
        const arn = spare.TargetGroups[0]?.TargetGroupArn ?? '';
        assert.deepEqual(await s.cli.call('elbv2', 'delete-target-group', { TargetGroupArn: arn }), {});
        assert.equal(s.models().elbv2.getTargetGroupByArn(arn), undefined);
      });
    });

    describe('EC2: the network and images', { concurrency: 1 }, () => {
      it('describe-availability-zones, describe-vpcs, describe-subnets, describe-images', async () => {
        const [zones, vpcs, subnets, images] = await Promise.all([
          s.cli.call<{ AvailabilityZones: { ZoneName: string; ZoneId: string }[] }>(
            'ec2',
            'describe-availability-zones',
            {},
          ),
          s.cli.call<{ Vpcs: { VpcId: string; CidrBlock: string; IsDefault: boolean }[] }>(
            'ec2',
            'describe-vpcs',
            { Filters: [{ Name: 'is-default', Values: ['true'] }] },
          ),
          s.cli.call<{
            Subnets: { SubnetId: string; VpcId: string; AvailabilityZone: string; DefaultForAz: boolean }[];
          }>('ec2', 'describe-subnets', { Filters: [{ Name: 'default-for-az', Values: ['true'] }] }),
          s.cli.call<{ Images: { ImageId: string; Name: string; ImageOwnerAlias?: string }[] }>(
            'ec2',
            'describe-images',
            { Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] },
          ),
        ]);
        const zoneNames = zones.AvailabilityZones.map((z) => z.ZoneName);
        assert.deepEqual(zoneNames, [
          'us-east-1a',
          'us-east-1b',
          'us-east-1c',
          'us-east-1d',
          'us-east-1e',
          'us-east-1f',
        ]);
        assert.equal(zones.AvailabilityZones[0]?.ZoneId, 'use1-az1');
        assert.equal(vpcs.Vpcs.length, 1);
        assert.equal(vpcs.Vpcs[0]?.CidrBlock, '172.31.0.0/16');
        assert.deepEqual(
          subnets.Subnets.map((subnet) => [subnet.AvailabilityZone, subnet.VpcId, subnet.DefaultForAz]),
          zoneNames.map((zone) => [zone, vpcs.Vpcs[0]?.VpcId, true]),
        );
        assert.equal(images.Images.length, 1);
        assert.equal(images.Images[0]?.ImageOwnerAlias, 'amazon');
      });

      it('create-security-group, authorize-security-group-ingress, describe-security-groups, revoke-security-group-ingress, delete-security-group', async () => {
        const created = await s.cli.call<{ GroupId: string }>('ec2', 'create-security-group', {
          GroupName: 'cli-web',
          Description: 'web servers',
        });
        assert.match(created.GroupId, /^sg-[0-9a-f]{17}$/);
        const permissions = [
          { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        ];
        const authorized = await s.cli.call<{
          Return: boolean;
          SecurityGroupRules: { IsEgress: boolean; FromPort: number }[];
        }>('ec2', 'authorize-security-group-ingress', {
          GroupId: created.GroupId,
          IpPermissions: permissions,
        });
        assert.equal(authorized.Return, true);
        assert.deepEqual(
          authorized.SecurityGroupRules.map((rule) => [rule.IsEgress, rule.FromPort]),
          [[false, 80]],
        );
        const described = await s.cli.call<{
          SecurityGroups: {
            GroupName: string;
            IpPermissions: { FromPort: number; IpRanges: { CidrIp: string }[] }[];
          }[];
        }>('ec2', 'describe-security-groups', { GroupIds: [created.GroupId] });
        assert.deepEqual(
          described.SecurityGroups.map((g) => [
            g.GroupName,
            g.IpPermissions.map((p) => [p.FromPort, p.IpRanges[0]?.CidrIp]),
          ]),
          [['cli-web', [[80, '0.0.0.0/0']]]],
        );
        const revoked = await s.cli.call<{ Return: boolean }>('ec2', 'revoke-security-group-ingress', {
          GroupId: created.GroupId,
          IpPermissions: permissions,
        });
        assert.equal(revoked.Return, true);
        assert.deepEqual(await s.cli.call('ec2', 'delete-security-group', { GroupId: created.GroupId }), {});
      });
    });

    describe('Auto Scaling and EC2', { concurrency: 1 }, () => {
      let detached = '';

      it('create-launch-template, describe-launch-templates, describe-launch-template-versions', async () => {
        const created = await s.cli.call<{
          LaunchTemplate: {
            LaunchTemplateId: string;
            LaunchTemplateName: string;
            LatestVersionNumber: number;
          };
        }>('ec2', 'create-launch-template', {
          LaunchTemplateName: 'batch-lt',
          LaunchTemplateData: { ImageId: 'ami-0aaaaaaaaaaaaaaaa', InstanceType: 't3.micro' },
          TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'team', Value: 'batch' }] }],
        });
        assert.equal(created.LaunchTemplate.LaunchTemplateName, 'batch-lt');
        assert.equal(created.LaunchTemplate.LatestVersionNumber, 1);
        assert.match(created.LaunchTemplate.LaunchTemplateId, /^lt-[0-9a-f]{17}$/);
        const [templates, versions] = await Promise.all([
          s.cli.call<{ LaunchTemplates: { LaunchTemplateId: string }[] }>(
            'ec2',
            'describe-launch-templates',
            {
              LaunchTemplateNames: ['batch-lt'],
            },
          ),
          s.cli.call<{
            LaunchTemplateVersions: { VersionNumber: number; LaunchTemplateData: { ImageId: string } }[];
          }>('ec2', 'describe-launch-template-versions', {
            LaunchTemplateName: 'batch-lt',
            Versions: ['$Latest'],
          }),
        ]);
        assert.deepEqual(
          templates.LaunchTemplates.map((lt) => lt.LaunchTemplateId),
          [created.LaunchTemplate.LaunchTemplateId],
        );
        assert.equal(versions.LaunchTemplateVersions[0]?.VersionNumber, 1);
        assert.equal(versions.LaunchTemplateVersions[0]?.LaunchTemplateData.ImageId, 'ami-0aaaaaaaaaaaaaaaa');
      });

      it('create-launch-template-version: a new image from version 1, not the default', async () => {
        const { LaunchTemplateVersion: made } = await s.cli.call<{
          LaunchTemplateVersion: {
            VersionNumber: number;
            DefaultVersion: boolean;
            VersionDescription: string;
            LaunchTemplateData: { ImageId: string; InstanceType: string };
          };
        }>('ec2', 'create-launch-template-version', {
          LaunchTemplateName: 'batch-lt',
          SourceVersion: '1',
          VersionDescription: 'new AMI',
          LaunchTemplateData: { ImageId: 'ami-0bbbbbbbbbbbbbbbb' },
        });
        assert.deepEqual(made.VersionNumber, 2);
        assert.equal(made.DefaultVersion, false);
        assert.equal(made.VersionDescription, 'new AMI');
        // SourceVersion's data, the request's members winning.
        assert.deepEqual(made.LaunchTemplateData, {
          ImageId: 'ami-0bbbbbbbbbbbbbbbb',
          InstanceType: 't3.micro',
        });
        const templates = await s.cli.call<{
          LaunchTemplates: { LatestVersionNumber: number; DefaultVersionNumber: number }[];
        }>('ec2', 'describe-launch-templates', { LaunchTemplateNames: ['batch-lt'] });
        assert.deepEqual(
          templates.LaunchTemplates.map((t) => [t.LatestVersionNumber, t.DefaultVersionNumber]),
          [[2, 1]],
        );
      });

      it('create-auto-scaling-group, update-auto-scaling-group, describe-auto-scaling-groups', async () => {
        const created = await s.cli.call('autoscaling', 'create-auto-scaling-group', {
          AutoScalingGroupName: 'batch-asg',
          LaunchTemplate: { LaunchTemplateName: 'batch-lt' },
          MinSize: 0,
          MaxSize: 4,
          DesiredCapacity: 2,
          AvailabilityZones: ['us-east-1a'],
          Tags: [{ Key: 'team', Value: 'batch', PropagateAtLaunch: true }],
        });
        assert.deepEqual(created, {});
        const updated = await s.cli.call('autoscaling', 'update-auto-scaling-group', {
          AutoScalingGroupName: 'batch-asg',
          MaxSize: 5,
        });
        assert.deepEqual(updated, {});
        await until(
          () => s.asgInstances('batch-asg'),
          (instances) => instances.filter((i) => i.lifecycleState === 'InService').length === 2,
          'two batch-asg instances InService',
          '1m',
        );
        const described = await s.cli.call<{
          AutoScalingGroups: {
            MaxSize: number;
            DesiredCapacity: number;
            LaunchTemplate: { LaunchTemplateName: string };
            Instances: { LifecycleState: string }[];
            Tags: { Key: string; Value: string; PropagateAtLaunch: boolean }[];
          }[];
        }>('autoscaling', 'describe-auto-scaling-groups', { AutoScalingGroupNames: ['batch-asg'] });
        const [group] = described.AutoScalingGroups;
        assert.equal(group?.MaxSize, 5);
        assert.equal(group?.DesiredCapacity, 2);
        assert.equal(group?.LaunchTemplate.LaunchTemplateName, 'batch-lt');
        assert.deepEqual(
          group?.Instances.map((i) => i.LifecycleState),
          ['InService', 'InService'],
        );
        assert.deepEqual(
          group?.Tags.map((tag) => [tag.Key, tag.Value, tag.PropagateAtLaunch]),
          [['team', 'batch', true]],
        );
      });

      it('put-lifecycle-hook, describe-lifecycle-hooks, set-desired-capacity', async () => {
        const hook = {
          AutoScalingGroupName: 'batch-asg',
          LifecycleHookName: 'launch-hook',
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
          HeartbeatTimeout: 7200,
          DefaultResult: 'ABANDON',
        };
        assert.deepEqual(await s.cli.call('autoscaling', 'put-lifecycle-hook', hook), {});
        const hooks = await s.cli.call<{ LifecycleHooks: Record<string, unknown>[] }>(
          'autoscaling',
          'describe-lifecycle-hooks',
          { AutoScalingGroupName: 'batch-asg' },
        );
        assert.deepEqual(
          hooks.LifecycleHooks.map((h) => [h.LifecycleHookName, h.LifecycleTransition, h.HeartbeatTimeout]),
          [['launch-hook', 'autoscaling:EC2_INSTANCE_LAUNCHING', 7200]],
        );
        const scaled = await s.cli.call('autoscaling', 'set-desired-capacity', {
          AutoScalingGroupName: 'batch-asg',
          DesiredCapacity: 3,
        });
        assert.deepEqual(scaled, {});
      });

      it('record-lifecycle-action-heartbeat, complete-lifecycle-action, describe-auto-scaling-instances, delete-lifecycle-hook', async () => {
        const waiting = await until(
          () => s.asgInstances('batch-asg').find((i) => i.lifecycleState === 'Pending:Wait'),
          (instance) => instance !== undefined,
          'a batch-asg instance in Pending:Wait',
          '1m',
        );
        const instanceId = waiting?.instanceId ?? '';
        const action = {
          AutoScalingGroupName: 'batch-asg',
          LifecycleHookName: 'launch-hook',
          InstanceId: instanceId,
        };
        assert.deepEqual(await s.cli.call('autoscaling', 'record-lifecycle-action-heartbeat', action), {});
        const completed = await s.cli.call('autoscaling', 'complete-lifecycle-action', {
          ...action,
          LifecycleActionResult: 'CONTINUE',
        });
        assert.deepEqual(completed, {});
        await until(
          () => s.asgInstances('batch-asg'),
          (instances) => instances.filter((i) => i.lifecycleState === 'InService').length === 3,
          'three batch-asg instances InService',
          '1m',
        );
        const [described, deleted] = await Promise.all([
          s.cli.call<{
            AutoScalingInstances: {
              InstanceId: string;
              AutoScalingGroupName: string;
              LifecycleState: string;
            }[];
          }>('autoscaling', 'describe-auto-scaling-instances', { InstanceIds: [instanceId] }),
          s.cli.call('autoscaling', 'delete-lifecycle-hook', {
            AutoScalingGroupName: 'batch-asg',
            LifecycleHookName: 'launch-hook',
          }),
        ]);
        assert.deepEqual(
          described.AutoScalingInstances.map((i) => [i.InstanceId, i.AutoScalingGroupName, i.LifecycleState]),
          [[instanceId, 'batch-asg', 'InService']],
        );
        assert.deepEqual(deleted, {});
      });

      it('detach-instances, terminate-instance-in-auto-scaling-group', async () => {
        const [first = '', second = ''] = s.asgInstances('batch-asg').map((i) => i.instanceId);
        detached = first;
        const [detachedOut, terminated] = await Promise.all([
          s.cli.call<{ Activities: { Description: string; AutoScalingGroupName: string }[] }>(
            'autoscaling',
            'detach-instances',
            { AutoScalingGroupName: 'batch-asg', InstanceIds: [first], ShouldDecrementDesiredCapacity: true },
          ),
          s.cli.call<{ Activity: { Description: string; AutoScalingGroupName: string } }>(
            'autoscaling',
            'terminate-instance-in-auto-scaling-group',
            { InstanceId: second, ShouldDecrementDesiredCapacity: true },
          ),
        ]);
        assert.equal(detachedOut.Activities[0]?.AutoScalingGroupName, 'batch-asg');
        assert.ok(detachedOut.Activities[0]?.Description.includes(first));
        assert.equal(terminated.Activity.AutoScalingGroupName, 'batch-asg');
        assert.ok(terminated.Activity.Description.includes(second));
      });

      it('describe-scaling-activities', async () => {
        const { Activities } = await s.cli.call<{
          Activities: { Description: string; Cause: string; StatusCode: string; StartTime: string }[];
        }>('autoscaling', 'describe-scaling-activities', { AutoScalingGroupName: 'batch-asg' });
        const terminating = Activities.find((a) => a.Description.startsWith('Terminating EC2 instance: '));
        assert.match(
          terminating?.Cause ?? '',
          /^At \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ instance i-[0-9a-f]+ was taken out of service in response to a user request, shrinking the capacity from \d+ to \d+\.$/,
        );
        const first = Activities[Activities.length - 1];
        assert.match(first?.Description ?? '', /^Launching a new EC2 instance: i-/);
        assert.match(
          first?.Cause ?? '',
          /a user request created an AutoScalingGroup changing the desired capacity from 0 to \d+\./,
        );
        assert.equal(first?.StatusCode, 'Successful');
        assert.ok(!Number.isNaN(Date.parse(first?.StartTime ?? '')));
      });

      it('describe-instances, describe-instance-status, describe-tags, terminate-instances', async () => {
        const [instances, status, tags] = await Promise.all([
          s.cli.call<{
            Reservations: { Instances: { InstanceId: string; State: { Name: string }; ImageId: string }[] }[];
          }>('ec2', 'describe-instances', { InstanceIds: [detached] }),
          s.cli.call<{ InstanceStatuses: { InstanceId: string; InstanceState: { Name: string } }[] }>(
            'ec2',
            'describe-instance-status',
            { InstanceIds: [detached] },
          ),
          s.cli.call<{ Tags: { Key: string; Value: string; ResourceType: string }[] }>(
            'ec2',
            'describe-tags',
            {
              Filters: [{ Name: 'resource-id', Values: [detached] }],
            },
          ),
        ]);
        assert.deepEqual(
          instances.Reservations.flatMap((r) => r.Instances).map((i) => [
            i.InstanceId,
            i.State.Name,
            i.ImageId,
          ]),
          [[detached, 'running', 'ami-0aaaaaaaaaaaaaaaa']],
        );
        assert.deepEqual(
          status.InstanceStatuses.map((st) => [st.InstanceId, st.InstanceState.Name]),
          [[detached, 'running']],
        );
        assert.ok(
          tags.Tags.some(
            (tag) => tag.Key === 'team' && tag.Value === 'batch' && tag.ResourceType === 'instance',
          ),
        );
        const terminating = await s.cli.call<{
          TerminatingInstances: {
            InstanceId: string;
            CurrentState: { Name: string };
            PreviousState: { Name: string };
          }[];
        }>('ec2', 'terminate-instances', { InstanceIds: [detached] });
        assert.deepEqual(
          terminating.TerminatingInstances.map((i) => [
            i.InstanceId,
            i.PreviousState.Name,
            i.CurrentState.Name,
          ]),
          [[detached, 'running', 'shutting-down']],
        );
      });

      it('suspend-processes, put-warm-pool, describe-warm-pool, delete-warm-pool, resume-processes', async () => {
        const group = async () =>
          (
            await s.cli.call<{
              AutoScalingGroups: {
                SuspendedProcesses: { ProcessName: string; SuspensionReason: string }[];
                WarmPoolConfiguration?: { MinSize: number; PoolState: string };
              }[];
            }>('autoscaling', 'describe-auto-scaling-groups', { AutoScalingGroupNames: ['batch-asg'] })
          ).AutoScalingGroups[0];
        assert.deepEqual(
          await s.cli.call('autoscaling', 'suspend-processes', {
            AutoScalingGroupName: 'batch-asg',
            ScalingProcesses: ['AZRebalance', 'ReplaceUnhealthy'],
          }),
          {},
        );
        assert.deepEqual(
          await s.cli.call('autoscaling', 'put-warm-pool', {
            AutoScalingGroupName: 'batch-asg',
            MinSize: 1,
            PoolState: 'Hibernated',
          }),
          {},
        );
        const suspendedAndWarm = await group();
        assert.deepEqual(
          suspendedAndWarm?.SuspendedProcesses.map((p) => p.ProcessName),
          ['AZRebalance', 'ReplaceUnhealthy'],
        );
        assert.match(suspendedAndWarm?.SuspendedProcesses[0]?.SuspensionReason ?? '', /^User suspended at /);
        assert.deepEqual(suspendedAndWarm?.WarmPoolConfiguration, { MinSize: 1, PoolState: 'Hibernated' });
        const pool = await s.cli.call<{ WarmPoolConfiguration: unknown; Instances: unknown[] }>(
          'autoscaling',
          'describe-warm-pool',
          { AutoScalingGroupName: 'batch-asg' },
        );
        assert.deepEqual(pool, {
          WarmPoolConfiguration: { MinSize: 1, PoolState: 'Hibernated' },
          Instances: [],
        });
        assert.deepEqual(
          await s.cli.call('autoscaling', 'delete-warm-pool', { AutoScalingGroupName: 'batch-asg' }),
          {},
        );
        assert.deepEqual(
          await s.cli.call('autoscaling', 'resume-processes', { AutoScalingGroupName: 'batch-asg' }),
          {},
        );
        const plain = await group();
        assert.deepEqual(plain?.SuspendedProcesses, []);
        assert.equal(plain?.WarmPoolConfiguration, undefined);
      });

      it('delete-auto-scaling-group', async () => {
        const deleted = await s.cli.call('autoscaling', 'delete-auto-scaling-group', {
          AutoScalingGroupName: 'batch-asg',
          ForceDelete: true,
        });
        assert.deepEqual(deleted, {});
        await until(
          () => s.models().autoscaling.get('batch-asg'),
          (group) => group === undefined,
          'batch-asg to be deleted',
          '1m',
        );
      });
    });
  });

  it('answered exactly the implemented operations of every service, and the server counted the same', async () => {
    const services = [...implementedOperations().keys()].filter((name) => !coveredElsewhere.includes(name));
    assert.ok(services.includes('s3') && services.includes('ec2'));
    assertCliCoverage(services, {
      answered: s.cli.answeredOperations(),
      requestCounts: await s.requestCounts(),
    });
  });
});
