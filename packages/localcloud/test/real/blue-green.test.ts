// tier: e2e
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import {
  createGroup,
  deploy,
  gitRepository,
  makeBundle,
  processesWith,
  putBundle,
  realWorld,
  s3Revision,
  snapshot,
  startRealCloud,
  targetsOf,
  type RealTestCloud,
  SEMANTICS_SANDBOX,
} from './real-cloud.js';
import { PROOF, webBundle } from './web-bundle.js';

const HOST_DIRS = ['/etc', '/opt', '/srv', '/home'];

function proof(tc: RealTestCloud, instanceId: string): string[][] {
  const text = readFileSync(join(tc.rootOf(instanceId), PROOF), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(' '));
}

function uidOf(passwd: string, user: string): number {
  const line = passwd.split('\n').find((l) => l.startsWith(`${user}:`));
  return Number(line?.split(':')[2]);
}

for (const sandbox of SEMANTICS_SANDBOX)
  describe(`real hooks on a 3-instance fleet, blue/green through the SDK (${sandbox})`, () => {
    let tc: RealTestCloud;
    let marker = '';
    let closed = false;
    let groupId = '';
    const before0 = snapshot(HOST_DIRS);
    const repo = gitRepository(webBundle('v2'));

    before(async () => {
      tc = await startRealCloud(realWorld({ github: { 'example/web': repo.path } }), sandbox);
      // KEEP_ALIVE: the blue instances stay up, so their block-traffic proofs can be read afterwards.
      await createGroup(tc, 'web-bg', {
        blueGreenDeploymentConfiguration: {
          greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' },
        },
      });
      const group = await tc.codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-bg' }),
      );
      groupId = group.deploymentGroupInfo?.deploymentGroupId ?? '';
      marker = tc.lc.cloud.instances.directory ?? '';
    });
    after(async () => {
      if (!closed) await tc.close();
      rmSync(repo.path, { recursive: true, force: true });
    });

    let firstGreen: string[] = [];

    it('runs an S3 bundle: events in order, with the agent variables, as the runas user', async () => {
      await putBundle(tc, 'web/v1.zip', makeBundle(webBundle('v1')));
      const info = await deploy(tc, 'web-bg', s3Revision('web/v1.zip'));
      assert.equal(info.status, 'Succeeded', JSON.stringify(info.errorInformation));
      const targets = await targetsOf(tc, info.deploymentId ?? '');
      const green = targets.filter((t) => t.instanceTarget?.instanceLabel === 'Green');
      assert.equal(green.length, 3);
      firstGreen = green.map((t) => t.instanceTarget?.targetId ?? '');
      for (const id of firstGreen) {
        const lines = proof(tc, id);
        // A fresh instance has no previous revision: ApplicationStop runs nothing.
        assert.deepEqual(
          lines.map(([event, user]) => `${event} ${user}`),
          [
            'BeforeInstall root',
            'AfterInstall web',
            'ApplicationStart root',
            'ValidateService web',
            'BeforeAllowTraffic root',
            'AfterAllowTraffic root',
          ],
        );
        for (const line of lines) {
          assert.deepEqual(line.slice(2), [
            info.deploymentId,
            'web',
            'web-bg',
            groupId,
            'web/v1.zip',
            '-',
            'v1',
          ]);
        }
        const root = tc.rootOf(id);
        const server = statSync(join(root, 'opt/web/server.mjs'));
        assert.equal(server.uid, uidOf(readFileSync(join(root, 'etc/passwd'), 'utf8'), 'web'));
        const log = readFileSync(
          join(
            root,
            'opt/codedeploy-agent/deployment-root',
            groupId,
            info.deploymentId ?? '',
            'logs/scripts.log',
          ),
          'utf8',
        );
        assert.match(log, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d LifecycleEvent - ApplicationStart$/m);
        assert.match(log, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[stdout\]started web v1 on 127\.\d+\.\d+\.\d+$/m);
      }
      const validate = green[0]?.instanceTarget?.lifecycleEvents?.find(
        (e) => e.lifecycleEventName === 'ValidateService',
      );
      assert.equal(validate?.diagnostics?.errorCode, 'Success');
      assert.match(
        validate?.diagnostics?.logTail ?? '',
        /Script - hooks\/validate\.sh\n\[stdout\]serving v1\n$/,
      );
    });

    it('runs a GitHub revision, and the block-traffic hooks of the blue fleet from the first revision', async () => {
      const info = await deploy(tc, 'web-bg', {
        revisionType: 'GitHub',
        gitHubLocation: { repository: 'example/web', commitId: repo.commitId },
      });
      assert.equal(info.status, 'Succeeded', JSON.stringify(info.errorInformation));
      const targets = await targetsOf(tc, info.deploymentId ?? '');
      const blue = targets
        .filter((t) => t.instanceTarget?.instanceLabel === 'Blue')
        .map((t) => t.instanceTarget?.targetId);
      assert.deepEqual([...blue].sort(), [...firstGreen].sort());
      for (const id of firstGreen) {
        const lines = proof(tc, id).slice(-2);
        assert.deepEqual(
          lines.map((l) => [l[0], l[2], l[8]]),
          [
            ['BeforeBlockTraffic', info.deploymentId, 'v1'],
            ['AfterBlockTraffic', info.deploymentId, 'v1'],
          ],
        );
      }
      const green = targets.filter((t) => t.instanceTarget?.instanceLabel === 'Green');
      for (const target of green) {
        const lines = proof(tc, target.instanceTarget?.targetId ?? '');
        assert.equal(lines.length, 6);
        for (const line of lines) assert.deepEqual(line.slice(6), ['-', repo.commitId, 'v2']);
      }
    });

    it('wrote nothing outside the sandboxes', () => {
      assert.deepEqual(snapshot(HOST_DIRS), before0);
      assert.equal(existsSync('/opt/web'), false);
      assert.equal(existsSync('/etc/systemd/system/web.service'), false);
      assert.equal(existsSync(PROOF), false);
      assert.doesNotMatch(readFileSync('/etc/passwd', 'utf8'), /^web:/m);
    });

    it('leaves no process and no sandbox directory behind once closed', async () => {
      assert.notEqual(marker, '');
      assert.ok(processesWith(marker).length > 0, 'the sandboxes run while the cloud is up');
      await tc.close();
      closed = true;
      assert.deepEqual(processesWith(marker), []);
      assert.equal(existsSync(marker), false);
    });
  });
