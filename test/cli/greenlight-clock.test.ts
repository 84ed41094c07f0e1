// tier: integration
// GREENLIGHT_CLOCK end to end: greenlight's real command line (runCli, in process) on an accelerated
// local cloud, as `greenlight rehearse` runs each CircleCI step. The cloud's AWS time runs 60 times
// faster than its wall, and the CLI, given the cloud's GREENLIGHT_CLOCK, computes the same instants and
// sleeps 1/60 of each wait: a verified deployment's `gate --bake 30m` ends after 30 minutes of AWS
// time, which is 30 s of the wall. The wall is the test's own (a manual scheduler, stepped only while
// the CLI sleeps and nothing is in flight), shared by the cloud and the CLI, so nothing here depends
// on how fast the machine is.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  controlClient,
  createManualScheduler,
  greenlightClock,
  startLocalCloud,
  virtualTime,
  type RunningLocalCloud,
  type VirtualTime,
} from '@greenlight/localcloud';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/run.js';
import type { Clock } from '../../src/clock.js';
import { sampleEnvironment } from '../config/sample.js';
import { VersionServers } from '../scenarios/runner.js';
import { credentials, devWorld } from '../support/cloud.js';

const V1 = 'a1'.repeat(20);
const FLEET = 2;
const SCALE = 60;
const MINUTE = 60_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('GREENLIGHT_CLOCK: greenlight on an accelerated local cloud', () => {
  const wall = createManualScheduler({ start: Date.parse('2026-12-05T10:00:00Z') });
  const wallClock: Clock = { now: () => wall.nowMs(), sleep: (ms, signal) => wall.sleep(ms, signal) };
  let lc: RunningLocalCloud;
  let time: VirtualTime;
  let stopDriving: () => Promise<void>;
  let servers: VersionServers;
  let site: Server;
  let dir: string;
  let env: Record<string, string>;

  const cli = async (args: string[], extra: Record<string, string> = {}): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: { ...env, ...extra },
      cwd: dir,
      signal: new AbortController().signal,
      wall: wallClock,
    });
    return { code, stdout, stderr };
  };

  before(async () => {
    lc = await startLocalCloud({
      clock: {
        accelerated: { wall: { now: () => wall.nowMs(), setTimer: (fn, ms) => wall.after(ms, fn) } },
      },
      timeScale: SCALE,
      world: devWorld(FLEET),
    });
    // The wall moves like a manual clock's virtual time: to the next due timer once the CLI sleeps on
    // it and nothing is in flight at the cloud or the test's servers.
    time = virtualTime({ ...lc, manualClock: wall });
    stopDriving = time.start();
    servers = new VersionServers((server) => time.track(server));
    servers.plan = (n) => (n > FLEET ? V1 : undefined); // the green fleet serves V1
    await servers.start();
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'pass', version: V1 }));
    });
    time.track(site);
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const sitePort = (site.address() as { port: number }).port;
    dir = await mkdtemp(join(tmpdir(), 'greenlight-clock-'));
    const dev = {
      ...sampleEnvironment(),
      alarms: ['web-dev-5xx'],
      health: { path: '/healthcheck', port: servers.port, url: `http://127.0.0.1:${sitePort}/healthcheck` },
    };
    await writeFile(join(dir, 'greenlight.yml'), stringify({ application: 'web', environments: { dev } }));
    env = {
      AWS_ENDPOINT_URL: lc.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      CI: 'true',
      GREENLIGHT_CLOCK: await controlClient(lc.url).greenlightClock(),
    };
  });
  after(async () => {
    await stopDriving();
    await servers.close();
    await new Promise<void>((resolve) => site.close(() => resolve()));
    await lc.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the CLI the cloud’s own GREENLIGHT_CLOCK', () => {
    const anchors = lc.acceleratedClock?.anchors;
    assert.ok(anchors);
    assert.equal(env.GREENLIGHT_CLOCK, `accelerated:${SCALE}:${anchors.virtualMs}:${anchors.wallMs}`);
    assert.equal(greenlightClock(lc), env.GREENLIGHT_CLOCK);
  });

  it('gate --bake 30m ends after 30 minutes of the cloud’s AWS time: 30 s of its wall', async () => {
    const applied = await cli(['group', 'apply', '--env', 'dev']);
    assert.equal(applied.code, 0, applied.stderr);
    const deployed = await cli(['deploy', '--env', 'dev', '--revision', V1, '--json']);
    assert.equal(deployed.code, 0, deployed.stderr);

    const cloudClock = lc.acceleratedClock!;
    const virtualBefore = cloudClock.nowMs();
    const wallBefore = wall.nowMs();
    const gate = await cli(['gate', '--env', 'dev', '--json', '--bake', '30m', '--poll', '1m']);
    assert.equal(gate.code, 0, gate.stderr);
    assert.doesNotMatch(gate.stderr, /ignoring unknown variable GREENLIGHT_CLOCK/);
    const result = (
      JSON.parse(gate.stdout) as { result: { passed: boolean; bakeMs: number; watchedMs: number } }
    ).result;
    assert.equal(result.passed, true);
    assert.equal(result.bakeMs, 30 * MINUTE);
    assert.ok(result.watchedMs >= 30 * MINUTE, `watched ${result.watchedMs} ms`);
    // The CLI's 30 minutes were the cloud's: the same virtual instants, on a wall 60 times slower.
    const virtualElapsed = cloudClock.nowMs() - virtualBefore;
    const wallElapsed = wall.nowMs() - wallBefore;
    assert.ok(virtualElapsed >= 30 * MINUTE, `the cloud saw ${virtualElapsed} ms of AWS time`);
    assert.ok(virtualElapsed < 40 * MINUTE, `the cloud saw ${virtualElapsed} ms of AWS time`);
    assert.equal(virtualElapsed, wallElapsed * SCALE);
  });

  it('refuses GREENLIGHT_CLOCK (exit 2) when an endpoint is not on this machine, before any call', async () => {
    const before = await controlClient(lc.url).requests();
    const refused = await cli(['gate', '--env', 'dev', '--bake', '30m'], {
      AWS_ENDPOINT_URL_CLOUDWATCH: 'https://monitoring.us-east-1.amazonaws.com',
    });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /GREENLIGHT_CLOCK is set \(AWS time 60× faster than the wall clock\) but cloudwatch would call https:\/\/monitoring\.us-east-1\.amazonaws\.com/,
    );
    assert.doesNotMatch(refused.stderr, /\n\s+at /); // no stack trace
    assert.deepEqual(await controlClient(lc.url).requests(), before);
  });
});
