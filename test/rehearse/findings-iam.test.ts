// tier: rehearsal
// The IAM findings of issue 17, by running.
//
// Dev and prod in one account: CodeDeploy's StopDeployment and ContinueDeployment take no resource
// scope, and dev's deploy role trusts every branch's build, so any branch could stop or continue a
// prod deployment waiting in Ready.
//  - Pre-fix (findings/iam-one-account.patch: prod's serviceRoleArn in dev's account): after main's
//    pipeline, a build of another branch assumes dev's role and asks to stop prod's last deployment:
//    IAM lets it (CodeDeploy answers that the deployment has ended).
//  - Shipped: prod in an account of its own; rehearse.test.ts shows the same ask finding nothing
//    (DeploymentDoesNotExistException), and prod's role refusing the branch's token.
//
// Least privilege: the deploy role granted actions nothing calls (RegisterApplicationRevision, the deployment-instance and list calls,
// DescribeLaunchTemplateVersions, DescribeLoadBalancers/Listeners). It granted DescribeScalingActivities
// too, which the gate now calls (src/gate/scaling-history.ts): the shipped role has it, the patch no
// longer adds it.
//  - Pre-fix (findings/iam-actions-nothing-calls.patch puts them back): the pipeline passes, and the
//    rehearsal's report names each of them as allowed and called by nothing greenlight or the SAM CLI
//    does — to take out of the role.
//  - Shipped: test/rehearse/rehearse.test.ts holds both roles to none (every action allowed and not
//    used is one greenlight or the SAM CLI calls on a path that rehearsal did not take).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { finding, PROD_ONLY, type Rehearsal, rehearse, scratchDir, tail } from './findings/support.js';

const NOTHING_CALLS = [
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
      /role arn:aws:iam::\d{12}:role\/web-dev-circleci-deploy: \d+ actions used\n.*\n.*allowed and called by nothing greenlight or the SAM CLI does — take them out of the role: codedeploy:BatchGetDeploymentGroups/,
    );
  });
});

describe('greenlight rehearse --patch findings/iam-one-account: dev and prod in one account', () => {
  const work = scratchDir('iam-one-account');
  let run: Rehearsal;

  before(async () => {
    run = await rehearse(
      work('pre-fix'),
      ...PROD_ONLY,
      '--time-scale',
      '240',
      '--patch',
      finding('iam-one-account'),
    );
  });

  it('one local cloud holds both environments, and the pipeline passes', () => {
    assert.equal(run.code, 0, tail(run));
    assert.match(run.stderr, /local cloud: \S+, account 123456789012 \(dev, prod\), empty/);
  });

  it("a build of another branch, with dev's role, may stop or continue prod's deployments", () => {
    const toProd = run.result.reach.find((r) => r.context === 'greenlight-dev' && r.environment === 'prod');
    assert.deepEqual(
      { reached: toProd?.reached, answer: toProd?.answer },
      { reached: true, answer: 'DeploymentAlreadyCompletedException' },
      tail(run),
    );
    assert.match(
      run.stderr,
      /reach: a build of feature\/reach-probe with greenlight-dev's deploy role may stop or continue prod's deployment d-\w+\? yes: IAM let it/,
    );
  });
});
