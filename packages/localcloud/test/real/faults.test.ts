// tier: e2e
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { until } from '../../../../test/support/until.js';
import {
  createGroup,
  deploy,
  makeBundle,
  processesWith,
  putBundle,
  realWorld,
  s3Revision,
  startRealCloud,
  targetsOf,
  type RealTestCloud,
  SEMANTICS_SANDBOX,
} from './real-cloud.js';
import { webBundle } from './web-bundle.js';

for (const sandbox of SEMANTICS_SANDBOX)
  describe(`fault rules on real instances (${sandbox})`, () => {
    let tc: RealTestCloud;
    before(async () => {
      tc = await startRealCloud(realWorld({ instances: 2 }), sandbox);
      await createGroup(tc, 'web-bg');
    });
    after(() => tc.close());

    async function addFault(rule: object): Promise<void> {
      const response = await fetch(`${tc.lc.url}/_localcloud/faults`, {
        method: 'POST',
        body: JSON.stringify(rule),
      });
      assert.equal(response.status, 200, await response.text());
    }

    it('fails a hook with the rule exit code, and terminating an instance mid-deployment kills its sandbox', async () => {
      await addFault({
        scope: 'instance',
        deploymentGroup: 'web-bg',
        fleet: 'green',
        index: 0,
        event: 'AfterInstall',
        effect: 'fail',
        exitCode: 3,
      });
      await addFault({
        scope: 'instance',
        deploymentGroup: 'web-bg',
        fleet: 'green',
        index: 1,
        event: 'ApplicationStart',
        effect: 'terminate',
      });
      await putBundle(tc, 'web/v1.zip', makeBundle(webBundle('v1')));
      const info = await deploy(tc, 'web-bg', s3Revision('web/v1.zip'));
      assert.equal(info.status, 'Failed');
      const green = (await targetsOf(tc, info.deploymentId ?? '')).filter(
        (t) => t.instanceTarget?.instanceLabel === 'Green',
      );
      const failed = green
        .flatMap((t) => t.instanceTarget?.lifecycleEvents ?? [])
        .filter((e) => e.status === 'Failed');
      const afterInstall = failed.find((e) => e.lifecycleEventName === 'AfterInstall');
      assert.equal(afterInstall?.diagnostics?.errorCode, 'ScriptFailed');
      assert.equal(afterInstall?.diagnostics?.scriptName, 'hooks/after-install.sh');
      assert.equal(
        afterInstall?.diagnostics?.message,
        'Script at specified location: hooks/after-install.sh run as user web failed with exit code 3',
      );
      assert.match(
        afterInstall?.diagnostics?.logTail ?? '',
        /\[stdout\]AfterInstall: failing as a local cloud fault rule asks/,
      );
      const start = failed.find((e) => e.lifecycleEventName === 'ApplicationStart');
      assert.ok(start, 'the terminated instance fails its ApplicationStart');
      const terminated =
        green.find((t) => t.instanceTarget?.lifecycleEvents?.includes(start))?.instanceTarget?.targetId ?? '';
      await until(
        () => tc.lc.cloud.instances.get(terminated),
        (sandbox) => sandbox === undefined,
        "the terminated instance's sandbox to be gone",
        '1m',
      );
    });

    it('reset stops every instance process and removes the sandboxes', async () => {
      const marker = tc.lc.cloud.instances.directory ?? '';
      const roots = tc.lc.cloud.instances.all().map((s) => s.root);
      assert.ok(roots.length > 0);
      assert.ok(processesWith(marker).length > 0);
      const response = await fetch(`${tc.lc.url}/_localcloud/reset`, { method: 'POST' });
      assert.equal(response.status, 200);
      await until(
        () => processesWith(marker).length === 0 && roots.every((root) => !existsSync(root)),
        (gone) => gone,
        'every instance process and sandbox root to be gone',
        '1m',
      );
    });
  });
