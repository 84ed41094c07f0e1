// tier: e2e
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetDeploymentGroupCommand, type LifecycleEvent } from '@aws-sdk/client-codedeploy';
import {
  IN_PLACE,
  createGroup,
  deploy,
  makeBundle,
  putBundle,
  realWorld,
  s3Revision,
  startRealCloud,
  targetsOf,
  type BundleFiles,
  type RealTestCloud,
  SEMANTICS_SANDBOX,
} from './real-cloud.js';
import { PROOF, webBundle } from './web-bundle.js';

/** A bundle whose AfterInstall runs `script` (at hooks/after.sh unless the files say otherwise). */
function failingBundle(extra: BundleFiles, hook: string): BundleFiles {
  return {
    'appspec.yml': `version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n${hook}`,
    ...extra,
  };
}

for (const sandbox of SEMANTICS_SANDBOX)
  describe(`script results of real hooks, as BatchGetDeploymentTargets reports them (${sandbox})`, () => {
    let tc: RealTestCloud;
    let groupId = '';
    before(async () => {
      tc = await startRealCloud(realWorld({ instances: 1 }), sandbox);
      await createGroup(tc, 'web-ip', IN_PLACE);
      const group = await tc.codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-ip' }),
      );
      groupId = group.deploymentGroupInfo?.deploymentGroupId ?? '';
    });
    after(() => tc.close());

    async function afterInstallOf(
      key: string,
      files: BundleFiles,
      kind: 'zip' | 'tar' = 'tar',
    ): Promise<{ event: LifecycleEvent | undefined; deploymentId: string }> {
      await putBundle(tc, key, makeBundle(files, kind));
      const info = await deploy(tc, 'web-ip', s3Revision(key, kind));
      assert.equal(info.status, 'Failed');
      const [target] = await targetsOf(tc, info.deploymentId ?? '');
      const events = target?.instanceTarget?.lifecycleEvents ?? [];
      assert.deepEqual(
        events.map((e) => `${e.lifecycleEventName}:${e.status}`),
        [
          'ApplicationStop:Succeeded',
          'DownloadBundle:Succeeded',
          'BeforeInstall:Succeeded',
          'Install:Succeeded',
          'AfterInstall:Failed',
          'ApplicationStart:Skipped',
          'ValidateService:Skipped',
        ],
      );
      return {
        event: events.find((e) => e.lifecycleEventName === 'AfterInstall'),
        deploymentId: info.deploymentId ?? '',
      };
    }

    it('ScriptMissing: the location does not exist in the bundle', async () => {
      const { event, deploymentId } = await afterInstallOf(
        'missing.tar',
        failingBundle({}, '    - location: hooks/missing.sh\n'),
      );
      assert.deepEqual(event?.diagnostics, {
        errorCode: 'ScriptMissing',
        scriptName: 'hooks/missing.sh',
        message: `Script does not exist at specified location: /opt/codedeploy-agent/deployment-root/${groupId}/${deploymentId}/deployment-archive/hooks/missing.sh`,
        logTail: 'LifecycleEvent - AfterInstall\nScript - hooks/missing.sh\n',
      });
    });

    it('ScriptNotExecutable: chmod +x cannot make it executable (a link to a read-only host file)', async () => {
      const { event } = await afterInstallOf(
        'not-executable.tar',
        failingBundle(
          { 'hooks/after.sh': { symlink: '/usr/lib/os-release' } },
          '    - location: hooks/after.sh\n',
        ),
      );
      assert.equal(event?.diagnostics?.errorCode, 'ScriptNotExecutable');
      assert.equal(event?.diagnostics?.scriptName, 'hooks/after.sh');
      assert.equal(
        event?.diagnostics?.message,
        'Unable to set script at specified location: hooks/after.sh as executable',
      );
    });

    it('ScriptFailed: exit code 3, with its output in the log tail', async () => {
      const { event } = await afterInstallOf(
        'exit3.zip',
        failingBundle(
          { 'hooks/after.sh': '#!/bin/bash\necho "configuring"\necho "no config found" >&2\nexit 3\n' },
          '    - location: hooks/after.sh\n',
        ),
        'zip',
      );
      assert.deepEqual(event?.diagnostics, {
        errorCode: 'ScriptFailed',
        scriptName: 'hooks/after.sh',
        message: 'Script at specified location: hooks/after.sh failed with exit code 3',
        logTail:
          'LifecycleEvent - AfterInstall\nScript - hooks/after.sh\n[stdout]configuring\n[stderr]no config found\n',
      });
    });

    it('ScriptFailed as a runas user, with the user in the message', async () => {
      const { event } = await afterInstallOf(
        'runas.tar',
        failingBundle(
          {
            'hooks/user.sh': '#!/bin/bash\nid app >/dev/null 2>&1 || useradd --shell /bin/bash app\n',
            'hooks/after.sh': '#!/bin/bash\necho "running as $(id -un)"\nexit 4\n',
          },
          '    - location: hooks/after.sh\n      runas: app\n  BeforeInstall:\n    - location: hooks/user.sh\n',
        ),
      );
      assert.equal(
        event?.diagnostics?.message,
        'Script at specified location: hooks/after.sh run as user app failed with exit code 4',
      );
      assert.match(event?.diagnostics?.logTail ?? '', /\[stdout\]running as app\n$/);
    });

    it('ScriptTimedOut: the process group is killed at the timeout', async () => {
      const { event } = await afterInstallOf(
        'timeout.tar',
        failingBundle(
          { 'hooks/after.sh': '#!/bin/bash\necho "waiting"\nsleep 30 &\nwait\n' },
          '    - location: hooks/after.sh\n      timeout: 1\n',
        ),
      );
      assert.deepEqual(event?.diagnostics, {
        errorCode: 'ScriptTimedOut',
        scriptName: 'hooks/after.sh',
        message: 'Script at specified location: hooks/after.sh failed to complete in 1 seconds',
        logTail: 'LifecycleEvent - AfterInstall\nScript - hooks/after.sh\n[stdout]waiting\n',
      });
    });

    it('UnknownError: the script exits but a child keeps its stdout open', async () => {
      const { event } = await afterInstallOf(
        'stdout-open.tar',
        failingBundle(
          { 'hooks/after.sh': '#!/bin/bash\necho "starting a daemon the wrong way"\nsleep 30 &\nexit 0\n' },
          '    - location: hooks/after.sh\n      timeout: 1\n',
        ),
      );
      assert.deepEqual(event?.diagnostics, {
        errorCode: 'UnknownError',
        scriptName: 'hooks/after.sh',
        message: 'Script at specified location: hooks/after.sh failed to close STDOUT',
        logTail:
          'LifecycleEvent - AfterInstall\nScript - hooks/after.sh\n[stdout]starting a daemon the wrong way\n',
      });
    });

    it('runs ApplicationStop from the last successful revision, and a broken one fails the next deployment', async () => {
      // v1's ApplicationStop is broken; it only runs when the deployment after v1 stops v1.
      await putBundle(tc, 'web/v1.tgz', makeBundle(webBundle('v1', { brokenStop: 7 }), 'tgz', 'web-v1'));
      const first = await deploy(tc, 'web-ip', s3Revision('web/v1.tgz', 'tgz'));
      assert.equal(first.status, 'Succeeded', JSON.stringify(first.errorInformation));

      await putBundle(tc, 'web/v2.zip', makeBundle(webBundle('v2')));
      const second = await deploy(tc, 'web-ip', s3Revision('web/v2.zip'));
      assert.equal(second.status, 'Failed');
      const [target] = await targetsOf(tc, second.deploymentId ?? '');
      const stop = target?.instanceTarget?.lifecycleEvents?.[0];
      assert.equal(stop?.lifecycleEventName, 'ApplicationStop');
      assert.deepEqual(stop?.diagnostics, {
        errorCode: 'ScriptFailed',
        scriptName: 'hooks/stop.sh',
        message: 'Script at specified location: hooks/stop.sh failed with exit code 7',
        logTail: 'LifecycleEvent - ApplicationStop\nScript - hooks/stop.sh\n[stderr]stop is broken in v1\n',
      });

      const third = await deploy(tc, 'web-ip', s3Revision('web/v2.zip'), {
        ignoreApplicationStopFailures: true,
      });
      assert.equal(third.status, 'Succeeded', JSON.stringify(third.errorInformation));
      const [thirdTarget] = await targetsOf(tc, third.deploymentId ?? '');
      assert.equal(thirdTarget?.instanceTarget?.lifecycleEvents?.[0]?.status, 'Failed');

      const fourth = await deploy(tc, 'web-ip', s3Revision('web/v2.zip'));
      assert.equal(fourth.status, 'Succeeded', JSON.stringify(fourth.errorInformation));
      const [fourthTarget] = await targetsOf(tc, fourth.deploymentId ?? '');
      const fourthStop = fourthTarget?.instanceTarget?.lifecycleEvents?.[0];
      assert.equal(fourthStop?.status, 'Succeeded');
      assert.equal(
        fourthStop?.diagnostics?.logTail,
        'LifecycleEvent - ApplicationStop\nScript - hooks/stop.sh\n',
      );
      // The stop that ran is v2's, the last successful revision's, in the fourth deployment.
      const instanceId = fourthTarget?.instanceTarget?.targetId ?? '';
      const stops = readFileSync(join(tc.rootOf(instanceId), PROOF), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('ApplicationStop '))
        .map((line) => line.split(' '));
      assert.deepEqual(
        stops.map((line) => [line[2], line[8]]),
        [
          [second.deploymentId, 'v1'],
          [third.deploymentId, 'v1'],
          [fourth.deploymentId, 'v2'],
        ],
      );
    });
  });
