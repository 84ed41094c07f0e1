// tier: e2e
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { sampleEnvironment } from '../config/sample.js';
import { builtCli } from '../support/built-cli.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';

// The action as GitHub's runner runs it: `node action/dist/index.js` (the committed build, which
// test/action/dist.test.ts holds to the sources) with the inputs as INPUT_* variables, a fresh
// GITHUB_OUTPUT file per step and the job's GITHUB_STEP_SUMMARY, against the local cloud on scaled
// wall time. greenlight is this checkout's CLI as `npm run build` bundles it (scripts/bundle-cli.ts:
// the package's dist/bundle/greenlight.js; here the one build the run's tests share,
// test/support/built-cli.ts), run as the action's child process: named by the `cli` input, or
// installed in the project the way npm ci installs it. (The published package, the default without
// either, is not on the registry from a test; test/action/cli.test.ts holds the choice.)

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = join(root, 'action/dist/index.js');
const sha = (c: string) => c.repeat(40);

interface Step {
  readonly code: number | null;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
}

/** GITHUB_OUTPUT's format: `name<<DELIMITER`, the value's lines, the delimiter. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!open) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== open[2]; i++) value.push(lines[i]!);
    outputs[open[1]!] = value.join('\n');
  }
  return outputs;
}

describe('the GitHub Action, run as the runner runs it, against the local cloud', () => {
  let cloud: TestCloud;
  let dir: string;
  let summary: string;
  let steps = 0;
  /** The cli input: this checkout's built CLI, its words quoted (split as a shell would). */
  let cli: string;
  let built: string;

  /** One step: `uses: greenlight` with these inputs (and this checkout's greenlight as cli unless given). */
  async function step(inputs: Record<string, string>, { defaultCli = false } = {}): Promise<Step> {
    if (!defaultCli) inputs = { cli, ...inputs };
    const output = join(dir, `output-${++steps}`);
    await writeFile(output, '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: dir,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      RUNNER_TEMP: dir,
      ...cloud.env,
    };
    // The runner's names: INPUT_ and the input's name in capitals, its dashes kept.
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    const child = spawn(process.execPath, [entry], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    return { code, stdout, outputs: parseOutputs(await readFile(output, 'utf8')) };
  }

  before(async () => {
    cloud = await startCloud({ world: devWorld(4), timeScale: 3000 });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-action-'));
    built = await builtCli();
    cli = `'${process.execPath}' '${built}'`;
    summary = join(dir, 'step-summary.md');
    await writeFile(summary, '');
    const config = stringify({ application: 'web', environments: { dev: sampleEnvironment() } });
    await writeFile(join(dir, 'greenlight.yml'), config);
    // An app whose project installs greenlight: npm ci's node_modules/.bin/greenlight, here a script
    // that runs this checkout's.
    await mkdir(join(dir, 'app/node_modules/.bin'), { recursive: true });
    await writeFile(join(dir, 'app/greenlight.yml'), config);
    const installed = join(dir, 'app/node_modules/.bin/greenlight');
    await writeFile(installed, `#!/bin/sh\necho "$*" > "$0.ran"\nexec ${cli} "$@"\n`);
    await chmod(installed, 0o755);
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('group-apply, then deploy: the deployment id and the verdict as outputs, the verification in the summary and in JUnit', async () => {
    const apply = await step({ command: 'group-apply', env: 'dev' });
    assert.equal(apply.code, 0, apply.stdout);
    assert.equal(apply.outputs.verdict, 'passed');

    const deploy = await step({
      command: 'deploy',
      env: 'dev',
      revision: sha('1'),
      junit: 'reports/verify.xml',
      args: '--poll 50ms',
    });
    assert.equal(deploy.code, 0, deploy.stdout);
    const id = deploy.outputs['deployment-id'] ?? '';
    assert.match(id, /^d-[A-Z0-9]{9}$/);
    assert.equal(deploy.outputs.verdict, 'verified');
    assert.equal(deploy.outputs['exit-code'], '0');
    const result = JSON.parse(await readFile(deploy.outputs['result-file']!, 'utf8')) as {
      result: { deploymentId: string; verified: boolean };
    };
    assert.deepEqual([result.result.deploymentId, result.result.verified], [id, true]);
    // greenlight's own progress is the step's log, and the log says which greenlight ran.
    assert.ok(deploy.stdout.includes(`greenlight is ${process.execPath} ${built}`), deploy.stdout);
    assert.match(deploy.stdout, /greenlight\.js \(the cli input\)/);
    assert.match(deploy.stdout, new RegExp(`created ${id}`));

    const text = await readFile(summary, 'utf8');
    assert.match(
      text,
      new RegExp(`### greenlight deploy \\(dev\\): verified, exit 0\\n\\nDeployment \`${id}\``),
    );
    assert.match(text, new RegExp(`## ✅ greenlight verify ${id}`));
    assert.match(text, /\| rule \| verdict \| summary \|/);
    const junit = await readFile(join(dir, 'reports/verify.xml'), 'utf8');
    assert.match(
      junit,
      new RegExp(`<testsuites name="greenlight verify ${id}" tests="[1-9]\\d*" failures="0"`),
    );
  });

  it('verify by id writes greenlight’s own Markdown report to the summary', async () => {
    const before = await readFile(summary, 'utf8');
    const deploy = parseOutputs(await readFile(join(dir, 'output-2'), 'utf8'));
    const verify = await step({ command: 'verify', env: 'dev', 'deployment-id': deploy['deployment-id']! });
    assert.equal(verify.code, 0, verify.stdout);
    assert.equal(verify.outputs.verdict, 'verified');
    assert.equal(verify.outputs['deployment-id'], deploy['deployment-id']);
    const added = (await readFile(summary, 'utf8')).slice(before.length);
    assert.match(added, new RegExp(`^### greenlight verify \\(dev\\): verified, exit 0\\n`));
    assert.match(added, new RegExp(`## ✅ greenlight verify ${deploy['deployment-id']!}`));
  });

  it('a failed instance: the step fails, the verdict is failed, the summary names the instance', async () => {
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 1,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
    });
    const before = await readFile(summary, 'utf8');
    const deploy = await step({ command: 'deploy', env: 'dev', revision: sha('2'), args: '--poll 50ms' });
    await cloud.clearFaults();
    assert.equal(deploy.code, 1, deploy.stdout);
    assert.equal(deploy.outputs.verdict, 'failed');
    assert.equal(deploy.outputs['exit-code'], '1');
    assert.match(deploy.outputs['deployment-id'] ?? '', /^d-/);
    assert.match(deploy.stdout, /::error::greenlight deploy exited 1: failed/);
    const added = (await readFile(summary, 'utf8')).slice(before.length);
    assert.match(added, /### greenlight deploy \(dev\): failed, exit 1/);
    assert.match(added, /CodeDeploy: Succeeded — greenlight: FAILED, 1 of \d+ instances failed/);
    assert.match(added, /\| i-[0-9a-f]+ \| green \|[^\n]*AfterInstall/);
  });

  it('without cli: the project’s installed greenlight, in working-directory', async () => {
    const status = await step(
      { command: 'status', env: 'dev', 'working-directory': 'app' },
      { defaultCli: true },
    );
    assert.equal(status.code, 0, status.stdout);
    assert.equal(status.outputs.verdict, 'passed');
    const bin = join(dir, 'app/node_modules/.bin/greenlight');
    assert.ok(status.stdout.includes(`greenlight is ${bin} (the project's own)`), status.stdout);
    assert.equal(await readFile(`${bin}.ran`, 'utf8'), 'status --json --env dev\n', 'the installed bin ran');
  });

  it('bad input fails the step before greenlight runs: usage-error, exit-code 2', async () => {
    const before = await cloud.requests();
    const bad = await step({ command: 'status', env: 'dev', revision: sha('3') });
    assert.equal(bad.code, 1);
    assert.equal(bad.outputs.verdict, 'usage-error');
    assert.equal(bad.outputs['exit-code'], '2');
    assert.match(bad.stdout, /::error::revision: does not apply to status/);
    assert.deepEqual(await cloud.requests(), before, 'no AWS call was made');
  });
});
