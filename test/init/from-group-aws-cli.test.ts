// tier: e2e
// The shape teams have, made the way they make it: a blue/green group and its first deployment
// created with the AWS CLI (Debian's /usr/bin/aws, its own botocore serializers; the local cloud's
// AwsCliDriver runs its code in one process), as a hand-run `aws deploy create-deployment-group` or a
// boto3 script would. `greenlight init --from-group` (the real entry point, a child process) writes
// the environment, and `group plan` says up to date.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AWS_CLI, AwsCliDriver } from '@greenlight/localcloud';
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
import { greenlight } from '../cli/spawn.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';

describe(
  'greenlight init --from-group on a group the AWS CLI made',
  { skip: !existsSync(AWS_CLI) && !process.env.CI && 'no /usr/bin/aws (Debian awscli); .ci/run installs it' },
  () => {
    let cloud: TestCloud;
    let dir: string;
    let cli: AwsCliDriver;

    before(async () => {
      cloud = await startCloud({ world: devWorld(2) });
      dir = await mkdtemp(join(tmpdir(), 'greenlight-init-cli-'));
      cli = new AwsCliDriver(dir);
    });
    after(async () => {
      await cli.close();
      await cloud.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function aws(...args: string[]): Promise<unknown> {
      const argv = [...args, '--endpoint-url', cloud.lc.url, '--output', 'json'];
      const { rc, stdout, stderr } = await cli.run(
        argv,
        {
          ...cloud.env,
          HOME: dir,
          AWS_CONFIG_FILE: '/nonexistent',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        },
        { cwd: dir },
      );
      assert.equal(rc, 0, `aws ${argv.join(' ')} exited ${rc}: ${stderr}`);
      return stdout.trim() ? JSON.parse(stdout) : {};
    }

    it('writes an environment that group plan finds up to date', async () => {
      await aws('deploy', 'create-application', '--application-name', 'shop', '--compute-platform', 'Server');
      const group = {
        applicationName: 'shop',
        deploymentGroupName: 'shop-impl',
        serviceRoleArn: 'arn:aws:iam::123456789012:role/shop-codedeploy',
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        autoScalingGroups: ['web-dev-asg'],
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration: {
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
          greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        },
        loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-dev-tg' }] },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
      };
      const input = join(dir, 'group.json');
      await writeFile(input, JSON.stringify(group));
      await aws('deploy', 'create-deployment-group', '--cli-input-json', `file://${input}`);
      await aws(
        'deploy',
        'create-deployment',
        '--application-name',
        'shop',
        '--deployment-group-name',
        'shop-impl',
        '--github-location',
        `repository=example/shop,commitId=${'b'.repeat(40)}`,
      );

      const env = { ...cloud.env };
      const init = await greenlight(['init', '--from-group', 'shop/shop-impl', '--env', 'impl'], {
        cwd: dir,
        env,
      });
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stderr, /health: path \/healthcheck and port 80 by default/);
      const file = await readBack(join(dir, 'greenlight.yml'));
      assert.equal(file.application, 'shop');
      assert.deepEqual(file.environments.impl.revision, { github: 'example/shop' });
      assert.equal(file.environments.impl.deploymentConfig, 'CodeDeployDefault.AllAtOnce');

      const plan = await greenlight(['group', 'plan', '--env', 'impl'], { cwd: dir, env });
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stderr, /deployment group shop\/shop-impl: up to date/);
    });

    it("an in-place group with a custom config, made with the CLI's own flags: written as style: in-place, up to date, and read back by the CLI in its shape", async () => {
      await aws(
        'deploy',
        'create-application',
        '--application-name',
        'shop-ip',
        '--compute-platform',
        'Server',
      );
      await aws(
        'deploy',
        'create-deployment-config',
        '--deployment-config-name',
        'shop-two-healthy',
        '--minimum-healthy-hosts',
        'type=HOST_COUNT,value=2',
      );
      await aws(
        'deploy',
        'create-deployment-group',
        '--application-name',
        'shop-ip',
        '--deployment-group-name',
        'shop-ip-prod',
        '--service-role-arn',
        'arn:aws:iam::123456789012:role/shop-codedeploy',
        '--deployment-config-name',
        'shop-two-healthy',
        '--deployment-style',
        'deploymentType=IN_PLACE,deploymentOption=WITH_TRAFFIC_CONTROL',
        '--auto-scaling-groups',
        'web-dev-asg',
        '--load-balancer-info',
        'targetGroupInfoList=[{name=web-dev-tg}]',
        '--ec2-tag-set',
        'ec2TagSetList=[[{Key=app,Value=shop,Type=KEY_AND_VALUE}]]',
      );
      const here = await mkdtemp(join(dir, 'ip-'));
      const env = { ...cloud.env };
      const init = await greenlight(
        [
          'init',
          '--from-group',
          'shop-ip/shop-ip-prod',
          '--env',
          'prod',
          '--revision',
          'github:example/shop',
        ],
        { cwd: here, env },
      );
      assert.equal(init.code, 0, init.stderr);
      const prod = (await readBack(join(here, 'greenlight.yml'))).environments.prod;
      assert.equal(prod.style, 'in-place');
      assert.deepEqual(prod.inPlace, { autoScalingGroups: ['web-dev-asg'], tags: { app: 'shop' } });
      assert.deepEqual(prod.deploymentConfig, {
        name: 'shop-two-healthy',
        minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 },
      });
      const plan = await greenlight(['group', 'plan', '--env', 'prod'], { cwd: here, env });
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stderr, /deployment group shop-ip\/shop-ip-prod: up to date/);

      // A tag changed in greenlight.yml and applied: the CLI reads back an in-place group's shape.
      const text = await readFile(join(here, 'greenlight.yml'), 'utf8');
      await writeFile(join(here, 'greenlight.yml'), text.replace('app: shop', 'app: shop-v2'));
      const apply = await greenlight(['group', 'apply', '--env', 'prod'], { cwd: here, env });
      assert.equal(apply.code, 0, apply.stderr);
      const got = (await aws(
        'deploy',
        'get-deployment-group',
        '--application-name',
        'shop-ip',
        '--deployment-group-name',
        'shop-ip-prod',
      )) as { deploymentGroupInfo: Record<string, unknown> };
      const info = got.deploymentGroupInfo;
      assert.deepEqual(info.deploymentStyle, {
        deploymentType: 'IN_PLACE',
        deploymentOption: 'WITH_TRAFFIC_CONTROL',
      });
      assert.deepEqual(info.ec2TagSet, {
        ec2TagSetList: [[{ Key: 'app', Value: 'shop-v2', Type: 'KEY_AND_VALUE' }]],
      });
      assert.deepEqual(info.ec2TagFilters, []);
      assert.equal(info.blueGreenDeploymentConfiguration, undefined);
      assert.equal(info.deploymentConfigName, 'shop-two-healthy');
    });
  },
);
