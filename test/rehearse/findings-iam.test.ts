// tier: rehearsal
// The IAM findings of issue 17, least privilege by running: the deploy role granted actions nothing
// calls (RegisterApplicationRevision, the deployment-instance and list calls, DescribeLifecycleHooks,
// DescribeScalingActivities, DescribeLaunchTemplateVersions, DescribeLoadBalancers/Listeners).
//  - Pre-fix (findings/iam-actions-nothing-calls.patch puts them back): the pipeline passes, and the
//    rehearsal's report names each of them as allowed and called by nothing greenlight or the SAM CLI
//    does — to take out of the role.
//  - Shipped: test/rehearse/rehearse.test.ts holds both roles to none (every action allowed and not
//    used is one greenlight or the SAM CLI calls on a path that rehearsal did not take).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { finding, type Rehearsal, rehearse, scratchDir, tail } from './findings/support.js';

const NOTHING_CALLS = [
  'autoscaling:DescribeLifecycleHooks',
  'autoscaling:DescribeScalingActivities',
  'codedeploy:BatchGetDeploymentGroups',
  'codedeploy:BatchGetDeploymentInstances',
  'codedeploy:GetApplicationRevision',
  'codedeploy:GetDeploymentInstance',
  'codedeploy:ListApplications',
  'codedeploy:ListDeploymentConfigs',
  'codedeploy:ListDeploymentGroups',
  'codedeploy:ListDeploymentInstances',
  'codedeploy:RegisterApplicationRevision',
  'ec2:DescribeLaunchTemplateVersions',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeLoadBalancers',
];

describe('greenlight rehearse --patch findings/iam: a deploy role that grants what nothing calls', () => {
  const work = scratchDir('iam');
  let run: Rehearsal;

  before(async () => {
    run = await rehearse(
      work('pre-fix'),
      '--branch',
      'feature/x',
      '--time-scale',
      '240',
      '--patch',
      finding('iam-actions-nothing-calls'),
    );
  });

  it('the pipeline passes: nothing was refused', () => {
    assert.equal(run.code, 0, tail(run));
    assert.deepEqual(
      run.result.roles.map((r) => r.denied),
      [[]],
    );
  });

  it("the report names every action nothing calls, to take out of dev's role", () => {
    const dev = run.result.roles.find((r) => r.roleArn.endsWith(':role/web-dev-circleci-deploy'));
    assert.deepEqual([...(dev?.uncalled ?? [])].sort(), NOTHING_CALLS, JSON.stringify(dev));
    assert.match(
      run.stderr,
      /role arn:aws:iam::\d{12}:role\/web-dev-circleci-deploy: \d+ actions used\n.*\n.*allowed and called by nothing greenlight or the SAM CLI does — take them out of the role: autoscaling:DescribeLifecycleHooks/,
    );
  });
});
