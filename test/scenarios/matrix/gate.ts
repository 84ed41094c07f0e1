// The bake window between environments: `greenlight gate` watching a verified deployment. A passed
// gate means nothing went bad during the whole bake: an alarm that flapped between two looks, an alarm
// without data, or a smoke command's leftover process must not slip past it.
import { constants } from 'node:fs';
import { access, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readGroupTags } from '../../../src/codedeploy/group-tags.js';
import { PASSED_GATE_TAGS } from '../../../src/gate/passed-gate.js';
import type { TestCloud } from '../../support/cloud.js';
import { isRunning } from '../../support/process-alive.js';
import { until } from '../../support/until.js';
import type { Observed } from '../runner.js';
import { V1, type ScenarioContext } from '../scenario.js';
import type { MatrixScenario } from './matrix-scenario.js';
import { allOf, deployArgs, mustSucceed, setAlarm } from './moves.js';

const gateArgs = ['gate', '--env', 'dev', '--bake', '400ms', '--poll', '50ms', '--json'];
/** A bake no scenario waits out: the gate can only end early, by failing. */
const longBake = ['gate', '--env', 'dev', '--bake', '10m', '--poll', '50ms', '--json'];

/** The group's `greenlight:gate-passed-*` tags, read through CodeDeploy's API. */
async function passedGateTags(cloud: TestCloud): Promise<Map<string, string>> {
  const tags = await readGroupTags(await cloud.aws.codedeploy(), {
    application: 'web',
    deploymentGroup: 'web-dev',
  });
  return new Map([...tags].filter(([key]) => key.startsWith('greenlight:gate-passed-')));
}

async function nothingRecorded(observed: Observed): Promise<string[]> {
  const tags = await passedGateTags(observed.context.cloud);
  return tags.size === 0
    ? []
    : [`the group has passed-gate tags: ${[...tags].map(([k, v]) => `${k}=${v}`).join(', ')}`];
}

/**
 * Runs the gate with smoke tests that hold it between its first look and its next: they signal that
 * they started (a file), then wait on a FIFO. `between` runs while they wait — the gate looked once
 * and sleeps a 1h poll that only the end of the tests cuts short — then the FIFO lets them finish.
 */
async function gateHeldBetweenLooks(ctx: ScenarioContext, between: () => Promise<void>): Promise<void> {
  const gating = ctx.cli([
    'gate',
    '--env',
    'dev',
    '--bake',
    '0s',
    '--poll',
    '1h',
    '--smoke-timeout',
    '5m',
    '--smoke',
    'rm -f go.fifo && mkfifo go.fifo && touch started && echo "smoke tests started" && cat go.fifo',
    '--json',
  ]);
  let over = false;
  void gating.then(
    () => (over = true),
    () => (over = true),
  );
  try {
    // Until the tests started, or the gate ended without starting them (its first look failed).
    await until(
      async () =>
        over ||
        (await access(join(ctx.dir, 'started')).then(
          () => true,
          () => false,
        )),
      Boolean,
      'the smoke tests to start, or the gate to end',
      '5m',
    );
    // The smoke tests run in real time, which the manual clock does not count: a minute of AWS time
    // passes while they run, so what happens between the looks comes after the first one.
    if (!over) {
      await ctx.cloud.time?.advance(60_000);
      await between();
    }
  } finally {
    await release(join(ctx.dir, 'go.fifo'), () => over);
    await gating;
  }
}

/** Lets the smoke tests' `cat FIFO` finish: writes once a reader is there, or gives up once the gate is over. */
async function release(fifo: string, over: () => boolean): Promise<void> {
  while (!over()) {
    try {
      // Non-blocking: with no reader (not there yet, or gone) the open fails instead of hanging.
      const handle = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        await handle.writeFile('go\n');
      } finally {
        await handle.close();
      }
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

export const gateScenarios: readonly MatrixScenario[] = [
  {
    id: 'gate-bakes-clean',
    category: 'gate',
    groundTruth: 'v1 verified; nothing goes wrong during the bake',
    action: 'gate',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await ctx.cli(gateArgs);
    },
    expect: {
      exitCode: 0,
      verified: true,
      names: [
        'gate passed',
        'looks every 50ms',
        'no alarm in ALARM or INSUFFICIENT_DATA since the bake began',
      ],
      async finalState(observed) {
        const tags = await passedGateTags(observed.context.cloud);
        return tags.get(PASSED_GATE_TAGS.deployment) ? [] : ['no passed-gate record names the deployment'];
      },
    },
  },
  {
    id: 'gate-alarm-during-bake',
    category: 'gate',
    groundTruth:
      'v1 verified; web-dev-5xx fires as the gate starts its 10m bake (before or during its first look: either way it is in ALARM during the bake)',
    action: 'gate',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      const gating = ctx.cli(longBake);
      await setAlarm(ctx.cloud, 'web-dev-5xx', 'ALARM', '5xx above 1% while baking');
      await gating;
    },
    expect: {
      exitCode: 1,
      verified: false,
      names: ['gate failed', 'alarm web-dev-5xx is ALARM: 5xx above 1% while baking', 'nothing was promoted'],
      finalState: nothingRecorded,
    },
  },
  {
    id: 'gate-alarm-flaps-between-looks',
    category: 'gate',
    groundTruth:
      'v1 verified; the gate looks once (all OK) and starts the smoke tests; while they run, web-dev-5xx goes ALARM, back to OK, then INSUFFICIENT_DATA — no look can see the ALARM state, only the alarm history holds it',
    action: 'gate',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await gateHeldBetweenLooks(ctx, async () => {
        await setAlarm(
          ctx.cloud,
          'web-dev-5xx',
          'ALARM',
          'Threshold Crossed: 5xx above 1% under the smoke load',
        );
        await setAlarm(ctx.cloud, 'web-dev-5xx', 'OK', 'Threshold Crossed: 5xx back below 1%');
        await setAlarm(ctx.cloud, 'web-dev-5xx', 'INSUFFICIENT_DATA', 'Insufficient Data: no datapoint');
      });
    },
    expect: {
      exitCode: 1,
      verified: false,
      names: [
        'gate failed',
        'alarm web-dev-5xx went to ALARM at',
        'Threshold Crossed: 5xx above 1% under the smoke load; it is INSUFFICIENT_DATA now',
        'nothing was promoted',
      ],
      finalState: nothingRecorded,
    },
  },
  {
    id: 'gate-insufficient-data-whole-bake',
    category: 'gate',
    groundTruth:
      'v1 verified; web-dev-5xx has no data (INSUFFICIENT_DATA) from before the gate starts to its end: CloudWatch cannot say the bake was good',
    action: 'gate',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await setAlarm(ctx.cloud, 'web-dev-5xx', 'INSUFFICIENT_DATA', 'Insufficient Data: no datapoint');
      await ctx.cli(gateArgs);
    },
    expect: {
      exitCode: 1,
      verified: false,
      names: [
        'gate failed',
        'alarm web-dev-5xx is INSUFFICIENT_DATA: Insufficient Data: no datapoint',
        'gate.insufficientData: pass lets it through',
      ],
      finalState: nothingRecorded,
    },
  },
  {
    id: 'gate-insufficient-data-allowed',
    category: 'gate',
    groundTruth:
      'v1 verified; web-dev-5xx has no data the whole bake, and greenlight.yml says gate.insufficientData: pass for dev; nothing else goes wrong',
    action: 'gate',
    instances: 4,
    env: { gate: { insufficientData: 'pass' } },
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await setAlarm(ctx.cloud, 'web-dev-5xx', 'INSUFFICIENT_DATA', 'Insufficient Data: no datapoint');
      await ctx.cli(gateArgs);
    },
    expect: {
      exitCode: 0,
      verified: true,
      names: ['gate passed', 'no alarm in ALARM since the bake began (web-dev-5xx)'],
    },
  },
  {
    id: 'gate-smoke-leaves-a-process',
    category: 'gate',
    groundTruth:
      'v1 verified; the smoke command passes but leaves `sleep 600` running in the background, holding its output open; nothing else goes wrong',
    action: 'gate',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      await ctx.cli([...gateArgs, '--smoke', 'sleep 600 & echo $! > leftover.pid; echo started']);
      ctx.facts.leftover = (await readFile(join(ctx.dir, 'leftover.pid'), 'utf8')).trim();
    },
    expect: {
      exitCode: 0,
      verified: true,
      names: ['gate passed', 'the smoke tests exited but left 1 process running', 'ended it with the gate'],
      finalState(observed) {
        const pid = Number(observed.context.facts.leftover);
        if (!pid) return Promise.resolve(['the smoke command wrote no pid']);
        return Promise.resolve(
          isRunning(pid) ? [`the leftover sleep ${pid} still runs after the gate ended`] : [],
        );
      },
    },
  },
  {
    id: 'gate-unverified-deployment',
    category: 'gate',
    groundTruth: 'v1 was deployed with --no-verify: there is no verified deployment to bake',
    action: 'gate',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1, '--no-verify'));
      await ctx.cli(gateArgs);
    },
    expect: { exitCode: 1, names: ['--force'] },
  },
];
