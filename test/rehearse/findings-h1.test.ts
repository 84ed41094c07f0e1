// tier: rehearsal
// Finding H1 of issue 17, its scenario, and the second commit of the issue's "done when". The first
// pipeline's blue/green deployment replaces the stack's first Auto Scaling group with CodeDeploy's
// copy and deletes it; a second commit moves every context's AMI_ID to a new image.
//  - Pre-fix (findings/h1-seed-group-follows-latest-version.patch): the group names the launch
//    template's LatestVersionNumber, so the new template version reaches the group that is gone, and
//    the second `sam deploy` fails: the pipeline stops there.
//  - Shipped, for main and approved: both pipelines pass, and dev's and prod's fleets boot the new
//    image (greenlight points CodeDeploy's copy at the template's latest version before deploying).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { finding, type Rehearsal, rehearse, scratchDir, tail } from './findings/support.js';

/** The image the rehearsal's second commit moves to (src/rehearse/rehearsal.ts, SECOND_IMAGE_ID). */
const SECOND_IMAGE = 'ami-0b0de0c0ffee00042';
const jobs = (run: Rehearsal, pipeline: number) =>
  (run.result.pipelines[pipeline]?.jobs ?? []).map((j) => [j.name, j.outcome]);

describe('greenlight rehearse --second-commit: a new AMI after the first deployment', () => {
  const work = scratchDir('h1');
  let preFix: Rehearsal;
  let shipped: Rehearsal;

  before(async () => {
    const common = ['--second-commit', '--time-scale', '240'];
    preFix = await rehearse(
      work('pre-fix'),
      '--branch',
      'feature/x',
      ...common,
      '--patch',
      finding('h1-seed-group-follows-latest-version'),
    );
    shipped = await rehearse(work('shipped'), '--branch', 'main', '--approve', ...common);
  });

  it('H1: the second sam deploy updates the group CodeDeploy deleted, fails, and the pipeline stops', () => {
    assert.equal(preFix.code, 1, tail(preFix));
    assert.equal(preFix.result.pipelines[0]?.passed, true, tail(preFix));
    assert.deepEqual(jobs(preFix, 1).slice(0, 2), [
      ['test', 'skipped'],
      ['sam_deploy_dev', 'failed'],
    ]);
    assert.match(
      preFix.stderr,
      /\[sam_deploy_dev\].*UPDATE_FAILED {2}AWS::AutoScaling::AutoScalingGroup {2}AutoScalingGroup .*'web-dev-asg' was not found/,
    );
    assert.match(
      preFix.stderr,
      /\[sam_deploy_dev\].*UPDATE_ROLLBACK_COMPLETE {2}AWS::CloudFormation::Stack {2}web-dev/,
    );
    // The fleet still boots the first image.
    assert.equal(preFix.result.pipelines[1]?.fleets.dev?.includes(SECOND_IMAGE), false);
  });

  it('shipped: both pipelines pass, and the new AMI reaches the dev and prod fleets', () => {
    assert.equal(shipped.code, 0, tail(shipped));
    assert.deepEqual(
      shipped.result.pipelines.map((p) => p.passed),
      [true, true],
    );
    const [first, second] = shipped.result.pipelines;
    assert.equal(first?.fleets.dev?.includes(SECOND_IMAGE), false);
    assert.deepEqual(second?.fleets, { dev: [SECOND_IMAGE], prod: [SECOND_IMAGE] });
    assert.match(
      shipped.stderr,
      /\[code_deploy_prod\].*✓ launch template lt-\w+ of CodeDeploy_web-prod_d-\w+: version 1 → 2: CodeDeploy's copy launches the green fleet from it/,
    );
  });
});
