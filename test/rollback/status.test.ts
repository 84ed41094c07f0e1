// `greenlight status` and the last-known-good record, through the real command line on the local cloud.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startScenarioHarness, type ScenarioHarness } from '../scenarios/runner.js';
import { V1, V2 } from '../scenarios/scenario.js';

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
        const first = await ctx.cli(['deploy', '--env', 'dev', '--revision', V1, '--poll', '20ms', '--json']);
        ctx.facts.v1 = (JSON.parse(first.stdout) as { result: { deploymentId: string } }).result.deploymentId;
        const again = await ctx.cli(['deploy', '--env', 'dev', '--revision', V1, '--poll', '20ms', '--json']);
        ctx.facts.again = (JSON.parse(again.stdout) as { result: { created: boolean } }).result.created
          ? 'created'
          : 'skipped';
        await ctx.cli(['deploy', '--env', 'dev', '--revision', V2, '--poll', '20ms', '--no-verify']);
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
});
