// tier: e2e
// deployscripts/gate.ts as CircleCI runs it: a process of its own, on the system clock, ended by
// SIGTERM (what CircleCI sends a cancelled job). The cloud runs on the manual clock and v1 is deployed
// and verified in this process, on virtual time; then nothing in this process sleeps on that clock,
// so virtual time stands still while the child bakes in real time.
//
// Why a file of its own: the child reads alarm history since its own start, on the system clock,
// while the cloud stamps it in virtual time, which runs ahead of wall time once AWS minutes have been
// advanced. In gate.test.ts's story, the alarms that flapped earlier would be stamped in the child's
// future and read as firing during its bake; in this fresh cloud no alarm ever changes, so the two
// clocks cannot disagree about anything the gate judges. The test waits for a state (the first look
// printed) and asserts outcomes (the exit code, nothing promoted), never a duration.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { readPassedGate } from '../../src/gate/passed-gate.js';
import { configText, sampleEnvironment } from '../config/sample.js';
import { VersionServers } from '../scenarios/runner.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { until } from '../support/until.js';

const V1 = 'a1'.repeat(20);
const FLEET = 3;
const deployscript = fileURLToPath(new URL('../../deployscripts/gate.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

describe('deployscripts/gate.ts and signals', () => {
  let cloud: TestCloud;
  let dir: string;
  const servers = new VersionServers((server) => cloud.time?.track(server));
  const env = () => ({ ...cloud.env, CI: 'true', PATH: process.env.PATH ?? '/usr/bin:/bin' });

  async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: () => undefined },
      stderr: { write: (s: string) => (stderr += s) },
      env: env(),
      cwd: dir,
      clock: cloud.clock,
      signal: new AbortController().signal,
    });
    return { code, stderr };
  }

  before(async () => {
    cloud = await startCloud({ world: devWorld(FLEET) });
    // The green fleet (launched after the FLEET instances of the world) serves v1.
    servers.plan = (n) => (n > FLEET ? V1 : undefined);
    await servers.start();
    dir = await mkdtemp(join(tmpdir(), 'greenlight-gate-signals-'));
    await writeFile(
      join(dir, 'greenlight.yml'),
      configText({ ...sampleEnvironment(), health: { path: '/healthcheck', port: servers.port } }),
    );
    const applied = await cli(['group', 'apply', '--env', 'dev']);
    assert.equal(applied.code, 0, applied.stderr);
    const deployed = await cli(['deploy', '--env', 'dev', '--revision', V1, '--poll', '15s']);
    assert.equal(deployed.code, 0, deployed.stderr);
  });

  after(async () => {
    await servers.close();
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('deployscripts/gate.ts ends cleanly on SIGTERM: exit 143, nothing promoted', async () => {
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, deployscript, '--env', 'dev', '--bake', '10m'],
      {
        cwd: dir,
        env: env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      // A real process: wait for what it prints. Its 10m bake is on the system clock; it cannot end
      // on its own before the signal however slow the machine is.
      await until(
        () => Promise.resolve(stderr),
        (s) => s.includes('look 1 at'),
        'the gate to look once',
        '1m',
      );
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 143, stderr);
    assert.match(stderr, /gate cancelled by SIGTERM after .* of the 10m bake: nothing was promoted/);
    const recorded = await readPassedGate(await cloud.aws.codedeploy(), {
      application: 'web',
      deploymentGroup: 'web-dev',
    });
    assert.equal(recorded, undefined, 'no gate-passed tags were written');
  });
});
