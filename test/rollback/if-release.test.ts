// tier: integration
// A CI job rolls back only what it deployed (issue 17, H2): `deploy --id-file` names the job's
// deployment as soon as there is one, and `rollback --if-release ID` goes on only while that
// deployment is the environment's release — through the real command line on the local cloud.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { startScenarioHarness, type ScenarioHarness } from '../scenarios/runner.js';
import { V1, V2 } from '../scenarios/scenario.js';

describe('rollback --if-release: only what this job deployed', () => {
  let harness: ScenarioHarness;
  before(async () => {
    harness = await startScenarioHarness();
  });
  after(async () => {
    await harness.close();
  });

  it('after another pipeline replaced the job’s release it does nothing (exit 0); while it is the release, it rolls back', async () => {
    const runs: Record<string, { code: number; stderr: string; stdout: string }> = {};
    const observed = await harness.run({
      name: 'if-release',
      groundTruth:
        'this job deploys v1; another pipeline then deploys v2; this job’s rollback must leave v2 alone',
      instances: 2,
      act: async (ctx) => {
        const mine = await ctx.cli([
          'deploy',
          '--env',
          'dev',
          '--revision',
          V1,
          '--no-verify',
          '--poll',
          '15s',
          '--id-file',
          'reports/deployment-id',
        ]);
        assert.equal(mine.code, 0, mine.stderr);
        ctx.facts.mine = (await readFile(join(ctx.dir, 'reports/deployment-id'), 'utf8')).trim();
        const theirs = await ctx.cli([
          'deploy',
          '--env',
          'dev',
          '--revision',
          V2,
          '--no-verify',
          '--poll',
          '15s',
          '--json',
        ]);
        ctx.facts.theirs = (
          JSON.parse(theirs.stdout) as { result: { deploymentId: string } }
        ).result.deploymentId;
        const codedeploy = await ctx.cloud.aws.codedeploy();
        const count = async () =>
          (
            await codedeploy.send(
              new ListDeploymentsCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
            )
          ).deployments?.length ?? 0;
        const before = await count();
        runs.stale = await ctx.cli(['rollback', '--env', 'dev', '--if-release', ctx.facts.mine, '--json']);
        ctx.facts.deploymentsAfterStale = String((await count()) - before);
        runs.current = await ctx.cli(['rollback', '--env', 'dev', '--if-release', ctx.facts.theirs]);
        runs.bad = await ctx.cli(['rollback', '--env', 'dev', '--if-release', 'not-an-id']);
      },
      expect: { exitCode: 2, verified: false, failing: [], names: [] },
    });
    const { mine, theirs } = observed.context.facts;
    assert.match(mine ?? '', /^d-[A-Z0-9]{9}$/, 'deploy --id-file wrote the id of the deployment it created');
    assert.notEqual(mine, theirs);
    assert.equal(runs.stale?.code, 0, runs.stale?.stderr);
    assert.match(
      runs.stale?.stderr ?? '',
      new RegExp(
        `${mine} is no longer the release of web/web-dev: ${theirs} \\(${V2}, created by user\\) replaced it; not rolling back`,
      ),
    );
    assert.equal(observed.context.facts.deploymentsAfterStale, '0', 'nothing was deployed');
    // While it is the release the rollback goes on (here to nothing: no revision was ever verified).
    assert.equal(runs.current?.code, 1);
    assert.match(runs.current?.stderr ?? '', /has no last-known-good revision/);
    assert.equal(runs.bad?.code, 2);
    assert.match(runs.bad?.stderr ?? '', /--if-release "not-an-id" is not a deployment id/);
  });
});
