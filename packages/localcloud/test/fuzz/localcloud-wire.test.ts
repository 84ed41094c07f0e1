// tier: integration
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeAwsChunked, MalformedChunkError } from '../../src/protocol/aws-chunked.js';
import { loadServiceModel, type ModelName } from '../../src/protocol/model.js';
import { API_BODY_LIMIT } from '../../src/router.js';
import { startLocalCloud, type RunningLocalCloud } from '../../src/server.js';
import {
  formKeys,
  formValue,
  hasPrototypeKey,
  hostileString,
  isPrototypeName,
  jsonShapeValue,
  listIndex,
} from './hostile-values.js';
import { rawRequest } from './raw-http.js';
import { fuzzRuns } from '../../../../test/fuzz/runs.js';
import {
  checkAnswer,
  checkHeadAnswer,
  formBody,
  percentEncode,
  queryHeaders,
  type Protocol,
} from './wire-checks.js';

// The local cloud's request parsing over real HTTP, fed what no SDK would send: garbage targets,
// content types and bodies, malformed JSON, form keys with holes, negative and huge list indices,
// bodies over the limit, broken aws-chunked framing. Every answer is the protocol's own error shape
// with a 4xx (or a success), never a 5xx, never a dropped or hung connection.

const RUNS = fuzzRuns(20261124, 150);

const jsonServices = [
  { prefix: 'CodeDeploy_20141006', model: loadServiceModel('codedeploy') },
  { prefix: 'GraniteServiceVersion20100801', model: loadServiceModel('cloudwatch') },
];

const queryServices: { signing: string; model: ModelName; flavour: 'query' | 'ec2'; version: string }[] = [
  { signing: 'autoscaling', model: 'autoscaling', flavour: 'query', version: '2011-01-01' },
  { signing: 'elasticloadbalancing', model: 'elbv2', flavour: 'query', version: '2015-12-01' },
  { signing: 'ec2', model: 'ec2', flavour: 'ec2', version: '2016-11-15' },
  { signing: 'monitoring', model: 'cloudwatch', flavour: 'query', version: '2010-08-01' },
];

// Names that are members of Object.prototype have a test of their own (below).
const notPrototypeMember = (name: string): boolean => !isPrototypeName(name.slice(name.indexOf('.') + 1));

/** Header values a client can put on the wire: visible ASCII, spaces and tabs, no line breaks. */
const headerText = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom('', ' ', '\t', 'null', '../../etc/passwd', '%00', '{}'),
);

describe('local cloud request parsing on hostile input', () => {
  let cloud: RunningLocalCloud;

  before(async () => {
    cloud = await startLocalCloud({
      timeScale: 3000,
      world: {
        targetGroups: [{ name: 'fuzz-tg', port: 8000 }],
        autoScalingGroups: [
          { name: 'fuzz-asg', instances: 1, availabilityZones: ['us-east-1a'], targetGroups: ['fuzz-tg'] },
        ],
        alarms: ['fuzz-alarm'],
        buckets: ['fuzz-bucket'],
        applications: ['fuzz-app'],
      },
    });
  });

  after(async () => {
    await cloud.close();
  });

  it('JSON services: any X-Amz-Target, content type and body gets a JSON answer, errors as {__type, message}', async () => {
    const service = fc.constantFrom(...jsonServices);
    const request = service.chain(({ prefix, model }) => {
      const operations = Object.keys(model.operations);
      const target = fc
        .oneof(
          { weight: 4, arbitrary: fc.constantFrom(...operations).map((op) => `${prefix}.${op}`) },
          {
            weight: 1,
            arbitrary: fc.oneof(
              headerText,
              headerText.map((t) => `${prefix}.${t}`),
              fc.constantFrom(`${prefix}.`, `${prefix}`, `.${operations[0] ?? ''}`),
            ),
          },
        )
        .filter(notPrototypeMember);
      const contentType = fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('application/x-amz-json-1.1', 'application/x-amz-json-1.0') },
        {
          weight: 1,
          arbitrary: fc.oneof(
            fc.constant(undefined),
            headerText,
            fc.constantFrom('application/json', 'text/xml', 'application/x-www-form-urlencoded'),
          ),
        },
      );
      const body = fc.oneof(
        {
          weight: 4,
          arbitrary: target.chain((t) => {
            const op = model.operations[t.slice(prefix.length + 1)];
            return (op?.input ? jsonShapeValue(model, op.input) : fc.constant({})).map((v) =>
              Buffer.from(JSON.stringify(v) ?? 'null'),
            );
          }),
        },
        {
          weight: 2,
          arbitrary: fc.oneof(
            fc.json().map((t) => Buffer.from(t)),
            fc.string({ unit: 'binary', maxLength: 60 }).map((t) => Buffer.from(t)),
            fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes)),
            fc.constantFrom('{', '{"a":', '[1,]', 'null', '0', '""', '[]').map((t) => Buffer.from(t)),
            fc.nat({ max: 20000 }).map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth))),
          ),
        },
      );
      return fc.tuple(
        target,
        contentType,
        body.filter((b) => !hasPrototypeKey(b.toString('utf8'))),
      );
    });
    await fc.assert(
      fc.asyncProperty(request, async ([target, contentType, body]) => {
        const headers: [string, string][] = [['X-Amz-Target', target]];
        if (contentType !== undefined) headers.push(['Content-Type', contentType]);
        const response = await rawRequest(cloud.port, { headers, body });
        checkAnswer(
          response,
          'json',
          `target ${target}, type ${contentType}, body ${body.toString('utf8').slice(0, 200)}`,
        );
      }),
      RUNS,
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  });

  it('query services: any Action and form (holes, negative and huge indices, garbage keys) gets an XML answer', async () => {
    const request = fc.constantFrom(...queryServices).chain((service) => {
      const model = loadServiceModel(service.model);
      const operations = Object.keys(model.operations);
      const action = fc
        .oneof(
          { weight: 5, arbitrary: fc.constantFrom(...operations) },
          { weight: 1, arbitrary: fc.oneof(hostileString, fc.constant('')) },
        )
        .filter(notPrototypeMember);
      return action.chain((name) => {
        const op = model.operations[name];
        const keys = op?.input ? formKeys(model, op.input, service.flavour) : [];
        const key =
          keys.length > 0
            ? fc
                .tuple(fc.constantFrom(...keys), fc.array(listIndex, { minLength: 4, maxLength: 4 }))
                .map(([k, indices]) => {
                  let i = 0;
                  return k.replace(/#/g, () => indices[i++ % indices.length] ?? '1');
                })
            : hostileString;
        const pair = fc.tuple(
          fc.oneof({ weight: 5, arbitrary: key }, { weight: 1, arbitrary: hostileString }),
          formValue,
        );
        return fc.record({
          service: fc.constant(service),
          action: fc.constant(name),
          pairs: fc.array(pair, { maxLength: 8 }),
          routing: fc.constantFrom('scope', 'version', 'get'),
          contentType: fc.oneof(
            { weight: 5, arbitrary: fc.constant('application/x-www-form-urlencoded; charset=utf-8') },
            { weight: 1, arbitrary: fc.oneof(fc.constant(''), headerText, fc.constant('application/json')) },
          ),
        });
      });
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ service, action, pairs, routing, contentType }) => {
        const form = formBody([['Action', action], ['Version', service.version], ...pairs]);
        const context = `${service.signing} ${routing} ${contentType}: ${form.slice(0, 300)}`;
        const response =
          routing === 'get'
            ? await rawRequest(cloud.port, {
                method: 'GET',
                path: `/?${form}`,
                headers: queryHeaders(service.signing, ''),
              })
            : await rawRequest(cloud.port, {
                headers:
                  routing === 'scope'
                    ? queryHeaders(service.signing, contentType)
                    : [['Content-Type', 'application/x-www-form-urlencoded']],
                body: form,
              });
        const protocol: Protocol = service.flavour === 'ec2' ? 'ec2' : 'query';
        // A body of another content type does not say which service it is for: any query error shape.
        checkAnswer(response, response.body.includes('<Response><Errors>') ? 'ec2' : protocol, context);
      }),
      RUNS,
    );
  });

  it('refuses bodies over 10 MB with each protocol’s error, declared or streamed', async () => {
    const big = Buffer.alloc(API_BODY_LIMIT + 1024, 0x61);
    const json = await rawRequest(cloud.port, {
      headers: [
        ['X-Amz-Target', 'CodeDeploy_20141006.ListApplications'],
        ['Content-Type', 'application/x-amz-json-1.1'],
      ],
      body: big,
    });
    assert.equal(json.status, 413);
    assert.equal((checkAnswer(json, 'json') as { __type: string }).__type, 'SerializationException');

    const query = await rawRequest(cloud.port, { headers: queryHeaders('autoscaling'), body: big });
    assert.equal(query.status, 413);
    checkAnswer(query, 'query');

    const ec2 = await rawRequest(cloud.port, { headers: queryHeaders('ec2'), body: big });
    assert.equal(ec2.status, 413);
    checkAnswer(ec2, 'ec2');

    // No Content-Length: the limit holds while the body streams in.
    const chunked = Buffer.concat([
      Buffer.from(
        'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n' +
          'X-Amz-Target: CodeDeploy_20141006.ListApplications\r\nContent-Type: application/x-amz-json-1.1\r\n\r\n',
      ),
      Buffer.from(`${big.length.toString(16)}\r\n`),
      big,
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    const streamed = await rawRequest(cloud.port, { raw: chunked });
    assert.equal(streamed.status, 413);
    checkAnswer(streamed, 'json');
  });

  it('S3 PutObject with broken aws-chunked framing is InvalidRequest, never a 5xx; intact framing stores the payload', async () => {
    const payload = fc.uint8Array({ minLength: 0, maxLength: 200 }).map((b) => Buffer.from(b));
    const framing = fc.tuple(
      payload,
      fc.array(fc.nat({ max: 64 }), { maxLength: 6 }),
      fc.nat(),
      fc.constantFrom('none', 'truncate', 'flip', 'size', 'crlf', 'trailer'),
    );
    let key = 0;
    await fc.assert(
      fc.asyncProperty(framing, async ([data, cuts, where, damage]) => {
        const chunks: Buffer[] = [];
        let position = 0;
        for (const cut of cuts) {
          if (position >= data.length) break;
          const size = Math.max(1, cut);
          chunks.push(data.subarray(position, position + size));
          position += size;
        }
        if (position < data.length) chunks.push(data.subarray(position));
        let body = Buffer.concat([
          ...chunks.flatMap((chunk) => [
            Buffer.from(`${chunk.length.toString(16)};chunk-signature=${'0'.repeat(64)}\r\n`),
            chunk,
            Buffer.from('\r\n'),
          ]),
          Buffer.from(`0;chunk-signature=${'0'.repeat(64)}\r\n\r\n`),
        ]);
        const at = body.length === 0 ? 0 : where % body.length;
        if (damage === 'truncate') body = body.subarray(0, at);
        if (damage === 'flip')
          body = Buffer.concat([
            body.subarray(0, at),
            Buffer.from([body[at] === 0x0d ? 0x0a : 0x0d]),
            body.subarray(at + 1),
          ]);
        if (damage === 'size') body = Buffer.concat([Buffer.from('zz\r\n'), body]);
        if (damage === 'crlf') body = Buffer.from(body.toString('latin1').replace(/\r\n/, '\n'), 'latin1');
        if (damage === 'trailer')
          body = Buffer.concat([body, Buffer.from('x-amz-checksum-crc32:AAAAAA==\r\n\r\n')]);
        const path = `/fuzz-bucket/chunked-${key++}.bin`;
        const response = await rawRequest(cloud.port, {
          method: 'PUT',
          path,
          headers: [
            ['Content-Encoding', 'aws-chunked'],
            ['x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'],
            ['x-amz-decoded-content-length', String(data.length)],
          ],
          body,
        });
        checkAnswer(response, 's3', `${damage} at ${at}`);
        if (damage === 'none') {
          assert.equal(response.status, 200, 'intact framing is accepted');
          const stored = await rawRequest(cloud.port, { method: 'GET', path });
          assert.equal(stored.status, 200);
          assert.deepEqual(stored.body, data, 'the stored object is the decoded payload');
        }
      }),
      RUNS,
    );
  });

  it('decodeAwsChunked returns the payload or a MalformedChunkError, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
          fc
            .array(
              fc.oneof(
                fc.constantFrom(
                  '0',
                  'ffffffffffffffff',
                  '1',
                  'a',
                  ';',
                  '\r\n',
                  '\n',
                  'chunk-signature=',
                  ':',
                ),
                fc.string({ maxLength: 4 }),
              ),
              { maxLength: 12 },
            )
            .map((parts) => Buffer.from(parts.join(''), 'latin1')),
        ),
        (body) => {
          try {
            const { payload } = decodeAwsChunked(body);
            assert.ok(payload.length <= body.length);
          } catch (error) {
            assert.ok(
              error instanceof MalformedChunkError,
              `expected MalformedChunkError, got ${String(error)}`,
            );
          }
        },
      ),
      fuzzRuns(20261125, 2000),
    );
  });

  it('S3 paths with any bytes, percent-encoded or not, get an S3 answer, never a 5xx', async () => {
    const segment = fc.oneof(
      hostileString.map(percentEncode),
      fc.constantFrom('%', '%zz', '%E0%A4%A', '%FF', '%C0%AF', '..', '.', '%2F', ''),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE'),
        segment,
        segment,
        async (method, bucket, key) => {
          const response = await rawRequest(cloud.port, {
            method,
            path: `/${bucket}/${key}`,
            body: method === 'PUT' ? 'x' : '',
          });
          const context = `${method} /${bucket}/${key}`;
          if (method === 'HEAD') checkHeadAnswer(response, context);
          else checkAnswer(response, 's3', context);
        },
      ),
      RUNS,
    );
  });

  it('names of Object.prototype members (operations, JSON members, EC2 filter names) are unknown names, never a 500', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const json = await rawRequest(cloud.port, {
        headers: [
          ['X-Amz-Target', `CodeDeploy_20141006.${name}`],
          ['Content-Type', 'application/x-amz-json-1.1'],
        ],
        body: '{}',
      });
      assert.equal(json.status, 400, `X-Amz-Target ${name}`);
      checkAnswer(json, 'json', name);
      const query = await rawRequest(cloud.port, {
        headers: queryHeaders('autoscaling'),
        body: formBody([
          ['Action', name],
          ['Version', '2011-01-01'],
        ]),
      });
      assert.equal(query.status, 400, `Action ${name}`);
      checkAnswer(query, 'query', name);
      const member = await rawRequest(cloud.port, {
        headers: [
          ['X-Amz-Target', 'GraniteServiceVersion20100801.DescribeAlarms'],
          ['Content-Type', 'application/x-amz-json-1.0'],
        ],
        body: `{"${name}":{"a":1}}`,
      });
      checkAnswer(member, 'json', `JSON member ${name}`);
      const filter = await rawRequest(cloud.port, {
        headers: queryHeaders('ec2'),
        body: formBody([
          ['Action', 'DescribeInstances'],
          ['Version', '2016-11-15'],
          ['Filter.1.Name', name],
          ['Filter.1.Value.1', 'x'],
        ]),
      });
      checkAnswer(filter, 'ec2', `EC2 filter ${name}`);
    }
  });

  it('a request that is not HTTP gets 400 Bad Request rather than a dropped connection', async () => {
    for (const raw of [
      'GARBAGE\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: \x01\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
    ]) {
      const response = await rawRequest(cloud.port, { raw: Buffer.from(raw, 'latin1') });
      assert.equal(response.status, 400, JSON.stringify(raw));
    }
  });
});
