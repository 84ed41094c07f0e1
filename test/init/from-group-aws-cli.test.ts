// tier: e2e
// The shape teams have, made the way they make it: a blue/green group and its first deployment
// created with the AWS CLI (Debian's /usr/bin/aws, its own botocore serializers), as a hand-run
// `aws deploy create-deployment-group` or a boto3 script would. `greenlight init --from-group` (the
// real entry point, a child process) writes the environment, and `group plan` says up to date.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
import { greenlight } from '../cli/spawn.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';

const AWS = '/usr/bin/aws';

describe(
  'greenlight init --from-group on a group the AWS CLI made',
  { skip: !existsSync(AWS) && !process.env.CI && 'no /usr/bin/aws (Debian awscli); .ci/run installs it' },
  () => {
    let cloud: TestCloud;
    let dir: string;

    before(async () => {
      cloud = await startCloud({ world: devWorld(2) });
      dir = await mkdtemp(join(tmpdir(), 'greenlight-init-cli-'));
    });
    after(async () => {
      await cloud.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function aws(...args: string[]): Promise<unknown> {
      const { stdout } = await promisify(execFile)(
        AWS,
        [...args, '--endpoint-url', cloud.lc.url, '--output', 'json'],
        {
          env: {
            ...cloud.env,
            HOME: dir,
            AWS_CONFIG_FILE: '/nonexistent',
            AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
          },
        },
      );
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
  },
);
