// tier: rehearsal
// Finding H2 of issue 17, its interleaving part: every branch deploys to the one dev environment, so
// two pipelines must not interleave there. A second pipeline (a feature branch) is pushed while
// main's code_deploy_dev runs, and the two run as CircleCI's serial groups let them.
//  - Pre-fix (findings/h2-serial-group-per-job.patch): a serial group on each job holds one job at a
//    time. When main's code_deploy_dev ends, the feature branch's sam_deploy_dev waits for the group;
//    CircleCI skips an older pipeline's job while a newer one's waits, so main's gate_dev does not run
//    and main's release never reaches prod. (Had it run, it would have baked the branch's release:
//    greenlight refuses that, gate --revision.)
//  - Shipped: each environment's jobs are one job group, which holds the serial group from its first
//    job to its last: main's dev group ends (deployed, verified, gated) before the branch's starts, and
//    main goes on to prod.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { finding, type Rehearsal, rehearse, scratchDir, tail } from './findings/support.js';

const jobs = (run: Rehearsal, pipeline: number) =>
  (run.result.pipelines[pipeline]?.jobs ?? []).map((j) => [j.name, j.outcome]);
const DEV = [
  ['test', 'skipped'],
  ['sam_deploy_dev', 'success'],
  ['code_deploy_dev', 'success'],
  ['gate_dev', 'success'],
];

describe('greenlight rehearse --push-during code_deploy_dev: a branch pushed while main deploys to dev', () => {
  const work = scratchDir('h2');
  let preFix: Rehearsal;
  let shipped: Rehearsal;

  before(async () => {
    const common = [
      '--branch',
      'main',
      '--approve',
      '--push-during',
      'code_deploy_dev',
      '--push-branch',
      'feature/b',
      '--time-scale',
      '240',
    ];
    preFix = await rehearse(work('pre-fix'), ...common, '--patch', finding('h2-serial-group-per-job'));
    shipped = await rehearse(work('shipped'), ...common);
  });

  it("H2: with a serial group per job, main's gate_dev does not run and main never reaches prod", () => {
    assert.equal(preFix.code, 1, tail(preFix));
    assert.deepEqual(jobs(preFix, 0), [
      ['test', 'skipped'],
      ['sam_deploy_dev', 'success'],
      ['code_deploy_dev', 'success'],
      ['gate_dev', 'not_run'],
      ['hold_prod', 'not_run'],
      ['sam_deploy_prod', 'not_run'],
      ['code_deploy_prod', 'not_run'],
      ['gate_prod', 'not_run'],
    ]);
    const gate = preFix.result.pipelines[0]?.jobs.find((j) => j.name === 'gate_dev');
    assert.match(
      gate?.detail ?? '',
      /^serial group gh\/example\/greenlight\/deploy-dev: pipeline 2's sam_deploy_dev, of a newer pipeline, waits/,
    );
    assert.deepEqual(jobs(preFix, 1), DEV, 'the branch deploys to dev and is gated');
    assert.equal(preFix.result.pipelines[1]?.passed, true, tail(preFix));
  });

  it("shipped: main's dev group ends before the branch's starts, and main is deployed to prod", () => {
    assert.equal(shipped.code, 0, tail(shipped));
    assert.deepEqual(jobs(shipped, 0), [
      ...DEV,
      ['hold_prod', 'success'],
      ['sam_deploy_prod', 'success'],
      ['code_deploy_prod', 'success'],
      ['gate_prod', 'success'],
    ]);
    assert.deepEqual(jobs(shipped, 1), DEV);
    // The branch's stack update and deployment came after main's gate had baked main's release.
    const order = [...shipped.stderr.matchAll(/── (\w+): success; its output: \S*pipeline-(\d)\//g)].map(
      (m) => `${m[2]}:${m[1]}`,
    );
    assert.ok(order.indexOf('1:gate_dev') < order.indexOf('2:sam_deploy_dev'), order.join(' '));
    assert.match(
      shipped.stderr,
      /pipeline 2 \(feature\/b, \w+\) is pushed while pipeline 1's code_deploy_dev starts/,
    );
  });
});
