// tier: rehearsal
// Finding B2 of issue 17, its scenario: each process of a job trades CircleCI's OIDC token for
// itself, and the deploy role's sessions last an hour (findings/b2-token-traded-per-process.patch).
// prod's deploy step gets a session of an hour at its start; the deployment is verified in Ready and
// continued, then waits an hour before blue is terminated: the session expires first. The verify and
// rollback steps after it start when the token, an hour old, can no longer be traded. dev's deployment
// and gate are skipped: this is prod's finding.
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

describe('greenlight rehearse --patch findings/b2: the token traded by each process, one-hour sessions', () => {
  const work = scratchDir('b2');
  let run: Rehearsal;

  before(async () => {
    run = await rehearse(work('b2'), ...PROD_ONLY, '--patch', finding('b2-token-traded-per-process'));
  });

  it('the stacks are made with one-hour sessions, and greenlight says which MaxSessionDuration to raise', () => {
    assert.deepEqual(jobsOf(run).slice(0, 6), PROD_ONLY_UP_TO_PROD_DEPLOY);
    assert.match(run.stderr, /\[code_deploy_prod\].*MaxSessionDuration/, tail(run));
  });

  it("B2: prod's deploy outlives its session, and the steps after it find the token expired", () => {
    assert.equal(run.code, 1, tail(run));
    const codeDeploy = run.result.pipelines[0]?.jobs.find((j) => j.name === 'code_deploy_prod');
    assert.equal(codeDeploy?.outcome, 'failed');
    assert.deepEqual(codeDeploy?.failedSteps, [
      'greenlight deploy (prod)',
      'greenlight verify (prod)',
      'Roll back to the last verified revision',
    ]);
    // The deployment was verified and continued: it is the credentials that ran out, not the release.
    assert.match(run.stderr, /\[code_deploy_prod\].*d-\w+: traffic is on the green fleet/);
    assert.match(run.stderr, /\[code_deploy_prod\].*ExpiredToken/);
    assert.deepEqual(jobsOf(run).slice(-1), [['gate_prod', 'not_run']]);
  });
});
