// tier: e2e
// A real instance of an image without Node.js installs it as user data would on Amazon Linux 2023
// (`dnf install -y nodejs<major>`): the local cloud's dnf gives the Node.js it runs on, reached as AL2023
// reaches it (/usr/bin/node → /etc/alternatives/node), so a later hook that needs Node runs. Before
// the install, node is absent; a package the local cloud cannot give fails as dnf fails for one no
// repository has.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorldInput } from '../../src/world.js';
import {
  bootOf,
  IN_PLACE,
  createGroup,
  deploy,
  makeBundle,
  putBundle,
  realWorld,
  s3Revision,
  SEMANTICS_SANDBOX,
  startRealCloud,
  targetsOf,
  type RealTestCloud,
} from './real-cloud.js';

const NO_NODE = 'ami-0b00d0000000000e2';
const NODE_PACKAGE = `nodejs${process.versions.node.split('.')[0] ?? ''}`;

const INSTALLS_NODE = `#!/bin/bash
set -euo pipefail
command -v node || echo "no node before dnf"
dnf install -y ${NODE_PACKAGE}
echo "node is $(command -v node) $(node --version)"
readlink /etc/alternatives/node >/dev/null && echo "through /etc/alternatives/node"
`;

function world(): WorldInput {
  const base = realWorld({ instances: 1 });
  return {
    ...base,
    images: [{ id: NO_NODE, name: 'al2023-without-node', lacks: ['node'] }],
    launchTemplates: [
      { name: 'web', imageId: NO_NODE, userData: INSTALLS_NODE },
      { name: 'ruby', imageId: NO_NODE, userData: '#!/bin/sh\ndnf install -y ruby wget\n' },
    ],
    autoScalingGroups: [
      ...(base.autoScalingGroups ?? []),
      {
        name: 'ruby-asg',
        instances: 1,
        availabilityZones: ['us-east-1a'],
        launchTemplate: 'ruby',
        agent: 'real',
      },
    ],
  };
}

for (const sandbox of SEMANTICS_SANDBOX)
  describe(`dnf in a real instance (${sandbox})`, () => {
    let tc: RealTestCloud;
    before(async () => {
      tc = await startRealCloud(world(), sandbox);
    });
    after(() => tc.close());

    it(`user data's dnf install -y ${NODE_PACKAGE} gives the instance node, through /etc/alternatives`, async () => {
      const { result, log } = await bootOf(tc, 'web-asg');
      assert.deepEqual(result.errors, [], log);
      assert.match(log, /no node before dnf\n/);
      assert.match(log, new RegExp(`Installed: ${NODE_PACKAGE} `));
      assert.match(log, new RegExp(`node is /usr/(local/)?bin/node v${process.versions.node}\\n`));
      assert.match(log, /through \/etc\/alternatives\/node\n/);
    });

    it('a hook that needs Node then runs in BeforeInstall', async () => {
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
      const [target] = await targetsOf(tc, info.deploymentId ?? '');
      const events = target?.instanceTarget?.lifecycleEvents ?? [];
      assert.equal(info.status, 'Succeeded', JSON.stringify(events));
      assert.equal(events.find((e) => e.lifecycleEventName === 'BeforeInstall')?.status, 'Succeeded');
    });

    it('a package the local cloud cannot give fails as dnf does, in cloud-init’s log', async () => {
      const { result, log } = await bootOf(tc, 'ruby-asg');
      assert.deepEqual(result.errors, ['Running module scripts-user failed']);
      assert.match(
        log,
        /Error: Unable to find a match: ruby wget \(the local cloud's dnf has only nodejs\d+\)/,
      );
    });
  });
