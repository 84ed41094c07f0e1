// tier: rehearsal
// Finding B1 of issue 17, its scenario: the deploy step with --no-verify, as the pipeline first had it
// (findings/b1-deploy-no-verify.patch). prod's deployments wait in Ready (STOP_DEPLOYMENT, 60 minutes);
// with --no-verify nothing verifies the green fleet there and nothing calls ContinueDeployment: the
// deployment sits in Ready until CodeDeploy stops it, and prod never moves traffic. (In the rehearsal
// the job's credentials run out first, finding B2; traffic never moves either way.)
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  finding,
  jobsOf,
  PROD_ONLY,
  PROD_ONLY_UP_TO_PROD_DEPLOY,
  type Rehearsal,
  rehearse,
  scratchDir,
  tail,
} from './findings/support.js';

describe('greenlight rehearse --patch findings/b1: the deploy step with --no-verify', () => {
  const work = scratchDir('b1');
  let run: Rehearsal;

  before(async () => {
    run = await rehearse(work('b1'), ...PROD_ONLY, '--patch', finding('b1-deploy-no-verify'));
  });

  it("prod's stack is made and its deploy step runs (dev's deployment and gate not rehearsed here)", () => {
    assert.deepEqual(jobsOf(run).slice(0, 6), PROD_ONLY_UP_TO_PROD_DEPLOY);
  });

  it("B1: prod's deployment waits in Ready, never verified nor continued, and traffic never moves", () => {
    assert.equal(run.code, 1, tail(run));
    const codeDeploy = run.result.pipelines[0]?.jobs.find((j) => j.name === 'code_deploy_prod');
    assert.equal(codeDeploy?.outcome, 'failed');
    assert.ok(codeDeploy?.failedSteps?.includes('greenlight deploy (prod)'), tail(run));
    assert.match(
      run.stderr,
      /\[code_deploy_prod\].*d-\w+ is Ready: green is installed and takes no traffic until someone continues it/,
    );
    assert.doesNotMatch(run.stderr, /\[code_deploy_prod\].*verify the green fleet of d-\w+ before traffic/);
    assert.doesNotMatch(run.stderr, /\[code_deploy_prod\].*reroute traffic to the green fleet/);
    assert.doesNotMatch(run.stderr, /\[code_deploy_prod\].*traffic is on the green fleet/);
    assert.deepEqual(jobsOf(run).slice(-1), [['gate_prod', 'not_run']]);
  });
});
