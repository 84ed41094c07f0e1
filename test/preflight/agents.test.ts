// tier: integration
// preflight's agents check against the local cloud (in process, its manual clock): with SSM
// (diagnostics.fetchLogs) every instance of the current Auto Scaling group must answer it — one whose
// SSM Agent was stopped fails the check, names the instance, says what to do, and `deploy` creates
// nothing; without SSM the group's history decides — an instance whose lifecycle event never reached
// its agent is named.
import assert from 'node:assert/strict';
import { CreateDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { sampleEnvironment } from '../config/sample.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

describe('greenlight preflight: live agents', () => {
  let cloud: TestCloud;
  let dir: string;

  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-preflight-agents-'));
    const dev = { ...sampleEnvironment(), autoRollback: [] };
    // Preflight is asked of an S3 revision: a GitHub commit would be looked up with git, a process.
    const s3 = { ...dev, revision: { s3: { bucket: 'web-revisions', prefix: 'web/' } } };
    await writeFile(
      join(dir, 'greenlight.yml'),
      stringify({
        application: 'web',
        environments: { dev, history: s3, ssm: { ...s3, diagnostics: { fetchLogs: true } } },
      }),
    );
    const s3Client = await cloud.aws.s3();
    await s3Client.send(new PutObjectCommand({ Bucket: 'web-revisions', Key: 'web/app.zip', Body: 'PK' }));
    const applied = await run(['group', 'apply', '--env', 'dev']);
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(args: string[]) {
    const r = await cliInProcess(args, { env: cloud.env, cwd: dir, clock: cloud.clock });
    return { ...r, lines: r.lines.map((line) => line.replace(/^error: /, '')) };
  }
  const BUNDLE = 's3://web-revisions/web/app.zip';
  const agentsLine = (lines: readonly string[]) => lines.find((l) => /^[✓✗-] agents /.test(l));
  const instances = () =>
    cloud.lc.cloud
      .region('us-east-1')
      .autoscaling.get('web-dev-asg')
      ?.instances.map((i) => i.instanceId) ?? [];

  it('with SSM: passes when every instance answers; an SSM Agent stopped fails it, named, and deploy creates nothing', async () => {
    const ok = await run(['preflight', '--env', 'ssm', '--revision', BUNDLE]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(
      agentsLine(ok.lines),
      '✓ agents                 all 2 instances of web-dev-asg answer SSM (PingStatus Online)',
    );

    const [stopped] = instances();
    await cloud.control.ssmAgent('stopped', [stopped as string]);
    try {
      const r = await run(['preflight', '--env', 'ssm', '--revision', BUNDLE]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        agentsLine(r.lines),
        `✗ agents                 1 of 2 instances of web-dev-asg have no live SSM Agent: ${stopped} (PingStatus ConnectionLost)`,
      );
      assert.ok(
        r.lines.some((l) => l.startsWith('  → start the agents on them (systemctl start amazon-ssm-agent')),
        r.stderr,
      );
      const deploy = await run(['deploy', '--env', 'ssm', '--revision', BUNDLE, '--no-wait']);
      assert.equal(deploy.code, 1, deploy.stderr);
      assert.ok(
        deploy.lines.includes(
          'preflight: agents failed; no deployment was created (--skip-preflight to deploy anyway)',
        ),
        deploy.stderr,
      );
      const codedeploy = await cloud.aws.codedeploy();
      const listed = await codedeploy.send(
        new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
      );
      assert.deepEqual(listed.deployments, []);
    } finally {
      await cloud.control.ssmAgent('online', [stopped as string]);
    }
  });

  it('without SSM: skipped before any deployment; then an instance whose event never reached its agent is named', async () => {
    const first = await run(['preflight', '--env', 'history', '--revision', BUNDLE]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(agentsLine(first.lines) ?? '', /^- agents\s+no deployment of web\/web-dev has ended yet/);

    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 1,
      event: 'BeforeInstall',
      effect: 'agent-down',
      count: 1,
    });
    const deployed = await run(['deploy', '--env', 'dev', '--revision', 'b'.repeat(40), '--poll', '1m']);
    assert.equal(deployed.code, 1, deployed.stderr);
    const down = deployed.lines
      .map((l) => /^✗ (i-\w+) failed BeforeInstall/.exec(l)?.[1])
      .find((id) => id !== undefined);
    assert.ok(down, deployed.stderr);

    const r = await run(['preflight', '--env', 'history', '--revision', BUNDLE]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      agentsLine(r.lines) ?? '',
      new RegExp(
        `^✗ agents\\s+1 of 2 instances of CodeDeploy_web-dev_d-\\w+ may have no live CodeDeploy agent: ${down}: BeforeInstall of d-\\w+ never reached its agent$`,
      ),
    );
    assert.ok(
      r.lines.some((l) => l.startsWith('  → check the agent on them (systemctl status codedeploy-agent)')),
    );

    // Another job's deployment, created a moment ago and not started (its targets cannot be listed
    // yet), is no AWS error: the history before it still speaks.
    const codedeploy = await cloud.aws.codedeploy();
    await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-dev',
        revision: {
          revisionType: 'S3',
          s3Location: { bucket: 'web-revisions', key: 'web/app.zip', bundleType: 'zip' },
        },
      }),
    );
    const racing = await run(['preflight', '--env', 'history', '--revision', BUNDLE]);
    assert.equal(racing.code, 1, racing.stderr);
    assert.match(agentsLine(racing.lines) ?? '', new RegExp(`may have no live CodeDeploy agent: ${down}: `));
  });
});
