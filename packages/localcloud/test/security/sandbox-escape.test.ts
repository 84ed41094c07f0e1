// tier: e2e
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
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
} from '../real/real-cloud.js';

// A hook that tries to write outside its instance: /etc, /opt, the host's /tmp, the host's $HOME
// and the repository. Inside the sandbox the writes land in the instance's own copies (or fail);
// on the host, afterwards, none of the files exists.

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const tag = `greenlight-escape-${randomUUID()}`;
const targets = [
  `/etc/${tag}`,
  `/opt/${tag}`,
  join(tmpdir(), tag),
  join(homedir(), tag),
  join(repo, tag),
  join(repo, 'src', tag),
];

const escapeScript = `#!/bin/sh
# Try every way out: a plain write, a directory, a hard-to-miss marker, then report what happened.
for target in ${targets.map((t) => `'${t}'`).join(' ')}; do
  if (mkdir -p "$(dirname "$target")" && echo escaped > "$target") 2>/dev/null; then
    echo "wrote $target" >> /tmp/escape-report
  else
    echo "refused $target" >> /tmp/escape-report
  fi
done
exit 0
`;

for (const sandbox of SANDBOXES)
  describe(`hook sandboxes cannot write outside their instance (${sandbox})`, () => {
    let tc: RealTestCloud;

    before(async () => {
      tc = await startRealCloud(realWorld({ instances: 1 }), sandbox);
      await createGroup(tc, 'web-escape', {
        deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration: undefined,
        loadBalancerInfo: undefined,
      });
    });

    after(async () => {
      await tc.close();
      // Should the sandbox ever leak, do not leave the proof lying around on the host.
      for (const target of targets) rmSync(target, { force: true });
    });

    it('a hook writing to /etc, /opt, the host /tmp, $HOME and the repository leaves nothing on the host', async () => {
      for (const target of targets)
        assert.equal(existsSync(target), false, `${target} exists before the test`);
      await putBundle(
        tc,
        'escape/v1.tar',
        makeBundle(
          {
            'appspec.yml':
              'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: escape.sh\n      timeout: 60\n',
            'escape.sh': escapeScript,
          },
          'tar',
        ),
      );
      const info = await deploy(tc, 'web-escape', s3Revision('escape/v1.tar', 'tar'));
      assert.equal(info.status, 'Succeeded', JSON.stringify(info.errorInformation));
      const [target] = await targetsOf(tc, info.deploymentId ?? '');
      const instanceId = target?.instanceTarget?.targetId ?? '';
      // The hook did run, inside its instance: its report is in the instance's /tmp.
      const report = readFileSync(join(tc.rootOf(instanceId), 'tmp', 'escape-report'), 'utf8');
      assert.equal(report.trim().split('\n').length, targets.length, report);
      for (const path of targets)
        assert.equal(existsSync(path), false, `${path} was written on the host:\n${report}`);
    });
  });
