// tier: integration
// Bad input to IAM and STS gets AWS's error, never a crash: any Action of theirs with a form of
// hostile keys and values (holes, huge indices, garbage, policy documents that are not JSON, tokens
// that are not JWTs), signed with static keys, with made-up session credentials, or unsigned, gets a
// well-formed awsQuery answer below 500. Property-based (fast-check), with a fixed seed.
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadServiceModel } from '../../src/protocol/model.js';
import { startLocalCloud, type RunningLocalCloud } from '../../src/server.js';
import { formKeys, formValue, hostileString, listIndex } from '../fuzz/hostile-values.js';
import { rawRequest } from '../fuzz/raw-http.js';
import { checkAnswer, formBody } from '../fuzz/wire-checks.js';
import { fuzzRuns } from '../../../../test/fuzz/runs.js';

const SERVICES = [
  { signing: 'iam', version: '2010-05-08' },
  { signing: 'sts', version: '2011-06-15' },
] as const;

/** Values IAM and STS parse further than the protocol does: policy documents and tokens. */
const semanticValue = fc.oneof(
  formValue,
  fc.constantFrom(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    '{"Statement":{}}',
    '[]',
    'null',
    'a.b.c',
    'eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL29pZGMuY2lyY2xlY2kuY29tL29yZy94In0.',
    'arn:aws:iam::123456789012:role/x',
    'arn:aws:iam::aws:policy/service-role/AWSCodeDeployRole',
    'https://oidc.circleci.com/org/0f0e0d0c-0b0a-4909-8807-060504030201',
  ),
);

describe('IAM and STS take hostile input', () => {
  let cloud: RunningLocalCloud;
  before(async () => {
    cloud = await startLocalCloud({ port: 0, clock: 'manual' });
  });
  after(async () => cloud.close());

  it('any Action and form, signed three ways, gets a well-formed answer below 500', async () => {
    const request = fc.constantFrom(...SERVICES).chain((service) => {
      const model = loadServiceModel(service.signing);
      return fc.constantFrom(...Object.keys(model.operations)).chain((action) => {
        const op = model.operations[action];
        const keys = op?.input ? formKeys(model, op.input, 'query') : [];
        const key =
          keys.length > 0
            ? fc.tuple(fc.constantFrom(...keys), listIndex).map(([k, index]) => k.replace(/#/g, index))
            : hostileString;
        return fc.record({
          service: fc.constant(service),
          action: fc.constant(action),
          pairs: fc.array(
            fc.tuple(
              fc.oneof({ weight: 5, arbitrary: key }, { weight: 1, arbitrary: hostileString }),
              semanticValue,
            ),
            { maxLength: 8 },
          ),
          signer: fc.constantFrom('static', 'session', 'unsigned'),
        });
      });
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ service, action, pairs, signer }) => {
        const form = formBody([['Action', action], ['Version', service.version], ...pairs]);
        const headers: [string, string][] = [
          ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
        ];
        if (signer !== 'unsigned') {
          const key = signer === 'session' ? 'ASIAFUZZFUZZFUZZFUZZ' : 'AKIDFUZZ';
          headers.push([
            'Authorization',
            `AWS4-HMAC-SHA256 Credential=${key}/20240101/us-east-1/${service.signing}/aws4_request, SignedHeaders=host, Signature=0`,
          ]);
          if (signer === 'session') headers.push(['X-Amz-Security-Token', 'IQoJfuzz']);
        }
        const response = await rawRequest(cloud.port, { headers, body: form });
        checkAnswer(response, 'query', `${signer} ${form.slice(0, 300)}`);
      }),
      fuzzRuns(20261204, 300),
    );
  });
});
