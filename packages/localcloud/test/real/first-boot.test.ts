// tier: e2e
// An instance's first boot in its sandbox, on each backend: the launch template's user data runs as
// root (cloud-config write_files and runcmd; a failing script leaves the instance running with the
// failure in cloud-init's log), and an image that lacks Node has no node, so a hook that needs it
// fails BeforeInstall with the hook's error in the event's log tail, as on EC2.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { controlClient } from '../../src/control-client.js';
import type { WorldInput } from '../../src/world.js';
import { until } from '../harness.js';
import {
  bootOf,
  IN_PLACE,
  createGroup,
  deploy,
  makeBundle,
  putBundle,
  realWorld,
  s3Revision,
  startRealCloud,
  targetsOf,
  type RealTestCloud,
  SANDBOXES,
} from './real-cloud.js';

const NO_NODE = 'ami-0b00d0000000000e1';

const CLOUD_CONFIG = `#cloud-config
write_files:
  - path: /etc/app/boot.env
    content: BOOTED=yes
runcmd:
  - echo "user data ran as $(id -u)"
  - [sh, -c, "cat /etc/app/boot.env > /var/tmp/boot-proof"]
  - command -v node || echo "no node on this image"
`;

function world(): WorldInput {
  const base = realWorld({ instances: 1 });
  return {
    ...base,
    images: [{ id: NO_NODE, name: 'al2023-without-node', lacks: ['node'] }],
    launchTemplates: [
      { name: 'web', imageId: NO_NODE, userData: CLOUD_CONFIG },
      { name: 'broken', userData: '#!/bin/sh\necho "installing the agent"\nexit 3\n' },
    ],
    autoScalingGroups: [
      ...(base.autoScalingGroups ?? []),
      {
        name: 'broken-asg',
        instances: 1,
        availabilityZones: ['us-east-1a'],
        launchTemplate: 'broken',
        agent: 'real',
      },
    ],
  };
}

for (const sandbox of SANDBOXES)
  describe(`first boot of a real instance (${sandbox})`, () => {
    let tc: RealTestCloud;
    before(async () => {
      tc = await startRealCloud(world(), sandbox);
    });
    after(() => tc.close());

    it('runs cloud-config write_files and runcmd as root, logging to /var/log/cloud-init-output.log', async () => {
      const { root, result, log } = await bootOf(tc, 'web-asg');
      assert.deepEqual(result.errors, []);
      assert.match(log, /^Cloud-init v\. \S+ running 'init' at /);
      assert.match(log, /user data ran as 0\n/);
      assert.match(log, /no node on this image\n/);
      assert.match(
        log,
        /Cloud-init v\. \S+ finished at .* Datasource DataSourceEc2\. {2}Up [\d.]+ seconds\n$/,
      );
      assert.equal(readFileSync(join(root, 'var/tmp/boot-proof'), 'utf8'), 'BOOTED=yes');
      assert.ok(readFileSync(join(root, 'var/lib/cloud/instance/boot-finished'), 'utf8').length > 0);
    });

    it('a failing user data script leaves the instance running, with the failure in cloud-init’s log', async () => {
      const { instance, result, log } = await bootOf(tc, 'broken-asg');
      assert.equal(instance.State?.Name, 'running');
      assert.deepEqual(result.errors, ['Running module scripts-user failed']);
      assert.match(log, /installing the agent\n/);
      assert.match(
        log,
        /util\.py\[WARNING\]: Failed running \/var\/lib\/cloud\/instance\/scripts\/part-001 \[3\]/,
      );
      assert.match(log, /Failed to run module scripts-user/);
    });

    it('an image without Node fails a hook that needs it in BeforeInstall, with the error in the log tail', async () => {
      await createGroup(tc, `web-ip-${sandbox}`, IN_PLACE);
      const key = `needs-node-${sandbox}.tar`;
      await putBundle(
        tc,
        key,
        makeBundle(
          {
            'appspec.yml':
              'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: hooks/install-deps.js\n',
            'hooks/install-deps.js': '#!/usr/bin/env node\nconsole.log("installing dependencies");\n',
          },
          'tar',
        ),
      );
      const info = await deploy(tc, `web-ip-${sandbox}`, s3Revision(key, 'tar'));
      assert.equal(info.status, 'Failed');
      const [target] = await targetsOf(tc, info.deploymentId ?? '');
      const events = target?.instanceTarget?.lifecycleEvents ?? [];
      assert.deepEqual(
        events.map((e) => `${e.lifecycleEventName}:${e.status}`),
        [
          'ApplicationStop:Succeeded',
          'DownloadBundle:Succeeded',
          'BeforeInstall:Failed',
          'Install:Skipped',
          'AfterInstall:Skipped',
          'ApplicationStart:Skipped',
          'ValidateService:Skipped',
        ],
      );
      const diagnostics = events.find((e) => e.lifecycleEventName === 'BeforeInstall')?.diagnostics;
      assert.equal(diagnostics?.errorCode, 'ScriptFailed');
      assert.equal(
        diagnostics?.message,
        'Script at specified location: hooks/install-deps.js failed with exit code 127',
      );
      assert.match(
        diagnostics?.logTail ?? '',
        /\[stderr\]\/usr\/bin\/env: .*node.*: No such file or directory\n$/,
      );
    });

    it('an Auto Scaling group created through the API gets real instances when the cloud says so', async () => {
      const control = controlClient(tc.lc.url);
      assert.equal(await control.instanceAgent('real'), 'real');
      try {
        await tc.autoscaling.send(
          new CreateAutoScalingGroupCommand({
            AutoScalingGroupName: `api-asg-${sandbox}`,
            LaunchTemplate: { LaunchTemplateName: 'web' },
            MinSize: 1,
            MaxSize: 1,
            AvailabilityZones: ['us-east-1a'],
          }),
        );
      } finally {
        await control.instanceAgent('synthetic');
      }
      await until(
        () =>
          tc.ec2.send(
            new DescribeInstancesCommand({
              Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: [`api-asg-${sandbox}`] }],
            }),
          ),
        (r) => r.Reservations?.[0]?.Instances?.[0]?.State?.Name === 'running',
        'the API group’s instance to run',
        '30s',
      );
      const { result, log } = await bootOf(tc, `api-asg-${sandbox}`);
      assert.deepEqual(result.errors, []);
      assert.match(log, /user data ran as 0\n/);
    });
  });
