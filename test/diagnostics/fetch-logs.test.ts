// tier: integration
// diagnostics.fetchLogs against the local cloud (synthetic instances, its manual clock, greenlight's
// CLI in this process): a failed instance's scripts.log is read through SSM Run Command and printed
// in the CI log and the JSON result, consistent with the log tail CodeDeploy reports; an instance
// whose SSM Agent is not registered, a deploy role SSM refuses, and an instance that never answers
// are each said in one line, and the command ends with the failure's exit code all the same.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { InstanceFailure } from '../../src/codedeploy/wait.js';
import { sampleEnvironment } from '../config/sample.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { cliInProcess, forgetThisMachinesAwsConfig } from '../support/in-process.js';

forgetThisMachinesAwsConfig();

const stamp = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /;

describe('diagnostics.fetchLogs: the whole scripts.log of a failed instance', () => {
  let cloud: TestCloud;
  let dir: string;
  let release = 0;

  before(async () => {
    cloud = await startCloud({ world: devWorld(2) });
    dir = await mkdtemp(join(tmpdir(), 'greenlight-fetch-logs-'));
    const dev = { ...sampleEnvironment(), autoRollback: [] };
    await writeFile(
      join(dir, 'greenlight.yml'),
      stringify({
        application: 'web',
        environments: {
          dev,
          logs: { ...dev, diagnostics: { fetchLogs: true, timeout: '1m' } },
        },
      }),
    );
    const applied = await cliInProcess(['group', 'apply', '--env', 'dev'], {
      env: cloud.env,
      cwd: dir,
      clock: cloud.clock,
    });
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A deployment whose first green instance fails AfterInstall: the CLI's log and its JSON result. */
  async function failingDeploy(env: string) {
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'fail',
      exitCode: 3,
      count: 1,
    });
    const revision = String(++release).repeat(40);
    const r = await cliInProcess(
      ['deploy', '--env', env, '--revision', revision, '--poll', '15s', '--json'],
      {
        env: cloud.env,
        cwd: dir,
        clock: cloud.clock,
      },
    );
    const doc = JSON.parse(r.stdout) as { result: { failures?: InstanceFailure[] } };
    const failure = doc.result.failures?.[0];
    assert.ok(failure, r.stderr);
    return { ...r, failure };
  }

  it('fetched: the log is printed after the failure, and its end is the log tail CodeDeploy reported', async () => {
    const r = await failingDeploy('logs');
    assert.equal(r.code, 1, r.stderr);
    const log = r.failure.scriptsLog;
    assert.equal(log?.status, 'fetched', JSON.stringify(log));
    assert.equal(log.source, 'ssm-run-command');
    assert.equal(log.whole, true);
    assert.equal(log.bytes, Buffer.byteLength(log.text ?? ''));
    assert.match(
      log.path,
      /^\/opt\/codedeploy-agent\/deployment-root\/[0-9a-f-]{36}\/d-[A-Z0-9]{9}\/logs\/scripts\.log$/,
    );
    const lines = (log.text ?? '').trimEnd().split('\n');
    assert.ok(
      lines.every((line) => stamp.test(line)),
      log.text,
    );
    const unstamped = `${lines.map((line) => line.replace(stamp, '')).join('\n')}\n`;
    assert.ok(
      unstamped.endsWith(r.failure.logTail),
      `${unstamped}\n--- does not end with ---\n${r.failure.logTail}`,
    );
    assert.ok(unstamped.startsWith('LifecycleEvent - BeforeInstall\n'), unstamped);

    // The CI log: the failure, then its whole scripts.log, every line of it.
    const header = r.lines.findIndex((l) =>
      new RegExp(
        `^  scripts\\.log of ${r.failure.instanceId} \\(.*\\), the whole file, [\\d,]+ bytes, through SSM Run Command:$`,
      ).test(l),
    );
    assert.ok(
      header > r.lines.findIndex((l) => l.startsWith(`✗ ${r.failure.instanceId} failed AfterInstall`)),
      r.stderr,
    );
    assert.deepEqual(
      r.lines.slice(header + 1, header + 1 + lines.length),
      lines.map((line) => `    ${line}`),
    );
  });

  it('a green fleet that failed whole is terminated with its deployment: said as terminated, not as an agent problem', async () => {
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 1,
      event: 'AfterInstall',
      effect: 'fail',
      count: 1,
    });
    const r = await failingDeploy('logs');
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      r.lines.some((l) => /^error: d-\w+ Failed: HEALTH_CONSTRAINTS/.test(l)),
      r.stderr,
    );
    assert.equal(r.failure.scriptsLog?.status, 'terminated', JSON.stringify(r.failure.scriptsLog));
    assert.match(
      r.failure.scriptsLog.reason ?? '',
      /^i-\w+ is (shutting-down|terminated): its scripts\.log went with it/,
    );
  });

  it('a deploy role SSM refuses: denied, said with the action and what the role needs', async () => {
    await cloud.fault({
      scope: 'api',
      service: 'ssm',
      operation: 'SendCommand',
      effect: 'error',
      code: 'AccessDeniedException',
      message:
        'User: arn:aws:sts::123456789012:assumed-role/web-dev-circleci-deploy/ci is not authorized to perform: ssm:SendCommand',
      count: 1,
    });
    const r = await failingDeploy('logs');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.failure.scriptsLog?.status, 'denied');
    assert.match(
      r.failure.scriptsLog.reason ?? '',
      /^ssm:SendCommand on i-\w+ was refused \(AccessDeniedException: User: .*\); the deploy role needs it/,
    );
  });

  it('an instance that never answers: timed out at diagnostics.timeout, not a hang', async () => {
    const fault = await cloud.fault({
      scope: 'api',
      service: 'ssm',
      operation: 'GetCommandInvocation',
      effect: 'error',
      code: 'InvocationDoesNotExist',
    });
    try {
      const r = await failingDeploy('logs');
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.failure.scriptsLog?.status, 'timed-out');
      assert.match(
        r.failure.scriptsLog.reason ?? '',
        /did not answer within 60 s .*diagnostics\.timeout allows longer/,
      );
    } finally {
      assert.ok(fault);
      await cloud.clearFaults();
    }
  });

  // Last but one: its green fleet, whose agents never registered, becomes the group's (the deploy
  // succeeded on the other instance), and preflight's agents check would refuse the next deploy with SSM.
  it('an instance whose SSM Agent is not registered: said in one line; the deploy still ends 1', async () => {
    await cloud.control.ssmAgent('absent');
    try {
      const r = await failingDeploy('logs');
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.failure.scriptsLog?.status, 'not-registered');
      const said = r.lines.filter((l) => l.includes(`scripts.log of ${r.failure.instanceId} not read`));
      assert.equal(said.length, 1, r.stderr);
      assert.match(
        said[0] ?? '',
        /not read \(not-registered\): its SSM Agent is not registered with Systems Manager/,
      );
      assert.match(said[0] ?? '', /AmazonSSMManagedInstanceCore/);
    } finally {
      await cloud.control.ssmAgent('online');
    }
  });

  it('off (the default): no SSM call, no scriptsLog', async () => {
    const sent = (await cloud.requests())['ssm:SendCommand'] ?? 0;
    const r = await failingDeploy('dev');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.failure.scriptsLog, undefined);
    assert.equal((await cloud.requests())['ssm:SendCommand'] ?? 0, sent);
  });
});
