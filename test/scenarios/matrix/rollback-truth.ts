// Rollback keeps one truth (issue 13, cases 6–8): it ends on the last verified revision of this group
// or refuses. An unverified revision between the verified one and an active deployment, two rollbacks
// at once, and records on the group naming what greenlight never verified for it.
import {
  BatchGetDeploymentTargetsCommand,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { readLastKnownGood, LKG_TAGS } from '../../../src/rollback/last-known-good.js';
import { PASSED_GATE_TAGS } from '../../../src/gate/passed-gate.js';
import type { TestCloud } from '../../support/cloud.js';
import { WEB_DEV, forgeTags, foreignDeployment } from '../../rollback/forged-records.js';
import type { Observed } from '../runner.js';
import { V0, V1, V2, fleetOf, type ScenarioContext } from '../scenario.js';
import type { MatrixScenario } from './matrix-scenario.js';
import {
  deployArgs,
  deployment,
  deploymentIds,
  groupFollowsGreen,
  mustSucceed,
  rollbackArgs,
  setAlarm,
  startDeploy,
  untilLatest,
} from './moves.js';

const V3 = 'c3'.repeat(20);
/** Fleets in launch order: the world's, then v1, v2, v3, and whatever the rollback deploys serves v1. */
const v1v2v3ThenV1 = (n: number) => [undefined, V1, V2, V3][fleetOf(n, 4)] ?? V1;
const v1v2ThenV1 = (n: number) => [undefined, V1, V2][fleetOf(n, 4)] ?? V1;
const readyWaits = {
  blueGreen: {
    greenFleet: 'COPY_AUTO_SCALING_GROUP',
    ready: { action: 'STOP_DEPLOYMENT', waitMinutes: 600 },
    terminateBlue: { action: 'TERMINATE', waitMinutes: 5 },
  },
};
const gateArgs = ['gate', '--env', 'dev', '--bake', '300ms', '--poll', '50ms', '--json'];

async function all(cloud: TestCloud): Promise<DeploymentInfo[]> {
  return Promise.all((await deploymentIds(cloud)).map((id) => deployment(cloud, id)));
}

/**
 * Every green instance of the deployment has reached BeforeInstall (the hung one stays there until
 * CodeDeploy times it out): the fleet/index fault is bound to this deployment, whatever the speed.
 */
async function allReachedBeforeInstall(cloud: TestCloud, deploymentId: string): Promise<boolean> {
  const codedeploy = await cloud.aws.codedeploy();
  // Targets exist once the deployment has started.
  const status = (await deployment(cloud, deploymentId)).status;
  if (status === 'Created' || status === 'Queued') return false;
  const targetIds =
    (await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [];
  if (targetIds.length === 0) return false;
  const out = await codedeploy.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }));
  const events = (out.deploymentTargets ?? []).flatMap((t) =>
    (t.instanceTarget?.lifecycleEvents ?? []).filter((e) => e.lifecycleEventName === 'BeforeInstall'),
  );
  return events.length === 4 && events.every((e) => e.status !== 'Pending');
}

const commitOf = (d: DeploymentInfo | undefined) => d?.revision?.gitHubLocation?.commitId;

/** The last-known-good names a Succeeded deployment of v1 in web/web-dev (`id`, when given). */
async function lastKnownGoodIsV1(cloud: TestCloud, id?: string): Promise<string[]> {
  const codedeploy = await cloud.aws.codedeploy();
  const lkg = await readLastKnownGood(codedeploy, WEB_DEV);
  if (!lkg) return ['no last-known-good is recorded'];
  const d = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: lkg.deploymentId })))
    .deploymentInfo;
  const problems: string[] = [];
  if (commitOf(d) !== V1 || lkg.revision !== V1)
    problems.push(
      `the last-known-good ${lkg.deploymentId} is ${commitOf(d) ?? '?'} (tag ${lkg.revision}), not v1`,
    );
  if (d?.deploymentGroupName !== 'web-dev' || d.status !== 'Succeeded')
    problems.push(
      `the last-known-good ${lkg.deploymentId} is ${d?.deploymentGroupName ?? '?'}, ${d?.status ?? '?'}`,
    );
  if (id && lkg.deploymentId !== id)
    problems.push(`the last-known-good is ${lkg.deploymentId}, expected ${id}`);
  return problems;
}

interface RollbackResult {
  deploymentId?: string;
  revision?: string;
  verified?: boolean;
}

const resultOf = (stdout: string): RollbackResult => {
  try {
    return (JSON.parse(stdout) as { result?: RollbackResult }).result ?? {};
  } catch {
    return {};
  }
};

/** Both concurrent rollbacks ended verified on one deployment of v1; returns it, with the problems. */
function bothOnOne(observed: Observed): { id?: string; problems: string[] } {
  // The scenario's last two runs are the two rollbacks.
  const runs = observed.runs.slice(-2);
  const problems: string[] = [];
  for (const r of runs) {
    const result = resultOf(r.stdout);
    if (r.code !== 5 || result.verified !== true || result.revision !== V1)
      problems.push(
        `a rollback exited ${r.code} (${result.revision ?? '?'}, verified ${String(result.verified)})`,
      );
  }
  const ids = [...new Set(runs.map((r) => resultOf(r.stdout).deploymentId))];
  if (ids.length !== 1) problems.push(`the rollbacks ended on ${ids.join(', ')}, expected one deployment`);
  return { ...(ids[0] ? { id: ids[0] } : {}), problems };
}

/** Nothing was deployed to web/web-dev after `count` deployments, and the group still follows `serving`. */
async function nothingDeployed(observed: Observed, count: number, serving: string | undefined) {
  const ids = await deploymentIds(observed.context.cloud);
  const problems =
    ids.length === count ? [] : [`${ids.length} deployments of web/web-dev, expected ${count}`];
  return [...problems, ...(await groupFollowsGreen(observed.context.cloud, serving, 4))];
}

/** v1 verified, v2 deployed without verifying (it serves): the history issue 13 found. */
async function verifiedThenUnverified(ctx: ScenarioContext, ...extra: string[]): Promise<void> {
  ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1, ...extra));
  ctx.facts.v2 = await mustSucceed(ctx, deployArgs(V2, '--no-verify', ...extra));
}

export const rollbackTruth: readonly MatrixScenario[] = [
  {
    id: 'rollback-active-deployment-unverified-between',
    category: 'rollback',
    groundTruth:
      'v1 verified; v2 deployed with --no-verify (it serves); v3 waits in Ready. CodeDeploy’s own rollback would go to v2, so `rollback` stops v3 without it and deploys v1 again, which verifies',
    action: 'rollback',
    instances: 4,
    env: readyWaits,
    versions: v1v2v3ThenV1,
    act: async (ctx) => {
      await verifiedThenUnverified(ctx, '--continue');
      ctx.facts.v3 = await startDeploy(ctx, V3);
      await untilLatest(
        ctx.cloud,
        (d) => d.deploymentId === ctx.facts.v3 && d.status === 'Ready',
        'v3 to wait in Ready',
      );
      await ctx.cli(rollbackArgs);
    },
    expect: {
      exitCode: 5,
      verified: true,
      names: ['without rollback', `roll web/web-dev back to ${V1}`, `rolled back to ${V1}`],
      finalState: async (observed) => {
        const { cloud, facts } = observed.context;
        const id = resultOf(observed.last.stdout).deploymentId;
        const deployments = await all(cloud);
        const problems = deployments
          .filter((d) => d.creator === 'codeDeployRollback')
          .map((d) => `CodeDeploy rolled back in ${d.deploymentId ?? '?'} (${commitOf(d) ?? '?'})`);
        const v3 = deployments.find((d) => d.deploymentId === facts.v3);
        if (v3?.status !== 'Stopped')
          problems.push(`v3 ${facts.v3 ?? '?'} is ${v3?.status ?? '?'}, expected Stopped`);
        const carried = deployments.find((d) => d.deploymentId === id);
        if (commitOf(carried) !== V1 || id === facts.v1)
          problems.push(
            `the rollback ended on ${id ?? '?'} (${commitOf(carried) ?? '?'}), expected a new deployment of v1`,
          );
        return [
          ...problems,
          ...(await lastKnownGoodIsV1(cloud, id)),
          ...(await groupFollowsGreen(cloud, id, 4)),
        ];
      },
    },
  },
  {
    id: 'concurrent-rollbacks-one-redeploy',
    category: 'concurrency',
    groundTruth:
      'v1 verified; v2 deployed with --no-verify; two `rollback` jobs, the second started once the first has created its redeploy of v1 (which waits 30 minutes to terminate blue): they end on that one deployment, both verified, and neither stops anything',
    action: 'rollback',
    instances: 4,
    env: {
      blueGreen: {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        ready: { action: 'CONTINUE_DEPLOYMENT' },
        terminateBlue: { action: 'TERMINATE', waitMinutes: 30 },
      },
    },
    versions: v1v2ThenV1,
    act: async (ctx) => {
      await verifiedThenUnverified(ctx);
      await Promise.all([
        ctx.cli(rollbackArgs),
        (async () => {
          // Usually while that redeploy still runs; the truth holds whenever the second one looks.
          await untilLatest(
            ctx.cloud,
            (d) => commitOf(d) === V1 && d.deploymentId !== ctx.facts.v1,
            'the first rollback to create its redeploy of v1',
          );
          return ctx.cli(rollbackArgs);
        })(),
      ]);
    },
    expect: {
      exitCode: 5,
      verified: true,
      names: [`rolled back to ${V1}`],
      finalState: async (observed) => {
        const { cloud } = observed.context;
        const { id, problems } = bothOnOne(observed);
        const deployments = await all(cloud);
        if (deployments.length !== 3)
          problems.push(`${deployments.length} deployments, expected v1, v2 and one rollback`);
        const stops = (await cloud.requests())['codedeploy:StopDeployment'] ?? 0;
        if (stops > 0) problems.push(`StopDeployment was called ${stops} times`);
        return [
          ...problems,
          ...(await lastKnownGoodIsV1(cloud, id)),
          ...(await groupFollowsGreen(cloud, id, 4)),
        ];
      },
    },
  },
  {
    id: 'concurrent-rollbacks-stop-active-once',
    category: 'concurrency',
    groundTruth:
      'v1 verified; v2 deployed with --no-verify; v3 hangs in BeforeInstall on its first instance; two `rollback` jobs start at once: v3 ends, one deployment of v1 follows, both jobs verify it, and no deployment of v1 is stopped',
    action: 'rollback',
    instances: 4,
    versions: v1v2v3ThenV1,
    act: async (ctx) => {
      await verifiedThenUnverified(ctx);
      await ctx.cloud.fault({
        scope: 'instance',
        deploymentGroup: 'web-dev',
        fleet: 'green',
        index: 0,
        event: 'BeforeInstall',
        effect: 'hang',
      });
      ctx.facts.v3 = await startDeploy(ctx, V3, '--no-verify');
      // The fault belongs to the first deployment whose instance asks for it: v3's, once it hangs.
      await ctx.cloud.until(
        () => allReachedBeforeInstall(ctx.cloud, ctx.facts.v3 ?? ''),
        Boolean,
        'v3 to reach BeforeInstall',
      );
      await Promise.all([ctx.cli(rollbackArgs), ctx.cli(rollbackArgs)]);
    },
    expect: {
      exitCode: 5,
      verified: true,
      names: [`rolled back to ${V1}`],
      finalState: async (observed) => {
        const { cloud, facts } = observed.context;
        const { id, problems } = bothOnOne(observed);
        const deployments = await all(cloud);
        const ours = deployments.filter(
          (d) => commitOf(d) === V1 && d.creator === 'user' && d.deploymentId !== facts.v1,
        );
        if (ours.length !== 1) problems.push(`${ours.length} deployments of v1 after v3, expected 1`);
        for (const d of deployments.filter((x) => commitOf(x) === V1 && x.status === 'Stopped'))
          problems.push(`a deployment of v1, ${d.deploymentId ?? '?'}, was stopped`);
        const v3 = deployments.find((d) => d.deploymentId === facts.v3);
        if (v3?.status === 'Succeeded') problems.push(`v3 ${facts.v3 ?? '?'} Succeeded`);
        return [
          ...problems,
          ...(await lastKnownGoodIsV1(cloud, id)),
          ...(await groupFollowsGreen(cloud, id, 4)),
        ];
      },
    },
  },
  {
    id: 'rollback-already-on-verified-revision',
    category: 'rollback',
    groundTruth:
      'v1 verified and serving; `rollback` finds the group already on v1, verifies it where it is and deploys nothing',
    action: 'rollback',
    instances: 4,
    versions: v1v2ThenV1,
    act: async (ctx) => {
      ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1));
      await ctx.cli(rollbackArgs);
    },
    expect: {
      exitCode: 5,
      verified: true,
      names: [`already serves ${V1} in d-`, 'nothing was redeployed'],
      finalState: async (observed) => {
        const { cloud, facts } = observed.context;
        const id = resultOf(observed.last.stdout).deploymentId;
        const problems =
          id === facts.v1 ? [] : [`the rollback ended on ${id ?? '?'}, expected ${facts.v1 ?? '?'}`];
        return [
          ...problems,
          ...(await nothingDeployed(observed, 1, facts.v1)),
          ...(await lastKnownGoodIsV1(cloud, facts.v1)),
        ];
      },
    },
  },
  {
    id: 'rollback-forged-last-known-good-other-application',
    category: 'rollback',
    groundTruth:
      'v1 verified; v2 deployed with --no-verify; the group’s last-known-good tags are rewritten to name a Succeeded deployment of v0 in another application (api/api-dev): `rollback` refuses and deploys nothing',
    action: 'rollback',
    instances: 4,
    versions: v1v2ThenV1,
    act: async (ctx) => {
      await verifiedThenUnverified(ctx);
      ctx.facts.foreign = await foreignDeployment(ctx.cloud, V0);
      await forgeTags(ctx.cloud, { [LKG_TAGS.deployment]: ctx.facts.foreign, [LKG_TAGS.revision]: V0 });
      await ctx.cli(rollbackArgs);
    },
    expect: {
      exitCode: 1,
      names: [
        'the last-known-good record of web/web-dev names d-',
        'is a deployment of api/api-dev, not of web/web-dev',
        'nothing was deployed',
        'greenlight rollback --env dev --to SHA',
      ],
      finalState: async (observed) => {
        const { cloud, facts } = observed.context;
        const problems = observed.last.stderr.includes(`names ${facts.foreign ?? '?'} (${V0})`)
          ? []
          : [`stderr does not name the forged record's deployment ${facts.foreign ?? '?'}`];
        const lkg = await readLastKnownGood(await cloud.aws.codedeploy(), WEB_DEV);
        if (lkg?.deploymentId !== facts.foreign)
          problems.push(`the record was rewritten to ${lkg?.deploymentId ?? 'nothing'}`);
        return [...problems, ...(await nothingDeployed(observed, 2, facts.v2))];
      },
    },
  },
  {
    id: 'gate-rollback-forged-passed-gate',
    category: 'gate',
    groundTruth:
      'v1 verified and passed the gate; v2 verified; the passed-gate tags are rewritten to name a deployment of v0 in another application; web-dev-5xx is in ALARM, so the gate fails, and --rollback-on-failure refuses to deploy what the forged record names',
    action: 'gate',
    instances: 4,
    versions: v1v2ThenV1,
    act: async (ctx) => {
      ctx.facts.v1 = await mustSucceed(ctx, deployArgs(V1));
      await mustSucceed(ctx, gateArgs);
      ctx.facts.v2 = await mustSucceed(ctx, deployArgs(V2));
      ctx.facts.foreign = await foreignDeployment(ctx.cloud, V0);
      await forgeTags(ctx.cloud, {
        [PASSED_GATE_TAGS.deployment]: ctx.facts.foreign,
        [PASSED_GATE_TAGS.revision]: V0,
      });
      await setAlarm(ctx.cloud, 'web-dev-5xx', 'ALARM', '5xx above 1%');
      await ctx.cli([...gateArgs, '--rollback-on-failure']);
    },
    expect: {
      exitCode: 1,
      verified: false,
      names: [
        'gate failed',
        'not rolled back: the passed-gate record of web/web-dev names d-',
        'is a deployment of api/api-dev, not of web/web-dev',
        '--to SHA',
      ],
      finalState: (observed) => nothingDeployed(observed, 2, observed.context.facts.v2),
    },
  },
];
