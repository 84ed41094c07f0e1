// tier: integration
// The checks a last-known-good or passed-gate record must pass before greenlight decides from it,
// against the local cloud with the real SDK clients: records naming a real deployment of this group
// pass; records naming anything else — no deployment, another application's, a stopped one, another
// revision, an S3 bundle deleted or overwritten since — fail, each with its reason.
import assert from 'node:assert/strict';
import {
  CreateDeploymentCommand,
  StopDeploymentCommand,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { DeleteObjectCommand, PutObjectCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { after, before, describe, it } from 'node:test';
import { applyGroup } from '../../src/codedeploy/group.js';
import { revisionLocation } from '../../src/codedeploy/revision-location.js';
import { readPassedGate, readCheckedPassedGate, PASSED_GATE_TAGS } from '../../src/gate/passed-gate.js';
import {
  LKG_TAGS,
  readCheckedLastKnownGood,
  recordLastKnownGood,
} from '../../src/rollback/last-known-good.js';
import { checkRecord, type RecordCheck } from '../../src/rollback/record-check.js';
import { devEnvironment, devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { WEB_DEV, ended, forgeTags, foreignDeployment, github } from './forged-records.js';

const V1 = 'a1'.repeat(20);
const V2 = 'b2'.repeat(20);
const V3 = 'c3'.repeat(20);

const reasonOf = (check: RecordCheck) => (check.ok ? 'passed' : check.reason);

describe('the checks a record passes before greenlight decides from it', () => {
  let cloud: TestCloud;
  let v1 = '';
  const deps = async () => ({ codedeploy: await cloud.aws.codedeploy(), s3: () => cloud.aws.s3() });

  async function deploy(revision: string | RevisionLocation) {
    const codedeploy = await cloud.aws.codedeploy();
    const out = await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-dev',
        revision: typeof revision === 'string' ? github(revision) : revision,
      }),
    );
    return out.deploymentId ?? '';
  }

  before(async () => {
    cloud = await startCloud({ world: devWorld(1) });
    const env = devEnvironment();
    await applyGroup(
      env,
      { codedeploy: await cloud.aws.codedeploy(), autoscaling: await cloud.aws.autoscaling() },
      { emit: () => undefined },
    );
    v1 = await deploy(V1);
    assert.equal(await ended(cloud, v1), 'Succeeded');
  });
  after(async () => {
    await cloud.close();
  });

  it('no record: nothing to check', async () => {
    assert.deepEqual(await readCheckedLastKnownGood(WEB_DEV, await deps()), { kind: 'none' });
    assert.deepEqual(await readCheckedPassedGate(WEB_DEV, await deps()), { kind: 'none' });
  });

  it('a record greenlight wrote for a Succeeded deployment of this group passes, with its revision', async () => {
    const codedeploy = await cloud.aws.codedeploy();
    await recordLastKnownGood(codedeploy, WEB_DEV, { deploymentId: v1, revision: V1 }, cloud.clock);
    const checked = await readCheckedLastKnownGood(WEB_DEV, await deps());
    assert.equal(checked.kind, 'checked', JSON.stringify(checked));
    assert.ok(checked.kind === 'checked');
    assert.equal(checked.record.deploymentId, v1);
    assert.equal(checked.revision.gitHubLocation?.commitId, V1);
    assert.equal(checked.deployment.deploymentGroupName, 'web-dev');
  });

  it('a record of a failed verdict is never written', async () => {
    const codedeploy = await cloud.aws.codedeploy();
    await assert.rejects(
      recordLastKnownGood(
        codedeploy,
        WEB_DEV,
        { deploymentId: v1, revision: V1, verified: false },
        cloud.clock,
      ),
      /refusing to record .* it did not verify/,
    );
  });

  it('a record naming no deployment, or a deployment CodeDeploy does not know, fails', async () => {
    const d = await deps();
    assert.match(
      reasonOf(await checkRecord({ deploymentId: 'v1-is-fine', revision: V1 }, WEB_DEV, d)),
      /"v1-is-fine" is not a CodeDeploy deployment id/,
    );
    assert.match(
      reasonOf(await checkRecord({ deploymentId: 'd-AAAAAAAAA', revision: V1 }, WEB_DEV, d)),
      /CodeDeploy does not know deployment d-AAAAAAAAA/,
    );
  });

  it('a record naming a Succeeded deployment of another application fails, naming both', async () => {
    const foreign = await foreignDeployment(cloud, V2);
    await forgeTags(cloud, { [LKG_TAGS.deployment]: foreign, [LKG_TAGS.revision]: V2 });
    const checked = await readCheckedLastKnownGood(WEB_DEV, await deps());
    assert.equal(checked.kind, 'rejected');
    assert.ok(checked.kind === 'rejected');
    assert.equal(checked.record.deploymentId, foreign);
    assert.equal(checked.reason, `${foreign} is a deployment of api/api-dev, not of web/web-dev`);
    // The passed-gate record is read the same way.
    await forgeTags(cloud, { [PASSED_GATE_TAGS.deployment]: foreign, [PASSED_GATE_TAGS.revision]: V2 });
    assert.equal((await readPassedGate(await cloud.aws.codedeploy(), WEB_DEV))?.deploymentId, foreign);
    const gate = await readCheckedPassedGate(WEB_DEV, await deps());
    assert.equal(gate.kind, 'rejected');
    assert.ok(gate.kind === 'rejected');
    assert.match(gate.reason, /is a deployment of api\/api-dev, not of web\/web-dev/);
  });

  it('a record naming a deployment of this group that did not succeed fails', async () => {
    const codedeploy = await cloud.aws.codedeploy();
    // A hung install keeps it running until it is stopped, whatever the speed.
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'BeforeInstall',
      effect: 'hang',
    });
    const stopped = await deploy(V3);
    await codedeploy.send(new StopDeploymentCommand({ deploymentId: stopped, autoRollbackEnabled: false }));
    assert.equal(await ended(cloud, stopped), 'Stopped');
    await cloud.clearFaults();
    assert.equal(
      reasonOf(await checkRecord({ deploymentId: stopped, revision: V3 }, WEB_DEV, await deps())),
      `${stopped} is Stopped, not Succeeded`,
    );
  });

  it('a record whose revision tag is not what its deployment deployed fails', async () => {
    assert.equal(
      reasonOf(await checkRecord({ deploymentId: v1, revision: V2 }, WEB_DEV, await deps())),
      `the record says ${v1} deployed "${V2}", but it deployed ${V1}`,
    );
  });

  it('an S3 revision passes while its bundle exists, and fails once it is overwritten or deleted', async () => {
    const s3 = await cloud.aws.s3();
    const env = devEnvironment({ revision: { s3: { bucket: 'web-revisions', prefix: 'web/' } } });
    const key = `web/${V1}.zip`;
    const put = (body: string) =>
      s3.send(new PutObjectCommand({ Bucket: 'web-revisions', Key: key, Body: Buffer.from(body) }));
    await put('PK\x05\x06' + '\0'.repeat(18));
    const location = await revisionLocation(env, { type: 'GitHub', commitId: V1 }, () => cloud.aws.s3());
    const id = await deploy(location);
    assert.equal(await ended(cloud, id), 'Succeeded');
    const codedeploy = await cloud.aws.codedeploy();
    const record = await recordLastKnownGood(
      codedeploy,
      WEB_DEV,
      { deploymentId: id, revision: `s3://web-revisions/${key}#${location.s3Location?.eTag ?? ''}` },
      cloud.clock,
    );
    assert.equal((await checkRecord(record, WEB_DEV, await deps())).ok, true);

    assert.match(
      reasonOf(await checkRecord(record, WEB_DEV, { codedeploy })),
      /could not check \(this command was given no S3 client\)/,
      'without S3 an S3 revision is not taken on trust',
    );

    await put('another bundle under the same key');
    assert.match(
      reasonOf(await checkRecord(record, WEB_DEV, await deps())),
      new RegExp(
        `which has changed since \\(s3://web-revisions/${key} has ETag .*, the deployment pinned ${location.s3Location?.eTag ?? ''}\\)`,
      ),
    );

    await s3.send(new DeleteObjectCommand({ Bucket: 'web-revisions', Key: key }));
    assert.match(
      reasonOf(await checkRecord(record, WEB_DEV, await deps())),
      new RegExp(`which no longer exists \\(HeadObject s3://web-revisions/${key}: not found\\)`),
    );
  });

  it('a versioned S3 revision is looked up by the version the deployment pinned', async () => {
    const s3 = await cloud.aws.s3();
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'web-revisions',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const env = devEnvironment({ revision: { s3: { bucket: 'web-revisions', prefix: 'web/' } } });
    const key = `web/${V2}.zip`;
    await s3.send(
      new PutObjectCommand({
        Bucket: 'web-revisions',
        Key: key,
        Body: Buffer.from('PK\x05\x06' + '\0'.repeat(18)),
      }),
    );
    const location = await revisionLocation(env, { type: 'GitHub', commitId: V2 }, () => cloud.aws.s3());
    const version = location.s3Location?.version ?? '';
    assert.ok(version, 'a versioned bucket pins the version');
    const id = await deploy(location);
    assert.equal(await ended(cloud, id), 'Succeeded');
    const claim = { deploymentId: id, revision: `s3://web-revisions/${key} version=${version}` };
    // A newer version of the same key does not change the pinned one.
    await s3.send(new PutObjectCommand({ Bucket: 'web-revisions', Key: key, Body: Buffer.from('newer') }));
    assert.equal((await checkRecord(claim, WEB_DEV, await deps())).ok, true);
    await s3.send(new DeleteObjectCommand({ Bucket: 'web-revisions', Key: key, VersionId: version }));
    assert.match(
      reasonOf(await checkRecord(claim, WEB_DEV, await deps())),
      new RegExp(`no longer exists \\(HeadObject s3://web-revisions/${key} version ${version}: not found\\)`),
    );
  });
});
