// tier: unit
// The rehearsal's parts that need no cloud: what it runs instead of a CircleCI step, the contexts file,
// and the GitHub repositories greenlight.yml deploys from.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planWorkflow, readCircleConfig, type BuildJob } from '../../src/rehearse/circleci/index.js';
import { githubRepositories } from '../../src/rehearse/checkout.js';
import { ContextsFileError, readContextsFile } from '../../src/rehearse/contexts.js';
import { substituteSteps } from '../../src/rehearse/substitutions.js';
import { formatRoleReports, OTHER_PATHS, roleReports } from '../../src/rehearse/least-privilege.js';

const root = new URL('../../', import.meta.url);

function shippedJob(name: string): BuildJob {
  const config = readCircleConfig(readFileSync(new URL('.circleci/config.yml', root), 'utf8'));
  const plan = planWorkflow(config, {
    workflow: 'deliver',
    pipeline: { id: 'p', number: 1, branch: 'main', tag: undefined, revision: 'a'.repeat(40) },
  });
  const job = plan.jobs.find((j) => j.name === name);
  assert.ok(job && job.type === 'build', name);
  return job;
}

describe("the rehearsal's substitutions on the shipped pipeline", () => {
  it('sam_deploy: npm ci and the SAM CLI install are replaced, each said; the sam deploy step runs as written', () => {
    const job = shippedJob('sam_deploy_dev');
    const { steps, notes } = substituteSteps(job, { standInDir: '/rehearsal/bin', built: 'full' });
    assert.equal(steps.length, job.steps.length);
    const changed = steps.filter((s, i) => s !== job.steps[i]).map((s) => s.name);
    assert.deepEqual(changed, ['npm ci', 'npm run build', 'Install the SAM CLI']);
    assert.equal(notes.length, 3);
    const install = steps.find((s) => s.name === 'Install the SAM CLI');
    assert.ok(install?.type === 'run');
    // The stand-in reaches later steps the way the real step's PATH does: through BASH_ENV.
    assert.match(install.command, /echo 'export PATH="\/rehearsal\/bin:\$PATH"' >> "\$BASH_ENV"/);
    assert.doesNotMatch(install.command, /apt-get|pip/);
    const deploy = steps.find((s) => s.type === 'run' && /sam deploy/.test(s.command));
    assert.equal(
      deploy,
      job.steps.find((s) => s.type === 'run' && /sam deploy/.test(s.command)),
    );
  });

  it('without a build, npm run build says the CLI runs from its sources', () => {
    const { steps } = substituteSteps(shippedJob('gate_dev'), { standInDir: '/b', built: 'none' });
    const build = steps.find((s) => s.name === 'npm run build');
    assert.ok(build?.type === 'run');
    assert.match(build.command, /runs the CLI from its sources/);
  });
});

describe('the contexts file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'greenlight-contexts-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads context → NAME: value, numbers and booleans as strings', async () => {
    const file = join(dir, 'ok.yml');
    await writeFile(
      file,
      'greenlight-dev:\n  AMI_ID: ami-0123456789abcdef0\n  FLEET: 4\n  CREATE_CODEDEPLOY_APPLICATION: false\n',
    );
    assert.deepEqual(await readContextsFile(file), {
      'greenlight-dev': {
        AMI_ID: 'ami-0123456789abcdef0',
        FLEET: '4',
        CREATE_CODEDEPLOY_APPLICATION: 'false',
      },
    });
  });

  it('says what is wrong and where', async () => {
    const cases: [string, RegExp][] = [
      ['- a\n- b\n', /expected context names/],
      ['greenlight-dev: 3\n', /greenlight-dev: expected variables/],
      ['greenlight-dev:\n  9LIVES: x\n', /greenlight-dev\.9LIVES: not an environment variable name/],
      ['greenlight-dev:\n  A: [1]\n', /greenlight-dev\.A: expected a string/],
      ['greenlight-dev: {\n', /bad\.yml: /],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, 'bad.yml');
      await writeFile(file, text);
      await assert.rejects(
        readContextsFile(file),
        (e: unknown) => e instanceof ContextsFileError && message.test(e.message),
      );
    }
  });
});

describe('the GitHub repositories greenlight.yml deploys from', () => {
  it('finds them in defaults and environments alike', () => {
    assert.deepEqual(githubRepositories(readFileSync(new URL('greenlight.yml', root), 'utf8')), [
      'example/greenlight',
    ]);
    assert.deepEqual(
      githubRepositories(
        'defaults: {revision: {github: a/b}}\nenvironments: {x: {revision: {github: c/d}}, y: {revision: {github: a/b}}}\n',
      ),
      ['a/b', 'c/d'],
    );
  });
});

describe('least privilege by running: the report of each role', () => {
  it('lists the actions used, each refusal, and what the role could drop', () => {
    const reports = roleReports([
      {
        roleArn: 'arn:aws:iam::123456789012:role/web-prod-circleci-deploy',
        used: [
          { action: 'codedeploy:GetDeployment', resource: 'd1', allowed: true, count: 4 },
          { action: 'codedeploy:GetDeployment', resource: 'd2', allowed: true, count: 1 },
          { action: 'codedeploy:StopDeployment', resource: 'd2', allowed: false, count: 1 },
        ],
        unused: ['autoscaling:DeleteAutoScalingGroup', 'codedeploy:ListApplications'],
      },
    ]);
    assert.deepEqual(reports[0]?.uncalled, ['codedeploy:ListApplications']);
    assert.deepEqual(formatRoleReports(reports), [
      'role arn:aws:iam::123456789012:role/web-prod-circleci-deploy: 1 actions used, 1 refused',
      '  refused: codedeploy:StopDeployment d2',
      '  allowed for paths this rehearsal did not take: autoscaling:DeleteAutoScalingGroup',
      '  allowed and called by nothing greenlight or the SAM CLI does — take them out of the role: codedeploy:ListApplications',
    ]);
  });

  it('names a path for every action it excuses, and each is one greenlight or the SAM CLI can take', () => {
    for (const [action, path] of Object.entries(OTHER_PATHS)) {
      assert.match(action, /^[a-z0-9]+:[A-Z][A-Za-z]+$/, action);
      assert.ok(path.length > 20, `${action}: ${path}`);
    }
    // The SDK calls greenlight makes, by action: each excused action greenlight (not the SAM CLI, not
    // S3 for a revision) is said to call is one its sources send.
    const sources = readdirSync(new URL('src', root), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(new URL(`src/${file}`, root), 'utf8'))
      .join('\n');
    const sent = new Set([...sources.matchAll(/new ([A-Za-z]+)Command/g)].map((m) => m[1]));
    for (const action of Object.keys(OTHER_PATHS)) {
      const [service, name] = action.split(':') as [string, string];
      if (service === 'cloudformation' || service === 's3') continue;
      if (action === 'ec2:RunInstances' || action === 'ec2:CreateTags') continue; // Auto Scaling's check
      assert.ok(sent.has(name), `${action}: greenlight sends no ${name}Command`);
    }
    // A failed instance's scripts.log and preflight's SSM question: no short rehearsal fails an
    // instance or turns diagnostics on, so the template's SSM grants are all excused here.
    for (const action of ['ssm:SendCommand', 'ssm:GetCommandInvocation', 'ssm:DescribeInstanceInformation'])
      assert.ok(Object.hasOwn(OTHER_PATHS, action), `${action} is not excused`);
  });
});
