// tier: integration
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadServiceModel } from '../../src/protocol/model.js';
import { startLocalCloud, type RunningLocalCloud } from '../../src/server.js';
import {
  controlCharacter,
  formKeys,
  formValue,
  jsonShapeValue,
  listIndex,
  xmlBreaking,
} from './hostile-values.js';
import { rawRequest } from './raw-http.js';
import { fuzzRuns } from '../../../../test/fuzz/runs.js';
import { findAll, textOf, type XmlElement } from './strict-xml.js';
import { checkAnswer, firstText, formBody, percentEncode, queryHeaders } from './wire-checks.js';

// Strings that break XML and JSON, stored through one operation and read back through another, in
// every protocol: the answer parses (strictly) and gives back exactly what was stored, or the store
// was refused with a 4xx in the protocol's error shape. And a refused create leaves nothing behind.

const RUNS = fuzzRuns(20261126, 100);

describe('local cloud: hostile strings round-trip, refused creates leave nothing', () => {
  let cloud: RunningLocalCloud;
  let serial = 0;
  const unique = (prefix: string) => `${prefix}-${serial++}`;

  before(async () => {
    cloud = await startLocalCloud({
      timeScale: 3000,
      world: {
        launchTemplates: [{ name: 'fuzz-lt' }],
        targetGroups: [{ name: 'fuzz-tg', port: 8000 }],
        autoScalingGroups: [
          { name: 'fuzz-asg', instances: 1, availabilityZones: ['us-east-1a'], launchTemplate: 'fuzz-lt' },
        ],
        buckets: ['fuzz-bucket'],
        applications: ['fuzz-app'],
      },
    });
  });

  after(async () => {
    await cloud.close();
  });

  const query = (service: string, pairs: [string, string][]) =>
    rawRequest(cloud.port, { headers: queryHeaders(service), body: formBody(pairs) });
  const json = (target: string, body: unknown, version = '1.1') =>
    rawRequest(cloud.port, {
      headers: [
        ['X-Amz-Target', target],
        ['Content-Type', `application/x-amz-json-${version}`],
      ],
      body: JSON.stringify(body),
    });

  /** Each echo stores `value` and reads it back; undefined when the store was refused (a 4xx). */
  const echoes: Record<string, (value: string) => Promise<string | undefined>> = {
    'CloudWatch query: AlarmDescription': async (value) => {
      const name = unique('fuzz-alarm');
      const put = await query('monitoring', [
        ['Action', 'PutMetricAlarm'],
        ['Version', '2010-08-01'],
        ['AlarmName', name],
        ['AlarmDescription', value],
        ['MetricName', 'Errors'],
        ['Namespace', 'Fuzz'],
        ['Statistic', 'Sum'],
        ['Period', '60'],
        ['EvaluationPeriods', '1'],
        ['Threshold', '1'],
        ['ComparisonOperator', 'GreaterThanThreshold'],
      ]);
      checkAnswer(put, 'query');
      if (put.status !== 200) return undefined;
      const read = await query('monitoring', [
        ['Action', 'DescribeAlarms'],
        ['Version', '2010-08-01'],
        ['AlarmNames.member.1', name],
      ]);
      const xml = checkAnswer(read, 'query') as XmlElement;
      return firstText(xml, 'AlarmDescription');
    },
    'CloudWatch JSON: StateReason': async (value) => {
      const name = unique('fuzz-alarm');
      const put = await json(
        'GraniteServiceVersion20100801.PutMetricAlarm',
        {
          AlarmName: name,
          MetricName: 'Errors',
          Namespace: 'Fuzz',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
          // Alarms evaluate themselves every AWS minute (20 ms at this time scale): with no datapoints
          // and `ignore`, each evaluation keeps the state SetAlarmState gave it.
          TreatMissingData: 'ignore',
        },
        '1.0',
      );
      assert.equal(put.status, 200, put.body.toString());
      const set = await json(
        'GraniteServiceVersion20100801.SetAlarmState',
        { AlarmName: name, StateValue: 'ALARM', StateReason: value },
        '1.0',
      );
      checkAnswer(set, 'json');
      if (set.status !== 200) return undefined;
      const read = await json('GraniteServiceVersion20100801.DescribeAlarms', { AlarmNames: [name] }, '1.0');
      const body = checkAnswer(read, 'json') as { MetricAlarms?: { StateReason?: string }[] };
      return body.MetricAlarms?.[0]?.StateReason;
    },
    'Auto Scaling query: tag value': async (value) => {
      const name = unique('fuzz-asg');
      const create = await query('autoscaling', [
        ['Action', 'CreateAutoScalingGroup'],
        ['Version', '2011-01-01'],
        ['AutoScalingGroupName', name],
        ['LaunchTemplate.LaunchTemplateName', 'fuzz-lt'],
        ['MinSize', '0'],
        ['MaxSize', '0'],
        ['AvailabilityZones.member.1', 'us-east-1a'],
        ['Tags.member.1.Key', 'fuzz'],
        ['Tags.member.1.Value', value],
        ['Tags.member.1.PropagateAtLaunch', 'false'],
      ]);
      checkAnswer(create, 'query');
      if (create.status !== 200) return undefined;
      const read = await query('autoscaling', [
        ['Action', 'DescribeAutoScalingGroups'],
        ['Version', '2011-01-01'],
        ['AutoScalingGroupNames.member.1', name],
      ]);
      const xml = checkAnswer(read, 'query') as XmlElement;
      const tags = findAll(xml, 'Tags').flatMap((t) => findAll(t, 'member'));
      const tag = tags.find((t) => firstText(t, 'Key') === 'fuzz');
      await query('autoscaling', [
        ['Action', 'DeleteAutoScalingGroup'],
        ['Version', '2011-01-01'],
        ['AutoScalingGroupName', name],
        ['ForceDelete', 'true'],
      ]);
      return tag ? firstText(tag, 'Value') : undefined;
    },
    'CodeDeploy JSON: tag value': async (value) => {
      const name = unique('fuzz-app');
      const create = await json('CodeDeploy_20141006.CreateApplication', {
        applicationName: name,
        tags: [{ Key: 'fuzz', Value: value }],
      });
      checkAnswer(create, 'json');
      if (create.status !== 200) return undefined;
      const read = await json('CodeDeploy_20141006.ListTagsForResource', {
        ResourceArn: `arn:aws:codedeploy:us-east-1:123456789012:application:${name}`,
      });
      const body = checkAnswer(read, 'json') as { Tags?: { Key?: string; Value?: string }[] };
      return body.Tags?.find((t) => t.Key === 'fuzz')?.Value;
    },
    'S3 REST: object key in ListObjectsV2': async (value) => {
      const folder = `${unique('k')}/`;
      const put = await rawRequest(cloud.port, {
        method: 'PUT',
        path: `/fuzz-bucket/${percentEncode(folder + value)}`,
        body: 'x',
      });
      checkAnswer(put, 's3');
      if (put.status !== 200) return undefined;
      const list = await rawRequest(cloud.port, {
        method: 'GET',
        path: `/fuzz-bucket?list-type=2&prefix=${percentEncode(folder)}`,
      });
      const xml = checkAnswer(list, 's3') as XmlElement;
      const keys = findAll(xml, 'Contents').map((c) => firstText(c, 'Key') ?? '');
      assert.equal(keys.length, 1, `one object under the prefix: ${JSON.stringify(keys)}`);
      return keys[0]?.slice(folder.length);
    },
  };

  for (const [name, echo] of Object.entries(echoes)) {
    it(`${name}: XML-breaking text is stored and read back exactly`, async () => {
      let stored = 0;
      await fc.assert(
        fc.asyncProperty(xmlBreaking, async (value) => {
          const read = await echo(value);
          if (read === undefined) return;
          stored++;
          assert.equal(read, value);
        }),
        RUNS,
      );
      assert.ok(stored > 0, 'at least some values were accepted, or the property says nothing');
    });
  }

  it('characters XML 1.0 cannot carry are refused on the way in, never written into a response', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(echoes).filter((n) => !n.includes('JSON'))),
        xmlBreaking,
        controlCharacter,
        async (name, text, control) => {
          const value = `${text}${control}`;
          const read = await (echoes[name] as (v: string) => Promise<string | undefined>)(value);
          if (read !== undefined) assert.equal(read, value);
          // Error messages that quote the input are responses too.
          checkAnswer(
            await query('autoscaling', [
              ['Action', value],
              ['Version', '2011-01-01'],
            ]),
            'query',
          );
          checkAnswer(
            await query('ec2', [
              ['Action', 'DescribeInstances'],
              ['Version', '2016-11-15'],
              ['InstanceId.1', value],
            ]),
            'ec2',
          );
        },
      ),
      RUNS,
    );
  });

  it('a refused CreateDeploymentGroup leaves no group', async () => {
    const model = loadServiceModel('codedeploy');
    const input = model.operations.CreateDeploymentGroup?.input;
    assert.ok(input);
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(jsonShapeValue(model, input), async (random) => {
        const name = unique('fuzz-group');
        const body = {
          ...(typeof random === 'object' && random !== null && !Array.isArray(random) ? random : {}),
          applicationName: 'fuzz-app',
          deploymentGroupName: name,
        };
        const create = await json('CodeDeploy_20141006.CreateDeploymentGroup', body);
        checkAnswer(create, 'json', JSON.stringify(body).slice(0, 400));
        const read = await json('CodeDeploy_20141006.GetDeploymentGroup', {
          applicationName: 'fuzz-app',
          deploymentGroupName: name,
        });
        const answer = checkAnswer(read, 'json') as { __type?: string };
        if (create.status === 200) assert.equal(read.status, 200, 'a created group exists');
        else {
          refused++;
          assert.equal(
            answer.__type,
            'DeploymentGroupDoesNotExistException',
            `refused ${create.body.toString()} yet left ${read.body.toString().slice(0, 300)}`,
          );
        }
      }),
      RUNS,
    );
    assert.ok(refused > 0);
  });

  it('a refused CreateAutoScalingGroup, CreateTargetGroup or PutMetricAlarm leaves nothing', async () => {
    const cases = [
      {
        service: 'autoscaling',
        model: loadServiceModel('autoscaling'),
        create: 'CreateAutoScalingGroup',
        nameKey: 'AutoScalingGroupName',
        version: '2011-01-01',
        exists: async (name: string) => {
          const r = await query('autoscaling', [
            ['Action', 'DescribeAutoScalingGroups'],
            ['Version', '2011-01-01'],
            ['AutoScalingGroupNames.member.1', name],
          ]);
          return findAll(checkAnswer(r, 'query') as XmlElement, 'AutoScalingGroupName').length > 0;
        },
      },
      {
        service: 'elasticloadbalancing',
        model: loadServiceModel('elbv2'),
        create: 'CreateTargetGroup',
        nameKey: 'Name',
        version: '2015-12-01',
        exists: async (name: string) => {
          const r = await query('elasticloadbalancing', [
            ['Action', 'DescribeTargetGroups'],
            ['Version', '2015-12-01'],
            ['Names.member.1', name],
          ]);
          checkAnswer(r, 'query');
          return (
            r.status === 200 && findAll(checkAnswer(r, 'query') as XmlElement, 'TargetGroupName').length > 0
          );
        },
      },
      {
        service: 'monitoring',
        model: loadServiceModel('cloudwatch'),
        create: 'PutMetricAlarm',
        nameKey: 'AlarmName',
        version: '2010-08-01',
        exists: async (name: string) => {
          const r = await query('monitoring', [
            ['Action', 'DescribeAlarms'],
            ['Version', '2010-08-01'],
            ['AlarmNames.member.1', name],
          ]);
          return findAll(checkAnswer(r, 'query') as XmlElement, 'AlarmName').length > 0;
        },
      },
    ];
    const request = fc.constantFrom(...cases).chain((c) => {
      const input = c.model.operations[c.create]?.input;
      const keys = input ? formKeys(c.model, input, 'query').filter((k) => k !== c.nameKey) : [];
      const pair = fc.tuple(
        fc.tuple(fc.constantFrom(...keys), listIndex).map(([k, i]) => k.replace(/#/g, i)),
        formValue,
      );
      return fc.tuple(fc.constant(c), fc.array(pair, { maxLength: 10 }));
    });
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(request, async ([c, pairs]) => {
        const name = unique('fuzz-made');
        const create = await query(c.service, [
          ['Action', c.create],
          ['Version', c.version],
          [c.nameKey, name],
          ...pairs,
        ]);
        checkAnswer(create, 'query', JSON.stringify(pairs));
        const exists = await c.exists(name);
        if (create.status === 200) assert.ok(exists, `${c.create} succeeded, so ${name} exists`);
        else {
          refused++;
          assert.ok(
            !exists,
            `${c.create} was refused (${textOf(checkAnswer(create, 'query') as XmlElement)}) yet ${name} exists; pairs ${JSON.stringify(pairs)}`,
          );
        }
      }),
      RUNS,
    );
    assert.ok(refused > 0);
  });
});
