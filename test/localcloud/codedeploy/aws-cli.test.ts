import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { eventually } from '../harness.js';
import {
  putRevisions,
  serviceRoleArn,
  startCodeDeployCloud,
  webWorld,
  type CodeDeployTestCloud,
} from './cloud.js';

const run = promisify(execFile);

describe('the AWS CLI drives the local CodeDeploy', () => {
  let tc: CodeDeployTestCloud;
  const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await run(
      '/usr/bin/aws',
      ['deploy', ...args, '--endpoint-url', tc.lc.url, '--region', 'us-east-1', '--output', 'json'],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/tmp',
          AWS_ACCESS_KEY_ID: 'AKIDLOCALCLOUD',
          AWS_SECRET_ACCESS_KEY: 'local-cloud-secret',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_PAGER: '',
        },
      },
    );
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
  };

  before(async () => {
    tc = await startCodeDeployCloud({ world: webWorld(2) });
    await putRevisions(tc, 'web/v1.zip');
  });
  after(() => tc.close());

  it('creates an application, a blue/green group and a deployment, and reads them back', async () => {
    const app = await aws('create-application', '--application-name', 'web');
    assert.match(String(app.applicationId), /^[0-9a-f-]{36}$/);
    const group = await aws(
      'create-deployment-group',
      '--application-name',
      'web',
      '--deployment-group-name',
      'web-bg',
      '--service-role-arn',
      serviceRoleArn,
      '--deployment-config-name',
      'CodeDeployDefault.AllAtOnce',
      '--auto-scaling-groups',
      'web-asg',
      '--deployment-style',
      'deploymentType=BLUE_GREEN,deploymentOption=WITH_TRAFFIC_CONTROL',
      '--blue-green-deployment-configuration',
      JSON.stringify({
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      }),
      '--load-balancer-info',
      JSON.stringify({ targetGroupInfoList: [{ name: 'web-tg' }] }),
    );
    assert.match(String(group.deploymentGroupId), /^[0-9a-f-]{36}$/);
    const created = await aws(
      'create-deployment',
      '--application-name',
      'web',
      '--deployment-group-name',
      'web-bg',
      '--s3-location',
      'bucket=web-revisions,key=web/v1.zip,bundleType=zip',
      '--description',
      'from the CLI',
    );
    const deploymentId = String(created.deploymentId);
    assert.match(deploymentId, /^d-[A-Z0-9]{9}$/);
    const info = await eventually(
      async () =>
        (await aws('get-deployment', '--deployment-id', deploymentId)).deploymentInfo as Record<
          string,
          unknown
        >,
      (d) => ['Succeeded', 'Failed', 'Stopped'].includes(String(d.status)),
      300,
    );
    assert.equal(info.status, 'Succeeded');
    assert.equal(info.description, 'from the CLI');
    assert.equal(typeof info.createTime, 'string', 'the CLI renders epoch-second timestamps as ISO text');
    assert.deepEqual(info.deploymentOverview, {
      Pending: 0,
      InProgress: 0,
      Succeeded: 4,
      Failed: 0,
      Skipped: 0,
      Ready: 0,
    });
    const targets = await aws(
      'list-deployment-targets',
      '--deployment-id',
      deploymentId,
      '--target-filters',
      'ServerInstanceLabel=Green',
    );
    assert.equal((targets.targetIds as string[]).length, 2);
    const described = await aws(
      'get-deployment-group',
      '--application-name',
      'web',
      '--deployment-group-name',
      'web-bg',
    );
    const asgs = (described.deploymentGroupInfo as { autoScalingGroups: { name: string }[] })
      .autoScalingGroups;
    assert.deepEqual(
      asgs.map((a) => a.name),
      [`CodeDeploy_web-bg_${deploymentId}`],
    );
  });
});
