// tier: e2e
// `greenlight rehearse` on the repository's own pipeline, from an empty account: the administrator's
// first sam deploy makes the dev stack, then the deliver workflow's jobs run their steps as CircleCI
// would (real bash, the built-in variables, a CircleCI OIDC token traded for the stack's deploy role)
// against a local cloud on accelerated time. Its outcome is asserted job by job, step by step.
// Each finding of issue 17 keeps its scenario beside this file (findings-<finding>.test.ts, the
// rehearsal tier: `npm run test:rehearsal`): a patch under findings/ puts the pipeline's pre-fix shape
// back (`greenlight rehearse --patch`) and that rehearsal fails as the real pipeline would; here the
// shipped pipeline gets past the same points. This is `npm test`'s short rehearsal: AWS time runs
// 240 times faster than the wall (prod's hour in Ready takes 15 s), about a minute here, idle.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { repoRoot } from '../cli/spawn.js';
import { jobsOf, rehearse, scratchDir, tail, type Rehearsal } from './findings/support.js';

describe('greenlight rehearse: the shipped pipeline from an empty account, for main, approved', () => {
  const work = scratchDir('test');
  let run: Rehearsal;

  before(async () => {
    run = await rehearse(work('main'), '--branch', 'main', '--approve', '--time-scale', '240');
  });

  it("makes the dev stack as the administrator, then CI's sam deploy of it finds nothing to change", () => {
    assert.match(run.stderr, /administrator: the first sam deploy of sam_deploy_dev's stack/);
    assert.match(
      run.stderr,
      /\[admin sam_deploy_dev\].*CREATE_COMPLETE {2}AWS::CloudFormation::Stack {2}web-dev/,
    );
    assert.deepEqual(jobsOf(run).slice(0, 2), [
      ['test', 'skipped'],
      ['sam_deploy_dev', 'success'],
    ]);
    // CI's own sam step, as the deploy role: the job traded its token for a session at its start.
    assert.match(
      run.stderr,
      /\[sam_deploy_dev\].*session of arn:aws:iam::\d{12}:role\/web-dev-circleci-deploy until \S+ \(AWS time\)/,
    );
    assert.match(run.stderr, /\[sam_deploy_dev\].*No changes to deploy\. Stack web-dev is up to date/);
  });

  // B3, fixed: the seed fleet is not in the target group, so nothing is unhealthy before the first
  // deployment; CodeDeploy registers the green instances at AllowTraffic.
  it("B3 fixed: dev's first deployment succeeds, is verified on every instance and passes the gate", () => {
    assert.deepEqual(
      jobsOf(run).slice(2, 5),
      [
        ['code_deploy_dev', 'success'],
        ['gate_dev', 'success'],
        ['hold_prod', 'success'],
      ],
      tail(run),
    );
    assert.doesNotMatch(run.stderr, /ALARM_ACTIVE/);
    assert.match(run.stderr, /\[code_deploy_dev\].*✓ target-health +every instance is healthy in web-dev-tg/);
  });

  // B1, fixed: the deploy step verifies prod's green fleet while the deployment waits in Ready, and
  // only then continues it.
  it("B1 fixed: prod's green fleet is verified in Ready, before traffic, and the deployment is continued", () => {
    assert.deepEqual(jobsOf(run)[5], ['sam_deploy_prod', 'success'], tail(run));
    assert.match(run.stderr, /\[code_deploy_prod\].*d-\w+ Ready · Ready 4/);
    assert.match(
      run.stderr,
      /\[code_deploy_prod\].*✓ CodeDeploy: Ready — greenlight: verified, 4 of 4 green fleet before traffic/,
    );
    assert.match(run.stderr, /\[code_deploy_prod\].*→ reroute traffic to the green fleet/);
    assert.match(run.stderr, /\[code_deploy_prod\].*d-\w+: traffic is on the green fleet/);
  });

  // B2, fixed: the job trades its OIDC token once, at its start, for a session as long as prod's
  // longest deployment (4 h); its verify step, which starts after the token's hour, still has it.
  it('B2 fixed: prod keeps its credentials through the Ready and termination waits; the whole pipeline passes', () => {
    assert.match(
      run.stderr,
      /\[code_deploy_prod\].*session of arn:aws:iam::\d{12}:role\/web-prod-circleci-deploy until \S+ \(AWS time\)/,
    );
    assert.doesNotMatch(run.stderr, /ExpiredToken/);
    assert.equal(run.code, 0, tail(run));
    assert.deepEqual(jobsOf(run).slice(5), [
      ['sam_deploy_prod', 'success'],
      ['code_deploy_prod', 'success'],
      ['gate_prod', 'success'],
    ]);
  });

  it("least privilege by running: each environment's deploy role was refused nothing, and the report says what it never used", () => {
    assert.deepEqual(
      run.result.roles.map((r) => [r.roleArn.replace(/^arn:aws:iam::\d{12}:role\//, ''), r.denied]),
      [
        ['web-dev-circleci-deploy', []],
        ['web-prod-circleci-deploy', []],
      ],
    );
    // Every action allowed and not used is one greenlight or the SAM CLI calls on a path this
    // rehearsal did not take (least-privilege.ts, OTHER_PATHS); findings-iam.test.ts shows the
    // report naming the ones nothing calls.
    assert.deepEqual(
      run.result.roles.map((r) => r.uncalled),
      [[], []],
    );
    const prod = run.result.roles.find((r) => r.roleArn.endsWith(':role/web-prod-circleci-deploy'));
    // prod waits in Ready: greenlight verifies and continues it.
    assert.ok(prod?.allowed.includes('codedeploy:ContinueDeployment'), JSON.stringify(prod));
    assert.match(run.stderr, /role arn:aws:iam::\d{12}:role\/web-prod-circleci-deploy: \d+ actions used\n/);
  });

  it("dev and prod in accounts of their own: a branch's build with dev's role cannot reach prod's deployments", () => {
    assert.match(run.stderr, /local cloud: \S+, account 123456789012 \(dev\), empty/);
    assert.match(run.stderr, /local cloud: \S+, account 210987654321 \(prod\), empty/);
    assert.deepEqual(
      run.result.reach.map((r) => [r.context, r.environment, r.reached, r.answer]),
      [
        ['greenlight-dev', 'prod', false, 'DeploymentDoesNotExistException'],
        ['greenlight-prod', 'dev', false, 'AssumeRoleWithWebIdentity: AccessDenied'],
      ],
    );
  });

  it("keeps each job's output and artifacts in its own directory", async () => {
    const dir = join(run.result.workDir, 'pipeline-1', '103-code_deploy_dev');
    assert.match(await readFile(join(dir, 'output.log'), 'utf8'), /▸ greenlight deploy \(dev\)/);
    const verify = JSON.parse(await readFile(join(dir, 'artifacts', 'reports', 'verify.json'), 'utf8')) as {
      result: { verified: boolean };
    };
    assert.equal(verify.result.verified, true);
  });
});

describe('greenlight rehearse: bad input', () => {
  const refused = async (...args: string[]): Promise<{ code: number; stderr: string }> => {
    const work = await mkdtemp(join(tmpdir(), 'greenlight-rehearse-test-'));
    try {
      let stderr = '';
      const code = await runCli(
        ['rehearse', '--agent', 'synthetic', '--build', 'cli', '--work-dir', join(work, 'w'), ...args],
        {
          stdout: { write: () => undefined },
          stderr: { write: (s: string) => (stderr += s) },
          env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' },
          cwd: repoRoot,
          signal: new AbortController().signal,
        },
      );
      return { code, stderr };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };

  it('--push-during a job the first pipeline does not run, or beside --second-commit, is a usage error (exit 2)', async () => {
    const unknown = await refused('--branch', 'feature/x', '--push-during', 'gate_prod');
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(
      unknown.stderr,
      /--push-during gate_prod: pipeline 1 runs no job of that name \(it runs test, sam_deploy_dev, code_deploy_dev, gate_dev\)/,
    );
    const both = await refused('--push-during', 'gate_dev', '--second-commit');
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /--push-during and --second-commit each make the second pipeline: give one/);
  });

  it('a patch file that does not exist is a usage error (exit 2)', async () => {
    const work = await mkdtemp(join(tmpdir(), 'greenlight-rehearse-test-'));
    try {
      let stderr = '';
      const code = await runCli(
        [
          'rehearse',
          '--agent',
          'synthetic',
          '--no-build',
          '--work-dir',
          join(work, 'w'),
          '--patch',
          'nowhere.patch',
        ],
        {
          stdout: { write: () => undefined },
          stderr: { write: (s: string) => (stderr += s) },
          env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' },
          cwd: repoRoot,
          signal: new AbortController().signal,
        },
      );
      assert.equal(code, 2);
      assert.match(stderr, /--patch .*nowhere\.patch: no such file/);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
