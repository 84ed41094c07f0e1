// tier: e2e
// `greenlight rehearse` on the repository's own pipeline, from an empty account: the administrator's
// first sam deploy makes the dev stack, then the deliver workflow's jobs run their steps as CircleCI
// would (real bash, the built-in variables, a CircleCI OIDC token traded for the stack's deploy role)
// against a local cloud on accelerated time. Its outcome is asserted job by job, step by step.
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

describe('greenlight rehearse: the shipped pipeline from an empty account', () => {
  let work: string;
  let run: Rehearsal;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'greenlight-rehearse-test-'));
    run = await rehearse(join(work, 'main'), '--branch', 'main', '--approve');
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
    const jobs = run.result.pipelines[0]?.jobs ?? [];
    assert.deepEqual(
      jobs.slice(0, 2).map((j) => [j.name, j.outcome]),
      [
        ['test', 'skipped'],
        ['sam_deploy_dev', 'success'],
      ],
    );
    // CI's own sam step, as the deploy role: the token was exchanged at the local cloud's STS.
    assert.match(
      run.stderr,
      /\[sam_deploy_dev\].*exchanged at the local cloud's STS for a session of arn:aws:iam::\d{12}:role\/web-dev-circleci-deploy/,
    );
    assert.match(run.stderr, /\[sam_deploy_dev\].*No changes to deploy\. Stack web-dev is up to date/);
  });

  // Finding B3, before its fix: the seed fleet serves nothing on /healthcheck, every target is
  // unhealthy, web-dev-unhealthy-hosts is in ALARM, and CodeDeploy stops the first deployment.
  it('B3: the first deployment of dev is stopped by its own unhealthy-hosts alarm', () => {
    const pipeline = run.result.pipelines[0];
    assert.ok(pipeline);
    assert.equal(run.code, 1);
    assert.equal(pipeline.passed, false);
    const codeDeploy = pipeline.jobs.find((j) => j.name === 'code_deploy_dev');
    assert.equal(codeDeploy?.outcome, 'failed');
    assert.deepEqual(codeDeploy?.failedSteps, [
      'greenlight deploy (dev)',
      'greenlight verify (dev)',
      'Roll back to the last verified revision',
    ]);
    assert.match(run.stderr, /Stopped: ALARM_ACTIVE .*The alarm\(s\) are: web-dev-unhealthy-hosts/);
    // Nothing after it runs: the gate, the approval and every prod job.
    assert.deepEqual(
      pipeline.jobs.filter((j) => j.outcome === 'not_run').map((j) => j.name),
      ['gate_dev', 'hold_prod', 'sam_deploy_prod', 'code_deploy_prod', 'gate_prod'],
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
    assert.equal(verify.result.verified, false);
  });
});
