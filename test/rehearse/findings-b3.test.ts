// tier: rehearsal
// Finding B3 of issue 17, its scenario: the seed fleet in the target group, as the template first had
// it (findings/b3-seed-fleet-in-target-group.patch). Nothing answers /healthcheck before the first
// deployment, every target is unhealthy, web-dev-unhealthy-hosts is in ALARM, and CodeDeploy stops
// dev's first deployment. A branch: prod's jobs are filtered out, so the rehearsal ends with dev.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { finding, jobsOf, type Rehearsal, rehearse, scratchDir, tail } from './findings/support.js';

describe('greenlight rehearse --patch findings/b3: the seed fleet in the target group', () => {
  const work = scratchDir('b3');
  let run: Rehearsal;

  before(async () => {
    run = await rehearse(
      work('b3'),
      '--branch',
      'feature/x',
      '--patch',
      finding('b3-seed-fleet-in-target-group'),
    );
  });

  it('says the patch was applied to the clone', () => {
    assert.match(
      run.stderr,
      /--patch test\/rehearse\/findings\/b3-seed-fleet-in-target-group\.patch applied to the clone/,
    );
  });

  // The seed fleet's churn leaves the alarm OK for a couple of AWS minutes at a time: the deploy step
  // finds it in ALARM and deploy's preflight refuses to create the deployment, or finds it in an OK
  // window and CodeDeploy stops the deployment when it goes back to ALARM. Which one depends on where
  // in the churn the step starts, on AWS as here; the outcome and its cause are the same.
  it('B3: the first deployment of dev is refused or stopped by its own unhealthy-hosts alarm', () => {
    assert.equal(run.code, 1, tail(run));
    assert.equal(run.result.pipelines[0]?.passed, false);
    const codeDeploy = run.result.pipelines[0]?.jobs.find((j) => j.name === 'code_deploy_dev');
    assert.equal(codeDeploy?.outcome, 'failed');
    assert.equal(codeDeploy?.failedSteps?.[0], 'greenlight deploy (dev)');
    assert.match(
      run.stderr,
      /\[code_deploy_dev\].*(already in ALARM: web-dev-unhealthy-hosts|Stopped: ALARM_ACTIVE .*The alarm\(s\) are: web-dev-unhealthy-hosts)/,
    );
    assert.doesNotMatch(run.stderr, /\[code_deploy_dev\].*traffic is on the green fleet/);
    assert.deepEqual(jobsOf(run).slice(-1), [['gate_dev', 'not_run']]);
  });
});
