// tier: integration
// The command line against the local cloud, in-process on its virtual clock: the identity line comes
// first (and is a field of --json), --verbose prints each AWS call, a missing region is an exit-2
// error that says what to set, credentials of another account than the environment's send nothing
// (exit 2), and group plan/apply refuse a group whose ASG does not exist without
// changing anything.
import assert from 'node:assert/strict';
import { GetDeploymentConfigCommand, ListApplicationsCommand } from '@aws-sdk/client-codedeploy';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { NO_REGION } from '../../src/aws/errors.js';
import { sampleEnvironment } from '../config/sample.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

describe('greenlight says which AWS it talks to, and what it refers to', () => {
  let cloud: TestCloud;
  let dir: string;

  before(async () => {
    cloud = await startCloud({ world: devWorld(1) });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-identity-'));
    const { region: _region, ...noRegion } = sampleEnvironment();
    const prod = {
      ...sampleEnvironment(),
      deploymentGroup: 'web-prod',
      autoScalingGroup: 'web-prod-asg',
      deploymentConfig: { name: 'web-most', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 } },
    };
    await writeFile(
      join(dir, 'greenlight.yml'),
      stringify({
        application: 'web',
        environments: {
          dev: sampleEnvironment(),
          prod,
          noregion: noRegion,
          // Its own account, as the README's setup has it: these credentials are the dev account's.
          other: { ...prod, serviceRoleArn: 'arn:aws:iam::210987654321:role/web-prod-codedeploy' },
        },
      }),
    );
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string> = cloud.env) =>
    cliInProcess(args, { env, cwd: dir, clock: cloud.clock });

  it('the first line names account, region, endpoint (not AWS) and credential source', async () => {
    const r = await run(['group', 'plan', '--env', 'dev']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.lines[0],
      `AWS: account 123456789012 (arn:aws:iam::123456789012:user/localcloud) · region us-east-1 · ` +
        `endpoint ${cloud.lc.url} (not AWS) · credentials env (AWS_ACCESS_KEY_ID)`,
    );
    assert.equal(r.lines.filter((line) => line.startsWith('AWS: ')).length, 1, 'once per run');
  });

  it('--json carries it as a field', async () => {
    const r = await run(['group', 'plan', '--env', 'dev', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { events: { aws?: Record<string, unknown> }[] };
    const identity = doc.events.find((e) => e.aws)?.aws;
    assert.deepEqual(
      { ...identity, userId: undefined },
      {
        account: '123456789012',
        arn: 'arn:aws:iam::123456789012:user/localcloud',
        userId: undefined,
        region: 'us-east-1',
        endpoint: cloud.lc.url,
        endpointIsAws: false,
        credentials: 'env (AWS_ACCESS_KEY_ID)',
      },
    );
  });

  it('--verbose prints each AWS call with its resource and answer', async () => {
    const r = await run(['group', 'plan', '--env', 'dev', '--verbose']);
    assert.equal(r.code, 0, r.stderr);
    const calls = r.lines.filter((line) => line.startsWith('aws '));
    const shown = calls.map((line) => line.replace(/ \(\d.*\)$/, ''));
    for (const expected of [
      'aws sts GetCallerIdentity → 200',
      'aws codedeploy GetApplication web → 400 ApplicationDoesNotExistException',
      'aws codedeploy GetDeploymentGroup web/web-dev → 400 ApplicationDoesNotExistException',
      'aws autoscaling DescribeAutoScalingGroups web-dev-asg → 200',
      'aws elasticloadbalancing DescribeTargetGroups web-dev-tg → 200',
      'aws cloudwatch DescribeAlarms web-dev-5xx → 200',
      'aws codedeploy GetDeploymentConfig CodeDeployDefault.AllAtOnce → 200',
    ])
      assert.ok(shown.includes(expected), `${expected} in:\n${calls.join('\n')}`);
    assert.ok(
      r.lines.indexOf(calls.find((c) => c.includes('GetApplication')) ?? '') >
        r.lines.findIndex((l) => l.startsWith('AWS: ')),
    );
  });

  it('no region anywhere: exit 2 and what to set', async () => {
    const { AWS_REGION: _region, ...env } = cloud.env;
    const r = await run(['group', 'plan', '--env', 'noregion'], env);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.lines.includes(`error: ${NO_REGION}`), r.stderr);
    assert.doesNotMatch(r.stderr, /Region is missing/);
    const flagged = await run(['group', 'plan', '--env', 'noregion', '--region', 'us-east-1'], env);
    assert.equal(flagged.code, 0, flagged.stderr);
  });

  it("an environment of another account: exit 2 before any call but STS's, naming both accounts", async () => {
    for (const command of [
      ['group', 'apply', '--env', 'other', '--verbose'],
      ['deploy', '--env', 'other', '--revision', 'a'.repeat(40), '--verbose'],
      ['rollback', '--env', 'other', '--verbose'],
    ]) {
      const r = await run(command);
      assert.equal(r.code, 2, `${command.join(' ')}: ${r.stderr}`);
      assert.ok(
        r.lines.includes(
          "error: these credentials are account 123456789012's (arn:aws:iam::123456789012:user/localcloud), but environment other (its serviceRoleArn) is in account 210987654321: nothing was sent; use that account's credentials (the job's context, the profile, the role to assume)",
        ),
        `${command.join(' ')}: ${r.stderr}`,
      );
      const calls = r.lines.filter((line) => line.startsWith('aws '));
      assert.deepEqual(
        calls.map((line) => line.replace(/ \(\d.*\)$/, '')),
        ['aws sts GetCallerIdentity → 200'],
        `${command.join(' ')}: no call but STS's`,
      );
    }
    const codedeploy = await cloud.aws.codedeploy();
    assert.deepEqual((await codedeploy.send(new ListApplicationsCommand({}))).applications ?? [], []);
  });

  it('group plan names the missing ASG and exits 2; apply then changes nothing', async () => {
    const plan = await run(['group', 'plan', '--env', 'prod']);
    assert.equal(plan.code, 2, plan.stderr);
    assert.ok(plan.lines.includes('  ✗ Auto Scaling group web-prod-asg: does not exist'), plan.stderr);
    assert.ok(plan.lines.includes('  ✓ target group web-dev-tg'), plan.stderr);
    assert.ok(
      plan.lines.some((l) =>
        l.startsWith('  ? service role arn:aws:iam::123456789012:role/web-codedeploy: not checked'),
      ),
      plan.stderr,
    );
    assert.match(
      plan.stderr,
      /error: deployment group web\/web-prod refers to what does not exist: Auto Scaling group web-prod-asg;/,
    );

    const apply = await run(['group', 'apply', '--env', 'prod']);
    assert.equal(apply.code, 2, apply.stderr);
    assert.match(apply.stderr, /nothing was changed/);
    const codedeploy = await cloud.aws.codedeploy();
    assert.deepEqual((await codedeploy.send(new ListApplicationsCommand({}))).applications ?? [], []);
    await assert.rejects(
      codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'web-most' })),
      {
        name: 'DeploymentConfigDoesNotExistException',
      },
    );
  });
});
