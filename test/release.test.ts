// tier: integration
// greenlight as a library: the release and its neighbours called through src/index.ts the way a
// program using the package would — its own clients, clock and logger, nothing from process.env —
// against the local cloud.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  applyGroup,
  deploy,
  ExitCode,
  parseRevision,
  release,
  status,
  verify,
  type Deps,
  type EnvironmentConfig,
  type LogEvent,
  type ReleaseRollback,
} from '../src/index.js';
import { devEnvironment, startCloud, type TestCloud } from './support/cloud.js';

const V1 = 'a1'.repeat(20);
const V2 = 'b2'.repeat(20);

describe('the library: release, verify, status', () => {
  let cloud: TestCloud;
  let env: EnvironmentConfig;
  const events: LogEvent[] = [];
  let deps: Deps;
  const said = () => events.map((e) => ('text' in e ? e.text : 'step' in e ? e.step : e.kind)).join('\n');

  before(async () => {
    cloud = await startCloud();
    env = devEnvironment();
    deps = { aws: cloud.aws, clock: cloud.clock, logger: { emit: (e) => events.push(e) } };
    await applyGroup({ env }, deps);
  });
  after(async () => {
    await cloud.close();
  });

  it('a release of V1 is deployed, followed, verified and recorded; verify and status agree', async () => {
    const environment = { ...process.env };
    const { exitCode, result } = await release(
      { env, revision: parseRevision(V1), build: {}, pollMs: 15_000 },
      deps,
    );
    assert.equal(exitCode, ExitCode.Ok, said());
    assert.equal(result.created, true);
    assert.equal(result.verified, true);
    assert.equal(result.status, 'Succeeded');
    assert.equal(result.verification?.revision, V1);
    assert.equal(result.lastKnownGood?.deploymentId, result.deploymentId);
    assert.ok(
      events.some(
        (e) => e.kind === 'step' && e.step === `deploy ${V1} to web/web-dev` && e.status === 'done',
      ),
      said(),
    );
    assert.deepEqual({ ...process.env }, environment, 'the library leaves process.env alone');

    const verified = await verify({ env }, deps);
    assert.equal(verified.exitCode, ExitCode.Ok);
    assert.equal(verified.verdict.deploymentId, result.deploymentId, 'verify --env judges the release');
    assert.equal(verified.result.lastKnownGood?.deploymentId, result.deploymentId);

    const now = await status({ env }, deps);
    assert.match(now.lines.join('\n'), new RegExp(result.deploymentId));
  });

  it('a release whose instance fails is rolled back to the verified revision when asked (exit 5)', async () => {
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    try {
      const { exitCode, result } = await release(
        { env, revision: parseRevision(V2), build: {}, pollMs: 15_000, rollbackOnFailure: true },
        deps,
      );
      assert.equal(exitCode, ExitCode.RolledBack, said());
      assert.equal(result.verified, false);
      assert.ok(result.failures?.some((f) => f.lifecycleEvent === 'AfterInstall'));
      // greenlight's own rollback, not CodeDeploy's: it ends on the last verified revision.
      const rollback = result.rollback as ReleaseRollback | undefined;
      assert.equal(rollback?.verified, true);
      assert.equal(rollback.verification.revision, V1);
    } finally {
      await cloud.clearFaults();
    }
  });

  it('bad input is thrown with exit code 2, before any AWS call, and never ends the process', async () => {
    const before = await cloud.requests();
    await assert.rejects(
      deploy(
        { env, revision: parseRevision('s3://web-revisions/web/app.zip'), bundleDir: 'bundle', build: {} },
        deps,
      ),
      (error: Error & { exitCode?: number }) =>
        error.exitCode === ExitCode.Usage && /--bundle/.test(error.message),
    );
    await assert.rejects(
      verify({}, deps),
      (error: Error & { exitCode?: number }) => error.exitCode === ExitCode.Usage,
    );
    assert.deepEqual(await cloud.requests(), before);
  });
});
