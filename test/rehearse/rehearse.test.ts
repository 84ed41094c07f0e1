// tier: e2e
// `greenlight rehearse` on the repository's own pipeline, from an empty account: the administrator's
// first sam deploy makes the dev stack, then the deliver workflow's jobs run their steps as CircleCI
// would (real bash, the built-in variables, a CircleCI OIDC token traded for the stack's deploy role)
// against a local cloud on accelerated time. Its outcome is asserted job by job, step by step.
// Each finding of issue 17 keeps its scenario: test/rehearse/findings/<finding>.patch puts the pipeline's
// pre-fix shape back (`greenlight rehearse --patch`), and the rehearsal of that shape fails as the
// real pipeline would; the shipped pipeline's rehearsal gets past the same point.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { repoRoot } from '../cli/spawn.js';

interface Rehearsal {
  code: number;
  stderr: string;
  result: {
    pipelines: {
      passed: boolean;
      jobs: { name: string; outcome: string; failedSteps?: string[] }[];
      filtered: { name: string }[];
    }[];
    workDir: string;
  };
}

const finding = (name: string) => join(repoRoot, 'test/rehearse/findings', `${name}.patch`);

const jobsOf = (run: Rehearsal) =>
  (run.result.pipelines[0]?.jobs ?? []).map((j) => [j.name, j.outcome] as [string, string]);

async function rehearse(workDir: string, ...args: string[]): Promise<Rehearsal> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    ['rehearse', '--agent', 'synthetic', '--no-build', '--work-dir', workDir, '--json', ...args],
    {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' },
      cwd: repoRoot,
      signal: new AbortController().signal,
    },
  );
  return { code, stderr, result: (JSON.parse(stdout) as { result: Rehearsal['result'] }).result };
}

describe('greenlight rehearse: the shipped pipeline from an empty account, on a branch (dev only)', () => {
  let work: string;
  let run: Rehearsal;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'greenlight-rehearse-test-'));
    run = await rehearse(join(work, 'branch'), '--branch', 'feature/x');
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
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
    // CI's own sam step, as the deploy role: the token was exchanged at the local cloud's STS.
    assert.match(
      run.stderr,
      /\[sam_deploy_dev\].*exchanged at the local cloud's STS for a session of arn:aws:iam::\d{12}:role\/web-dev-circleci-deploy/,
    );
    assert.match(run.stderr, /\[sam_deploy_dev\].*No changes to deploy\. Stack web-dev is up to date/);
  });

  // B3, fixed: the seed fleet is not in the target group, so nothing is unhealthy before the first
  // deployment; CodeDeploy registers the green instances at AllowTraffic.
  it("B3 fixed: dev's first deployment succeeds, is verified on every instance and passes the gate", () => {
    assert.equal(run.code, 0, `the rehearsal failed; its output ends:\n${run.stderr.slice(-4000)}`);
    assert.deepEqual(jobsOf(run), [
      ['test', 'skipped'],
      ['sam_deploy_dev', 'success'],
      ['code_deploy_dev', 'success'],
      ['gate_dev', 'success'],
    ]);
    assert.doesNotMatch(run.stderr, /ALARM_ACTIVE/);
    assert.match(run.stderr, /\[code_deploy_dev\].*✓ target-health +every instance is healthy in web-dev-tg/);
    // A branch never reaches prod: its jobs are filtered out, as CircleCI does.
    assert.deepEqual(
      run.result.pipelines[0]?.filtered.map((f) => f.name),
      ['hold_prod', 'sam_deploy_prod', 'code_deploy_prod', 'gate_prod'],
    );
  });

  it("keeps each job's output and artifacts in its own directory", async () => {
    const log = await readFile(
      join(run.result.workDir, 'pipeline-1', '103-code_deploy_dev', 'output.log'),
      'utf8',
    );
    assert.match(log, /▸ greenlight deploy \(dev\)/);
    const verify = JSON.parse(
      await readFile(
        join(run.result.workDir, 'pipeline-1', '103-code_deploy_dev', 'artifacts', 'reports', 'verify.json'),
        'utf8',
      ),
    ) as { result: { verified: boolean } };
    assert.equal(verify.result.verified, true);
  });
});

// Finding B3, its scenario: the seed fleet in the target group, as the template first had it. Nothing
// answers /healthcheck before the first deployment, every target is unhealthy, web-dev-unhealthy-hosts
// is in ALARM, and CodeDeploy stops the first deployment.
describe('greenlight rehearse --patch findings/b3: the seed fleet in the target group', () => {
  let work: string;
  let run: Rehearsal;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'greenlight-rehearse-test-'));
    run = await rehearse(
      join(work, 'b3'),
      '--branch',
      'feature/x',
      '--patch',
      finding('b3-seed-fleet-in-target-group'),
    );
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('says the patch was applied to the clone', () => {
    assert.match(
      run.stderr,
      /--patch test\/rehearse\/findings\/b3-seed-fleet-in-target-group\.patch applied/,
    );
  });

  it('B3: the first deployment of dev is stopped by its own unhealthy-hosts alarm', () => {
    assert.equal(run.code, 1, `the rehearsal passed; its output ends:\n${run.stderr.slice(-4000)}`);
    assert.equal(run.result.pipelines[0]?.passed, false);
    const codeDeploy = run.result.pipelines[0]?.jobs.find((j) => j.name === 'code_deploy_dev');
    assert.equal(codeDeploy?.outcome, 'failed');
    assert.deepEqual(codeDeploy?.failedSteps, [
      'greenlight deploy (dev)',
      'greenlight verify (dev)',
      'Roll back to the last verified revision',
    ]);
    assert.match(run.stderr, /Stopped: ALARM_ACTIVE .*The alarm\(s\) are: web-dev-unhealthy-hosts/);
    assert.deepEqual(jobsOf(run).slice(-1), [['gate_dev', 'not_run']]);
  });
});

describe('greenlight rehearse --patch: bad input', () => {
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
