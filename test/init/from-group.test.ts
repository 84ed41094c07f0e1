// tier: integration
// greenlight init --from-group against the local cloud (in process, the real SDK clients): groups made
// the way teams make them — by hand or by a boto3 script, not by greenlight — read back into
// greenlight.yml, then `group plan` from that file must say "up to date". What greenlight.yml cannot
// say is reported, never dropped: settings group apply leaves alone are written down as comments;
// settings it would change keep the file from being written at all.
import assert from 'node:assert/strict';
import {
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  type CreateDeploymentGroupInput,
} from '@aws-sdk/client-codedeploy';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';

/** greenlight.yml as these tests read it back. */
interface WrittenFile {
  application: string;
  environments: Record<
    'dev' | 'staging' | 'impl' | 'prod',
    Record<string, unknown> & { blueGreen: Record<string, unknown> }
  >;
}
const readBack = async (path: string) => parse(await readFile(path, 'utf8')) as WrittenFile;
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

const ROLE = 'arn:aws:iam::123456789012:role/web-codedeploy';

describe('greenlight init --from-group', () => {
  let cloud: TestCloud;
  let dir: string;

  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-init-'));
    const codedeploy = await cloud.aws.codedeploy();
    await codedeploy.send(
      new CreateApplicationCommand({ applicationName: 'web', computePlatform: 'Server' }),
    );
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[], cwd = dir) => cliInProcess(args, { env: cloud.env, cwd, clock: cloud.clock });

  async function createGroup(input: Omit<CreateDeploymentGroupInput, 'applicationName' | 'serviceRoleArn'>) {
    const codedeploy = await cloud.aws.codedeploy();
    await codedeploy.send(
      new CreateDeploymentGroupCommand({ applicationName: 'web', serviceRoleArn: ROLE, ...input }),
    );
  }

  /** A fresh directory for one case's greenlight.yml. */
  async function project(text?: string): Promise<string> {
    const here = await mkdtemp(join(dir, 'p-'));
    if (text !== undefined) await writeFile(join(here, 'greenlight.yml'), text);
    return here;
  }

  it('a blue/green group with a copied ASG, a custom config, alarms, rollback and tags: written, and group plan says up to date', async () => {
    const codedeploy = await cloud.aws.codedeploy();
    await codedeploy.send(
      new CreateDeploymentConfigCommand({
        deploymentConfigName: 'web-three-healthy',
        minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 },
      }),
    );
    // What a team's create_deployment_group.py sends.
    await createGroup({
      deploymentGroupName: 'web-bg',
      deploymentConfigName: 'web-three-healthy',
      autoScalingGroups: ['web-dev-asg'],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 15 },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-dev-tg' }] },
      alarmConfiguration: { enabled: true, alarms: [{ name: 'web-dev-5xx' }, { name: 'web-dev-latency' }] },
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_FAILURE'],
      },
      tags: [
        { Key: 'team', Value: 'payments' },
        { Key: 'greenlight:lkg-deployment', Value: 'd-AAAAAAAAA' },
      ],
    });
    // Its create_deployment.py deployed a GitHub commit once.
    await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-bg',
        revision: {
          revisionType: 'GitHub',
          gitHubLocation: { repository: 'example/web', commitId: 'a'.repeat(40) },
        },
      }),
    );

    const here = await project();
    const r = await run(
      [
        'init',
        '--from-group',
        'web/web-bg',
        '--env',
        'dev',
        '--health-path',
        '/healthcheck',
        '--health-port',
        '8000',
        '--json',
      ],
      here,
    );
    assert.equal(r.code, 0, r.stderr);
    const { result } = JSON.parse(r.stdout) as {
      result: { upToDate: boolean; written: boolean; unsupported: unknown[] };
    };
    assert.equal(result.upToDate, true);
    assert.equal(result.written, true);
    assert.deepEqual(result.unsupported, []);

    const file = await readBack(join(here, 'greenlight.yml'));
    const dev = file.environments.dev;
    assert.equal(file.application, 'web');
    assert.equal(dev.region, 'us-east-1');
    assert.equal(dev.autoScalingGroup, 'web-dev-asg');
    assert.deepEqual(dev.deploymentConfig, {
      name: 'web-three-healthy',
      minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 },
    });
    assert.deepEqual(dev.blueGreen.ready, { action: 'STOP_DEPLOYMENT', waitMinutes: 30 });
    assert.deepEqual(dev.autoRollback, ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']);
    assert.deepEqual(dev.revision, { github: 'example/web' });
    // The team's tag, not greenlight's own records.
    assert.deepEqual(dev.tags, { team: 'payments' });

    // The independent check: the plan every other command makes from this file.
    const plan = await run(['group', 'plan', '--env', 'dev'], here);
    assert.equal(plan.code, 0, plan.stderr);
    assert.ok(
      plan.lines.some((l) => l.includes('deployment group web/web-bg: up to date')),
      plan.stderr,
    );
    assert.ok(!plan.lines.some((l) => l.includes('tags to set')), plan.stderr);
  });

  it('an in-place group behind a load balancer with a custom config: written as style: in-place, and group plan says up to date', async () => {
    const codedeploy = await cloud.aws.codedeploy();
    await codedeploy.send(
      new CreateDeploymentConfigCommand({
        deploymentConfigName: 'web-half',
        minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 },
      }),
    );
    await createGroup({
      deploymentGroupName: 'web-inplace-lb',
      deploymentConfigName: 'web-half',
      autoScalingGroups: ['web-dev-asg'],
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-dev-tg' }] },
    });
    const here = await project();
    const r = await run(
      ['init', '--from-group', 'web/web-inplace-lb', '--env', 'dev', '--revision', 'github:example/web'],
      here,
    );
    assert.equal(r.code, 0, r.stderr);
    const dev = (await readBack(join(here, 'greenlight.yml'))).environments.dev;
    assert.equal(dev.style, 'in-place');
    assert.deepEqual(dev.inPlace, { autoScalingGroups: ['web-dev-asg'] });
    assert.deepEqual(dev.targetGroups, ['web-dev-tg']);
    assert.equal(dev.blueGreen, undefined);
    assert.equal(dev.autoScalingGroup, undefined);
    assert.deepEqual(dev.deploymentConfig, {
      name: 'web-half',
      minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 },
    });
    const plan = await run(['group', 'plan', '--env', 'dev'], here);
    assert.equal(plan.code, 0, plan.stderr);
    assert.ok(
      plan.lines.some((l) => l.includes('deployment group web/web-inplace-lb: up to date')),
      plan.stderr,
    );
  });

  it('an in-place group found by one EC2 tag filter, without a load balancer: inPlace.tags, no target groups, up to date', async () => {
    await createGroup({
      deploymentGroupName: 'web-inplace-tags',
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      ec2TagFilters: [{ Key: 'app', Value: 'web', Type: 'KEY_AND_VALUE' }],
    });
    const here = await project();
    const r = await run(
      ['init', '--from-group', 'web/web-inplace-tags', '--env', 'dev', '--revision', 'github:example/web'],
      here,
    );
    assert.equal(r.code, 0, r.stderr);
    const dev = (await readBack(join(here, 'greenlight.yml'))).environments.dev;
    assert.equal(dev.style, 'in-place');
    assert.deepEqual(dev.inPlace, { autoScalingGroups: [], tags: { app: 'web' } });
    assert.deepEqual(dev.targetGroups, []);
    const plan = await run(['group', 'plan', '--env', 'dev'], here);
    assert.equal(plan.code, 0, plan.stderr);
    assert.ok(
      plan.lines.some((l) => l.includes('web/web-inplace-tags: up to date')),
      plan.stderr,
    );
  });

  it('in-place settings greenlight.yml cannot say are reported, not dropped: ORed tag filters, KEY_ONLY and VALUE_ONLY tags, two tags in one group, on-premises tags', async () => {
    await createGroup({
      deploymentGroupName: 'web-inplace-ored',
      autoScalingGroups: ['web-dev-asg'],
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      ec2TagFilters: [
        { Key: 'app', Value: 'web', Type: 'KEY_AND_VALUE' },
        { Key: 'app', Value: 'api', Type: 'KEY_AND_VALUE' },
      ],
      onPremisesInstanceTagFilters: [{ Key: 'rack', Value: 'r1', Type: 'KEY_AND_VALUE' }],
    });
    const here = await project();
    const ored = await run(
      [
        'init',
        '--from-group',
        'web/web-inplace-ored',
        '--env',
        'dev',
        '--revision',
        'github:example/web',
        '--json',
      ],
      here,
    );
    assert.equal(ored.code, 1, ored.stderr);
    assert.ok(
      ored.lines.some((l) =>
        /ec2TagFilters = \[\(app=api or app=web\)\]: an instance needs only one of several tags/.test(l),
      ),
      ored.stderr,
    );
    assert.ok(
      ored.lines.some((l) => /^warn: onPremisesInstanceTagFilters = .*rack.*group apply leaves them/.test(l)),
      ored.stderr,
    );
    // The plan says what apply would do with the file: the tags go.
    assert.ok(
      ored.lines.some((l) => /~ ec2Tags: \[\(app=api or app=web\)\] → \[\]/.test(l)),
      ored.stderr,
    );
    assert.equal(existsSync(join(here, 'greenlight.yml')), false);
    const { result } = JSON.parse(ored.stdout) as {
      result: { unsupported: { setting: string; effect: string }[] };
    };
    assert.deepEqual(result.unsupported.map((u) => `${u.setting} ${u.effect}`).sort(), [
      'ec2TagFilters changed',
      'onPremisesInstanceTagFilters kept',
    ]);

    const cases: [
      string,
      { Key: string; Value?: string; Type: 'KEY_ONLY' | 'VALUE_ONLY' | 'KEY_AND_VALUE' }[][],
      RegExp,
    ][] = [
      [
        'web-inplace-keyonly',
        [[{ Key: 'app', Type: 'KEY_ONLY' }]],
        /ec2TagSet = \[app=\*\]: app=\* matches a key with any value/,
      ],
      [
        'web-inplace-valueonly',
        [[{ Key: '', Value: 'web', Type: 'VALUE_ONLY' }]],
        /ec2TagSet = \[\*=web\]: \*=web matches a value under any key/,
      ],
      [
        'web-inplace-two-in-group',
        [
          [
            { Key: 'app', Value: 'web', Type: 'KEY_AND_VALUE' },
            { Key: 'env', Value: 'dev', Type: 'KEY_AND_VALUE' },
          ],
          [{ Key: 'team', Value: 'payments', Type: 'KEY_AND_VALUE' }],
        ],
        /ec2TagSet = \[\(app=web or env=dev\) and team=payments\]: an instance needs only one of several tags/,
      ],
    ];
    for (const [name, ec2TagSetList, said] of cases) {
      await createGroup({
        deploymentGroupName: name,
        autoScalingGroups: ['web-dev-asg'],
        deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
        ec2TagSet: { ec2TagSetList },
      });
      const r = await run(
        ['init', '--from-group', `web/${name}`, '--env', 'dev', '--revision', 'github:example/web'],
        here,
      );
      assert.equal(r.code, 1, r.stderr);
      assert.ok(
        r.lines.some((l) => said.test(l)),
        `${name}: ${r.stderr}`,
      );
      assert.ok(
        r.lines.some((l) => /not written/.test(l)),
        r.stderr,
      );
    }
    assert.equal(existsSync(join(here, 'greenlight.yml')), false);
  });

  it('settings greenlight never sends (SNS triggers) are kept by group apply and written down, not dropped', async () => {
    await createGroup({
      deploymentGroupName: 'web-triggers',
      autoScalingGroups: ['web-dev-asg'],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-dev-tg' }] },
      triggerConfigurations: [
        {
          triggerName: 'deploys',
          triggerTargetArn: 'arn:aws:sns:us-east-1:123456789012:deploys',
          triggerEvents: ['DeploymentFailure'],
        },
      ],
    });
    // The team's file already has prod, with a comment that must survive.
    const here = await project(
      '# our deploys\napplication: web\nenvironments:\n  # the real one\n  prod: { deploymentGroup: web-prod, serviceRoleArn: "arn:aws:iam::123456789012:role/p", autoScalingGroup: web-prod-asg, targetGroups: [web-prod-tg], revision: { github: example/web } }\n',
    );
    const r = await run(
      [
        'init',
        '--from-group',
        'web/web-triggers',
        '--env',
        'staging',
        '--revision',
        's3://web-revisions/web/',
      ],
      here,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.lines.some((l) => /^warn: triggerConfigurations = .*deploys.*group apply leaves them/.test(l)),
      r.stderr,
    );
    const text = await readFile(join(here, 'greenlight.yml'), 'utf8');
    assert.match(text, /# our deploys/);
    assert.match(text, /# the real one/);
    assert.match(text, /not in greenlight\.yml: triggerConfigurations/);
    const file = parse(text) as WrittenFile;
    assert.deepEqual(Object.keys(file.environments), ['prod', 'staging']);
    assert.deepEqual(file.environments.staging.blueGreen.terminateBlue, { action: 'KEEP_ALIVE' });
    assert.deepEqual(file.environments.staging.revision, { s3: { bucket: 'web-revisions', prefix: 'web/' } });
    assert.deepEqual(file.environments.staging.autoRollback, []);
    const plan = await run(['group', 'plan', '--env', 'staging'], here);
    assert.equal(plan.code, 0, plan.stderr);
    assert.ok(
      plan.lines.some((l) => l.includes('web/web-triggers: up to date')),
      plan.stderr,
    );

    // Run again: the environment is there, and stays as it is without --force.
    const again = await run(
      [
        'init',
        '--from-group',
        'web/web-triggers',
        '--env',
        'staging',
        '--revision',
        's3://web-revisions/web/',
      ],
      here,
    );
    assert.equal(again.code, 2, again.stderr);
    assert.ok(
      again.lines.some((l) => /already has an environment staging.*--force/.test(l)),
      again.stderr,
    );
  });

  it('bad input says what is wrong and exits 2: a group that does not exist, a malformed name, another application’s file', async () => {
    const here = await project('application: shop\nenvironments: {}\n');
    const missing = await run(
      ['init', '--from-group', 'web/nope', '--env', 'dev', '--revision', 'github:a/b'],
      here,
    );
    assert.equal(missing.code, 2, missing.stderr);
    assert.ok(
      missing.lines.some((l) => /no deployment group nope in application web/.test(l)),
      missing.stderr,
    );
    const malformed = await run(['init', '--from-group', 'web', '--env', 'dev'], here);
    assert.equal(malformed.code, 2, malformed.stderr);
    assert.match(malformed.stderr, /expected APPLICATION\/GROUP/);
    const other = await run(['init', '--from-group', 'web/web-bg', '--env', 'dev'], here);
    assert.equal(other.code, 2, other.stderr);
    assert.ok(
      other.lines.some((l) => /describes application "shop"/.test(l)),
      other.stderr,
    );
    const noEnv = await run(['init', '--from-group', 'web/web-bg'], here);
    assert.equal(noEnv.code, 2, noEnv.stderr);
    assert.match(noEnv.stderr, /needs --env NAME/);
    const badRevision = await run(
      ['init', '--from-group', 'web/web-bg', '--env', 'x', '--revision', 'gitlab:a/b'],
      here,
    );
    assert.equal(badRevision.code, 2, badRevision.stderr);
    assert.match(badRevision.stderr, /expected github:OWNER\/REPO or s3:\/\/BUCKET\/PREFIX/);
    assert.equal(
      await readFile(join(here, 'greenlight.yml'), 'utf8'),
      'application: shop\nenvironments: {}\n',
    );
  });
});
