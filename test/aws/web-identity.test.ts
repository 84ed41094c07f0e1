// tier: integration
// Finding B2 of issue 17, in greenlight's own clients: a CircleCI job's OIDC token (one hour) is
// traded once for a session as long as the command can take, so a prod deployment that waits an hour
// in Ready and another before blue is terminated keeps valid credentials to its end. Against the
// local cloud's IAM and STS on a manual clock: the role's trust policy, its MaxSessionDuration and
// the session's expiry on AWS time are the cloud's, as on AWS.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListApplicationsCommand } from '@aws-sdk/client-codedeploy';
import * as iam from '@aws-sdk/client-iam';
import { createAwsClients } from '../../src/aws/clients.js';
import { sessionLengthMs, sessionSecondsFor, webIdentitySession } from '../../src/aws/web-identity.js';
import { credentials, devWorld, startCloud, type TestCloud } from '../support/cloud.js';

const ORG = '0f0e0d0c-0b0a-4909-8807-060504030201';
const PROJECT = '1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d';
const HOUR = 3_600_000;

describe('web identity: one session for the whole command', () => {
  let cloud: TestCloud;
  let dir: string;
  let tokenFile: string;
  const roles: Record<string, string> = {};

  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-web-identity-'));
    const admin = new iam.IAMClient({ endpoint: cloud.lc.url, region: 'us-east-1', credentials });
    const issuer = `oidc.circleci.com/org/${ORG}`;
    const provider = await admin.send(
      new iam.CreateOpenIDConnectProviderCommand({
        Url: `https://${issuer}`,
        ClientIDList: [ORG],
        ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
      }),
    );
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: provider.OpenIDConnectProviderArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${issuer}:aud`]: ORG } },
        },
      ],
    });
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['codedeploy:ListApplications'], Resource: '*' }],
    });
    for (const [name, MaxSessionDuration] of [
      ['deploy-4h', 4 * 3600],
      ['deploy-1h', 3600],
    ] as const) {
      const role = await admin.send(
        new iam.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust, MaxSessionDuration }),
      );
      await admin.send(
        new iam.PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: policy }),
      );
      roles[name] = role.Role?.Arn ?? '';
    }
    admin.destroy();
    tokenFile = join(dir, 'token');
  });

  /** A job starts: CircleCI writes a fresh token (it lives one hour of AWS time). */
  async function jobStarts(): Promise<void> {
    const { token } = await cloud.control.circleCiToken({ orgId: ORG, projectId: PROJECT });
    await writeFile(tokenFile, token);
  }

  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function clientsFor(role: string, sessionMs: number, said: string[]) {
    await jobStarts();
    return createAwsClients(
      {
        webIdentitySessionMs: sessionMs,
        onSession: (text, level) => said.push(`${level}: ${text}`),
      },
      {
        AWS_ENDPOINT_URL: cloud.lc.url,
        AWS_REGION: 'us-east-1',
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: roles[role],
        AWS_ROLE_SESSION_NAME: 'circleci-job',
      },
    );
  }

  const listApplications = async (clients: ReturnType<typeof createAwsClients>) =>
    (await clients.codedeploy()).send(new ListApplicationsCommand({}));

  it("outlives the token's hour when the role allows it: calls two hours in still succeed", async () => {
    const said: string[] = [];
    const clients = await clientsFor('deploy-4h', 4 * HOUR, said);
    try {
      await listApplications(clients);
      await cloud.time?.advance(2 * HOUR);
      const later = await listApplications(clients);
      assert.ok(Array.isArray(later.applications));
      assert.deepEqual(said, [
        `info: web identity: one session of 4 h for this command (role ${roles['deploy-4h']})`,
      ]);
    } finally {
      clients.destroy();
    }
  });

  it('a one-hour session expires under a long wait: the failure B2 describes', async () => {
    const clients = await clientsFor('deploy-4h', HOUR, []);
    try {
      await listApplications(clients);
      await cloud.time?.advance(2 * HOUR);
      await assert.rejects(
        listApplications(clients),
        (e: unknown) => (e as { name?: string }).name === 'ExpiredTokenException',
      );
    } finally {
      clients.destroy();
    }
  });

  it('a role that allows only an hour gets an hour, and the command says what to raise', async () => {
    const said: string[] = [];
    const clients = await clientsFor('deploy-1h', 4 * HOUR, said);
    try {
      await listApplications(clients);
      assert.equal(said.length, 1);
      assert.match(
        said[0] ?? '',
        /^warn: web identity: role .*deploy-1h allows sessions of at most 1 h, and this command may take up to 4 h: .*Raise the role's MaxSessionDuration to 14400/,
      );
    } finally {
      clients.destroy();
    }
  });

  it("asks for the environment's longest deployment or bake, within STS's bounds", () => {
    const minutes = (m: number) => m * 60_000;
    const prod = {
      blueGreen: {
        ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 60 },
        terminateBlue: { action: 'TERMINATE', waitMinutes: 60 },
      },
      timeouts: {},
      bakeMs: minutes(30),
    };
    // 15 + 60 installing, 60 in Ready, 30 rerouting, 60 before blue ends, 15 to spare: 4 h.
    assert.equal(sessionLengthMs(prod), 4 * HOUR);
    assert.equal(sessionSecondsFor(sessionLengthMs(prod)), 4 * 3600);
    const dev = {
      ...prod,
      blueGreen: {
        ready: { action: 'CONTINUE_DEPLOYMENT' },
        terminateBlue: { action: 'TERMINATE', waitMinutes: 5 },
      },
    };
    assert.equal(sessionLengthMs(dev), minutes(125));
    assert.equal(sessionSecondsFor(minutes(10)), 3600, 'never less than the hour the SDK asks for');
    assert.equal(sessionSecondsFor(100 * HOUR), 12 * 3600, "never more than STS's 12 hours");
  });
});

describe('web identity: an STS that never answers', () => {
  it('fails the exchange at its deadline, naming the operation and the role', async () => {
    // Accepts the connection and says nothing: a dead network, not a refusal.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const dir = await mkdtemp(join(tmpdir(), 'greenlight-web-identity-silent-'));
    try {
      const tokenFile = join(dir, 'token');
      await writeFile(tokenFile, 'a.b.c');
      const { port } = silent.address() as AddressInfo;
      const session = webIdentitySession(
        {
          AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
          AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/deploy',
        },
        {
          sessionSeconds: 3600,
          sts: { region: 'us-east-1', endpoint: `http://127.0.0.1:${port}` },
          deadlineMs: 300,
        },
      );
      await assert.rejects(session(), {
        message:
          'STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role/deploy did not answer within 0.3 s',
      });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
