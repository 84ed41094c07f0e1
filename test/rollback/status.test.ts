// tier: integration
// `greenlight status` and the last-known-good record, through the real command line on the local cloud.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startScenarioHarness, type ScenarioHarness } from '../scenarios/runner.js';
import { V1, V2 } from '../scenarios/scenario.js';
import { LKG_TAGS } from '../../src/rollback/last-known-good.js';
import { forgeTags, foreignDeployment } from './forged-records.js';

interface StatusResult {
  deployed: { deploymentId: string; revision: string; verified: boolean };
  lastKnownGood?: { deploymentId: string; revision: string };
  lastKnownGoodStale?: string;
}

describe('greenlight status and the last-known-good record', () => {
  let harness: ScenarioHarness;
  before(async () => {
    harness = await startScenarioHarness();
  });
  after(async () => {
    await harness.close();
  });

  it('a verified deploy is recorded; an unverified one is shown as NOT verified next to the last-known-good', async () => {
    const observed = await harness.run({
      name: 'status',
      groundTruth: 'v1 verified, then v2 deployed with --no-verify',
      instances: 2,
      act: async (ctx) => {
        const first = await ctx.cli(['deploy', '--env', 'dev', '--revision', V1, '--poll', '15s', '--json']);
        ctx.facts.v1 = (JSON.parse(first.stdout) as { result: { deploymentId: string } }).result.deploymentId;
        const again = await ctx.cli(['deploy', '--env', 'dev', '--revision', V1, '--poll', '15s', '--json']);
        ctx.facts.again = (JSON.parse(again.stdout) as { result: { created: boolean } }).result.created
          ? 'created'
          : 'skipped';
        await ctx.cli(['deploy', '--env', 'dev', '--revision', V2, '--poll', '15s', '--no-verify']);
        await ctx.cli(['status', '--env', 'dev', '--json']);
      },
      expect: { exitCode: 0, verified: false, failing: [], names: [] },
    });
    assert.equal(observed.last.code, 0, observed.last.stderr);
    assert.equal(
      observed.context.facts.again,
      'skipped',
      'isVerified: the verified revision is not deployed twice',
    );
    const status = observed.result as {
      deployed: { revision: string; verified: boolean };
      lastKnownGood: { deploymentId: string; revision: string; verifiedAt: string };
    };
    assert.equal(status.deployed.revision, V2);
    assert.equal(status.deployed.verified, false);
    assert.equal(status.lastKnownGood.deploymentId, observed.context.facts.v1);
    assert.equal(status.lastKnownGood.revision, V1);
    assert.ok(!Number.isNaN(Date.parse(status.lastKnownGood.verifiedAt)));
    assert.match(observed.last.stderr, /deployed: +b2b2.* NOT verified by greenlight/);
    assert.match(
      observed.last.stderr,
      new RegExp(`last-known-good: ${V1} in ${observed.context.facts.v1 ?? ''}`),
    );
  });
  it('a record that no longer matches what it names is stale: what serves is not called verified', async () => {
    const observed = await harness.run({
      name: 'stale status',
      groundTruth:
        'v1 verified and serving; then the record is rewritten to name v1’s deployment with revision v2, and later a deployment of another application',
      instances: 2,
      act: async (ctx) => {
        const first = await ctx.cli(['deploy', '--env', 'dev', '--revision', V1, '--poll', '15s', '--json']);
        ctx.facts.v1 = (JSON.parse(first.stdout) as { result: { deploymentId: string } }).result.deploymentId;
        await ctx.cli(['status', '--env', 'dev', '--json']);
        await forgeTags(ctx.cloud, { [LKG_TAGS.revision]: V2 });
        await ctx.cli(['status', '--env', 'dev', '--json']);
        ctx.facts.foreign = await foreignDeployment(ctx.cloud, V2);
        await forgeTags(ctx.cloud, { [LKG_TAGS.deployment]: ctx.facts.foreign });
        await ctx.cli(['status', '--env', 'dev', '--json']);
      },
      expect: { exitCode: 0, verified: false, failing: [], names: [] },
    });
    const { v1 = '', foreign = '' } = observed.context.facts;
    // runs: group apply, deploy, then the three looks.
    const [, , fresh, retagged, foreignRun] = observed.runs;
    const result = (run: typeof fresh) =>
      (JSON.parse(run?.stdout ?? '{}') as { result: StatusResult }).result;

    assert.equal(fresh?.code, 0, fresh?.stderr);
    assert.equal(result(fresh).deployed.verified, true, 'the record names what serves and passes its checks');
    assert.equal(result(fresh).lastKnownGoodStale, undefined);

    assert.equal(retagged?.code, 0, retagged?.stderr);
    assert.equal(result(retagged).deployed.deploymentId, v1);
    assert.equal(
      result(retagged).deployed.verified,
      false,
      'a record that fails its checks verifies nothing',
    );
    assert.equal(
      result(retagged).lastKnownGoodStale,
      `the record says ${v1} deployed "${V2}", but it deployed ${V1}`,
    );
    assert.match(
      retagged?.stderr ?? '',
      /deployed: .* NOT verified by greenlight \(the last-known-good record is stale, below\)/,
    );
    assert.match(
      retagged?.stderr ?? '',
      new RegExp(
        `last-known-good: STALE — the record \\(${V2} in ${v1}, recorded .*\\) fails its check: the record says ${v1} deployed "${V2}", but it deployed ${V1}; greenlight will not roll back to it`,
      ),
    );

    assert.equal(result(foreignRun).deployed.verified, false);
    assert.equal(result(foreignRun).lastKnownGood?.deploymentId, foreign);
    assert.equal(
      result(foreignRun).lastKnownGoodStale,
      `${foreign} is a deployment of api/api-dev, not of web/web-dev`,
    );
  });
});
