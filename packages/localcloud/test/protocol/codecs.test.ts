// tier: unit
// The model-driven codecs, directly: form decoding, XML rendering, JSON decoding, aws-chunked.
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { describe, it } from 'node:test';
import { decodeAwsChunked } from '../../src/protocol/aws-chunked.js';
import { createFormDecoder } from '../../src/protocol/form.js';
import { decodeJsonValue } from '../../src/protocol/json.js';
import { loadServiceModel } from '../../src/protocol/model.js';
import { createQueryCodec } from '../../src/protocol/query.js';
import { createXmlRenderer, escapeXml } from '../../src/protocol/xml.js';
import { AwsApiError } from '../../src/service.js';

const autoscaling = loadServiceModel('autoscaling');
const ec2 = loadServiceModel('ec2');
const elbv2 = loadServiceModel('elbv2');

const params = (text: string) => [...new URLSearchParams(text)];

describe('awsQuery form decoding', () => {
  const decoder = createFormDecoder(autoscaling, 'query', 'ValidationError');
  const input = autoscaling.operations.DescribeAutoScalingGroups!.input;

  it('reads .member.N lists, nested structures and integers', () => {
    const decoded = decoder.decode(
      input,
      params(
        'AutoScalingGroupNames.member.2=b&AutoScalingGroupNames.member.1=a&MaxRecords=10&Filters.member.1.Name=tag%3Aenv&Filters.member.1.Values.member.1=dev',
      ),
    );
    assert.deepEqual(decoded, {
      AutoScalingGroupNames: ['a', 'b'],
      MaxRecords: 10,
      Filters: [{ Name: 'tag:env', Values: ['dev'] }],
    });
  });

  it('reads `Name=` as an empty list', () => {
    assert.deepEqual(decoder.decode(input, params('AutoScalingGroupNames=')), { AutoScalingGroupNames: [] });
  });

  it('reads booleans and maps, and rejects values of the wrong type', () => {
    const del = autoscaling.operations.DeleteAutoScalingGroup!.input;
    assert.deepEqual(decoder.decode(del, params('AutoScalingGroupName=x&ForceDelete=true')), {
      AutoScalingGroupName: 'x',
      ForceDelete: true,
    });
    assert.throws(
      () => decoder.decode(del, params('AutoScalingGroupName=x&ForceDelete=yes')),
      (error: unknown) =>
        error instanceof AwsApiError && error.code === 'ValidationError' && /ForceDelete/.test(error.message),
    );
    assert.throws(() => decoder.decode(input, params('MaxRecords=1.5')), /expected an integer/);
  });
});

describe('ec2 form decoding', () => {
  const decoder = createFormDecoder(ec2, 'ec2', 'InvalidParameterValue');
  it('reads flattened lists by capitalised locationName', () => {
    const decoded = decoder.decode(
      ec2.operations.DescribeInstances!.input,
      params(
        'InstanceId.1=i-a&InstanceId.2=i-b&Filter.1.Name=instance-state-name&Filter.1.Value.1=running&Filter.1.Value.2=pending&DryRun=false',
      ),
    );
    assert.deepEqual(decoded, {
      InstanceIds: ['i-a', 'i-b'],
      Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }],
      DryRun: false,
    });
  });
});

describe('XML rendering', () => {
  const renderer = createXmlRenderer(elbv2);
  it('escapes text, renders empty lists as <Name/> and lists as <member>', () => {
    const xml = renderer.members(elbv2.operations.DescribeTargetGroups!.output!, {
      TargetGroups: [{ TargetGroupName: 'a<b&c', LoadBalancerArns: [], Port: 80, HealthCheckEnabled: true }],
    });
    assert.equal(
      xml,
      '<TargetGroups><member><TargetGroupName>a&lt;b&amp;c</TargetGroupName><Port>80</Port><HealthCheckEnabled>true</HealthCheckEnabled><LoadBalancerArns/></member></TargetGroups>',
    );
  });
});

describe('characters XML cannot carry', () => {
  it('never go out: escapeXml turns them into U+FFFD and keeps tab, LF, CR and astral characters', () => {
    assert.equal(escapeXml('a\x01b\x1fc\ufffe\uffff\ud800'), 'a\ufffdb\ufffdc\ufffd\ufffd\ufffd');
    assert.equal(escapeXml('\t\n\r<&>😀'), '\t\n&#13;&lt;&amp;&gt;😀');
  });

  it('are refused on the way in with the service’s validation error, naming the parameter', () => {
    const request = (body: string) => ({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(body),
      search: '',
    });
    for (const [codec, code] of [
      [createQueryCodec({ model: autoscaling, flavour: 'query' }), 'ValidationError'],
      [createQueryCodec({ model: ec2, flavour: 'ec2' }), 'InvalidParameterValue'],
    ] as const) {
      assert.throws(
        () => codec.parseEnvelope(request('Action=DescribeTags&Version=x&Tag.1=a%1Bb')),
        (error: unknown) =>
          error instanceof AwsApiError &&
          error.code === code &&
          error.message ===
            'The parameter Tag.1 contains the character U+001B, which is not valid in this API',
      );
      assert.throws(() => codec.parseEnvelope(request('Action=x%EF%BF%BF')), /U\+FFFF/);
      assert.equal(
        codec.parseEnvelope(request('Action=DescribeTags&V=%09%0A%0D')).operationName,
        'DescribeTags',
      );
    }
  });
});

describe('JSON decoding', () => {
  const codedeploy = loadServiceModel('codedeploy');
  it('turns epoch-second timestamps into Dates and rejects wrong types with SerializationException', () => {
    const input = codedeploy.operations.ListDeployments!.input!;
    const decoded = decodeJsonValue(
      codedeploy,
      input,
      { createTimeRange: { start: 1700000000.5 }, unknownMember: 1 },
      'ListDeployments',
    ) as {
      createTimeRange: { start: Date };
    };
    assert.equal(decoded.createTimeRange.start.getTime(), 1700000000500);
    assert.deepEqual(Object.keys(decoded), ['createTimeRange']);
    assert.throws(
      () => decodeJsonValue(codedeploy, input, { includeOnlyStatuses: 'Failed' }, 'ListDeployments'),
      (error: unknown) =>
        error instanceof AwsApiError &&
        error.code === 'SerializationException' &&
        error.message === 'ListDeployments.includeOnlyStatuses: expected an array, got a string',
    );
  });

  it('takes names of Object.prototype members for unknown members, and for ordinary map keys', () => {
    const list = codedeploy.operations.ListDeploymentTargets!.input!;
    const decoded = decodeJsonValue(
      codedeploy,
      list,
      JSON.parse(
        '{"__proto__": {"deploymentId": "polluted"}, "constructor": 1, "toString": "x", "deploymentId": "d-1", "targetFilters": {"__proto__": ["Blue"]}}',
      ),
      'ListDeploymentTargets',
    ) as { deploymentId: string; targetFilters: Record<string, string[]> };
    assert.deepEqual(Object.keys(decoded), ['deploymentId', 'targetFilters']);
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype, 'the input’s prototype is untouched');
    assert.deepEqual(Object.entries(decoded.targetFilters), [['__proto__', ['Blue']]]);
  });
});

describe('aws-chunked', () => {
  it('decodes signed chunks and unsigned chunks with trailing checksums', () => {
    const signed = Buffer.from(
      '5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=000\r\n\r\n',
    );
    assert.equal(decodeAwsChunked(signed).payload.toString(), 'hello world');
    const digest = Buffer.alloc(4);
    digest.writeUInt32BE(crc32(Buffer.from('hello')) >>> 0);
    const trailer = Buffer.from(
      `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${digest.toString('base64')}\r\n\r\n`,
    );
    const decoded = decodeAwsChunked(trailer);
    assert.equal(decoded.payload.toString(), 'hello');
    assert.equal(decoded.trailers.get('x-amz-checksum-crc32'), digest.toString('base64'));
    assert.throws(() => decodeAwsChunked(Buffer.from('zz\r\nhello')), /invalid chunk size/);
  });
});
