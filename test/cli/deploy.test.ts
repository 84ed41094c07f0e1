// tier: e2e
import assert from 'node:assert/strict';
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { sampleEnvironment } from '../config/sample.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { interruptGreenlight } from '../support/interrupt.js';
import { until } from '../support/until.js';
import { greenlight, repoRoot, runTypeScript } from './spawn.js';

const sha = (c: string) => c.repeat(40);

describe('greenlight group, deploy and wait against the local cloud', () => {
  let cloud: TestCloud;
  let dir: string;
  let run: (args: string[], env?: Record<string, string>) => ReturnType<typeof greenlight>;

  before(async () => {
    const world = devWorld(4);
    // The second environment has a target group of its own: instances of its ASG in web-dev-tg
    // would take dev's traffic without dev's revision, and dev's verdict says so.
    world.targetGroups = [
      ...(world.targetGroups ?? []),
      { name: 'web-ready-tg', port: 8000, healthCheck: { path: '/healthcheck', healthyThreshold: 2 } },
    ];
    world.autoScalingGroups = [
      ...(world.autoScalingGroups ?? []),
      {
        name: 'web-ready-asg',
        instances: 2,
        availabilityZones: ['us-east-1a'],
        targetGroups: ['web-ready-tg'],
        launchTemplate: 'web',
      },
    ];
    cloud = await startCloud({ world, timeScale: 3000 }); // scaled wall time: greenlight runs as a process
    dir = await mkdtemp(join(tmpdir(), 'greenlight-deploy-'));
    const ready = {
      ...sampleEnvironment(),
      deploymentGroup: 'web-ready',
      autoScalingGroup: 'web-ready-asg',
      targetGroups: ['web-ready-tg'],
      blueGreen: {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 2000 },
        terminateBlue: { action: 'TERMINATE', waitMinutes: 1 },
      },
    };
    await writeFile(
      join(dir, 'greenlight.yml'),
      stringify({ application: 'web', environments: { dev: sampleEnvironment(), ready } }),
    );
    run = (args, env = {}) => greenlight(args, { cwd: dir, env: { ...cloud.env, ...env } });
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('group plan says create; apply creates; a second apply changes nothing', async () => {
    const plan = await run(['group', 'plan', '--env', 'dev']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stderr, /deployment group web\/web-dev: create/);
    const apply = await run(['group', 'apply', '--env', 'dev']);
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stderr, /✓ deployment group web\/web-dev: created/);
    const again = await run(['group', 'apply', '--env', 'dev', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /up to date, nothing to do/);
    const doc = JSON.parse(again.stdout) as { result: { changed: boolean } };
    assert.equal(doc.result.changed, false);
  });

  it('the CircleCI deployscripts behave as their sub-commands', async () => {
    const group = await runTypeScript(
      join(repoRoot, 'deployscripts/create-deployment-group.ts'),
      ['--env', 'dev'],
      {
        cwd: dir,
        env: cloud.env,
      },
    );
    assert.equal(group.code, 0, group.stderr);
    assert.match(group.stderr, /up to date, nothing to do/);
    const bad = await runTypeScript(join(repoRoot, 'deployscripts/create-deployment.ts'), ['--env', 'nope'], {
      cwd: dir,
      env: cloud.env,
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown environment "nope"/);
  });

  it('deploy follows the deployment to Succeeded, exit 0; wait re-attaches to it by id', async () => {
    const r = await run(['deploy', '--env', 'dev', '--revision', sha('1'), '--poll', '50ms', '--json'], {
      CIRCLE_BUILD_NUM: '7',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /created d-[A-Z0-9]{9}/);
    assert.match(r.stderr, /CodeDeploy: Succeeded/);
    const doc = JSON.parse(r.stdout) as {
      result: { deploymentId: string; status: string; created: boolean };
    };
    assert.equal(doc.result.status, 'Succeeded');
    assert.equal(doc.result.created, true);

    const w = await run(['wait', doc.result.deploymentId, '--poll', '50ms']);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stderr, new RegExp(`${doc.result.deploymentId} Succeeded`));
  });

  it('a failed instance: CodeDeploy says Succeeded, greenlight says FAILED and names instance, event, script; exit 1', async () => {
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 2,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    const r = await run(['deploy', '--env', 'dev', '--revision', sha('2'), '--poll', '50ms'], {
      CIRCLE_BUILD_NUM: '8',
    });
    await cloud.clearFaults();
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /✗ i-[0-9a-f]+ failed AfterInstall \(.+\): ScriptFailed/);
    assert.match(r.stderr, /failed with exit code 3/);
    assert.match(r.stderr, /log tail:/);
    assert.match(r.stderr, /CodeDeploy: Succeeded — greenlight: FAILED, 1 of \d+ instances failed/);
  });

  it('an older build is refused with exit 1 and a reason', async () => {
    const r = await run(['deploy', '--env', 'dev', '--revision', sha('3'), '--poll', '50ms'], {
      CIRCLE_BUILD_NUM: '5',
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /refusing to deploy build 5/);
  });

  it('bad input exits 2 before any AWS call: an S3 URL without a key, an unknown deployment id format, a missing bundle', async () => {
    const before = await cloud.requests();
    const url = await run(['deploy', '--env', 'dev', '--revision', 's3://web-revisions']);
    assert.equal(url.code, 2);
    assert.match(url.stderr, /expected s3:\/\/bucket\/key/);
    const id = await run(['wait', 'd-nope']);
    assert.equal(id.code, 2);
    assert.deepEqual(await cloud.requests(), before, 'no AWS call was made');
    const missing = await run(['deploy', '--env', 'dev', '--revision', 's3://web-revisions/web/none.zip']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /s3:\/\/web-revisions\/web\/none.zip does not exist/);
  });

  it('wait on a deployment id that does not exist: exit 2, names it', async () => {
    const r = await run(['wait', 'd-ABCDEFGHI', '--poll', '50ms']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /d-ABCDEFGHI/);
    assert.match(r.stderr, /does not exist/);
  });

  it('SIGINT while waiting leaves the deployment running and says how to re-attach (exit 130); --stop-on-cancel stops it', async () => {
    const applied = await run(['group', 'apply', '--env', 'ready']);
    assert.equal(applied.code, 0, applied.stderr);
    const created = await run(['deploy', '--env', 'ready', '--revision', sha('4'), '--no-wait', '--json'], {
      CIRCLE_BUILD_NUM: '20',
    });
    assert.equal(created.code, 0, created.stderr);
    const id = (JSON.parse(created.stdout) as { result: { deploymentId: string } }).result.deploymentId;

    const interrupt = (extra: string[]) =>
      interruptGreenlight(['wait', id, '--poll', '50ms', ...extra], {
        cwd: dir,
        env: cloud.env,
        when: /is Ready/,
        signal: 'SIGINT',
      });

    const left = await interrupt([]);
    assert.equal(left.code, 130, left.stderr);
    assert.match(
      left.stderr,
      new RegExp(`${id} goes on in CodeDeploy; re-attach with: greenlight wait ${id}`),
    );
    const codedeploy = await cloud.aws.codedeploy();
    const still = await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }));
    assert.equal(still.deploymentInfo?.status, 'Ready');

    const stopped = await interrupt(['--stop-on-cancel']);
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, new RegExp(`stopped ${id}`));
    await until(
      async () =>
        (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status,
      (s) => s === 'Stopped',
      `${id} to be stopped`,
      '1m',
    );
  });

  it('SIGTERM while verify waits on an AWS answer that never comes: exit 143, nothing left waiting', async () => {
    await cloud.fault({
      scope: 'api',
      service: 'codedeploy',
      operation: 'GetDeployment',
      effect: 'delay',
      ms: 600_000,
    });
    try {
      const { code, stderr } = await interruptGreenlight(['verify', 'd-AAAAAAAAA'], {
        cwd: dir,
        env: cloud.env,
        when: /→ verify d-AAAAAAAAA/,
        signal: 'SIGTERM',
      });
      assert.equal(code, 143, stderr);
      assert.match(stderr, /cancelled by SIGTERM/);
    } finally {
      await cloud.clearFaults();
    }
  });
});
