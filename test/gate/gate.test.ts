// tier: e2e
// The promotion gate against the local cloud: greenlight's real command line in-process, real SDK
// clients over HTTP, the environment changed during the bake through the real AWS APIs (CloudWatch
// SetAlarmState) or the emulator's model of an instance's app (target health has no AWS API to set).
// The order is a story on one cloud: v1 is deployed and baked, v2 fails its bake and is rolled back.
//
// Time is the cloud's manual clock, and greenlight sleeps on it (cloud.clock): a bake of 10 minutes
// costs only its looks, and a change made "during the bake" lands between two looks the test chose,
// however busy the CPU. The smoke tests are real processes: while one runs, virtual time stands still
// (a child process is work in flight), so a bake can neither end nor time them out behind their back;
// the test waits for what they print (a state, not a duration) and moves time itself when it must.
// The SIGTERM test of deployscripts/gate.ts, a process of its own on the system clock, is in
// gate-signals.test.ts.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { GetDeploymentCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import {
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/run.js';
import type { Clock } from '../../src/clock.js';
import { readLastKnownGood } from '../../src/rollback/last-known-good.js';
import { readPassedGate } from '../../src/gate/passed-gate.js';
import { sampleEnvironment } from '../config/sample.js';
import { VersionServers } from '../scenarios/runner.js';
import { healthOf } from '../scenarios/scenario.js';
import { until } from '../support/until.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';
import { isRunning } from '../support/process-alive.js';

const V1 = 'a1'.repeat(20);
const V2 = 'b2'.repeat(20);
const V3 = 'c3'.repeat(20);
const V0 = '0'.repeat(40);
const FLEET = 3;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly result: GateResult;
}

interface GateResult {
  passed: boolean;
  result: string;
  deploymentId: string;
  revision: string;
  bakeMs: number;
  pollMs: number;
  endedAt: string;
  watchedMs: number;
  looks: number;
  watched: {
    alarms: string[];
    excusedAlarms: string[];
    targetGroups: string[];
    instances: string[];
    servedVersion: string;
  };
  problems: { kind: string; subject: string; detail: string }[];
  history: {
    look: number;
    at: string;
    ok: boolean;
    alarms: { name: string; state: string }[];
    targetGroups: { name: string; healthy: number; total: number }[];
    versions: { version: string; answers: number }[];
  }[];
  alarmTimeline: { name: string; state?: string; changes: { at: string; from: string; to: string }[] }[];
  smoke?: {
    command: string;
    passed: boolean;
    exitCode?: number;
    stopped: boolean;
    output: string;
    leftovers?: string[];
  };
  passedGate?: { deploymentId: string };
  cancelledBy?: string;
  rollback?: { revision: string; verified: boolean; deploymentId: string; refused?: string };
}

/** A change to the environment while the gate sleeps between two looks. */
interface DuringBake {
  /** After this look (counted in --verbose output, which prints every look)… */
  readonly afterLook: number;
  /** …and before the next one, this change. */
  act(): unknown;
}

/** A running `greenlight gate`, with its stderr readable while it runs. */
interface Running {
  stderr(): string;
  /** Whether the command has ended. */
  over(): boolean;
  abort(reason: string): void;
  done: Promise<Run>;
}

describe('greenlight gate against the local cloud', () => {
  let cloud: TestCloud;
  let dir: string;
  // Their requests are work in flight: virtual time waits for the answers.
  const servers = new VersionServers((server) => cloud.time?.track(server));
  /** The environment's URL (what a load balancer would answer): the version the newest fleet serves. */
  let site: Server;
  let sitePort = 0;
  /** [first launch index, version]: what each launched instance serves. */
  const fleets: [number, string][] = [];
  let servedOverride: string | undefined;

  const env = () => ({ ...cloud.env, CI: 'true', PATH: process.env.PATH ?? '/usr/bin:/bin' });

  function start(args: string[], during?: DuringBake): Running {
    let stdout = '';
    let stderr = '';
    const controller = new AbortController();
    let over = false;
    let acted = false;
    // The cloud's virtual time. With `during`, the first sleep after the n-th look is printed waits
    // for the test's change before it begins: that sleep is the one until the next look (a look only
    // sleeps to retry a read, before its line; without --smoke nothing else sleeps on this clock).
    const clock: Clock = during
      ? {
          now: () => cloud.clock.now(),
          async sleep(ms, signal) {
            if (!acted && looksSoFar(stderr) >= during.afterLook) {
              acted = true;
              await during.act();
            }
            await cloud.clock.sleep(ms, signal);
          },
        }
      : cloud.clock;
    const done = runCli(args, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: env(),
      cwd: dir,
      clock,
      signal: controller.signal,
    }).then((code) => {
      over = true;
      let result = {} as GateResult;
      try {
        result = (JSON.parse(stdout) as { result: GateResult }).result;
      } catch {
        // No --json document: the test asserts on stderr.
      }
      return { code, stdout, stderr, result };
    });
    return { stderr: () => stderr, over: () => over, abort: (reason) => controller.abort(reason), done };
  }

  const cli = (args: string[]) => start(args).done;
  const gate = (...args: string[]) => cli(['gate', '--env', 'dev', '--json', ...args]);

  async function launched(): Promise<number> {
    const ec2 = await cloud.aws.ec2();
    const out = await ec2.send(new DescribeInstancesCommand({}));
    return (out.Reservations ?? []).reduce((n, r) => n + (r.Instances?.length ?? 0), 0);
  }

  /** Deploys `version` with greenlight (verified unless told otherwise); its instances serve it. */
  async function deploy(version: string, ...extra: string[]): Promise<string> {
    fleets.push([(await launched()) + 1, version]);
    const r = await cli([
      'deploy',
      '--env',
      'dev',
      '--revision',
      version,
      '--poll',
      '15s',
      '--json',
      ...extra,
    ]);
    assert.equal(r.code, 0, `deploy ${version}:\n${r.stderr}`);
    return (JSON.parse(r.stdout) as { result: { deploymentId: string } }).result.deploymentId;
  }

  const versionOf = (n: number): string | undefined => {
    if (n <= FLEET) return undefined;
    if (servedOverride) return servedOverride;
    return [...fleets].reverse().find(([first]) => n >= first)?.[1];
  };

  async function alarm(name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'): Promise<void> {
    const cloudwatch = await cloud.aws.cloudwatch();
    const reasons = {
      ALARM: 'Threshold Crossed: 5xx above 1% for 1 datapoint',
      OK: 'back to normal',
      INSUFFICIENT_DATA: 'Insufficient Data: 1 datapoint was unknown',
    };
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reasons[state] }),
    );
    // A virtual millisecond on: a change and what follows it (the next change, the start of the next
    // test's bake) are never the same instant, which the alarm's history could not put in order.
    await cloud.time?.advance(1);
  }

  const looksSoFar = (stderr: string) => (stderr.match(/look \d+ at/g) ?? []).length;

  async function greenInstance(deploymentId: string, index: number): Promise<string> {
    const autoscaling = await cloud.aws.codedeploy();
    const info = await autoscaling.send(new GetDeploymentCommand({ deploymentId }));
    assert.equal(info.deploymentInfo?.status, 'Succeeded');
    const ec2 = await cloud.aws.ec2();
    const out = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:aws:autoscaling:groupName', Values: [`CodeDeploy_web-dev_${deploymentId}`] },
          { Name: 'instance-state-name', Values: ['running'] },
        ],
      }),
    );
    const ids = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? '');
    const id = ids.sort()[index];
    assert.ok(id, `green instance ${index} of ${deploymentId}`);
    return id;
  }

  let d1 = '';

  before(async () => {
    const world = devWorld(FLEET);
    // The empty group's own fleet: two deployment groups on one Auto Scaling group would each leave
    // their launch hook on it, which preflight refuses (a hook nobody answers for the other group).
    world.autoScalingGroups = [
      ...(world.autoScalingGroups ?? []),
      {
        name: 'web-empty-asg',
        instances: 0,
        availabilityZones: ['us-east-1a'],
        targetGroups: ['web-dev-tg'],
        launchTemplate: 'web',
      },
    ];
    cloud = await startCloud({ world });
    servers.plan = versionOf;
    await servers.start();
    site = createServer((req, res) => {
      const version = servedOverride ?? fleets[fleets.length - 1]?.[1] ?? 'none';
      res.writeHead(req.url === '/healthcheck' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'pass', version }));
    });
    cloud.time?.track(site);
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    sitePort = (site.address() as { port: number }).port;
    dir = await mkdtemp(join(tmpdir(), 'greenlight-gate-'));
    const dev = {
      ...sampleEnvironment(),
      alarms: ['web-dev-5xx'],
      gate: { alarms: ['web-dev-latency'] },
      health: { path: '/healthcheck', port: servers.port, url: `http://127.0.0.1:${sitePort}/healthcheck` },
    };
    await writeFile(
      join(dir, 'greenlight.yml'),
      stringify({
        application: 'web',
        environments: {
          dev,
          empty: { ...dev, deploymentGroup: 'web-empty', autoScalingGroup: 'web-empty-asg' },
          // The same group, for alarms that go quiet by design.
          lenient: { ...dev, gate: { ...dev.gate, insufficientData: 'pass' } },
          // The same group, watched through a composite alarm (created by the test that uses it).
          composite: { ...dev, gate: { alarms: ['web-dev-any'] } },
          missing: { ...dev, deploymentGroup: 'web-missing' },
        },
      }),
    );
    for (const name of ['dev', 'empty']) {
      const applied = await cli(['group', 'apply', '--env', name]);
      assert.equal(applied.code, 0, applied.stderr);
    }
  });

  after(async () => {
    await servers.close();
    await new Promise<void>((resolve) => site.close(() => resolve()));
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses with exit 2 and says what to do when the group has no deployment, or does not exist', async () => {
    const empty = await cli(['gate', '--env', 'empty', '--bake', '1s']);
    assert.equal(empty.code, 2, empty.stderr);
    assert.match(empty.stderr, /web\/web-empty has no deployment yet.*greenlight deploy --env empty/);
    const missing = await cli(['gate', '--env', 'missing', '--bake', '1s']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /web\/web-missing does not exist.*greenlight group apply --env missing/);
  });

  it('passes a quiet bake, says what it watched and for how long, and records the pass', async () => {
    d1 = await deploy(V1);
    const r = await gate('--bake', '1s', '--poll', '250ms', '--junit', 'gate.xml', '--markdown', 'gate.md');
    assert.equal(r.code, 0, r.stderr);
    const g = r.result;
    assert.equal(g.passed, true);
    assert.equal(g.deploymentId, d1);
    assert.ok(g.looks >= 4, `looked ${g.looks} times`);
    assert.ok(g.watchedMs >= g.bakeMs, 'watched the whole window');
    assert.deepEqual([...g.watched.alarms].sort(), ['web-dev-5xx', 'web-dev-latency']);
    assert.deepEqual(g.watched.targetGroups, ['web-dev-tg']);
    assert.equal(g.watched.instances.length, FLEET);
    assert.match(g.watched.servedVersion, new RegExp(`every instance serves ${V1}`));
    assert.equal(g.passedGate?.deploymentId, d1);
    assert.match(r.stderr, new RegExp(`gate passed: ${d1} \\(${V1}\\) baked in dev for`));
    assert.match(r.stderr, /alarms: +web-dev-5xx, web-dev-latency/);
    assert.match(r.stderr, /target health: +3 green instances in web-dev-tg/);
    const codedeploy = await cloud.aws.codedeploy();
    assert.equal(
      (await readPassedGate(codedeploy, { application: 'web', deploymentGroup: 'web-dev' }))?.deploymentId,
      d1,
    );
    const junit = await readFile(join(dir, 'gate.xml'), 'utf8');
    assert.match(junit, /<testsuite name="greenlight gate dev d-[^"]+" tests="\d+" failures="0"/);
    assert.match(junit, /name="alarms: alarm web-dev-latency is OK"/);
    assert.match(await readFile(join(dir, 'gate.md'), 'utf8'), /greenlight gate dev: passed/);
  });

  it('a bake of 0 is a single look', async () => {
    const r = await gate('--bake', '0s');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.result.looks, 1);
  });

  it('fails within one poll interval when an alarm goes to ALARM during the bake, naming it', async () => {
    let firedAt = 0;
    const r = await start(
      ['gate', '--env', 'dev', '--json', '--verbose', '--bake', '10m', '--poll', '50ms'],
      {
        afterLook: 2,
        act: async () => {
          await alarm('web-dev-5xx', 'ALARM');
          firedAt = cloud.clock.now();
        },
      },
    ).done;
    await alarm('web-dev-5xx', 'OK');
    assert.equal(r.code, 1, r.stderr);
    const g = r.result;
    assert.equal(g.result, 'failed');
    assert.equal(g.looks, 3, 'the first look after the alarm fired failed the gate');
    const endedAt = Date.parse(g.endedAt);
    assert.ok(
      endedAt - firedAt <= g.pollMs,
      `ended ${endedAt - firedAt} ms (AWS time) after the alarm fired`,
    );
    assert.ok(g.watchedMs < g.bakeMs, 'ended before the bake window ran out');
    assert.deepEqual(
      g.problems.map((p) => [p.kind, p.subject]),
      [['alarm', 'web-dev-5xx']],
    );
    // The history the report draws: each look's alarm states, the fleet healthy, the version served.
    const state = (n: number) => g.history[n]?.alarms.find((a) => a.name === 'web-dev-5xx')?.state;
    assert.deepEqual(
      g.history.map((l) => [l.look, l.ok]),
      [
        [1, true],
        [2, true],
        [3, false],
      ],
    );
    assert.deepEqual([state(0), state(1), state(2)], ['OK', 'OK', 'ALARM']);
    assert.deepEqual(g.history[0]?.targetGroups, [{ name: 'web-dev-tg', healthy: FLEET, total: FLEET }]);
    assert.deepEqual(g.history[0]?.versions, [{ version: V1, answers: FLEET }]);
    const changes = g.alarmTimeline.find((a) => a.name === 'web-dev-5xx')?.changes ?? [];
    assert.deepEqual(
      changes.map((c) => [c.from, c.to]),
      [['OK', 'ALARM']],
    );
    assert.equal(Date.parse(changes[0]?.at ?? ''), firedAt - 1, 'when the alarm fired (its own time)');
    assert.match(
      r.stderr,
      /gate failed for d-\S+ \((?:a1)+\) in dev after .* alarm web-dev-5xx is ALARM: Threshold Crossed/,
    );
    assert.match(r.stderr, /nothing was promoted/);
  });

  it('fails at once when an alarm is already in ALARM as the gate starts', async () => {
    await alarm('web-dev-latency', 'ALARM');
    try {
      const r = await gate('--bake', '10m', '--poll', '50ms');
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.result.looks, 1);
      assert.equal(r.result.problems[0]?.subject, 'web-dev-latency');
      assert.match(r.stderr, /alarm web-dev-latency is ALARM/);
    } finally {
      await alarm('web-dev-latency', 'OK');
    }
  });

  it('--ignore-alarms lets an alarm already in ALARM through, and says so', async () => {
    await alarm('web-dev-latency', 'ALARM');
    try {
      const r = await gate('--bake', '300ms', '--poll', '100ms', '--ignore-alarms', 'web-dev-latency');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.result.watched.excusedAlarms, ['web-dev-latency']);
      assert.match(
        r.stderr,
        /--ignore-alarms web-dev-latency: the alarm is ALARM as the gate starts and is let through, an explicit escape/,
      );
      assert.match(r.stderr, /let through: +web-dev-latency \(--ignore-alarms\)/);
    } finally {
      await alarm('web-dev-latency', 'OK');
    }
  });

  it('an alarm that went to ALARM and back to OK between two looks, then INSUFFICIENT_DATA, fails the gate: named, when, why; nothing recorded', async () => {
    // Ground truth: the gate looks once (all OK) and starts the smoke tests; while they run, and the
    // gate sleeps (a 1h poll: its next look comes only when they end), web-dev-5xx goes OK → ALARM →
    // OK → INSUFFICIENT_DATA. No look can see the ALARM state; only the alarm's history holds it.
    const codedeploy = await cloud.aws.codedeploy();
    const group = { application: 'web', deploymentGroup: 'web-dev' };
    const recorded = await readPassedGate(codedeploy, group);
    const running = start([
      'gate',
      '--env',
      'dev',
      '--json',
      '--bake',
      '0s',
      '--poll',
      '1h',
      '--smoke-timeout',
      '2m',
      '--smoke',
      'rm -f go.fifo && mkfifo go.fifo && echo flap-now && cat go.fifo',
    ]);
    let r: Run;
    try {
      // The smoke tests are a real process: wait for what they print, in real time.
      await until(
        () => Promise.resolve(running.stderr()),
        (s) => s.includes('smoke │ flap-now') || running.over(),
        'the smoke tests to start, after the first look',
        '1m',
      );
      assert.ok(!running.over(), `the gate ended before its smoke tests started:\n${running.stderr()}`);
      // Virtual time stands still while they run: a minute of AWS time passes by hand, so the flap
      // comes after the first look.
      await cloud.time?.advance(60_000);
      await alarm('web-dev-5xx', 'ALARM');
      await alarm('web-dev-5xx', 'OK');
      await alarm('web-dev-5xx', 'INSUFFICIENT_DATA');
    } finally {
      await writeFile(join(dir, 'go.fifo'), 'go\n');
      r = await running.done;
      await alarm('web-dev-5xx', 'OK');
    }
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.result.looks, 2, 'a look before the flap, one after it');
    assert.equal(r.result.smoke?.passed, true, 'the smoke tests themselves passed');
    assert.deepEqual(
      r.result.problems.map((p) => [p.kind, p.subject]),
      [['alarm', 'web-dev-5xx']],
    );
    assert.match(
      r.result.problems[0]?.detail ?? '',
      /^alarm web-dev-5xx went to ALARM at \d{4}-\d\d-\d\dT[\d:.]+Z, [\d.]+s into the bake: Threshold Crossed: 5xx above 1% for 1 datapoint; it is INSUFFICIENT_DATA now$/,
    );
    assert.match(
      r.stderr,
      /gate failed for d-\S+ .*alarm web-dev-5xx went to ALARM at .*nothing was promoted/,
    );
    assert.equal(r.result.passedGate, undefined);
    assert.deepEqual(await readPassedGate(codedeploy, group), recorded, 'no gate-passed tags were written');
  });

  it('a composite alarm is watched like a metric alarm: found, and its ALARM between two looks fails the gate, named', async () => {
    const cloudwatch = await cloud.aws.cloudwatch();
    // An alarm on no metric (never evaluated: its state moves only when told) and a composite over it.
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'web-dev-errors',
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 1,
      }),
    );
    await alarm('web-dev-errors', 'OK');
    await cloudwatch.send(
      new PutCompositeAlarmCommand({ AlarmName: 'web-dev-any', AlarmRule: 'ALARM("web-dev-errors")' }),
    );
    await cloud.time?.advance(1);
    const r = await start(['gate', '--env', 'composite', '--json', '--bake', '10m', '--poll', '1m'], {
      afterLook: 1,
      act: async () => {
        await alarm('web-dev-errors', 'ALARM');
        await alarm('web-dev-errors', 'OK');
      },
    }).done;
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.result.history[0]?.ok, true, 'the composite was found, and OK, at the first look');
    assert.deepEqual(r.result.history[0]?.alarms.find((a) => a.name === 'web-dev-any')?.state, 'OK');
    assert.deepEqual(
      r.result.problems.map((p) => [p.kind, p.subject]),
      [['alarm', 'web-dev-any']],
      JSON.stringify(r.result.problems),
    );
    assert.deepEqual(
      r.result.alarmTimeline.find((a) => a.name === 'web-dev-any')?.changes.map((c) => [c.from, c.to]),
      [
        ['OK', 'ALARM'],
        ['ALARM', 'OK'],
      ],
    );
  });

  it('an alarm in INSUFFICIENT_DATA the whole bake fails it, unless gate.insufficientData: pass', async () => {
    await alarm('web-dev-latency', 'INSUFFICIENT_DATA');
    try {
      const r = await gate('--bake', '0s');
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(
        r.result.problems.map((p) => [p.kind, p.subject]),
        [['alarm', 'web-dev-latency']],
      );
      assert.match(
        r.stderr,
        /alarm web-dev-latency is INSUFFICIENT_DATA: Insufficient Data: 1 datapoint was unknown — without data CloudWatch cannot say the bake was good \(gate.insufficientData: pass lets it through\)/,
      );
      const lenient = await cli(['gate', '--env', 'lenient', '--json', '--bake', '0s']);
      assert.equal(lenient.code, 0, lenient.stderr);
      assert.match(lenient.stderr, /alarm history: +no alarm in ALARM since the bake began/);
    } finally {
      await alarm('web-dev-latency', 'OK');
    }
  });

  it('--smoke that leaves a process behind: the gate ends with its verdict, and the process with it', async () => {
    const r = await gate('--bake', '0s', '--smoke', 'sleep 600 & echo $! > leftover.pid; echo started');
    assert.equal(r.code, 0, r.stderr);
    const pid = Number(await readFile(join(dir, 'leftover.pid'), 'utf8'));
    assert.equal(isRunning(pid), false, `the leftover sleep ${pid} was ended with the gate`);
    assert.equal(r.result.smoke?.passed, true);
    assert.deepEqual(r.result.smoke.leftovers, [`${pid} sleep`]);
    assert.match(
      r.stderr,
      new RegExp(
        `the smoke tests exited but left 1 process running \\(${pid} sleep\\); ended it with the gate`,
      ),
    );
    assert.match(r.stderr, /smoke tests: +passed in .*; left 1 process running .*, ended with the gate/);
  });

  it('fails when a green instance goes unhealthy during the bake, naming the instance', async () => {
    const id = await greenInstance(d1, 1);
    // Target health follows the load balancer's health checks (tens of seconds of AWS time), so
    // the gate looks every 10s rather than every few milliseconds.
    const elbv2 = cloud.lc.cloud.region('us-east-1').elbv2;
    const r = await start(['gate', '--env', 'dev', '--json', '--verbose', '--bake', '10m', '--poll', '10s'], {
      afterLook: 2,
      act: () => elbv2.setAppHealthy(id, false),
    }).done;
    elbv2.setAppHealthy(id, true);
    await cloud.until(
      () => healthOf(cloud, id),
      (s) => s === 'healthy',
      `${id} healthy again`,
      '10m',
    );
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.result.watchedMs < r.result.bakeMs);
    const problem = r.result.problems.find((p) => p.kind === 'instance');
    assert.equal(problem?.subject, id, JSON.stringify(r.result.problems));
    // The history shows the instance falling out of health (the health checks take a few looks).
    const healthy = r.result.history.map((l) => l.targetGroups[0]?.healthy);
    assert.equal(healthy.length, r.result.looks);
    assert.deepEqual(healthy.slice(0, -1), Array<number>(healthy.length - 1).fill(FLEET), String(healthy));
    assert.equal(healthy.at(-1), FLEET - 1);
    assert.match(r.stderr, new RegExp(`${id} is unhealthy \\(Target.FailedHealthChecks`));
  });

  it('fails when the fleet starts serving another version during the bake', async () => {
    const r = await start(
      ['gate', '--env', 'dev', '--json', '--verbose', '--bake', '10m', '--poll', '50ms'],
      {
        afterLook: 1,
        act: () => (servedOverride = V0),
      },
    ).done;
    servedOverride = undefined;
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.result.problems.every((p) => p.kind === 'version'));
    assert.equal(r.result.problems.length, FLEET);
    assert.match(r.stderr, new RegExp(`serves ${V0}, expected ${V1}`));
  });

  it('--smoke runs the team’s tests against the environment’s URL; their output is in the result', async () => {
    const script = join(dir, 'smoke-ok.sh');
    await writeFile(
      script,
      [
        '#!/bin/sh',
        'set -eu',
        'echo "smoke tests for $GREENLIGHT_ENV, expecting $GREENLIGHT_VERSION"',
        // A real request to the URL the gate gave, as the team's API tests would make.
        `node -e 'fetch(process.env.GREENLIGHT_URL + "/healthcheck").then(r => r.json()).then(b => console.log("GET /healthcheck answered version " + b.version))'`,
        'echo "5 of 5 API tests passed" >&2',
        '',
      ].join('\n'),
    );
    await chmod(script, 0o755);
    const r = await gate(
      '--bake',
      '300ms',
      '--poll',
      '100ms',
      '--smoke',
      './smoke-ok.sh',
      '--junit',
      'smoke.xml',
    );
    assert.equal(r.code, 0, r.stderr);
    const smoke = r.result.smoke;
    assert.equal(smoke?.passed, true);
    assert.equal(smoke.exitCode, 0);
    assert.match(smoke.output, new RegExp(`smoke tests for dev, expecting ${V1}`));
    assert.match(smoke.output, new RegExp(`GET /healthcheck answered version ${V1}`));
    assert.match(smoke.output, /5 of 5 API tests passed/);
    assert.match(r.stderr, /smoke │ 5 of 5 API tests passed/, 'streamed to stderr as it ran');
    assert.match(r.stderr, /smoke tests: +passed in/);
    assert.match(await readFile(join(dir, 'smoke.xml'), 'utf8'), /<system-out>[^<]*5 of 5 API tests passed/);
  });

  it('--smoke failing fails the gate, with the tests’ output kept', async () => {
    await writeFile(
      join(dir, 'smoke-bad.sh'),
      '#!/bin/sh\necho "POST /orders: expected 201, got 500"\necho "2 of 5 API tests failed" >&2\nexit 3\n',
    );
    await chmod(join(dir, 'smoke-bad.sh'), 0o755);
    const r = await gate(
      '--bake',
      '10m',
      '--poll',
      '50ms',
      '--smoke',
      './smoke-bad.sh',
      '--markdown',
      'bad.md',
    );
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.result.watchedMs < r.result.bakeMs, 'the failure ended the bake early');
    assert.equal(r.result.smoke?.exitCode, 3);
    assert.match(
      r.result.smoke.output,
      /POST \/orders: expected 201, got 500\n2 of 5 API tests failed|2 of 5 API tests failed\nPOST/,
    );
    assert.deepEqual(
      r.result.problems.map((p) => p.kind),
      ['smoke'],
    );
    assert.match(r.stderr, /the smoke tests \(\.\/smoke-bad\.sh\) failed: exit 3/);
    assert.match(await readFile(join(dir, 'bad.md'), 'utf8'), /2 of 5 API tests failed/);
  });

  it('SIGINT ends the gate cleanly: exit 130, the smoke tests stopped, nothing promoted', async () => {
    const running = start([
      'gate',
      '--env',
      'dev',
      '--json',
      '--verbose',
      '--bake',
      '10m',
      '--poll',
      '50ms',
      '--smoke',
      'echo started; exec sleep 30',
    ]);
    // A real process: wait for what it prints. Virtual time stands still while it runs, so the 10m
    // bake cannot end before the signal, however long the wait takes.
    await until(
      () => Promise.resolve(running.stderr()),
      (s) => s.includes('smoke │ started') || running.over(),
      'the smoke tests to start',
      '1m',
    );
    assert.ok(!running.over(), `the gate ended before its smoke tests started:\n${running.stderr()}`);
    running.abort('SIGINT');
    const r = await running.done;
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.result.result, 'cancelled');
    assert.equal(r.result.cancelledBy, 'SIGINT');
    assert.equal(r.result.smoke?.stopped, true);
    assert.equal(r.result.passedGate, undefined);
    assert.match(r.stderr, /gate cancelled by SIGINT after .* of the 10m bake: nothing was promoted/);
  });

  it('fails when Auto Scaling takes a green instance out of service between two looks, though no look saw it unhealthy', async () => {
    const id = await greenInstance(d1, 2);
    const group = `CodeDeploy_web-dev_${d1}`;
    const ec2 = await cloud.aws.ec2();
    const autoscaling = await cloud.aws.autoscaling();
    const inService = async () => {
      const out = await autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }),
      );
      return (out.AutoScalingGroups?.[0]?.Instances ?? []).filter((i) => i.LifecycleState === 'InService')
        .length;
    };
    // No replacement can launch (as when the zone is out of capacity), so the fleet stays short.
    await autoscaling.send(
      new SuspendProcessesCommand({ AutoScalingGroupName: group, ScalingProcesses: ['Launch'] }),
    );
    let r: Run;
    try {
      // The instance stops behind the group's back (a host failure): Auto Scaling's EC2 health check
      // takes it out of service at once. At the next look it is Terminating, its registration
      // draining: every instance still InService is healthy and serves v1.
      r = await start(['gate', '--env', 'dev', '--json', '--bake', '10m', '--poll', '1m'], {
        afterLook: 1,
        act: async () => {
          await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
        },
      }).done;
    } finally {
      await autoscaling.send(
        new ResumeProcessesCommand({ AutoScalingGroupName: group, ScalingProcesses: ['Launch'] }),
      );
    }
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(
      r.result.problems.map((p) => [p.kind, p.subject]),
      [['instance', id]],
      JSON.stringify(r.result.problems),
    );
    assert.match(
      r.result.problems[0]?.detail ?? '',
      new RegExp(
        `${id} was taken out of service by ${group} at .* for failing a health check \\(Auto Scaling: ".*EC2 health check indicating it has been terminated or stopped\\."\\)`,
      ),
    );
    assert.equal(r.result.looks, 2, 'the first look after the instance went');
    assert.equal(r.result.history[0]?.ok, true);
    assert.equal(r.result.passedGate, undefined, 'nothing recorded');
    // The replacement launches once Launch is resumed: the group is whole again for the next test.
    await cloud.until(inService, (n) => n === FLEET, `${group} back to ${FLEET} instances InService`, '30m');
  });

  it('--rollback-on-failure rolls back to the revision that last passed the gate: exit 5', async () => {
    const d2 = await deploy(V2);
    // The rollback's instances will serve v1 again.
    fleets.push([(await launched()) + 1, V1]);
    await alarm('web-dev-latency', 'ALARM');
    let r: Run;
    try {
      // --poll paces the rollback's wait too: 15s, as for the deploys, not hundreds of polls a minute.
      r = await gate('--bake', '10m', '--poll', '15s', '--rollback-on-failure');
    } finally {
      await alarm('web-dev-latency', 'OK');
    }
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.result.deploymentId, d2);
    assert.equal(r.result.problems[0]?.subject, 'web-dev-latency');
    assert.equal(r.result.rollback?.revision, V1);
    assert.equal(r.result.rollback.verified, true);
    assert.match(r.stderr, new RegExp(`rolling web/web-dev back to ${V1}, which passed the gate in ${d1}`));
    const codedeploy = await cloud.aws.codedeploy();
    const group = await codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: 'web', deploymentGroupName: 'web-dev' }),
    );
    const serving = group.deploymentGroupInfo?.lastSuccessfulDeployment?.deploymentId;
    assert.equal(serving, r.result.rollback.deploymentId);
    const info = await codedeploy.send(new GetDeploymentCommand({ deploymentId: serving }));
    assert.equal(info.deploymentInfo?.revision?.gitHubLocation?.commitId, V1, 'the group ends on v1');
    const lkg = await readLastKnownGood(codedeploy, { application: 'web', deploymentGroup: 'web-dev' });
    assert.equal(lkg?.deploymentId, serving, 'the rollback is the new last-known-good');
  });

  it('refuses to bake a deployment greenlight did not verify, unless --force', async () => {
    const d3 = await deploy(V3, '--no-verify');
    const refused = await cli(['gate', '--env', 'dev', '--bake', '300ms', '--poll', '50ms']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`${d3} \\(${V3}, Succeeded\\), is not verified.*--force`));
    const forced = await gate('--bake', '300ms', '--poll', '100ms', '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.result.deploymentId, d3);
    assert.equal(forced.result.passedGate, undefined, 'a forced bake is not recorded as a pass');
    assert.match(forced.stderr, /--force: baking/);
  });

  it('refuses to bake a deployment that is still running, even with --force', async () => {
    await cloud.fault({
      scope: 'instance',
      deploymentGroup: 'web-dev',
      fleet: 'green',
      index: 0,
      event: 'AfterInstall',
      effect: 'hang',
    });
    try {
      const d4 = await deploy('d4'.repeat(20), '--no-wait');
      const r = await cli(['gate', '--env', 'dev', '--bake', '300ms', '--force']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`${d4}, is still (Created|Queued|InProgress); run the gate once it is done and verified`),
      );
    } finally {
      await cloud.clearFaults();
    }
  });
});
