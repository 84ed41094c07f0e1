// tier: integration
// Finding B2 on an accelerated cloud: AWS time, timestamps included, runs 3600 times faster than the
// wall, so a CircleCI OIDC token (one hour) and the deploy role's session (MaxSessionDuration 3600)
// expire after one wall second, and the real SDK gets ExpiredToken, as a long prod deployment would.
// The cloud's wall is the test's own, moved by hand: nothing depends on how fast the machine is.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as cd from '@aws-sdk/client-codedeploy';
import * as iam from '@aws-sdk/client-iam';
import * as sts from '@aws-sdk/client-sts';
import { controlClient } from '../../src/control-client.js';
import { greenlightClock } from '../../src/server.js';
import { caught, clientConfig, startTestCloud, type TestCloud } from '../harness.js';
import { HandWall } from '../hand-wall.js';

const ACCOUNT = '123456789012';
const ORG = '0f0e0d0c-0b0a-4909-8807-060504030201';
const PROJECT = '1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d';
const ISSUER_HOST = `oidc.circleci.com/org/${ORG}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/web-prod-circleci-deploy`;
const SCALE = 3600;
const START = Date.parse('2031-01-01T00:00:00Z');
const WALL = Date.parse('2026-12-05T10:00:00Z');

describe('an accelerated cloud: tokens and sessions expire after an hour of its time', () => {
  let t: TestCloud;
  const wall = new HandWall(WALL);
  let adminIam: iam.IAMClient;
  let anonymousSts: sts.STSClient;
  const control = () => controlClient(t.lc.url);
  const assume = (token: string) =>
    anonymousSts.send(
      new sts.AssumeRoleWithWebIdentityCommand({
        RoleArn: ROLE,
        RoleSessionName: 'circleci-job-7',
        WebIdentityToken: token,
        DurationSeconds: 3600,
      }),
    );

  before(async () => {
    t = await startTestCloud({ clock: { accelerated: { start: START, wall } }, timeScale: SCALE });
    adminIam = new iam.IAMClient(clientConfig(t.lc.url));
    anonymousSts = new sts.STSClient({ endpoint: t.lc.url, region: 'us-east-1', maxAttempts: 1 });
    await adminIam.send(
      new iam.CreateOpenIDConnectProviderCommand({
        Url: `https://${ISSUER_HOST}`,
        ClientIDList: [ORG],
        ThumbprintList: [],
      }),
    );
    await adminIam.send(
      new iam.CreateRoleCommand({
        RoleName: 'web-prod-circleci-deploy',
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER_HOST}` },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { [`${ISSUER_HOST}:aud`]: ORG } },
            },
          ],
        }),
      }),
    );
    await adminIam.send(
      new iam.PutRolePolicyCommand({
        RoleName: 'web-prod-circleci-deploy',
        PolicyName: 'list',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'codedeploy:ListApplications', Resource: '*' }],
        }),
      }),
    );
  });
  after(async () => {
    adminIam.destroy();
    anonymousSts.destroy();
    await t.close();
  });

  it('reports its mode, scale, anchors and the GREENLIGHT_CLOCK value through the control API', async () => {
    const clock = await control().clock();
    assert.equal(clock.mode, 'accelerated');
    assert.equal(clock.timeScale, SCALE);
    assert.deepEqual(clock.anchors, { virtualMs: START, wallMs: WALL });
    assert.equal(clock.greenlightClock, `accelerated:${SCALE}:${START}:${WALL}`);
    assert.equal(await control().greenlightClock(), clock.greenlightClock);
    assert.equal(greenlightClock(t.lc), clock.greenlightClock);
    // An accelerated clock runs on its own: advancing it is refused, naming its mode.
    const refused = await caught(() => control().advance(1000));
    assert.match(refused.message, /409 .*the clock is accelerated wall time and runs on its own/);
  });

  it('has no GREENLIGHT_CLOCK on a manual or scaled clock, and says so', async () => {
    for (const options of [{ clock: 'manual' as const }, { timeScale: 60 }]) {
      const other = await startTestCloud(options);
      try {
        const mode = options.timeScale ? 'scaled' : 'manual';
        await assert.rejects(
          controlClient(other.lc.url).greenlightClock(),
          new RegExp(`runs a ${mode} clock; GREENLIGHT_CLOCK needs one started with an accelerated clock`),
        );
        assert.throws(
          () => greenlightClock(other.lc),
          /GREENLIGHT_CLOCK is for a local cloud on an accelerated clock/,
        );
      } finally {
        await other.close();
      }
    }
  });

  it('a token minted now is refused once an hour of virtual time (one wall second) has passed', async () => {
    const minted = await control().circleCiToken({ orgId: ORG, projectId: PROJECT });
    const iat = minted.claims.iat as number;
    assert.equal(minted.claims.exp, iat + 3600);
    assert.equal(iat * 1000, t.lc.acceleratedClock?.nowMs());
    wall.ms += 999; // 59 min 56.4 s of AWS time later: still valid
    const answer = await assume(minted.token);
    assert.ok(answer.Credentials?.SessionToken);
    wall.ms += 1; // an hour
    const expired = await caught(() => assume(minted.token));
    assert.equal(expired.name, 'ExpiredTokenException');
    assert.match(expired.message, /Token expired/);
  });

  it('an assumed-role session works for an hour of virtual time, then every call gets ExpiredToken', async () => {
    const minted = await control().circleCiToken({ orgId: ORG, projectId: PROJECT });
    const answer = await assume(minted.token);
    const expiration = answer.Credentials!.Expiration!;
    assert.equal(expiration.getTime(), t.lc.acceleratedClock!.nowMs() + 3_600_000);
    const codedeploy = new cd.CodeDeployClient({
      ...clientConfig(t.lc.url),
      maxAttempts: 1,
      credentials: {
        accessKeyId: answer.Credentials!.AccessKeyId!,
        secretAccessKey: answer.Credentials!.SecretAccessKey!,
        sessionToken: answer.Credentials!.SessionToken!,
      },
    });
    try {
      await codedeploy.send(new cd.ListApplicationsCommand({}));
      wall.ms += 500; // half an hour of a prod deployment's Ready wait
      await codedeploy.send(new cd.ListApplicationsCommand({}));
      wall.ms += 500; // the session's hour is up, the 60-minute termination wait is not
      const expired = await caught(() => codedeploy.send(new cd.ListApplicationsCommand({})));
      assert.equal(expired.name, 'ExpiredTokenException');
      assert.match(expired.message, /The security token included in the request is expired/);
    } finally {
      codedeploy.destroy();
    }
  });
});
