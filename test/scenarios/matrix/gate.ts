// The bake window between environments: `greenlight gate` watching a verified deployment.
import { V1 } from '../scenario.js';
import type { MatrixScenario } from './matrix-scenario.js';
import { deployArgs, mustSucceed, setAlarm } from './moves.js';

const allOf = (version: string) => (n: number) => (n > 4 ? version : undefined);
const gateArgs = ['gate', '--env', 'dev', '--bake', '400ms', '--poll', '50ms', '--json'];

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
    expect: { exitCode: 0, verified: true, names: ['gate passed', 'looks every 50ms'] },
  },
  {
    id: 'gate-alarm-during-bake',
    category: 'gate',
    groundTruth: 'v1 verified; web-dev-5xx fires while the gate bakes',
    action: 'gate',
    instances: 4,
    versions: allOf(V1),
    act: async (ctx) => {
      await mustSucceed(ctx, deployArgs(V1));
      const gating = ctx.cli(gateArgs);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await setAlarm(ctx.cloud, 'web-dev-5xx', 'ALARM', '5xx above 1% while baking');
      await gating;
    },
    expect: {
      exitCode: 1,
      verified: false,
      names: ['gate failed', 'alarm web-dev-5xx is ALARM', 'nothing was promoted'],
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
