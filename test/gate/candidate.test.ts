// tier: integration
// Which deployment the gate may bake: the group's last one, verified only when the last-known-good
// names it and the record passes the checks every reader makes — against the local cloud.
import assert from 'node:assert/strict';
import { CreateDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { after, before, describe, it } from 'node:test';
import { applyGroup } from '../../src/codedeploy/group.js';
import { findCandidate, GateRefused } from '../../src/gate/candidate.js';
import { LKG_TAGS, recordLastKnownGood } from '../../src/rollback/last-known-good.js';
import { WEB_DEV, ended, forgeTags, foreignDeployment, github } from '../rollback/forged-records.js';
import { devEnvironment, devWorld, startCloud, type TestCloud } from '../support/cloud.js';

const V1 = 'a1'.repeat(20);
const V2 = 'b2'.repeat(20);

describe('the gate’s candidate reads the checked last-known-good', () => {
  let cloud: TestCloud;
  let v1 = '';
  const env = devEnvironment();

  before(async () => {
    cloud = await startCloud({ world: devWorld(1) });
    const codedeploy = await cloud.aws.codedeploy();
    await applyGroup(
      env,
      { codedeploy, autoscaling: await cloud.aws.autoscaling() },
      { emit: () => undefined },
    );
    const out = await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-dev',
        revision: github(V1),
      }),
    );
    v1 = out.deploymentId ?? '';
    assert.equal(await ended(cloud, v1), 'Succeeded');
    await recordLastKnownGood(codedeploy, WEB_DEV, { deploymentId: v1, revision: V1 }, cloud.clock);
  });
  after(async () => {
    await cloud.close();
  });

  it('a record that names the last deployment and passes its checks makes it a verified candidate', async () => {
    const candidate = await findCandidate(env, await cloud.aws.codedeploy(), { force: false });
    assert.equal(candidate.deploymentId, v1);
    assert.equal(candidate.verified, true);
    assert.equal(candidate.lastKnownGood?.deploymentId, v1);
  });

  it('a record naming the last deployment with another revision is refused, with the reason; --force bakes it unverified', async () => {
    await forgeTags(cloud, { [LKG_TAGS.revision]: V2 });
    const codedeploy = await cloud.aws.codedeploy();
    await assert.rejects(findCandidate(env, codedeploy, { force: false }), (error: unknown) => {
      assert.ok(error instanceof GateRefused);
      assert.match(
        error.message,
        new RegExp(
          `${v1} \\(${V1}, Succeeded\\), is not verified: the last-known-good record names ${v1} \\(${V2}\\) and fails its check: the record says ${v1} deployed "${V2}", but it deployed ${V1}`,
        ),
      );
      return true;
    });
    const forced = await findCandidate(env, codedeploy, { force: true });
    assert.equal(forced.verified, false);
    assert.equal(forced.lastKnownGood, undefined, 'a record that fails its checks is not the candidate’s');
  });

  it("--revision: a release of another revision is refused, naming both; the pipeline's own is baked", async () => {
    const codedeploy = await cloud.aws.codedeploy();
    // (The record was forged above: --force, so that only the revision decides.)
    const own = await findCandidate(env, codedeploy, { force: true, revision: V1 });
    assert.equal(own.deploymentId, v1);
    await assert.rejects(findCandidate(env, codedeploy, { force: true, revision: V2 }), (error: unknown) => {
      assert.ok(error instanceof GateRefused);
      assert.match(
        error.message,
        new RegExp(
          `the release of web/web-dev is ${v1} of ${V1} \\(Succeeded\\), not of ${V2}: another deployment replaced it`,
        ),
      );
      return true;
    });
  });

  it('a record naming another application’s deployment verifies nothing', async () => {
    const foreign = await foreignDeployment(cloud, V2);
    await forgeTags(cloud, { [LKG_TAGS.deployment]: foreign, [LKG_TAGS.revision]: V2 });
    await assert.rejects(
      findCandidate(env, await cloud.aws.codedeploy(), { force: false }),
      new RegExp(`fails its check: ${foreign} is a deployment of api/api-dev, not of web/web-dev`),
    );
  });
});
